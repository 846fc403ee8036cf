"""Words, not internals: the labels, numbers and method lines a shared table shows.

:func:`analysis.present.display.table` passes every frame through here, so a page never shows a
Python boolean, a model term, a group code or a log-odds column:

- booleans read as words: ``is_live`` as the sides (``LIVE`` / ``non-live``), any other
  boolean column as ``yes`` / ``no`` (``value.true``, ``value.false``);
- log-odds columns (:data:`LOG_ODDS_COLUMNS`, or those a page names) are shown as odds ratios,
  ``exp(x)``, with their intervals ``exp(low)``, ``exp(high)`` (the exponential is monotone, so
  the interval of the ratio is the exponential of the interval of the log-odds), under the name
  of the ratio (:data:`RATIO_NAMES`);
- numbers lose their trailing decimal zeros (``95.00%`` -> ``95%``, ``8,961.0000`` -> ``8,961``);
- the analyses' English labels (halo windows, ``trend per week``, the sides, the decay
  parameters) and method lines (``binomial GLM (logit, IRLS), CR2 cluster-robust by content_id
  SE...; _post + C(hour)``) are said with the ``label.*`` and ``method.*`` strings of the page
  language, the model formula left out (it stays in the frame);
- ``group_a`` / ``group_b`` in a status message become the groups' own labels;
- promotion states and the cross-check models are said in words (``flash_sale`` -> "flash
  sale", ``creator_level`` -> "creator-level clustering").

References: ``docs/metrics.md`` (odds ratios; status codes); Agresti (2013), *Categorical Data
Analysis*, 3rd ed., §5.1 (the odds ratio as the exponential of a logistic coefficient).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.present import i18n
from analysis.sources.load import EVENTS_REASON, TRUTH_REASON
from analysis.vocabulary import INTERVAL_METHODS, PROMOS, UNITS

__all__ = [
    "LABEL_COLUMNS",
    "LOG_ODDS_COLUMNS",
    "RATIO_NAMES",
    "boolean_text",
    "group_words",
    "label_text",
    "method_text",
    "name_text",
    "on_ratio_scale",
    "promo_text",
    "term_text",
    "trim_zeros",
]

#: columns on the log-odds scale wherever they appear (shown as odds ratios)
LOG_ODDS_COLUMNS = ("log_or", "log_or_ci_low", "log_or_ci_high", "planted_log_or",
                    "log_odds_ratio", "expected_log_odds_ratio")  # fmt: skip
#: a log-odds column -> the name of its odds ratio (columns not listed keep their name)
RATIO_NAMES = {
    "log_or": "odds_ratio", "log_or_ci_low": "odds_ratio_ci_low",
    "log_or_ci_high": "odds_ratio_ci_high", "planted_log_or": "planted_odds_ratio",
    "log_odds_ratio": "odds_ratio", "expected_log_odds_ratio": "expected_odds_ratio",
    "slope": "odds_ratio_per_step", "planted_slope": "planted_odds_ratio_per_step",
}  # fmt: skip
#: text columns whose values are the analyses' labels (said with :data:`LABELS`)
LABEL_COLUMNS = ("window", "side", "what", "kind", "term", "parameter", "design", "period",
                 "flag", "relation", "placebo", "verdict", "test", "hypothesis", "estimate",
                 "reason", "model")  # fmt: skip
#: text columns whose values may be a promotion state (:data:`analysis.vocabulary.PROMOS`):
#: said with the ``value.promo.*`` strings (``flash_sale`` -> "flash sale")
PROMO_COLUMNS = ("promo", "value")
#: text columns whose values name a column (``hour``, ``age group``): said by its ``col.*`` label
NAME_COLUMNS = ("group", "family", "covariate", "column")
#: (English label as the analyses write it, ``label.*`` key; groups are its fields)
LABELS = (
    (r"day (?P<n>\d+)", "label.day"),
    (r"(?P<a>\d+)-(?P<b>\d+) h before", "label.hours_before"),
    (r"(?P<a>\d+)-(?P<b>\d+) h", "label.hours_after"),
    (r"trend per week", "label.trend_per_week"),
    (r"(?P<week>\d{4}-W\d{2}) vs (?P<n>\d+) previous weeks", "label.week_vs"),
    (r"live", "side.live"),
    (r"off-live", "side.nonlive"),
    (r"lag", "label.lag"),
    (r"lead", "label.lead"),
    (r"placebo", "label.placebo"),
    (r"pre-period slope difference", "label.pretrend"),
    (r"beta", "label.halo_beta"),
    (r"tau_hours", "label.halo_tau"),
    (r"half_life_hours", "label.halo_half_life"),
    (r"one-shot \(promotions\)", "label.one_shot"),
    (r"drop explained by promotions", "label.drop_promotions"),
    (r"durable gain", "label.durable_gain"),
    (r"durable drop", "label.durable_drop"),
    (r"no clear change", "label.no_clear_change"),
    (r"unclear", "label.unclear"),
    (r"before this week", "label.before_week"),
    (r"this week", "label.this_week"),
    (r"after this week", "label.after_week"),
    (r"live x (?P<col>\w+)", "label.live_x"),
    (r"harmonic (?P<k>\d+)", "label.harmonic"),
    (
        r"the LIVE and non-live hour curves have the same shape \(all live x harmonic terms are 0\)",
        "label.same_shape",
    ),
    (
        r"the live effect is the same in every (?P<col>\w+) segment \(all live x segment terms "
        r"are 0\)",
        "label.same_segment",
    ),
    (
        r"harmonic (?P<k>\d+) adds nothing to (?P<j>\d+) harmonic\(s\), on either side",
        "label.harmonic_adds",
    ),
    (r"adjusted \(Mantel-Haenszel over (?P<cols>.+)\)", "label.mantel_haenszel"),
    (r"glm", "label.model_glm"),
    (r"mixed", "label.model_mixed"),
    (r"creator_level", "label.model_creator_level"),
    (re.escape(TRUTH_REASON), "label.sample_truth"),
    (re.escape(EVENTS_REASON), "label.events_table"),
    (
        r"(?P<file>[^:]+): format not recognised \(known sources: (?P<known>[^)]*)\).*",
        "label.not_recognised",
    ),
)
#: (English phrase of a method line, ``method.*`` key), replaced in this order
METHODS = (
    ("DiD vs others: ", "method.did"),
    ("binomial mixed GLM (logit)", "method.mixed_glm"),
    ("binomial GLM (logit, IRLS)", "method.glm"),
    ("cluster-robust by content_id SE", "method.by_live"),
    ("cluster-robust by product_day SE", "method.by_product_day"),
    ("cluster-robust by", "method.cluster_robust_by"),
    ("under a LIVE random-intercept working model", "method.working_model"),
    ("random intercepts", "method.random_intercepts"),
    ("refused: fewer creators than", "method.refused_creators"),
    ("fdr_bh over", "method.fdr_bh"),
    ("hour contrasts", "method.hour_contrasts"),
    ("Wald F test", "method.wald_f"),
    ("Wald z given the variance components", "method.wald_z"),
    ("argmax of the harmonic curve", "method.argmax"),
    ("parametric bootstrap", "method.bootstrap"),
    (" draws, seed ", "method.draws_seed"),
    ("shares of the groups' weight", "method.shares"),
    ("standardised difference", "method.standardised"),
    ("tau by profile likelihood", "method.tau_profile"),
    ("Gauss-Newton linearised SE", "method.gauss_newton"),
    ("creator + content_id in creator", "method.creator_live"),
)
#: a part of a method line that is a model formula or a fitting detail (left out)
FORMULA = re.compile(r"C\(|~|statsmodels|_post\b|_tp\b")


def on_ratio_scale(frame: pd.DataFrame, columns: Iterable[str]) -> tuple[pd.DataFrame, list]:
    """``frame`` with each of ``columns`` it holds replaced by ``exp`` of it, renamed by
    :data:`RATIO_NAMES` (a column already holding that name is dropped: it showed the same
    ratio); returns the frame and the names of the ratio columns."""
    out, ratios = frame.copy(), []
    for c in columns:
        if c not in out:
            continue
        name = RATIO_NAMES.get(c, c)
        values = np.exp(pd.to_numeric(out[c], errors="coerce").astype(float))
        if name != c and name in out:
            out = out.drop(columns=name)
        out[c] = values
        out = out.rename(columns={c: name})
        ratios.append(name)
    return out, ratios


def trim_zeros(text: str, *, lang: str) -> str:
    """``text`` without the trailing zeros of its decimals (``95.00%`` -> ``95%``, ``0,0250``
    -> ``0,025``), by the decimal mark of ``lang``'s locale."""
    from babel.numbers import get_decimal_symbol

    mark = re.escape(get_decimal_symbol(i18n.locale_of(lang)))
    return re.sub(rf"(?<=\d){mark}(\d*?)0+(?!\d)",
                  lambda m: (m.group(0)[0] + m.group(1)) if m.group(1) else "", text)  # fmt: skip


def boolean_text(column: Any, value: bool, *, lang: str) -> str:
    """A boolean as words: ``is_live`` -> ``LIVE`` / ``non-live``; else ``yes`` / ``no``."""
    if column == "is_live":
        return i18n.t("side.live" if value else "side.nonlive", lang=lang)
    return i18n.t("value.true" if value else "value.false", lang=lang)


def label_text(value: str, *, lang: str) -> str:
    """An analysis label (:data:`LABELS`) in ``lang``; any other text unchanged."""
    for pattern, key in LABELS:
        if m := re.fullmatch(pattern, value, re.S):
            fields = {k: name_text(v, lang=lang) if k == "col" else v
                      for k, v in m.groupdict().items()}  # fmt: skip
            if "cols" in fields:
                fields["cols"] = " × ".join(name_text(c, lang=lang)
                                            for c in fields["cols"].split(" x "))  # fmt: skip
            return i18n.t(key, lang=lang, **fields)
    return value


def unit_text(value: str, *, lang: str) -> str:
    """A counting unit (``visitor``, ``session``, ``event``: ``docs/data-formats.md``) in ``lang``
    (``value.unit.*``); an unknown unit stays as it is."""
    return i18n.t(f"value.unit.{value}", lang=lang) if value in UNITS else value


def name_text(value: str, *, lang: str) -> str:
    """A column named in a cell (``hour``, ``age group``) by its ``col.*`` label in ``lang``;
    a value that names no column stays as it is."""
    return i18n.column_label(value.replace(" ", "_"), lang=lang).replace("_", " ")


def promo_text(value: str, *, lang: str) -> str:
    """A promotion state (:data:`analysis.vocabulary.PROMOS`: ``none``, ``discount``,
    ``flash_sale``) in words of ``lang`` (``value.promo.*``); any other value unchanged."""
    return i18n.t(f"value.promo.{value}", lang=lang) if value in PROMOS else value


def method_text(value: str, *, lang: str) -> str:
    """A method line in words of ``lang``: its formula and fitting-detail parts (``; ...``
    matching :data:`FORMULA`), the estimated variance in parentheses, the reference
    distribution (``t(...)``) and the variance estimator's code (``CR2``) left out, the known
    phrases (:data:`METHODS`) and each part that is a method code (``cr2-bm-fieller``,
    ``mantel-haenszel; jackknife-log``, ``newcombe / score``) said in ``lang``.

    >>> method_text("mantel-haenszel; jackknife-log", lang="en")
    'Mantel–Haenszel pooling; cluster jackknife on the log scale'
    """
    if value == "none":
        return i18n.t("label.none", lang=lang)
    parts = [p for p in value.split("; ") if not FORMULA.search(p)]
    text = re.sub(r"\s*\(τ²[^)]*\)|,\s*t\([^)]*\)", "", "; ".join(parts))
    text = re.sub(r"CR\d (\(jackknife\) )?(?=(two-way )?cluster-robust)|FEW_CLUSTERS = ", "",
                  text)  # fmt: skip
    for phrase, key in METHODS:
        text = text.replace(phrase, i18n.t(key, lang=lang))
    return "; ".join(" / ".join(_method_code(p, lang) for p in part.split(" / "))
                     for part in text.split("; "))  # fmt: skip


def _method_code(part: str, lang: str) -> str:
    """``part`` of a method line in words when it is a method code (``cr2-bm-logit``,
    :data:`analysis.vocabulary.INTERVAL_METHODS`), else as it is."""
    return i18n.t(f"method.code.{part}", lang=lang) if part in INTERVAL_METHODS else part


def _group_label(value: Any, *, lang: str) -> str | None:
    if isinstance(value, bool | np.bool_):
        return boolean_text("is_live", bool(value), lang=lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


#: a model term of a formula: ``C(hour_adj)[T.6]``, ``C(creator)``
TERM = re.compile(r"C\((?P<col>\w+?)(?:_adj)?\)(?:\[T\.(?P<level>[^\]]+)\])?")


def term_text(text: str, *, lang: str) -> str:
    """``text`` with each model term said as its column and level: ``C(hour_adj)[T.6]`` ->
    ``hour 6`` (the column by its ``col.*`` label in ``lang``)."""

    def said(m: re.Match) -> str:
        level = trim_zeros(m["level"], lang=i18n.SOURCE_LANGUAGE) if m["level"] else ""
        return " ".join(filter(None, (name_text(m["col"], lang=lang), level)))

    return TERM.sub(said, text)


def group_words(message: str, row: Mapping[str, Any], *, lang: str) -> str:
    """``message`` with ``group_a`` / ``group_b`` replaced by the row's groups (``LIVE``,
    ``non-live``, a category), else by ``the first group`` / ``the second group``, and its
    model terms said in words (:func:`term_text`)."""
    message = term_text(message, lang=lang)
    for side in ("a", "b"):
        name = f"group_{side}"
        if name in message:
            shown = _group_label(row.get(name), lang=lang)
            message = message.replace(name, shown or i18n.t(f"label.group_{side}", lang=lang))
    return message
