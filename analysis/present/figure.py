"""What every figure of :mod:`analysis.present.plots` shares: its axes, colours, legend, labels.

The plots draw their marks with ``seaborn.objects`` (``so.Plot(...).on(ax).plot()``) and finish
the axes with matplotlib. Two things are deliberately left to matplotlib:

* **The legend.** ``seaborn.objects`` puts its legend on the *figure* (``Figure.legends``), where
  a layout of several axes (``plt.subplots(1, 2)``) cannot tell whose it is. Each figure here
  gets an *axes* legend made of empty labelled proxy lines added to the axes (what seaborn's
  function interface does), so ``ax.get_legend()``, ``ax.get_legend_handles_labels()`` and
  :func:`analysis.present.display.localize_axis` find it.
* **Log axes.** seaborn 0.13 does not pass explicitly assigned ``xmin``/``xmax`` (or
  ``ymin``/``ymax``) through a ``.scale(x="log")`` transform while it does invert them, so an
  interval would land at ``10**low``. The marks are drawn on a linear scale and the axis is made
  logarithmic afterwards (``Axes.set_xscale("log")``): the artists are in data coordinates, so
  they are placed correctly.

Labels that come from data are passed to matplotlib as plain text (``usetex`` off, ``$``
escaped), so a product called ``$x$`` or ``<b>`` is shown as typed, with any e-mail, phone number
or user id masked (:func:`plain_text`).
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns  # type: ignore[import-untyped]
import seaborn.objects as so  # type: ignore[import-untyped]
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, PercentFormatter

from analysis.present import privacy

__all__ = [
    "BLUE",
    "DARK_GREY",
    "ESTIMATE_LEGEND",
    "GREEN",
    "GREY",
    "ORANGE",
    "RED",
    "TRUTH_LEGEND",
    "TRUTH_MARK",
    "axes",
    "describe_figures",
    "draw",
    "figure_alt",
    "finish",
    "legend",
    "palette",
    "percent_axis",
    "plain_text",
    "ratio_axis",
]

#: the estimate (and the first group)
BLUE = "#1f4e79"
#: a second group (LIVE in the hour profile)
ORANGE = "#c55a11"
#: planted truth, flagged drops, the intervention date
RED = "#c00000"
#: flagged peaks
GREEN = "#2e7d32"
#: placebo windows, unflagged hours, reference lines
GREY = "#999999"
#: the control arm of a series
DARK_GREY = "#7f7f7f"
#: the mark of a planted (simulated) true value: a red cross
TRUTH_MARK: dict[str, Any] = {"marker": "x", "color": RED, "pointsize": 7, "stroke": 1.5}
#: its legend entry (``Axes.plot`` style)
TRUTH_LEGEND: dict[str, Any] = {"marker": "x", "linestyle": "none", "color": RED,
                                "markersize": 7, "markeredgewidth": 1.5}  # fmt: skip
#: legend entry of a point estimate with its interval
ESTIMATE_LEGEND: dict[str, Any] = {"marker": "o", "color": BLUE}


def plain_text(value: Any, column: Any = None) -> str:
    """``value`` as plain text for matplotlib: ``NA`` when missing, ``$`` escaped (no mathtext),
    personal data masked (:func:`analysis.present.privacy.mask`) unless ``column`` is an id
    column (:func:`analysis.present.privacy.is_id_column`).

    >>> plain_text("$x$")
    '\\\\$x\\\\$'
    >>> plain_text("06 12 34 56 78")
    '[phone hidden]'
    """
    if pd.isna(value):
        return "NA"
    text = str(value) if privacy.is_id_column(column) else privacy.mask(str(value))
    return text.replace("$", r"\$")


def axes(ax: Axes | None, height: float) -> Axes:
    """``ax``, or the axes of a new 7-inch-wide figure ``height`` inches tall (at least 1.8)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, max(1.8, height)), layout="constrained")
    return ax


def draw(plot: so.Plot, ax: Axes) -> Axes:
    """Draw ``plot`` on ``ax`` (``plot.on(ax).plot()``) and return ``ax``.

    seaborn 0.13.2 passes ``copy=False`` to ``pandas.concat``, which pandas 3 deprecates: that
    one warning (about seaborn's code, not the caller's) is silenced here.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        plot.on(ax).plot()
    return ax


def palette(values: Iterable[Any], fixed: Mapping[Any, str] | None = None) -> dict[Any, Any]:
    """A colour for each distinct value: ``fixed`` ones first, then seaborn's ``"colorblind"``
    palette (Okabe & Ito's colours, told apart with protanopia, deuteranopia and tritanopia).

    The dict is passed to ``so.Plot.scale(color=...)`` and to :func:`legend`, so a group has the
    same colour in the marks and in the legend.
    """
    fixed = dict(fixed or {})
    values = list(dict.fromkeys(values))
    others = [v for v in values if v not in fixed]
    colors = sns.color_palette("colorblind", n_colors=max(1, len(others)))
    return {v: fixed.get(v) or colors[others.index(v)] for v in values}


def legend(ax: Axes, entries: Sequence[tuple[str, Mapping[str, Any]]], **kwargs: Any) -> None:
    """Put an axes legend of ``entries`` (label, ``Axes.plot`` style) on ``ax``, right of the axes.

    Each entry is an empty line added to ``ax`` with its label (it draws nothing and does not
    move the axis limits), so ``ax.get_legend_handles_labels()`` returns it. No entries: no
    legend. The legend sits outside the axes, on their right (as seaborn places its own), so it
    never hides an interval: matplotlib's ``loc="best"`` does not see the interval segments
    (a ``LineCollection``). ``kwargs`` go to ``Axes.legend``.
    """
    if not entries:
        return
    for text, style in entries:
        ax.plot([], [], label=text, **style)
    where = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0}
    ax.legend(**{**where, "fontsize": "small", "frameon": False, **kwargs})


def percent_axis(axis: Any) -> None:
    """Format a matplotlib ``axis`` (``ax.xaxis``/``ax.yaxis``) of proportions as percentages."""
    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))


def ratio_axis(ax: Axes, which: str = "x") -> None:
    """Make ``which`` axis of ``ax`` a log axis of ratios: ticks 1, 2, 3, 5 per decade, ``2×``."""
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis = ax.xaxis if which == "x" else ax.yaxis
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 3.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
    axis.set_minor_formatter(NullFormatter())


def finish(
    ax: Axes, *, title: str | None, xlabel: str | None = None, ylabel: str | None = None
) -> Axes:
    """Set the axis labels seaborn named after its variables, and the (escaped) title."""
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(plain_text(title))
    return ax


def figure_alt(fig: Figure) -> str:
    """The alt text of ``fig``: each axes' title with its axis labels, as drawn (in the page's
    language), e.g. ``LIVE lift by period (ratio)``; empty when nothing is titled or labelled.

    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title(plain_text("Rate of $x$")), ax.set_xlabel("rate"), ax.set_ylabel("")
    >>> figure_alt(fig)
    'Rate of $x$ (rate)'
    >>> plt.close(fig)
    """
    said = []
    for ax in fig.axes:
        title = ax.get_title().replace(r"\$", "$")
        labels = ", ".join(t.replace(r"\$", "$") for t in (ax.get_xlabel(), ax.get_ylabel()) if t)
        said.append(f"{title} ({labels})" if title and labels else title or labels)
    return "; ".join(t for t in said if t)


@dataclass(frozen=True)
class _Described:
    """IPython's PNG printer of figures, the output's metadata given the figure's alt text."""

    printer: Callable[[Figure], Any]

    def __call__(self, fig: Figure) -> Any:
        data, alt = self.printer(fig), figure_alt(fig)
        return (data, {"alt": alt}) if data is not None and alt else data


def describe_figures(shell: Any) -> None:
    """Have the IPython ``shell`` display each figure with its alt text (:func:`figure_alt`) in
    the output's ``image/png`` metadata, which the page template writes into the ``<img>``.

    The kernel's inline backend sets IPython's figure printers when it is loaded (on a first
    figure): it is loaded here first, so it does not replace this printer later. Calling again
    changes nothing. Without a PNG printer for figures (another backend) nothing is done.
    """
    backend = str(matplotlib.rcParams["backend"])
    if backend.startswith("module://"):
        importlib.import_module(backend.removeprefix("module://"))
    png = shell.display_formatter.formatters["image/png"]
    try:
        printer = png.lookup_by_type(Figure)
    except KeyError:
        return
    if not isinstance(printer, _Described):
        png.for_type(Figure, _Described(printer))
