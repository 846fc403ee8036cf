"""analysis.present.words through display.table: golden snapshots of formatted tables (en, fr)."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from analysis.present import i18n, words
from analysis.present.display import table

NNBSP, NBSP = "\u202f", "\u00a0"


def shown(styler) -> list[list[str]]:
    """Header row, then the data rows, as the page shows them."""
    html = styler.to_html()
    head = re.findall(r"<th[^>]*>(.*?)</th>", html)
    body = re.findall(r"<tr>\s*(.*?)</tr>", html, re.S)[1:]
    return [head, *[re.findall(r"<td[^>]*>(.*?)</td>", r) for r in body]]


def compare_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "is_live": [True, False], "trials": [8961.0, 45369.0], "successes": [765.46, 1167.0],
        "rate": [0.0854, 0.0257], "ratio": [3.32, 1.0], "pvalue": [0.003, 0.00001],
        "level": [0.95, 0.95], "covered": [True, False], "df": [7.2055, 0.025],
        "status": ["ok", "undefined_no_viewers"],
        "status_message": ["", "undefined: no viewers (or other denominator) on a side "
                           "(no viewers in group_b)"],
        "group_a": [True, True], "group_b": [False, False],
    })  # fmt: skip


COLUMNS = ["is_live", "trials", "successes", "rate", "ratio", "pvalue", "level", "covered", "df",
           "status"]  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", [
            ["LIVE", "trials", "successes", "rate", "ratio", "p-value", "level", "in interval",
             "df", "status"],
            ["LIVE", "8,961", "765.5", "8.54%", "3.32×", "0.003", "95%", "yes", "7.21",
             "as documented"],
            ["non-live", "45,369", "1,167", "2.57%", "1×", "&lt; 0.0001", "95%", "no", "0.025",
             "not computed: no viewers on a side (no viewers in non-live)"],
        ]),
        ("fr", [
            ["en live", "effectif", "succès", "taux", "ratio", "valeur p", "niveau",
             "dans l&#39;intervalle", "ddl", "statut"],
            ["LIVE", f"8{NNBSP}961", "765,5", f"8,54{NBSP}%", "3,32×", "0,003", f"95{NBSP}%",
             "oui", "7,21", "comme documenté"],
            ["hors live", f"45{NNBSP}369", f"1{NNBSP}167", f"2,57{NBSP}%", "1×", "&lt; 0,0001",
             f"95{NBSP}%", "non", "0,025", "non calculé : aucun spectateur d&#39;un côté"],
        ]),
    ],
)  # fmt: skip
def test_a_comparison_reads_as_words_and_numbers_by_kind(lang, expected):
    got = shown(table(compare_frame(), columns=COLUMNS, lang=lang))
    assert got == expected


def halo_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "window": ["0-6 h", "24-6 h before", "day 3"], "kind": ["lag", "placebo", "lag"],
        "log_or": [0.3, 0.0, -0.1], "ci_low": [0.1, -0.2, -0.3], "ci_high": [0.5, 0.2, 0.1],
        "odds_ratio": [math.exp(0.3), 1.0, math.exp(-0.1)],
        "method": ["binomial GLM (logit, IRLS), CR2 cluster-robust by content_id SE; "
                   "_post + C(hour)"] * 3,
        "status": ["ok"] * 3,
    })  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "rows"),
    [
        ("en", [["0–6 h after", "after a LIVE", "1.35×", "1.11×", "1.65×"],
                ["24–6 h before", "placebo (no LIVE)", "1×", "0.82×", "1.22×"],
                ["day 3", "after a LIVE", "0.9×", "0.74×", "1.11×"]]),
        ("fr", [["0–6 h après", "après un LIVE", "1,35×", "1,11×", "1,65×"],
                ["24–6 h avant", "placebo (sans LIVE)", "1×", "0,82×", "1,22×"],
                ["jour 3", "après un LIVE", "0,9×", "0,74×", "1,11×"]]),
    ],
)  # fmt: skip
def test_a_log_odds_table_is_shown_as_odds_ratios_with_labels_and_methods_in_words(lang, rows):
    columns = ["window", "kind", "log_or", "ci_low", "ci_high", "odds_ratio", "method", "status"]
    got = shown(table(halo_frame(), columns=columns, lang=lang,
                      log_odds=("log_or", "ci_low", "ci_high")))  # fmt: skip
    assert [r[:5] for r in got[1:]] == rows
    assert len(got[0]) == 7  # odds_ratio once: the converted log_or replaces it
    method = {"en": "logistic model, intervals clustered by LIVE",
              "fr": "modèle logistique, intervalles groupés par LIVE"}[lang]  # fmt: skip
    assert {r[5] for r in got[1:]} == {method}
    assert not any("log" in h for h in got[0])


def test_trim_zeros_drops_only_trailing_decimal_zeros():
    assert words.trim_zeros("95.00%", lang="en") == "95%"
    assert words.trim_zeros("8,961.0000", lang="en") == "8,961"
    assert words.trim_zeros("0.0250 and 1,200", lang="en") == "0.025 and 1,200"
    assert words.trim_zeros("1\u202f200,50\u00a0%", lang="fr") == "1\u202f200,5\u00a0%"
    assert words.trim_zeros("100", lang="en") == "100"


def test_group_codes_in_messages_become_the_groups_or_plain_words():
    row = {"group_a": "beauty", "group_b": None}
    said = words.group_words("no viewers in group_b; group_a ok", row, lang="en")
    assert said == "no viewers in the second group; beauty ok"
    assert words.group_words("pas de LIVE dans group_a", {}, lang="fr") == (
        "pas de LIVE dans le premier groupe"
    )


def test_model_terms_are_said_as_column_and_level():
    said = "separation: 1 coefficient(s) not estimable (e.g. C(hour_adj)[T.6]); C(creator)"
    assert words.term_text(said, lang="fr") == (
        "separation: 1 coefficient(s) not estimable (e.g. heure 6); créateur"
    )


def test_a_method_line_loses_its_formula_and_fit_details():
    line = ("binomial mixed GLM (logit), random intercepts creator + content_id in creator; "
            "statsmodels BinomialBayesMixedGLM variational Bayes")  # fmt: skip
    assert words.method_text(line, lang="en") == ("logistic mixed model, a level of its own for "
                                                  "each creator, and each LIVE within its "
                                                  "creator")  # fmt: skip
    assert words.method_text("mantel-haenszel; jackknife-log", lang="fr") == (
        "regroupement de Mantel–Haenszel; jackknife par grappes en échelle logarithmique"
    )  # each code of a combined method line in words
    assert words.method_text("newcombe-exact / score+exact", lang="en") == (
        "Newcombe interval of the difference, from exact limits / score interval of the ratio, "
        "widened to the exact one for small counts"
    )
    assert words.method_text("linearised SE; cr2-bm", lang="en") == (  # a part, not a word
        "linearised SE; cluster-robust interval, small-sample corrected"
    )


def test_every_interval_method_code_has_words_in_every_language():
    from analysis.vocabulary import INTERVAL_METHODS

    for lang in i18n.available_languages():
        said = {code: words.method_text(code, lang=lang) for code in INTERVAL_METHODS}
        assert all(text != code for code, text in said.items()), lang
        assert len(set(said.values())) == len(INTERVAL_METHODS), lang  # no two alike


def test_warnings_on_rows_kept_are_sentences_for_the_data_quality_page():
    from analysis.present.answers import warning_sentences

    flagged = pd.DataFrame({"source": ["x", "x"], "file": ["a.csv", "a.csv"], "row": [3, 9],
                            "column": ["orders"] * 2, "value": ["5 > 2", "4 > 1"],
                            "reason": ["orders > atc"] * 2})  # fmt: skip
    assert warning_sentences(flagged, lang="en") == [
        "Warning on 2 row(s) kept (they are used): orders > atc; first: a.csv, row 3, orders = "
        "5 > 2."
    ]
    assert warning_sentences(flagged.head(0), lang="fr") == [
        "Avertissements sur les lignes gardées : aucun."
    ]


def test_what_a_question_lacks_is_said_in_the_page_language():
    from analysis.analyses.answerable import NEEDS
    from analysis.present.answers import need_words

    need, provided = NEEDS["by_promo"]
    assert need_words("by_promo", f"missing: {need}", provided, lang="en") == (need, provided)
    assert need_words("by_promo", f"missing: {need}", provided, lang="fr") == (
        "un état de promotion sur des cellules des deux côtés",
        "l'entrée `promotions` du fichier boutique (calendrier des promotions)",
    )
