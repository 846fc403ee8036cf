"""One-sided switchback tests (``alternative``) and the basket (``aov``) of an experiment.

The one-sided p-values are checked against the independent brute force of
``tests/stats/test_switchback.py`` (every assignment walked with loops); the rest are properties
a one-sided test must have whatever the data: half the two-sided smallest p-value, an interval
open on one side whose finite end is where the one-sided test starts rejecting, and at least
the two-sided power on the same simulated experiments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.analyses.experiment import experiment_results, extension_needed, verdict
from analysis.present.experiment import verdict_sentences
from analysis.stats.randomisation import smallest_pvalue, window_probabilities
from analysis.stats.switchback import mechanism_of, switchback_schedule
from analysis.stats.switchback_analysis import analyse_switchback, per_live
from analysis.stats.switchback_inference import ratio_test, reference_set
from analysis.stats.switchback_plan import plan_switchback, switchback_power
from tests.stats.test_switchback import brute_force, lives


@pytest.mark.parametrize("alternative", ["larger", "smaller"])
@pytest.mark.parametrize(("mechanism", "m", "seed"), [("blocked", 0, 5), ("bernoulli", 1, 9)])
def test_one_sided_pvalues_equal_full_enumeration(alternative, mechanism, m, seed):
    for draw in range(seed, seed + 40):  # the first schedule with a counted LIVE in each arm
        sched = switchback_schedule(8, mechanism=mechanism, carryover_buffer=m, seed=draw,
                                    level=0.9)  # fmt: skip
        counted = sched.loc[~sched["buffer"], "treated"]
        if counted.any() and not counted.all():
            break
    data = lives(sched, 3)
    y = list(data["atc"] / data["viewers"])
    w = [int(v) for v in sched["treated"]]
    blocks = list(sched["block"])
    res = analyse_switchback(data, sched, alternative=alternative).set_index("estimand")
    _, want = brute_force(y, w, blocks, mechanism, 0.5, 1, m, alternative=alternative)
    assert res.loc["difference", "pvalue"] == pytest.approx(want, abs=1e-12)
    two = analyse_switchback(data, sched).set_index("estimand").loc["difference", "pvalue"]
    _, two_want = brute_force(y, w, blocks, mechanism, 0.5, 1, m)
    assert two == pytest.approx(two_want, abs=1e-12)  # the default is still two-sided
    assert f"one-sided ({alternative})" in res.loc["difference", "method"]


def test_one_sided_halves_the_smallest_pvalue_and_admits_five_blocks_of_two():
    mech = mechanism_of([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], "blocked", 0.5, 0)
    assert smallest_pvalue(mech) == 0.0625 and smallest_pvalue(mech, "larger") == 0.03125
    with pytest.raises(ValueError, match="smallest two-sided p-value is 0.0625"):
        switchback_schedule(10, blocks=2, seed=0)
    assert len(switchback_schedule(10, blocks=2, seed=0, alternative="larger")) == 10
    with pytest.raises(ValueError, match=r"`alternative` must be one of \['two-sided', 'larger'"):
        smallest_pvalue(mech, "greater")


def test_one_sided_interval_is_open_above_and_its_end_is_where_the_test_rejects():
    sched = switchback_schedule(12, blocks=2, seed=7)
    data = lives(sched, 2, effect=1.5)
    row = analyse_switchback(data, sched, alternative="larger").set_index("estimand").loc["ratio"]
    two = analyse_switchback(data, sched).set_index("estimand").loc["ratio"]
    assert row["ci_high"] == np.inf and row["status"] == "ok"
    assert "upper end is open" in row["status_message"]
    assert two["ci_low"] < row["ci_low"] < row["estimate"]  # one-sided 95%: the two-sided 90% end
    mech = mechanism_of(sched["block"], "blocked", 0.5, 1)
    test = ratio_test((data["atc"] / data["viewers"]).to_numpy(), sched["treated"].to_numpy(),
                      reference_set(mech, reps=None, seed=0), *window_probabilities(mech, 0), 0,
                      "larger")  # fmt: skip
    low = row["ci_low"]
    assert test(np.array([low * 1.001]))[0] > 0.05 >= test(np.array([low / 1.001]))[0]


def test_one_sided_power_is_at_least_the_two_sided_one_and_the_plan_says_which():
    mech = mechanism_of(list(range(7)) * 2, "blocked", 0.5, 1)
    kw = dict(sizes=np.array([800, 1500, 2500]), p0=0.05, sigma2=0.05, effect=1.3, level=0.95,
              reps=400, seed=4)  # fmt: skip
    two, _ = switchback_power(mech, 0, **kw)
    one, _ = switchback_power(mech, 0, alternative="larger", **kw)
    assert one > two + 0.03  # same draws: every two-sided rejection with S > 0 is one-sided too
    row = plan_switchback(14, blocks=2, baseline=0.05, icc=0.02, viewers=1500, effect=1.3,
                          reps=200, alternative="larger").iloc[0]  # fmt: skip
    assert row["alternative"] == "larger" and "larger" in row["method"]
    assert row["smallest_pvalue"] == pytest.approx(1 / 2**7)


def _cells(sched, currency="EUR", seed=1):
    data = lives(sched, seed, effect=1.4)
    rng = np.random.default_rng(seed)
    orders = rng.binomial(data["atc"], 0.4)
    return data.assign(
        content_id=data["slot"], channel="LIVE", unit="visitor", orders=orders,
        revenue=orders * rng.uniform(20, 40, len(data)), currency=currency,
    ).drop(columns="slot")  # fmt: skip


def test_basket_is_analysed_in_the_lives_currency_and_mixed_currencies_are_refused():
    sched = switchback_schedule(12, blocks=2, seed=7)
    cells = _cells(sched)
    res = experiment_results(cells, sched)
    assert list(res["metric"].unique()) == ["atc_rate", "conversion", "aov"]
    basket = per_live(cells, "aov")
    assert set(basket["currency"]) == {"EUR"}
    row = res[(res["metric"] == "aov") & (res["estimand"] == "ratio")].iloc[0]
    want = basket.merge(sched.astype({"slot": str}), on="slot").assign(
        y=lambda d: d["revenue"] / d["orders"]
    )
    means = want.groupby("treated")["y"].mean()  # blocked, lag 0: HT = arm means
    assert row["estimate"] == pytest.approx(means[True] / means[False], rel=1e-10)
    clustered = res[(res["metric"] == "aov") & (res["estimand"] == "clustered_ratio")].iloc[0]
    assert clustered["status"] in {"ok", "few_clusters"} and np.isfinite(clustered["estimate"])
    mixed = cells.assign(currency=np.where(np.arange(len(cells)) < 3, "USD", "EUR"))
    with pytest.raises(ValueError, match=r"mix currencies \['EUR', 'USD'\]: money is never"):
        per_live(mixed, "aov")
    assert np.isnan(extension_needed(cells, sched, effect=1.2, metric="aov"))


def test_verdict_words_do_not_say_lowers_without_a_significant_drop():
    res = pd.DataFrame([
        dict(metric="aov", estimand="ratio", estimate=0.99, ci_low=0.87, ci_high=1.14,
             pvalue=0.93, status="ok"),
        dict(metric="atc_rate", estimand="ratio", estimate=0.70, ci_low=0.55, ci_high=0.9,
             pvalue=0.01, status="ok"),
        dict(metric="conversion", estimand="ratio", estimate=1.1, ci_low=0.8, ci_high=1.5,
             pvalue=0.4, status="ok"),
    ])  # fmt: skip
    decided = verdict(res, effect=1.2, extra_lives={"conversion": 24.0})
    assert list(decided["decision"]) == ["stop", "stop", "extend"]
    said = verdict_sentences(decided, lang="en")
    assert said[0].startswith(
        "average order value: stop. The effect worth shipping (1.20×) is ruled out"
    )
    assert said[1].startswith("add-to-cart rate: stop. The change lowers it: 0.70×")
    basket = verdict_sentences(decided.assign(metric="aov", decision="extend"), lang="fr")[0]
    assert "le panier moyen n'est pas un taux" in basket
