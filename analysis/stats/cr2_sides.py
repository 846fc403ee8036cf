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

The ratio :math:`\hat p_a/\hat p_b` gets the interval dual to the t test of the difference
(:func:`fieller_ratio`: Fieller's test inversion with the df of each contrast).

Pinned to R clubSandwich 0.5.8 (``vcovCR(lm(y ~ 0 + side, weights = n / phi_side), type =
"CR2")``, ``coef_test(test = "Satterthwaite")``) by ``tests/reference/cr2_sides.R``.

References
----------
Fieller EC (1954). Some problems in interval estimation. J R Stat Soc B 16:175-185.
Bell RM, McCaffrey DF (2002). Bias reduction in standard errors for linear regression with
multi-stage samples. Surv Methodol 28:169-181. Pustejovsky JE, Tipton E (2018). Small-sample
methods for cluster-robust variance estimation and hypothesis testing in fixed effects models.
J Bus Econ Stat 36:672-683.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["SideMoments", "contrast_df", "fieller_ratio", "side_moments"]


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
    inv, pairs = pd.factorize(group * span + cluster)  # hashing: no sort
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


def _end(f, start: np.ndarray, iterations: int, grid: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """End of the accepted piece (``f <= 0``) that runs from ``start`` down towards 0, per
    element: the first rejected point (``f > 0``) of a grid ``start * (1 - k/grid)``, k = 1..grid,
    plus the point 1 (so that 1 is never stepped over), then bisection between it and the
    accepted point before it. Returns the accepted end and where no grid point is rejected
    (the piece reaches 0)."""
    one = np.where((start > 1) & np.isfinite(start), 1.0, np.nan)[:, None]
    pts = np.concatenate([start[:, None] * np.linspace(1, 0, grid + 1)[None, 1:], one], axis=1)
    pts = -np.sort(-pts, axis=1)  # descending, NaN last
    with np.errstate(invalid="ignore"):
        rejected = np.stack([f(pts[:, j]) > 0 for j in range(pts.shape[1])], axis=1)
    first = rejected.argmax(axis=1)
    rows = np.arange(len(start))
    lo = pts[rows, first]
    hi = np.where(first > 0, pts[rows, np.maximum(first - 1, 0)], start)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        with np.errstate(invalid="ignore"):
            acc = f(mid) <= 0
        lo, hi = np.where(acc, lo, mid), np.where(acc, mid, hi)
    return hi, np.asarray(~rejected.any(axis=1), dtype=bool)


def fieller_ratio(
    sa: SideMoments,
    sb: SideMoments,
    phi: Sequence[np.ndarray] | None = None,
    *,
    level: float,
    iterations: int = 60,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Interval of :math:`p_a/p_b` by inverting the CR2 t test of :math:`p_a - R p_b = 0`.

    The set of :math:`R \ge 0` with
    :math:`|\hat p_a - R\hat p_b| \le t_{\nu(R)}\sqrt{V_a + R^2 V_b}` (Fieller 1954; the
    sides are independent, :math:`V_s` their CR2 variances, :math:`\nu(R)` the Bell-McCaffrey
    df of the contrast :math:`(1, -R)`, :func:`contrast_df`). At :math:`R = 1` this is the t test
    of the difference, so the interval excludes 1 exactly when that test's p-value is below
    ``1 - level``. Each limit is found for all groups at once: from :math:`\hat R` down to 0
    (lower) and, in :math:`w = 1/R` (the inequality times :math:`w`, contrast :math:`(w, -1)`),
    from :math:`1/\hat R` down to 0 (upper), the first rejected point of a grid of 32 steps
    plus the point :math:`R = 1`, then bisection (``iterations`` halvings; a root-find, not the
    quadratic with a fixed :math:`\nu`). Lower limit 0 when no point down to 0 is rejected
    (:math:`\hat p_a` not significantly above 0); upper limit ``inf`` when none down to
    :math:`w = 0` is, i.e. :math:`\hat p_b \le t_{\nu}\sqrt{V_b}` there (:math:`\hat p_b`
    not significantly above 0: the set is unbounded). With few clusters on one side
    :math:`\nu(R)` moves fast and the accepted set can have two pieces (seen with 3 LIVEs a
    side: :math:`\hat p_a` not significant near :math:`R = 0`, 1 rejected): the interval is
    the piece around :math:`\hat R`, stretched to 1 when 1 is accepted, so the duality at
    :math:`R = 1` holds exactly.

    Parameters
    ----------
    sa, sb : SideMoments
        The two sides (same groups).
    phi : sequence of two arrays, optional
        Working variances of the df (default binomial), as :func:`contrast_df`.
    level : float
        Confidence level.
    iterations : int
        Bisection halvings of each limit.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper limits per group; NaN where :math:`\hat R` is not finite and positive
        or a variance is undefined.
    """
    sides, ones = (sa, sb), np.ones_like(sa.p)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_hat = sa.p / sb.p

        def gap(ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
            r""":math:`|c_a p_a + c_b p_b| - t_\nu \mathrm{se}`, > 0 where rejected."""
            q = stats.t.ppf((1 + level) / 2, contrast_df([ca, cb], sides, phi))
            est = np.abs(ca * sa.p + cb * sb.p)
            return est - q * np.sqrt(ca**2 * sa.var + cb**2 * sb.var)

        low, zero = _end(lambda r: gap(ones, -r), r_hat, iterations)
        w, inf = _end(lambda w: gap(w, -ones), 1 / r_hat, iterations)
        low, high = np.where(zero, 0.0, low), np.where(inf, np.inf, 1 / w)
        one = gap(ones, -ones) <= 0  # R = 1 accepted: the difference test does not reject
        low, high = (
            np.where(one, np.minimum(low, 1), low),
            np.where(one, np.maximum(high, 1), high),
        )
    bad = ~(np.isfinite(r_hat) & (r_hat > 0) & np.isfinite(sa.var) & np.isfinite(sb.var))
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)
