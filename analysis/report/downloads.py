"""Every result table of a page, downloadable beside it as CSV and XLSX.

The files are made from the published page itself: each table the page shows (the
``<table id="T_...">`` of :func:`analysis.present.display.table`) is read back cell by cell, as
the reader sees it, and written to ``tables/<page>-<n>.csv`` and ``.xlsx`` in the language
folder; a plain link under the table names both. So a download is masked exactly like the page
(same small-cell rule, identifiers never rendered, e-mails and phones hidden) and holds no more
than the page shows. The CSV holds the page's text, written by
:func:`analysis.sources.safe_text.safe_csv_text` (a text cell that would start a formula gets a
leading quote: OWASP, "CSV Injection"). The XLSX is for computing: a cell that reads as one
number in the page's language (``1,200`` / ``1 200``, ``12.34%`` / ``12,34 %``, ``3.32×``) is
stored as that number (a percent as its fraction) with a number format that shows it as the
page does (:func:`xlsx_value`); every other cell is a string (``t="s"``, never a formula;
ECMA-376 Part 1, §18.3.1.4).
:func:`add_downloads` runs on the staging folder just before it is published
(:func:`analysis.report.publish.publish`), so a page reused from the cache
(:mod:`analysis.report.reuse`) gets its files the same way.
"""

from __future__ import annotations

import io
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
from babel.numbers import get_decimal_symbol, get_group_symbol

from analysis.files import make_folder, write_atomic
from analysis.present import i18n
from analysis.sources.safe_text import safe_csv_text

__all__ = [
    "LINK_CLASS", "TABLES_DIR", "add_downloads", "page_downloads", "table_rows", "xlsx_value",
]  # fmt: skip

#: folder of the downloads, in the language folder
TABLES_DIR = "tables"
#: class of the link paragraph under a table (also marks a table already given its links)
LINK_CLASS = "cartlift-download"
TABLE = re.compile(r'<table id="T_[^"]*">.*?</table>', re.S)
LANG = re.compile(r'<html[^>]*\blang="([^"]+)"')


class _Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head: list[list[str]] = []
        self.body: list[list[str]] = []
        self.part = "body"
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("thead", "tbody"):
            self.part = "head" if tag == "thead" else "body"
        elif tag == "tr":
            (self.head if self.part == "head" else self.body).append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            rows = self.head if self.part == "head" else self.body
            rows[-1].append(re.sub(r"[ \t\r\n]+", " ", "".join(self.cell)).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(table_html: str) -> pd.DataFrame:
    """The cells of one page table as text (runs of ASCII white space made one space; the
    locale's no-break spaces kept), its header row as the columns (the last header row when
    there are several)."""
    parser = _Rows()
    parser.feed(table_html)
    parser.close()
    header = parser.head[-1] if parser.head else []
    width = max([len(header), *(len(r) for r in parser.body)], default=0)
    header += [""] * (width - len(header))
    rows = [r + [""] * (width - len(r)) for r in parser.body if r]
    return pd.DataFrame(rows, columns=range(width), dtype=object).set_axis(header, axis=1)


def xlsx_value(text: str, *, lang: str) -> tuple[float | None, str | None]:
    """The number a page cell shows, and the Excel number format that shows it the same way.

    ``text`` is read with the group and decimal symbols of ``lang``'s locale (CLDR, through
    babel: as the pages write numbers, :mod:`analysis.present.i18n`): an optional minus,
    digits (in groups of three from 1,000 on, as the pages write counts; no leading zero),
    optional decimals, then nothing, ``%`` (the value is the fraction: ``12.34%`` -> 0.1234,
    format ``0.00%``) or ``×`` (format ``0.00"×"``). Anything else (words, ``< 10``, ``–``, an
    interval, a date, a code such as ``07`` or ``1729384756``) gives ``(None, None)``: it stays
    text.
    """
    locale = i18n.locale_of(lang if lang in i18n.available_languages() else i18n.SOURCE_LANGUAGE)
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    g, d = re.escape(group), re.escape(decimal)
    number = rf"([-−]?)([1-9]\d{{0,2}}(?:{g}\d{{3}})+|[1-9]\d{{0,2}}|0)(?:{d}(\d+))?"
    m = re.fullmatch(rf"{number}(\u00a0?%|×)?", text.strip())
    if m is None:
        return None, None
    sign, whole, decimals, suffix = m.groups()
    value = float(f"{'-' if sign else ''}{whole.replace(group, '')}.{decimals or '0'}")
    places = f".{'0' * len(decimals)}" if decimals else ""
    if suffix and suffix.endswith("%"):
        return value / 100, f"0{places}%"
    if suffix == "×":
        return value, f'0{places}"×"'
    return value, f"#,##0{places}" if group in whole else f"0{places}"


def _xlsx(frame: pd.DataFrame, lang: str) -> bytes:
    """``frame`` as one XLSX sheet: numbers as numbers (:func:`xlsx_value`), the rest strings
    (never a formula)."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook()
    sheet = book.active
    for r, row in enumerate([list(frame.columns), *frame.itertuples(index=False)], start=1):
        for c, text in enumerate(row, start=1):
            value, shown = xlsx_value(str(text), lang=lang) if r > 1 else (None, None)
            cell = sheet.cell(row=r, column=c, value=str(text) if value is None else value)
            if value is None:
                cell.data_type = "s"
            else:
                cell.number_format = shown
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def page_downloads(page_html: str, stem: str, folder: Path) -> str:
    """Write ``folder/tables/<stem>-<n>.csv`` and ``.xlsx`` for each table of ``page_html``
    and return the page with a link paragraph under each table (a table already followed by
    one is left as it is)."""
    lang = m.group(1) if (m := LANG.search(page_html)) else i18n.SOURCE_LANGUAGE
    label = i18n.t("download.label", lang=lang if lang in i18n.available_languages() else "en")
    parts, last, n = [], 0, 0
    for match in TABLE.finditer(page_html):
        parts.append(page_html[last : match.end()])
        last = match.end()
        if page_html[last : last + 200].lstrip().startswith(f'<p class="{LINK_CLASS}"'):
            continue
        n += 1
        name = f"{stem}-{n}"
        frame = table_rows(match.group(0))
        make_folder(folder / TABLES_DIR)
        write_atomic(folder / TABLES_DIR / f"{name}.csv", safe_csv_text(frame))
        write_atomic(folder / TABLES_DIR / f"{name}.xlsx", _xlsx(frame, lang))
        href = f"{TABLES_DIR}/{escape(name)}"
        parts.append(f'\n<p class="{LINK_CLASS}">{escape(label)} <a href="{href}.csv" download>'
                     f'CSV</a> · <a href="{href}.xlsx" download>XLSX</a></p>')  # fmt: skip
    return "".join(parts) + page_html[last:]


def add_downloads(folder: Path) -> list[Path]:
    """Give every page of ``folder`` (not the index, not a failure page) its table downloads
    (:func:`page_downloads`); returns the pages rewritten."""
    changed = []
    for page in sorted(folder.glob("*.html")):
        if page.name == "index.html" or page.name.endswith(".FAILED.html"):
            continue
        text = page.read_text(encoding="utf-8")
        linked = page_downloads(text, page.stem, folder)
        if linked != text:
            write_atomic(page, linked)
            changed.append(page)
    return changed
