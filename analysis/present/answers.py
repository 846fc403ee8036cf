"""What a page can answer, in words: the top of every report page.

:func:`answer_notes` turns :func:`analysis.analyses.answerable.answerable` into the sentences a
page prints before anything else: which questions it answers, and for each one it cannot, what
is missing and which export or shop-file entry provides it; plus, when add-to-cart is counted in
several units, which unit the page uses. :func:`drawable` says whether a result has anything to
draw (a page draws no empty figure). :func:`period_notes` says which cells cover a whole exported
period rather than a day or an hour (the 2026 Seller Center product list) and which periods a week
leaves out. :func:`window_note` says which weeks of the history a page reads.
:func:`warning_sentences` says the loader's warnings on rows kept, on the data-quality page.
:func:`question_words` says a question in words of the page language.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.present.i18n import SOURCE_LANGUAGE, format_date, format_integer, t

__all__ = [
    "answer_notes",
    "drawable",
    "need_words",
    "period_notes",
    "question_words",
    "warning_sentences",
]


def answer_notes(
    answers: pd.DataFrame,
    *,
    lang: str,
    unit: str | None = None,
    units: Sequence[str] = (),
) -> list[str]:
    """The sentences saying what this page answers and, for the rest, what is missing.

    Parameters
    ----------
    answers : pandas.DataFrame
        :func:`analysis.analyses.answerable.answerable` of the page's questions.
    lang : str
        Report language.
    unit, units : str, sequence of str
        The unit the page uses and every unit of the cells
        (:func:`analysis.analyses.answerable.one_unit`): a sentence names the unit when there
        are several.

    Returns
    -------
    list of str
        Plain text (data-derived parts are not HTML). Each question of
        :data:`analysis.vocabulary.QUESTIONS` is said in words of ``lang``
        (:func:`question_words`), never by its code.
    """
    done = answers.loc[answers["answered"].astype(bool), "question"].tolist()
    said = ", ".join(question_words(q, lang=lang) for q in done)
    lines = [t("answers.answered", lang=lang, questions=said) if done
             else t("answers.none_answered", lang=lang)]  # fmt: skip
    for row in answers.loc[~answers["answered"].astype(bool)].itertuples(index=False):
        need, provided_by = need_words(row.question, row.reason, row.provided_by, lang=lang)
        lines.append(t("answers.missing", lang=lang, question=question_words(row.question,
                       lang=lang), need=need, provided_by=provided_by))  # fmt: skip
    if unit is not None and len(units) > 1:
        lines.append(t("answers.unit", lang=lang, units=", ".join(units), unit=unit))
    return lines


def drawable(data: pd.DataFrame | None, x: str = "rate", low: str = "ci_low",
             high: str = "ci_high") -> bool:  # fmt: skip
    """Whether ``data`` has a row with a finite estimate or a finite interval to draw."""
    if data is None or len(data) == 0 or x not in data:
        return False
    finite = np.isfinite(pd.to_numeric(data[x], errors="coerce").to_numpy(dtype=float))
    if low in data and high in data:
        lo = np.isfinite(pd.to_numeric(data[low], errors="coerce").to_numpy(dtype=float))
        hi = np.isfinite(pd.to_numeric(data[high], errors="coerce").to_numpy(dtype=float))
        finite |= lo & hi
    return bool(finite.any())


def period_notes(cells: pd.DataFrame, excluded: pd.DataFrame, *, lang: str) -> list[str]:
    """Sentences on the range cells of a week: the period they cover and what it means.

    Parameters
    ----------
    cells : pandas.DataFrame
        The week's cells (:func:`analysis.weeks.within_weeks`, then ``select_week``).
    excluded : pandas.DataFrame
        The range files :func:`analysis.weeks.within_weeks` left out.
    lang : str
        Report language.

    Returns
    -------
    list of str
        Empty without range cells. Else: how many cells count a whole exported period (a range
        lies inside the week or it is left out; ``docs/data-formats.md``), and that such cells
        have no LIVE id and no hour, so their intervals cannot account for LIVE clustering; one
        sentence per file left out; last, the weeks the page reads (:func:`window_note`).
    """
    ranges = cells.loc[cells["grain"] == "range"]
    lines = []
    if len(ranges):
        lines.append(t("periods.ranges", lang=lang, n=len(ranges),
                       files=", ".join(sorted(ranges["file"].astype(str).unique()))))  # fmt: skip
    for row in excluded.itertuples(index=False):
        lines.append(t("periods.excluded", lang=lang, file=row.file, cells=row.cells,
                       first=_day(row.first), last=_day(row.last)))  # fmt: skip
    return lines + window_note(cells, lang=lang)


def window_note(cells: pd.DataFrame, *, lang: str) -> list[str]:
    """The sentence naming the weeks a page reads, when its cells come from a window.

    Parameters
    ----------
    cells : pandas.DataFrame
        Cells selected from :func:`analysis.weeks.within_window` (its ``attrs["window"]``:
        reported week, size, first and last day, weeks with data).
    lang : str
        Report language.

    Returns
    -------
    list of str
        Empty when the cells carry no window; else one sentence: "This page uses the 12 weeks
        up to 2026-W47 (...)", or "This page uses week 2026-W47 only" for a one-week window
        (``docs/metrics.md``, "History windows").
    """
    w = cells.attrs.get("window")
    if not w:
        return []
    first, last = (format_date(w[k], lang=lang) for k in ("first", "last"))
    key = "window.week" if w["weeks"] == 1 else "window.weeks"
    return [t(key, lang=lang, weeks=w["weeks"], week=w["week"], held=w["held"], first=first,
              last=last)]  # fmt: skip


def _day(value) -> str:
    return "?" if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def question_words(question: str, *, lang: str) -> str:
    """A question of :data:`analysis.vocabulary.QUESTIONS` in words of ``lang`` (its
    ``question.<code>`` string: ``adjusted_lift`` -> "the LIVE lift adjusted for hour and
    category"), as the top of a page says it; ``docs/metrics.md``, "What each page can answer",
    lists what each question needs."""
    return t(f"question.{question}", lang=lang)


def need_words(question: str, reason: object, provided_by: object, *, lang: str) -> tuple:
    """What a question lacks and which export provides it, in ``lang``: in English the row's own
    words (``reason`` without its ``missing:`` prefix, ``provided_by``); in another language the
    ``need.<question>`` and ``provided.<question>`` strings (the English of
    :data:`analysis.analyses.answerable.NEEDS`, translated)."""
    if lang == SOURCE_LANGUAGE:
        return str(reason).removeprefix("missing: "), str(provided_by)
    return t(f"need.{question}", lang=lang), t(f"provided.{question}", lang=lang)


def warning_sentences(flagged: pd.DataFrame | None, *, lang: str) -> list[str]:
    """The loader's warnings on rows kept (``Loaded.flagged``, ``docs/data-formats.md``: a row
    used although a value looks wrong, e.g. more orders than add-to-carts) as sentences, one per
    reason with its count and first example (file, row, column, value); one sentence saying
    there is none otherwise. The data-quality page prints them: no other page shows a warning.
    """
    if flagged is None or not len(flagged):
        return [t("00.no_warnings", lang=lang)]
    out = []
    for reason, g in flagged.groupby("reason", sort=False, dropna=False):
        first = g.iloc[0]
        out.append(t("00.warning", lang=lang, n=format_integer(len(g), lang=lang),
                     reason=reason, file=first["file"], row=first["row"],
                     column=first["column"], value=first["value"]))  # fmt: skip
    return out
