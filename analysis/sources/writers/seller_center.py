"""Writer of the Seller Center product-list export (``product_list_*.xlsx``): one day of the
simulator's shop per file, a merged channel-section row above the metric header, every cell text.

The inverse of :mod:`analysis.sources.seller_center`, for round trips and the sample exports;
layout: ``docs/data-formats.md`` §1.4.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from analysis.sources.headers import locales
from analysis.sources.seller_center import FAMILY
from analysis.sources.writers.table import localized_header, write_table
from analysis.sources.writers.text import format_money, format_number
from analysis.vocabulary import check_argument

__all__ = ["LAYOUT", "write"]

#: (section, header, channel or None for all channels, canonical column) of the writer's layout
LAYOUT = (
    ("All", "GMV", None, "revenue"),
    ("All", "Orders", None, "orders"),
    ("All", "Items sold", None, "items"),
    ("All", "Product impressions", None, "impressions"),
    ("All", "Product clicks", None, "clicks"),
    ("All", "Add-to-cart users", None, "atc"),
    ("All", "Unique clicks", None, "viewers"),
    ("All", "Seller LIVE-attributed GMV", "LIVE", "revenue"),
    ("All", "Seller video-attributed GMV", "VIDEO", "revenue"),
    ("All", "Seller product card GMV", "PRODUCT_CARD", "revenue"),
    ("Seller LIVE", "Product impressions", "LIVE", "impressions"),
    ("Seller LIVE", "Product clicks", "LIVE", "clicks"),
    ("Seller LIVE", "Unique clicks", "LIVE", "viewers"),
    ("Seller LIVE", "Add-to-cart users", "LIVE", "atc"),
    ("Seller video", "Product impressions", "VIDEO", "impressions"),
    ("Seller video", "Product clicks", "VIDEO", "clicks"),
    ("Seller product card", "Product impressions", "PRODUCT_CARD", "impressions"),
    ("Seller product card", "Product clicks", "PRODUCT_CARD", "clicks"),
    ("Affiliate", "Product impressions", "AFFILIATE", "impressions"),
    ("Affiliate", "Product clicks", "AFFILIATE", "clicks"),
)


def write(
    cells: pd.DataFrame, path, *, day, locale: str = "en", names: dict | None = None
) -> Path:
    """Write one day of ``cells`` as a product-list export (one row per product).

    ``Seller LIVE`` carries ``Unique clicks`` and ``Add-to-cart users`` so that non-live is
    derived on reading; that per-channel ATC column is **not evidenced** in a real file
    (``docs/data-formats.md`` §1.4): it is the layout the kit accepts if TikTok shows it. Affiliate
    counts are 0 (the simulated creators are the seller's own).
    """
    check_argument("locale", ("en", "fr"), locale)
    day = pd.Timestamp(day).normalize()
    local = cells["start"].dt.tz_localize(None).dt.normalize()
    d = cells[local == day]
    cols = ["impressions", "clicks", "viewers", "atc", "orders", "items", "revenue"]
    allc = d.groupby("product_id")[cols].sum(min_count=1)
    per = d.groupby(["product_id", "channel"])[cols].sum(min_count=1)
    products = sorted(cells["product_id"].dropna().unique())
    cur = cells["currency"].dropna().iloc[0] if cells["currency"].notna().any() else "EUR"
    sect_labels, head_labels = _labels(locale)
    sections = [None, None] + [sect_labels[s] for s, *_ in LAYOUT]
    header = [localized_header(h, FAMILY, locale, table="columns")
              for h in ("Product ID", "Product Name")]  # fmt: skip
    header += [head_labels.get(hd, hd) for _, hd, *_ in LAYOUT]
    body = []
    for pid in products:
        line = [pid, (names or {}).get(pid, f"Produit {pid[-4:]}")]
        for _, _, channel, col in LAYOUT:
            if channel == "AFFILIATE":
                v = 0
            elif channel is None:
                v = allc[col].get(pid, 0)
            else:
                v = per[col].get((pid, channel), 0)
            v = 0 if pd.isna(v) else v
            line.append(format_money(float(v), cur, locale=locale) if col == "revenue"
                        else format_number(float(v), locale=locale, grouping=locale != "en"))  # fmt: skip
        body.append(line)
    title = f"{day:%d/%m/%Y}"
    table = [[title], [], sections, header, *body]
    merges, col = [], 3
    for s in dict.fromkeys(s for s, *_ in LAYOUT):
        n = sum(1 for x, *_ in LAYOUT if x == s)
        merges.append(f"{get_column_letter(col)}3:{get_column_letter(col + n - 1)}3")
        col += n
    return write_table(Path(path), [("Sheet1", table)], merges={"Sheet1": merges})


def _labels(locale: str) -> tuple[dict[str, str], dict[str, str]]:
    """EN section label -> ``locale`` label, and EN header -> ``locale`` header."""
    en = locales()["en"].families[FAMILY]
    loc = locales()[locale].families[FAMILY]
    sections = {en["sections"][k][0]: loc["sections"][k][0] for k in en["sections"]}
    heads = {}
    for key in ("columns", "channel_columns"):
        for f, ls in en[key].items():
            heads[ls[0]] = loc[key].get(f, ls)[0]
    return sections, heads
