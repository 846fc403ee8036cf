"""The rates behind an intervention plot: treated (and control) rate per week, day or LIVE.

What :func:`analysis.present.time_plots.series_plot` draws around the date of
:func:`analysis.analyses.intervention.intervention`: each point a rate with its interval
(:func:`analysis.stats.rates.rates`), so a reader sees the pre-trend and the jump.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.analyses.intervention_design import control_mask, iso_week, treated_cells
from analysis.stats.rates import rates
from analysis.vocabulary import INTERVENTION_CONTROLS, SERIES_PERIODS, check_argument

__all__ = ["intervention_series"]


def _periods(sub: pd.DataFrame, period: str) -> tuple[pd.DataFrame, pd.Series] | None:
    """``sub`` with a ``period`` column, and each period's time; None when no cell has one."""
    sub = sub.copy()
    if period == "week":
        sub["period"] = iso_week(sub["date"])
        return sub, sub.groupby("period")["date"].min().dt.to_period("W").dt.start_time
    if period == "day":
        sub["period"] = sub["date"].dt.strftime("%Y-%m-%d")
        return sub, sub.groupby("period")["date"].min()
    if "content_id" not in sub or sub["content_id"].isna().all():
        return None
    sub = sub.loc[sub["content_id"].notna()]
    sub["period"] = sub["content_id"].astype(str)
    return sub, sub.groupby("period")["start"].min().dt.tz_localize(None)


def intervention_series(
    cells: pd.DataFrame,
    *,
    group: Any,
    column: str = "creator",
    control: str | None = None,
    channel: str | None = "LIVE",
    period: str = "week",
    metric: str = "atc_rate",
    level: float = 0.95,
) -> pd.DataFrame:
    """Rates of the treated (and control) cells per week, day or LIVE, for the pre-trend plot.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (not modified).
    group, column, channel, metric, level
        As :func:`analysis.analyses.intervention.intervention`.
    control : {"others", "offlive"} or None
        Add the control arm's series.
    period : {"week", "day", "live"}
        ``live``: one point per LIVE (``content_id``), at its first hour.

    Returns
    -------
    pandas.DataFrame
        ``arm`` (``treated`` / ``control``), ``period`` (ISO week, day, or LIVE id), ``time``
        (Monday of the week, the day, or the LIVE's first hour as a naive local time), then the
        :data:`analysis.stats.rates.RATES_COLUMNS` (Wilson / exact interval, viewers
        independent), their ``status`` as :func:`analysis.stats.rates.rates` gives it. Sorted by
        arm and time; empty when no arm has cells.
    """
    check_argument("period", SERIES_PERIODS, period)
    treated = treated_cells(cells, column, group, channel)
    arms = {"treated": treated}
    if control is not None:
        check_argument("control", INTERVENTION_CONTROLS, control)
        arms["control"] = control_mask(cells, treated, column=column, control=control,
                                       channel=channel)  # fmt: skip
    out = []
    for arm, mask in arms.items():
        sub = cells.loc[mask.to_numpy(dtype=bool)]
        found = _periods(sub, period) if not sub.empty else None
        if found is None:
            continue
        sub, when = found
        r = rates(sub, by="period", metric=metric, level=level, cluster=None)  # one LIVE: within
        r.insert(0, "arm", arm)
        r.insert(2, "time", r["period"].map(when).to_numpy())
        out.append(r)
    res = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    return res.sort_values(["arm", "time"], ignore_index=True) if len(res) else res
