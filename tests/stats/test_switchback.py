"""Switchback schedules, randomisation inference and planning (analysis.stats.switchback*).

The brute force below is written independently of the library: it walks every 0/1 vector of
the slots, keeps those the mechanism allows with their probability, and computes the
Horvitz-Thompson statistic with loops (Bojinov, Simchi-Levi & Zhao 2023, docs/metrics.md).
The 1,000-run study is ``benchmarks/study_switchback.py``; its committed table is read here.
"""

from __future__ import annotations

import io
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.stats.randomisation import smallest_pvalue, window_probabilities
from analysis.stats.switchback import mechanism_of, switchback_schedule
from analysis.stats.switchback_analysis import SWITCHBACK_COLUMNS, analyse_switchback
from analysis.stats.switchback_inference import (
    inverted_interval,
    ratio_pvalues,
    ratio_test,
    reference_set,
)
from analysis.stats.switchback_plan import plan_switchback, simulate_runs, switchback_power
from analysis.vocabulary import check_status

STUDY = Path(__file__).parents[2] / "benchmarks" / "results" / "switchback_study.txt"


def brute_force(y, w_obs, blocks, mechanism, p, min_per_arm, m, r=1.0, alternative="two-sided"):
    """(HT difference of w_obs, p-value of H_r) by walking every assignment (``alternative``:
    two-sided |S| >= |S_obs|, larger S >= S_obs, smaller S <= S_obs)."""
    T = len(y)
    allowed = []
    for w in itertools.product((0, 1), repeat=T):
        if mechanism == "blocked":
            ok = all(
                sum(w[t] for t in range(T) if blocks[t] == b)
                in {blocks.count(b) // 2, (blocks.count(b) + 1) // 2}
                for b in set(blocks)
            )
            prob = 1.0
        else:
            k = sum(w)
            ok = min_per_arm <= k <= T - min_per_arm
            prob = p**k * (1 - p) ** (T - k)
        if ok:
            allowed.append((w, prob))
    total = sum(pr for _, pr in allowed)
    allowed = [(w, pr / total) for w, pr in allowed]

    def pure(w, t, arm):
        return t >= m and all(w[s] == arm for s in range(t - m, t + 1))

    pi = {(t, a): sum(pr for w, pr in allowed if pure(w, t, a)) for t in range(T) for a in (0, 1)}

    def stat(w, out):
        terms = [
            out[t] * (pure(w, t, 1) / pi[t, 1] - pure(w, t, 0) / pi[t, 0]) for t in range(m, T)
        ]
        return sum(terms) / (T - m)

    exposure = [
        sum(w_obs[s] for s in range(max(0, t - m), t + 1)) / (min(t, m) + 1) for t in range(T)
    ]
    y0 = [y[t] / r ** exposure[t] for t in range(T)]
    obs = stat(w_obs, y0)
    extreme = {
        "two-sided": lambda v: abs(v) >= abs(obs) - 1e-12,
        "larger": lambda v: v >= obs - 1e-12,
        "smaller": lambda v: v <= obs + 1e-12,
    }[alternative]
    pval = sum(pr for w, pr in allowed if extreme(stat(w, y0)))
    return stat(w_obs, y), pval


def lives(schedule, seed, effect=1.3, size=(400, 3000)):
    rng = np.random.default_rng(seed)
    n = rng.integers(*size, len(schedule))
    rate = (
        0.05 * np.exp(rng.normal(0, 0.3, len(schedule))) * np.where(schedule["treated"], effect, 1)
    )
    return pd.DataFrame({"slot": schedule["slot"], "viewers": n, "atc": rng.binomial(n, rate)})


CASES = [
    dict(slots=8, blocks=[1, 1, 1, 2, 2, 2, 2, 2], mechanism="blocked", m=0, level=0.9),
    dict(slots=8, blocks=None, mechanism="blocked", m=1, level=0.95),
    dict(slots=7, blocks=None, mechanism="bernoulli", m=0, level=0.95, p=0.5, min_per_arm=2),
    dict(slots=7, blocks=None, mechanism="bernoulli", m=1, level=0.95, p=0.4, min_per_arm=1),
]


@pytest.mark.parametrize("case", CASES)
def test_pvalue_and_estimate_equal_full_enumeration(case):
    p, mpa = case.get("p", 0.5), case.get("min_per_arm", 1)
    for seed in range(4, 40):  # the first schedule with a counted LIVE in each arm
        sched = switchback_schedule(case["slots"], blocks=case["blocks"], mechanism=case["mechanism"],
                                    carryover_buffer=case["m"], p=p, min_per_arm=mpa,
                                    level=case["level"], seed=seed)  # fmt: skip
        counted = sched.loc[~sched["buffer"], "treated"]
        if counted.any() and not counted.all():
            break
    data = lives(sched, 1)
    res = analyse_switchback(data, sched).set_index("estimand")
    y = list(data["atc"] / data["viewers"])
    w = [int(v) for v in sched["treated"]]
    blocks = list(sched["block"])
    est, pval = brute_force(y, w, blocks, case["mechanism"], p, mpa, case["m"])
    assert res.loc["difference", "pvalue"] == pytest.approx(pval, abs=1e-12)
    assert res.loc["difference", "estimate"] == pytest.approx(est, rel=1e-10)
    assert res.loc["ratio", "pvalue"] == res.loc["difference", "pvalue"]
    # H_r for r != 1: the no-effect outcomes y / r^e
    mech = mechanism_of(blocks, case["mechanism"], p, mpa)
    ref = reference_set(mech, reps=None, seed=0)
    pi1, pi0 = window_probabilities(mech, case["m"])
    got = ratio_pvalues(
        np.array([0.7, 1.6]), np.array(y), np.array(w, bool), ref, pi1, pi0, case["m"]
    )
    want = [
        brute_force(y, w, blocks, case["mechanism"], p, mpa, case["m"], r)[1] for r in (0.7, 1.6)
    ]
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_interval_ends_are_where_the_test_starts_rejecting():
    sched = switchback_schedule(12, blocks=2, seed=7)
    data = lives(sched, 2, effect=1.5)
    res = analyse_switchback(data, sched).set_index("estimand")
    low, high = res.loc["ratio", ["ci_low", "ci_high"]]
    mech = mechanism_of(sched["block"], "blocked", 0.5, 1)
    test = ratio_test((data["atc"] / data["viewers"]).to_numpy(), sched["treated"].to_numpy(),
                      reference_set(mech, reps=None, seed=0), *window_probabilities(mech, 0), 0)  # fmt: skip
    inside, outside = (
        test(np.array([low * 1.001, high / 1.001])),
        test(np.array([low / 1.001, high * 1.001])),
    )
    assert (inside > 0.05).all() and (outside <= 0.05).all()
    assert low < res.loc["ratio", "estimate"] < high


def test_five_blocks_of_two_are_refused_in_words():
    with pytest.raises(
        ValueError,
        match=r"32 possible assignments.*smallest two-sided p-value is 0\.0625, above 0\.05",
    ):
        switchback_schedule(10, blocks=2, seed=0)
    assert (
        smallest_pvalue(mechanism_of([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], "blocked", 0.5, 0)) == 0.0625
    )
    history = pd.DataFrame(
        {"slot": list("abcd"), "viewers": [900, 1200, 800, 1500], "atc": [40, 50, 30, 70]}
    )
    with pytest.raises(ValueError, match="32 possible assignments"):
        plan_switchback(10, blocks=2, history=history, effect=1.3)
    assert len(switchback_schedule(10, blocks=2, level=0.9, seed=0)) == 10  # 0.0625 < 0.10


def test_impossible_constraints_are_refused():
    with pytest.raises(
        ValueError, match="cannot give 3 slots per arm: 4 slots in 2 blocks guarantee 2"
    ):
        switchback_schedule(4, blocks=2, min_per_arm=3, level=0.5)
    with pytest.raises(ValueError, match="`carryover_buffer` must be between 0 and 5"):
        switchback_schedule(6, carryover_buffer=6)
    with pytest.raises(ValueError, match="`blocks` gives 3 labels for 6 slots"):
        switchback_schedule(6, blocks=[1, 2, 3])
    with pytest.raises(ValueError, match="The value for `mechanism` must be one of"):
        switchback_schedule(6, mechanism="alternating")


@settings(max_examples=60, deadline=None)
@given(
    T=st.integers(2, 14), size=st.one_of(st.none(), st.integers(1, 5)),
    mechanism=st.sampled_from(["blocked", "bernoulli"]), min_per_arm=st.integers(0, 5),
    m=st.integers(0, 2), level=st.sampled_from([0.5, 0.8, 0.95]), seed=st.integers(0, 10**6),
)  # fmt: skip
def test_every_schedule_meets_its_constraints(T, size, mechanism, min_per_arm, m, level, seed):
    try:
        s = switchback_schedule(T, blocks=size, mechanism=mechanism, min_per_arm=min_per_arm,
                                carryover_buffer=m, level=level, seed=seed)  # fmt: skip
    except ValueError as err:
        assert any(
            k in str(err)
            for k in ("cannot reach", "cannot give", "must be between", "no slot can")
        )
        return
    w = s["treated"].to_numpy()
    assert len(s) == T and (s["arm"] == np.where(w, "treatment", "control")).all()
    assert min(w.sum(), (~w).sum()) >= min_per_arm
    if mechanism == "blocked":
        for _, b in s.groupby("block"):
            assert b["treated"].sum() in {len(b) // 2, (len(b) + 1) // 2}
    for t in range(T):
        window = w[max(0, t - m) : t + 1]
        assert s["buffer"].iloc[t] == (t < m or window.min() != window.max())
    assert smallest_pvalue(mechanism_of(s["block"], mechanism, 0.5, min_per_arm)) <= 1 - level


def test_same_seed_same_schedule_and_numbers():
    a, b = switchback_schedule(16, blocks=4, seed=11), switchback_schedule(16, blocks=4, seed=11)
    pd.testing.assert_frame_equal(a, b)
    assert not switchback_schedule(16, blocks=4, seed=12)["treated"].equals(a["treated"])
    data = lives(a, 3)
    saved = pd.read_csv(io.StringIO(a.to_csv(index=False)))  # the pre-registration, read back
    pd.testing.assert_frame_equal(analyse_switchback(data, saved), analyse_switchback(data, a))
    one = analyse_switchback(data, a, reps=800, seed=5)
    pd.testing.assert_frame_equal(one, analyse_switchback(data, a, reps=800, seed=5))
    exact = analyse_switchback(data, a).set_index("estimand").loc["difference"]
    mc = one.set_index("estimand").loc["difference"]
    assert mc["pvalue_mcse"] > 0 and exact["pvalue_mcse"] == 0
    assert abs(mc["pvalue"] - exact["pvalue"]) <= 4 * mc["pvalue_mcse"] + 1 / 801


def test_rows_columns_statuses_cells_missing_and_compliance():
    sched = switchback_schedule(12, blocks=2, seed=3)
    data = lives(sched, 4)
    half_v, half_a = data["viewers"] // 2, data["atc"] // 2
    cells = pd.concat([data.assign(viewers=half_v, atc=half_a),
                       data.assign(viewers=data["viewers"] - half_v, atc=data["atc"] - half_a)])  # fmt: skip
    cells = cells.rename(columns={"slot": "content_id"}).assign(channel="LIVE", unit="visitor")
    via_cells, direct = analyse_switchback(cells, sched), analyse_switchback(data, sched)
    pd.testing.assert_frame_equal(via_cells, direct)
    assert tuple(direct.columns) == SWITCHBACK_COLUMNS
    assert list(direct["estimand"]) == [
        "difference",
        "ratio",
        "clustered_ratio",
        "carryover_check",
        "carryover_check",
    ]
    for code in direct["status"]:
        check_status(code)
    run = data.assign(arm_run=np.where(np.arange(12) == 0, "other", None))
    res = analyse_switchback(run.iloc[1:], sched).set_index("estimand")
    assert res.loc["difference", "status"] == "partial"
    assert "1 scheduled LIVE(s) have no data" in res.loc["difference", "status_message"]
    ran = analyse_switchback(
        data, sched.assign(arm_run=np.where(np.arange(12) == 0, "control", None))
    )
    as_run = ran.set_index("estimand").loc["as_run"]
    planned_first = sched["arm"].iloc[0]
    share = "92%" if planned_first == "treatment" else "100%"
    assert f"{share} of LIVEs run as planned" in as_run["status_message"]


def _runs(n, T=12, block=2, effect=1.3, seed=2026):
    """Seeded switchbacks through the analysis kernels: (covered, p <= 0.05) per run."""
    sizes = np.round(np.random.default_rng(seed).gamma(1.5, 700, 40)) + 1
    out = np.zeros((n, 2), bool)
    for i in range(n):
        s = switchback_schedule(T, blocks=block, seed=seed + i)
        mech = mechanism_of(s["block"], "blocked", 0.5, 1)
        w = s["treated"].to_numpy()
        ref = reference_set(mech, reps=None, seed=0)
        pi1, pi0 = window_probabilities(mech, 0)
        _, Y = simulate_runs(w[None, :], sizes=sizes, p0=0.05, sigma2=0.05, effect=effect, carryover=0,
                             rng=np.random.default_rng(seed + 10_000 + i))  # fmt: skip
        low, high, _ = inverted_interval(Y[0], w, ref, pi1, pi0, 0, level=0.95)
        out[i] = (
            low <= effect <= high,
            ratio_test(Y[0], w, ref, pi1, pi0, 0)(np.ones(1))[0] <= 0.05,
        )
    planned, pl_mcse = switchback_power(mech, 0, sizes=sizes, p0=0.05, sigma2=0.05, effect=effect,
                                        level=0.95, reps=2000, seed=seed + 1)  # fmt: skip
    return out, planned, pl_mcse


def test_live_coverage_and_planned_power_on_200_seeded_runs():
    out, planned, pl_mcse = _runs(200)
    cov, sim = out.mean(0)
    assert cov >= 0.95 - 3 * math.sqrt(0.95 * 0.05 / 200)
    sim_mcse = math.sqrt(sim * (1 - sim) / 200)
    assert abs(planned - sim) <= 0.03 + 3 * math.hypot(pl_mcse, sim_mcse)
    assert 0.1 < planned < 0.9  # an informative check, not a trivial 0 or 1


@pytest.mark.parametrize(
    ("table", "command"),
    [(STUDY, "--runs 1000"),
     (STUDY.with_name("switchback_study_one_sided.txt"), "--runs 1000 --alternative larger")],
)  # fmt: skip
def test_committed_study_meets_coverage_and_power(table, command):
    lines = table.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"$ python benchmarks/study_switchback.py {command}"
    head = next(i for i, s in enumerate(lines) if s.split()[:1] == ["LIVEs"])
    names = lines[head].split()
    rows = []
    for s in lines[head + 1 :]:
        if not s[:5].strip().isdigit():
            break
        cells = s[:5].split() + [s[6:24].strip()] + s[24:].split()
        rows.append(dict(zip(names, cells, strict=True)))
    assert {int(r["LIVEs"]) for r in rows} == {8, 12, 20, 30}
    fitted = [r for r in rows if r["truth_m"] == r["analysed_m"]]
    assert len(fitted) == 8  # no carry-over and one slot (with its buffer), at 4 sizes
    for r in fitted:
        assert int(r["runs"]) >= 1000
        assert float(r["coverage"]) >= 0.95 - 3 * float(r["cov_mcse"]), r
        gap = abs(float(r["planned"]) - float(r["simulated"]))
        assert gap <= 0.03 + 3 * math.hypot(float(r["pl_mcse"]), float(r["sim_mcse"])), r


def test_plan_reports_power_mde_and_prices_the_buffer():
    rng = np.random.default_rng(8)
    n = np.round(rng.gamma(1.5, 700, 30)) + 1
    history = pd.DataFrame(
        {"slot": range(30), "viewers": n, "atc": rng.binomial(n.astype(int), 0.05)}
    )
    plain = plan_switchback(12, history=history, effect=1.4, reps=300, seed=1).iloc[0]
    buffered = plan_switchback(
        12, history=history, effect=1.4, carryover_buffer=1, reps=300, seed=1
    ).iloc[0]
    check_status(plain["status"])
    assert plain["n_assignments"] == 924 and plain["expected_counted"] == 12
    assert buffered["expected_counted"] < 7 and buffered["power"] < plain["power"]
    assert 1 < plain["mde"] < 4 and (buffered["mde"] > plain["mde"] or np.isnan(buffered["mde"]))
    assert plain["baseline_rate"] == pytest.approx(history["atc"].sum() / history["viewers"].sum())
