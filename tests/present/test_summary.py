"""analysis.present.summary: one step per family of sentences, statuses read by code and stated
by their reader's message, on small hand-built facts."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.analyses.weekly import WeeklyFacts
from analysis.present.summary import STEPS, said, sentences
from analysis.vocabulary import STATUSES, status_message
from analysis.weeks import parse_week

NAN = float("nan")
CLUSTERS = status_message("few_clusters", "6 LIVEs (< 10)")


def rates() -> pd.DataFrame:
    return pd.DataFrame({
        "period": ["this week", "this week", "previous weeks", "previous weeks"],
        "is_live": [True, False, True, False], "rate": [0.085, 0.026, 0.08, 0.025],
        "ci_low": [0.079, 0.024, 0.075, 0.024], "ci_high": [0.091, 0.028, 0.085, 0.026],
        "n_lives": [12, NAN, 45, NAN],
    })  # fmt: skip


def lift(**row) -> pd.DataFrame:
    base = {"period": "this week", "ratio": 3.2, "ratio_ci_low": 2.5, "ratio_ci_high": 4.0,
            "n_clusters_a": 12, "adjusted_ratio": 3.0, "adjusted_ratio_ci_low": 2.6, "adjusted_ratio_ci_high": 3.4,
            "status": "ok", "status_message": STATUSES["ok"]}  # fmt: skip
    return pd.DataFrame([base | row])


def change() -> pd.DataFrame:
    return pd.DataFrame({
        "side": ["live", "off-live"], "crude": [0.1, NAN], "crude_ci_low": [0.0, NAN],
        "crude_ci_high": [0.2, NAN], "adjusted": [0.05, NAN], "adjusted_ci_low": [-0.05, NAN],
        "adjusted_ci_high": [0.15, NAN], "verdict": ["durable gain", "unclear"],
    })  # fmt: skip


def slots() -> pd.DataFrame:
    return pd.DataFrame({
        "is_live": [True, True], "slot": ["best", "worst"], "hour": [20, 9],
        "rate": [0.1, 0.05], "ci_low": [0.09, 0.04], "ci_high": [0.11, 0.06],
        "stands_out": [True, False], "n_raced": [8, 8],
    })  # fmt: skip


def movers() -> pd.DataFrame:
    return pd.DataFrame({
        "family": ["creator (LIVE)", "creator (LIVE)", "age group"], "group": ["@a", "@b", "18-24"],
        "ratio": [1.5, 1.0, 0.7], "ci_low": [1.2, 0.8, 0.55], "ci_high": [1.9, 1.2, 0.9],
        "moved": [True, False, True],
    })  # fmt: skip


def anomalies(flag: str = "drop") -> pd.DataFrame:
    return pd.DataFrame({
        "start": pd.to_datetime(["2026-11-17 21:00", "2026-11-17 22:00"]),
        "flag": [flag, "none"], "ratio": [0.4, 1.0], "ci_low": [0.2, 0.8], "ci_high": [0.7, 1.2],
        "limit": [0.998, 0.998],
    })  # fmt: skip


def intervention(status: str, message: str | None = None, **row) -> dict:
    base = {"group": "@ines", "date": pd.Timestamp("2026-11-16"), "relation": "this week",
            "odds_ratio": 1.6, "odds_ratio_ci_low": 1.2, "odds_ratio_ci_high": 2.1,
            "rate_without": 0.06, "rate_with": 0.09, "diff": 0.03, "diff_ci_low": 0.01,
            "diff_ci_high": 0.05, "lives_before": 8, "lives_after": 1, "status": status,
            "status_message": message}  # fmt: skip
    return base | row


def halo(status: str = "ok", message: str | None = None, log_or: float = 0.2) -> pd.DataFrame:
    return pd.DataFrame({
        "window": ["0-6 h", "6-24 h", "day 1"], "log_or": [log_or, 0.1, 0.0],
        "ci_low": [0.1, 0.0, -0.1], "ci_high": [0.3, 0.2, 0.1], "status": status,
        "status_message": message,
    })  # fmt: skip


def facts(**parts) -> WeeklyFacts:
    base = {
        "week": parse_week("2026-W47"), "previous": 4, "available": 4, "level": 0.95,
        "rates": rates(), "lift": lift(), "change": change(), "slots": slots(),
        "movers": movers(), "anomalies": anomalies(),
        "interventions": pd.DataFrame([intervention("ok", STATUSES["ok"])]), "halo": halo(),
    }  # fmt: skip
    return WeeklyFacts(**(base | parts))


def test_one_step_per_family_in_the_order_of_the_summary():
    text = sentences(facts())
    assert [step.__name__ for step in STEPS] == ["_rates", "_lift", "_change", "_slots",
                                                 "_movers", "_anomalies", "_interventions",
                                                 "_halo"]  # fmt: skip
    starts = ["This week (2026-W47) the LIVE ATC rate was 8.5% (95% CI 7.9%–9.1%, from 12 LIVEs) "
              "against 2.6% (95% CI 2.4%–2.8%) off-live.",
              "Over the previous 4 weeks: 8.0% (95% CI 7.5%–8.5%, from 45 LIVEs) LIVE",
              "A LIVE viewer was ×3.20 as likely to add to cart as an off-live viewer (crude; 95% CI "
              "×2.50–×4.00, clustered by LIVE, from 12 LIVEs); adjusted",
              "LIVE ATC against the previous 4 weeks", "LIVE: best hour 20 h",
              "Moved against the previous weeks (creator (LIVE)",
              "Moved against the previous weeks (age group", "1 abnormal hour(s)",
              "@ines's change from Monday, November 16, 2026 (this week)",
              "Off-live ATC of products shown in a LIVE"]  # fmt: skip
    assert len(text) == len(starts)  # no off-live change (undefined), no off-live slots
    for sentence, start in zip(text, starts, strict=True):
        assert sentence.startswith(start), (sentence, start)
    assert "@a ×1.50" in text[5] and "@b" not in text[5]
    assert text[8].endswith("after.")  # status ok: no caution


def test_few_lives_are_said_with_the_rate_and_one_live_has_no_interval():
    """Issue 13, item 4: the weekly headline says how many LIVEs it rests on, and why it is wide."""
    few = rates().assign(n_lives=[6, NAN, 45, NAN])
    text = sentences(facts(rates=few))
    assert "(95% CI 7.9%–9.1%, from 6 LIVEs)" in text[0]
    assert text[1].startswith(
        "The LIVE intervals are wide because this week rests on only 6 LIVEs"
    )
    assert text[2].startswith("Over the previous 4 weeks")
    one = rates().assign(n_lives=[1, NAN, 45, NAN], ci_low=[NAN, 0.024, 0.075, 0.024])
    text = sentences(facts(rates=one))
    assert "8.5% (95% CI undefined, from 1 LIVE)" in text[0]
    assert text[1].startswith("Over the previous 4 weeks")  # one LIVE: no "wide" sentence
    fr = sentences(facts(rates=few), lang="fr")
    assert "9,1\u00a0%, sur 6 LIVE), contre" in fr[0]


def test_without_earlier_weeks_the_summary_says_there_is_nothing_to_compare():
    text = sentences(facts(available=0, rates=rates().iloc[:2]))
    assert (
        text[1]
        == "No earlier week is in the data: there is nothing to compare this week with yet."
    )
    assert not any(s.startswith(("Over the previous", "Moved", "No creator")) for s in text)


def test_an_hour_is_called_best_only_when_it_stands_out():
    text = sentences(facts())
    assert text[4] == (
        "LIVE: best hour 20 h at 10.0% (95% CI 9.0%–11.0%), ahead of the other 7 hours even "
        "after allowing for having picked it; none clearly the weakest of 8 (lowest 9 h at 5.0%, "
        "95% CI 4.0%–6.0%)."
    )
    flat = sentences(facts(slots=slots().assign(stands_out=False)))[4]
    assert flat.startswith("LIVE: no hour stands out as the best after allowing for having picked "
                           "the best of 8 hours")  # fmt: skip
    assert "best hour" not in flat


def test_an_undefined_lift_states_the_reader_message_not_the_code():
    message = status_message("undefined_no_successes", "no ATC off-live")
    row = {"ratio": NAN, "ratio_ci_low": NAN, "ratio_ci_high": NAN,
           "status": "undefined_no_successes", "status_message": message}  # fmt: skip
    text = sentences(facts(lift=lift(**row)))
    assert text[2] == f"The LIVE / off-live ratio is undefined this week ({message})."
    assert not any("undefined_no_successes" in s for s in text)


def test_intervention_sentences_are_chosen_by_status_code():
    rows = pd.DataFrame([
        intervention("few_clusters", CLUSTERS),
        intervention("undefined_out_of_range", None, group="@lea", odds_ratio=NAN,
                     relation="after this week"),
        intervention("ok", STATUSES["ok"], group="@max", odds_ratio=NAN),
    ])  # fmt: skip
    said_of = {s.split("'s change")[0]: s for s in sentences(facts(interventions=rows))
               if "'s change from" in s}  # fmt: skip
    assert said_of["@ines"].endswith(f"after. Caution: {CLUSTERS}.")
    # no message in the frame: the vocabulary's message of the code
    assert said_of["@lea"].endswith(f"not estimable yet ({STATUSES['undefined_out_of_range']}).")
    assert "not estimable yet (computed as documented)" in said_of["@max"]  # no estimate: said so


def test_an_undefined_status_code_is_refused_when_it_is_not_a_code():
    rows = pd.DataFrame([intervention("undefined: date after this week", None)])
    with pytest.raises(ValueError, match="`status` must be one of"):
        sentences(facts(interventions=rows))


def test_halo_and_anomalies_when_there_is_nothing_to_state():
    undefined = halo("undefined_not_estimable", "undefined: the model cannot estimate (x)", NAN)
    text = sentences(facts(halo=undefined, anomalies=anomalies(flag="none")))
    assert text[-1] == ("The post-live halo could not be estimated (undefined: the model cannot "
                        "estimate (x)).")  # fmt: skip
    assert text[-3].startswith("No hour fell outside the 99.8% control limits")
    empty = sentences(facts(halo=halo().iloc[:0]))[-1]
    assert empty == ("The post-live halo could not be estimated (undefined: no cells for this "
                     "estimate (no off-live cells)).")  # fmt: skip


def test_said_prefers_the_message_and_falls_back_to_the_vocabulary():
    assert said("few_clusters", CLUSTERS) == CLUSTERS
    assert said("few_clusters", None) == said("few_clusters", "") == STATUSES["few_clusters"]
    assert said("ok", float("nan")) == STATUSES["ok"]


def test_the_same_sentences_in_french():
    en, fr = sentences(facts()), sentences(facts(), lang="fr")
    assert len(fr) == len(en)
    assert fr[0].startswith("Cette semaine (2026-W47), le taux d'ajout au panier")
    assert "IC 95\u00a0%" in fr[0] and "8,5\u00a0%" in fr[0]
