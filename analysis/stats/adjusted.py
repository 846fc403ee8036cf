r"""Adjusted and clustered two-group rate ratios with design effects (the estimating equation).

The kernel behind the clustered and adjusted columns of :func:`analysis.stats.compare.compare`
(:mod:`analysis.stats.inference`), and :func:`with_expected_counts`, the noise-free counts of a
simulated sample that give each estimator its own truth.

One estimating equation covers the crude ratio and both adjusted ratios. With strata ``s``
(the distinct values of the ``adjust`` columns; one stratum when there is none), side totals
:math:`x_{as}, n_{as}, x_{bs}, n_{bs}` and :math:`N_s = n_{as} + n_{bs}`, the rate ratio
:math:`R` solves :math:`U(R) = A - R B = 0` with

* Mantel-Haenszel (1959; Greenland & Robins 1985):
  :math:`A = \sum_s x_{as} n_{bs}/N_s`, :math:`B = \sum_s x_{bs} n_{as}/N_s`;
* standardisation to group ``a``'s mix (indirect standardisation, the SMR):
  :math:`A = \sum_s x_{as}`, :math:`B = \sum_s n_{as} x_{bs}/n_{bs}` (strata with
  :math:`n_{bs} > 0`).

Both are "observed over expected" ratios. Their variance is by linearisation (the sandwich /
delta method of a ratio of sums, Binder 1983): each cell adds its first-order contribution to
:math:`U(\hat R)`, contributions are summed within clusters :math:`g` (LIVE room, video, or
product x day), and :math:`\widehat{\mathrm{Var}}(\log\hat R) = \frac{G}{G-1}\sum_g u_g^2 / A^2`
per side (sides summed). Without clustering, each viewer is a unit (Bernoulli contributions),
which reproduces the binomial variance. The reference is a t distribution with
:math:`\min(G_a, G_b) - 1` degrees of freedom (conservative Welch-type choice with few LIVEs).

References
----------
Mantel N, Haenszel W (1959). Statistical aspects of the analysis of data from retrospective
studies of disease. J Natl Cancer Inst 22:719-748. Greenland S, Robins JM (1985). Estimation of
a common effect parameter from sparse follow-up data. Biometrics 41:55-68. Binder DA (1983). On
the variances of asymptotically normal estimators from complex surveys. Int Stat Rev 51:279-292.
Cameron AC, Miller DL (2015). A practitioner's guide to cluster-robust inference. J Hum Resour
50:317-372.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.vocabulary import ADJUST_METHODS, check_argument

__all__ = ["RatioFit", "ratio_fit", "with_expected_counts"]


@dataclass
class RatioFit:
    """One group's adjusted (or crude) ratio: estimate, log-scale SE, df, design effects.

    ``n_strata`` counts strata with both sides present, ``n_strata_dropped`` those with one
    side only (no comparison), ``trials_dropped_a`` the trials of group a in dropped strata;
    ``deff_a`` / ``deff_b`` are the clustered over binomial variances of each side's part of
    ``U``, ``deff`` that of :math:`\\log R`.
    """

    ratio: float
    se_log: float
    df: float
    n_clusters_a: int
    n_clusters_b: int
    n_strata: int
    n_strata_dropped: int
    trials_dropped_a: float
    deff_a: float
    deff_b: float
    deff: float


def _sum_by(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(keys, weights=values, minlength=size)


@dataclass
class _Strata:
    """Per-stratum side totals."""

    xa: np.ndarray
    na: np.ndarray
    xb: np.ndarray
    nb: np.ndarray

    @property
    def both(self) -> np.ndarray:
        return (self.na > 0) & (self.nb > 0)


def _ratio(t: _Strata, method: str) -> tuple[float, float, float]:
    """``A``, ``B`` and ``R = A / B`` of the estimating equation."""
    both, N = t.both, t.na + t.nb
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "mantel-haenszel":
            A = float(np.sum(t.xa * np.where(both, t.nb / N, 0.0)))
            B = float(np.sum(t.xb * np.where(both, t.na / N, 0.0)))
        else:
            A = float(np.sum(t.xa * np.where(both, 1.0, 0.0)))
            B = float(np.sum(t.na * np.where(both, t.xb / t.nb, 0.0)))
    return A, B, A / B if B > 0 else float("nan")


def _coefficients(t: _Strata, R: float, method: str) -> tuple[np.ndarray, ...]:
    """Per-stratum derivatives of ``U`` in each cell's successes and trials, side a then b."""
    both, N = t.both, t.na + t.nb
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "mantel-haenszel":
            # U_s = (xa nb - R xb na) / N with N = na + nb: partial derivatives per cell
            Ns = np.where(N > 0, N, 1.0)
            Us = np.where(both, (t.xa * t.nb - R * t.xb * t.na) / Ns, 0.0)
            ca_x, ca_n = np.where(both, t.nb / N, 0.0), np.where(both, (-R * t.xb - Us) / Ns, 0.0)
            cb_x, cb_n = -R * np.where(both, t.na / N, 0.0), np.where(both, (t.xa - Us) / Ns, 0.0)
        else:
            # U_s = xa - R na xb / nb
            pb, f = np.where(both, t.xb / t.nb, 0.0), np.where(both, t.na / t.nb, 0.0)
            ca_x, ca_n = np.where(both, 1.0, 0.0), -R * pb
            cb_x, cb_n = -R * f, R * f * pb
    return ca_x, ca_n, cb_x, cb_n


def _side_variance(u, var_bin, n, mask, clusters) -> tuple[float, float, int]:
    """Clustered and binomial variance of one side's part of ``U``, and its clusters."""
    vb = float(np.sum(var_bin[mask]))
    if clusters is None:
        return vb, vb, int(np.sum(n[mask] > 0))
    _, inv = np.unique(np.asarray(clusters)[mask], return_inverse=True)
    G = int(inv.max()) + 1 if len(inv) else 0
    ug = _sum_by(inv, u[mask], G)
    ug = ug - ug.mean() if G else ug  # variance of a total over G sampled clusters
    vc = G / (G - 1) * float(np.sum(ug**2)) if G > 1 else float("nan")
    return vc, vb, G


def ratio_fit(
    x: np.ndarray,
    n: np.ndarray,
    side_a: np.ndarray,
    strata: np.ndarray,
    clusters: np.ndarray | None,
    *,
    method: str,
) -> RatioFit:
    r"""Crude / adjusted ratio of group a (``side_a``) over group b, with its linearised SE.

    Parameters
    ----------
    x, n : arrays
        Successes and trials per cell (complete cells only).
    side_a : bool array
        True for group ``a`` cells, False for group ``b``.
    strata : int array
        Stratum id 0..S-1 of every cell (all 0 for the crude ratio).
    clusters : int array or None
        Cluster id of every cell; None: viewers are the independent units.
    method : {"mantel-haenszel", "standardisation"}
        The estimating equation (module docstring).

    Returns
    -------
    RatioFit
        :math:`\hat R = A/B`; ``se_log`` :math:`= \sqrt{(V_a + V_b)/A^2}` with
        :math:`V = \frac{G}{G-1}\sum_g (u_g - \bar u)^2` over the cluster totals of the cells'
        contributions :math:`u_i = c_{x,i} x_i + c_{n,i} n_i` (binomial
        :math:`\sum_i c_{x,i}^2 n_i p_s(1-p_s)` without clusters); ``df`` :math:`\min(G_a,
        G_b) - 1` (inf without clusters); design effects clustered over binomial variance.
    """
    check_argument("method", ADJUST_METHODS, method)
    x, n = np.asarray(x, float), np.asarray(n, float)
    a, s = np.asarray(side_a, bool), np.asarray(strata, np.intp)
    S = int(s.max()) + 1 if len(s) else 0
    t = _Strata(_sum_by(s[a], x[a], S), _sum_by(s[a], n[a], S),
                _sum_by(s[~a], x[~a], S), _sum_by(s[~a], n[~a], S))  # fmt: skip
    A, _, R = _ratio(t, method)
    ca_x, ca_n, cb_x, cb_n = _coefficients(t, R, method)
    cx, cn = np.where(a, ca_x[s], cb_x[s]), np.where(a, ca_n[s], cb_n[s])
    u = cx * x + cn * n  # contribution of each cell
    with np.errstate(divide="ignore", invalid="ignore"):
        p_side = np.where(a, np.where(t.na > 0, t.xa / t.na, 0.0)[s],
                          np.where(t.nb > 0, t.xb / t.nb, 0.0)[s])  # fmt: skip
    var_bin = cx**2 * n * p_side * (1 - p_side)  # trials fixed, viewers independent
    va, vba, Ga = _side_variance(u, var_bin, n, a, clusters)
    vb, vbb, Gb = _side_variance(u, var_bin, n, ~a, clusters)
    nan = float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        se = float(np.sqrt((va + vb) / A**2)) if A > 0 else nan
        deff = (va + vb) / (vba + vbb) if (vba + vbb) > 0 else nan
    both = t.both
    return RatioFit(
        ratio=R, se_log=se, df=float("inf") if clusters is None else float(min(Ga, Gb) - 1),
        n_clusters_a=Ga, n_clusters_b=Gb, n_strata=int(both.sum()),
        n_strata_dropped=int(((t.na > 0) | (t.nb > 0)).sum() - both.sum()),
        trials_dropped_a=float(t.na[~both].sum()), deff_a=va / vba if vba > 0 else nan,
        deff_b=vb / vbb if vbb > 0 else nan, deff=deff,
    )  # fmt: skip


def with_expected_counts(
    cells: pd.DataFrame, expected: pd.DataFrame, *, metric: str = "atc_rate"
) -> pd.DataFrame:
    """Cells whose metric numerator is replaced by its expectation (simulated samples only).

    ``expected`` is :attr:`analysis.sample.truth.Truth.expected` (``row``, ``p_atc``,
    ``p_order``). The numerator of ``atc_rate`` (``atc``) becomes ``viewers * p_atc``, of
    ``conversion`` (``orders``) ``viewers * p_order``. Running any estimator of the kit on these
    cells gives the value it targets without binomial noise: the truth to set beside its
    interval ("like with like": the same adjustment, clusters and weights). Returns a new frame.
    """
    column = {"atc_rate": ("atc", "p_atc"), "conversion": ("orders", "p_order")}
    if metric not in column:
        raise ValueError(f"Expected counts are known for {sorted(column)}, not {metric!r}.")
    num, prob = column[metric]
    p = expected.set_index("row")[prob].reindex(cells["row"].astype("int64")).to_numpy()
    viewers = pd.to_numeric(cells["viewers"]).astype("Float64").to_numpy(float, na_value=np.nan)
    return cells.assign(**{num: viewers * p})
