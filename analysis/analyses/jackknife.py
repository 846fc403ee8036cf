r"""CR3 (cluster jackknife) covariance of a clustered binomial GLM fit, swapped into the fit.

The intervention estimators (:mod:`analysis.analyses.intervention`) fit a dozen or so LIVEs of
one creator; the CR1 sandwich of :func:`analysis.stats.models.glm` is biased down with so few
clusters, the jackknife much less (MacKinnon, Nielsen & Webb 2023).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["jackknife_cov", "use_jackknife"]

#: the label of the covariance in a fit's ``method`` text, before and after the swap
CR1_LABEL, CR3_LABEL = "CR1 cluster-robust", "CR3 (jackknife) cluster-robust"


def jackknife_cov(result: Any) -> np.ndarray:
    r"""CR3 (cluster jackknife) covariance of a one-way clustered :func:`analysis.stats.models.glm` fit.

    One-step leave-one-cluster-out estimates :math:`\hat\beta_{(g)} - \hat\beta \approx
    -(H - H_g)^{-1} s_g` (:math:`H = X^\top W X`, :math:`H_g` its part from cluster *g*,
    :math:`s_g` cluster *g*'s score; the full score is 0 at :math:`\hat\beta`), and

    .. math:: \hat V = \frac{G-1}{G}\sum_g (\hat\beta_{(g)} - \hat\beta)
              (\hat\beta_{(g)} - \hat\beta)^\top.

    Parameters
    ----------
    result : statsmodels GLMResults
        A fit of :func:`analysis.stats.models.glm` with one cluster column (``_cluster`` in its
        model frame).

    Returns
    -------
    numpy.ndarray
        The :math:`k \times k` covariance of the coefficients.

    Raises
    ------
    numpy.linalg.LinAlgError
        When leaving one cluster out makes the model unidentified (e.g. one LIVE holds every
        post-period cell).

    Notes
    -----
    With few clusters CR1 is biased down; CR3 keeps the nominal level much better. Measured
    here: a 16-LIVE placebo ITS covers 0.921 with CR1 + t(15), 0.953 with CR3 + t(15) (1,000
    runs; the 200-run version is ``tests/analyses/test_intervention.py``).

    References
    ----------
    MacKinnon JG, Nielsen MØ, Webb MD (2023). Cluster-robust inference: a guide to empirical
    practice. J Econometrics 232:272-299, sec. 4.2. Bell RM, McCaffrey DF (2002). Bias reduction
    in standard errors for linear regression with multi-stage samples. Survey Methodology
    28:169-181.
    """
    m = result.model
    X = np.asarray(m.exog, dtype=float)
    mu = np.asarray(result.fittedvalues, dtype=float)
    n = np.asarray(m.n_trials, dtype=float)
    y = np.asarray(m.endog, dtype=float)
    g = np.asarray(m.data.frame["_cluster"])
    w = n * mu * (1 - mu)
    H = (X * w[:, None]).T @ X
    score = X * (n * (y - mu))[:, None]
    ids = np.unique(g)
    steps = []
    for c in ids:
        sel = g == c
        Hg = (X[sel] * w[sel][:, None]).T @ X[sel]
        A = H - Hg
        L = np.linalg.cholesky(A)  # raises LinAlgError when A is not positive definite
        if (np.diag(L) ** 2).min() < 1e-10 * np.diag(A).max():  # numerically singular
            raise np.linalg.LinAlgError("a cluster holds all the information on a coefficient")
        z = np.linalg.solve(L, score[sel].sum(axis=0))
        steps.append(np.linalg.solve(L.T, z))
    D = np.asarray(steps)
    return (len(ids) - 1) / len(ids) * (D.T @ D)


def use_jackknife(result: Any) -> bool:
    """Replace the covariance of ``result`` by :func:`jackknife_cov`, in place.

    The fit's standard errors, t values and p-values (and everything computed from
    ``cov_params()`` afterwards, e.g. :func:`analysis.stats.models.effects`) then use CR3, and
    its ``result.cartlift.method`` says ``CR3 (jackknife) cluster-robust``.

    Returns
    -------
    bool
        True when CR3 is in place; False when leaving one cluster out leaves a coefficient
        unidentified (one cluster holds a whole side of it, e.g. one LIVE after the date): the
        fit keeps its CR1 covariance and the caller says so in the row's status.
    """
    try:
        V = jackknife_cov(result)
    except np.linalg.LinAlgError:
        return False
    inner = getattr(result, "_results", result)  # the statsmodels wrapper delegates to _results
    inner.cov_params_default = V
    for key in ("bse", "tvalues", "pvalues"):
        inner._cache.pop(key, None)
    info = result.cartlift
    info.method = info.method.replace(CR1_LABEL, CR3_LABEL)
    return True
