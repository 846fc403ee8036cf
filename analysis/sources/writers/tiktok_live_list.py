"""Writer of the LIVE list export (``Creator-Live-Performance_*.xlsx``, schemas v1-v3): the
simulator's LIVEs as TikTok writes them, every cell text, EN / PT-BR / FR UI.

The inverse of :mod:`analysis.sources.tiktok_live_list`, for round trips and the sample exports;
layouts: ``docs/data-formats.md`` §1.2.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.sources.tiktok_live_list import FAMILY, V3_SHEET
from analysis.sources.writers.table import localized_header, write_table
from analysis.sources.writers.text import (
    format_duration,
    format_money,
    format_number,
    format_percent,
)  # fmt: skip
from analysis.vocabulary import check_argument

__all__ = ["HEADERS", "live_sessions", "write"]

#: the header of each schema version as TikTok writes it (EN UI), written by :func:`write`
HEADERS = {
    "v1": ["Livestream", "Start time", "Duration", "Gross revenue", "Direct GMV", "Items sold",
           "Customers", "Avg. price", "Orders paid for", "GMV/1K views", "Views", "Viewers",
           "Product impressions", "Product clicks", "CTR", "CTOR (SKU orders)"],
    "v2": ["Livestream", "Start time", "Duration", "Attributed GMV", "Attributed items sold",
           "Customers", "AOV", "Attributed orders", "Attributed SKU orders", "Views", "CTR",
           "LIVE CTR", "Product clicks", "CTOR (SKU order)", "Product impressions"],
    "v3": ["Room ID", "Room Title", "Start Time", "End Time", "Duration", "Attributed GMV",
           "Attributed items sold", "Attributed SKU orders", "Attributed orders", "Customers",
           "AOV", "Views", "Product Impressions", "Product clicks", "CTR", "CTOR (SKU orders)"],
}  # fmt: skip


def live_sessions(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per LIVE of hourly cells: ``content_id, content_title, creator, start, end``
    (start of the last hour + 1 h) and the sums of the counts (viewers counted once per cell:
    the simulator's cells hold different people)."""
    live = cells[cells["channel"] == "LIVE"]
    sums = live.groupby("content_id", sort=False)[
        ["views", "viewers", "impressions", "clicks", "atc", "orders", "items", "revenue"]
    ].sum(min_count=1)
    meta = live.groupby("content_id", sort=False).agg(
        content_title=("content_title", "first"), creator=("creator", "first"),
        start=("start", "min"), last=("start", "max"), currency=("currency", "first"),
    )  # fmt: skip
    out = meta.join(sums).reset_index()
    out["end"] = out["last"] + pd.Timedelta(hours=1)
    out["revenue"] = out["revenue"].astype("Float64").round(2)
    return out.drop(columns="last").sort_values("start").reset_index(drop=True)


def write(cells: pd.DataFrame, path, *, version: str = "v3", locale: str = "en",
          columns: list[str] | None = None, title_range: bool | None = None) -> Path:  # fmt: skip
    """Write the LIVEs of ``cells`` as a LIVE list export (every cell text, as TikTok writes).

    Parameters
    ----------
    version : {"v1", "v2", "v3"}
        Schema version (headers, sheet name, title row, duration and rate formats).
    locale : {"en", "pt_BR", "fr"}
        UI language: headers from the locale file (EN labels of the version for ``en``), money
        ``€1,234.56`` / ``€ 1.234,56`` / ``1 234,56 €`` (fr alternates the sign before and after),
        counts grouped with ``.`` (pt_BR) or U+202F (fr), rates ``0,78 %`` (fr).
    columns : list of str, optional
        Keep only these EN headers (users choose their columns).
    title_range : bool, optional
        Write the ``YYYY-MM-DD ~ YYYY-MM-DD`` title row and blank row (default: v1/v2 yes, v3 no).
    """
    check_argument("version", tuple(HEADERS), version)
    check_argument("locale", ("en", "pt_BR", "fr"), locale)
    s = live_sessions(cells)
    headers = [h for h in HEADERS[version] if columns is None or h in columns]
    rows = []
    for k, r in s.iterrows():
        rows.append([_value(h, r, version, locale, k) for h in headers])
    if locale != "en":
        headers = [localized_header(h, FAMILY, locale) for h in headers]
    table = [headers, *rows]
    if title_range if title_range is not None else version != "v3":
        first, last = s["start"].min(), s["start"].max()
        table = [[f"{first:%Y-%m-%d} ~ {last:%Y-%m-%d}"], [], *table]
    return write_table(Path(path), [(V3_SHEET if version == "v3" else "Sheet1", table)])


def _value(h: str, r, version: str, locale: str, k: int) -> str | None:
    def count(x):
        if pd.isna(x):
            return None
        return format_number(float(x), locale=locale, grouping=locale != "en")

    def money(x):
        if pd.isna(x):
            return None
        return format_money(
            float(x), r["currency"], locale=locale, after=locale == "fr" and k % 2 == 0
        )

    def rate(num, den):
        if pd.isna(num) or pd.isna(den) or den == 0:
            return "0%" if version == "v3" else "0"
        return format_percent(num / den, locale=locale, percent=version == "v3",
                              space=locale == "fr")  # fmt: skip

    seconds = (r["end"] - r["start"]).total_seconds()
    start = r["start"].tz_localize(None)
    orders = r["orders"]
    key = h.casefold()
    if key in ("room id",):
        return r["content_id"]
    if key in ("livestream", "room title"):
        return r["content_title"]
    if key in ("start time",):
        return f"{start:%Y-%m-%d %H:%M:%S}" if version == "v3" else f"{start:%Y-%m-%d %H:%M}"
    if key == "end time":
        return f"{r['end'].tz_localize(None):%Y-%m-%d %H:%M:%S}"
    if key == "duration":
        return format_duration(seconds, style="hm" if version == "v3" else "seconds")
    if key in ("gross revenue", "direct gmv", "attributed gmv"):
        return money(r["revenue"])
    if key in ("items sold", "attributed items sold"):
        return count(r["items"])
    if key in ("customers",):
        return count(orders)
    if key in ("orders paid for", "attributed orders", "attributed sku orders"):
        return count(orders)
    if key in ("avg. price", "aov"):
        return money(r["revenue"] / orders if orders else 0.0)
    if key == "gmv/1k views":
        return format_number(1000 * r["revenue"] / r["views"] if r["views"] else 0, decimals=2,
                             locale=locale, grouping=False)  # fmt: skip
    if key == "views":
        return count(r["views"])
    if key == "viewers":
        return count(r["viewers"])
    if key in ("product impressions",):
        return count(r["impressions"])
    if key == "product clicks":
        return count(r["clicks"])
    if key in ("ctr", "live ctr"):
        return rate(r["clicks"], r["views"])
    if key.startswith("ctor"):
        return rate(orders, r["clicks"])
    raise KeyError(h)
