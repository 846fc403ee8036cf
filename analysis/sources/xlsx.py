"""Shared machinery of the spreadsheet exports (xlsx, or the same table saved as CSV).

- :func:`read_sheets`: every sheet as rows of text (cells as written; numbers and dates that a
  user re-saved are turned back into text: ints as digits, floats with ``repr``, datetimes ISO),
  CSV sniffed for its encoding (UTF-8 with or without BOM, UTF-16 with BOM) and delimiter.
- :func:`find_header`: the header row, searched in the first :data:`HEADER_SEARCH_ROWS` rows by
  matching the family's aliases (:mod:`analysis.sources.headers`), never at a fixed offset.
- :func:`data_rows`: the rows under the header, each classified: data, blank (not counted),
  a repeated header, a totals row, a description row, a truncated CSV line.
- :class:`Rows`: collects parsed raw cells and per-row problems, then :meth:`Rows.finish` runs
  :func:`analysis.cells.split_cells` (time zone, DST, counts, vocabularies, ``atc <= viewers``,
  duplicates) and returns the file's :class:`~analysis.sources.base.Loaded`. A row with any
  problem is rejected whole (all the cells it would give), so rows read = rows used + rows
  rejected holds per file.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from analysis.cells import split_cells
from analysis.errors import UnreadableError
from analysis.sources.base import Loaded, file_result
from analysis.sources.headers import HeaderMatch, match_header, normalise, totals_markers

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
    import zipfile

    import openpyxl

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


def find_header(
    sheet: Sheet,
    family: str,
    accept: Callable[[HeaderMatch, int], bool],
    *,
    sections: bool = False,
) -> tuple[int, HeaderMatch] | None:
    """The first row (0-based index) of the first :data:`HEADER_SEARCH_ROWS` whose match is
    accepted by ``accept(match, index)``; with ``sections`` the row above is the section row."""
    for i, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        if not any(row):
            continue
        above = sheet.rows[i - 1] if sections and i > 0 else None
        if sections:
            above = _fill_right(above) if above is not None else None
        m = match_header(list(row), family, sections=list(above) if above else None)
        if accept(m, i):
            return i, m
    return None


def _fill_right(row) -> list:
    """A merged section row (value in its first cell only) spread over the merged columns."""
    out, last = [], None
    for v in row:
        last = v if v not in (None, "") else last
        out.append(last)
    return out


def section_row(sheet: Sheet, header_index: int) -> list:
    return _fill_right(sheet.rows[header_index - 1]) if header_index > 0 else []


@dataclass
class DataRow:
    """One row under the header: its 1-based spreadsheet ``number`` and text ``cells``;
    ``kind`` is ``data``, ``header``, ``totals``, ``description`` or ``truncated``."""

    number: int
    cells: tuple[str | None, ...]
    kind: str
    reason: str = ""

    def get(self, match: HeaderMatch, name: str) -> str | None:
        i = match.columns.get(name)
        if i is None or i >= len(self.cells):
            return None
        v = self.cells[i]
        return None if v is None else str(v)


def data_rows(
    sheet: Sheet, header_index: int, match: HeaderMatch, numeric: tuple[str, ...]
) -> Iterator[DataRow]:
    """The non-blank rows under the header, classified (blank rows are skipped, not counted).

    A repeated header has at least half of the matched headers in place; a totals row starts
    with a totals label of any locale (``Total``, ``Tổng``, ...); a description row has text in
    every non-empty ``numeric`` field and no number; a truncated CSV line has fewer fields than
    the header (a cut file).
    """
    header = sheet.rows[header_index]
    header_norm = [normalise(h) for h in header]
    width = sheet.widths[header_index] if sheet.widths else None
    totals = totals_markers()
    for j in range(header_index + 1, len(sheet.rows)):
        cells = sheet.rows[j]
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        number = j + 1
        if width is not None and sheet.widths[j] < width:
            yield DataRow(number, cells, "truncated",
                          f"has {sheet.widths[j]} fields, the header has {width}: the line is "
                          "cut (a truncated file?); export it again")  # fmt: skip
            continue
        same = sum(
            1 for i in match.columns.values()
            if i < len(cells) and normalise(cells[i]) == header_norm[i] and header_norm[i]
        )  # fmt: skip
        if match.columns and same * 2 >= len(match.columns):
            yield DataRow(number, cells, "header", "a repeated header row, not data")
            continue
        first = next((c for c in cells if c is not None and str(c).strip()), None)
        if first is not None and normalise(first) in totals:
            yield DataRow(number, cells, "totals",
                          f"a totals row ({str(first).strip()!r}), not one item; totals are "
                          "recomputed from the rows")  # fmt: skip
            continue
        vals = [cells[match.columns[n]] for n in numeric if n in match.columns
                and match.columns[n] < len(cells)]  # fmt: skip
        vals = [str(v).strip() for v in vals if v is not None and str(v).strip()]
        if vals and not any(any(ch.isdigit() for ch in v) for v in vals):
            yield DataRow(number, cells, "description",
                          "a description row (text where numbers are expected), not data")  # fmt: skip
            continue
        yield DataRow(number, cells, "data")


@dataclass
class Rows:
    """Raw cells and per-row problems of one file, turned into a :class:`Loaded` by
    :meth:`finish`."""

    source: str
    file: str
    labels: dict[str, str] = field(default_factory=dict)  # canonical/field name -> header
    raw: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    read: set[int] = field(default_factory=set)

    def seen(self, number: int) -> None:
        self.read.add(int(number))

    def reject(self, number: int, column: str | None, value, reason: str) -> None:
        self.read.add(int(number))
        self.problems.append({"file": self.file, "row": int(number), "column": column,
                              "value": None if value is None else str(value),
                              "reason": reason})  # fmt: skip

    def add(self, number: int, **cell) -> None:
        self.read.add(int(number))
        self.raw.append({"file": self.file, "row": int(number), **cell})

    def finish(self, *, tz: str | None, extra: dict | None = None) -> Loaded:
        """Validate the raw cells with :func:`split_cells`; reject every cell of a row that has
        any problem; return the file's :class:`Loaded` (``extra`` adds columns to ``files``)."""
        rejected = pd.DataFrame(self.problems, columns=["file", "row", "column", "value",
                                                        "reason"])  # fmt: skip
        bad_rows = set(rejected["row"].astype(int))
        raw = pd.DataFrame(self.raw)
        if len(raw):
            raw = raw[~raw["row"].isin(bad_rows)]
        if len(raw):
            cells, more = split_cells(raw, tz=tz, source=self.source)
            more = more.assign(column=more["column"].map(lambda c: self.labels.get(c, c)))
            rejected = pd.concat([rejected, more], ignore_index=True) if len(more) else rejected
            cells = cells[~cells["row"].isin(set(rejected["row"].astype(int)))]
            cells = cells.reset_index(drop=True)
        else:
            from analysis.cells import empty_cells

            cells = empty_cells(tz or "UTC")
        rejected = rejected.astype({"row": "Int64"})
        for c in ("file", "column", "value", "reason"):
            rejected[c] = rejected[c].astype("string")
        result = file_result(source=self.source, file=self.file, rows_read=len(self.read),
                             cells=cells, rejected=rejected)  # fmt: skip
        for k, v in (extra or {}).items():
            result.files[k] = v
        return result


def parse_or_reject(rows: Rows, number: int, label: str | None, text, parser, **kw):
    """``parser(text, **kw)``, or record the problem and return :data:`FAILED`."""
    from analysis.sources.numbers import NumberError

    try:
        return parser(text, **kw)
    except NumberError as err:
        rows.reject(number, label, text, str(err))
        return FAILED


FAILED = object()


#: canonical count columns read from a family field of the same name, when present
COUNT_FIELDS = ("impressions", "views", "viewers", "clicks", "atc", "checkouts", "orders", "items")


@dataclass(frozen=True)
class Conventions:
    """How the numbers of one file are read: decimal mark of its amounts, order of its slashed
    dates, and the currency of amounts that carry no mark (header, then locale, else ``XXX``)."""

    decimal: str | None
    date_order: str | None
    currency: str


def conventions(sheet: Sheet, header_index: int, match: HeaderMatch,
                money: tuple[str, ...] = ("revenue",), dates: tuple[str, ...] = ()) -> Conventions:  # fmt: skip
    """Infer a file's :class:`Conventions` from its columns, falling back on its locale's."""
    from analysis.sources.headers import header_currency
    from analysis.sources.numbers import column_date_order, column_decimal

    loc = match.conventions
    body = sheet.rows[header_index + 1 :]

    def column(name):
        i = match.columns.get(name)
        return [r[i] for r in body if i is not None and i < len(r)]

    values = [v for name in money for v in column(name)]
    decimal = column_decimal(values, default=loc.decimal)
    order = None
    for name in dates:
        order = column_date_order(column(name), default=None) or order
    currency = next(
        (c for name in money if (c := header_currency(match.labels.get(name))) is not None), None
    )
    return Conventions(decimal, order or loc.date_order, currency or loc.currency or "XXX")


def parse_counts(rows: Rows, row: DataRow, match: HeaderMatch, conv: Conventions,
                 names: tuple[str, ...] = COUNT_FIELDS, *, prefix: str = "",
                 money: str | None = "revenue") -> dict | None:  # fmt: skip
    """The canonical counts of ``row`` (fields ``prefix + name``), plus ``revenue`` and
    ``currency`` from the money field. ``None`` when a value is not a count (the problem is
    recorded). Absent or empty fields are NA ("not reported")."""
    from analysis.sources.numbers import parse_count, parse_money

    out: dict = {}
    ok = True
    for name in names:
        key = prefix + name
        if key not in match.columns:
            continue
        value = parse_or_reject(rows, row.number, match.labels[key], row.get(match, key),
                                parse_count)  # fmt: skip
        if value is FAILED:
            ok = False
        elif value is not None:
            out[name] = value
    key = prefix + money if money else None
    if key and key in match.columns:
        m = parse_or_reject(rows, row.number, match.labels[key], row.get(match, key),
                            parse_money, decimal=conv.decimal)  # fmt: skip
        if m is FAILED:
            ok = False
        elif m is not None:
            if m.amount < 0:
                rows.reject(row.number, match.labels[key], row.get(match, key),
                            "is negative; amounts are >= 0")  # fmt: skip
                ok = False
            else:
                out["revenue"] = round(m.amount, 6)
                out["currency"] = m.currency or conv.currency
    return out if ok else None


def check_id(rows: Rows, row: DataRow, match: HeaderMatch, name: str) -> str | None | object:
    """An id cell (room, product): digits kept as text; an id that went through a float
    (``7.541538403737122e+18``, ``7541538403737120000`` from a re-saved sheet) is rejected."""
    import re

    text = row.get(match, name)
    if text is None or not text.strip():
        return None
    s = text.strip().strip("\t").strip().lstrip("'")
    lost = re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d+|\d+\.0+", s) or (
        re.fullmatch(r"\d{16,}", s) and set(s[15:]) == {"0"}
    )
    if lost:
        rows.reject(row.number, match.labels[name], text,
                    "the id was stored as a number and lost its last digits (ids of more than 15 "
                    "digits do not survive a float); export again, or format the column as text "
                    "before saving")  # fmt: skip
        return FAILED
    return s


def write_table(path: Path, sheets: list[tuple[str, list[list]]], *,
                merges: dict[str, list[str]] | None = None, encoding: str = "utf-8-sig",
                delimiter: str = ",") -> Path:  # fmt: skip
    """Write text rows as an xlsx (every cell a string, as TikTok writes them; ``merges`` per
    sheet in A1 ranges) or, for a ``.csv`` path, the first sheet as CSV."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with open(path, "w", encoding=encoding, newline="") as f:
            w = csv.writer(f, delimiter=delimiter)
            for r in sheets[0][1]:
                w.writerow(["" if v is None else v for v in r])
        return path
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append([None if v is None else str(v) for v in r])
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    wb.save(path)
    return path


def sniff(path: Path, locate) -> bool:
    """``detect`` of a spreadsheet loader: a table file in which ``locate(path)`` finds its header
    (an unreadable file is simply not recognised)."""
    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        return False
    try:
        return locate(path) is not None
    except UnreadableError:
        return False


def open_table(path: Path, found, *, tz: str | None, missing: str):
    """The checks every spreadsheet reader makes before reading rows.

    ``found`` is what the loader's ``locate(path)`` returned (a tuple ending with the header
    ``HeaderMatch``, or None). Raises :class:`UnreadableError` when no header was found
    (``missing`` says what was looked for), when ``tz`` is missing, or when a needed column is
    named twice; returns ``found``.
    """
    if found is None:
        raise UnreadableError(f"{Path(path).name}: {missing}")
    require_tz(tz, path)
    match = found[-1]
    if match.duplicates:
        dup = "; ".join(f"{k}: {', '.join(map(repr, v))}" for k, v in match.duplicates.items())
        raise UnreadableError(
            f"{Path(path).name}: a column is named twice ({dup}); keep one of them"
        )
    return found


def require_tz(tz: str | None, path: Path) -> str:
    """Refuse to read an export of naive shop-local times without the shop's time zone."""
    if tz is None:
        raise UnreadableError(
            f"{Path(path).name}: the times of this export are shop-local and name no time zone; "
            "pass the shop's time zone, e.g. analysis.load(path, tz='Europe/Paris') or "
            "`cartlift validate --tz Europe/Paris PATH`"
        )
    return tz
