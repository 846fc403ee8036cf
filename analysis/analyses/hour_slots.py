r"""Pooled hour-of-day slots: each hour against its side's average hour, and the best slots.

* :func:`hour_contrasts`: every hour against the side's average hour (a GLM per side with one
  coefficient per hour), p-values adjusted across the family (Benjamini-Hochberg by default,
  robust to undefined p-values: :func:`analysis.stats.multiple.adjust_pvalues`);
* :func:`best_slots`: per side and hour, the pooled rate, its empirical-Bayes shrunken rate
  (:func:`analysis.stats.shrinkage.shrink`) and the adjusted p-value, best slots first.

Crude within each side: for the hour curve at a fixed mix of categories, creators and segments
use the cyclic model of :mod:`analysis.analyses.hour_model`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.analyses.hour_model import side_label, trials_by_hour
from analysis.analyses.statuses import fit_status, read_status
from analysis.stats.models import contrast_table, glm
from analysis.stats.multiple import adjust_pvalues
from analysis.stats.reference import few_clusters_note
from analysis.stats.shrinkage import shrink
from analysis.status import Note, combine, note
from analysis.vocabulary import PVALUE_ADJUSTMENTS, check_argument, check_level, is_undefined

__all__ = ["CONTRAST_COLUMNS", "SLOT_COLUMNS", "best_slots", "hour_contrasts"]

#: Columns of :func:`hour_contrasts`.
CONTRAST_COLUMNS = (
    "is_live", "hour", "successes", "trials", "rate", "odds_ratio", "ci_low", "ci_high",
    "pvalue", "pvalue_adjusted", "adjust_method", "method", "level", "status", "status_message",
)  # fmt: skip
#: Columns of :func:`best_slots`.
SLOT_COLUMNS = (
    "rank", "is_live", "hour", "successes", "trials", "rate", "shrunk_rate", "ci_low",
    "ci_high", "odds_ratio", "pvalue_adjusted", "method", "level", "status", "status_message",
)  # fmt: skip


def _count_row(r, live: bool, level: float, found: Note) -> dict:
    """A contrast row of the pooled counts ``r`` with no estimate, status ``found``."""
    return {"is_live": live, "hour": int(r.hour), "successes": r.successes, "trials": r.trials,
            "rate": r.rate, "method": "", "level": level, "status": found[0],
            "status_message": found[1]}  # fmt: skip


def _few(res, df: float) -> list[Note]:
    """The ``few_clusters`` note of a contrast on ``df`` degrees of freedom (none unclustered)."""
    n = res.cartlift.n_clusters
    if n is None:
        return []
    found = few_clusters_note(float(min(n) if isinstance(n, tuple) else n), df, "clusters")
    return [note(*found)] if found else []


def _degenerate_status(r, live: bool) -> Note:
    """An hour where nobody (or everybody) converted: its log-odds are infinite."""
    if r.successes == 0:
        return note("undefined_no_successes", f"no {side_label(live)} successes at hour "
                      f"{int(r.hour)}: its log-odds are -inf, left out of the average")  # fmt: skip
    return note("undefined_not_estimable", f"every {side_label(live)} viewer converted at "
                  f"hour {int(r.hour)}: its log-odds are +inf, left out of the average")  # fmt: skip


def _contrast_vectors(names: list[str], hours: list[int]) -> np.ndarray:
    r"""Rows :math:`L_h` with :math:`L_h\hat\beta = \eta_h - \bar\eta` for each hour *h*.

    The model ``C(hour_)`` has the first hour as reference (:math:`\eta_{h_0} = \beta_0`), so
    :math:`\eta_h - \bar\eta = \beta_h - \frac1H\sum_{k \ne h_0}\beta_k`.
    """
    L = np.zeros((len(hours), len(names)))
    coef = [names.index(f"C(hour_)[T.{h:02d}]") for h in hours[1:]]
    L[:, coef] -= 1 / len(hours)
    for j, k in enumerate(coef, start=1):
        L[j, k] += 1
    return L


def _side_contrasts(cells, side, live, *, metric, level, cluster) -> list[dict]:
    """The contrast rows of one side's hours (at least two, none degenerate) from one GLM."""
    sel = cells[(cells["is_live"] == live).fillna(False).astype(bool)
                & cells["hour"].isin(side["hour"]).fillna(False).astype(bool)]  # fmt: skip
    sel = sel.assign(hour_=sel["hour"].astype("Int64").map(lambda h: f"{int(h):02d}"))
    res = glm(sel, f"{metric} ~ C(hour_)", cluster=cluster)
    method = f"{res.cartlift.method}; hour vs the side's average hour (log-odds)"
    hours = [int(h) for h in side["hour"]]
    table = contrast_table(res, _contrast_vectors(list(res.params.index), hours), level=level)
    rows = []
    for c, r in zip(table.itertuples(index=False), side.itertuples(index=False), strict=True):
        est, se = float(c.estimate), float(c.se)
        if not (np.isfinite(se) and se > 0):
            found = note("undefined_not_estimable", f"the coefficient of hour {int(r.hour)} "
                           "is not estimable")  # fmt: skip
            rows.append({**_count_row(r, live, level, found), "method": method})
            continue
        found = combine([fit_status(res), *_few(res, float(c.df))])
        rows.append({**_count_row(r, live, level, found), "method": f"{method}, t({c.df:.3g})",
                     "odds_ratio": float(np.exp(est)), "ci_low": float(np.exp(c.ci_low)),
                     "ci_high": float(np.exp(c.ci_high)), "pvalue": float(c.pvalue)})  # fmt: skip
    return rows


def hour_contrasts(
    cells: pd.DataFrame,
    *,
    metric: str = "atc_rate",
    level: float = 0.95,
    cluster: str | Sequence[str] | None = "content_id",
    pvalue_adjust: str = "fdr_bh",
) -> pd.DataFrame:
    r"""Each hour against its side's average hour, with multiplicity-adjusted p-values.

    Per side (LIVE, non-live), a GLM ``<metric> ~ C(hour)`` on that side's cells
    (:func:`analysis.stats.models.glm`, cluster-robust, t reference). With :math:`\eta_h` the
    log-odds of hour *h* and :math:`\bar\eta` their unweighted mean over the side's *H* hours
    with viewers, the contrast :math:`\eta_h - \bar\eta` is reported as an odds ratio
    :math:`\exp(\eta_h - \bar\eta)` with the interval :math:`\exp(\cdot \pm q\,se)` and the
    two-sided p-value of :math:`t = (\eta_h - \bar\eta)/se`. The p-values of all rows (both
    sides) form one family, adjusted by :func:`analysis.stats.multiple.adjust_pvalues`
    (undefined p-values are left out but counted in the family size).

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (not modified).
    metric : str
        A proportion metric.
    level : float
        Confidence level of each interval (not adjusted).
    cluster
        Passed to :func:`analysis.stats.models.glm`.
    pvalue_adjust : {"fdr_bh", "fdr_by", "holm", "bonferroni", "hommel"}
        Multiplicity adjustment across the family (BH: exploratory; Holm: confirmatory).

    Returns
    -------
    pandas.DataFrame
        One row per side and hour with viewers: :data:`CONTRAST_COLUMNS`. ``odds_ratio``: odds
        at that hour over the geometric-mean odds of the side's hours; ``pvalue_adjusted``;
        ``adjust_method``. ``status``: the fit's (``ok``, ``few_clusters``, ...);
        ``undefined_no_successes`` (no successes at this hour) or ``undefined_not_estimable``
        (no failures, or a coefficient not estimable): such an hour is left out of the model
        and of the average, and its NaN p-value still counts in the family;
        ``undefined_too_few`` when a side has only one hour with viewers and successes.

    References
    ----------
    Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate: a practical and
    powerful approach to multiple testing. J R Stat Soc B 57:289-300.
    """
    level = check_level(level)
    check_argument("pvalue_adjust", PVALUE_ADJUSTMENTS, pvalue_adjust)
    counts = trials_by_hour(cells, metric)
    counts = counts[counts["trials"] > 0]
    rows = []
    for live in (False, True):
        side = counts[counts["is_live"] == live].sort_values("hour")
        degenerate = (side["successes"] == 0) | (side["successes"] == side["trials"])
        rows += [_count_row(r, live, level, _degenerate_status(r, live))
                 for r in side[degenerate].itertuples(index=False)]  # fmt: skip
        side = side[~degenerate]
        if len(side) == 1:
            only = note("undefined_too_few", f"only one hour with {side_label(live)} viewers "
                          "and successes")  # fmt: skip
            rows.append(_count_row(next(side.itertuples(index=False)), live, level, only))
        elif len(side) > 1:
            rows += _side_contrasts(cells, side, live, metric=metric, level=level,
                                    cluster=cluster)  # fmt: skip
    out = pd.DataFrame(rows, columns=list(CONTRAST_COLUMNS))
    out = out.sort_values(["is_live", "hour"]).reset_index(drop=True)
    p = out["pvalue"].to_numpy(dtype=float)
    out["pvalue_adjusted"] = adjust_pvalues(p, method=pvalue_adjust) if len(out) else []
    out["adjust_method"] = f"{pvalue_adjust} over {len(out)} hour contrasts"
    return out


def _slot_status(shrunk: object, shrunk_message: object, contrast: object,
                 contrast_message: object) -> Note:  # fmt: skip
    """The shrinkage's status, then the contrast's: an undefined contrast makes it partial."""
    found = [read_status(shrunk, shrunk_message)]
    if isinstance(contrast, str):
        code, message = read_status(contrast, contrast_message)
        found.append(note("partial", f"no contrast: {message}") if is_undefined(code)
                     else (code, message))  # fmt: skip
    return combine(found)


def best_slots(
    cells: pd.DataFrame,
    *,
    metric: str = "atc_rate",
    level: float = 0.95,
    cluster: str | Sequence[str] | None = "content_id",
    pvalue_adjust: str = "fdr_bh",
) -> pd.DataFrame:
    r"""Best hours of each side: shrunken rate with interval and the adjusted p-value vs the rest.

    Per side, the (side, hour) rates are shrunk toward the side's typical hour by empirical
    Bayes (:func:`analysis.stats.shrinkage.shrink`, beta-binomial MLE prior
    :math:`\mathrm{Beta}(\alpha, \beta)` fitted over that side's hours; posterior mean
    :math:`(\alpha + x_h)/(\alpha + \beta + n_h)`), so an hour with 60 viewers does not top the
    table on luck; rows are ranked within each side by the **lower bound** of the shrunken
    credible interval (best first), and carry the odds ratio vs the side's average hour and its
    adjusted p-value from :func:`hour_contrasts`.

    Parameters
    ----------
    cells, metric, level, cluster, pvalue_adjust
        As in :func:`hour_contrasts` (``level`` is also the credible level).

    Returns
    -------
    pandas.DataFrame
        :data:`SLOT_COLUMNS`, sorted by ``is_live`` (LIVE first) then ``rank``. ``rate``: raw
        pooled rate; ``shrunk_rate``, ``ci_low``, ``ci_high``: posterior mean and credible
        interval; ``odds_ratio``, ``pvalue_adjusted``: from :func:`hour_contrasts`; ``method``
        names both. ``status``: the most serious of the shrinkage's status and the contrast's
        (``ok``, ``few_clusters``, ...), ``partial`` when the hour's contrast is undefined (the
        message says why).

    Notes
    -----
    The credible intervals treat the viewers of a slot as independent (they ignore the LIVE
    clustering that the contrast p-values account for); read them as a ranking aid, and the
    adjusted p-value as the evidence that a slot differs from the side's average hour.

    References
    ----------
    Efron B, Morris C (1975). Data analysis using Stein's estimator and its generalizations.
    J Am Stat Assoc 70:311-319.
    """
    level = check_level(level)
    con = hour_contrasts(cells, metric=metric, level=level, cluster=cluster,
                         pvalue_adjust=pvalue_adjust)  # fmt: skip
    parts = []
    for live in (True, False):
        sel = cells[(cells["is_live"] == live).fillna(False).astype(bool) & cells["hour"].notna()]
        if not sel.empty:
            parts.append(shrink(sel, by="hour", metric=metric, level=level).assign(is_live=live))
    if not parts:
        return pd.DataFrame(columns=list(SLOT_COLUMNS))
    s = pd.concat(parts, ignore_index=True)
    s["hour"] = s["hour"].astype(int)
    c = con[["is_live", "hour", "odds_ratio", "pvalue_adjusted", "adjust_method", "status",
             "status_message"]].rename(columns={"status": "contrast_status",
                                                "status_message": "contrast_message"})  # fmt: skip
    out = s.merge(c, on=["is_live", "hour"], how="left")
    out["method"] = out["method"] + " shrinkage; contrast: " + out["adjust_method"].fillna("none")
    shrunk_message = out["status_message"] if "status_message" in out else [None] * len(out)
    found = [_slot_status(*r) for r in zip(out["status"], shrunk_message, out["contrast_status"],
                                            out["contrast_message"], strict=True)]  # fmt: skip
    out["status"] = [f[0] for f in found]
    out["status_message"] = [f[1] for f in found]
    out = out.sort_values(["is_live", "ci_low"], ascending=[False, False], na_position="last")
    out["rank"] = out.groupby("is_live").cumcount() + 1
    return out[list(SLOT_COLUMNS)].reset_index(drop=True)
