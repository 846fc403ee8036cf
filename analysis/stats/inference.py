r"""Clustered and adjusted inference of a two-group comparison, per ``by`` group.

One step of :func:`analysis.stats.compare.compare`: the crude ratio's interval and p-value with
clusters (LIVE room, video, product x day; :mod:`analysis.stats.clusters`) as the independent
units, the design effect, and the ratio adjusted over the strata of ``adjust``, all from the
estimating equation of :func:`analysis.stats.adjusted.ratio_fit`. With :math:`s` the
linearised standard error of :math:`\log\hat R` and :math:`q` the :math:`(1+\text{level})/2`
quantile of a t distribution on :math:`\min(G_a, G_b) - 1` degrees of freedom (the normal
without clustering), the interval is :math:`\exp(\log\hat R \pm q s)` and the p-value
:math:`2\,P(T > |\log\hat R| / s)`.

References
----------
Binder DA (1983). On the variances of asymptotically normal estimators from complex surveys.
Int Stat Rev 51:279-292. Cameron AC, Miller DL (2015). A practitioner's guide to
cluster-robust inference. J Hum Resour 50:317-372.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.metrics import Metric
from analysis.stats.adjusted import FEW_CLUSTERS, RatioFit, ratio_fit
from analysis.stats.clusters import cluster_ids, cluster_label
from analysis.stats.pooling import CellCounts
from analysis.status import Note, row_status
from analysis.vocabulary import ADJUST_METHODS, check_argument, status_message

__all__ = ["INFERENCE_COLUMNS", "Crude", "Design", "clustered_inference"]

#: The columns :func:`clustered_inference` adds to a comparison (clustered and adjusted).
INFERENCE_COLUMNS = (
    "cluster", "n_clusters_a", "n_clusters_b", "df", "design_effect",
    "effective_trials_a", "effective_trials_b",
    "clustered_ratio_ci_low", "clustered_ratio_ci_high", "clustered_pvalue", "clustered_method",
    "adjust", "n_strata", "adjusted_ratio", "adjusted_ratio_ci_low", "adjusted_ratio_ci_high",
    "adjusted_lift", "adjusted_lift_ci_low", "adjusted_lift_ci_high", "adjusted_pvalue",
    "adjusted_method", "simpson", "inference_status", "inference_message",
)  # fmt: skip


@dataclass
class Design:
    """The compared cells: counts, ``by`` group id, sides, number of groups."""

    cells: pd.DataFrame
    counts: CellCounts
    gid: np.ndarray
    in_a: np.ndarray
    in_b: np.ndarray
    ngroups: int


@dataclass
class Crude:
    """The viewer-level comparison of every group: ratio, trials per side, whether it is
    defined (``valid``) and its status code."""

    ratio: np.ndarray
    trials_a: np.ndarray
    trials_b: np.ndarray
    valid: np.ndarray
    status: np.ndarray


def _columns(adjust, cluster) -> tuple[list[str], list[str]]:
    adj = [] if adjust is None else [adjust] if isinstance(adjust, str) else list(adjust)
    cols = [] if cluster is None else [cluster] if isinstance(cluster, str) else list(cluster)
    if len(cols) > 1:
        raise ValueError("compare() clusters on one column; use glm() for two-way clustering.")
    return adj, cols


def _empty(ngroups: int, cluster, adj: list[str]) -> dict[str, Any]:
    res: dict[str, Any] = {name: np.full(ngroups, np.nan) for name in INFERENCE_COLUMNS}
    for name in ("n_clusters_a", "n_clusters_b", "n_strata"):
        res[name] = pd.array([pd.NA] * ngroups, dtype="Int64")
    res["cluster"] = np.full(ngroups, cluster_label(cluster), dtype=object)
    res["adjust"] = np.full(ngroups, " x ".join(adj) if adj else "none", dtype=object)
    for name in ("clustered_method", "adjusted_method", "inference_status", "inference_message"):
        res[name] = np.full(ngroups, "", dtype=object)
    res["simpson"] = pd.array([pd.NA] * ngroups, dtype="boolean")
    return res


def _interval(f: RatioFit, level: float, clustered: bool) -> tuple[float, float, float, bool]:
    """Interval and p-value of a fit's ratio on the log scale (t on ``f.df``, or z)."""
    q = stats.t.ppf((1 + level) / 2, f.df) if clustered else stats.norm.ppf((1 + level) / 2)
    defined = bool(np.isfinite(f.se_log) and f.se_log > 0 and f.ratio > 0 and np.isfinite(q))
    if not defined:
        return np.nan, np.nan, np.nan, False
    lo, hi = np.exp(np.log(f.ratio) - q * f.se_log), np.exp(np.log(f.ratio) + q * f.se_log)
    tstat = abs(np.log(f.ratio) / f.se_log)
    p = 2 * (stats.t.sf(tstat, f.df) if clustered else stats.norm.sf(tstat))
    return lo, hi, p, True


def _undefined_note(f: RatioFit, what: str) -> Note:
    code = (
        "undefined_too_few"
        if min(f.n_clusters_a, f.n_clusters_b) < 2
        else "undefined_no_successes"
    )
    return code, f"{what} interval undefined (a zero count or one cluster)"


def _store_crude(res, i: int, f: RatioFit, crude: Crude, level: float, cluster, method: str):
    lo, hi, p, defined = _interval(f, level, cluster is not None)
    res["clustered_ratio_ci_low"][i], res["clustered_ratio_ci_high"][i] = lo, hi
    res["clustered_pvalue"][i] = p
    res["n_clusters_a"][i], res["n_clusters_b"][i] = f.n_clusters_a, f.n_clusters_b
    res["df"][i] = f.df
    res["design_effect"][i] = f.deff
    # a design effect of 0 (no successes: no variance to compare) leaves it undefined
    for side, deff, trials in (("a", f.deff_a, crude.trials_a), ("b", f.deff_b, crude.trials_b)):
        res[f"effective_trials_{side}"][i] = trials[i] / deff if deff > 0 else np.nan
    res["clustered_method"][i] = method
    notes: list[Note] = [] if defined else [_undefined_note(f, "clustered")]
    few = min(f.n_clusters_a, f.n_clusters_b)
    if cluster is None:
        notes.append(("not_clustered", ""))
    elif few < FEW_CLUSTERS:
        side = "group_a" if f.n_clusters_a <= f.n_clusters_b else "group_b"
        notes.append(
            ("few_clusters", f"{few} in {side} (< {FEW_CLUSTERS}), t({few - 1}) reference")
        )
    return notes


def _store_adjusted(res, i: int, f: RatioFit, crude: Crude, level: float, cluster, method: str):
    lo, hi, p, defined = _interval(f, level, cluster is not None)
    res["adjusted_ratio"][i] = f.ratio
    res["adjusted_ratio_ci_low"][i], res["adjusted_ratio_ci_high"][i] = lo, hi
    res["adjusted_pvalue"][i] = p
    res["n_strata"][i] = f.n_strata
    res["adjusted_method"][i] = method
    notes: list[Note] = []
    if f.trials_dropped_a > 0:
        share = f.trials_dropped_a / crude.trials_a[i]
        notes.append(("partial", f"{share:.1%} of group_a trials in strata without group_b: "
                      "left out of the adjusted ratio"))  # fmt: skip
    if not defined:
        notes.append(_undefined_note(f, "adjusted"))
    r = crude.ratio[i]
    if np.isfinite(r) and np.isfinite(f.ratio) and r != 1 and f.ratio != 1:
        res["simpson"][i] = (r > 1) != (f.ratio > 1)
        if res["simpson"][i]:
            notes.append(("ok", "Simpson: crude and adjusted ratios on opposite sides of 1"))
    return notes


def _method_text(cluster) -> str:
    if cluster is None:
        return "log-linearised, viewers independent, z"
    return f"log-linearised, clusters = {cluster_label(cluster)} (NA: product x day), t(df)"


def _group(res, i, d: Design, crude: Crude, clusters, strata, *, level, adj, adjust_method,
           cluster) -> list[Note]:  # fmt: skip
    """Fit the crude and adjusted ratios of ``by`` group ``i``; return its status notes."""
    if not crude.valid[i]:
        return [(crude.status[i], "the viewer-level comparison is undefined")]
    sel = d.counts.complete & (d.in_a | d.in_b) & (d.gid == i)
    if not (sel & d.in_a).any() or not (sel & d.in_b).any():
        return [("undefined_no_cells", "a group has no complete cells")]
    x, n, side = d.counts.x[sel], d.counts.n[sel], d.in_a[sel]
    cl = None if clusters is None else clusters[sel]
    method = _method_text(cluster)
    f = ratio_fit(x, n, side, np.zeros(len(x), np.intp), cl, method="mantel-haenszel")
    notes = _store_crude(res, i, f, crude, level, cluster, method)
    if adj:
        st = pd.factorize(strata[sel])[0]
        f = ratio_fit(x, n, side, st, cl, method=adjust_method)
        notes += _store_adjusted(res, i, f, crude, level, cluster, f"{adjust_method}; {method}")
    return notes


def clustered_inference(
    d: Design,
    m: Metric,
    crude: Crude,
    *,
    level: float,
    adjust: str | Sequence[str] | None,
    adjust_method: str,
    cluster: str | Sequence[str] | None,
) -> dict[str, Any]:
    """The :data:`INFERENCE_COLUMNS` of every ``by`` group (arrays of length ``d.ngroups``).

    ``inference_status`` is a code of :data:`analysis.vocabulary.STATUSES`: ``ok``;
    ``few_clusters`` (fewer than :data:`~analysis.stats.adjusted.FEW_CLUSTERS` on a side, t
    reference on :math:`G - 1` df); ``not_clustered`` (``cluster=None``); ``partial`` (group a
    trials in strata without group b, left out of the adjusted ratio); ``undefined_*`` when
    the viewer-level comparison is undefined (its code), a side has no complete cells
    (``undefined_no_cells``), an interval is undefined (``undefined_too_few`` with one cluster,
    ``undefined_no_successes`` with a zero count), the metric is not a proportion
    (``undefined_not_binomial``) or the default ``content_id`` column is absent
    (``undefined_not_broken_down``). ``inference_message`` lists every note, and the Simpson
    remark when crude and adjusted ratios lie on opposite sides of 1.
    """
    check_argument("adjust_method", ADJUST_METHODS, adjust_method)
    adj, cols = _columns(adjust, cluster)
    missing = [c for c in adj if c not in d.cells.columns]
    if missing:
        raise ValueError(f"`adjust` names columns the cells do not have: {missing}.")
    absent = [c for c in cols if c not in d.cells.columns]
    if absent and cluster != "content_id":
        raise ValueError(f"`cluster` names a column the cells do not have: {absent[0]!r}.")
    res = _empty(d.ngroups, cluster, adj)
    whole = None
    if m.kind != "proportion":
        whole = ("undefined_not_binomial", f"clustered and adjusted contrasts are for "
                 f"proportions; {m.name!r} is a ratio of sums")  # fmt: skip
    elif absent:
        whole = ("undefined_not_broken_down", "the cells have no 'content_id' column: pass "
                 "cluster=None for viewer-level inference, or name the cluster column")  # fmt: skip
    if whole is not None:
        res["inference_status"][:] = whole[0]
        res["inference_message"][:] = status_message(*whole)
        return res
    clusters = cluster_ids(d.cells, cluster)
    strata = (d.cells[adj].astype("string").fillna("<NA>").groupby(adj, sort=False).ngroup()
              .to_numpy() if adj else np.zeros(len(d.cells), dtype=np.intp))  # fmt: skip
    for i in range(d.ngroups):
        notes = _group(res, i, d, crude, clusters, strata, level=level, adj=adj,
                       adjust_method=adjust_method, cluster=cluster)  # fmt: skip
        res["inference_status"][i], res["inference_message"][i] = row_status(notes)
    res["adjusted_lift"] = res["adjusted_ratio"] - 1
    res["adjusted_lift_ci_low"] = res["adjusted_ratio_ci_low"] - 1
    res["adjusted_lift_ci_high"] = res["adjusted_ratio_ci_high"] - 1
    return res
