"""Empirical-Bayes shrinkage and funnel limits: golden values from base R, statuses, the sample.

Golden values: ``tests/reference/shrinkage_reference.R`` run with R 4.2.2 on
``tests/reference/shrinkage_fixture.csv``; its printed output is committed as
``tests/reference/shrinkage_reference.out`` and the numbers below are copied from it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.paths import PROJECT_ROOT, SAMPLE_DIR
from analysis.sample.truth import read_truth
from analysis.stats.funnel import (
    FUNNEL_COLUMNS,
    dersimonian_laird_tau2,
    funnel_limits,
    overdispersed_limits,
)
from analysis.stats.shrinkage import SHRINK_COLUMNS, fit_beta_prior, shrink
from analysis.vocabulary import status_message

FIXTURE = PROJECT_ROOT / "tests" / "reference" / "shrinkage_fixture.csv"


def fixture_cells() -> pd.DataFrame:
    d = pd.read_csv(FIXTURE)
    return d.rename(columns={"successes": "atc", "trials": "viewers"}).assign(unit="visitor")


# shrinkage_reference.out, "EB prior": optim BFGS with the analytic gradient
R_ALPHA, R_BETA = 4.0941434572, 44.6502258461
# shrinkage_reference.out, "EB posterior per group": fitted, low, high (95 %) for g01, g04, g15
R_POSTERIOR = {
    "g01": (0.04613412084, 0.01311448989, 0.09821211556),
    "g04": (0.20797223399, 0.15033524707, 0.27216192051),
    "g15": (0.12944609381, 0.11928212906, 0.13995677927),
}
# low90 / high90 of g04
R_G04_90 = (0.15875902822, 0.26113074712)
# "Funnel (FunnelPlotR PR method)"
R_TARGET, R_PHI, R_TAU2 = 0.096076001652, 7.1421883542, 0.002351907712
R_FUNNEL = {  # z_adj, lower95, upper95, lower998, upper998, flag95
    "g01": (-3.39799797491, 0.01768302012, 0.2272723650, 0.0008145489175, 0.3204630559, "below"),
    "g04": (3.27364127135, 0.03370027848, 0.1858236398, 0.0119098917603, 0.2477134013, "above"),
    "g15": (1.09308828164, 0.04713396936, 0.1599570967, 0.0264334936269, 0.2026853370, "inside"),
}
R_LIMITS = {40: (0.0176830201, 0.2272723650), 1000: (0.0455908204, 0.1626565281),
            10000: (0.0474527187, 0.1594070241)}  # fmt: skip


def test_prior_matches_base_r_mle():
    d = pd.read_csv(FIXTURE)
    prior = fit_beta_prior(d["successes"], d["trials"])
    assert prior.converged and not prior.at_bound
    # the likelihood is flat along alpha/beta: R's two starts agree to ~5e-7
    assert prior.alpha == pytest.approx(R_ALPHA, rel=1e-5)
    assert prior.beta == pytest.approx(R_BETA, rel=1e-5)


def test_shrink_matches_base_r_posterior():
    out = shrink(fixture_cells(), by="group").set_index("group")
    assert list(out.reset_index().columns) == ["group", *SHRINK_COLUMNS]
    for g, (mean, lo, hi) in R_POSTERIOR.items():
        assert out.loc[g, "shrunk_rate"] == pytest.approx(mean, abs=1e-7)
        assert out.loc[g, "ci_low"] == pytest.approx(lo, abs=1e-7)
        assert out.loc[g, "ci_high"] == pytest.approx(hi, abs=1e-7)
    ninety = shrink(fixture_cells(), by="group", level=0.90).set_index("group")
    assert ninety.loc["g04", ["ci_low", "ci_high"]].tolist() == pytest.approx(R_G04_90, abs=1e-7)
    assert (out["status"] == "ok").all() and (out["method"] == "beta-binomial-mle").all()


def test_funnel_matches_funnelplotr_transcription():
    out = funnel_limits(fixture_cells(), by="group").set_index("group")
    assert list(out.reset_index().columns) == ["group", *FUNNEL_COLUMNS]
    assert out["target"].iloc[0] == pytest.approx(R_TARGET, abs=1e-12)
    assert out["phi"].iloc[0] == pytest.approx(R_PHI, rel=1e-9)
    assert out["tau2"].iloc[0] == pytest.approx(R_TAU2, rel=1e-9)
    wide = funnel_limits(fixture_cells(), by="group", level=0.998).set_index("group")
    for g, (z, lo, hi, lo3, hi3, flag) in R_FUNNEL.items():
        assert out.loc[g, "z"] == pytest.approx(z, abs=1e-9)
        assert out.loc[g, ["lower", "upper"]].tolist() == pytest.approx([lo, hi], abs=1e-9)
        assert wide.loc[g, ["lower", "upper"]].tolist() == pytest.approx([lo3, hi3], abs=1e-9)
        assert out.loc[g, "flag"] == flag
    for n, pair in R_LIMITS.items():
        got = overdispersed_limits(R_TARGET, [n], R_TAU2, 0.95)
        assert [float(got[0][0]), float(got[1][0])] == pytest.approx(pair, abs=1e-9)
    # exactly the two planted outliers of the fixture are flagged at 95 %
    assert sorted(out.index[out["flag"] != "inside"]) == ["g01", "g04"]


def test_overdispersion_widens_limits_and_none_is_binomial():
    od = funnel_limits(fixture_cells(), by="group")
    plain = funnel_limits(fixture_cells(), by="group", overdispersion="none")
    assert (plain["tau2"] == 0).all() and plain["phi"].isna().all()
    assert (od["upper"] > plain["upper"]).all() and (od["lower"] < plain["lower"]).all()
    # without overdispersion the big groups g12-g15 fall outside: the naive funnel over-flags
    assert (plain["flag"] != "inside").sum() > (od["flag"] != "inside").sum()


def test_dersimonian_laird_no_overdispersion_is_zero():
    s = np.full(10, 0.01)
    z = np.linspace(-1, 1, 10)  # phi < (k - 1) / k
    phi, tau2 = dersimonian_laird_tau2(z, s)
    assert tau2 == 0.0 and phi < 1
    assert np.isnan(dersimonian_laird_tau2([1.0, 2.0], [0.1, 0.1])[1])
    with pytest.raises(ValueError, match="winsorise"):
        dersimonian_laird_tau2(z, s, winsorise=0.5)


def test_limits_stay_in_unit_interval():
    lo, hi = overdispersed_limits(0.02, [1, 5, 50], 0.01, 0.998)
    assert (lo >= 0).all() and (hi <= 1).all() and lo[0] == 0.0


def test_a_40_viewer_creator_does_not_top_the_shrunken_list():
    cells = pd.DataFrame({
        "creator": ["@big1", "@big2", "@big3", "@big4", "@tiny"],
        "atc": [800, 650, 700, 900, 7], "viewers": [10000, 9000, 9500, 11000, 40],
        "unit": "visitor",
    })  # fmt: skip
    out = shrink(cells, by="creator")
    assert out.loc[out["rate"].idxmax(), "creator"] == "@tiny"  # raw: 17.5 % tops the list
    assert out.loc[out["shrunk_rate"].idxmax(), "creator"] != "@tiny"
    tiny = out.set_index("creator").loc["@tiny"]
    assert tiny["shrunk_rate"] < 0.5 * tiny["rate"]  # pulled most of the way to ~7.7 %


def test_statuses():
    cells = pd.DataFrame({"g": ["a", "b", "c", "d"], "atc": [10, 10, 10, 0],
                          "viewers": [100, 100, 100, 0], "unit": "visitor"})  # fmt: skip
    out = shrink(cells, by="g").set_index("g")
    assert out.loc["a", "status"] == "ok"
    detail = "no between-group variation detected: every group shrunk to the prior mean"
    assert out.loc["a", "status_message"] == status_message("ok", detail)
    assert out.loc["a", "shrunk_rate"] == pytest.approx(0.1, abs=1e-6)
    assert out.loc["d", "status"] == "undefined_no_viewers" and np.isnan(out.loc["d", "rate"])
    assert out.loc["d", "shrunk_rate"] == pytest.approx(0.1, abs=1e-6)
    two = shrink(cells[cells["g"].isin(["a", "b"])], by="g")
    assert (two["status"] == "undefined_too_few").all()
    detail = "fewer than 3 groups with viewers to fit a prior"
    assert (two["status_message"] == status_message("undefined_too_few", detail)).all()
    assert two["shrunk_rate"].isna().all()
    f = funnel_limits(cells, by="g").set_index("g")
    assert f.loc["d", "status"] == "undefined_no_viewers" and pd.isna(f.loc["d", "flag"])
    f2 = funnel_limits(cells[cells["g"].isin(["a", "b"])], by="g")
    assert (f2["status"] == "partial").all()
    detail = (
        "overdispersion not estimated (fewer than 3 groups with viewers): plain binomial limits"
    )
    assert (f2["status_message"] == status_message("partial", detail)).all()
    missing = cells.astype({"atc": "Float64"}).assign(g=["a", "b", "c", "c"])
    missing.loc[3, "atc"] = pd.NA  # group c: one cell left out, the rates() code is carried
    assert funnel_limits(missing, by="g").set_index("g").loc["c", "status"] == "partial"


def test_inputs_not_mutated_and_arguments_checked():
    cells = fixture_cells()
    before = cells.copy()
    shrink(cells, by="group")
    funnel_limits(cells, by="group")
    pd.testing.assert_frame_equal(cells, before)
    with pytest.raises(ValueError, match="method"):
        shrink(cells, by="group", method="mm")
    with pytest.raises(ValueError, match="overdispersion"):
        funnel_limits(cells, by="group", overdispersion="scale")
    with pytest.raises(ValueError, match="ratio of sums"):
        shrink(cells.assign(revenue=1.0, orders=1, currency="EUR"), by="group", metric="aov")


def test_sample_creator_rates_recovered_within_credible_intervals(sample_cells):
    """The creators' differences are recovered: every creator's shrunken interval (8 weeks of
    LIVE cells) contains its expected rate from the planted truth."""
    cells = sample_cells
    truth = read_truth(SAMPLE_DIR)
    live = cells[cells["is_live"].fillna(False).astype(bool)]
    out = shrink(live, by="creator").set_index("creator")
    e = live[["creator", "row", "viewers"]].merge(truth.expected, on="row")
    e = e.assign(vp=e["viewers"] * e["p_atc"]).groupby("creator")[["vp", "viewers"]].sum()
    expected = e["vp"] / e["viewers"]
    assert ((out["ci_low"] <= expected) & (expected <= out["ci_high"])).all()
    # the planted best creator (@lea.beauty, +0.33) tops the shrunken leaderboard
    assert out["shrunk_rate"].idxmax() == "@lea.beauty"
    funnel = funnel_limits(live, by="creator")
    assert funnel["tau2"].iloc[0] > 0  # creators differ beyond chance
