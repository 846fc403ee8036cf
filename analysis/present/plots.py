"""Figures drawn from the tidy result frames; every estimate is drawn with its interval.

Functions take the result frame first, options keyword-only, and return the matplotlib ``Axes``.
Labels that come from data are passed to matplotlib as plain text (``usetex`` off, ``$`` escaped),
so a product called ``$x$`` or ``<b>`` is shown as typed.
"""

from __future__ import annotations

import pandas as pd


def _label(value) -> str:
    return "NA" if pd.isna(value) else str(value).replace("$", r"\$")


def _axes(ax, height: float):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, max(1.8, height)), layout="constrained")
    return ax


def interval_plot(
    data: pd.DataFrame,
    *,
    y: str | list[str],
    x: str = "rate",
    low: str = "ci_low",
    high: str = "ci_high",
    truth: str | None = None,
    reference: float | None = None,
    log: bool = False,
    percent: bool = True,
    title: str | None = None,
    ax=None,
):
    """Horizontal point-and-interval plot: one row per line of ``data``.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy results with an estimate, its lower and upper bound.
    y : str or list of str
        Column(s) naming each row (joined with `` · ``).
    x, low, high : str
        Estimate and interval columns.
    truth : str, optional
        Column with a known true value (simulated data), drawn as a red cross.
    reference : float, optional
        Draw a dashed vertical line there (1 for ratios, 0 for differences).
    log : bool
        Log-scaled x axis (ratios).
    percent : bool
        Format the x axis as percentages.
    """
    from matplotlib.ticker import FuncFormatter

    ys = [y] if isinstance(y, str) else list(y)
    names = [" · ".join(_label(v) for v in row) for row in data[ys].itertuples(index=False)]
    ax = _axes(ax, 0.45 * len(data) + 1)
    pos = list(range(len(data)))[::-1]
    est = data[x].astype(float).to_numpy()
    lo = data[low].astype(float).to_numpy()
    hi = data[high].astype(float).to_numpy()
    ax.errorbar(est, pos, xerr=[est - lo, hi - est], fmt="o", color="#1f4e79", ecolor="#1f4e79",
                capsize=4, label="estimate and interval")  # fmt: skip
    if truth is not None and truth in data:
        ax.scatter(data[truth].astype(float), pos, marker="x", color="#c00000", zorder=3,
                   label="planted truth")  # fmt: skip
        ax.legend(loc="best", fontsize="small")
    if reference is not None:
        ax.axvline(reference, color="grey", linestyle="--", linewidth=1)
    if log:
        ax.set_xscale("log")
    if percent:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.3g}%"))
    ax.set_yticks(pos, names)
    ax.set_xlabel(x.replace("_", " "))
    if title:
        ax.set_title(_label(title))
    return ax


def lift_plot(data: pd.DataFrame, *, y: str | list[str], title: str | None = None, ax=None):
    """The ratio (lift + 1) of a :func:`analysis.stats.rates.compare` result, log scale, with intervals.

    Rows with an undefined ratio are left out of the figure (they stay in the table with their
    ``status``). A red cross marks ``expected_ratio`` when the frame has it (simulated data).
    """
    shown = data[data["ratio_ci_low"].notna() & data["ratio_ci_high"].notna()]
    ax = interval_plot(shown, y=y, x="ratio", low="ratio_ci_low", high="ratio_ci_high",
                       truth="expected_ratio" if "expected_ratio" in shown else None,
                       reference=1.0, log=True, percent=False, title=title, ax=ax)  # fmt: skip
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 3.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("ratio group_a / group_b (1× = no difference)")
    return ax


def funnel_plot(
    limits: pd.DataFrame,
    *,
    label: str | list[str],
    levels: tuple[float, ...] = (0.95, 0.998),
    title: str | None = None,
    ax=None,
):
    """Funnel plot of a :func:`analysis.stats.shrinkage.funnel_limits` frame: rate against trials.

    Each group is a point at (``trials``, ``rate``); the target is a horizontal line; the
    overdispersion-adjusted control limits (same ``target`` and ``tau2`` as the frame) are
    drawn as curves over the range of trials at each of ``levels``. Points flagged ``above``
    or ``below`` are drawn in red and labelled with ``label``. The funnel *is* the interval of
    each point: a point inside the curves is within what chance (plus the estimated
    between-group spread) produces at its size.
    """
    import numpy as np
    from matplotlib.ticker import FuncFormatter

    from analysis.stats.shrinkage import overdispersed_limits

    shown = limits[limits["trials"].astype(float) > 0]
    ax = _axes(ax, 4.0)
    if shown.empty:
        ax.text(0.5, 0.5, "no group with trials", ha="center", transform=ax.transAxes)
        return ax
    labels = [label] if isinstance(label, str) else list(label)
    n = shown["trials"].astype(float).to_numpy()
    target = float(shown["target"].iloc[0])
    tau2 = float(shown["tau2"].iloc[0])
    grid = np.geomspace(max(1.0, n.min() / 2), n.max() * 2, 200)
    for lvl, style in zip(levels, ("--", ":", "-."), strict=False):
        lo, hi = overdispersed_limits(target, grid, tau2, lvl)
        ax.plot(grid, lo, style, color="grey", linewidth=1, label=f"{100 * lvl:g}% limits")
        ax.plot(grid, hi, style, color="grey", linewidth=1)
    ax.axhline(target, color="#1f4e79", linewidth=1, label="target (pooled rate)")
    out = shown["flag"].isin(["above", "below"]).fillna(False).to_numpy(dtype=bool)
    rate = shown["rate"].astype(float).to_numpy()
    ax.scatter(n[~out], rate[~out], color="#1f4e79", zorder=3, label="inside")
    if out.any():
        ax.scatter(n[out], rate[out], color="#c00000", zorder=3, label="outside (flagged)")
    for (_, row), is_out in zip(shown.iterrows(), out, strict=True):
        name = " · ".join(_label(row[c]) for c in labels)
        ax.annotate(name, (float(row["trials"]), float(row["rate"])), fontsize="x-small",
                    xytext=(3, 3), textcoords="offset points",
                    color="#c00000" if is_out else "black")  # fmt: skip
    ax.set_xscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.3g}%"))
    ax.set_xlabel("trials (viewers), log scale")
    ax.set_ylabel("rate")
    ax.legend(loc="best", fontsize="small")
    if title:
        ax.set_title(_label(title))
    return ax


def hour_profile_plot(
    profile: pd.DataFrame,
    *,
    truth: dict | None = None,
    title: str | None = None,
    ax=None,
):
    """Hour-of-day curves of :func:`analysis.analyses.hours.hour_profile`, one band per side.

    The curve is drawn with its pointwise interval as a band; hours where a side has no
    viewers (status ``extrapolated``) are drawn dotted and unbanded. ``truth`` (hour -> value
    on the same scale, e.g. the planted curve minus its daily mean) is drawn as red crosses.
    """
    import numpy as np

    ax = _axes(ax, 3.5)
    for live, color in ((False, "#1f4e79"), (True, "#c55a11")):
        side = profile[profile["is_live"] == live].sort_values("hour")
        if side.empty:
            continue
        h = side["hour"].astype(float).to_numpy()
        est = side["logit_effect"].astype(float).to_numpy()
        seen = ~side["status"].astype(str).str.startswith("extrapolated").to_numpy()
        name = "LIVE" if live else "non-live"
        ax.plot(h, est, ":", color=color, linewidth=1)
        ax.plot(np.where(seen, h, np.nan), np.where(seen, est, np.nan), "-", color=color,
                label=f"{name} (dotted: no viewers, extrapolated)")  # fmt: skip
        ax.fill_between(h, side["ci_low"].astype(float), side["ci_high"].astype(float),
                        where=seen, color=color, alpha=0.2, linewidth=0)  # fmt: skip
    if truth:
        hrs = sorted(truth)
        ax.scatter(hrs, [truth[k] for k in hrs], marker="x", color="#c00000", zorder=3,
                   label="planted truth")  # fmt: skip
    ax.axhline(0, color="grey", linestyle="--", linewidth=1)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlim(-0.5, 23.5)
    ax.set_xlabel("shop-local hour")
    ax.set_ylabel("log-odds vs the average hour")
    ax.legend(loc="best", fontsize="small")
    if title:
        ax.set_title(_label(title))
    return ax


# --------------------------------------------------------------------------------------------
# time dynamics (issue 5): interventions, halo, fatigue, anomalies


def series_plot(
    data: pd.DataFrame,
    *,
    date=None,
    title: str | None = None,
    ax=None,
):
    """Rate per period with its interval, one line per ``arm``, and the intervention date.

    ``data`` is :func:`analysis.analyses.intervention.intervention_series` (``arm``, ``time``, ``rate``,
    ``ci_low``, ``ci_high``); ``date`` draws a dashed vertical line. Read the points before the
    line for the pre-trend: a series already rising before the date makes the jump suspect.
    """
    from matplotlib.ticker import FuncFormatter

    ax = _axes(ax, 3.0)
    colors = {"treated": "#1f4e79", "control": "#7f7f7f"}
    for arm, g in data.groupby("arm", sort=False):
        g = g.sort_values("time")
        t = pd.to_datetime(g["time"])
        est, lo, hi = (g[c].astype(float).to_numpy() for c in ("rate", "ci_low", "ci_high"))
        ax.errorbar(t, est, yerr=[est - lo, hi - est], fmt="o-", capsize=3, linewidth=1,
                    color=colors.get(arm, None), label=_label(arm))  # fmt: skip
    if date is not None:
        ax.axvline(pd.Timestamp(date), color="#c00000", linestyle="--", linewidth=1,
                   label="intervention date")  # fmt: skip
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.3g}%"))
    ax.set_ylabel("rate")
    ax.legend(loc="best", fontsize="small")
    ax.figure.autofmt_xdate()
    if title:
        ax.set_title(_label(title))
    return ax


def event_time_plot(
    data: pd.DataFrame,
    *,
    truth: str | None = None,
    title: str | None = None,
    ax=None,
):
    """Halo estimates by window (:func:`analysis.analyses.halo.halo`): odds ratio with its interval.

    Placebo (pre-live) windows are drawn grey on the left, lag windows blue in time order; a
    dashed line at 1 (no difference from the reference). ``truth`` names a column of planted
    log-odds per window (simulated data), drawn as red crosses.
    """
    import numpy as np

    ax = _axes(ax, 3.0)
    d = pd.concat([data[data["kind"] == "placebo"].iloc[::-1], data[data["kind"] == "lag"]])
    x = np.arange(len(d))
    est = np.exp(d["log_or"].astype(float).to_numpy())
    lo = np.exp(d["ci_low"].astype(float).to_numpy())
    hi = np.exp(d["ci_high"].astype(float).to_numpy())
    colors = np.where(d["kind"] == "lag", "#1f4e79", "#999999")
    for i in range(len(d)):
        ax.errorbar(x[i], est[i], yerr=[[est[i] - lo[i]], [hi[i] - est[i]]], fmt="o",
                    color=colors[i], capsize=4)  # fmt: skip
    if truth is not None and truth in d:
        ax.scatter(x, np.exp(d[truth].astype(float)), marker="x", color="#c00000", zorder=3,
                   label="planted truth")  # fmt: skip
        ax.legend(loc="best", fontsize="small")
    ax.axhline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xticks(x, [_label(w) for w in d["window"]], rotation=30, ha="right")
    ax.set_ylabel("odds ratio vs no LIVE in 7 days")
    if title:
        ax.set_title(_label(title))
    return ax


def decay_plot(
    curve: pd.DataFrame,
    *,
    points: pd.DataFrame | None = None,
    title: str | None = None,
    ax=None,
):
    """Fitted decay with its band per creator (:func:`analysis.analyses.fatigue.fatigue_curve`).

    ``points`` (optional): observed rate per LIVE with ``creator``, ``step`` and ``rate``,
    drawn as small dots (no intervals: the fitted line and band are the estimate).
    """
    from matplotlib.ticker import FuncFormatter

    ax = _axes(ax, 3.5)
    for i, (who, g) in enumerate(curve.groupby("creator", sort=True)):
        color = f"C{i % 10}"
        ax.plot(g["step"], g["rate"], color=color, label=_label(who))
        ax.fill_between(g["step"], g["ci_low"].astype(float), g["ci_high"].astype(float),
                        color=color, alpha=0.15, linewidth=0)  # fmt: skip
        if points is not None:
            p = points[points["creator"] == who]
            ax.scatter(p["step"], p["rate"], color=color, s=10, alpha=0.6)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.3g}%"))
    ax.set_xlabel("LIVE in the creator's series (0 = first)")
    ax.set_ylabel("fitted LIVE rate")
    ax.legend(loc="best", fontsize="small", ncols=2)
    if title:
        ax.set_title(_label(title))
    return ax


def anomaly_plot(data: pd.DataFrame, *, title: str | None = None, ax=None):
    """Observed / expected per hour (:func:`analysis.analyses.anomalies.anomalies`), log scale.

    Every hour with its interval (grey); flagged hours red (drop) or green (peak); dashed line
    at 1. Hours with an undefined ratio are left out.
    """
    import numpy as np

    d = data[data["ratio"].notna() & (data["ratio"] > 0)]
    ax = _axes(ax, 3.0)
    t = pd.to_datetime(d["start"])
    est, lo, hi = (d[c].astype(float).to_numpy() for c in ("ratio", "ci_low", "ci_high"))
    lo = np.maximum(lo, est / 50)  # a zero lower bound cannot be drawn on a log axis
    ax.errorbar(t, est, yerr=[est - lo, hi - est], fmt=".", color="#999999", elinewidth=0.6)
    for flag, color in (("drop", "#c00000"), ("peak", "#2e7d32")):
        f = (d["flag"] == flag).to_numpy()
        if f.any():
            ax.errorbar(t[f], est[f], yerr=[est[f] - lo[f], hi[f] - est[f]], fmt="o",
                        color=color, capsize=3, label=flag)  # fmt: skip
    ax.axhline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_yscale("log")
    ax.set_ylabel("observed / expected")
    if (d["flag"] != "none").any():
        ax.legend(loc="best", fontsize="small")
    ax.figure.autofmt_xdate()
    if title:
        ax.set_title(_label(title))
    return ax
