"""Leaderboards that a 40-viewer creator cannot top: empirical-Bayes shrinkage and funnel limits.

Two views of many group rates (creators, categories, hours, segments), each pooled from the
cells' counts with :func:`analysis.stats.rates.rates`:

* :func:`shrink`: empirical-Bayes beta-binomial shrinkage (Robinson's *Introduction to Empirical
  Bayes*, R package ``ebbr``): a beta prior fitted to all groups by maximum likelihood, then each
  group's posterior mean and equal-tailed credible interval. Small groups move toward the
  overall rate, large ones barely move, so sorting by ``shrunk_rate`` ranks honestly.
* :func:`funnel_limits`: a proportions funnel plot (Spiegelhalter 2005, R package
  ``FunnelPlotR``): each group's rate against control limits that narrow with its number of
  trials, widened for overdispersion by a DerSimonian-Laird between-group variance estimated on
  winsorised z-scores. A group outside the limits is *unusual for its size*.

The limit arithmetic is in pure functions (:func:`arcsine_z`, :func:`dersimonian_laird_tau2`,
:func:`overdispersed_limits`) that take arrays, so anomaly detection can reuse them with its own
targets. scipy is imported inside the functions (``import analysis`` stays light).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis.metrics import get_metric
from analysis.stats.rates import rates
from analysis.vocabulary import OVERDISPERSION_METHODS, SHRINK_METHODS, check_argument, check_level

__all__ = [
    "FUNNEL_COLUMNS",
    "MIN_GROUPS",
    "SHRINK_COLUMNS",
    "BetaPrior",
    "arcsine_z",
    "dersimonian_laird_tau2",
    "fit_beta_prior",
    "funnel_limits",
    "overdispersed_limits",
    "shrink",
]

#: Fewer groups with trials than this: no prior is fitted and no overdispersion is estimated.
MIN_GROUPS = 3

#: Columns of :func:`shrink` after the ``by`` columns.
SHRINK_COLUMNS = (
    "metric", "successes", "trials", "rate", "shrunk_rate", "ci_low", "ci_high",
    "prior_alpha", "prior_beta", "method", "level", "status",
)  # fmt: skip

#: Columns of :func:`funnel_limits` after the ``by`` columns.
FUNNEL_COLUMNS = (
    "metric", "successes", "trials", "rate", "target", "lower", "upper", "z", "flag",
    "phi", "tau2", "method", "level", "status",
)  # fmt: skip

# bounds of the prior's concentration alpha + beta in the likelihood search: below 1e-3 the prior
# is two point masses at 0 and 1; above 1e7 it is a point mass at its mean (no spread detected)
_KAPPA_BOUNDS = (1e-3, 1e7)


def _by_list(by: str | Sequence[str]) -> list[str]:
    cols = [by] if isinstance(by, str) else list(by)
    if not cols:
        raise ValueError("`by` must name at least one column (the groups to rank).")
    return cols


def _pooled(cells: pd.DataFrame, by: list[str], metric: str) -> pd.DataFrame:
    m = get_metric(metric)
    if m.kind != "proportion":
        raise ValueError(
            f"Metric {m.name!r} is a ratio of sums, not a proportion; shrinkage and funnel "
            "limits here are binomial (successes out of trials). Use a proportion metric."
        )
    return rates(cells, by=by, metric=m, method="wilson")


# ----------------------------------------------------------------------------------------------
# empirical Bayes


class BetaPrior(NamedTuple):
    """A fitted beta prior: ``alpha``, ``beta``, whether the optimiser ``converged``, and
    ``at_bound`` (the concentration ``alpha + beta`` hit its upper bound: no between-group
    variation detected, every group is shrunk to the prior mean)."""

    alpha: float
    beta: float
    converged: bool
    at_bound: bool


def _bb_negloglik(theta: np.ndarray, x: np.ndarray, n: np.ndarray) -> tuple[float, np.ndarray]:
    """Negative beta-binomial log-likelihood (up to a constant) and its gradient in
    ``theta = (logit mu, log kappa)``, ``alpha = mu kappa``, ``beta = (1 - mu) kappa``."""
    from scipy.special import betaln, digamma, expit

    mu, kappa = expit(theta[0]), np.exp(theta[1])
    a, b = mu * kappa, (1 - mu) * kappa
    value = -float(np.sum(betaln(x + a, n - x + b) - betaln(a, b)))
    common = digamma(a + b) - digamma(n + a + b)
    ga = np.sum(digamma(x + a) - digamma(a) + common)
    gb = np.sum(digamma(n - x + b) - digamma(b) + common)
    grad = np.array([(ga - gb) * kappa * mu * (1 - mu), ga * a + gb * b])
    return value, -grad


def fit_beta_prior(successes, trials, *, method: str = "beta-binomial-mle") -> BetaPrior:
    r"""Fit a beta prior to many ``successes`` out of ``trials`` (empirical Bayes).

    Parameters
    ----------
    successes, trials : array-like
        One entry per group; groups with 0 trials are ignored.
    method : {"beta-binomial-mle"}
        Maximum likelihood of the beta-binomial: maximise
        :math:`\sum_i \log B(x_i + \alpha, n_i - x_i + \beta) - \log B(\alpha, \beta)` over
        :math:`\mu = \alpha/(\alpha+\beta)` (logit scale) and :math:`\kappa = \alpha+\beta`
        (log scale, bounded to [1e-3, 1e7]), L-BFGS-B from method-of-moments starting values.

    Returns
    -------
    BetaPrior

    References
    ----------
    D. Robinson, *Introduction to Empirical Bayes: Examples from Baseball Statistics* (2017);
    R package ``ebbr``, ``ebb_fit_prior(method = "mle")``.
    """
    from scipy.optimize import minimize
    from scipy.special import logit

    check_argument("method", SHRINK_METHODS, method)
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    keep = n > 0
    x, n = x[keep], n[keep]
    if len(x) < MIN_GROUPS:
        raise ValueError(
            f"A prior needs at least {MIN_GROUPS} groups with trials; {len(x)} given."
        )
    mu0 = float(np.clip(x.sum() / n.sum(), 1e-6, 1 - 1e-6))
    p = x / n
    excess = p.var(ddof=1) - np.mean(mu0 * (1 - mu0) / n)  # between-group variance of the rates
    kappa0 = mu0 * (1 - mu0) / excess - 1 if excess > 0 else 1e4
    kappa0 = float(np.clip(kappa0, 1.0, 1e6))
    lo, hi = np.log(_KAPPA_BOUNDS)
    res = minimize(_bb_negloglik, x0=np.array([logit(mu0), np.log(kappa0)]), args=(x, n),
                   jac=True, method="L-BFGS-B", bounds=[(-30.0, 30.0), (lo, hi)],
                   options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 2000})  # fmt: skip
    theta = res.x
    f, grad = _bb_negloglik(theta, x, n)
    # no between-group variation: the likelihood keeps rising toward kappa -> infinity (a point
    # mass at the pooled rate); L-BFGS-B may stop early on that flat ridge, so compare directly
    ridge = np.array([logit(mu0), hi])
    if _bb_negloglik(ridge, x, n)[0] <= f + 1e-9 * (1 + abs(f)):
        theta, (f, grad) = ridge, _bb_negloglik(ridge, x, n)
    at_bound = bool(theta[1] >= hi - 1e-9)
    tol = 1e-7 * (1 + abs(f))  # L-BFGS-B may stop on round-off with a vanishing gradient
    converged = bool(res.success) or bool(abs(grad[0]) < tol and (at_bound or abs(grad[1]) < tol))
    mu, kappa = 1 / (1 + np.exp(-theta[0])), float(np.exp(theta[1]))
    return BetaPrior(float(mu * kappa), float((1 - mu) * kappa), converged, at_bound)


def shrink(
    cells: pd.DataFrame,
    *,
    by: str | Sequence[str],
    metric: str = "atc_rate",
    level: float = 0.95,
    method: str = "beta-binomial-mle",
) -> pd.DataFrame:
    r"""Empirical-Bayes (beta-binomial) shrunken rate of each group, with a credible interval.

    Each group's counts are pooled over its cells (:func:`analysis.stats.rates.rates`). A beta prior
    :math:`\mathrm{Beta}(\alpha_0, \beta_0)` is fitted to all groups (:func:`fit_beta_prior`);
    group *i* with :math:`x_i` successes out of :math:`n_i` trials then has the posterior
    :math:`\mathrm{Beta}(\alpha_0 + x_i, \beta_0 + n_i - x_i)`, whose mean
    :math:`(\alpha_0 + x_i)/(\alpha_0 + \beta_0 + n_i)` is ``shrunk_rate`` and whose
    :math:`(1-\text{level})/2` and :math:`(1+\text{level})/2` quantiles are ``ci_low`` and
    ``ci_high`` (equal-tailed credible interval).

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (not modified). Select the cells first (e.g. LIVE cells only).
    by : str or list of str
        The group columns (e.g. ``"creator"``). Missing values form their own group.
    metric : str
        A proportion metric of :data:`analysis.metrics.METRICS`.
    level : float
        Credible level, strictly between 0 and 1.
    method : {"beta-binomial-mle"}
        How the prior is fitted: maximum likelihood of the beta-binomial (as ``ebbr``).

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by the ``by`` columns, then :data:`SHRINK_COLUMNS`:
        ``metric``; ``successes``, ``trials`` (pooled counts); ``rate`` (raw
        ``successes / trials``); ``shrunk_rate`` (posterior mean); ``ci_low``, ``ci_high``
        (credible interval); ``prior_alpha``, ``prior_beta`` (the fitted prior, the same on
        every row); ``method``; ``level``; ``status``:

        * ``ok``;
        * ``ok; no between-group variation detected: every group shrunk to the prior mean``
          (the concentration hit its upper bound: the prior is a point mass);
        * ``no <trials>: prior only`` (a group without trials gets the prior's mean and
          interval);
        * ``undefined: fewer than 3 groups with <trials> to fit a prior`` (every number NaN);
        * ``undefined: ...`` carried from :func:`analysis.stats.rates.rates` (counts that are not
          binomial; the group is left out of the fit).

    Notes
    -----
    Empirical Bayes treats the fitted prior as known, so the credible intervals ignore the
    prior's own uncertainty (slightly too narrow with few groups). Viewers are treated as
    independent within a group; groups are exchangeable a priori (no covariates).

    References
    ----------
    D. Robinson, *Introduction to Empirical Bayes* (2017), ch. 3-4; ``ebbr::add_ebb_estimate``.
    Checked against a base-R ``optim`` fit: ``tests/reference/shrinkage_reference.R``.
    """
    from scipy import stats

    check_argument("method", SHRINK_METHODS, method)
    level = check_level(level)
    by_cols = _by_list(by)
    pooled = _pooled(cells, by_cols, metric)
    m = get_metric(metric)
    x = pooled["successes"].to_numpy(dtype=float)
    n = pooled["trials"].to_numpy(dtype=float)
    valid = ~pooled["status"].str.startswith("undefined").to_numpy() | (n == 0)
    valid &= n >= 0
    fit = valid & (n > 0)
    out = pooled[by_cols].copy()
    out["metric"] = m.name
    out["successes"] = pooled["successes"].to_numpy()
    out["trials"] = pooled["trials"].to_numpy()
    out["rate"] = pooled["rate"].to_numpy(dtype=float)
    nan = np.full(len(out), np.nan)
    shrunk, lo, hi, a0, b0 = nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy()
    status = pooled["status"].astype(object).to_numpy().copy()
    if fit.sum() < MIN_GROUPS:
        status[:] = (
            f"undefined: fewer than {MIN_GROUPS} groups with {m.denominator} to fit a prior"
        )
    else:
        prior = fit_beta_prior(x[fit], n[fit], method=method)
        a1 = prior.alpha + np.where(valid, x, np.nan)
        b1 = prior.beta + np.where(valid, n - x, np.nan)
        shrunk = a1 / (a1 + b1)
        lo = stats.beta.ppf((1 - level) / 2, a1, b1)
        hi = stats.beta.ppf((1 + level) / 2, a1, b1)
        a0[:], b0[:] = prior.alpha, prior.beta
        ok = "ok"
        if prior.at_bound:
            ok = "ok; no between-group variation detected: every group shrunk to the prior mean"
        if not prior.converged:
            ok = "ok; prior fit did not report convergence: check the counts"
        notes = pooled["status"].str.partition("; ")[2].to_numpy(dtype=object)
        status = np.where(fit, [ok + (f"; {t}" if t else "") for t in notes], status)
        status = np.where(valid & (n == 0), f"no {m.denominator}: prior only", status)
    out["shrunk_rate"] = shrunk
    out["ci_low"] = lo
    out["ci_high"] = hi
    out["prior_alpha"] = a0
    out["prior_beta"] = b0
    out["method"] = method
    out["level"] = level
    out["status"] = status
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------------------------
# funnel limits


def arcsine_z(successes, trials, target: float):
    r"""Arcsine-scale z-scores of proportions against a target (Spiegelhalter 2005).

    :math:`y_i = \arcsin\sqrt{x_i/n_i}`, :math:`y_0 = \arcsin\sqrt{p_0}`,
    :math:`s_i = 1/(2\sqrt{n_i})` and :math:`z_i = (y_i - y_0)/s_i`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(y, s, z)``; NaN where ``trials`` is 0.
    """
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(n > 0, np.arcsin(np.sqrt(np.clip(x / n, 0, 1))), np.nan)
        s = np.where(n > 0, 1 / (2 * np.sqrt(n)), np.nan)
        z = (y - np.arcsin(np.sqrt(target))) / s
    return y, s, z


def dersimonian_laird_tau2(z, s, *, winsorise: float = 0.1) -> tuple[float, float]:
    r"""Overdispersion factor and DerSimonian-Laird between-group variance (Spiegelhalter 2005).

    The z-scores are winsorised at their ``winsorise`` and ``1 - winsorise`` quantiles (R's
    default type-7 quantiles); :math:`\phi = \frac1I \sum_i z_{w,i}^2` over the *I* groups; with
    :math:`w_i = 1/s_i^2`,

    .. math:: \hat\tau^2 = \max\left(0, \frac{I\phi - (I - 1)}
              {\sum w_i - \sum w_i^2 / \sum w_i}\right),

    and 0 when :math:`I\phi < I - 1`.

    Parameters
    ----------
    z, s : array-like
        Unadjusted z-scores and within-group standard errors (NaN entries ignored).
    winsorise : float
        Share winsorised at each end, in [0, 0.5) (FunnelPlotR's ``trim_by``, default 10 %).

    Returns
    -------
    tuple of float
        ``(phi, tau2)``; ``(nan, nan)`` with fewer than :data:`MIN_GROUPS` groups.

    References
    ----------
    D. J. Spiegelhalter, "Handling over-dispersion of performance indicators", *Qual Saf Health
    Care* 14 (2005) 347-351; R package ``FunnelPlotR`` (``winsorisation``, ``phi_func``,
    ``tau_func``).
    """
    if not 0 <= winsorise < 0.5:
        raise ValueError(f"`winsorise` is a share in [0, 0.5); {winsorise!r} was passed.")
    z = np.asarray(z, dtype=float)
    s = np.asarray(s, dtype=float)
    keep = np.isfinite(z) & np.isfinite(s)
    z, s = z[keep], s[keep]
    k = len(z)
    if k < MIN_GROUPS:
        return float("nan"), float("nan")
    lz, uz = np.quantile(z, [winsorise, 1 - winsorise])
    zw = np.clip(z, lz, uz)
    phi = float(np.sum(zw**2) / k)
    w = 1 / s**2
    if k * phi < k - 1:
        return phi, 0.0
    return phi, float(max(0.0, (k * phi - (k - 1)) / (w.sum() - (w**2).sum() / w.sum())))


def overdispersed_limits(target: float, trials, tau2: float, level: float = 0.95):
    r"""Funnel control limits of a proportion at ``trials``, widened by ``tau2`` (arcsine scale).

    :math:`\sin^2\!\left(\arcsin\sqrt{p_0} \pm z_{(1+\text{level})/2}
    \sqrt{1/(4n) + \tau^2}\right)`, the arcsine argument clipped to :math:`[0, \pi/2]` (so the
    limits stay in [0, 1]; FunnelPlotR does not clip, and its lower limit folds back above 0 for
    tiny ``n``). ``tau2 = 0`` gives the plain binomial funnel (normal approximation).

    Parameters
    ----------
    target : float
        The centre line :math:`p_0` (e.g. the pooled rate of all groups).
    trials : array-like
        Denominators at which to evaluate the limits (a grid for drawing, or each group's).
    tau2 : float
        Between-group variance on the arcsine scale (:func:`dersimonian_laird_tau2`).
    level : float
        Coverage of the limits for an in-control group (0.95; 0.998 for "3 sigma").

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)``.
    """
    from scipy import stats

    level = check_level(level)
    n = np.asarray(trials, dtype=float)
    q = float(stats.norm.isf((1 - level) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(1 / (4 * n) + float(tau2))
    y0 = np.arcsin(np.sqrt(float(target)))
    lower = np.sin(np.clip(y0 - q * sd, 0, np.pi / 2)) ** 2
    upper = np.sin(np.clip(y0 + q * sd, 0, np.pi / 2)) ** 2
    return lower, upper


def funnel_limits(
    cells: pd.DataFrame,
    *,
    by: str | Sequence[str],
    metric: str = "atc_rate",
    level: float = 0.95,
    overdispersion: str = "dersimonian-laird",
    winsorise: float = 0.1,
) -> pd.DataFrame:
    r"""Funnel-plot control limits of each group's rate (FunnelPlotR's proportions method).

    The target :math:`p_0` is the pooled rate of all groups. On the arcsine scale each group has
    :math:`y_i = \arcsin\sqrt{x_i/n_i}` with within-group SE :math:`s_i = 1/(2\sqrt{n_i})`; the
    between-group variance :math:`\tau^2` comes from :func:`dersimonian_laird_tau2` on the
    winsorised z-scores (``overdispersion="dersimonian-laird"``) or is 0 (``"none"``). The
    limits at a group's size are :func:`overdispersed_limits`, its adjusted z-score
    :math:`z_i = (y_i - y_0)/\sqrt{s_i^2 + \tau^2}`, and it is flagged ``above`` / ``below``
    when :math:`|z_i|` exceeds the normal quantile of ``level``.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (not modified).
    by : str or list of str
        The group columns (e.g. ``"creator"``).
    metric : str
        A proportion metric of :data:`analysis.metrics.METRICS`.
    level : float
        Coverage of the limits (0.95 flags about 1 in 20 in-control groups; use 0.998 to flag
        only clear outliers).
    overdispersion : {"dersimonian-laird", "none"}
        How the limits are widened for real between-group differences.
    winsorise : float
        Share of z-scores winsorised at each end before estimating overdispersion (10 %).

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by the ``by`` columns, then :data:`FUNNEL_COLUMNS`:
        ``metric``; ``successes``, ``trials``; ``rate``; ``target`` (:math:`p_0`);
        ``lower``, ``upper`` (limits at the group's trials); ``z`` (overdispersion-adjusted
        z-score); ``flag`` (``above``, ``below``, ``inside``; NA when undefined); ``phi``
        (overdispersion factor of the winsorised z-scores; NaN with ``"none"``); ``tau2``
        (arcsine scale); ``method``; ``level``; ``status``: ``ok``; ``ok; overdispersion not
        estimated (fewer than 3 groups with <trials>): plain binomial limits``;
        ``undefined: no <trials>``; or an ``undefined: ...`` from :func:`analysis.stats.rates.rates`.

    References
    ----------
    D. J. Spiegelhalter, "Funnel plots for comparing institutional performance", *Stat Med* 24
    (2005) 1185-1202, and "Handling over-dispersion of performance indicators", *Qual Saf
    Health Care* 14 (2005) 347-351; R package ``FunnelPlotR`` (``data_type = "PR"``). Checked
    against a base-R transcription: ``tests/reference/shrinkage_reference.R``.
    """
    from scipy import stats

    check_argument("overdispersion", OVERDISPERSION_METHODS, overdispersion)
    level = check_level(level)
    by_cols = _by_list(by)
    pooled = _pooled(cells, by_cols, metric)
    m = get_metric(metric)
    x = pooled["successes"].to_numpy(dtype=float)
    n = pooled["trials"].to_numpy(dtype=float)
    valid = ~pooled["status"].str.startswith("undefined").to_numpy() & (n > 0)
    status = pooled["status"].astype(object).to_numpy().copy()
    xv, nv = np.where(valid, x, np.nan), np.where(valid, n, np.nan)
    target = float(np.nansum(xv) / np.nansum(nv)) if valid.any() else float("nan")
    _, s, z0 = arcsine_z(xv, nv, target)
    method = "arcsine funnel"
    phi, tau2 = float("nan"), 0.0
    if overdispersion == "dersimonian-laird":
        method = f"arcsine funnel, dersimonian-laird tau2 ({100 * winsorise:g}% winsorised z)"
        phi, tau2 = dersimonian_laird_tau2(z0, s, winsorise=winsorise)
        if np.isnan(tau2):
            tau2 = 0.0
            status = np.where(valid, f"ok; overdispersion not estimated (fewer than {MIN_GROUPS}"
                              f" groups with {m.denominator}): plain binomial limits", status)  # fmt: skip
    lower, upper = overdispersed_limits(target, nv, tau2, level) if valid.any() else (s, s)
    y, _, _ = arcsine_z(xv, nv, target)
    z = (y - np.arcsin(np.sqrt(target))) / np.sqrt(s**2 + tau2)
    q = float(stats.norm.isf((1 - level) / 2))
    flag = np.where(z > q, "above", np.where(z < -q, "below", "inside")).astype(object)
    flag[~valid] = None
    status = np.where(~valid & (n == 0), f"undefined: no {m.denominator}", status)
    out = pooled[by_cols].copy()
    out["metric"] = m.name
    out["successes"] = pooled["successes"].to_numpy()
    out["trials"] = pooled["trials"].to_numpy()
    out["rate"] = pooled["rate"].to_numpy(dtype=float)
    out["target"] = target
    out["lower"] = np.where(valid, lower, np.nan)
    out["upper"] = np.where(valid, upper, np.nan)
    out["z"] = np.where(valid, z, np.nan)
    out["flag"] = pd.array(flag, dtype="string")
    out["phi"] = phi
    out["tau2"] = tau2
    out["method"] = method
    out["level"] = level
    out["status"] = status
    return out.reset_index(drop=True)
