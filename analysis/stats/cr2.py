r"""CR2 cluster-robust covariance and Bell-McCaffrey (Satterthwaite) degrees of freedom.

The small-sample corrected sandwich of a weighted linear model (Bell & McCaffrey 2002) and the
degrees of freedom of its t tests (Pustejovsky & Tipton 2018), exactly as R ``clubSandwich``
computes them (``vcovCR(fit, cluster, type = "CR2")``, ``coef_test(..., test =
"Satterthwaite")``, ``linear_contrast``). A binomial GLM enters through its working model
(:func:`glm_inputs`): design :math:`\tilde X = \mu'(\eta) X`, weights
:math:`W = n / V(\mu)`, response residuals :math:`y/n - \mu` and target variance
:math:`\Theta = W^{-1}` (clubSandwich ``vcovCR.glm``), to which the kit adds a cluster
random intercept, :math:`\Theta_g = W_g^{-1} + \tau^2 J` (:func:`glm_tau2`; R: ``vcovCR(fit,
cluster, type = "CR2", target = <list of these matrices>)``). Golden values:
``tests/reference/glm_cr2.R``.

With :math:`M = (X^\top W X)^{-1}`, cluster blocks :math:`X_g, W_g` (diagonal), :math:`\Theta_g` and its upper Cholesky factor
:math:`D_g` (:math:`D_g^\top D_g = \Theta_g`),

.. math:: B_g = D_g\,(\Theta_g - H_g\Theta_g - \Theta_g H_g^\top + X_g \Omega X_g^\top)\,D_g^\top,
          \quad H_g = X_g M X_g^\top W_g,
          \quad \Omega = M \Big(\sum_h X_h^\top W_h \Theta_h W_h X_h\Big) M,

.. math:: A_g = D_g^\top B_g^{-1/2} D_g, \quad E_g = X_g^\top W_g A_g, \quad
          \hat V = M \Big(\sum_g E_g e_g e_g^\top E_g^\top\Big) M.

For a contrast :math:`c`, with :math:`a_g = X_g^\top E_g^\top M c`,
:math:`b_g = X_g^\top W_g \Theta_g E_g^\top M c` and :math:`p_g = D_g E_g^\top M c`, the
:math:`G \times G` matrix :math:`P = \operatorname{diag}(\lVert p_g\rVert^2) + A\Omega A^\top -
A M B^\top - B M A^\top` gives :math:`\nu = (\operatorname{tr} P)^2 / \lVert P \rVert_F^2`.
When :math:`\Theta = W^{-1}` (the GLM with :math:`\tau^2 = 0`) :math:`\Omega = M`, :math:`B = A` and
:math:`B_g = D_g(\Theta_g - X_g M X_g^\top)D_g`.

The target defaults to :math:`\Theta = I` ("independence", clubSandwich's default for a linear
model with weights). Eigenvalues of :math:`B_g` below :math:`10^{-12}` times the largest are set
to zero in the inverse square root (R: below :math:`10^{-12}` absolutely; identical unless the
target variances are tiny).

References
----------
Bell RM, McCaffrey DF (2002). Bias reduction in standard errors for linear regression with
multi-stage samples. Survey Methodology 28:169-181. Pustejovsky JE, Tipton E (2018).
Small-sample methods for cluster-robust variance estimation and hypothesis testing in fixed
effects models. J Bus Econ Stat 36:672-683. Cameron AC, Miller DL (2015). A practitioner's
guide to cluster-robust inference. J Hum Resour 50:317-372. Searle SR, Casella G, McCulloch CE
(1992). Variance Components. Wiley, ch. 3 (ANOVA / moment estimators, truncated at zero).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["CR2Parts", "bm_df", "cr2_parts", "cr2_vcov", "glm_inputs", "glm_tau2"]


def _inv_sqrt(B: np.ndarray) -> np.ndarray:
    """Symmetric inverse square root of each matrix of the stack ``B`` (..., n, n), its
    eigenvalues below 1e-12 x its largest set to zero."""
    vals, vecs = np.linalg.eigh((B + np.swapaxes(B, -1, -2)) / 2)
    cut = 1e-12 * np.maximum(vals.max(axis=-1, keepdims=True), 0.0)
    inv = np.where(vals > cut, 1 / np.sqrt(np.where(vals > cut, vals, 1.0)), 0.0)
    return (vecs * inv[..., None, :]) @ np.swapaxes(vecs, -1, -2)


@dataclass
class CR2Parts:
    """The pieces of a CR2 fit that do not depend on the residuals: ``M``, ``Omega``, and per
    cluster the rows ``index``, the adjusted estimating matrix ``E`` (:math:`k\\times n_g`),
    the target square roots ``d`` (upper Cholesky factors, :math:`D_g^\\top D_g = \\Theta_g`)
    and :math:`\\Theta_g W_g X_g` (``twx``)."""

    X: np.ndarray
    M: np.ndarray
    Omega: np.ndarray
    index: list[np.ndarray]
    E: list[np.ndarray]
    d: list[np.ndarray]
    twx: list[np.ndarray]

    @property
    def n_clusters(self) -> int:
        """Number of clusters :math:`G`."""
        return len(self.index)

    def vcov(self, resid: np.ndarray) -> np.ndarray:
        """:math:`M (\\sum_g E_g e_g e_g^\\top E_g^\\top) M` for residuals ``resid``."""
        r = np.asarray(resid, dtype=float)
        U = np.column_stack([E @ r[i] for E, i in zip(self.E, self.index, strict=True)])
        return self.M @ (U @ U.T) @ self.M

    def df(self, contrasts: np.ndarray) -> np.ndarray:
        """Satterthwaite degrees of freedom of each row of ``contrasts`` (:math:`m\\times k`)."""
        C = np.atleast_2d(np.asarray(contrasts, dtype=float))
        G, m = self.n_clusters, C.shape[0]
        pn, A, B = np.empty((m, G)), np.empty((m, G, C.shape[1])), np.empty((m, G, C.shape[1]))
        cm = C @ self.M  # as (C @ M) @ E evaluates it, once
        for g, (E, i, d, twx) in enumerate(zip(self.E, self.index, self.d, self.twx, strict=True)):
            cme = cm @ E  # m x n_g
            pn[:, g] = ((cme @ d.T) ** 2).sum(axis=1)
            A[:, g, :] = cme @ self.X[i]
            B[:, g, :] = cme @ twx
        out = np.empty(m)
        for j in range(m):
            amb = A[j] @ self.M @ B[j].T
            P = np.diag(pn[j]) + A[j] @ self.Omega @ A[j].T - amb - amb.T
            fro = float((P**2).sum())
            out[j] = float(np.trace(P)) ** 2 / fro if fro > 0 else np.nan
        return out


def cr2_parts(
    X: np.ndarray,
    w: np.ndarray,
    clusters: np.ndarray,
    *,
    target: np.ndarray | None = None,
    tau2: float = 0.0,
) -> CR2Parts:
    r"""The residual-free pieces of CR2 for design ``X`` (:math:`n\times k`), weights ``w``,
    cluster ids ``clusters`` and working variances :math:`\Theta_g = \operatorname{diag}(
    \theta_g) + \tau^2 J` (``target`` :math:`\theta`, default ones; ``tau2`` a cluster random
    intercept's variance, default 0)."""
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    theta = np.ones(len(w)) if target is None else np.asarray(target, dtype=float)
    _, codes = np.unique(np.asarray(clusters), return_inverse=True)
    codes = codes.ravel()
    # each cluster's rows, ascending: one sort, not G scans
    order = np.argsort(codes, kind="stable")
    index = np.split(order, np.cumsum(np.bincount(codes))[:-1])
    M = np.linalg.pinv((X * w[:, None]).T @ X, hermitian=True)
    # clusters of one size at a time, as stacks of matrices (one LAPACK call per size)
    sizes = np.array([len(i) for i in index])
    groups = [np.flatnonzero(sizes == n) for n in np.unique(sizes)]
    stacks = [_stack(X, w, theta, tau2, [index[g] for g in gs]) for gs in groups]
    S = sum(((np.swapaxes(xw, 1, 2) @ t @ xw).sum(axis=0) for _, xw, t in stacks),
            np.zeros((X.shape[1], X.shape[1])))  # fmt: skip
    Omega = M @ S @ M
    E: list[np.ndarray] = [np.empty(0)] * len(index)
    d, twx = list(E), list(E)
    for gs, (xg, xw, t) in zip(groups, stacks, strict=True):
        ht = (xg @ M @ np.swapaxes(xw, 1, 2)) @ t  # H_g T_g; T_g H_g' is its transpose
        core = t - ht - np.swapaxes(ht, 1, 2) + xg @ Omega @ np.swapaxes(xg, 1, 2)
        dg = np.swapaxes(np.linalg.cholesky(t), 1, 2)  # upper: Dg' Dg = Tg (R: chol)
        ag = np.swapaxes(dg, 1, 2) @ _inv_sqrt(dg @ core @ np.swapaxes(dg, 1, 2)) @ dg
        eg, tw = np.swapaxes(xw, 1, 2) @ ag, t @ xw
        for j, g in enumerate(gs):
            E[g], d[g], twx[g] = eg[j], dg[j], tw[j]
    return CR2Parts(X, M, Omega, index, E, d, twx)


def _stack(X: np.ndarray, w: np.ndarray, theta: np.ndarray, tau2: float, rows: list[np.ndarray]):
    r"""Design, weighted design and target :math:`\Theta_g` of clusters of one size, stacked."""
    i = np.stack(rows)
    t = np.zeros((*i.shape, i.shape[1])) + tau2
    t[:, np.arange(i.shape[1]), np.arange(i.shape[1])] += theta[i]
    return X[i], X[i] * w[i][..., None], t


def cr2_vcov(
    X: np.ndarray,
    w: np.ndarray,
    resid: np.ndarray,
    clusters: np.ndarray,
    *,
    target: np.ndarray | None = None,
    tau2: float = 0.0,
) -> np.ndarray:
    r"""CR2 covariance of weighted least squares (module docstring for the formula).

    Parameters
    ----------
    X : ndarray (n, k)
        Design matrix (for a GLM: :func:`glm_inputs`).
    w : ndarray (n,)
        Weights (positive).
    resid : ndarray (n,)
        Residuals :math:`y - X\hat\beta` (GLM: response residuals).
    clusters : array-like (n,)
        Cluster ids.
    target : ndarray (n,), optional
        Diagonal working variances :math:`\Theta`; default ones (clubSandwich's default for
        ``lm`` with weights); :math:`1/w` for a GLM.
    tau2 : float, default 0
        Variance of a cluster random intercept added to the target, :math:`\Theta_g =
        \operatorname{diag}(\theta_g) + \tau^2 J` (R: ``target`` as a list of these matrices).

    Returns
    -------
    ndarray (k, k)
        Equal to R ``clubSandwich::vcovCR(fit, cluster, type = "CR2")``.

    References
    ----------
    Bell RM, McCaffrey DF (2002). Survey Methodology 28:169-181.
    """
    return cr2_parts(X, w, clusters, target=target, tau2=tau2).vcov(resid)


def bm_df(
    X: np.ndarray,
    w: np.ndarray,
    clusters: np.ndarray,
    contrasts: np.ndarray,
    *,
    target: np.ndarray | None = None,
    tau2: float = 0.0,
) -> np.ndarray:
    r"""Bell-McCaffrey / Satterthwaite degrees of freedom of each contrast row.

    :math:`\nu = (\operatorname{tr} P)^2 / \lVert P\rVert_F^2` (module docstring), equal to R
    ``clubSandwich::coef_test(..., test = "Satterthwaite")`` (unit contrasts) and
    ``linear_contrast(..., test = "Satterthwaite")`` with the same ``target``. Arguments as :func:`cr2_vcov`;
    ``contrasts`` is :math:`m \times k`.

    References
    ----------
    Pustejovsky JE, Tipton E (2018). J Bus Econ Stat 36:672-683.
    """
    return cr2_parts(X, w, clusters, target=target, tau2=tau2).df(contrasts)


def glm_inputs(result: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Working design, weights, residuals and target of a fitted binomial logit GLM.

    :math:`\tilde X = \mu(1-\mu) X`, :math:`w = n / (\mu(1-\mu))`, :math:`e = y/n - \mu`,
    :math:`\Theta = 1/w` (clubSandwich ``model_matrix.glm``, ``weightMatrix.glm``,
    ``residuals_CS.glm``, ``targetVariance.glm``; ``vcovCR.glm`` uses ``inverse_var``).
    ``result`` is a statsmodels binomial GLM fitted on two-column (successes, failures) endog.
    """
    X, r, theta, _ = _glm_residuals(result)
    v = np.asarray(result.fittedvalues, dtype=float)
    v = np.clip(v * (1 - v), 1e-12, None)  # a separated row: no information, no weight
    return X * v[:, None], 1 / theta, r, theta


def _glm_residuals(result: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Design, response residuals, binomial working variances :math:`\\mu(1-\\mu)/n` and
    trials of a statsmodels binomial GLM fit."""
    m = result.model
    mu = np.asarray(result.fittedvalues, dtype=float)
    n = np.asarray(m.n_trials, dtype=float)
    y = np.asarray(m.endog, dtype=float)  # proportion successes / trials
    v = np.clip(mu * (1 - mu), 1e-12, None)
    return np.asarray(m.exog, dtype=float), y - mu, v / n, n


def glm_tau2(result: Any, clusters: np.ndarray) -> float:
    r"""Moment estimate of the between-cluster variance of a binomial GLM's response residuals.

    With :math:`e_i = y_i/n_i - \hat\mu_i`, cluster totals :math:`N_g = \sum_{i\in g} n_i`,
    the viewer-weighted mean residual :math:`\bar e_g = \sum_{i\in g} n_i e_i / N_g` and its
    binomial variance :math:`v_g = \sum_{i\in g} n_i \hat\mu_i(1-\hat\mu_i) / N_g^2`,

    .. math:: \hat\tau^2 = \max\Big(0,\ \frac{1}{G}\sum_g (\bar e_g^2 - v_g)\Big),

    the unweighted method-of-moments (ANOVA-type) estimator of the variance of a cluster random
    intercept on the rate scale, truncated at zero (Searle, Casella & McCulloch 1992, ch. 3);
    it ignores the small loss of spread from fitting :math:`\hat\beta`. It sets the working
    model of CR2 (:math:`\Theta_g = W_g^{-1} + \tau^2 J`); the CR2 covariance stays consistent
    whatever the working model, a working model near the true covariance gives the better df
    (Pustejovsky & Tipton 2018). :math:`\hat\tau^2 = 0` gives clubSandwich's default.

    References
    ----------
    Searle SR, Casella G, McCulloch CE (1992). Variance Components. Wiley. Pustejovsky JE,
    Tipton E (2018). J Bus Econ Stat 36:672-683.
    """
    _, r, theta, n = _glm_residuals(result)
    _, codes = np.unique(np.asarray(clusters), return_inverse=True)
    N = np.bincount(codes, weights=n)
    ebar = np.bincount(codes, weights=n * r) / N
    v = np.bincount(codes, weights=n**2 * theta) / N**2
    return max(0.0, float(np.mean(ebar**2 - v)))
