r"""Clustered intervals of pooled rates: CR2 with Bell-McCaffrey df, per ``by`` group.

The primary interval of :func:`analysis.stats.rates.rates` (and the cluster set-up shared with
:func:`analysis.stats.compare.compare`). A proportion's interval is built on the logit scale,

.. math:: \operatorname{expit}\Big(\operatorname{logit}\hat p \pm t_{\nu,(1+\text{level})/2}
    \frac{\sqrt{\widehat V_{CR2}(\hat p)}}{\hat p(1-\hat p)}\Big),

with :math:`\widehat V_{CR2}` and :math:`\nu = T^2/F` of :mod:`analysis.stats.cr2_sides`
(clusters: LIVE room or video, product x day off-live; :mod:`analysis.stats.clusters`); the
logit keeps the limits inside (0, 1) and is closer to symmetric than the rate for small rates.
A ratio metric (``aov``) uses the same CR2 variance on its own scale,
:math:`R \pm t_\nu \sqrt{\widehat V_{CR2}(R)}` truncated at 0. With no successes (or no
failures) there is no spread between clusters to measure: the viewer-level exact interval is
shown with status ``exact_small_cell``; with one cluster the interval is undefined; when every
cluster has exactly the pooled rate (CR2 variance 0) the viewer-level interval is shown with status
``no_variation``.

References
----------
Bell RM, McCaffrey DF (2002). Surv Methodol 28:169-181. Pustejovsky JE, Tipton E (2018). J Bus
Econ Stat 36:672-683. Imbens GW, Kolesar M (2016). Rev Econ Stat 98:701-712.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis.stats.clusters import cluster_ids
from analysis.stats.cr2_sides import SideMoments, side_moments
from analysis.stats.intervals import binomial_interval
from analysis.stats.pooling import CellCounts
from analysis.stats.reference import few_clusters_note
from analysis.status import Note

__all__ = [
    "NO_CONTENT_ID", "ONE_CLUSTER", "ClusteredRates", "cluster_setup", "clustered_rates",
]  # fmt: skip

#: ``not_clustered`` detail when the default cluster column is absent
NO_CONTENT_ID = "the cells have no content_id (LIVE/video id): viewers treated as independent"
#: ``no_variation`` detail when every cluster has exactly the pooled rate
_FLAT = (
    "every LIVE (or cluster) has exactly the same rate: no spread between them to measure, "
    "the viewer-level interval is shown"
)

#: ``undefined_too_few`` detail of an estimate resting on one cluster
ONE_CLUSTER = "one LIVE (cluster): no spread between LIVEs to measure"
_EXTREME = (
    "{what}: no spread between LIVEs to measure, clustering could not be measured; "
    "viewer-level exact (Clopper-Pearson) interval"
)


def cluster_setup(
    cells: pd.DataFrame, cluster: str | Sequence[str] | None
) -> tuple[np.ndarray | None, Note | None]:
    """Cluster ids of the cells, or ``None`` and the ``not_clustered`` note that says why.

    ``cluster=None``: not clustered. The default ``content_id`` absent from the cells: not
    clustered, with :data:`NO_CONTENT_ID`. Another absent column, or more than one column:
    ``ValueError``.
    """
    if cluster is None:
        return None, ("not_clustered", "")
    cols = [cluster] if isinstance(cluster, str) else list(cluster)
    if len(cols) != 1:
        raise ValueError(f"rates() and compare() cluster on one column; got {cols!r}. "
                         "Use glm() for two-way clustering.")  # fmt: skip
    if cols[0] == "content_id" and "content_id" not in cells.columns:
        return None, ("not_clustered", NO_CONTENT_ID)
    return cluster_ids(cells, cols[0]), None


class ClusteredRates:
    """Clustered interval columns of every group: ``ci_low``, ``ci_high``, ``method``,
    ``n_clusters``, ``df``, ``design_effect`` (arrays) and the notes of each group."""

    def __init__(self, ngroups: int) -> None:
        self.ci_low = np.full(ngroups, np.nan)
        self.ci_high = np.full(ngroups, np.nan)
        self.method = np.full(ngroups, "none", dtype=object)
        self.n_clusters = np.zeros(ngroups, dtype=np.int64)
        self.df = np.full(ngroups, np.nan)
        self.design_effect = np.full(ngroups, np.nan)
        self.var = np.full(ngroups, np.nan)
        self.notes: list[list[Note]] = [[] for _ in range(ngroups)]


def _proportion(out: ClusteredRates, sm: SideMoments, valid: np.ndarray, level: float) -> None:
    p, x, n = sm.p, sm.x, sm.n
    extreme = valid & ((x <= 0) | (x >= n))
    lone = valid & ~extreme & (sm.n_clusters < 2)
    # every cluster at exactly the pooled rate: CR2 is 0, a zero-width interval would claim
    # certainty the binomial counts do not give; the viewer-level interval is the floor
    flat = valid & ~extreme & ~lone & ~(sm.var > 0)
    ok = valid & ~extreme & ~lone & ~flat
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(sm.var) / (p * (1 - p))
        q = stats.t.ppf((1 + level) / 2, sm.df)
        mid = special.logit(p)
        out.design_effect = np.where(valid, sm.var / (p * (1 - p) / n), np.nan)
    out.ci_low[ok] = special.expit(mid[ok] - q[ok] * se[ok])
    out.ci_high[ok] = special.expit(mid[ok] + q[ok] * se[ok])
    out.method[ok] = "cr2-bm-logit"
    out.df[ok] = sm.df[ok]
    if extreme.any():
        lo, hi, _ = binomial_interval(x[extreme], n[extreme], "clopper-pearson", level)
        out.ci_low[extreme], out.ci_high[extreme] = lo, hi
        out.method[extreme] = "clopper-pearson"
    if flat.any():
        lo, hi, used = binomial_interval(x[flat], n[flat], "auto", level)
        out.ci_low[flat], out.ci_high[flat], out.method[flat] = lo, hi, used
    for i in np.flatnonzero(valid):
        if extreme[i]:
            what = "no successes" if x[i] <= 0 else "no failures"
            out.notes[i].append(("exact_small_cell", _EXTREME.format(what=what)))
        elif lone[i]:
            out.notes[i].append(("undefined_too_few", ONE_CLUSTER))
        elif flat[i]:
            out.notes[i].append(("no_variation", _FLAT))
        else:
            few = few_clusters_note(sm.n_clusters[i], sm.df[i], "clusters")
            out.notes[i] += [few] if few else []


def _ratio(out: ClusteredRates, sm: SideMoments, valid: np.ndarray, level: float) -> None:
    ok = valid & (sm.n_clusters >= 2)
    with np.errstate(invalid="ignore"):
        half = stats.t.ppf((1 + level) / 2, sm.df) * np.sqrt(sm.var)
    out.ci_low[ok] = np.maximum(sm.p[ok] - half[ok], 0.0)
    out.ci_high[ok] = sm.p[ok] + half[ok]
    out.method[ok] = "cr2-bm"
    out.df[ok] = sm.df[ok]
    for i in np.flatnonzero(valid):
        if not ok[i]:
            out.notes[i].append(("undefined_too_few", ONE_CLUSTER))
            continue
        if sm.var[i] == 0:
            out.notes[i].append(("no_variation", "every cluster has the same ratio"))
        few = few_clusters_note(sm.n_clusters[i], sm.df[i], "clusters")
        out.notes[i] += [few] if few else []


def clustered_rates(
    counts: CellCounts,
    gid: np.ndarray,
    ngroups: int,
    clusters: np.ndarray,
    valid: np.ndarray,
    *,
    level: float,
) -> ClusteredRates:
    r"""The clustered interval of every group's pooled rate (module docstring).

    Parameters
    ----------
    counts : CellCounts
        Per-cell counts of the metric (complete cells are used).
    gid : int array
        Group id of each cell; ``ngroups`` groups.
    clusters : int array
        Cluster id of each cell (:func:`cluster_setup`).
    valid : bool array
        Groups whose interval is defined at all (trials, binomial counts for proportions).
    level : float
        Confidence level.

    Returns
    -------
    ClusteredRates
        Methods ``cr2-bm-logit`` (proportions), ``cr2-bm`` (ratio metrics),
        ``clopper-pearson`` (proportion with no successes or no failures: status
        ``exact_small_cell``), ``none`` (undefined: one cluster, ``undefined_too_few``);
        ``few_clusters`` notes from :func:`analysis.stats.reference.few_clusters_note`;
        ``design_effect``: :math:`\widehat V_{CR2}/(\hat p(1-\hat p)/N)` (proportions; the
        caller sets it for ratio metrics); ``var``: :math:`\widehat V_{CR2}`.
    """
    ok = counts.complete
    sm = side_moments(counts.x[ok], counts.n[ok], gid[ok], clusters[ok], ngroups)
    out = ClusteredRates(ngroups)
    out.n_clusters, out.var = sm.n_clusters, sm.var
    if counts.metric.kind == "proportion":
        _proportion(out, sm, valid, level)
    else:
        _ratio(out, sm, valid & (sm.n > 0), level)
    return out
