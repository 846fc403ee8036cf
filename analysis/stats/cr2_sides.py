r"""CR2 variance and Bell-McCaffrey degrees of freedom of pooled rates, in closed form.

The clustered inference of :func:`analysis.stats.rates.rates` and
:func:`analysis.stats.compare.compare`. One side's rate is a ratio of sums
:math:`\hat p = \sum_i x_i / \sum_i n_i`: the intercept of the weighted linear model
:math:`y_i = x_i/n_i = \beta + e_i` with weights :math:`n_i`. Its cluster-robust variance with
the bias-reduced linearisation CR2 (Bell & McCaffrey 2002) and the Satterthwaite degrees of
freedom of Bell & McCaffrey under the working model "independence" (Pustejovsky & Tipton 2018)
have closed forms, so every ``by`` group is done at once from cluster totals
(:func:`numpy.bincount` over (group, cluster) pairs), without building a design matrix.

With :math:`G` clusters of totals :math:`(x_g, n_g)`, :math:`N = \sum_g n_g` and leverages
:math:`h_g = n_g/N` (the cluster's block of the hat matrix has the one eigenvalue
:math:`h_g`):

.. math::

    \widehat{V}_{CR2}(\hat p) = \frac{1}{N^2}\sum_g \frac{(x_g - \hat p n_g)^2}{1 - h_g},
    \qquad T = \frac{1}{N}, \qquad
    F = \frac{\sum_g h_g^2 + (\sum_g c_g)^2 - \sum_g c_g^2}{N^2},
    \quad c_g = \frac{h_g^2}{1 - h_g},

where :math:`T` and :math:`F` are the trace and squared Frobenius norm of the matrix
:math:`\Omega` whose quadratic form is the CR2 variance under unit working variance; one side's
df is :math:`T^2/F` (exactly :math:`G - 1` for equal cluster sizes). A contrast of independent
sides with gradient weights :math:`a_s` and working variances :math:`\phi_s = p_s(1 - p_s)` has

.. math:: \nu = \frac{(\sum_s a_s^2 \phi_s T_s)^2}{\sum_s a_s^4 \phi_s^2 F_s}.

Pinned to R clubSandwich 0.5.8 (``vcovCR(lm(y ~ 0 + side, weights = n / phi_side), type =
"CR2")``, ``coef_test(test = "Satterthwaite")``) by ``tests/reference/cr2_sides.R``.

References
----------
Bell RM, McCaffrey DF (2002). Bias reduction in standard errors for linear regression with
multi-stage samples. Surv Methodol 28:169-181. Pustejovsky JE, Tipton E (2018). Small-sample
methods for cluster-robust variance estimation and hypothesis testing in fixed effects models.
J Bus Econ Stat 36:672-683.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["SideMoments", "contrast_df", "side_moments"]


@dataclass
class SideMoments:
    """Per-group CR2 pieces of one side (arrays of length ``ngroups``).

    ``x``, ``n``: totals; ``p``: rate (NaN without trials); ``n_clusters``: clusters with
    trials; ``var``: CR2 variance of ``p`` (NaN with fewer than 2 clusters); ``trace`` and
    ``frob``: :math:`T` and :math:`F` of the module docstring; ``df``: :math:`T^2/F`.
    """

    x: np.ndarray
    n: np.ndarray
    p: np.ndarray
    n_clusters: np.ndarray
    var: np.ndarray
    trace: np.ndarray
    frob: np.ndarray

    @property
    def df(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.trace**2 / self.frob


def side_moments(
    x: np.ndarray, n: np.ndarray, group: np.ndarray, cluster: np.ndarray, ngroups: int
) -> SideMoments:
    r"""CR2 variance, trace and Frobenius pieces of every group's pooled rate.

    Parameters
    ----------
    x, n : arrays
        Successes and trials of each cell (complete cells of one side only).
    group : int array
        ``by`` group id 0..ngroups-1 of each cell.
    cluster : int array
        Cluster id of each cell (LIVE room, video or product x day); a cluster may appear in
        several groups, where it is one cluster of each.
    ngroups : int
        Number of groups.

    Returns
    -------
    SideMoments
        :math:`\widehat V_{CR2}(\hat p)`, :math:`T`, :math:`F` per group (module docstring);
        clusters without trials are not counted. One cluster: ``var`` and ``df`` NaN.
    """
    x, n = np.asarray(x, float), np.asarray(n, float)
    group, cluster = np.asarray(group, np.int64), np.asarray(cluster, np.int64)
    span = int(cluster.max()) + 1 if len(cluster) else 1
    pairs, inv = np.unique(group * span + cluster, return_inverse=True)
    pg = pairs // span  # the group of each (group, cluster) pair
    xg = np.bincount(inv, weights=x, minlength=len(pairs))
    ng = np.bincount(inv, weights=n, minlength=len(pairs))

    def per_group(v: np.ndarray) -> np.ndarray:
        return np.bincount(pg, weights=v, minlength=ngroups)

    X, N = per_group(xg), per_group(ng)
    G = per_group((ng > 0).astype(float)).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(N > 0, X / N, np.nan)
        h = np.where(N[pg] > 0, ng / N[pg], 0.0)
        one = G[pg] < 2  # a lone cluster: h = 1, no spread between clusters
        keep = 1.0 - np.where(one, 0.5, h)
        c = h**2 / keep
        var = per_group((xg - np.nan_to_num(p[pg]) * ng) ** 2 / keep) / N**2
        frob = (per_group(h**2) + per_group(c) ** 2 - per_group(c**2)) / N**2
        trace = 1.0 / N
    bad = G < 2
    var[bad], frob[bad] = np.nan, np.nan
    return SideMoments(x=X, n=N, p=p, n_clusters=G, var=var, trace=trace, frob=frob)


def contrast_df(
    weights: Sequence[np.ndarray],
    sides: Sequence[SideMoments],
    phi: Sequence[np.ndarray] | None = None,
) -> np.ndarray:
    r"""Bell-McCaffrey / Satterthwaite df of :math:`\sum_s a_s \hat p_s` over independent sides.

    Parameters
    ----------
    weights : sequence of arrays
        Gradient weight :math:`a_s` of each side per group (e.g. ``(1, -1)`` for a difference,
        ``(1/p_a, -1/p_b)`` for the log ratio).
    sides : sequence of SideMoments
        The sides, same order and groups.
    phi : sequence of arrays, optional
        Working variance per unit weight of each side; default the binomial
        :math:`p_s(1-p_s)` (a ratio metric passes its own, e.g. the per-order variance).

    Returns
    -------
    numpy.ndarray
        :math:`\nu = (\sum_s a_s^2\phi_s T_s)^2 / \sum_s a_s^4\phi_s^2 F_s`,
        :math:`\phi_s = p_s(1-p_s)`; NaN where a side has one cluster or no variance.
    """
    num = den = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        phis = [s.p * (1 - s.p) for s in sides] if phi is None else phi
        for a, s, f in zip(weights, sides, phis, strict=True):
            num = num + a**2 * f * s.trace
            den = den + a**4 * f**2 * s.frob
        df = np.asarray(num**2 / den, dtype=float)
    return np.where(np.isfinite(df) & (df > 0), df, np.nan)
