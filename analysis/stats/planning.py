r"""Planning a change: LIVEs and viewers needed, minimum detectable effect, with the design effect.

A naive power calculation counts viewers as independent. Viewers of one LIVE share its mood, so the
information is in the number of LIVEs. :func:`sample_size` and :func:`mde` plan for the test the
analysis runs: the LIVE-clustered difference of the rates (the primary p-value of ``compare``),
CR2 with Bell-McCaffrey df. Power by simulation of that test under log-link LIVE effects
(default, :mod:`analysis.stats.power_simulation`; Landau & Stahl 2013) or from the noncentral t
(:mod:`analysis.stats.cluster_power`), design effect with unequal LIVE sizes
:math:`1 + ((cv^2 + 1)\bar m - 1)\rho` (Eldridge, Ashby & Kerry 2006). By default they plan at the
upper limit of the ICC's confidence interval (``icc_ci_high`` from :func:`design_effect`, the
F-based interval of :mod:`analysis.stats.icc`), so a plan from a noisy ICC still delivers.

Without clustering (``icc`` 0 or ``cluster_size`` 1) the viewer-level formula (two-sided test of
two proportions, pooled variance under H0; Fleiss, Levin & Paik 2003, eq. 4.14 without continuity
correction; R ``power.prop.test``):

.. math:: n = \frac{\big(z_{1-\alpha/2}\sqrt{2\bar p\bar q} + z_{1-\beta}
          \sqrt{p_1q_1 + p_2q_2}\big)^2}{(p_1 - p_2)^2}, \quad \bar p = (p_1 + p_2)/2

viewers per arm; ``trials_independent`` always reports it.

References: Eldridge SM, Ashby D, Kerry S (2006), Int J Epidemiol 35:1292-1300; Donner A, Klar N
(2000), *Design and Analysis of Cluster Randomization Trials in Health Research*; Hemming K,
Girling AJ, Sitch AJ, Marsh J, Lilford RJ (2011). Sample size calculations for cluster randomised
controlled trials with a fixed number of clusters. BMC Medical Research Methodology 11:102;
Landau S, Stahl D (2013). Sample size and power calculations for medical studies by simulation
when closed form expressions are not available. Stat Methods Med Res 22:324-345.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import brentq

from analysis.metrics import metric_counts
from analysis.stats.cluster_power import clustered_power
from analysis.stats.clusters import cluster_ids
from analysis.stats.compare import compare
from analysis.stats.icc import ICC_METHOD, anova_icc
from analysis.stats.power_simulation import simulated_power
from analysis.vocabulary import check_argument, check_level, status_message

__all__ = [
    "DESIGN_COLUMNS", "PLAN_AT", "PLAN_COLUMNS", "POWER_METHODS", "design_effect", "mde",
    "sample_size",
]  # fmt: skip

#: Columns of :func:`design_effect`.
DESIGN_COLUMNS = (
    "group", "trials", "n_clusters", "mean_cluster_size", "design_effect", "icc",
    "effective_trials", "method", "status", "status_message",
    "icc_ci_low", "icc_ci_high", "cluster_cv", "level", "icc_method",
)  # fmt: skip

#: Columns of :func:`sample_size` and :func:`mde`.
PLAN_COLUMNS = (
    "p_control", "p_treatment", "lift", "trials_independent", "icc", "cluster_size",
    "design_effect", "trials_per_arm", "clusters_per_arm", "method", "level", "power", "status",
    "status_message",
    "cluster_cv", "icc_ci_high", "icc_planned", "icc_treatment", "design_effect_treatment", "df",
    "power_achieved",
)  # fmt: skip

#: Where a plan puts the ICC: the upper limit of its interval (default) or the point estimate.
PLAN_AT = ("upper", "estimate")

#: How a clustered plan computes power: simulation (default) or the analytic noncentral t.
POWER_METHODS = ("simulation", "noncentral-t")

_METHOD = (
    "LIVE-clustered difference (CR2, Bell-McCaffrey df): {how}; design effect "
    "1 + ((cv^2 + 1) m - 1) ICC (Eldridge 2006), ICC {at}"
)
_UNCLUSTERED = (
    "two proportions, pooled-variance z (Fleiss; R power.prop.test), viewers independent"
)


def _check_prob(name: str, p: float) -> float:
    if not (isinstance(p, int | float) and 0 < float(p) < 1):
        raise ValueError(f"`{name}` must be a rate strictly between 0 and 1; got {p!r}.")
    return float(p)


def _z(q: float) -> float:
    return float(stats.norm.ppf(q))


def _n_independent(p1: float, p2: float, level: float, power: float) -> float:
    pbar = (p1 + p2) / 2
    num = _z((1 + level) / 2) * math.sqrt(2 * pbar * (1 - pbar)) + _z(power) * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return num**2 / (p1 - p2) ** 2


class _Design:
    """The clustering a plan assumes: ICC used, LIVE size and its cv, level."""

    def __init__(self, icc, cluster_size, cluster_cv, icc_ci_high, plan_at, level, how) -> None:
        check_argument("plan_at", PLAN_AT, plan_at)
        self.how = check_argument("power_method", POWER_METHODS, how)
        if not (0 <= icc < 1) or cluster_size < 1 or cluster_cv < 0:
            raise ValueError("`icc` must be in [0, 1), `cluster_size` >= 1, `cluster_cv` >= 0.")
        if icc_ci_high is not None and not (icc <= icc_ci_high < 1):
            raise ValueError("`icc_ci_high` must be in [icc, 1).")
        upper = plan_at == "upper" and icc_ci_high is not None
        self.icc, self.m, self.cv, self.level = float(icc), float(cluster_size), cluster_cv, level
        self.high = np.nan if icc_ci_high is None else float(icc_ci_high)
        self.planned = float(icc_ci_high) if upper else self.icc
        at = "at the upper confidence limit" if upper else "at the point estimate"
        if plan_at == "upper" and icc_ci_high is None:
            at += " (no icc_ci_high given)"
        how = "noncentral t power" if how == "noncentral-t" else "simulated power (4,000 reps)"
        self.method = _METHOD.format(how=how, at=at)
        self.clustered = self.planned > 0 and self.m > 1

    def analytic(self) -> _Design:
        """The same design with the noncentral-t power."""
        twin = copy.copy(self)
        twin.how = "noncentral-t"
        return twin

    def power(self, k: float, p1: float, p2: float) -> tuple[float, float, float, float]:
        kw = {"icc": self.planned, "mean_size": self.m, "cv": self.cv, "level": self.level}
        out = clustered_power(k, p1, p2, **kw)
        if self.how == "simulation":
            return (simulated_power(max(int(k), 2), p1, p2, **kw),) + out[1:]
        return out


def _lives_needed(d: _Design, p1: float, p2: float, power: float) -> int:
    """Smallest whole number of LIVEs per arm whose power reaches ``power`` (>= 2)."""
    hi = 2
    if d.how == "simulation":  # start from the analytic plan (usually a little above)
        hi = max(_lives_needed(d.analytic(), p1, p2, power) // 2, 2)
    lo = 1  # power(lo) < target, or lo = 1
    while d.power(hi, p1, p2)[0] < power:
        lo, hi = hi, hi * 2
        if hi > 10**7:
            raise ValueError("no number of LIVEs reaches this power (check the rates and ICC).")
    while hi - lo > 1:  # power(lo) < target <= power(hi)
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if d.power(mid, p1, p2)[0] >= power else (mid, hi)
    return hi


def _detectable(d: _Design, k: float, p1: float, power: float) -> float | None:
    """Smallest treatment rate whose power with ``k`` LIVEs per arm reaches ``power``."""
    a = d.analytic()
    grid = p1 + (0.999 - p1) * np.linspace(0, 1, 201)[1:] ** 3  # the first rise reaching it
    hits = [i for i, p in enumerate(grid) if k >= 2 and a.power(k, p1, p)[0] >= power]
    if not hits:
        return None
    low = grid[hits[0] - 1] if hits[0] else p1 * (1 + 1e-9)
    p2 = brentq(lambda p: a.power(k, p1, p)[0] - power, low, grid[hits[0]], xtol=1e-12)
    if d.how == "noncentral-t":
        return float(p2)
    high = p2  # the simulated test is at least as powerful, except by Monte Carlo error
    while d.power(k, p1, high)[0] < power:
        if high >= 0.999:
            return None
        high = min(p1 + 1.25 * (high - p1), 0.999)
    return float(brentq(lambda p: d.power(k, p1, p)[0] - power, p1 * (1 + 1e-9), high, xtol=1e-7))


def _row(p1, p2, n_ind, d: _Design, power, k: float | None) -> dict:
    row = {"p_control": p1, "p_treatment": p2, "lift": p2 / p1 - 1, "trials_independent": n_ind,
           "icc": d.icc, "cluster_size": d.m, "level": d.level, "power": power,
           "cluster_cv": d.cv, "icc_ci_high": d.high, "icc_planned": d.planned}  # fmt: skip
    if not d.clustered or k is None:
        message = status_message("not_clustered", "pass icc and cluster_size from design_effect()")
        return row | {"design_effect": 1.0, "trials_per_arm": n_ind, "clusters_per_arm": np.nan,
                      "method": _UNCLUSTERED, "status": "not_clustered",
                      "status_message": message, "icc_treatment": np.nan,
                      "design_effect_treatment": np.nan, "df": np.inf,
                      "power_achieved": power}  # fmt: skip
    achieved, df, d0, d1 = d.power(k, p1, p2)
    return row | {"design_effect": d0, "trials_per_arm": k * d.m, "clusters_per_arm": k,
                  "method": d.method, "status": "ok", "status_message": status_message("ok"),
                  "icc_treatment": (d1 - 1) / ((d.cv**2 + 1) * d.m - 1),
                  "design_effect_treatment": d1, "df": df, "power_achieved": achieved}  # fmt: skip


def sample_size(
    p_control: float,
    p_treatment: float,
    *,
    level: float = 0.95,
    power: float = 0.8,
    icc: float = 0.0,
    cluster_size: float = 1.0,
    cluster_cv: float = 0.0,
    icc_ci_high: float | None = None,
    plan_at: str = "upper",
    power_method: str = "simulation",
) -> pd.DataFrame:
    """LIVEs (and viewers) per arm to detect ``p_control -> p_treatment`` with the clustered test.

    Parameters
    ----------
    p_control, p_treatment : float
        ATC rates of the control and the LIVE arm (e.g. 0.04 and 0.09).
    level : float
        Confidence level of the two-sided test (alpha = 1 - level).
    power : float
        Probability of detecting the change.
    icc, icc_ci_high : float
        Intra-LIVE correlation and the upper limit of its interval (``icc`` and ``icc_ci_high``
        of :func:`design_effect` on your data; ``icc`` 0 = independent viewers).
    cluster_size, cluster_cv : float
        Mean viewers per LIVE planned and the coefficient of variation of LIVE sizes
        (``mean_cluster_size``, ``cluster_cv`` of :func:`design_effect`).
    plan_at : {"upper", "estimate"}
        Plan at ``icc_ci_high`` (default; the point estimate when it is not given) or at ``icc``.
    power_method : {"simulation", "noncentral-t"}
        Simulated power of the analysis test under log-link LIVE effects (default,
        :mod:`analysis.stats.power_simulation`; seeded, 4,000 replicates: what the plan promises
        is what it delivers, ``benchmarks/results/plans_power.txt``) or the analytic
        noncentral-t power (:mod:`analysis.stats.cluster_power`; instant, conservative: it
        over-delivers, by up to 10 points at a doubling, when LIVE rates vary a lot).

    Returns
    -------
    pandas.DataFrame
        One row, :data:`PLAN_COLUMNS`: ``trials_independent`` (viewers per arm if independent,
        R ``power.prop.test``); ``clusters_per_arm`` (LIVEs per arm: the smallest *k* whose
        power reaches ``power``),
        ``trials_per_arm`` (*k* x ``cluster_size``), ``design_effect`` and
        ``design_effect_treatment`` (Eldridge, per arm), ``icc_planned``, ``icc_treatment``,
        ``df`` (Bell-McCaffrey df of the planned design), ``power_achieved`` (at *k*).
        ``status`` ``ok``, or ``not_clustered`` when the planned ICC is 0 or ``cluster_size``
        1: then the viewer-level formula, ``clusters_per_arm`` NaN and the message says to pass
        ``icc`` and ``cluster_size`` from :func:`design_effect`.

    Examples
    --------
    >>> float(round(sample_size(0.04, 0.09)["trials_independent"].iloc[0], 2))  # R: 380.4314644
    380.43
    """
    p1, p2 = _check_prob("p_control", p_control), _check_prob("p_treatment", p_treatment)
    if p1 == p2:
        raise ValueError("`p_control` and `p_treatment` must differ.")
    d = _Design(icc, cluster_size, cluster_cv, icc_ci_high, plan_at, check_level(level),
                power_method)  # fmt: skip
    n_ind = _n_independent(p1, p2, level, power)
    k = _lives_needed(d, p1, p2, power) if d.clustered else None
    return pd.DataFrame([_row(p1, p2, n_ind, d, power, k)], columns=list(PLAN_COLUMNS))


def mde(
    p_control: float,
    *,
    trials_per_arm: float,
    level: float = 0.95,
    power: float = 0.8,
    icc: float = 0.0,
    cluster_size: float = 1.0,
    cluster_cv: float = 0.0,
    icc_ci_high: float | None = None,
    plan_at: str = "upper",
    power_method: str = "simulation",
) -> pd.DataFrame:
    """Minimum detectable (upward) rate for a given number of viewers per arm.

    Clustered: ``trials_per_arm / cluster_size`` LIVEs per arm (not rounded; whole LIVEs for the
    simulation) and the rate whose power (:func:`sample_size`) equals ``power``; otherwise the
    viewer-level
    formula solved for ``p_treatment``. Same parameters and columns as :func:`sample_size`.

    Examples
    --------
    >>> float(round(mde(0.04, trials_per_arm=1000)["p_treatment"].iloc[0], 6))
    0.068344

    (R ``power.prop.test(n = 1000, p1 = 0.04, power = 0.8)`` prints 0.0683464, within its
    ``uniroot`` tolerance of 1e-4; at 0.068344 its own power formula gives 0.800000.)
    """
    p1 = _check_prob("p_control", p_control)
    d = _Design(icc, cluster_size, cluster_cv, icc_ci_high, plan_at, check_level(level),
                power_method)  # fmt: skip
    top = 1 - 1e-9
    if d.clustered:
        k = trials_per_arm / d.m
        p2 = _detectable(d, k, p1, power)
        if p2 is None:
            raise ValueError(f"{trials_per_arm:g} viewers per arm cannot detect any rise at "
                             "this power.")  # fmt: skip
        n_ind = _n_independent(p1, p2, level, power)
        return pd.DataFrame([_row(p1, p2, n_ind, d, power, k)], columns=list(PLAN_COLUMNS))
    if _n_independent(p1, top, level, power) > trials_per_arm:
        raise ValueError(
            f"{trials_per_arm:g} viewers per arm cannot detect any rise at this power."
        )
    p2 = brentq(lambda p: _n_independent(p1, p, level, power) - trials_per_arm, p1 + 1e-12, top,
                xtol=1e-14)  # fmt: skip
    return pd.DataFrame([_row(p1, p2, trials_per_arm, d, power, None)],
                        columns=list(PLAN_COLUMNS))  # fmt: skip


def _side_icc(cells, between, group, metric, ids, level):
    """ANOVA ICC of one side from its cluster totals (:func:`analysis.stats.icc.anova_icc`)."""
    counts = metric_counts(cells, metric)
    side = cells[between].eq(group).fillna(False).to_numpy(dtype=bool)
    keep = side & counts["complete"].to_numpy(dtype=bool)
    g = ids[keep]
    x = np.bincount(g, counts["successes"].to_numpy(float)[keep])
    n = np.bincount(g, counts["trials"].to_numpy(float)[keep])
    return anova_icc(x[n > 0], n[n > 0], level=level)


def design_effect(
    cells: pd.DataFrame,
    *,
    between: str = "is_live",
    metric: str = "atc_rate",
    cluster: str = "content_id",
    level: float = 0.95,
) -> pd.DataFrame:
    r"""Observed design effect and intra-cluster correlation (with its interval) of each group.

    Returns
    -------
    pandas.DataFrame
        :data:`DESIGN_COLUMNS`, one row per group (``group_a`` then ``group_b`` of
        :func:`analysis.stats.compare.compare`): ``trials``, ``n_clusters``, ``mean_cluster_size``
        (:math:`\bar m`, trials per cluster), ``design_effect`` (clustered / binomial variance of
        the group's rate, by linearisation), ``effective_trials`` = ``trials / deff`` ("12,000
        viewers are worth 3,000 independent ones"); ``icc``, ``icc_ci_low``, ``icc_ci_high``:
        the one-way ANOVA ICC of the cluster totals and its F-based interval at ``level``
        (:mod:`analysis.stats.icc`, Searle 1971; Donner & Wells 1986; floored at 0, method in
        ``icc_method``), ``cluster_cv`` (sd / mean of cluster sizes): pass ``icc``,
        ``icc_ci_high``, ``mean_cluster_size`` and ``cluster_cv`` to :func:`sample_size`.
        ``status`` and ``status_message``: the ``inference_status`` of
        :func:`analysis.stats.compare.compare` (``ok``, ``few_clusters``, ``undefined_*``).
    """
    level = check_level(level)
    row = compare(cells, between=between, metric=metric, cluster=cluster, detail=True).iloc[0]
    ids = cluster_ids(cells, cluster)
    assert ids is not None and ids.ndim == 1
    rows = []
    for s in ("a", "b"):
        n, g = float(row[f"trials_{s}"]), row[f"n_clusters_{s}"]
        eff = float(row[f"effective_trials_{s}"])
        deff = n / eff if eff > 0 else np.nan
        m = n / g if g is not pd.NA and g else np.nan
        r = _side_icc(cells, between, row[f"group_{s}"], metric, ids, level)
        rows.append({
            "group": row[f"group_{s}"], "trials": n, "n_clusters": g, "mean_cluster_size": m,
            "design_effect": deff, "icc": r.icc, "effective_trials": eff,
            "method": f"ratio linearisation, clusters = {cluster} (NA: product x day)",
            "status": row["inference_status"], "status_message": row["inference_message"],
            "icc_ci_low": r.ci_low, "icc_ci_high": r.ci_high, "cluster_cv": r.cv,
            "level": level, "icc_method": ICC_METHOD,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(DESIGN_COLUMNS))
