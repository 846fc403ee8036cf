"""Shop overview daily export: old ``Overview_My Business Performance_*.xlsx`` and new
``Shop Analytics_Key metrics_YYYYMMDD.xlsx`` layouts, PT-BR / EN / FR headers.

Layouts (``docs/data-formats.md`` §1.5): the old PT-BR file starts with a summary block (row 1
headers, row 2 totals), a ``Dados diários`` line, then the **daily header** (row 5) and one row
per day; the EN file has its daily header further down (row 9); the new layout has the daily
header first. The daily header is the first row of the first 30 that holds a date column and a
count: the summary block above it (no date column) and description lines are skipped, never at
fixed offsets. Dates are ``DD/MM/YYYY`` (PT-BR, FR), ISO, or what the locale says; amounts may
mix separators in one sheet (``10959,4`` in the days, ``278.39`` in the totals row): each value
is read by its own form, the file's majority deciding only ambiguous ones.

One row = one shop-day: channel ``ALL``, grain ``day``, ``unit`` ``visitor``; ``viewers``
(``Visitantes`` / ``Visitas à página da loja`` / ``Visitors``), ``orders``, ``items``, ``revenue``
(GMV / ``Valor bruto da mercadoria``), ``impressions`` and ``clicks`` (product impressions and
clicks). When a ``LIVE-attributed GMV`` column is present the row also gives a ``LIVE`` cell
(revenue only) and a derived ``NON_LIVE`` cell (``GMV - LIVE-attributed GMV``, ``derived`` True).
There is no add-to-cart in this export; its conversion rate (``Taxa de conversão``) is
customers / visitors and is not read (rates are rebuilt from counts).
"""

from __future__ import annotations

from pathlib import Path

from analysis.sources.base import Loaded
from analysis.sources.headers import HeaderMatch
from analysis.sources.matching import Match, header_match
from analysis.sources.rows import FAILED, Rows, conventions, parse_counts, parse_or_reject
from analysis.sources.sheets import TABLE_SUFFIXES, read_sheets
from analysis.sources.tables import data_rows, find_header, open_table
from analysis.sources.times import parse_time

__all__ = ["COUNTS", "FAMILY", "NAME", "detect", "match", "layout", "read"]

NAME = "shop_overview"
FAMILY = "shop_overview"
COUNTS = ("viewers", "impressions", "clicks", "orders", "items")


def _accept(m: HeaderMatch, i: int) -> bool:
    return (
        "date" in m.columns
        and "product_id" not in m.columns
        and any(c in m.columns for c in (*COUNTS, "revenue"))
    )


def _locate(path: Path):
    for sheet in read_sheets(path):
        found = find_header(sheet, FAMILY, _accept)
        if found is not None:
            return sheet, *found
    return None


def detect(path: Path) -> bool:
    """A spreadsheet whose first rows hold a daily header (a date column and a count)."""
    return match(path) is not None


def match(path: Path) -> Match | None:
    """The header cells this loader recognises (:mod:`analysis.sources.matching`)."""
    return header_match(NAME, path, _locate, TABLE_SUFFIXES)


def layout(sheet, header_index: int) -> str:
    """``old`` (a summary block or a 'daily' line above the daily header) or ``new``."""
    return "old" if header_index > 0 else "new"


def read(path: Path, *, tz: str | None) -> Loaded:
    """Read one shop overview export into shop-day cells (see the module docstring)."""
    path = Path(path)
    sheet, h, match = open_table(path, _locate(path), tz=tz, missing=(
        "no daily header (a 'Date' / 'Data' column and a count such as GMV, Orders, Visitors) "
        "in the first 30 rows"))  # fmt: skip
    conv = conventions(sheet, h, match, money=("revenue", "live_revenue"), dates=("date",))
    labels = {c: match.labels[c] for c in (*COUNTS, "revenue") if c in match.labels}
    labels["start"] = match.labels["date"]
    rows = Rows(NAME, path.name, labels=labels)
    for row in data_rows(sheet, h, match, numeric=(*COUNTS, "revenue")):
        if row.kind != "data":
            rows.reject_row(row)
            continue
        rows.seen(row.number)
        day = parse_or_reject(rows, row.number, match.labels["date"], row.get(match, "date"),
                              parse_time, date_order=conv.date_order)  # fmt: skip
        counts = parse_counts(rows, row, match, conv, COUNTS)
        live = parse_counts(rows, row, match, conv, (), money="live_revenue")
        if day is FAILED or counts is None or live is None:
            continue
        if day is None:
            rows.reject(row.number, match.labels["date"], None, "is empty; each row is one day")
            continue
        if day != day.replace(hour=0, minute=0, second=0):
            rows.reject(row.number, match.labels["date"], row.get(match, "date"),
                        "is not a whole day; this export has one row per day")  # fmt: skip
            continue
        start = day.isoformat(sep=" ")
        base = {"start": start, "grain": "day", "unit": "visitor"}
        rows.add(row.number, channel="ALL", **base, **counts)
        if live:
            total = counts.get("revenue")
            if total is not None and live["revenue"] > total + 1e-9:
                rows.reject(row.number, match.labels["live_revenue"],
                            row.get(match, "live_revenue"),
                            f"LIVE-attributed GMV exceeds the GMV ({total}); non-live cannot be "
                            "derived")  # fmt: skip
                continue
            rows.add(row.number, channel="LIVE", **base, **live)
            if total is not None:
                rows.add(row.number, channel="NON_LIVE", derived=True, **base,
                         revenue=round(total - live["revenue"], 2),
                         currency=counts["currency"])  # fmt: skip
    extra = {"schema": layout(sheet, h), "locale": match.locale}
    return rows.finish(tz=tz, extra=extra)
