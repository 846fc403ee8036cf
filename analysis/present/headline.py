"""The headline of a weekly report's index page, as strings in the report language.

:func:`headline_kpis` formats the numbers of :func:`analysis.analyses.headline.headline`: rates as
percents, the ratio as ``1.23×``, intervals as ``low to high`` (:mod:`analysis.present.i18n`),
the number of LIVEs the intervals rest on, one sentence per metric ("LIVE add-to-cart rate 8.54%
(5.60% to 11.5%), from 10 LIVEs, ...") and, with few LIVEs, why the interval is wide; a side with
fewer than ``min_viewers`` viewers shows ``< k viewers`` (its rate and interval withheld, as
shared tables do: :mod:`analysis.present.display`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from analysis.analyses.headline import LEVEL, METRICS, SIDES, headline
from analysis.metrics import Metric
from analysis.present import i18n, words
from analysis.stats.reference import FEW_CLUSTERS

__all__ = ["KPI_COLUMNS", "KPI_LEVEL", "MIN_VIEWERS", "headline_kpis", "headline_rows"]

#: small-cell threshold k of shared output: counts below it are shown as ``< k``
MIN_VIEWERS = 10
#: confidence level of the headline's intervals
KPI_LEVEL = LEVEL
#: keys of each row of :func:`headline_kpis`, in order
KPI_COLUMNS = ("metric", "method", "live", "live_ci", "nonlive", "nonlive_ci", "ratio",
               "ratio_ci", "status", "ratio_method", "lives", "sentence", "note")  # fmt: skip


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
        ratio_method, lives, sentence, note}`` (:data:`KPI_COLUMNS`), all strings: the metric's
        label, the interval method of the sides shown (the non-live one when both are) in words
        (:func:`analysis.present.words.method_text`), each side's rate and interval (empty for
        a side the cells lack), the ratio ``1.23×`` and its interval, the status code and the
        ratio's method in words; ``lives`` "from 10 LIVEs" (empty when
        the LIVEs are not counted: no LIVE side, no ``content_id``); ``sentence`` the row in
        words, with the number of LIVEs; ``note`` why the interval is wide (fewer than
        :data:`analysis.stats.reference.FEW_CLUSTERS` LIVEs), missing (one LIVE) or too narrow
        (viewers treated as independent), else empty. A metric with no trials on either side
        (the data do not report it, e.g. no ``orders`` column) or whose row ``failed`` is left
        out.
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
            out["method"] = words.method_text(str(row[f"method_{side}"]), lang=lang)
            out[side] = _percent(row[f"rate_{side}"], lang)
            out[f"{side}_ci"] = _interval(row[f"ci_low_{side}"], row[f"ci_high_{side}"],
                                          _percent, lang)  # fmt: skip
    ratio = row["ratio"]
    out["ratio"] = "" if ratio != ratio else _times(ratio, lang)
    out["ratio_ci"] = _interval(row["ratio_ci_low"], row["ratio_ci_high"], _times, lang)
    out["status"] = str(row["status"])
    out["ratio_method"] = words.method_text(str(row["ratio_method"]), lang=lang)
    out["lives"] = _lives(row.get("n_lives"), row.get("n_clusters_live"), lang)
    out["sentence"] = _sentence(out, lang)
    out["note"] = _note(row, lang)
    return out


def _count(n: object) -> int:
    """A count of LIVEs as an int, 0 when missing."""
    try:
        value = float(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    return int(value) if value == value else 0


def _lives(n: object, clusters: object, lang: str) -> str:
    """``from 10 LIVEs`` (``from 1 LIVE``), ``from 7 product × day groups`` when the LIVE cells
    have no LIVE id; empty when nothing was counted."""
    k, g = _count(n), _count(clusters)
    if k < 1:
        return (
            "" if g < 1 else i18n.t("index.groups", lang=lang, n=i18n.format_integer(g, lang=lang))
        )
    key = "index.one_live" if k == 1 else "index.lives"
    return i18n.t(key, lang=lang, n=i18n.format_integer(k, lang=lang))


def _sentence(kpi: dict[str, str], lang: str) -> str:
    """The row in words: each side with its interval, the LIVEs, the ratio."""
    parts = []
    for side in ("live", "nonlive"):
        if kpi[side]:
            ci = f" ({kpi[f'{side}_ci']})" if kpi[f"{side}_ci"] else ""
            lives = f", {kpi['lives']}" if side == "live" and kpi["lives"] else ""
            parts.append(i18n.t(f"index.sentence_{side}", lang=lang, rate=kpi[side] + ci + lives))
    if kpi["ratio"]:
        ci = f" ({kpi['ratio_ci']})" if kpi["ratio_ci"] else ""
        parts.append(i18n.t("index.sentence_ratio", lang=lang, ratio=kpi["ratio"] + ci))
    return i18n.t("index.sentence", lang=lang, metric=kpi["metric"], parts="; ".join(parts))


def _note(row: pd.Series, lang: str) -> str:
    """Why the interval is wide (few LIVEs), missing (one LIVE) or too narrow (not clustered)."""
    code = str(row["status"])
    if code == "not_clustered":
        return i18n.t("index.not_clustered", lang=lang)
    n, g = _count(row.get("n_lives")), _count(row.get("n_clusters_live"))
    if g < 1 or pd.isna(row["trials_live"]):
        return ""
    if n < 1:  # LIVE cells without LIVE ids: product x day clusters
        return i18n.t("index.no_live_ids", lang=lang)
    if n == 1:
        return i18n.t("index.one_live_note", lang=lang)
    if n < FEW_CLUSTERS:
        return i18n.t("index.few_lives", lang=lang, n=i18n.format_integer(n, lang=lang),
                      k=FEW_CLUSTERS)  # fmt: skip
    if code == "few_clusters":  # enough LIVEs, but a few large ones carry the estimate
        return i18n.t("index.few_df", lang=lang, df=i18n.format_number(row["df"], lang=lang,
                                                                       digits=1))  # fmt: skip
    return ""


def _percent(value: float, lang: str) -> str:
    return words.trim_zeros(i18n.format_percent(value, lang=lang, digits=2), lang=lang)


def _times(value: float, lang: str) -> str:
    return words.trim_zeros(i18n.format_number(value, lang=lang, digits=2), lang=lang) + "×"


def _interval(low: float, high: float, fmt: Callable[[float, str], str], lang: str) -> str:
    if low is None or high is None or low != low or high != high:
        return ""
    return i18n.t("index.interval", lang=lang, low=fmt(low, lang), high=fmt(high, lang))
