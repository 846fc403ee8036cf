"""Value checks, each marked reject or warn (``docs/data-formats.md``, "Value checks"): one test
per row of that table."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.cells import validate_cells
from analysis.cells.checks import value_warnings
from analysis.metrics import metric_sums
from analysis.sources.load import read
from analysis.sources.quality import cross_check
from analysis.sources.writers.table import write_table
from analysis.stats.rates import rates

TZ = "Europe/Paris"
HEAD = "start,grain,channel,unit,product_id,impressions,clicks,viewers,atc,orders,revenue,currency"
OK = "2026-11-23T18:00:00+01:00,hour,LIVE,visitor,p1,500,40,100,9,3,56.5,EUR"


def csv(tmp_path, *rows, head=HEAD, name="cells.csv"):
    path = tmp_path / name
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return read(path, tz=TZ)


def rejected(loaded) -> list[tuple[int, str, str]]:
    assert loaded.reconciles()
    r = loaded.rejected
    return list(zip(r["row"].tolist(), r["column"].tolist(), r["reason"].tolist(), strict=True))


def test_reject_atc_above_viewers_for_visitor_and_session_units(tmp_path):
    got = csv(tmp_path, OK.replace(",100,9,", ",100,120,"),
              OK.replace("visitor", "session").replace(",100,9,", ",100,120,").replace("p1", "p2"),
              OK.replace("visitor", "event").replace(",100,9,", ",100,120,").replace("p1", "p3"))  # fmt: skip
    assert [(r, c) for r, c, _ in rejected(got)] == [(2, "atc"), (3, "atc")]
    assert got.cells["unit"].tolist() == ["event"]  # events can exceed viewers


def test_warn_clicks_above_impressions(tmp_path):
    got = csv(tmp_path, OK.replace(",500,40,", ",30,40,"))
    assert len(got.cells) == 1 and not len(got.rejected)  # kept
    f = got.flagged.iloc[0]
    assert (f["row"], f["column"], f["value"]) == (2, "clicks", "40 > 30")
    assert f["reason"].startswith("clicks exceed impressions")


def test_warn_orders_above_atc_only_where_both_count_people(tmp_path):
    got = csv(tmp_path, OK.replace(",9,3,", ",9,12,"),
              OK.replace("visitor", "event").replace(",9,3,", ",9,12,").replace("p1", "p2"))  # fmt: skip
    assert got.flagged[["row", "column", "value"]].values.tolist() == [[2, "orders", "12 > 9"]]
    assert len(got.cells) == 2


def test_warnings_skip_missing_counts():
    cells = validate_cells(pd.DataFrame({
        "start": ["2026-11-23T18:00:00+01:00"], "grain": ["hour"], "channel": ["LIVE"],
        "unit": ["visitor"], "clicks": ["40"], "orders": ["12"]}), tz=TZ)  # fmt: skip
    assert len(value_warnings(cells)) == 0  # impressions and atc not reported: nothing to compare


def test_reject_negative_counts(tmp_path):
    got = csv(tmp_path, OK.replace(",3,56.5,", ",-3,56.5,"))
    assert rejected(got) == [(2, "orders", "-3 is negative; counts must be >= 0")]


@pytest.mark.parametrize("value", ["1e309", "inf", "-inf", "99999999999999999999"])
def test_reject_non_finite_counts(tmp_path, value):
    got = csv(tmp_path, OK.replace(",100,9,", f",{value},9,"))
    (row, column, reason), *_ = rejected(got)
    assert (row, column) == (2, "viewers") and "is not a finite number" in reason
    assert len(got.cells) == 0


def test_reject_non_finite_revenue(tmp_path):
    got = csv(tmp_path, OK.replace(",56.5,", ",inf,"))
    assert [(r, c) for r, c, _ in rejected(got)] == [(2, "revenue")]


@pytest.mark.parametrize("start", ["1926-11-23T18:00:00+01:00", "2126-11-23T18:00:00+01:00"])
def test_reject_dates_decades_away(tmp_path, start):
    got = csv(tmp_path, OK.replace("2026-11-23T18:00:00+01:00", start))
    ((row, column, reason),) = rejected(got)
    assert (row, column) == (2, "start")
    assert reason.endswith("is decades away (outside 2000-2099): a wrong year or a misread date "
                           "format; fix the date")  # fmt: skip


def test_reject_dates_after_the_export_date(tmp_path):
    rows = [["Room ID", "Room Title", "Start Time", "Duration", "Views"],
            ["1", "Live", "2026-11-23 20:00:00", "1h", "10"]]  # fmt: skip
    p = write_table(tmp_path / "Creator-Live-Performance_20261122235959.xlsx",
                    [("performance_detail", rows)])  # fmt: skip
    ((row, column, reason),) = rejected(read(p, tz=TZ))
    assert (row, column) == (2, "start") and "after the file's export date 2026-11-22" in reason


def test_a_count_the_export_does_not_have_is_missing_not_zero(tmp_path):
    got = csv(tmp_path, "2026-11-23T18:00:00+01:00,hour,LIVE,visitor,p1,,,100,,,,",
              head=HEAD)  # fmt: skip
    c = got.cells.iloc[0]
    assert c["viewers"] == 100
    assert all(pd.isna(c[k]) for k in ("impressions", "clicks", "atc", "orders", "revenue"))
    rows = [["Room ID", "Room Title", "Start Time", "Duration", "Views"],
            ["1", "Live", "2026-11-03 20:00:00", "1h", "10"]]  # fmt: skip
    p = write_table(tmp_path / "Creator-Live-Performance_20261110120000.xlsx",
                    [("performance_detail", rows)])  # fmt: skip
    live = read(p, tz=TZ).cells.iloc[0]
    assert live["views"] == 10 and pd.isna(live["atc"]) and pd.isna(live["orders"])


@pytest.mark.parametrize(("flag", "level"), [
    ("True", "discount"), ("false", "none"), ("yes", "discount"), ("No", "none"),
    ("1", "discount"), ("0", "none"), ("sim", "discount"), ("flash_sale", "flash_sale"),
])  # fmt: skip
def test_promo_flags_map_to_a_documented_level(tmp_path, flag, level):
    got = csv(tmp_path, f"{OK},{flag}", head=f"{HEAD},promo")
    assert got.cells["promo"].tolist() == [level]


def test_promo_other_text_is_rejected(tmp_path):
    got = csv(tmp_path, f"{OK},maybe", head=f"{HEAD},promo")
    assert [(r, c) for r, c, _ in rejected(got)] == [(2, "promo")]


def test_money_in_several_currencies_is_never_summed(tmp_path):
    got = csv(tmp_path, OK, OK.replace("EUR", "USD").replace("p1", "p2"))
    cells = got.cells
    with pytest.raises(ValueError, match=r"sums revenue in several currencies \(EUR, USD\)"):
        metric_sums(cells, "aov")
    assert metric_sums(cells[cells["currency"] == "EUR"], "aov").successes == 56.5
    with pytest.raises(ValueError, match="currency"):
        rates(cells, metric="aov")
    assert rates(cells, metric="aov", by="currency")["unit"].tolist() == ["EUR/order",
                                                                         "USD/order"]  # fmt: skip
    check = cross_check(got, column="revenue", channel="LIVE")
    assert sorted(check["feed"]) == ["canonical (EUR)", "canonical (USD)"]
    assert check["value"].tolist() == [56.5, 56.5]
