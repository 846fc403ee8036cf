"""Abnormal hours against the hour-of-week baseline, on the embedded sample (three planted
anomalous hours in ``truth.json``)."""

from __future__ import annotations

import pytest

from analysis.analyses.anomalies import MIN_EXPECTED, anomalies, planted_anomalies
from analysis.paths import SAMPLE_DIR
from analysis.sample.truth import read_truth


@pytest.fixture(scope="module")
def truth():
    return read_truth(SAMPLE_DIR)


@pytest.mark.parametrize("week", ["2026-W41", "2026-W45", "2026-W46"])
def test_sample_planted_anomalous_hours_are_flagged_and_covered(sample_cells, truth, week):
    res = anomalies(sample_cells, week=week)
    planted = planted_anomalies(sample_cells, truth)
    hit = res.merge(planted, on="start")
    assert len(hit) == 1
    row = hit.iloc[0]
    assert row["flag"] == ("peak" if row["shift"] > 0 else "drop")
    assert row["ci_low"] <= row["expected_ratio"] <= row["ci_high"]
    # few false alarms: at most 4 other hours of the 168 (session moods are real peaks too)
    assert (res["flag"] != "none").sum() <= 5


def test_small_expected_counts_use_the_exact_method(sample_cells):
    res = anomalies(sample_cells, week="2026-W46")
    small = res["expected"] < MIN_EXPECTED
    assert small.any() and (~small).any()
    assert res.loc[small, "status"].eq("exact_small_cell").all()
    assert res.loc[~small, "status"].eq("ok").all()


def test_partial_day_mode(sample_cells):
    res = anomalies(sample_cells, day="2026-11-11", through_hour=20)
    assert res["hour"].max() == 20 and res["date"].nunique() == 1
    assert res.loc[res["hour"] == 19, "flag"].item() == "drop"
    with pytest.raises(ValueError, match="exactly one"):
        anomalies(sample_cells, week="2026-W46", day="2026-11-11")


def test_one_week_of_data_has_no_baseline(sample_cells):
    week = sample_cells[sample_cells["date"].between("2026-10-05", "2026-10-11")]
    res = anomalies(week, week="2026-W41")
    assert len(res) == 168 and res["status"].eq("undefined_no_control").all()
    assert (res["flag"] == "none").all() and res["ratio"].isna().all()
    with pytest.raises(ValueError, match="no hourly cells"):
        anomalies(week, day="2026-12-01")
