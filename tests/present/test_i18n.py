"""analysis.present.i18n: language files, translated strings, locale formats (CLDR via babel)."""

from __future__ import annotations

import json
import re
from datetime import date

import nbformat
import pandas as pd
import pytest

from analysis.paths import NOTEBOOKS_DIR
from analysis.present import i18n
from analysis.present.cell_text import PERCENT_COLUMNS, RATIO_COLUMNS
from analysis.present.display import COMPARE_SUMMARY

NNBSP, NBSP = "\u202f", "\u00a0"  # CLDR fr: narrow no-break space between digit groups, no-break
# space before % and the currency sign


def strings(lang: str) -> dict:
    return json.loads((i18n.STRINGS_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def test_languages_are_the_files():
    assert i18n.available_languages() == ("en", "fr")
    assert i18n.check_lang("fr") == "fr"
    with pytest.raises(ValueError, match=r"`lang` must be one of \['en', 'fr'\], but 'de'"):
        i18n.check_lang("de")


@pytest.mark.parametrize("lang", ["fr"])
def test_every_language_has_every_english_string_with_the_same_fields(lang):
    en, other = strings("en")["strings"], strings(lang)["strings"]
    assert set(other) == set(en)
    fields = re.compile(r"\{(\w*)\}")
    for key, text in en.items():
        assert set(fields.findall(other[key])) == set(fields.findall(text)), key


def test_every_translatable_markdown_cell_has_its_translations():
    keys = {
        i18n.markdown_key(c.metadata.get("tags", []))
        for path in sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
        for c in nbformat.read(path, as_version=4).cells
        if c.cell_type == "markdown"
    } - {None}
    assert {k for k in keys if k.startswith("01.")} == {
        "01.intro", "01.headline", "01.not_conclude", "01.sensitivity", "01.by_category", "01.by_promo",
        "01.funnel", "01.funnel_numbers", "01.method",
    }  # fmt: skip
    for lang in i18n.available_languages():
        if lang != i18n.SOURCE_LANGUAGE:
            assert keys <= set(strings(lang).get("markdown", {})), lang


def test_shown_columns_have_labels_in_every_language():
    shown = set(COMPARE_SUMMARY) | {"rate", "ci_low", "ci_high", "trials", "successes"}
    for lang in i18n.available_languages():
        table = strings(lang)["strings"]
        assert {c for c in shown if f"col.{c}" not in table} == set(), lang
    assert i18n.column_label("ratio_ci_low", lang="fr") == "ratio bas"
    assert i18n.column_label("not_a_column", lang="fr") == "not_a_column"  # documented fallback
    assert set(PERCENT_COLUMNS) & set(RATIO_COLUMNS) == set()


def test_t_fills_fields_and_refuses_missing_keys():
    assert i18n.t("report.week", lang="fr", week="2026-W47") == "semaine 2026-W47"
    assert i18n.t("report.week", week="2026-W47") == "week 2026-W47"  # en by default
    with pytest.raises(KeyError, match="'nope' is missing from .*fr.json"):
        i18n.t("nope", lang="fr")
    with pytest.raises(KeyError, match="'01.nope' has no translation in .*fr.json"):
        i18n.markdown("01.nope", lang="fr")
    assert i18n.markdown("01.by_category", lang="fr").startswith("## Par catégorie\n\nLe même")


def test_french_formats_follow_the_issue_examples():
    assert i18n.format_percent(0.0912, lang="fr") == f"9,1{NBSP}%"
    assert i18n.format_percent(0.0912, lang="en") == "9.1%"
    assert i18n.format_money(1234.5, "EUR", lang="fr", digits=1) == f"1{NNBSP}234,5{NBSP}€"
    assert i18n.format_money(1234.5, "EUR", lang="en") == "€1,234.50"
    assert i18n.format_date(date(2026, 11, 23), lang="fr") == "lundi 23 novembre 2026"
    assert i18n.format_date(pd.Timestamp("2026-11-23 15:00"), lang="en") == (
        "Monday, November 23, 2026"
    )
    assert i18n.format_date(date(2026, 11, 23), lang="fr", style="long") == "23 novembre 2026"


def test_numbers_round_and_group_for_the_locale():
    assert i18n.format_number(1234567.891, lang="fr") == f"1{NNBSP}234{NNBSP}567,89"
    assert i18n.format_number(1234567.891, lang="en", digits=1) == "1,234,567.9"
    assert i18n.format_integer(12345, lang="fr") == f"12{NNBSP}345"
    assert i18n.format_percent(0.00126, lang="en", digits=2) == "0.13%"
    assert i18n.format_percent(0.00125, lang="en", digits=2) == "0.12%"  # babel: half to even
    for missing in (None, float("nan"), pd.NA, pd.NaT):
        assert i18n.format_percent(missing, lang="fr") == ""
        assert i18n.format_date(missing, lang="fr") == ""


#: French strings equal to their English ones on purpose, each with the reason
SAME_IN_FRENCH = {
    "value.unit.session": "sessions: the same word in French",
    "report.commit": "Commit: the git term, used as is by French developers",
    "report.versions": "Versions: the same word in French",
    "report.provenance": "Provenance: the same word in French",
    "index.pages": "Pages: the same word in French",
    "index.sentence_live": "LIVE {rate}: LIVE is TikTok's product name, {rate} a number",
    "privacy.kind.email": "e-mail: the usual French word (Larousse)",
    "metric.conversion": "conversion: the same word in French",
    "col.ratio": "ratio: the same word in French",
    "col.date": "date: the same word in French",
    "col.promo": "promotion: the same word in French",
    "col.n_segments": "segments: the same word in French",
    "col.action": "action: the same word in French",
    "side.live": "LIVE: TikTok's product name",
    "summary.side.live": "LIVE: TikTok's product name",
    "col.source": "source: the same word in French",
    "col.sources": "sources: the same word in French",
    "col.test": "test: the same word in French",
    "col.amplitude": "amplitude: the same word in French",
    "col.segment": "segment: the same word in French",
    "col.verdict": "verdict: the same word in French",
    "summary.mover_item": "only fields and punctuation, no word",
    "summary.times": "×{value}: a sign and a number, no word",
    "index.question": "question: the same word in French",
    "index.page": "page: the same word in French",
}


def test_english_and_french_have_the_same_keys_and_french_is_translated():
    en, fr = strings("en"), strings("fr")
    assert set(fr["strings"]) == set(en["strings"])
    same = {k for k, text in en["strings"].items() if fr["strings"][k] == text}
    assert same == set(SAME_IN_FRENCH)  # a new English value copied into fr.json fails here
    assert set(fr["markdown"]) >= set(en.get("markdown", {}))
    assert {k for k, text in en.get("markdown", {}).items() if fr["markdown"][k] == text} == set()


def test_every_column_a_page_shows_has_a_french_label():
    """Table headers come from the strings files: each column of ``SHOWN`` (what the pages
    show) has a ``col.*`` label in every language, and in French one of its own."""
    from analysis.present.shown import SHOWN

    columns = {c for shown in SHOWN.values() for c in shown}
    for lang in i18n.available_languages():
        table = strings(lang)["strings"]
        assert {c for c in columns if f"col.{c}" not in table} == set(), lang
    fr = strings("fr")["strings"]
    same = {c for c in columns if fr[f"col.{c}"] in (c, c.replace("_", " "))}
    assert same <= {"ratio", "date", "test", "segment", "source", "amplitude", "verdict"}


def test_column_labels_are_words_not_column_names():
    """A ``col.*`` label is what a reader sees as a table header: never an underscore-joined
    identifier (``ci_low``), in any language (``tests/report/page_text.py`` checks the pages)."""
    snake = re.compile(r"\b[a-z][a-z0-9]*(_[a-z0-9]+)+\b")
    for lang in i18n.available_languages():
        table = strings(lang)["strings"]
        assert {k: v for k, v in table.items() if k.startswith("col.") and snake.search(v)} == {}
    assert i18n.column_label("ci_low", lang="en") == "interval low"
    assert i18n.column_label("max_abs_rel_diff", lang="en") == "largest difference"


def test_the_columns_of_one_table_have_distinct_labels():
    """:func:`analysis.present.display.table` falls back to the column names when two labels
    are equal: the columns each page shows (``SHOWN`` and the experiment and LIVE-moments pages'
    columns, log-odds columns under their ratio's name) must have distinct labels in every
    language."""
    from analysis.present import experiment, live_moments
    from analysis.present.shown import SHOWN
    from analysis.present.words import RATIO_NAMES

    tables = {**SHOWN, "experiment": experiment.SHOWN_COLUMNS,
              "live_moments": live_moments.SHOWN_COLUMNS}  # fmt: skip
    for lang in i18n.available_languages():
        for name, shown in tables.items():
            columns = list(dict.fromkeys(RATIO_NAMES.get(c, c) for c in shown))
            labels = [i18n.column_label(c, lang=lang) for c in columns]
            assert len(set(labels)) == len(labels), (lang, name, labels)


def test_statuses_are_told_in_the_report_language():
    from analysis.present.display import readable_statuses
    from analysis.vocabulary import STATUSES, status_message

    fr = strings("fr")["strings"]
    assert {k.removeprefix("status.") for k in fr if k.startswith("status.")} == set(STATUSES)
    detail = status_message("few_clusters", "7 clusters inform it (< 10), t(6) reference")
    assert i18n.status_text("few_clusters", detail) == detail  # English: the row's message
    assert i18n.status_text("few_clusters", lang="fr") == fr["status.few_clusters"]
    assert i18n.status_text("few_clusters", detail, lang="fr").startswith("peu de LIVE (ou d")
    assert i18n.status_text("free text", None, lang="fr") == "free text"  # not a code: as is
    frame = pd.DataFrame({"status": ["ok", "few_clusters", None],
                          "status_message": ["", detail, None]})  # fmt: skip
    assert readable_statuses(frame, lang="fr")["status"].tolist()[:2] == [
        "comme documenté",
        "peu de LIVE, intervalle large",
    ]  # fmt: skip (labels, no English)
    assert readable_statuses(frame)["status"].tolist()[:2] == [
        "as documented", "few LIVEs, wide interval (7 clusters inform it (< 10), t(6) reference)"]  # fmt: skip
    assert {k.removeprefix("status_short.") for k in fr if k.startswith("status_short.")} == set(
        STATUSES
    )  # fmt: skip (a short label for every code)


def test_readings_of_result_rows_are_said_in_french():
    from analysis.present.readings import crosscheck_reading, evalue_reading

    row = {"ratio": 2.53, "evalue_estimate": 4.52, "evalue_limit": 1.0, "reading": "English"}
    assert evalue_reading(row, lang="en") == "English"  # English: the analysis's own words
    assert evalue_reading(row, lang="fr") == (
        "un facteur non mesuré devrait multiplier par 4,5× à la fois le visionnage en LIVE et "
        "l'ajout au panier pour faire disparaître la hausse ; l'intervalle contient déjà "
        "l'absence de la hausse, aucun facteur non mesuré n'est nécessaire pour le rendre "
        "compatible avec l'absence de hausse"
    )
    assert evalue_reading({**row, "evalue_limit": 1.32}, lang="fr").endswith(
        "l'absence de hausse : 1,32×")  # fmt: skip
    glm = {"model": "glm", "estimate": 2.8213, "ci_low": 2.14, "ci_high": 3.72, "reading": "x"}
    assert crosscheck_reading(glm, held=["hour", "category"], lang="fr") == (
        "Les spectateurs en LIVE ont une cote d'ajout au panier ×2,82 (2,14 à 3,72) à heure, "
        "catégorie identiques ; l'intervalle vaut pour les créateurs de cette boutique (leurs "
        "propres effets tenus fixes), les LIVE étant les unités aléatoires."
    )
    mixed = {
        "model": "mixed",
        "estimate": 3.1,
        "ci_low": 2.0,
        "ci_high": 4.85,
        "reading": "random-effect SDs on the logit scale: sd(content_id) 0.31",
    }
    assert crosscheck_reading(mixed, held=[], lang="en") == (  # English from the file too
        "Mixed model (approximate, variational Bayes): 3.1× (2 to 4.85) for an average creator."
    )
    assert crosscheck_reading(glm, held=["hour"], lang="en").startswith(
        "LIVE viewers have 2.82× the odds of adding to cart (2.14 to 3.72) at the same hour;"
    )
    refused = {"model": "creator_level", "n_creators": 3, "status": "undefined_too_few"}
    assert "trop peu de créateurs (3)" in crosscheck_reading(refused, held=[], lang="fr")
    failed = {"model": "mixed", "estimate": float("nan"), "status": "failed"}
    assert crosscheck_reading(failed, held=[], lang="fr") == "le calcul a échoué"
