"""analysis.stats.mixed (mixed_glm): counts trick, lme4 golden values, few-creator shapes.

Golden values: tests/reference/mixed_glmer.R (R 4.2.2, lme4 1.1.31) on mixed_fixture.csv.gz (the
sample summed by is_live x category x creator x cluster), printed output mixed_glmer.Rout.
Variational Bayes is approximate: tolerances measured and explained in mixed_glm's docstring.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM

from analysis.paths import PROJECT_ROOT
from analysis.stats.mixed import MIXED_COLUMNS, CountsBinomialMixedGLM, mixed_design, mixed_glm

FIXTURE = PROJECT_ROOT / "tests" / "reference" / "mixed_fixture.csv.gz"
FORMULA = "atc_rate ~ is_live + category"
# tests/reference/mixed_glmer.Rout
R_LIVE_LOG_OR, R_LIVE_SE = 1.07279812991, 0.0537223273166
R_SD_CREATOR, R_SD_CLUSTER = 0.349672823565, 0.280724529664


@pytest.fixture(scope="module")
def fitted(sample_cells) -> pd.DataFrame:
    return mixed_glm(sample_cells, FORMULA)


def test_counts_elbo_equals_the_bernoulli_rows():
    # 3 aggregated rows (x successes of n) vs their 0/1 expansion: same ELBO and gradient
    x, n = np.array([2.0, 0.0, 5.0]), np.array([4.0, 3.0, 6.0])
    X = np.column_stack([np.ones(3), [0.0, 1.0, 1.0]])
    Z = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    rep = np.repeat(np.arange(3), n.astype(int))
    y = np.concatenate(
        [np.r_[np.ones(int(a)), np.zeros(int(b - a))] for a, b in zip(x, n, strict=True)]
    )
    counts = CountsBinomialMixedGLM(x, n, X, sparse.csr_array(Z), np.array([0, 0]))
    rows = BinomialBayesMixedGLM(y, X[rep], sparse.csr_array(Z[rep]), np.array([0, 0]))
    mean, sd = np.array([-0.5, 0.7, -1.0, 0.3, -0.2]), np.array([0.2, 0.3, 0.5, 0.4, 0.6])
    assert counts.vb_elbo(mean, sd) == pytest.approx(rows.vb_elbo(mean, sd), rel=1e-12)
    for a, b in zip(counts.vb_elbo_grad(mean, sd), rows.vb_elbo_grad(mean, sd), strict=True):
        assert a == pytest.approx(b, rel=1e-10, abs=1e-12)


def test_the_design_is_the_fixture_glmer_was_fitted_to(sample_cells):
    d = mixed_design(sample_cells, FORMULA, groups=("creator", "content_id"))
    fx = pd.read_csv(FIXTURE, keep_default_na=False)
    got = d.frame.rename(columns={"_creator": "creator", "_cluster": "cluster",
                                  "_successes": "successes", "_failures": "failures"})  # fmt: skip
    assert len(got) == len(fx) == 907
    assert (got["successes"].to_numpy() == fx["successes"].to_numpy()).all()
    assert (got["cluster"].to_numpy() == fx["cluster"].to_numpy()).all()
    assert (got["creator"].to_numpy() == fx["creator"].to_numpy()).all()
    assert (d.n_creators, d.n_lives, d.n_clusters) == (6, 75, 843)


def test_live_odds_ratio_and_sds_agree_with_lme4_glmer(fitted):
    assert tuple(fitted.columns) == MIXED_COLUMNS
    by = fitted.set_index("term")
    live = by.loc["is_live[T.True]"]
    assert math.log(live.estimate) == pytest.approx(R_LIVE_LOG_OR, abs=0.01)
    assert live.se == pytest.approx(R_LIVE_SE, rel=0.05)  # the conditional Wald SE, not VB's
    assert live.ci_low == pytest.approx(math.exp(math.log(live.estimate) - 1.959964 * live.se))
    assert by.loc["sd(content_id)", "estimate"] == pytest.approx(R_SD_CLUSTER, rel=0.05)
    assert by.loc["sd(creator)", "estimate"] == pytest.approx(R_SD_CREATOR, rel=0.15)
    assert (fitted["n_creators"] == 6).all() and (fitted["n_lives"] == 75).all()
    assert (fitted["status"] == "few_clusters").all()
    assert "6 creators (< 10)" in fitted["status_message"].iloc[0]
    assert "variational Bayes (mean-field, approximate)" in fitted["method"].iloc[0]


def one_creator(cells: pd.DataFrame) -> pd.DataFrame:
    """First two weeks: @lea.beauty's LIVE and video cells and the product cards."""
    early = cells[cells["date"] < cells["date"].min() + pd.Timedelta(days=14)]
    return early[early["creator"].isna() | (early["creator"] == "@lea.beauty")]


def two_lives(cells: pd.DataFrame) -> pd.DataFrame:
    """Two LIVEs and the product cards of their week."""
    live = cells[cells["is_live"].astype(bool)]
    ids = sorted(live["content_id"].unique())[:2]
    days = cells.loc[cells["content_id"].isin(ids), "date"]
    week = cells[cells["date"].between(days.min(), days.min() + pd.Timedelta(days=6))]
    return pd.concat([cells[cells["content_id"].isin(ids)], week[week["creator"].isna()]])


def test_one_creator_fits_without_a_creator_effect(sample_cells):
    cells = one_creator(sample_cells)
    before = cells.copy()
    out = mixed_glm(cells, FORMULA).set_index("term")
    pd.testing.assert_frame_equal(cells, before)
    assert out.loc["sd(creator)", "status"] == "undefined_too_few"
    assert "one creator" in out.loc["sd(creator)", "status_message"]
    assert np.isnan(out.loc["sd(creator)", "estimate"])
    live = out.loc["is_live[T.True]"]
    assert live.status == "few_clusters" and live.n_creators == 1
    assert "this creator only" in live.status_message
    assert np.isfinite([live.estimate, live.ci_low, live.ci_high]).all()


def test_two_lives_say_few_clusters(sample_cells):
    out = mixed_glm(two_lives(sample_cells), FORMULA).set_index("term")
    live = out.loc["is_live[T.True]"]
    assert live.n_lives == 2 and live.status == "few_clusters"
    assert "2 LIVEs (< 10)" in live.status_message
    assert np.isfinite([live.estimate, live.ci_low, live.ci_high]).all()


def test_bad_groups(sample_cells):
    with pytest.raises(ValueError, match="two columns"):
        mixed_glm(sample_cells, FORMULA, groups=("creator",))
    with pytest.raises(ValueError, match="`groups` names"):
        mixed_glm(sample_cells, FORMULA, groups=("host", "content_id"))
