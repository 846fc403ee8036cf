"""A real TikTok Shop LIVE list v1 (a Brazilian shop's export, titles replaced by
``tests/fixtures/real/anonymise_live_list.py``, XML otherwise byte for byte): it declares
``<dimension ref="A1"/>`` and stores every cell as a shared string. Every data row must end as a
LIVE cell or a rejected row; the rows are counted here from the XML itself, not by the reader."""

from __future__ import annotations

import importlib.util
import re
import zipfile
from pathlib import Path

import openpyxl

from analysis.sources import detect_source, tiktok_live_list

REAL = Path(__file__).parents[1] / "fixtures" / "real"
FIXTURE = REAL / "Creator-Live-Performance_20260319154159.xlsx"
TZ = "America/Sao_Paulo"


def xml_table() -> tuple[int, list[int], list[int]]:
    """``(header row, data rows, rows whose Duration is negative)`` read from the sheet XML and
    the shared strings with regular expressions only."""
    with zipfile.ZipFile(FIXTURE) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        sst = z.read("xl/sharedStrings.xml").decode("utf-8")
    strings = [re.sub(r"<[^>]+>", "", si) for si in re.findall(r"<si>(.*?)</si>", sst, re.S)]
    cells = {(col, int(row)): strings[int(k)]
             for col, row, k in re.findall(r'<c r="([A-Z]+)(\d+)" t="s"><v>(\d+)</v></c>', sheet)}  # fmt: skip
    header = next(r for (c, r), text in cells.items() if c == "A" and text == "Livestream")
    duration = next(c for (c, r), text in cells.items() if r == header and text == "Duration")
    rows = sorted({r for (_, r) in cells if r > header})
    negative = [r for r in rows if cells.get((duration, r), "").startswith("-")]
    return header, rows, negative


def test_the_fixture_keeps_the_real_quirks():
    with zipfile.ZipFile(FIXTURE) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        app = z.read("docProps/app.xml").decode("utf-8")
    assert '<dimension ref="A1"></dimension>' in sheet and "Go Excelize" in app
    assert 't="inlineStr"' not in sheet and sheet.count('t="s"') > 1000
    wb = openpyxl.load_workbook(FIXTURE, read_only=True)
    assert len(list(wb.worksheets[0].iter_rows(values_only=True))) == 1  # what it used to read
    wb.close()


def test_every_data_row_is_a_live_cell_or_a_rejected_row():
    header, rows, negative = xml_table()
    assert header == 3 and len(rows) > 100 and negative  # the export holds an ongoing LIVE
    assert detect_source(FIXTURE) == "tiktok_live_list"
    got = tiktok_live_list.read(FIXTURE, tz=TZ)
    assert got.reconciles()
    assert got.files.loc[0, "rows_read"] == len(rows)
    assert len(got.cells) + got.rejected["row"].nunique() == len(rows)
    assert sorted(got.cells["row"].tolist() + got.rejected["row"].tolist()) == rows
    assert got.rejected["row"].tolist() == negative
    assert got.rejected["column"].tolist() == ["Duration"] * len(negative)
    assert got.files.loc[0, "schema"] == "v1"
    assert set(got.cells["channel"]) == {"LIVE"} and set(got.cells["currency"]) == {"BRL"}
    assert got.cells["content_title"].str.fullmatch(r"LIVE \d{3}").all()


def test_the_anonymising_script_changes_title_texts_only(tmp_path):
    spec = importlib.util.spec_from_file_location("anonymise", REAL / "anonymise_live_list.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    sst = ('<sst count="5" uniqueCount="5"><si><t>2026-03-01 ~ 2026-03-19</t></si>'
           '<si><t>Livestream</t></si><si><t xml:space="preserve">Live com Maria </t></si>'
           '<si><t>R$ 1.234,56</t></si><si><t>Oferta &amp; Cia</t></si></sst>')  # fmt: skip
    sheet = ('<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="3"><c r="A3" t="s"><v>1</v>'
             '</c></row><row r="4"><c r="A4" t="s"><v>2</v></c><c r="B4" t="s"><v>3</v></c>'
             '</row><row r="5"><c r="A5" t="s"><v>4</v></c><c r="B5" t="s"><v>3</v></c></row>'
             '<row r="6"><c r="A6" t="s"><v>2</v></c></row>')  # fmt: skip
    strings = ["2026-03-01 ~ 2026-03-19", "Livestream", "Live com Maria ", "R$ 1.234,56",
               "Oferta &amp; Cia"]  # fmt: skip
    assert script.title_indexes(sheet, strings) == [2, 4]
    out = script.anonymise(sst, [2, 4])
    assert out == sst.replace("Live com Maria ", "LIVE 001").replace(
        "Oferta &amp; Cia", "LIVE 002"
    )
