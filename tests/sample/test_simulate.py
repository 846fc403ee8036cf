"""The simulated shop (:mod:`analysis.sample.simulate`) and the committed sample in ``data/sample``.

Planted effects are checked the way an analyst would find them: binomial GLMs on the counts with
cluster-robust (LIVE session / product-day) standard errors; where a test targets one effect, the
other planted terms enter as an offset taken from :func:`analysis.sample.simulate.terms`.
"""

from __future__ import annotations

import importlib
import json

import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.api as sm

from analysis.cells import COLUMNS, validate_cells
from analysis.paths import SAMPLE_DIR
from analysis.sample.ground_truth import iso_week
from analysis.sample.parameters import AGE_GROUPS, CATEGORIES, INTERVENTION_CREATOR
from analysis.sample.truth import EXPECTED_FILE

BIG = {"weeks": 8, "seed": 0, "scale": 4.0}  # large sample, same shop as the committed one
LONG = {"weeks": 16, "seed": 0, "scale": 1.0}  # more LIVEs per creator: fatigue, intervention
RANDOM_TERMS = ("session", "product_day")  # left out of offsets: the clustered noise
# the module, not the function: `analysis.sample.simulate` may be either (lazy exports in __init__)
sim = importlib.import_module("analysis.sample.simulate")


@pytest.fixture(scope="module")
def big():
    cells, truth = sim.simulate(**BIG)
    return cells, truth, sim.terms(**BIG)


@pytest.fixture(scope="module")
def long():
    cells, truth = sim.simulate(**LONG)
    return cells, truth, sim.terms(**LONG)


@pytest.fixture(scope="module")
def sample(sample_cells):
    """The committed sample, as the notebooks load it (cells shared by the session)."""
    cells = sample_cells
    expected = pd.read_parquet(SAMPLE_DIR / EXPECTED_FILE)
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text(encoding="utf-8"))
    return cells, truth, expected


def _frame(cells: pd.DataFrame) -> pd.DataFrame:
    """Plain numpy-typed covariates for patsy."""
    out = pd.DataFrame(
        {
            "hour": cells["hour"].astype(int).to_numpy(),
            "is_live": cells["is_live"].astype(bool).to_numpy(),
        }
    )
    for c in ("channel", "age_group", "gender", "category", "promo", "creator", "content_id"):
        out[c] = cells[c].astype(object).fillna("").to_numpy()
    return out


def _offset(terms: pd.DataFrame, estimated) -> np.ndarray:
    drop = ["row", *estimated, *RANDOM_TERMS]
    return terms.drop(columns=drop).sum(axis=1).to_numpy()


def _clusters(cells: pd.DataFrame) -> np.ndarray:
    """LIVE session for LIVE cells, product x day for off-live cells."""
    key = np.where(
        cells["is_live"].astype(bool),
        "live/" + cells["content_id"].astype(str),
        cells["product_id"].astype(str) + "/" + cells["date"].astype(str),
    )
    return pd.factorize(key)[0]


def _glm(cells, rhs, data, offset, groups=None):
    x = patsy.dmatrix(rhs, data, return_type="dataframe")
    atc = cells["atc"].to_numpy(dtype=float)
    y = np.column_stack([atc, cells["viewers"].to_numpy(dtype=float) - atc])
    model = sm.GLM(y, x, family=sm.families.Binomial(), offset=offset)
    if groups is None:
        return model.fit()
    return model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)


def _rate(cells: pd.DataFrame, num: str = "atc") -> float:
    return cells[num].sum() / cells["viewers"].sum()


def _utc_ns(ts) -> np.ndarray:
    s = pd.Series(ts)
    return s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view("int64")


def _hours_since_live(cells: pd.DataFrame, truth: dict) -> np.ndarray:
    """Hours from the end of the last LIVE showing the product to the cell start (inf: none)."""
    ends: dict[str, list[int]] = {}
    for lv in truth["lives"]:
        end = pd.Timestamp(lv["end"]).tz_convert("UTC").tz_localize(None).value
        for pid in lv["product_ids"]:
            ends.setdefault(pid, []).append(end)
    start = _utc_ns(cells["start"])
    pid = cells["product_id"].astype(str).to_numpy()
    dt = np.full(len(cells), np.inf)
    for p, e in ends.items():
        e = np.sort(e)
        sel = pid == p
        k = np.searchsorted(e, start[sel], side="right") - 1
        got = np.where(k >= 0, (start[sel] - e[np.maximum(k, 0)]) / 3.6e12, np.inf)
        dt[sel] = got
    return dt


# --------------------------------------------------------------------------------------------
# determinism, schema
# --------------------------------------------------------------------------------------------
def test_same_seed_same_output_and_different_seed_differs():
    a_cells, a_truth = sim.simulate(weeks=2, seed=7)
    a_expected = sim.expected(weeks=2, seed=7)
    a_cells.loc[0, "atc"] = 10**6  # the caller's copy: must not leak into the next call
    sim.clear_cache()  # recompute from scratch, not from the cache
    b_cells, b_truth = sim.simulate(weeks=2, seed=7)
    c_cells, c_truth = sim.simulate(weeks=2, seed=8)
    assert b_cells.loc[0, "atc"] != 10**6
    a_cells.loc[0, "atc"] = b_cells.loc[0, "atc"]
    pd.testing.assert_frame_equal(a_cells, b_cells)
    pd.testing.assert_frame_equal(a_expected, sim.expected(weeks=2, seed=7))
    assert a_truth == b_truth
    assert a_truth != c_truth
    assert set(a_cells["product_id"]).isdisjoint(set(c_cells["product_id"]))
    assert not a_cells[["viewers", "atc"]].equals(c_cells[["viewers", "atc"]].head(len(a_cells)))


def test_cells_are_valid_canonical_cells():
    cells, truth = sim.simulate(weeks=8, seed=0)
    assert list(cells.columns) == list(COLUMNS)
    again = validate_cells(cells.drop(columns=["date", "hour", "weekday", "is_live"]))
    pd.testing.assert_frame_equal(again, cells)
    assert cells["row"].tolist() == list(range(1, len(cells) + 1))
    assert (cells["source"] == "simulate").all() and cells["file"].isna().all()
    assert str(cells["start"].dt.tz) == "Europe/Paris" == truth["tz"]
    assert set(cells["grain"]) == {"hour"} and set(cells["unit"]) == {"visitor"}
    assert set(cells["currency"]) == {"EUR"} and cells["region"].isna().all()
    assert set(cells["channel"]) == {"LIVE", "VIDEO", "PRODUCT_CARD"}
    assert set(cells["category"]) == set(CATEGORIES)
    assert set(cells["age_group"]) == set(AGE_GROUPS)
    assert set(cells["gender"]) == {"female", "male"}
    assert set(cells["promo"]) == {"none", "discount", "flash_sale"}
    assert set(cells.loc[cells["promo"] == "flash_sale", "channel"]) == {"LIVE"}
    assert cells["product_id"].str.fullmatch(r"\d{19}").all()
    assert cells["product_id"].nunique() == 12
    content = cells["channel"] != "PRODUCT_CARD"
    assert cells.loc[content, "content_id"].str.fullmatch(r"\d{19}").all()
    assert cells.loc[content, ["content_title", "creator"]].notna().all().all()
    assert cells.loc[~content, ["content_id", "content_title", "creator"]].isna().all().all()
    assert cells.loc[content, "creator"].str.fullmatch(r"@[a-z]+\.[a-z]+").all()
    live = cells["is_live"].astype(bool)
    assert cells.loc[live, "content_title"].str.startswith("Live ").all()
    # funnel: impressions >= clicks >= viewers >= atc >= checkouts >= orders; items >= orders
    c = cells[["impressions", "clicks", "viewers", "atc", "checkouts", "orders"]].to_numpy(int)
    assert (np.diff(c, axis=1) <= 0).all()
    assert (cells["viewers"] > 0).all()
    assert (cells["items"] >= cells["orders"]).all()
    assert ((cells["revenue"] > 0) == (cells["orders"] > 0)).all()
    assert cells.loc[~live, "views"].isna().all()
    assert (cells.loc[live, "views"] >= cells.loc[live, "viewers"]).all()
    # 3-5 products per LIVE, 1-3 hours
    per_live = cells[live].groupby("content_id")
    assert per_live["product_id"].nunique().between(3, 5).all()
    assert per_live["start"].nunique().between(1, 3).all()
    # the end of summer time: 2026-10-25 has 25 distinct hours, 02:00 twice
    day = cells[cells["date"] == "2026-10-25"]
    assert day["start"].nunique() == 25
    assert day.loc[day["hour"] == 2, "start"].nunique() == 2


def test_truth_is_json_and_complete():
    cells, truth = sim.simulate(weeks=8, seed=0)
    assert json.loads(json.dumps(truth)) == truth
    for key in ("seed", "weeks", "start", "tz", "scale", "intercept", "live_log_or", "hour_curve",
                "age_group", "gender", "category", "promo", "creators", "sd", "icc",
                "intervention", "halo", "fatigue", "anomalies", "baskets", "order_probability",
                "conditional", "crude", "lives", "product_day_effects"):  # fmt: skip
        assert key in truth, key
    assert (truth["seed"], truth["weeks"], truth["start"]) == (0, 8, "2026-09-28")
    assert truth["intervention"]["date"] == "2026-10-26" and truth["intervention"]["in_sample"]
    assert pd.Timestamp(truth["intervention"]["date"]).weekday() == 0
    assert len(truth["creators"]) == 6 and len(truth["anomalies"]) == 3
    assert all(pd.Timestamp(a["start"]).tzinfo is not None for a in truth["anomalies"])
    cond = truth["conditional"]
    assert cond["odds_ratio"] == pytest.approx(np.exp(truth["live_log_or"]))
    assert cond["rate_ratio"] == pytest.approx(cond["live_rate"] / cond["nonlive_rate"])
    # the creator random effects are recorded, the drawn ones centred on 0
    drawn = [c["effect"] for h, c in truth["creators"].items() if h != INTERVENTION_CREATOR]
    assert abs(np.mean(drawn)) < 1e-3 and np.std(drawn) > 0.05
    # naive tests are over-confident: clustering inflates the variance several-fold
    assert truth["icc"]["empirical"]["live_session"]["design_effect"] > 3
    assert truth["icc"]["latent"]["session"] == pytest.approx(0.25**2 / (0.25**2 + np.pi**2 / 3))


def test_p_atc_rebuilt_from_truth_json_alone(sample):
    """truth.json holds every planted value: p_atc and p_order follow from it and the cells."""
    cells, truth, expected = sample
    live = cells["channel"].eq("LIVE").to_numpy()
    video = cells["channel"].eq("VIDEO").to_numpy()

    def lookup(col, table):
        return cells[col].astype(object).map(table).to_numpy(dtype=float)

    eta = truth["intercept"] + live * truth["live_log_or"] + video * truth["video_log_or"]
    eta = eta + lookup("hour", {int(h): v for h, v in truth["hour_curve"]["by_hour"].items()})
    for col in ("age_group", "gender", "category", "promo"):
        eta = eta + lookup(col, truth[col])
    creators = {h: c["effect"] for h, c in truth["creators"].items()}
    eta = eta + np.nan_to_num(lookup("creator", creators))
    lives = pd.DataFrame(truth["lives"]).set_index("content_id")
    in_live = cells["content_id"].astype(object).where(live)
    eta = eta + np.nan_to_num(in_live.map(lives["session_effect"]).to_numpy(dtype=float))
    n = np.nan_to_num(in_live.map(lives["series_index"]).to_numpy(dtype=float))
    eta = eta - truth["fatigue"]["gamma"] * n
    after = np.nan_to_num(in_live.map(lives["intervention"].astype(float)).to_numpy(dtype=float))
    eta = eta + truth["intervention"]["log_or_jump"] * after
    pday = {
        f"{p}/{d}": v for p, days in truth["product_day_effects"].items() for d, v in days.items()
    }
    key = cells["product_id"].astype(str) + "/" + cells["date"].dt.strftime("%Y-%m-%d")
    eta = eta + np.where(live, 0.0, key.map(pday).to_numpy(dtype=float))
    dt = _hours_since_live(cells, truth)
    halo = truth["halo"]["beta"] * np.exp(-dt / truth["halo"]["tau_hours"])
    eta = eta + np.where(live, 0.0, halo)
    shifts = {pd.Timestamp(a["start"]).value: a["shift"] for a in truth["anomalies"]}
    eta = eta + pd.Series(_utc_ns(cells["start"])).map(shifts).fillna(0.0).to_numpy()
    p_atc = 1 / (1 + np.exp(-eta))
    assert (cells["row"].to_numpy() == expected["row"].to_numpy()).all()
    np.testing.assert_allclose(p_atc, expected["p_atc"].to_numpy(), rtol=1e-9, atol=1e-12)
    q = lookup("category", truth["order_probability"]) * truth["checkout_probability"]
    np.testing.assert_allclose(p_atc * q, expected["p_order"].to_numpy(), rtol=1e-9)
    assert (halo[~live] > 0).mean() > 0.9  # nearly every off-live cell follows some LIVE


# --------------------------------------------------------------------------------------------
# the committed sample
# --------------------------------------------------------------------------------------------
def _assert_same_truth(a, b, path="truth"):
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for k in a:
            _assert_same_truth(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same_truth(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), path
    else:
        assert a == b, path


def test_committed_sample_is_fresh_and_small(sample):
    cells, truth, expected = sample
    fresh, fresh_truth = sim.simulate(weeks=8, seed=0)
    assert (cells["file"] == "cells.parquet").all()  # load() names the file of every row
    # a stale sample fails here: regenerate it
    pd.testing.assert_frame_equal(cells.drop(columns="file"), fresh.drop(columns="file"))
    pd.testing.assert_frame_equal(expected, sim.expected(weeks=8, seed=0))
    _assert_same_truth(truth, fresh_truth)  # floats to 1e-12: summation order varies by BLAS
    assert list(expected.columns) == ["row", "p_atc", "p_order"]
    files = [f for f in SAMPLE_DIR.parent.rglob("*") if f.is_file()]
    assert sum(f.stat().st_size for f in files) <= 5_000_000
    assert (SAMPLE_DIR / "cells.parquet").stat().st_size <= 5_000_000
    # big enough for the last week alone; off-live = PRODUCT_CARD + VIDEO
    last = truth["sample"]["viewers_by_week"]["2026-W47"]
    assert last["live"] >= 5_000 and last["nonlive"] >= 20_000
    assert set(truth["crude"]["weeks"]) == {f"2026-W{w}" for w in range(40, 48)}


def test_crude_truth_equals_expected_rates_of_the_cells(sample):
    cells, truth, expected = sample
    df = cells[["row", "is_live", "date", "viewers"]].merge(expected, on="row")
    df["week"] = iso_week(df["date"])
    for metric, col in (("crude", "p_atc"), ("crude_conversion", "p_order")):
        for week, part in [("overall", df), *df.groupby("week")]:
            got = truth[metric]["overall" if week == "overall" else "weeks"]
            got = got if week == "overall" else got[week]
            side = {}
            for is_live, s in part.groupby("is_live"):
                v = s["viewers"].to_numpy(dtype=float)
                side[is_live] = (v * s[col].to_numpy()).sum() / v.sum()
            assert got["live_rate"] == pytest.approx(side[True], rel=1e-12)
            assert got["nonlive_rate"] == pytest.approx(side[False], rel=1e-12)
            assert got["ratio"] == pytest.approx(side[True] / side[False], rel=1e-12)


def test_committed_sample_matches_the_trade_press(sample):
    """Crude expected rates of the default shop: live near 9 %, off-live 2-4 %, lift 3-5x."""
    _, truth, _ = sample
    crude = truth["crude"]["overall"]
    assert 0.02 <= crude["nonlive_rate"] <= 0.04
    assert 0.08 <= crude["live_rate"] <= 0.10
    assert 3 <= crude["ratio"] <= 5
    # the crude contrast is confounded: larger than the planted conditional one
    assert crude["ratio"] > truth["conditional"]["rate_ratio"] * 1.1


# --------------------------------------------------------------------------------------------
# planted effects recovered on large samples
# --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_trade_press_ranges_on_a_large_sample(big):
    cells, _, _ = big
    live = cells["is_live"].astype(bool)
    off, on = _rate(cells[~live]), _rate(cells[live])
    assert 0.02 <= off <= 0.04
    assert 0.08 <= on <= 0.10
    assert 3 <= on / off <= 5
    flash = cells[live & cells["promo"].eq("flash_sale")]
    assert flash["viewers"].sum() > 10_000
    assert 0.10 <= _rate(flash) <= 0.12


@pytest.mark.slow
@pytest.mark.no_cover  # repeated fits of code other tests cover: not traced (conftest)
def test_glm_recovers_live_effect_age_and_hour_peak(big):
    cells, truth, terms = big
    estimated = ("intercept", "live", "video", "hour", "age_group", "gender", "category", "promo")
    rhs = ("C(channel, Treatment('PRODUCT_CARD')) + C(hour, Treatment(19)) + C(age_group)"
           " + C(gender) + C(category, Treatment('home')) + C(promo, Treatment('none'))")  # fmt: skip
    groups = _clusters(cells)
    res = _glm(cells, rhs, _frame(cells), _offset(terms, estimated), groups)
    ci = res.conf_int()
    live = "C(channel, Treatment('PRODUCT_CARD'))[T.LIVE]"
    assert ci.loc[live, 0] <= truth["live_log_or"] <= ci.loc[live, 1]
    age = "C(age_group)[T.25-34]"
    assert ci.loc[age, 0] <= truth["age_group"]["25-34"] <= ci.loc[age, 1]
    hours = res.params.filter(like="C(hour").rename(lambda s: int(s.split("T.")[1][:-1]))
    hours[19] = 0.0
    assert hours.idxmax() in (18, 19, 20)
    trough = "C(hour, Treatment(19))[T.7]"
    assert ci.loc[trough, 0] <= truth["hour_curve"]["by_hour"]["7"] <= ci.loc[trough, 1]
    # the others: close to the planted values
    for name, want in [
        ("C(gender)[T.male]", truth["gender"]["male"]),
        ("C(category, Treatment('home'))[T.beauty]", truth["category"]["beauty"]),
        ("C(category, Treatment('home'))[T.gaming]", truth["category"]["gaming"]),
        ("C(promo, Treatment('none'))[T.discount]", truth["promo"]["discount"]),
        ("C(promo, Treatment('none'))[T.flash_sale]", truth["promo"]["flash_sale"]),
    ]:
        assert abs(res.params[name] - want) < 0.15, name
    # overdispersion: the naive (independent viewers) SE of the live effect is over-confident
    naive = pd.Series(np.sqrt(np.diag(res.normalized_cov_params)), index=res.params.index)
    assert res.bse[live] > 1.5 * naive[live]


@pytest.mark.slow
def test_post_live_halo_is_positive_and_decays(big):
    cells, truth, terms = big
    off = ~cells["is_live"].astype(bool).to_numpy()
    cells, terms = cells[off].reset_index(drop=True), terms[off].reset_index(drop=True)
    dt = _hours_since_live(cells, truth)  # inf before the first LIVE showing the product
    data = pd.DataFrame(
        {
            "bin": np.digitize(dt, [24, 48, 96]),  # 0: 0-24 h, 1: 24-48 h, 2: 48-96 h, 3: later
            "x": np.exp(-dt / truth["halo"]["tau_hours"]),
        }
    )
    offset = _offset(terms, ("intercept", "halo"))
    groups = _clusters(cells)
    binned = _glm(cells, "C(bin, Treatment(3))", data, offset, groups)
    lags = binned.params.filter(like="C(bin").to_numpy()  # 0-24 h, 24-48 h, 48-96 h vs 96 h+
    assert binned.conf_int().loc["C(bin, Treatment(3))[T.0]", 0] > 0  # same-day: clearly up
    assert lags[0] > 1.5 * max(lags[1], lags[2])  # and lower over the following days
    fitted = _glm(cells, "x", data, offset, groups)
    lo, hi = fitted.conf_int(alpha=0.01).loc["x"]
    assert lo <= truth["halo"]["beta"] <= hi and lo > 0
    # profile likelihood of the decay time: days, neither hours nor a lasting shift
    llf = {
        tau: _glm(cells, "x", pd.DataFrame({"x": np.exp(-dt / tau)}), offset).llf
        for tau in (8, 24, 36, 54, 144)
    }
    best = max(llf, key=llf.get)
    assert best in (24, 36, 54)
    assert llf[best] - llf[8] > 10 and llf[best] - llf[144] > 10


@pytest.mark.slow
def test_intervention_jump_and_fatigue_recovered(long):
    cells, truth, terms = long
    live = cells["is_live"].astype(bool).to_numpy()
    cells, terms = cells[live].reset_index(drop=True), terms[live].reset_index(drop=True)
    lives = pd.DataFrame(truth["lives"]).set_index("content_id")
    data = _frame(cells)
    data["series_index"] = data["content_id"].map(lives["series_index"]).astype(float)
    when = pd.Timestamp(truth["intervention"]["start"])
    data["after"] = (
        (cells["creator"] == truth["intervention"]["creator"]) & (cells["start"] >= when)
    ).to_numpy(dtype=float)
    assert 0 < data["after"].mean() < 0.2
    offset = _offset(terms, ("intercept", "live", "creator", "fatigue", "intervention"))
    res = _glm(cells, "C(creator) + after + series_index", data, offset, _clusters(cells))
    ci = res.conf_int(alpha=0.01)  # 99 %: one creator's ~32 sessions carry the jump
    jump = truth["intervention"]["log_or_jump"]
    assert ci.loc["after", 0] <= jump <= ci.loc["after", 1]
    assert ci.loc["after", 0] > 0.3
    gamma = truth["fatigue"]["gamma"]
    assert ci.loc["series_index", 0] <= -gamma <= ci.loc["series_index", 1]
    assert ci.loc["series_index", 1] < 0
    # the before / after rates of the truth are those of her cells
    ines = cells["creator"] == truth["intervention"]["creator"]
    assert truth["intervention"]["rate_before"] == pytest.approx(0.04)
    assert truth["intervention"]["rate_after"] == pytest.approx(0.09)
    assert _rate(cells[ines & (cells["start"] < when)]) < _rate(
        cells[ines & (cells["start"] >= when)]
    )


@pytest.mark.slow
def test_anomalous_hours_stand_out(big):
    cells, truth, terms = big
    offset = _offset(terms, ("anomaly",))
    start = _utc_ns(cells["start"])
    for a in truth["anomalies"]:
        hit = start == pd.Timestamp(a["start"]).value
        assert hit.sum() > 20
        res = _glm(cells[hit].reset_index(drop=True), "1", pd.DataFrame(index=range(hit.sum())),
                   offset[hit])  # fmt: skip
        est, se = res.params.iloc[0], res.bse.iloc[0]
        assert abs(est - a["shift"]) < 4 * se + 0.25  # one hour: session noise on top
        assert np.sign(est) == np.sign(a["shift"])
