"""Cluster ids for clustered inference: which cells share one LIVE's (or one product-day's) mood.

Viewers of one LIVE share that session's audience, host and pace; off-live viewers of one product
on one day share its price, stock and feed placement. Their add-to-carts are correlated, so the
independent units are *clusters* of cells, not viewers. :func:`cluster_ids` gives every cell the
id of its cluster; :func:`analysis.stats.models.glm` and :func:`analysis.stats.compare.compare` use it.

Rule (documented in ``docs/metrics.md``, clusters): a cell belongs to the cluster named by its
``cluster`` column (default ``content_id``: the LIVE room or the video); a cell where that column
is NA (off-live product cards have no content) falls back to **product x shop-local day**
(``product_id`` and ``date``), the unit of the off-live random effect; a cell without product or
date is its own cluster.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["FALLBACK", "cluster_ids", "cluster_label", "cluster_names"]

#: columns of the fallback cluster of a cell whose cluster column is NA
FALLBACK = ("product_id", "date")


def _keys(cells: pd.DataFrame, column: str) -> pd.Series:
    if column not in cells.columns:
        raise ValueError(
            f"`cluster` names a column the cells do not have: {column!r}. Use 'content_id' "
            "(LIVE room / video, product x day off-live), 'creator', another column, or None."
        )
    own = cells[column].astype("string")
    parts = [
        cells[c].astype("string") if c in cells.columns else pd.Series(pd.NA, index=cells.index)
        for c in FALLBACK
    ]
    fallback = ("product-day:" + parts[0].fillna("?") + "|" + parts[1].fillna("?")).astype(
        "string"
    )
    no_fallback = parts[0].isna() & parts[1].isna()
    singleton = pd.Series([f"cell:{i}" for i in range(len(cells))], index=cells.index)
    fallback = fallback.mask(no_fallback, singleton.astype("string"))
    return (column + ":" + own).fillna(fallback)


def cluster_ids(cells: pd.DataFrame, cluster: str | Sequence[str] | None) -> np.ndarray | None:
    """Integer cluster id of every cell (a new array), or ``None`` when ``cluster`` is None.

    Parameters
    ----------
    cells : pandas.DataFrame
        Cells with the ``cluster`` column(s) and, for the fallback, ``product_id`` and ``date``.
    cluster : str, list of str or None
        One column (one-way clustering), two columns (two-way: an ``(n, 2)`` array), or None.

    Returns
    -------
    numpy.ndarray or None
        ``int64`` ids 0..G-1 (``(n,)``) or ``(n, 2)`` for two columns. Cells whose column is NA
        get the product x day cluster (:data:`FALLBACK`).
    """
    if cluster is None:
        return None
    cols = [cluster] if isinstance(cluster, str) else list(cluster)
    if not 1 <= len(cols) <= 2:
        raise ValueError(f"`cluster` takes one or two columns; got {cols!r}.")
    ids = [pd.factorize(_keys(cells, c), sort=True)[0].astype(np.int64) for c in cols]
    return ids[0] if len(ids) == 1 else np.column_stack(ids)


def cluster_names(cells: pd.DataFrame, column: str) -> list[str]:
    """The readable name of each one-way cluster id of :func:`cluster_ids` (index = id), e.g.
    ``content_id:7301`` for a LIVE, ``product-day:P12|2026-11-03`` for an off-live fallback."""
    return sorted(pd.unique(_keys(cells, column)))


def cluster_label(cluster: str | Sequence[str] | None) -> str:
    """Readable name of a clustering, for ``method`` columns (e.g. ``content_id``, ``content_id + creator``)."""
    if cluster is None:
        return "none"
    cols = [cluster] if isinstance(cluster, str) else list(cluster)
    return " + ".join(cols)
