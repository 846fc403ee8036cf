"""Range cells (a whole exported period) reach a weekly page only when the range lies in one
ISO week; the page says which cells count a period and which files were left out."""

from __future__ import annotations

import pandas as pd

import analysis as cl


def _cells(sample_cells: pd.DataFrame) -> pd.DataFrame:
    base = sample_cells.head(4).copy()
    base["grain"] = ["hour", "range", "range", "range"]
    base["file"] = ["hourly.csv", "week.xlsx", "month.xlsx", "unknown.xlsx"]
    return base


def test_only_ranges_inside_one_week_are_kept(sample_cells):
    cells = _cells(sample_cells)
    periods = {"week.xlsx": (pd.Timestamp("2026-11-16"), pd.Timestamp("2026-11-22")),
               "month.xlsx": (pd.Timestamp("2026-11-16"), pd.Timestamp("2026-12-13"))}  # fmt: skip
    kept, excluded = cl.within_weeks(cells, periods)
    assert kept["file"].tolist() == ["hourly.csv", "week.xlsx"]
    assert excluded["file"].tolist() == ["month.xlsx", "unknown.xlsx"]
    assert excluded["cells"].tolist() == [1, 1] and excluded["last"].isna().tolist() == [
        False,
        True,
    ]
    assert len(cells) == 4  # input not changed


def test_period_notes_name_the_ranges_and_the_files_left_out(sample_cells):
    cells = _cells(sample_cells)
    periods = {"week.xlsx": (pd.Timestamp("2026-11-16"), pd.Timestamp("2026-11-22")),
               "month.xlsx": (pd.Timestamp("2026-11-16"), pd.Timestamp("2026-12-13"))}  # fmt: skip
    kept, excluded = cl.within_weeks(cells, periods)
    en = cl.period_notes(kept, excluded, lang="en")
    assert en[0].startswith("1 cells count a whole exported period") and "week.xlsx" in en[0]
    assert "cannot account for LIVE clustering" in en[0]
    assert "month.xlsx (1 cells) covers 2026-11-16 to 2026-12-13" in en[1]
    assert "unknown.xlsx" in en[2] and "to ?" in en[2]
    fr = cl.period_notes(kept, excluded, lang="fr")
    assert fr[0].startswith("1 cellules comptent") and len(fr) == 3
    assert cl.period_notes(kept[kept["grain"] != "range"], excluded.iloc[:0], lang="en") == []
