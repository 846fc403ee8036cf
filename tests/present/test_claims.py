"""Sentences of the selection-aware claims (analysis.present.claims)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.present.claims import interaction_sentences, selection_sentence
from analysis.stats.selection import mcb


def race(est, what="best") -> pd.DataFrame:
    out = mcb(est, np.eye(len(est)) * 0.01, names=[f"{16 + i}" for i in range(len(est))], df=30)
    return out.assign(what=what)


def test_a_winner_only_when_it_stands_out():
    code, text = selection_sentence(race([0.0, 0.1, 1.0, 0.05]), what="hour")
    assert code == "ok"
    assert text == ("18 is the best hour of 4, even after allowing for having picked the best "
                    "(Hsu's multiple comparisons with the best, 95%).")  # fmt: skip
    code, text = selection_sentence(race([0.0, 0.1, 0.12, 0.05]), what="hour")
    assert text == ("No hour stands out: after allowing for having picked the best of 4, any of "
                    "several could be the best.")  # fmt: skip
    _, text = selection_sentence(
        race([0.0, 0.1, 0.12, 0.05]), what="heure", race="fall", lang="fr"
    )
    assert text.startswith("Aucun (heure) n'a nettement plus reculé")


def test_nothing_raced_says_too_few():
    code, text = selection_sentence(race([0.3]), what="creator")
    assert code == "undefined_too_few" and text.startswith("Too few creator levels")


def test_interaction_sentence_reads_the_difference_test():
    rows = pd.DataFrame({
        "term": ["live effect", "difference from discount"], "promo": ["discount", "none"],
        "reference": ["discount", "discount"], "estimate": [1.0, np.log(0.8)],
        "ci_low": [0.8, np.log(0.6)], "ci_high": [1.2, np.log(1.05)], "pvalue": [0.0, 0.12],
        "level": [0.95, 0.95], "status": ["ok", "ok"],
    })  # fmt: skip
    [(code, text)] = interaction_sentences(rows)
    assert code == "ok"
    assert text == ("The LIVE effect with promotion none against discount: odds ratio ×0.80 "
                    "(95% CI ×0.60–×1.05), p = 0.120: no clear difference (this tests the "
                    "difference itself, not each effect on its own).")  # fmt: skip
    none = interaction_sentences(rows.iloc[:1])
    assert none[0][1].startswith("The LIVE effect cannot be compared")
