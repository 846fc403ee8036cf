"""xlsx quirks at the byte level: each workbook is written by our writer, then its XML is rewritten
(:mod:`tests.sources.xlsx_bytes`) into what another program writes, and the reader must not be
fooled by what the file says about itself (``docs/data-formats.md``, "Quirks handled")."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from analysis.errors import UnreadableError
from analysis.sources import live_center, seller_center, shop_overview, tiktok_live_list
from analysis.sources.load import read
from analysis.sources.sheets import hidden_sheets, read_sheets
from analysis.sources.writers.table import write_table
from tests.sources import xlsx_bytes as xb

TZ = "America/Sao_Paulo"
V1 = ["Livestream", "Start time", "Duration", "Direct GMV", "Items sold", "Views", "Viewers",
      "Product impressions", "Product clicks"]  # fmt: skip
FORMULA_REASON = ("formula without a computed value in column {col!r} (cell {cell}); open the "
                  "file in Excel/LibreOffice and save it so values are stored")  # fmt: skip


def v1_row(i: int) -> list[str]:
    return [f"Live {i}", f"2026-03-{i + 1:02d} 20:00", "3600", "R$ 1.234,56", str(10 + i),
            str(1000 + i), str(500 + i), str(300 + i), str(30 + i)]  # fmt: skip


def live_list_v1(tmp_path, n=5, name="Creator-Live-Performance_20260319154159.xlsx"):
    """A LIVE list v1 as TikTok writes it: title range in A1, a blank row, the header on row 3,
    ``n`` LIVEs; shared strings; ``<dimension ref="A1"/>``."""
    p = tmp_path / name
    write_table(p, [("Sheet1", [["2026-03-01 ~ 2026-03-19"], [], V1,
                                *(v1_row(i) for i in range(1, n + 1))])])  # fmt: skip
    xb.shared_strings(p)
    return xb.declare_dimension(p, "Sheet1", "A1")


# ------------------------------------------------------------------------------------------------
# The declared dimension
# ------------------------------------------------------------------------------------------------
def test_declared_dimension_a1_is_ignored(tmp_path):
    p = live_list_v1(tmp_path, n=5)
    assert '<dimension ref="A1"/>' in xb.part(p, "xl/worksheets/sheet1.xml")
    wb = openpyxl.load_workbook(p, read_only=True)  # the quirk: read-only mode trusts it
    assert len(list(wb.worksheets[0].iter_rows(values_only=True))) == 1
    wb.close()
    (sheet,) = read_sheets(p)
    assert len(sheet.rows) == 8 and sheet.rows[2][:2] == ("Livestream", "Start time")
    got = tiktok_live_list.read(p, tz=TZ)
    assert got.reconciles() and len(got.cells) == 5 and got.rejected.empty
    assert got.cells["views"].tolist() == [1001, 1002, 1003, 1004, 1005]
    assert got.cells["row"].tolist() == [4, 5, 6, 7, 8]


def test_dimension_starting_below_row_one_keeps_row_numbers(tmp_path):
    p = live_list_v1(tmp_path, n=2)
    xb.declare_dimension(p, "Sheet1", "C5:D6")  # wrong in both corners
    (sheet,) = read_sheets(p)
    assert sheet.rows[0][0] == "2026-03-01 ~ 2026-03-19" and len(sheet.rows) == 5
    assert tiktok_live_list.read(p, tz=TZ).cells["row"].tolist() == [4, 5]


# ------------------------------------------------------------------------------------------------
# Shared and inline strings
# ------------------------------------------------------------------------------------------------
def test_shared_and_inline_strings_read_the_same(tmp_path):
    shared = live_list_v1(tmp_path, n=3)
    inline = live_list_v1(tmp_path / "b", n=3)
    xb.inline_strings(inline)
    assert xb.string_kinds(shared, "Sheet1") == (1 + 9 + 27, 0)
    assert xb.string_kinds(inline, "Sheet1") == (0, 1 + 9 + 27)
    assert "xl/sharedStrings.xml" not in zipfile.ZipFile(inline).namelist()
    assert read_sheets(shared)[0].rows == read_sheets(inline)[0].rows
    a, b = tiktok_live_list.read(shared, tz=TZ), tiktok_live_list.read(inline, tz=TZ)
    assert len(a.cells) == 3 and a.cells.drop(columns="file").equals(b.cells.drop(columns="file"))


def test_str_typed_text_without_formula_reads_as_text(tmp_path):
    # the real pt-BR overview: '<c r="A6" t="str"><v>01/08/2025</v></c>', dimension A1
    p = tmp_path / "Overview-01-08-a-22.03.26.xlsx"
    write_table(p, [("Sheet1", [["Visão geral dos dados", "Valor bruto da mercadoria (R$)"],
                                [None, "20959,4"], [], ["Dados diários"],
                                ["Data", "Valor bruto da mercadoria (R$)", "Pedidos"],
                                ["01/08/2025", "10959,4", "150"],
                                ["02/08/2025", "10000", "140"]])])  # fmt: skip
    xb.str_cells(p)
    xb.declare_dimension(p, "Sheet1", "A1")
    assert '<c r="A6" t="str"><v>01/08/2025</v></c>' in xb.part(p, "xl/worksheets/sheet1.xml")
    assert xb.string_kinds(p, "Sheet1") == (0, 0)
    got = shop_overview.read(p, tz=TZ)
    assert got.reconciles() and got.rejected.empty
    assert got.cells["revenue"].tolist() == [10959.4, 10000.0]
    assert got.cells["orders"].tolist() == [150, 140]
    assert [str(d) for d in got.cells["start"]] == ["2025-08-01 00:00:00-03:00",
                                                     "2025-08-02 00:00:00-03:00"]  # fmt: skip


def test_inline_rich_text_runs_are_joined(tmp_path):
    p = live_list_v1(tmp_path, n=1)
    xb.inline_strings(p)

    def runs(parts):
        name = "xl/worksheets/sheet1.xml"
        xml = (
            parts[name]
            .decode("utf-8")
            .replace(
                "<is><t>Live 1</t></is>",
                "<is><r><t>Live </t></r><r><rPr><b/></rPr><t>1</t></r></is>",
            )
        )
        parts[name] = xml.encode("utf-8")

    xb.rewrite(p, runs)
    assert "<r><t>Live </t></r>" in xb.part(p, "xl/worksheets/sheet1.xml")
    assert tiktok_live_list.read(p, tz=TZ).cells["content_title"].tolist() == ["Live 1"]


# ------------------------------------------------------------------------------------------------
# Merged header cells
# ------------------------------------------------------------------------------------------------
def product_list(tmp_path):
    sections = ["", "", "All", "", "", "Seller LIVE", ""]
    header = ["Product ID", "Product Name", "Product clicks", "Unique clicks", "Add-to-cart users",
              "Unique clicks", "Add-to-cart users"]  # fmt: skip
    line = ["1729384756", "Jeans", "900", "400", "80", "100", "30"]
    p = tmp_path / "product_list_20261116.xlsx"
    write_table(p, [("Sheet1", [["16/11/2026"], [], sections, header, line])])
    xb.shared_strings(p)
    return xb.merge(p, "Sheet1", ["A1:G1", "C3:E3", "F3:G3"])


def test_merged_section_band_gives_every_cell_the_anchor_text(tmp_path):
    p = product_list(tmp_path)
    cells = xb.cells_of(p, "Sheet1")
    assert "D3" not in cells and "G3" not in cells and "B1" not in cells  # covered: no <c>
    assert '<mergeCell ref="C3:E3"/>' in xb.part(p, "xl/worksheets/sheet1.xml")
    sheet = read_sheets(p)[0]
    assert sheet.rows[2] == (None, None, "All", "All", "All", "Seller LIVE", "Seller LIVE")
    assert sheet.rows[0] == ("16/11/2026",) * 7
    got = seller_center.read(p, tz=TZ)
    assert got.reconciles() and got.rejected.empty
    by = got.cells.set_index("channel")
    assert (by.loc["ALL", "atc"], by.loc["LIVE", "atc"], by.loc["NON_LIVE", "atc"]) == (80, 30, 50)
    assert (by.loc["LIVE", "viewers"], by.loc["NON_LIVE", "viewers"]) == (100, 300)


def test_merge_reaching_past_the_data_adds_nothing(tmp_path):
    p = live_list_v1(tmp_path, n=1)
    xb.merge(p, "Sheet1", ["A1:Z1", "A2:XFD2"])
    sheet = read_sheets(p)[0]
    assert len(sheet.rows[0]) == len(V1) and len(sheet.rows) == 4
    assert set(sheet.rows[0]) == {"2026-03-01 ~ 2026-03-19"} and set(sheet.rows[1]) == {None}


# ------------------------------------------------------------------------------------------------
# Formula cells
# ------------------------------------------------------------------------------------------------
def test_formula_with_cached_value_uses_it(tmp_path):
    p = live_list_v1(tmp_path, n=2)
    xb.formula(p, "Sheet1", "F4", "G4*2", value="1002")
    assert '<c r="F4"><f>G4*2</f><v>1002</v></c>' in xb.part(p, "xl/worksheets/sheet1.xml")
    got = tiktok_live_list.read(p, tz=TZ)
    assert got.rejected.empty and got.cells["views"].tolist() == [1002, 1002]


def test_formula_without_cached_value_rejects_the_row(tmp_path):
    p = live_list_v1(tmp_path, n=3)
    xb.formula(p, "Sheet1", "F5", "G5*2")
    assert '<c r="F5"><f>G5*2</f></c>' in xb.part(p, "xl/worksheets/sheet1.xml")
    got = tiktok_live_list.read(p, tz=TZ)
    assert got.reconciles() and got.cells["row"].tolist() == [4, 6]
    rej = got.rejected.iloc[0]
    assert (rej["file"], rej["row"], rej["column"]) == (p.name, 5, "Views")
    assert rej["reason"] == FORMULA_REASON.format(col="Views", cell="F5")


def test_formula_computing_an_empty_string_is_a_value(tmp_path):
    p = live_list_v1(tmp_path, n=1)
    xb.formula(p, "Sheet1", "G4", 'IF(1,"","")', value="")

    def as_text(parts):  # <c t="str"><f>..</f><v></v></c>: Excel's computed empty text
        name = "xl/worksheets/sheet1.xml"
        parts[name] = parts[name].replace(b'<c r="G4"><f>', b'<c r="G4" t="str"><f>')

    xb.rewrite(p, as_text)
    got = tiktok_live_list.read(p, tz=TZ)
    assert got.rejected.empty and got.cells["viewers"].isna().all()


def test_formula_in_a_column_no_field_reads_is_harmless(tmp_path):
    p = tmp_path / "Creator-Live-Performance_20260319154159.xlsx"
    write_table(p, [("Sheet1", [[*V1, "Notes"], [*v1_row(1), "x"]])])
    xb.formula(p, "Sheet1", "J2", "A2&B2")
    got = tiktok_live_list.read(p, tz=TZ)
    assert got.rejected.empty and len(got.cells) == 1


@pytest.mark.parametrize("loader", ["shop_overview", "seller_center", "live_center"])
def test_every_loader_rejects_a_formula_row_with_file_row_column(tmp_path, loader):
    if loader == "shop_overview":
        p = tmp_path / "Overview_My Business Performance_20260320000000.xlsx"
        write_table(p, [("Sheet1", [["Date", "GMV", "Orders", "Visitors"],
                                    ["2026-03-18", "R$ 10,00", "2", "40"],
                                    ["2026-03-19", "R$ 12,00", "3", "50"]])])  # fmt: skip
        ref, col, read = "C3", "Orders", shop_overview.read
    elif loader == "seller_center":
        p = product_list(tmp_path)
        ref, col, read = "E5", "Add-to-cart users", seller_center.read
    else:
        p = tmp_path / "nina Product sesi 1, 3 November 2026.xlsx"
        write_table(p, [("Sheet1", [["Product ID", "Product name", "Added to cart", "Product Clicks"],
                                    ["1729384756", "Jeans", "12", "40"]])])  # fmt: skip
        ref, col, read = "C2", "Added to cart", live_center.read
    xb.formula(p, "Sheet1", ref, "1+1")
    got = read(p, tz=TZ)
    assert got.reconciles()
    rej = got.rejected
    assert rej[["file", "row", "column"]].values.tolist() == [[p.name, int(ref[1:]), col]]
    assert rej["reason"].tolist() == [FORMULA_REASON.format(col=col, cell=ref)]


# ------------------------------------------------------------------------------------------------
# Hidden sheets
# ------------------------------------------------------------------------------------------------
def test_hidden_sheet_is_not_read(tmp_path):
    p = tmp_path / "Creator-Live-Performance_20260319154159.xlsx"
    write_table(p, [("Sheet1", [V1, v1_row(1)]), ("copy", [V1, v1_row(1), v1_row(2)])])
    xb.hide(p, "Sheet1", "veryHidden")
    assert 'state="veryHidden"' in xb.part(p, "xl/workbook.xml")
    assert [s.name for s in read_sheets(p)] == ["copy"] and hidden_sheets(p) == ("Sheet1",)
    assert len(tiktok_live_list.read(p, tz=TZ).cells) == 2


def test_table_only_on_a_hidden_sheet_is_an_error_naming_it(tmp_path):
    p = tmp_path / "Creator-Live-Performance_20260319154159.xlsx"
    write_table(p, [("Leia-me", [["Exportado do TikTok Shop"]]), ("Sheet1", [V1, v1_row(1)])])
    xb.hide(p, "Sheet1")
    with pytest.raises(UnreadableError, match=r"hidden sheets are not read \('Sheet1'\): unhide"):
        tiktok_live_list.read(p, tz=TZ)
    # recognised (its table is there), so that reading it in a folder says why it gives nothing
    assert tiktok_live_list.detect(p) and read_sheets(p)[0].name == "Leia-me"
    with pytest.raises(UnreadableError, match=r"hidden sheets are not read \('Sheet1'\)"):
        read(p, tz=TZ)


# ------------------------------------------------------------------------------------------------
# Numbers a re-saved sheet stores as numbers
# ------------------------------------------------------------------------------------------------
def test_numeric_cell_overflowing_to_infinity_is_rejected(tmp_path):
    p = live_list_v1(tmp_path, n=2)

    def number(parts):
        name = "xl/worksheets/sheet1.xml"
        xml = parts[name].decode("utf-8")
        cell = xb.cells_of(p, "Sheet1")["F4"]
        parts[name] = xml.replace(cell, '<c r="F4"><v>1e309</v></c>').encode("utf-8")

    xb.rewrite(p, number)
    got = tiktok_live_list.read(p, tz=TZ)
    assert got.reconciles() and got.cells["row"].tolist() == [5]
    assert got.rejected["column"].tolist() == ["Views"]
    assert got.rejected["reason"].str.contains("not a finite number").all()


def test_error_cell_rejects_the_row_instead_of_reading_na_as_missing(tmp_path):
    p = live_list_v1(tmp_path, n=3)

    def error(parts):  # a VLOOKUP that failed, as Excel stores it: t="e" and its cached text
        name = "xl/worksheets/sheet1.xml"
        cell = xb.cells_of(p, "Sheet1")["G6"]
        new = '<c r="G6" t="e"><f>VLOOKUP(A6,Z:Z,2,0)</f><v>#N/A</v></c>'
        parts[name] = parts[name].decode("utf-8").replace(cell, new).encode("utf-8")

    xb.rewrite(p, error)
    got = tiktok_live_list.read(p, tz=TZ)
    assert got.reconciles() and got.cells["row"].tolist() == [4, 5]
    assert got.rejected[["row", "column"]].values.tolist() == [[6, "Viewers"]]
    assert got.rejected["reason"].tolist() == [
        "holds the spreadsheet error '#N/A' in column 'Viewers' (cell G6): a formula that failed "
        "or a broken reference; fix it, or clear the cell if the value is not reported"
    ]


def test_cells_and_rows_without_references_are_placed_in_order(tmp_path):
    p = live_list_v1(tmp_path, n=2)

    def strip_refs(parts):  # some writers omit r= on <c> (and on <row>): position is order
        name = "xl/worksheets/sheet1.xml"
        xml = parts[name].decode("utf-8")
        xml = re.sub(r'<c r="[A-Z]+\d+"', "<c", xml)
        parts[name] = re.sub(r'<row r="\d+"', "<row", xml).encode("utf-8")

    xb.rewrite(p, strip_refs)
    data = xb.part(p, "xl/worksheets/sheet1.xml").split("<sheetData>")[1]
    assert ' r="' not in data
    # the blank row 2 has no <row> element, so without r= the LIVEs are the 3rd and 4th rows
    assert data.count("<row") == 4
    got = tiktok_live_list.read(p, tz=TZ)
    assert got.cells["views"].tolist() == [1001, 1002] and got.cells["row"].tolist() == [3, 4]


@pytest.mark.parametrize("mac", [False, True], ids=["1900", "1904"])
def test_real_dates_and_numbers_of_a_resaved_sheet(tmp_path, mac):
    # a user re-saved the list: start times became date cells (serials with a date style, in
    # the 1900 or the Mac 1904 date system) and counts became numbers
    p = tmp_path / "Creator-Live-Performance_20260319154159.xlsx"
    wb = openpyxl.Workbook()
    if mac:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.append(V1)
    ws.append(["Live 1", datetime(2026, 3, 2, 20, 30), 3600, "R$ 1.234,56", 11, 1001, 501.0,
               301, 31])  # fmt: skip
    wb.save(p)
    workbook = xb.part(p, "xl/workbook.xml")
    assert ('date1904="1"' in workbook) == mac
    assert re.search(r'<c r="B2" s="\d+"( t="n")?><v>4', xb.part(p, "xl/worksheets/sheet1.xml"))
    c = tiktok_live_list.read(p, tz=TZ).cells.iloc[0]
    assert (str(c["start"]), c["views"], c["viewers"]) == ("2026-03-02 20:30:00-03:00", 1001, 501)
