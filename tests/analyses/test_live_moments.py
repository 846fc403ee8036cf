"""The event study of moments inside a LIVE (docs/metrics.md, "Moments inside a LIVE")."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.analyses.live_minutes import minute_cells, open_moments, place_events
from analysis.analyses.live_moments import live_moments, pooled_difference
from analysis.cells import validate_cells
from analysis.sample.minutes import simulate_minutes
from analysis.sources.events_table import empty_events

ROOT = Path(__file__).parents[2]
REFERENCE = ROOT / "tests" / "reference"
STUDY = ROOT / "benchmarks" / "results" / "live_moments_study.csv"
TZ = "Europe/Paris"


def test_pooled_difference_equals_clubsandwich():
    """``tests/reference/live_moments.R``: lm(d ~ 1, weights = w), vcovCR CR2, Satterthwaite."""
    f = pd.read_csv(REFERENCE / "live_moments_fixture.csv")
    got = pooled_difference(f["d"].to_numpy(), f["w"].to_numpy(float), f["live"].to_numpy(), 0.95)
    out = (REFERENCE / "live_moments.Rout").read_text().splitlines()
    want = dict(zip(out[1].split(","), map(float, out[2].split(",")), strict=True))
    for key in ("difference", "ci_low", "ci_high", "df", "pvalue"):
        r_key = "estimate" if key == "difference" else key
        assert got[key] == pytest.approx(want[r_key], rel=1e-9), key


def _tiny(step: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two LIVEs of six cells, one moment each at the third cell (hand computation below)."""
    rows = []
    for live, viewers, clicks, start in (("A", 100, [5, 5, 10, 12, 5, 5], "2026-11-02 19:00"),
                                         ("B", 50, [2, 4, 6, 3, 3, 3], "2026-11-03 20:00")):  # fmt: skip
        for k, c in enumerate(clicks):
            rows.append({"start": pd.Timestamp(start) + pd.Timedelta(minutes=step * k),
                         "content_id": live, "creator": "@host_" + live.lower(),
                         "viewers": viewers, "clicks": c, "orders": 1})  # fmt: skip
    cells = validate_cells(pd.DataFrame(rows).assign(grain="minute" if step == 1 else "interval",
                                                     channel="LIVE", unit="visitor"), tz=TZ)  # fmt: skip
    ev = empty_events()
    ev = pd.concat([ev, pd.DataFrame({"file": ["e.csv"] * 2, "row": [2, 3], "live_id": ["A", None],
                                      "creator": [None, "@host_b"],
                                      "live_start": [pd.NaT, pd.Timestamp("2026-11-03 20:03")],
                                      "minute": [2 * step, None], "time": [None, f"20:{2 * step:02d}"],
                                      "type": ["pin", "qa"], "note": [None, None]})])  # fmt: skip
    return cells, ev.astype(empty_events().dtypes.to_dict()).reset_index(drop=True)


def test_hand_computation_on_two_lives():
    # A: baseline (5 + 5) / 200 = 0.05, window 0..+1 (10 + 12) / 200 = 0.11, d = 0.06, w = 200
    # B: baseline (2 + 4) / 100 = 0.06, window (6 + 3) / 100 = 0.09, d = 0.03, w = 100
    # pooled (200 x 0.06 + 100 x 0.03) / 300 = 0.05; rate 31 / 300; baseline 16 / 300
    cells, ev = _tiny()
    m, placed = live_moments(cells, ev, before=2, after=2, windows=((0, 1),), profile=False,
                             by_type=False, placebo=0)  # fmt: skip
    assert list(placed["placed"]) == [True, True]  # B by creator + start (3 min apart), HH:MM
    assert list(placed["at"].astype(str)) == [
        "2026-11-02 19:02:00+01:00",
        "2026-11-03 20:02:00+01:00",
    ]
    clicks = m[m["measure"] == "clicks_per_viewer"].iloc[0]
    assert clicks["difference"] == pytest.approx(0.05)
    assert clicks["rate"] == pytest.approx(31 / 300)
    assert clicks["baseline"] == pytest.approx(16 / 300)
    assert (clicks["n_events"], clicks["n_lives"], clicks["viewers"]) == (2, 2, 300)
    want = pooled_difference(np.array([0.06, 0.03]), np.array([200.0, 100.0]),
                             np.array(["A", "B"]), 0.95)  # fmt: skip
    assert clicks["ci_low"] == pytest.approx(want["ci_low"])
    assert (clicks["status"], clicks["claim"], clicks["level"]) == (
        "few_clusters",
        "descriptive",
        0.95,
    )
    assert "CR2 clustered by LIVE" in clicks["method"]


def test_trend_stat_intervals_state_their_step_and_sit_at_their_start():
    cells, ev = _tiny(step=5)
    m, placed = live_moments(cells, ev, before=10, after=10, windows=((0, 5),), by_type=False,
                             placebo=0)  # fmt: skip
    assert list(placed["step_minutes"]) == [5, 5]
    profile = m[(m["from_minute"] == m["to_minute"]) & (m["measure"] == "clicks_per_viewer")]
    assert list(profile["from_minute"]) == [-10, -5, 0, 5, 10]  # only the intervals' starts
    assert set(m["step_minutes"]) == {5.0}


def test_events_that_cannot_be_placed_say_why_and_one_live_is_too_few():
    cells, ev = _tiny()
    ev.loc[0, "live_id"] = "Z"
    ev.loc[1, "time"] = "23:59"
    m, placed = live_moments(cells, ev, before=2, after=2, placebo=0)
    assert list(placed["placed"]) == [False, False]
    assert placed["reason"].iloc[0] == "no minute cells of LIVE Z"
    assert placed["reason"].iloc[1].endswith("is outside the minutes of LIVE B")
    assert m.empty
    cells, ev = _tiny()
    m, _ = live_moments(cells, ev.iloc[:1], before=2, after=2, windows=((0, 1),),
                        profile=False, placebo=0)  # fmt: skip
    assert set(m["status"]) == {"undefined_too_few"} and m["difference"].isna().all()


def test_open_moments_says_why_the_page_cannot_answer(tmp_path):
    cells, _ = _tiny()
    hourly = cells.assign(grain="hour")
    assert open_moments(hourly, "", data=tmp_path)[1:] == ("no_minutes", "")
    assert open_moments(cells, "", data=tmp_path)[1:] == ("no_events", "events.csv")
    (tmp_path / "events.csv").write_text("live_id,minute,type\nA,2,wave\n", encoding="utf-8")
    table, why, detail = open_moments(cells, "", data=tmp_path)
    assert table is None and why == "unreadable" and "'wave' is not one of pin" in detail


def test_the_planted_three_minute_click_bump_is_recovered():
    sim = simulate_minutes(bump=0.5, seed=1)
    m, placed = live_moments(sim.cells, sim.events, seed=0)
    assert placed["placed"].all() and len(placed) == 24
    ev = m[(m["kind"] == "event") & (m["type"] == "all") & (m["measure"] == "clicks_per_viewer")]
    first = ev[(ev["from_minute"] == 0) & (ev["to_minute"] == 2)].iloc[0]
    assert first["ci_low"] > 0  # the bump is found
    assert first["ci_low"] <= sim.truth["click_bump"] <= first["ci_high"]  # 0.0315
    later = ev[(ev["from_minute"] == 3) & (ev["to_minute"] == 20)].iloc[0]
    assert later["ci_low"] <= 0 <= later["ci_high"]  # and it lasted 3 minutes
    minute = ev[ev["from_minute"] == ev["to_minute"]].set_index("from_minute")
    assert (minute.loc[[0, 1, 2], "ci_low"] > 0).all()
    fake = m[(m["kind"] == "placebo") & (m["from_minute"] == 0) & (m["to_minute"] == 2)
             & (m["measure"] == "clicks_per_viewer")].iloc[0]  # fmt: skip
    assert fake["ci_low"] <= 0 <= fake["ci_high"] and fake["n_events"] == 72  # 3 per moment
    assert set(m["status"]) <= {"ok", "few_clusters", "partial"}


def test_without_a_bump_the_interval_covers_zero_at_the_nominal_rate():
    """The committed table of ``benchmarks/study_live_moments.py`` (1,000 seeded runs)."""
    t = pd.read_csv(STUDY)
    none = t[t["scenario"] == "none"]
    assert (none["runs"] >= 1000).all() and len(none) == 4
    assert (none["coverage"] >= 0.95 - 3 * none["mcse"]).all()
    bump = t[(t["scenario"] == "bump") & (t["window"] == "+0 to +2")]
    assert (bump["coverage"] >= 0.95 - 3 * bump["mcse"]).all()
    clicks = bump[bump["measure"] == "clicks_per_viewer"].iloc[0]
    assert clicks["reject0"] > 0.9  # the planted bump is found in (nearly) every run


def test_a_few_seeded_runs_cover_zero_as_the_table_says():
    """A cheap slice of the study: the same code, 12 seeds, no bump."""
    covered = []
    for seed in range(12):
        sim = simulate_minutes(seed=20261207 + seed, lives=8, minutes=70, events=1)
        m, _ = live_moments(sim.cells, sim.events, profile=False, by_type=False, placebo=0)
        covered += list((m["ci_low"] <= 0) & (0 <= m["ci_high"]))
    assert np.mean(covered) >= 0.85  # 48 intervals at 95 %: a miss rate of 15 % is p < 0.01


def test_minute_cells_keep_minutes_over_trend_stat_intervals():
    cells, _ = _tiny()
    trend = cells.assign(grain="interval", source="live_center", viewers=cells["viewers"] * 2)
    both = pd.concat([cells, trend], ignore_index=True)
    got = minute_cells(both)
    assert set(got["grain"]) == {"minute"} and got["viewers"].sum() == 900
    assert place_events(got, empty_events()).empty
