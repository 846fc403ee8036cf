"""analysis.analyses.lift: the live lift from crude to model-based, each row with its status code;
the primary crude row is clustered by LIVE, the viewer-level one only in the detail."""

from __future__ import annotations

import pandas as pd

import analysis as cl
from analysis.analyses.lift import ESTIMATE_KEYS, LIFT_COLUMNS, estimate_key, lift_summary
from analysis.vocabulary import STATUSES


def test_every_row_has_a_status_code_and_the_crude_row_is_clustered(sample_cells):
    week = cl.select_week(sample_cells, "latest")  # one week: ten LIVEs
    before = week.copy()
    out = lift_summary(week)
    pd.testing.assert_frame_equal(week, before)
    assert list(out.columns) == list(LIFT_COLUMNS)
    compact = [k for k in ESTIMATE_KEYS if k != "crude_unclustered"]
    assert [estimate_key(e) for e in out["estimate"]] == compact
    assert set(out["status"]) <= set(STATUSES)
    rows = out.set_index(out["estimate"].map(estimate_key))
    crude = cl.compare(week, between="is_live").iloc[0]
    assert rows.loc["crude", "ci_low"] == crude["ratio_ci_low"]  # the primary (clustered) one
    assert rows.loc["crude", "method"] == "cr2-bm-fieller" and rows.loc["crude", "status"] == "ok"
    assert rows.loc["mantel_haenszel", "method"] == "mantel-haenszel; jackknife-log"
    assert out["covered"].isna().all() and out["truth"].isna().all()


def test_the_viewer_level_row_is_in_the_detail_and_says_it_is_too_narrow(sample_cells):
    week = cl.select_week(sample_cells, "latest")
    out = lift_summary(week, glm_formula=None, detail=True)
    assert [estimate_key(e) for e in out["estimate"]] == list(ESTIMATE_KEYS[:4])
    crude, naive = out.iloc[0], out.iloc[1]
    assert naive["estimate"] == "crude (viewers independent: too narrow)"
    assert naive["status"] == "not_clustered"
    assert naive["status_message"].startswith(STATUSES["not_clustered"])
    assert naive["ratio"] == crude["ratio"]
    assert crude["ci_low"] < naive["ci_low"] < naive["ci_high"] < crude["ci_high"]


def test_few_lives_are_flagged(sample_cells):
    week = cl.select_week(sample_cells, "latest")
    live = week["is_live"] == True  # noqa: E712
    keep = sorted(week.loc[live, "content_id"].unique())[:5]
    out = lift_summary(week[~live | week["content_id"].isin(keep)], glm_formula=None)
    rows = out.set_index(out["estimate"].map(estimate_key))
    assert rows.loc["crude", "status"] == "few_clusters"
    assert rows.loc["crude", "status_message"].startswith(STATUSES["few_clusters"])
    assert rows.loc["mantel_haenszel", "status"] == "few_clusters"
