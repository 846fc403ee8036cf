"""analysis.stats.evalue: E-values (VanderWeele & Ding 2017) of a ratio and of its limit nearest 1.

Published examples of VanderWeele TJ, Ding P (2017), Ann Intern Med 167:268-274: the risk ratio
3.9 (95% CI 1.8 to 8.7) of the paper's first example and 0.80 (0.71 to 0.91) of its "further
examples" (the inputs the EValue R package's own tests call "Annals case #1" and "Annals,
Further Examples #1"). Exact values from the paper's formula E = RR + sqrt(RR (RR - 1)) are
worked out in the comments.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.stats.evalue import EVALUE_COLUMNS, evalue, evalue_of_ratio
from analysis.vocabulary import STATUSES


def test_annals_case_1():
    out = evalue(3.9, 1.8, 8.7)
    assert list(out.columns) == list(EVALUE_COLUMNS) and len(out) == 1
    row = out.iloc[0]
    # 3.9 + sqrt(3.9 * 2.9) = 7.26303; lower limit 1.8 + sqrt(1.8 * 0.8) = 1.8 + 1.2 = 3.0
    assert row["evalue_estimate"] == pytest.approx(3.9 + math.sqrt(3.9 * 2.9), rel=1e-14)
    assert row["evalue_estimate"] == pytest.approx(7.26303, abs=5e-6)
    assert row["evalue_limit"] == pytest.approx(3.0, rel=1e-14)
    assert (row["scale"], row["status"], row["level"]) == ("risk_ratio", "ok", 0.95)


def test_annals_case_1_preventive_version_is_symmetric():
    row = evalue(1 / 3.9, 1 / 8.7, 1 / 1.8).iloc[0]
    assert row["evalue_estimate"] == pytest.approx(7.26303, abs=5e-6)
    assert row["evalue_limit"] == pytest.approx(3.0, rel=1e-12)  # upper limit 1/1.8 is nearest 1


def test_annals_further_example_protective():
    row = evalue(0.80, 0.71, 0.91).iloc[0]
    # 1/0.8 = 1.25: 1.25 + sqrt(1.25 * 0.25) = 1.80902; 1/0.91 = 100/91: 100/91 + 30/91 = 130/91
    assert row["evalue_estimate"] == pytest.approx(1.25 + math.sqrt(0.3125), rel=1e-14)
    assert row["evalue_limit"] == pytest.approx(130 / 91, rel=1e-14)
    assert (round(row["evalue_estimate"], 2), round(row["evalue_limit"], 2)) == (1.81, 1.43)


def test_interval_including_one_gives_one():
    row = evalue(1.3, 0.9, 1.9).iloc[0]
    assert row["evalue_limit"] == 1.0
    assert row["evalue_estimate"] == pytest.approx(1.3 + math.sqrt(1.3 * 0.3))
    assert evalue_of_ratio(1.0) == 1.0


def test_rare_odds_ratio_is_used_as_a_risk_ratio():
    as_or = evalue(2.0, 1.2, 3.1, scale="odds_ratio", rate=0.06).iloc[0]
    as_rr = evalue(2.0, 1.2, 3.1).iloc[0]
    assert as_or["status"] == "ok" and as_or["scale"] == "odds_ratio"
    assert as_or["evalue_estimate"] == as_rr["evalue_estimate"] == pytest.approx(2 + math.sqrt(2))


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"scale": "odds_ratio", "rate": 0.2}, "20.0% (>= 15%)"),
     ({"scale": "odds_ratio"}, "needs the outcome rate")],
)  # fmt: skip
def test_common_or_unknown_rate_odds_ratio_is_refused(kwargs, words):
    row = evalue(2.0, 1.2, 3.1, **kwargs).iloc[0]
    assert row["status"] == "undefined_not_estimable" and words in row["status_message"]
    assert math.isnan(row["evalue_estimate"]) and math.isnan(row["evalue_limit"])


@pytest.mark.parametrize(("est", "lo", "hi"), [(float("nan"), 1, 2), (0.0, 0, 1), (2.5, 1, 2)])
def test_impossible_inputs_are_undefined(est, lo, hi):
    row = evalue(est, lo, hi).iloc[0]
    assert row["status"] == "undefined_not_estimable" and row["status"] in STATUSES
    assert math.isnan(row["evalue_estimate"])


def test_missing_interval_leaves_the_limit_unknown():
    row = evalue(2.0, float("nan"), float("nan")).iloc[0]
    assert row["status"] == "ok" and math.isnan(row["evalue_limit"])


def test_scale_is_a_closed_vocabulary():
    with pytest.raises(ValueError, match="scale"):
        evalue(2.0, 1.5, 3.0, scale="hazard_ratio")
    assert isinstance(evalue(2.0, 1.5, 3.0), pd.DataFrame)
