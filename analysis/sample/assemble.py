"""The drawn cells of the simulated shop as canonical cells, in the sample's row order.

:func:`assemble` labels the index-coded cells (channel, content, creator, product, category,
promo, segment), sorts them by time, channel, content, product, promo and segment, numbers them
``row`` 1..n and validates them (:func:`analysis.cells.validate_cells`, ``source='simulate'``);
the expected probabilities and the logit terms come out in the same order, keyed by ``row``
(``data/README.md``, "Data dictionary").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.cells import validate_cells
from analysis.sample.parameters import (
    AGE_GROUPS,
    CATEGORIES,
    CHANNEL_ORDER,
    CURRENCY,
    GENDERS,
    PROMO_EFFECTS,
    TZ,
)
from analysis.sample.schedule import Shop

__all__ = ["assemble"]


def assemble(
    shop: Shop,
    cells: dict[str, np.ndarray],
    counts: dict[str, np.ndarray],
    terms: pd.DataFrame,
    probabilities: tuple[np.ndarray, np.ndarray],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Canonical cells, expected probabilities and logit terms, in row order.

    Parameters
    ----------
    shop : Shop
        The drawn shop.
    cells : dict of numpy.ndarray
        From :func:`analysis.sample.traffic.draw_cells`.
    counts : dict of numpy.ndarray
        From :func:`analysis.sample.funnel.draw_counts`.
    terms : pandas.DataFrame
        From :func:`analysis.sample.effects.logit_terms` (cell order).
    probabilities : tuple of numpy.ndarray
        ``(p_atc, p_order)`` in cell order.

    Returns
    -------
    cells : pandas.DataFrame
        Validated canonical cells, ``row`` = 1..n.
    expected : pandas.DataFrame
        ``row, p_atc, p_order``.
    terms : pandas.DataFrame
        ``row`` and the columns of :func:`analysis.sample.effects.logit_terms`.
    """
    n = cells["viewers"].size
    raw = _frame(shop, cells, counts)
    content_key = np.where(pd.isna(raw["content_id"]), "", raw["content_id"]).astype(str)
    cell_ns = shop.calendar.hours_ns[cells["hour_i"]]
    order = np.lexsort((cells["gender"], cells["age"], cells["promo"], cells["product"],
                        content_key, cells["channel"], cell_ns))  # fmt: skip
    rows = np.arange(1, n + 1)
    raw = raw.iloc[order].reset_index(drop=True)
    raw["row"] = rows
    terms = terms.iloc[order].reset_index(drop=True)
    terms.insert(0, "row", rows)
    p_atc, p_order = probabilities
    expected = pd.DataFrame({"row": rows, "p_atc": p_atc[order], "p_order": p_order[order]})
    return validate_cells(raw, tz=TZ, source="simulate"), expected, terms


def _content(shop: Shop, cells: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    """Each cell's content id, content title and creator handle (None for product cards)."""
    n = cells["viewers"].size
    is_live, is_video = cells["channel"] == 0, cells["channel"] == 1
    content_ids = np.full(n, None, dtype=object)
    titles = np.full(n, None, dtype=object)
    creators = np.full(n, None, dtype=object)
    for mask, items, index in ((is_live, shop.lives, cells["content"]),
                               (is_video, shop.videos, cells["video"])):  # fmt: skip
        content_ids[mask] = np.array([x["content_id"] for x in items], dtype=object)[index[mask]]
        titles[mask] = np.array([x["title"] for x in items], dtype=object)[index[mask]]
    creator_i = cells["creator"]
    has = creator_i >= 0
    creators[has] = np.array(list(shop.creators), dtype=object)[creator_i[has]]
    return content_ids, titles, creators


def _frame(shop: Shop, cells: dict[str, np.ndarray], counts: dict[str, np.ndarray]):
    """The raw cells (cell order, before sorting and validation)."""
    n = cells["viewers"].size
    is_live = cells["channel"] == 0
    content_ids, titles, creators = _content(shop, cells)
    return pd.DataFrame(
        {
            "row": np.arange(1, n + 1),
            "start": shop.calendar.hours[cells["hour_i"]],
            "grain": "hour",
            "channel": np.array(CHANNEL_ORDER, dtype=object)[cells["channel"]],
            "content_id": content_ids,
            "content_title": titles,
            "creator": creators,
            "product_id": np.array(shop.products.ids, dtype=object)[cells["product"]],
            "category": np.array(CATEGORIES, dtype=object)[cells["category"]],
            "promo": np.array(list(PROMO_EFFECTS), dtype=object)[cells["promo"]],
            "age_group": np.array(AGE_GROUPS, dtype=object)[cells["age"]],
            "gender": np.array(GENDERS, dtype=object)[cells["gender"]],
            "region": None,
            "impressions": counts["impressions"],
            "views": pd.Series(counts["views"], dtype="Int64").where(is_live, pd.NA),
            "viewers": cells["viewers"],
            "clicks": counts["clicks"],
            "atc": counts["atc"],
            "checkouts": counts["checkouts"],
            "orders": counts["orders"],
            "items": counts["items"],
            "revenue": counts["revenue"],
            "currency": CURRENCY,
            "unit": "visitor",
        }
    )
