r"""Randomisation inference of a switchback: Horvitz-Thompson estimate, exact p-value, inverted interval.

With per-slot outcomes :math:`Y_t` (each LIVE's rate), assignment *W* and *m*-carryover, the
Horvitz-Thompson estimates of the mean outcome under always-treatment and always-control
(Bojinov, Simchi-Levi & Zhao 2023) are

.. math:: \hat\mu_1 = \frac{1}{T_m} \sum_{t > m} Y_t \frac{1\{W_{t-m:t} = 1\}}{\pi^1_t}, \quad
          \hat\mu_0 = \frac{1}{T_m} \sum_{t > m} Y_t \frac{1\{W_{t-m:t} = 0\}}{\pi^0_t},

:math:`T_m` the slots after the first *m* that have data; the lag-*m* effect is
:math:`\hat\tau = \hat\mu_1 - \hat\mu_0`, the ratio :math:`\hat\mu_1 / \hat\mu_0`. For every
reference assignment *w* the statistic is one row of a matrix product
:math:`(A^1 - A^0) Y` (:func:`ht_matrix`). The p-value of the sharp null (no effect on any slot)
is :math:`P(|\hat\tau(W)| \ge |\hat\tau(w_{obs})|)` over the mechanism (one-sided, ``larger``:
:math:`P(\hat\tau(W) \ge \hat\tau(w_{obs}))`; ``smaller`` the mirror): exact by enumeration,
else over seeded draws with :math:`(1 + \#)/(R + 1)` and Monte Carlo SE.

The interval inverts the test under a constant multiplicative effect on each LIVE's rate,
carried over by the window's share of treated slots :math:`e_t` (:func:`exposure`):
:math:`Y_t(w) = Y_t(0)\, r^{e_t(w)}`. For a candidate *r* the no-effect outcomes
:math:`Y_t / r^{e_t(w_{obs})}` are fixed; *r* is in the set when the test on them does not
reject. Searched on a log grid, each end refined by bisection; a one-sided test gives a
one-sided interval (``larger``: :math:`[r_{low}, \infty)`).

Reference: Bojinov I, Simchi-Levi D, Zhao J (2023), Management Science 69(7):3759-3777;
Imbens GW, Rubin DB (2015), Causal Inference, ch. 5 (Fisher exact p-values, intervals by
inversion); ``docs/metrics.md`` (switchback experiments).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analysis.stats.randomisation import (
    MAX_ENUMERATE,
    Mechanism,
    draw_assignments,
    enumerate_assignments,
    exposure,
    n_assignments,
    pure_windows,
)
from analysis.vocabulary import ALTERNATIVES, check_argument

__all__ = [
    "Reference", "ht_estimates", "ht_matrix", "inverted_interval", "randomisation_pvalues",
    "ratio_pvalues", "ratio_test", "reference_set",
]  # fmt: skip

_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class Reference:
    """The assignments the test compares with: all of them (exact) or seeded draws."""

    W: np.ndarray  # (R, T) bool
    weights: np.ndarray  # (R,) probabilities (exact) or 1/R (draws)
    exact: bool
    n_assignments: int


def reference_set(
    mech: Mechanism, *, reps: int | None, seed: int, max_enumerate: int = MAX_ENUMERATE
) -> Reference:
    """Every assignment when there are at most ``max_enumerate`` (and ``reps`` is None), else
    ``reps`` (default 10,000) draws seeded by ``seed``."""
    K = n_assignments(mech)
    if reps is None and K <= max_enumerate:
        W, w = enumerate_assignments(mech)
        return Reference(W, w, True, K)
    R = 10_000 if reps is None else int(reps)
    W = draw_assignments(mech, R, np.random.default_rng(seed))
    return Reference(W, np.full(R, 1 / R), False, K)


def ht_matrix(
    W: np.ndarray, pi1: np.ndarray, pi0: np.ndarray, m: int, observed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""Horvitz-Thompson weight matrices :math:`A^1, A^0` (K x T): :math:`\hat\mu_a = A^a Y`.

    ``observed`` (bool, T) marks the slots with data; the others weigh 0.
    """
    all1, all0 = pure_windows(W, m)
    used = observed.copy()
    used[:m] = False
    n = max(int(used.sum()), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        a1 = np.where(all1 & used, 1 / pi1, 0.0) / n
        a0 = np.where(all0 & used, 1 / pi0, 0.0) / n
    return a1, a0


def ht_estimates(
    y: np.ndarray, w: np.ndarray, pi1: np.ndarray, pi0: np.ndarray, m: int
) -> tuple[float, float]:
    """``(mu1, mu0)`` of the observed assignment ``w``; NaN outcomes are slots without data."""
    observed = np.isfinite(y)
    a1, a0 = ht_matrix(w[None, :], pi1, pi0, m, observed)
    y0 = np.where(observed, y, 0.0)
    return float(a1[0] @ y0), float(a0[0] @ y0)


def randomisation_pvalues(
    stats: np.ndarray, obs: np.ndarray, ref: Reference, alternative: str = "two-sided"
) -> np.ndarray:
    """p-values, one per column: ``stats`` (R x G) of the reference, ``obs`` (G,).

    Exact: :math:`\\sum_k w_k 1\\{|S_k| \\ge |S_{obs}|\\}` (``larger``: :math:`S_k \\ge S_{obs}`;
    ``smaller``: :math:`S_k \\le S_{obs}`); draws: :math:`(1 + \\#)/(R + 1)`.
    """
    check_argument("alternative", ALTERNATIVES, alternative)
    if alternative == "two-sided":
        stats, obs = np.abs(stats), np.abs(obs)
    elif alternative == "smaller":
        stats, obs = -stats, -np.asarray(obs)
    hit = stats >= obs - _TOL * (np.abs(obs) + 1)
    if ref.exact:
        return ref.weights @ hit
    return (1 + hit.sum(0)) / (len(ref.W) + 1)


def ratio_test(
    y: np.ndarray,
    w: np.ndarray,
    ref: Reference,
    pi1: np.ndarray,
    pi0: np.ndarray,
    m: int,
    alternative: str = "two-sided",
) -> Callable[[np.ndarray], np.ndarray]:
    r"""The function *r* -> p-values of :math:`H_r` (constant multiplicative effect *r*).

    The no-effect outcomes :math:`Y_t / r^{e_t(w)}` (T x G, one column per *r*) go through one
    matrix product with the reference's :math:`A^1 - A^0`, computed once here.
    """
    observed = np.isfinite(y)
    a1, a0 = ht_matrix(ref.W, pi1, pi0, m, observed)
    o1, o0 = ht_matrix(w[None, :], pi1, pi0, m, observed)
    D, d = a1 - a0, (o1 - o0)[0]
    e = exposure(w, m)[0]
    yy = np.where(observed, y, 0.0)

    def pvalues(r: np.ndarray) -> np.ndarray:
        y0 = yy[:, None] / np.asarray(r, float)[None, :] ** e[:, None]
        return randomisation_pvalues(D @ y0, d @ y0, ref, alternative)

    return pvalues


def ratio_pvalues(
    r: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    ref: Reference,
    pi1: np.ndarray,
    pi0: np.ndarray,
    m: int,
) -> np.ndarray:
    """p-values of :math:`H_r` for every ``r`` (:func:`ratio_test`)."""
    return ratio_test(y, w, ref, pi1, pi0, m)(np.atleast_1d(r))


def _refine(
    f: Callable[[np.ndarray], np.ndarray],
    inside: float,
    outside: float,
    alpha: float,
    steps: int = 40,
) -> float:
    """Bisection in log r between a kept (``inside``) and a rejected (``outside``) point."""
    for _ in range(steps):
        mid = (inside + outside) / 2
        if f(np.array([mid]))[0] > alpha:
            inside = mid
        else:
            outside = mid
        if abs(inside - outside) < 1e-6:
            break
    return (inside + outside) / 2


def inverted_interval(
    y: np.ndarray,
    w: np.ndarray,
    ref: Reference,
    pi1: np.ndarray,
    pi0: np.ndarray,
    m: int,
    *,
    level: float,
    center: float = 1.0,
    span: float = 5.0,
    points: int = 81,
    alternative: str = "two-sided",
) -> tuple[float, float, bool]:
    r"""``(low, high, bounded)``: the ratios *r* whose test does not reject at ``1 - level``.

    A log grid :math:`\log r \in \log(\text{center}) \pm \text{span}`, then bisection at each end
    of the kept points (the hull of the set). An end at the grid edge is infinite (0 or inf) and
    ``bounded`` is False; an empty set gives NaN. One-sided (``larger``), the set is
    :math:`[r_{low}, \\infty)`: the high end is infinite by design and ``bounded`` only speaks of
    the low end (``smaller``: the mirror).
    """
    alpha = 1 - level

    test = ratio_test(y, w, ref, pi1, pi0, m, alternative)

    def f(logr: np.ndarray) -> np.ndarray:
        return test(np.exp(logr))

    c = np.log(center) if np.isfinite(center) and center > 0 else 0.0
    grid = c + np.linspace(-span, span, points)
    kept = np.flatnonzero(f(grid) > alpha)
    if len(kept) == 0:
        return np.nan, np.nan, False
    i, j = kept[0], kept[-1]
    low = 0.0 if i == 0 else float(np.exp(_refine(f, grid[i], grid[i - 1], alpha)))
    high = np.inf if j == points - 1 else float(np.exp(_refine(f, grid[j], grid[j + 1], alpha)))
    if alternative == "larger":
        return low, np.inf, bool(i > 0)
    if alternative == "smaller":
        return 0.0, high, bool(j < points - 1)
    return low, high, bool(i > 0 and j < points - 1)
