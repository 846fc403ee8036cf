"""Figures of estimates with their intervals, drawn with ``seaborn.objects``.

Every estimate is drawn with its interval: ``so.Range`` draws the precomputed interval of each row
(``xmin``/``xmax`` or ``ymin``/``ymax`` assigned from the frame's bounds, no statistic computed),
``so.Dot`` the estimate, ``so.Band`` a pointwise band along a curve. Functions take the result
frame first, options keyword-only, and return the matplotlib ``Axes`` they drew on (a new figure
when ``ax`` is None), for :func:`analysis.present.display.localize_axis`. The shared axes,
colours, legend and log-axis conventions are in :mod:`analysis.present.figure`; the figures of
time dynamics are in :mod:`analysis.present.time_plots`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn.objects as so  # type: ignore[import-untyped]
from matplotlib.axes import Axes

from analysis.present import i18n
from analysis.present.figure import (
    BLUE,
    ESTIMATE_LEGEND,
    GREY,
    ORANGE,
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
    ratio_axis,
)
from analysis.stats.funnel import overdispersed_limits

__all__ = ["funnel_plot", "hour_profile_plot", "interval_plot", "lift_plot"]

#: the two sides of the hour profile: colour of each
SIDE_COLORS = {"non-live": BLUE, "LIVE": ORANGE}
#: line style of the funnel limits, by level (in the order of ``levels``)
LIMIT_STYLES = ("--", ":", "-.")


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
    ax: Axes | None = None,
    lang: str = i18n.SOURCE_LANGUAGE,
) -> Axes:
    """Horizontal point-and-interval plot: one row per line of ``data``, first row on top.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy results with an estimate, its lower and upper bound (not modified).
    y : str or list of str
        Column(s) naming each row (joined with `` · ``). Rows keep their own line even when two
        share a name.
    x, low, high : str
        Estimate and interval columns. A row whose bounds are finite has its interval drawn,
        whatever its estimate; a row with neither a finite estimate nor finite bounds is left
        out (no empty line; pages check :func:`analysis.present.answers.drawable` first).
    truth : str, optional
        Column with a known true value (simulated data), drawn as a red cross; the legend then
        says which mark is which.
    reference : float, optional
        Draw a dashed vertical line there (1 for ratios, 0 for differences).
    log : bool
        Log-scaled x axis (ratios).
    percent : bool
        Format the x axis as percentages.
    title : str, optional
        Axes title (plain text).
    ax : matplotlib.axes.Axes, optional
        Draw there; default a new figure sized to the number of rows.
    lang : str
        Language of the axis labels and legend (``plot.*`` strings, :mod:`analysis.present.i18n`).

    Returns
    -------
    matplotlib.axes.Axes
        One ``so.Range`` segment per row with finite bounds, one ``so.Dot`` per finite estimate.
    """
    ys = [y] if isinstance(y, str) else list(y)
    data = _drawn_rows(data, x, low, high)
    names = [" · ".join(plain_text(v, c) for c, v in zip(ys, row, strict=True))
             for row in data[ys].itertuples(index=False)]  # fmt: skip
    frame = pd.DataFrame({
        "row": np.arange(len(data))[::-1],
        "estimate": data[x].astype(float).to_numpy(),
        "low": data[low].astype(float).to_numpy(),
        "high": data[high].astype(float).to_numpy(),
    })  # fmt: skip
    ax = axes(ax, 0.45 * len(data) + 1)
    if reference is not None:
        ax.axvline(reference, color=GREY, linestyle="--", linewidth=1)
    plot = (
        so.Plot(frame, y="row")
        .add(so.Range(color=BLUE), xmin="low", xmax="high", orient="y")
        .add(so.Dot(color=BLUE), x="estimate")
    )
    has_truth = truth is not None and truth in data
    if has_truth:
        frame["truth"] = data[truth].astype(float).to_numpy()
        plot = plot.add(so.Dot(**TRUTH_MARK), x="truth")
    draw(plot, ax)
    if log:
        ax.set_xscale("log")
    if percent:
        percent_axis(ax.xaxis)
    ax.set_yticks(frame["row"].tolist(), names)
    ax.set_ylim(-0.5, max(len(data), 1) - 0.5)
    if has_truth:
        legend(ax, [(i18n.t("legend.estimate", lang=lang), ESTIMATE_LEGEND),
                    (i18n.t("legend.truth", lang=lang), TRUTH_LEGEND)])  # fmt: skip
    return finish(
        ax, title=title, xlabel=i18n.column_label(x, lang=lang).replace("_", " "), ylabel=""
    )


def _drawn_rows(data: pd.DataFrame, x: str, low: str, high: str) -> pd.DataFrame:
    """The rows of ``data`` with something to draw: a finite estimate or finite bounds (a row
    with neither would be an empty, labelled line)."""

    def finite(c: str) -> np.ndarray:
        return np.isfinite(pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float))

    return data.loc[finite(x) | (finite(low) & finite(high))]


def lift_plot(
    data: pd.DataFrame, *, y: str | list[str], title: str | None = None, ax: Axes | None = None,
    lang: str = i18n.SOURCE_LANGUAGE,
) -> Axes:  # fmt: skip
    """The ratio (lift + 1) of a :func:`analysis.stats.compare.compare` result, with intervals.

    Rows with an undefined ratio interval are left out of the figure (they stay in the table
    with their ``status``). A red cross marks ``expected_ratio`` when the frame has it
    (simulated data). The x axis is logarithmic with ticks ``1×``, ``2×``, ``3×``, ``5×`` per
    decade and a dashed line at ``1×`` (no difference). Labels in ``lang``.
    """
    shown = data[data["ratio_ci_low"].notna() & data["ratio_ci_high"].notna()]
    ax = interval_plot(shown, y=y, x="ratio", low="ratio_ci_low", high="ratio_ci_high",
                       truth="expected_ratio" if "expected_ratio" in shown else None,
                       reference=1.0, percent=False, title=title, ax=ax, lang=lang)  # fmt: skip
    ratio_axis(ax, "x")
    ax.set_xlabel(i18n.t("plot.lift_axis", lang=lang))
    return ax


def funnel_plot(
    limits: pd.DataFrame,
    *,
    label: str | list[str],
    levels: tuple[float, ...] = (0.95, 0.998),
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = i18n.SOURCE_LANGUAGE,
) -> Axes:
    """Funnel plot of a :func:`analysis.stats.funnel.funnel_limits` frame: rate against trials
    (labels in ``lang``).

    Each group is a point at (``trials``, ``rate``); the target is a horizontal line; the
    overdispersion-adjusted control limits (same ``target`` and ``tau2`` as the frame) are
    drawn as curves over the range of trials at each of ``levels``. Points flagged ``above``
    or ``below`` are drawn in red and labelled with ``label`` in red (the others in black).
    The funnel *is* the interval of each point: a point inside the curves is within what chance
    (plus the estimated between-group spread) produces at its size (Spiegelhalter 2005, Funnel
    plots for comparing institutional performance, Statistics in Medicine 24:1185-1202).
    """
    shown = limits[limits["trials"].astype(float) > 0]
    ax = axes(ax, 4.0)
    if shown.empty:
        ax.text(0.5, 0.5, "no group with trials", ha="center", transform=ax.transAxes)
        return ax
    points = _funnel_points(shown, label)
    curves = _funnel_curves(shown, levels)
    target = float(shown["target"].iloc[0])
    ax.axhline(target, color=BLUE, linewidth=1)
    colors = palette(["inside", "outside"], {"inside": BLUE, "outside": RED})
    styles = dict(zip(curves["level"].unique(), LIMIT_STYLES, strict=False))
    # a name may run past the axes' right edge: not clipped
    text = {"halign": "left", "valign": "bottom", "offset": 3, "fontsize": 7,
            "artist_kws": {"clip_on": False}}  # fmt: skip
    inside, outside = points[points["where"] == "inside"], points[points["where"] == "outside"]
    at = {"x": "trials", "y": "rate", "text": "name"}
    plot = (
        so.Plot()
        .add(so.Line(color=GREY, linewidth=1), data=curves, x="trials", y="limit",
             group="curve", linestyle="level", legend=False)
        .add(so.Dot(), data=points, x="trials", y="rate", color="where", legend=False)
        .add(so.Text(color="black", **text), data=inside, **at)
        .add(so.Text(color=RED, **text), data=outside, **at)
        .scale(color=colors, linestyle=styles)
    )  # fmt: skip
    draw(plot, ax)
    ax.set_xscale("log")
    percent_axis(ax.yaxis)
    entries = [
        (
            i18n.t("plot.limits", lang=lang, level=k),
            {"color": GREY, "linestyle": s, "linewidth": 1},
        )
        for k, s in styles.items()
    ]
    entries.append((i18n.t("plot.target", lang=lang), {"color": BLUE, "linewidth": 1}))
    entries += [(i18n.t(f"plot.{w}", lang=lang),
                 {"color": colors[w], "marker": "o", "linestyle": "none"})
                for w in ("inside", "outside") if (points["where"] == w).any()]  # fmt: skip
    legend(ax, entries)
    return finish(ax, title=title, xlabel=i18n.t("plot.trials_axis", lang=lang),
                  ylabel=i18n.t("plot.rate", lang=lang))  # fmt: skip


def _funnel_points(shown: pd.DataFrame, labels: str | list[str]) -> pd.DataFrame:
    """One row per group: trials, rate, inside/outside the limits, its name."""
    cols = [labels] if isinstance(labels, str) else list(labels)
    out = shown["flag"].isin(["above", "below"]).fillna(False).to_numpy(dtype=bool)
    return pd.DataFrame({
        "trials": shown["trials"].astype(float).to_numpy(),
        "rate": shown["rate"].astype(float).to_numpy(),
        "where": np.where(out, "outside", "inside"),
        "name": [" · ".join(plain_text(r[c], c) for c in cols) for _, r in shown.iterrows()],
    })  # fmt: skip


def _funnel_curves(shown: pd.DataFrame, levels: tuple[float, ...]) -> pd.DataFrame:
    """Lower and upper limit of each level over a log grid of trials (long frame)."""
    n = shown["trials"].astype(float).to_numpy()
    target, tau2 = float(shown["target"].iloc[0]), float(shown["tau2"].iloc[0])
    grid = np.geomspace(max(1.0, n.min() / 2), n.max() * 2, 200)
    parts = []
    for lvl in levels[: len(LIMIT_STYLES)]:
        lo, hi = overdispersed_limits(target, grid, tau2, lvl)
        name = f"{100 * lvl:g}%"
        for side, values in (("lower", lo), ("upper", hi)):
            parts.append(pd.DataFrame({"trials": grid, "limit": values, "level": name,
                                       "curve": f"{name} {side}"}))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def hour_profile_plot(
    profile: pd.DataFrame,
    *,
    truth: dict | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    lang: str = i18n.SOURCE_LANGUAGE,
) -> Axes:
    """Hour-of-day curves of :func:`analysis.analyses.hours.hour_profile`, one band per side.

    The curve is drawn with its pointwise interval as a band (``so.Band``) over the hours where
    the side has viewers (``trials > 0``); over hours with no viewers the curve is an
    extrapolation of the harmonics, drawn dotted and unbanded. ``truth`` (hour -> value on the
    same scale, e.g. the planted curve minus its daily mean) is drawn as red crosses. The
    legend names each side ``"LIVE (dotted: ...)"`` / ``"non-live (dotted: ...)"`` (a page
    may relabel it from ``ax.get_legend_handles_labels()``). Labels in ``lang``.
    """
    ax = axes(ax, 3.5)
    frame = _profile_frame(profile)
    seen = frame[frame["seen"]]
    colors = palette(SIDE_COLORS, SIDE_COLORS)
    ax.axhline(0, color=GREY, linestyle="--", linewidth=1)
    at = {"x": "hour", "y": "estimate", "color": "side"}
    plot = (
        so.Plot()
        .add(so.Line(linestyle=":", linewidth=1), data=frame, **at, legend=False)
        .add(so.Band(), data=seen, x="hour", ymin="low", ymax="high", color="side",
             group="run", legend=False)
        .add(so.Line(), data=seen, **at, group="run", legend=False)
        .scale(color=colors, x=so.Continuous().tick(at=list(range(0, 24, 2))))
        .limit(x=(-0.5, 23.5))
    )  # fmt: skip
    sides = {"LIVE": "side.live", "non-live": "side.nonlive"}
    entries = [(i18n.t("plot.dotted", lang=lang, side=i18n.t(sides[s], lang=lang)),
                {"color": colors[s]}) for s in SIDE_COLORS if (frame["side"] == s).any()]  # fmt: skip
    if truth:
        hours = sorted(truth)
        marks = pd.DataFrame({"hour": hours, "estimate": [truth[k] for k in hours]})
        plot = plot.add(so.Dot(**TRUTH_MARK), data=marks, x="hour", y="estimate")
        entries.append((i18n.t("legend.truth", lang=lang), TRUTH_LEGEND))
    draw(plot, ax)
    legend(ax, entries)
    return finish(ax, title=title, xlabel=i18n.t("plot.hour_axis", lang=lang),
                  ylabel=i18n.t("plot.hour_log_odds", lang=lang))  # fmt: skip


def _profile_frame(profile: pd.DataFrame) -> pd.DataFrame:
    """Hour, estimate, bounds, side name, whether the side has viewers, and the run of seen hours
    each row belongs to (a band or solid line never bridges an unseen hour)."""
    d = profile.sort_values(["is_live", "hour"])
    seen = d["trials"].astype(float).fillna(0).to_numpy() > 0
    side = np.where(d["is_live"].astype(bool), "LIVE", "non-live")
    change = (pd.Series(seen) != pd.Series(seen).shift()) | (
        pd.Series(side) != pd.Series(side).shift()
    )
    return pd.DataFrame({
        "hour": d["hour"].astype(float).to_numpy(),
        "estimate": d["logit_effect"].astype(float).to_numpy(),
        "low": d["ci_low"].astype(float).to_numpy(),
        "high": d["ci_high"].astype(float).to_numpy(),
        "side": side,
        "seen": seen,
        "run": change.cumsum().to_numpy(),
    })  # fmt: skip
