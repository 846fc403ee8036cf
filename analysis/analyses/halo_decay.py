r"""The post-live halo as a parametric decay :math:`\beta e^{-\Delta t/\tau}` on the log odds.

Where :func:`analysis.analyses.halo.halo` estimates one log odds ratio per lag window, this fits
two numbers: the lift just after a LIVE ends (:math:`\beta`) and its decay time
(:math:`\tau`, by profile likelihood), with cluster-robust intervals from the Gauss-Newton
linearisation at :math:`\hat\tau` (Bates & Watts 1988).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from patsy import dmatrix
from scipy.optimize import minimize_scalar

from analysis.analyses.halo import halo_design
from analysis.analyses.statuses import read_status
from analysis.metrics import metric_counts
from analysis.stats.models import coef_table, glm
from analysis.stats.reference import reference_quantile
from analysis.status import note, status_columns, undefined
from analysis.vocabulary import HALO_CLUSTERS, check_argument, check_level

__all__ = ["DECAY_COLUMNS", "halo_decay", "profile_tau"]

#: Columns of :func:`halo_decay`.
DECAY_COLUMNS = (
    "parameter", "estimate", "ci_low", "ci_high", "se", "n_clusters", "df", "method", "level",
    "status", "status_message",
)  # fmt: skip

#: the rows of :func:`halo_decay`
PARAMETERS = ("beta", "tau_hours", "half_life_hours")


def _aggregate(frame: pd.DataFrame, metric: str, adj: str, lag: np.ndarray) -> pd.DataFrame:
    """Successes ``_x`` and trials ``_n`` summed over the cells sharing the design (adjustment
    variables and lag): the same binomial likelihood, on far fewer rows."""
    counts = metric_counts(frame, metric)
    x = counts["successes"].to_numpy(dtype=float)
    n = counts["trials"].to_numpy(dtype=float)
    ok = counts["complete"].to_numpy(dtype=bool) & (n > 0)
    keys = [c for c in frame.columns if f"C({c})" in adj]
    agg = pd.DataFrame({k: frame[k].astype(str).to_numpy()[ok] for k in keys})
    agg["_lag"], agg["_x"], agg["_n"] = lag[ok], x[ok], n[ok]
    return agg.groupby([*keys, "_lag"], sort=False)[["_x", "_n"]].sum().reset_index()


def profile_tau(
    frame: pd.DataFrame, metric: str, adj: str, lag: np.ndarray, tau_grid: Sequence[float]
) -> tuple[float, float]:
    r"""Maximise the binomial profile likelihood over :math:`\tau` (grid, then a bounded search).

    For each :math:`\tau`: :math:`\operatorname{logit} p = Z\gamma + \beta e^{-\Delta t/\tau}`
    (0 without a previous LIVE) by maximum likelihood, model-based (only the likelihood is
    needed here; the cluster-robust fit at the optimum is :func:`halo_decay`'s). The optimum of
    the grid is refined between its two neighbours (bounded Brent search, ``xatol`` 0.01 on
    :math:`\log\tau`).

    Returns
    -------
    tau : float
        :math:`\hat\tau` in hours (a grid end when the likelihood is largest there).
    beta : float
        :math:`\hat\beta` at :math:`\hat\tau`.
    """
    agg = _aggregate(frame, metric, adj, lag)
    X = np.asarray(dmatrix("1" + adj, agg, return_type="matrix"))
    endog = np.column_stack([agg["_x"], agg["_n"] - agg["_x"]])
    alag = agg["_lag"].to_numpy(dtype=float)
    start = [None]

    def fit(log_tau):
        h = np.where(np.isfinite(alag), np.exp(-alag / np.exp(log_tau)), 0.0)
        res = sm.GLM(endog, np.column_stack([X, h]), family=sm.families.Binomial()).fit(
            method="IRLS", scale=1.0, start_params=start[0]
        )
        start[0] = res.params  # warm start: neighbouring tau values have close fits
        return res

    grid = np.log(np.asarray(tau_grid, dtype=float))
    llf = [fit(g).llf for g in grid]
    i = int(np.argmax(llf))
    if i in (0, len(grid) - 1):
        g = grid[i]
    else:
        g = minimize_scalar(lambda v: -fit(v).llf, bounds=(grid[i - 1], grid[i + 1]),
                            method="bounded", options={"xatol": 0.01}).x  # fmt: skip
    return float(np.exp(g)), float(fit(g).params[-1])


def _decay_rows(table, tau: float, level: float, base: dict, edge: bool) -> list[dict]:
    """The ``beta``, ``tau_hours`` and ``half_life_hours`` rows of the linearised fit, each on
    the reference df of its coefficient (``_h`` for beta, ``_g`` for tau;
    :func:`analysis.stats.models.coef_table`)."""
    h, g = table.loc["_h"], table.loc["_g"]
    b, sb, st = float(h["estimate"]), float(h["se"]), float(g["se"])
    qb, qt = reference_quantile(level, float(h["df"])), reference_quantile(level, float(g["df"]))
    s_log = st / tau
    lo_t, hi_t = tau * np.exp(-qt * s_log), tau * np.exp(qt * s_log)
    ln2 = np.log(2)
    rows = [
        base | {"parameter": "beta", "estimate": b, "ci_low": b - qb * sb, "ci_high": b + qb * sb,
                "se": sb, "df": float(h["df"])},
        base | {"parameter": "tau_hours", "estimate": tau, "ci_low": lo_t, "ci_high": hi_t,
                "se": st, "df": float(g["df"])},
        base | {"parameter": "half_life_hours", "estimate": tau * ln2, "ci_low": lo_t * ln2,
                "ci_high": hi_t * ln2, "se": st * ln2, "df": float(g["df"])},
    ]  # fmt: skip
    if edge:
        for r in rows[1:]:
            r["ci_low"] = r["ci_high"] = np.nan
    return rows


def halo_decay(
    cells: pd.DataFrame,
    *,
    metric: str = "atc_rate",
    cluster: str = "product_day",
    adjust: Sequence[str] | None = None,
    tau_grid: Sequence[float] = (3, 6, 12, 24, 48, 96, 192, 384),
    level: float = 0.95,
) -> pd.DataFrame:
    r"""Fit the halo as an exponential decay :math:`\beta e^{-\Delta t/\tau}` on the log odds.

    Parameters
    ----------
    cells, metric, cluster, adjust, level
        As :func:`analysis.analyses.halo.halo`.
    tau_grid : sequence of float
        Decay times (hours) where the profile likelihood is evaluated; the optimum is then
        refined between the two neighbours of the best grid value (bounded Brent search).

    Returns
    -------
    pandas.DataFrame
        :data:`DECAY_COLUMNS`, rows ``beta`` (log-odds lift just after the LIVE ends),
        ``tau_hours`` (decay time: the lift falls to 37 % after ``tau`` hours) and
        ``half_life_hours`` (``tau ln 2``). ``status`` (``status_message`` says more): as
        :func:`analysis.analyses.halo.halo` (``ok``, ``few_clusters``, ...), or
        ``undefined_not_estimable`` (:math:`\hat\tau` at the edge of the grid: no decay, or
        faster than the grid's first value; the ``tau`` intervals are then NaN), or
        ``undefined_no_cells`` (no LIVE showed any product of the off-live cells).

    Notes
    -----
    For each :math:`\tau` of the grid the model :math:`\operatorname{logit} p_j = \alpha +
    \beta h_j(\tau) + Z_j\gamma`, :math:`h_j = e^{-\Delta t_j/\tau}` (0 without a previous
    LIVE), is fitted by maximum likelihood (:func:`profile_tau`); :math:`\hat\tau` maximises the
    profile likelihood. Its interval uses the Gauss-Newton linearisation at :math:`\hat\tau`:
    refitting (:func:`analysis.stats.models.glm`, cluster-robust) with the extra regressor
    :math:`g_j = \hat\beta\,\Delta t_j h_j /\hat\tau^2` (the derivative of :math:`\beta h_j`
    in :math:`\tau`), whose coefficient estimates :math:`\tau - \hat\tau` with a
    cluster-robust SE; the interval is built on :math:`\log\tau` (:math:`se/\hat\tau`).
    :math:`\beta`'s interval is the cluster-robust one of that joint fit (it accounts for
    :math:`\tau` being estimated).

    References
    ----------
    Bates DM, Watts DG (1988). *Nonlinear Regression Analysis and Its Applications*, Wiley,
    ch. 2.
    """
    level = check_level(level)
    check_argument("cluster", HALO_CLUSTERS, cluster)
    frame, adj = halo_design(cells, cluster=cluster, adjust=adjust)
    lag = frame["lag_hours"].to_numpy(dtype=float)
    if not np.isfinite(lag).any():
        why = undefined("undefined_no_cells", "no LIVE showed any product of the off-live cells")
        rows = [dict.fromkeys(DECAY_COLUMNS, np.nan) | {"parameter": p, "level": level} | why
                for p in PARAMETERS]  # fmt: skip
        return pd.DataFrame(rows, columns=list(DECAY_COLUMNS))
    tau, beta = profile_tau(frame, metric, adj, lag, tau_grid)
    h = np.where(np.isfinite(lag), np.exp(-lag / tau), 0.0)
    frame["_h"] = h
    frame["_g"] = beta * np.where(np.isfinite(lag), lag, 0.0) * h / tau**2
    res = glm(frame, f"{metric} ~ _h + _g" + adj, cluster="_halo_cluster")
    table = coef_table(res, level=level).set_index("term")
    notes = [read_status(table.loc["_h", "status"], table.loc["_h", "status_message"])]
    edge = bool(np.isclose(tau, float(tau_grid[0])) or np.isclose(tau, float(tau_grid[-1])))
    if edge:
        detail = f"tau at the edge of the grid ({tau:g} h): no decay, or faster than the grid"
        notes.append(note("undefined_not_estimable", detail))
    method = (f"{res.cartlift.method.replace('_halo_cluster', cluster)}; beta exp(-dt/tau), "
              "tau by profile likelihood, Gauss-Newton linearised SE")  # fmt: skip
    base = {"n_clusters": res.cartlift.n_clusters, "method": method, "level": level,
            **status_columns(notes)}  # fmt: skip
    return pd.DataFrame(_decay_rows(table, tau, level, base, edge), columns=list(DECAY_COLUMNS))
