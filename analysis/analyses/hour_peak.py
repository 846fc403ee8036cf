r"""Where each side's hour-of-day curve peaks, and how high, with parametric-bootstrap intervals.

Reads a fit of :func:`analysis.analyses.hour_model.hour_model`: the peak is the argmax of the
side's harmonic curve :math:`f_s(h)` (searched only at the hours where the side has viewers), the
amplitude its maximum; both intervals come from coefficient vectors drawn from the fit's
estimated sampling distribution (Efron and Tibshirani 1993, ch. 6).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.analyses.hour_model import curve_gradient, side_label
from analysis.analyses.statuses import fit_status
from analysis.status import Note, combine, note
from analysis.vocabulary import check_level

__all__ = ["PEAK_COLUMNS", "peak_hour"]

#: Columns of :func:`peak_hour`.
PEAK_COLUMNS = (
    "is_live", "peak_hour", "ci_low", "ci_high", "amplitude", "amplitude_ci_low",
    "amplitude_ci_high", "method", "level", "status", "status_message",
)  # fmt: skip


def _wrap(d: np.ndarray) -> np.ndarray:
    """Hour differences wrapped to [-12, 12)."""
    return (np.asarray(d) + 12) % 24 - 12


def _side_peak(G: np.ndarray, beta: np.ndarray, sims: np.ndarray, grid: np.ndarray,
               seen: np.ndarray, alpha: float) -> dict[str, float]:  # fmt: skip
    """Peak, amplitude and their percentile intervals of one side's curve ``G @ beta``."""
    curve, sim_curves = G @ beta, sims @ G.T
    if not seen.any():
        seen = np.ones_like(seen)
    peak = float(grid[int(np.argmax(np.where(seen, curve, -np.inf)))])
    sim_peaks = grid[np.argmax(np.where(seen, sim_curves, -np.inf), axis=1)]
    lo_d, hi_d = np.quantile(_wrap(sim_peaks - peak), [alpha, 1 - alpha])
    amp_lo, amp_hi = np.quantile(sim_curves.max(axis=1), [alpha, 1 - alpha])
    return {
        "peak_hour": peak, "ci_low": float((peak + lo_d) % 24),
        "ci_high": float((peak + hi_d) % 24), "amplitude": float(curve.max()),
        "amplitude_ci_low": float(amp_lo), "amplitude_ci_high": float(amp_hi),
    }  # fmt: skip


def _peak_status(result, hours: list[int], live: bool) -> Note:
    """The fit's status; ``partial`` when the side covers only part of the day."""
    if not hours:
        return note("undefined_no_viewers", f"no {side_label(live)} viewers")
    if len(hours) == 24:
        return fit_status(result)
    part = note(
        "partial",
        f"{side_label(live)} viewers at {len(hours)} of 24 hours ({hours[0]}-{hours[-1]} h): "
        "peak searched there only, the curve elsewhere is an extrapolation",
    )
    return combine([fit_status(result), part])


def peak_hour(
    result, *, level: float = 0.95, draws: int = 2000, seed: int = 0, step: float = 0.05
) -> pd.DataFrame:
    r"""Hour at which each side's curve peaks, and the curve's amplitude, with intervals.

    The peak is the argmax of :math:`f_s(h)` on a grid of ``step`` hours, searched only at
    hours where the side has viewers (grid points rounding to such an hour); the amplitude is
    :math:`\max_h f_s(h)` over the whole day, the log-odds of the peak above the side's average
    hour (for a single wave :math:`A\cos(2\pi(h - h_0)/24)` it is *A*). Intervals: parametric
    bootstrap, ``draws`` coefficient vectors from :math:`N(\hat\beta, \hat V)` (cluster-robust
    covariance; ``numpy.random.default_rng(seed)``); the peak interval is the equal-tailed
    percentile interval of the draws' peaks as circular deviations from the estimate,
    :math:`\hat h + Q_{\alpha/2, 1-\alpha/2}(\operatorname{wrap}(h^*_b - \hat h)) \bmod 24`, so
    it may wrap around midnight: ``ci_low`` 23.0 and ``ci_high`` 1.5 mean 23:00 to 01:30.

    Parameters
    ----------
    result
        From :func:`analysis.analyses.hour_model.hour_model`.
    level : float
        Confidence level.
    draws : int
        Bootstrap draws (>= 200).
    seed : int
        Seed of the draws.
    step : float
        Grid step in hours.

    Returns
    -------
    pandas.DataFrame
        Two rows (non-live, LIVE): :data:`PEAK_COLUMNS`. ``status``: the fit's (``ok``,
        ``few_clusters``, ...); ``partial`` when the side has viewers at only part of the day
        (the message names the hours: the peak is searched there only);
        ``undefined_no_viewers`` (NaN) on a side with no viewers.

    References
    ----------
    Efron B, Tibshirani RJ (1993). An Introduction to the Bootstrap, ch. 6 (parametric
    bootstrap). Cox NJ (2006). Speaking Stata: in praise of trigonometric predictors. Stata J
    6:561-579.
    """
    level = check_level(level)
    if int(draws) < 200:
        raise ValueError(f"`draws` must be at least 200; {draws!r} was passed.")
    rng = np.random.default_rng(seed)
    beta = result.params.to_numpy()
    sims = rng.multivariate_normal(beta, np.asarray(result.cov_params()), size=int(draws),
                                   method="eigh")  # fmt: skip
    grid = np.arange(0, 24, step)
    counts = result.cartlift_hours["trials"]
    method = (f"{result.cartlift.method}; argmax of the harmonic curve, parametric bootstrap "
              f"({int(draws)} draws, seed {seed})")  # fmt: skip
    rows = []
    for live in (False, True):
        side = counts[(counts["is_live"] == live) & (counts["trials"] > 0)]
        hours = sorted(int(h) for h in side["hour"])
        seen = np.isin(np.rint(grid).astype(int) % 24, hours)
        found = _side_peak(curve_gradient(result, grid, live), beta, sims, grid, seen,
                           (1 - level) / 2)  # fmt: skip
        if not hours:
            found = dict.fromkeys(found, np.nan)
        code, message = _peak_status(result, hours, live)
        rows.append({"is_live": live, **found, "method": method, "level": level,
                     "status": code, "status_message": message})  # fmt: skip
    return pd.DataFrame(rows, columns=list(PEAK_COLUMNS))
