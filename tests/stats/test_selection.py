"""Hsu's MCB (analysis.stats.selection): critical values pinned to R mvtnorm, decisions, A/A.

Golden values: ``tests/reference/mcb_reference.R`` run with R (mvtnorm ``qmvt`` / ``qmvnorm``,
``tail = "lower.tail"``); its printed output is committed as ``tests/reference/mcb_reference.out``.
The balanced df = Inf value is Dunnett's one-sided quantile for 7 comparisons with a control,
2.34 in Dunnett (1955) Table 1a.
"""

from __future__ import annotations

import numpy as np
import pytest

from analysis.stats.selection import MCB_COLUMNS, SELECTIONS, mcb, mcb_quantiles
from analysis.status import note
from analysis.vocabulary import STATUSES

S = np.array([1, 1.5, 0.8, 2, 1.2])
R = np.full((5, 5), 0.4) + 0.6 * np.eye(5)
V_UNEQUAL = np.diag(S) @ R @ np.diag(S)


@pytest.mark.parametrize(
    ("k", "df", "golden"), [(8, np.inf, 2.3409), (8, 20, 2.5105), (4, 10, 2.3373)]
)
def test_balanced_quantile_matches_r_and_dunnett(k, df, golden):
    d = mcb_quantiles(np.eye(k), df=df)
    assert d == pytest.approx(np.full(k, golden), abs=0.02)


def test_unequal_correlated_quantiles_match_r():
    golden = [2.7795, 2.6557, 2.8021, 2.5083, 2.7367]  # mcb_reference.out, df = 6
    assert mcb_quantiles(V_UNEQUAL, df=6) == pytest.approx(golden, abs=0.03)


def test_intervals_follow_hsu_formula():
    est = np.array([0.0, 0.5, 3.0, 0.2])
    out = mcb(est, 0.25 * np.eye(4), names=list("abcd"), df=30)
    assert list(out.columns) == list(MCB_COLUMNS)
    d, s = out["critical_value"].iloc[0], np.sqrt(0.5)
    # c beats b, the runner-up, by 2.5 > d * s: clearly best; the others' upper bounds are 0
    assert out.loc[2, "margin_low"] == pytest.approx(2.5 - d * s)
    assert out.loc[2, "mcb_high"] == pytest.approx(2.5 + d * s)
    assert out.loc[2, "mcb_low"] == 0.0
    assert list(out["selected"]) == ["not best", "not best", "clearly best", "not best"]
    assert out["is_best_candidate"].tolist() == [False, False, True, False]
    assert set(out["selected"]) <= set(SELECTIONS) and set(out["status"]) <= set(STATUSES)


def test_smallest_is_best_and_close_race():
    out = mcb([1.0, 1.1, 5.0], np.eye(3) * 0.01, larger=False, df=np.inf)
    assert out.loc[0, "is_best_candidate"]
    assert out.loc[0, "selected"] == "could be best" and out.loc[1, "selected"] == "could be best"
    assert out.loc[2, "selected"] == "not best"


def test_undefined_rows_and_notes():
    one = mcb([1.0], np.eye(1))
    assert one["status"].iloc[0] == "undefined_too_few"
    bad = mcb([1.0, np.nan], np.eye(2))
    assert bad["status"].iloc[0] == "undefined_not_estimable"
    few = mcb([0.0, 1.0], np.eye(2), df=5, notes=[note("few_clusters", "6 LIVEs (< 10)")])
    assert few["status"].tolist() == ["few_clusters"] * 2
    assert "6 LIVEs" in few["status_message"].iloc[0]


@pytest.mark.no_cover  # repeated fits of code other tests cover: not traced (conftest)
def test_all_equal_claims_a_winner_at_most_level():
    # 8 correlated candidates with unequal variances, all truly equal: a "clearly best" claim is a
    # false claim; Hsu's MCB keeps it at or below 5% (300 seeded replicates, 3 binomial SE band)
    rng = np.random.default_rng(11)
    k, reps = 8, 300
    sd = np.linspace(0.5, 1.5, k)
    cov = np.diag(sd) @ (np.full((k, k), 0.3) + 0.7 * np.eye(k)) @ np.diag(sd)
    draws = rng.multivariate_normal(np.zeros(k), cov, size=reps)
    claims = sum(
        (mcb(x, cov, df=np.inf, draws=20_000, seed=1)["selected"] == "clearly best").any()
        for x in draws
    )
    assert claims <= 0.05 * reps + 3 * np.sqrt(reps * 0.05 * 0.95)
    # the same draws with one candidate 6 SD ahead: the winner is found nearly always
    ahead = draws + np.r_[6.0 * 1.5, np.zeros(k - 1)]
    found = sum(
        (mcb(x, cov, df=np.inf, draws=20_000, seed=1)["selected"].iloc[0] == "clearly best")
        for x in ahead[:50]
    )
    assert found >= 45
