"""The simulator's steps one at a time: the calendar and cast (:mod:`analysis.sample.schedule`),
the traffic, the planted terms and the ground-truth helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.sample import parameters as par
from analysis.sample.effects import logit_terms, probabilities
from analysis.sample.ground_truth import empirical_icc, iso_week, jsonable
from analysis.sample.schedule import draw_ids, hour_grid, intervention_start
from analysis.sample.simulate import draw_shop, terms
from analysis.sample.traffic import draw_cells, potential_cells


@pytest.fixture(scope="module")
def shop():
    return draw_shop(np.random.default_rng(0), 2, "2026-10-19")


def test_hour_grid_counts_absolute_hours_across_the_end_of_summer_time():
    cal = hour_grid(1, "2026-10-21T23:30:00-01:00")  # 2026-10-22 00:30 in Paris
    assert cal.t0 == pd.Timestamp("2026-10-22") and cal.n_days == 7
    assert len(cal.hours) == 7 * 24 + 1  # 2026-10-25 has 25 hours
    assert (np.diff(cal.hours_ns) == par.NS_PER_HOUR).all()
    assert cal.local_day.max() == 6 and (cal.local_hour[cal.local_day == 3] == 2).sum() == 2
    assert cal.hour_index[int(cal.hours_ns[5])] == 5


def test_intervention_starts_on_a_monday_from_half_the_weeks():
    assert intervention_start(hour_grid(8, "2026-09-28")) == pd.Timestamp("2026-10-26", tz=par.TZ)
    wednesday = intervention_start(hour_grid(3, "2026-09-30"))
    assert wednesday.weekday() == 0 and wednesday == pd.Timestamp("2026-10-12", tz=par.TZ)


def test_ids_are_distinct_19_digit_strings_with_their_prefix():
    ids = draw_ids(np.random.default_rng(1), 50, 75)
    assert len(set(ids)) == 50
    assert all(len(x) == 19 and x.startswith("75") for x in ids)


def test_the_shop_is_drawn_whole_and_in_time_order(shop):
    assert len(shop.products.ids) == 12 and len(shop.creators) == len(par.CREATORS)
    starts = [lv["start"] for lv in shop.lives]
    assert starts == sorted(starts) and all(lv["end"] > lv["start"] for lv in shop.lives)
    assert [v["posted"] for v in shop.videos] == sorted(v["posted"] for v in shop.videos)
    assert shop.discount.shape == shop.product_day.shape == (12, 14)
    ines = shop.creators[par.INTERVENTION_CREATOR]
    alpha = par.INTERCEPT + par.LIVE_LOG_OR + par.CATEGORY_EFFECTS[ines["category"]]
    assert par.expit(alpha + ines["effect"]) == pytest.approx(par.INTERVENTION_BEFORE, abs=1e-4)
    assert shop.jump == pytest.approx(
        par.logit(par.INTERVENTION_AFTER) - par.logit(par.INTERVENTION_BEFORE)
    )


def test_potential_cells_split_each_hour_over_the_segments(shop):
    g = potential_cells(shop, 1.0)
    double = potential_cells(shop, 2.0)
    np.testing.assert_allclose(double["lam"], 2 * g["lam"])  # no random draw: same cells
    n_seg = len(par.AGE_GROUPS) * len(par.GENDERS)
    assert g["lam"].size % n_seg == 0 and (g["lam"] > 0).all()
    cards = g["channel"] == 2
    assert cards.sum() == len(shop.calendar.hours) * 12 * n_seg
    assert (g["content"][g["channel"] == 0] >= 0).all() and (g["content"][cards] == -1).all()


def test_terms_sum_to_the_logit_and_live_only_terms_stay_in_lives(shop):
    rng = np.random.default_rng(3)
    cells = draw_cells(rng, shop, 1.0)
    assert (cells["viewers"] > 0).all()
    t = logit_terms(cells, shop)
    assert list(t.columns) == list(par.TERM_COLUMNS)
    off = cells["channel"] != 0
    assert (t.loc[off, ["session", "fatigue", "intervention"]] == 0).all().all()
    assert (t.loc[~off, ["product_day", "halo"]] == 0).all().all()
    assert (cells["promo"][cells["flash"]] == 2).all()
    p_atc, p_order = probabilities(t, cells["category"])
    np.testing.assert_allclose(np.log(p_atc / (1 - p_atc)), t.sum(axis=1), rtol=1e-9)
    assert (p_order < p_atc).all()


def test_hour_effect_peaks_at_19_h():
    assert par.hour_effect(par.HOUR_PEAK) == pytest.approx(0.0)
    assert par.hour_effect(7) == pytest.approx(-2 * par.HOUR_AMPLITUDE)
    assert par.hour_effect(np.arange(24)).argmax() == par.HOUR_PEAK


def test_terms_of_the_committed_sample_match_the_planted_live_effect():
    t = terms(weeks=8, seed=0)
    assert set(t["live"]) == {0.0, par.LIVE_LOG_OR}
    assert t["row"].tolist() == list(range(1, len(t) + 1))


def test_empirical_icc_is_zero_without_between_cluster_variance():
    v = np.array([10.0, 30.0, 20.0, 40.0])
    same = empirical_icc(v, np.full(4, 0.1), np.array(["a", "a", "b", "b"]))
    assert same["icc"] == 0 and same["design_effect"] == 1 and same["clusters"] == 2
    apart = empirical_icc(v, np.array([0.1, 0.1, 0.3, 0.3]), np.array(["a", "a", "b", "b"]))
    pbar = (40 * 0.1 + 60 * 0.3) / 100
    var = (40 * (0.1 - pbar) ** 2 + 60 * (0.3 - pbar) ** 2) / 100
    assert apart["icc"] == pytest.approx(var / (pbar * (1 - pbar)))
    assert apart["mean_cluster_viewers"] == pytest.approx((40**2 + 60**2) / 100)


def test_iso_week_labels_use_the_iso_year():
    dates = pd.Series(pd.to_datetime(["2026-12-31", "2027-01-01", "2027-01-04"]))
    assert iso_week(dates).tolist() == ["2026-W53", "2026-W53", "2027-W01"]


def test_jsonable_makes_plain_values():
    x = jsonable({1: (np.int64(2), np.float64(0.5), np.bool_(True)), "t": pd.Timestamp(0)})
    assert x == {"1": [2, 0.5, True], "t": "1970-01-01T00:00:00"}
    assert type(x["1"][0]) is int and type(x["1"][2]) is bool
