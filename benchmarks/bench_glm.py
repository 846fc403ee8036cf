"""Binomial GLM on aggregated counts vs logistic regression on one row per viewer, in one run.

    .venv/bin/python benchmarks/bench_glm.py [--weeks 8] [--seed 0]

The same model (ATC ~ live + hour + category + age group) fitted twice on the simulated shop:
once on the cells collapsed to one row per covariate pattern (successes, failures), once on the
event rows (one Bernoulli row per viewer). Prints both wall times, their ratio (target >= 100x)
and the largest coefficient difference (target <= 1e-6): for a binomial likelihood the aggregated
fit is exact, not an approximation.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def main() -> None:
    import statsmodels.api as sm
    from patsy import dmatrix

    import analysis as cl

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cells, _ = cl.simulate(weeks=args.weeks, seed=args.seed)
    keys = ["is_live", "hour", "category", "age_group"]
    cells = cells.assign(is_live=cells["is_live"].astype(int), hour=cells["hour"].astype(int))
    formula = "is_live + C(hour) + C(category) + C(age_group)"

    # event rows: one row per viewer, y = 1 for the atc of them (built outside the timing)
    n = cells["viewers"].astype(int).to_numpy()
    k = cells["atc"].astype(int).to_numpy()
    rows = cells.loc[cells.index.repeat(n), keys].reset_index(drop=True)
    first = np.repeat(np.cumsum(n) - n, n)
    rows["y"] = (np.arange(n.sum()) - first < np.repeat(k, n)).astype(float)

    t0 = time.perf_counter()
    agg = cells.groupby(keys, observed=True)[["atc", "viewers"]].sum().reset_index()
    X = np.asarray(dmatrix(formula, agg))
    y = np.column_stack([agg["atc"], agg["viewers"] - agg["atc"]]).astype(float)
    fit_agg = sm.GLM(y, X, family=sm.families.Binomial()).fit(tol=1e-12, maxiter=100)
    t_agg = time.perf_counter() - t0

    t0 = time.perf_counter()
    Xr = np.asarray(dmatrix(formula, rows))
    fit_rows = sm.GLM(rows["y"].to_numpy(), Xr, family=sm.families.Binomial()).fit(
        tol=1e-12, maxiter=100
    )
    t_rows = time.perf_counter() - t0

    diff = float(np.max(np.abs(fit_agg.params - fit_rows.params)))
    print(f"cells {len(cells):,} -> {len(agg):,} covariate patterns; event rows {len(rows):,}")
    print(f"GLM on aggregated counts   {t_agg:8.3f} s")
    print(f"logistic on event rows     {t_rows:8.3f} s")
    verdict = "within" if t_rows / t_agg >= 100 else "BELOW"
    print(f"speed ratio                {t_rows / t_agg:8.1f}x  (target >= 100x: {verdict} target)")
    ok = "within" if diff <= 1e-6 else "OVER"
    print(f"max |coefficient diff|     {diff:.2e}  (target <= 1e-6: {ok} target)")


if __name__ == "__main__":
    pd.set_option("display.width", 120)
    main()
