r"""Planning a change: viewers and LIVEs needed, minimum detectable effect, with the design effect.

A naive power calculation counts viewers as independent. Viewers of one LIVE share its mood, so
``m`` viewers of a LIVE are worth ``m / deff`` independent ones, ``deff = 1 + (m - 1) ICC``
(Kish 1965). :func:`design_effect` measures the design effect and the intra-LIVE correlation in
the user's own cells; :func:`sample_size` and :func:`mde` turn it into viewers and LIVEs.

Formula (two-sided test of two proportions, pooled variance under H0; Fleiss, Levin & Paik
2003, eq. 4.14 without continuity correction; R ``power.prop.test``):

.. math:: n = \frac{\big(z_{1-\alpha/2}\sqrt{2\bar p\bar q} + z_{1-\beta}
          \sqrt{p_1q_1 + p_2q_2}\big)^2}{(p_1 - p_2)^2}, \quad \bar p = (p_1 + p_2)/2

per arm if viewers were independent; with clusters of ``m`` viewers the arm needs
``n * deff`` viewers, i.e. ``ceil(n * deff / m)`` LIVEs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import brentq

from analysis.stats.compare import compare
from analysis.vocabulary import status_message

__all__ = ["DESIGN_COLUMNS", "PLAN_COLUMNS", "design_effect", "mde", "sample_size"]

#: Columns of :func:`design_effect`.
DESIGN_COLUMNS = (
    "group", "trials", "n_clusters", "mean_cluster_size", "design_effect", "icc",
    "effective_trials", "method", "status", "status_message",
)  # fmt: skip

#: Columns of :func:`sample_size` and :func:`mde`.
PLAN_COLUMNS = (
    "p_control", "p_treatment", "lift", "trials_independent", "icc", "cluster_size",
    "design_effect", "trials_per_arm", "clusters_per_arm", "method", "level", "power", "status",
    "status_message",
)  # fmt: skip


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


def _status(icc: float, cluster_size: float) -> tuple[str, str]:
    """``ok`` with a design effect; ``not_clustered`` when viewers are assumed independent."""
    if icc > 0 and cluster_size > 1:
        return "ok", status_message("ok")
    detail = "pass icc and cluster_size from design_effect()"
    return "not_clustered", status_message("not_clustered", detail)


def _row(p1, p2, n_ind, icc, m, level, power) -> dict:
    deff = 1 + (m - 1) * icc
    status = _status(icc, m)
    trials = n_ind * deff
    return {
        "p_control": p1, "p_treatment": p2, "lift": p2 / p1 - 1, "trials_independent": n_ind,
        "icc": icc, "cluster_size": m, "design_effect": deff, "trials_per_arm": trials,
        "clusters_per_arm": math.ceil(trials / m) if m > 1 else np.nan,
        "method": "two proportions, pooled-variance z (Fleiss; R power.prop.test), "
        "x design effect 1 + (m - 1) ICC",
        "level": level, "power": power, "status": status[0], "status_message": status[1],
    }  # fmt: skip


def sample_size(
    p_control: float,
    p_treatment: float,
    *,
    level: float = 0.95,
    power: float = 0.8,
    icc: float = 0.0,
    cluster_size: float = 1.0,
) -> pd.DataFrame:
    """Viewers (and LIVEs) per arm to detect ``p_control -> p_treatment``.

    Parameters
    ----------
    p_control, p_treatment : float
        ATC rates before / after (e.g. 0.04 and 0.09 for the Q&A example).
    level : float
        Confidence level of the two-sided test (alpha = 1 - level).
    power : float
        Probability of detecting the change.
    icc : float
        Intra-cluster correlation (from :func:`design_effect` on your data; 0 = independent).
    cluster_size : float
        Viewers per LIVE (or per cluster) planned.

    Returns
    -------
    pandas.DataFrame
        One row, :data:`PLAN_COLUMNS`: ``trials_independent`` (viewers per arm if independent),
        ``design_effect``, ``trials_per_arm`` (viewers needed per arm), ``clusters_per_arm``
        (LIVEs per arm, NaN when ``cluster_size`` is 1), ``status`` (``ok``, or
        ``not_clustered`` when ``icc`` is 0 or ``cluster_size`` 1: independent viewers
        assumed; the message says to pass ``icc`` and ``cluster_size`` from
        :func:`design_effect`) and ``status_message``.

    Examples
    --------
    >>> float(round(sample_size(0.04, 0.09)["trials_independent"].iloc[0], 2))  # R: 380.4314644
    380.43
    """
    p1, p2 = _check_prob("p_control", p_control), _check_prob("p_treatment", p_treatment)
    if p1 == p2:
        raise ValueError("`p_control` and `p_treatment` must differ.")
    if not (0 <= icc < 1) or cluster_size < 1:
        raise ValueError("`icc` must be in [0, 1) and `cluster_size` >= 1.")
    return pd.DataFrame([_row(p1, p2, _n_independent(p1, p2, level, power), icc, cluster_size,
                              level, power)], columns=list(PLAN_COLUMNS))  # fmt: skip


def mde(
    p_control: float,
    *,
    trials_per_arm: float,
    level: float = 0.95,
    power: float = 0.8,
    icc: float = 0.0,
    cluster_size: float = 1.0,
) -> pd.DataFrame:
    """Minimum detectable (upward) rate for a given number of viewers per arm.

    Solves :func:`sample_size` for ``p_treatment > p_control`` given ``trials_per_arm`` viewers
    (clustered: the effective ``trials_per_arm / deff``). Same columns as :func:`sample_size`.

    Examples
    --------
    >>> float(round(mde(0.04, trials_per_arm=1000)["p_treatment"].iloc[0], 6))
    0.068344

    (R ``power.prop.test(n = 1000, p1 = 0.04, power = 0.8)`` prints 0.0683464, within its
    ``uniroot`` tolerance of 1e-4; at 0.068344 its own power formula gives 0.800000.)
    """
    p1 = _check_prob("p_control", p_control)
    deff = 1 + (cluster_size - 1) * icc
    n_eff = trials_per_arm / deff
    if _n_independent(p1, 1 - 1e-9, level, power) > n_eff:
        raise ValueError(
            f"{trials_per_arm:g} viewers per arm cannot detect any rise at this power."
        )
    p2 = brentq(lambda p: _n_independent(p1, p, level, power) - n_eff, p1 + 1e-12, 1 - 1e-9,
                xtol=1e-14)  # fmt: skip
    return pd.DataFrame([_row(p1, p2, n_eff, icc, cluster_size, level, power)],
                        columns=list(PLAN_COLUMNS))  # fmt: skip


def design_effect(
    cells: pd.DataFrame,
    *,
    between: str = "is_live",
    metric: str = "atc_rate",
    cluster: str = "content_id",
) -> pd.DataFrame:
    r"""Observed design effect and intra-cluster correlation of each group (live, non-live).

    Returns
    -------
    pandas.DataFrame
        :data:`DESIGN_COLUMNS`, one row per group (``group_a`` then ``group_b`` of
        :func:`analysis.stats.compare.compare`): ``trials``, ``n_clusters``, ``mean_cluster_size``
        (:math:`\bar m`, trials per cluster), ``design_effect`` (clustered / binomial variance of
        the group's rate, by linearisation), ``icc`` = :math:`(deff - 1)/(\bar m - 1)` (the
        Kish inversion, floored at 0), ``effective_trials`` = ``trials / deff`` ("12,000
        viewers are worth 3,000 independent ones"); ``status`` and ``status_message``: the
        ``inference_status`` of :func:`analysis.stats.compare.compare` (``ok``,
        ``few_clusters``, ``undefined_*``).
    """
    row = compare(cells, between=between, metric=metric, cluster=cluster, detail=True).iloc[0]
    rows = []
    for s in ("a", "b"):
        n, g = float(row[f"trials_{s}"]), row[f"n_clusters_{s}"]
        eff = float(row[f"effective_trials_{s}"])
        deff = n / eff if eff > 0 else np.nan
        m = n / g if g is not pd.NA and g else np.nan
        icc = max(0.0, (deff - 1) / (m - 1)) if m > 1 and np.isfinite(deff) else np.nan
        rows.append({
            "group": row[f"group_{s}"], "trials": n, "n_clusters": g, "mean_cluster_size": m,
            "design_effect": deff, "icc": icc, "effective_trials": eff,
            "method": f"ratio linearisation, clusters = {cluster} (NA: product x day)",
            "status": row["inference_status"], "status_message": row["inference_message"],
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(DESIGN_COLUMNS))
