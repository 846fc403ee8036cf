"""Seeded A/A of the GLM's live coefficient: CR2 under the kit's working model vs clubSandwich's.

    .venv/bin/python benchmarks/aa_glm_cr2.py [--seed 13] [--reps 1000] [--icc 0.02]

Design drawn once from the seed: 10 LIVEs of 3 hours (150-900 viewers per cell) and 40 off-live
product-days of 2 cells (100-500 viewers). No live effect; each LIVE and product-day has a
mean-one multiplicative effect on p = 0.05, u ~ N(-s2/2, s2), s2 = log(1 + ICC (1 - p) / p)
(docs/metrics.md, "Simulation study"). Per replicate ``glm(cells, "atc_rate ~ is_live")``; prints the rejection rate at 5 % and
the median df of the live coefficient, shipped (random-intercept working model, tau2 estimated)
and with tau2 = 0 (R clubSandwich's default working model), with the Monte Carlo SE.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    import argparse

    import numpy as np
    import pandas as pd
    from scipy import stats

    import analysis as cl
    from analysis.stats.cr2 import cr2_parts, glm_inputs
    from tests.stats.test_cr2 import aa_design

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--icc", type=float, default=0.02)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    d = aa_design(rng)  # the design of the A/A test, drawn from this seed
    p = 0.05
    s2 = np.log(1 + args.icc * (1 - p) / p)
    codes, uniq = pd.factorize(
        d["content_id"].fillna(d["product_id"] + "|" + d["date"].astype(str))
    )
    rej, dfs = {"shipped": 0, "tau2=0": 0}, {"shipped": [], "tau2=0": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(args.reps):
            u = rng.normal(-s2 / 2, np.sqrt(s2), len(uniq))[codes]
            cells = d.assign(
                atc=rng.binomial(d["viewers"].to_numpy(), np.minimum(p * np.exp(u), 1))
            )
            res = cl.glm(cells, "atc_rate ~ is_live")
            row = cl.coef_table(res).set_index("term").loc["is_live[T.True]"]
            rej["shipped"] += row["pvalue"] < 0.05
            dfs["shipped"].append(row["df"])
            j = list(res.params.index).index("is_live[T.True]")
            Xt, w, e, theta = glm_inputs(res)
            zero = cr2_parts(Xt, w, res.model.data.frame["_cluster"].to_numpy(), target=theta)
            nu, se = zero.df(np.eye(len(res.params))[j])[0], np.sqrt(zero.vcov(e)[j, j])
            rej["tau2=0"] += 2 * stats.t.sf(abs(res.params.iloc[j] / se), nu) < 0.05
            dfs["tau2=0"].append(nu)
    mc = np.sqrt(0.05 * 0.95 / args.reps)
    print(f"seed {args.seed}, {args.reps} runs, ICC {args.icc}, 10 LIVEs; MC SE {mc:.4f}")
    for k in rej:
        print(f"{k}: rejects {rej[k] / args.reps:.3f} at 5 %, median df {np.median(dfs[k]):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
