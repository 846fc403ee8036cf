"""Writer of the LIVE Center per-LIVE exports (**Product** and **Trend Stat**): the simulator's
LIVEs as the LIVE Center writes them, every cell text, named as users save them.

The inverse of :mod:`analysis.sources.live_center`, for round trips and the sample exports;
layouts: ``docs/data-formats.md`` §1.3.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.sources.live_center import PRODUCT, TREND
from analysis.sources.writers.table import localized_header, write_table
from analysis.sources.writers.text import format_money, format_number
from analysis.vocabulary import check_argument

__all__ = ["PRODUCT_HEADERS", "TREND_HEADERS", "file_names", "write"]

#: EN headers as the LIVE Center writes them
PRODUCT_HEADERS = ["Product ID", "Product name", "Attributed GMV", "Attributed items sold",
                   "Customers", "AOV", "Attributed SKU orders", "Attributed orders",
                   "Payment Rate", "Product Impressions", "CTR", "Added to cart",
                   "CTOR (SKU orders)", "CTOR", "Product Clicks"]  # fmt: skip
TREND_HEADERS = ["Time", "Attributed GMV", "Attributed items sold", "Customers",
                 "Attributed SKU orders", "Attributed orders", "Viewers", "Views",
                 "Product Impressions", "LIVE CTR", "Product Clicks", "AOV",
                 "CTOR (SKU orders)"]  # fmt: skip


def file_names(creator: str, n: int, day) -> tuple[str, str]:
    """The Product and Trend Stat file names of one LIVE, as users save them."""
    stamp = f"{pd.Timestamp(day):%-d %B %Y}"
    c = creator.lstrip("@")
    return f"{c} Product sesi {n}, {stamp}.xlsx", f"{c} Trend Stat sesi {n}, {stamp}.xlsx"


def write(cells: pd.DataFrame, out_dir, *, locale: str = "en") -> list[Path]:
    """Write a Product and a Trend Stat export for every LIVE of ``cells`` into ``out_dir``.

    Product: one row per product of the LIVE (sums over its hours and segments); Trend Stat:
    one row per hour of the LIVE (``Time`` = ``HH:MM`` of the hour). Money with the cells'
    currency, as the locale's UI writes it; every cell text. Sessions are numbered per creator
    and day (``sesi 1``, ``sesi 2``).
    """
    check_argument("locale", ("en", "fr"), locale)
    out_dir = Path(out_dir)
    live = cells[cells["channel"] == "LIVE"]
    counts = ["views", "viewers", "impressions", "clicks", "atc", "orders", "items", "revenue"]
    written = []
    starts = live.groupby("content_id")["start"].min().sort_values()
    seen: dict = {}
    for content_id, start in starts.items():
        lv = live[live["content_id"] == content_id]
        creator = lv["creator"].iloc[0]
        day = start.tz_localize(None).normalize()
        seen[(creator, day)] = n = seen.get((creator, day), 0) + 1
        product_name, trend_name = file_names(creator, n, day)
        cur = lv["currency"].iloc[0]
        per_product = lv.groupby("product_id", sort=True)[counts].sum(min_count=1)
        per_hour = lv.groupby("start", sort=True)[counts].sum(min_count=1)
        rows = [_header(PRODUCT_HEADERS, PRODUCT, locale)]
        for pid, r in per_product.iterrows():
            rows.append([_product_value(h, pid, r, cur, locale) for h in PRODUCT_HEADERS])
        written.append(write_table(out_dir / product_name, [("Sheet1", rows)]))
        rows = [_header(TREND_HEADERS, TREND, locale)]
        for t, r in per_hour.iterrows():
            rows.append([_trend_value(h, t, r, cur, locale) for h in TREND_HEADERS])
        written.append(write_table(out_dir / trend_name, [("Sheet1", rows)]))
    return written


def _header(headers: list[str], family: str, locale: str) -> list[str]:
    return [localized_header(h, family, locale) for h in headers]


def _fmt_count(x, locale):
    return None if pd.isna(x) else format_number(float(x), locale=locale, grouping=False)


def _fmt_rate(num, den, locale):
    if pd.isna(num) or pd.isna(den) or not den:
        return "0.000000"
    return format_number(num / den, locale=locale, decimals=6, grouping=False)


def _product_value(h, pid, r, cur, locale):
    money = {"Attributed GMV": r["revenue"],
             "AOV": r["revenue"] / r["orders"] if r["orders"] else 0.0}  # fmt: skip
    if h == "Product ID":
        return pid
    if h == "Product name":
        return f"Produit {pid[-4:]}"
    if h in money:
        v = money[h]
        return None if pd.isna(v) else format_money(float(v), cur, locale=locale)
    plain = {"Attributed items sold": "items", "Customers": "orders", "Attributed SKU orders":
             "orders", "Attributed orders": "orders", "Product Impressions": "impressions",
             "Added to cart": "atc", "Product Clicks": "clicks"}  # fmt: skip
    if h in plain:
        return _fmt_count(r[plain[h]], locale)
    if h == "Payment Rate":
        return "1.000000"
    if h == "CTR":
        return _fmt_rate(r["clicks"], r["impressions"], locale)
    return _fmt_rate(r["orders"], r["clicks"], locale)  # CTOR


def _trend_value(h, t, r, cur, locale):
    if h == "Time":
        return f"{t:%H:%M}"
    if h == "Attributed GMV":
        return None if pd.isna(r["revenue"]) else format_money(float(r["revenue"]), cur,
                                                               locale=locale)  # fmt: skip
    if h == "AOV":
        return format_money(float(r["revenue"] / r["orders"]) if r["orders"] else 0.0, cur,
                            locale=locale)  # fmt: skip
    plain = {"Attributed items sold": "items", "Customers": "orders", "Attributed SKU orders":
             "orders", "Attributed orders": "orders", "Viewers": "viewers", "Views": "views",
             "Product Impressions": "impressions", "Product Clicks": "clicks"}  # fmt: skip
    if h in plain:
        return _fmt_count(r[plain[h]], locale)
    if h == "LIVE CTR":
        return _fmt_rate(r["clicks"], r["views"], locale)
    return _fmt_rate(r["orders"], r["clicks"], locale)
