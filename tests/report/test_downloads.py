"""analysis.report.downloads: each page table beside its page as safe CSV and XLSX, linked."""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest

from analysis.present.display import table
from analysis.report.downloads import LINK_CLASS, add_downloads, table_rows, xlsx_value


def page(lang: str) -> str:
    frame = pd.DataFrame({"creator": ["=HYPERLINK(\"http://x\")", "@léa"], "trials": [3, 1200],
                          "rate": [0.5, 0.05], "email": ["a@b.fr", "c@d.fr"]})  # fmt: skip
    shown = table(frame, lang=lang, min_viewers=10).to_html()
    return f'<html lang="{lang}"><body><p>before</p>{shown}<p>after</p>{shown}</body></html>'


def test_every_table_is_written_as_the_page_shows_it_and_linked_under_it(tmp_path):
    (tmp_path / "01_page.html").write_text(page("fr"), encoding="utf-8")
    (tmp_path / "index.html").write_text(page("en"), encoding="utf-8")
    assert add_downloads(tmp_path) == [tmp_path / "01_page.html"]
    html = (tmp_path / "01_page.html").read_text(encoding="utf-8")
    assert html.count(f'<p class="{LINK_CLASS}">Télécharger ce tableau :') == 2
    assert '<a href="tables/01_page-2.xlsx" download>XLSX</a>' in html
    assert not (tmp_path / "tables" / "index-1.csv").exists()
    with open(tmp_path / "tables" / "01_page-1.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [["créateur", "effectif", "taux"],
                    ["'=HYPERLINK(\"http://x\")", "< 10", "–"],
                    ["'@léa", "1\u202f200", "5\u00a0%"]]  # fmt: skip
    sheet = openpyxl.load_workbook(tmp_path / "tables" / "01_page-1.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert {c.data_type for c in cells} == {"s", "n"}  # never a formula
    assert [c.value for c in cells[3:6]] == ['=HYPERLINK("http://x")', "< 10", "–"]
    assert [(c.value, c.number_format) for c in cells[7:9]] == [(1200, "#,##0"), (0.05, "0%")]
    assert add_downloads(tmp_path) == []  # published again: the links are not doubled


def test_table_rows_pads_short_rows():
    got = table_rows("<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td>"
                     "</tr></tbody></table>")  # fmt: skip
    assert got.columns.tolist() == ["a", "b"] and got.values.tolist() == [["1", ""]]


@pytest.mark.parametrize(
    ("text", "lang", "value", "shown"),
    [
        ("12.34%", "en", 0.1234, "0.00%"),
        ("12,34\u00a0%", "fr", 0.1234, "0.00%"),
        ("-1.2%", "en", -0.012, "0.0%"),
        ("5,000,000", "en", 5_000_000, "#,##0"),
        ("1\u202f200,5", "fr", 1200.5, "#,##0.0"),
        ("3.32×", "en", 3.32, '0.00"×"'),
        ("1,5", "fr", 1.5, "0.0"),
        ("1,200", "fr", 1.2, "0.000"),  # a French decimal comma
        ("0", "en", 0, "0"),
    ],
)
def test_a_cell_that_reads_as_one_number_is_that_number_shown_the_same_way(text, lang, value,
                                                                          shown):  # fmt: skip
    got, fmt = xlsx_value(text, lang=lang)
    assert got == pytest.approx(value) and fmt == shown


@pytest.mark.parametrize(
    "text", ["< 10", "–", "2.13×–4.49×", "07", "1729384756", "2026-11-16", "@léa", "1.2.3", "yes"]
)
def test_codes_words_and_intervals_stay_text(text):
    assert xlsx_value(text, lang="en") == (None, None)
