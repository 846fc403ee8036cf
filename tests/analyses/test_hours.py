"""Hour of day: the planted hour peak recovered on the sample, cyclic peaks, contrasts with BH.

Truth: ``data/sample/truth.json`` plants ``0.6 (cos(2 pi (h - 19)/24) - 1)`` on the logit scale
for every channel (no live x hour interaction). The model compared with it adjusts for the other
planted terms that vary with the cells (age, gender, category, promo, creator), as notebook
``02_hour_of_day`` does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analysis as cl
from analysis.analyses.hour_model import hour_model, hour_profile, planted_hour_curve
from analysis.analyses.hour_peak import peak_hour
from analysis.analyses.hour_slots import best_slots, hour_contrasts
from analysis.analyses.hour_tests import harmonic_test, hour_interaction_test
from analysis.paths import SAMPLE_DIR
from analysis.sample.truth import read_truth

ADJUST = ["age_group", "gender", "category", "promo", "creator"]


@pytest.fixture(scope="module")
def sample(sample_cells):
    return sample_cells, read_truth(SAMPLE_DIR).planted


@pytest.fixture(scope="module")
def latest_model(sample):
    cells, _ = sample
    return hour_model(cl.select_week(cells, "latest"), harmonics=1, adjust=ADJUST)


@pytest.mark.no_cover  # repeats code other tests cover, at full size: not traced (conftest)
def test_planted_peak_and_amplitude_within_intervals(sample, latest_model):
    """The planted hour peak (19 h, amplitude 0.6) is inside the intervals,
    for the latest week (the notebook's default) and for all eight weeks."""
    cells, planted = sample
    full = hour_model(cells, harmonics=1, adjust=ADJUST)
    for model in (latest_model, full):
        peak = peak_hour(model).set_index("is_live")
        for live in (False, True):
            row = peak.loc[live]
            assert row["ci_low"] <= planted["hour_curve"]["peak_hour"] <= row["ci_high"], live
        off = peak.loc[False]
        assert off["amplitude_ci_low"] <= 0.6 <= off["amplitude_ci_high"]
        assert off["status"] == "ok"
        # LIVEs ran at 8 hours only: the peak is a partial search, and the message says where
        assert peak.loc[True, "status"] == "partial"
        assert "LIVE viewers at 8 of 24 hours (16-23 h)" in peak.loc[True, "status_message"]
        # the LIVE peak is searched only where LIVEs ran (16-23 h)
        assert 15.5 <= peak.loc[True, "peak_hour"] < 23.5
    # the full sample pins the non-live peak to within 20 minutes of 19 h
    off = peak_hour(full).set_index("is_live").loc[False]
    assert abs(off["peak_hour"] - 19) < 0.35 and off["ci_high"] - off["ci_low"] < 1


def test_profile_covers_the_planted_curve(sample, latest_model):
    _, planted = sample
    truth = planted_hour_curve(planted)
    assert sum(truth.values()) == pytest.approx(0, abs=1e-12)
    assert truth[19] == pytest.approx(0.6) and truth[7] == pytest.approx(-0.6)
    prof = hour_profile(latest_model)
    assert (
        len(prof) == 48
        and prof["logit_effect"].groupby(prof["is_live"]).mean().abs().max() < 1e-12
    )
    off = prof[~prof["is_live"]]
    covered = (off["ci_low"] <= off["hour"].map(truth)) & (
        off["hour"].map(truth) <= off["ci_high"]
    )
    assert covered.mean() >= 0.9  # pointwise 95 % intervals: 24 hours, a miss or two allowed
    live = prof[prof["is_live"]]
    assert ((live["status"] == "extrapolated") == (live["trials"] == 0)).all()
    assert (off["status"] == "ok").all()


def test_interaction_test_no_planted_interaction(latest_model):
    t = hour_interaction_test(latest_model).iloc[0]
    assert t["df_num"] == 2 and t["status"] == "ok"
    assert t["pvalue"] > 0.05  # nothing planted; the adjusted model does not invent one
    first = harmonic_test(latest_model).iloc[0]
    assert first["status"] == "undefined_not_estimable" and np.isnan(first["pvalue"])
    assert "first harmonic is the curve itself" in first["status_message"]


def synthetic(peak: float, seed: int = 3) -> pd.DataFrame:
    """Non-live hourly cells with a one-harmonic curve peaking at ``peak`` h (amplitude 0.8)."""
    rng = np.random.default_rng(seed)
    h = np.repeat(np.arange(24), 20)
    p = 1 / (1 + np.exp(-(-2.5 + 0.8 * np.cos(2 * np.pi * (h - peak) / 24))))
    n = rng.integers(40, 80, len(h))
    return pd.DataFrame({"hour": pd.array(h, dtype="Int64"), "is_live": pd.array([False] * len(h)),
                         "viewers": n, "atc": rng.binomial(n, p), "unit": "visitor",
                         "content_id": [f"c{i}" for i in range(len(h))]})  # fmt: skip


def test_peak_interval_wraps_past_midnight():
    model = hour_model(synthetic(23.9), harmonics=1, adjust=())
    row = peak_hour(model, seed=1).iloc[0]
    assert row["peak_hour"] > 23 or row["peak_hour"] < 1
    assert row["ci_low"] > row["ci_high"]  # e.g. 23.4 -> 0.2: wraps
    d = (23.9 - row["ci_low"]) % 24 + (row["ci_high"] - 23.9) % 24
    assert d < 3
    again = peak_hour(model, seed=1)
    pd.testing.assert_frame_equal(again, peak_hour(model, seed=1))  # seeded


def test_hour_contrasts_bh_and_undefined_hours():
    from statsmodels.stats.multitest import multipletests

    cells = synthetic(19.0)
    # an hour with no add-to-cart: its coefficient is not estimable -> NaN p-value
    cells.loc[cells["hour"] == 4, "atc"] = 0
    out = hour_contrasts(cells)  # one cluster per cell: 479 degrees of freedom
    assert len(out) == 24 and (out["is_live"] == False).all()  # noqa: E712
    bad = out["hour"] == 4
    assert out.loc[bad, "status"].iloc[0] == "undefined_no_successes"
    assert (out.loc[~bad, "status"] == "ok").all()
    assert out.loc[bad, "pvalue_adjusted"].isna().all()
    # BH with the NaN counted in m = 24 (R p.adjust(..., n = 24))
    p = out.loc[~bad, "pvalue"].to_numpy()
    m = len(out)
    order = np.argsort(p)[::-1]
    ranks = np.empty(len(p))
    ranks[order] = np.arange(len(p), 0, -1)
    bh = np.minimum.accumulate((p * m / ranks)[order])[np.argsort(order)]
    assert out.loc[~bad, "pvalue_adjusted"].to_numpy() == pytest.approx(np.minimum(bh, 1))
    # with m = 23 (NaN dropped from the family) the adjustment is smaller
    assert (multipletests(p, method="fdr_bh")[1] <= out.loc[~bad, "pvalue_adjusted"]).all()
    peak = out.loc[out["odds_ratio"].idxmax(), "hour"]
    assert abs(peak - 19) <= 2
    # the slot of that hour keeps its shrunken rate; only its contrast is missing: partial
    slot = best_slots(cells).set_index("hour").loc[4]
    assert slot["status"] == "partial" and np.isfinite(slot["shrunk_rate"])
    assert "no contrast" in slot["status_message"]


def test_a_side_with_one_hour_has_no_contrast():
    cells = synthetic(19.0)
    one = cells[cells["hour"] == 19].assign(
        is_live=True, content_id=lambda d: d["content_id"] + "L"
    )
    out = hour_contrasts(pd.concat([cells, one], ignore_index=True))
    live = out[out["is_live"] == True]  # noqa: E712
    assert len(live) == 1 and live["status"].iloc[0] == "undefined_too_few"
    assert np.isnan(live["pvalue_adjusted"].iloc[0])
    assert (out.loc[out["is_live"] == False, "status"] == "ok").all()  # noqa: E712


def test_best_slots_ranked_by_shrunken_lower_bound(sample):
    cells, _ = sample
    slots = best_slots(cl.select_week(cells, "latest"))
    for _, side in slots.groupby("is_live"):
        assert side["ci_low"].is_monotonic_decreasing
        assert side["rank"].tolist() == list(range(1, len(side) + 1))
    assert slots["is_live"].iloc[0]  # LIVE first
    off = slots[~slots["is_live"]]
    assert off["hour"].head(6).between(14, 23).all()  # best off-live slots are in the evening
    assert not (off["hour"].head(6).isin(range(3, 10))).any()


def test_arguments_checked(sample):
    cells, _ = sample
    with pytest.raises(ValueError, match="harmonics"):
        hour_model(cells, harmonics=0, adjust=())
    with pytest.raises(ValueError, match="pvalue_adjust"):
        hour_contrasts(cells, pvalue_adjust="bh")


def test_a_week_without_lives_gives_undefined_rows_not_a_crash():
    model = hour_model(synthetic(19.0), harmonics=1, adjust=())
    prof = hour_profile(model)
    assert (prof.loc[prof["is_live"], "status"] == "undefined_no_viewers").all()
    assert prof.loc[prof["is_live"], "logit_effect"].isna().all()
    assert prof.loc[~prof["is_live"], "logit_effect"].notna().all()
    peak = peak_hour(model).set_index("is_live")
    assert peak.loc[True, "status"] == "undefined_no_viewers"
    assert np.isnan(peak.loc[True, "peak_hour"])
    assert abs(peak.loc[False, "peak_hour"] - 19) < 1
    assert hour_interaction_test(model)["status"].iloc[0] == "undefined_no_viewers"


def test_degenerate_hours_give_finite_df_and_no_overflow(tmp_path):
    """Shape f's week (a few products, LIVE hours with one or two LIVEs): every hour contrast's
    Bell-McCaffrey df is finite and positive and no overflow warning reaches the page (an
    expansion of the CR2 df's Frobenius norm cancelled to 1e-14 here, giving inf intervals)."""
    import warnings

    from tests.report.shapes import WEEK, build

    loaded, _ = cl.read_weekly(build("f", tmp_path), tz="Europe/Paris")
    cells = cl.select_week(cl.one_unit(loaded)[0], WEEK)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = cl.hour_contrasts(cells)
    dfs = out["method"].str.extract(r"t\(([^)]+)\)$")[0].dropna().astype(float)
    assert len(dfs) > 10 and (dfs > 1).all(), dfs.tolist()
    assert np.isfinite(out["ci_high"].dropna()).all()
