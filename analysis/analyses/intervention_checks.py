r"""Checks of the intervention's identifying assumptions: placebo dates and the pre-period trend.

An intervention estimate (:func:`analysis.analyses.intervention.intervention`) is a change at the
date only if nothing else changed then and the series was not already moving (ITS) or the
treated and control trends were parallel (DiD). :func:`placebo_dates` re-estimates at fake dates
before the real one, on the pre-period data only; :func:`pretrend` measures the pre-period slope
(ITS) or the slope difference treated - control (DiD) with its interval.

References
----------
Bernal JL, Cummins S, Gasparrini A (2017). Interrupted time series regression for the evaluation
of public health interventions: a tutorial. Int J Epidemiol 46:348-355. Roth J (2022). Pretest
with caution: event-study estimates after testing for parallel trends. Am Econ Rev Insights
4:305-322.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.analyses.intervention import intervention
from analysis.analyses.intervention_design import (
    TREATED,
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
from analysis.analyses.intervention_fit import INTERVENTION_COLUMNS, clustered_fit
from analysis.analyses.statuses import read_status
from analysis.stats.models import coef_table
from analysis.status import status_columns, undefined
from analysis.vocabulary import INTERVENTION_CONTROLS, check_argument, check_level

__all__ = ["PRETREND_COLUMNS", "placebo_dates", "pretrend"]

#: Columns of :func:`pretrend`.
PRETREND_COLUMNS = (
    "design", "group", "date", "term", "slope", "ci_low", "ci_high", "pvalue",
    "n_clusters", "df", "method", "level", "status", "status_message",
)  # fmt: skip


def placebo_dates(
    cells: pd.DataFrame,
    *,
    date: Any,
    group: Any,
    design: str,
    shifts_weeks: Sequence[int] = (-4, -3, -2, -1),
    **kwargs: Any,
) -> pd.DataFrame:
    """Re-estimate the intervention at fake dates before the real one.

    Each placebo date is ``date + shift`` weeks (``shift < 0``), estimated on the cells before
    the real ``date`` only, so the real change cannot leak in. If the design is sound, placebo
    intervals contain 0 (about ``level`` of them); a placebo as large as the real estimate
    says the "effect" may be a trend or noise.

    Parameters
    ----------
    cells, date, group, design, **kwargs
        As :func:`analysis.analyses.intervention.intervention` (``its`` or ``did``).
    shifts_weeks : sequence of int
        Negative week shifts; shifts leaving no pre-period data on one side are reported with
        the status ``undefined_out_of_range``.

    Returns
    -------
    pandas.DataFrame
        ``placebo`` (bool: False for the real date), ``shift_weeks``, then
        :data:`analysis.analyses.intervention_fit.INTERVENTION_COLUMNS` (statuses as
        :func:`analysis.analyses.intervention.intervention`); the real estimate (all data) is
        the last row.

    Raises
    ------
    ValueError
        ``design="stacked"``, or a shift that is not negative.
    """
    if design == "stacked":
        raise ValueError("placebo_dates() takes design='its' or 'did'.")
    day = day_of(date)
    pre = cells.loc[(cells["date"] < day).to_numpy(dtype=bool)]
    frames = []
    for s in shifts_weeks:
        if s >= 0:
            raise ValueError(f"placebo shifts must be negative (weeks before the date); got {s}.")
        fake = day + pd.Timedelta(weeks=int(s))
        res = intervention(pre, date=fake, group=group, design=design, **kwargs)
        frames.append(res.assign(placebo=True, shift_weeks=int(s)))
    real = intervention(cells, date=day, group=group, design=design, **kwargs)
    frames.append(real.assign(placebo=False, shift_weeks=0))
    out = pd.concat(frames, ignore_index=True)
    return out[["placebo", "shift_weeks", *INTERVENTION_COLUMNS]]


def _pre_design(
    cells: pd.DataFrame, treated: pd.Series, pre: np.ndarray, day: pd.Timestamp, *,
    design: str, column: str, control: str, channel: str | None,
) -> tuple[pd.DataFrame, str, str]:  # fmt: skip
    """The pre-period design frame, the formula's right-hand side (before adjustment) and the
    slope term: ``t`` (ITS) or ``t x treated`` (DiD)."""
    if design == "its":
        tpre = cells.loc[pre & treated.to_numpy()]
        frame = with_design_columns(tpre, pd.Series(True, index=tpre.index), day,
                                    unit_of=lambda f: f[column])  # fmt: skip
        return frame, T, T
    ctrl = control_mask(cells, treated, column=column, control=control, channel=channel)
    keep = pre & (treated | ctrl).to_numpy()
    frame = with_design_columns(cells.loc[keep], treated.loc[keep], day,
                                unit_of=did_units(column, control))  # fmt: skip
    frame["_tt"] = frame[T] * frame[TREATED]
    return frame, f"C({UNIT}) + {T} + _tt", "_tt"


def pretrend(
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
    cluster: str = "content_id",
    vcov: str = "CR3",
    level: float = 0.95,
) -> pd.DataFrame:
    r"""Pre-period trend check: slope per week before the date, with its interval.

    ``its``: the slope :math:`\beta` of :math:`\operatorname{logit} p = \alpha + \beta t +
    \text{adjust}` on the treated cells before the date (is the series already moving?).
    ``did``: the slope difference treated - control, :math:`\beta_T` in
    :math:`\operatorname{logit} p = \alpha_u + \beta t + \beta_T T t + \text{adjust}` (are the
    trends parallel?). Both on the log-odds scale per week, with the interval
    :math:`\hat\beta \pm t_{\nu}\,se` (CR3 or CR1 cluster-robust ``se`` on
    :math:`\nu = G - 1`; CR2 on its Bell-McCaffrey df; :func:`analysis.stats.models.coef_table`).

    Parameters are those of :func:`analysis.analyses.intervention.intervention` (``vcov``
    included).

    Returns
    -------
    pandas.DataFrame
        :data:`PRETREND_COLUMNS`, one row: ``term`` (``pre-period slope`` or ``pre-period
        slope difference``), ``slope`` and interval (log-odds per week), ``pvalue`` (slope 0),
        ``status`` and ``status_message``: as :func:`analysis.analyses.intervention.intervention`
        (``ok``, ``few_clusters``, ``small_cell``, ...), or ``undefined_too_few`` (fewer than 2
        weeks of treated cells before the date).
    """
    level = check_level(level)
    check_argument("design", ("its", "did"), design)
    check_argument("control", INTERVENTION_CONTROLS, control)
    adj = adjust_terms(adjust, cells)
    day = day_of(date)
    treated = treated_cells(cells, column, group, channel)
    pre = (cells["date"] < day).to_numpy(dtype=bool)
    row: dict[str, Any] = dict.fromkeys(PRETREND_COLUMNS, np.nan)
    row |= {"design": design, "group": group_label(group), "date": day, "level": level,
            "term": "pre-period slope" if design == "its" else "pre-period slope difference"}  # fmt: skip
    tpre = cells.loc[pre & treated.to_numpy()]
    if tpre.empty or tpre["date"].nunique() < 2 or (day - tpre["date"].min()).days < 14:
        row |= undefined(
            "undefined_too_few", "fewer than 2 weeks of treated cells before the date"
        )
        return pd.DataFrame([row], columns=list(PRETREND_COLUMNS))
    frame, rhs, term = _pre_design(cells, treated, pre, day, design=design, column=column,
                                   control=control, channel=channel)  # fmt: skip
    formula = f"{metric} ~ {rhs}" + adj
    res, _ = clustered_fit(frame, formula, cluster=cluster, vcov=vcov)
    c = coef_table(res, level=level).set_index("term").loc[term]
    row |= {"slope": c["estimate"], "ci_low": c["ci_low"], "ci_high": c["ci_high"],
            "pvalue": c["pvalue"], "n_clusters": res.cartlift.n_clusters, "df": c["df"],
            "method": f"{c['method']}; {formula.split('~')[1].strip()}",
            **status_columns([read_status(c["status"], c["status_message"])])}  # fmt: skip
    return pd.DataFrame([row], columns=list(PRETREND_COLUMNS))
