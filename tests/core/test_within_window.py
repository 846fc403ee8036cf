"""A page reads only its window of weeks (``cl.within_window``) and says which weeks in words."""

from __future__ import annotations

import pandas as pd
import pytest

import analysis as cl


def _days(first: str, last: str) -> pd.DataFrame:
    """One cell a day from ``first`` to ``last`` (only ``date`` matters to a window)."""
    return pd.DataFrame({"date": pd.date_range(first, last, freq="D"), "n": 1})


def test_window_keeps_the_weeks_ending_with_the_reported_one():
    cells = _days("2026-08-03", "2026-12-06")  # 2026-W32 to 2026-W49
    out = cl.within_window(cells, week="2026-W47", weeks=3)
    assert out["date"].min() == pd.Timestamp("2026-11-02")  # Monday of 2026-W45
    assert out["date"].max() == pd.Timestamp("2026-11-22")  # later weeks are left out too
    assert len(out) == 21 and len(cells) == 126  # input not changed
    assert out.attrs["window"] == {"week": "2026-W47", "weeks": 3,
                                   "first": pd.Timestamp("2026-11-02"),
                                   "last": pd.Timestamp("2026-11-22"), "held": 3}  # fmt: skip


def test_one_week_is_select_week_and_latest_is_resolved_on_the_data():
    cells = _days("2026-09-28", "2026-11-25")  # the last week is incomplete: latest = 2026-W47
    out = cl.within_window(cells, week="latest", weeks=1)
    pd.testing.assert_frame_equal(out, cl.select_week(cells, "2026-W47"))
    assert out.attrs["window"]["week"] == "2026-W47"


def test_a_window_longer_than_the_data_keeps_every_earlier_cell_and_says_so():
    cells = _days("2026-09-28", "2026-11-22")  # 8 weeks, as the sample
    out = cl.within_window(cells, week="2026-W47", weeks=12)
    pd.testing.assert_frame_equal(out, cells)
    assert out.attrs["window"]["held"] == 8
    # frames selected from the window keep it: the page's notes name it
    assert cl.select_week(out, "2026-W47").attrs["window"]["weeks"] == 12


def test_all_weeks_and_bad_sizes():
    cells = _days("2026-11-02", "2026-11-22")
    everything = cl.within_window(cells, week="all", weeks=2)
    assert len(everything) == len(cells) and "window" not in everything.attrs
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="a window holds a whole number of weeks, at least 1"):
            cl.within_window(cells, week="2026-W47", weeks=bad)
    with pytest.raises(ValueError, match="no data in week 2026-W30"):
        cl.within_window(cells, week="2026-W30", weeks=4)


def test_the_page_names_its_window_in_each_language():
    cells = cl.within_window(_days("2026-09-28", "2026-11-22"), week="2026-W47", weeks=12)
    assert cl.window_note(cells, lang="en") == [
        "This page uses the 12 weeks up to 2026-W47 (Monday, August 31, 2026 to Sunday, "
        "November 22, 2026; the data hold 8 of them); earlier and later weeks are not read."
    ]
    week = cl.within_window(cells, week="2026-W47", weeks=1)
    (fr,) = cl.window_note(week, lang="fr")
    assert fr.startswith("Cette page n'utilise que la semaine 2026-W47 (du lundi 16 novembre 2026")
    assert cl.window_note(_days("2026-11-16", "2026-11-22"), lang="en") == []  # no window


def test_every_report_page_has_a_window():
    assert set(cl.PAGE_WINDOWS) == set(cl.PAGE_QUESTIONS)
    assert cl.PAGE_WINDOWS["05_dynamics"] == 12 and cl.PAGE_WINDOWS["weekly_report"] == 8
