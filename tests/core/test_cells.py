"""Canonical cells: each validation rule has a failing case that names file, row and column."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.cells import COLUMNS, CellsError, empty_cells, split_cells, validate_cells
from analysis.sources.canonical import write_cells
from analysis.sources.load import RejectedRowsWarning, load, read

TZ = "Europe/Paris"


def raw(**overrides) -> pd.DataFrame:
    """Two valid raw rows as a canonical CSV would give them (all text)."""
    base = {
        "start": ["2026-11-23T18:00:00+01:00", "2026-11-23T19:00:00+01:00"],
        "grain": ["hour", "hour"],
        "channel": ["LIVE", "PRODUCT_CARD"],
        "unit": ["visitor", "visitor"],
        "product_id": ["1729384756102938475", "1729384756102938475"],
        "viewers": ["100", "400"],
        "atc": ["9", "12"],
        "revenue": ["56.5", ""],
        "currency": ["EUR", ""],
        "file": ["shop.csv", "shop.csv"],
        "row": [2, 3],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def problems_of(frame: pd.DataFrame, **kw) -> pd.DataFrame:
    with pytest.raises(CellsError) as info:
        validate_cells(frame, **kw)
    return info.value.problems


def test_valid_rows_give_canonical_columns_and_dtypes():
    cells = validate_cells(raw(), tz=TZ)
    assert list(cells.columns) == list(COLUMNS)
    assert cells["viewers"].dtype == "Int64" and cells["revenue"].dtype == "Float64"
    assert str(cells["start"].dt.tz) == TZ
    assert cells["hour"].tolist() == [18, 19]
    assert cells["weekday"].tolist() == [0, 0]  # 2026-11-23 is a Monday
    assert cells["is_live"].tolist() == [True, False]
    # 19-digit ids stay exact strings
    assert cells["product_id"].iloc[0] == "1729384756102938475"
    assert list(empty_cells(TZ).columns) == list(COLUMNS)


def test_input_is_not_mutated():
    frame = raw()
    before = frame.copy()
    validate_cells(frame, tz=TZ)
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(
    ("overrides", "column", "fragment"),
    [
        ({"viewers": ["100", "x"]}, "viewers", "'x' is not a number"),
        ({"atc": ["9", "2.5"]}, "atc", "not a whole number"),
        ({"atc": ["9", "-3"]}, "atc", "negative"),
        ({"atc": ["101", "12"]}, "atc", "atc exceeds viewers"),
        ({"channel": ["LIVE", "TV"]}, "channel", "'TV' is not one of"),
        ({"grain": ["hour", "week"]}, "grain", "'week' is not one of"),
        ({"unit": ["visitor", "people"]}, "unit", "'people' is not one of"),
        ({"unit": ["visitor", ""]}, "unit", "is empty; it is required"),
        ({"promo": ["none", "bogof"]}, "promo", "'bogof' is not one of"),
        ({"start": ["2026-11-23T18:00:00+01:00", ""]}, "start", "is empty"),
        ({"start": ["2026-11-23T18:00:00+01:00", "23/11/2026"]}, "start", "not an ISO 8601"),
        ({"currency": ["", ""]}, "currency", "revenue is given without a currency"),
        ({"currency": ["euro", ""]}, "currency", "not a 3-letter ISO 4217"),
        ({"hour": ["18", "7"]}, "hour", "disagrees with the value computed"),
        ({"is_live": ["True", "True"]}, "is_live", "disagrees with the value computed"),
    ],
)
def test_each_rule_names_file_row_and_column(overrides, column, fragment):
    found = problems_of(raw(**overrides), tz=TZ)
    hit = found[found["column"] == column]
    assert len(hit) == 1, found
    assert fragment in hit["reason"].iloc[0]
    assert hit["file"].iloc[0] == "shop.csv"
    assert hit["row"].iloc[0] in (2, 3)


def test_atc_may_exceed_viewers_for_event_units():
    cells = validate_cells(raw(atc=["150", "12"], unit=["event", "event"]), tz=TZ)
    assert cells["atc"].iloc[0] == 150


def test_naive_times_without_tz_say_how_to_pass_one():
    found = problems_of(raw(start=["2026-11-23 18:00", "2026-11-23 19:00"]))
    assert "analysis.load(path, tz='Europe/Paris')" in found["reason"].iloc[0]
    assert found["row"].tolist() == [2, 3]


def test_naive_times_are_shop_local_with_tz():
    cells = validate_cells(raw(start=["2026-11-23 18:00", "2026-11-23 19:00"]), tz=TZ)
    assert cells["start"].iloc[0] == pd.Timestamp("2026-11-23 17:00", tz="UTC")


def test_dst_gap_and_overlap_are_refused_not_guessed():
    # 2026-03-29 02:30 does not exist in Paris; 2026-10-25 02:30 happens twice
    found = problems_of(raw(start=["2026-03-29 02:30", "2026-10-25 02:30"]), tz=TZ)
    assert found["row"].tolist() == [2, 3]
    assert found["reason"].str.contains("daylight-saving").all()


def test_unknown_time_zone():
    with pytest.raises(ValueError, match="Unknown time zone"):
        validate_cells(raw(), tz="Paris/France")


def test_missing_required_and_unknown_columns():
    found = problems_of(raw().drop(columns=["unit"]).assign(viewer=["1", "2"]), tz=TZ)
    assert set(found["column"]) == {"unit", "viewer"}
    assert found.loc[found["column"] == "viewer", "reason"].str.contains("unknown column").all()


def test_duplicated_cells_are_refused():
    frame = pd.concat([raw().iloc[[0]], raw().iloc[[0]].assign(row=[3])])
    found = problems_of(frame, tz=TZ)
    assert found["row"].tolist() == [3]
    assert "duplicates an earlier row" in found["reason"].iloc[0]


def test_every_problem_is_reported_at_once():
    found = problems_of(raw(viewers=["x", "400"], channel=["LIVE", "TV"], atc=["9", "-1"]), tz=TZ)
    assert set(found["column"]) == {"viewers", "channel", "atc"}
    assert "3 problem(s)" in str(CellsError(found))


def test_load_csv_and_parquet_round_trip(tmp_path):
    cells = validate_cells(raw(), tz=TZ)
    write_cells(cells, tmp_path / "a.csv")
    write_cells(cells, tmp_path / "b.parquet")
    from_csv = load(tmp_path / "a.csv", tz=TZ)
    from_parquet = load(tmp_path / "b.parquet")  # Parquet carries its time zone
    counts = ["viewers", "atc", "revenue", "product_id", "start", "hour"]
    pd.testing.assert_frame_equal(from_csv[counts], cells[counts])
    pd.testing.assert_frame_equal(from_parquet[counts], cells[counts])
    both = read(tmp_path, tz=TZ)  # the same cells saved twice: counted once, the copy listed
    assert len(both.cells) == 2 and set(both.cells["file"]) == {"shop.csv"}  # provenance kept
    copy = both.files.set_index("file").loc["b.parquet"]
    assert (copy["status"], copy["reason"]) == (
        "duplicate",
        "the same export as a.csv (same rows, same values): counted once",
    )


def test_load_csv_rows_are_spreadsheet_rows_and_bad_rows_are_rejected(tmp_path):
    path = tmp_path / "cells.csv"
    raw().drop(columns=["file", "row"]).assign(atc=["9", "-4"]).to_csv(path, index=False)
    loaded = read(path, tz=TZ)
    p = loaded.rejected
    assert (p["file"].iloc[0], p["row"].iloc[0], p["column"].iloc[0]) == ("cells.csv", 3, "atc")
    assert p["source"].iloc[0] == "canonical"
    assert loaded.summary == "2 rows read, 1 cells, 1 rejected, 0 replaced"
    assert loaded.reconciles()
    with pytest.warns(RejectedRowsWarning, match="cells.csv row 3 column 'atc'"):
        cells = load(path, tz=TZ)
    assert cells["row"].tolist() == [2]


def test_folders_skip_and_list_files_no_loader_reads(tmp_path):
    write_cells(validate_cells(raw(), tz=TZ), tmp_path / "a.csv")
    (tmp_path / "notes.txt").write_text("hello")
    loaded = read(tmp_path, tz=TZ)
    assert len(loaded.cells) == 2
    assert loaded.files.set_index("file").loc["notes.txt", "source"] == "skipped"
    with pytest.raises(ValueError, match="format not recognised"):
        read(tmp_path / "notes.txt", tz=TZ)  # named explicitly: an error


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load(tmp_path / "missing.csv", tz=TZ)
    with pytest.raises(FileNotFoundError, match="holds no file"):
        load(tmp_path, tz=TZ)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match="format not recognised"):
        load(tmp_path / "empty.csv", tz=TZ)
    with pytest.raises(ValueError, match="the file is empty"):
        load(tmp_path / "empty.csv", source="canonical", tz=TZ)


def test_split_cells_sets_bad_rows_aside_and_reconciles():
    frame = raw(atc=["9", "-1"], viewers=["100", "x"])
    cells, rejected = split_cells(frame, tz=TZ)
    assert cells["row"].tolist() == [2]
    assert set(rejected["row"]) == {3} and set(rejected["column"]) == {"atc", "viewers"}
    # every input row is in the cells or in the rejected table
    assert len(cells) + rejected["row"].nunique() == len(frame)
    assert list(rejected.columns) == ["file", "row", "column", "value", "reason"]


def test_split_cells_still_refuses_an_unusable_frame():
    with pytest.raises(CellsError, match="required column is missing"):
        split_cells(raw().drop(columns=["channel"]), tz=TZ)


def test_derived_flag():
    cells = validate_cells(raw(derived=["true", ""]), tz=TZ)
    assert cells["derived"].tolist() == [True, False]
    assert not validate_cells(raw(), tz=TZ)["derived"].any()
    found = problems_of(raw(derived=["yes", "false"]), tz=TZ)
    assert found["column"].tolist() == ["derived"]
