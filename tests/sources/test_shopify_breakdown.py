"""Shopify sessions reports without a time column (by landing page, device type, referrer).

Fixtures in ``tests/fixtures/shopify/`` carry Shopify's export file names (the period is in the
name); expected numbers are the fixture's own cells, copied beside each assertion.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import UnreadableError
from analysis.paths import PROJECT_ROOT
from analysis.sources import detect_source, shopify
from analysis.sources.load import read

FIX = PROJECT_ROOT / "tests" / "fixtures" / "shopify"
BREAKDOWN = FIX / "breakdown"
TZ = "Europe/Paris"
LANDING = BREAKDOWN / "Sessions by landing page - 2026-11-01 - 2026-11-30.csv"
DEVICE = BREAKDOWN / "Sessions by device type - 2026-11-23 - 2026-11-23.csv"
REFERRER = BREAKDOWN / "Sessions by referrer - 2026-11-01 - 2026-11-30.csv"
HEADER = ("Landing page type,Landing page path,Sessions,Sessions with cart additions,"
          "Sessions that reached checkout,Sessions that completed checkout")  # fmt: skip


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "path", [LANDING, DEVICE, REFERRER], ids=["landing", "device", "referrer"]
)
def test_breakdown_reports_are_detected_as_shopify(path):
    assert detect_source(path) == "shopify"


def test_landing_page_report_one_range_cell_per_row():
    loaded = read(LANDING, tz=TZ)
    cells = loaded.cells
    assert loaded.reconciles() and loaded.rejected.empty
    assert len(cells) == 5  # five landing pages in the file
    assert (cells["grain"] == "range").all()
    assert (cells["start"] == pd.Timestamp("2026-11-01 00:00", tz=TZ)).all()
    assert cells["hour"].isna().all() and (cells["channel"] == "WEB").all()
    assert (cells["unit"] == "session").all()
    assert cells["content_id"].tolist() == [
        "Homepage · /", "Product · /products/serum-eclat",
        "Collection · /collections/soins-visage", "Product · /products/baume-levres-0012",
        "Search · /search",
    ]  # fmt: skip
    assert set(cells["content_title"]) == {"Landing page type · Landing page path"}
    # row 3 of the file: Product,/products/serum-eclat,988,1204,167,80,52,0.0432
    row = cells.loc[cells["content_id"] == "Product · /products/serum-eclat"].iloc[0]
    assert [row.viewers, row.atc, row.checkouts, row.orders] == [1204, 167, 80, 52]
    assert row.row == 3 and row.file == LANDING.name
    assert loaded.files["period"].tolist() == ["2026-11-01 ~ 2026-11-30"]


def test_device_report_of_one_day_is_day_grain_with_device():
    cells = read(DEVICE, tz=TZ).cells
    assert (cells["grain"] == "day").all()
    assert (cells["start"] == pd.Timestamp("2026-11-23", tz=TZ)).all()
    assert cells["device"].tolist() == ["Mobile", "Desktop", "Tablet"]
    assert cells["content_id"].isna().all()
    assert cells["viewers"].tolist() == [377, 121, 9]  # Sessions column
    assert cells["atc"].tolist() == [29, 14, 1]  # Sessions with cart additions


def test_referrer_report_keeps_both_dimensions_in_order():
    cells = read(REFERRER, tz=TZ).cells
    assert cells["content_id"].tolist() == [
        "Direct ·", "Search · Google", "Social · Instagram", "Social · TikTok", "Email · Klaviyo",
    ]  # fmt: skip
    assert set(cells["content_title"]) == {"Referrer source · Referrer name"}
    assert int(cells["viewers"].sum()) == 1630 + 1402 + 877 + 512 + 164


def test_period_from_a_title_line_above_the_header(tmp_path):
    path = write(tmp_path, "landing.csv", "Sessions by landing page,2026-11-16 - 2026-11-22\n"
                 f"{HEADER}\nProduct,/products/a,10,2,1,1\n")  # fmt: skip
    loaded = read(path, tz=TZ)
    assert loaded.files["period"].tolist() == ["2026-11-16 ~ 2026-11-22"]
    assert loaded.cells["start"].tolist() == [pd.Timestamp("2026-11-16", tz=TZ)]
    assert loaded.cells["row"].tolist() == [3]


def test_no_period_anywhere_is_an_error_asking_for_it(tmp_path):
    path = write(tmp_path, "Sessions by landing page.csv", f"{HEADER}\nProduct,/p,10,2,1,1\n")
    assert detect_source(path) == "shopify"
    with pytest.raises(UnreadableError, match="names no period") as err:
        read(path, tz=TZ)
    assert "2026-11-01 - 2026-11-30" in str(err.value)  # says how to name the file


def test_period_ending_before_it_starts_is_an_error(tmp_path):
    path = write(tmp_path, "Sessions by landing page - 2026-11-30 - 2026-11-01.csv",
                 f"{HEADER}\nProduct,/p,10,2,1,1\n")  # fmt: skip
    with pytest.raises(UnreadableError, match="ends before it starts"):
        read(path, tz=TZ)


def test_total_row_and_bad_count_are_rejected_with_reasons(tmp_path):
    path = write(tmp_path, "Sessions by landing page - 2026-11-01 - 2026-11-30.csv",
                 f"{HEADER}\nProduct,/p,10,2,1,1\nProduct,/q,x,2,1,1\nTotal,,30,5,2,2\n")  # fmt: skip
    loaded = read(path, tz=TZ)
    assert loaded.reconciles()
    assert loaded.cells["content_id"].tolist() == ["Product · /p"]
    reasons = dict(zip(loaded.rejected["row"], loaded.rejected["reason"], strict=True))
    assert "not a count" in reasons[3] and "summary row" in reasons[4]


def test_same_breakdown_twice_is_rejected_as_a_duplicate_not_summed(tmp_path):
    path = write(tmp_path, "Sessions by landing page - 2026-11-01 - 2026-11-30.csv",
                 f"{HEADER}\nProduct,/p,10,2,1,1\nProduct,/p,7,1,0,0\n")  # fmt: skip
    loaded = read(path, tz=TZ)
    assert loaded.reconciles()
    assert loaded.cells["viewers"].tolist() == [10]
    assert loaded.rejected["row"].tolist() == [3]
    assert "duplicates an earlier row" in loaded.rejected["reason"].iloc[0]


def test_region_and_country_columns(tmp_path):
    head = "Session country,Session region,Session city,Sessions,Sessions with cart additions"
    path = write(tmp_path, "Sessions by location - 2026-11-23 - 2026-11-23.csv",
                 f"{head}\nFrance,Bretagne,Rennes,40,3\nFrance,Bretagne,Brest,12,1\n")  # fmt: skip
    cells = read(path, tz=TZ).cells
    assert cells["region"].tolist() == ["Bretagne", "Bretagne"]
    assert cells["content_id"].tolist() == ["France · Rennes", "France · Brest"]
    only_country = write(tmp_path, "Sessions by country - 2026-11-23.csv",
                         "Session country,Sessions\nFrance,40\nBelgique,9\n")  # fmt: skip
    cells = read(only_country, tz=TZ).cells
    assert cells["region"].tolist() == ["France", "Belgique"] and cells["content_id"].isna().all()


def test_report_with_a_day_column_still_sums_its_breakdown():
    """A time report keeps one cell per day (its landing pages summed), as before."""
    cells = read(FIX / "sessions_day.csv", tz=TZ).cells
    assert cells["content_id"].isna().all()
    assert cells["start"].is_unique


def test_match_scores_unknown_headers_down(tmp_path):
    path = write(tmp_path, "Sessions by landing page - 2026-11-01 - 2026-11-30.csv",
                 "Landing page path,Sessions,Mystery A,Mystery B\n/p,10,1,2\n")  # fmt: skip
    m = shopify.match(path)
    assert (m.known, m.total, m.kind) == (2, 4, "sessions")


def test_hourly_report_by_device_keeps_the_device(tmp_path):
    """With a time column, device (like region) is a segment of the slot; UTM is summed."""
    path = write(tmp_path, "Sessions over time.csv",
                 "Hour,Session device type,UTM campaign,Sessions,Sessions with cart additions\n"
                 "2026-11-23T18:00:00+01:00,Mobile,bf,10,2\n"
                 "2026-11-23T18:00:00+01:00,Mobile,,5,1\n"
                 "2026-11-23T18:00:00+01:00,Desktop,bf,4,1\n")  # fmt: skip
    cells = read(path, tz=TZ).cells
    assert cells["device"].tolist() == ["Mobile", "Desktop"]
    assert cells["viewers"].tolist() == [10 + 5, 4] and cells["atc"].tolist() == [2 + 1, 1]
    assert cells["grain"].tolist() == ["hour", "hour"] and cells["content_id"].isna().all()
