"""Leaderboards that a 40-viewer creator cannot top: empirical-Bayes beta-binomial shrinkage.

:func:`shrink` pools each group's counts (creators, categories, hours, segments) with
:func:`analysis.stats.funnel.group_proportions`, fits a beta prior to all groups by maximum
likelihood (Robinson's *Introduction to Empirical Bayes*, R package ``ebbr``;
:func:`fit_beta_prior`), then gives each group's posterior mean and equal-tailed credible
interval. Small groups move toward the overall rate, large ones barely move, so sorting by
``shrunk_rate`` ranks honestly.

The other leaderboard, funnel limits, is :mod:`analysis.stats.funnel`.

References
----------
Robinson D (2017). Introduction to Empirical Bayes: Examples from Baseball Statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, logit

from analysis.metrics import get_metric
from analysis.stats.funnel import (
    MIN_GROUPS,
    group_proportions,
)
from analysis.status import merge_statuses
from analysis.vocabulary import SHRINK_METHODS, check_argument, check_level, is_undefined
from analysis.vocabulary import status_message as message

__all__ = ["SHRINK_COLUMNS", "BetaPrior", "fit_beta_prior", "shrink"]

#: Columns of :func:`shrink` after the ``by`` columns.
SHRINK_COLUMNS = (
    "metric", "successes", "trials", "rate", "shrunk_rate", "ci_low", "ci_high",
    "prior_alpha", "prior_beta", "method", "level", "status", "status_message",
)  # fmt: skip

# bounds of the prior's concentration alpha + beta in the likelihood search: below 1e-3 the prior
# is two point masses at 0 and 1; above 1e7 it is a point mass at its mean (no spread detected)
_KAPPA_BOUNDS = (1e-3, 1e7)


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


def _prior_note(prior: BetaPrior) -> tuple[str, str]:
    """The status every fitted group gets from the prior fit."""
    if not prior.converged:
        return "failed", message("failed", "the prior fit did not report convergence: check "
                                 "the counts")  # fmt: skip
    if prior.at_bound:
        return "ok", message("ok", "no between-group variation detected: every group shrunk "
                             "to the prior mean")  # fmt: skip
    return "ok", message("ok")


def _posterior(pooled: pd.DataFrame, x, n, valid, fit, level: float, method: str, denominator):
    """Posterior columns and statuses of every group (every number NaN without a prior)."""
    nan = np.full(len(pooled), np.nan)
    cols = {"shrunk_rate": nan, "ci_low": nan, "ci_high": nan, "prior_alpha": nan,
            "prior_beta": nan}  # fmt: skip
    pairs = list(zip(pooled["status"], pooled["status_message"], strict=True))
    if fit.sum() < MIN_GROUPS:
        too_few = ("undefined_too_few", message("undefined_too_few", f"fewer than {MIN_GROUPS} "
                   f"groups with {denominator} to fit a prior"))  # fmt: skip
        return cols, [too_few] * len(pooled)
    prior = fit_beta_prior(x[fit], n[fit], method=method)
    a1 = prior.alpha + np.where(valid, x, np.nan)
    b1 = prior.beta + np.where(valid, n - x, np.nan)
    cols = {"shrunk_rate": a1 / (a1 + b1), "ci_low": stats.beta.ppf((1 - level) / 2, a1, b1),
            "ci_high": stats.beta.ppf((1 + level) / 2, a1, b1),
            "prior_alpha": np.full(len(pooled), prior.alpha),
            "prior_beta": np.full(len(pooled), prior.beta)}  # fmt: skip
    note = _prior_note(prior)
    none = ("undefined_no_viewers", message("undefined_no_viewers", f"no {denominator}: "
            "shrunk rate and interval are the prior's"))  # fmt: skip
    statuses = [merge_statuses([p, note]) if fit[i] else none if valid[i] and n[i] == 0 else p
                for i, p in enumerate(pairs)]  # fmt: skip
    return cols, statuses


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
        every row); ``method``; ``level``; ``status`` and ``status_message``:

        * ``ok`` (the message notes when no between-group variation was detected: the
          concentration hit its upper bound, the prior is a point mass and every group is
          shrunk to its mean);
        * ``failed``: the prior fit did not report convergence (numbers from its last
          iterate; check the counts);
        * ``undefined_no_viewers``: a group without trials gets the prior's mean and interval
          (``rate`` NaN);
        * ``undefined_too_few``: fewer than 3 groups with trials to fit a prior (every number
          NaN);
        * the code of :func:`analysis.stats.rates.rates` otherwise (``partial`` when cells were
          excluded; ``undefined_not_binomial``: the group is left out of the fit).

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
    check_argument("method", SHRINK_METHODS, method)
    level = check_level(level)
    pooled = group_proportions(cells, by, metric)
    m = get_metric(metric)
    x = pooled["successes"].to_numpy(dtype=float)
    n = pooled["trials"].to_numpy(dtype=float)
    valid = ~np.array([is_undefined(c) for c in pooled["status"]], dtype=bool) | (n == 0)
    valid &= n >= 0
    fit = valid & (n > 0)
    cols, statuses = _posterior(pooled, x, n, valid, fit, level, method, m.denominator)
    out = pooled[[by] if isinstance(by, str) else list(by)].copy()
    out["metric"] = m.name
    for col in ("successes", "trials", "rate"):
        out[col] = pooled[col].to_numpy()
    for col, values in cols.items():
        out[col] = values
    out["method"] = method
    out["level"] = level
    out["status"] = [c for c, _ in statuses]
    out["status_message"] = [t for _, t in statuses]
    return out.reset_index(drop=True)
