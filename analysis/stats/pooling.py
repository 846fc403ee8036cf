r"""Pooling cells into groups: argument checks, group ids, per-group sums, unit checks.

The shared first steps of :func:`analysis.stats.rates.rates` and
:func:`analysis.stats.compare.compare`: check the ``by`` columns, give each cell the id of its
group, read a metric's per-cell counts (:class:`CellCounts`), and sum them per group
(:func:`pool`) as a ratio of sums :math:`\sum_i x_i / \sum_i n_i`, never a mean of per-cell
rates. A group whose cells mix counting units (or currencies) is refused
(:func:`refuse_mixed_units`): sessions per visitor is not one rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.metrics import Metric, metric_counts
from analysis.vocabulary import BINOMIAL_UNITS

__all__ = [
    "CellCounts", "Pooled", "binomial_groups", "by_columns", "cells_text", "group_ids",
    "output_columns", "pool", "refuse_mixed_units", "two_groups", "unit_label",
]  # fmt: skip


def by_columns(
    cells: pd.DataFrame, by: str | Sequence[str] | None, m: Metric, output: Sequence[str]
) -> list[str]:
    """The ``by`` columns as a list, checked against the cells and the ``output`` columns.

    Raises ``ValueError`` for a column the cells lack, a repeated column, or a column named
    like an output column (``unit`` is allowed for proportions: it *is* the output's unit).
    """
    if by is None:
        return []
    cols = [by] if isinstance(by, str) else list(by)
    missing = [c for c in cols if c not in cells.columns]
    if missing:
        raise ValueError(f"`by` names columns the cells do not have: {missing}.")
    if len(set(cols)) != len(cols):
        raise ValueError(f"`by` repeats a column: {cols}.")
    clash = [c for c in cols if c in output and not (c == "unit" and m.kind == "proportion")]
    if clash:
        raise ValueError(
            f"`by` column(s) {clash} have the name of an output column; rename them first "
            f"(e.g. cells.rename(columns={{{clash[0]!r}: {clash[0] + '_'!r}}}))."
        )
    return cols


def output_columns(by_cols: list[str], columns: Sequence[str]) -> list[str]:
    """The ``by`` columns, then ``columns`` (one ``unit`` when grouping by it)."""
    return [*by_cols, *(c for c in columns if c not in by_cols)]


def group_ids(frame: pd.DataFrame, by_cols: list[str]) -> tuple[np.ndarray, pd.DataFrame, int]:
    """Group id of every row, the key table and the number of groups.

    NA keys form their own group; groups are sorted by their keys, NA last. Without ``by``
    columns every row is in group 0 (one group, also for an empty frame).
    """
    if not by_cols:
        return np.zeros(len(frame), dtype=np.intp), pd.DataFrame(index=pd.RangeIndex(1)), 1
    grouped = frame.groupby(by_cols, dropna=False, sort=True, observed=True)
    gid = grouped.ngroup().to_numpy(dtype=np.intp)
    _, first = np.unique(gid, return_index=True)  # first row of each group, in group order
    keys = frame[by_cols].iloc[first].reset_index(drop=True)
    return gid, keys, grouped.ngroups


def cells_text(k: float) -> str:
    """``"1 cell"`` or ``"k cells"``."""
    return f"{int(k)} cell" if int(k) == 1 else f"{int(k)} cells"


def _key_label(keys: pd.DataFrame, i: int) -> str:
    if keys.shape[1] == 0:
        return "all cells"
    return ", ".join(f"{c}={keys.iloc[i][c]!r}" for c in keys.columns)


@dataclass
class CellCounts:
    """Per-cell arrays of one metric: successes ``x``, trials ``n``, completeness, violations
    (complete proportion cells outside ``0 <= x <= n``) and unit (counting unit for proportions,
    currency for ratios; ``"<NA>"`` when missing)."""

    x: np.ndarray
    n: np.ndarray
    complete: np.ndarray
    bad: np.ndarray
    unit: np.ndarray
    metric: Metric

    @classmethod
    def build(cls, cells: pd.DataFrame, m: Metric) -> CellCounts:
        """Counts of metric ``m`` in ``cells``; ``ValueError`` without a unit/currency column."""
        counts = metric_counts(cells, m)
        x = counts["successes"].to_numpy(dtype=float)
        n = counts["trials"].to_numpy(dtype=float)
        complete = counts["complete"].to_numpy(dtype=bool)
        col = "unit" if m.kind == "proportion" else "currency"
        bad = complete & ((x > n) | (x < 0)) if m.kind == "proportion" else np.zeros(len(x), bool)
        if col not in cells.columns:
            raise ValueError(
                f"The cells have no {col!r} column, needed by metric {m.name!r} to check that "
                f"pooled counts share one {'counting unit' if col == 'unit' else 'currency'}."
            )
        unit = cells[col].astype("string").fillna("<NA>").to_numpy(dtype=object)
        return cls(x, n, complete, bad, unit, m)

    def subset(self, mask: np.ndarray) -> CellCounts:
        """The cells selected by the boolean ``mask``."""
        return CellCounts(
            self.x[mask], self.n[mask], self.complete[mask], self.bad[mask], self.unit[mask],
            self.metric,
        )  # fmt: skip


@dataclass
class Pooled:
    """Per-group sums (arrays of length ``ngroups``) of the complete cells: cells used,
    cells missing a count, successes, trials, cells violating ``0 <= x <= n``, the units
    present, and the delta-method variance of the ratio of sums (ratio metrics; NaN for
    proportions)."""

    n_cells: np.ndarray
    n_missing: np.ndarray
    x: np.ndarray
    n: np.ndarray
    n_bad: np.ndarray
    units: list[tuple[str, ...]]
    var: np.ndarray


def _units(c: CellCounts, gid: np.ndarray, ngroups: int) -> list[tuple[str, ...]]:
    """Units of the cells entering each group's sums; of all its cells when none does."""
    used: list[set[str]] = [set() for _ in range(ngroups)]
    other: list[set[str]] = [set() for _ in range(ngroups)]
    pairs = pd.DataFrame({"g": gid, "u": c.unit, "ok": c.complete}).drop_duplicates()
    for g, u, is_ok in pairs.itertuples(index=False):
        (used if is_ok else other)[g].add(u)
    return [tuple(sorted(u or (o | u))) for u, o in zip(used, other, strict=True)]


def pool(c: CellCounts, gid: np.ndarray, ngroups: int) -> Pooled:
    r"""Sum the complete cells of each group.

    For ratio metrics also the delta-method variance of :math:`R = X/N` over the :math:`k`
    cells of a group (Cochran 1977, sec. 6.3),
    :math:`\frac{k}{k-1}\sum_i (x_i - R n_i)^2 / N^2` (NaN for :math:`k < 2`).

    References
    ----------
    Cochran WG (1977). Sampling Techniques, 3rd ed. Wiley.
    """
    ok = c.complete

    def total(w: Any) -> np.ndarray:
        return np.bincount(gid, weights=np.asarray(w, dtype=float), minlength=ngroups)

    n_cells = total(ok).astype(np.int64)
    x = total(np.where(ok, c.x, 0.0))
    n = total(np.where(ok, c.n, 0.0))
    var = np.full(ngroups, np.nan)
    if c.metric.kind == "ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(n > 0, x / n, np.nan)
            resid = np.where(ok, c.x - r[gid] * c.n, 0.0)
            k = n_cells.astype(float)
            var = np.where((k >= 2) & (n > 0), k / (k - 1) * total(resid**2) / n**2, np.nan)
    return Pooled(
        n_cells=n_cells, n_missing=total(~ok).astype(np.int64), x=x, n=n,
        n_bad=total(c.bad).astype(np.int64), units=_units(c, gid, ngroups), var=var,
    )  # fmt: skip


def refuse_mixed_units(
    units_per_group: Sequence[tuple[str, ...]], keys: pd.DataFrame, m: Metric, what: str
) -> None:
    """``ValueError`` naming the groups whose cells mix counting units (currencies for ratios)."""
    mixed = [i for i, u in enumerate(units_per_group) if len(u) > 1]
    if not mixed:
        return
    col = "unit" if m.kind == "proportion" else "currency"
    lines = [f"{_key_label(keys, i)}: {list(units_per_group[i])}" for i in mixed[:5]]
    more = f" (and {len(mixed) - 5} more groups)" if len(mixed) > 5 else ""
    raise ValueError(
        f"Refusing to pool {what} with different `{col}` values for metric {m.name!r}: "
        + "; ".join(lines)
        + more
        + f". A rate pooled over mixed {col}s is not one rate (e.g. sessions per visitor). "
        f"Filter the cells to one {col}, or add {col!r} to `by`."
    )


def unit_label(units: tuple[str, ...], m: Metric) -> str:
    """The output ``unit``: the counting unit, or ``"<currency>/order"`` for ratio metrics."""
    if m.kind == "ratio":
        per = m.denominator.removesuffix("s")  # "orders" -> "EUR/order"
        return f"{units[0]}/{per}" if units and units[0] != "<NA>" else per
    return units[0] if units else "<NA>"


def binomial_groups(units_per_group: Sequence[tuple[str, ...]]) -> np.ndarray:
    """True for the groups whose (one) unit counts people (:data:`BINOMIAL_UNITS`)."""
    return np.array([bool(u) and u[0] in BINOMIAL_UNITS for u in units_per_group], dtype=bool)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _checked_pair(col: pd.Series, between: str, groups: Any) -> tuple[Any, Any]:
    if isinstance(groups, str) or not isinstance(groups, Sequence) or len(groups) != 2:
        raise ValueError(f"`groups` must be a pair (a, b) of {between!r} values; got {groups!r}.")
    a, b = (_plain(g) for g in groups)
    if a == b:
        raise ValueError(f"`groups` must name two different values; got {groups!r}.")
    absent = [g for g in (a, b) if not col.eq(g).fillna(False).astype(bool).any()]
    if absent:
        present = sorted(map(_plain, pd.unique(col.dropna())), key=str)
        raise ValueError(
            f"`groups` value(s) {absent} do not occur in column {between!r}; its values are "
            f"{present[:20]}."
        )
    return a, b


def two_groups(col: pd.Series, between: str, groups: Any = None) -> tuple[Any, Any]:
    """The two values of column ``between`` compared, ``a`` against ``b``.

    Parameters
    ----------
    col : pandas.Series
        The ``between`` column of the cells.
    between : str
        Its name (for messages; ``is_live`` is read as boolean).
    groups : pair, optional
        The two values; checked to be different and present.

    Returns
    -------
    tuple
        ``groups``; else ``(True, False)`` for a boolean column, or the column's two values in
        sorted order. ``ValueError`` when neither applies.
    """
    if groups is not None:
        return _checked_pair(col, between, groups)
    present = pd.unique(col.dropna())
    if between == "is_live" or pd.api.types.is_bool_dtype(col):
        if not [v for v in present if v not in (True, False)]:
            return True, False
    if len(present) == 2:
        a, b = sorted((_plain(v) for v in present), key=str)
        return a, b
    raise ValueError(
        f"compare(between={between!r}) needs `groups=(a, b)`: the column has {len(present)} "
        f"distinct values, not 2 ({sorted(map(_plain, present), key=str)[:20]})."
    )
