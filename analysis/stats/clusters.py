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


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a column, NA as its own code (hashing, no string building)."""
    return pd.factorize(values, use_na_sentinel=False)[0].astype(np.int64)


def _ids(cells: pd.DataFrame, column: str) -> np.ndarray:
    """Cluster ids 0..G-1 of one column with the product x day fallback (module rule)."""
    if column not in cells.columns:
        raise ValueError(
            f"`cluster` names a column the cells do not have: {column!r}. Use 'content_id' "
            "(LIVE room / video, product x day off-live), 'creator', another column, or None."
        )
    own_na = cells[column].isna().to_numpy(dtype=bool)
    own = pd.factorize(cells[column])[0].astype(np.int64)  # NA: -1
    na = [cells[c].isna().to_numpy(dtype=bool) if c in cells.columns else np.ones(len(cells), bool)
          for c in FALLBACK]  # fmt: skip
    parts = [_codes(cells[c]) if c in cells.columns else np.zeros(len(cells), np.int64)
             for c in FALLBACK]  # fmt: skip
    pair = pd.factorize(parts[0] * (int(parts[1].max(initial=0)) + 1) + parts[1])[0]
    singleton = na[0] & na[1]
    n_own = int(own.max(initial=-1)) + 1
    n_pair = int(pair.max(initial=-1)) + 1
    fallback = np.where(singleton, n_own + n_pair + np.arange(len(cells)), n_own + pair)
    ids = np.where(own_na, fallback, own)
    return pd.factorize(ids)[0].astype(np.int64)  # 0..G-1


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
    ids = [_ids(cells, c) for c in cols]
    return ids[0] if len(ids) == 1 else np.column_stack(ids)


def _keys(cells: pd.DataFrame, column: str, positions: np.ndarray) -> pd.Series:
    """Readable cluster key of every cell (the same partition as :func:`_ids`); ``positions``:
    the cells' positions in the frame the ids number (a singleton is named ``cell:<position>``)."""
    own = cells[column].astype("string")
    parts = [
        cells[c].astype("string") if c in cells.columns else pd.Series(pd.NA, index=cells.index)
        for c in FALLBACK
    ]
    fallback = ("product-day:" + parts[0].fillna("?") + "|" + parts[1].fillna("?")).astype(
        "string"
    )
    no_fallback = parts[0].isna() & parts[1].isna()
    singleton = pd.Series([f"cell:{i}" for i in positions], index=cells.index)
    fallback = fallback.mask(no_fallback, singleton.astype("string"))
    return (column + ":" + own).fillna(fallback)


def cluster_names(cells: pd.DataFrame, column: str) -> list[str]:
    """The readable name of each one-way cluster id of :func:`cluster_ids` (index = id), e.g.
    ``content_id:7301`` for a LIVE, ``product-day:P12|2026-11-03`` for an off-live fallback."""
    ids = _ids(cells, column)
    _, first = np.unique(ids, return_index=True)  # every cell of a cluster has its key
    names = _keys(cells.iloc[first], column, first).to_numpy(dtype=object)
    return [str(n) for n in names]


def cluster_label(cluster: str | Sequence[str] | None) -> str:
    """Readable name of a clustering, for ``method`` columns (e.g. ``content_id``, ``content_id + creator``)."""
    if cluster is None:
        return "none"
    cols = [cluster] if isinstance(cluster, str) else list(cluster)
    return " + ".join(cols)
