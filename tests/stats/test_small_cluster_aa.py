"""Seeded A/A with 10 LIVEs: the primary crude p-value of compare() rejects about 5% (issue 13).

The shop of ``benchmarks/cluster_sim.py`` (10 LIVEs of unequal sizes, LIVE ICC 0.02, creator
effects, LIVEs in the evening and in other categories than off-live) with the LIVE effect set so
that the crude expected LIVE / non-live ratio is exactly 1: the null of ``compare``'s ``pvalue``
column is true. With the clustered primary p-value (CR2, Bell-McCaffrey df) the rejection rate at
5% must stay inside the binomial band 5% +- 3 sqrt(0.05 * 0.95 / R); the viewer-level p-value
rejects about 70% of the time on the same data.
"""

from __future__ import annotations

import numpy as np

from analysis.stats.compare import compare
from benchmarks.cluster_sim import Scenario, make_design

REPS = 300
NOMINAL = 0.05


def test_primary_crude_pvalue_rejects_at_its_level_with_ten_lives():
    sc = Scenario("aa", n_lives=10, icc=0.02, creator_sd=0.3, seed=13, crude_null=True, days=14)
    d = make_design(sc)
    truth = compare(d.frame(d.expected)).iloc[0]
    assert abs(truth["ratio"] - 1) < 1e-9  # the crude null holds on the expected counts
    atc = d.draw(np.random.default_rng(2026), REPS)
    p = np.array([compare(d.frame(x))["pvalue"].iloc[0] for x in atc])
    assert np.isfinite(p).all()
    rate = float(np.mean(p < NOMINAL))
    band = 3 * np.sqrt(NOMINAL * (1 - NOMINAL) / REPS)
    assert NOMINAL - band <= rate <= NOMINAL + band, f"rejection rate {rate:.3f}"
