r"""Power of the LIVE-clustered comparison the analysis runs: noncentral t on Bell-McCaffrey df.

The analysis tests a LIVE arm against a control arm by the difference of their rates, with a CR2
variance clustered by LIVE and Bell-McCaffrey (Satterthwaite) degrees of freedom (the primary
``pvalue`` of :func:`analysis.stats.compare.compare`). With *k* LIVEs per arm of mean size
:math:`\bar m` viewers and coefficient of variation *cv*, the variance of the difference is

.. math::

    V = \frac{p_0 q_0 D_0 + p_1 q_1 D_1}{k\bar m},\qquad
    D_s = 1 + \big((cv^2 + 1)\,\bar m - 1\big)\rho_s

(design effect with unequal cluster sizes, Eldridge, Ashby & Kerry 2006, eq. 4;
:math:`q = 1 - p`; computed exactly from the planned sizes). The analysis refers its statistic
:math:`t = (\hat p_1 - \hat p_0) / \widehat{se}` to :math:`t_{\nu}`, :math:`\nu` the Bell-McCaffrey df of
the design under its working model (independence: :math:`Var\,x_g \propto n_g`); the planned
LIVE sizes are the quantiles :math:`(i - 1/2)/k` of a gamma law with mean :math:`\bar m` and the
given *cv*, and :math:`\nu = (\sum_s a_s^2\varphi_s T_s)^2 / \sum_s a_s^4\varphi_s^2 F_s`
(per-side closed form of CR2 for a ratio of sums, :math:`a_s = \pm 1`, :math:`\varphi_s = p_s
q_s`; equal sizes and rates give :math:`2k - 2`). Under the planned clustering
(:math:`Var\,x_g = n_g p q (1 + (n_g - 1)\rho)`) the CR2 variance has mean
:math:`E = tr(M\Sigma)` and Satterthwaite df :math:`\nu^* = E^2 / tr((M\Sigma)^2)` (exact
moments of a quadratic form; Bell & McCaffrey 2002), so with
:math:`\delta = |p_1 - p_0| / \sqrt V`

.. math:: \text{power} = 1 - T_{\nu^*,\delta}(c) + T_{\nu^*,\delta}(-c),\qquad
          c = t_{1-\alpha/2,\nu}\,\sqrt{E / V}

with :math:`T_{\nu,\delta}` the noncentral t distribution function (as R ``power.t.test``;
Donner & Klar 2000, ch. 5). Without clustering and with equal sizes :math:`E = V`,
:math:`\nu^* = \nu`: the plain noncentral-t power.

LIVE effects multiply the rate (the kit's log-link model), so the treatment arm's ICC is the
control ICC scaled by :math:`p_1 q_0 / (p_0 q_1)` (the ICC of a binary rate is
:math:`p(e^{\sigma^2} - 1)/q` for a fixed LIVE-effect variance :math:`\sigma^2`).

References: Eldridge SM, Ashby D, Kerry S (2006). Sample size for cluster randomized trials:
effect of coefficient of variation of cluster size and analysis method. International Journal of
Epidemiology 35:1292-1300. Donner A, Klar N (2000). *Design and Analysis of Cluster
Randomization Trials in Health Research*. Arnold, London. Bell RM, McCaffrey DF (2002). Bias
reduction in standard errors for linear regression with multi-stage samples. Survey Methodology
28:169-181. Pustejovsky JE, Tipton E (2018). Small-sample methods for cluster-robust variance
estimation and hypothesis testing in fixed effects models. JBES 36:672-683.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = [
    "eldridge_deff",
    "live_sizes",
    "noncentral_t_power",
    "planned_df",
    "clustered_power",
    "treatment_icc",
]


def eldridge_deff(icc: float, mean_size: float, cv: float = 0.0) -> float:
    """Design effect ``1 + ((cv**2 + 1) * mean_size - 1) * icc`` (Eldridge et al. 2006, eq. 4).

    >>> round(eldridge_deff(0.05, 20, 0.6), 6)
    2.31
    """
    return 1.0 + ((cv**2 + 1.0) * mean_size - 1.0) * icc


def treatment_icc(icc: float, p_control: float, p_treatment: float) -> float:
    """ICC of the treatment arm for the same multiplicative LIVE effects (module docstring)."""
    scaled = icc * p_treatment * (1 - p_control) / (p_control * (1 - p_treatment))
    return float(min(scaled, 0.999))


def live_sizes(k: int, mean_size: float, cv: float) -> np.ndarray:
    """``k`` LIVE sizes at the gamma quantiles ``(i - 1/2)/k`` (mean ``mean_size``, ``cv``)."""
    if cv <= 0:
        return np.full(k, float(mean_size))
    q = (np.arange(k) + 0.5) / k
    sizes = stats.gamma.ppf(q, 1 / cv**2, scale=mean_size * cv**2)
    return np.asarray(sizes * mean_size / sizes.mean(), dtype=float)


def _side_tf(sizes: np.ndarray) -> tuple[float, float]:
    """Trace ``T`` and squared Frobenius norm ``F`` of one side's working Omega (SPEC13)."""
    N = sizes.sum()
    h = sizes / N
    c = h**2 / (1 - h)
    return 1 / N, float((h**2).sum() + c.sum() ** 2 - (c**2).sum()) / N**2


def planned_df(k: int, mean_size: float, cv: float, p_control: float, p_treatment: float) -> float:
    """Bell-McCaffrey df of the difference test for ``k`` planned LIVEs per arm.

    >>> round(planned_df(10, 500, 0.0, 0.04, 0.04), 9)
    18.0
    """
    if k < 2:
        return math.nan
    t, f = _side_tf(live_sizes(k, mean_size, cv))
    w = np.array([p * (1 - p) for p in (p_control, p_treatment)])  # a^2 * phi, a = +-1
    return float((w.sum() * t) ** 2 / ((w**2).sum() * f))


def _cr2_moments(sizes: np.ndarray, var_g: np.ndarray) -> tuple[float, float, float]:
    r"""One side's true variance of the rate, E and squared-Frobenius term of its CR2 estimate.

    ``var_g``: variance of each LIVE's successes. With :math:`e = (I - h1')x` and
    :math:`\hat V = e'De`, :math:`D = diag(1/((1-h_g)N^2))`, the estimate is :math:`x'Mx`,
    :math:`M = (I - 1h')D(I - h1')`: :math:`E\hat V = tr(M\Sigma)`, and for Gaussian totals
    :math:`Var\,\hat V = 2\,tr((M\Sigma)^2)`.
    """
    N = sizes.sum()
    h = sizes / N
    d = 1 / ((1 - h) * N**2)
    c = float((h**2 * d).sum())
    M = np.diag(d) - (h * d)[None, :] - (d * h)[:, None] + c
    ms = M * var_g[None, :]
    return float(var_g.sum() / N**2), float(np.trace(ms)), float((ms * ms.T).sum())


def _side_moments(k, mean_size, cv, p, icc) -> tuple[float, float, float]:
    """``(v_true, E V, tr((M S)^2))`` of one side's rate."""
    sizes = live_sizes(k, mean_size, cv)
    q = 1 - p
    var_g = sizes * p * q * (1 + (sizes - 1) * icc)
    v, e, f = _cr2_moments(sizes, var_g)
    return v, e, f


def noncentral_t_power(ncp: float, df: float, level: float) -> float:
    """Two-sided power ``P(|T| > t_{1-alpha/2, df})``, ``T ~`` noncentral t(df, ncp)."""
    crit = stats.t.ppf((1 + level) / 2, df)
    return float(stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp))


def clustered_power(
    k: float,
    p_control: float,
    p_treatment: float,
    *,
    icc: float,
    mean_size: float,
    cv: float,
    level: float,
) -> tuple[float, float, float, float]:
    """Power of the clustered difference test with ``k`` LIVEs per arm (module formulas).

    Returns
    -------
    tuple of float
        ``(power, df, deff_control, deff_treatment)``.
    """
    d0 = eldridge_deff(icc, mean_size, cv)
    d1 = eldridge_deff(treatment_icc(icc, p_control, p_treatment), mean_size, cv)
    kk = max(int(math.floor(k)), 2)
    sides = [
        _side_moments(kk, mean_size, cv, p, r)
        for p, r in ((p_control, icc), (p_treatment, treatment_icc(icc, p_control, p_treatment)))
    ]
    scale = k / kk  # a fractional k (mde): variances shrink as 1/k
    v_true = sum(s[0] for s in sides) / scale
    expected = sum(s[1] for s in sides) / scale
    df_true = expected**2 / sum(s[2] for s in sides) * scale**2
    df = planned_df(kk, mean_size, cv, p_control, p_treatment)
    ncp = abs(p_treatment - p_control) / math.sqrt(v_true)
    crit = stats.t.ppf((1 + level) / 2, df) * math.sqrt(expected / v_true)
    power = float(stats.nct.sf(crit, df_true, ncp) + stats.nct.cdf(-crit, df_true, ncp))
    return power, df, d0, d1
