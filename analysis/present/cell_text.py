"""One value of a result table as the text a reader sees, by kind (:func:`formatted`).

Percent columns (:data:`PERCENT_COLUMNS`) as ``12.34%``, ratio columns (:data:`RATIO_COLUMNS`)
as ``3.21×``, money with its cents, p-values below 0.0001 as ``< 0.0001``, counts with the
locale's thousands separator, other numbers to three significant digits below 1; booleans,
labels, units, method lines and file statuses (``read``, ``skipped``: the status of a file, also
the source of one not read) in words (:mod:`analysis.present.words`); dates in the locale
(CLDR medium form, with the time when it is not midnight). Numbers and dates follow the page
language through :mod:`analysis.present.i18n` (babel, CLDR); trailing zeros are dropped. Text
values outside id columns are masked (:func:`analysis.present.privacy.mask_text`). Used by
:func:`analysis.present.display.table`.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.analyses.live_only import POOLED
from analysis.present import i18n, privacy, words
from analysis.sources.base import FILE_STATUSES

__all__ = ["PERCENT_COLUMNS", "RATIO_COLUMNS", "formatted"]

#: columns shown as percentages by default
PERCENT_COLUMNS = (
    "rate", "ci_low", "ci_high", "rate_a", "rate_b", "diff", "diff_ci_low", "diff_ci_high",
    "lift", "lift_ci_low", "lift_ci_high", "expected_rate", "expected_rate_a", "expected_rate_b",
    "expected_lift", "expected_diff", "level",
)  # fmt: skip
#: columns shown as ratios (x) by default
RATIO_COLUMNS = ("ratio", "ratio_ci_low", "ratio_ci_high", "expected_ratio")


def _fmt(kind: str, value, *, lang: str | None, digits: int, column: Any = None) -> str:
    """One cell as text (:func:`formatted`); ``lang`` None: English words and numbers."""
    lang = lang or i18n.SOURCE_LANGUAGE
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value)
                         and pd.isna(value)):  # fmt: skip
        return ""
    if isinstance(value, bool | np.bool_):
        return words.boolean_text(column, bool(value), lang=lang)
    if isinstance(value, str):
        if column in ("status", "source") and value in FILE_STATUSES:  # a file not read, ...
            return i18n.t(f"value.file_status.{value}", lang=lang)
        if column in words.LABEL_COLUMNS:
            return words.label_text(value, lang=lang)
        if column in words.NAME_COLUMNS:
            return words.name_text(value, lang=lang)
        if column == "unit":  # visitor, session, event: the counting unit in words
            return words.unit_text(value, lang=lang)
        if column == "metric":  # atc_rate, conversion, ...: the metric's name in words
            return i18n.metric_label(value, lang=lang)
        if column in words.PROMO_COLUMNS:
            value = words.promo_text(value, lang=lang)
        if "C(" in value:
            value = words.term_text(value, lang=lang)
        return words.method_text(value, lang=lang) if str(column).endswith("method") else value
    if isinstance(value, datetime.date):  # a date (midnight: a day), or a day and its time
        return _when(value, lang=lang)
    if kind == "text" or not isinstance(value, int | float | np.number):
        return str(value)
    x = float(value)
    if kind == "money":  # amounts keep their cents; a whole number loses its zeros
        return i18n.format_number(x, lang=lang, digits=0 if x.is_integer() else digits)
    if kind == "percent":
        text = i18n.format_percent(x, lang=lang, digits=digits)
    elif kind == "ratio":
        text = i18n.format_number(x, lang=lang, digits=digits) + "×"
    elif kind == "pvalue" and x < 1e-4:
        return "< " + i18n.format_number(1e-4, lang=lang, digits=4)
    elif kind == "pvalue":
        text = i18n.format_number(x, lang=lang, digits=4)
    elif pd.api.types.is_integer(value) or x.is_integer():
        return i18n.format_integer(int(value), lang=lang)
    else:  # 3 significant digits below 1, else 2 decimals (1 from 100 on)
        places = 1 if abs(x) >= 100 else 2 if abs(x) >= 1 else 2 - math.floor(math.log10(abs(x)))
        text = i18n.format_number(x, lang=lang, digits=places)
    return words.trim_zeros(text, lang=lang)


def _when(value: datetime.date, *, lang: str) -> str:
    """A date in the locale's medium form (``Oct 26, 2026``, ``26 oct. 2026``, CLDR), with the
    hour and minute when it is not midnight (``Nov 5, 2026 11:00``; its own time zone)."""
    day = i18n.format_date(value, lang=lang, style="medium")
    if isinstance(value, datetime.datetime) and (value.hour, value.minute) != (0, 0):
        return f"{day} {value:%H:%M}"
    return day


def formatted(
    shown: pd.DataFrame,
    *,
    percent: Sequence[str] = PERCENT_COLUMNS,
    ratio: Sequence[str] = RATIO_COLUMNS,
    money: Sequence[str] = (),
    digits: int = 2,
    lang: str | None = None,
) -> pd.DataFrame:
    """Every cell of ``shown`` as display text (object dtype, index ``0..n-1``), each column in
    its kind: percent, ratio, money, ``pvalue`` (``< 0.0001``), else by the value's type.

    The pooled row of a by-group table (``group`` and ``value`` both
    :data:`analysis.analyses.live_only.POOLED`) says so in words (``label.pooled``); a data value
    ``all`` under another group stays as it is. Text values outside id columns are masked
    (:func:`analysis.present.privacy.mask_text`, tokens in ``lang``); ``attrs["masked"]`` of the
    result counts the cells masked."""
    tokens = i18n.privacy_tokens(lang or i18n.SOURCE_LANGUAGE)
    masked: Counter = Counter()

    def show(c: Any, v: Any) -> str:
        text = _fmt(kinds[c], v, lang=lang, digits=digits, column=c)
        if isinstance(v, str) and not privacy.is_id_column(c):
            text, found = privacy.mask_text(text, tokens)
            masked["cells"] += bool(found)
        return text

    kinds: dict[Any, str] = {
        c: "percent" if c in percent or c == "level" else "ratio" if c in ratio else "money" if c in money
        else "pvalue" if c == "pvalue" else "auto"
        for c in shown.columns
    }  # fmt: skip
    out = pd.DataFrame({c: [show(c, v) for v in shown[c]] for c in shown},
                       index=range(len(shown)), dtype=object)  # fmt: skip
    if {"group", "value"} <= set(shown.columns):  # the pooled row of a by-group table: words
        pooled = ((shown["group"] == POOLED) & (shown["value"] == POOLED)).to_numpy(dtype=bool)
        out.loc[pooled, ["group", "value"]] = i18n.t(
            "label.pooled", lang=lang or i18n.SOURCE_LANGUAGE
        )
    out.attrs["masked"] = masked["cells"]
    return out
