"""The planted truth beside the estimates (:mod:`analysis.sample.truth`): expected rates of any
selection of cells, the sample folder's truth, and the expected columns added to a comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.paths import SAMPLE_DIR
from analysis.sample.parameters import CATEGORIES
from analysis.sample.truth import EXPECTED_FILE, read_truth, truth_rates, with_truth


@pytest.fixture(scope="module")
def truth():
    found = read_truth(SAMPLE_DIR / "cells.parquet")  # a file of the folder finds it too
    assert found is not None
    return found


def _rate(cells: pd.DataFrame, expected: pd.DataFrame, mask, col: str = "p_atc") -> float:
    df = cells.loc[mask, ["row", "viewers"]].merge(expected, on="row")
    return float((df["viewers"] * df[col]).sum() / df["viewers"].sum())


def test_read_truth_finds_the_planted_dict_and_the_expected_probabilities(truth, sample_cells):
    assert truth.planted["seed"] == 0 and truth.planted["weeks"] == 8
    assert list(truth.expected.columns) == ["row", "p_atc", "p_order"]
    assert len(truth.expected) == len(sample_cells) == truth.planted["sample"]["rows"]
    assert (SAMPLE_DIR / EXPECTED_FILE).parent.name == "expected"


def test_truth_rates_by_group_and_between_levels(truth, sample_cells):
    cells, expected = sample_cells, truth.expected
    tr = truth_rates(cells, expected, by="category", metric="conversion")
    assert list(tr["category"]) == sorted(CATEGORIES)
    assert set(tr["metric"]) == {"conversion"} and set(tr["between"]) == {"is_live"}
    beauty_off = (cells["category"] == "beauty") & ~cells["is_live"].astype(bool)
    want = _rate(cells, expected, beauty_off, "p_order")
    assert tr.set_index("category").loc["beauty", "rate_b"] == pytest.approx(want, rel=1e-12)
    row = tr.set_index("category").loc["beauty"]
    assert row["ratio"] == pytest.approx(row["rate_a"] / row["rate_b"])
    assert row["difference"] == pytest.approx(row["rate_a"] - row["rate_b"])
    one = truth_rates(cells, expected, between="gender", levels=("male", "female"))
    assert len(one) == 1 and (one.loc[0, "level_a"], one.loc[0, "level_b"]) == ("male", "female")
    assert one.loc[0, "viewers_a"] == cells.loc[cells["gender"] == "male", "viewers"].sum()
    assert one.loc[0, "rate_a"] == pytest.approx(
        _rate(cells, expected, cells["gender"] == "male"), rel=1e-12
    )
    # two values of a non-boolean column, no levels: sorted
    sides = truth_rates(cells, expected, between="gender")
    assert (sides.loc[0, "level_a"], sides.loc[0, "level_b"]) == ("female", "male")


def test_truth_rates_side_without_viewers_is_nan(truth, sample_cells):
    live = sample_cells[sample_cells["is_live"].astype(bool)]
    out = truth_rates(live, truth.expected)
    assert out.loc[0, "viewers_b"] == 0 and np.isnan(out.loc[0, "rate_b"])
    assert out.loc[0, "rate_a"] > 0


def test_truth_rates_refuses_what_it_cannot_answer(truth, sample_cells):
    cells, expected = sample_cells, truth.expected
    with pytest.raises(ValueError, match="metric"):
        truth_rates(cells, expected, metric="ctr")
    with pytest.raises(ValueError, match="no expected p_atc"):
        truth_rates(cells, expected.iloc[1:])
    with pytest.raises(ValueError, match="pass levels"):
        truth_rates(cells, expected, between="category")


def test_with_truth_adds_expected_values_and_coverage(truth, sample_cells):
    exact = truth_rates(sample_cells, truth.expected, by="category")
    result = pd.DataFrame(
        {
            "category": exact["category"],
            "metric": "atc_rate",
            "between": "is_live",
            "group_a": True,
            "group_b": False,
            "ratio_ci_low": exact["ratio"] - 0.01,
            "ratio_ci_high": exact["ratio"] + [0.01, 0.01, -0.005, 0.01],  # one interval misses
            "status": "ok",
        }
    )
    out = with_truth(result, sample_cells, truth, by="category")
    np.testing.assert_allclose(out["expected_ratio"], exact["ratio"], rtol=1e-12)
    np.testing.assert_allclose(out["expected_rate_a"], exact["rate_a"], rtol=1e-12)
    assert out["covered"].tolist() == [True, True, False, True]
    assert out["status"].tolist() == ["ok"] * 4
    assert "expected_ratio" not in result.columns  # a new frame: the input is unchanged
    assert list(with_truth(result, sample_cells, None).columns) == list(result.columns)
