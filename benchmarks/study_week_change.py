"""Simulation check of "what changed this week" (issue 15, item 4).

    .venv/bin/python benchmarks/study_week_change.py --reps 500   # committed run
    .venv/bin/python benchmarks/study_week_change.py --reps 40    # development

Two ISO weeks of cells (2026-W46, 2026-W47) with 5, 10 and 30 LIVEs a week. LIVE cells: one per
LIVE, viewers log-normal (median 300, clipped 50-1,500), a LIVE random effect on the logit scale
(SD 0.25: ICC about 0.02) shared by its add-to-cart and conversion rates (baselines 8 % and
1.5 %). Outside LIVE: 20 products x 7 days a week, viewers 30-300, a day effect (SD 0.15) shared
by every product of the day, product effects fixed across weeks (baselines 5 % and 1 %). Under
"no change" both weeks draw from the same model; under "planted" this week's LIVE add-to-cart
odds are 1.5x and its outside-LIVE add-to-cart odds 1.2x (conversion unchanged). Each replicate
runs :func:`analysis.analyses.week_change.headline_change` once (4 rows: 2 metrics x 2 sides,
Holm across them).

Prints, per number of LIVEs and scenario, the share of replicates with at least one "change"
call (family-wise; nominal at most 5 % under no change) with its Monte Carlo SE
:math:`\\sqrt{\\hat p (1 - \\hat p) / R}`, the share of each row called "change" (power of the
planted rows), and the share of ``few_clusters`` statuses. Seeds are fixed below, before any
run: scenario ``k`` (in the order printed) uses ``SEED + k``. Output committed in
``benchmarks/results/week_change_study.txt`` and cited in ``docs/metrics.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.analyses.week_change import headline_change  # noqa: E402

SEED = 20261207
LIVES = (5, 10, 30)
#: scenario -> (LIVE add-to-cart odds ratio, outside-LIVE add-to-cart odds ratio) this week
SCENARIOS = {"no change": (1.0, 1.0), "planted": (1.5, 1.2)}
BASE = {"live": (0.08, 0.015), "nonlive": (0.05, 0.01)}
MONDAYS = {"previous": pd.Timestamp("2026-11-09"), "this": pd.Timestamp("2026-11-16")}
PRODUCTS = 20


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _side(rng, n_units, effect, base, odds, viewers) -> dict[str, np.ndarray]:
    """Counts of one side of one week: ``effect`` on the logit scale per unit."""
    atc = rng.binomial(viewers, _expit(_logit(base[0]) + np.log(odds) + effect))
    orders = rng.binomial(viewers, _expit(_logit(base[1]) + effect))
    return {"viewers": viewers, "atc": atc, "orders": orders}


def simulate(rng: np.random.Generator, lives: int, odds: tuple[float, float],
             product_effect: np.ndarray) -> pd.DataFrame:  # fmt: skip
    """Canonical-shaped cells of two weeks (the module's model)."""
    frames = []
    for period, monday in MONDAYS.items():
        live_or, off_or = odds if period == "this" else (1.0, 1.0)
        viewers = np.clip(np.round(rng.lognormal(np.log(300), 0.8, lives)), 50, 1500).astype(int)
        live = _side(rng, lives, rng.normal(0, 0.25, lives), BASE["live"], live_or, viewers)
        frames.append(pd.DataFrame({**live, "is_live": True, "channel": "LIVE",
            "content_id": [f"{period}-{i}" for i in range(lives)], "product_id": "P0",
            "date": monday + pd.to_timedelta(np.arange(lives) % 7, unit="D")}))  # fmt: skip
        day = np.repeat(rng.normal(0, 0.15, 7), PRODUCTS) + np.tile(product_effect, 7)
        viewers = rng.integers(30, 301, 7 * PRODUCTS)
        off = _side(rng, 7 * PRODUCTS, day, BASE["nonlive"], off_or, viewers)
        frames.append(pd.DataFrame({**off, "is_live": False, "channel": "PRODUCT_CARD",
            "content_id": None, "product_id": np.tile([f"P{j}" for j in range(PRODUCTS)], 7),
            "date": monday + pd.to_timedelta(np.repeat(np.arange(7), PRODUCTS), unit="D")}))  # fmt: skip
    cells = pd.concat(frames, ignore_index=True)
    cells["unit"] = "visitor"
    return cells


def run(lives: int, odds: tuple[float, float], reps: int, seed: int) -> dict[str, float]:
    """Shares over ``reps`` replicates: any "change", each row's "change", few_clusters."""
    rng = np.random.default_rng(seed)
    product_effect = rng.normal(0, 0.3, PRODUCTS)
    any_change, calls, few = 0, None, 0
    for _ in range(reps):
        res = headline_change(simulate(rng, lives, odds, product_effect), week="2026-W47")
        hit = (res["call"] == "change").to_numpy()
        any_change += bool(hit.any())
        calls = hit.astype(int) if calls is None else calls + hit
        few += int((res["status"] == "few_clusters").sum())
    names = (res["metric"] + " " + res["side"]).tolist()
    out = {"any": any_change / reps, "few": few / (reps * len(names))}
    out.update({n: c / reps for n, c in zip(names, calls, strict=True)})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500, help="replicates per scenario")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print(f"week change study: {args.reps} replicates per row, seed {SEED} + scenario index")
    print(
        "LIVEs  scenario    any 'change' (MCSE)  | per row 'change': atc live, atc outside, "
        "conversion live, conversion outside | few_clusters share"
    )
    k = 0
    for lives in LIVES:
        for name, odds in SCENARIOS.items():
            r = run(lives, odds, args.reps, SEED + k)
            k += 1
            se = np.sqrt(r["any"] * (1 - r["any"]) / args.reps)
            rows = [r[n] for n in ("atc_rate live", "atc_rate nonlive", "conversion live",
                                   "conversion nonlive")]  # fmt: skip
            print(
                f"{lives:5d}  {name:10s}  {r['any']:6.3f} ({se:.3f})        | "
                + "  ".join(f"{v:6.3f}" for v in rows)
                + f" | {r['few']:.3f}"
            )
    print(f"nominal family-wise level 0.05; {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
