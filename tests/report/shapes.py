"""The shapes of data a weekly report must handle (issue 12, item 8), as tiny fixtures.

Each builder writes one folder with the kit's own writers (:mod:`analysis.sources.writers`,
:mod:`analysis.sources.canonical`) from the embedded sample's last week(s), restricted to
:data:`PRODUCTS` so a report on it stays cheap; deterministic (the sample is fixed, the writers
use no randomness). :data:`SHAPES` maps the shape letter of the issue to its builder; a new
shape (e.g. ``h``, product lists alone, once that loader lands) is one more entry here and one
more column in ``tests/report/shape_matrix.csv``.
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
import analysis.sources.writers.shopify as shopify
import analysis.sources.writers.tiktok_live_list as live_list
from analysis.paths import DATA_DIR, SAMPLE_TZ
from analysis.sample.exports import sample_weeks
from analysis.sources.canonical import write_cells
from analysis.sources.load import load

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
    """GA4 events, read back here and written as the canonical cells they give.

    Workaround: inside a Jupyter kernel without ipywidgets, the GA4 loader's DuckDB connection
    fails on ``SET enable_progress_bar = false`` (analysis/sources/engines.py; reported to the
    lead), so the report's kernels cannot read the events file itself.
    """
    web = sample()
    events = ga4.write(web[~web["is_live"].astype(bool)], out.parent / "ga4_events.parquet")
    write_cells(load(events, tz=SAMPLE_TZ), out / "cells.csv")


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


#: shape letter (issue 12, item 8) -> (what it is, the builder writing it into a folder)
SHAPES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "a": ("a LIVE list alone (v1: no creator, no add-to-cart)", _live_list_alone),
    "b": ("the kit's own data/exports", _kit_exports),
    "c": ("Shopify sessions by hour + orders alone", _shopify),
    "d": ("GA4 events alone (as the cells the GA4 loader gives)", _ga4),
    "e": ("one week with a single LIVE", _single_live),
    "f": ("the sample, every attribute (two weeks, a few products)", _full),
    "g": ("sources with different units (product list, LIVE Center, LIVE list)", _units),
    "i": ("optional attributes empty (no gender, age, region)", _no_audience),
}


def build(shape: str, root: Path) -> Path:
    """Write shape ``shape`` into ``root / shape`` and return that folder."""
    out = root / shape
    out.mkdir(parents=True, exist_ok=True)
    SHAPES[shape][1](out)
    return out
