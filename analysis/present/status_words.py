"""Statuses in a table: a short label per row, and a legend that says each label once.

Every result row carries a ``status`` code (:data:`analysis.vocabulary.STATUSES`) and a
``status_message``: the code's sentence, then the row's specifics in parentheses
(:func:`analysis.vocabulary.status_message`). Repeated on every row, the sentence made tables
wide (on a phone: "few LIVEs (or other clusters): the estimate rests on a handful of them; the
interval is small-sample corrected but wide (2 clusters ...)" eighteen times). A table cell
therefore shows the code's short label (``status_short.<code>`` of the language files: "few
LIVEs, wide interval") with, in English, the row's specifics (:func:`status_detail`: "2
clusters (< 10), t(1) reference"); the table's caption carries the legend, each label present
with its sentence (:func:`status_legend`). The analyses write the specifics in English; pages in
another language show the label alone, as they showed the sentence alone before.
"""

from __future__ import annotations

from collections.abc import Iterable

from analysis.present import i18n
from analysis.vocabulary import STATUSES

__all__ = ["status_detail", "status_legend", "status_short"]

#: the codes' sentences, longest first (one may contain another)
_SENTENCES = sorted(STATUSES.values(), key=len, reverse=True)


def _top_level(text: str) -> list[str]:
    """``text`` split at ``"; "`` outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and text.startswith("; ", i):
            parts.append(text[start:i])
            start = i + 2
    return [*parts, text[start:]]


def status_detail(message: object) -> str:
    """The row's specifics in a ``status_message``: the message without the codes' sentences
    (a message may join several, ``"; "``), each specific without its parentheses.

    >>> status_detail(STATUSES["few_clusters"] + " (6 LIVEs (< 10), t(5) reference)")
    '6 LIVEs (< 10), t(5) reference'
    >>> status_detail(STATUSES["ok"])
    ''
    """
    if not isinstance(message, str):
        return ""
    rest = message
    for sentence in _SENTENCES:
        rest = rest.replace(sentence, "")
    parts = [p.strip() for p in _top_level(rest.strip()) if p.strip()]
    bare = [p[1:-1] if p.startswith("(") and p.endswith(")") else p for p in parts]
    return "; ".join(dict.fromkeys(p for p in bare if p))


def status_short(code: object, message: object = None, *, lang: str) -> str:
    """What a table cell says of a row's status: the code's short label in ``lang``, with the
    row's specifics (:func:`status_detail`) in the source language; a value that is not a
    status code is shown as :func:`analysis.present.i18n.status_text` shows it (free text)."""
    if not (isinstance(code, str) and code in STATUSES):
        return i18n.status_text(code, message, lang=lang)
    label = i18n.t(f"status_short.{code}", lang=lang)
    detail = status_detail(message) if lang == i18n.SOURCE_LANGUAGE else ""
    return f"{label} ({detail})" if detail else label


def status_legend(codes: Iterable[object], *, lang: str) -> str:
    """The legend of a table whose status cells hold ``codes``: each code but ``ok`` once, in
    order, as its short label and its sentence in ``lang``; empty when there is none.

    >>> status_legend(["ok", "few_clusters", "few_clusters"], lang="en")[:46]
    'Status: few LIVEs, wide interval — few LIVEs ('
    """
    known = [c for c in dict.fromkeys(codes) if isinstance(c, str) and c in STATUSES and c != "ok"]
    if not known:
        return ""
    items = [f"{i18n.t(f'status_short.{c}', lang=lang)} — {i18n.status_text(c, lang=lang)}"
             for c in known]  # fmt: skip
    return i18n.t("table.status_legend", lang=lang, items=" · ".join(items))
