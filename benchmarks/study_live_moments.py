r"""Moments study: does the event study's interval cover 0 when nothing happens, and the planted
bump when one does?

Each run simulates 12 LIVEs of 120 minutes with 2 noted moments each
(:func:`analysis.sample.minutes.simulate_minutes`: LIVE rates log-normal, sigma 0.3; minute mood
sigma 0.15; about 120 viewers a minute), seed ``SEED + run``, and runs
:func:`analysis.analyses.live_moments.live_moments` (windows 0 to +2 and +3 to +20 minutes, no
profile, no placebo). Scenario ``none``: no bump; every window's interval should cover 0 at
the nominal 95 %. Scenario ``bump``: clicks per viewer up by half (relative) for 3 minutes from
each moment (orders follow clicks); the 0 to +2 windows should cover the planted differences
(``truth["click_bump"]``, ``truth["order_bump"]``, viewer-weighted), ``reject0`` being the power;
the +3 to +20 rows should cover 0.

Columns: ``coverage`` of ``target`` (0, or the planted difference) with its Monte Carlo SE
:math:`\sqrt{c(1-c)/n}`; ``within`` is ``coverage >= 0.95 - 3 MCSE``; ``reject0`` the share of
intervals excluding 0; ``mean_diff`` the mean estimate; ``few_clusters`` the share of rows with
that status (12 LIVEs is above the 10 of the status: 0). ``tests/analyses/test_live_moments.py``
reads the committed table.

    python benchmarks/study_live_moments.py --runs 1000 --bump-runs 200 \
        > benchmarks/results/live_moments_study.txt
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.analyses.live_moments import live_moments
from analysis.sample.minutes import simulate_minutes

SEED, LEVEL, BUMP = 20261207, 0.95, 0.5
TABLE = Path(__file__).parent / "results" / "live_moments_study.csv"


def scenario(name: str, bump: float, runs: int) -> list[dict]:
    """The rows of one scenario: one per measure x window."""
    found: dict[tuple, list] = {}
    t0 = time.perf_counter()
    for i in range(runs):
        sim = simulate_minutes(bump=bump, seed=SEED + i)
        m, _ = live_moments(sim.cells, sim.events, profile=False, by_type=False, placebo=0,
                            level=LEVEL)  # fmt: skip
        for r in m.itertuples(index=False):
            key = (r.measure, f"{r.from_minute:+d} to {r.to_minute:+d}")
            planted = {"clicks_per_viewer": "click_bump", "orders_per_viewer": "order_bump"}
            target = sim.truth[planted[r.measure]] if r.from_minute == 0 else 0.0
            found.setdefault(key, []).append((r.ci_low <= target <= r.ci_high,
                                              not r.ci_low <= 0 <= r.ci_high, r.difference,
                                              target, r.status == "few_clusters"))  # fmt: skip
    ms = 1000 * (time.perf_counter() - t0) / runs
    rows = []
    for (measure, window), got in sorted(found.items()):
        a = np.array(got, dtype=float)
        c = float(a[:, 0].mean())
        mcse = float(np.sqrt(c * (1 - c) / len(a)))
        rows.append({"scenario": name, "measure": measure, "window": window, "runs": len(a),
                     "target": "planted" if a[:, 3].any() else "0",
                     "mean_target": float(a[:, 3].mean()), "coverage": c, "mcse": mcse,
                     "within": c >= LEVEL - 3 * mcse, "reject0": float(a[:, 1].mean()),
                     "mean_diff": float(a[:, 2].mean()), "few_clusters": float(a[:, 4].mean()),
                     "ms_run": ms})  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run both scenarios, print the table and write :data:`TABLE`."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1000, help="runs without a bump (default 1000)")
    p.add_argument("--bump-runs", type=int, default=200, help="runs with the planted bump")
    p.add_argument("--out", type=Path, default=TABLE, help="the CSV table written")
    args = p.parse_args(argv)
    rows = scenario("none", 0.0, args.runs) + scenario("bump", BUMP, args.bump_runs)
    table = pd.DataFrame(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, float_format="%.6g")
    print(f"# seeds {SEED}..; 12 LIVEs x 120 min, 2 moments each; level {LEVEL}")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
