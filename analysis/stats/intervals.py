r"""One-sample intervals: a binomial proportion, and a ratio of sums by the delta method.

Vectorised kernels on valid inputs only (``0 <= x <= n``, ``n > 0``); the callers
(:func:`analysis.stats.rates.rates`, :mod:`analysis.analyses.selfcheck`) decide which rows are
valid and what their status is. With :math:`\alpha = 1 - \text{level}` and
:math:`z = \Phi^{-1}(1 - \alpha/2)`:

* Wilson (1927) score interval (``wilson``);
* Wilson with continuity correction (Newcombe 1998a, method 4; ``wilson-cc``);
* Clopper & Pearson (1934) exact interval (``clopper-pearson``);
* Jeffreys, with the boundary fix of Brown, Cai & DasGupta (2001) (``jeffreys``);
* ``auto``: ``wilson-cc``, or ``clopper-pearson`` for a small cell (fewer than
  :data:`SMALL_CELL` successes or failures).

References
----------
Wilson EB (1927). Probable inference, the law of succession, and statistical inference. JASA
22:209-212. Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated
in the case of the binomial. Biometrika 26:404-413. Newcombe RG (1998a). Two-sided confidence
intervals for the single proportion: comparison of seven methods. Stat Med 17:857-872. Brown LD,
Cai TT, DasGupta A (2001). Interval estimation for a binomial proportion. Stat Sci 16:101-133.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

__all__ = [
    "SMALL_CELL", "binomial_interval", "delta_interval", "two_sided_p", "wilson_cc", "z_quantile",
]  # fmt: skip

#: A cell (pooled group) is *small* when it has fewer than this many successes or failures;
#: ``method="auto"`` then uses the exact Clopper-Pearson interval instead of Wilson.
SMALL_CELL = 5

# our method names -> statsmodels.stats.proportion.proportion_confint method names
_SM_METHOD = {"wilson": "wilson", "clopper-pearson": "beta", "jeffreys": "jeffreys"}


def z_quantile(level: float) -> float:
    r"""The two-sided normal quantile :math:`z = \Phi^{-1}((1 + \text{level})/2)`."""
    return float(stats.norm.isf((1 - level) / 2))


def two_sided_p(z: np.ndarray) -> np.ndarray:
    r"""Two-sided normal p-value :math:`2\,\bar\Phi(|z|)`."""
    return 2 * stats.norm.sf(np.abs(z))


def wilson_cc(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Wilson score interval with continuity correction (Newcombe 1998a, method 4).

    .. math:: \frac{2N\hat p + z^2 \mp 1 \mp z\sqrt{z^2 \mp 2 - 1/N + 4\hat p(N(1-\hat p)
              \pm 1)}}{2(N + z^2)}

    with the lower limit 0 at :math:`X = 0` and the upper limit 1 at :math:`X = N` (R
    ``prop.test(correct = TRUE)``).

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)``.
    """
    z = z_quantile(level)
    p = x / n
    with np.errstate(invalid="ignore"):
        root_lo = np.sqrt(np.maximum(z * z - 2 - 1 / n + 4 * p * (n * (1 - p) + 1), 0.0))
        root_hi = np.sqrt(np.maximum(z * z + 2 - 1 / n + 4 * p * (n * (1 - p) - 1), 0.0))
        lo = (2 * n * p + z * z - 1 - z * root_lo) / (2 * (n + z * z))
        hi = (2 * n * p + z * z + 1 + z * root_hi) / (2 * (n + z * z))
    return np.where(x == 0, 0.0, lo), np.where(x == n, 1.0, hi)


def binomial_interval(
    x: np.ndarray, n: np.ndarray, method: str, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Interval for ``x`` successes out of ``n > 0`` trials (``0 <= x <= n``), vectorised.

    Parameters
    ----------
    x, n : array-like
        Successes and trials.
    method : {"auto", "wilson", "wilson-cc", "clopper-pearson", "jeffreys"}
        See the module docstring. ``clopper-pearson``: the :math:`\alpha/2` and
        :math:`1-\alpha/2` quantiles of :math:`\mathrm{Beta}(X, N-X+1)` and
        :math:`\mathrm{Beta}(X+1, N-X)`; ``jeffreys``: quantiles of
        :math:`\mathrm{Beta}(X+\tfrac12, N-X+\tfrac12)`; both set to 0 at :math:`X = 0` and to
        1 at :math:`X = N`.
    level : float
        Confidence level.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper, method used)``; limits clipped to [0, 1]; the method per row
        (``auto`` resolved to ``wilson-cc`` or ``clopper-pearson``).
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    if method == "auto":
        small = (x < SMALL_CELL) | (n - x < SMALL_CELL)
        used = np.where(small, "clopper-pearson", "wilson-cc").astype(object)
    else:
        used = np.full(x.shape, method, dtype=object)
    lo = np.full(x.shape, np.nan)
    hi = np.full(x.shape, np.nan)
    for name, sm_name in _SM_METHOD.items():
        sel = used == name
        if sel.any():
            lo[sel], hi[sel] = proportion_confint(x[sel], n[sel], alpha=1 - level, method=sm_name)
    cc = used == "wilson-cc"
    if cc.any():
        lo[cc], hi[cc] = wilson_cc(x[cc], n[cc], level)
    exact = (used == "jeffreys") | (used == "clopper-pearson")  # statsmodels: NaN at the bounds
    lo[exact & (x == 0)] = 0.0
    hi[exact & (x == n)] = 1.0
    return np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0), used


def delta_interval(
    rate: np.ndarray, var: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Delta-method interval of a ratio of sums :math:`R` with variance :math:`V`.

    :math:`R \pm z\sqrt{V}`, the lower limit truncated at 0 (a ratio of non-negative sums,
    e.g. revenue over orders). Rows with an undefined variance (fewer than two cells) get NaN.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper, valid)``; ``valid`` marks the rows with a finite standard error.

    References
    ----------
    Cochran WG (1977). Sampling Techniques, 3rd ed., sec. 6.3. Wiley. Deng A, Knoblich U, Lu J
    (2018). Applying the delta method in metric analytics. KDD.
    """
    se = np.sqrt(var)
    z = z_quantile(level)
    valid = np.isfinite(se)
    lo = np.full(np.shape(rate), np.nan)
    hi = np.full(np.shape(rate), np.nan)
    lo[valid] = np.maximum(rate[valid] - z * se[valid], 0.0)
    hi[valid] = rate[valid] + z * se[valid]
    return lo, hi, valid
