"""Apply a shop file to cells: categories, promotions, creators, currency (``docs/shop-file.md``).

:func:`apply_shop` returns new cells and a tidy table of what it did (:data:`APPLIED_COLUMNS`),
one row per attribute, value and action:

* ``set``: the export had no value (NA); the shop file's value is written (``promo`` = ``none``
  on the days of ``shop.promotions_cover`` that no promotion covers).
* ``renamed``: a creator spelling listed in ``aliases`` becomes the creator's handle.
* ``overridden``: the export had another value and the attribute is in ``shop.override``.
* ``conflict``: the export had another value and the attribute is not in ``shop.override``
  (the export's value is kept), or a LIVE title matched the rules of two creators (left as it
  was), or a currency differs (money is never relabelled).
* ``not applied``: a promotion met cells of grain ``range`` (a period of several days, which a
  calendar of days cannot place).
* ``default``: time zone and privacy threshold, used where no argument was given.

Cells whose value already equals the shop file's are left alone and not counted.
"""

from __future__ import annotations

from dataclasses import replace
from fnmatch import fnmatchcase

import pandas as pd

from analysis.errors import ShopFileError
from analysis.sources.base import APPLIED_COLUMNS, Loaded, empty_applied
from analysis.sources.shop_file import ShopFile
from analysis.vocabulary import SHOP_ACTIONS, check_argument

__all__ = ["apply_shop", "apply_to_loaded", "shop_applied"]

FROM = "shop file"
#: ISO 4217 "no currency": what loaders write for an amount without a mark when neither the header
#: nor the locale names one (:mod:`analysis.sources.rows`); the shop's currency replaces it
NO_CURRENCY = "XXX"


def apply_shop(
    cells: pd.DataFrame, shop: ShopFile, *, tz: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply ``shop`` to ``cells``.

    Parameters
    ----------
    cells : pandas.DataFrame
        Validated canonical cells.
    shop : ShopFile
        :func:`analysis.sources.shop_file.read_shop`.
    tz : str, optional
        The ``tz`` argument the caller gave (None: the shop file's time zone was the default).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        New cells (same rows, same order) and what was applied (:data:`APPLIED_COLUMNS`).

    Raises
    ------
    analysis.errors.ShopFileError
        A product id of ``categories`` or ``promotions`` is not in the cells (a typo, or an id
        a spreadsheet rounded): the message names the line.
    """
    _check_products(cells, shop)
    out = cells.copy()
    rows: list[dict] = []
    _creators(out, shop, rows)
    for pid, category in shop.categories.items():
        mask = out["product_id"] == pid
        _assign(out, shop, rows, "category", category, mask.fillna(False), f"categories.{pid}")
    _promotions(out, shop, rows)
    _currency(out, shop, rows)
    if shop.timezone is not None:
        agrees = tz is None or tz == shop.timezone
        rows.append(_row("timezone", shop.timezone, "default" if agrees else "conflict",
                         len(out) if agrees else 0, "shop.timezone",
                         "the time zone of the times read" if agrees
                         else f"tz={tz!r} was given and kept"))  # fmt: skip
    if shop.privacy_threshold is not None:
        rows.append(_row("privacy_threshold", str(shop.privacy_threshold), "default", 0,
                         "shop.privacy_threshold", "the report masks counts below it"))  # fmt: skip
    return out, _table(rows)


def _row(attribute: str, value: str, action: str, cells: int, key: str, detail: str) -> dict:
    check_argument("action", SHOP_ACTIONS, action)
    return {"attribute": attribute, "value": value, "action": action, "cells": int(cells),
            "keys": key, "detail": detail, "from": FROM}  # fmt: skip


def _table(rows: list[dict]) -> pd.DataFrame:
    """One row per attribute, value and action: cells summed, keys and details joined."""
    if not rows:
        return empty_applied()
    frame = pd.DataFrame(rows)
    frame = frame[(frame["cells"] > 0) | frame["action"].isin(["default", "conflict"])]
    if frame.empty:
        return empty_applied()
    grouped = frame.groupby(["attribute", "value", "action"], sort=False, as_index=False).agg(
        cells=("cells", "sum"),
        keys=("keys", _join),
        detail=("detail", _join),
        **{"from": ("from", "first")},
    )
    return grouped.loc[:, list(APPLIED_COLUMNS)].astype({"cells": "Int64"}).reset_index(drop=True)


def _join(values: pd.Series) -> str:
    unique = list(dict.fromkeys(v for v in values if v))
    return "; ".join(unique[:5]) + (f"; ... {len(unique) - 5} more" if len(unique) > 5 else "")


def _assign(
    out: pd.DataFrame, shop: ShopFile, rows: list[dict], column: str, value: str,
    mask: pd.Series, key: str,
) -> None:  # fmt: skip
    """Write ``value`` into ``column`` where ``mask``: NA cells are set; cells with another
    value are overridden (``column`` in ``shop.override``) or reported as a conflict."""
    current = out[column]
    empty = mask & current.isna()
    other = mask & current.notna() & (current != value).fillna(False)
    out.loc[empty, column] = value
    rows.append(_row(column, value, "set", int(empty.sum()), key, ""))
    if other.any():
        seen = ", ".join(f"{v!r}" for v in sorted(current[other].unique())[:3])
        if column in shop.override:
            out.loc[other, column] = value
            rows.append(_row(column, value, "overridden", int(other.sum()), key,
                             f"the exports said {seen}"))  # fmt: skip
        else:
            rows.append(_row(column, value, "conflict", int(other.sum()), key,
                             f"the exports say {seen}, kept; add {column!r} to shop.override "
                             "to use the shop file's value"))  # fmt: skip


def _check_products(cells: pd.DataFrame, shop: ShopFile) -> None:
    known = set(cells["product_id"].dropna())
    listed = [(f"categories.{p}", p) for p in shop.categories]
    listed += [(p.key, pid) for p in shop.promotions for pid in (p.products or ())]
    for key, pid in listed:
        if pid not in known:
            raise ShopFileError(
                f"{shop.where(key)}: product {pid!r} is in no cell of the data read; check the "
                "id against the export (ids are text, up to 19 digits), or remove the entry "
                f"({len(known)} product ids are in the data; docs/shop-file.md)"
            )


def _creators(out: pd.DataFrame, shop: ShopFile, rows: list[dict]) -> None:
    """Aliases first (an export's spelling -> the handle), then LIVE titles (exact or glob)."""
    for c in shop.creators:
        mask = out["creator"].isin(c.aliases).fillna(False)
        out.loc[mask, "creator"] = c.handle
        rows.append(_row("creator", c.handle, "renamed", int(mask.sum()),
                         f"creators.{c.handle}.aliases", ""))  # fmt: skip
    titles = out["content_title"]
    matches: dict[str, pd.Series] = {}
    for c in shop.creators:
        if c.titles or c.title_patterns:
            matches[c.handle] = titles.isin(c.titles).fillna(False) | _glob(
                titles, c.title_patterns
            )
    if not matches:
        return
    hits = pd.DataFrame(matches)
    several = hits.sum(axis=1) > 1
    if several.any():
        names = sorted({h for h in hits.columns if (hits[h] & several).any()})
        shown = ", ".join(repr(t) for t in sorted(titles[several].dropna().unique())[:3])
        rows.append(_row("creator", " / ".join(names), "conflict", int(several.sum()),
                         "creators", f"titles {shown} match the rules of several creators; "
                         "left as they were: make the patterns narrower"))  # fmt: skip
    keys = {c.handle: ", ".join(f"creators.{c.handle}.{k}" for k in ("titles", "title_patterns")
                                if getattr(c, k)) for c in shop.creators}  # fmt: skip
    for handle, mask in matches.items():
        _assign(out, shop, rows, "creator", handle, mask & ~several, keys[handle])


def _glob(titles: pd.Series, patterns: tuple[str, ...]) -> pd.Series:
    """Titles matching any glob pattern (``*`` any text, ``?`` one character, case-sensitive)."""
    if not patterns:
        return pd.Series(False, index=titles.index)

    def match(title: object) -> bool:
        return isinstance(title, str) and any(fnmatchcase(title, p) for p in patterns)

    return titles.map(match).astype(bool)


def _promotions(out: pd.DataFrame, shop: ShopFile, rows: list[dict]) -> None:
    for p in shop.promotions:
        days = (out["date"] >= pd.Timestamp(p.start)) & (out["date"] <= pd.Timestamp(p.end))
        products = pd.Series(True, index=out.index) if p.products is None else (
            out["product_id"].isin(p.products).fillna(False)
        )  # fmt: skip
        mask = days & products
        ranged = mask & (out["grain"] == "range").fillna(False)
        if ranged.any():
            rows.append(_row("promo", p.level, "not applied", int(ranged.sum()), p.key,
                             "cells of grain 'range' span several days; a calendar of days "
                             "cannot place them"))  # fmt: skip
        _assign(out, shop, rows, "promo", p.level, mask & ~ranged, p.key)
    if shop.promotions_cover is not None:
        first, last = (pd.Timestamp(d) for d in shop.promotions_cover)
        rest = (out["date"] >= first) & (out["date"] <= last) & out["promo"].isna()
        rest &= (out["grain"] != "range").fillna(False)
        out.loc[rest, "promo"] = "none"
        rows.append(_row("promo", "none", "set", int(rest.sum()), "shop.promotions_cover",
                         "days and products no promotion covers"))  # fmt: skip


def _currency(out: pd.DataFrame, shop: ShopFile, rows: list[dict]) -> None:
    if shop.currency is None:
        return
    money = out["revenue"].notna()
    empty = money & (out["currency"].isna() | (out["currency"] == NO_CURRENCY).fillna(False))
    out.loc[empty, "currency"] = shop.currency
    rows.append(_row("currency", shop.currency, "set", int(empty.sum()), "shop.currency", ""))
    other = out["currency"].notna() & (out["currency"] != shop.currency).fillna(False)
    if other.any():
        seen = ", ".join(sorted(out.loc[other, "currency"].unique()))
        rows.append(_row("currency", shop.currency, "conflict", int(other.sum()), "shop.currency",
                         f"the exports say {seen}, kept: money is never relabelled"))  # fmt: skip


def apply_to_loaded(loaded: Loaded, shop: ShopFile, *, tz: str | None = None) -> Loaded:
    """:func:`apply_shop` on ``loaded.cells``: new cells, ``loaded.shop`` the applied table, and
    the shop file listed in ``loaded.files`` with source ``shop_file`` (no rows read)."""
    cells, applied = apply_shop(loaded.cells, shop, tz=tz)
    listed = pd.DataFrame({"file": [shop.path.name], "source": ["shop_file"], "rows_read": [0],
                           "rows_used": [0], "rows_rejected": [0], "rows_replaced": [0],
                           "cells": [0]})  # fmt: skip
    files = pd.concat([loaded.files, listed], ignore_index=True)
    return replace(loaded, cells=cells, files=files, shop=applied)  # flagged etc. kept


def shop_applied(loaded: Loaded) -> pd.DataFrame:
    """What the shop file set in ``loaded`` (``analysis.read(...)``): attribute, value, action,
    cells, keys, detail, from (``"shop file"``); empty when no shop file was applied.

    >>> import analysis as cl
    >>> cl.shop_applied(cl.read("data/sample", tz="Europe/Paris")).empty
    True
    """
    return loaded.shop.copy()
