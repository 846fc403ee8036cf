"""The weekly summary (numbers, sentences) and the weekly_report notebook."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.analyses.answerable import answerable
from analysis.analyses.halo import HALO_COLUMNS
from analysis.analyses.weekly import MOVER_COLUMNS, parse_interventions, weekly_facts
from analysis.paths import SAMPLE_DIR
from analysis.present import i18n
from analysis.present.summary import KEYS, sentences
from analysis.sample.truth import read_truth
from analysis.vocabulary import STATUSES

DECLARED = "@ines.glow=2026-10-26"


@pytest.fixture(scope="module")
def cells(sample_cells):
    return sample_cells


def test_parse_interventions():
    assert parse_interventions("") == {}
    got = parse_interventions(" @a=2026-10-26 ; @b=2026-11-02")
    assert list(got) == ["@a", "@b"] and str(got["@b"].date()) == "2026-11-02"
    with pytest.raises(ValueError, match="creator:YYYY-MM-DD"):
        parse_interventions("@a 2026-10-26")
    with pytest.raises(ValueError, match="not a date"):
        parse_interventions("@a=soon")


@pytest.fixture(scope="module")
def w44(cells):
    return weekly_facts(cells, week="2026-W44", interventions=parse_interventions(DECLARED))


def test_intervention_week_summary_says_so(w44):
    """Done-when: the report of the week containing the intervention says so in its summary."""
    facts = w44
    text = sentences(facts)
    start = "@ines.glow's change from Monday, October 26, 2026 (this week)"
    said = [s for s in text if s.startswith(start)]
    assert len(said) == 1
    assert "LIVE ATC odds ×" in said[0] and "95% CI" in said[0]
    row = facts.interventions.iloc[0]
    assert row["relation"] == "this week" and row["log_or"] > 0
    # data up to the end of W44 only: her 8 LIVEs before the date and the 1 of W44 after it
    assert (row["lives_before"], row["lives_after"]) == (8, 1)
    assert facts.available == 4
    # rows the kit computed carry a status code and its message, part by part
    for part in (facts.rates, facts.slots, facts.movers):
        assert set(part["status"]) <= set(STATUSES) and part["status_message"].notna().all()
    assert list(facts.movers.columns) == list(MOVER_COLUMNS)
    # every sentence stating a ratio or a rate carries its interval
    for s in text:
        if "×" in s or re.search(r"\d%\s\(", s):
            assert "95% CI" in s, s


def test_intervention_week_summary_in_french(w44):
    """The same summary in French: French words, CLDR numbers and dates, intervals kept."""
    text = sentences(w44, lang="fr")
    start = "Changement de @ines.glow à partir du lundi 26 octobre 2026 (cette semaine) : "
    said = [s for s in text if s.startswith(start)]
    assert len(said) == 1 and "cote d'ajout au panier en LIVE ×" in said[0]
    # the rate sentence, rebuilt by hand from the table (U+00A0 before %, decimal comma)
    r = w44.rates.set_index(["period", "is_live"]).loc[("this week", True)]
    pct = [f"{100 * r[c]:.1f}\u00a0%".replace(".", ",") for c in ("rate", "ci_low", "ci_high")]
    lives = f", sur {int(r['n_lives'])} LIVE"  # the LIVEs the clustered interval rests on
    assert f"des LIVE était de {pct[0]} (IC 95\u00a0% {pct[1]} – {pct[2]}{lives})" in text[0]
    assert text[0].startswith("Cette semaine (2026-W44), le taux d'ajout au panier")
    # every sentence stating a ratio or a rate carries its interval; no English number format
    for s in text:
        if "×" in s or re.search(r"\d\u00a0%\s\(", s):
            assert "IC 95\u00a0%" in s, s
        # the numbers the sentence formats; a status message (after "Prudence :") is the API's
        # English words, as documented in analysis.present.summary
        assert not re.search(r"\d\.\d", s.split("Prudence : ")[0]), s
    assert len(text) == len(sentences(w44, lang="en"))


def test_summary_templates_are_data_in_every_language():
    """Adding a language = adding a strings file: the summary keys are all there, same fields."""
    for lang in i18n.available_languages():
        found = {k for k in i18n._load(lang)["strings"] if k.startswith("summary.")}
        assert found == {f"summary.{k}" for k in KEYS}, lang


def test_first_week_says_there_is_nothing_to_compare(cells):
    facts = weekly_facts(cells, week="2026-W40", interventions=parse_interventions(DECLARED))
    text = sentences(facts)
    assert facts.available == 0
    assert i18n.t("summary.no_weeks", lang="en") in text
    row = facts.interventions.iloc[0]
    assert row["relation"] == "after this week" and row["status"] == "undefined_out_of_range"
    assert "2026-10-26 is after this week" in row["status_message"]
    assert any(s.startswith("@ines.glow's change from") and "not estimable yet" in s for s in text)


def test_unknown_creator_and_unanswerable_halo_are_not_crashes(cells):
    hourly = cells[cells["grain"] == "hour"]
    daily_lives = pd.concat(
        [hourly, hourly[hourly["channel"] == "LIVE"].head(3).assign(grain="day")]
    )
    facts = weekly_facts(daily_lives, week="2026-W44", interventions={"@nobody": "2026-10-26"})
    row = facts.interventions.iloc[0]
    assert row["status"] == "undefined_no_cells" and "@nobody" in row["status_message"]
    # LIVE cells not all hourly: the halo is not asked (no row); answerable says what is missing
    assert facts.halo.empty and list(facts.halo.columns) == list(HALO_COLUMNS)
    why = answerable(daily_lives, "halo", week="2026-W44").iloc[0]
    assert not why["answered"] and "hourly LIVE cells" in why["reason"]


def test_unknown_language_is_refused(cells):
    facts = weekly_facts(cells, week="2026-W41", previous=4)
    assert facts.available == 1
    assert any(s.startswith("Only 1 earlier week(s)") for s in sentences(facts))
    with pytest.raises(ValueError, match="lang"):
        sentences(facts, lang="de")


@pytest.mark.no_cover  # weekly_facts again for each week: covered by the tests above (conftest)
@pytest.mark.parametrize("week", [f"2026-W{w}" for w in range(40, 48)])
def test_every_complete_week_has_its_summary(cells, week):
    """Done-when: a weekly summary for each complete week of the sample (the sentences the
    weekly page prints), without a kernel; the page itself is run by papermill for the last
    week in English and in French (tests/report/test_browser.py, the sample reports): the
    export path is the same for every week."""
    items = sentences(weekly_facts(cells, week=week, interventions=parse_interventions(DECLARED)))
    assert any(i.startswith(f"This week ({week}) the LIVE ATC rate was") for i in items)
    mention = [
        i for i in items if i.startswith("@ines.glow's change from Monday, October 26, 2026")
    ]
    assert len(mention) == 1
    assert ("(this week)" in mention[0]) == (week == "2026-W44")


def test_interventions_parameter_is_visible_to_papermill():
    from analysis.paths import NOTEBOOKS_DIR
    from analysis.report.run import notebook_parameters

    declared = notebook_parameters(NOTEBOOKS_DIR / "weekly_report.ipynb")
    assert "interventions" in declared  # papermill skips lines holding two "="
    default = declared["interventions"]["default"].strip("\"'")
    assert default == ""  # empty: the planted change, applied on the simulated sample only
    planted = read_truth(SAMPLE_DIR).planted["intervention"]
    assert parse_interventions("{creator}:{date}".format(**planted)) == parse_interventions(
        "@ines.glow=2026-10-26"
    )
