r"""One-shot or durable? Live and off-live rate changes with and without promotions.

A week that looks better may only have had more flash sales or discounts. For live and off-live
cells separately, :func:`promo_trend` fits the weekly trend of the log odds twice, without and
with the promotion state (``promo``) as a fixed effect, and :func:`week_change` compares one
week with the weeks before it the same two ways. A gain that is clear without promotions and
gone with them is flagged ``one-shot (promotions)``: the rate moved because the promotion mix
moved. Binomial GLMs on aggregated counts (:func:`analysis.stats.models.glm`), cluster-robust.

A "gain" or "drop" is read off the intervals: significant when the interval at ``level``
excludes 0 (:func:`verdict`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.analyses.statuses import read_status
from analysis.stats.models import coef_table, glm
from analysis.status import Note, note, status_columns, undefined
from analysis.vocabulary import check_level
from analysis.weeks import resolve_week

__all__ = ["CHANGE_ADJUST", "CHANGE_COLUMNS", "VERDICTS", "promo_trend", "verdict", "week_change"]

#: Columns of :func:`promo_trend` and :func:`week_change`.
CHANGE_COLUMNS = (
    "side", "what", "trials", "crude", "crude_ci_low", "crude_ci_high",
    "adjusted", "adjusted_ci_low", "adjusted_ci_high", "verdict", "n_clusters", "df",
    "method", "level", "status", "status_message",
)  # fmt: skip

#: the values of ``verdict`` (a result, not a status: what the two fits say together)
VERDICTS = (
    "one-shot (promotions)", "drop explained by promotions", "durable gain", "durable drop",
    "no clear change", "unclear",
)  # fmt: skip


#: default adjustment beside ``promo`` (categorical fixed effects): the category mix moves from
#: week to week too (the hour-of-day mix of viewers is nearly the same every week, and 23 more
#: columns make each fit several times slower on 200,000 off-live cells)
CHANGE_ADJUST = ("category",)

_SIDES = (("live", True), ("off-live", False))


def verdict(crude_lo: float, crude_hi: float, adj_lo: float, adj_hi: float) -> str:
    """What the crude and the promotion-adjusted intervals say together (one of :data:`VERDICTS`).

    ``one-shot (promotions)``: a crude gain (interval above 0) whose adjusted interval contains
    0; ``drop explained by promotions`` the same for a drop; ``durable gain`` / ``durable
    drop``: the adjusted interval lies above / below 0; ``no clear change``: neither interval
    excludes 0. (``unclear``, the last branch, is not reached by these rules: a crude interval
    excluding 0 always falls in one of the cases above.)

    >>> verdict(0.1, 0.3, -0.05, 0.2)
    'one-shot (promotions)'
    """
    crude_sig = crude_lo > 0 or crude_hi < 0
    adj_sig = adj_lo > 0 or adj_hi < 0
    if crude_lo > 0 and not adj_sig:
        return "one-shot (promotions)"
    if crude_hi < 0 and not adj_sig:
        return "drop explained by promotions"
    if adj_lo > 0:
        return "durable gain"
    if adj_hi < 0:
        return "durable drop"
    return "no clear change" if not crude_sig else "unclear"


def _two_fits(
    frame: pd.DataFrame, term: str, *, metric: str, adjust: Sequence[str], cluster: str,
    level: float, side: str, what: str, notes: Sequence[Note] = (),
) -> dict[str, Any]:  # fmt: skip
    """Crude and promotion-adjusted fits of ``term``: the row, its status with ``notes``."""
    adj = "".join(f" + C({a})" for a in adjust if frame[a].nunique(dropna=True) > 1)
    promo = " + C(promo)" if frame["promo"].nunique(dropna=True) > 1 else ""
    crude = glm(frame, f"{metric} ~ {term}{adj}", cluster=cluster)
    adjusted = glm(frame, f"{metric} ~ {term}{adj}{promo}", cluster=cluster)
    c = coef_table(crude, level=level).set_index("term").loc[term]
    a = coef_table(adjusted, level=level).set_index("term").loc[term]
    row = {
        "side": side, "what": what,
        "trials": float(pd.to_numeric(frame["viewers"]).sum()),
        "crude": c["estimate"], "crude_ci_low": c["ci_low"], "crude_ci_high": c["ci_high"],
        "adjusted": a["estimate"], "adjusted_ci_low": a["ci_low"], "adjusted_ci_high": a["ci_high"],
        "n_clusters": adjusted.cartlift.n_clusters, "df": a["df"],
        "method": f"{a['method']}; crude: {term}{adj}; adjusted: + C(promo)",
        "level": level,
    }  # fmt: skip
    row["verdict"] = verdict(row["crude_ci_low"], row["crude_ci_high"],
                             row["adjusted_ci_low"], row["adjusted_ci_high"])  # fmt: skip
    notes = [read_status(a["status"], a["status_message"]), *notes]  # a's status has the fit's
    if not promo:
        notes.append(note("partial", "one promotion state only: crude = adjusted"))
    return row | status_columns(notes)


def _side_cells(cells: pd.DataFrame, is_live: bool) -> pd.DataFrame:
    """A copy of the live (or off-live) cells."""
    side = cells["is_live"].astype("boolean")
    return cells.loc[(side == is_live).fillna(False).to_numpy(dtype=bool)].copy()


def promo_trend(
    cells: pd.DataFrame,
    *,
    metric: str = "atc_rate",
    adjust: Sequence[str] = CHANGE_ADJUST,
    cluster: str = "content_id",
    level: float = 0.95,
) -> pd.DataFrame:
    r"""Weekly trend of the live and off-live rate, without and with promotions.

    :math:`\operatorname{logit} p_j = \alpha + \beta w_j + Z_j\gamma\ [+ \pi_{promo(j)}]`,
    :math:`w_j` weeks since the first day of the data.

    Returns
    -------
    pandas.DataFrame
        :data:`CHANGE_COLUMNS`, rows ``side`` = ``live`` / ``off-live``, ``what`` = ``trend
        per week``: ``crude`` and ``adjusted`` slopes (log odds per week) with intervals;
        ``verdict``: ``one-shot (promotions)`` (crude gain, none once promotions are in),
        ``drop explained by promotions``, ``durable gain``, ``durable drop``, ``no clear
        change``, ``unclear`` (:func:`verdict`). ``status`` (``status_message`` says more):
        ``ok``, ``few_clusters``, ``not_clustered`` from the adjusted fit
        (:func:`analysis.stats.models.glm`); ``partial`` (one promotion state only: crude =
        adjusted); ``undefined_no_cells`` (no cells on the side); ``undefined_too_few`` (one
        week only).
    """
    level = check_level(level)
    rows = []
    first = cells["date"].min()
    for side, flag in _SIDES:
        sub = _side_cells(cells, flag)
        blank = dict.fromkeys(CHANGE_COLUMNS, np.nan) | {"side": side, "what": "trend per week",
                                                         "level": level}  # fmt: skip
        if sub.empty:
            rows.append(blank | undefined("undefined_no_cells", f"no {side} cells"))
            continue
        sub["_w"] = (sub["date"] - first).dt.days.to_numpy(dtype=float) / 7.0
        if sub["_w"].max() - sub["_w"].min() < 1:
            rows.append(blank | undefined("undefined_too_few", f"one week of {side} cells only"))
            continue
        rows.append(_two_fits(sub, "_w", metric=metric, adjust=adjust, cluster=cluster,
                              level=level, side=side, what="trend per week"))  # fmt: skip
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


def week_change(
    cells: pd.DataFrame,
    *,
    week: str,
    previous: int = 4,
    metric: str = "atc_rate",
    adjust: Sequence[str] = CHANGE_ADJUST,
    cluster: str = "content_id",
    level: float = 0.95,
) -> pd.DataFrame:
    r"""This week against the ``previous`` weeks, live and off-live, without and with promotions.

    :math:`\operatorname{logit} p_j = \alpha + \delta\,\mathbb 1[\text{this week}] +
    Z_j\gamma\ [+ \pi_{promo(j)}]` on the cells of the week and the ``previous`` weeks before it.

    Returns
    -------
    pandas.DataFrame
        :data:`CHANGE_COLUMNS`, ``what`` = ``<week> vs <k> previous weeks``: ``crude`` and
        ``adjusted`` log odds ratios with intervals, ``verdict`` as :func:`promo_trend`.
        ``status``: as :func:`promo_trend`; ``partial`` also when the data hold fewer than
        ``previous`` weeks before (the message says how many); ``undefined_too_few`` (no
        earlier week of the side's cells); ``undefined_no_cells`` (no cells of the side this
        week).
    """
    level = check_level(level)
    wk = resolve_week(cells, week)
    lo = wk.monday - pd.Timedelta(weeks=previous)
    window = cells.loc[((cells["date"] >= lo) & (cells["date"] < wk.next_monday)).to_numpy()]
    earlier = window.loc[(window["date"] < wk.monday).to_numpy()]
    k = int(np.ceil((wk.monday - earlier["date"].min()).days / 7)) if len(earlier) else 0
    rows = []
    what = f"{wk.iso} vs {k} previous weeks"
    for side, flag in _SIDES:
        sub = _side_cells(window, flag)
        blank = dict.fromkeys(CHANGE_COLUMNS, np.nan) | {"side": side, "what": what,
                                                         "level": level}  # fmt: skip
        if k == 0 or sub.empty or not (sub["date"] < wk.monday).any():
            rows.append(blank | undefined("undefined_too_few", f"no earlier week of {side} cells"))
            continue
        if not (sub["date"] >= wk.monday).any():
            rows.append(blank | undefined("undefined_no_cells", f"no {side} cells this week"))
            continue
        sub["_this"] = (sub["date"] >= wk.monday).to_numpy(dtype=float)
        few = [note("partial", f"only {k} previous weeks (of {previous})")] if k < previous else []
        rows.append(_two_fits(sub, "_this", metric=metric, adjust=adjust, cluster=cluster,
                              level=level, side=side, what=what, notes=few))  # fmt: skip
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
