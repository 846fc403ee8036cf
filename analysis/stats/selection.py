r"""Multiple comparisons with the best (Hsu's MCB): is the top candidate really the best?

Picking the largest of :math:`k` noisy estimates (the best of 8 hours, of 6 creators) and
testing it against the rest as if it had been chosen in advance finds a "winner" far more often
than the level says. :func:`mcb` gives Hsu's constrained simultaneous intervals for
:math:`\theta_i - \max_{j \ne i} \theta_j`, computed from the estimates' *joint* covariance
(hours share LIVEs, so their estimates are correlated) and a t reference on ``df`` degrees of
freedom, and says a candidate is ``clearly best`` only when it beats every other one after
allowing for the selection.

Intervals (Hsu 1996, eq. 4.3 and sec. 4.1.4 for unequal variances and correlated estimates), with
:math:`s_{ij}^2 = V_{ii} + V_{jj} - 2V_{ij}`:

.. math::

    D_i^- = \min\bigl(0, \min_{j\ne i}(\hat\theta_i - \hat\theta_j - d\,s_{ij})\bigr),\qquad
    D_i^+ = \max\bigl(0, \min_{j\ne i}(\hat\theta_i - \hat\theta_j + d\,s_{ij})\bigr).

:math:`d = \max_i d_i`, :math:`d_i` the one-sided Dunnett-type quantile of candidate *i* against the
others: :math:`P(\max_{j\ne i} [(\hat\theta_j-\theta_j)-(\hat\theta_i-\theta_i)]/s_{ij} \le d_i)
= \text{level}` under :math:`\hat\theta - \theta \sim t_\nu(0, V)` (seeded Monte Carlo). With equal
variances and correlations every :math:`d_i` is Dunnett's one-sided :math:`k-1` quantile (Hsu's
balanced case); otherwise the largest one keeps the joint level (conservative). Candidate *i* is
``clearly best`` when :math:`\min_{j\ne i}(\hat\theta_i - \hat\theta_j - d\,s_{ij}) > 0` (column
``margin_low``), equivalently every other candidate's :math:`D_j^+ = 0`: then
:math:`\theta_i - \max_{j\ne i}\theta_j \ge 0` at the level. (The constrained lower bound of the
best is 0 by construction; ``margin_low`` is the untruncated one that decides.) A candidate with
:math:`D_i^+ = 0` is ``not best``; the others ``could be best``.

References
----------
Hsu JC (1996). Multiple Comparisons: Theory and Methods. Chapman & Hall, ch. 4. Hsu JC (1984).
Constrained simultaneous confidence intervals for multiple comparisons with the best. Ann Stat
12:1136-1144. Dunnett CW (1955). A multiple comparison procedure for comparing several treatments
with a control. J Am Stat Assoc 50:1096-1121.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.status import Note, combine, undefined
from analysis.vocabulary import check_level

__all__ = ["MCB_COLUMNS", "MCB_DRAWS", "SELECTIONS", "mcb", "mcb_quantiles"]

#: Columns of :func:`mcb`.
MCB_COLUMNS = (
    "candidate", "estimate", "se", "mcb_low", "mcb_high", "margin_low", "critical_value", "df",
    "is_best_candidate", "selected", "method", "level", "status", "status_message",
)  # fmt: skip

#: values of ``selected``: what the intervals say about each candidate
SELECTIONS = ("clearly best", "could be best", "not best")

#: Monte Carlo draws of the critical value (Monte Carlo error of ``d`` about 0.005 at 0.95)
MCB_DRAWS = 200_000


def mcb_quantiles(
    cov: np.ndarray, *, df: float, level: float = 0.95, draws: int = MCB_DRAWS, seed: int = 0
) -> np.ndarray:
    r"""Per candidate *i*, the one-sided quantile :math:`d_i` of its comparisons with the others.

    :math:`d_i` solves :math:`P(\max_{j \ne i} (\Delta_j - \Delta_i)/s_{ij} \le d_i) =
    \text{level}`, :math:`\Delta = Z/\sqrt{W/\nu}`, :math:`Z \sim N(0, V)`, :math:`W \sim
    \chi^2_\nu` (normal when ``df`` is infinite), estimated from ``draws`` seeded draws
    (``numpy.random.default_rng(seed)``); the R equivalent is
    ``mvtnorm::qmvt(level, tail = "lower.tail", df = df, corr = R_i)`` with :math:`R_i` the
    correlation of the :math:`k - 1` differences (Genz & Bretz 2009). The maximum is taken one
    candidate column at a time (the same numbers as the row-wise maximum, without the
    :math:`\text{draws} \times (k-1)` temporaries), and the last result is kept: the same
    inputs give the same seeded draws, so a second race on one fit (best, then worst) reuses it.

    References
    ----------
    Genz A, Bretz F (2009). Computation of Multivariate Normal and t Probabilities. Springer.
    """
    cov = np.asarray(cov, dtype=float)
    key = (cov.tobytes(), cov.shape, float(df), float(level), int(draws), int(seed))
    last = _LAST[0] if _LAST else None  # read once: reports may run in threads
    if last is not None and last[0] == key:  # e.g. the best and the worst race of one fit
        return last[1].copy()
    k = cov.shape[0]
    rng = np.random.default_rng(seed)
    # eigen factor: tolerates a covariance that is only positive semi-definite
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    z = rng.standard_normal((draws, k)) @ root.T
    if np.isfinite(df):
        z = z / np.sqrt(rng.chisquare(df, size=draws) / df)[:, None]
    var = np.diag(cov)
    cols = np.ascontiguousarray(z.T)  # one contiguous row per candidate
    out, worst, step = np.empty(k), np.empty(draws), np.empty(draws)
    for i in range(k):
        worst.fill(-np.inf)
        for j in (j for j in range(k) if j != i):  # the max over j, one column at a time
            np.subtract(cols[j], cols[i], out=step)
            np.divide(step, np.sqrt(var[j] + var[i] - 2 * cov[i, j]), out=step)
            np.maximum(worst, step, out=worst)
        out[i] = np.quantile(worst, level)
    _LAST[:] = [(key, out.copy())]
    return out


#: the last (inputs, quantiles) of :func:`mcb_quantiles` (a pure function of its inputs)
_LAST: list[tuple[tuple, np.ndarray]] = []


def _blank(
    names: Sequence[str], est: np.ndarray, level: float, method: str, why: Note
) -> pd.DataFrame:
    rows = [dict.fromkeys(MCB_COLUMNS, np.nan) | {
        "candidate": n, "estimate": e, "is_best_candidate": False, "selected": "could be best",
        "method": method, "level": level} | undefined(*why) for n, e in zip(names, est, strict=True)]  # fmt: skip
    return pd.DataFrame(rows, columns=list(MCB_COLUMNS))


def mcb(
    estimates: Sequence[float],
    cov: np.ndarray,
    *,
    names: Sequence[str] | None = None,
    df: float = float("inf"),
    level: float = 0.95,
    larger: bool = True,
    notes: Sequence[Note] = (),
    draws: int = MCB_DRAWS,
    seed: int = 0,
) -> pd.DataFrame:
    r"""Hsu's constrained multiple comparisons with the best (see the module docstring).

    Parameters
    ----------
    estimates : sequence of float
        :math:`\hat\theta_1, \dots, \hat\theta_k` (e.g. log odds of each hour).
    cov : array (k, k)
        Their joint covariance :math:`V` (cluster-robust: estimates sharing LIVEs are correlated).
    names : sequence of str, optional
        Candidate labels (default ``"0"``, ``"1"``, ...).
    df : float
        Degrees of freedom of the t reference (``inf``: normal). With clustered estimates use the
        smallest relevant one (e.g. :math:`G - 1`).
    larger : bool
        True: the best is the largest; False: the smallest (the estimates are negated).
    notes : sequence of (code, message)
        Status notes of the fit (:func:`analysis.status.note`), carried onto every row, the
        most serious code first (:func:`analysis.status.combine`).

    Returns
    -------
    pandas.DataFrame
        :data:`MCB_COLUMNS`, one row per candidate in input order: ``mcb_low``, ``mcb_high``
        (interval of :math:`\theta_i - \max_{j\ne i}\theta_j`, or of
        :math:`\min_{j\ne i}\theta_j - \theta_i` when ``larger`` is False), ``margin_low``,
        ``critical_value`` :math:`d`, ``is_best_candidate`` (the top estimate), ``selected``
        (:data:`SELECTIONS`). ``status``: the worst of ``notes`` (``ok`` without);
        ``undefined_too_few`` with fewer than two candidates; ``undefined_not_estimable`` when an
        estimate or the covariance is not finite or a difference has no variance.
    """
    level = check_level(level)
    sign = 1.0 if larger else -1.0
    est = np.asarray(estimates, dtype=float)
    cov = np.asarray(cov, dtype=float).reshape(len(est), len(est))
    labels = [str(n) for n in (names if names is not None else range(len(est)))]
    method = (f"Hsu constrained MCB ({'largest' if larger else 'smallest'} is best), "
              f"t({df:.3g}) reference, Monte Carlo critical value ({draws} draws, seed {seed})")  # fmt: skip
    if len(est) < 2:
        return _blank(labels, est, level, method, ("undefined_too_few", "fewer than 2 candidates"))
    var = np.diag(cov)
    s2 = var[:, None] + var[None, :] - 2 * cov
    np.fill_diagonal(s2, 1.0)
    if not (np.isfinite(est).all() and np.isfinite(cov).all() and (s2 > 0).all()):
        why = ("undefined_not_estimable", "an estimate or its covariance is not finite")
        return _blank(labels, est, level, method, why)
    d = float(np.max(mcb_quantiles(cov, df=df, level=level, draws=draws, seed=seed)))
    s = np.sqrt(s2)
    th = sign * est
    diff = th[:, None] - th[None, :]
    off = ~np.eye(len(est), dtype=bool)
    margin_low = np.where(off, diff - d * s, np.inf).min(axis=1)
    upper = np.where(off, diff + d * s, np.inf).min(axis=1)
    low, high = np.minimum(0.0, margin_low), np.maximum(0.0, upper)
    top = int(np.argmax(th))
    selected = np.where(
        margin_low > 0, "clearly best", np.where(high <= 0, "not best", "could be best")
    )
    code, message = combine(notes)
    return pd.DataFrame({
        "candidate": labels, "estimate": est, "se": np.sqrt(var), "mcb_low": low, "mcb_high": high,
        "margin_low": margin_low, "critical_value": d, "df": float(df),
        "is_best_candidate": np.arange(len(est)) == top, "selected": selected,
        "method": method, "level": level, "status": code, "status_message": message,
    }, columns=list(MCB_COLUMNS))  # fmt: skip
