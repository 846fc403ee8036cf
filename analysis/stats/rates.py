r"""Pooled rates with confidence intervals: :func:`rates`.

:func:`rates` pools the cells of each group into one rate (a ratio of sums,
:mod:`analysis.stats.pooling`) with an interval (:mod:`analysis.stats.intervals`). It takes the
cells first, everything else keyword-only, never modifies the input, and returns a new tidy
DataFrame whose columns are the ``by`` columns then :data:`RATES_COLUMNS`. Every row says which
``method`` produced its numbers, at which confidence ``level``, and its ``status`` (a code of
:data:`analysis.vocabulary.STATUSES`) with a ``status_message``.

The two-group comparison is :func:`analysis.stats.compare.compare`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.metrics import Metric, get_metric
from analysis.stats.clustered_rates import cluster_setup, clustered_rates
from analysis.stats.intervals import binomial_interval, delta_interval
from analysis.stats.pooling import (
    CellCounts,
    Pooled,
    binomial_groups,
    by_columns,
    cells_text,
    group_ids,
    output_columns,
    pool,
    refuse_mixed_units,
    unit_label,
)
from analysis.status import Note, row_status
from analysis.vocabulary import PROPORTION_METHODS, RATIO_METHODS, check_argument, check_level

__all__ = ["RATES_COLUMNS", "RATES_DETAIL_COLUMNS", "RATES_DETAIL_ONLY_COLUMNS", "rates"]

#: Columns of :func:`rates` after the ``by`` columns (the compact default).
RATES_COLUMNS = (
    "metric", "unit", "n_cells", "successes", "trials", "rate", "ci_low", "ci_high",
    "method", "level", "status", "status_message", "n_clusters", "df",
)  # fmt: skip

#: Columns :func:`rates` adds with ``detail=True``, after :data:`RATES_COLUMNS`.
RATES_DETAIL_ONLY_COLUMNS = (
    "unclustered_ci_low", "unclustered_ci_high", "unclustered_method", "design_effect",
)  # fmt: skip

#: Every column of :func:`rates` with ``detail=True`` (after the ``by`` columns).
RATES_DETAIL_COLUMNS = RATES_COLUMNS + RATES_DETAIL_ONLY_COLUMNS


def _missing_note(p: Pooled, m: Metric, i: int) -> list[Note]:
    if p.n_missing[i] <= 0:
        return []
    what = f"{cells_text(p.n_missing[i])} excluded: missing {m.numerator} or {m.denominator}"
    return [("partial", what)]


def _proportion_note(p: Pooled, m: Metric, i: int, binomial: bool, exact: bool) -> Note:
    """The main condition of one group of a proportion metric."""
    if p.n[i] <= 0:
        return "undefined_no_viewers", f"no {m.denominator}"
    if not binomial:
        return "undefined_not_binomial", f"unit {p.units[i][0]!r} is not binomial"
    if p.n_bad[i] > 0:
        what = (
            f"{m.numerator} exceed {m.denominator}" if m.complement else "successes exceed trials"
        )
        return "undefined_not_binomial", f"{what} in {cells_text(p.n_bad[i])}"
    if exact:
        x, n = int(round(p.x[i])), int(round(p.n[i]))
        return "exact_small_cell", f"{x} successes and {n - x} failures: Clopper-Pearson"
    return "ok", ""


def _proportion_rows(p: Pooled, m: Metric, method: str, level: float, clustered: bool):
    """Viewer-level interval columns, the main notes of every group and which groups have an
    interval at all. ``clustered``: the small-cell note is left to the clustered interval."""
    x, n = p.x, p.n
    ngroups = len(x)
    lo, hi = np.full(ngroups, np.nan), np.full(ngroups, np.nan)
    used = np.full(ngroups, "none", dtype=object)
    binomial = binomial_groups(p.units)
    valid = (n > 0) & (p.n_bad == 0) & binomial
    if valid.any():
        lo[valid], hi[valid], used[valid] = binomial_interval(x[valid], n[valid], method, level)
    exact = (method == "auto") & (used == "clopper-pearson") & (not clustered)
    notes = [[_proportion_note(p, m, i, binomial[i], exact[i]), *_missing_note(p, m, i)]
             for i in range(ngroups)]  # fmt: skip
    columns = {"successes": np.rint(x).astype(np.int64), "trials": np.rint(n).astype(np.int64),
               "ci_low": lo, "ci_high": hi, "method": used.astype(str)}  # fmt: skip
    return columns, notes, valid


def _ratio_note(p: Pooled, m: Metric, i: int, valid: bool, width: float) -> Note:
    """The main condition of one group of a ratio metric (``aov``), delta method."""
    if p.n[i] <= 0:
        return "undefined_no_viewers", f"no {m.denominator}"
    if not valid:
        return "undefined_too_few", "fewer than 2 cells: no delta variance"
    if width == 0:
        return "no_variation", ""
    return "ok", ""


def _ratio_rows(p: Pooled, m: Metric, level: float, clustered: bool):
    """Delta-method interval columns, notes and defined groups of a ratio metric. With
    ``clustered`` only the no-orders note is kept (the clustered interval has its own)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(p.n > 0, p.x / p.n, np.nan)
    lo, hi, valid = delta_interval(rate, p.var, level)
    notes = []
    for i in range(len(rate)):
        main = _ratio_note(p, m, i, valid[i], p.var[i])
        keep = not clustered or main[0] == "undefined_no_viewers"
        notes.append(([main] if keep else []) + _missing_note(p, m, i))
    columns = {"successes": p.x, "trials": p.n, "ci_low": lo, "ci_high": hi,
               "method": np.where(valid, "delta", "none").astype(str)}  # fmt: skip
    return columns, notes, p.n > 0


def _interval_columns(cells, counts, gid, pooled, m, method, level, cluster):
    """The interval columns of :data:`RATES_COLUMNS` and :data:`DETAIL_ONLY_COLUMNS`."""
    ngroups = len(pooled.x)
    clusters, why_not = cluster_setup(cells, cluster)
    rows = _proportion_rows if m.kind == "proportion" else _ratio_rows
    args = (method,) if m.kind == "proportion" else ()
    columns, notes, valid = rows(pooled, m, *args, level, clusters is not None)  # type: ignore[operator]
    columns["unclustered_ci_low"] = columns["ci_low"]
    columns["unclustered_ci_high"] = columns["ci_high"]
    columns["unclustered_method"] = columns["method"]
    if clusters is None:
        columns["n_clusters"] = pd.array([pd.NA] * ngroups, dtype="Int64")
        columns["df"] = np.full(ngroups, np.inf)
        columns["design_effect"] = np.full(ngroups, np.nan)
        notes = [[*n, why_not] for n in notes]
    else:
        cr = clustered_rates(counts, gid, ngroups, clusters, valid, level=level)
        columns.update(ci_low=cr.ci_low, ci_high=cr.ci_high, method=cr.method.astype(str),
                       n_clusters=pd.array(cr.n_clusters, dtype="Int64"), df=cr.df,
                       design_effect=cr.design_effect)  # fmt: skip
        if m.kind == "ratio":  # CR2 over the delta (cells independent) variance
            with np.errstate(divide="ignore", invalid="ignore"):
                columns["design_effect"] = cr.var / pooled.var
        notes = [[*n, *c] for n, c in zip(notes, cr.notes, strict=True)]
    statuses = [row_status(n) for n in notes]
    columns["status"] = np.array([s[0] for s in statuses], dtype=object)
    columns["status_message"] = np.array([s[1] for s in statuses], dtype=object)
    return columns


def rates(
    cells: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    metric: str | Metric = "atc_rate",
    level: float = 0.95,
    method: str = "auto",
    cluster: str | Sequence[str] | None = "content_id",
    detail: bool = False,
) -> pd.DataFrame:
    r"""Pooled rate of a metric per group, with a cluster-robust confidence interval.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (:func:`analysis.sources.load.load`), or any frame with the metric's
        numerator and denominator columns, ``unit`` (proportions) or ``currency`` (``aov``),
        the ``by`` columns and the ``cluster`` column. Not modified.
    by : str or list of str, optional
        Columns to group by. Missing (NA) values form their own group. ``None``: one row for
        all cells (also when there are none).
    metric : str
        A name of :data:`analysis.metrics.METRICS`: ``atc_rate`` (default), ``conversion``,
        ``cart_to_order``, ``abandonment``, ``click_to_cart`` (proportions) or ``aov`` (ratio).
    level : float
        Confidence level of the intervals, strictly between 0 and 1.
    method : str
        The viewer-level interval (the primary one when not clustered, else the
        ``unclustered_*`` columns). Proportions: ``auto`` (default: Wilson with continuity
        correction, or exact Clopper-Pearson for fewer than
        :data:`~analysis.stats.intervals.SMALL_CELL` = 5 successes or failures), ``wilson``,
        ``wilson-cc``, ``clopper-pearson`` or ``jeffreys``. Ratio metrics: ``auto`` or
        ``delta`` (the same).
    cluster : str or None
        Cluster column (default ``content_id``: LIVE room or video; NA cells, off-live product
        cards, cluster by product x shop-local day, :mod:`analysis.stats.clusters`). None, or
        the default column absent: viewers as independent units, status ``not_clustered``.
    detail : bool
        True: add :data:`RATES_DETAIL_ONLY_COLUMNS` after the compact columns.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by the ``by`` columns (NA last), then :data:`RATES_COLUMNS`
        (``unit`` once, among the ``by`` columns, when grouping by it; other ``by`` columns
        named like an output column are refused):

        ``metric``, ``unit``
            Metric name; what one trial counts (``visitor``, ``session``, ``event``), or
            ``"<currency>/order"`` for ``aov``.
        ``n_cells``, ``successes``, ``trials``
            Cells summed (numerator and denominator present) and their sums (integers for
            proportions; total revenue and orders for ``aov``).
        ``rate``
            ``successes / trials`` (NaN without trials; shown also when its interval is
            undefined).
        ``ci_low``, ``ci_high``, ``method``
            Clustered: ``cr2-bm-logit`` (proportions), ``cr2-bm`` (``aov``),
            ``clopper-pearson`` (no successes or no failures); not clustered: ``wilson``,
            ``wilson-cc``, ``clopper-pearson``, ``jeffreys``, ``delta``; ``none`` when
            undefined (limits NaN).
        ``level``, ``status``, ``status_message``
            The level and a code of :data:`analysis.vocabulary.STATUSES` (the most serious):
            ``ok``; ``few_clusters`` (fewer than 10 clusters or df < 4,
            :func:`analysis.stats.reference.few_clusters_note`: valid but wide);
            ``exact_small_cell`` (clustered: no successes or no failures, clustering could not
            be measured, the viewer-level exact interval is shown; not clustered: ``auto`` chose
            Clopper-Pearson); ``not_clustered``; ``partial`` (cells excluded for a missing
            count); ``no_variation`` (every cluster at exactly the pooled rate: the viewer-level
            interval is shown, never a zero-width one; ``aov``: every cell the same ratio);
            ``undefined_no_viewers``; ``undefined_not_binomial``
            (numerator > denominator in a cell, or unit ``event``); ``undefined_too_few`` (one
            cluster; ``aov`` not clustered: fewer than 2 cells).
        ``n_clusters``, ``df``
            Clusters with trials (NA when not clustered) and the degrees of freedom of the t
            reference (``inf``: normal / not clustered; NaN: no clustered interval).

        Detail (``detail=True``): ``unclustered_ci_low``, ``unclustered_ci_high``,
        ``unclustered_method`` (the viewer-level interval of ``method``) and
        ``design_effect`` (CR2 over binomial variance of the rate).

    Raises
    ------
    ValueError
        For an unknown metric or method, a level outside (0, 1), a ``by`` or ``cluster``
        column the cells do not have (``content_id`` excepted), a missing count column, or a
        group whose cells mix counting units (or currencies for ``aov``).

    Notes
    -----
    The rate of a group is a ratio of sums, :math:`\hat p = \sum_i x_i / \sum_i n_i`, never a
    mean of per-cell rates. Clustered (:mod:`analysis.stats.clustered_rates`): the CR2 variance
    of :math:`\hat p` over cluster totals (Bell & McCaffrey 2002),
    :math:`\sum_g (x_g - \hat p n_g)^2/(1 - n_g/N)/N^2`, with Bell-McCaffrey / Satterthwaite df
    (Pustejovsky & Tipton 2018; :mod:`analysis.stats.cr2_sides`, pinned to R clubSandwich),
    interval on the logit scale with a t reference: viewers of one LIVE share its mood, so the
    information is in the number of LIVEs (``docs/metrics.md``, Clusters). ``aov`` uses the same
    CR2 variance of its ratio of sums on the linear scale.

    Viewer-level (binomial :math:`X \sim \mathrm{Bin}(N, p)`, :math:`z = \Phi^{-1}(1 -
    \alpha/2)`): Wilson (1927) score interval; Wilson with continuity correction (Newcombe
    1998a, method 4; R ``prop.test(correct = TRUE)``); Clopper-Pearson (1934), quantiles of
    :math:`\mathrm{Beta}(X, N-X+1)` and :math:`\mathrm{Beta}(X+1, N-X)`; Jeffreys, quantiles of
    :math:`\mathrm{Beta}(X+\tfrac12, N-X+\tfrac12)` with the boundary fix of Brown, Cai &
    DasGupta (2001). ``auto``'s exact coverage at 95% is at least 0.94 for n 20-5,000 and rates
    1-15% (``tests/stats/test_compare_adjusted.py``). ``aov`` (delta method, cells as units;
    Cochran 1977, sec. 6.3): :math:`\frac{k}{k-1}\sum_i (y_i - R x_i)^2 / X^2` over
    :math:`k \ge 2` cells, :math:`R \pm z\sqrt{\cdot}` truncated at 0.

    References
    ----------
    Bell RM, McCaffrey DF (2002). Bias reduction in standard errors for linear regression with
    multi-stage samples. Surv Methodol 28:169-181. Pustejovsky JE, Tipton E (2018). Small-sample
    methods for cluster-robust variance estimation and hypothesis testing in fixed effects
    models. J Bus Econ Stat 36:672-683. Wilson EB (1927). JASA 22:209-212. Clopper CJ, Pearson
    ES (1934). Biometrika 26:404-413. Newcombe RG (1998). Stat Med 17:857-872. Brown LD, Cai TT,
    DasGupta A (2001). Stat Sci 16:101-133. Cochran WG (1977). Sampling Techniques, 3rd ed.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.stats.rates import rates
    >>> cells = pd.DataFrame({"is_live": [True, False], "atc": [81, 15],
    ...                       "viewers": [263, 148], "unit": "visitor"})
    >>> rates(cells, by="is_live", cluster=None)[["is_live", "rate", "ci_low", "ci_high",
    ...                                            "method"]].round(4)
       is_live    rate  ci_low  ci_high     method
    0    False  0.1014  0.0598   0.1644  wilson-cc
    1     True  0.3080  0.2535   0.3682  wilson-cc
    """
    m = get_metric(metric)
    level = check_level(level)
    methods = PROPORTION_METHODS if m.kind == "proportion" else RATIO_METHODS
    method = check_argument("method", methods, method)
    by_cols = by_columns(cells, by, m, RATES_DETAIL_COLUMNS)
    gid, keys, ngroups = group_ids(cells, by_cols)
    counts = CellCounts.build(cells, m)
    pooled = pool(counts, gid, ngroups)
    refuse_mixed_units(pooled.units, keys, m, "cells")
    columns = _interval_columns(cells, counts, gid, pooled, m, method, level, cluster)
    out = keys.copy()
    out["metric"] = m.name
    if "unit" not in by_cols:  # grouping by unit: that column is the output's unit
        out["unit"] = [unit_label(u, m) for u in pooled.units]
    out["n_cells"] = pooled.n_cells
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(pooled.n > 0, pooled.x / pooled.n, np.nan)
    for name, values in columns.items():
        out[name] = values
    out["level"] = level
    wanted = RATES_DETAIL_COLUMNS if detail else RATES_COLUMNS
    return out[output_columns(by_cols, wanted)].reset_index(drop=True)
