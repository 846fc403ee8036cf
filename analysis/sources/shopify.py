"""Shopify exports: the sessions report CSV (funnel) and the orders CSV (average basket).

**Sessions report** (Analytics -> Reports -> Sessions / conversion, Export; or a ShopifyQL
``FROM sessions SHOW sessions, sessions_with_cart_additions, ... TIMESERIES hour`` result):
one row per day (``Day``) or hour (``Hour``, or ``Day`` + ``Hour of day``), optionally broken
down by other session dimensions. One cell per time slot (and ``Session region`` when present),
channel ``WEB``, unit ``session``, ``product_id`` empty (the report is shop-wide):

- ``viewers`` = ``Sessions`` (all online-store sessions: the denominator of Shopify's
  added-to-cart rate),
- ``atc`` = ``Sessions with cart additions``,
- ``checkouts`` = ``Sessions that reached checkout``,
- ``orders`` = ``Sessions that completed checkout`` (Shopify's conversion numerator).

``Session device type`` is kept as ``device``; rows broken down by other dimensions (``UTM
campaign``, ``Landing page path``, ``Session country``, ...) are summed into the cell: a session
has one value of each, so session counts add up. ``Conversion rate`` and other rates are ignored
(recomputed from counts). A report without a time column (by landing page, device, referrer)
gives one cell per row for the period named in the file
(:mod:`analysis.sources.shopify_breakdown`).

**Orders CSV** (Admin -> Orders -> Export): one row per line item, order-level fields
(``Subtotal``, ``Total``, ``Cancelled at`` ...) only on each order's first row, UTF-8 with BOM.
One cell per shop-local hour of ``Created at``: ``orders`` = orders, ``items`` = sum of
``Lineitem quantity``, ``revenue`` = sum of ``Subtotal`` (default; Shopify's own average order
value is gross sales minus discounts, i.e. the subtotal) or ``Total``, ``currency`` =
``Currency``. Cancelled orders are set aside (rejected, with that reason).

Both: header searched in the first rows, delimiter sniffed (``,``, ``;``, tab), rows of the
wrong width (truncated last line), repeated headers and ``Total`` rows rejected with a reason.
See ``docs/data-formats.md`` (Shopify). The CSV reading is
:mod:`analysis.sources.shopify_csv`, the two reports :mod:`analysis.sources.shopify_sessions` and
:mod:`analysis.sources.shopify_orders`; the writer :mod:`analysis.sources.writers.shopify`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from analysis.cells import split_cells
from analysis.errors import UnreadableError
from analysis.sources.base import Loaded, file_result
from analysis.sources.matching import Match, share
from analysis.sources.shopify_breakdown import report_period
from analysis.sources.shopify_csv import (
    HEADER_SEARCH_ROWS,
    data_records,
    find_header_row,
    norm_header,
    problem,
    read_records,
)  # fmt: skip
from analysis.sources.shopify_orders import ORDER_ANCHORS, is_order_header, orders_cells
from analysis.sources.shopify_sessions import (
    TIME_HEADERS,
    is_known_header,
    is_sessions_header,
    sessions_cells,
)  # fmt: skip
from analysis.vocabulary import SHOPIFY_REVENUES, check_argument

__all__ = ["NAME", "detect", "match", "read"]

NAME = "shopify"


def _found(path: Path) -> tuple[str, list[str]] | None:
    """``(kind, normalised header)``: kind ``"sessions"`` or ``"orders"``; None when the file is
    not a Shopify CSV."""
    if path.suffix.lower() != ".csv":
        return None
    try:
        _, records = read_records(path)
    except (ValueError, OSError, csv.Error):
        return None
    h = find_header_row(records, {"sessions"})
    if h is not None and is_sessions_header([norm_header(c) for c in records[h]]):
        return "sessions", [norm_header(c) for c in records[h]]
    h = find_header_row(records, set(ORDER_ANCHORS))
    if h is not None:
        return "orders", [norm_header(c) for c in records[h]]
    return None


def _kind(path: Path) -> str | None:
    """``"sessions"``, ``"orders"`` or None (not a Shopify CSV), from the header."""
    found = _found(path)
    return None if found is None else found[0]


def detect(path: Path) -> bool:
    """A ``.csv`` whose header (in the first rows) is a Shopify sessions report (``Sessions`` and
    a time column, a breakdown dimension or another session count) or orders export (``Name``,
    ``Created at``, ``Lineitem quantity``)."""
    return match(path) is not None


def match(path: Path) -> Match | None:
    """The header cells that are Shopify report headers of the detected kind
    (:func:`~analysis.sources.shopify_sessions.is_known_header`, :data:`ORDER_HEADERS`;
    :mod:`analysis.sources.matching`)."""
    found = _found(Path(path))
    if found is None:
        return None
    kind, header = found
    if kind == "sessions":
        return share(NAME, header, is_known_header, kind=kind)
    return share(NAME, header, is_order_header, kind=kind)


def read(path: Path, *, tz: str | None, revenue: str = "subtotal") -> Loaded:
    """Read a Shopify sessions report or orders CSV into ``WEB`` cells.

    Parameters
    ----------
    path : Path
        The CSV file (the kind is detected from its header).
    tz : str
        The shop's IANA time zone: ``Day``/``Hour`` are shop-local, ``Created at`` is converted
        to it. Required.
    revenue : {"subtotal", "total"}, default "subtotal"
        Orders CSV only: ``Subtotal`` (line items after discounts, before shipping and taxes:
        Shopify's average order value) or ``Total`` (what the customer paid).

    Returns
    -------
    analysis.sources.base.Loaded
        Sessions report: cells with grain ``day`` or ``hour``, unit ``session``, ``viewers``,
        ``atc``, ``checkouts``, ``orders`` (and ``region``). Orders CSV: cells with grain
        ``hour``, ``orders``, ``items``, ``revenue``, ``currency``. ``row`` of a cell is its first
        input row; ``rows_used`` counts every input row summed into a cell.

    Raises
    ------
    analysis.errors.UnreadableError
        (a ``ValueError``) No ``tz``; empty or non-UTF-8 file; header not found in the first 10 rows; duplicate
        header; a required column missing.
    """
    path = Path(path)
    check_argument("revenue", SHOPIFY_REVENUES, revenue)
    kind = _kind(path)
    if kind is None:
        read_records(path)  # raises for empty / non-UTF-8 files
        raise UnreadableError(
            f"{path.name}: no Shopify header in the first {HEADER_SEARCH_ROWS} rows (a sessions "
            "report needs 'Sessions' and 'Day' or 'Hour'; an orders export 'Name', 'Created at', "
            "'Lineitem quantity')"
        )
    if tz is None:
        raise UnreadableError(
            f"{path.name}: Shopify times are shop-local; pass the shop's time zone, e.g. "
            "analysis.load(path, tz='Europe/Paris')"
        )
    _, records = read_records(path)
    anchors = {"sessions"} if kind == "sessions" else set(ORDER_ANCHORS)
    h = find_header_row(records, anchors)
    header = [norm_header(c) for c in records[h]]
    dup = sorted({c for c in header if c and header.count(c) > 1})
    if dup:
        raise UnreadableError(f"{path.name}: duplicate column(s) {', '.join(map(repr, dup))} in the "
                         f"header (row {h + 1}); keep one of each")  # fmt: skip
    rows, bad = data_records(records, h, header)
    period = None
    if kind == "sessions":
        if not any(t in header for t in TIME_HEADERS):  # by landing page, device, referrer...
            period = report_period(path, records[:h])
        labels = {norm_header(c): str(c).replace("\ufeff", "").strip() for c in records[h]}
        raw, members, more = sessions_cells(path, rows, header, tz, period=period, labels=labels)
    else:
        raw, members, more = orders_cells(path, rows, header, tz, revenue)
    loaded = _finish(path, raw, members, bad + more, rows_read=len(records) - h - 1, tz=tz)
    if period is not None:
        loaded.files["period"] = f"{period[0]:%Y-%m-%d} ~ {period[1]:%Y-%m-%d}"
    return loaded


def _finish(path: Path, raw: pd.DataFrame, members, bad, *, rows_read: int, tz: str) -> Loaded:
    """Validate the raw cells; a rejected cell rejects every input row summed into it."""
    raw = raw.reset_index(drop=True)
    raw["row"] = [m[0] for m in members]
    raw["file"] = path.name
    cells, problems = split_cells(raw, tz=tz, source=NAME)
    by_first = {m[0]: m for m in members}
    expanded = []
    for p in problems.itertuples():  # a rejected cell rejects every row summed into it
        for r in by_first.get(p.row, [p.row]):
            expanded.append(problem(r, p.column, p.value if r == p.row else None,
                                 p.reason if r == p.row else f"{p.reason} (cell of row {p.row})"))  # fmt: skip
    rejected = pd.DataFrame(bad + expanded, columns=["row", "column", "value", "reason"])
    rejected = rejected.assign(file=path.name).astype(
        {"row": "Int64", "column": "string", "value": "string", "reason": "string",
         "file": "string"})  # fmt: skip
    rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True)
    used = sum(len(by_first[r]) for r in cells["row"].dropna())
    return file_result(source=NAME, file=path.name, rows_read=rows_read, cells=cells,
                       rejected=rejected, rows_used=used)  # fmt: skip
