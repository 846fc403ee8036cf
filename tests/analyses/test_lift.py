"""analysis.analyses.lift: the live lift from crude to model-based, each row with its status code."""

from __future__ import annotations

import pandas as pd

import analysis as cl
from analysis.analyses.lift import ESTIMATE_KEYS, LIFT_COLUMNS, estimate_key, lift_summary
from analysis.vocabulary import STATUSES


def test_every_row_has_a_status_code_and_few_lives_are_flagged(sample_cells):
    week = cl.select_week(sample_cells, "latest")  # one week: about ten LIVEs
    before = week.copy()
    out = lift_summary(week)
    pd.testing.assert_frame_equal(week, before)
    assert list(out.columns) == list(LIFT_COLUMNS)
    assert [estimate_key(e) for e in out["estimate"]] == list(ESTIMATE_KEYS)
    assert set(out["status"]) <= set(STATUSES)
    rows = out.set_index(out["estimate"].map(estimate_key))
    assert rows.loc["crude", "status"] == "ok"
    assert rows.loc["crude_clustered", "status"] == "few_clusters"
    assert rows.loc["crude_clustered", "status_message"].startswith(STATUSES["few_clusters"])
    assert out["covered"].isna().all() and out["truth"].isna().all()
