"""analysis.stats.planning: LIVEs needed, MDE and design effect; icc and cluster_power kernels.

Golden values: R 4.2.2 ``power.prop.test`` (stats), printed in a session recorded here:
  power.prop.test(p1 = 0.04, p2 = 0.09, power = 0.8)$n    -> 380.431464441
  power.prop.test(p1 = 0.04, p2 = 0.044, power = 0.8)$n   -> 39474.7616666
  power.prop.test(n = 1000, p1 = 0.04, power = 0.8)$p2    -> 0.0683464403142 (uniroot tol 1e-4)
and ``tests/reference/planning_reference.R`` (output ``planning_reference.Rout``): noncentral-t
power (``power.t.test``), the ANOVA ICC and its F-based interval (``aov`` on the 0/1 outcomes of
``planning_icc_fixture.csv``), the Bell-McCaffrey df of a planned design (clubSandwich) and the
Eldridge design effect.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.stats.cluster_power import (
    clustered_power,
    eldridge_deff,
    live_sizes,
    noncentral_t_power,
    planned_df,
    treatment_icc,
)
from analysis.stats.icc import anova_icc
from analysis.stats.planning import DESIGN_COLUMNS, PLAN_COLUMNS, design_effect, mde, sample_size
from analysis.stats.power_simulation import difference_pvalues, simulated_power
from analysis.vocabulary import status_message

REF = Path(__file__).resolve().parents[1] / "reference"


def _golden() -> dict[str, float]:
    out = {}
    for line in (REF / "planning_reference.Rout").read_text().splitlines():
        parts = line.split()
        if parts and parts[0] in {"power_t", "icc", "icc_ci_low", "icc_ci_high", "n0",
                                  "planned_df", "eldridge", "dt_t", "dt_df", "dt_p"}:  # fmt: skip
            out[" ".join(parts[:-1])] = float(parts[-1])
    return out


def test_sample_size_unclustered_matches_r_power_prop_test():
    out = sample_size(0.04, 0.09)
    assert tuple(out.columns) == PLAN_COLUMNS
    assert out["trials_independent"].iloc[0] == pytest.approx(380.431464441, rel=1e-9)
    assert sample_size(0.04, 0.044)["trials_independent"].iloc[0] == pytest.approx(
        39474.7616666, rel=1e-9
    )
    assert out["status"].iloc[0] == "not_clustered"
    detail = "pass icc and cluster_size from design_effect()"
    assert out["status_message"].iloc[0] == status_message("not_clustered", detail)


def test_noncentral_t_power_matches_r_power_t_test():
    g = _golden()
    for n, delta in ((10, 0.5), (25, 0.8), (4, 2.0)):
        got = noncentral_t_power(delta / math.sqrt(2 / n), 2 * (n - 1), 0.95)
        assert got == pytest.approx(g[f"power_t {n} {delta:g}"], rel=1e-9)


def test_eldridge_design_effect_worked_example():
    # Eldridge, Ashby & Kerry 2006, eq. 4: 1 + ((cv^2 + 1) m - 1) rho; m 20, cv 0.6, rho 0.05
    assert eldridge_deff(0.05, 20, 0.6) == pytest.approx(_golden()["eldridge"], rel=1e-12)
    assert eldridge_deff(0.05, 20, 0.0) == pytest.approx(1 + 19 * 0.05)  # Kish, equal sizes


def test_anova_icc_and_f_interval_match_r_aov():
    g = _golden()
    fx = pd.read_csv(REF / "planning_icc_fixture.csv")
    r = anova_icc(fx["x"], fx["n"])
    assert r.icc == pytest.approx(g["icc"], rel=1e-9)
    assert r.ci_high == pytest.approx(g["icc_ci_high"], rel=1e-9)
    assert r.n0 == pytest.approx(g["n0"], rel=1e-12)
    assert g["icc_ci_low"] < 0 and r.ci_low == 0.0  # floored at 0
    assert math.isnan(anova_icc([1], [10]).icc)


def test_planned_df_matches_clubsandwich():
    assert planned_df(5, 800, 0.8, 0.04, 0.07) == pytest.approx(_golden()["planned_df"], rel=1e-9)
    assert planned_df(7, 500, 0.0, 0.05, 0.05) == pytest.approx(12.0)  # equal sizes: 2k - 2
    sizes = live_sizes(40, 1000, 0.8)
    assert sizes.mean() == pytest.approx(1000) and 0.7 < sizes.std() / 1000 < 0.85


def test_difference_test_matches_clubsandwich():
    x = np.array([[3, 11, 25, 40, 66, 9, 30, 41, 80, 150], [0, 0, 0, 0, 0, 1, 2, 3, 4, 5]])
    n = np.tile([171, 407, 668, 1024, 1729], 2)
    p = difference_pvalues(x, n, np.repeat([False, True], 5))
    assert p[0] == pytest.approx(_golden()["dt_p"], rel=1e-8)
    assert np.isnan(p[1])  # no success on the control side: undefined


def test_simulated_power_agrees_with_the_analytic_one_without_clustering():
    kw = {"icc": 0.0, "mean_size": 300, "cv": 0.5, "level": 0.95}
    analytic = clustered_power(10, 0.04, 0.06, **kw)[0]
    simulated = simulated_power(10, 0.04, 0.06, **kw, reps=4000, seed=1)
    assert simulated == pytest.approx(analytic, abs=3 * math.sqrt(0.25 / 4000) + 0.01)


def test_simulated_plan_needs_fewer_lives_when_lives_vary_a_lot():
    kw = {"icc": 0.05, "cluster_size": 1000, "cluster_cv": 0.8, "plan_at": "estimate"}
    sim = sample_size(0.04, 0.08, **kw).iloc[0]  # default: simulation
    analytic = sample_size(0.04, 0.08, **kw, power_method="noncentral-t").iloc[0]
    assert sim.clusters_per_arm < analytic.clusters_per_arm and sim.power_achieved >= 0.8
    assert "simulated power" in sim.method and "noncentral t" in analytic.method


def test_power_without_clustering_is_the_noncentral_t():
    # icc 0 and equal sizes: CR2 is unbiased and its df is the Bell-McCaffrey df
    power, df, d0, d1 = clustered_power(12, 0.04, 0.06, icc=0.0, mean_size=500, cv=0.0, level=0.95)
    var = (0.04 * 0.96 + 0.06 * 0.94) / (12 * 500)
    w0, w1 = 0.04 * 0.96, 0.06 * 0.94  # equal sizes: Satterthwaite of two sides of k - 1 df
    assert df == pytest.approx((w0 + w1) ** 2 / (w0**2 + w1**2) * 11) and d0 == d1 == 1.0
    assert power == pytest.approx(noncentral_t_power(0.02 / math.sqrt(var), df, 0.95))


def test_clustered_plan_reaches_power_with_the_fewest_lives():
    out = sample_size(0.04, 0.06, icc=0.02, cluster_size=1000, cluster_cv=0.8,
                      plan_at="estimate", power_method="noncentral-t").iloc[0]  # fmt: skip
    k = int(out.clusters_per_arm)
    assert out.status == "ok" and out.power_achieved >= 0.8
    assert out.design_effect == pytest.approx(eldridge_deff(0.02, 1000, 0.8))
    assert out.icc_treatment == pytest.approx(treatment_icc(0.02, 0.04, 0.06))
    assert out.design_effect_treatment == pytest.approx(
        eldridge_deff(out.icc_treatment, 1000, 0.8)
    )
    fewer = clustered_power(k - 1, 0.04, 0.06, icc=0.02, mean_size=1000, cv=0.8, level=0.95)[0]
    assert fewer < 0.8
    assert out.trials_per_arm == k * 1000 and out.df == pytest.approx(
        planned_df(k, 1000, 0.8, 0.04, 0.06)
    )
    # unequal sizes need more LIVEs than equal ones
    equal = sample_size(0.04, 0.06, icc=0.02, cluster_size=1000, plan_at="estimate",
                        power_method="noncentral-t").iloc[0]  # fmt: skip
    assert equal.clusters_per_arm < k


def test_plan_at_the_upper_icc_limit_by_default():
    kw = {"icc": 0.01, "icc_ci_high": 0.03, "cluster_size": 800, "cluster_cv": 0.5,
          "power_method": "noncentral-t"}  # fmt: skip
    upper = sample_size(0.04, 0.08, **kw).iloc[0]
    point = sample_size(0.04, 0.08, **kw, plan_at="estimate").iloc[0]
    assert upper.icc_planned == 0.03 and point.icc_planned == 0.01
    assert upper.clusters_per_arm > point.clusters_per_arm
    assert "upper confidence limit" in upper.method and "point estimate" in point.method
    with pytest.raises(ValueError, match="plan_at"):
        sample_size(0.04, 0.08, **kw, plan_at="lower")


def test_mde_inverts_sample_size():
    p2 = mde(0.04, trials_per_arm=1000)["p_treatment"].iloc[0]
    assert p2 == pytest.approx(0.0683464403142, abs=5e-6)  # R, within its uniroot tolerance
    assert sample_size(0.04, p2)["trials_independent"].iloc[0] == pytest.approx(1000, rel=1e-9)
    kw = {"icc": 0.02, "cluster_size": 1000, "cluster_cv": 0.8, "power_method": "noncentral-t"}
    out = mde(0.04, trials_per_arm=20_000, **kw).iloc[0]
    assert out.clusters_per_arm == pytest.approx(20) and out.power_achieved == pytest.approx(0.8)
    assert sample_size(0.04, out.p_treatment, **kw).iloc[0].clusters_per_arm == 20
    # simulated power (the default): the rise 20 LIVEs detect needs 20 LIVEs (+-1: Monte Carlo)
    sim = mde(0.04, trials_per_arm=20_000, **(kw | {"power_method": "simulation"})).iloc[0]
    assert sim.p_treatment < out.p_treatment and abs(sim.power_achieved - 0.8) < 0.01
    again = sample_size(0.04, sim.p_treatment, icc=0.02, cluster_size=1000, cluster_cv=0.8)
    assert abs(again.iloc[0].clusters_per_arm - 20) <= 1


def test_bad_inputs():
    with pytest.raises(ValueError, match="p_control"):
        sample_size(0, 0.09)
    with pytest.raises(ValueError, match="must differ"):
        sample_size(0.04, 0.04)
    with pytest.raises(ValueError, match="cannot detect"):
        mde(0.04, trials_per_arm=2)
    with pytest.raises(ValueError, match="cannot detect"):
        mde(0.04, trials_per_arm=1500, icc=0.02, cluster_size=1000)
    with pytest.raises(ValueError, match="icc_ci_high"):
        sample_size(0.04, 0.06, icc=0.02, icc_ci_high=0.01, cluster_size=100)


def test_design_effect_on_the_sample(sample_cells):
    out = design_effect(sample_cells)
    assert tuple(out.columns) == DESIGN_COLUMNS
    live = out.iloc[0]
    assert live.group is True or live.group == True  # noqa: E712
    assert live.n_clusters == 75
    assert live.effective_trials == pytest.approx(live.trials / live.design_effect)
    # truth.json: empirical live-session ICC 0.014 (sessions only) to latent 0.044 with creators
    assert 0.005 < live.icc < 0.05
    assert live.icc_ci_low < live.icc < live.icc_ci_high < 0.2
    assert 0.1 < live.cluster_cv < 2 and live.level == 0.95
    assert isinstance(out, pd.DataFrame)
    assert live.status == "ok"  # 75 LIVEs and 768 off-live clusters: not few
    plan = sample_size(0.04, 0.06, icc=live.icc, icc_ci_high=live.icc_ci_high,
                       cluster_size=live.mean_cluster_size, cluster_cv=live.cluster_cv)  # fmt: skip
    assert plan["icc_planned"].iloc[0] == live.icc_ci_high
    assert np.isfinite(plan["clusters_per_arm"].iloc[0])
