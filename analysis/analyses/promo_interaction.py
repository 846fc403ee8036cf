r"""Does the LIVE effect differ with and without a promotion? Tested as an interaction.

"The LIVE lift is significant with a discount and not without" is not a test of a difference:
two intervals, one excluding 1 and one not, can come from nearly equal effects (Gelman & Stern
2006). :func:`live_promo_interaction` fits one binomial GLM with the LIVE x promotion interaction,

.. math::

    \operatorname{logit} p_j = \alpha + \beta\,\text{live}_j + \pi_{s(j)} +
    \delta_{s(j)}\,\text{live}_j + Z_j\gamma,

(:math:`s` the promotion state, :math:`\pi_{\text{ref}} = \delta_{\text{ref}} = 0`), clustered by
LIVE (product x day off-live), and reports the LIVE effect in each state
(:math:`\beta + \delta_s`), the difference :math:`\delta_s` of each state from the reference with
its interval and p-value, and with three or more states the joint Wald test of
:math:`\delta = 0` (:math:`F = \hat\delta' V^{-1} \hat\delta / m` on :math:`(m, \nu)` df).

A promotion state seen on one side only (flash sales run only inside LIVEs) has no LIVE effect
and is left out (its row says so).

References
----------
Gelman A, Stern H (2006). The difference between "significant" and "not significant" is not
itself statistically significant. Am Stat 60:328-331. Altman DG, Bland JM (2003). Interaction
revisited: the difference between two estimates. BMJ 326:219.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.analyses.statuses import fit_notes
from analysis.stats.clusters import cluster_ids
from analysis.stats.models import glm
from analysis.stats.reference import (
    few_clusters_note,
    reference_df,
    reference_pvalue,
    reference_quantile,
)
from analysis.status import note, status_columns, undefined
from analysis.vocabulary import check_level

__all__ = ["INTERACTION_COLUMNS", "PROMO_ADJUST", "live_promo_interaction"]

#: Columns of :func:`live_promo_interaction`.
INTERACTION_COLUMNS = (
    "term", "promo", "reference", "estimate", "se", "ci_low", "ci_high", "statistic", "pvalue",
    "df", "n_clusters", "method", "level", "status", "status_message",
)  # fmt: skip

#: default adjustment: the hour and the category mix differ between promotion states
PROMO_ADJUST = ("hour", "category")


def _states(cells: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Promotion states seen on both sides (sorted), and those seen on one side only."""
    live = cells["is_live"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    promo = cells["promo"].astype("string")
    on, off = set(promo[live].dropna()), set(promo[~live].dropna())
    return sorted(on & off), sorted((on | off) - (on & off))


def _live_clusters(sub: pd.DataFrame, cluster: str) -> int:
    """Fewest LIVE clusters (``cluster`` ids of LIVE cells) among the promotion states."""
    live = sub.loc[sub["_live"].to_numpy() == 1]
    ids = pd.Series(cluster_ids(live, cluster), index=live.index)
    return int(ids.groupby(live["_promo"].to_numpy()).nunique().min())


def _row(term, promo, ref, b, se, df, q, **extra) -> dict:
    return {
        "term": term, "promo": promo, "reference": ref, "estimate": b, "se": se,
        "ci_low": b - q * se, "ci_high": b + q * se, "statistic": b / se,
        "pvalue": reference_pvalue(b / se, df), "df": df, **extra,
    }  # fmt: skip


def _joint(delta: np.ndarray, cov: np.ndarray, df: float, ref: str, extra: dict) -> dict:
    m = len(delta)
    f = float(delta @ np.linalg.solve(cov, delta) / m)
    p = float(stats.f.sf(f, m, df) if np.isfinite(df) else stats.chi2.sf(f * m, m))
    return dict.fromkeys(INTERACTION_COLUMNS, np.nan) | extra | {
        "term": "all differences = 0", "promo": "(all)", "reference": ref, "statistic": f,
        "pvalue": p, "df": df}  # fmt: skip


def live_promo_interaction(
    cells: pd.DataFrame,
    *,
    metric: str = "atc_rate",
    adjust: Sequence[str] = PROMO_ADJUST,
    cluster: str = "content_id",
    level: float = 0.95,
) -> pd.DataFrame:
    r"""The LIVE effect per promotion state and its differences, as interaction terms of one fit.

    Parameters
    ----------
    cells : pandas.DataFrame
        Cells of both sides with ``is_live`` and ``promo``. Not modified.
    adjust : sequence of str
        Categorical fixed effects beside the interaction (default :data:`PROMO_ADJUST`).

    Returns
    -------
    pandas.DataFrame
        :data:`INTERACTION_COLUMNS`, log odds ratios: rows ``live effect`` (one per state seen on
        both sides: :math:`\beta + \delta_s`), ``difference from <reference>`` (:math:`\delta_s`,
        the test of "the LIVE effect differs with this promotion"), ``all differences = 0`` (joint
        F test, three or more states), and ``left out`` rows for states seen on one side only
        (``undefined_not_estimable``). ``n_clusters``: LIVEs of the thinnest promotion state (they
        inform the LIVE effects); t reference on :math:`\min(\nu, G_{\text{live}} - 1)` (``df``
        column, :math:`\nu` the fit's reference df). ``status``:
        ``ok``, ``few_clusters`` (fewer than 10 clusters or df < 4), ``not_clustered`` /
        ``partial`` from the fit; every row ``undefined_too_few`` with fewer than two states
        seen on both sides.
    """
    level = check_level(level)
    both, one = _states(cells)
    blank: dict[str, object] = dict.fromkeys(INTERACTION_COLUMNS, np.nan) | {"level": level}
    gone = [blank | {"term": "left out", "promo": s} | undefined(
        "undefined_not_estimable", f"promotion {s!r} is seen on one side only: no LIVE effect")
        for s in one]  # fmt: skip
    if len(both) < 2:
        why = f"{len(both)} promotion state(s) on both sides: nothing to compare"
        return pd.DataFrame([blank | {"term": "live effect"} | undefined("undefined_too_few", why),
                             *gone], columns=list(INTERACTION_COLUMNS))  # fmt: skip
    promo = cells["promo"].astype("string")
    sub = cells.loc[promo.isin(both).fillna(False).to_numpy(dtype=bool)]
    sub = sub.assign(_live=sub["is_live"].astype("boolean").fillna(False).astype(float),
                     _promo=sub["promo"].astype("string"))  # fmt: skip
    adj = "".join(f" + C({a})" for a in adjust if sub[a].nunique(dropna=True) > 1)
    result = glm(sub, f"{metric} ~ _live * C(_promo){adj}", cluster=cluster)
    info, g = result.cartlift, _live_clusters(sub, cluster)
    df = float(min(reference_df(result), g - 1))
    q, ref = reference_quantile(level, df), both[0]
    notes = list(fit_notes(info))
    few = few_clusters_note(g, df, "LIVEs in the thinnest promotion state")
    notes += [note(*few)] if few else []
    extra = {"n_clusters": g, "level": level, "method": f"{info.method}; {metric} ~ live x "
             f"promotion{adj}; df = min(fit df, LIVEs of the thinnest state - 1)"} | status_columns(notes)  # fmt: skip
    names = [f"_live:C(_promo)[T.{s}]" for s in both[1:]]
    b, v = result.params, result.cov_params()
    rows = [
        _row("live effect", ref, ref, b["_live"], np.sqrt(v.loc["_live", "_live"]), df, q, **extra)
    ]
    for s, t in zip(both[1:], names, strict=True):
        var = v.loc["_live", "_live"] + v.loc[t, t] + 2 * v.loc["_live", t]
        rows.append(_row("live effect", s, ref, b["_live"] + b[t], np.sqrt(var), df, q, **extra))
    rows += [_row(f"difference from {ref}", s, ref, b[t], np.sqrt(v.loc[t, t]), df, q, **extra)
             for s, t in zip(both[1:], names, strict=True)]  # fmt: skip
    if len(names) > 1:
        rows.append(_joint(b[names].to_numpy(), v.loc[names, names].to_numpy(), df, ref, extra))
    return pd.DataFrame([*rows, *gone], columns=list(INTERACTION_COLUMNS))
