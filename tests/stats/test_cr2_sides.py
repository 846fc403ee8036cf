"""Closed-form CR2 of pooled rates and Bell-McCaffrey df, pinned to R clubSandwich.

Golden values: ``tests/reference/cr2_sides.R`` (clubSandwich 0.5.8, ``vcovCR(type = "CR2",
inverse_var = TRUE)`` on cluster totals, ``coef_test(test = "Satterthwaite")``) run on
``tests/reference/cr2_sides_fixture.csv``; output ``cr2_sides.Rout`` and
``cr2_sides_golden.csv``; the Fieller ratio interval (each endpoint by ``uniroot`` with the
Satterthwaite df of the contrast (1, -R) at that endpoint) in ``cr2_sides_fieller_golden.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.stats.cr2_sides import contrast_df, fieller_ratio, side_moments

REF = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture(scope="module")
def moments():
    d = pd.read_csv(REF / "cr2_sides_fixture.csv")
    cluster = pd.factorize(d["cluster"])[0]
    grp = d["grp"].to_numpy() - 1
    out = {}
    for s in ("a", "b"):
        sel = (d["side"] == s).to_numpy()
        out[s] = side_moments(d["x"][sel], d["n"][sel], grp[sel], cluster[sel], 2)
    gold = pd.read_csv(REF / "cr2_sides_golden.csv").set_index(["grp", "what"])
    return out, gold


def test_side_rates_se_and_df_match_clubsandwich(moments):
    m, gold = moments
    for g in (1, 2):
        for s in ("a", "b"):
            row = gold.loc[(g, f"side_{s}")]
            assert m[s].p[g - 1] == pytest.approx(row.estimate, rel=1e-12)
            assert np.sqrt(m[s].var[g - 1]) == pytest.approx(row.se, rel=1e-8)
            assert m[s].df[g - 1] == pytest.approx(row.df, rel=1e-8)


def test_contrast_se_and_df_match_clubsandwich(moments):
    m, gold = moments
    a, b = m["a"], m["b"]
    diff_se = np.sqrt(a.var + b.var)
    log_se = np.sqrt(a.var / a.p**2 + b.var / b.p**2)
    diff_df = contrast_df([np.ones(2), -np.ones(2)], [a, b])
    log_df = contrast_df([1 / a.p, -1 / b.p], [a, b])
    for g in (1, 2):
        assert diff_se[g - 1] == pytest.approx(gold.loc[(g, "diff")].se, rel=1e-8)
        assert diff_df[g - 1] == pytest.approx(gold.loc[(g, "diff")].df, rel=1e-8)
        assert log_se[g - 1] == pytest.approx(gold.loc[(g, "logratio")].se, rel=1e-8)
        assert log_df[g - 1] == pytest.approx(gold.loc[(g, "logratio")].df, rel=1e-8)


def test_equal_cluster_sizes_give_g_minus_1_df_and_one_cluster_is_undefined():
    x = np.array([3.0, 5, 8, 2, 9, 4])
    n = np.full(6, 100.0)
    m = side_moments(x, n, np.array([0, 0, 0, 0, 0, 1]), np.arange(6), 2)
    assert m.df[0] == pytest.approx(4.0, rel=1e-12)
    assert m.n_clusters.tolist() == [5, 1]
    assert np.isnan(m.var[1]) and np.isnan(m.df[1]) and m.p[1] == pytest.approx(0.04)


def test_fieller_ratio_endpoints_match_clubsandwich(moments):
    m, _ = moments
    gold = pd.read_csv(REF / "cr2_sides_fieller_golden.csv")
    low, high = fieller_ratio(m["a"], m["b"], level=0.95)
    assert low == pytest.approx(gold["low"].to_numpy(), rel=1e-8)
    assert high == pytest.approx(gold["high"].to_numpy(), rel=1e-8)
    for r, col in ((low, "df_low"), (high, "df_high")):  # the df is the endpoint's own
        df = contrast_df([np.ones(2), -r], [m["a"], m["b"]])
        assert df == pytest.approx(gold[col].to_numpy(), rel=1e-8)
    assert not np.allclose(gold["df_low"], gold["df_high"], rtol=0.1)  # the df does move


def test_fieller_ratio_is_unbounded_when_the_denominator_is_not_above_zero():
    # side b: 3 clusters, rates 0.2 %, 5 %, 0.1 %: its rate is not significantly above 0
    sa = side_moments(np.array([30.0, 25, 40]), np.full(3, 500.0), np.zeros(3, int),
                      np.arange(3), 1)  # fmt: skip
    sb = side_moments(np.array([1.0, 25, 0.5]), np.full(3, 500.0), np.zeros(3, int),
                      np.arange(3), 1)  # fmt: skip
    low, high = fieller_ratio(sa, sb, level=0.95)
    assert np.isinf(high[0]) and 0 < low[0] < sa.p[0] / sb.p[0]
    t = stats.t.ppf(0.975, sb.df[0])
    assert sb.p[0] <= t * np.sqrt(sb.var[0])  # the unboundedness condition, at w = 0
