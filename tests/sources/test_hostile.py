"""Hostile files fail early, naming the limit they pass (``docs/data-formats.md``, "Reading
limits"); genuine exports still read under the default limits. The files are built byte by byte
by :mod:`tests.sources.hostile_files`; their time and memory are printed by
``benchmarks/bench_hostile.py``, never asserted here."""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile

import pytest
from openpyxl.reader.strings import read_string_table

from analysis import cli, paths
from analysis.errors import LimitError, UnreadableError
from analysis.sources import ga4, tiktok_api
from analysis.sources.json_text import depth
from analysis.sources.limits import ENV, Limits
from analysis.sources.load import read
from analysis.sources.sheets import read_sheets
from analysis.sources.xlsx_zip import BoundedZip, shared_strings
from tests.sources import hostile_files as hf
from tests.sources import xlsx_bytes as xb

RAISE = "If it is a genuine export, raise the limit: `cartlift ... --limit {0}=<value>` or the "
ENTITIES = ("{0}: part {1} declares XML entities (EntitiesForbidden), which exports never do; the "
            "file may be hostile. Export it again")  # fmt: skip


@pytest.fixture(autouse=True)
def default_limits(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)


@pytest.fixture
def nothing_decompressed(monkeypatch):
    """Fail the test if any zip member is opened (the check must come before)."""

    def refuse(self, name, *args, **kwargs):
        raise AssertionError(f"member {name} opened")

    monkeypatch.setattr(BoundedZip, "open", refuse)


def limit_error(path, limit: str) -> LimitError:
    with pytest.raises(LimitError) as info:
        read_sheets(path)
    assert info.value.limit == limit
    assert RAISE.format(limit) in str(info.value)
    return info.value


# ------------------------------------------------------------------------------------------------
# xlsx: the zip container
# ------------------------------------------------------------------------------------------------


def test_zip_bomb_sheet_fails_before_anything_is_decompressed(tmp_path, nothing_decompressed):
    err = limit_error(hf.zip_bomb(tmp_path), "max_compression_ratio")
    assert str(err).startswith("bomb.xlsx: a compression ratio of ")
    assert (
        "is over the reading limit max_compression_ratio = 200.0 (part xl/worksheets/sheet1.xml: "
        in str(err)
    )
    assert "expanding to 8,00" in str(err)


def test_zip_bomb_reported_by_the_loader_as_unreadable(tmp_path):
    bomb = hf.zip_bomb(tmp_path)
    with pytest.raises(LimitError, match="over the reading limit max_compression_ratio"):
        read([bomb], tz=paths.SAMPLE_TZ)  # named: its limit, not "format not recognised"
    shutil.copy(hf.API_LIVES, tmp_path / hf.API_LIVES.name)
    files = read(tmp_path, tz=paths.SAMPLE_TZ).files.set_index("file")  # in a folder: listed
    assert files.loc["bomb.xlsx", "status"] == "unreadable"
    assert "over the reading limit max_compression_ratio" in files.loc["bomb.xlsx", "reason"]


def test_shared_string_table_bigger_than_the_limit_fails_before_decompression(
    tmp_path, monkeypatch, nothing_decompressed
):
    p = hf.shared_strings_table(tmp_path, 2_000)
    monkeypatch.setenv(ENV, "max_shared_strings_bytes=10000")
    err = limit_error(p, "max_shared_strings_bytes")
    size = zipfile.ZipFile(p).getinfo(hf.SST).file_size
    assert str(err).startswith(f"strings.xlsx: {size:,} bytes is over the reading limit "
                               "max_shared_strings_bytes = 10000 (the shared-string table "
                               "xl/sharedStrings.xml)")  # fmt: skip


def test_shared_string_bomb_by_ratio(tmp_path, nothing_decompressed):
    err = limit_error(hf.shared_strings_table(tmp_path, 1_000_000), "max_compression_ratio")
    assert "(part xl/sharedStrings.xml: " in str(err)
    assert "expanding to 17,001,224 bytes)" in str(err)


def test_renamed_shared_string_table_is_counted_while_it_streams(tmp_path, monkeypatch):
    p = hf.shared_strings_table(tmp_path, 2_000, part="xl/strings.xml")
    assert read_sheets(p)[0].rows[2][:2] == ("Livestream", "Start time")  # read from the new name
    monkeypatch.setenv(ENV, "max_shared_strings_bytes=10000")
    err = limit_error(p, "max_shared_strings_bytes")
    assert "is over the reading limit max_shared_strings_bytes = 10000 (the shared-string table " \
           "xl/strings.xml)" in str(err)  # fmt: skip
    assert str(err).startswith("strings.xlsx: over ")


def test_shared_strings_read_as_openpyxl_reads_them():
    sst = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<si><t>plain</t></si><si><t xml:space="preserve"> spaced </t></si><si/>'
           "<si><r><rPr><b/></rPr><t>rich </t></r><r><t>runs</t></r>"
           '<rPh sb="0" eb="1"><t>ふりがな</t></rPh></si>'
           "<si><t>a_x005F_x000D_b</t></si></sst>").encode()  # fmt: skip
    mine = shared_strings(io.BytesIO(sst), "f.xlsx", "xl/sharedStrings.xml", Limits())
    assert mine == read_string_table(io.BytesIO(sst))
    assert mine == ["plain", " spaced ", "", "rich runs", "a_x000D_b"]


def test_parts_read_whole_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, "max_part_bytes=5000")
    err = limit_error(hf.live_list(tmp_path), "max_part_bytes")
    assert "10,140 bytes is over the reading limit max_part_bytes = 5000 (part " \
           "xl/theme/theme1.xml, read whole)" in str(err)  # fmt: skip


def test_total_uncompressed_size_is_bounded(tmp_path, monkeypatch, nothing_decompressed):
    monkeypatch.setenv(ENV, "max_uncompressed_bytes=10000")
    err = limit_error(hf.live_list(tmp_path), "max_uncompressed_bytes")
    assert " bytes uncompressed is over the reading limit max_uncompressed_bytes = 10000 (the " \
           "parts up to xl/theme/theme1.xml)" in str(err)  # fmt: skip


def test_a_zip_header_declaring_less_than_the_member_holds(tmp_path):
    p = hf.lying_header(tmp_path)
    with zipfile.ZipFile(p) as z, z.open(hf.SST) as member:  # zipfile stops at the declared
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):  # size, then checks the CRC
            member.read()
    with pytest.raises(UnreadableError) as info:
        read_sheets(p)
    assert str(info.value) == ("strings.xlsx: part xl/sharedStrings.xml does not match its zip "
                               "header (Bad CRC-32 for file 'xl/sharedStrings.xml'); the file is "
                               "damaged or hostile. Export it again")  # fmt: skip


def test_a_member_yielding_more_than_declared_is_stopped(tmp_path):
    p = hf.live_list(tmp_path)
    with BoundedZip(p, p.name, Limits()) as z:
        info = z.getinfo(hf.SHEET)
        z.count(info, info.file_size, info.file_size)  # exactly what it declares: fine
        with pytest.raises(LimitError) as err:
            z.count(info, info.file_size + 1, 1)
    assert str(err.value) == (f"{p.name}: part xl/worksheets/sheet1.xml holds more than the "
                              f"{info.file_size:,} bytes its zip header declares; the file is "
                              "damaged or hostile. Export it again")  # fmt: skip


# ------------------------------------------------------------------------------------------------
# xlsx: XML entities
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("part", [hf.SHEET, hf.SST])
def test_billion_laughs_is_refused_and_named(tmp_path, part):
    with pytest.raises(UnreadableError) as info:
        read_sheets(hf.billion_laughs(tmp_path, part))
    assert not isinstance(info.value, LimitError)
    assert str(info.value) == ENTITIES.format("laughs.xlsx", part)


def test_external_entity_is_refused_and_named(tmp_path):
    with pytest.raises(UnreadableError) as info:
        read_sheets(hf.external_entity(tmp_path))
    assert str(info.value) == ENTITIES.format("xxe.xlsx", hf.SHEET)


# ------------------------------------------------------------------------------------------------
# xlsx: rows, cells, cell length while the sheet streams
# ------------------------------------------------------------------------------------------------


def test_a_10_mb_cell_names_sheet_row_and_column(tmp_path):
    err = limit_error(hf.long_cell(tmp_path), "max_cell_chars")
    assert str(err).startswith("long.xlsx: a cell of 10,000,000 characters is over the reading "
                               "limit max_cell_chars = 32767 (sheet 'Sheet1', row 4, column A)")  # fmt: skip


def test_a_cell_at_the_last_row_and_column_does_not_build_the_grid(tmp_path):
    err = limit_error(hf.sparse_sheet(tmp_path), "max_cells")
    assert str(err).startswith("sparse.xlsx: a table of 17,179,869,184 cells is over the reading "
                               "limit max_cells = 20000000 (sheet 'Sheet1': 1,048,576 rows x "
                               "16,384 columns)")  # fmt: skip


def test_rows_are_counted(tmp_path, monkeypatch):
    p = hf.live_list(tmp_path, n=5)  # rows 1, 3 (header), 4-8
    assert len(read_sheets(p)[0].rows) == 8
    monkeypatch.setenv(ENV, "max_rows=4")
    err = limit_error(p, "max_rows")
    assert str(err).startswith("Creator-Live-Performance_20260319154159.xlsx: row 5 is over the "
                               "reading limit max_rows = 4 (sheet 'Sheet1')")  # fmt: skip


def test_a_row_beyond_excels_last_row_is_damaged(tmp_path):
    p = hf._edit(hf.live_list(tmp_path), hf.SHEET, lambda x: x.replace(
        "</sheetData>", '<row r="1048577"><c r="A1048577" t="inlineStr"><is><t>x</t></is></c>'
        "</row></sheetData>"))  # fmt: skip
    with pytest.raises(UnreadableError) as info:
        read_sheets(p)
    assert str(info.value) == ("Creator-Live-Performance_20260319154159.xlsx: sheet 'Sheet1' has "
                               "a row 1,048,577, beyond Excel's last row 1,048,576; the file is "
                               "damaged or hostile. Export it again")  # fmt: skip


# ------------------------------------------------------------------------------------------------
# JSON
# ------------------------------------------------------------------------------------------------


def test_json_nested_100000_deep_is_refused_without_recursion(tmp_path):
    p = hf.deep_json(tmp_path)
    with pytest.raises(LimitError) as info:
        tiktok_api.read(p, tz=paths.SAMPLE_TZ)
    assert info.value.limit == "max_json_depth"
    assert str(info.value).startswith("api_live_sessions.json: arrays and objects nested 100,004 "
                                      "deep is over the reading limit max_json_depth = 64")  # fmt: skip
    assert RAISE.format("max_json_depth") in str(info.value)
    assert ga4.match(p) is None  # GA4 detection reads the same line: no RecursionError either
    with pytest.raises(LimitError, match="max_json_depth = 64"):  # not "format not recognised"
        read([p], tz=paths.SAMPLE_TZ)


def test_json_parser_recursion_is_a_limit_error_too(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, "max_json_depth=1000000")
    with pytest.raises(LimitError) as info:
        tiktok_api.read(hf.deep_json(tmp_path), tz=paths.SAMPLE_TZ)
    assert info.value.limit == "max_json_depth"
    assert str(info.value).startswith("api_live_sessions.json: nesting too deep for the JSON "
                                      "parser is over the reading limit max_json_depth = 1000000")  # fmt: skip


def test_json_depth_ignores_brackets_in_strings():
    assert depth('{"a": "[[[\\"[{", "b": [[1]]}') == 3
    assert depth('[{"x": "]]]]"}, [], {}]') == 2
    assert depth("12") == depth('"[[[') == 0  # an unterminated string runs to the end
    assert depth(json.dumps(json.loads(hf.API_LIVES.read_text(encoding="utf-8")))) == 6


def test_json_records_and_size_are_bounded(tmp_path, monkeypatch):
    p = shutil.copy(hf.API_LIVES, tmp_path / hf.API_LIVES.name)
    sessions = len(
        json.loads(hf.API_LIVES.read_text(encoding="utf-8"))["data"]["live_stream_sessions"]
    )
    monkeypatch.setenv(ENV, f"max_rows={sessions - 1}")
    with pytest.raises(LimitError) as info:
        tiktok_api.read(p, tz=paths.SAMPLE_TZ)
    assert str(info.value).startswith(f"{p.name}: {sessions:,} records is over the reading limit "
                                      f"max_rows = {sessions - 1};")  # fmt: skip
    monkeypatch.setenv(ENV, "max_uncompressed_bytes=100")
    with pytest.raises(LimitError) as info:
        tiktok_api.read(p, tz=paths.SAMPLE_TZ)
    size = os.path.getsize(p)
    assert str(info.value).startswith(f"{p.name}: {size:,} bytes is over the reading limit "
                                      "max_uncompressed_bytes = 100 (the JSON file, read whole)")  # fmt: skip


# ------------------------------------------------------------------------------------------------
# Genuine exports, and the --limit flag
# ------------------------------------------------------------------------------------------------


def test_genuine_exports_read_under_the_default_limits():
    exports = paths.PROJECT_ROOT / "data" / "exports"
    real = paths.PROJECT_ROOT / "tests" / "fixtures" / "real"
    for p in [*sorted(exports.glob("*.xlsx")), *sorted(real.glob("*.xlsx"))]:
        assert read_sheets(p), p.name
    for p in sorted(exports.glob("*.json")):  # the limits guard the reading of envelopes
        assert tiktok_api.match(p), p.name
    assert len(tiktok_api.read(hf.API_LIVES, tz=paths.SAMPLE_TZ).cells) == 18  # and records


def test_limit_flag_sets_the_environment_for_this_process_and_its_kernels(tmp_path, monkeypatch,
                                                                          capsys):  # fmt: skip
    monkeypatch.setenv(ENV, "max_rows=7")
    p = hf.deep_json(tmp_path)
    assert cli.main(["validate", str(p), "--limit", "max_json_depth=200000",
                     "--limit", "max_cells=9"]) == 1  # fmt: skip
    assert os.environ[ENV] == "max_rows=7,max_json_depth=200000,max_cells=9"
    assert "nesting too deep for the JSON parser" in capsys.readouterr().err
    args = cli.build_parser().parse_args(["report", "--limit", "max_rows=10"])
    assert args.limits == ["max_rows=10"]
    assert cli.build_parser().parse_args(["load", "x.csv", "--limit", "max_rows=3"]).limits == [
        "max_rows=3"]  # fmt: skip


@pytest.mark.parametrize("value, message", [
    ("max_rowz=5", "unknown reading limit 'max_rowz'; the limits are max_compression_ratio, "
                   "max_uncompressed_bytes, max_shared_strings_bytes, max_part_bytes, max_rows, "
                   "max_cells, max_cell_chars, max_json_depth"),
    ("max_rows=-1", "reading limit max_rows='-1': give a positive number"),
    ("max_rows", "reading limit max_rows='': give a positive number"),
])  # fmt: skip
def test_a_bad_limit_flag_is_one_sentence(capsys, value, message):
    with pytest.raises(SystemExit) as info:
        cli.main(["validate", "x.csv", "--limit", value])
    assert info.value.code == 2
    assert capsys.readouterr().err.endswith(f"error: argument --limit: {message}\n")


def test_xlsx_bytes_are_what_the_builder_says(tmp_path):
    """The fixtures keep TikTok's own bytes: shared strings and ``<dimension ref="A1"/>``."""
    p = hf.live_list(tmp_path)
    assert xb.string_kinds(p, "Sheet1") == (55, 0)
    assert '<dimension ref="A1"/>' in xb.part(p, hf.SHEET)


# ------------------------------------------------------------------------------------------------
# CSV: a 10 MB cell under the default limits (the counting itself: tests/sources/test_csv_limits.py)
# ------------------------------------------------------------------------------------------------

TEN_MB = "x" * (10 * 1024 * 1024)


def test_a_10_mb_cell_in_a_canonical_csv_names_row_and_column(tmp_path):
    path = tmp_path / "cells.csv"
    path.write_text(
        "start,grain,channel,unit,product_id,content_title\n"
        f"2026-11-02T10:00:00+01:00,hour,LIVE,visitor,p1,{TEN_MB}\n",
        encoding="utf-8",
    )
    with pytest.raises(LimitError) as info:
        read(path, tz="Europe/Paris")
    assert info.value.limit == "max_cell_chars"
    # a row longer than pyarrow's block is read whole, by the csv_text reader: column letter
    assert str(info.value).startswith(
        "cells.csv: a cell of 10,485,760 characters is over the reading limit max_cell_chars = "
        "32767 (row 2, column F);"
    )
    assert RAISE.format("max_cell_chars") in str(info.value)


def test_a_10_mb_cell_in_an_export_csv_names_row_and_column(tmp_path):
    path = tmp_path / "lives.csv"
    path.write_text(f"Live name,Viewers\nMorning,12\n{TEN_MB},3\n", encoding="utf-8")
    with pytest.raises(LimitError) as info:
        read_sheets(path)
    assert info.value.limit == "max_cell_chars"
    assert "(row 3, column A)" in str(info.value)
    assert RAISE.format("max_cell_chars") in str(info.value)
