"""Rows of a spreadsheet export parsed into raw cells: counts, money, ids, and per-row problems.

:class:`Rows` collects the raw cells and the problems of one file, then :meth:`Rows.finish` runs
:func:`analysis.cells.split_cells` (time zone, DST, counts, vocabularies, ``atc <= viewers``,
duplicates) and returns the file's :class:`~analysis.sources.base.Loaded`. A row with any problem
is rejected whole (all the cells it would give), so rows read = rows used + rows rejected holds
per file. :func:`conventions` infers how a file writes its numbers; :func:`parse_counts` and
:func:`check_id` read the canonical counts and the ids of one row (``docs/data-formats.md`` §7).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from analysis.cells import empty_cells, split_cells
from analysis.errors import NumberError
from analysis.sources.base import Loaded, file_result
from analysis.sources.headers import HeaderMatch, header_currency
from analysis.sources.numbers import (
    column_decimal,
    parse_count,
    parse_money,
)  # fmt: skip
from analysis.sources.sheets import Sheet
from analysis.sources.tables import DataRow, data_rows
from analysis.sources.times import column_date_order

__all__ = ["COUNT_FIELDS", "FAILED", "Conventions", "Rows", "check_id", "conventions",
           "parse_counts", "parse_or_reject"]  # fmt: skip

#: canonical count columns read from a family field of the same name, when present
COUNT_FIELDS = ("impressions", "views", "viewers", "clicks", "atc", "checkouts", "orders", "items")
#: what :func:`parse_or_reject` returns for a value it rejected (``None`` means "not reported")
FAILED = object()


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
        """Count input row ``number`` as read."""
        self.read.add(int(number))

    def reject(self, number: int, column: str | None, value, reason: str) -> None:
        """Record a problem of row ``number`` (the row is then rejected whole)."""
        self.read.add(int(number))
        self.problems.append({"file": self.file, "row": int(number), "column": column,
                              "value": None if value is None else str(value),
                              "reason": reason})  # fmt: skip

    def reject_row(self, row: DataRow) -> None:
        """Record a row that is not data (totals, repeated header, description, truncated line,
        formula without a value) with its reason, and its column when one column is the cause."""
        value = row.cells[0] if row.column is None else None
        self.reject(row.number, row.column, value, row.reason)

    def add(self, number: int, **cell) -> None:
        """Add one raw cell of row ``number`` (canonical column -> value)."""
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
    try:
        return parser(text, **kw)
    except NumberError as err:
        rows.reject(number, label, text, str(err))
        return FAILED


@dataclass(frozen=True)
class Conventions:
    """How the numbers of one file are read: decimal mark of its amounts, order of its slashed
    dates, and the currency of amounts that carry no mark (header, then locale, else ``XXX``)."""

    decimal: str | None
    date_order: str | None
    currency: str


def conventions(sheet: Sheet, header_index: int, match: HeaderMatch,
                money: tuple[str, ...] = ("revenue",), dates: tuple[str, ...] = ()) -> Conventions:  # fmt: skip
    """Infer a file's :class:`Conventions` from its columns, falling back on its locale's; a
    ``;``-separated CSV falls back on ``,`` decimals and day-first dates first (Excel writes
    ``;`` only in comma-decimal locales, all of which write dates day first)."""
    loc = match.conventions
    body = sheet.rows[header_index + 1 :]

    def column(name):
        i = match.columns.get(name)
        return [r[i] for r in body if i is not None and i < len(r)]

    values = [v for name in money for v in column(name)]
    # Excel separates CSV fields with ";" exactly where "," is the decimal mark (fr, de, pt ...),
    # and those locales write dates day first
    semicolon = sheet.delimiter == ";"
    decimal = column_decimal(values, default="," if semicolon else loc.decimal)
    order = None
    for name in dates:
        order = column_date_order(column(name), default=None) or order
    currency = next(
        (c for name in money if (c := header_currency(match.labels.get(name))) is not None), None
    )
    order = order or ("DMY" if semicolon else None) or loc.date_order
    return Conventions(decimal, order, currency or loc.currency or "XXX")


def parse_counts(rows: Rows, row: DataRow, match: HeaderMatch, conv: Conventions,
                 names: tuple[str, ...] = COUNT_FIELDS, *, prefix: str = "",
                 money: str | None = "revenue") -> dict | None:  # fmt: skip
    """The canonical counts of ``row`` (fields ``prefix + name``), plus ``revenue`` and
    ``currency`` from the money field. ``None`` when a value is not a count (the problem is
    recorded). Absent or empty fields are NA ("not reported")."""
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
    if money and prefix + money in match.columns:
        ok &= _parse_amount(rows, row, match, conv, prefix + money, out)
    return out if ok else None


def _parse_amount(rows: Rows, row: DataRow, match: HeaderMatch, conv: Conventions, key: str,
                  out: dict) -> bool:  # fmt: skip
    """Read money field ``key`` of ``row`` into ``out["revenue"]`` / ``out["currency"]``; False
    when the amount is rejected (not money, or negative)."""
    m = parse_or_reject(rows, row.number, match.labels[key], row.get(match, key),
                        parse_money, decimal=conv.decimal)  # fmt: skip
    if m is FAILED:
        return False
    if m is None:
        return True
    if m.amount < 0:
        rows.reject(row.number, match.labels[key], row.get(match, key),
                    "is negative; amounts are >= 0")  # fmt: skip
        return False
    out["revenue"] = round(m.amount, 6)
    out["currency"] = m.currency or conv.currency
    return True


def check_id(rows: Rows, row: DataRow, match: HeaderMatch, name: str) -> str | None | object:
    """An id cell (room, product): digits kept as text; an id that went through a float
    (``7.541538403737122e+18``, ``7541538403737120000`` from a re-saved sheet) is rejected."""
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


def product_rows(
    rows: Rows, sheet: Sheet, header: int, match: HeaderMatch, *, numeric: tuple[str, ...]
) -> Iterator[tuple[DataRow, str]]:
    """The data rows of a product table with their product id: rows that are not data, and rows
    whose id is bad or empty, are rejected on ``rows`` with their reason and not yielded."""
    for row in data_rows(sheet, header, match, numeric=numeric):
        if row.kind != "data":
            rows.reject_row(row)
            continue
        rows.seen(row.number)
        pid = check_id(rows, row, match, "product_id")
        if pid is FAILED:
            continue
        if pid is None:
            rows.reject(row.number, match.labels["product_id"], None,
                        "is empty; every row of a product list is one product")  # fmt: skip
            continue
        yield row, str(pid)
