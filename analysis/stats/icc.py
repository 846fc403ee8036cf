r"""Intra-LIVE correlation of a rate: the one-way ANOVA estimator and its F-based interval.

Viewers of one LIVE share its mood; the intra-cluster correlation (ICC) :math:`\rho` is the
share of a viewer's binary outcome variance that is between LIVEs. From the per-cluster totals
(successes :math:`x_g`, trials :math:`n_g`, :math:`g = 1..k`, :math:`N = \sum n_g`,
:math:`\hat p_g = x_g / n_g`, :math:`\hat p = \sum x_g / N`), the one-way ANOVA of the 0/1
outcomes on the cluster factor gives

.. math::

    MSB = \frac{\sum_g n_g(\hat p_g - \hat p)^2}{k - 1},\quad
    MSW = \frac{\sum_g n_g \hat p_g (1 - \hat p_g)}{N - k},\quad
    n_0 = \frac{N - \sum_g n_g^2 / N}{k - 1},

    \hat\rho = \frac{MSB - MSW}{MSB + (n_0 - 1)\,MSW}

(Donner 1986, eq. 2; Searle 1971 for the unbalanced :math:`n_0`). The interval is the F-based
one of the balanced case with :math:`n_0` for the cluster size (Searle 1971, p. 474; the
"Searle" interval of Donner & Wells 1986): with :math:`F = MSB/MSW`,
:math:`F_L = F / F_{1-\alpha/2}(k-1, N-k)`, :math:`F_U = F / F_{\alpha/2}(k-1, N-k)`,

.. math:: \rho_L = \frac{F_L - 1}{F_L + n_0 - 1},\quad \rho_U = \frac{F_U - 1}{F_U + n_0 - 1}.

Estimate and lower limit are floored at 0 (a negative ICC plans like no clustering).

References: Searle SR (1971). *Linear Models*. Wiley, New York. Donner A (1986). A review of
inference procedures for the intraclass correlation coefficient in the one-way random effects
model. International Statistical Review 54:67-82. Donner A, Wells G (1986). A comparison of
confidence interval methods for the intraclass correlation coefficient. Biometrics 42:401-412.
Ukoumunne OC (2002). A comparison of confidence interval methods for the intraclass correlation
coefficient in cluster randomized trials. Statistics in Medicine 21:3757-3774.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import stats

__all__ = ["IccEstimate", "anova_icc"]

#: method text of :func:`anova_icc`
ICC_METHOD = "one-way ANOVA ICC, F-based interval with n0 (Searle 1971; Donner & Wells 1986)"


class IccEstimate(NamedTuple):
    """Result of :func:`anova_icc` (NaN when undefined)."""

    icc: float
    ci_low: float
    ci_high: float
    n0: float
    f: float
    clusters: int
    cv: float


def _nan(k: int, cv: float = np.nan) -> IccEstimate:
    return IccEstimate(np.nan, np.nan, np.nan, np.nan, np.nan, k, cv)


def anova_icc(x: np.ndarray, n: np.ndarray, *, level: float = 0.95) -> IccEstimate:
    r"""ANOVA ICC of a binary outcome from cluster totals, with its F-based interval.

    Parameters
    ----------
    x, n : array_like
        Successes and trials of each cluster (clusters with ``n = 0`` are dropped).
    level : float
        Confidence level of the two-sided interval.

    Returns
    -------
    IccEstimate
        ``icc`` :math:`\hat\rho`, ``ci_low`` and ``ci_high`` (module formulas, floored at 0),
        ``n0``, ``f`` (:math:`MSB/MSW`), ``clusters`` (*k*) and ``cv`` (coefficient of variation
        of the cluster sizes, :math:`sd(n_g)/\bar n`, population sd). NaN with fewer than 2
        clusters, no within-cluster variance, or *N* <= *k*.

    Examples
    --------
    >>> r = anova_icc([2, 9, 4, 15], [100, 150, 120, 200])
    >>> round(r.icc, 4), round(r.ci_high, 4)
    (0.0053, 0.1427)
    """
    x, n = np.asarray(x, float), np.asarray(n, float)
    keep = n > 0
    x, n = x[keep], n[keep]
    k, N = len(n), float(n.sum())
    cv = float(n.std() / n.mean()) if k else np.nan
    if k < 2 or N <= k:
        return _nan(k, cv)
    p_g, p = x / n, x.sum() / N
    msb = float((n * (p_g - p) ** 2).sum() / (k - 1))
    msw = float((n * p_g * (1 - p_g)).sum() / (N - k))
    if msw <= 0:
        return _nan(k, cv)
    n0 = (N - (n**2).sum() / N) / (k - 1)
    f = msb / msw
    alpha = 1 - level
    f_lo = f / stats.f.ppf(1 - alpha / 2, k - 1, N - k)
    f_hi = f / stats.f.ppf(alpha / 2, k - 1, N - k)
    icc = (msb - msw) / (msb + (n0 - 1) * msw)
    lo, hi = ((fv - 1) / (fv + n0 - 1) for fv in (f_lo, f_hi))
    return IccEstimate(
        max(float(icc), 0.0), max(float(lo), 0.0), max(float(hi), 0.0), float(n0), f, k, cv
    )
