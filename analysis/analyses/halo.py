r"""Post-live halo: does a LIVE keep lifting the off-live ATC of the products it showed?

Event-time (distributed-lag) design around the end of each LIVE (statistics.md Rec 8, sec. 7).
:func:`live_sessions` reads the LIVEs from the cells (room, creator, first hour, end, products
shown); :func:`event_times` gives every off-live cell the hours since the end of the most recent
LIVE that showed its product (the *lag*) and the hours until the next one starts (the *lead*);
:func:`halo` estimates the off-live log odds of each lag window against cells whose product no
LIVE showed in the previous seven days (or ever), with pre-live *placebo* lead windows (a LIVE
cannot act before it starts: their estimates should be 0); :func:`halo_decay` fits the
parametric decay :math:`\beta e^{-\Delta t/\tau}`.

Both are binomial GLMs on aggregated counts (:func:`analysis.stats.models.glm`) adjusted for hour of
day, product, channel and promotion, with cluster-robust SEs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.stats.models import glm
from analysis.vocabulary import HALO_CLUSTERS, check_argument

__all__ = [
    "HALO_COLUMNS",
    "planted_windows",
    "LAG_WINDOWS",
    "LEAD_WINDOWS",
    "event_times",
    "halo",
    "halo_decay",
    "live_sessions",
]

#: lag windows after a LIVE ends: (label, from hour, to hour), half-open [from, to)
LAG_WINDOWS = (
    ("0-6 h", 0, 6), ("6-24 h", 6, 24), ("day 1", 24, 48), ("day 2", 48, 72),
    ("day 3", 72, 96), ("day 4", 96, 120), ("day 5", 120, 144), ("day 6", 144, 168),
)  # fmt: skip
#: placebo windows before a LIVE starts: (label, hours before the start, from, to), (from, to]
LEAD_WINDOWS = (("6-0 h before", 0, 6), ("24-6 h before", 6, 24))
#: lag label of cells with no LIVE of their product in the previous 7 days (the reference)
REFERENCE = "none in 7 days"

#: Columns of :func:`halo`.
HALO_COLUMNS = (
    "window", "kind", "from_hours", "to_hours", "n_cells", "trials", "log_or", "ci_low",
    "ci_high", "odds_ratio", "pvalue", "n_clusters", "df", "method", "level", "status",
)  # fmt: skip


#: default adjustment of the halo models (cell columns, categorical fixed effects)
HALO_ADJUST = ("hour", "product_id", "channel", "promo")


def live_sessions(cells: pd.DataFrame) -> pd.DataFrame:
    """The LIVEs of the cells, one row per ``content_id`` of the ``LIVE`` channel.

    Returns
    -------
    pandas.DataFrame
        ``content_id``, ``creator``, ``start`` (first hour), ``end`` (start of the last hour
        + 1 h), ``n_products``, ``products`` (tuple of ``product_id``), ``trials`` (viewers),
        ``successes`` (atc), sorted by ``start``; ``series_index`` (0-based rank of the LIVE
        among its creator's LIVEs, by start).

    Notes
    -----
    The end is known to the hour for ``hour`` cells only; other grains are refused.
    """
    live = cells.loc[(cells["channel"] == "LIVE").fillna(False).to_numpy(dtype=bool)]
    live = live.loc[live["content_id"].notna().to_numpy(dtype=bool)]
    cols = ["content_id", "creator", "start", "end", "n_products", "products", "trials",
            "successes", "series_index"]  # fmt: skip
    if live.empty:
        return pd.DataFrame(columns=cols)
    grains = set(live["grain"].dropna().unique())
    if grains - {"hour"}:
        raise ValueError(
            f"LIVE cells of grain {sorted(grains - {'hour'})}: LIVE start and end are read from "
            "hourly cells only; aggregate the LIVE cells per hour first."
        )
    g = live.groupby("content_id", sort=False)
    out = pd.DataFrame({
        "creator": g["creator"].first(),
        "start": g["start"].min(),
        "end": g["start"].max() + pd.Timedelta(hours=1),
        "products": g["product_id"].agg(lambda s: tuple(sorted(s.dropna().unique()))),
        "trials": g["viewers"].sum().astype(float),
        "successes": g["atc"].sum().astype(float),
    }).reset_index()  # fmt: skip
    out["n_products"] = out["products"].map(len)
    out = out.sort_values(["start", "content_id"], ignore_index=True)
    out["series_index"] = out.groupby("creator", dropna=False).cumcount()
    return out[cols]


def event_times(cells: pd.DataFrame) -> pd.DataFrame:
    """Hours since the last LIVE and until the next one, for every off-live cell of a product.

    Returns
    -------
    pandas.DataFrame
        Index of ``cells``, off-live cells with a ``product_id`` only (``is_live`` False):
        ``lag_hours`` (cell start minus the end of the most recent LIVE that showed the product
        and ended at or before the cell start; inf when none), ``lag_creator`` (that LIVE's
        creator; NA when none), ``lead_hours`` (start of the next LIVE showing the product minus
        the cell start, > 0; inf when none), ``lag_window`` and ``lead_window`` (labels of
        :data:`LAG_WINDOWS` / :data:`LEAD_WINDOWS`; :data:`REFERENCE` and ``"none"`` outside
        them).
    """
    sessions = live_sessions(cells)
    off = cells.loc[((cells["is_live"] == False).fillna(False)  # noqa: E712
                     & cells["product_id"].notna()).to_numpy(dtype=bool)]  # fmt: skip
    n = len(off)
    lag = np.full(n, np.inf)
    lead = np.full(n, np.inf)
    lag_creator = np.full(n, None, dtype=object)
    start_ns = off["start"].dt.tz_convert("UTC").astype("int64").to_numpy()
    products = off["product_id"].astype(str).to_numpy()
    hour_ns = 3_600_000_000_000
    for p in np.unique(products):
        shows = sessions.loc[sessions["products"].map(lambda t, p=p: p in t)]
        sel = products == p
        if shows.empty:
            continue
        by_end = shows.sort_values("end")
        ends = by_end["end"].dt.tz_convert("UTC").astype("int64").to_numpy()
        k = np.searchsorted(ends, start_ns[sel], side="right") - 1
        lag[sel] = np.where(k >= 0, (start_ns[sel] - ends[np.maximum(k, 0)]) / hour_ns, np.inf)
        lag_creator[sel] = np.where(k >= 0, by_end["creator"].to_numpy()[np.maximum(k, 0)], None)
        by_start = shows.sort_values("start")
        starts = by_start["start"].dt.tz_convert("UTC").astype("int64").to_numpy()
        j = np.searchsorted(starts, start_ns[sel], side="right")
        ok = j < len(starts)
        lead[sel] = np.where(ok, (starts[np.minimum(j, len(starts) - 1)] - start_ns[sel]) / hour_ns,
                             np.inf)  # fmt: skip
    lag_window = np.full(n, REFERENCE, dtype=object)
    for label, lo, hi in LAG_WINDOWS:
        lag_window[(lag >= lo) & (lag < hi)] = label
    lead_window = np.full(n, "none", dtype=object)
    for label, lo, hi in LEAD_WINDOWS:
        lead_window[(lead > lo) & (lead <= hi)] = label
    return pd.DataFrame(
        {"lag_hours": lag, "lag_creator": pd.array(lag_creator, dtype="string"),
         "lead_hours": lead, "lag_window": lag_window, "lead_window": lead_window},
        index=off.index,
    )  # fmt: skip


def _design(cells, *, metric, cluster, adjust):
    ev = event_times(cells)
    frame = cells.loc[ev.index].copy()
    frame = frame.join(ev)
    if cluster == "creator":
        # cells after a LIVE belong to its creator; cells with none to one "none" cluster
        frame["_halo_cluster"] = frame["lag_creator"].fillna("none in 7 days")
        frame.loc[frame["lag_window"] == REFERENCE, "_halo_cluster"] = "none in 7 days"
    else:
        frame["_halo_cluster"] = (frame["product_id"].astype(str) + "|"
                                  + frame["date"].dt.strftime("%Y-%m-%d"))  # fmt: skip
    adjust = HALO_ADJUST if adjust is None else tuple(adjust)
    missing = [a for a in adjust if a not in frame.columns]
    if missing:
        raise ValueError(f"`adjust` names columns the cells do not have: {missing}.")
    adj = "".join(f" + C({a})" for a in adjust if frame[a].nunique(dropna=True) > 1)
    return frame, adj


def halo(
    cells: pd.DataFrame,
    *,
    metric: str = "atc_rate",
    cluster: str = "product_day",
    adjust: Sequence[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    r"""Event-time estimates of the off-live rate of products shown in a LIVE, by lag window.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells of hourly grain, LIVE and off-live (not modified).
    metric : str
        A proportion metric.
    cluster : {"product_day", "creator"}
        ``product_day`` (default): product x shop-local day, the unit of the off-live random
        effect (hundreds of clusters). ``creator``: a cell belongs to the creator of the most
        recent LIVE that showed its product, cells with none in the previous 7 days to one more
        cluster; the halo of one creator's LIVEs shares her audience, but with a handful of
        creators the CR1 sandwich is biased down (t reference on G - 1 df and a ``few
        clusters`` status; on the embedded sample, G = 7, the 0-6 h interval misses the planted
        value, see ``docs/notes/issue-5-dynamics.md``). Use it as a sensitivity check.
    adjust : list of str, optional
        Categorical fixed effects; default :data:`HALO_ADJUST` (hour of day, product, channel,
        promotion). Age group and gender are left out by default: their mix does not move
        with the time since a LIVE, and summing over them makes the fit ten times smaller
        (off-live ATC is rare, so the odds ratio barely depends on them).
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        :data:`HALO_COLUMNS`, one row per window: the lag windows of :data:`LAG_WINDOWS`
        (``kind="lag"``), then the placebo lead windows of :data:`LEAD_WINDOWS`
        (``kind="placebo"``): ``log_or`` and interval: the difference in log odds of off-live
        ATC against the reference (no LIVE of the product in the previous 7 days, or ever, and
        no LIVE in the next 24 h); ``odds_ratio = exp(log_or)``; ``n_cells``, ``trials`` in
        the window; ``status``: ``ok``, ``few clusters: ...``, ``undefined: no cells in the
        window``, ``undefined: no reference cells (every cell had a LIVE of its product in
        the previous 7 days)``.

    Notes
    -----
    .. math:: \operatorname{logit} p_j = \alpha + \sum_w \beta_w \mathbb 1[\Delta t_j \in w]
              + \sum_v \lambda_v \mathbb 1[\text{lead}_j \in v] + Z_j\gamma,

    :math:`\Delta t_j` the hours since the end of the most recent LIVE that showed the
    product. Placebo leads (:math:`\lambda_v`) test anticipation or selection of LIVE days: a
    non-zero lead says the lag estimates also carry whatever makes LIVE days different. The
    lag windows are exclusive (a cell has one most recent LIVE), so a product shown again
    before the halo faded is counted in the short window of the newer LIVE.

    References
    ----------
    Schmidheiny K, Siegloch S (2023). On event studies and distributed-lags models: equivalence,
    generalization and practical implications. J Appl Econometrics 38:695-713. Bojinov I,
    Simchi-Levi D, Zhao J (2023). Design and analysis of switchback experiments. Manage Sci
    69:3759-3777.
    """
    from analysis.stats.models import reference_df, reference_quantile
    from analysis.vocabulary import check_level

    level = check_level(level)
    check_argument("cluster", HALO_CLUSTERS, cluster)
    frame, adj = _design(cells, metric=metric, cluster=cluster, adjust=adjust)
    rows = []
    windows = [(w, "lag", lo, hi) for w, lo, hi in LAG_WINDOWS]
    windows += [(w, "placebo", -hi, -lo) for w, lo, hi in LEAD_WINDOWS]
    present = set(frame["lag_window"]) | set(frame["lead_window"])
    if REFERENCE not in set(frame["lag_window"]):
        for w, kind, lo, hi in windows:
            rows.append(dict.fromkeys(HALO_COLUMNS, np.nan) | {
                "window": w, "kind": kind, "from_hours": lo, "to_hours": hi, "level": level,
                "status": "undefined: no reference cells (every cell had a LIVE of its "
                "product in the previous 7 days)"})  # fmt: skip
        return pd.DataFrame(rows, columns=list(HALO_COLUMNS))
    terms = []
    for w, kind, _lo, _hi in windows:
        if w in present:
            col = f"_w{len(terms)}"
            src = "lag_window" if kind == "lag" else "lead_window"
            frame[col] = (frame[src] == w).astype(float)
            terms.append((w, col))
    names = dict(terms)
    formula = f"{metric} ~ " + " + ".join(c for _, c in terms) + adj
    res = glm(frame, formula, cluster="_halo_cluster")
    df = reference_df(res)
    q = reference_quantile(level, df)
    method = f"{res.cartlift.method.replace('_halo_cluster', cluster)}; event-time windows"
    trials = pd.to_numeric(frame["viewers"]).astype(float)
    for w, kind, lo, hi in windows:
        src = "lag_window" if kind == "lag" else "lead_window"
        inwin = (frame[src] == w).to_numpy()
        row = {"window": w, "kind": kind, "from_hours": lo, "to_hours": hi,
               "n_cells": int(inwin.sum()), "trials": float(trials[inwin].sum()),
               "n_clusters": res.cartlift.n_clusters, "df": df, "method": method,
               "level": level}  # fmt: skip
        col = names.get(w)
        if col is None or not inwin.any():
            rows.append(dict.fromkeys(HALO_COLUMNS, np.nan) | row
                        | {"status": "undefined: no cells in the window"})  # fmt: skip
            continue
        b, s = float(res.params[col]), float(res.bse[col])
        rows.append(row | {"log_or": b, "ci_low": b - q * s, "ci_high": b + q * s,
                           "odds_ratio": float(np.exp(b)), "pvalue": float(res.pvalues[col]),
                           "status": res.cartlift.status})  # fmt: skip
    return pd.DataFrame(rows, columns=list(HALO_COLUMNS))


#: Columns of :func:`halo_decay`.
DECAY_COLUMNS = (
    "parameter", "estimate", "ci_low", "ci_high", "se", "n_clusters", "df", "method", "level",
    "status",
)  # fmt: skip


def _profile_tau(frame, metric, adj, lag, tau_grid) -> tuple[float, float]:
    """Maximise the binomial profile likelihood over ``tau`` (grid, then a bounded search).

    Model-based fits on the aggregated design (only the likelihood is needed here; the
    cluster-robust fit at the optimum goes through :func:`analysis.stats.models.glm`).
    """
    import statsmodels.api as sm
    from patsy import dmatrix
    from scipy.optimize import minimize_scalar

    from analysis.metrics import metric_counts

    counts = metric_counts(frame, metric)
    x = counts["successes"].to_numpy(dtype=float)
    n = counts["trials"].to_numpy(dtype=float)
    ok = counts["complete"].to_numpy(dtype=bool) & (n > 0)
    # sum cells sharing the design (adjustment variables and the lag): same likelihood
    keys = [c for c in frame.columns if f"C({c})" in adj]
    agg = pd.DataFrame({k: frame[k].astype(str).to_numpy()[ok] for k in keys})
    agg["_lag"], agg["_x"], agg["_n"] = lag[ok], x[ok], n[ok]
    agg = agg.groupby([*keys, "_lag"], sort=False)[["_x", "_n"]].sum().reset_index()
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
        As :func:`halo`.
    tau_grid : sequence of float
        Decay times (hours) where the profile likelihood is evaluated; the optimum is then
        refined between the two neighbours of the best grid value (bounded Brent search).

    Returns
    -------
    pandas.DataFrame
        :data:`DECAY_COLUMNS`, rows ``beta`` (log-odds lift just after the LIVE ends),
        ``tau_hours`` (decay time: the lift falls to 37 % after ``tau`` hours) and
        ``half_life_hours`` (``tau ln 2``). ``status``: as :func:`halo`, or ``undefined: tau
        at the edge of the grid`` (no decay, or faster than the grid's first value), or
        ``undefined: no LIVE showed any product``.

    Notes
    -----
    For each :math:`\tau` of the grid the model :math:`\operatorname{logit} p_j = \alpha +
    \beta h_j(\tau) + Z_j\gamma`, :math:`h_j = e^{-\Delta t_j/\tau}` (0 without a previous
    LIVE), is fitted by maximum likelihood (:func:`analysis.stats.models.glm`); :math:`\hat\tau`
    maximises the profile likelihood. Its interval uses the Gauss-Newton linearisation at
    :math:`\hat\tau`: refitting with the extra regressor :math:`g_j = \hat\beta\,\Delta t_j h_j
    /\hat\tau^2` (the derivative of :math:`\beta h_j` in :math:`\tau`), whose coefficient
    estimates :math:`\tau - \hat\tau` with a cluster-robust SE; the interval is built on
    :math:`\log\tau` (:math:`se/\hat\tau`). :math:`\beta`'s interval is the cluster-robust one
    of that joint fit (it accounts for :math:`\tau` being estimated). Bates DM, Watts DG
    (1988). *Nonlinear Regression Analysis and Its Applications*, Wiley, ch. 2.
    """
    from analysis.stats.models import reference_df, reference_quantile
    from analysis.vocabulary import check_level

    level = check_level(level)
    check_argument("cluster", HALO_CLUSTERS, cluster)
    frame, adj = _design(cells, metric=metric, cluster=cluster, adjust=adjust)
    lag = frame["lag_hours"].to_numpy(dtype=float)
    if not np.isfinite(lag).any():
        rows = [dict.fromkeys(DECAY_COLUMNS, np.nan) | {
            "parameter": p, "level": level, "status": "undefined: no LIVE showed any product"}
            for p in ("beta", "tau_hours", "half_life_hours")]  # fmt: skip
        return pd.DataFrame(rows, columns=list(DECAY_COLUMNS))
    tau, beta = _profile_tau(frame, metric, adj, lag, tau_grid)
    h = np.where(np.isfinite(lag), np.exp(-lag / tau), 0.0)
    frame["_h"] = h
    frame["_g"] = beta * np.where(np.isfinite(lag), lag, 0.0) * h / tau**2
    res = glm(frame, f"{metric} ~ _h + _g" + adj, cluster="_halo_cluster")
    df = reference_df(res)
    q = reference_quantile(level, df)
    b, sb = float(res.params["_h"]), float(res.bse["_h"])
    st = float(res.bse["_g"])
    status = res.cartlift.status
    edge = np.isclose(tau, float(tau_grid[0])) or np.isclose(tau, float(tau_grid[-1]))
    if edge:
        status = "undefined: tau at the edge of the grid"
    method = (f"{res.cartlift.method.replace('_halo_cluster', cluster)}; beta exp(-dt/tau), "
              "tau by profile likelihood, Gauss-Newton linearised SE")  # fmt: skip
    s_log = st / tau
    lo_t, hi_t = tau * np.exp(-q * s_log), tau * np.exp(q * s_log)
    base = {"n_clusters": res.cartlift.n_clusters, "df": df, "method": method, "level": level,
            "status": status}  # fmt: skip
    rows = [
        base | {"parameter": "beta", "estimate": b, "ci_low": b - q * sb, "ci_high": b + q * sb,
                "se": sb},
        base | {"parameter": "tau_hours", "estimate": tau, "ci_low": lo_t, "ci_high": hi_t,
                "se": st},
        base | {"parameter": "half_life_hours", "estimate": tau * np.log(2),
                "ci_low": lo_t * np.log(2), "ci_high": hi_t * np.log(2), "se": st * np.log(2)},
    ]  # fmt: skip
    if edge:
        for r in rows[1:]:
            r["ci_low"] = r["ci_high"] = np.nan
    return pd.DataFrame(rows, columns=list(DECAY_COLUMNS))


def planted_windows(cells: pd.DataFrame, truth) -> pd.DataFrame | None:
    """The planted halo of a simulated sample on the scale of :func:`halo` (None on real data).

    ``truth`` is :func:`analysis.sample.truth.read_truth`'s result. For each lag window: the planted
    :math:`\\beta e^{-\\Delta t/\\tau}` averaged over the window's viewers, minus the same average
    over the reference cells (what the window's ``log_or`` estimates); placebo windows 0.

    Returns
    -------
    pandas.DataFrame or None
        ``window``, ``planted_log_or``.
    """
    if truth is None:
        return None
    h = truth.planted["halo"]
    ev = event_times(cells)
    v = pd.to_numeric(cells.loc[ev.index, "viewers"]).to_numpy(dtype=float)
    lag = ev["lag_hours"].to_numpy()
    planted = np.where(np.isfinite(lag), h["beta"] * np.exp(-lag / h["tau_hours"]), 0.0)
    win = ev["lag_window"].to_numpy()
    mean = pd.Series(planted * v).groupby(win).sum() / pd.Series(v).groupby(win).sum()
    rows = [
        {"window": w, "planted_log_or": float(mean.get(w, np.nan) - mean.get(REFERENCE, 0.0))}
        for w, _, _ in LAG_WINDOWS
    ]
    rows += [{"window": w, "planted_log_or": 0.0} for w, _, _ in LEAD_WINDOWS]
    return pd.DataFrame(rows)
