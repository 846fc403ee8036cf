"""The verdict of the experiment page: ship, extend, stop, none (analysis.analyses.experiment)."""

import numpy as np
import pandas as pd

from analysis.analyses.experiment import DECISIONS, verdict
from analysis.present.experiment import verdict_sentences


def _results(estimate, low, high, p, status="ok", metric="atc_rate"):
    rows = [
        dict(estimand="difference", metric=metric, estimate=0.01, ci_low=np.nan, ci_high=np.nan,
             pvalue=p, status=status),
        dict(estimand="ratio", metric=metric, estimate=estimate, ci_low=low, ci_high=high,
             pvalue=p, status=status),
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_ship_when_significant_and_up():
    v = verdict(_results(1.3, 1.1, 1.6, 0.01), effect=1.2)
    assert v["decision"].tolist() == ["ship"]
    assert np.isnan(v["extra_lives"].iloc[0])


def test_stop_when_significant_and_down():
    v = verdict(_results(0.8, 0.7, 0.95, 0.02), effect=1.2)
    assert v["decision"].tolist() == ["stop"]


def test_stop_when_the_worthwhile_effect_is_ruled_out():
    v = verdict(_results(1.02, 0.97, 1.08, 0.4), effect=1.2)
    assert v["decision"].tolist() == ["stop"]
    text = verdict_sentences(v, lang="en")[0]
    assert text.startswith(
        "add-to-cart rate: stop. The effect worth shipping (1.20×) is ruled out"
    )


def test_extend_when_inconclusive_with_the_extra_lives():
    v = verdict(_results(1.25, 0.9, 1.7, 0.2), effect=1.2, extra_lives={"atc_rate": 24.0})
    assert v["decision"].tolist() == ["extend"] and v["extra_lives"].iloc[0] == 24
    assert (
        "24 more LIVEs, randomised like these, reach 80% power at 1.20×"
        in (verdict_sentences(v, lang="en")[0])
    )
    assert (
        "24 LIVE de plus, tirés au sort comme ceux-ci, atteignent 80 % de puissance"
        in (verdict_sentences(v, lang="fr")[0])
    )


def test_level_decides_significance():
    assert (
        verdict(_results(1.3, 0.99, 1.6, 0.03), effect=1.2, level=0.99)["decision"][0] == "extend"
    )


def test_none_when_undefined():
    v = verdict(_results(np.nan, np.nan, np.nan, np.nan, status="undefined_too_few"), effect=1.2)
    assert v["decision"].tolist() == ["none"] and set(v["decision"]) <= set(DECISIONS)
