"""analysis.stats.rates.rates: pooled rates with intervals, statuses, grouping, validation.

Golden values are pinned to published tables, with the source beside each number (see
tests/reference/README.md); nothing here was produced by the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.cells import validate_cells
from analysis.stats.clustered_rates import NO_CONTENT_ID
from analysis.stats.intervals import SMALL_CELL
from analysis.stats.rates import RATES_COLUMNS, rates
from analysis.vocabulary import status_message


def one(atc, viewers, unit="visitor", **extra) -> pd.DataFrame:
    return pd.DataFrame({"atc": [atc], "viewers": [viewers], "unit": [unit], **extra})


#: the note every row of cells without ``content_id`` carries: viewer-level intervals
NC = "; " + NO_CONTENT_ID


# ----------------------------------------------------------------------------------------------
# golden values: Newcombe RG (1998a), Stat Med 17:857-872, Table I (95% intervals, 4 decimals)
# columns: successes, trials, Wilson score (method 3), exact Clopper-Pearson (method 5)
NEWCOMBE_1998A_TABLE_I = [
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),  # Newcombe 1998a Table I, 81/263
    (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),  # Newcombe 1998a Table I, 15/148
    (0, 20, (0.0000, 0.1611), (0.0000, 0.1684)),  # Newcombe 1998a Table I, 0/20
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),  # Newcombe 1998a Table I, 1/29
]


@pytest.mark.parametrize(("x", "n", "wilson", "exact"), NEWCOMBE_1998A_TABLE_I)
@pytest.mark.parametrize("method", ["wilson", "clopper-pearson"])
def test_single_proportion_matches_newcombe_1998a(x, n, wilson, exact, method):
    row = rates(one(x, n), method=method).iloc[0]
    expected = wilson if method == "wilson" else exact
    assert (round(row.ci_low, 4), round(row.ci_high, 4)) == expected
    assert row.method == method
    # an explicitly chosen method is never switched; no content_id: viewer-level, not clustered
    assert row.status == "not_clustered"


# Newcombe 1998a Table I, method 4 (score interval with continuity correction), same tables;
# they coincide with the closed form of the paper's eq. (method 4) evaluated to 4 decimals.
NEWCOMBE_1998A_METHOD_4 = {
    (81, 263): (0.2535, 0.3682),  # Newcombe 1998a Table I, 81/263, method 4
    (15, 148): (0.0598, 0.1644),  # Newcombe 1998a Table I, 15/148, method 4
    (0, 20): (0.0000, 0.2005),  # Newcombe 1998a Table I, 0/20, method 4
    (1, 29): (0.0018, 0.1963),  # Newcombe 1998a Table I, 1/29, method 4
}


@pytest.mark.parametrize(("x", "n"), list(NEWCOMBE_1998A_METHOD_4))
def test_wilson_cc_matches_newcombe_1998a_method_4(x, n):
    row = rates(one(x, n), method="wilson-cc").iloc[0]
    assert (round(row.ci_low, 4), round(row.ci_high, 4)) == NEWCOMBE_1998A_METHOD_4[(x, n)]
    assert row.method == "wilson-cc"


@pytest.mark.parametrize(("x", "n", "wilson", "exact"), NEWCOMBE_1998A_TABLE_I)
def test_auto_uses_wilson_cc_or_exact_for_small_cells(x, n, wilson, exact):
    # auto = Wilson with continuity correction (exact coverage >= 0.94 over n 20-5,000 and
    # rates 1-15 %, tests/stats/test_compare_adjusted.py; plain Wilson dips to 0.92-0.93),
    # Clopper-Pearson for small cells
    row = rates(one(x, n)).iloc[0]
    small = x < SMALL_CELL or n - x < SMALL_CELL  # 0/20 and 1/29 are small cells
    expected = exact if small else NEWCOMBE_1998A_METHOD_4[(x, n)]
    assert (round(row.ci_low, 4), round(row.ci_high, 4)) == expected
    assert row.method == ("clopper-pearson" if small else "wilson-cc")
    assert row.status == ("exact_small_cell" if small else "not_clustered")
    assert row.rate == x / n
    assert (row.successes, row.trials, row.n_cells) == (x, n, 1)


@pytest.mark.parametrize(("x", "n"), [(0, 20), (1, 29), (15, 148), (20, 20)])
def test_jeffreys_is_the_beta_posterior_interval_with_boundary_fix(x, n):
    # formula check (not a published value): Beta(x + 1/2, n - x + 1/2) quantiles, lower = 0 at
    # x = 0 and upper = 1 at x = n (Brown, Cai & DasGupta 2001, sec. 4.1.2)
    row = rates(one(x, n), method="jeffreys").iloc[0]
    lo = 0.0 if x == 0 else stats.beta.ppf(0.025, x + 0.5, n - x + 0.5)
    hi = 1.0 if x == n else stats.beta.ppf(0.975, x + 0.5, n - x + 0.5)
    assert row.ci_low == pytest.approx(lo, abs=1e-12)
    assert row.ci_high == pytest.approx(hi, abs=1e-12)
    assert row.method == "jeffreys"


def test_level_is_used_and_reported():
    # Wilson closed form at 90% for 81/263, written out here independently
    x, n, z = 81, 263, stats.norm.ppf(0.95)
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    row = rates(one(x, n), level=0.9, method="wilson").iloc[0]
    assert row.level == 0.9
    assert row.ci_low == pytest.approx(centre - half, rel=1e-12)
    assert row.ci_high == pytest.approx(centre + half, rel=1e-12)


# ----------------------------------------------------------------------------------------------
# small-cell rule and statuses


@pytest.mark.parametrize(
    ("x", "n", "small"),
    [(4, 100, True), (5, 100, False), (95, 100, False), (96, 100, True), (0, 3, True)],
)
def test_small_cell_threshold_is_five_successes_or_failures(x, n, small):
    row = rates(one(x, n)).iloc[0]
    assert row.method == ("clopper-pearson" if small else "wilson-cc")
    assert row.status == ("exact_small_cell" if small else "not_clustered")
    if small:
        detail = f"{x} successes and {n - x} failures: Clopper-Pearson"
        assert row.status_message == status_message("exact_small_cell", detail) + NC


def test_zero_trials_is_undefined():
    row = rates(one(0, 0)).iloc[0]
    assert row.status == "undefined_no_viewers"
    assert row.status_message == status_message("undefined_no_viewers", "no viewers") + NC
    assert row.method == "none"
    assert math.isnan(row.rate) and math.isnan(row.ci_low) and math.isnan(row.ci_high)


def test_successes_exceeding_trials_is_not_binomial():
    cells = pd.DataFrame({"atc": [3, 12], "viewers": [10, 10], "unit": "visitor"})
    row = rates(cells).iloc[0]
    assert row.status == "undefined_not_binomial"
    detail = "successes exceed trials in 1 cell"
    assert row.status_message == status_message("undefined_not_binomial", detail) + NC
    assert row.rate == 15 / 20  # the descriptive ratio is still shown
    assert math.isnan(row.ci_low) and row.method == "none"


def test_a_single_bad_cell_poisons_the_group_even_if_the_sum_looks_fine():
    cells = pd.DataFrame({"atc": [0, 12, 0], "viewers": [100, 10, 100], "unit": "session"})
    row = rates(cells).iloc[0]
    assert row.status == "undefined_not_binomial" and math.isnan(row.ci_low)


def test_abandonment_with_more_orders_than_carts():
    cells = pd.DataFrame({"atc": [10, 2], "orders": [3, 4], "unit": "visitor"})
    row = rates(cells, metric="abandonment").iloc[0]
    assert row.status == "undefined_not_binomial"
    assert (
        row.status_message
        == status_message("undefined_not_binomial", "orders exceed atc in 1 cell") + NC
    )
    assert (row.successes, row.trials) == (5, 12)  # (10-3) + (2-4) over 10 + 2


def test_event_unit_gets_no_binomial_interval():
    row = rates(one(30, 100, unit="event")).iloc[0]
    assert row.status == "undefined_not_binomial"
    detail = "unit 'event' is not binomial"
    assert row.status_message == status_message("undefined_not_binomial", detail) + NC
    assert row.unit == "event" and row.rate == 0.3 and math.isnan(row.ci_low)


def test_missing_counts_are_excluded_and_counted():
    cells = pd.DataFrame(
        {
            "atc": pd.array([81, None, 7], dtype="Int64"),
            "viewers": pd.array([263, 40, None], dtype="Int64"),
            "unit": "visitor",
        }
    )
    row = rates(cells).iloc[0]
    assert (row.n_cells, row.successes, row.trials) == (1, 81, 263)
    assert row.status == "partial"
    detail = "2 cells excluded: missing atc or viewers"
    assert row.status_message == status_message("partial", detail) + NC


def test_all_counts_missing():
    cells = pd.DataFrame({"atc": [None], "viewers": [10], "unit": "visitor"})
    row = rates(cells).iloc[0]
    assert row.n_cells == 0
    # two notes: the most serious is the status, the message lists both
    assert row.status == "undefined_no_viewers"
    assert row.status_message == (
        status_message("undefined_no_viewers", "no viewers")
        + "; 1 cell excluded: missing atc or viewers"
        + NC
    )


# ----------------------------------------------------------------------------------------------
# grouping and shape


@pytest.fixture
def grouped_cells():
    return pd.DataFrame(
        {
            "is_live": pd.array([True, False, None, True, False], dtype="boolean"),
            "hour": pd.array([20, 20, 20, 21, None], dtype="Int64"),
            "atc": [10, 20, 5, 30, 1],
            "viewers": [100, 400, 50, 300, 10],
            "unit": "visitor",
        }
    )


def test_columns_are_stable(grouped_cells):
    assert tuple(rates(grouped_cells).columns) == RATES_COLUMNS
    assert list(rates(grouped_cells, by=["hour", "is_live"]).columns) == [
        "hour", "is_live", *RATES_COLUMNS,
    ]  # fmt: skip


def test_by_keeps_na_as_its_own_group(grouped_cells):
    out = rates(grouped_cells, by="is_live")
    assert out["is_live"].iloc[:2].tolist() == [False, True]
    assert pd.isna(out["is_live"].iloc[2])  # the channel ALL cell: its own group, last
    # sums by hand
    assert out["successes"].tolist() == [21, 40, 5]
    assert out["trials"].tolist() == [410, 400, 50]


def test_by_list(grouped_cells):
    out = rates(grouped_cells, by=["hour", "is_live"])
    got = [
        (None if pd.isna(h) else h, None if pd.isna(v) else v, s)
        for h, v, s in zip(out["hour"], out["is_live"], out["successes"], strict=True)
    ]
    assert got == [
        (20, False, 20),
        (20, True, 10),
        (20, None, 5),
        (21, True, 30),
        (None, False, 1),
    ]


def test_no_by_pools_everything(grouped_cells):
    out = rates(grouped_cells)
    assert len(out) == 1
    assert (out["successes"].item(), out["trials"].item()) == (66, 860)
    assert out["n_cells"].item() == 5


def test_empty_cells():
    empty = pd.DataFrame({"atc": [], "viewers": [], "unit": [], "hour": []})
    assert rates(empty).iloc[0].status == "undefined_no_viewers"
    assert len(rates(empty, by="hour")) == 0
    assert tuple(rates(empty, by="hour").columns) == ("hour", *RATES_COLUMNS)


def test_canonical_cells_from_validate_cells():
    raw = pd.DataFrame(
        {
            "start": ["2026-11-23 20:00", "2026-11-23 20:00", "2026-11-23 20:00"],
            "grain": "hour",
            "channel": ["LIVE", "VIDEO", "ALL"],
            "product_id": "7301234567890123456",
            "unit": "visitor",
            "viewers": ["263", "148", "411"],
            "atc": ["81", "15", "96"],
        }
    )
    cells = validate_cells(raw, tz="Europe/Paris")
    # one cell per group is one cluster (product x day): the viewer-level interval
    out = rates(cells, by=["hour", "is_live"], method="wilson", cluster=None)
    assert out["successes"].tolist() == [15, 81, 96]
    assert out["ci_low"].round(4).tolist()[:2] == [0.0624, 0.2553]  # Newcombe 1998a Table I


def test_mixed_units_are_refused():
    cells = pd.DataFrame({"atc": [5, 9], "viewers": [50, 60], "unit": ["visitor", "session"]})
    with pytest.raises(ValueError, match=r"different `unit`.*'session', 'visitor'"):
        rates(cells)
    out = rates(cells, by="unit")  # the way out the message suggests
    assert out["unit"].tolist() == ["session", "visitor"]


def test_mixed_currencies_are_refused_for_aov():
    cells = pd.DataFrame({"revenue": [10.0, 20.0], "orders": [1, 2], "currency": ["EUR", "USD"]})
    with pytest.raises(ValueError, match="currency"):
        rates(cells, metric="aov")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "wald"}, "`method`"),
        ({"method": "beta"}, "`method`"),
        ({"metric": "atc"}, "`metric`"),
        ({"metric": "aov", "method": "wilson"}, "`method`"),
        ({"level": 95}, "`level`"),
        ({"level": 0}, "`level`"),
        ({"level": True}, "`level`"),
        ({"level": "0.95"}, "`level`"),
        ({"by": "creator"}, "`by`"),
        ({"by": ["unit", "unit"]}, "`by`"),
    ],
)
def test_bad_arguments(kwargs, match):
    cells = pd.DataFrame(
        {"atc": [1], "viewers": [2], "unit": "visitor", "revenue": [1.0], "orders": [1]}
    )
    with pytest.raises(ValueError, match=match):
        rates(cells, **kwargs)


def test_missing_count_column_is_named():
    with pytest.raises(ValueError, match="'clicks'"):
        rates(one(1, 2), metric="click_to_cart")


def test_inputs_are_not_mutated(grouped_cells):
    before = grouped_cells.copy(deep=True)
    rates(grouped_cells, by=["hour", "is_live"], method="jeffreys")
    rates(grouped_cells, by="is_live", metric="atc_rate")
    pd.testing.assert_frame_equal(grouped_cells, before)


# ----------------------------------------------------------------------------------------------
# aov: ratio of sums with a delta-method interval


def test_aov_delta_interval_by_hand():
    # cells (revenue y, orders x): (100, 2), (30, 1), (90, 3); R = 220/6 = 110/3.
    # residuals y - R x = 80/3, -20/3, -20; squares sum to 10400/9; with k/(k-1) = 3/2 and
    # X^2 = 36: Var(R) = (3/2)(10400/9)/36 = 1300/27.
    cells = pd.DataFrame(
        {"revenue": [100.0, 30.0, 90.0], "orders": [2, 1, 3], "currency": "EUR", "unit": "visitor"}
    )
    row = rates(cells, metric="aov").iloc[0]
    se = math.sqrt(1300 / 27)
    z = 1.959963984540054  # Phi^-1(0.975)
    assert row.rate == pytest.approx(110 / 3)
    assert row.ci_low == pytest.approx(110 / 3 - z * se, rel=1e-12)
    assert row.ci_high == pytest.approx(110 / 3 + z * se, rel=1e-12)
    assert (row.successes, row.trials, row.n_cells) == (220.0, 6.0, 3)
    assert (row.method, row.unit, row.status) == ("delta", "EUR/order", "not_clustered")


def test_aov_delta_standard_error_agrees_with_a_cell_bootstrap():
    rng = np.random.default_rng(20261123)
    k = 400
    orders = rng.poisson(3.0, k) + 1
    revenue = orders * rng.gamma(4.0, 6.0, k) + rng.gamma(2.0, 5.0, k)
    cells = pd.DataFrame({"revenue": revenue, "orders": orders, "currency": "EUR"})
    row = rates(cells, metric="aov").iloc[0]
    se_delta = (row.ci_high - row.ci_low) / (2 * stats.norm.ppf(0.975))
    idx = rng.integers(0, k, size=(4000, k))  # resample cells, the independent units
    boot = revenue[idx].sum(axis=1) / orders[idx].sum(axis=1)
    assert se_delta == pytest.approx(boot.std(ddof=1), rel=0.08)


def test_aov_statuses():
    single = pd.DataFrame({"revenue": [50.0], "orders": [2], "currency": "EUR"})
    row = rates(single, metric="aov").iloc[0]
    assert row.status == "undefined_too_few"
    detail = "fewer than 2 cells: no delta variance"
    assert row.status_message == status_message("undefined_too_few", detail) + NC
    assert row.rate == 25.0 and math.isnan(row.ci_low) and row.method == "none"
    none = pd.DataFrame({"revenue": [0.0, 0.0], "orders": [0, 0], "currency": "EUR"})
    row = rates(none, metric="aov").iloc[0]
    assert row.status == "undefined_no_viewers"
    assert row.status_message == status_message("undefined_no_viewers", "no orders") + NC
    flat = pd.DataFrame({"revenue": [20.0, 40.0], "orders": [1, 2], "currency": "EUR"})
    row = rates(flat, metric="aov", cluster=None).iloc[0]  # not_clustered ranks above it
    assert row.status == "not_clustered" and row.status_message == (
        status_message("not_clustered") + "; " + status_message("no_variation")
    )
    assert row.ci_low == row.ci_high == 20.0
    missing = pd.DataFrame({"revenue": [20.0, None, 30.0], "orders": [1, 2, 2], "currency": "EUR"})
    row = rates(missing, metric="aov").iloc[0]
    assert row.status == "partial"
    detail = "1 cell excluded: missing revenue or orders"
    assert row.status_message == status_message("partial", detail) + NC


# ----------------------------------------------------------------------------------------------
# exact coverage: enumerate every outcome x = 0..n, weight each by its binomial probability


def exact_coverage(method: str, n: int, ps: np.ndarray) -> np.ndarray:
    """Coverage at each p of the interval shipped by rates(), over the whole sample space."""
    x = np.arange(n + 1)
    cells = pd.DataFrame({"x": x, "atc": x, "viewers": n, "unit": "visitor"})
    out = rates(cells, by="x", method=method)
    lo, hi = out["ci_low"].to_numpy(), out["ci_high"].to_numpy()
    pmf = stats.binom.pmf(x[None, :], n, ps[:, None])
    covered = (lo[None, :] <= ps[:, None]) & (ps[:, None] <= hi[None, :])
    return (pmf * covered).sum(axis=1)


# ATC-like rates; from 10 to 3,000 viewers (a small LIVE to a large non-live pool)
COVERAGE_PS = np.array([0.01, 0.02, 0.04, 0.05, 0.09, 0.2, 0.5])
COVERAGE_NS = [10, 20, 30, 60, 100, 200, 1000, 3000]


@pytest.mark.parametrize("n", COVERAGE_NS)
def test_auto_interval_exact_coverage_on_the_grid(n):
    cov = exact_coverage("auto", n, COVERAGE_PS)
    assert cov.min() >= 0.93, dict(zip(COVERAGE_PS.tolist(), cov.round(4).tolist(), strict=True))


@pytest.mark.parametrize("n", [10, 20, 30, 50, 100])
def test_auto_interval_worst_case_coverage_over_all_p(n):
    # Wilson's coverage oscillates (Brown, Cai & DasGupta 2001); the exact small-cell switch
    # lifts the worst case from about 0.83 to about 0.92 (documented bound in rates()).
    ps = np.linspace(0.0005, 0.9995, 1999)
    assert exact_coverage("auto", n, ps).min() >= 0.92


def test_coverage_harness_detects_wilson_dips():
    # the harness has power: plain Wilson falls well below 0.93 for small n near p = 0
    ps = np.linspace(0.0005, 0.9995, 1999)
    assert exact_coverage("wilson", 20, ps).min() < 0.88


def test_clopper_pearson_never_undercovers():
    ps = np.linspace(0.001, 0.999, 999)
    assert exact_coverage("clopper-pearson", 30, ps).min() >= 0.95 - 1e-9


# ----------------------------------------------------------------------------------------------
# clustered (default with content_id): CR2 + Bell-McCaffrey df on the logit scale


def _lives(x, n, live_of_cell=None):
    k = len(x)
    ids = live_of_cell if live_of_cell is not None else [f"L{i}" for i in range(k)]
    return pd.DataFrame({"atc": x, "viewers": n, "unit": "visitor", "content_id": ids})


def test_clustered_interval_is_cr2_on_the_logit_scale_with_bm_df():
    # 4 LIVEs of equal size: df = G - 1 = 3 exactly; CR2 variance by hand with h = 1/4
    x, n = np.array([10, 30, 20, 12]), np.full(4, 200)
    row = rates(_lives(x, n), detail=True).iloc[0]
    p = x.sum() / n.sum()
    var = np.sum((x - p * n) ** 2 / (1 - 0.25)) / n.sum() ** 2
    se = math.sqrt(var) / (p * (1 - p))
    q = stats.t.ppf(0.975, 3)
    lo = 1 / (1 + math.exp(-(math.log(p / (1 - p)) - q * se)))
    hi = 1 / (1 + math.exp(-(math.log(p / (1 - p)) + q * se)))
    assert (row.ci_low, row.ci_high) == (
        pytest.approx(lo, rel=1e-12),
        pytest.approx(hi, rel=1e-12),
    )
    assert (row.method, row.n_clusters, row.df) == ("cr2-bm-logit", 4, pytest.approx(3.0))
    assert row.status == "few_clusters"
    assert row.status_message == status_message(
        "few_clusters", "4 clusters (< 10), t(3) reference (df < 4)"
    )
    assert row.unclustered_method == "wilson-cc"
    assert row.design_effect == pytest.approx(var / (p * (1 - p) / n.sum()))
    assert row.ci_high - row.ci_low > row.unclustered_ci_high - row.unclustered_ci_low


def test_clustered_cells_of_one_live_add_up():
    split = _lives([5, 5, 30, 20, 12], [100, 100, 200, 200, 200], ["L0", "L0", "L1", "L2", "L3"])
    whole = _lives([10, 30, 20, 12], [200, 200, 200, 200])
    a, b = rates(split).iloc[0], rates(whole).iloc[0]
    assert (a.ci_low, a.ci_high, a.df) == (b.ci_low, b.ci_high, b.df)


def test_clustered_statuses_zero_successes_and_one_live():
    zero = rates(_lives([0, 0, 0], [100, 50, 80]), detail=True).iloc[0]
    assert (zero.status, zero.method) == ("exact_small_cell", "clopper-pearson")
    assert "clustering could not be measured" in zero.status_message
    assert (zero.ci_low, zero.ci_high) == (
        zero.unclustered_ci_low,
        pytest.approx(stats.beta.ppf(0.975, 1, 230)),
    )
    one_live = rates(_lives([10, 20], [100, 100], ["L0", "L0"])).iloc[0]
    assert one_live.status == "undefined_too_few" and one_live.rate == 0.15
    assert math.isnan(one_live.ci_low) and one_live.method == "none" and one_live.n_clusters == 1
    unc = rates(_lives([10, 20], [100, 100]), cluster=None).iloc[0]
    assert unc.status == "not_clustered" and unc.df == np.inf and pd.isna(unc.n_clusters)
    assert unc.status_message == status_message("not_clustered")
    with pytest.raises(ValueError, match="`cluster`"):
        rates(_lives([10], [100]), cluster="room")


def test_clusters_with_the_same_rate_get_the_viewer_level_interval_not_zero_width():
    row = rates(_lives([5, 5, 5, 5, 5], [500] * 5), detail=True).iloc[0]
    assert row.status == "no_variation" and "no spread between them" in row.status_message
    assert row.ci_high - row.ci_low > 0.005  # never the zero-width 0.01 to 0.01
    assert (row.ci_low, row.ci_high, row.method) == (
        row.unclustered_ci_low, row.unclustered_ci_high, row.unclustered_method,
    )  # fmt: skip


def test_aov_clustered_is_cr2_on_the_linear_scale():
    cells = pd.DataFrame({"revenue": [100.0, 30.0, 90.0, 50.0], "orders": [2, 1, 3, 2],
                          "currency": "EUR", "content_id": ["a", "b", "c", "d"]})  # fmt: skip
    row = rates(cells, metric="aov", detail=True).iloc[0]
    r = 270 / 8
    h = np.array([2, 1, 3, 2]) / 8
    var = np.sum((cells["revenue"] - r * cells["orders"]) ** 2 / (1 - h)) / 64
    assert row.method == "cr2-bm" and row.unclustered_method == "delta"
    half = stats.t.ppf(0.975, row.df) * math.sqrt(var)
    assert row.ci_high == pytest.approx(r + half, rel=1e-12)
