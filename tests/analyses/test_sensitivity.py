"""analysis.analyses.sensitivity: E-values of the adjusted live lifts, in plain words."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.analyses.lift import LIFT_COLUMNS
from analysis.analyses.sensitivity import SENSITIVITY_COLUMNS, lift_sensitivity
from analysis.vocabulary import status_message

LABELS = ["crude, clustered by LIVE", "crude (viewers independent: too narrow)",
          "adjusted (Mantel-Haenszel over hour x category)",
          "adjusted (standardised to LIVE mix over hour x category)",
          "GLM, standardised over group_a (is_live + C(hour) + category)"]  # fmt: skip


def _table(ratios, lows, highs, statuses) -> pd.DataFrame:
    t = pd.DataFrame({"estimate": LABELS, "ratio": ratios, "ci_low": lows, "ci_high": highs})
    t["lift"] = t["ratio"] - 1
    t["method"], t["level"], t["status"] = "m", 0.95, statuses
    t["status_message"] = [status_message(s) for s in statuses]
    t["truth"], t["covered"] = float("nan"), pd.array([pd.NA] * 5, dtype="boolean")
    return t[list(LIFT_COLUMNS)]


def test_adjusted_rows_get_evalues_and_a_reading():
    t = _table([2.5, 2.5, 3.9, 2.0, 1.3], [2.2, 1.5, 1.8, 0.8, 1.1], [2.8, 4.0, 8.7, 5.0, 1.6],
               ["ok", "ok", "ok", "few_clusters", "ok"])  # fmt: skip
    before = t.copy()
    out = lift_sensitivity(t)
    pd.testing.assert_frame_equal(t, before)
    assert list(out.columns) == list(SENSITIVITY_COLUMNS)
    assert out["key"].tolist() == ["mantel_haenszel", "standardised", "glm"]
    mh, st, gl = (out.iloc[i] for i in range(3))
    assert mh["evalue_estimate"] == pytest.approx(7.26303, abs=5e-6) and mh["evalue_limit"] == 3
    assert mh["reading"] == (
        "an unmeasured factor (beyond hour x category) would need to raise both LIVE viewing "
        "and add-to-cart by 7.3× each to explain the lift away; to make it compatible with no "
        "lift, 3.0×"
    )
    assert st["evalue_limit"] == 1 and st["status"] == "few_clusters"
    assert "interval already includes no lift" in st["reading"]
    assert gl["reading"].startswith("an unmeasured factor (beyond the model's covariates)")
    assert "by 1.9× each" in gl["reading"] and gl["reading"].endswith("1.43×")


def test_a_drop_and_an_undefined_row():
    t = _table([1, 1, 0.8, float("nan"), 0.8], [1, 1, 0.71, float("nan"), 0.7],
               [1, 1, 0.91, float("nan"), 0.9],
               ["ok", "ok", "ok", "undefined_no_successes", "ok"])  # fmt: skip
    out = lift_sensitivity(t, estimates=["mantel_haenszel", "standardised"])
    assert len(out) == 2
    assert "explain the drop away" in out.iloc[0]["reading"]
    assert out.iloc[0]["evalue_limit"] == pytest.approx(130 / 91)
    bad = out.iloc[1]
    assert bad["status"] == "undefined_no_successes" and math.isnan(bad["evalue_estimate"])
    assert bad["reading"].startswith("no E-value: ")


def test_unknown_key_is_refused():
    t = _table([2.0] * 5, [1.5] * 5, [3.0] * 5, ["ok"] * 5)
    with pytest.raises(ValueError, match="estimates"):
        lift_sensitivity(t, estimates=["adjusted"])
