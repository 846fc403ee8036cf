"""The LIVEs of the cells and their event times, the post-live halo by window and its decay fit,
on the embedded sample (``data/sample``, planted halo in ``truth.json``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.analyses.halo import halo, planted_windows
from analysis.analyses.halo_decay import halo_decay
from analysis.analyses.live_events import LAG_WINDOWS, REFERENCE, event_times, live_sessions
from analysis.paths import SAMPLE_DIR, SAMPLE_TZ
from analysis.sample.truth import read_truth


@pytest.fixture(scope="module")
def truth():
    return read_truth(SAMPLE_DIR)


def test_live_sessions_match_the_planted_lives(sample_cells, truth):
    s = live_sessions(sample_cells)
    planted = pd.DataFrame(truth.planted["lives"])
    assert len(s) == len(planted) == 75
    merged = s.merge(planted, on="content_id", suffixes=("", "_truth"))
    assert (
        merged["end"] == pd.to_datetime(merged["end_truth"], utc=True).dt.tz_convert(SAMPLE_TZ)
    ).all()
    assert (merged["series_index"] == merged["series_index_truth"]).all()


def test_live_sessions_refuse_daily_live_cells(sample_cells):
    daily = sample_cells.assign(grain="day")
    with pytest.raises(ValueError, match="hourly cells only"):
        live_sessions(daily)


def _window_truth(cells, truth):
    """Planted halo averaged over each window's viewers, minus the reference's (log odds)."""
    ev = event_times(cells)
    v = cells.loc[ev.index, "viewers"].to_numpy(dtype=float)
    lag = ev["lag_hours"].to_numpy()
    h = truth.planted["halo"]
    planted = np.where(np.isfinite(lag), h["beta"] * np.exp(-lag / h["tau_hours"]), 0.0)
    g = pd.Series(planted * v).groupby(ev["lag_window"].to_numpy()).sum()
    g = g / pd.Series(v).groupby(ev["lag_window"].to_numpy()).sum()
    return g - g[REFERENCE]


def test_sample_halo_windows_cover_the_planted_decay(sample_cells, truth):
    res = halo(sample_cells).set_index("window")
    expected = _window_truth(sample_cells, truth)
    for label, _, _ in LAG_WINDOWS:
        assert res.loc[label, "ci_low"] <= expected[label] <= res.loc[label, "ci_high"], label
    assert res.loc["0-6 h", "ci_low"] > 0  # the same-day halo is found
    placebo = res[res["kind"] == "placebo"]
    assert ((placebo["ci_low"] <= 0) & (placebo["ci_high"] >= 0)).all()
    assert res["status"].eq("ok").all()
    # planted_windows is the same computation, kept for the notebooks
    planted = planted_windows(sample_cells, truth).set_index("window")["planted_log_or"]
    assert np.allclose(planted[[w for w, _, _ in LAG_WINDOWS]],
                       expected[[w for w, _, _ in LAG_WINDOWS]])  # fmt: skip
    assert planted_windows(sample_cells, None) is None


def test_sample_halo_decay_covers_beta_and_tau(sample_cells, truth):
    res = halo_decay(sample_cells).set_index("parameter")
    h = truth.planted["halo"]
    assert res.loc["beta", "ci_low"] <= h["beta"] <= res.loc["beta", "ci_high"]
    assert res.loc["tau_hours", "ci_low"] <= h["tau_hours"] <= res.loc["tau_hours", "ci_high"]
    assert res["status"].eq("ok").all()


def test_halo_decay_at_the_edge_of_the_grid_is_undefined(sample_cells):
    """Planted tau = 36 h: a grid starting at 100 h puts the optimum on its edge."""
    res = halo_decay(sample_cells, tau_grid=(100, 200, 400)).set_index("parameter")
    assert res["status"].eq("undefined_not_estimable").all()
    assert res.loc["tau_hours", "estimate"] == pytest.approx(100)
    assert np.isnan(res.loc["tau_hours", "ci_low"]) and np.isfinite(res.loc["beta", "ci_low"])


def test_halo_creator_clusters_warn(sample_cells):
    res = halo(sample_cells, cluster="creator", adjust=["hour"])
    assert res["status"].eq("few_clusters").all()
    assert (res["n_clusters"] == 7).all()
