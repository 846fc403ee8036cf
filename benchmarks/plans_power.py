r"""Do the kit's plans deliver their power? Simulate each plan, test it as the analysis will.

For each plan (baseline rate 4 %, lift 1.5x and 2x, LIVE ICC 0.005 / 0.02 / 0.05, LIVE sizes of
mean 1,000 viewers with cv 0.8), :func:`analysis.stats.planning.sample_size` (at the ICC point
estimate: the true ICC is known here) gives *k* LIVEs per arm. The design (the 2k LIVE sizes,
gamma with that mean and cv) is drawn once per plan from its seed; each replicate draws the LIVE
effects of the SPEC13 log-link simulator, :math:`p_g = p_{arm} e^{u_g}`,
:math:`u_g \sim N(-\sigma^2/2, \sigma^2)` with :math:`\sigma^2 = \log(1 + ICC\,(1-p_0)/p_0)`
(ICC on the rate scale at the baseline), and binomial add-to-carts, then applies the analysis
test: the primary ``pvalue`` of ``analysis.stats.compare.compare(cells, between="arm",
cluster="content_id")``. Delivered power = share of replicates with p < 0.05, with its Monte
Carlo SE :math:`\sqrt{\hat\pi(1-\hat\pi)/R}`. Done when: delivered within 3 points + 3 MCSE of
the nominal (``power_achieved`` of the plan, >= 80 %).

Both power methods of ``sample_size`` are checked (``noncentral-t``, the default, and
``simulation``). ``--test closed-form`` uses the per-side closed form
(:func:`analysis.stats.power_simulation.difference_pvalues`, CR2 + Bell-McCaffrey df of the log
ratio, vectorised) instead of the kit's ``compare``: a fast cross-check, not the committed run.

    python benchmarks/plans_power.py --reps 5000 --jobs 2 > benchmarks/results/plans_power.txt
"""

from __future__ import annotations

import argparse
import multiprocessing
import time

import numpy as np
import pandas as pd

from analysis.stats.compare import compare
from analysis.stats.planning import sample_size
from analysis.stats.power_simulation import difference_pvalues

P0, MEAN_SIZE, CV, LEVEL, POWER = 0.04, 1000.0, 0.8, 0.95, 0.8
PLANS = [(lift, icc) for lift in (1.5, 2.0) for icc in (0.005, 0.02, 0.05)]
SEED = 20261207


def design(k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """2k LIVE sizes (gamma draws set to mean ``MEAN_SIZE`` and cv ``CV`` exactly) and arms."""
    g = rng.gamma(1 / CV**2, MEAN_SIZE * CV**2, 2 * k)
    sizes = MEAN_SIZE * (1 + CV * (g - g.mean()) / g.std())
    return np.maximum(1, np.round(sizes)).astype(int), np.repeat([False, True], k)


def simulate(sizes, arm, p1, icc, reps, rng) -> np.ndarray:
    """Add-to-carts ``(reps, 2k)`` of the log-link simulator (module docstring)."""
    s2 = np.log1p(icc * (1 - P0) / P0)
    u = rng.normal(-s2 / 2, np.sqrt(s2), (reps, len(sizes)))
    p = np.minimum(np.where(arm, p1, P0) * np.exp(u), 1.0)
    return rng.binomial(np.broadcast_to(sizes, p.shape), p)


def kit_pvalues(x: np.ndarray, sizes: np.ndarray, arm: np.ndarray) -> np.ndarray:
    """Primary ``pvalue`` of the kit's ``compare`` on every replicate (one cell per LIVE)."""
    cells = pd.DataFrame({
        "arm": np.where(arm, "live", "control"), "is_live": True, "atc": 0, "viewers": sizes,
        "unit": "visitor", "content_id": [f"L{i}" for i in range(len(sizes))], "hour": 20,
    })  # fmt: skip
    out = np.empty(len(x))
    for r, row in enumerate(x):
        res = compare(cells.assign(atc=row), between="arm", groups=("live", "control"),
                      cluster="content_id")  # fmt: skip
        out[r] = res["pvalue"].iloc[0]
    return out


def run_plan(task: tuple) -> dict:
    """Plan, simulate and test one (lift, icc) plan; ``task`` = (lift, icc, reps, seed, test,
    power_method)."""
    lift, icc, reps, seed, test, how = task
    plan = sample_size(P0, P0 * lift, level=LEVEL, power=POWER, icc=icc, cluster_size=MEAN_SIZE,
                       cluster_cv=CV, plan_at="estimate", power_method=how).iloc[0]  # fmt: skip
    k = int(plan["clusters_per_arm"])
    rng = np.random.default_rng(seed)
    sizes, arm = design(k, rng)
    x = simulate(sizes, arm, P0 * lift, icc, reps, rng)
    t0 = time.perf_counter()
    p = (kit_pvalues if test == "kit" else difference_pvalues)(x, sizes, arm)
    seconds = time.perf_counter() - t0
    undefined = int(np.isnan(p).sum())
    delivered = float(np.mean(np.nan_to_num(p, nan=1.0) < 1 - LEVEL))
    mcse = float(np.sqrt(delivered * (1 - delivered) / reps))
    nominal = float(plan["power_achieved"])
    ok = delivered >= nominal - 0.03 - 3 * mcse and delivered <= nominal + 0.03 + 3 * mcse
    return {"lift": lift, "icc": icc, "lives_per_arm": k, "plan_df": plan["df"],
            "nominal": nominal, "delivered": delivered, "mcse": mcse, "undefined": undefined,
            "ok": ok, "test_seconds": seconds}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--test", choices=("kit", "closed-form"), default="kit")
    ap.add_argument("--power-method", default="noncentral-t,simulation",
                    help="comma-separated sample_size power methods to check")  # fmt: skip
    ap.add_argument("--jobs", type=int, default=1, help="plans run in parallel processes")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    test = "kit compare() primary pvalue" if args.test == "kit" else "closed-form CR2-BM"
    print(f"Delivered vs nominal power of sample_size plans ({args.reps} replicates per plan, "
          f"test: {test}; baseline {P0:.0%}, LIVE size mean {MEAN_SIZE:,.0f} cv {CV}, level "
          f"{LEVEL:.0%}, power {POWER:.0%}, seed {SEED})", flush=True)  # fmt: skip
    print(f"{'power_method':<13} {'lift':>5} {'icc':>6} {'LIVEs/arm':>9} {'plan df':>8} "
          f"{'nominal':>8} {'delivered':>9} {'MCSE':>6} {'undef':>5} {'within':>7} "
          f"{'ms/test':>8}", flush=True)  # fmt: skip
    tasks = [(lift, icc, args.reps, SEED + i, args.test, how)
             for how in args.power_method.split(",") for i, (lift, icc) in enumerate(PLANS)]  # fmt: skip
    if args.jobs > 1:
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            results = pool.imap(run_plan, tasks)
            bad = _print_rows(tasks, results)
    else:
        bad = _print_rows(tasks, map(run_plan, tasks))
    print(
        f"within 3 points + 3 MCSE of nominal: {len(tasks) - bad} of {len(tasks)} plans; "
        f"wall time {time.perf_counter() - start:.0f} s"
    )
    return 1 if bad else 0


def _print_rows(tasks, results) -> int:
    bad = 0
    for task, r in zip(tasks, results, strict=True):
        bad += not r["ok"]
        print(f"{task[5]:<13} {r['lift']:>5.1f} {r['icc']:>6.3f} {r['lives_per_arm']:>9d} "
              f"{r['plan_df']:>8.1f} {r['nominal']:>8.3f} {r['delivered']:>9.3f} "
              f"{r['mcse']:>6.3f} {r['undefined']:>5d} {'yes' if r['ok'] else 'NO':>7} "
              f"{1000 * r['test_seconds'] / task[2]:>8.2f}", flush=True)  # fmt: skip
    return bad


if __name__ == "__main__":
    raise SystemExit(main())
