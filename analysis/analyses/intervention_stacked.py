r"""Stacked difference-in-differences: staggered adoption, with clean controls only.

Several units adopt a change at different dates (``date`` a mapping of
:func:`analysis.analyses.intervention.intervention` with ``design="stacked"``). For each
adoption date (cohort) a sub-experiment holds its adopters and the *clean* controls: units never
treated, or not yet treated by the end of the cohort's window, within that window. The
sub-experiments are stacked with sub-experiment-specific unit and week fixed effects and one
:math:`\delta`, so already-treated units never serve as controls (the "forbidden comparisons"
of two-way fixed effects).

References
----------
Cengiz D, Dube A, Lindner A, Zipperer B (2019). The effect of minimum wages on low-wage jobs.
Q J Econ 134:1405-1454. Wing C, Freedman SM, Hollingsworth A (2024). Stacked
difference-in-differences. NBER WP 32054. Goodman-Bacon A (2021). Difference-in-differences with
variation in treatment timing. J Econometrics 225:254-277.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from analysis.analyses.intervention_design import (
    PERIOD,
    POST,
    TP,
    TREATED,
    UNIT,
    day_of,
    with_design_columns,
)
from analysis.analyses.intervention_fit import (
    empty_row,
    fit_row,
    lives_note,
    result_frame,
    side_counts,
)
from analysis.status import note, status_columns

__all__ = ["stacked_did"]


def _window(cohort: pd.Timestamp, window_weeks: int | None, first, last) -> tuple:
    """``[lo, hi)`` of a cohort's sub-experiment: ``window_weeks`` each side, or all the data."""
    if not window_weeks:
        return first, last + pd.Timedelta(days=1)
    half = pd.Timedelta(weeks=window_weeks)
    return cohort - half, cohort + half


def _cohort(
    cells: pd.DataFrame, units: pd.Series, days: Mapping[str, pd.Timestamp], cohort, *,
    column: str, window_weeks: int | None, fit: Mapping[str, Any],
) -> tuple[dict, pd.DataFrame | None]:  # fmt: skip
    """One cohort's row, and its sub-experiment's design frame (None when it is undefined)."""
    adopters = sorted(u for u, d in days.items() if d == cohort)
    lo, hi = _window(cohort, window_weeks, cells["date"].min(), cells["date"].max())
    # clean controls: never treated, or first treated after the end of the window
    clean = [u for u in units.unique() if u not in days or days[u] >= hi]
    inside = ((cells["date"] >= lo) & (cells["date"] < hi)).to_numpy()
    is_t, is_c = units.isin(adopters).to_numpy(), units.isin(clean).to_numpy()
    tcells = cells.loc[inside & is_t]
    b, a = tcells["date"] < cohort, tcells["date"] >= cohort
    base = {"design": "stacked", "column": column, "group": ", ".join(adopters), "date": cohort,
            "cohort": f"{cohort:%Y-%m-%d}", "metric": fit["metric"],
            **side_counts(tcells.loc[b], tcells.loc[a])}  # fmt: skip
    level = fit["level"]
    if not (inside & is_c).any():
        why = note("undefined_no_control", "no clean control (never or not-yet treated)")
        return empty_row(base, level=level, notes=[why]), None
    if not b.any() or not a.any():
        side = "before" if not b.any() else "after"
        why = note("undefined_out_of_range", f"no treated cells {side} the date")
        return empty_row(base, level=level, notes=[why]), None
    sub = cells.loc[inside & (is_t | is_c)]
    tag = f"{cohort:%Y%m%d}|"
    frame = with_design_columns(sub, pd.Series(units.loc[sub.index].isin(adopters)), cohort,
                                unit_of=lambda f: tag + f[column].astype(str))  # fmt: skip
    frame[PERIOD] = tag + frame[PERIOD]
    row, notes = _did_fit(frame, base, fit)
    return row | status_columns([*notes, *lives_note(row)]), frame


def _did_fit(frame: pd.DataFrame, base: Mapping[str, Any], fit: Mapping[str, Any]) -> tuple:
    """The DiD fit with (sub-experiment) unit and week fixed effects: row and notes."""
    rhs = f"{TP} + C({UNIT}) + C({PERIOD})" + fit["adj"]
    return fit_row(frame, f"{fit['metric']} ~ {rhs}", cluster=fit["cluster"], contrast=TP,
                   level=fit["level"], base=base, vcov=fit["vcov"],
                   what="the change at the date (treated x post)")  # fmt: skip


def _stacked_row(stacks: list[pd.DataFrame], *, group: str, column: str, fit) -> dict:
    """The row of the stacked fit over every cohort's sub-experiment."""
    stacked = pd.concat(stacks, ignore_index=True)
    t = stacked[TREATED]
    tb, ta = stacked.loc[t & ~stacked[POST]], stacked.loc[t & stacked[POST]]
    base = {"design": "stacked", "column": column, "group": group, "date": pd.NaT,
            "cohort": "stacked", "metric": fit["metric"], **side_counts(tb, ta)}  # fmt: skip
    row, notes = _did_fit(stacked, base, fit)
    row["method"] = f"stacked DiD (clean controls): {row['method']}"
    return row | status_columns(notes)


def stacked_did(
    cells: pd.DataFrame,
    *,
    dates: Mapping[Any, Any],
    column: str,
    channel: str | None,
    metric: str,
    adj: str,
    cluster: str,
    window_weeks: int | None,
    level: float,
    vcov: str,
) -> pd.DataFrame:
    r"""Stacked DiD of a staggered adoption: one row per cohort, then the stacked estimate.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (not modified).
    dates : mapping
        ``{unit: first day}`` (units of ``column``; units not in it are never treated).
    column, channel, metric, cluster, window_weeks, level, vcov
        As :func:`analysis.analyses.intervention.intervention` (checked there).
    adj : str
        Adjustment terms (:func:`analysis.analyses.intervention_design.adjust_terms`).

    Returns
    -------
    pandas.DataFrame
        :data:`analysis.analyses.intervention_fit.INTERVENTION_COLUMNS`, one row per cohort
        (``cohort`` its adoption day), then ``cohort="stacked"`` when a cohort could be fitted.
        ``status``: as :func:`analysis.analyses.intervention.intervention`; a cohort is
        ``undefined_no_control`` when no unit is clean in its window, ``undefined_out_of_range``
        when its adopters have no cells before, or after, the date.

    Notes
    -----
    :math:`\operatorname{logit} p_j = \alpha_{u(j),s} + \lambda_{w(j),s} + \delta T_j P_j +
    Z_j\gamma`, *s* the sub-experiment (cohort) of the stacked row *j*.
    """
    days = {u: day_of(d) for u, d in dates.items()}
    if channel is not None:
        cells = cells.loc[(cells["channel"] == channel).fillna(False).to_numpy(dtype=bool)]
    cells = cells.loc[cells[column].notna().to_numpy(dtype=bool)]
    units = cells[column].astype(str)
    fit: dict[str, Any] = {
        "metric": metric,
        "adj": adj,
        "cluster": cluster,
        "vcov": vcov,
        "level": level,
    }
    rows, stacks = [], []
    for cohort in sorted(set(days.values())):
        row, frame = _cohort(cells, units, days, cohort, column=column,
                             window_weeks=window_weeks, fit=fit)  # fmt: skip
        rows.append(row)
        if frame is not None:
            stacks.append(frame)
    if stacks:
        rows.append(_stacked_row(stacks, group=", ".join(sorted(days)), column=column, fit=fit))
    return result_frame(rows)
