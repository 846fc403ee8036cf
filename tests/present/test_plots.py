"""analysis.present.plots: every interval drawn, axes scales, truth marks, legends on the axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from analysis.present.display import localize_axis
from analysis.present.plots import funnel_plot, hour_profile_plot, interval_plot, lift_plot
from tests.present.drawn import bands, dots, drawn_lines, legend_texts, segments, tick_labels

NAN = float("nan")


def rates() -> pd.DataFrame:
    return pd.DataFrame({
        "creator": ["@a", "$x$", "@a"], "rate": [0.10, NAN, 0.05],
        "ci_low": [0.08, 0.01, 0.03], "ci_high": [0.12, 0.30, 0.07],
        "expected_rate": [0.11, 0.02, NAN],
    })  # fmt: skip


def test_interval_plot_draws_every_interval_one_row_each_first_on_top():
    data = rates()
    ax = interval_plot(data, y="creator", truth="expected_rate", title="by $creator$")
    segs = sorted(segments(ax), key=lambda s: -s[0, 1])  # top row first
    assert len(segs) == 3  # the row without an estimate keeps its interval
    for seg, (_, row) in zip(segs, data.iterrows(), strict=True):
        assert sorted(seg[:, 0]) == pytest.approx([row["ci_low"], row["ci_high"]])
    assert [s[0, 1] for s in segs] == [2, 1, 0]  # duplicated names keep their own line
    estimates, truth = dots(ax)
    assert sorted(estimates[:, 0]) == pytest.approx([0.05, 0.10])
    assert sorted(truth[:, 0]) == pytest.approx([0.02, 0.11])
    assert tick_labels(ax.yaxis) == {2: "@a", 1: r"\$x\$", 0: "@a"}  # `$` shown as typed
    assert ax.get_title() == r"by \$creator\$" and ax.get_xscale() != "log"
    assert float(ax.xaxis.get_major_formatter()(0.125, 0).rstrip("%")) == 12.5
    assert legend_texts(ax) == ["estimate and interval", "planted truth"]
    assert ax.figure.legends == []  # the legend is the axes', not a figure legend


def test_interval_plot_without_truth_has_no_legend_and_can_be_logarithmic():
    ax = interval_plot(rates(), y=["creator", "rate"], x="ci_high", log=True, percent=False,
                       reference=0.1)  # fmt: skip
    assert ax.get_legend() is None and len(dots(ax)) == 1
    assert ax.get_xscale() == "log" and len(segments(ax)) == 3
    assert [line.get_xdata()[0] for line in drawn_lines(ax)] == [0.1]  # the reference line
    assert tick_labels(ax.yaxis)[2] == "@a · 0.1"


def test_interval_plot_on_a_given_axes_keeps_its_legend_there_for_localize_axis():
    _, (left, right) = plt.subplots(1, 2)
    ax = interval_plot(rates(), y="creator", truth="expected_rate", ax=right)
    assert ax is right and left.get_legend() is None and not left.collections
    localize_axis(ax, lang="fr", kind="percent")
    assert legend_texts(ax) == ["estimation et intervalle", "vérité simulée"]
    assert ax.xaxis.get_major_formatter()(0.125, 0) == "12,5\u00a0%"


def compare_result() -> pd.DataFrame:
    return pd.DataFrame({
        "category": ["beauty", "home", "toys"], "ratio": [2.0, NAN, 0.8],
        "ratio_ci_low": [1.5, NAN, 0.5], "ratio_ci_high": [2.7, NAN, 1.3],
        "expected_ratio": [2.2, 1.0, 1.0],
    })  # fmt: skip


def test_lift_plot_leaves_out_undefined_ratios_on_a_log_ratio_axis():
    ax = lift_plot(compare_result(), y="category")
    segs = sorted(segments(ax), key=lambda s: -s[0, 1])
    assert [sorted(s[:, 0]) for s in segs] == [[1.5, 2.7], [0.5, 1.3]]
    assert tick_labels(ax.yaxis) == {1: "beauty", 0: "toys"}
    assert ax.get_xscale() == "log"
    assert ax.xaxis.get_major_formatter()(2.0, 0) == "2×"
    assert len(dots(ax)[1]) == 2  # truth of the drawn rows only
    assert legend_texts(ax)[1] == "planted truth"
    assert [line.get_xdata()[0] for line in drawn_lines(ax)] == [1.0]


def funnel_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "creator": ["@a", "@b", "@c", "@d"], "trials": [100, 400, 2000, 0],
        "rate": [0.05, 0.16, 0.08, NAN], "target": 0.08, "tau2": 0.01,
        "flag": ["none", "above", "none", None],
    })  # fmt: skip


def test_funnel_plot_points_limits_and_flagged_labels():
    ax = funnel_plot(funnel_frame(), label="creator", title="funnel")
    (points,) = dots(ax)
    assert sorted(points[:, 0]) == [100, 400, 2000]  # the group without trials is left out
    curves = [line for line in drawn_lines(ax) if len(line.get_xdata()) == 200]
    assert len(curves) == 4  # lower and upper limit at each of the two levels
    assert ax.get_xscale() == "log"
    names = {t.get_text(): to_hex(t.get_color()) for t in ax.texts}
    assert names == {"@a": "#000000", "@b": "#c00000", "@c": "#000000"}  # flagged: red
    assert legend_texts(ax) == ["95% limits", "99.8% limits", "target (pooled rate)", "inside",
                                "outside (flagged)"]  # fmt: skip
    assert float(ax.yaxis.get_major_formatter()(0.1, 0).rstrip("%")) == 10


def test_funnel_plot_without_trials_says_so():
    ax = funnel_plot(funnel_frame().iloc[[3]], label="creator")
    assert [t.get_text() for t in ax.texts] == ["no group with trials"]


def profile() -> pd.DataFrame:
    hours = np.arange(24)
    rows = []
    for live in (False, True):
        # LIVE has no viewers before 6 h nor at 12-13 h: two runs of seen hours
        seen = np.ones(24, bool) if not live else (hours >= 6) & ~np.isin(hours, [12, 13])
        est = np.sin(hours / 24 * 2 * np.pi) + (0.3 if live else 0.0)
        rows.append(pd.DataFrame({
            "is_live": live, "hour": hours, "trials": np.where(seen, 100, 0),
            "logit_effect": est, "ci_low": est - 0.2, "ci_high": est + 0.2, "status": "ok",
        }))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def test_hour_profile_plot_bands_only_seen_hours_and_marks_the_truth():
    truth = {h: float(np.sin(h / 24 * 2 * np.pi)) for h in range(24)}
    ax = hour_profile_plot(profile(), truth=truth, title="hours")
    assert bands(ax) == [(0, 23), (6, 11), (14, 23)]  # no band over the hours without viewers
    curves = [line for line in drawn_lines(ax) if len(line.get_xdata()) > 2]  # not the 0 line
    thin = [len(line.get_xdata()) for line in curves if line.get_linewidth() == 1]
    assert thin == [24, 24]  # the dotted curve over every hour, per side
    assert sorted(len(line.get_xdata()) for line in curves if line.get_linewidth() > 1) == [
        6, 10, 24]  # solid over the runs of seen hours only  # fmt: skip
    (marks,) = dots(ax)
    assert len(marks) == 24 and marks[7, 1] == pytest.approx(truth[7])
    handles, labels = ax.get_legend_handles_labels()  # what notebooks/02 relabels
    assert [x.split(" (")[0] for x in labels] == ["non-live", "LIVE", "planted truth"]
    assert ax.get_xlim() == (-0.5, 23.5) and list(ax.get_xticks()) == list(range(0, 24, 2))


def test_a_figure_is_displayed_with_its_title_and_axis_labels_as_alt_text():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats

    from analysis.present.figure import describe_figures

    shell = InteractiveShell.instance()
    try:
        select_figure_formats(shell, {"png"})  # the printer the inline backend sets
        data = pd.DataFrame({"period": ["this week"], "ratio": [2.5], "ratio_ci_low": [1.8],
                             "ratio_ci_high": [3.5]})  # fmt: skip
        ax = lift_plot(data, y="period", title="LIVE lift by period $x$")
        describe_figures(shell)
        describe_figures(shell)  # a second page's set-up: the printer is not wrapped twice
        shown, meta = shell.display_formatter.format(ax.figure)
        assert shown["image/png"].startswith("iVBOR")  # still the PNG (base64)
        assert meta == {"image/png": {"alt": f"LIVE lift by period $x$ ({ax.get_xlabel()})"}}
        untitled, _ = plt.subplots()
        assert shell.display_formatter.format(untitled)[1] == {}  # the page's default then
    finally:
        plt.close("all")
        InteractiveShell.clear_instance()
