r"""The cyclic live x hour model: fit it, and read each side's hour-of-day curve off it.

The hour profile is modelled, not tested hour by hour (``docs/metrics.md``, hours): one
binomial GLM (:func:`analysis.stats.models.glm`, cluster-robust) with harmonic terms of the
shop-local hour,

.. math:: \operatorname{logit} p = \dots + \sum_{k=1}^{K} \big(a_k \cos(2\pi k h/24)
          + b_k \sin(2\pi k h/24)\big) \times (1 + [\text{LIVE}]),

so 23 h and 0 h are neighbours and the curve costs ``2K`` coefficients per side instead of 23
(Stolwijk, Straatman and Zielhuis 1999).

* :func:`hour_model` fits it; :func:`hour_profile` reads the curve of each side (LIVE,
  non-live) in log-odds relative to the side's **average hour** (harmonics average to 0 over
  the day), with a pointwise interval.
* The same fit serves :func:`analysis.analyses.hour_peak.peak_hour` (where the curve peaks) and
  the Wald tests of :mod:`analysis.analyses.hour_tests`; the pooled hour contrasts and best
  slots are in :mod:`analysis.analyses.hour_slots`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.analyses.statuses import fit_status
from analysis.stats.models import contrast_table, glm
from analysis.stats.rates import rates
from analysis.status import Note, combine, note
from analysis.vocabulary import check_level

__all__ = [
    "PROFILE_COLUMNS",
    "curve_gradient",
    "harmonic_basis",
    "harmonic_columns",
    "hour_model",
    "hour_profile",
    "planted_hour_curve",
    "side_fitted",
    "side_label",
    "t_reference",
    "trials_by_hour",
]

#: Columns of :func:`hour_profile`.
PROFILE_COLUMNS = (
    "is_live", "hour", "trials", "logit_effect", "ci_low", "ci_high", "odds_ratio",
    "method", "level", "status", "status_message",
)  # fmt: skip

_PREFIX = "hour_"
_NONE = "(none)"


def harmonic_columns(harmonics: int) -> list[str]:
    """Names of the harmonic columns: ``hour_cos1, hour_sin1, ..., hour_cosK, hour_sinK``."""
    return [f"{_PREFIX}{f}{k}" for k in range(1, harmonics + 1) for f in ("cos", "sin")]


def harmonic_basis(hours: Sequence[float] | np.ndarray, harmonics: int) -> np.ndarray:
    r"""The harmonic basis at ``hours``: one column per :func:`harmonic_columns`.

    Column pair *k* is :math:`(\cos(2\pi k h/24), \sin(2\pi k h/24))`, any real hours *h*.
    """
    h = np.asarray(hours, dtype=float)
    cols = []
    for k in range(1, harmonics + 1):
        cols += [np.cos(2 * np.pi * k * h / 24), np.sin(2 * np.pi * k * h / 24)]
    return np.column_stack(cols)


def _check_harmonics(harmonics: object) -> int:
    if isinstance(harmonics, bool) or not isinstance(harmonics, int) or not 1 <= harmonics <= 4:
        raise ValueError(f"`harmonics` is an integer from 1 to 4; {harmonics!r} was passed.")
    return harmonics


def side_label(value: object) -> str:
    """``"LIVE"`` for a true ``is_live``, ``"non-live"`` otherwise."""
    return "LIVE" if bool(value) else "non-live"


def hour_model(
    cells: pd.DataFrame,
    *,
    metric: str = "atc_rate",
    harmonics: int,
    adjust: Sequence[str],
    cluster: str | Sequence[str] | None = "content_id",
):
    r"""Fit the cyclic live x hour model: a binomial GLM with harmonic hour terms.

    ``<metric> ~ is_live * (hour_cos1 + hour_sin1 + ... + hour_cosK + hour_sinK) + adjust``,
    fitted by :func:`analysis.stats.models.glm` (cluster-robust, t reference). With one side
    only (e.g. a week without LIVEs) the ``is_live`` terms are left out and the curve is that
    side's.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells with an hourly ``hour`` (cells with NA ``hour``, e.g. daily exports, or
        NA ``is_live`` are left out by the GLM and counted in ``result.cartlift.excluded``).
        Not modified.
    metric : str
        A proportion metric.
    harmonics : int
        Number of harmonics *K* (1-4), required: one harmonic is a single smooth daily wave
        (one peak, one trough 12 h apart); two allow a sharper or asymmetric peak at the cost
        of wilder extrapolation where a side has no viewers. Test the second harmonic with
        :func:`analysis.analyses.hour_tests.harmonic_test` before keeping it.
    adjust : sequence of str, required (``()`` for none)
        Columns added as categorical main effects (e.g. ``["age_group", "gender",
        "category", "promo", "creator"]``), so the hour curve is compared at a fixed mix. A
        missing value in an adjustment column is its own level ``(none)`` (product cards have
        no creator).
    cluster : str, list of two str, or None
        Passed to :func:`analysis.stats.models.glm`.

    Returns
    -------
    statsmodels GLM result
        As from :func:`analysis.stats.models.glm`, with ``result.cartlift`` (fit status, clusters,
        exclusions) and ``result.cartlift_hours = {"harmonics": K, "trials": frame}`` where
        ``frame`` has ``is_live, hour, successes, trials, rate`` of the fitted cells.

    References
    ----------
    Stolwijk AM, Straatman H, Zielhuis GA (1999). Studying seasonality by using sine and cosine
    functions in regression analysis. J Epidemiol Community Health 53:235-238.
    """
    harmonics = _check_harmonics(harmonics)
    adjust = [adjust] if isinstance(adjust, str) else list(adjust)
    missing = [c for c in ["hour", "is_live", *adjust] if c not in cells.columns]
    if missing:
        raise ValueError(f"The cells have no column(s) {missing}.")
    hours = cells["hour"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    extra = dict(zip(harmonic_columns(harmonics), harmonic_basis(hours, harmonics).T, strict=True))
    for c in adjust:
        extra[f"{c}_adj"] = cells[c].astype("string").fillna(_NONE)
    frame = cells.assign(**extra)
    terms = " + ".join(harmonic_columns(harmonics))
    sides = cells["is_live"].dropna().unique()
    formula = f"{metric} ~ is_live * ({terms})" if len(sides) > 1 else f"{metric} ~ {terms}"
    formula += "".join(f" + C({c}_adj)" for c in adjust)
    result = glm(frame, formula, cluster=cluster)
    result.cartlift_hours = {"harmonics": harmonics, "trials": trials_by_hour(cells, metric)}
    return result


def trials_by_hour(cells: pd.DataFrame, metric: str) -> pd.DataFrame:
    r"""Pooled ``is_live, hour, successes, trials, rate`` of the hourly cells with a side.

    :func:`analysis.stats.rates.rates` by ``is_live`` and ``hour`` (Wilson method; only the
    counts and the pooled rate :math:`\sum x / \sum n` are kept).
    """
    r = rates(cells[cells["hour"].notna() & cells["is_live"].notna()], by=["is_live", "hour"],
              metric=metric, method="wilson")  # fmt: skip
    return r[["is_live", "hour", "successes", "trials", "rate"]].reset_index(drop=True)


def curve_gradient(result, hours: Sequence[float] | np.ndarray, live: bool) -> np.ndarray:
    r"""Matrix :math:`G` with :math:`G\hat\beta` = the side's harmonic curve at ``hours``.

    Non-live: the main harmonic coefficients; LIVE: main + ``is_live`` interaction (when the
    model has one).
    """
    harmonics = result.cartlift_hours["harmonics"]
    names = list(result.params.index)
    B = harmonic_basis(hours, harmonics)
    G = np.zeros((len(B), len(names)))
    for j, col in enumerate(harmonic_columns(harmonics)):
        G[:, names.index(col)] = B[:, j]
        if live and "is_live[T.True]" in names:
            G[:, names.index(f"is_live[T.True]:{col}")] = B[:, j]
    return G


def side_fitted(result, live: bool) -> bool:
    """Whether the cells of :func:`hour_model` have viewers on this side."""
    counts = result.cartlift_hours["trials"]
    return bool((counts.loc[counts["is_live"] == live, "trials"] > 0).any())


def t_reference(result, level: float) -> tuple[float, float]:
    r"""``(df, q)``: the fit's reference degrees of freedom and its two-sided quantile.

    :math:`q = t_{df}^{-1}((1 + \text{level})/2)` with the cluster degrees of freedom of a t
    reference (``df_resid_inference``), or the normal quantile (``df`` = inf) for a z reference.
    """
    if result.use_t:
        df = getattr(result, "df_resid_inference", None)
        df = float(df if df is not None else result.df_resid)
        return df, float(stats.t.ppf((1 + level) / 2, df))
    return float("inf"), float(stats.norm.ppf((1 + level) / 2))


def _profile_status(result, trials: float, live: bool) -> Note:
    if not side_fitted(result, live):
        return note("undefined_no_viewers", f"no {side_label(live)} viewers in these cells")
    if trials > 0:
        return fit_status(result)
    extra = note("extrapolated", f"no {side_label(live)} viewers at this hour")
    return combine([fit_status(result), extra])


def hour_profile(result, *, level: float = 0.95) -> pd.DataFrame:
    r"""Hour-of-day curve of each side, in log-odds relative to the side's average hour.

    For side *s* the curve is :math:`f_s(h) = \sum_k c_{s,k}\cos(2\pi kh/24) +
    d_{s,k}\sin(2\pi kh/24)` (non-live: the main harmonic coefficients; LIVE: main +
    interaction). It averages 0 over the 24 hours, so ``logit_effect`` reads "log-odds above
    (below) this side's average hour, at a fixed mix of the adjustment columns"; ``odds_ratio``
    is its exponential. Interval: :math:`f_s(h) \pm q\,\sqrt{g_h^\top \hat V g_h}` with the
    fit's cluster-robust covariance and t quantile (a linear combination of coefficients).

    Parameters
    ----------
    result
        From :func:`hour_model`.
    level : float
        Pointwise confidence level (not simultaneous over the 24 hours).

    Returns
    -------
    pandas.DataFrame
        48 rows (``is_live`` False then True, ``hour`` 0-23): :data:`PROFILE_COLUMNS`.
        ``trials``: viewers of the side at that hour in the fitted cells. ``status``: the fit's
        (``ok``, ``few_clusters``, ``not_clustered``, ``partial`` on separation);
        ``extrapolated`` where the side has no viewers at that hour (the value is read off the
        harmonics: do not read it); ``undefined_no_viewers`` (NaN) on a side with no viewers.

    References
    ----------
    Stolwijk AM, Straatman H, Zielhuis GA (1999). Studying seasonality by using sine and cosine
    functions in regression analysis. J Epidemiol Community Health 53:235-238.
    """
    level = check_level(level)
    counts = result.cartlift_hours["trials"]
    method = (f"{result.cartlift.method}; {result.cartlift_hours['harmonics']} harmonics, "
              "vs the average hour")  # fmt: skip
    hours = np.arange(24)
    rows = []
    for live in (False, True):
        # each hour on the reference df of its own contrast (Bell-McCaffrey under CR2)
        tab = contrast_table(result, curve_gradient(result, hours, live), level=level)
        est, lo, hi = (tab[c].to_numpy() for c in ("estimate", "ci_low", "ci_high"))
        if not side_fitted(result, live):
            est = lo = hi = np.full(24, np.nan)
        side = counts[counts["is_live"] == live].set_index("hour")["trials"]
        for h in hours:
            t = float(side.get(h, 0))
            code, message = _profile_status(result, t, live)
            rows.append({
                "is_live": live, "hour": int(h), "trials": t, "logit_effect": est[h],
                "ci_low": lo[h], "ci_high": hi[h],
                "odds_ratio": float(np.exp(est[h])), "method": method, "level": level,
                "status": code, "status_message": message,
            })  # fmt: skip
    return pd.DataFrame(rows, columns=list(PROFILE_COLUMNS))


def planted_hour_curve(planted: dict | None) -> dict[int, float] | None:
    r"""The simulated sample's planted hour curve on :func:`hour_profile`'s scale.

    ``planted`` is ``analysis.sample.truth.read_truth(data).planted`` (``None`` on real data
    returns ``None``). The planted ``hour_curve.by_hour`` values :math:`v_h` (0 at the peak)
    minus their mean over the 24 hours, :math:`v_h - \bar v`: log-odds relative to the average
    hour, like ``logit_effect``.
    """
    if not planted or "hour_curve" not in planted:
        return None
    by_hour = {int(h): float(v) for h, v in planted["hour_curve"]["by_hour"].items()}
    mean = float(np.mean(list(by_hour.values())))
    return {h: v - mean for h, v in by_hour.items()}
