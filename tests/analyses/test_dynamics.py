"""Issue 5: interventions, placebo, halo, fatigue, one-shot vs durable, anomalies.

Recovery tests run on the embedded sample (``data/sample``, planted truth in ``truth.json``);
the placebo and staggered-adoption tests build their own seeded counts (a few LIVEs with a
session random effect, as the simulator does), so they are fast and the truth is exact.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import analysis as cl
from analysis.analyses.anomalies import anomalies, planted_anomalies
from analysis.analyses.durable import _verdict, promo_trend, week_change
from analysis.analyses.fatigue import fatigue, fatigue_curve
from analysis.analyses.halo import (
    LAG_WINDOWS,
    REFERENCE,
    event_times,
    halo,
    halo_decay,
    live_sessions,
)
from analysis.analyses.intervention import (
    intervention,
    intervention_series,
    jackknife_cov,
    placebo_dates,
    pretrend,
)
from analysis.paths import SAMPLE_DIR, SAMPLE_TZ
from analysis.sample.truth import read_truth

ADJUST = ["hour", "promo", "age_group", "gender", "category"]
DATE = "2026-10-26"


@pytest.fixture(scope="module")
def cells():
    return cl.load(SAMPLE_DIR, tz=SAMPLE_TZ)


@pytest.fixture(scope="module")
def truth():
    return read_truth(SAMPLE_DIR)


# ----------------------------------------------------------------------------------------------
# interventions


def _creator_lives(rng, *, jump=0.0, lives=16, sd=0.25, creator="@a", first="2026-09-28",
                   date=DATE, base=-3.0):  # fmt: skip
    """Counts of one creator's LIVEs: 2 hourly cells each, session effect N(0, sd^2)."""
    rows, start, day0 = [], pd.Timestamp(first), pd.Timestamp(date)
    for k in range(lives):
        day = start + pd.Timedelta(days=int(k * 3.5))
        u = rng.normal(0, sd)
        for h in range(2):
            n = int(rng.integers(150, 450))
            p = 1 / (1 + np.exp(-(base + u + jump * (day >= day0))))
            rows.append({"creator": creator, "channel": "LIVE", "date": day, "hour": 19 + h,
                         "content_id": f"{creator}-{k}", "viewers": n,
                         "atc": int(rng.binomial(n, p)), "unit": "visitor"})  # fmt: skip
    return pd.DataFrame(rows)


def test_placebo_its_interval_contains_zero_in_94_percent_of_200_runs():
    """Done-when: no intervention planted -> the 95 % interval contains 0 in >= 94 % of runs.

    Fair placebo: our own counts with the sample's structure (16 LIVEs of one creator, 150-450
    viewers a LIVE hour, session SD 0.25 as ``sd.session`` in truth.json) and *no* jump at the
    date, so any "effect" is noise. Measured: 0.95 here (seed 2026); 1,000 runs give 0.953 with
    the default CR3 and 0.921 with CR1 (see ``jackknife_cov``).
    """
    rng = np.random.default_rng(2026)
    covered = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(200):
            row = intervention(_creator_lives(rng), date=DATE, group="@a", design="its").iloc[0]
            covered += row["log_or_ci_low"] <= 0 <= row["log_or_ci_high"]
    assert covered / 200 >= 0.94


def test_its_detects_a_planted_jump_and_covers_it():
    """Power check of the same harness: the sample's jump (0.864) with 16 LIVEs is found in
    most runs (measured 23 of 30; CR3 with a time trend and t(15) is not a powerful design)."""
    rng = np.random.default_rng(7)
    detected = covered = 0
    for _ in range(30):
        row = intervention(_creator_lives(rng, jump=0.864), date=DATE, group="@a",
                           design="its").iloc[0]  # fmt: skip
        detected += row["log_or_ci_low"] > 0
        covered += row["log_or_ci_low"] <= 0.864 <= row["log_or_ci_high"]
    assert detected >= 20 and covered >= 27


def test_jackknife_equals_the_exact_leave_one_out_for_a_saturated_model():
    """One-step CR3 vs refitting without each cluster (independent reference: the refits)."""
    from analysis.stats.models import glm

    rng = np.random.default_rng(3)
    middle = "2026-10-09"  # LIVEs every 3.5 days from 09-28: 4 before, 4 after
    frame = _creator_lives(rng, lives=8, date=middle)
    frame = frame.assign(post=frame["date"] >= pd.Timestamp(middle))
    res = glm(frame, "atc_rate ~ post", cluster="content_id")
    full = res.params.to_numpy()
    deltas = []
    for c in frame["content_id"].unique():
        sub = frame[frame["content_id"] != c]
        deltas.append(glm(sub, "atc_rate ~ post", cluster="content_id").params.to_numpy() - full)
    d = np.asarray(deltas)
    exact = (len(d) - 1) / len(d) * d.T @ d
    one_step = jackknife_cov(res)
    # one Newton step from the full fit: within 15 % on these well-conditioned fits
    assert np.allclose(np.sqrt(np.diag(one_step)), np.sqrt(np.diag(exact)), rtol=0.15)


def test_sample_its_recovers_the_planted_jump(cells, truth):
    jump = truth.planted["intervention"]["log_or_jump"]
    row = intervention(cells, date=DATE, group="@ines.glow", design="its", adjust=ADJUST).iloc[0]
    assert row["log_or_ci_low"] <= jump <= row["log_or_ci_high"]
    assert row["log_or_ci_low"] > 0  # the jump is found
    assert row["lives_before"] == 8 and row["lives_after"] == 7
    assert row["rate_with"] > row["rate_without"]
    assert row["ratio_ci_low"] > 1 and row["diff_ci_low"] > 0
    assert "CR3" in row["method"]


def test_sample_did_against_other_creators_recovers_the_jump(cells, truth):
    jump = truth.planted["intervention"]["log_or_jump"]
    row = intervention(cells, date=DATE, group="@ines.glow", design="did", adjust=ADJUST).iloc[0]
    assert row["log_or_ci_low"] <= jump <= row["log_or_ci_high"]
    assert row["status"] == "ok" and row["n_clusters"] == 75


def test_sample_placebo_dates_and_pretrend(cells):
    res = placebo_dates(cells, date=DATE, group="@ines.glow", design="did", adjust=ADJUST,
                        shifts_weeks=(-3, -2))  # fmt: skip
    placebo = res[res["placebo"]]
    assert len(placebo) == 2
    assert ((placebo["log_or_ci_low"] <= 0) & (placebo["log_or_ci_high"] >= 0)).all()
    assert not res[~res["placebo"]]["log_or_ci_low"].iloc[0] <= 0
    pre = pretrend(cells, date=DATE, group="@ines.glow", design="did", adjust=ADJUST).iloc[0]
    assert pre["ci_low"] <= 0 <= pre["ci_high"]  # nothing planted before the date
    assert pre["term"] == "pre-period slope difference"


def test_intervention_statuses(cells):
    early = intervention(cells, date="2026-09-01", group="@ines.glow", design="its")
    assert early["status"].iloc[0] == "undefined: no treated cells before the date"
    late = intervention(cells, date="2027-01-04", group="@ines.glow", design="its")
    assert late["status"].iloc[0] == "undefined: no treated cells after the date"
    with pytest.raises(ValueError, match="design"):
        intervention(cells, date=DATE, group="@ines.glow", design="bsts")


def test_stacked_adoption_recovers_each_cohort():
    """Two cohorts with different jumps, two never-treated creators: each cohort's DiD and the
    stacked estimate (between the two) cover the planted values."""
    rng = np.random.default_rng(11)
    frames, dates = [], {}
    plan = {"@a": ("2026-10-19", 0.5), "@b": ("2026-10-19", 0.5), "@c": ("2026-11-02", 1.0),
            "@d": ("2026-11-02", 1.0), "@e": (None, 0.0), "@f": (None, 0.0)}  # fmt: skip
    for who, (day, jump) in plan.items():
        frames.append(_creator_lives(rng, creator=who, jump=jump, date=day or "2099-01-01",
                                     lives=16, sd=0.1))  # fmt: skip
        if day:
            dates[who] = day
    frame = pd.concat(frames, ignore_index=True)
    res = intervention(frame, date=dates, group=None, design="stacked").set_index("cohort")
    assert list(res.index) == ["2026-10-19", "2026-11-02", "stacked"]
    for cohort, jump in (("2026-10-19", 0.5), ("2026-11-02", 1.0)):
        assert res.loc[cohort, "log_or_ci_low"] <= jump <= res.loc[cohort, "log_or_ci_high"]
    assert 0.5 <= res.loc["stacked", "log_or"] <= 1.0


def test_intervention_series_has_intervals(cells):
    s = intervention_series(cells, group="@ines.glow", period="live")
    assert len(s) == 15 and (s["ci_low"] <= s["rate"]).all() and (s["rate"] <= s["ci_high"]).all()


# ----------------------------------------------------------------------------------------------
# halo


def test_live_sessions_match_the_planted_lives(cells, truth):
    s = live_sessions(cells)
    planted = pd.DataFrame(truth.planted["lives"])
    assert len(s) == len(planted) == 75
    merged = s.merge(planted, on="content_id", suffixes=("", "_truth"))
    assert (
        merged["end"] == pd.to_datetime(merged["end_truth"], utc=True).dt.tz_convert(SAMPLE_TZ)
    ).all()
    assert (merged["series_index"] == merged["series_index_truth"]).all()


def _window_truth(cells, truth):
    """Planted halo averaged over each window's viewers, minus the reference's (log odds)."""
    ev = event_times(cells)
    v = cells.loc[ev.index, "viewers"].to_numpy(dtype=float)
    lag = ev["lag_hours"].to_numpy()
    h = truth.planted["halo"]
    planted = np.where(np.isfinite(lag), h["beta"] * np.exp(-lag / h["tau_hours"]), 0.0)
    g = pd.Series(planted * v).groupby(ev["lag_window"].to_numpy()).sum()
    g = g / pd.Series(v).groupby(ev["lag_window"].to_numpy()).sum()
    return g - g[REFERENCE]


def test_sample_halo_windows_cover_the_planted_decay(cells, truth):
    res = halo(cells).set_index("window")
    expected = _window_truth(cells, truth)
    for label, _, _ in LAG_WINDOWS:
        assert res.loc[label, "ci_low"] <= expected[label] <= res.loc[label, "ci_high"], label
    assert res.loc["0-6 h", "ci_low"] > 0  # the same-day halo is found
    placebo = res[res["kind"] == "placebo"]
    assert ((placebo["ci_low"] <= 0) & (placebo["ci_high"] >= 0)).all()


def test_sample_halo_decay_covers_beta_and_tau(cells, truth):
    res = halo_decay(cells).set_index("parameter")
    h = truth.planted["halo"]
    assert res.loc["beta", "ci_low"] <= h["beta"] <= res.loc["beta", "ci_high"]
    assert res.loc["tau_hours", "ci_low"] <= h["tau_hours"] <= res.loc["tau_hours", "ci_high"]
    assert res["status"].eq("ok").all()


def test_halo_creator_clusters_warn(cells):
    res = halo(cells, cluster="creator", adjust=["hour"])
    assert res["status"].str.startswith("few clusters: G=7").all()


# ----------------------------------------------------------------------------------------------
# fatigue


def test_sample_fatigue_slope_covers_gamma(cells, truth):
    gamma = truth.planted["fatigue"]["gamma"]
    res = fatigue(cells, interventions={"@ines.glow": DATE}).set_index("creator")
    assert res.loc["all", "ci_low"] <= -gamma <= res.loc["all", "ci_high"]
    assert res.loc["all", "n_lives"] == 75 and len(res) == 7
    curve = fatigue_curve(cells, interventions={"@ines.glow": DATE})
    lea = curve[curve["creator"] == "@lea.beauty"]
    assert len(lea) == 16 and (lea["ci_low"] < lea["rate"]).all()


def test_within_live_fatigue_refuses_one_hour_lives(cells):
    res = fatigue(cells, scale="within").set_index("creator")
    assert res.loc["@hugo.gaming", "status"] == "undefined: no variation in the step"


# ----------------------------------------------------------------------------------------------
# one-shot vs durable


def test_verdicts():
    assert _verdict(0.1, 0.3, -0.05, 0.2) == "one-shot (promotions)"
    assert _verdict(0.1, 0.3, 0.05, 0.2) == "durable gain"
    assert _verdict(-0.3, 0.1, -0.2, 0.2) == "no clear change"


def test_a_gain_made_of_flash_sales_is_flagged_one_shot():
    """The later weeks have many more flash-sale cells (+0.6 log odds): the crude gain vanishes
    once promotions are in the model."""
    rng = np.random.default_rng(5)
    rows = []
    for week in range(6):
        for k in range(6):
            day = pd.Timestamp("2026-09-28") + pd.Timedelta(days=7 * week + k)
            share = 0.1 if week < 5 else 0.8
            for promo in ("none", "flash_sale"):
                n = int(4000 * (share if promo == "flash_sale" else 1 - share))
                p = 1 / (1 + np.exp(-(-2.5 + (0.6 if promo == "flash_sale" else 0))))
                rows.append({"date": day, "is_live": True, "promo": promo, "category": "x",
                             "content_id": f"L{week}-{k}", "viewers": n,
                             "atc": int(rng.binomial(n, p)), "unit": "visitor"})  # fmt: skip
    frame = pd.DataFrame(rows)
    res = week_change(frame.assign(hour=19), week="2026-W45", previous=4)
    live = res[res["side"] == "live"].iloc[0]
    assert live["crude_ci_low"] > 0
    assert live["adjusted_ci_low"] <= 0 <= live["adjusted_ci_high"]
    assert live["verdict"] == "one-shot (promotions)"
    assert res[res["side"] == "off-live"]["status"].iloc[0] == "undefined: no earlier week"


def test_sample_promo_trend_runs(cells):
    res = promo_trend(cells)
    assert list(res["side"]) == ["live", "off-live"]
    assert res["verdict"].notna().all()


# ----------------------------------------------------------------------------------------------
# anomalies


@pytest.mark.parametrize("week", ["2026-W41", "2026-W45", "2026-W46"])
def test_sample_planted_anomalous_hours_are_flagged_and_covered(cells, truth, week):
    res = anomalies(cells, week=week)
    planted = planted_anomalies(cells, truth)
    hit = res.merge(planted, on="start")
    assert len(hit) == 1
    row = hit.iloc[0]
    assert row["flag"] == ("peak" if row["shift"] > 0 else "drop")
    assert row["ci_low"] <= row["expected_ratio"] <= row["ci_high"]
    # few false alarms: at most 4 other hours of the 168 (session moods are real peaks too)
    assert (res["flag"] != "none").sum() <= 5


def test_partial_day_mode(cells):
    res = anomalies(cells, day="2026-11-11", through_hour=20)
    assert res["hour"].max() == 20 and res["date"].nunique() == 1
    assert res.loc[res["hour"] == 19, "flag"].item() == "drop"
    with pytest.raises(ValueError, match="exactly one"):
        anomalies(cells, week="2026-W46", day="2026-11-11")
