r"""Switchback study: coverage of the inverted interval, its width, planned vs simulated power.

For 8, 12, 20 and 30 LIVEs (one block, half per arm: ``switchback_schedule(T, seed=...)``), the
shop's history is 40 past LIVEs (gamma sizes, mean 1,000 viewers, cv 0.8; rate 4 %; LIVE ICC
0.005, so log-normal LIVE effects with :math:`\sigma^2 = \log(1 + 0.005 \cdot 0.96 / 0.04)`),
drawn once from ``SEED``. Each run draws a schedule (its own seed), simulates the LIVEs with the
planted multiplicative effect ``EFFECT`` (:func:`analysis.stats.switchback_plan.simulate_runs`:
sizes resampled from the history, :math:`p_t = p_0 e^{u_t} r^{e_t}`), and runs the analysis
kernels of :func:`analysis.stats.switchback_analysis.analyse_switchback`: the randomisation
p-value of no effect (exact up to 65,536 assignments, else 2,000 seeded draws) and the interval
by test inversion. Three carry-over cases: none (truth and analysis lag 0); one slot (truth: a
LIVE's effect is :math:`r^{(W_{t-1} + W_t)/2}`, analysis with a one-LIVE buffer); one slot
ignored (the same truth analysed at lag 0, to show what the buffer buys).

Columns: ``coverage`` of the planted ratio (MCSE :math:`\sqrt{c(1-c)/n}`; done when
:math:`\ge 0.95 - 3` MCSE), ``med_width`` the median of high - low (inf when more than half the
intervals are unbounded), ``unbounded`` the share reaching the search edge, ``planned`` the power
of :func:`analysis.stats.switchback_plan.switchback_power` (2,000 simulated experiments, its own
seed) and ``simulated`` the share of runs with p <= 0.05 (done when they differ by at most 3
points + 3 combined MCSE). ``tests/stats/test_switchback.py`` reads the committed table.

    python benchmarks/study_switchback.py --runs 1000 > benchmarks/results/switchback_study.txt

``--alternative larger`` runs the one-sided test (``cartlift plan --alternative larger``) on the
no-carry-over and one-slot cases: ``coverage`` is then that of the one-sided interval
:math:`[r_{low}, \infty)`, ``med_low`` the median of its finite end and ``unbounded`` the share
whose finite end reaches the search edge; table ``results/switchback_study_one_sided.txt``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from analysis.stats.randomisation import MAX_ENUMERATE, n_assignments, window_probabilities
from analysis.stats.switchback import mechanism_of, switchback_schedule
from analysis.stats.switchback_inference import inverted_interval, ratio_test, reference_set
from analysis.stats.switchback_plan import simulate_runs, switchback_power

SEED, P0, ICC, EFFECT, LEVEL = 20261207, 0.04, 0.005, 1.5, 0.95
SIZES = (8, 12, 20, 30)
CASES = (("none", 0, 0), ("one slot", 1, 1), ("one slot, ignored", 1, 0))
HEADER = (
    f"{'LIVEs':>5} {'carry-over':<18} {'truth_m':>7} {'analysed_m':>10} {'assignments':>11} "
    f"{'test':>5} {'runs':>5} {'coverage':>8} {'cov_mcse':>8} {'med_width':>9} {'unbounded':>9} "
    f"{'planned':>7} {'pl_mcse':>7} {'simulated':>9} {'sim_mcse':>8} {'within':>6} {'ms/run':>7}"
)


def history(rng: np.random.Generator, n: int = 40) -> np.ndarray:
    """Past LIVE sizes: gamma with mean 1,000 and cv 0.8, rounded, at least 1."""
    return np.maximum(1, np.round(rng.gamma(1 / 0.8**2, 1000 * 0.8**2, n)))


def scenario(
    T: int, truth_m: int, m: int, sizes: np.ndarray, runs: int, seed: int, alternative: str
) -> dict:
    """Coverage, width and power of ``runs`` simulated switchbacks of ``T`` LIVEs."""
    sigma2 = float(np.log1p(ICC * (1 - P0) / P0))
    cover, width, reject = np.zeros(runs, bool), np.zeros(runs), np.zeros(runs, bool)
    edge = np.zeros(runs, bool)
    one = alternative != "two-sided"
    mech, t0 = None, time.perf_counter()
    for i in range(runs):
        sched = switchback_schedule(T, carryover_buffer=m, level=LEVEL, seed=seed + i)
        mech = mechanism_of(sched["block"], "blocked", 0.5, 1)
        w = sched["treated"].to_numpy()
        big = n_assignments(mech) > MAX_ENUMERATE
        ref = reference_set(mech, reps=2000 if big else None, seed=seed + runs + i)
        pi1, pi0 = window_probabilities(mech, m)
        rng = np.random.default_rng(seed + 2 * runs + i)
        _, Y = simulate_runs(w[None, :], sizes=sizes, p0=P0, sigma2=sigma2, effect=EFFECT,
                             carryover=truth_m, rng=rng)  # fmt: skip
        test = ratio_test(Y[0], w, ref, pi1, pi0, m, alternative)
        reject[i] = test(np.array([1.0]))[0] <= 1 - LEVEL
        low, high, bounded = inverted_interval(Y[0], w, ref, pi1, pi0, m, level=LEVEL,
                                               alternative=alternative)  # fmt: skip
        cover[i], width[i] = low <= EFFECT <= high, low if one else high - low
        edge[i] = not bounded if one else not np.isfinite(high - low)
    ms = 1000 * (time.perf_counter() - t0) / runs
    assert mech is not None
    planned, pl_mcse = switchback_power(mech, m, sizes=sizes, p0=P0, sigma2=sigma2, effect=EFFECT,
                                        level=LEVEL, reps=2000, seed=seed + 3 * runs,
                                        alternative=alternative)  # fmt: skip
    cov, sim = cover.mean(), reject.mean()
    sim_mcse = np.sqrt(sim * (1 - sim) / runs)
    within = abs(planned - sim) <= 0.03 + 3 * np.hypot(pl_mcse, sim_mcse)
    return dict(
        T=T, truth_m=truth_m, m=m, K=n_assignments(mech), test="MC" if big else "exact", runs=runs,
        coverage=cov, cov_mcse=np.sqrt(cov * (1 - cov) / runs), med_width=float(np.median(width)),
        unbounded=float(np.mean(edge)), planned=planned, pl_mcse=pl_mcse,
        simulated=sim, sim_mcse=sim_mcse, within="yes" if within else "NO", ms=ms,
    )  # fmt: skip


def line(case: str, r: dict) -> str:
    """One fixed-width row of the table."""
    return (
        f"{r['T']:>5} {case:<18} {r['truth_m']:>7} {r['m']:>10} {r['K']:>11} {r['test']:>5} "
        f"{r['runs']:>5} {r['coverage']:>8.3f} {r['cov_mcse']:>8.4f} {r['med_width']:>9.3f} "
        f"{r['unbounded']:>9.3f} {r['planned']:>7.3f} {r['pl_mcse']:>7.4f} {r['simulated']:>9.3f} "
        f"{r['sim_mcse']:>8.4f} {r['within']:>6} {r['ms']:>7.1f}"
    )


def main() -> None:
    """Print the table (command and settings first)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--alternative", default="two-sided", choices=["two-sided", "larger"])
    args = parser.parse_args()
    sizes = history(np.random.default_rng(SEED))
    one = args.alternative != "two-sided"
    print(f"$ python benchmarks/study_switchback.py --runs {args.runs}"
          + (f" --alternative {args.alternative}" if one else ""))  # fmt: skip
    print(
        f"Switchback study: one block, half per arm; planted ratio {EFFECT}, baseline {P0:.0%}, "
        f"LIVE ICC {ICC}, 40 past LIVEs (mean size {sizes.mean():.0f}), level {LEVEL:.0%}, "
        f"seed {SEED}" + (f"; one-sided test ({args.alternative})" if one else "")
    )
    print(HEADER.replace("med_width", "  med_low") if one else HEADER)
    start = time.perf_counter()
    for j, T in enumerate(args.sizes):
        for c, (case, truth_m, m) in enumerate(CASES):
            if one and case.endswith("ignored"):
                continue
            seed = SEED + 100_000 * (3 * j + c + 1)
            row = scenario(T, truth_m, m, sizes, args.runs, seed, args.alternative)
            print(line(case, row), flush=True)
    print(f"wall time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
