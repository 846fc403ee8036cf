"""Figures of time dynamics drawn with ``seaborn.objects``: intervention, halo, fatigue, anomalies.

Same conventions as :mod:`analysis.present.plots` (result frame first, options keyword-only,
the ``Axes`` returned, every estimate with its interval: ``so.Range`` for the interval of each
row, ``so.Band`` along a fitted curve); shared helpers in :mod:`analysis.present.figure`.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import seaborn.objects as so  # type: ignore[import-untyped]
from matplotlib.axes import Axes

from analysis.present import i18n
from analysis.present.figure import (
    BLUE,
    DARK_GREY,
    GREY,
    RED,
    TRUTH_LEGEND,
    TRUTH_MARK,
    axes,
    draw,
    finish,
    legend,
    palette,
    percent_axis,
    plain_text,
)

__all__ = ["anomaly_plot", "decay_plot", "event_time_plot", "series_plot"]

#: colour of each arm of an intervention series (other arms: seaborn's palette)
ARM_COLORS = {"treated": BLUE, "control": DARK_GREY}
#: colour of each kind of halo window
WINDOW_COLORS = {"placebo": GREY, "lag": BLUE}
#: colour of each anomaly flag: vermillion and blue of seaborn's "colorblind" palette (Okabe &
#: Ito), told apart with any colour vision (red and green are not, by protans and deutans)
FLAG_COLORS = {"drop": "#d55e00", "peak": "#0173b2"}


def _times(values: pd.Series) -> pd.Series:
    """Datetimes for the x axis; tz-aware ones as the wall-clock time of their zone (a shop's
    hours read as the shop reads them, not in UTC)."""
    t = pd.to_datetime(values)
    return t.dt.tz_localize(None) if t.dt.tz is not None else t


def series_plot(
    data: pd.DataFrame,
    *,
    date: str | pd.Timestamp | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = i18n.SOURCE_LANGUAGE,
) -> Axes:
    """Rate per period with its interval, one line per ``arm``, and the intervention date.

    ``data`` is :func:`analysis.analyses.intervention.intervention_series` (``arm``, ``time``,
    ``rate``, ``ci_low``, ``ci_high``); ``date`` draws a dashed red vertical line. Read the
    points before the line for the pre-trend: a series already rising before the date makes the
    jump suspect. Each point has its interval (``so.Range``); the points of an arm are joined by
    a thin line (``so.Line``).
    """
    ax = axes(ax, 3.0)
    frame = pd.DataFrame({
        "arm": data["arm"].astype(str).to_numpy(),
        "time": _times(data["time"]).to_numpy(),
        "rate": data["rate"].astype(float).to_numpy(),
        "low": data["ci_low"].astype(float).to_numpy(),
        "high": data["ci_high"].astype(float).to_numpy(),
    }).sort_values(["arm", "time"], kind="stable")  # fmt: skip
    colors = palette(data["arm"].astype(str), ARM_COLORS)  # legend in the order of the data
    plot = (
        so.Plot(frame, x="time", y="rate", color="arm")
        .add(so.Line(linewidth=1), legend=False)
        .add(so.Range(linewidth=1), y=None, ymin="low", ymax="high", orient="x", legend=False)
        .add(so.Dot(), legend=False)
        .scale(color=colors)
    )
    draw(plot, ax)
    entries = [
        (
            i18n.t(f"plot.{a}", lang=lang) if a in ARM_COLORS else plain_text(a),
            {"color": c, "marker": "o", "linewidth": 1},
        )
        for a, c in colors.items()
    ]
    if date is not None:
        when = _times(pd.Series([pd.Timestamp(date)])).iloc[0]
        ax.axvline(mdates.date2num(when), color=RED, linestyle="--", linewidth=1)
        entries.append((i18n.t("plot.intervention_date", lang=lang),
                        {"color": RED, "linestyle": "--", "linewidth": 1}))  # fmt: skip
    percent_axis(ax.yaxis)
    legend(ax, entries)
    return finish(ax, title=title, xlabel="", ylabel=i18n.t("plot.rate", lang=lang))


def event_time_plot(
    data: pd.DataFrame,
    *,
    truth: str | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = i18n.SOURCE_LANGUAGE,
) -> Axes:
    """Halo estimates by window (:func:`analysis.analyses.halo.halo`): odds ratio with its interval.

    Placebo (pre-live) windows are drawn grey on the left (earliest first), lag windows blue in
    time order; a dashed line at 1 (no difference from the reference). ``truth`` names a column
    of planted log-odds per window (simulated data), drawn as red crosses. Windows of other
    kinds are not drawn.
    """
    ax = axes(ax, 3.0)
    d = pd.concat([data[data["kind"] == "placebo"].iloc[::-1], data[data["kind"] == "lag"]])
    frame = pd.DataFrame({
        "window": np.arange(len(d)),
        "kind": d["kind"].astype(str).to_numpy(),
        "odds_ratio": np.exp(d["log_or"].astype(float).to_numpy()),
        "low": np.exp(d["ci_low"].astype(float).to_numpy()),
        "high": np.exp(d["ci_high"].astype(float).to_numpy()),
    })  # fmt: skip
    ax.axhline(1.0, color=GREY, linestyle="--", linewidth=1)
    plot = (
        so.Plot(frame, x="window", y="odds_ratio", color="kind")
        .add(so.Range(linewidth=1.5), y=None, ymin="low", ymax="high", orient="x", legend=False)
        .add(so.Dot(), legend=False)
        .scale(color=palette(WINDOW_COLORS, WINDOW_COLORS))
    )
    has_truth = truth is not None and truth in d
    if has_truth:
        frame["truth"] = np.exp(d[truth].astype(float).to_numpy())
        plot = plot.add(so.Dot(**TRUTH_MARK), y="truth", color=None)
    draw(plot, ax)
    ax.set_xticks(frame["window"].tolist(), [plain_text(w) for w in d["window"]],
                  rotation=30, ha="right")  # fmt: skip
    if has_truth:
        legend(ax, [(i18n.t("legend.truth", lang=lang), TRUTH_LEGEND)])
    return finish(ax, title=title, xlabel="", ylabel=i18n.t("plot.halo_axis", lang=lang))


def decay_plot(
    curve: pd.DataFrame,
    *,
    points: pd.DataFrame | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = i18n.SOURCE_LANGUAGE,
) -> Axes:
    """Fitted decay with its band per creator (:func:`analysis.analyses.fatigue.fatigue_curve`).

    ``points`` (optional): observed rate per LIVE with ``creator``, ``step`` and ``rate``,
    drawn as small dots of the creator's colour (no intervals: the fitted line and its band
    are the estimate). Creators of ``points`` without a curve are not drawn.
    """
    ax = axes(ax, 3.5)
    frame = pd.DataFrame({
        "creator": curve["creator"].astype(str).to_numpy(),
        "step": curve["step"].astype(float).to_numpy(),
        "rate": curve["rate"].astype(float).to_numpy(),
        "low": curve["ci_low"].astype(float).to_numpy(),
        "high": curve["ci_high"].astype(float).to_numpy(),
    }).sort_values(["creator", "step"], kind="stable")  # fmt: skip
    colors = palette(sorted(frame["creator"].unique()))
    at = {"x": "step", "y": "rate", "color": "creator"}
    plot = (
        so.Plot()
        .add(so.Band(alpha=0.15), data=frame, x="step", ymin="low", ymax="high",
             color="creator", legend=False)
        .add(so.Line(), data=frame, **at, legend=False)
        .scale(color=colors)
    )  # fmt: skip
    if points is not None:
        seen = points[points["creator"].astype(str).isin(colors)]
        dots = pd.DataFrame({"creator": seen["creator"].astype(str).to_numpy(),
                             "step": seen["step"].astype(float).to_numpy(),
                             "rate": seen["rate"].astype(float).to_numpy()})  # fmt: skip
        plot = plot.add(so.Dot(pointsize=3, alpha=0.6), data=dots, **at, legend=False)
    draw(plot, ax)
    percent_axis(ax.yaxis)
    legend(ax, [(plain_text(c), {"color": v}) for c, v in colors.items()])
    return finish(ax, title=title, xlabel=i18n.t("plot.step_axis", lang=lang),
                  ylabel=i18n.t("plot.fitted_rate", lang=lang))  # fmt: skip


def anomaly_plot(
    data: pd.DataFrame, *, title: str | None = None, ax: Axes | None = None,
    lang: str = i18n.SOURCE_LANGUAGE,
) -> Axes:  # fmt: skip
    """Observed / expected per hour (:func:`analysis.analyses.anomalies.anomalies`), log scale.

    Every hour with its interval (grey); flagged hours red (drop) or green (peak), larger; dashed
    line at 1. Hours with an undefined or zero ratio are left out. A zero lower bound cannot be
    drawn on a log axis: it is drawn at 1/50 of the ratio (the interval then runs off the
    bottom of what matters). Times are the shop's wall-clock hours.
    """
    d = data[data["ratio"].notna() & (data["ratio"] > 0)]
    ax = axes(ax, 3.0)
    est = d["ratio"].astype(float).to_numpy()
    frame = pd.DataFrame({
        "start": _times(d["start"]).to_numpy(),
        "ratio": est,
        "low": np.maximum(d["ci_low"].astype(float).to_numpy(), est / 50),
        "high": d["ci_high"].astype(float).to_numpy(),
        "flag": d["flag"].astype(str).to_numpy(),
    })  # fmt: skip
    flagged = frame[frame["flag"].isin(FLAG_COLORS)]
    ax.axhline(1.0, color=GREY, linestyle="--", linewidth=1)
    at = {"x": "start", "ymin": "low", "ymax": "high"}
    plot = (
        so.Plot()
        .add(so.Range(color=GREY, linewidth=0.6), data=frame, **at)
        .add(so.Dot(color=GREY, pointsize=3), data=frame, x="start", y="ratio")
        .add(so.Range(linewidth=1.5), data=flagged, **at, color="flag", legend=False)
        .add(so.Dot(pointsize=6), data=flagged, x="start", y="ratio", color="flag",
             legend=False)
        .scale(color=palette(FLAG_COLORS, FLAG_COLORS))
    )  # fmt: skip
    draw(plot, ax)
    ax.set_yscale("log")
    legend(ax, [(i18n.t(f"plot.{f}", lang=lang), {"color": c, "marker": "o"})
                for f, c in FLAG_COLORS.items() if (flagged["flag"] == f).any()])  # fmt: skip
    return finish(ax, title=title, xlabel="", ylabel=i18n.t("plot.observed_expected", lang=lang))
