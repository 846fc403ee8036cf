"""LIVE Center per-LIVE exports: **Product** (LIVE x product, the only export with ATC inside a
LIVE) and **Trend Stat** (LIVE x interval).

Both are downloaded from one LIVE's dashboard and renamed by the user, e.g.
``haikalpratama136 Product sesi 1, 15 September 2026.xlsx`` and
``haikalpratama136 Trend Stat Sesi 1, 15 September 2026.xlsx`` (``docs/data-formats.md`` §1.3). The
header is searched in the first rows (row 1 in the files seen). Neither file names its LIVE or
holds a date: both come from the file name, ``<creator> <Product|Trend Stat> <sesi|session> <n>,
<day> <Month> <year>`` (English or Indonesian month names).

**Product** -> one cell per product: channel ``LIVE``, grain ``session``, ``product_id``,
``impressions`` (Product Impressions), ``clicks`` and ``viewers`` (Product Clicks: the product
page views, the ATC denominator), ``atc`` (Added to cart: add-to-cart *events*), ``orders``
(Attributed orders), ``items``, ``revenue`` (Attributed GMV), ``unit`` = ``event``: the ATC rate
of this source is ``Added to cart / Product Clicks``, events per click, which may exceed 1, so
it is not a share of people. ``start``: the first ``Time`` of the Trend Stat export of the same
LIVE (same name with ``Trend Stat`` for ``Product``) when it sits in the same folder; otherwise
the file name's date at 00:00 with grain ``range`` (the hour is then unknown, NA).
``content_id`` = ``"<creator> sesi <n> <YYYY-MM-DD>"`` (the export has no room id), ``creator``
= ``@<creator>``.

**Trend Stat** -> one cell per interval: channel ``LIVE``, grain ``interval``, ``start`` = file
date + ``Time`` (a time earlier than the previous one is the next day: LIVEs that cross
midnight), ``views``, ``viewers`` (room viewers in the interval), ``impressions``, ``clicks``,
``orders``, ``items``, ``revenue``; no ATC column exists. ``unit`` = ``visitor``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from analysis.errors import NumberError, UnreadableError
from analysis.sources.base import Loaded
from analysis.sources.headers import HeaderMatch, aliases, normalise
from analysis.sources.matching import Match, header_match
from analysis.sources.numbers import is_missing
from analysis.sources.rows import (
    FAILED,
    Rows,
    check_id,
    conventions,
    parse_counts,
    parse_or_reject,
)
from analysis.sources.sheets import TABLE_SUFFIXES, read_sheets
from analysis.sources.tables import data_rows, find_header, open_table
from analysis.sources.times import parse_time

__all__ = [
    "FILE_NAME",
    "MONTHS",
    "NAME",
    "PRODUCT",
    "PRODUCT_COUNTS",
    "TREND",
    "TREND_COUNTS",
    "detect",
    "match",
    "parse_name",
    "read",
]

NAME = "live_center"
PRODUCT, TREND = "live_center_product", "live_center_trend"
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "januari": 1, "februari": 2, "maret": 3, "mei": 5, "juni": 6, "juli": 7, "agustus": 8,
    "oktober": 10, "desember": 12, "janvier": 1, "février": 2, "mars": 3, "avril": 4, "juin": 6,
    "juillet": 7, "août": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12,
}  # fmt: skip
FILE_NAME = re.compile(
    r"^(?P<creator>.+?)\s+(?P<kind>product|trend stat)\s+(?:sesi|session|séance)\s*(?P<n>\d+)"
    r"\s*,\s*(?P<day>\d{1,2})\s+(?P<month>[^\W\d_]+)\s+(?P<year>\d{4})$",
    re.IGNORECASE,
)
PRODUCT_COUNTS = ("impressions", "clicks", "atc", "orders", "items")
TREND_COUNTS = ("views", "viewers", "impressions", "clicks", "orders", "items")


def parse_name(path: Path) -> dict | None:
    """``creator``, ``kind`` (``product`` / ``trend stat``), session ``n`` and ``date`` from a
    LIVE Center file name, or None."""
    m = FILE_NAME.match(Path(path).stem.strip())
    if not m:
        return None
    month = MONTHS.get(m["month"].casefold())
    if month is None:
        return None
    try:
        day = datetime(int(m["year"]), month, int(m["day"]))
    except ValueError:
        return None
    return {"creator": m["creator"].strip(), "kind": m["kind"].casefold(), "n": int(m["n"]),
            "date": day}  # fmt: skip


def _accept_product(m: HeaderMatch, i: int) -> bool:
    return "product_id" in m.columns and any(c in m.columns for c in (*PRODUCT_COUNTS, "revenue"))


def _accept_trend(m: HeaderMatch, i: int) -> bool:
    return "time" in m.columns and any(c in m.columns for c in (*TREND_COUNTS, "revenue"))


def _locate(path: Path):
    for sheet in read_sheets(path):
        for family, accept in ((PRODUCT, _accept_product), (TREND, _accept_trend)):
            found = find_header(sheet, family, accept)
            if found is None:
                continue
            if family == PRODUCT and found[0] > 0 and _looks_sectioned(sheet, found[0]):
                continue  # a product list (channel sections above the header), not this
            return family, sheet, *found
    return None


def _looks_sectioned(sheet, h: int) -> bool:
    sections = aliases("product_list", "sections")
    return sum(normalise(c) in sections for c in sheet.rows[h - 1] if c) >= 2


def detect(path: Path) -> bool:
    """A spreadsheet with a LIVE Center Product header (``Product ID`` + ``Added to cart`` or
    attributed counts, no channel-section row) or Trend Stat header (``Time`` + counts)."""
    return match(path) is not None


def match(path: Path) -> Match | None:
    """The header cells this loader recognises (:mod:`analysis.sources.matching`)."""
    return header_match(NAME, path, _locate, TABLE_SUFFIXES)


def read(path: Path, *, tz: str | None) -> Loaded:
    """Read one LIVE Center Product or Trend Stat export (see the module docstring)."""
    path = Path(path)
    family, sheet, h, match = open_table(path, _locate(path), tz=tz,
                                         missing="no LIVE Center Product or Trend Stat header found")  # fmt: skip
    info = parse_name(path)
    if info is None:
        raise UnreadableError(
            f"{path.name}: a LIVE Center export names its LIVE only in the file name; name it "
            "'<creator> Product sesi <n>, <day> <Month> <year>.xlsx' (or 'Trend Stat') as the "
            "LIVE Center does"
        )
    conv = conventions(sheet, h, match)
    labels = {c: match.labels[c] for c in match.labels if c in (*TREND_COUNTS, "atc", "revenue")}
    labels.update({"product_id": match.labels.get("product_id", "Product ID")})
    rows = Rows(NAME, path.name, labels=labels)
    live = f"{info['creator']} sesi {info['n']} {info['date']:%Y-%m-%d}"
    base = {"channel": "LIVE", "content_id": live, "creator": "@" + info["creator"].lstrip("@")}
    table = (sheet, h, match, conv)
    if family == PRODUCT:
        start, grain = _session_start(path, info)
        _read_products(rows, table, base={**base, "start": start.isoformat(sep=" "),
                                          "grain": grain})  # fmt: skip
    else:
        _read_trend(rows, table, base=base, day=info["date"])
    extra = {"schema": "product" if family == PRODUCT else "trend_stat", "locale": match.locale}
    return rows.finish(tz=tz, extra=extra)


def _read_products(rows: Rows, table: tuple, *, base: dict) -> None:
    """The Product export's rows into ``rows``: one cell per product (``unit`` event)."""
    sheet, h, match, conv = table
    for row in data_rows(sheet, h, match, numeric=(*PRODUCT_COUNTS, "revenue")):
        if row.kind != "data":
            rows.reject_row(row)
            continue
        rows.seen(row.number)
        pid = check_id(rows, row, match, "product_id")
        counts = parse_counts(rows, row, match, conv, PRODUCT_COUNTS)
        if pid is FAILED or counts is None:
            continue
        if pid is None:
            rows.reject(row.number, match.labels["product_id"], None,
                        "is empty; every row of a Product export is one product")  # fmt: skip
            continue
        if "clicks" in counts:
            counts["viewers"] = counts["clicks"]
        rows.add(row.number, product_id=pid, unit="event", **base, **counts)


def _read_trend(rows: Rows, table: tuple, *, base: dict, day: datetime) -> None:
    """The Trend Stat export's rows into ``rows``: one cell per interval; a time earlier than
    the previous one is on the next day (a LIVE past midnight)."""
    sheet, h, match, conv = table
    previous = None
    for row in data_rows(sheet, h, match, numeric=(*TREND_COUNTS, "revenue")):
        if row.kind != "data":
            rows.reject_row(row)
            continue
        rows.seen(row.number)
        t = parse_or_reject(rows, row.number, match.labels["time"], row.get(match, "time"),
                            _clock)  # fmt: skip
        counts = parse_counts(rows, row, match, conv, TREND_COUNTS)
        if t is FAILED or counts is None:
            continue
        if t is None:
            rows.reject(row.number, match.labels["time"], None, "is empty; each interval "
                        "needs its time")  # fmt: skip
            continue
        if previous is not None and t < previous:
            day += timedelta(days=1)  # the LIVE went past midnight
        previous = t
        start = datetime.combine(day.date(), t)
        rows.add(row.number, start=start.isoformat(sep=" "), grain="interval",
                 unit="visitor", **base, **counts)  # fmt: skip


def _clock(text):
    if is_missing(text):
        return None
    s = str(text).strip()
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(s, fmt).time()
        except ValueError:
            pass
    try:
        return parse_time(s).time()  # a full time (re-saved sheet)
    except NumberError:
        raise NumberError(f"{text!r} is not a time of day (HH:MM)") from None


def _session_start(path: Path, info: dict) -> tuple[datetime, str]:
    """The LIVE's start from its Trend Stat sibling (first ``Time``), else the day (range)."""
    for sib in sorted(Path(path).parent.iterdir()):
        other = parse_name(sib) if sib.suffix.lower() in TABLE_SUFFIXES else None
        if (other and other["kind"] == "trend stat" and other["n"] == info["n"]
                and other["date"] == info["date"]
                and other["creator"].casefold() == info["creator"].casefold()):  # fmt: skip
            try:
                found = _locate(sib)
            except UnreadableError:
                continue
            if found is None or found[0] != TREND:
                continue
            _, sheet, h, match = found
            for row in data_rows(sheet, h, match, numeric=()):
                if row.kind == "data":
                    try:
                        t = _clock(row.get(match, "time"))
                    except ValueError:
                        t = None
                    if t is not None:
                        return datetime.combine(info["date"].date(), t), "session"
    return info["date"], "range"
