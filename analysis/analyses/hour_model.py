r"""Hour of day: a cyclic live x hour profile, its peak, a global interaction test, hour contrasts
and a best-slots table.

The hour profile is modelled, not tested hour by hour (statistics.md Rec 5): one binomial GLM
(:func:`analysis.stats.models.glm`, cluster-robust) with harmonic terms of the shop-local hour,

.. math:: \operatorname{logit} p = \dots + \sum_{k=1}^{K} \big(a_k \cos(2\pi k h/24)
          + b_k \sin(2\pi k h/24)\big) \times (1 + [\text{LIVE}]),

so 23 h and 0 h are neighbours and the curve costs ``2K`` coefficients per side instead of 23.
Then:

* :func:`hour_profile`: the curve of each side (LIVE, non-live) in log-odds relative to the
  side's **average hour** (harmonics average to 0 over the day), with a pointwise interval;
* :func:`peak_hour`: the hour where each side's curve peaks, with a parametric-bootstrap
  interval (seeded);
* :func:`hour_interaction_test`: one Wald F test that the LIVE curve has the same shape as the
  non-live one (all ``is_live x harmonic`` terms 0);
* :func:`hour_contrasts`: every hour against the side's average hour (a GLM per side with one
  coefficient per hour), p-values adjusted across the family (Benjamini-Hochberg by default,
  robust to undefined p-values: :func:`analysis.stats.multiple.adjust_pvalues`);
* :func:`best_slots`: per side and hour, the pooled rate, its empirical-Bayes shrunken rate
  (:func:`analysis.stats.shrinkage.shrink`) and the adjusted p-value, best slots first.

Functions that fit take the cells first; :func:`hour_profile`, :func:`peak_hour` and
:func:`hour_interaction_test` read the result of :func:`hour_model` (like
:func:`analysis.stats.models.effects`), so one fit serves all three.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.vocabulary import PVALUE_ADJUSTMENTS, check_argument, check_level

__all__ = [
    "CONTRAST_COLUMNS",
    "PEAK_COLUMNS",
    "PROFILE_COLUMNS",
    "SLOT_COLUMNS",
    "TEST_COLUMNS",
    "best_slots",
    "harmonic_columns",
    "harmonic_test",
    "hour_contrasts",
    "hour_interaction_test",
    "hour_model",
    "hour_profile",
    "peak_hour",
]

#: Columns of :func:`hour_profile`.
PROFILE_COLUMNS = (
    "is_live", "hour", "trials", "logit_effect", "ci_low", "ci_high", "odds_ratio",
    "method", "level", "status",
)  # fmt: skip
#: Columns of :func:`peak_hour`.
PEAK_COLUMNS = (
    "is_live", "peak_hour", "ci_low", "ci_high", "amplitude", "amplitude_ci_low",
    "amplitude_ci_high", "method", "level", "status",
)  # fmt: skip
#: Columns of :func:`hour_interaction_test`.
TEST_COLUMNS = (
    "test", "hypothesis", "statistic", "df_num", "df_denom", "pvalue", "method", "status",
)  # fmt: skip
#: Columns of :func:`hour_contrasts`.
CONTRAST_COLUMNS = (
    "is_live", "hour", "successes", "trials", "rate", "odds_ratio", "ci_low", "ci_high",
    "pvalue", "pvalue_adjusted", "adjust_method", "method", "level", "status",
)  # fmt: skip
#: Columns of :func:`best_slots`.
SLOT_COLUMNS = (
    "rank", "is_live", "hour", "successes", "trials", "rate", "shrunk_rate", "ci_low",
    "ci_high", "odds_ratio", "pvalue_adjusted", "method", "level", "status",
)  # fmt: skip

_PREFIX = "hour_"
_NONE = "(none)"


def harmonic_columns(harmonics: int) -> list[str]:
    """Names of the harmonic columns: ``hour_cos1, hour_sin1, ..., hour_cosK, hour_sinK``."""
    return [f"{_PREFIX}{f}{k}" for k in range(1, harmonics + 1) for f in ("cos", "sin")]


def _basis(hours, harmonics: int) -> np.ndarray:
    """Harmonic basis at ``hours`` (any real hours), one column per :func:`harmonic_columns`."""
    h = np.asarray(hours, dtype=float)
    cols = []
    for k in range(1, harmonics + 1):
        cols += [np.cos(2 * np.pi * k * h / 24), np.sin(2 * np.pi * k * h / 24)]
    return np.column_stack(cols)


def _check_harmonics(harmonics) -> int:
    if isinstance(harmonics, bool) or not isinstance(harmonics, int) or not 1 <= harmonics <= 4:
        raise ValueError(f"`harmonics` is an integer from 1 to 4; {harmonics!r} was passed.")
    return harmonics


def _side_label(value) -> str:
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
    fitted by :func:`analysis.stats.models.glm` (cluster-robust, t reference).

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
        :func:`harmonic_test` before keeping it.
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
        ``frame`` has ``is_live, hour, trials`` of the fitted cells.
    """
    from analysis.stats.models import glm

    harmonics = _check_harmonics(harmonics)
    adjust = [adjust] if isinstance(adjust, str) else list(adjust)
    missing = [c for c in ["hour", "is_live", *adjust] if c not in cells.columns]
    if missing:
        raise ValueError(f"The cells have no column(s) {missing}.")
    hours = cells["hour"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    extra = dict(zip(harmonic_columns(harmonics), _basis(hours, harmonics).T, strict=True))
    for c in adjust:
        extra[f"{c}_adj"] = cells[c].astype("string").fillna(_NONE)
    frame = cells.assign(**extra)
    terms = " + ".join(harmonic_columns(harmonics))
    sides = cells["is_live"].dropna().unique()
    # one side only (e.g. a week without LIVEs): no live term, the other side is undefined
    formula = f"{metric} ~ is_live * ({terms})" if len(sides) > 1 else f"{metric} ~ {terms}"
    formula += "".join(f" + C({c}_adj)" for c in adjust)
    result = glm(frame, formula, cluster=cluster)
    counts = _trials_by_hour(cells, metric)
    result.cartlift_hours = {"harmonics": harmonics, "trials": counts}
    return result


def _trials_by_hour(cells: pd.DataFrame, metric: str) -> pd.DataFrame:
    from analysis.stats.rates import rates

    r = rates(cells[cells["hour"].notna() & cells["is_live"].notna()], by=["is_live", "hour"],
              metric=metric, method="wilson")  # fmt: skip
    return r[["is_live", "hour", "successes", "trials", "rate"]].reset_index(drop=True)


def _curve_gradient(result, hours, live: bool) -> np.ndarray:
    """Matrix G with ``G @ params`` = the side's harmonic curve at ``hours``."""
    harmonics = result.cartlift_hours["harmonics"]
    names = list(result.params.index)
    B = _basis(hours, harmonics)
    G = np.zeros((len(B), len(names)))
    for j, col in enumerate(harmonic_columns(harmonics)):
        G[:, names.index(col)] = B[:, j]
        if live and "is_live[T.True]" in names:
            G[:, names.index(f"is_live[T.True]:{col}")] = B[:, j]
    return G


def _side_fitted(result, live: bool) -> bool:
    """Whether the model has this side: with one side only, the curve is that side's."""
    counts = result.cartlift_hours["trials"]
    return bool((counts.loc[counts["is_live"] == live, "trials"] > 0).any())


def _df_and_q(result, level: float) -> tuple[float, float]:
    from scipy import stats

    df = getattr(result, "df_resid_inference", None) if result.use_t else None
    if result.use_t:
        df = float(df if df is not None else result.df_resid)
        return df, float(stats.t.ppf((1 + level) / 2, df))
    return float("inf"), float(stats.norm.ppf((1 + level) / 2))


def _extrapolation_status(fit_status: str, trials: float, live: bool, fitted=True) -> str:
    side = "LIVE" if live else "non-live"
    if not fitted:
        return f"undefined: no {side} viewers in these cells"
    if trials > 0:
        return fit_status
    return f"extrapolated: no {side} viewers at this hour (the curve is read off the harmonics)"


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
        ``trials``: viewers of the side at that hour in the fitted cells; ``status``: the fit's
        status (``ok``, ``few clusters: ...``), or ``extrapolated: no LIVE viewers at this
        hour ...`` where the side has no data (the harmonic curve is then an extrapolation:
        do not read it).

    References
    ----------
    Stolwijk AM, Straatman H, Zielhuis GA (1999). Studying seasonality by using sine and cosine
    functions in regression analysis. J Epidemiol Community Health 53:235-238.
    """
    level = check_level(level)
    _, q = _df_and_q(result, level)
    beta = result.params.to_numpy()
    V = np.asarray(result.cov_params())
    counts = result.cartlift_hours["trials"]
    info = result.cartlift
    hours = np.arange(24)
    rows = []
    for live in (False, True):
        G = _curve_gradient(result, hours, live)
        est = G @ beta
        se = np.sqrt(np.einsum("ij,jk,ik->i", G, V, G))
        side = counts[counts["is_live"] == live].set_index("hour")["trials"]
        if not _side_fitted(result, live):
            est, se = np.full(24, np.nan), np.full(24, np.nan)
        for h in hours:
            t = float(side.get(h, 0))
            rows.append({
                "is_live": live, "hour": int(h), "trials": t, "logit_effect": est[h],
                "ci_low": est[h] - q * se[h], "ci_high": est[h] + q * se[h],
                "odds_ratio": float(np.exp(est[h])),
                "method": f"{info.method}; {result.cartlift_hours['harmonics']} harmonics, "
                          "vs the average hour",
                "level": level,
                "status": _extrapolation_status(info.status, t, live, _side_fitted(result, live)),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=list(PROFILE_COLUMNS))


def _wrap(d):
    """Hour differences wrapped to [-12, 12)."""
    return (np.asarray(d) + 12) % 24 - 12


def peak_hour(
    result, *, level: float = 0.95, draws: int = 2000, seed: int = 0, step: float = 0.05
) -> pd.DataFrame:
    r"""Hour at which each side's curve peaks, and the curve's amplitude, with intervals.

    The peak is the argmax of :math:`f_s(h)` on a grid of ``step`` hours, searched only at
    hours where the side has viewers (grid points rounding to such an hour); the amplitude
    is :math:`\max_h f_s(h)` over the whole day, the log-odds of the peak above the side's average hour (for a
    single wave :math:`A\cos(2\pi(h - h_0)/24)` it is *A*). Intervals: parametric bootstrap,
    ``draws`` coefficient vectors from :math:`N(\hat\beta, \hat V)` (cluster-robust covariance;
    ``numpy.random.default_rng(seed)``); the peak interval is the equal-tailed percentile
    interval of the draws' peaks as circular deviations from the estimate (so it may wrap
    around midnight: ``ci_low`` 23.0 and ``ci_high`` 1.5 mean 23:00 to 01:30).

    Parameters
    ----------
    result
        From :func:`hour_model`.
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
        Two rows (non-live, LIVE): :data:`PEAK_COLUMNS`. ``status``: the fit's status; or
        ``ok; LIVE viewers only at hours a-b: a peak outside them is an extrapolation`` style
        notes when a side covers less than the whole day; ``undefined: no <side> viewers``.

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
    V = np.asarray(result.cov_params())
    sims = rng.multivariate_normal(beta, V, size=int(draws), method="eigh")
    grid = np.arange(0, 24, step)
    counts = result.cartlift_hours["trials"]
    info = result.cartlift
    alpha = (1 - level) / 2
    rows = []
    for live in (False, True):
        side = counts[(counts["is_live"] == live) & (counts["trials"] > 0)]
        G = _curve_gradient(result, grid, live)
        curve = G @ beta
        sim_curves = sims @ G.T
        # the peak is searched only where the side has viewers (elsewhere the curve is a guess)
        seen = np.isin(np.rint(grid).astype(int) % 24, side["hour"].astype(int).to_numpy())
        if not seen.any():
            seen[:] = True
        masked = np.where(seen, curve, -np.inf)
        i = int(np.argmax(masked))
        peak, amp = float(grid[i]), float(curve.max())
        sim_peaks = grid[np.argmax(np.where(seen, sim_curves, -np.inf), axis=1)]
        dev = _wrap(sim_peaks - peak)
        lo_d, hi_d = np.quantile(dev, [alpha, 1 - alpha])
        amp_lo, amp_hi = np.quantile(sim_curves.max(axis=1), [alpha, 1 - alpha])
        status = info.status
        if side.empty:
            status = f"undefined: no {_side_label(live)} viewers"
        elif len(side) < 24:
            hrs = sorted(int(h) for h in side["hour"])
            status += (f"; {_side_label(live)} viewers at {len(hrs)} of 24 hours ({hrs[0]}-"
                       f"{hrs[-1]} h): peak searched there only, the curve elsewhere is an "
                       "extrapolation")  # fmt: skip
        defined = not side.empty
        rows.append({
            "is_live": live,
            "peak_hour": peak if defined else np.nan,
            "ci_low": float((peak + lo_d) % 24) if defined else np.nan,
            "ci_high": float((peak + hi_d) % 24) if defined else np.nan,
            "amplitude": amp if defined else np.nan,
            "amplitude_ci_low": float(amp_lo) if defined else np.nan,
            "amplitude_ci_high": float(amp_hi) if defined else np.nan,
            "method": f"{info.method}; argmax of the harmonic curve, parametric bootstrap "
                      f"({int(draws)} draws, seed {seed})",
            "level": level, "status": status,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(PEAK_COLUMNS))


def _wald(result, names: list[str], test: str, hypothesis: str) -> pd.DataFrame:
    info = result.cartlift
    row = {"test": test, "hypothesis": hypothesis, "statistic": np.nan,
           "df_num": float(len(names)), "df_denom": np.nan, "pvalue": np.nan,
           "method": f"{info.method}; Wald F test", "status": info.status}  # fmt: skip
    se = result.bse[names] if names else pd.Series(dtype=float)
    if not names or not np.all(np.isfinite(se)) or np.any(se <= 0):
        row["status"] = f"undefined: the {test} terms are not estimable (no LIVE cells?)"
        return pd.DataFrame([row], columns=list(TEST_COLUMNS))
    w = result.wald_test(", ".join(f"{n} = 0" for n in names), use_f=True, scalar=True)
    row.update(statistic=float(w.statistic), df_denom=float(w.df_denom),
               pvalue=float(w.pvalue))  # fmt: skip
    return pd.DataFrame([row], columns=list(TEST_COLUMNS))


def hour_interaction_test(result) -> pd.DataFrame:
    r"""Global test that the LIVE hour curve has the same shape as the non-live one.

    :math:`H_0`: every ``is_live x harmonic`` coefficient is 0 (the two curves differ by a
    constant only). Wald test with the fit's cluster-robust covariance,
    :math:`F = \hat\gamma^\top \hat V_\gamma^{-1} \hat\gamma / 2K` on :math:`(2K, G - 1)`
    degrees of freedom (statsmodels ``wald_test(use_f=True)``).

    Returns
    -------
    pandas.DataFrame
        One row, :data:`TEST_COLUMNS`: ``test`` (``live x hour``), ``hypothesis`` (plain
        words), ``statistic`` (F), ``df_num``, ``df_denom``, ``pvalue``, ``method``,
        ``status`` (the fit's status, or ``undefined: ...`` when the interaction cannot be
        estimated, e.g. no LIVE cells).
    """
    names = [n for n in result.params.index if n.startswith("is_live[T.True]:")]
    return _wald(result, names, "live x hour", "the LIVE and non-live hour curves have the "
                 "same shape (all live x harmonic terms are 0)")  # fmt: skip


def harmonic_test(result) -> pd.DataFrame:
    r"""Wald F test that the highest harmonic *K* of :func:`hour_model` is not needed.

    :math:`H_0`: the ``cos(2\pi Kh/24)`` and ``sin(2\pi Kh/24)`` coefficients and their
    ``is_live`` interactions are 0 (``K - 1`` harmonics describe both curves). Same columns as
    :func:`hour_interaction_test` (``test`` = ``harmonic K``); undefined for ``K = 1``.
    """
    k = result.cartlift_hours["harmonics"]
    if k < 2:
        info = result.cartlift
        return pd.DataFrame([{"test": "harmonic 1", "hypothesis": "", "statistic": np.nan,
                              "df_num": np.nan, "df_denom": np.nan, "pvalue": np.nan,
                              "method": info.method, "status": "undefined: the first harmonic "
                              "is the curve itself; fit harmonics=2 to test a second"}],
                            columns=list(TEST_COLUMNS))  # fmt: skip
    cols = harmonic_columns(k)[-2:]
    names = [n for n in result.params.index if any(n.endswith(c) for c in cols)]
    return _wald(result, names, f"harmonic {k}", f"harmonic {k} adds nothing to "
                 f"{k - 1} harmonic(s), on either side")  # fmt: skip


def hour_contrasts(
    cells: pd.DataFrame,
    *,
    metric: str = "atc_rate",
    level: float = 0.95,
    cluster: str | Sequence[str] | None = "content_id",
    pvalue_adjust: str = "fdr_bh",
) -> pd.DataFrame:
    r"""Each hour against its side's average hour, with multiplicity-adjusted p-values.

    Per side (LIVE, non-live), a GLM ``<metric> ~ C(hour)`` on that side's cells
    (:func:`analysis.stats.models.glm`, cluster-robust, t reference). With :math:`\eta_h` the
    log-odds of hour *h* and :math:`\bar\eta` their unweighted mean over the side's hours with
    viewers, the contrast :math:`\eta_h - \bar\eta` is reported as an odds ratio with its
    interval and two-sided p-value. The p-values of all rows (both sides) form one family,
    adjusted by :func:`analysis.stats.multiple.adjust_pvalues` (undefined p-values are left out but
    counted in the family size).

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (not modified).
    metric : str
        A proportion metric.
    level : float
        Confidence level of each interval (not adjusted).
    cluster
        Passed to :func:`analysis.stats.models.glm`.
    pvalue_adjust : {"fdr_bh", "fdr_by", "holm", "bonferroni", "hommel"}
        Multiplicity adjustment across the family (BH: exploratory; Holm: confirmatory).

    Returns
    -------
    pandas.DataFrame
        One row per side and hour with viewers: :data:`CONTRAST_COLUMNS`. ``odds_ratio``: odds
        at that hour over the geometric-mean odds of the side's hours; ``pvalue_adjusted``;
        ``adjust_method``; ``status``: the fit's status; ``undefined: no successes (or no
        failures) at this hour ...`` (such an hour is left out of the model and of the
        average, and its NaN p-value still counts in the family); ``undefined: only one hour
        with <side> viewers and successes``.

    Notes
    -----
    Crude within each side (no adjustment for the mix of categories, creators or segments at
    each hour); for an adjusted shape use :func:`hour_model`.
    """
    from analysis.stats.models import glm
    from analysis.stats.multiple import adjust_pvalues

    level = check_level(level)
    check_argument("pvalue_adjust", PVALUE_ADJUSTMENTS, pvalue_adjust)
    counts = _trials_by_hour(cells, metric)
    counts = counts[counts["trials"] > 0]
    rows = []
    for live in (False, True):
        side = counts[counts["is_live"] == live].sort_values("hour")
        if side.empty:
            continue
        base = {"is_live": live, "method": "", "level": level}
        # an hour where nobody (or everybody) converted has log-odds -inf (+inf): it is left
        # out of the model and of the average, reported undefined, and counted in the family
        degenerate = (side["successes"] == 0) | (side["successes"] == side["trials"])
        for r in side[degenerate].itertuples(index=False):
            rows.append({**base, "hour": int(r.hour), "successes": r.successes,
                         "trials": r.trials, "rate": r.rate,
                         "status": "undefined: no successes (or no failures) at this hour, "
                                   "its log-odds are infinite"})  # fmt: skip
        side = side[~degenerate]
        if len(side) < 2:
            for r in side.itertuples(index=False):
                rows.append({**base, "hour": int(r.hour), "successes": r.successes,
                             "trials": r.trials, "rate": r.rate,
                             "status": f"undefined: only one hour with {_side_label(live)} "
                                       "viewers and successes"})  # fmt: skip
            continue
        sel = cells[(cells["is_live"] == live).fillna(False).astype(bool)
                    & cells["hour"].isin(side["hour"]).fillna(False).astype(bool)]  # fmt: skip
        sel = sel.assign(hour_=sel["hour"].astype("Int64").map(lambda h: f"{int(h):02d}"))
        res = glm(sel, f"{metric} ~ C(hour_)", cluster=cluster)
        _, q = _df_and_q(res, level)
        beta, V = res.params.to_numpy(), np.asarray(res.cov_params())
        names = list(res.params.index)
        hours = [int(h) for h in side["hour"]]
        coef = [None] + [names.index(f"C(hour_)[T.{h:02d}]") for h in hours[1:]]
        for j, r in enumerate(side.itertuples(index=False)):
            L = np.zeros(len(names))
            for k in coef[1:]:
                L[k] -= 1 / len(hours)
            if coef[j] is not None:
                L[coef[j]] += 1
            est, se = float(L @ beta), float(np.sqrt(L @ V @ L))
            ok = np.isfinite(se) and se > 0
            p = _pvalue(est / se, res) if ok else np.nan
            rows.append({**base, "hour": hours[j], "successes": r.successes, "trials": r.trials,
                         "rate": r.rate, "odds_ratio": float(np.exp(est)) if ok else np.nan,
                         "ci_low": float(np.exp(est - q * se)) if ok else np.nan,
                         "ci_high": float(np.exp(est + q * se)) if ok else np.nan,
                         "pvalue": p, "method": f"{res.cartlift.method}; hour vs the side's "
                         "average hour (log-odds)",
                         "status": res.cartlift.status if ok else
                         "undefined: the hour's coefficient is not estimable"})  # fmt: skip
    out = pd.DataFrame(rows, columns=list(CONTRAST_COLUMNS))
    out = out.sort_values(["is_live", "hour"]).reset_index(drop=True)
    out["pvalue_adjusted"] = (
        adjust_pvalues(out["pvalue"].to_numpy(dtype=float), method=pvalue_adjust)
        if len(out)
        else []
    )
    out["adjust_method"] = f"{pvalue_adjust} over {len(out)} hour contrasts"
    return out.reset_index(drop=True)


def _pvalue(t: float, result) -> float:
    from scipy import stats

    df, _ = _df_and_q(result, 0.95)
    return float(2 * (stats.t.sf(abs(t), df) if np.isfinite(df) else stats.norm.sf(abs(t))))


def best_slots(
    cells: pd.DataFrame,
    *,
    metric: str = "atc_rate",
    level: float = 0.95,
    cluster: str | Sequence[str] | None = "content_id",
    pvalue_adjust: str = "fdr_bh",
) -> pd.DataFrame:
    r"""Best hours of each side: shrunken rate with interval and the adjusted p-value vs the rest.

    Per side, the (side, hour) rates are shrunk toward the side's typical hour by empirical
    Bayes (:func:`analysis.stats.shrinkage.shrink`, beta-binomial MLE prior fitted over that side's
    hours), so an hour with 60 viewers does not top the table on luck; rows are ranked within
    each side by the **lower bound** of the shrunken credible interval (best first), and carry
    the odds ratio vs the side's average hour and its adjusted p-value from
    :func:`hour_contrasts`.

    Returns
    -------
    pandas.DataFrame
        :data:`SLOT_COLUMNS`, sorted by ``is_live`` (LIVE first) then ``rank``. ``rate``: raw
        pooled rate; ``shrunk_rate``, ``ci_low``, ``ci_high``: posterior mean and credible
        interval; ``odds_ratio``, ``pvalue_adjusted``: from :func:`hour_contrasts`; ``method``
        names both; ``status``: the shrinkage status, then the contrast's status if not ``ok``.

    Notes
    -----
    The credible intervals treat the viewers of a slot as independent (they ignore the LIVE
    clustering that the contrast p-values account for); read them as a ranking aid, and the
    adjusted p-value as the evidence that a slot differs from the side's average hour.
    """
    from analysis.stats.shrinkage import shrink

    level = check_level(level)
    con = hour_contrasts(cells, metric=metric, level=level, cluster=cluster,
                         pvalue_adjust=pvalue_adjust)  # fmt: skip
    parts = []
    for live in (True, False):
        sel = cells[(cells["is_live"] == live).fillna(False).astype(bool) & cells["hour"].notna()]
        if sel.empty:
            continue
        s = shrink(sel, by="hour", metric=metric, level=level)
        s.insert(0, "is_live", live)
        parts.append(s)
    if not parts:
        return pd.DataFrame(columns=list(SLOT_COLUMNS))
    s = pd.concat(parts, ignore_index=True)
    s["hour"] = s["hour"].astype(int)
    c = con[["is_live", "hour", "odds_ratio", "pvalue_adjusted", "adjust_method", "status"]]
    out = s.merge(c.rename(columns={"status": "contrast_status"}), on=["is_live", "hour"],
                  how="left")  # fmt: skip
    out["method"] = out["method"] + " shrinkage; contrast: " + out["adjust_method"].fillna("none")
    extra = out["contrast_status"].fillna("ok")
    out["status"] = np.where(extra.str.startswith("ok"), out["status"],
                             out["status"] + "; contrast " + extra)  # fmt: skip
    out = out.sort_values(["is_live", "ci_low"], ascending=[False, False], na_position="last")
    out["rank"] = out.groupby("is_live").cumcount() + 1
    return out[list(SLOT_COLUMNS)].reset_index(drop=True)


def planted_hour_curve(planted: dict | None) -> dict[int, float] | None:
    """The simulated sample's planted hour curve on :func:`hour_profile`'s scale.

    ``planted`` is ``analysis.sample.truth.read_truth(data).planted`` (``None`` on real data returns
    ``None``). The planted ``hour_curve.by_hour`` values (0 at the peak) minus their mean over
    the 24 hours: log-odds relative to the average hour, like ``logit_effect``.
    """
    if not planted or "hour_curve" not in planted:
        return None
    by_hour = {int(h): float(v) for h, v in planted["hour_curve"]["by_hour"].items()}
    mean = float(np.mean(list(by_hour.values())))
    return {h: v - mean for h, v in by_hour.items()}
