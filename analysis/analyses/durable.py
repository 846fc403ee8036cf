r"""One-shot or durable? Live and off-live rate changes with and without promotions.

A week that looks better may only have had more flash sales or discounts. For live and off-live
cells separately, :func:`promo_trend` fits the weekly trend of the log odds twice, without and
with the promotion state (``promo``) as a fixed effect, and :func:`week_change` compares one
week with the weeks before it the same two ways. A gain that is clear without promotions and
gone with them is flagged ``one-shot (promotions)``: the rate moved because the promotion mix
moved. Binomial GLMs on aggregated counts (:func:`analysis.stats.models.glm`), cluster-robust.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.stats.models import glm
from analysis.weeks import resolve_week

__all__ = ["CHANGE_COLUMNS", "promo_trend", "week_change"]

#: Columns of :func:`promo_trend` and :func:`week_change`.
CHANGE_COLUMNS = (
    "side", "what", "trials", "crude", "crude_ci_low", "crude_ci_high",
    "adjusted", "adjusted_ci_low", "adjusted_ci_high", "verdict", "n_clusters", "df",
    "method", "level", "status",
)  # fmt: skip


#: default adjustment beside ``promo`` (categorical fixed effects): the category mix moves from
#: week to week too (the hour-of-day mix of viewers is nearly the same every week, and 23 more
#: columns make each fit several times slower on 200,000 off-live cells)
CHANGE_ADJUST = ("category",)

_SIDES = (("live", True), ("off-live", False))


def _verdict(crude_lo, crude_hi, adj_lo, adj_hi) -> str:
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


def _two_fits(frame, term, *, metric, adjust, cluster, level, side, what):
    from analysis.stats.models import reference_df, reference_quantile

    adj = "".join(f" + C({a})" for a in adjust if frame[a].nunique(dropna=True) > 1)
    promo = " + C(promo)" if frame["promo"].nunique(dropna=True) > 1 else ""
    crude = glm(frame, f"{metric} ~ {term}{adj}", cluster=cluster)
    adjusted = glm(frame, f"{metric} ~ {term}{adj}{promo}", cluster=cluster)
    qc, qa = (
        reference_quantile(level, reference_df(crude)),
        reference_quantile(level, reference_df(adjusted)),
    )
    bc, sc = float(crude.params[term]), float(crude.bse[term])
    ba, sa = float(adjusted.params[term]), float(adjusted.bse[term])
    row = {
        "side": side, "what": what,
        "trials": float(pd.to_numeric(frame["viewers"]).sum()),
        "crude": bc, "crude_ci_low": bc - qc * sc, "crude_ci_high": bc + qc * sc,
        "adjusted": ba, "adjusted_ci_low": ba - qa * sa, "adjusted_ci_high": ba + qa * sa,
        "n_clusters": adjusted.cartlift.n_clusters, "df": reference_df(adjusted),
        "method": f"{adjusted.cartlift.method}; crude: {term}{adj}; adjusted: + C(promo)",
        "level": level, "status": adjusted.cartlift.status,
    }  # fmt: skip
    row["verdict"] = _verdict(row["crude_ci_low"], row["crude_ci_high"],
                              row["adjusted_ci_low"], row["adjusted_ci_high"])  # fmt: skip
    if not promo:
        row["status"] += "; one promotion state only: crude = adjusted"
    return row


def _side_cells(cells, is_live: bool) -> pd.DataFrame:
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
        change``, ``unclear``; ``status`` as :func:`analysis.stats.models.glm`, or ``undefined: no
        cells`` / ``undefined: one week only``.
    """
    from analysis.vocabulary import check_level

    level = check_level(level)
    rows = []
    first = cells["date"].min()
    for side, flag in _SIDES:
        sub = _side_cells(cells, flag)
        blank = dict.fromkeys(CHANGE_COLUMNS, np.nan) | {"side": side, "what": "trend per week",
                                                         "level": level}  # fmt: skip
        if sub.empty:
            rows.append(blank | {"status": "undefined: no cells"})
            continue
        sub["_w"] = (sub["date"] - first).dt.days.to_numpy(dtype=float) / 7.0
        if sub["_w"].max() - sub["_w"].min() < 1:
            rows.append(blank | {"status": "undefined: one week only"})
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
        ``adjusted`` log odds ratios with intervals, ``verdict`` as :func:`promo_trend`;
        ``status`` adds ``only <k> previous weeks`` when the data hold fewer than ``previous``,
        ``undefined: no earlier week`` when none.
    """
    from analysis.vocabulary import check_level

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
            rows.append(blank | {"status": "undefined: no earlier week"})
            continue
        if not (sub["date"] >= wk.monday).any():
            rows.append(blank | {"status": "undefined: no cells this week"})
            continue
        sub["_this"] = (sub["date"] >= wk.monday).to_numpy(dtype=float)
        row = _two_fits(sub, "_this", metric=metric, adjust=adjust, cluster=cluster,
                        level=level, side=side, what=what)  # fmt: skip
        if k < previous:
            row["status"] += f"; only {k} previous weeks"
        rows.append(row)
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
