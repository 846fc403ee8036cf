r"""Reference distributions of model-based inference: degrees of freedom, quantiles, p-values.

A t reference on :math:`\nu` degrees of freedom, or the standard normal when :math:`\nu` is
infinite. Shared by :func:`analysis.stats.models.effects` and the analyses that read a
:func:`analysis.stats.models.glm` result (halo, fatigue, intervention, durable changes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

__all__ = ["reference_df", "reference_pvalue", "reference_quantile"]


def reference_df(result: Any) -> float:
    """Degrees of freedom of a statsmodels result's t reference (``inf`` for z).

    ``df_resid_inference`` (set by cluster-robust fits: :math:`G - 1`) when present, else
    ``df_resid``; ``inf`` when the result does not use t.
    """
    if not getattr(result, "use_t", False):
        return float("inf")
    df = getattr(result, "df_resid_inference", None)
    return float(df if df is not None else result.df_resid)


def reference_quantile(level: float, df: float) -> float:
    r"""Two-sided quantile :math:`t_{\nu}^{-1}((1 + \text{level})/2)` (normal for ``inf``)."""
    q = (1 + level) / 2
    return float(stats.norm.ppf(q) if not np.isfinite(df) else stats.t.ppf(q, df))


def reference_pvalue(stat: float, df: float) -> float:
    r"""Two-sided p-value :math:`2\,P(T_\nu > |\text{stat}|)` (normal for ``inf``; NaN for a
    non-finite statistic)."""
    if not np.isfinite(stat):
        return float("nan")
    return float(
        2 * (stats.norm.sf(abs(stat)) if not np.isfinite(df) else stats.t.sf(abs(stat), df))
    )
