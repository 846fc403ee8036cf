"""Multiple-testing adjustment that survives undefined p-values.

statsmodels' ``multipletests`` returns all-NaN adjusted p-values as soon as one input is NaN
(statsmodels#2899); dropping the NaN silently shrinks the family and under-corrects. Like R's
``p.adjust(p, n = length(p))``, :func:`adjust_pvalues` adjusts the defined p-values as members of
a family of size m = all inputs (NaN included), and keeps NaN where the input was NaN.
"""

from __future__ import annotations

import numpy as np
from statsmodels.stats.multitest import multipletests

from analysis.vocabulary import PVALUE_ADJUSTMENTS, check_argument

__all__ = ["adjust_pvalues"]


def adjust_pvalues(pvalues, *, method: str = "fdr_bh") -> np.ndarray:
    r"""Adjusted p-values, NaN kept, NaN counted in the family size m.

    Parameters
    ----------
    pvalues : array-like of float
        p-values in [0, 1]; NaN for undefined tests (they stay NaN).
    method : {"fdr_bh", "fdr_by", "holm", "bonferroni", "hommel"}
        ``fdr_bh``: Benjamini-Hochberg (false discovery rate, exploratory breakdowns such as
        hours); ``holm``: Holm's step-down (family-wise error, confirmatory); ``bonferroni``;
        ``fdr_by``: Benjamini-Yekutieli (any dependence); ``hommel``. Names as in statsmodels.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values (a new float array, the input's shape), NaN where the input is NaN.

    Notes
    -----
    With the :math:`k` defined p-values sorted, :math:`p_{(1)} \le \dots \le p_{(k)}`, and
    :math:`m \ge k` the number of inputs, the adjustments are those of R ``p.adjust(p, method,
    n = m)``: Bonferroni :math:`\min(1, m p)`; Holm :math:`\max_{j \le i}\min(1,
    (m - j + 1) p_{(j)})`; BH :math:`\min_{j \ge i}\min(1, m p_{(j)}/j)`; BY is BH times
    :math:`\sum_{j=1}^m 1/j`. Counting the undefined tests in m is conservative: they were
    tested too. Hommel has no ``n`` argument in R; here it is applied to the defined values with
    ``m - k`` extra p-values of 1 appended (equivalent to counting them in m).

    References
    ----------
    Benjamini Y, Hochberg Y (1995). JRSS B 57:289-300. Holm S (1979). Scand J Stat 6:65-70.
    Benjamini Y, Yekutieli D (2001). Ann Stat 29:1165-1188. R Core Team, ``stats::p.adjust``.

    Examples
    --------
    >>> adjust_pvalues([0.01, float("nan"), 0.04], method="bonferroni").round(3).tolist()
    [0.03, nan, 0.12]
    """
    check_argument("method", PVALUE_ADJUSTMENTS, method)
    p = np.asarray(pvalues, dtype=float)
    flat = p.ravel()
    out = np.full(flat.shape, np.nan)
    ok = ~np.isnan(flat)
    if ((flat[ok] < 0) | (flat[ok] > 1)).any():
        raise ValueError("p-values must lie in [0, 1] (NaN allowed for undefined tests).")
    m, k = flat.size, int(ok.sum())
    if k == 0:
        return out.reshape(p.shape)
    v = flat[ok]
    order = np.argsort(v, kind="mergesort")
    s = v[order]
    i = np.arange(1, k + 1)
    if method == "bonferroni":
        adj = np.minimum(1.0, m * s)
    elif method == "holm":
        adj = np.minimum(1.0, np.maximum.accumulate((m - i + 1) * s))
    elif method in ("fdr_bh", "fdr_by"):
        c = np.sum(1.0 / np.arange(1, m + 1)) if method == "fdr_by" else 1.0
        adj = np.minimum(1.0, np.minimum.accumulate((c * m * s / i)[::-1])[::-1])
    else:  # hommel: pad the family with m - k p-values of 1
        padded = np.concatenate([s, np.ones(m - k)])
        adj = multipletests(padded, method="hommel")[1][:k]
    back = np.empty(k)
    back[order] = adj
    out[ok] = back
    return out.reshape(p.shape)
