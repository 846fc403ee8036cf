"""Fatigue of a creator's LIVE series (or within a LIVE), on the embedded sample."""

from __future__ import annotations

import pytest

from analysis.analyses.fatigue import fatigue, fatigue_curve
from analysis.analyses.live_events import live_sessions
from analysis.paths import SAMPLE_DIR
from analysis.sample.truth import read_truth

DATE = "2026-10-26"


@pytest.fixture(scope="module")
def truth():
    return read_truth(SAMPLE_DIR)


def test_sample_fatigue_slope_covers_gamma(sample_cells, truth):
    gamma = truth.planted["fatigue"]["gamma"]
    res = fatigue(sample_cells, interventions={"@ines.glow": DATE}).set_index("creator")
    assert res.loc["all", "ci_low"] <= -gamma <= res.loc["all", "ci_high"]
    assert res.loc["all", "n_lives"] == 75 and len(res) == 7
    assert res.loc["all", "status"] == "ok"  # 75 LIVEs
    few = res.drop(index="all")["n_lives"] < 10  # FEW_CLUSTERS: 7 and 8 LIVEs; 13 to 16 ok
    assert few.sum() == 2
    assert res.drop(index="all").loc[few, "status"].eq("few_clusters").all()
    curve = fatigue_curve(sample_cells, interventions={"@ines.glow": DATE})
    lea = curve[curve["creator"] == "@lea.beauty"]
    assert len(lea) == 16 and (lea["ci_low"] < lea["rate"]).all()
    assert curve["status"].eq("ok").all()


def test_within_live_fatigue_refuses_one_hour_lives(sample_cells):
    res = fatigue(sample_cells, scale="within").set_index("creator")
    assert res.loc["@hugo.gaming", "status"] == "undefined_not_estimable"


def test_a_creator_with_two_lives_has_no_slope_of_her_own(sample_cells):
    lives = live_sessions(sample_cells)
    hugo = lives.loc[lives["creator"] == "@hugo.gaming", "content_id"]
    drop = sample_cells["content_id"].isin(hugo.iloc[2:]).fillna(False)
    res = fatigue(sample_cells[~drop]).set_index("creator")
    assert res.loc["@hugo.gaming", "n_lives"] == 2
    assert res.loc["@hugo.gaming", "status"] == "undefined_too_few"
    assert res.loc["all", "status"] == "ok"


def test_no_live_cells_is_undefined(sample_cells):
    off = sample_cells[sample_cells["channel"] != "LIVE"]
    res = fatigue(off)
    assert list(res["creator"]) == ["all"] and res["status"].iloc[0] == "undefined_no_cells"
