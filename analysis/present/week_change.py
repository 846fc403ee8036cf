"""What changed this week, as strings in the report language (the index's first block).

:func:`week_change_rows` formats :func:`analysis.analyses.week_change.headline_change`: each
week's rate as a percent, the difference in percentage points (``+1.23 pp``) with its interval
(``low to high``), the call ("change" / "within noise", Holm-adjusted across the rows shown)
and, when the interval is wide or missing, why in plain words (few LIVEs, 7 days, one LIVE, no
previous week). Method: ``docs/metrics.md`` ("What changed this week").
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.analyses.headline import LEVEL, METRICS
from analysis.analyses.week_change import headline_change
from analysis.metrics import Metric
from analysis.paths import SAMPLE_TRUTH
from analysis.present import i18n, words
from analysis.stats.reference import FEW_CLUSTERS

__all__ = ["CHANGE_ROW_KEYS", "change_rows", "input_lines", "week_change_rows"]

#: keys of each row of :func:`change_rows`, in order
CHANGE_ROW_KEYS = ("metric", "side", "rate", "rate_previous", "diff", "diff_ci", "call", "note")


def week_change_rows(
    cells: pd.DataFrame,
    *,
    week: str,
    lang: str = i18n.SOURCE_LANGUAGE,
    level: float = LEVEL,
    metrics: Sequence[str | Metric] = METRICS,
) -> list[dict[str, str]]:
    """The index's "what changed this week" rows: :func:`change_rows` of
    :func:`analysis.analyses.week_change.headline_change` (``cells`` not modified)."""
    return change_rows(headline_change(cells, week=week, level=level, metrics=metrics), lang=lang)


def change_rows(frame: pd.DataFrame, *, lang: str = i18n.SOURCE_LANGUAGE) -> list[dict[str, str]]:
    """Rows of strings, one per metric and side the data report, from a ``headline_change`` frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        A frame of :func:`analysis.analyses.week_change.headline_change`.
    lang : str
        Report language.

    Returns
    -------
    list of dict
        :data:`CHANGE_ROW_KEYS`, all strings: the metric's label, the side (LIVE / outside
        LIVE), each week's rate (percent), the difference this week minus the previous one in
        percentage points and its interval, the call with the number of rates Holm's
        adjustment ran over (or why there is none) and a note on a wide or missing interval.
        A row whose metric the data do not report (``failed``: a column missing) is left out.
    """
    shown = frame[frame["status"] != "failed"]
    tests = int(shown["pvalue"].notna().sum())
    return [_row(r, tests, lang) for _, r in shown.iterrows()]


def _row(r: pd.Series, tests: int, lang: str) -> dict[str, str]:
    def pct(v: float) -> str:
        return words.trim_zeros(i18n.format_percent(v, lang=lang, digits=2), lang=lang)

    out = {"metric": i18n.t(f"metric.{r['metric']}", lang=lang),
           "side": i18n.t(f"change.{r['side']}", lang=lang),
           "rate": pct(r["rate"]), "rate_previous": pct(r["rate_previous"]),
           "diff": _points(r["diff"], lang), "diff_ci": ""}  # fmt: skip
    if r["diff_ci_low"] == r["diff_ci_low"]:
        out["diff_ci"] = i18n.t("index.interval", lang=lang, low=_points(r["diff_ci_low"], lang),
                                high=_points(r["diff_ci_high"], lang))  # fmt: skip
    out["call"] = _call(r, tests, lang)
    out["note"] = _note(r, lang)
    return out


def _points(value: float, lang: str) -> str:
    """A difference of rates in percentage points with its sign: ``+1.23 pp``."""
    if value != value:
        return ""
    sign = "+" if value > 0 else "−" if value < 0 else ""
    points = i18n.format_number(abs(100 * value), lang=lang, digits=2)
    return sign + words.trim_zeros(points, lang=lang) + " pp"


def _call(r: pd.Series, tests: int, lang: str) -> str:
    status = str(r["status"])
    if status == "undefined_out_of_range":
        return i18n.t("change.no_previous", lang=lang)
    if not r["call"]:
        return i18n.t("change.no_test", lang=lang)
    key = "change.change" if r["call"] == "change" else "change.noise"
    return i18n.t(key, lang=lang, n=i18n.format_integer(tests, lang=lang))


def _note(r: pd.Series, lang: str) -> str:
    """Why the interval is wide or missing, in words; empty when it is not."""
    status = str(r["status"])
    n = min(r["n_clusters"], r["n_clusters_previous"])
    if status == "undefined_too_few":
        return i18n.t("change.one_live", lang=lang)
    if status == "few_clusters" and n == n:
        key = "change.few_lives" if r["side"] == "live" else "change.few_days"
        return i18n.t(key, lang=lang, n=i18n.format_integer(n, lang=lang), k=FEW_CLUSTERS)
    if status.startswith("undefined") and status != "undefined_out_of_range":
        return i18n.t("change.no_data", lang=lang)
    return ""


#: the planted truth a simulated sample holds beside its cells (data/README.md)
TRUTH_FILE = SAMPLE_TRUTH.name


def _skipped(message: object) -> list[str]:
    """The file names a ``skipped`` summary row's message lists (``skipped: a.json: why; ...``)."""
    text = str(message).split("skipped: ", 1)[-1]
    return [part.split(": ", 1)[0].strip() for part in text.split("; ") if ": " in part]


def input_lines(summary: pd.DataFrame | None, *, lang: str = i18n.SOURCE_LANGUAGE) -> list[str]:
    """One sentence per source of :func:`analysis.sources.quality.source_summary`: whether its
    rows reconcile (rows read = used + rejected + replaced, ``docs/data-formats.md``), or how
    many files were not read; empty without a summary. Shown below "what changed this week".

    A simulated sample's :data:`TRUTH_FILE` is not an export the loader failed to recognise: it
    is the simulator's planted truth, which the pages read to compare their estimates with
    (``data/README.md``, "truth.json"); it is said so (``change.inputs_truth``) and not counted
    among the files not recognised."""
    if summary is None:
        return []
    out = []
    for r in summary.itertuples():
        n = {k: i18n.format_integer(getattr(r, k), lang=lang)
             for k in ("files", "rows_read", "rows_used", "rows_rejected", "rows_replaced")}  # fmt: skip
        if r.source == "skipped" and TRUTH_FILE in _skipped(r.status_message):
            out.append(i18n.t("change.inputs_truth", lang=lang, file=TRUTH_FILE))
            others = [f for f in _skipped(r.status_message) if f != TRUTH_FILE]
            if not others:
                continue
            n["files"] = i18n.format_integer(len(others), lang=lang)
        if r.source in ("skipped", "unreadable", "duplicate"):
            key = f"change.inputs_{r.source}"
        else:
            key = "change.inputs_ok" if r.status == "ok" else "change.inputs_bad"
        out.append(i18n.t(key, lang=lang, source=r.source, **n))
    return out
