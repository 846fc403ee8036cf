"""analysis.present.answers: the top of every page; whether a result has anything to draw."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.present.answers import answer_notes, drawable, question_words
from analysis.present.i18n import available_languages
from analysis.vocabulary import QUESTIONS

ANSWERS = pd.DataFrame({
    "question": ["live_vs_nonlive", "by_category"],
    "page": ["01_live_vs_nonlive"] * 2,
    "answered": [True, False],
    "reason": ["", "missing: a product category on cells of both sides"],
    "provided_by": ["the product list", "shop file entry `categories`"],
})  # fmt: skip


def test_notes_name_what_is_answered_what_is_missing_and_who_provides_it():
    lines = answer_notes(ANSWERS, lang="en", unit="visitor", units=["event", "visitor"])
    assert lines[0] == "This page answers: LIVE against non-live add-to-cart."
    assert lines[1] == ("Not answered: the LIVE lift by category. Missing: a product category on "
                        "cells of both sides. Provided by: shop file entry `categories`.")  # fmt: skip
    assert "(event, visitor)" in lines[2] and "`visitor` only" in lines[2]
    assert len(answer_notes(ANSWERS, lang="en", unit="visitor", units=["visitor"])) == 2
    none = answer_notes(ANSWERS.assign(answered=False), lang="fr")
    assert none[0].startswith("Les données ne permettent pas")
    assert none[1].startswith("Sans réponse : l'ajout au panier en LIVE contre hors LIVE. Manque")
    both = answer_notes(ANSWERS.assign(answered=True), lang="fr")
    assert both[0] == ("Cette page répond à : l'ajout au panier en LIVE contre hors LIVE, la "
                       "hausse du LIVE par catégorie.")  # fmt: skip


@pytest.mark.parametrize("lang", available_languages())
def test_every_question_is_said_in_words_that_name_it_alone(lang):
    """Each question has its words in each language; a page lists them with commas and ends the
    list with a full stop, and a test finds a question by its words: so no comma, no full stop,
    no underscore, and no question's words inside another's."""
    said = {q: question_words(q, lang=lang) for q in QUESTIONS}
    assert not [w for w in said.values() if re.search(r"[,._]", w)]
    assert not [(a, b) for a in said for b in said if a != b and said[a] in said[b]]
    assert len(set(said.values())) == len(QUESTIONS)


def test_drawable_needs_a_finite_estimate_or_interval():
    frame = pd.DataFrame({"rate": [np.nan], "ci_low": [np.nan], "ci_high": [np.nan]})
    assert not drawable(frame) and not drawable(None) and not drawable(frame.iloc[:0])
    assert drawable(frame.assign(ci_low=0.1, ci_high=0.2))
    assert drawable(frame.assign(rate=0.1))
    assert not drawable(frame, x="missing_column")


def test_interval_plot_draws_no_line_for_a_row_without_numbers():
    import matplotlib

    matplotlib.use("Agg")
    from analysis.present.plots import interval_plot

    frame = pd.DataFrame({"period": ["this week", None], "is_live": [True, True],
                          "rate": [0.1, np.nan], "ci_low": [0.08, np.nan],
                          "ci_high": [0.12, np.nan]})  # fmt: skip
    ax = interval_plot(frame, y=["period", "is_live"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["this week · True"]
    empty = interval_plot(frame.iloc[1:], y=["period", "is_live"])
    assert empty.get_yticklabels() == [] and empty.get_ylim() == (-0.5, 0.5)
