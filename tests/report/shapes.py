"""The shapes of data a weekly report must handle (issue 12, item 8), as tiny fixtures.

Each builder writes one folder with the kit's own writers (:mod:`analysis.sources.writers`,
:mod:`analysis.sources.canonical`) from the embedded sample's last week(s), restricted to
:data:`PRODUCTS` so a report on it stays cheap; deterministic (the sample is fixed, the writers
use no randomness). :data:`SHAPES` maps the shape letter of the issue to its builder; a new
shape is one more entry here and one more column in ``tests/report/shape_matrix.csv``.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import analysis.sources.writers.ga4 as ga4
import analysis.sources.writers.live_center as live_center
import analysis.sources.writers.seller_center as seller_center
import analysis.sources.writers.seller_center_channels as product_list
import analysis.sources.writers.shopify as shopify
import analysis.sources.writers.tiktok_live_list as live_list
from analysis.paths import DATA_DIR
from analysis.sample.exports import sample_weeks
from analysis.sources.canonical import write_cells

#: products kept in every fixture (a few, so the reports run fast)
PRODUCTS = 3
#: the week every fixture reports (the sample's last complete week)
WEEK = "2026-W47"
#: the audience columns emptied by shape ``i``
AUDIENCE = ("age_group", "gender", "region")
#: the count columns summed when a breakdown is dropped
COUNTS = ("impressions", "views", "viewers", "clicks", "atc", "checkouts", "orders", "items",
          "revenue")  # fmt: skip


@functools.cache
def _weeks(weeks: int) -> pd.DataFrame:
    return sample_weeks(weeks)


def sample(weeks: int = 1) -> pd.DataFrame:
    """The sample's last ``weeks`` weeks, restricted to its first :data:`PRODUCTS` products."""
    cells = _weeks(weeks)
    keep = sorted(cells["product_id"].dropna().unique())[:PRODUCTS]
    return cells[cells["product_id"].isin(keep)].reset_index(drop=True)


def _live_list_alone(out: Path) -> None:
    live_list.write(sample(), out / "Creator-Live-Performance_20261122235959.xlsx", version="v1")


def _kit_exports(out: Path) -> None:
    for f in (DATA_DIR / "exports").iterdir():
        if f.is_file() and f.name != "README.md":
            shutil.copy2(f, out / f.name)


def _shopify(out: Path) -> None:
    web = sample()
    web = web[~web["is_live"].astype(bool)]
    shopify.write(web, out / "sessions_by_hour.csv", report="sessions")
    shopify.write(web, out / "orders_export.csv", report="orders")


def _ga4(out: Path) -> None:
    """GA4 events (the BigQuery export as Parquet), read by the report's kernels themselves."""
    web = sample()
    ga4.write(web[~web["is_live"].astype(bool)], out / "ga4_events.parquet")


#: product-list section -> the sample channel whose counts it carries
SECTIONS = {"LIVE": "LIVE", "VIDEO": "VIDEO", "PRODUCT_CARD": "PRODUCT_CARD"}


def _product_values(cells: pd.DataFrame) -> dict:
    """One product's values keyed ``SECTION.field`` for the 2026 product list: visitor counts of
    the sample (``viewers`` = unique clicks, ``atc`` = ATC users), event counts derived from them
    (ATC count = users + a fifth, clicks = unique clicks + a third), ``All`` = the sections plus
    a remainder of other surfaces for additive counts, affiliates empty."""
    values: dict = {}
    for section, channel in SECTIONS.items():
        c = cells[cells["channel"] == channel]
        viewers, atc = int(c["viewers"].sum()), int(c["atc"].sum())
        values |= {f"{section}.impressions": int(c["impressions"].sum()),
                   f"{section}.unique_impressions": int(c["impressions"].sum()) * 4 // 5,
                   f"{section}.viewers": viewers, f"{section}.clicks": viewers + viewers // 3,
                   f"{section}.atc": atc, f"{section}.atc_count": atc + atc // 5}  # fmt: skip
    for sub in ("LIVE", "VIDEO"):
        values |= {f"AFFILIATE.{sub}.{f}": 0 for f in ("impressions", "clicks", "atc_count",
                   "unique_impressions", "viewers", "atc")}  # fmt: skip
    for f in ("impressions", "clicks", "atc_count", "unique_impressions", "viewers", "atc"):
        total = sum(values[f"{s}.{f}"] for s in SECTIONS)
        values[f"ALL.{f}"] = total + (total // 10 if f in ("impressions", "clicks") else 0)
    values |= {
        "ALL.revenue": round(float(cells["revenue"].sum()), 2),
        "ALL.orders": int(cells["orders"].sum()),
        "ALL.items": int(cells["items"].sum()),
    }
    return values


def _product_lists(out: Path) -> None:
    """The 2026 Seller Center product list of the week alone (zh-CN UI, the declared-size quirk
    of TikTok's exporter): ATC per product and channel, no LIVE id, no hour."""
    cells = sample()
    products = [{"product_id": pid, "product_name": f"Produit {i + 1}", **_product_values(c)}
                for i, (pid, c) in enumerate(cells.groupby("product_id", sort=True))]  # fmt: skip
    first, last = (cells["start"].dt.date.agg(f) for f in ("min", "max"))
    product_list.write(products, out / "product_list_20261123.xlsx", first=first, last=last,
                       locale="zh_CN", currency="MYR", dimension="A1")  # fmt: skip


def _without(cells: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``cells`` summed over ``columns`` (the breakdown dropped, the columns left empty)."""
    keys = [c for c in cells.columns if c not in (*COUNTS, *columns, "file", "row")]
    summed = cells.groupby(keys, dropna=False, sort=True)[list(COUNTS)].sum(min_count=1)
    out = summed.reset_index()
    for c in columns:
        out[c] = pd.NA
    return out.assign(row=range(2, len(out) + 2))


def _single_live(out: Path) -> None:
    cells = sample()
    live = cells["is_live"].astype(bool)
    first = cells.loc[live, "content_id"].dropna().min()
    write_cells(cells[~live | (cells["content_id"] == first)], out / "cells.csv")


def _full(out: Path) -> None:
    write_cells(sample(weeks=2), out / "cells.csv")


def _units(out: Path) -> None:
    cells = sample()
    local = cells["start"].dt.tz_localize(None).dt.normalize()
    for day in sorted(local.unique()):
        path = out / f"product_list_{pd.Timestamp(day):%Y%m%d}.xlsx"
        seller_center.write(cells, path, day=day)
    live_center.write(cells, out)
    live_list.write(cells, out / "Creator-Live-Performance_20261122235959.xlsx")


def _no_audience(out: Path) -> None:
    write_cells(_without(sample(), AUDIENCE), out / "cells.csv")


#: the shop file of shape ``j``: creators of the LIVE list's titles (docs/shop-file.md)
SHOP_TOML = """[shop]
timezone = "Europe/Paris"
privacy_threshold = 5

[creators."@ines.glow"]
title_patterns = ["Live * avec Inès*"]

[creators."@lea.beaute"]
title_patterns = ["Live * avec Léa"]

[creators."@sarah.street"]
title_patterns = ["Live * avec Sarah"]

[creators."@maxime.street"]
title_patterns = ["Live * avec Maxime"]

[creators."@hugo.gaming"]
title_patterns = ["Live * avec Hugo"]

[creators."@chloe.maison"]
title_patterns = ["Live * avec Chloé"]
"""


def _live_list_and_shop_file(out: Path) -> None:
    """Shape ``a`` plus a ``shop.toml`` naming the creator of every LIVE title."""
    _live_list_alone(out)
    (out / "shop.toml").write_text(SHOP_TOML, encoding="utf-8")


#: shape letter (issue 12, item 8) -> (what it is, the builder writing it into a folder)
SHAPES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "a": ("a LIVE list alone (v1: no creator, no add-to-cart)", _live_list_alone),
    "b": ("the kit's own data/exports", _kit_exports),
    "c": ("Shopify sessions by hour + orders alone", _shopify),
    "d": ("GA4 events alone (as the cells the GA4 loader gives)", _ga4),
    "e": ("one week with a single LIVE", _single_live),
    "f": ("the sample, every attribute (two weeks, a few products)", _full),
    "g": ("sources with different units (product list, LIVE Center, LIVE list)", _units),
    "h": (
        "the 2026 Seller Center product list alone (ATC per product and channel)",
        _product_lists,
    ),
    "i": ("optional attributes empty (no gender, age, region)", _no_audience),
    "j": ("a LIVE list with a shop file naming its creators (item 7)", _live_list_and_shop_file),
}


def build(shape: str, root: Path) -> Path:
    """Write shape ``shape`` into ``root / shape`` and return that folder."""
    out = root / shape
    out.mkdir(parents=True, exist_ok=True)
    SHAPES[shape][1](out)
    return out
