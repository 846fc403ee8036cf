"""analysis.analyses.crosscheck (live_effect_crosscheck): GLM vs mixed model, creator-level refusal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analysis as cl
from analysis.analyses.crosscheck import CROSSCHECK_COLUMNS, live_effect_crosscheck
from analysis.stats.models import effects, glm
from tests.stats.test_mixed import one_creator, two_lives


@pytest.fixture(scope="module")
def checked(sample_cells) -> pd.DataFrame:
    return live_effect_crosscheck(sample_cells, adjust=["category"])


def test_rows_glm_mixed_and_the_creator_level_refusal(sample_cells, checked):
    assert tuple(checked.columns) == CROSSCHECK_COLUMNS
    assert checked["model"].tolist() == ["glm", "mixed", "creator_level"]
    by = checked.set_index("model")
    ref = effects(glm(sample_cells, "atc_rate ~ is_live + C(category)"), level=0.95)
    ref = ref.set_index("term").loc["is_live[T.True]"]
    glm_row = by.loc["glm"]
    assert (glm_row.estimate, glm_row.ci_low, glm_row.ci_high) == pytest.approx(
        (ref.estimate, ref.ci_low, ref.ci_high), rel=1e-12)  # fmt: skip
    assert glm_row.status == ref.status and glm_row.method == ref.method
    mixed = by.loc["mixed"]
    # the GLM's live odds ratio carries these creators' effects: the two differ, but not wildly
    assert 0.7 < mixed.estimate / glm_row.estimate < 1.1
    assert mixed.ci_low < mixed.estimate < mixed.ci_high and mixed.status == "few_clusters"
    refusal = by.loc["creator_level"]
    assert refusal.status == "undefined_too_few" and np.isnan(refusal.estimate)
    assert "too few creators (6 < 10)" in refusal.status_message
    assert "holds for this shop's creators" in refusal.reading
    assert (checked["n_creators"] == 6).all() and (checked["n_lives"] == 75).all()
    assert "approximate" in mixed.reading and "LIVEs as the random units" in glm_row.reading


def test_facade_exports_it():
    assert cl.live_effect_crosscheck is live_effect_crosscheck


@pytest.mark.parametrize("shape", [one_creator, two_lives])
def test_small_shapes_give_a_status_not_a_crash(sample_cells, shape):
    out = live_effect_crosscheck(shape(sample_cells), adjust=["category"]).set_index("model")
    assert out.loc["creator_level", "status"] == "undefined_too_few"
    assert out.loc["mixed", "status"] in ("few_clusters", "failed")
    assert out.loc["glm", "status"] in cl.STATUSES
    assert out["status_message"].str.len().gt(0).all()
