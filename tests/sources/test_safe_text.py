"""Safe outputs (``analysis.sources.safe_text``): CSV injection is neutralised in every file the
kit writes for people (``cartlift load --out`` / ``write_cells``, ``questions.csv``), numbers are
untouched, the canonical loader gives the text back exactly, and the export fixtures' xlsx cells
are strings, never formulas (``docs/data-formats.md``, "Safe outputs")."""

from __future__ import annotations

import csv
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.cells import validate_cells
from analysis.cli import main
from analysis.report.questions import QUESTIONS_FILE, write_questions
from analysis.sources.canonical import write_cells
from analysis.sources.load import load
from analysis.sources.safe_text import (
    FORMULA_STARTS,
    escape_frame,
    escape_text,
    unescape_frame,
    unescape_text,
)
from analysis.sources.writers.table import write_table

TZ = "Europe/Paris"
#: hostile names, each with what a CSV cell must hold
HOSTILE = {
    '=HYPERLINK("http://x","y")': '\'=HYPERLINK("http://x","y")',
    "+1": "'+1",
    "-2+3": "'-2+3",
    "-2": "'-2",  # a negative number stored as text is text: escaped
    "@SUM(A1)": "'@SUM(A1)",
    "\tTab": "'\tTab",
    "\rCR": "'\rCR",
    "'=x": "''=x",  # a literal quote before a formula character gets one more
    "'abc": "'abc",  # any other leading quote is left alone
    "'": "'",
    "a=b": "a=b",
    "": "",
}


@pytest.mark.parametrize(("text", "cell"), HOSTILE.items())
def test_escape_and_unescape(text, cell):
    assert escape_text(text) == cell
    assert unescape_text(cell) == text


@pytest.mark.parametrize("value", [-2, -2.5, 3, None, pd.NA, True])
def test_non_text_values_are_untouched(value):
    assert escape_text(value) is value and unescape_text(value) is value


@given(st.text(alphabet=["'", *FORMULA_STARTS, "a", "1", " ", '"'], max_size=8) | st.text())
def test_unescape_inverts_escape_for_every_string(text):
    assert unescape_text(escape_text(text)) == text
    assert not escape_text(text).startswith(FORMULA_STARTS)


def test_escape_frame_changes_text_columns_only():
    frame = pd.DataFrame({
        "name": pd.array(["=1+1", "-2", None], dtype="string"),
        "obj": ["@x", 5, None],
        "n": pd.array([-2, 3, None], dtype="Int64"),
        "x": [-1.5, 2.0, 0.0],
    })  # fmt: skip
    out = escape_frame(frame)
    assert out["name"].tolist() == ["'=1+1", "'-2", pd.NA]
    assert out["obj"].tolist() == ["'@x", 5, None]
    pd.testing.assert_frame_equal(out[["n", "x"]], frame[["n", "x"]])
    assert out.dtypes.equals(frame.dtypes)
    assert frame["name"].iloc[0] == "=1+1"  # input not mutated
    pd.testing.assert_frame_equal(unescape_frame(out), frame)


def hostile_cells() -> pd.DataFrame:
    """Cells whose text columns hold the hostile names (validation strips ids' outer blanks,
    so a leading tab or CR reaches the file only inside the text)."""
    names = [n for n in HOSTILE if n]
    starts = pd.date_range("2026-10-20", periods=len(names), freq="h", tz="UTC").tz_convert(TZ)
    raw = pd.DataFrame({"start": starts, "grain": "hour", "channel": "WEB", "unit": "session",
                        "file": "x.csv", "product_id": names, "content_title": names[::-1],
                        "creator": "-carla", "viewers": range(10, 10 + len(names)),
                        "atc": 1, "revenue": 12.5, "currency": "EUR"})  # fmt: skip
    return validate_cells(raw, tz=TZ)


def test_write_cells_csv_escapes_and_round_trips(tmp_path):
    cells = hostile_cells()
    path = write_cells(cells, tmp_path / "cells.csv")
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row, name in zip(rows, cells["product_id"], strict=True):
        assert row["product_id"] == escape_text(name)
        assert not row["product_id"].startswith(FORMULA_STARTS)
        assert row["creator"] == "'-carla"
    assert [r["viewers"] for r in rows] == [str(v) for v in cells["viewers"]]  # numbers as is
    assert {r["atc"] for r in rows} == {"1"}
    pd.testing.assert_frame_equal(load(path, tz=TZ), cells)


def test_parquet_is_written_without_the_escape(tmp_path):
    cells = hostile_cells()
    path = write_cells(cells, tmp_path / "cells.parquet")
    assert pd.read_parquet(path)["product_id"].tolist() == cells["product_id"].tolist()
    pd.testing.assert_frame_equal(load(path, tz=TZ), cells)


def test_cli_load_out_csv_escapes_and_round_trips(tmp_path, capsys):
    src = write_cells(hostile_cells(), tmp_path / "in.parquet")
    out = tmp_path / "out.csv"
    assert main(["load", str(src), "--tz", TZ, "--out", str(out)]) == 0
    capsys.readouterr()
    text = out.read_text(encoding="utf-8")
    assert '\'=HYPERLINK(""http://x"",""y"")' in text and ",'@SUM(A1)," in text
    pd.testing.assert_frame_equal(load(out, tz=TZ), load(src, tz=TZ))


def test_questions_csv_escapes_text(tmp_path):
    names = [n for n in HOSTILE if n]
    table = pd.DataFrame({"page": "01", "question": names, "answered": True,
                          "reason": "\tCR\r", "provided_by": None})  # fmt: skip
    path = write_questions(table, tmp_path)
    assert path.name == QUESTIONS_FILE
    back = pd.read_csv(path, dtype="string", keep_default_na=False)
    assert back["question"].tolist() == [escape_text(n) for n in names]
    assert set(back["reason"]) == {"'\tCR\r"} and set(back["answered"]) == {"True"}
    assert back["question"].map(unescape_text).tolist() == names


def test_export_fixture_xlsx_cells_are_strings_never_formulas(tmp_path):
    names = [n for n in HOSTILE if n]
    path = write_table(
        tmp_path / "t.xlsx", [("Sheet", [["name", "n"], *[[n, "-2"] for n in names]])]
    )
    ws = openpyxl.load_workbook(path)["Sheet"]
    cells = [c for row in ws.iter_rows() for c in row]
    assert {c.data_type for c in cells} == {"s"}
    # text as written (XML reads a carriage return as a line feed)
    expected = [n.replace("\r", "\n") for n in names]
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == expected
    with zipfile.ZipFile(path) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")


def test_export_fixture_csv_is_written_as_the_platform_writes_it(tmp_path):
    """Fixtures imitate real exports: no escape (``analysis.sources.writers``)."""
    path = write_table(tmp_path / "t.csv", [("Sheet", [["name"], ["=1+1"], ["-2"]])])
    assert path.read_text(encoding="utf-8-sig").splitlines() == ["name", "=1+1", "-2"]
