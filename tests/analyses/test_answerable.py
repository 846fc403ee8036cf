"""analysis.analyses.answerable and live_only: what the cells can answer; the LIVE-list rates."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.analyses.answerable import (
    ANSWER_COLUMNS,
    NEEDS,
    PAGE_QUESTIONS,
    answerable,
    atc_unit,
    model_terms,
    one_unit,
)
from analysis.analyses.live_only import LIVE_RATE_COLUMNS, live_rates
from analysis.cells import validate_cells
from analysis.vocabulary import QUESTIONS

TZ = "Europe/Paris"


def cells(rows: list[dict]) -> pd.DataFrame:
    base = {"grain": "hour", "unit": "visitor"}
    return validate_cells(pd.DataFrame([base | r for r in rows]).astype("string"), tz=TZ)


def hourly(live_ids=("L1", "L2"), hours=(18, 19, 20), unit="visitor", **extra) -> list[dict]:
    """LIVE and VIDEO hourly cells on 2026-11-17 (a Tuesday of 2026-W47)."""
    rows = []
    for i, content in enumerate(live_ids):
        for h in hours:
            start = f"2026-11-{17 + i}T{h}:00:00+01:00"
            rows.append(
                {
                    "start": start,
                    "channel": "LIVE",
                    "content_id": content,
                    "product_id": "p1",
                    "viewers": 100,
                    "atc": 9,
                    "unit": unit,
                }
                | extra
            )
            rows.append({"start": start, "channel": "VIDEO", "product_id": "p1",
                         "viewers": 200, "atc": 5, "unit": unit} | extra)  # fmt: skip
    return rows


def answered(frame: pd.DataFrame) -> dict[str, bool]:
    return dict(zip(frame["question"], frame["answered"], strict=True))


def test_every_question_has_its_needs_and_a_page():
    assert set(NEEDS) == set(QUESTIONS)
    asked = {q for qs in PAGE_QUESTIONS.values() for q in qs}
    assert asked == set(QUESTIONS)


def test_a_live_list_alone_answers_only_the_live_rates():
    live = cells([{"start": "2026-11-17T19:00:00+01:00", "grain": "session", "channel": "LIVE",
                   "content_id": "room", "impressions": 1000, "clicks": 150, "views": 400,
                   "viewers": 300, "orders": 4, "revenue": 120.0, "currency": "EUR"}])  # fmt: skip
    got = answerable(live, week="2026-W47")
    assert list(got.columns) == list(ANSWER_COLUMNS) and list(got["question"]) == list(QUESTIONS)
    assert {q for q, ok in answered(got).items() if ok} == {"live_only_rates"}
    row = got.set_index("question").loc["live_vs_nonlive"]
    assert row["reason"] == f"missing: {NEEDS['live_vs_nonlive'][0]}"
    assert "product list" in row["provided_by"]
    assert answerable(live, "live_vs_nonlive")["reason"].iloc[0].startswith("missing: ")


def test_hourly_cells_on_both_sides_answer_the_hour_questions_but_not_category_or_audience():
    got = answered(answerable(cells(hourly()), "02_hour_of_day"))
    assert got == {"rates_by_hour": True, "hour_curve": True}
    one_live = answered(answerable(cells(hourly(live_ids=("L1",))), "02_hour_of_day"))
    assert one_live == {"rates_by_hour": True, "hour_curve": False}  # clustered: 2+ LIVEs
    got = answered(answerable(cells(hourly()), "01_live_vs_nonlive"))
    assert got["live_vs_nonlive"] and not got["by_category"] and not got["by_promo"]
    assert not answered(answerable(cells(hourly()), "audience"))["audience"]
    with_gender = cells(hourly(gender="female") + hourly(gender="male"))
    assert answered(answerable(with_gender, "audience"))["audience"]


def test_units_are_never_pooled_one_unit_is_picked_and_named():
    mixed = cells(hourly(unit="visitor") + [
        {"start": "2026-11-17T19:00:00+01:00", "channel": "LIVE", "content_id": "L1",
         "product_id": "p1", "viewers": 5000, "atc": 900, "unit": "event"}])  # fmt: skip
    # the event unit has more viewers but no non-live side: the visitor unit is used
    assert atc_unit(mixed) == "visitor"
    kept, unit, units = one_unit(mixed)
    assert (unit, units) == ("visitor", ["event", "visitor"])
    assert set(kept["unit"]) == {"visitor"} and len(kept) == len(mixed) - 1
    no_atc = cells([{"start": "2026-11-17T19:00:00+01:00", "channel": "LIVE", "views": 10}])
    assert one_unit(no_atc)[1] is None and len(one_unit(no_atc)[0]) == 1


def test_model_terms_leave_out_empty_and_constant_columns():
    frame = cells(hourly(category="beauty", gender="female") + hourly(category="home"))
    assert model_terms(frame, ["category", "gender", "age_group"]) == ["category"]


def test_an_unknown_question_is_refused():
    with pytest.raises(ValueError, match="`questions` must be one of"):
        answerable(cells(hourly()), ["nope"])


def test_live_rates_pool_counts_and_cluster_by_live():
    rows = [{"start": f"2026-11-1{d}T{h}:00:00+01:00", "grain": "session", "channel": "LIVE",
             "content_id": f"r{d}{h}", "creator": c, "impressions": 1000, "clicks": k,
             "views": 500, "viewers": 300, "orders": 5, "revenue": float(k), "currency": "EUR"}
            for d, h, c, k in [(7, 19, "@a", 100), (8, 19, "@b", 300), (9, 20, "@a", 200)]]  # fmt: skip
    got = live_rates(cells(rows), by=["hour", "creator"])
    assert list(got.columns) == list(LIVE_RATE_COLUMNS)
    ctr = got[got["metric"] == "click_through"].set_index(["group", "value"])
    assert ctr.loc[("all", "all"), "rate"] == pytest.approx(600 / 3000)
    assert ctr.loc[("hour", "19"), "rate"] == pytest.approx(400 / 2000)
    assert ctr.loc[("creator", "@a"), "rate"] == pytest.approx(300 / 2000)
    gmv = got[(got["metric"] == "gmv_per_1000_views") & (got["group"] == "all")].iloc[0]
    assert gmv["rate"] == pytest.approx(1000 * 600 / 1500)
    assert gmv["ci_low"] < gmv["rate"] < gmv["ci_high"]
    # clustered by LIVE (one LIVE-list row = one LIVE): 3 LIVEs are few, a group of 1 has no
    # spread between LIVEs to measure, so no interval
    # every LIVE has 5 orders of 500 views: no spread between LIVEs, the viewer-level
    # interval is shown (no_variation), never a zero-width clustered one
    flat = got["status"] == "no_variation"
    assert set(got.loc[flat, "metric"]) == {"orders_per_view"}
    assert (got["method"].isin(["cr2-bm-logit", "cr2-bm"]) | (got["n_clusters"] == 1) | flat).all()
    assert set(got.loc[(got["n_clusters"] > 1) & ~flat, "status"]) == {"few_clusters"}
    assert (got.loc[flat, "ci_high"] > got.loc[flat, "ci_low"]).all()
    one = got[got["n_clusters"] == 1]
    assert len(one) == 6 and set(one["status"]) == {"undefined_too_few"}
    assert one["ci_low"].isna().all() and one["rate"].notna().all()
    assert live_rates(cells(hourly())).empty  # no views or impressions on these cells
