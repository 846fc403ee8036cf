r"""Abnormal hours: peaks and drops of a rate against an hour-of-week baseline.

Every hour of the target period (an ISO week, or one day so far: the "during the live" check) is
compared with what the other weeks of the data say about the same weekday and hour, live and
off-live separately (so a LIVE that starts or is cancelled changes the expectation, not the
verdict). The comparison is an indirectly standardised ratio observed / expected with
overdispersion-adjusted control limits (Spiegelhalter 2005, the limits of FunnelPlotR):

* per hour *i*: :math:`O_i = \sum x`, :math:`n_i = \sum n`, :math:`E_i = \sum_s n_{is}
  \hat r_{s}(\text{weekday}, \text{hour})` over the sides *s* (live / off-live), :math:`\hat r`
  the baseline rate of that hour of the week; :math:`p_{0i} = E_i/n_i`;
* arcsine scale: :math:`y_i = \arcsin\sqrt{O_i/n_i}`, :math:`s_i^2 = 1/(4n_i)`, plus the
  baseline's own :math:`1/(4 n_{b,i})`, plus a between-hour variance :math:`\tau^2` estimated by
  DerSimonian-Laird on winsorised z-scores of the *baseline* weeks' hours, each against the
  other baseline weeks (:func:`analysis.stats.funnel.dersimonian_laird_tau2`), one for hours with
  a LIVE and one for hours without;
* an hour is a ``peak`` / ``drop`` when its rate lies outside the limits
  :math:`\sin^2(\arcsin\sqrt{p_{0i}} \pm z_{(1+\text{limit})/2}\sqrt{s_i^2 + s_{b,i}^2 +
  \tau^2})` (:func:`analysis.stats.funnel.overdispersed_limits`); its size is :math:`O_i/E_i` with
  the interval of the same form at ``level``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.metrics import get_metric, metric_counts
from analysis.stats.funnel import dersimonian_laird_tau2, overdispersed_limits
from analysis.status import note, status_columns, undefined
from analysis.vocabulary import check_level
from analysis.weeks import parse_week, resolve_week

__all__ = ["ANOMALY_COLUMNS", "MIN_EXPECTED", "anomalies", "planted_anomalies"]

#: Columns of :func:`anomalies`.
ANOMALY_COLUMNS = (
    "start", "date", "hour", "weekday", "successes", "trials", "rate", "expected_rate",
    "expected", "ratio", "ci_low", "ci_high", "lower_limit", "upper_limit", "z", "flag",
    "baseline_trials", "tau2", "method", "level", "limit", "status", "status_message",
)  # fmt: skip


#: an hour with fewer expected successes than this gets a ``small cell`` status (the arcsine
#: normal approximation is rough there)
MIN_EXPECTED = 5.0

#: the ``method`` of every row of :func:`anomalies`
METHOD = (
    "indirect standardisation on the hour-of-week baseline (live/off-live), arcsine "
    "scale, DerSimonian-Laird tau2 on winsorised baseline z-scores"
)


def _hourly(cells: pd.DataFrame, metric: str) -> pd.DataFrame:
    counts = metric_counts(cells, metric)
    ok = counts["complete"].to_numpy(dtype=bool)
    side = cells["is_live"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    iso = cells["date"].dt.isocalendar()
    frame = pd.DataFrame({
        "start": cells["start"].array, "date": cells["date"].to_numpy(),
        "hour": cells["hour"].to_numpy(dtype=float, na_value=np.nan),
        "weekday": cells["weekday"].to_numpy(dtype=float, na_value=np.nan),
        "week": (iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)).to_numpy(),
        "side": side, "x": counts["successes"].to_numpy(), "n": counts["trials"].to_numpy(),
    })[ok]  # fmt: skip
    frame = frame[frame["hour"].notna()]
    return (frame.groupby(["week", "start", "date", "weekday", "hour", "side"], observed=True)
            [["x", "n"]].sum().reset_index())  # fmt: skip


def _expected(target: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Per target hour and side: baseline rate of the hour of week; when it has no trials or no
    successes, of the hour of day; then of the side."""
    keys = [["weekday", "hour", "side"], ["hour", "side"], ["side"]]
    out = target.copy()
    out["rate_b"], out["n_b"] = np.nan, np.nan
    for k in keys:
        b = base.groupby(k)[["x", "n"]].sum()
        b = b[(b["n"] > 0) & (b["x"] > 0)]  # a baseline without successes falls back
        m = out[k].merge(b, left_on=k, right_index=True, how="left")
        fill = out["rate_b"].isna().to_numpy() & m["n"].notna().to_numpy()
        out.loc[fill, "rate_b"] = (m["x"] / m["n"]).to_numpy()[fill]
        out.loc[fill, "n_b"] = m["n"].to_numpy()[fill]
    return out


def _has_live(frame: pd.DataFrame) -> pd.Series:
    """Per ``start``: does the hour have LIVE trials?"""
    return frame.assign(_l=frame["side"] & (frame["n"] > 0)).groupby("start")["_l"].any()


def _tau2(hourly: pd.DataFrame, winsorise: float) -> dict[bool, float]:
    """DerSimonian-Laird tau^2 of baseline weeks' hours, each against the other weeks, for hours
    with a LIVE (``True``) and without (``False``) separately.

    The overdispersion of a rate is not the same in both: a LIVE hour carries its session's
    mood (one shared effect for a thousand viewers), an off-live hour only the product-day
    effects, so one pooled tau^2 is too small for the first and too large for the second
    (winsorising at 10 % removes exactly the LIVE hours, a few percent of all hours). Hours
    with fewer than :data:`MIN_EXPECTED` expected successes are left out: their z-scores are
    dominated by the discreteness of tiny counts (many zeros).
    """
    weeks = hourly["week"].unique()
    out = {True: float("nan"), False: float("nan")}
    if len(weeks) < 2:
        return out
    zs, ss, ls = [], [], []
    for w in weeks:
        own = hourly[hourly["week"] == w]
        rest = hourly[hourly["week"] != w]
        e = _expected(own, rest)
        e["e"] = e["n"] * e["rate_b"]
        g = e.groupby("start")[["x", "n", "e"]].sum()
        nb = e.groupby("start")["n_b"].sum()
        live = _has_live(own)
        g = g[(g["n"] > 0) & (g["e"] >= MIN_EXPECTED)]
        p0 = (g["e"] / g["n"]).clip(0, 1)
        y = np.arcsin(np.sqrt((g["x"] / g["n"]).clip(0, 1)))
        s = np.sqrt(1 / (4 * g["n"]) + 1 / (4 * nb.loc[g.index]))
        zs.append(np.asarray((y - np.arcsin(np.sqrt(p0))) / s, dtype=float))
        ss.append(np.asarray(s, dtype=float))
        ls.append(live.loc[g.index].to_numpy(dtype=bool))
    z, s, lv = np.concatenate(zs), np.concatenate(ss), np.concatenate(ls)
    for stratum in (True, False):
        sel = lv == stratum
        out[stratum] = float(dersimonian_laird_tau2(z[sel], s[sel], winsorise=winsorise)[1])
    return out


def anomalies(
    cells: pd.DataFrame,
    *,
    week: str | None = None,
    day: Any = None,
    through_hour: int | None = None,
    metric: str = "atc_rate",
    level: float = 0.95,
    limit: float = 0.998,
    winsorise: float = 0.1,
) -> pd.DataFrame:
    r"""Every hour of a week (or of a day so far) against its hour-of-week baseline.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells of hourly grain (not modified): the target period and the baseline.
    week : str, optional
        ``"YYYY-Www"`` or ``"latest"``: the hours of that ISO week.
    day : str or Timestamp, optional
        Instead of ``week``: the hours of one shop-local day, e.g. today during a LIVE
        (partial-day mode); ``through_hour`` keeps hours ``<= through_hour`` only.
    metric : str
        A proportion metric.
    level : float
        Level of each hour's ratio interval.
    limit : float
        Coverage of the control limits that flag an hour (default 0.998, "3 sigma": a week
        has 168 hours, so 0.95 limits would flag about 8 in-control hours a week).
    winsorise : float
        Share winsorised at each end of the z-scores before estimating :math:`\tau^2`.

    Returns
    -------
    pandas.DataFrame
        :data:`ANOMALY_COLUMNS`, one row per hour (``start``, tz-aware; the 25-hour day of a
        DST change has two rows at hour 2), in time order:

        ``successes``, ``trials``, ``rate``
            Observed counts and rate of the hour (live and off-live together).
        ``expected_rate``, ``expected``
            :math:`p_0 = E/n` and :math:`E`, from the hour-of-week baseline of the other weeks
            with the hour's own live / off-live mix.
        ``ratio``, ``ci_low``, ``ci_high``
            Size :math:`O/E` with its interval at ``level`` (overdispersion included).
        ``lower_limit``, ``upper_limit``
            Control limits of the *rate* at ``limit``.
        ``z``
            :math:`(y - y_0)/\sqrt{s^2 + s_b^2 + \tau^2}`.
        ``flag``
            ``peak`` (above the upper limit), ``drop`` (below the lower), or ``none``.
        ``baseline_trials``, ``tau2`` (of the hour's stratum: with or without a LIVE),
        ``method``, ``level``, ``limit``
            What was computed, the interval level and the coverage of the control limits.
        ``status``, ``status_message``
            ``ok``; ``exact_small_cell`` (fewer than :data:`MIN_EXPECTED` expected successes:
            the arcsine approximation fails for tiny counts, a zero would be flagged; the flag
            then uses the exact binomial tails at ``p0`` and the interval is Clopper-Pearson,
            without overdispersion); ``partial`` (:math:`\tau^2` not estimable from too few
            baseline hours: 0 used); ``undefined_no_control`` (no baseline: no other week has
            data); ``undefined_no_viewers`` (no trials in the hour).

    Raises
    ------
    ValueError
        Neither or both of ``week`` and ``day``; a malformed week; no data in the period.

    References
    ----------
    Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Stat Med
    24:1185-1202; Handling over-dispersion of performance indicators. Qual Saf Health Care
    14:347-351.
    """
    level, limit = check_level(level), check_level(limit)
    if (week is None) == (day is None):
        raise ValueError("pass exactly one of week='YYYY-Www' (or 'latest') and day='YYYY-MM-DD'.")
    m = get_metric(metric)
    if m.kind != "proportion":
        raise ValueError(f"anomalies() takes a proportion metric; {m.name!r} is a ratio of sums.")
    hourly = _hourly(cells, m.name)
    target, target_weeks = _target(cells, hourly, week=week, day=day, through_hour=through_hour)
    base = hourly[~hourly["week"].isin(target_weeks)]
    taus = _tau2(base, winsorise) if not base.empty else {True: np.nan, False: np.nan}
    live_hour = _has_live(target)
    e = _expected(target, base) if not base.empty else target.assign(rate_b=np.nan, n_b=np.nan)
    e["e"] = e["n"] * e["rate_b"]
    g = e.groupby(["start", "date", "weekday", "hour"], observed=True).agg(
        x=("x", "sum"), n=("n", "sum"), e=("e", lambda v: v.sum(min_count=len(v))),
        n_b=("n_b", "sum"),
    ).reset_index().sort_values("start", ignore_index=True)  # fmt: skip
    rows = []
    for r in g.to_dict("records"):
        tau2 = taus[bool(live_hour.get(r["start"], False))]
        row = {"start": r["start"], "date": r["date"], "hour": int(r["hour"]),
               "weekday": int(r["weekday"]), "successes": r["x"], "trials": r["n"],
               "rate": r["x"] / r["n"] if r["n"] > 0 else np.nan, "baseline_trials": r["n_b"],
               "tau2": tau2, "method": METHOD, "level": level, "limit": limit}  # fmt: skip
        rows.append(row | _compare(r, tau2, level=level, limit=limit))
    return pd.DataFrame(rows, columns=list(ANOMALY_COLUMNS))


def _target(
    cells: pd.DataFrame, hourly: pd.DataFrame, *, week: str | None, day: Any,
    through_hour: int | None,
) -> tuple[pd.DataFrame, set[str]]:  # fmt: skip
    """The hours of the target period, and its ISO week(s) (left out of the baseline)."""
    if week is not None:
        wk = resolve_week(cells, week)
        target, weeks = hourly[hourly["week"] == wk.iso], {wk.iso}
    else:
        d = pd.Timestamp(day)
        d = (d.tz_localize(None) if d.tzinfo else d).normalize()
        iso = d.isocalendar()
        weeks = {parse_week(f"{iso.year:04d}-W{iso.week:02d}").iso}
        target = hourly[hourly["date"] == d]
        if through_hour is not None:
            target = target[target["hour"] <= through_hour]
    if target.empty:
        raise ValueError(f"no hourly cells in the period ({week or day}); the cells run from "
                         f"{cells['date'].min():%Y-%m-%d} to {cells['date'].max():%Y-%m-%d}.")  # fmt: skip
    return target, weeks


def _compare(r: dict, tau2: float, *, level: float, limit: float) -> dict[str, Any]:
    """One hour ``r`` (``x``, ``n``, ``e``, ``n_b``) against its baseline: limits, ratio with
    its interval, z, flag and status (arcsine scale, or exact for a small cell)."""
    x, n, e, n_b = r["x"], r["n"], r["e"], r["n_b"]
    if n <= 0:
        return {"flag": "none", **undefined("undefined_no_viewers", "no trials in the hour")}
    if not np.isfinite(e) or n_b <= 0 or e <= 0:
        why = "no baseline: no other week has data for this hour"
        return {"flag": "none", **undefined("undefined_no_control", why)}
    p0 = e / n
    extra = (tau2 if np.isfinite(tau2) else 0.0) + 1 / (4 * n_b)
    sd = np.sqrt(1 / (4 * n) + extra)
    y, y0 = np.arcsin(np.sqrt(x / n)), np.arcsin(np.sqrt(p0))
    qi = float(stats.norm.isf((1 - level) / 2))
    lo_lim, hi_lim = overdispersed_limits(p0, n, extra, limit)
    lo_r = np.sin(np.clip(y - qi * sd, 0, np.pi / 2)) ** 2
    hi_r = np.sin(np.clip(y + qi * sd, 0, np.pi / 2)) ** 2
    flag = "peak" if x / n > hi_lim else "drop" if x / n < lo_lim else "none"
    notes = []
    if e < MIN_EXPECTED:  # tiny counts: exact binomial tails and Clopper-Pearson instead
        flag, lo_lim, hi_lim, lo_r, hi_r = _exact(x, n, p0, level=level, limit=limit)
        notes.append(note("exact_small_cell", f"{e:.2g} expected successes (< {MIN_EXPECTED:g}): "
                          "exact binomial limits and Clopper-Pearson interval, no overdispersion"))  # fmt: skip
    if not np.isfinite(tau2):
        notes.append(note("partial", "tau2 not estimable (too few baseline hours): 0 used"))
    return {"expected_rate": p0, "expected": e, "ratio": x / e, "ci_low": lo_r / p0,
            "ci_high": hi_r / p0, "lower_limit": float(lo_lim), "upper_limit": float(hi_lim),
            "z": (y - y0) / sd, "flag": flag, **status_columns(notes)}  # fmt: skip


def _exact(x: float, n: float, p0: float, *, level: float, limit: float) -> tuple:
    """Flag, rate limits and Clopper-Pearson rate interval of a small cell, from the exact
    binomial tails at ``p0`` (Clopper & Pearson 1934)."""
    alpha = 1 - limit
    if stats.binom.cdf(x, n, p0) < alpha / 2:
        flag = "drop"
    elif stats.binom.sf(x - 1, n, p0) < alpha / 2:
        flag = "peak"
    else:
        flag = "none"
    lo_lim = stats.binom.ppf(alpha / 2, n, p0) / n
    hi_lim = stats.binom.isf(alpha / 2, n, p0) / n
    a = 1 - level
    lo_r = stats.beta.ppf(a / 2, x, n - x + 1) if x > 0 else 0.0
    hi_r = stats.beta.isf(a / 2, x + 1, n - x) if x < n else 1.0
    return flag, lo_lim, hi_lim, lo_r, hi_r


def planted_anomalies(cells: pd.DataFrame, truth) -> pd.DataFrame:
    """The planted anomalous hours of a simulated sample, with the ratio they imply here.

    Parameters
    ----------
    cells : pandas.DataFrame
        Simulated cells (any selection).
    truth : analysis.sample.truth.Truth or None
        From :func:`analysis.sample.truth.read_truth`; None returns an empty frame.

    Returns
    -------
    pandas.DataFrame
        ``start`` (tz-aware), ``shift`` (planted log-odds shift), ``expected_ratio``:
        :math:`\\sum n p / \\sum n\\,\\mathrm{expit}(\\mathrm{logit}\\,p - \\text{shift})` over
        the hour's cells, ``p`` their true ATC probabilities: how much the shift multiplies
        that hour's rate (NaN when the hour is not in ``cells``).
    """
    cols = ["start", "shift", "expected_ratio"]
    if truth is None:
        return pd.DataFrame(columns=cols)
    rows = []
    exp = cells[["row", "start", "viewers"]].merge(truth.expected[["row", "p_atc"]], on="row")
    for a in truth.planted["anomalies"]:
        ts = pd.Timestamp(a["start"])
        sel = exp[exp["start"] == ts]
        n = sel["viewers"].to_numpy(dtype=float)
        p = sel["p_atc"].to_numpy(dtype=float)
        p0 = 1 / (1 + np.exp(-(np.log(p / (1 - p)) - a["shift"])))
        ratio = float((n * p).sum() / (n * p0).sum()) if n.sum() > 0 else np.nan
        rows.append({"start": ts.tz_convert(cells["start"].dt.tz), "shift": a["shift"],
                     "expected_ratio": ratio})  # fmt: skip
    return pd.DataFrame(rows, columns=cols)
