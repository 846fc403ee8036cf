"""analysis.metrics: the registry of named rates and the numerator/denominator sums."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from analysis.metrics import METRICS, Metric, get_metric, metric_counts, metric_sums

# (name, numerator, denominator, kind, complement): the definitions agreed in the brief
SPEC = [
    ("atc_rate", "atc", "viewers", "proportion", False),
    ("conversion", "orders", "viewers", "proportion", False),
    ("cart_to_order", "orders", "atc", "proportion", False),
    ("abandonment", "orders", "atc", "proportion", True),
    ("click_to_cart", "atc", "clicks", "proportion", False),
    ("aov", "revenue", "orders", "ratio", False),
]


def test_registry_holds_exactly_the_specified_metrics():
    assert sorted(METRICS) == sorted(s[0] for s in SPEC)


@pytest.mark.parametrize(("name", "num", "den", "kind", "complement"), SPEC)
def test_metric_definition(name, num, den, kind, complement):
    m = METRICS[name]
    assert (m.name, m.numerator, m.denominator, m.kind, m.complement) == (
        name, num, den, kind, complement,
    )  # fmt: skip
    assert m.columns == (num, den)
    assert m.label and m.unit_note and m.description  # documented, not empty


def test_formula_text():
    assert METRICS["atc_rate"].formula == "sum(atc) / sum(viewers)"
    assert METRICS["abandonment"].formula == "(sum(atc) - sum(orders)) / sum(atc)"


def test_metrics_are_frozen_and_registry_read_only():
    with pytest.raises(dataclasses.FrozenInstanceError):
        METRICS["atc_rate"].numerator = "clicks"
    with pytest.raises(TypeError):
        METRICS["new"] = METRICS["atc_rate"]


def test_get_metric_checks_the_name_like_every_vocabulary():
    assert get_metric("aov") is METRICS["aov"]
    with pytest.raises(ValueError, match=r"The value for `metric` must be one of .*'atc'"):
        get_metric("atc")


def test_get_metric_passes_a_metric_instance_through():
    custom = Metric("checkout_rate", "Checkout rate", "checkouts", "atc", "proportion", "u", "d")
    assert get_metric(custom) is custom


def test_metric_kind_is_a_closed_vocabulary():
    with pytest.raises(ValueError, match="`kind`"):
        Metric("x", "x", "atc", "viewers", "rate", "u", "d")


@pytest.fixture
def cells():
    return pd.DataFrame(
        {
            "viewers": pd.array([100, 50, 20, None], dtype="Int64"),
            "atc": pd.array([10, 5, None, 3], dtype="Int64"),
            "orders": pd.array([4, 1, 2, 1], dtype="Int64"),
            "revenue": pd.array([80.0, 25.0, 30.0, None], dtype="Float64"),
        }
    )


def test_sums_exclude_and_count_incomplete_cells(cells):
    s = metric_sums(cells, "atc_rate")
    # by hand: complete rows 0 and 1 -> atc 10 + 5, viewers 100 + 50; rows 2, 3 miss a count
    assert (s.n_cells, s.n_missing, s.successes, s.trials) == (2, 2, 15.0, 150.0)
    assert s.rate == pytest.approx(0.1)


def test_complement_metric_counts_failures(cells):
    s = metric_sums(cells, "abandonment")
    # by hand: rows 0, 1, 3 have atc and orders: (10-4) + (5-1) + (3-1) = 12 out of 18
    assert (s.n_cells, s.n_missing, s.successes, s.trials) == (3, 1, 12.0, 18.0)


def test_ratio_metric_sums(cells):
    s = metric_sums(cells, "aov")
    # by hand: revenue 80 + 25 + 30 over orders 4 + 1 + 2 (row 3 has no revenue)
    assert (s.n_cells, s.n_missing, s.successes, s.trials) == (3, 1, 135.0, 7.0)


def test_rate_without_trials_is_nan():
    s = metric_sums(pd.DataFrame({"atc": [0], "viewers": [0]}), "atc_rate")
    assert math.isnan(s.rate)


def test_metric_counts_per_cell(cells):
    c = metric_counts(cells, "cart_to_order")
    assert list(c.columns) == ["successes", "trials", "complete"]
    assert c.index.equals(cells.index)
    assert c["complete"].tolist() == [True, True, False, True]
    np.testing.assert_array_equal(c["successes"], [4, 1, np.nan, 1])
    np.testing.assert_array_equal(c["trials"], [10, 5, np.nan, 3])


def test_missing_column_is_named(cells):
    with pytest.raises(ValueError, match="'clicks'.*click_to_cart"):
        metric_sums(cells, "click_to_cart")


def test_inputs_are_not_mutated(cells):
    before = cells.copy(deep=True)
    metric_sums(cells, "abandonment")
    metric_counts(cells, "aov")
    pd.testing.assert_frame_equal(cells, before)
