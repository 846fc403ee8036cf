r"""Interventions on a rate: binomial interrupted time series and difference-in-differences.

"Did adding live Q&A take her LIVE ATC from 4 % to 9 %?" is a before/after question on a rate
with a varying denominator. :func:`intervention` answers it with a binomial GLM on aggregated
counts (:func:`analysis.stats.models.glm`: two-column endog; cluster-robust SEs, the CR3
jackknife by default, t reference on G - 1 df), in one of three designs:

``its`` (interrupted time series)
    The treated cells only: :math:`\operatorname{logit} p = \alpha + \delta\,\mathrm{post} +
    \beta t\ [+ \theta\,\mathrm{post}\cdot t] + \text{adjust}`, ``t`` in weeks since the date
    (so :math:`\delta` is the level change at the date, on the log-odds scale).
``did`` (difference-in-differences)
    Treated and control cells: unit fixed effects (one per value of ``column``, or
    treated/control), ISO-week fixed effects, and :math:`\delta\,\mathrm{treated}\cdot
    \mathrm{post}`. Controls: the other values of ``column`` (``control="others"``: other creators'
    LIVEs) or the same products off-live (``control="offlive"``).
``stacked`` (staggered adoption)
    Several units adopting at different dates (``date`` a mapping). For each adoption date
    (cohort) a sub-experiment holds its adopters and the *clean* controls: units never treated
    or not yet treated by the end of the cohort's window, within that window. The sub-experiments
    are stacked with sub-experiment-specific unit and week fixed effects and one
    :math:`\delta` (Cengiz, Dube, Lindner & Zipperer 2019; Wing, Freedman & Hollingsworth
    2024), so already-treated units never serve as controls (the "forbidden comparisons" of
    two-way fixed effects, Goodman-Bacon 2021; Sun & Abraham 2021). Cohort-specific estimates
    are returned beside the stacked one.

The rate change is reported on three scales: the log odds ratio :math:`\delta` (what was
planted in the simulated sample), and the standardised rates of the treated post-period cells
with and without the change (their ratio and difference, delta method over the cluster-robust
covariance, :func:`analysis.stats.models.effects`).

This module checks the arguments and runs ITS or DiD. The stacked design is
:mod:`analysis.analyses.intervention_stacked`, the design columns
:mod:`analysis.analyses.intervention_design`, the fit and its result row
:mod:`analysis.analyses.intervention_fit`, the CR3 covariance :mod:`analysis.stats.glm_vcov`.
The checks of the identifying assumptions (placebo dates, pre-trend) are
:mod:`analysis.analyses.intervention_checks`, the plotted series
:mod:`analysis.analyses.intervention_series`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from analysis.analyses.intervention_design import (
    PERIOD,
    POST,
    TP,
    UNIT,
    T,
    adjust_terms,
    control_mask,
    day_of,
    did_units,
    group_label,
    treated_cells,
    with_design_columns,
)
from analysis.analyses.intervention_fit import (
    INTERVENTION_COLUMNS,
    MIN_LIVES,
    empty_row,
    fit_row,
    lives_note,
    result_frame,
    side_counts,
)
from analysis.analyses.intervention_stacked import stacked_did
from analysis.status import Note, note, status_columns
from analysis.vocabulary import (
    INTERVENTION_CONTROLS,
    INTERVENTION_DESIGNS,
    INTERVENTION_VCOV,
    check_argument,
    check_level,
)

__all__ = ["INTERVENTION_COLUMNS", "MIN_LIVES", "did_row", "intervention", "its_row"]


def intervention(
    cells: pd.DataFrame,
    *,
    date: Any,
    group: Any,
    design: str,
    column: str = "creator",
    control: str = "others",
    channel: str | None = "LIVE",
    metric: str = "atc_rate",
    adjust: Sequence[str] | None = None,
    slope_change: bool = False,
    cluster: str = "content_id",
    vcov: str = "CR3",
    window_weeks: int | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    r"""Estimate the change in a rate at an intervention date (ITS, DiD or stacked DiD).

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (not modified).
    date : str, Timestamp, or mapping
        First shop-local day with the change (cells with ``date >= date`` are *post*). For
        ``design="stacked"``: a mapping ``{unit: first day}`` (units of ``column``; units not
        in it are never treated) and ``group`` is ignored.
    group : str or list
        Treated value(s) of ``column`` (e.g. ``"@ines.glow"``).
    design : {"its", "did", "stacked"}
        No default: the designs answer different questions (see the module docstring).
    column : str
        The column whose values are units (default ``creator``).
    control : {"others", "offlive"}
        ``did`` only: other units' cells (same ``channel``), or the off-live cells of the
        products the treated units showed.
    channel : str or None
        Keep treated (and ``others`` control) cells of this channel only (default ``LIVE``: the
        Q&A changes the LIVEs, not the videos); None keeps every channel.
    metric : str
        A proportion metric (``atc_rate``, ``conversion``, ...).
    adjust : list of str, optional
        Cell columns entered as categorical fixed effects (e.g. ``["hour", "promo",
        "age_group", "gender", "category"]``): the change is then conditional on them.
    slope_change : bool
        ``its`` only: also fit a change of slope at the date (``post:t``). The level change
        stays the coefficient of ``post``; the standardised rates then average the level and
        slope change over the post period.
    cluster : str
        Cluster column of the robust SEs (default ``content_id``: one LIVE; off-live cells
        fall back to product x day, :mod:`analysis.stats.clusters`). ``creator`` is the
        conservative choice for ``did`` with many creators; with six it leaves 5 degrees of freedom.
    vcov : {"CR3", "CR2", "CR1"}
        Cluster-robust covariance: ``CR3`` (default; cluster jackknife,
        :func:`analysis.stats.glm_vcov.jackknife_cov`, t on G - 1 df), ``CR2`` (Bell-McCaffrey
        df per coefficient) or ``CR1`` (sandwich, t on G - 1 df). CR1 is too narrow with the
        dozen or so LIVEs of one creator (placebo coverage 0.92 at 95 %). When leaving one
        cluster out leaves a coefficient unidentified, CR2 is used and the status names that
        cluster and coefficient (``small_cell``).
    window_weeks : int, optional
        Keep cells within this many weeks on each side of the date (cohort windows of
        ``stacked``; default: all data).
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        :data:`analysis.analyses.intervention_fit.INTERVENTION_COLUMNS`, one row (``its``,
        ``did``), or one row per cohort plus a
        ``cohort="stacked"`` row (``stacked``):

        ``design``, ``column``, ``group``, ``date``, ``cohort``
            What was estimated (``group`` lists the treated units; ``cohort`` the adoption day
            for stacked rows, ``"all"`` otherwise).
        ``lives_before``, ``lives_after``, ``trials_before``, ``trials_after``
            Distinct LIVEs (``content_id``) and trials (viewers) of the treated cells before and
            after the date.
        ``log_or``, ``log_or_ci_low``, ``log_or_ci_high``, ``odds_ratio`` (+ interval), ``pvalue``
            The level change :math:`\delta` (log odds ratio) and ``exp`` of it; p-value of
            :math:`\delta = 0` (t reference: G - 1 df, Bell-McCaffrey df under CR2).
        ``rate_without``, ``rate_with``
            Standardised rate of the treated post-period cells without and with the change.
        ``diff``, ``ratio`` (+ intervals)
            ``rate_with - rate_without`` and ``rate_with / rate_without`` (delta method).
        ``n_clusters``, ``df``, ``method``, ``level``
            Clusters of the fit and t degrees of freedom of the change
            (:func:`analysis.stats.models.coef_table`), what was fitted, confidence level.
        ``status``, ``status_message``
            A code of :data:`analysis.vocabulary.STATUSES` (the most serious that applies) and
            the message listing every note: ``ok``; ``few_clusters`` (fewer than
            :data:`analysis.stats.reference.FEW_CLUSTERS` clusters inform the change, or its df
            is below 4: :func:`analysis.stats.models.coef_table`); ``not_clustered``;
            ``small_cell`` (fewer than :data:`MIN_LIVES` LIVEs on a side of the date, or a
            jackknife left undefined by one cluster: CR2 used, the message names it);
            ``partial`` (a nuisance coefficient not estimable); ``undefined_out_of_range`` (no
            treated cells before, or after, the date); ``undefined_no_control`` (no control
            cells; for a stacked cohort, no clean control); ``undefined_not_estimable`` (the
            change is not estimable from these cells).

    Notes
    -----
    ITS: :math:`x_j \sim \mathrm{Bin}(n_j, p_j)`, :math:`\operatorname{logit} p_j = \alpha +
    \delta P_j + \beta t_j + \theta P_j t_j + Z_j\gamma`. DiD: :math:`\operatorname{logit} p_j =
    \alpha_{u(j)} + \lambda_{w(j)} + \delta T_j P_j + Z_j\gamma`. Stacked: the same with
    :math:`\alpha_{u,s}`, :math:`\lambda_{w,s}` per sub-experiment *s*. Identification needs
    parallel trends on the log-odds scale (check
    :func:`analysis.analyses.intervention_checks.pretrend`) and no other change at the date
    (check :func:`analysis.analyses.intervention_checks.placebo_dates`). A single treated unit
    clustered by LIVE treats LIVEs as independent given the model: the session random effect is handled, a creator-wide
    shock at the date is not (it is indistinguishable from the intervention).

    References
    ----------
    Bernal JL, Cummins S, Gasparrini A (2017). Interrupted time series regression for the
    evaluation of public health interventions: a tutorial. Int J Epidemiol 46:348-355.
    Cengiz D, Dube A, Lindner A, Zipperer B (2019). The effect of minimum wages on low-wage
    jobs. Q J Econ 134:1405-1454. Wing C, Freedman SM, Hollingsworth A (2024). Stacked
    difference-in-differences. NBER WP 32054. Sun L, Abraham S (2021). Estimating dynamic
    treatment effects in event studies with heterogeneous treatment effects. J Econometrics
    225:175-199. Goodman-Bacon A (2021). Difference-in-differences with variation in treatment
    timing. J Econometrics 225:254-277.
    """
    level = check_level(level)
    check_argument("design", INTERVENTION_DESIGNS, design)
    check_argument("control", INTERVENTION_CONTROLS, control)
    check_argument("vcov", INTERVENTION_VCOV, vcov)
    adj = adjust_terms(adjust, cells)
    fit: dict[str, Any] = {"metric": metric, "adj": adj, "cluster": cluster, "vcov": vcov,
                           "level": level}  # fmt: skip
    if design == "stacked":
        if not isinstance(date, Mapping):
            raise ValueError("design='stacked' takes date={unit: first day, ...}.")
        return stacked_did(cells, dates=date, column=column, channel=channel,
                           window_weeks=window_weeks, **fit)  # fmt: skip
    if isinstance(date, Mapping):
        raise ValueError(f"design={design!r} takes one date; a mapping needs design='stacked'.")
    day = day_of(date)
    cells, treated = _near(cells, treated_cells(cells, column, group, channel), day, window_weeks)
    tcells = cells.loc[treated]
    before, after = tcells["date"] < day, tcells["date"] >= day
    base = {"design": design, "column": column, "group": group_label(group), "date": day,
            "cohort": "all", "metric": metric,
            **side_counts(tcells.loc[before], tcells.loc[after])}  # fmt: skip
    if not before.any() or not after.any():
        side = "before" if not before.any() else "after"
        why = note("undefined_out_of_range", f"no treated cells {side} the date")
        return result_frame([empty_row(base, level=level, notes=[why])])
    if design == "its":
        frame = with_design_columns(tcells, treated.loc[treated], day,
                                    unit_of=lambda f: f[column])  # fmt: skip
        row, notes = its_row(frame, slope_change=slope_change, base=base, **fit)
    else:
        ctrl = control_mask(cells, treated, column=column, control=control, channel=channel)
        if not ctrl.any():
            why = note("undefined_no_control", f"no {control!r} control cells")
            return result_frame([empty_row(base, level=level, notes=[why])])
        keep = (treated | ctrl).to_numpy()
        frame = with_design_columns(cells.loc[keep], treated.loc[keep], day,
                                    unit_of=did_units(column, control))  # fmt: skip
        row, notes = did_row(frame, control=control, base=base, **fit)
    return result_frame([row | status_columns([*notes, *lives_note(row)])])


def _near(
    cells: pd.DataFrame, treated: pd.Series, day: pd.Timestamp, window_weeks: int | None
) -> tuple[pd.DataFrame, pd.Series]:
    """The cells (and treated mask) within ``window_weeks`` of ``day``; all when None."""
    if window_weeks is None:
        return cells, treated
    near = ((cells["date"] - day).abs() < pd.Timedelta(weeks=window_weeks)).to_numpy()
    return cells.loc[near], treated.loc[near]


def its_row(
    frame: pd.DataFrame,
    *,
    metric: str,
    adj: str,
    slope_change: bool,
    cluster: str,
    vcov: str,
    level: float,
    base: Mapping[str, Any],
) -> tuple[dict, list[Note]]:
    r"""The ITS fit on the treated design frame: :math:`\delta` of ``post`` (+ ``post:t``).

    ``frame`` holds the treated cells with the columns of
    :func:`analysis.analyses.intervention_design.with_design_columns`; ``adj`` the adjustment
    terms. Returns the row (no status yet) and its notes, as
    :func:`analysis.analyses.intervention_fit.fit_row`.
    """
    rhs = f"{POST} + {T}" + (f" + {POST}:{T}" if slope_change else "") + adj
    return fit_row(frame, f"{metric} ~ {rhs}", cluster=cluster, contrast=POST, level=level,
                   base=base, vcov=vcov, what="the level change at the date (post)")  # fmt: skip


def did_row(
    frame: pd.DataFrame,
    *,
    control: str,
    metric: str,
    adj: str,
    cluster: str,
    vcov: str,
    level: float,
    base: Mapping[str, Any],
) -> tuple[dict, list[Note]]:
    r"""The DiD fit on treated + control cells: unit and ISO-week fixed effects, :math:`\delta`
    of treated x post.

    Returns the row (``method`` prefixed with ``DiD vs <control>``; no status yet) and its
    notes, as :func:`analysis.analyses.intervention_fit.fit_row`.
    """
    rhs = f"{TP} + C({UNIT}) + C({PERIOD})" + adj
    row, notes = fit_row(frame, f"{metric} ~ {rhs}", cluster=cluster, contrast=TP, level=level,
                         base=base, vcov=vcov, what="the change at the date (treated x post)")  # fmt: skip
    row["method"] = f"DiD vs {control}: {row['method']}"
    return row, notes
