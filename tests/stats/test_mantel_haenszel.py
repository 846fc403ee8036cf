"""analysis.stats.mantel_haenszel: Greenland-Robins, Robins-Breslow-Greenland, cluster jackknife.

Golden values: tests/reference/mantel_haenszel.R (R 4.2.2, metafor 3.8.1), printed output
committed beside it (mantel_haenszel.Rout), on tests/reference/mantel_haenszel_fixture.csv: the
tolbutamide table of Rothman (2012, Table 10-3) and 12 sparse strata with zero cells.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.paths import PROJECT_ROOT
from analysis.stats.adjusted import ratio_fit
from analysis.stats.mantel_haenszel import (
    greenland_robins,
    jackknife_log_ratio,
    robins_breslow_greenland,
)

FIXTURE = PROJECT_ROOT / "tests" / "reference" / "mantel_haenszel_fixture.csv"

# tests/reference/mantel_haenszel.Rout
R_OR = {"tolbutamide": (1.40314854342828, 0.76251516811557, 2.58201530572897),  # mantelhaen.test
        "sparse": (1.64339545575849, 0.990543298459932, 2.726532629322401)}  # fmt: skip
R_OR_SE = {"tolbutamide": 0.311154467116089, "sparse": 0.258303828752274}  # rma.mh OR
R_RR = {"tolbutamide": (1.32555532415511, 0.258981628015218),  # rma.mh RR = formula
        "sparse": (1.58515665759756, 0.242651974186037)}  # fmt: skip
R_RR_CI90_TOLBUTAMIDE = (0.865753211721945, 2.029558647436212)


def _long(table: str) -> tuple[np.ndarray, ...]:
    d = pd.read_csv(FIXTURE).query("table == @table")
    k = len(d)
    x = np.r_[d["xa"], d["xb"]].astype(float)
    n = np.r_[d["na"], d["nb"]].astype(float)
    side = np.r_[np.ones(k, bool), np.zeros(k, bool)]
    strata = np.r_[np.arange(k), np.arange(k)]
    return x, n, side, strata


@pytest.mark.parametrize("table", ["tolbutamide", "sparse"])
def test_robins_breslow_greenland_matches_mantelhaen_test(table):
    odds, se = robins_breslow_greenland(*_long(table))
    est, lo, hi = R_OR[table]
    z = stats.norm.ppf(0.975)
    assert odds == pytest.approx(est, rel=1e-12)
    assert se == pytest.approx(R_OR_SE[table], rel=1e-12)
    assert (odds * math.exp(-z * se), odds * math.exp(z * se)) == pytest.approx(
        (lo, hi), rel=1e-10
    )


@pytest.mark.parametrize("table", ["tolbutamide", "sparse"])
def test_greenland_robins_matches_metafor_and_formula(table):
    ratio, se = greenland_robins(*_long(table))
    assert (ratio, se) == pytest.approx(R_RR[table], rel=1e-12)


def test_greenland_robins_tolbutamide_90_interval():
    # Rothman (2012) Table 10-3 at the 90% level the textbook uses; R formula_rr_ci90
    ratio, se = greenland_robins(*_long("tolbutamide"))
    z = stats.norm.ppf(0.95)
    lo, hi = ratio * math.exp(-z * se), ratio * math.exp(z * se)
    assert (lo, hi) == pytest.approx(R_RR_CI90_TOLBUTAMIDE, rel=1e-10)


def test_greenland_robins_no_successes_is_nan():
    x, n, side, strata = _long("tolbutamide")
    ratio, se = greenland_robins(np.where(side, 0.0, x), n, side, strata)
    assert ratio == 0 and math.isnan(se)


def _clustered(seed: int, g_live: int = 8, g_off: int = 15, strata: int = 5):
    """Cells of a small clustered design: each cluster has cells in 1-3 strata."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(g_live + g_off):
        for s in rng.choice(strata, size=rng.integers(1, 4), replace=False):
            n = float(rng.integers(20, 400))
            rows.append((g, g < g_live, s, float(rng.binomial(int(n), 0.05 + 0.01 * s)), n))
    c, a, s, x, n = map(np.array, zip(*rows, strict=True))
    return x, n, a.astype(bool), s.astype(np.intp), c


def _brute_force(x, n, a, s, c, method):
    theta = []
    for g in np.unique(c):
        keep = c != g
        theta.append(math.log(ratio_fit(x[keep], n[keep], a[keep], s[keep], None,
                                        method=method).ratio))  # fmt: skip
    theta = np.array(theta)
    G = len(theta)
    return math.sqrt((G - 1) / G * np.sum((theta - theta.mean()) ** 2))


@pytest.mark.parametrize("method", ["mantel-haenszel", "standardisation"])
@pytest.mark.parametrize(("seed", "strata"), [(1, 5), (2, 5), (3, 12), (4, 12)])
def test_jackknife_equals_loop_over_deletions(method, seed, strata):
    x, n, a, s, c = _clustered(seed, strata=strata)
    if strata == 12:  # sparse: some deletion leaves a stratum with one side only
        lone = [
            k for k in range(strata) if len(set(c[a & (s == k)])) == 1 and (~a & (s == k)).any()
        ]
        assert lone
    jk = jackknife_log_ratio(x, n, a, s, c, method=method)
    assert jk.status == "ok"
    assert jk.ratio == pytest.approx(ratio_fit(x, n, a, s, None, method=method).ratio, rel=1e-12)
    assert jk.se_log == pytest.approx(_brute_force(x, n, a, s, c, method), rel=1e-10)
    assert (jk.n_clusters_a, jk.n_clusters_b, jk.df) == (8, 15, 7.0)


def test_jackknife_cluster_ids_need_not_be_contiguous():
    x, n, a, s, c = _clustered(4)
    base = jackknife_log_ratio(x, n, a, s, c, method="mantel-haenszel")
    other = jackknife_log_ratio(x, n, a, s, c * 7 + 1000, method="mantel-haenszel")
    assert other.se_log == pytest.approx(base.se_log, rel=1e-14)


def test_jackknife_one_live_is_too_few():
    x, n, a, s, c = _clustered(5)
    c = np.where(a, 0, c)  # every LIVE cell in one cluster
    jk = jackknife_log_ratio(x, n, a, s, c, method="mantel-haenszel")
    assert math.isnan(jk.se_log) and jk.status == "undefined_too_few"
    assert jk.n_clusters_a == 1 and "side a" in jk.detail and np.isfinite(jk.ratio)


def test_jackknife_deletion_that_empties_a_side_is_not_estimable():
    x, n, a, s, c = _clustered(6)
    first_live = c[a].min()
    x = np.where(a & (c != first_live), 0.0, x)  # all LIVE successes in one LIVE
    jk = jackknife_log_ratio(x, n, a, s, c, method="standardisation")
    assert math.isnan(jk.se_log) and jk.status == "undefined_not_estimable"
    assert "1 of 23 clusters" in jk.detail


def test_jackknife_no_successes_on_a_side():
    x, n, a, s, c = _clustered(7)
    jk = jackknife_log_ratio(np.where(a, 0.0, x), n, a, s, c, method="mantel-haenszel")
    assert jk.status == "undefined_no_successes" and math.isnan(jk.se_log)


def _aa_rejections(g_live: int, reps: int, seed: int) -> tuple[int, int]:
    """Clustered A/A: no LIVE effect, LIVE ICC 0.02, LIVEs concentrated in late strata.

    Design drawn once from ``seed`` (unequal LIVE sizes, 6 strata with rates 3-8%, LIVEs
    over-represented in the high-rate strata, 40 off-live product-day clusters); per replicate
    mean-one lognormal cluster effects (SPEC13 simulator) and binomial counts. Reject when
    ``|log R| / se > t(min(G_a, G_b) - 1)`` at 5%; also counts the rejections of the
    unclustered Greenland-Robins z test on the same data (jackknife, Greenland-Robins).
    """
    rng = np.random.default_rng(seed)
    S, g_off = 6, 40
    rate = np.linspace(0.03, 0.08, S)
    cl, st, nn = [], [], []
    for g in range(g_live + g_off):
        live = g < g_live
        k = rng.integers(1, 4)
        pr = np.linspace(1, 3, S) if live else np.ones(S)
        for s in rng.choice(S, size=k, replace=False, p=pr / pr.sum()):
            cl.append(g), st.append(s)
            nn.append(float(np.ceil(rng.lognormal(5.5 if live else 4.5, 0.8))))
    c, s, n = np.array(cl), np.array(st, np.intp), np.array(nn)
    a = c < g_live
    p0 = rate[s]
    sigma2 = math.log(1 + 0.02 * (1 - p0.mean()) / p0.mean())  # ICC 0.02 on the rate scale
    G = g_live + g_off
    crit = stats.t.ppf(0.975, min(g_live, g_off) - 1)
    rejected, naive = 0, 0
    z = stats.norm.ppf(0.975)
    for _ in range(reps):
        u = rng.normal(-sigma2 / 2, math.sqrt(sigma2), G)
        x = rng.binomial(n.astype(int), np.minimum(p0 * np.exp(u[c]), 1.0)).astype(float)
        jk = jackknife_log_ratio(x, n, a, s, c, method="mantel-haenszel")
        rejected += bool(abs(math.log(jk.ratio)) / jk.se_log > crit)
        ratio, se = greenland_robins(x, n, a, s)
        naive += bool(abs(math.log(ratio)) / se > z)
    return rejected, naive


@pytest.mark.parametrize("g_live", [10, 30])
def test_jackknife_aa_rejection_rate_within_binomial_band(g_live):
    reps = 2000
    rejected, naive = _aa_rejections(g_live, reps, seed=1300 + g_live)
    band = 3 * math.sqrt(0.05 * 0.95 / reps)  # 3 binomial SE around the nominal 5%
    assert abs(rejected / reps - 0.05) <= band, rejected / reps
    assert naive / reps > 0.05 + band, naive / reps  # viewers as independent: over-rejects


# tests/reference/jackknife_log_ratio.Rout: brute-force deletions in base R on jackknife_fixture.csv
R_JACKKNIFE = {"mantel-haenszel": (0.942387467600796, 0.0662789029154743),
               "standardisation": (0.949112087028436, 0.0853698337133576)}  # fmt: skip


@pytest.mark.parametrize("method", ["mantel-haenszel", "standardisation"])
def test_jackknife_matches_r_brute_force(method):
    d = pd.read_csv(FIXTURE.with_name("jackknife_fixture.csv"))
    jk = jackknife_log_ratio(d["x"], d["n"], d["live"].astype(bool), d["stratum"], d["cluster"],
                             method=method)  # fmt: skip
    assert (jk.ratio, jk.se_log) == pytest.approx(R_JACKKNIFE[method], rel=1e-12)
    assert (jk.n_clusters_a, jk.n_clusters_b, jk.df) == (8, 15, 7.0)
