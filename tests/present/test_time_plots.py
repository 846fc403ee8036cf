"""analysis.present.time_plots: series, halo windows, fatigue curves and anomalies, each interval
drawn, the scales and the legends."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from analysis.present.time_plots import anomaly_plot, decay_plot, event_time_plot, series_plot
from tests.present.drawn import (
    bands,
    dots,
    drawn_lines,
    legend_texts,
    segment_colors,
    segments,
    tick_labels,
)

NAN = float("nan")


def series() -> pd.DataFrame:
    times = pd.to_datetime(["2026-10-05", "2026-10-12", "2026-10-19"])
    return pd.DataFrame({
        "arm": ["treated"] * 3 + ["control"] * 3, "time": list(times) * 2,
        "rate": [0.04, 0.05, 0.09, 0.08, 0.08, 0.07],
        "ci_low": [0.02, 0.03, 0.07, 0.07, 0.07, 0.06],
        "ci_high": [0.06, 0.07, 0.11, 0.09, 0.09, 0.08],
    })  # fmt: skip


def test_series_plot_draws_each_period_with_its_interval_and_the_date():
    data = series()
    ax = series_plot(data, date="2026-10-15", title="@ines")
    segs = segments(ax)
    assert len(segs) == 6
    got = np.array(sorted((s[0, 0], *sorted(s[:, 1])) for s in segs))
    want = np.array(sorted(zip(mdates.date2num(data["time"]), data["ci_low"], data["ci_high"],
                               strict=True)))  # fmt: skip
    assert got == pytest.approx(want)
    assert sum(len(d) for d in dots(ax)) == 6
    date_line = [line for line in drawn_lines(ax) if to_hex(line.get_color()) == "#c00000"]
    assert [line.get_xdata()[0] for line in date_line] == [
        mdates.date2num(pd.Timestamp("2026-10-15"))]  # fmt: skip
    assert legend_texts(ax) == ["treated", "control", "intervention date"]
    assert float(ax.yaxis.get_major_formatter()(0.05, 0).rstrip("%")) == 5
    colors = {to_hex(c) for c in segment_colors(ax)}
    assert colors == {"#1f4e79", "#7f7f7f"}  # treated blue, control grey


def halo() -> pd.DataFrame:
    return pd.DataFrame({
        "window": ["6-0 h before", "24-6 h before", "0-6 h", "6-24 h", "day 1"],
        "kind": ["placebo", "placebo", "lag", "lag", "lag"],
        "log_or": [0.0, -0.05, 0.3, 0.2, NAN], "ci_low": [-0.1, -0.2, 0.1, 0.05, -0.1],
        "ci_high": [0.1, 0.1, 0.5, 0.35, 0.2], "planted_log_or": [0, 0, 0.25, 0.2, 0.1],
    })  # fmt: skip


def test_event_time_plot_orders_windows_and_draws_odds_ratio_intervals():
    ax = event_time_plot(halo(), truth="planted_log_or")
    assert tick_labels(ax.xaxis) == {0: "24-6 h before", 1: "6-0 h before", 2: "0-6 h",
                                     3: "6-24 h", 4: "day 1"}  # fmt: skip
    segs = sorted(segments(ax), key=lambda s: s[0, 0])
    assert len(segs) == 5  # day 1 has no estimate, its interval is still drawn
    assert sorted(segs[2][:, 1]) == pytest.approx(np.exp([0.1, 0.5]))
    by_x = sorted(zip((s[0, 0] for s in segments(ax)), map(to_hex, segment_colors(ax)),
                      strict=True))  # fmt: skip
    assert [c for _, c in by_x] == ["#999999"] * 2 + ["#1f4e79"] * 3  # placebo grey, lags blue
    estimates = np.concatenate([d for d in dots(ax) if len(d) < 5])
    assert len(estimates) == 4
    (truth,) = [d for d in dots(ax) if len(d) == 5]
    assert truth[:, 1] == pytest.approx(np.exp([0, 0, 0.25, 0.2, 0.1]))
    assert legend_texts(ax) == ["planted truth"]
    assert [line.get_ydata()[0] for line in drawn_lines(ax)] == [1.0]


def test_event_time_plot_of_an_undefined_halo_draws_nothing_but_the_axes():
    undefined = halo().iloc[[2]].assign(log_or=NAN, ci_low=NAN, ci_high=NAN)
    ax = event_time_plot(undefined)
    assert segments(ax) == [] and ax.get_legend() is None
    assert tick_labels(ax.xaxis) == {0: "0-6 h"}


def curve() -> pd.DataFrame:
    steps = np.arange(4)
    return pd.concat([
        pd.DataFrame({"creator": who, "step": steps, "rate": r0 * 0.95**steps,
                      "ci_low": r0 * 0.95**steps - 0.01, "ci_high": r0 * 0.95**steps + 0.01})
        for who, r0 in (("@b", 0.08), ("@a", 0.12))
    ], ignore_index=True)  # fmt: skip


def test_decay_plot_draws_a_band_and_a_line_per_creator_and_the_observed_points():
    points = pd.DataFrame({"creator": ["@a", "@a", "@b", "@z"], "step": [0, 1, 3, 0],
                           "rate": [0.13, 0.10, 0.07, 0.5]})  # fmt: skip
    ax = decay_plot(curve(), points=points)
    assert bands(ax) == [(0, 3), (0, 3)]
    assert sorted(len(line.get_xdata()) for line in drawn_lines(ax)) == [4, 4]
    (observed,) = dots(ax)
    assert sorted(observed[:, 1]) == pytest.approx([0.07, 0.10, 0.13])  # @z has no curve
    assert legend_texts(ax) == ["@a", "@b"]
    legend_colors = [to_hex(h.get_color()) for h in ax.get_legend().legend_handles]
    line_colors = {to_hex(line.get_color()) for line in drawn_lines(ax)}
    assert set(legend_colors) == line_colors and len(line_colors) == 2


def anomalies() -> pd.DataFrame:
    start = pd.date_range("2026-11-16 00:00", periods=6, freq="h", tz="Europe/Paris")
    return pd.DataFrame({
        "start": start, "ratio": [1.0, 0.2, 3.0, NAN, 0.0, 1.1],
        "ci_low": [0.8, 0.0, 2.0, NAN, 0.0, 0.9], "ci_high": [1.2, 0.5, 4.5, NAN, 0.3, 1.3],
        "flag": ["none", "drop", "peak", "none", "none", "none"],
    })  # fmt: skip


def test_anomaly_plot_draws_every_defined_hour_and_the_flags_on_a_log_axis():
    ax = anomaly_plot(anomalies(), title="W47")
    assert ax.get_yscale() == "log"
    segs = segments(ax)
    assert len(segs) == 4 + 2  # four defined hours in grey, the two flagged again in colour
    lows = sorted(min(s[:, 1]) for s in segs)
    assert lows[0] == pytest.approx(0.2 / 50)  # a zero lower bound is drawn at ratio / 50
    assert sorted(len(d) for d in dots(ax)) == [2, 4]
    first = min(s[0, 0] for s in segs)
    assert first == pytest.approx(mdates.date2num(pd.Timestamp("2026-11-16 00:00")))  # shop time
    assert legend_texts(ax) == ["drop", "peak"]


def test_anomaly_plot_without_flags_has_no_legend():
    ax = anomaly_plot(anomalies().assign(flag="none"))
    assert ax.get_legend() is None and len(segments(ax)) == 4
