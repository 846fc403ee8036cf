"""analysis.analyses.headline: the numbers of the index page's headline, from rates and compare,
clustered by LIVE, with the number of LIVEs they rest on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.analyses.headline import HEADLINE_COLUMNS, headline
from analysis.stats.compare import compare
from analysis.stats.rates import rates
from analysis.vocabulary import STATUSES, is_undefined
from analysis.weeks import select_week


def test_headline_is_rates_and_compare_side_by_side(sample_cells):
    frame = headline(sample_cells)
    assert list(frame.columns) == list(HEADLINE_COLUMNS)
    assert list(frame["metric"]) == ["atc_rate", "conversion"]
    for row in frame.itertuples():
        sides = rates(sample_cells, by="is_live", metric=row.metric).set_index("is_live")
        for flag, side in ((True, "live"), (False, "nonlive")):
            for k in ("trials", "rate", "ci_low", "ci_high", "method"):
                assert getattr(row, f"{k}_{side}") == sides.loc[flag, k], (row.metric, side, k)
        contrast = compare(sample_cells, between="is_live", metric=row.metric).iloc[0]
        for k in (
            "unit",
            "ratio",
            "ratio_ci_low",
            "ratio_ci_high",
            "ratio_method",
            "status",
            "df",
        ):
            assert getattr(row, k) == contrast[k], (row.metric, k)
        assert row.n_lives == sides.loc[True, "n_clusters"] == contrast["n_clusters_a"]
        live = sample_cells["is_live"].fillna(False).astype(bool)
        assert row.n_lives == sample_cells.loc[live, "content_id"].nunique()
    assert (frame["method"] == "crude").all() and (frame["level"] == 0.95).all()
    assert set(frame["status"]) <= set(STATUSES) and (frame["status"] == "ok").all()
    assert (frame["status_message"] == STATUSES["ok"]).all()


def test_the_headline_interval_is_the_clustered_one(sample_cells):
    """Issue 13, item 4: the headline counts LIVEs, not viewers (wider than viewer-level)."""
    week = select_week(sample_cells, "latest")
    row = headline(week, metrics=["atc_rate"]).iloc[0]
    detail = compare(week, between="is_live", detail=True).iloc[0]
    assert row["ratio_method"] == "cr2-bm-fieller" and row["method_live"] == "cr2-bm-logit"
    assert detail["unclustered_ratio_ci_low"] > row["ratio_ci_low"]
    assert detail["unclustered_ratio_ci_high"] < row["ratio_ci_high"]
    assert row["n_lives"] == week.loc[week["is_live"] == True, "content_id"].nunique()  # noqa: E712
    assert 1 < row["df"] < row["n_lives"] + detail["n_clusters_b"]


def test_few_lives_say_few_clusters(sample_cells):
    week = select_week(sample_cells, "latest")
    live = week["is_live"] == True  # noqa: E712
    keep = sorted(week.loc[live, "content_id"].unique())[:4]
    few = week[~live | week["content_id"].isin(keep)]
    row = headline(few, metrics=["atc_rate"]).iloc[0]
    assert row["n_lives"] == 4 and row["status"] == "few_clusters"
    assert row["ratio_ci_low"] < row["ratio"] < row["ratio_ci_high"]  # wide, still an interval


def test_ratio_is_live_rate_over_nonlive_rate(sample_cells):
    frame = headline(sample_cells, metrics=["conversion"], level=0.9)
    row = frame.iloc[0]
    assert row["ratio"] == pytest.approx(row["rate_live"] / row["rate_nonlive"], rel=1e-12)
    assert row["ratio_ci_low"] < row["ratio"] < row["ratio_ci_high"]
    wide = headline(sample_cells, metrics=["conversion"], level=0.99).iloc[0]
    assert wide["ratio_ci_low"] < row["ratio_ci_low"] and row["level"] == 0.9


def test_a_side_without_cells_is_nan_and_undefined(sample_cells):
    live = sample_cells[sample_cells["is_live"].fillna(False).astype(bool)]
    row = headline(live, metrics=["atc_rate"]).iloc[0]
    assert row["trials_live"] == live["viewers"].sum() and row["rate_live"] > 0
    assert np.isnan([row["trials_nonlive"], row["rate_nonlive"], row["ratio"]]).all()
    assert row["status"] != "ok"  # compare's undefined status for the missing side


def test_cells_that_cannot_be_compared_give_a_failed_row(sample_cells):
    frame = headline(sample_cells.drop(columns="orders"))
    ok, failed = frame.iloc[0], frame.iloc[1]
    assert ok["metric"] == "atc_rate" and ok["status"] == "ok"
    assert failed["metric"] == "conversion" and failed["status"] == "failed"
    assert not is_undefined(failed["status"])
    assert failed["status_message"].startswith(STATUSES["failed"] + " (ValueError: ")
    assert "'orders'" in failed["status_message"]
    numbers = ["trials_live", "rate_live", "trials_nonlive", "ratio", "ratio_ci_low"]
    assert np.isnan(failed[numbers].to_numpy(dtype=float)).all()
    assert failed["method"] == "crude" and failed["level"] == 0.95


def test_unknown_metric_and_bad_level_are_refused(sample_cells):
    with pytest.raises(ValueError, match="`metric` must be one of"):
        headline(sample_cells, metrics=["clicks"])
    with pytest.raises(ValueError, match="`level`"):
        headline(sample_cells, level=95)


def test_the_input_is_not_modified(sample_cells):
    before = pd.util.hash_pandas_object(sample_cells, index=True).sum()
    headline(sample_cells)
    assert pd.util.hash_pandas_object(sample_cells, index=True).sum() == before
