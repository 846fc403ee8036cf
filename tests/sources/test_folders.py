"""Folders and many files: each file is read on its own, listed with its status and reason, and
counted once (``docs/data-formats.md``, "Folders and many files")."""

from __future__ import annotations

import re
import shutil
import zipfile

import pandas as pd
import pytest

from analysis.errors import RejectedRowsWarning, UnreadableError
from analysis.sources.folder import EXCELIZE_DEFAULT, export_date
from analysis.sources.load import load, read
from analysis.sources.quality import FILE_COLUMNS, source_summary
from analysis.sources.writers.table import write_table

TZ = "Europe/Paris"
CSV = (
    "start,grain,channel,unit,viewers,atc\n"
    "2026-11-23T18:00:00+01:00,hour,LIVE,visitor,100,9\n"
    "2026-11-23T19:00:00+01:00,hour,LIVE,visitor,80,4\n"
)
V3 = ["Room ID", "Room Title", "Start Time", "Duration", "Views"]


def shop(tmp_path):
    """A folder: one good canonical CSV, a corrupt workbook, a note no loader reads."""
    (tmp_path / "cells.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "lives.xlsx").write_bytes(b"PK\x03\x04 truncated download")
    (tmp_path / "notes.txt").write_text("my notes", encoding="utf-8")
    return tmp_path


def test_an_unreadable_file_is_listed_with_its_reason_and_the_others_are_read(tmp_path):
    got = read(shop(tmp_path), tz=TZ)
    assert (
        got.summary
        == "2 rows read, 2 cells, 0 rejected, 0 replaced\nfiles: 1 read, 1 skipped, 1 unreadable"
    )
    files = got.files.set_index("file")
    assert files["status"].to_dict() == {"cells.csv": "read", "lives.xlsx": "unreadable",
                                         "notes.txt": "skipped"}  # fmt: skip
    assert files.loc["lives.xlsx", "reason"].startswith(
        "lives.xlsx: not a readable xlsx workbook (BadZipFile)"
    )
    assert pd.isna(files.loc["cells.csv", "reason"]) and got.reconciles()
    assert got.not_read["file"].tolist() == ["lives.xlsx", "notes.txt"]


def test_load_raises_naming_every_unreadable_file_unless_skipping(tmp_path):
    shop(tmp_path)
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(UnreadableError) as info:
        load(tmp_path, tz=TZ)
    text = str(info.value)
    assert text.startswith("2 unreadable file(s):\n  empty.csv: ")
    assert "\n  lives.xlsx: not a readable xlsx workbook (BadZipFile)" in text
    assert "skip_unreadable=True" in text
    with pytest.warns(RejectedRowsWarning, match=r"left out: 2 unreadable file\(s\)"):
        cells = load(tmp_path, tz=TZ, skip_unreadable=True)
    assert cells["viewers"].tolist() == [100, 80]


def test_no_file_readable_names_each_file(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"not a zip")
    (tmp_path / "b.csv").write_text("", encoding="utf-8")
    with pytest.raises(
        UnreadableError, match=r"^2 unreadable file\(s\):\n  a\.xlsx: .*\n  b\.csv"
    ):
        read(tmp_path, tz=TZ)


def test_byte_identical_copy_is_counted_once(tmp_path):
    (tmp_path / "cells.csv").write_text(CSV, encoding="utf-8")
    shutil.copy(tmp_path / "cells.csv", tmp_path / "cells (1).csv")
    got = read(tmp_path, tz=TZ)
    assert (
        got.summary == "2 rows read, 2 cells, 0 rejected, 0 replaced\nfiles: 1 read, 1 duplicate"
    )
    row = got.files.set_index("file").loc["cells.csv"]  # sorted: "cells (1).csv" comes first
    assert row["status"] == "duplicate"
    assert re.fullmatch(r"byte-identical to cells \(1\)\.csv \(sha256 [0-9a-f]{12}…\): counted "
                        r"once", row["reason"])  # fmt: skip
    assert load(tmp_path, tz=TZ)["viewers"].sum() == 180  # no error: duplicates are not a problem


def test_same_export_under_another_name_is_counted_once(tmp_path):
    (tmp_path / "a.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "b.csv").write_bytes(CSV.replace("\n", "\r\n").encode("utf-8-sig"))  # re-saved
    got = read(tmp_path, tz=TZ)
    assert len(got.cells) == 2 and set(got.cells["file"]) == {"a.csv"}
    assert got.files.set_index("file").loc["b.csv", "reason"] == (
        "the same export as a.csv (same rows, same values): counted once"
    )


def test_same_live_list_under_two_names_is_counted_once(tmp_path):
    rows = [V3, ["7541538403737122471", "Live", "2026-11-03 20:00:00", "1h58m", "640"]]
    a = write_table(tmp_path / "Creator-Live-Performance_20261110120000.xlsx",
                    [("performance_detail", rows)])  # fmt: skip
    b = tmp_path / "Creator-Live-Performance_20261110120000 (1).xlsx"
    write_table(b, [("performance_detail", rows)])  # written again: other bytes (zip times)
    got = read([a, b], tz=TZ)
    assert len(got.cells) == 1 and got.files["status"].tolist() == ["read", "duplicate"]


def test_a_different_export_is_not_a_duplicate(tmp_path):
    (tmp_path / "a.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "b.csv").write_text(CSV.replace(",100,9", ",101,9"), encoding="utf-8")
    got = read(tmp_path, tz=TZ)
    assert got.files["status"].tolist() == ["read", "read"]


def test_quality_page_lists_every_file_not_read(tmp_path):
    got = read(shop(tmp_path), tz=TZ)
    assert {"status", "reason"} <= set(FILE_COLUMNS)
    summary = source_summary(got).set_index("source")
    assert summary.loc["unreadable", "files"] == 1
    assert "lives.xlsx: " in summary.loc["unreadable", "status_message"]
    assert "notes.txt: " in summary.loc["skipped", "status_message"]


def test_a_simulated_samples_truth_is_skipped_as_what_it_is_not_as_an_unknown_format():
    from analysis.paths import SAMPLE_DIR
    from analysis.sources.load import TRUTH_REASON

    files = read(SAMPLE_DIR, tz=TZ).files.set_index("file")
    assert files.loc["truth.json", ["status", "reason"]].tolist() == ["skipped", TRUTH_REASON]
    assert "not recognised" not in TRUTH_REASON and files.loc["cells.parquet", "status"] == "read"


# ------------------------------------------------------------------------------------------------
# The export's own date
# ------------------------------------------------------------------------------------------------
def _with_modified(path, modified: str, creator: str = "Microsoft Office User"):
    """Rewrite ``dcterms:modified`` and ``dc:creator`` inside the xlsx zip (as a file saved by
    Excel or written by excelize has them), byte for byte otherwise."""
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]+", rb"\g<1>" + modified.encode(),
                              data)  # fmt: skip
                data = re.sub(rb"(<dc:creator>)[^<]*", rb"\g<1>" + creator.encode(), data)
            z.writestr(info, data)
    return path


def test_export_date_from_the_name_then_the_workbook_never_the_clock(tmp_path):
    named = tmp_path / "Creator-Live-Performance_20261122235959.xlsx"
    named.write_bytes(b"")
    assert export_date(named) == pd.Timestamp("2026-11-22 23:59:59")
    p = write_table(tmp_path / "lives.xlsx", [("Sheet1", [["a"]])])
    assert export_date(_with_modified(p, "2026-11-05T10:00:00Z")) == pd.Timestamp(
        "2026-11-05 10:00"
    )
    assert pd.isna(export_date(_with_modified(p, EXCELIZE_DEFAULT, "xuri")))  # excelize's default
    assert pd.isna(export_date(_with_modified(p, "2026-11-05T10:00:00Z", "openpyxl")))  # a clock
    assert pd.isna(export_date(tmp_path / "cells.csv"))


def test_rows_dated_after_the_export_are_rejected(tmp_path):
    rows = [V3, ["1", "Before", "2026-11-03 20:00:00", "1h", "10"],
            ["2", "After", "2026-11-12 20:00:00", "1h", "10"]]  # fmt: skip
    p = write_table(tmp_path / "Creator-Live-Performance_20261110120000.xlsx",
                    [("performance_detail", rows)])  # fmt: skip
    got = read(p, tz=TZ)
    assert got.cells["content_id"].tolist() == ["1"] and got.reconciles()
    r = got.rejected.iloc[0]
    assert (r["row"], r["column"], r["reason"]) == (3, "start", (
        "dated after the file's export date 2026-11-10 (file name or workbook properties): a "
        "wrong date, or day and month swapped; check the row"))  # fmt: skip


def test_workbook_properties_date_rejects_later_rows(tmp_path):
    rows = [V3, ["1", "Live", "2026-11-03 20:00:00", "1h", "10"]]
    p = write_table(tmp_path / "lives.xlsx", [("performance_detail", rows)])
    assert len(read(_with_modified(p, EXCELIZE_DEFAULT), tz=TZ).cells) == 1
    got = read(_with_modified(p, "2026-11-02T08:00:00Z"), tz=TZ)
    assert len(got.cells) == 0 and got.rejected["row"].tolist() == [2]


# ------------------------------------------------------------------------------------------------
# LIVE identity (reference §7.3 rule 6)
# ------------------------------------------------------------------------------------------------
V1 = ["Livestream", "Start time", "Duration", "Views", "Viewers"]


def v1(tmp_path, name, *rows, header=V1):
    above = [["2026-11-01 ~ 2026-11-07"], []]
    return write_table(tmp_path / name, [("Sheet1", [*above, header, *rows])])


def test_same_title_and_start_different_duration_are_two_lives_flagged(tmp_path):
    p = v1(tmp_path, "Creator-Live-Performance_20261110120000.xlsx",
           ["Live du mardi", "2026-11-03 20:00", "3600", "100", "50"],
           ["Live du mardi", "2026-11-03 20:00", "7200", "300", "120"],
           ["Live du mardi", "2026-11-03 20:00", "7200", "300", "120"])  # fmt: skip
    got = read(p, tz=TZ)
    assert got.summary == "3 rows read, 2 cells, 1 rejected, 0 replaced"  # row 6 repeats row 5
    assert got.cells["content_id"].tolist() == ["Live du mardi @ 2026-11-03 20:00 [3600 s]",
                                                "Live du mardi @ 2026-11-03 20:00 [7200 s]"]  # fmt: skip
    assert got.flagged["row"].tolist() == [4, 5]
    assert got.flagged["reason"].iloc[0] == ("same title and start minute as rows 4, 5, 6 but a "
                                             "different duration: kept as separate LIVEs")  # fmt: skip


def test_same_title_and_start_different_creator_are_two_lives(tmp_path):
    header = ["Livestream", "Creator", "Start time", "Duration", "Views"]
    p = v1(tmp_path, "Creator-Live-Performance_20261110120000.xlsx",
           ["Live", "ana", "2026-11-03 20:00", "3600", "100"],
           ["Live", "bia", "2026-11-03 20:00", "3600", "300"], header=header)  # fmt: skip
    got = read(p, tz=TZ)
    assert got.cells["creator"].tolist() == ["ana", "bia"] and len(got.flagged) == 2
    assert got.flagged["reason"].str.endswith("a different creator: kept as separate LIVEs").all()


def test_overlapping_exports_keep_lives_told_apart(tmp_path):
    v1(tmp_path, "Creator-Live-Performance_20261105120000.xlsx",
       ["Live", "2026-11-03 20:00", "3600", "90", "40"])  # fmt: skip
    v1(tmp_path, "Creator-Live-Performance_20261110120000.xlsx",
       ["Live", "2026-11-03 20:00", "3600", "100", "50"],
       ["Live", "2026-11-03 20:00", "7200", "300", "120"])  # fmt: skip
    got = read(tmp_path, tz=TZ)
    assert got.summary == "3 rows read, 2 cells, 0 rejected, 1 replaced"
    assert got.cells["views"].tolist() == [100, 300]
    assert got.replaced["file"].tolist() == ["Creator-Live-Performance_20261105120000.xlsx"]


def test_two_room_ids_with_one_title_and_start_are_two_lives(tmp_path):
    for name, room in (("Creator-Live-Performance_20261105120000.xlsx", "111"),
                       ("Creator-Live-Performance_20261110120000.xlsx", "222")):  # fmt: skip
        write_table(tmp_path / name, [("performance_detail", [
            V3, [room, "Live", "2026-11-03 20:00:00", "1h", "10"]])])  # fmt: skip
    got = read(tmp_path, tz=TZ)
    assert sorted(got.cells["content_id"]) == ["111", "222"] and not len(got.replaced)


def test_api_and_export_of_one_live_within_150_seconds_share_the_room_id():
    from analysis.cells import validate_cells
    from analysis.sources.identity import match_api

    def cell(source, cid, start, title="Live"):
        return {
            "source": source,
            "file": f"{source}.x",
            "start": start,
            "grain": "session",
            "channel": "LIVE",
            "unit": "visitor",
            "content_id": cid,
            "content_title": title,
        }

    cells = validate_cells(pd.DataFrame([
        cell("tiktok_api", "7541", "2026-11-03T20:00:40+01:00"),
        cell("tiktok_live_list", "Live @ 2026-11-03 20:02", "2026-11-03T20:02:00+01:00"),
        cell("tiktok_live_list", "Live @ 2026-11-03 20:03", "2026-11-03T20:03:11+01:00"),
        cell("tiktok_live_list", "Autre @ 2026-11-03 20:00", "2026-11-03T20:00:00+01:00",
             title="Autre"),
    ]).assign(row=[1, 2, 3, 4]), tz=TZ)  # fmt: skip
    out, flagged = match_api(cells)
    assert out["content_id"].tolist() == [
        "7541",
        "7541",
        "Live @ 2026-11-03 20:03",
        "Autre @ 2026-11-03 20:00",
    ]  # 80 s: same; 151 s: not
    assert flagged["row"].tolist() == [2]
    assert "starts 80 s apart (at most 150 s)" in flagged["reason"].iloc[0]


# ------------------------------------------------------------------------------------------------
# Overlapping exports of loaders without their own dedupe
# ------------------------------------------------------------------------------------------------
DAY = "start,grain,channel,unit,viewers,atc\n"


def test_overlapping_exports_keep_the_newest_cell(tmp_path):
    (tmp_path / "export_20261110120000.csv").write_text(
        DAY + "2026-11-08T00:00:00+01:00,day,ALL,visitor,100,9\n"
        "2026-11-09T00:00:00+01:00,day,ALL,visitor,80,4\n", encoding="utf-8")  # fmt: skip
    (tmp_path / "a_export_20261111120000.csv").write_text(  # newer by its stamp, first by name
        DAY + "2026-11-09T00:00:00+01:00,day,ALL,visitor,85,4\n"
        "2026-11-10T00:00:00+01:00,day,ALL,visitor,70,2\n", encoding="utf-8")  # fmt: skip
    got = read(tmp_path, tz=TZ)
    assert got.summary == "4 rows read, 3 cells, 0 rejected, 1 replaced" and got.reconciles()
    assert got.cells.sort_values("start")["viewers"].tolist() == [100, 85, 70]
    r = got.replaced.iloc[0]
    assert (r["file"], r["row"], r["by_file"], r["by_row"], r["key"], r["changed"]) == (
        "export_20261110120000.csv", 3, "a_export_20261111120000.csv", 2,
        "2026-11-09 00:00 ALL", True)  # fmt: skip


def test_a_recognised_file_failing_to_read_no_longer_aborts_the_folder(tmp_path):
    (tmp_path / "cells.csv").write_text(CSV, encoding="utf-8")
    rows = [[*V3, "Views"], ["1", "Live", "2026-11-03 20:00:00", "1h", "10", "11"]]
    write_table(tmp_path / "Creator-Live-Performance_20261110120000.xlsx",
                [("performance_detail", rows)])  # fmt: skip
    got = read(tmp_path, tz=TZ)
    assert (
        got.summary == "2 rows read, 2 cells, 0 rejected, 0 replaced\nfiles: 1 read, 1 unreadable"
    )
    bad = got.not_read.iloc[0]
    assert bad["file"] == "Creator-Live-Performance_20261110120000.xlsx"
    assert "a column is named twice (views: 'Views', 'Views')" in bad["reason"]
