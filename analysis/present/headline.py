"""The headline of a weekly report's index page, as strings in the report language.

:func:`headline_kpis` formats the numbers of :func:`analysis.analyses.headline.headline`: rates as
percents, the ratio as ``1.23×``, intervals as ``low to high`` (:mod:`analysis.present.i18n`),
and a side with fewer than ``min_viewers`` viewers as ``< k viewers`` (its rate and interval
withheld, as shared tables do: :mod:`analysis.present.display`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from analysis.analyses.headline import LEVEL, METRICS, SIDES, headline
from analysis.metrics import Metric
from analysis.present import i18n

__all__ = ["KPI_COLUMNS", "KPI_LEVEL", "MIN_VIEWERS", "headline_kpis", "headline_rows"]

#: small-cell threshold k of shared output: counts below it are shown as ``< k``
MIN_VIEWERS = 10
#: confidence level of the headline's intervals
KPI_LEVEL = LEVEL
#: keys of each row of :func:`headline_kpis`, in order
KPI_COLUMNS = ("metric", "method", "live", "live_ci", "nonlive", "nonlive_ci", "ratio",
               "ratio_ci", "status", "ratio_method")  # fmt: skip


def headline_kpis(
    cells: pd.DataFrame,
    *,
    lang: str = i18n.SOURCE_LANGUAGE,
    min_viewers: int = MIN_VIEWERS,
    level: float = KPI_LEVEL,
    metrics: Sequence[str | Metric] = METRICS,
) -> list[dict[str, str]]:
    """The index page's headline: live and non-live rates and their ratio, formatted for ``lang``.

    The numbers are :func:`analysis.analyses.headline.headline` (``cells`` pooled); the rows are
    :func:`headline_rows` of them.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (the report passes one week of them). Not modified.
    lang : str
        Report language (a strings file of ``analysis/present/locales/strings/``).
    min_viewers : int
        A side with fewer viewers (trials) shows ``< k viewers`` instead of its rate.
    level : float
        Confidence level of the intervals.
    metrics : sequence of str or Metric
        Metrics of the headline, in row order.

    Returns
    -------
    list of dict
        See :func:`headline_rows`.
    """
    return headline_rows(headline(cells, metrics=metrics, level=level), lang=lang,
                         min_viewers=min_viewers)  # fmt: skip


def headline_rows(
    frame: pd.DataFrame, *, lang: str = i18n.SOURCE_LANGUAGE, min_viewers: int = MIN_VIEWERS
) -> list[dict[str, str]]:
    """Rows of strings, one per metric the data report, from a :func:`headline` frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        A frame of :func:`analysis.analyses.headline.headline`.
    lang : str
        Report language.
    min_viewers : int
        Threshold k: a side with fewer trials shows ``< k viewers`` and no interval.

    Returns
    -------
    list of dict
        ``{metric, method, live, live_ci, nonlive, nonlive_ci, ratio, ratio_ci, status,
        ratio_method}`` (:data:`KPI_COLUMNS`), all strings: the metric's label, the interval
        method of the sides shown (the non-live one when both are), each side's rate and
        interval (empty for a side the cells lack), the ratio ``1.23×`` and its interval, the
        status code and the ratio's method. A metric with no trials on either side (the data
        do not report it, e.g. no ``orders`` column) or whose row ``failed`` is left out.
    """
    reported = (frame["trials_live"].fillna(0) > 0) | (frame["trials_nonlive"].fillna(0) > 0)
    return [_kpi(row, lang, min_viewers) for _, row in frame[reported].iterrows()]


def _kpi(row: pd.Series, lang: str, min_viewers: int) -> dict[str, str]:
    out = {"metric": i18n.t(f"metric.{row['metric']}", lang=lang), "method": ""}
    for _, side in SIDES:
        trials = row[f"trials_{side}"]
        if pd.isna(trials):
            out[side], out[f"{side}_ci"] = "", ""
        elif trials < min_viewers:
            out[side] = i18n.t("index.withheld", lang=lang, k=min_viewers)
            out[f"{side}_ci"] = ""
        else:
            out["method"] = str(row[f"method_{side}"])
            out[side] = _percent(row[f"rate_{side}"], lang)
            out[f"{side}_ci"] = _interval(row[f"ci_low_{side}"], row[f"ci_high_{side}"],
                                          _percent, lang)  # fmt: skip
    ratio = row["ratio"]
    out["ratio"] = "" if ratio != ratio else _times(ratio, lang)
    out["ratio_ci"] = _interval(row["ratio_ci_low"], row["ratio_ci_high"], _times, lang)
    out["status"] = str(row["status"])
    out["ratio_method"] = str(row["ratio_method"])
    return out


def _percent(value: float, lang: str) -> str:
    return i18n.format_percent(value, lang=lang, digits=2)


def _times(value: float, lang: str) -> str:
    return i18n.format_number(value, lang=lang, digits=2) + "×"


def _interval(low: float, high: float, fmt: Callable[[float, str], str], lang: str) -> str:
    if low is None or high is None or low != low or high != high:
        return ""
    return i18n.t("index.interval", lang=lang, low=fmt(low, lang), high=fmt(high, lang))
