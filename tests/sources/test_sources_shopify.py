"""Shopify sessions report and orders CSV: fixtures, bad inputs, reconciliation, round trips.

Expected numbers are computed by hand from the fixture files in ``tests/fixtures/shopify/``
(the sums are written beside each assertion).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.paths import PROJECT_ROOT
from analysis.sources import detect_source, shopify
from analysis.sources.load import read as read_files
from analysis.sources.writers import shopify as shopify_writer

FIX = PROJECT_ROOT / "tests" / "fixtures" / "shopify"
TZ = "Europe/Paris"
HEADER = ("Day,Sessions,Sessions with cart additions,Sessions that reached checkout,"
          "Sessions that completed checkout,Conversion rate")  # fmt: skip


def counts(cells: pd.DataFrame, cols=("viewers", "atc", "checkouts", "orders")) -> list:
    return cells[list(cols)].astype("int64").to_numpy().tolist()


def write(tmp_path: Path, text: str, name: str = "report.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def reasons(loaded) -> dict[int, str]:
    return dict(zip(loaded.rejected["row"], loaded.rejected["reason"], strict=True))


# ---------------------------------------------------------------------------- fixtures


def test_sessions_by_day_sums_other_dimensions():
    loaded = shopify.read(FIX / "sessions_day.csv", tz=TZ)
    c = loaded.cells
    # 2026-11-16: 402 + 150 sessions, 31 + 22 carts, 14 + 11 checkouts, 9 + 7 completed
    assert counts(c) == [[552, 53, 25, 16], [483, 42, 21, 13], [390, 33, 15, 10]]
    assert c["start"].astype(str).tolist() == ["2026-11-16 00:00:00+01:00",
                                               "2026-11-17 00:00:00+01:00",
                                               "2026-11-18 00:00:00+01:00"]  # fmt: skip
    assert set(c["grain"]) == {"day"} and set(c["channel"]) == {"WEB"}
    assert set(c["unit"]) == {"session"} and c["product_id"].isna().all()
    assert c["hour"].isna().all() and c["row"].tolist() == [2, 4, 6]
    assert loaded.summary == "5 rows read, 3 cells, 0 rejected, 0 replaced"
    assert loaded.files["rows_used"].tolist() == [5] and loaded.reconciles()


def test_sessions_by_hour_keep_both_hours_of_the_dst_change_and_regions():
    c = shopify.read(FIX / "sessions_hour.csv", tz=TZ).cells
    assert c["start"].astype(str).tolist() == [
        "2026-10-25 01:00:00+02:00", "2026-10-25 02:00:00+02:00", "2026-10-25 02:00:00+01:00",
        "2026-10-25 02:00:00+01:00", "2026-10-25 03:00:00+01:00"]  # fmt: skip
    assert c["hour"].tolist() == [1, 2, 2, 2, 3]
    assert c["region"].tolist() == ["Île-de-France"] * 3 + ["Bretagne", "Île-de-France"]
    assert counts(c)[2:4] == [[25, 2, 1, 0], [10, 1, 0, 0]]


def test_orders_export_one_cell_per_local_hour_subtotal_revenue():
    loaded = shopify.read(FIX / "orders_export.csv", tz=TZ)
    c = loaded.cells
    # 18 h: #1001 (2 + 1 items, 59.80), #1002 (1, 19.90), #1005 (17:59:59 UTC = 18:59:59 Paris,
    # 1, 10.00); 19 h: #1004 (1 + 1 + 1, 30.00); #1003 is cancelled
    assert c["start"].astype(str).tolist() == ["2026-11-23 18:00:00+01:00",
                                               "2026-11-23 19:00:00+01:00"]  # fmt: skip
    assert counts(c, ("orders", "items")) == [[3, 5], [1, 3]]
    assert c["revenue"].tolist() == pytest.approx([89.70, 30.00], abs=1e-9)
    assert c["viewers"].isna().all() and set(c["currency"]) == {"EUR"}
    assert loaded.rejected[["row", "column"]].values.tolist() == [[5, "Cancelled at"]]
    assert loaded.rejected["reason"].iloc[0] == "cancelled order: not counted in orders or revenue"
    # 8 line rows (the Notes field of #1002 spans two physical lines but is one record)
    assert loaded.summary == "8 rows read, 2 cells, 1 rejected, 0 replaced"
    assert loaded.reconciles()
    aov = c["revenue"].sum() / c["orders"].sum()
    assert aov == pytest.approx((59.80 + 19.90 + 10.00 + 30.00) / 4)


def test_orders_revenue_total_option():
    c = shopify.read(FIX / "orders_export.csv", tz=TZ, revenue="total").cells
    assert c["revenue"].tolist() == pytest.approx([64.70 + 24.80 + 14.90, 34.90], abs=1e-9)
    with pytest.raises(ValueError, match="`revenue` must be one of"):
        shopify.read(FIX / "orders_export.csv", tz=TZ, revenue="net")


def test_detected_and_loaded_through_analysis_load():
    for name in ("sessions_day.csv", "sessions_hour.csv", "orders_export.csv"):
        assert detect_source(FIX / name) == "shopify"
    loaded = read_files(FIX, tz=TZ)
    assert loaded.reconciles()
    assert loaded.summary == "18 rows read, 10 cells, 1 rejected, 0 replaced"


# ---------------------------------------------------------------------------- bad inputs


def test_bad_bom_and_semicolon_delimiter_read_the_same(tmp_path):
    text = (FIX / "sessions_day.csv").read_text(encoding="utf-8").replace(",", ";")
    path = write(tmp_path, text, encoding="utf-8-sig")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert counts(shopify.read(path, tz=TZ).cells) == counts(
        shopify.read(FIX / "sessions_day.csv", tz=TZ).cells)  # fmt: skip


def test_bad_missing_required_column(tmp_path):
    path = write(tmp_path, "Day,Sessions with cart additions,Sessions\n2026-11-16,3,40\n")
    path2 = write(tmp_path, "Day,Visits,Sessions with cart additions\n2026-11-16,40,3\n", "b.csv")
    assert shopify.read(path, tz=TZ).cells["viewers"].tolist() == [40]
    assert not shopify.detect(path2)  # no Sessions column: not a sessions report
    with pytest.raises(ValueError, match=r"b.csv: no Shopify header in the first 10 rows"):
        shopify.read(path2, tz=TZ)


def test_bad_orders_missing_column(tmp_path):
    path = write(tmp_path, "Name,Created at,Lineitem quantity,Currency,Subtotal\n"
                 "#1,2026-11-23 18:00:00 +0100,1,EUR,10.00\n")  # fmt: skip
    with pytest.raises(ValueError, match=r"required column\(s\) 'total' missing"):
        shopify.read(path, tz=TZ)


def test_bad_truncated_last_line(tmp_path):
    path = write(tmp_path, f"{HEADER}\n2026-11-16,40,3,2,1,0.025\n2026-11-17,38,4")
    loaded = shopify.read(path, tz=TZ)
    assert reasons(loaded) == {3: "has 3 fields but the header has 6: truncated last line (the "
                                  "export was cut); export the file again"}  # fmt: skip
    assert counts(loaded.cells) == [[40, 3, 2, 1]] and loaded.reconciles()


def test_bad_description_rows_above_the_header(tmp_path):
    text = (
        f"Rapport sessions\nDu 16/11/2026 au 17/11/2026\n\n{HEADER}\n2026-11-16,40,3,2,1,0.025\n"
    )
    loaded = shopify.read(write(tmp_path, text), tz=TZ)
    assert counts(loaded.cells) == [[40, 3, 2, 1]] and loaded.cells["row"].tolist() == [5]
    assert loaded.files["rows_read"].tolist() == [1]


def test_bad_header_not_in_the_first_rows(tmp_path):
    path = write(tmp_path, "note\n" * 10 + f"{HEADER}\n2026-11-16,40,3,2,1,0.025\n")
    assert not shopify.detect(path)
    with pytest.raises(ValueError, match="no Shopify header in the first 10 rows"):
        shopify.read(path, tz=TZ)


def test_bad_duplicate_header(tmp_path):
    path = write(tmp_path, "Day,Sessions,Sessions\n2026-11-16,40,41\n")
    with pytest.raises(
        ValueError, match=r"duplicate column\(s\) 'sessions' in the header \(row 1\)"
    ):
        shopify.read(path, tz=TZ)


def test_bad_total_and_repeated_header_rows(tmp_path):
    text = f"{HEADER}\n2026-11-16,40,3,2,1,0.025\n{HEADER}\n2026-11-17,30,2,1,1,0.03\nTotal,70,5,3,2,0.03\n"
    loaded = shopify.read(write(tmp_path, text), tz=TZ)
    assert reasons(loaded) == {3: "repeated header row", 5: "summary row (Total): not a time slot"}
    assert counts(loaded.cells) == [[40, 3, 2, 1], [30, 2, 1, 1]] and loaded.reconciles()


def test_bad_empty_file(tmp_path):
    with pytest.raises(ValueError, match=r"report.csv: the file is empty; export it again"):
        shopify.read(write(tmp_path, ""), tz=TZ)


def test_windows_1252_is_decoded_and_the_bad_row_named_with_its_text(tmp_path):
    """Excel re-saves as Windows-1252: decoded (csv_text.decode), so the bad row's value reads
    'Région', not a replacement character."""
    path = write(
        tmp_path, f"{HEADER}\n2026-11-16,40,3,2,1,0.025\nRégion,1,1,1,1,1\n", encoding="cp1252"
    )
    loaded = shopify.read(path, tz=TZ)
    assert len(loaded.cells) == 1 and loaded.rejected["value"].tolist() == ["Région"]


def test_undecodable_bytes_are_named(tmp_path):
    path = tmp_path / "sessions.csv"
    path.write_bytes(f"{HEADER}\n2026-11-16,40,3,2,1,0.025\n".encode() + b"\x81\n")
    with pytest.raises(ValueError, match=r"sessions\.csv.*byte"):
        shopify.read(path, tz=TZ)


def test_bad_non_numeric_and_negative_counts(tmp_path):
    text = f"{HEADER}\n2026-11-16,40,trois,2,1,0.025\n2026-11-17,30,-2,1,1,0.03\n2026-11-18,1 234,5,1,1,0\n"
    loaded = shopify.read(write(tmp_path, text), tz=TZ)
    assert reasons(loaded) == {2: "'trois' is not a count (a whole number >= 0)",
                               3: "'-2' is not a count (a whole number >= 0)"}  # fmt: skip
    assert counts(loaded.cells) == [[1234, 5, 1, 1]]  # a thousands space is accepted


def test_bad_cart_sessions_above_sessions(tmp_path):
    loaded = shopify.read(write(tmp_path, f"{HEADER}\n2026-11-16,4,5,2,1,0.25\n"), tz=TZ)
    assert loaded.rejected["column"].tolist() == ["atc"]
    assert loaded.rejected["reason"].iloc[0].startswith("atc exceeds viewers")
    assert len(loaded.cells) == 0 and loaded.reconciles()


def test_bad_naive_times_without_tz(tmp_path):
    with pytest.raises(ValueError, match=r"pass the shop's time zone, e\.g\. analysis\.load\("
                       r"path, tz='Europe/Paris'\)"):  # fmt: skip
        shopify.read(FIX / "sessions_day.csv", tz=None)


def test_bad_dst_gap_hour_and_unparsable_date(tmp_path):
    text = ("Hour,Sessions,Sessions with cart additions\n2026-03-29 02:00:00,10,1\n"
            "2026-03-29 03:00:00,12,1\n29/03/2026 04:00,9,0\n")  # fmt: skip
    loaded = shopify.read(write(tmp_path, text), tz=TZ)
    r = loaded.rejected.groupby("row")["reason"].agg(list).to_dict()
    assert r[2] == ["'2026-03-29 02:00:00' does not exist or is ambiguous in Europe/Paris "
                    "(daylight-saving change); write it with its UTC offset"]  # fmt: skip
    # (split_cells also calls row 4 a duplicate of row 2: both starts are unreadable)
    assert r[4][0] == "'29/03/2026 04:00' is not an ISO 8601 time (2026-11-23 18:00:00)"
    assert loaded.cells["start"].astype(str).tolist() == ["2026-03-29 03:00:00+02:00"]


def test_bad_day_and_hour_of_day_columns(tmp_path):
    text = "Day,Hour of day,Sessions\n2026-11-16,18,40\n2026-11-16,24,3\n"
    loaded = shopify.read(write(tmp_path, text), tz=TZ)
    assert loaded.cells["start"].astype(str).tolist() == ["2026-11-16 18:00:00+01:00"]
    assert reasons(loaded) == {3: "'24' is not an hour 0-23"}


ORDERS = ("Name,Created at,Lineitem quantity,Currency,Subtotal,Total,Cancelled at\n"
          "#1,2026-11-23 18:00:00 +0100,1,EUR,10.00,14.90,\n")  # fmt: skip


def test_bad_order_lines_without_their_order_row(tmp_path):
    text = ORDERS + "#2,2026-11-23 18:10:00 +0100,2,,,,\n#2,2026-11-23 18:10:00 +0100,1,,,,\n"
    loaded = shopify.read(write(tmp_path, text), tz=TZ)
    assert sorted(reasons(loaded)) == [3, 4]
    assert reasons(loaded)[3].startswith("order #2 has no row with its order fields")
    assert counts(loaded.cells, ("orders", "items")) == [[1, 1]] and loaded.reconciles()


def test_bad_mixed_currency_and_bad_quantity_reject_whole_orders(tmp_path):
    text = ORDERS + ("#2,2026-11-23 18:10:00 +0100,1,EUR,20.00,24.90,\n"
                     "#3,2026-11-23 18:20:00 +0100,1,GBP,20.00,24.90,\n"
                     "#4,2026-11-23 18:30:00 +0100,1,EUR,5.00,9.90,\n"
                     "#4,2026-11-23 18:30:00 +0100,1.5,,,,\n")  # fmt: skip
    loaded = shopify.read(write(tmp_path, text), tz=TZ)
    r = reasons(loaded)
    assert r[4] == ("currency 'GBP' differs from the file's 'EUR': revenue cannot be summed "
                    "across currencies")  # fmt: skip
    assert r[6] == "'1.5' is not a quantity (a whole number >= 0); the order is not counted"
    assert r[5].endswith("(order #4, row 6)")
    assert counts(loaded.cells, ("orders", "items")) == [[2, 2]]
    assert loaded.cells["revenue"].tolist() == [30.0] and loaded.reconciles()


def test_bad_semicolon_orders_with_decimal_comma(tmp_path):
    text = ("Name;Created at;Lineitem quantity;Currency;Subtotal;Total\n"
            "#1;2026-11-23 18:00:00 +0100;2;EUR;59,80;64,70\n")  # fmt: skip
    c = shopify.read(write(tmp_path, text), tz=TZ).cells
    assert c["revenue"].tolist() == [59.80] and c["items"].tolist() == [2]


def test_bad_naive_created_at_is_shop_local(tmp_path):
    text = (
        "Name,Created at,Lineitem quantity,Currency,Subtotal,Total\n"
        "#1,2026-11-23 18:59:59,1,EUR,10.00,14.90\n#2,2026-10-25 02:30:00,1,EUR,5.00,9.90\n"
    )
    loaded = shopify.read(write(tmp_path, text), tz=TZ)
    assert loaded.cells["start"].astype(str).tolist() == ["2026-11-23 18:00:00+01:00"]
    assert reasons(loaded)[3].startswith("'2026-10-25 02:30:00' is not a time")  # ambiguous


# ---------------------------------------------------------------------------- round trips


@pytest.fixture(scope="module")
def offlive() -> pd.DataFrame:
    """Three days of the sample's off-live cells, as a stand-in for a web shop's traffic."""
    cells = pd.read_parquet(PROJECT_ROOT / "data" / "sample" / "cells.parquet")
    cells = cells[cells["channel"] != "LIVE"]
    day = cells["start"].dt.tz_localize(None).dt.normalize()
    return cells[day.between("2026-10-24", "2026-10-26")]  # includes the 25-hour day


@pytest.mark.parametrize("grain", ["hour", "day"])
def test_round_trip_sessions_report(tmp_path, offlive, grain):
    path = shopify_writer.write(offlive, tmp_path / "sessions.csv", grain=grain)
    loaded = shopify.read(path, tz=TZ)
    key = (
        offlive["start"]
        if grain == "hour"
        else offlive["start"].dt.tz_localize(None).dt.normalize()
    )
    expected = offlive.groupby(key)[["viewers", "atc", "checkouts", "orders"]].sum()
    got = loaded.cells.set_index("start" if grain == "hour" else "date")
    assert len(got) == len(expected) == (73 if grain == "hour" else 3)
    assert got.index.tolist() == expected.index.tolist()
    assert counts(got) == expected.astype("int64").to_numpy().tolist()
    assert loaded.reconciles() and len(loaded.rejected) == 0


def test_round_trip_orders_export(tmp_path, offlive):
    path = shopify_writer.write(offlive, tmp_path / "orders_export.csv", report="orders")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    loaded = shopify.read(path, tz=TZ)
    expected = offlive.groupby("start")[["orders", "items", "revenue"]].sum()
    expected = expected[expected["orders"] > 0]
    got = loaded.cells.set_index("start")
    assert got.index.tolist() == expected.index.tolist()
    assert counts(got, ("orders", "items")) == expected[["orders", "items"]].astype(
        "int64").to_numpy().tolist()  # fmt: skip
    assert got["revenue"].to_numpy() == pytest.approx(expected["revenue"].to_numpy(), abs=1e-6)
    assert loaded.reconciles() and len(loaded.rejected) == 0
