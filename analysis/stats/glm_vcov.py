r"""The cluster-robust covariance of a :func:`analysis.stats.models.glm` fit, swapped into the fit.

``CR2`` (default; Bell & McCaffrey 2002, :mod:`analysis.stats.cr2`) with per-coefficient
Bell-McCaffrey / Satterthwaite degrees of freedom (Pustejovsky & Tipton 2018) under a working
model with a cluster (LIVE) random intercept, :math:`\Theta_g = W_g^{-1} + \hat\tau^2 J`
(:func:`analysis.stats.cr2.glm_tau2`), as R ``clubSandwich::vcovCR(glm_fit, cluster, type =
"CR2", target = <those matrices>)`` + ``coef_test(test = "Satterthwaite")``
(:math:`\hat\tau^2 = 0`: clubSandwich's default working model); ``CR1`` (statsmodels' sandwich, R ``sandwich::vcovCL(type = "HC1")``) and
``CR3`` (one-step delete-one-cluster jackknife, :func:`jackknife_cov`); CR1 on
:math:`t(G-1)`, CR3 on :math:`t(G_j - 1)` with :math:`G_j` the clusters informing coefficient
*j* (for an indicator its smaller side, e.g. the LIVEs after the date; at most :math:`G-1`).
Two-way clustering stays CR1 (Cameron, Gelbach & Miller 2011) on :math:`t(\min(G_1, G_2) - 1)`:
CR2 is defined for one clustering only.

The chosen covariance replaces statsmodels' (``cov_params_default``), so ``.bse`` and
``.cov_params()`` are it; ``.pvalues`` / ``.conf_int()`` keep statsmodels' single reference
df and are not read by the kit (:func:`analysis.stats.models.coef_table` is).

References
----------
Bell RM, McCaffrey DF (2002). Survey Methodology 28:169-181. Pustejovsky JE, Tipton E (2018).
J Bus Econ Stat 36:672-683. MacKinnon JG, Nielsen MØ, Webb MD (2023). Cluster-robust
inference: a guide to empirical practice. J Econometrics 232:272-299. Cameron AC, Gelbach JB,
Miller DL (2011). Robust inference with multiway clustering. J Bus Econ Stat 29:238-249.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.stats.cr2 import CR2Parts, cr2_parts, glm_inputs, glm_tau2
from analysis.stats.reference import reference_df

__all__ = ["JackknifeUndefined", "VcovFit", "cluster_cov", "contrast_df", "fit_vcov",
           "jackknife_cov", "swap_cov", "term_clusters"]  # fmt: skip


class JackknifeUndefined(np.linalg.LinAlgError):
    """Leaving cluster ``cluster`` out leaves coefficient ``term`` unidentified."""

    def __init__(self, cluster: Any, term: str) -> None:
        super().__init__(f"leaving out cluster {cluster} leaves {term} unidentified")
        self.cluster, self.term = cluster, term


@dataclass
class VcovFit:
    """The covariance of a fit: ``kind`` (``CR2``, ``CR1``, ``CR3``, ``CR1 two-way``,
    ``model``), the per-coefficient ``df`` and informing clusters, the ``label`` of the method
    text, the CR2 pieces (the df of other contrasts), notes, the fit's single reference df
    ``ref_df`` (:math:`G-1`; contrasts of non-CR2 fits) and the CR2 working model's
    between-cluster variance ``tau2`` (:func:`analysis.stats.cr2.glm_tau2`) with its words
    ``working``, said after the df in the method text."""

    kind: str
    df: np.ndarray
    clusters: np.ndarray
    label: str
    parts: CR2Parts | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)
    ref_df: float = np.inf
    tau2: float = np.nan
    working: str = ""


def jackknife_cov(result: Any, groups: np.ndarray | None = None) -> np.ndarray:
    r"""CR3 (cluster jackknife) covariance of a one-way clustered binomial GLM fit.

    One-step leave-one-cluster-out estimates :math:`\hat\beta_{(g)} - \hat\beta \approx
    -(H - H_g)^{-1} s_g` (:math:`H = X^\top W X`, :math:`H_g` its part from cluster *g*,
    :math:`s_g` cluster *g*'s score) and
    :math:`\hat V = \frac{G-1}{G}\sum_g (\hat\beta_{(g)} - \hat\beta)(\hat\beta_{(g)} -
    \hat\beta)^\top`. ``groups`` defaults to the ``_cluster`` column of the model frame.

    Raises
    ------
    JackknifeUndefined
        When leaving a cluster out makes a coefficient unidentified; it names the cluster and
        the coefficient (the largest loading of the null direction of :math:`H - H_g`).

    References
    ----------
    MacKinnon JG, Nielsen MØ, Webb MD (2023). J Econometrics 232:272-299, sec. 4.2.
    """
    m = result.model
    X = np.asarray(m.exog, dtype=float)
    mu = np.asarray(result.fittedvalues, dtype=float)
    n = np.asarray(m.n_trials, dtype=float)
    y = np.asarray(m.endog, dtype=float)
    g = np.asarray(m.data.frame["_cluster"] if groups is None else groups)
    w = n * mu * (1 - mu)
    H = (X * w[:, None]).T @ X
    score = X * (n * (y - mu))[:, None]
    ids = np.unique(g)
    steps = []
    for c in ids:
        sel = g == c
        A = H - (X[sel] * w[sel][:, None]).T @ X[sel]
        s = 1 / np.sqrt(np.maximum(np.diag(H), 1e-300))
        vals, vecs = np.linalg.eigh(A * s[:, None] * s[None, :])
        if vals[0] < 1e-10 * max(vals[-1], 1e-300):  # numerically singular
            term = str(result.params.index[int(np.argmax(np.abs(vecs[:, 0])))])
            raise JackknifeUndefined(c, term)
        steps.append(np.linalg.solve(A, score[sel].sum(axis=0)))
    D = np.asarray(steps)
    return (len(ids) - 1) / len(ids) * (D.T @ D)


def swap_cov(result: Any, V: np.ndarray) -> None:
    """Put covariance ``V`` into the statsmodels result, in place (``.bse``, ``.cov_params()``)."""
    inner = getattr(result, "_results", result)  # the statsmodels wrapper delegates to _results
    inner.cov_params_default = np.asarray(V, dtype=float)
    for key in ("bse", "tvalues", "pvalues"):
        inner._cache.pop(key, None)


def cluster_cov(result: Any, groups: np.ndarray) -> np.ndarray:
    r"""CR1 cluster-robust covariance of a binomial logit GLM through the pseudo-inverse of its
    Hessian: what statsmodels' ``cov_type="cluster"`` gives, also when the Hessian is singular.

    .. math:: V = \frac{G}{G-1}\frac{N-1}{N-K} H^{+} \Big(\sum_g u_g u_g^\top\Big) H^{+},
              \quad H = X^\top \operatorname{diag}(n\mu(1-\mu)) X,
              \quad u_g = \sum_{i \in g} x_i (s_i - n_i \mu_i),

    statsmodels' ``use_correction=True`` factor (R ``sandwich::vcovCL(type = "HC1")``); a
    two-column ``groups`` is the two-way sum :math:`V_1 + V_2 - V_{12}` (Cameron, Gelbach &
    Miller 2011), each term with its own factor. A statsmodels cluster fit inverts the Hessian
    and stops on a term the cells cannot identify (a column of zeros in a creator's own fit);
    here that term gets a zero variance and the rest their usual covariance; the caller marks
    the term not estimable.
    """
    X, r, theta, n = (np.asarray(a, dtype=float) for a in _score_inputs(result))
    H = np.linalg.pinv((X * (n * theta)[:, None]).T @ X, hermitian=True)
    u = X * (n * r)[:, None]  # score of each row: x_i (s_i - n_i mu_i)
    N, K = X.shape

    def one(g: np.ndarray) -> np.ndarray:
        _, codes = np.unique(g, return_inverse=True)
        G = int(codes.max()) + 1
        ug = np.zeros((G, K))
        np.add.at(ug, codes, u)
        return G / (G - 1) * (N - 1) / (N - K) * (H @ ug.T @ ug @ H)

    if groups.ndim == 1:
        return one(groups)
    pair = np.unique(groups, axis=0, return_inverse=True)[1].ravel()
    return one(groups[:, 0]) + one(groups[:, 1]) - one(pair)


def _score_inputs(result: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Design, response residual :math:`y - \mu`, :math:`\mu(1-\mu)` and trials of a fit."""
    m = result.model
    mu = np.asarray(result.fittedvalues, dtype=float)
    return m.exog, np.asarray(m.endog, dtype=float) - mu, mu * (1 - mu), m.n_trials


def term_clusters(X: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Clusters informing each column of ``X``: for an indicator (0/1, both present), the
    smaller of the clusters where it is 1 and the clusters where it is 0 (e.g. the 10 LIVEs of
    ``is_live``); for any other column (intercept, a trend, a dose), all clusters."""
    _, codes = np.unique(groups, return_inverse=True)
    G = int(codes.max()) + 1
    out = np.empty(X.shape[1])
    for j in range(X.shape[1]):
        nz = X[:, j] != 0
        if nz.all() or not np.isin(X[:, j], (0.0, 1.0)).all():
            out[j] = G
            continue
        out[j] = min(len(np.unique(codes[nz])), len(np.unique(codes[~nz])))
    return out


def _one_way(result: Any, g: np.ndarray, vcov: str, label: str, names: list[str]) -> VcovFit:
    X = np.asarray(result.model.exog, dtype=float)
    G = len(np.unique(g))
    informed = term_clusters(X, g)
    flat = np.full(X.shape[1], float(G - 1))
    if vcov == "CR1":
        return VcovFit("CR1", flat, informed, f"CR1 cluster-robust by {label}", ref_df=G - 1.0)
    notes: list[tuple[str, str]] = []
    if vcov == "CR3":
        try:
            swap_cov(result, jackknife_cov(result, g))
            # t(G_j - 1) with G_j the clusters informing the coefficient (its smaller side):
            # the delete-one-cluster rule of the Mantel-Haenszel jackknife (docs/metrics.md, "Simulation study")
            df = np.maximum(np.minimum(flat, informed - 1), 1.0)
            return VcovFit("CR3", df, informed, f"CR3 (jackknife) cluster-robust by {label}",
                           ref_df=G - 1.0)  # fmt: skip
        except JackknifeUndefined as e:
            who = names[int(e.cluster)] if len(names) > int(e.cluster) else f"{label} {e.cluster}"
            notes.append(("small_cell", f"leaving out {who} leaves {e.term} "
                          "unidentified (that cluster alone informs it), so the jackknife (CR3) "
                          "is undefined; CR2 with Bell-McCaffrey df used"))  # fmt: skip
    Xt, w, r, theta = glm_inputs(result)
    tau2 = glm_tau2(result, g)
    parts = cr2_parts(Xt, w, g, target=theta, tau2=tau2)
    swap_cov(result, parts.vcov(r))
    df = parts.df(np.eye(X.shape[1]))
    working = f" under a LIVE random-intercept working model (τ² = {tau2:.3g})"
    return VcovFit("CR2", df, informed, f"CR2 cluster-robust by {label}", parts, notes, G - 1.0,
                   tau2, working)  # fmt: skip


def fit_vcov(
    result: Any, groups: np.ndarray | None, vcov: str, label: str, names: list[str] | None = None
) -> VcovFit:
    """Compute the ``vcov`` covariance of a fitted GLM, swap it in, return its df.

    ``groups``: cluster ids of the fitted rows (``None``: unclustered, model-based binomial,
    the fit's own df; a two-column array: two-way CR1 as fitted). ``label`` names the
    clustering in the method text, ``names`` each cluster id (the jackknife fallback's message).
    """
    k = len(result.params)
    if groups is None:
        df = float(result.df_resid) if getattr(result, "use_t", False) else np.inf
        return VcovFit("model", np.full(k, df), np.full(k, np.nan), "model-based", ref_df=df)
    if groups.ndim == 2:
        pair = [len(np.unique(groups[:, j])) for j in range(2)]
        return VcovFit("CR1 two-way", np.full(k, float(min(pair) - 1)),
                       np.full(k, float(min(pair))),
                       f"CR1 two-way cluster-robust by {label} (Cameron, Gelbach & Miller; "
                       "CR2 is one-way only)", ref_df=float(min(pair) - 1))  # fmt: skip
    return _one_way(result, groups, vcov, label, list(names or []))


def contrast_df(result: Any, contrasts: np.ndarray) -> np.ndarray:
    r"""Reference degrees of freedom of contrasts :math:`c^\top\beta` of a
    :func:`analysis.stats.models.glm` fit: Bell-McCaffrey (CR2 fits), else the fit's single df
    (:math:`G - 1`, or ``inf`` for z; a fit not made by ``glm``: its own reference df)."""
    C = np.atleast_2d(np.asarray(contrasts, dtype=float))
    info = getattr(result, "cartlift", None)
    fit = getattr(info, "vcov_fit", None)
    if fit is None:  # a statsmodels fit not made by glm(): its own reference
        return np.full(C.shape[0], reference_df(result))
    if fit.parts is not None:
        return fit.parts.df(C)
    return np.full(C.shape[0], float(fit.ref_df))
