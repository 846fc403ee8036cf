r"""Two-group comparisons of a rate (live vs non-live): :func:`compare`.

:func:`compare` contrasts two groups of cells (by default LIVE vs non-live) as a difference, a
ratio and a lift, with a p-value, per ``by`` group: pooling (:mod:`analysis.stats.pooling`),
the viewer-level contrast (:mod:`analysis.stats.contrast`), the clustered contrast that is
primary by default (:mod:`analysis.stats.clustered_contrast`), then the adjusted inference
(:mod:`analysis.stats.inference`). The default result is compact
(:data:`COMPARE_COLUMNS`); ``detail=True`` returns every column (:data:`COMPARE_DETAIL_COLUMNS`,
the compact ones first).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from analysis.metrics import Metric, get_metric
from analysis.stats.clustered_contrast import (
    UNCLUSTERED_COLUMNS,
    clustered_contrast,
    primary_columns,
)
from analysis.stats.clustered_rates import cluster_setup
from analysis.stats.contrast import contrast
from analysis.stats.inference import INFERENCE_COLUMNS, Crude, Design, adjusted_inference
from analysis.stats.pooling import (
    CellCounts,
    Pooled,
    by_columns,
    cells_text,
    group_ids,
    output_columns,
    pool,
    refuse_mixed_units,
    two_groups,
    unit_label,
)
from analysis.status import Note, row_status
from analysis.vocabulary import check_level

__all__ = [
    "COMPARE_COLUMNS", "COMPARE_DETAIL_COLUMNS", "DETAIL_ONLY_COLUMNS", "INFERENCE_COLUMNS",
    "compare",
]  # fmt: skip

#: Columns of :func:`compare` (after the ``by`` columns): the compact default.
COMPARE_COLUMNS = (
    "metric", "unit", "between", "group_a", "group_b",
    "trials_a", "rate_a", "trials_b", "rate_b",
    "diff", "diff_ci_low", "diff_ci_high", "ratio", "ratio_ci_low", "ratio_ci_high",
    "pvalue", "diff_method", "ratio_method", "level", "status", "status_message",
    "n_clusters_a", "n_clusters_b", "df",
)  # fmt: skip

#: Columns :func:`compare` adds with ``detail=True``, after :data:`COMPARE_COLUMNS`.
DETAIL_ONLY_COLUMNS = (
    "n_cells_a", "successes_a", "n_cells_b", "successes_b",
    "lift", "lift_ci_low", "lift_ci_high", "pvalue_method",
    "cluster", "design_effect", "effective_trials_a", "effective_trials_b",
    *UNCLUSTERED_COLUMNS,
    "adjust", "n_strata", "adjusted_ratio", "adjusted_ratio_ci_low", "adjusted_ratio_ci_high",
    "adjusted_lift", "adjusted_lift_ci_low", "adjusted_lift_ci_high", "adjusted_pvalue",
    "adjusted_method", "simpson", "inference_status", "inference_message",
)  # fmt: skip

#: Every column of :func:`compare` with ``detail=True`` (after the ``by`` columns).
COMPARE_DETAIL_COLUMNS = COMPARE_COLUMNS + DETAIL_ONLY_COLUMNS


class _Split:
    """The cells of the two sides (and NA-``between`` cells), grouped and pooled."""

    def __init__(self, cells: pd.DataFrame, m: Metric, between: str, by_cols, groups) -> None:
        if between not in cells.columns:
            raise ValueError(f"`between` names a column the cells do not have: {between!r}.")
        if between in by_cols:
            raise ValueError(f"`between` ({between!r}) cannot also be a `by` column.")
        col = cells[between]
        self.a, self.b = two_groups(col, between, groups)
        na_between = col.isna().to_numpy(dtype=bool)
        side_a = col.eq(self.a).fillna(False).to_numpy(dtype=bool) & ~na_between
        side_b = col.eq(self.b).fillna(False).to_numpy(dtype=bool) & ~na_between
        keep = side_a | side_b | na_between
        self.cells = cells.loc[keep]
        self.counts = CellCounts.build(self.cells, m)
        self.gid, self.keys, self.ngroups = group_ids(self.cells, by_cols)
        self.in_a, self.in_b = side_a[keep], side_b[keep]
        self.pa = pool(self.counts.subset(self.in_a), self.gid[self.in_a], self.ngroups)
        self.pb = pool(self.counts.subset(self.in_b), self.gid[self.in_b], self.ngroups)
        self.n_na = np.bincount(self.gid[na_between[keep]], minlength=self.ngroups)
        self.units = [tuple(sorted(set(ua) | set(ub)))
                      for ua, ub in zip(self.pa.units, self.pb.units, strict=True)]  # fmt: skip
        refuse_mixed_units(self.units, self.keys, m,
                           f"the cells of {between}={self.a!r} and {between}={self.b!r}")  # fmt: skip

    def design(self) -> Design:
        return Design(self.cells, self.counts, self.gid, self.in_a, self.in_b, self.ngroups)


def _exclusion_notes(s: _Split, m: Metric, between: str, i: int) -> list[Note]:
    """``partial`` notes of group ``i``: cells left out for a missing count or ``between``."""
    notes: list[Note] = []
    for name, p in (("group_a", s.pa), ("group_b", s.pb)):
        if p.n_missing[i] > 0:
            notes.append(("partial", f"{cells_text(p.n_missing[i])} of {name} excluded: "
                          f"missing {m.numerator} or {m.denominator}"))  # fmt: skip
    if s.n_na[i] > 0:
        why = f"{between} is NA" + (" (channel ALL)" if between == "is_live" else "")
        notes.append(("partial", f"{cells_text(s.n_na[i])} excluded: {why}"))
    return notes


def _counts(p: Pooled, m: Metric) -> tuple[np.ndarray, np.ndarray]:
    if m.kind == "proportion":
        return np.rint(p.x).astype(np.int64), np.rint(p.n).astype(np.int64)
    return p.x, p.n


def _frame(s: _Split, m: Metric, by_cols, between: str, columns, notes, level: float):
    """The contrast columns of every group, with their status."""
    out = s.keys.copy()
    out["metric"] = m.name
    if "unit" not in by_cols:  # grouping by unit: that column is the output's unit
        out["unit"] = [unit_label(u, m) for u in s.units]
    out["between"] = between
    out["group_a"] = pd.Series([s.a] * s.ngroups, dtype=object)
    out["group_b"] = pd.Series([s.b] * s.ngroups, dtype=object)
    for side, p in (("a", s.pa), ("b", s.pb)):
        out[f"n_cells_{side}"] = p.n_cells
        out[f"successes_{side}"], out[f"trials_{side}"] = _counts(p, m)
    for name, values in columns.items():
        out[name] = values
    out["level"] = level
    statuses = [row_status(notes[i] + _exclusion_notes(s, m, between, i))
                for i in range(s.ngroups)]  # fmt: skip
    out["status"] = np.array([c for c, _ in statuses], dtype=object)
    out["status_message"] = np.array([t for _, t in statuses], dtype=object)
    return out


def compare(
    cells: pd.DataFrame,
    *,
    between: str = "is_live",
    metric: str | Metric = "atc_rate",
    by: str | Sequence[str] | None = None,
    groups: tuple[Hashable, Hashable] | None = None,
    level: float = 0.95,
    adjust: str | Sequence[str] | None = None,
    adjust_method: str = "mantel-haenszel",
    cluster: str | Sequence[str] | None = "content_id",
    detail: bool = False,
) -> pd.DataFrame:
    r"""Compare a metric between two groups of cells (default: LIVE vs non-live).

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells, or any frame with the metric's columns, ``unit`` (proportions) or
        ``currency`` (``aov``), the ``between`` column and the ``by`` columns. Not modified.
    between : str
        Column whose values define the two groups. ``is_live`` (default): ``group_a = True``
        (LIVE), ``group_b = False`` (non-live). Cells with NA in ``between`` (for ``is_live``:
        channel ``ALL``) are excluded and counted in ``status_message``.
    metric : str
        A name of :data:`analysis.metrics.METRICS`.
    by : str or list of str, optional
        One comparison per group of these columns (NA values form their own group).
    groups : tuple (a, b), optional
        The two ``between`` values to compare, ``a`` against ``b``. Required when ``between``
        is not boolean and does not have exactly two values; otherwise ``(True, False)`` for a
        boolean column and the two values in sorted order for others.
    level : float
        Confidence level, strictly between 0 and 1; the p-value is dual to the ratio interval
        at this level.
    adjust : str or list of str, optional
        Strata for the adjusted ratio (e.g. ``["hour", "category"]``, optionally ``creator``,
        ``promo``); None: no adjusted ratio.
    adjust_method : {"mantel-haenszel", "standardisation"}
        Pooling of the strata: Mantel-Haenszel rate ratio, or standardisation to group a's mix
        (observed over expected, the LIVE cells' own rate against the non-live rate of their
        strata).
    cluster : str or None
        Cluster column of the primary (clustered) and adjusted inference (default
        ``content_id``; cells where it is NA, off-live product cards, cluster by product x
        day). None, or the default column absent: viewers as independent units, the
        viewer-level columns are primary with status ``not_clustered``; any other absent name
        is an error.
    detail : bool
        False (default): the compact :data:`COMPARE_COLUMNS`. True: every column,
        :data:`COMPARE_DETAIL_COLUMNS` (the compact ones first, then
        :data:`DETAIL_ONLY_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group (sorted, NA last; groups present only in excluded NA-``between``
        cells included), with the ``by`` columns followed by :data:`COMPARE_COLUMNS` (or
        :data:`COMPARE_DETAIL_COLUMNS`); ``unit`` appears once when grouping by it, as in
        :func:`analysis.stats.rates.rates`. Compact columns:

        ``metric``, ``unit``
            As in :func:`analysis.stats.rates.rates` (one unit across both groups).
        ``between``, ``group_a``, ``group_b``
            The grouping column and the two values compared (``a`` against ``b``).
        ``trials_a``, ``rate_a``, ``trials_b``, ``rate_b``
            Pooled trials and rate of each group, as in :func:`analysis.stats.rates.rates`.
        ``diff``, ``diff_ci_low``, ``diff_ci_high``
            ``rate_a - rate_b`` and its interval (clustered: CR2, t on its own BM df).
        ``ratio``, ``ratio_ci_low``, ``ratio_ci_high``
            ``rate_a / rate_b`` (NaN when ``rate_b`` is 0; upper limit ``inf`` then) and its
            interval. Clustered: the test inversion (Fieller 1954) of the difference's t test,
            the ratios R with ``|rate_a - R rate_b| <= t * se`` (CR2, Bell-McCaffrey df of the
            contrast (1, -R)); upper limit ``inf`` when ``rate_b`` is not clearly above 0
            between its clusters (``status_message`` says so).
        ``pvalue``
            Two-sided p-value for "no difference" (``ratio = 1``). Clustered: the t test of the
            difference (CR2, Bell-McCaffrey df ``df``), ``pvalue < 1 - level`` exactly when the
            difference interval excludes 0 and exactly when the ratio interval excludes 1.
            Viewer-level: from the same method as the ratio interval, so ``pvalue <
            1 - level`` exactly when the ratio interval excludes 1.
        ``diff_method``, ``ratio_method``
            Clustered: ``cr2-bm`` and ``cr2-bm-fieller``. Viewer-level (not clustered, or no
            successes or failures on a side): ``newcombe`` (``newcombe-exact`` for small cells)
            and ``score`` (``score+exact``) for proportions, ``delta`` and ``delta-log`` for
            ``aov``; ``none`` when undefined.
        ``level``, ``status``, ``status_message``
            The level; the status code of these columns (the most serious of): ``few_clusters``
            (fewer than 10 clusters on the smaller side or df < 4: valid but wide);
            ``not_clustered``; ``undefined_too_few`` also for one cluster on a side (intervals
            NaN); ``exact_small_cell`` also when clustering could not be measured (no successes
            or failures on a side: the viewer-level exact pieces are primary); and

            * ``undefined_no_viewers``: no trials on a side (``no viewers in group_b``); that
              side's rate and every contrast NaN;
            * ``undefined_not_binomial``: successes exceed trials on a side (``orders exceed
              atc`` for ``abandonment``), or unit ``event``; contrasts NaN;
            * ``undefined_no_successes``: no successes in group_b (ratio and lift NaN, their
              intervals with upper limit ``inf`` and the p-value defined); ``aov``: zero
              revenue on a side (ratio interval NaN);
            * ``undefined_too_few`` (``aov``): one cell on a side, no delta variance;
            * ``exact_small_cell`` (viewer-level): a side with fewer than 5 successes or failures (or no
              successes in group_a: ratio 0, lower limit 0); exact pieces used;
            * ``partial``: cells excluded for a missing count or a missing ``between``;
            * ``no_variation`` (``aov``): no variation across cells on either side;
            * ``ok``.

            The message gives the specifics (which side, how many cells) of every note.
        ``n_clusters_a``, ``n_clusters_b``, ``df``
            Clusters with trials per side, and the Bell-McCaffrey degrees of freedom of the
            p-value's (the difference's) t reference (``inf``: not clustered, normal reference;
            NaN when no clustered interval).

        Detail columns (``detail=True``): ``n_cells_a``, ``successes_a`` (and ``_b``); ``lift``,
        ``lift_ci_low``, ``lift_ci_high`` (``ratio - 1`` and its interval); ``pvalue_method``
        (``cr2-bm`` when clustered, else as ``ratio_method``); ``cluster`` (``content_id``, ``none``, ...); ``design_effect``
        (clustered over binomial variance of the log ratio) and ``effective_trials_a``,
        ``effective_trials_b`` (each side's trials over its own design effect: "12,000
        viewers are worth about 3,000 independent ones"; NaN when not clustered);
        ``unclustered_diff_ci_low``, ``unclustered_diff_ci_high``, ``unclustered_ratio_ci_low``,
        ``unclustered_ratio_ci_high``, ``unclustered_pvalue``, ``unclustered_method`` (the
        viewer-level columns, viewers as independent units: too narrow for "the next LIVE");
        ``adjust``, ``n_strata`` (strata with both groups), ``adjusted_ratio`` with its
        interval, ``adjusted_lift`` with its interval, ``adjusted_pvalue``,
        ``adjusted_method`` (``mantel-haenszel; jackknife-log`` clustered,
        ``mantel-haenszel; greenland-robins`` or ``standardisation; linearised`` not
        clustered; NaN / empty when ``adjust`` is None); ``simpson`` (crude and adjusted
        ratios on opposite sides of 1); ``inference_status`` and ``inference_message``, the
        status of the adjusted columns (:func:`analysis.stats.inference.adjusted_inference`).

    Raises
    ------
    ValueError
        Unknown metric, bad ``level``, ``between`` or ``by`` columns missing (or ``between`` in
        ``by``), ``groups`` missing when needed or naming absent values, or a ``by`` group
        whose compared cells mix counting units (or currencies for ``aov``).

    Notes
    -----
    Each side is pooled as in :func:`analysis.stats.rates.rates`; the sides are treated as
    independent binomial samples :math:`X_a \sim \mathrm{Bin}(N_a, p_a)`,
    :math:`X_b \sim \mathrm{Bin}(N_b, p_b)`. With :math:`z = \Phi^{-1}(1-\alpha/2)`; a row is
    *small* when a side has fewer than 5 successes or 5 failures:

    * Difference (Newcombe 1998b, method 10, "hybrid score"): with Wilson limits
      :math:`(l_a, u_a)`, :math:`(l_b, u_b)` of each side,
      :math:`\hat d - \sqrt{(\hat p_a - l_a)^2 + (u_b - \hat p_b)^2}` to
      :math:`\hat d + \sqrt{(u_a - \hat p_a)^2 + (\hat p_b - l_b)^2}`; small rows use the
      Clopper-Pearson limits of each side in the same formula (``newcombe-exact``).
    * Ratio (Koopman 1984 score; Fagerland, Lydersen & Laake 2015 recommend it): the set of
      :math:`R` whose score statistic :math:`|\hat p_a - R\hat p_b| / \sqrt{\tilde p_a(1-
      \tilde p_a)/N_a + R^2\tilde p_b(1-\tilde p_b)/N_b} \le z`, with :math:`(\tilde p_a =
      R\tilde p_b, \tilde p_b)` the maximum-likelihood estimates under :math:`p_a = R p_b`
      (:func:`analysis.stats.proportions.score_ratio`; equals R PropCIs ``riskscoreci``).
      Small rows: union with the exact conditional interval (given :math:`X_a + X_b = t`,
      :math:`X_a \sim \mathrm{Bin}(t, N_aR/(N_aR + N_b))` for rare events).
    * p-value: the score test at :math:`R = 1` (the pooled two-proportion z-test); small rows
      the larger of it and the exact conditional (doubled smaller tail) p-value. The CI
      excludes 1 exactly when p < α (checked over every table with :math:`N \le 60` by 300).

    Exact coverage of these viewer-level intervals (95%, all outcomes enumerated,
    ``tests/stats/test_compare_adjusted.py``): at least 0.94 for every pair of sizes 20-5,000
    and rates 1%-15%. They ignore clustering: viewers of one LIVE share its mood.

    Clustered (default; :mod:`analysis.stats.clustered_contrast`): each side's CR2 variance over
    its clusters (Bell & McCaffrey 2002) and the Bell-McCaffrey / Satterthwaite df of the
    contrast (Pustejovsky & Tipton 2018; closed form in :mod:`analysis.stats.cr2_sides`, pinned
    to R clubSandwich); difference linear, ratio on the log scale by the delta method on the
    two side rates; the p-value is the difference's t test (the log ratio's delta SE, estimated
    with the rates it divides by, over-rejects: 6.1-6.4% at 5% in a log-link A/A). A seeded
    clustered A/A (``tests/stats/test_compare_adjusted.py``) keeps the rejection rate of
    ``pvalue`` within its binomial band at 10 and 30 LIVEs a side.

    Adjusted (:mod:`analysis.stats.inference`): the Mantel-Haenszel or standardised ratio
    (:func:`analysis.stats.adjusted.ratio_fit`), clustered by the delete-one-cluster jackknife
    of its log with :math:`t(\min(G_a, G_b) - 1)`; not clustered: Greenland-Robins (MH) or the
    linearisation (standardisation).

    ``aov`` (:mod:`analysis.stats.contrast`): each side's ratio of sums :math:`R` and delta
    variance :math:`V`; difference :math:`R_a - R_b \pm z\sqrt{V_a + V_b}`; ratio
    :math:`\exp(\log(R_a/R_b) \pm z s)`, :math:`s^2 = V_a/R_a^2 + V_b/R_b^2`, and the p-value
    :math:`2\bar\Phi(|\log(R_a/R_b)|/s)`.

    References
    ----------
    Newcombe RG (1998b). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Stat Med 17:873-890. Koopman PAR (1984).
    Confidence intervals for the ratio of two binomial proportions. Biometrics 40:513-517.
    Mantel N, Haenszel W (1959). J Natl Cancer Inst 22:719-748. Greenland S, Robins JM (1985).
    Biometrics 41:55-68. Binder DA (1983). On the variances of asymptotically normal estimators
    from complex surveys. Int Stat Rev 51:279-292. Fagerland MW, Lydersen S, Laake P (2015).
    Recommended confidence intervals for two independent binomial proportions. Stat Methods Med
    Res 24:224-254. Cochran WG (1977). Sampling Techniques, 3rd ed. Wiley. Bell RM, McCaffrey
    DF (2002). Surv Methodol 28:169-181. Pustejovsky JE, Tipton E (2018). J Bus Econ Stat
    36:672-683.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.stats.compare import compare
    >>> cells = pd.DataFrame({"is_live": [True, False], "atc": [70, 10],
    ...                       "viewers": [340, 340], "unit": "visitor"})
    >>> res = compare(cells, cluster=None)
    >>> res[["diff_ci_low", "diff_ci_high", "ratio_ci_low", "ratio_ci_high"]].round(3)
       diff_ci_low  diff_ci_high  ratio_ci_low  ratio_ci_high
    0         0.13         0.225          3.73         13.247
    """
    m = get_metric(metric)
    level = check_level(level)
    by_cols = by_columns(cells, by, m, COMPARE_DETAIL_COLUMNS)
    s = _Split(cells, m, between, by_cols, groups)
    con = contrast(m, s.pa, s.pb, s.units, level)
    clusters, why_not = cluster_setup(s.cells, cluster)
    cc = None
    if clusters is not None:
        cc = clustered_contrast(s.counts, s.gid, s.ngroups, s.in_a, s.in_b, clusters, con.valid,
                                (s.pa, s.pb), level=level)  # fmt: skip
    columns, notes = primary_columns(con, cc, why_not)
    out = _frame(s, m, by_cols, between, columns, notes, level)
    crude = Crude(out["ratio"].to_numpy(dtype=float), out["trials_a"].to_numpy(dtype=float),
                  con.valid, out["status"].to_numpy())  # fmt: skip
    inference = adjusted_inference(s.design(), m, crude, level=level, adjust=adjust,
                                   adjust_method=adjust_method, cluster=cluster,
                                   clusters=clusters)  # fmt: skip
    for name in INFERENCE_COLUMNS:
        out[name] = inference[name]
    columns = COMPARE_DETAIL_COLUMNS if detail else COMPARE_COLUMNS
    return out[output_columns(by_cols, columns)].reset_index(drop=True)
