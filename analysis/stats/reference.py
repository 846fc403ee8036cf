r"""Reference distributions of model-based inference: degrees of freedom, quantiles, p-values.

A t reference on :math:`\nu` degrees of freedom, or the standard normal when :math:`\nu` is
infinite. Shared by :func:`analysis.stats.models.effects` and the analyses that read a
:func:`analysis.stats.models.glm` result (halo, fatigue, intervention, durable changes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "FEW_CLUSTERS", "FEW_DF", "few_clusters_note", "reference_df", "reference_pvalue",
    "reference_quantile",
]  # fmt: skip

#: Fewer independent clusters than this (LIVEs on the live side, the smaller side of a
#: contrast, the clusters that inform a coefficient): status ``few_clusters``. Small-sample
#: corrected intervals (CR2 with Bell-McCaffrey degrees of freedom, the cluster jackknife) stay
#: valid but wide there, and the estimate rests on a handful of LIVEs (Imbens & Kolesar 2016;
#: Pustejovsky & Tipton 2018).
FEW_CLUSTERS = 10

#: Bell-McCaffrey / Satterthwaite degrees of freedom below this: status ``few_clusters`` even
#: with enough clusters (a few large or high-leverage clusters carry the estimate; Pustejovsky &
#: Tipton 2018 flag tests with df < 4 as unreliable).
FEW_DF = 4.0


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


def few_clusters_note(n_clusters: float, df: float, what: str) -> tuple[str, str] | None:
    """The ``few_clusters`` note of an estimate, or None when it rests on enough clusters.

    ``few_clusters`` when fewer than :data:`FEW_CLUSTERS` clusters inform it or its reference
    distribution has fewer than :data:`FEW_DF` degrees of freedom; ``what`` names the clusters
    (e.g. ``"LIVEs"``). The detail reads ``"6 LIVEs (< 10), t(4.2) reference"``.

    References
    ----------
    Imbens GW, Kolesar M (2016). Robust standard errors in small samples: some practical advice.
    Rev Econ Stat 98:701-712. Pustejovsky JE, Tipton E (2018). Small-sample methods for
    cluster-robust variance estimation and hypothesis testing in fixed effects models. J Bus
    Econ Stat 36:672-683.
    """
    few = np.isfinite(n_clusters) and n_clusters < FEW_CLUSTERS
    low = np.isfinite(df) and df < FEW_DF
    if not (few or low):
        return None
    why = f"{int(n_clusters)} {what}" + (f" (< {FEW_CLUSTERS})" if few else "")
    return "few_clusters", f"{why}, t({df:.3g}) reference" + (f" (df < {FEW_DF:g})" if low else "")
