"""What a drawn Axes holds, read back from its artists (for the figure tests)."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.patches import Polygon


def segments(ax) -> list[np.ndarray]:
    """Every interval segment drawn (``so.Range`` draws a LineCollection), as 2x2 arrays."""
    return [np.asarray(s) for c in ax.collections if isinstance(c, LineCollection)
            for s in c.get_segments()]  # fmt: skip


def segment_colors(ax) -> list:
    """The colour of every interval segment, in the order of :func:`segments`."""
    return [c.get_colors()[i % len(c.get_colors())] for c in ax.collections
            if isinstance(c, LineCollection) for i in range(len(c.get_segments()))]  # fmt: skip


def dots(ax) -> list[np.ndarray]:
    """The offsets of each set of dots (``so.Dot`` draws a PathCollection), in drawing order."""
    return [np.asarray(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection)]


def bands(ax) -> list[tuple[float, float]]:
    """The x extent of each filled band (``so.Band`` adds a Polygon patch per group), sorted."""
    return sorted((float(p.get_xy()[:, 0].min()), float(p.get_xy()[:, 0].max()))
                  for p in ax.patches if isinstance(p, Polygon))  # fmt: skip


def tick_labels(axis) -> dict[float, str]:
    """Tick position -> label of a matplotlib axis (``ax.yaxis``)."""
    return {float(t.get_loc()): t.label1.get_text() for t in axis.get_major_ticks()}


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def drawn_lines(ax) -> list:
    """Lines with data (the empty labelled legend proxies left out)."""
    return [line for line in ax.lines if len(line.get_xdata())]
