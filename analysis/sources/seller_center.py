"""Seller Center product-list export (Product analytics -> product list, ``product_list_*.xlsx``).

Layout (``docs/data-formats.md`` §1.4): A1 = the date or date range (``16/11/2026`` or
``2026-11-16 ~ 2026-11-22``; slashed dates day first unless the locale or a day above 12 says
otherwise), a **channel-section row** of merged cells (``All``, ``Seller LIVE``, ``Seller video``,
``Seller product card``, ``Affiliate``) directly above the **metric header row**, then one row per
product. Both rows are found by content in the first rows, never at fixed offsets. Columns are
keyed ``<section>.<header>``; a few ``All`` columns name another channel
(``Seller LIVE-attributed GMV``, ``Shop tab product impressions`` ...) and are filed under it.

One input row gives one cell per channel that has a count (grain ``day`` when A1 is one day,
else ``range`` starting on its first day; ``unit`` ``visitor``; ``product_id``):

- ``ALL`` (``All`` section): ``impressions``, ``clicks``, ``viewers`` (``Unique clicks``: people
  who opened the product page), ``atc`` (``Add-to-cart users``), ``orders``, ``items``,
  ``revenue`` (GMV);
- ``LIVE`` / ``VIDEO`` / ``PRODUCT_CARD`` / ``SHOP_TAB``: what their section (or the channel
  columns of ``All``) gives: product impressions and clicks, channel GMV, and any other count of
  the section;
- ``NON_LIVE``, **derived** (``derived`` = True): for every count that exists only for ``All`` and
  ``Seller LIVE`` (typically ``Add-to-cart users`` and ``Unique clicks``), ``All - LIVE``. A LIVE
  count above the All count rejects the row.

The ``Affiliate`` section mixes affiliates' LIVEs and videos and is not mapped to a channel (its
counts stay inside ``ALL``). Caveat: when affiliates sell the product in LIVEs, the derived
non-live cell includes their LIVE traffic (the export does not split it per channel).

**2026 layout** (every channel section carries ATC count and ATC users, a title with the
analysis date range, zh-CN / es-MX UIs): read by :mod:`analysis.sources.seller_center_channels`
(event and visitor cells per channel, Affiliate LIVE counted as LIVE, ``OTHER`` remainder).

ATC rate of this source: ``Add-to-cart users / Unique clicks`` (people with >= 1 add-to-cart among
the people who opened the product page, per channel), unit ``visitor``.
"""

from __future__ import annotations

import re
from pathlib import Path

from analysis.errors import NumberError, UnreadableError
from analysis.sources import seller_center_channels
from analysis.sources.base import Loaded
from analysis.sources.headers import HeaderMatch
from analysis.sources.matching import Match, header_match
from analysis.sources.rows import Conventions, Rows, conventions, parse_counts, product_rows
from analysis.sources.seller_center_layout import is_layout
from analysis.sources.sheets import TABLE_SUFFIXES, read_sheets
from analysis.sources.tables import find_header, open_table
from analysis.sources.times import parse_time

__all__ = ["CHANNELS", "COUNTS", "FAMILY", "NAME", "RANGE", "detect", "match", "period", "read"]

NAME = "seller_center"
FAMILY = "product_list"
#: channel sections mapped to canonical channels (AFFILIATE is read but not a channel)
CHANNELS = ("ALL", "LIVE", "VIDEO", "PRODUCT_CARD", "SHOP_TAB")
COUNTS = ("impressions", "clicks", "viewers", "atc", "orders", "items")
RANGE = re.compile(r"^\s*(.+?)\s*(?:~|–|—| - | to | au )\s*(.+?)\s*$")


def _accept(m: HeaderMatch, i: int) -> bool:
    return "product_id" in m.columns and any("." in k and k.startswith("ALL.") for k in m.columns)


def _locate(path: Path):
    for sheet in read_sheets(path):
        found = find_header(sheet, FAMILY, _accept, sections=True)
        if found is not None:
            return sheet, *found
    return None


def detect(path: Path) -> bool:
    """A spreadsheet with a channel-section row above a header holding ``Product ID``."""
    return match(path) is not None


def match(path: Path) -> Match | None:
    """The header cells this loader recognises (:mod:`analysis.sources.matching`)."""
    return header_match(NAME, path, _locate, TABLE_SUFFIXES)


def period(sheet, header_index: int, date_order: str | None):
    """``(first day, last day)`` from the first cell above the header that holds a date."""
    for row in sheet.rows[: max(header_index - 1, 0)]:
        for cell in row:
            if not cell:
                continue
            text = str(cell).strip()
            m = RANGE.match(text)
            parts = [m[1], m[2]] if m else [text]
            try:
                days = [parse_time(p, date_order=date_order or "DMY") for p in parts]
            except NumberError:
                continue
            return days[0], days[-1]
    return None


def read(path: Path, *, tz: str | None) -> Loaded:
    """Read one product-list export into per-channel cells (see the module docstring)."""
    path = Path(path)
    found = _locate(path)
    if found is not None and is_layout(found[-1]):  # the 2026 layout: ATC in every section
        return seller_center_channels.read(path, found[0], found[1], tz=tz)
    sheet, h, match = open_table(path, found, tz=tz, missing=(
        "no product-list header (a channel-section row with 'All' above a header with "
        "'Product ID') in the first rows"))  # fmt: skip
    money = tuple(k for k in match.columns if k.endswith(".revenue"))
    conv = conventions(sheet, h, match, money=money)
    days = period(sheet, h, conv.date_order)
    if days is None:
        raise UnreadableError(
            f"{path.name}: no date or date range above the header (A1 holds it in a product "
            "list export, e.g. '16/11/2026' or '2026-11-16 ~ 2026-11-22')"
        )
    first, last = days
    grain = "day" if first.date() == last.date() else "range"
    rows = Rows(NAME, path.name, labels={"product_id": match.labels["product_id"]})
    numeric = tuple(k for k in match.columns if "." in k)
    for row, pid in product_rows(rows, sheet, h, match, numeric=numeric):
        cells = _channel_cells(rows, row, match, conv)
        if cells is None:
            continue
        for channel, counts, derived in cells:
            rows.add(row.number, start=first.isoformat(sep=" "), grain=grain, channel=channel,
                     product_id=pid, unit="visitor", derived=derived, **counts)  # fmt: skip
    extra = {"schema": "product_list", "locale": match.locale,
             "period": f"{first:%Y-%m-%d} ~ {last:%Y-%m-%d}"}  # fmt: skip
    return rows.finish(tz=tz, extra=extra)


def _channel_cells(rows: Rows, row, match: HeaderMatch, conv: Conventions):
    out = {}
    ok = True
    for channel in (*CHANNELS, "AFFILIATE"):
        counts = parse_counts(rows, row, match, conv, COUNTS, prefix=f"{channel}.")
        if counts is None:
            ok = False
        elif counts:
            out[channel] = counts
    if not ok:
        return None
    out.pop("AFFILIATE", None)
    # counts that exist only for ALL and LIVE: non-live = ALL - LIVE, derived
    others = ("VIDEO", "PRODUCT_CARD", "SHOP_TAB")
    derived = {}
    for name in (*COUNTS, "revenue"):
        if (
            name in out.get("ALL", {})
            and name in out.get("LIVE", {})
            and not any(name in out.get(o, {}) for o in others)
        ):
            diff = out["ALL"][name] - out["LIVE"][name]
            if diff < -1e-9:
                label = match.labels.get(f"LIVE.{name}", name)
                rows.reject(row.number, label, out["LIVE"][name],
                            f"the Seller LIVE value exceeds the All value ({out['ALL'][name]}); "
                            "non-live cannot be derived (All must include LIVE)")  # fmt: skip
                return None
            derived[name] = round(diff, 2) if name == "revenue" else diff
    if derived:
        if "revenue" in derived:
            derived["currency"] = out["ALL"]["currency"]
        out["NON_LIVE"] = derived
    return [(ch, counts, ch == "NON_LIVE") for ch, counts in out.items()]
