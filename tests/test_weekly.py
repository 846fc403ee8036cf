"""Issue 5: the weekly summary (numbers, sentences) and the weekly_report notebook."""

from __future__ import annotations

import html
import re

import pytest

import analysis as cl
from analysis.paths import SAMPLE_DIR, SAMPLE_TZ
from analysis.report import run_report
from analysis.summary import TEMPLATES, sentences
from analysis.weekly import parse_interventions, weekly_facts

DECLARED = "@ines.glow=2026-10-26"


@pytest.fixture(scope="module")
def cells():
    return cl.load(SAMPLE_DIR, tz=SAMPLE_TZ)


def test_parse_interventions():
    assert parse_interventions("") == {}
    got = parse_interventions(" @a=2026-10-26 ; @b=2026-11-02")
    assert list(got) == ["@a", "@b"] and str(got["@b"].date()) == "2026-11-02"
    with pytest.raises(ValueError, match="creator=YYYY-MM-DD"):
        parse_interventions("@a 2026-10-26")
    with pytest.raises(ValueError, match="not a date"):
        parse_interventions("@a=soon")


def test_intervention_week_summary_says_so(cells):
    """Done-when: the report of the week containing the intervention says so in its summary."""
    facts = weekly_facts(cells, week="2026-W44", interventions=parse_interventions(DECLARED))
    text = sentences(facts)
    said = [s for s in text if s.startswith("@ines.glow's change from 2026-10-26 (this week)")]
    assert len(said) == 1
    assert "LIVE ATC odds ×" in said[0] and "95% CI" in said[0]
    row = facts.interventions.iloc[0]
    assert row["relation"] == "this week" and row["log_or"] > 0
    # data up to the end of W44 only: her 8 LIVEs before the date and the 1 of W44 after it
    assert (row["lives_before"], row["lives_after"]) == (8, 1)
    assert facts.available == 4
    # every sentence stating a ratio or a rate carries its interval
    for s in text:
        if "×" in s or re.search(r"\d%\s\(", s):
            assert "95% CI" in s, s


def test_first_week_says_there_is_nothing_to_compare(cells):
    facts = weekly_facts(cells, week="2026-W40", interventions=parse_interventions(DECLARED))
    text = sentences(facts)
    assert facts.available == 0
    assert TEMPLATES["en"]["no_weeks"] in text
    assert any("not estimable yet (undefined: date after this week)" in s for s in text)


def test_unknown_language_is_refused(cells):
    facts = weekly_facts(cells, week="2026-W41", previous=4)
    assert facts.available == 1
    assert any(s.startswith("Only 1 earlier week(s)") for s in sentences(facts))
    with pytest.raises(ValueError, match="lang"):
        sentences(facts, lang="fr")


@pytest.mark.notebook
@pytest.mark.parametrize("week", [f"2026-W{w}" for w in range(40, 48)])
def test_weekly_report_regenerates_for_every_complete_week(tmp_path, week):
    """Done-when: papermill + HTML export of weekly_report for each complete week of the sample."""
    index = run_report(data="data/sample", week=week, out=tmp_path, tz=SAMPLE_TZ,
                       notebooks=("weekly_report",))  # fmt: skip
    page = (index.parent / "weekly_report.html").read_text(encoding="utf-8")
    items = [
        html.unescape(re.sub("<[^>]+>", "", m)) for m in re.findall(r"<li>(.*?)</li>", page, re.S)
    ]
    assert any(i.startswith(f"This week ({week}) the LIVE ATC rate was") for i in items)
    mention = [i for i in items if i.startswith("@ines.glow's change from 2026-10-26")]
    assert len(mention) == 1
    if week == "2026-W44":
        assert "(this week)" in mention[0]
    assert "<script" not in page.lower()
