"""analysis.stats.models (glm, effects) and analysis.stats.multiple (adjust_pvalues), with the statsmodels traps.

Golden values: tests/reference/glm_vcovcl.R and p_adjust.R (R 4.2.2, sandwich 3.0.2), printed
output committed beside them (glm_vcovcl.Rout, p_adjust.Rout). The fixture is
tests/reference/glm_fixture.csv (16 clusters, 38 aggregated rows).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats import proportion as smp
from statsmodels.stats.multitest import multipletests

import analysis as cl
from analysis.paths import PROJECT_ROOT, SAMPLE_DIR
from analysis.stats.compare import compare
from analysis.stats.glm_vcov import cluster_cov
from analysis.stats.models import EFFECTS_COLUMNS, effects, glm
from analysis.stats.multiple import adjust_pvalues
from analysis.vocabulary import status_message

FIXTURE = PROJECT_ROOT / "tests" / "reference" / "glm_fixture.csv"

# tests/reference/glm_vcovcl.Rout: coefficients (Intercept), live, bandevening, bandnight
NAMES = ["Intercept", "live", "band[T.evening]", "band[T.night]"]  # patsy names of R's terms
R_COEF = [-3.8351524688426, 0.8473222640438, 0.4852684963196, 0.0023042394229]
R_SE_MODEL = [0.138401698720, 0.120344305921, 0.140625511337, 0.167211857659]
R_SE_HC1 = [0.148449439417, 0.207183310200, 0.104816368407, 0.231452052287]  # vcovCL HC1
R_SE_HC0 = [0.142304016595, 0.198606457045, 0.100477241866, 0.221870535982]  # vcovCL HC0
R_LIVE_T_CI = (0.405721491671, 1.288923036417)  # qt(0.975, G - 1), G = 16
R_LIVE_T_P = 0.000966184970294
R_QUASI_SE = [0.195751563784, 0.170211683053, 0.198896863310, 0.236499861799]
R_STD = {"live": 0.0601159598173, "nonlive": 0.0267311380569, "ratio": 2.2489113516,
         "log_se": 0.196707328479}  # fmt: skip


@pytest.fixture(scope="module")
def fixture_cells() -> pd.DataFrame:
    d = pd.read_csv(FIXTURE)
    return d.assign(
        content_id=d["cluster"], unit="visitor", is_live=d["live"].astype(bool)
    ).astype({"content_id": "string", "band": "string"})


@pytest.fixture(scope="module")
def fitted(fixture_cells):
    """The CR1 fit (R sandwich::vcovCL HC1); the CR2 default is pinned in test_cr2.py."""
    return glm(fixture_cells, "atc_rate ~ live + band", cluster="content_id", vcov="CR1")


def test_coefficients_and_cluster_se_match_r_sandwich_vcovcl_hc1(fitted):
    assert fitted.params[NAMES].to_numpy() == pytest.approx(R_COEF, rel=1e-8)
    # statsmodels' CR1 (G/(G-1) (N-1)/(N-k)) is vcovCL(type = "HC1"), not "HC0"
    assert fitted.bse[NAMES].to_numpy() == pytest.approx(R_SE_HC1, rel=1e-8)
    assert not np.allclose(fitted.bse[NAMES].to_numpy(), R_SE_HC0, rtol=1e-3)
    info = fitted.cartlift
    assert (info.n_clusters, info.n_rows, info.n_cells) == (16, 38, 38)
    assert info.status == "ok"  # 16 clusters >= 10
    assert "CR1 cluster-robust by content_id SE, t(15)" in info.method


def test_t_reference_on_g_minus_1_df(fitted):
    row = cl.coef_table(fitted).set_index("term").loc["live"]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(R_LIVE_T_CI, rel=1e-8)
    assert row["pvalue"] == pytest.approx(R_LIVE_T_P, rel=1e-6)
    assert row["df"] == 15 and row["n_clusters"] == 8  # 8 LIVE clusters inform `live`
    assert row["status"] == "few_clusters"
    z = glm(FIXTURE_CELLS(), "atc_rate ~ live + band", use_t=False, vcov="CR1")
    assert cl.coef_table(z).set_index("term").loc["live", "ci_low"] > row["ci_low"]


def FIXTURE_CELLS():  # noqa: N802 - a plain loader for tests that need a fresh copy
    d = pd.read_csv(FIXTURE)
    return d.assign(content_id=d["cluster"].astype("string"), unit="visitor")


def test_unclustered_fit_is_the_model_based_binomial(fixture_cells):
    res = glm(fixture_cells, "atc_rate ~ live + band", cluster=None)
    assert res.bse[NAMES].to_numpy() == pytest.approx(R_SE_MODEL, rel=1e-7)
    assert res.cartlift.status == "not_clustered"


def test_effects_standardised_ratio_matches_r(fitted):
    out = effects(fitted, contrast="live", groups=(1, 0))
    assert tuple(out.columns) == EFFECTS_COLUMNS
    by = out.set_index("effect")
    assert by.loc["rate_a", "estimate"] == pytest.approx(R_STD["live"], rel=1e-8)
    assert by.loc["rate_b", "estimate"] == pytest.approx(R_STD["nonlive"], rel=1e-8)
    assert by.loc["rate_ratio", "estimate"] == pytest.approx(R_STD["ratio"], rel=1e-8)
    assert by.loc["rate_ratio", "se"] == pytest.approx(R_STD["log_se"], rel=1e-7)
    # under CR1 the standardised contrast uses t on min(G_live, G_offlive) - 1 = 8 - 1 df
    q = 2.3646242515927849  # R: qt(0.975, 7)
    lo = math.exp(math.log(R_STD["ratio"]) - q * R_STD["log_se"])
    assert by.loc["rate_ratio", "ci_low"] == pytest.approx(lo, rel=1e-6)
    assert by.loc["odds_ratio", "estimate"] == pytest.approx(math.exp(R_COEF[1]), rel=1e-8)
    assert by.loc["odds_ratio", "df"] == 15 and by.loc["rate_ratio", "df"] == 7
    assert (out["level"] == 0.95).all()
    assert (out["status"] == "few_clusters").all()
    # the standardised rows add the clusters of the smaller side of the contrast (8 LIVEs)
    side = status_message("few_clusters", "8 clusters on one side of live (< 10), t(7) reference")
    assert out["status_message"].iloc[-1] == side


def test_effects_without_contrast_lists_every_coefficient(fitted):
    out = effects(fitted)
    assert out["term"].tolist() == list(fitted.params.index)
    assert (out["effect"] == "odds_ratio").all()
    assert out.set_index("term").loc[NAMES, "estimate"].to_numpy() == pytest.approx(
        np.exp(R_COEF), rel=1e-8
    )


def test_separation_is_partial_and_its_coefficient_undefined(fixture_cells):
    # a band level without any add-to-cart: its coefficient runs off to -inf (separation)
    dead = fixture_cells.head(6).assign(band="dead", atc=0)
    res = glm(pd.concat([fixture_cells, dead], ignore_index=True), "atc_rate ~ live + band")
    info = res.cartlift
    assert info.status == "partial"  # 16 clusters (>= 10): the separation is the note
    note = ("separation: 1 coefficient(s) not estimable (a level with no successes or no "
            "failures, e.g. band[T.dead])")  # fmt: skip
    assert info.status_message == status_message("partial", note)
    out = effects(res).set_index("term")
    assert out.loc["band[T.dead]", "status"] == "undefined_not_estimable"
    assert np.isnan(out.loc["band[T.dead]", "ci_low"])
    assert out.loc["live", "status"] == "few_clusters"
    unclustered = glm(pd.concat([fixture_cells, dead], ignore_index=True),
                      "atc_rate ~ live + band", cluster=None)  # fmt: skip
    assert unclustered.cartlift.status == "partial"  # not_clustered ranks below partial


def test_cluster_cov_through_the_pseudo_inverse_is_r_vcovcl_hc1(fitted, fixture_cells):
    # the fallback of a singular Hessian, on a regular fit: the same CR1 as R
    groups = fitted.model.data.frame["_cluster"].to_numpy()
    se = pd.Series(np.sqrt(np.diag(cluster_cov(fitted, groups))), index=fitted.params.index)
    assert se[NAMES].to_numpy() == pytest.approx(R_SE_HC1, rel=1e-8)
    # two-way (V1 + V2 - V12): statsmodels' two-way cluster covariance of the same fit
    creator = (pd.factorize(fixture_cells["cluster"])[0] % 5).astype(str)
    two = glm(fixture_cells.assign(creator=creator), "atc_rate ~ live + band",
              cluster=["content_id", "creator"])  # fmt: skip
    pair = two.model.data.frame[["_cluster", "_cluster2"]].to_numpy()
    assert np.sqrt(np.diag(cluster_cov(two, pair))) == pytest.approx(two.bse.to_numpy(), rel=1e-10)


def test_a_term_the_cells_do_not_identify_is_not_estimable_not_a_crash(fixture_cells):
    # a column of zeros makes the Hessian exactly singular: statsmodels' cluster fit raises
    # LinAlgError (a creator's own fatigue fit on two weeks of a few products did)
    with pytest.raises(np.linalg.LinAlgError):
        sm.GLM.from_formula("_s + _f ~ live + zero", data=fixture_cells.assign(
            zero=0.0, _s=fixture_cells["atc"], _f=fixture_cells["viewers"] - fixture_cells["atc"]),
            family=sm.families.Binomial()).fit(cov_type="cluster", cov_kwds={
                "groups": fixture_cells["cluster"].to_numpy()})  # fmt: skip
    res = glm(fixture_cells.assign(zero=0.0), "atc_rate ~ live + band + zero")
    table = cl.coef_table(res).set_index("term")
    assert table.loc["zero", "status"] == "undefined_not_estimable"
    assert table.loc["live", "status"] == "few_clusters" and table.loc["live", "se"] > 0
    assert res.cartlift.status == "partial"


def test_aggregation_does_not_change_the_fit(fixture_cells):
    # split every row into two cells of the same cluster: same likelihood, same cluster scores
    half = fixture_cells.assign(atc=fixture_cells["atc"] // 2,
                                viewers=fixture_cells["viewers"] // 2)  # fmt: skip
    rest = fixture_cells.assign(atc=fixture_cells["atc"] - half["atc"],
                                viewers=fixture_cells["viewers"] - half["viewers"])  # fmt: skip
    split = pd.concat([half, rest], ignore_index=True)
    res = glm(split, "atc_rate ~ live + band", vcov="CR1")
    assert res.params[NAMES].to_numpy() == pytest.approx(R_COEF, rel=1e-8)
    assert res.bse[NAMES].to_numpy() == pytest.approx(R_SE_HC1, rel=1e-8)
    assert res.cartlift.n_cells == 76 and res.cartlift.n_rows == 38


def test_input_not_mutated(fixture_cells):
    before = fixture_cells.copy()
    glm(fixture_cells, "atc_rate ~ live + band")
    pd.testing.assert_frame_equal(fixture_cells, before)


@pytest.mark.parametrize(
    ("formula", "kwargs", "match"),
    [
        ("aov ~ live", {}, "ratio of sums"),
        ("atc_rate ~ nothing_here", {}, "names no column"),
        ("atc_rate", {}, "must read"),
        ("atc_rate ~ live", {"family": "poisson"}, "`family`"),
        ("atc_rate ~ live", {"cluster": "room"}, "`cluster` names a column"),
    ],
)
def test_bad_arguments(fixture_cells, formula, kwargs, match):
    with pytest.raises(ValueError, match=match):
        glm(fixture_cells, formula, **kwargs)


# ----------------------------------------------------------------------------------------------
# statsmodels traps: the X2 scale with two-column endog, defaults that disagree, NaN p-values


def test_trap_two_column_endog_with_x2_scale_shrinks_the_se(fixture_cells):
    d = fixture_cells
    X = sm.add_constant(pd.get_dummies(d["band"], drop_first=True, dtype=float).assign(
        live=d["live"].astype(float)))  # fmt: skip
    endog = np.column_stack([d["atc"], d["viewers"] - d["atc"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrong = sm.GLM(endog, X, family=sm.families.Binomial()).fit(method="IRLS", scale="X2")
        right = sm.GLM(d["atc"] / d["viewers"], X, family=sm.families.Binomial(),
                       var_weights=d["viewers"]).fit(method="IRLS", scale="X2")  # fmt: skip
    # R quasibinomial dispersion 2.0005: the var_weights form reproduces R, the trap does not
    assert right.bse["live"] == pytest.approx(R_QUASI_SE[1], rel=1e-6)
    assert wrong.bse["live"] < right.bse["live"] / 5  # about 1/sqrt(mean trials) too small
    # our glm never estimates the scale: binomial scale 1 and robust SEs from the sandwich
    res = glm(fixture_cells, "atc_rate ~ live + band", vcov="CR1")
    assert res.scale == 1.0
    assert res.bse["live"] == pytest.approx(R_SE_HC1[1], rel=1e-8)


def test_trap_default_test_and_interval_methods_disagree():
    # statsmodels' defaults differ (agresti-caffo test, newcomb interval)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = smp.test_proportions_2indep(5, 100, 0, 100).pvalue
        lo, hi = smp.confint_proportions_2indep(5, 100, 0, 100)
    assert round(p, 4) == 0.0523 and lo > 0  # "not significant" but the CI excludes 0
    # compare() reports one family: its ratio interval excludes 1 exactly when p < 0.05
    row = compare(pd.DataFrame({"is_live": [True, False], "atc": [5, 0], "viewers": [100, 100],
                                "unit": "visitor"}), cluster=None).iloc[0]  # fmt: skip
    assert (row.ratio_ci_low > 1) == (row.pvalue < 0.05)


def test_trap_one_nan_pvalue_poisons_multipletests():
    p = np.array([0.01, np.nan, 0.04, 0.03, 0.20])
    assert np.isnan(multipletests(p, method="fdr_bh")[1]).all()  # statsmodels#2899
    # ours: NaN kept, counted in m = 5, as R p.adjust(p[!is.na(p)], n = 5) (p_adjust.Rout)
    out = adjust_pvalues(p, method="fdr_bh")
    assert np.isnan(out[1])
    assert out[[0, 2, 3, 4]] == pytest.approx([0.05, 0.0666666666667, 0.0666666666667, 0.25])


@pytest.mark.parametrize(
    ("method", "expected"),
    [  # tests/reference/p_adjust.Rout
        ("holm", [0.05, 0.12, 0.12, 0.40]),
        ("bonferroni", [0.05, 0.20, 0.15, 1.00]),
        ("fdr_by", [0.114166666667, 0.152222222222, 0.152222222222, 0.570833333333]),
    ],
)
def test_adjust_pvalues_matches_r_p_adjust(method, expected):
    out = adjust_pvalues([0.01, np.nan, 0.04, 0.03, 0.20], method=method)
    assert out[[0, 2, 3, 4]] == pytest.approx(expected, rel=1e-9)


def test_adjust_pvalues_without_nan_equals_statsmodels():
    p = np.random.default_rng(3).uniform(size=40) ** 3
    for method in ("fdr_bh", "holm", "bonferroni", "fdr_by", "hommel"):
        assert adjust_pvalues(p, method=method) == pytest.approx(
            multipletests(p, method=method)[1], rel=1e-12
        )


def test_adjust_pvalues_refuses_bad_input():
    with pytest.raises(ValueError, match="`method`"):
        adjust_pvalues([0.1], method="BH")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        adjust_pvalues([1.5])
    assert np.isnan(adjust_pvalues([np.nan, np.nan])).all()


# ----------------------------------------------------------------------------------------------
# the sample


def test_glm_on_the_sample_week_with_truth(sample_cells):
    cells = cl.select_week(sample_cells, "2026-W47")
    formula = "atc_rate ~ is_live + C(hour) + category + age_group + gender + promo"
    res = glm(cells, formula)
    assert res.cartlift.n_clusters > 100 and res.cartlift.status == "ok"
    # like with like: the same model fitted to the expected counts (viewers x true p) is the
    # value this estimator targets; its live log-OR lies inside the cluster-robust interval
    exp = pd.read_parquet(SAMPLE_DIR / "expected" / "expected.parquet").set_index("row")
    p = exp.loc[cells["row"].astype(int), "p_atc"].to_numpy()
    oracle = glm(cells.assign(atc=cells["viewers"].astype(float) * p), formula)
    row = cl.coef_table(res).set_index("term").loc["is_live[T.True]"]
    assert row["ci_low"] < oracle.params["is_live[T.True]"] < row["ci_high"]
    eff = effects(res, contrast="is_live", over="group_a").set_index("effect")
    truth = effects(oracle, contrast="is_live", over="group_a").set_index("effect")
    assert eff.loc["rate_ratio", "ci_low"] < truth.loc["rate_ratio", "estimate"]
    assert truth.loc["rate_ratio", "estimate"] < eff.loc["rate_ratio", "ci_high"]
