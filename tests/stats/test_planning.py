"""analysis.stats.planning: sample size, MDE and design effect.

Golden values: R 4.2.2 ``power.prop.test`` (stats), printed in a session recorded here:
  power.prop.test(p1 = 0.04, p2 = 0.09, power = 0.8)$n    -> 380.431464441
  power.prop.test(p1 = 0.04, p2 = 0.044, power = 0.8)$n   -> 39474.7616666
  power.prop.test(n = 1000, p1 = 0.04, power = 0.8)$p2    -> 0.0683464403142 (uniroot tol 1e-4)
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.stats.planning import DESIGN_COLUMNS, PLAN_COLUMNS, design_effect, mde, sample_size
from analysis.vocabulary import status_message


def test_sample_size_matches_r_power_prop_test():
    out = sample_size(0.04, 0.09)
    assert tuple(out.columns) == PLAN_COLUMNS
    assert out["trials_independent"].iloc[0] == pytest.approx(380.431464441, rel=1e-9)
    assert sample_size(0.04, 0.044)["trials_independent"].iloc[0] == pytest.approx(
        39474.7616666, rel=1e-9
    )
    assert out["status"].iloc[0] == "not_clustered"
    detail = "pass icc and cluster_size from design_effect()"
    assert out["status_message"].iloc[0] == status_message("not_clustered", detail)


def test_design_effect_multiplies_viewers_and_counts_lives():
    out = sample_size(0.04, 0.09, icc=0.02, cluster_size=500).iloc[0]
    deff = 1 + 499 * 0.02  # Kish
    assert out.design_effect == pytest.approx(deff)
    assert out.trials_per_arm == pytest.approx(380.431464441 * deff, rel=1e-9)
    assert out.clusters_per_arm == math.ceil(380.431464441 * deff / 500)
    assert out.status == "ok"


def test_mde_inverts_sample_size():
    p2 = mde(0.04, trials_per_arm=1000)["p_treatment"].iloc[0]
    assert p2 == pytest.approx(0.0683464403142, abs=5e-6)  # R, within its uniroot tolerance
    assert sample_size(0.04, p2)["trials_independent"].iloc[0] == pytest.approx(1000, rel=1e-9)
    clustered = mde(0.04, trials_per_arm=1000, icc=0.01, cluster_size=101)["p_treatment"].iloc[0]
    assert sample_size(0.04, clustered)["trials_independent"].iloc[0] == pytest.approx(500)


def test_bad_inputs():
    with pytest.raises(ValueError, match="p_control"):
        sample_size(0, 0.09)
    with pytest.raises(ValueError, match="must differ"):
        sample_size(0.04, 0.04)
    with pytest.raises(ValueError, match="cannot detect"):
        mde(0.04, trials_per_arm=2)


def test_design_effect_on_the_sample(sample_cells):
    out = design_effect(sample_cells)
    assert tuple(out.columns) == DESIGN_COLUMNS
    live = out.iloc[0]
    assert live.group is True or live.group == True  # noqa: E712
    assert live.n_clusters == 75
    assert live.effective_trials == pytest.approx(live.trials / live.design_effect)
    # truth.json: empirical live-session ICC 0.014 (sessions only) to latent 0.044 with creators
    assert 0.005 < live.icc < 0.05
    assert isinstance(out, pd.DataFrame)
    assert live.status == "ok"  # 75 LIVEs and 768 off-live clusters: not few
