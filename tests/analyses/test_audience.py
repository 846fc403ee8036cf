"""Audience segments: planted age and gender effects recovered, region not broken down, lifts.

Truth: ``data/sample/truth.json`` plants age 0 / +0.30 / +0.05 / -0.15 / -0.35 (18-24 ... 55+)
and gender male -0.08 on the logit scale, the same in every channel (no live x segment
interaction); ``region`` is not broken down. The model adjusts for the other planted terms that
vary across cells (hour, category, promo, creator, the other segment), as notebook
``03_audience`` does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analysis as cl
from analysis.analyses import audience
from analysis.analyses.segment_lifts import shrunk_lifts
from analysis.paths import SAMPLE_DIR
from analysis.sample.simulate import truth_rates
from analysis.sample.truth import read_truth

ADJUST = ["hour", "category", "promo", "creator"]


@pytest.fixture(scope="module")
def sample(sample_cells):
    return cl.select_week(sample_cells, "latest"), read_truth(SAMPLE_DIR).planted


def test_planted_age_and_gender_effects_within_intervals(sample):
    """The planted age (and gender) effects lie inside the intervals of the
    common-effect model on the notebook's default week."""
    cells, planted = sample
    fits = {}
    for by, other in (("age_group", "gender"), ("gender", "age_group")):
        e = audience.segment_effects(cells, by=by, adjust=[*ADJUST, other], interaction=False)
        t = audience.planted_effects(planted, by=by)
        m = fits[by] = e.merge(t, on="segment").set_index("segment")
        assert len(m) == (4 if by == "age_group" else 1)
        assert ((m["ci_low"] <= m["expected_log_odds_ratio"])
                & (m["expected_log_odds_ratio"] <= m["ci_high"])).all(), by  # fmt: skip
        assert (m["status"] == "ok").all() and m["is_live"].isna().all()
    age = fits["age_group"]
    assert age.loc["25-34", "ci_low"] > 0 and age.loc["55+", "ci_high"] < 0  # detected


def test_per_side_effects_and_heterogeneity(sample):
    cells, _ = sample
    e = audience.segment_effects(cells, by="age_group", adjust=[*ADJUST, "gender"])
    assert len(e) == 8 and set(e["is_live"]) == {True, False}
    assert (e["reference"] == "18-24").all()
    live = e[e["is_live"]]
    assert (live["trials"] < e.loc[~e["is_live"], "trials"].to_numpy()).all()
    test = audience.segment_heterogeneity(cells, by="age_group", adjust=[*ADJUST, "gender"])
    row = test.iloc[0]
    assert row["df_num"] == 4 and row["status"] == "ok"
    assert row["pvalue"] > 0.05  # no live x age interaction is planted


def test_region_not_broken_down_is_a_status_not_a_crash(sample):
    cells, planted = sample
    cov = audience.audience_coverage(cells).set_index("column")
    assert cov.loc["region", "status"] == "undefined_not_broken_down"
    assert (cov.loc[["age_group", "gender"], "status"] == "ok").all()
    assert cov.loc["region", "share"] == 0 and cov.loc["age_group", "share"] == 1
    assert cov.loc["age_group", "n_segments"] == 5
    for result in (audience.segment_effects(cells, by="region", adjust=ADJUST),
                   audience.segment_heterogeneity(cells, by="region", adjust=ADJUST),
                   shrunk_lifts(cells, by="region")):  # fmt: skip
        assert len(result) == 1
        assert result["status"].iloc[0] == "undefined_not_broken_down"
        assert "region: every value NA" in result["status_message"].iloc[0]
    assert audience.planted_effects(planted, by="region") is None


def test_shrunk_lifts(sample):
    cells, _ = sample
    before = cells.copy()
    out = shrunk_lifts(cells, by=["age_group", "gender"], seed=1)
    pd.testing.assert_frame_equal(cells, before)
    assert len(out) == 10 and (out["status"] == "ok").all()
    assert ((out["ci_low"] < out["shrunk_ratio"]) & (out["shrunk_ratio"] < out["ci_high"])).all()
    # shrinkage moves the smallest LIVE segment most (toward the typical live rate)
    move = (out["shrunk_live"] - out["rate_live"]).abs()
    assert move.idxmax() == out["trials_live"].idxmin()
    again = shrunk_lifts(cells, by=["age_group", "gender"], seed=1)
    pd.testing.assert_frame_equal(out, again)
    # expected crude ratios per segment (planted truth) mostly inside the 95 % intervals
    truth = read_truth(SAMPLE_DIR)
    t = truth_rates(cells, truth.expected, by=["age_group", "gender"])
    m = out.merge(t[["age_group", "gender", "ratio"]], on=["age_group", "gender"],
                  suffixes=("", "_true"))  # fmt: skip
    inside = (m["ci_low"] <= m["ratio_true"]) & (m["ratio_true"] <= m["ci_high"])
    assert inside.sum() >= 9


def test_planted_effects_reference():
    planted = {"age_group": {"18-24": 0.0, "25-34": 0.3, "55+": -0.35}}
    t = audience.planted_effects(planted, by="age_group")
    assert t["segment"].tolist() == ["25-34", "55+"]
    assert t["expected_log_odds_ratio"].tolist() == pytest.approx([0.3, -0.35])
    assert audience.planted_effects(None, by="age_group") is None
    with pytest.raises(ValueError, match="one audience column"):
        audience.segment_effects(pd.DataFrame(), by=["age_group"], adjust=())
    assert np.isnan(audience.audience_coverage(pd.DataFrame({"viewers": []}))["share"]).all()


def test_a_segment_missing_on_a_side_is_undefined_the_rest_ok(sample):
    cells, _ = sample
    no_live_55 = cells[~((cells["age_group"] == "55+") & cells["is_live"].fillna(False))]
    out = shrunk_lifts(no_live_55, by="age_group").set_index("age_group")
    assert out.loc["55+", "status"] == "undefined_no_viewers"
    assert (
        np.isnan(out.loc["55+", "ci_low"])
        and "no LIVE viewers" in out.loc["55+", "status_message"]
    )
    assert (out.drop(index="55+")["status"] == "ok").all()
    # two segments cannot carry a prior on either side
    two = shrunk_lifts(cells, by="gender")
    assert (two["status"] == "undefined_too_few").all() and two["ci_low"].isna().all()
