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
    """The ratio (lift + 1) of a :func:`analysis.rates.compare` result, log scale, with intervals.

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
