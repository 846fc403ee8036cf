"""Tables for notebooks and shared reports: escaped, rounded, with the method columns kept.

pandas' ``Styler`` does not escape HTML by default (``df.style.to_html()`` renders a product named
``<script>`` as a script); every table the kit shows goes through :func:`table`, which escapes
data-derived text with ``Styler.format(escape="html")``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

#: columns shown as percentages by default
PERCENT_COLUMNS = (
    "rate", "ci_low", "ci_high", "rate_a", "rate_b", "diff", "diff_ci_low", "diff_ci_high",
    "lift", "lift_ci_low", "lift_ci_high", "expected_rate", "expected_rate_a", "expected_rate_b",
    "expected_lift", "expected_diff", "level",
)  # fmt: skip
#: columns shown as ratios (x) by default
RATIO_COLUMNS = ("ratio", "ratio_ci_low", "ratio_ci_high", "expected_ratio")


def table(
    data: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    percent: Sequence[str] = PERCENT_COLUMNS,
    ratio: Sequence[str] = RATIO_COLUMNS,
    money: Sequence[str] = (),
    digits: int = 2,
    caption: str | None = None,
):
    """Return an escaped, formatted :class:`pandas.io.formats.style.Styler` of ``data``.

    Parameters
    ----------
    data : pandas.DataFrame
        A tidy result frame (not modified).
    columns : sequence of str, optional
        Columns to show, in order (default: all).
    percent, ratio, money : sequence of str
        Columns formatted as ``12.34%``, ``3.21×`` and ``1,234.50``; absent names are ignored.
    digits : int
        Decimals of percentages, ratios and money.
    caption : str, optional
        Table caption (escaped).
    """
    from html import escape

    shown = data.loc[:, list(columns)] if columns is not None else data.copy()
    fmt: dict[str, object] = {}
    for c in shown.columns:
        if c in percent:
            fmt[c] = lambda v, d=digits: "" if pd.isna(v) else f"{100 * v:.{d}f}%"
        elif c in ratio:
            fmt[c] = lambda v, d=digits: "" if pd.isna(v) else f"{v:.{d}f}×"
        elif c in money:
            fmt[c] = lambda v, d=digits: "" if pd.isna(v) else f"{v:,.{d}f}"
        elif c == "pvalue":
            fmt[c] = lambda v: "" if pd.isna(v) else ("< 0.0001" if v < 1e-4 else f"{v:.4f}")
    styler = shown.style.format(escape="html", na_rep="").format(fmt, escape="html")
    styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(escape(caption))
    return styler


#: columns of a compare result shown by :func:`compare_table`, in order (absent ones skipped)
COMPARE_SUMMARY = (
    "metric", "unit", "trials_a", "rate_a", "trials_b", "rate_b", "diff", "diff_ci_low",
    "diff_ci_high", "ratio", "ratio_ci_low", "ratio_ci_high", "pvalue", "expected_ratio",
    "covered", "ratio_method", "level", "status",
)  # fmt: skip


def compare_table(result: pd.DataFrame, *, by: str | Sequence[str] | None = None, **kwargs):
    """:func:`table` of a :func:`analysis.rates.compare` result: the ``by`` columns, then
    :data:`COMPARE_SUMMARY` (columns absent from ``result`` are skipped)."""
    by = [] if by is None else [by] if isinstance(by, str) else list(by)
    columns = [*by, *(c for c in COMPARE_SUMMARY if c in result and c not in by)]
    return table(result, columns=columns, **kwargs)
