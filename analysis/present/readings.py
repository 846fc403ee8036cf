"""Plain-words readings of result rows in the report language (E-values, the GLM cross-check).

The analyses write a ``reading`` column in English (the API's words). A page in another
language says the same from the row's numbers with the ``reading.*`` strings of its language;
in English the row's own reading is returned unchanged. Numbers are formatted for the language
(:func:`analysis.present.i18n.format_number`: ``2,53`` in French). References: the E-value
wording follows VanderWeele & Ding (2017), Ann. Intern. Med. 167:268-274 (``docs/metrics.md``,
"E-values"); the cross-check is ``analysis.analyses.crosscheck``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from analysis.present import i18n, words

__all__ = ["crosscheck_reading", "evalue_reading"]


def _times(value: float, *, lang: str) -> str:
    """``2.5×`` (one decimal from 1.5 on, else two), in the language's number format."""
    return i18n.format_number(value, lang=lang, digits=2 if value < 1.5 else 1) + "×"


def evalue_reading(row: Mapping[str, Any], *, lang: str) -> str:
    """The reading of a :func:`analysis.analyses.sensitivity.lift_sensitivity` row in ``lang``.

    Rule (as the English ``reading``): a ratio of exactly 1 has nothing to explain away; else
    an unmeasured factor would need to raise both LIVE viewing and add-to-cart by the E-value of
    the estimate to explain the lift (or drop) away, and by the E-value of the interval's limit
    to make it compatible with no lift (1: the interval already includes no lift; unknown: no
    E-value for it). An undefined row reads as its status (:func:`i18n.status_text`).
    """
    if lang == i18n.SOURCE_LANGUAGE:
        return str(row["reading"])
    ratio, e, limit = (float(row[c]) for c in ("ratio", "evalue_estimate", "evalue_limit"))
    if not math.isfinite(e) or not math.isfinite(ratio):
        return i18n.status_text(row.get("status"), row.get("status_message"), lang=lang)
    if ratio == 1:
        return i18n.t("reading.evalue_none", lang=lang)
    what = i18n.t("reading.lift" if ratio > 1 else "reading.drop", lang=lang)
    text = i18n.t("reading.evalue", lang=lang, e=_times(e, lang=lang), what=what)
    if not math.isfinite(limit):
        return text + i18n.t("reading.evalue_no_limit", lang=lang)
    if limit == 1:
        return text + i18n.t("reading.evalue_includes", lang=lang, what=what)
    return text + i18n.t("reading.evalue_limit", lang=lang, e=_times(limit, lang=lang))


def crosscheck_reading(row: Mapping[str, Any], *, held: Sequence[str], lang: str) -> str:
    """The reading of a :func:`analysis.analyses.crosscheck.live_effect_crosscheck` row in
    ``lang``; ``held`` the adjustment columns the notebook passed (``adjust``), named by their
    ``col.*`` labels.

    ``glm`` (LIVEs as the random units: holds for this shop's creators), ``glm_creator``
    (creators as the random units: holds for creators like these), ``mixed`` (an average
    creator), ``creator_level`` (refused: too few creators); another row, or a row without an
    estimate, reads as its status. Every language, English too, reads from the language file:
    the row's own ``reading`` (the analysis's English, for a notebook) names model internals,
    e.g. the random-effect column ``sd(content_id)``.
    """
    model, estimate = str(row.get("model")), float(row.get("estimate", math.nan))
    n = {"n_creators": row.get("n_creators"), "n_lives": row.get("n_lives")}
    if model == "creator_level":
        return i18n.t("reading.creator_level", lang=lang, n=n["n_creators"])
    if model not in ("glm", "glm_creator", "mixed") or not math.isfinite(estimate):
        return i18n.status_text(row.get("status"), row.get("status_message"), lang=lang)
    numbers = {  # two decimals, trailing zeros dropped (3.1, not 3.10)
        k: words.trim_zeros(i18n.format_number(float(v), lang=lang, digits=2), lang=lang)
        for k, v in (("estimate", estimate), ("low", row["ci_low"]), ("high", row["ci_high"]))
    }
    if model == "mixed":
        return i18n.t("reading.mixed", lang=lang, **numbers)
    names = ", ".join(i18n.column_label(c, lang=lang) for c in held)
    fixed = (
        i18n.t("reading.held", lang=lang, columns=names)
        if names
        else i18n.t("reading.nothing_held", lang=lang)
    )
    who = i18n.t(f"reading.{model}_who", lang=lang)
    return i18n.t("reading.glm", lang=lang, held=fixed, who=who, **numbers)
