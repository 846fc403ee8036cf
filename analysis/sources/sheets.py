"""Spreadsheet exports read as text: every sheet of an xlsx, or the one table of a CSV.

Cells come back as written (TikTok writes every cell as text); numbers and dates that a user
re-saved are turned back into text (ints as digits, floats with ``repr``, datetimes ISO). A CSV is
sniffed for its encoding (UTF-8 with or without BOM, UTF-16 with BOM) and delimiter. Finding the
header and classifying the rows under it is :mod:`analysis.sources.tables`; formats:
``docs/data-formats.md`` §1.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import openpyxl

from analysis.errors import UnreadableError

__all__ = ["HEADER_SEARCH_ROWS", "SPREADSHEET_SUFFIXES", "TABLE_SUFFIXES", "Sheet", "cell_text",
           "read_sheets", "sniff_delimiter"]  # fmt: skip

#: rows searched for the header (title rows, summaries and description rows come first)
HEADER_SEARCH_ROWS = 30
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = (*SPREADSHEET_SUFFIXES, ".csv", ".tsv", ".txt")


@dataclass(frozen=True)
class Sheet:
    """One sheet: ``rows`` of text cells (``None`` = empty); ``widths`` the number of fields of
    each CSV line as written (``None`` for xlsx)."""

    name: str
    rows: tuple[tuple[str | None, ...], ...]
    widths: tuple[int, ...] | None = None


def cell_text(value) -> str | None:
    """A cell value as text: strings as they are, whole floats without ``.0``, datetimes ISO."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def read_sheets(path: Path) -> tuple[Sheet, ...]:
    """Every sheet of an xlsx (or the one table of a CSV) as text rows. Cached per file version.

    Raises
    ------
    UnreadableError
        The file is empty, not a spreadsheet, or not decodable text.
    """
    path = Path(path)
    st = path.stat()
    return _read_sheets(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=32)
def _read_sheets(path_str: str, mtime: int, size: int) -> tuple[Sheet, ...]:
    path = Path(path_str)
    if size == 0:
        raise UnreadableError(f"{path.name}: the file is empty; export it again")
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        return _read_xlsx(path)
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return (_read_csv(path),)
    raise UnreadableError(f"{path.name}: not a spreadsheet ({', '.join(TABLE_SUFFIXES)})")


def _read_xlsx(path: Path) -> tuple[Sheet, ...]:
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise UnreadableError(
            f"{path.name}: not a readable xlsx workbook ({type(err).__name__}); open it in a "
            "spreadsheet program and save it as .xlsx again"
        ) from None
    try:
        sheets = []
        for ws in wb.worksheets:
            rows = tuple(
                tuple(cell_text(v) for v in row) for row in ws.iter_rows(values_only=True)
            )
            sheets.append(Sheet(ws.title, rows))
        return tuple(sheets)
    finally:
        wb.close()


def _read_csv(path: Path) -> Sheet:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    if not text.strip():
        raise UnreadableError(f"{path.name}: the file is empty; export it again")
    delimiter = sniff_delimiter(text)
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    widths = tuple(len(r) for r in lines)
    width = max(widths, default=0)
    rows = tuple(tuple(cell_text(c) for c in r) + (None,) * (width - len(r)) for r in lines)
    return Sheet(path.stem, rows, widths)


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV among ``, ; TAB |``: the one splitting the first lines into the
    most fields consistently (``csv.Sniffer`` first, then field counts)."""
    head = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    try:
        return csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        pass
    best, score = ",", -1
    for d in (",", ";", "\t", "|"):
        counts = [len(r) for r in csv.reader(io.StringIO(head), delimiter=d) if any(r)]
        s = min(counts, default=0) if counts and max(counts) > 1 else 0
        if s > score:
            best, score = d, s
    return best
