"""The experiment page in words and tables: the verdict sentences and the shown result rows.

:func:`verdict_sentences` says each metric's decision of
:func:`analysis.analyses.experiment.verdict` in the report language (strings ``06.verdict_*``
of ``analysis/present/locales/strings``); :func:`experiment_table` turns the rows of
:func:`analysis.analyses.experiment.experiment_results` into the frame the page shows: each
estimand named in words (``06.estimand.*``), the method and internals left out.

Reference: ``docs/experiments.md`` (reading the page).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.metrics import get_metric
from analysis.present.i18n import format_integer, format_number, format_percent, t

__all__ = ["experiment_table", "verdict_sentences"]

#: the result columns the page shows, in order
SHOWN_COLUMNS = ("estimand", "metric", "arm", "estimate", "ci_low", "ci_high", "pvalue",
                 "n_used", "n_assignments", "status")  # fmt: skip


def _ratio(value: float, lang: str) -> str:
    """A ratio as ``1.35×`` in ``lang``'s number format."""
    return f"{format_number(value, lang=lang, digits=2)}×"


def verdict_sentences(verdict: pd.DataFrame, *, lang: str) -> list[str]:
    """One sentence per row of a verdict frame: the metric, the decision and its reason, the
    ratio with its interval and p-value, and for *extend* the extra LIVEs needed (or that
    twelve more blocks would not be enough; for the basket, a ratio of sums, that the LIVEs
    needed are computed for the rates)."""
    out = []
    for r in verdict.itertuples(index=False):
        fields = dict(
            metric=t(f"metric.{r.metric}", lang=lang), estimate=_ratio(r.estimate, lang),
            low=_ratio(r.ci_low, lang), high=_ratio(r.ci_high, lang),
            pvalue=format_number(r.pvalue, lang=lang, digits=3), effect=_ratio(r.effect, lang),
            level=format_percent(r.level, lang=lang, digits=0),
        )  # fmt: skip
        key = f"06.verdict_{r.decision}"
        if r.decision == "extend":
            more = r.extra_lives
            key = "06.verdict_extend" if np.isfinite(more) else "06.verdict_extend_far"
            if get_metric(str(r.metric)).kind != "proportion":  # no power model for the basket
                key = "06.verdict_extend_ratio"
            fields["extra"] = format_integer(more if np.isfinite(more) else 0, lang=lang)
        if r.decision == "stop" and (r.estimate > 1 or r.pvalue > 1 - r.level):  # not "lowers"
            key = "06.verdict_stop_small"
        out.append(t(key, lang=lang, **fields))
    return out


def experiment_table(results: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """The rows of ``experiment_results`` as the page shows them: :data:`SHOWN_COLUMNS`,
    estimands and metrics in words, whole counts as integers (``Int64``)."""
    out = results.loc[:, [c for c in SHOWN_COLUMNS if c in results.columns]].copy()
    out["estimand"] = [t(f"06.estimand.{e}", lang=lang) for e in out["estimand"]]
    out["metric"] = [t(f"metric.{m}", lang=lang) for m in out["metric"]]
    out["arm"] = out["arm"].astype(object).where(out["arm"].notna(), "")
    whole = {c: "Int64" for c in ("n_used", "n_assignments")}
    return out.round({c: 0 for c in whole}).astype(whole)
