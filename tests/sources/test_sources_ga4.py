"""GA4 BigQuery export (NDJSON / Parquet) aggregated by DuckDB: fixture, reference, bad inputs.

``tests/fixtures/ga4/events_20261123.json`` is a hand-written export (BigQuery JSON: INT64 as
strings) of 21 lines; the expected cells below are counted by hand from it (see the comments),
and a seeded random export is checked against an independent pure-Python implementation of the
same definitions (:func:`reference`).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest

from analysis.paths import PROJECT_ROOT
from analysis.sources import detect_source, ga4, ga4_query, ga4_run
from analysis.sources.load import read as read_files
from analysis.sources.writers import ga4 as ga4_writer

FIX = PROJECT_ROOT / "tests" / "fixtures" / "ga4" / "events_20261123.json"
TZ = "Europe/Paris"
A, B = "1763696168732145433", "SKU-B"
COUNTS = ["viewers", "atc", "checkouts", "orders", "items"]


def table(cells: pd.DataFrame) -> list:
    return [[str(r.start), r.product_id, *(int(getattr(r, c)) for c in COUNTS),
             None if pd.isna(r.revenue) else float(r.revenue)] for r in cells.itertuples()]  # fmt: skip


def to_parquet(src: Path, dst: Path, skip_last: bool = True) -> Path:
    """The NDJSON fixture as Parquet (same columns, BigQuery types), written by DuckDB."""
    text = src.read_text(encoding="utf-8").splitlines()
    lines = dst.with_suffix(".tmp.json")
    lines.write_text("\n".join(text[:-1] if skip_last else text) + "\n", encoding="utf-8")
    cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in ga4_query.JSON_COLUMNS.items()) + "}"
    duckdb.sql(f"COPY (SELECT * FROM read_json('{lines}', format='newline_delimited', "
               f"columns={cols})) TO '{dst}' (FORMAT parquet)")  # fmt: skip
    lines.unlink()
    return dst


# ---------------------------------------------------------------------------- the fixture


def test_fixture_visitor_unit_counts_by_hand():
    loaded = ga4.read(FIX, tz=TZ)
    # 18 h A: viewers u1, u2 (u2 viewed twice); atc u1 (u3 added without viewing)
    # 18 h B: viewer u4 (u1 added B without viewing it), atc u4, checkout u4, T100 2 x 20.00
    # 19 h A: viewer u10; u1's add_to_cart has no view this hour; T200 1 x 10.00 (quantity null)
    assert table(loaded.cells) == [
        ["2026-11-23 18:00:00+01:00", A, 2, 1, 0, 0, 0, 0.0],
        ["2026-11-23 18:00:00+01:00", B, 1, 1, 1, 1, 2, 40.0],
        ["2026-11-23 19:00:00+01:00", A, 1, 0, 0, 1, 1, 10.0],
    ]
    c = loaded.cells
    assert set(c["unit"]) == {"visitor"} and set(c["channel"]) == {"WEB"}
    assert set(c["grain"]) == {"hour"} and set(c["currency"]) == {"EUR"}
    assert c["category"].tolist() == ["beauty", "streetwear", "beauty"]
    assert c["hour"].tolist() == [18, 18, 19] and not c["is_live"].any()
    # 21 lines - 1 page_view = 20 funnel events (incl. the truncated line): 14 used, 6 rejected
    assert loaded.summary == "20 rows read, 3 cells, 6 rejected, 0 replaced"
    assert loaded.files[["rows_used", "rows_rejected"]].values.tolist() == [[14, 6]]
    assert loaded.reconciles()


def test_fixture_session_unit():
    loaded = ga4.read(FIX, tz=TZ, unit="session")
    # 18 h A: (u1, 1), (u2, 1), (u1, 2) viewed; (u1, 1) added; 19 h A: u10 has no ga_session_id
    assert table(loaded.cells) == [
        ["2026-11-23 18:00:00+01:00", A, 3, 1, 0, 0, 0, 0.0],
        ["2026-11-23 18:00:00+01:00", B, 1, 1, 1, 1, 2, 40.0],
        ["2026-11-23 19:00:00+01:00", A, 0, 0, 0, 1, 1, 10.0],
    ]
    assert set(loaded.cells["unit"]) == {"session"}
    assert loaded.summary == "20 rows read, 3 cells, 7 rejected, 0 replaced"
    assert loaded.reconciles()


def test_fixture_rejected_events_with_row_and_reason():
    r = ga4.read(FIX, tz=TZ).rejected
    assert r["row"].tolist() == [12, 15, 16, 18, 19, 21]
    assert r["value"].tolist()[:5] == ["purchase", "view_item", "view_item", "purchase",
                                       "add_to_cart"]  # fmt: skip
    assert r["reason"].tolist() == [
        "repeated purchase of transaction T100 (GA4 sometimes sends a purchase twice): counted "
        "once, at its first event (1 event of this file)",
        "an item has no item_id (the event is not counted, to keep its items together) "
        "(1 event of this file)",
        "no items: an item event (view_item) must carry the item it is about (1 event of this "
        "file)",
        "purchase without currency (event parameter currency) (1 event of this file)",
        "no user_pseudo_id: the event cannot be attributed to a visitor (1 event of this file)",
        "no event_name: the line is not a readable GA4 event (malformed or truncated) (1 event "
        "of this file)",
    ]
    assert set(r["file"]) == {FIX.name} and set(r["source"]) == {"ga4"}


def test_parquet_gives_the_same_cells(tmp_path):
    path = to_parquet(FIX, tmp_path / "events_20261123.parquet")
    assert ga4.detect(path) and detect_source(path) == "ga4"
    got = ga4.read(path, tz=TZ)
    assert table(got.cells) == table(ga4.read(FIX, tz=TZ).cells)
    assert got.rejected["row"].tolist() == [12, 15, 16, 18, 19]  # no truncated line here
    assert got.summary == "19 rows read, 3 cells, 5 rejected, 0 replaced"


def test_breakdowns_region_and_device_in_cells():
    c = ga4.read(FIX, tz=TZ, breakdown=("region",)).cells
    a = c[c["product_id"] == A].sort_values(["start", "region"])
    # u2 browsed from Bretagne, u1 and u10 from Île-de-France
    assert a[["region", "viewers", "atc"]].values.tolist() == [
        ["Bretagne", 1, 0], ["Île-de-France", 1, 1], ["Île-de-France", 1, 0]]  # fmt: skip
    cells, _, used = ga4_run.aggregate(FIX, tz=TZ, breakdown=("device",))
    a = cells[cells["product_id"] == A]
    assert a[["device", "viewers", "atc"]].values.tolist() == [
        ["desktop", 1, 0], ["mobile", 1, 1], ["mobile", 1, 0]]  # fmt: skip
    assert used == 14
    d = ga4.read(FIX, tz=TZ, breakdown=("device",)).cells
    d = d[d["product_id"] == A].sort_values(["start", "device"])
    assert d[["device", "viewers", "atc"]].values.tolist() == a[
        ["device", "viewers", "atc"]].values.tolist()  # fmt: skip
    with pytest.raises(ValueError, match="`breakdown` must be one of"):
        ga4.read(FIX, tz=TZ, breakdown=("city",))
    with pytest.raises(ValueError, match="`unit` must be one of"):
        ga4.read(FIX, tz=TZ, unit="event")


def test_loaded_through_analysis_load(tmp_path):
    (tmp_path / FIX.name).write_bytes(FIX.read_bytes())
    to_parquet(FIX, tmp_path / "events_20261124.parquet")
    loaded = read_files(tmp_path, tz=TZ)
    assert loaded.files["source"].tolist() == ["ga4", "ga4"]
    assert loaded.summary == "39 rows read, 6 cells, 11 rejected, 0 replaced"
    assert loaded.reconciles()


# ---------------------------------------------------------------------------- bad inputs


def test_bad_no_time_zone():
    with pytest.raises(ValueError, match=r"GA4 event times are UTC and cells are shop-local "
                       r"hours; pass the shop's time zone, e\.g\. analysis\.load\(path, "
                       r"tz='Europe/Paris'\)"):  # fmt: skip
        ga4.read(FIX, tz=None)
    with pytest.raises(ValueError, match="Unknown time zone 'Paris'"):
        ga4.read(FIX, tz="Paris")


def test_bad_naive_timestamp_column(tmp_path):
    path = tmp_path / "events.parquet"
    duckdb.sql(f"COPY (SELECT TIMESTAMP '2026-11-23 17:05:00' AS event_timestamp, 'view_item' "
               f"AS event_name, 'u1' AS user_pseudo_id, [{{'item_id': 'A'}}] AS items) "
               f"TO '{path}' (FORMAT parquet)")  # fmt: skip
    with pytest.raises(ValueError, match=r"event_timestamp is a timestamp without time zone "
                       r"\(TIMESTAMP\); GA4 writes microseconds since 1970 in UTC"):  # fmt: skip
        ga4.read(path, tz=TZ)


def test_bad_missing_items_column(tmp_path):
    path = tmp_path / "events.json"
    path.write_text(json.dumps({"event_timestamp": "1795453500000000", "event_name": "view_item",
                                "user_pseudo_id": "u1"}) + "\n")  # fmt: skip
    # NDJSON: an absent key is read as null -> the event is rejected, not the file
    loaded = ga4.read(path, tz=TZ)
    assert loaded.rejected["reason"].str.startswith("no items").tolist() == [True]
    parquet = tmp_path / "events.parquet"
    duckdb.sql(f"COPY (SELECT 1795453500000000 AS event_timestamp, 'view_item' AS event_name, "
               f"'u1' AS user_pseudo_id) TO '{parquet}' (FORMAT parquet)")  # fmt: skip
    with pytest.raises(ValueError, match=r"required GA4 column\(s\) items missing"):
        ga4.read(parquet, tz=TZ)


def test_bad_empty_and_corrupt_files(tmp_path):
    empty = tmp_path / "events.json"
    empty.write_text("")
    assert not ga4.detect(empty)
    loaded = ga4.read(empty, tz=TZ)
    assert loaded.summary == "0 rows read, 0 cells, 0 rejected, 0 replaced"
    corrupt = tmp_path / "events.parquet"
    corrupt.write_bytes(b"PAR1 this is not parquet")
    assert not ga4.detect(corrupt)
    with pytest.raises(ValueError, match="events.parquet: not a readable GA4 export"):
        ga4.read(corrupt, tz=TZ)


def test_bad_non_integer_timestamp_and_bom(tmp_path):
    lines = [json.loads(x) for x in FIX.read_text(encoding="utf-8").splitlines()[:2]]
    lines[1]["event_timestamp"] = "hier soir"
    path = tmp_path / "events.json"
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8-sig")
    loaded = ga4.read(path, tz=TZ)
    assert loaded.rejected["row"].tolist() == [2]
    assert (
        loaded.rejected["reason"].iloc[0].startswith("no event_timestamp (GA4 writes an integer")
    )
    # no purchase in the file: no currency, so revenue is "not reported" (NA), not 0
    assert table(loaded.cells) == [["2026-11-23 18:00:00+01:00", A, 1, 0, 0, 0, 0, None]]


def test_bad_dst_fall_back_hours_stay_distinct(tmp_path):
    # 2026-10-25: 00:30 UTC is 02:30 CEST, 01:30 UTC is 02:30 CET (the repeated local hour)
    rows = [{"event_timestamp": str(int(datetime(2026, 10, 25, h, 30, tzinfo=UTC).timestamp())
                                    * 10**6), "event_name": "view_item", "user_pseudo_id": "u1",
             "items": [{"item_id": "A"}]} for h in (0, 1)]  # fmt: skip
    path = tmp_path / "events.json"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    c = ga4.read(path, tz=TZ).cells
    assert c["start"].astype(str).tolist() == ["2026-10-25 02:00:00+02:00",
                                               "2026-10-25 02:00:00+01:00"]  # fmt: skip
    assert c["hour"].tolist() == [2, 2] and c["viewers"].tolist() == [1, 1]


def test_bad_purchase_in_another_currency(tmp_path):
    base = json.loads(FIX.read_text(encoding="utf-8").splitlines()[10])  # T100 purchase, EUR
    other = json.loads(json.dumps(base))
    other["ecommerce"]["transaction_id"] = "T101"
    other["event_params"][-1]["value"]["string_value"] = "GBP"
    path = tmp_path / "events.json"
    path.write_text(json.dumps(base) + "\n" + json.dumps(other) + "\n")
    loaded = ga4.read(path, tz=TZ)
    assert loaded.rejected["reason"].tolist() == [
        "purchase in GBP while the other purchases of the file are in EUR: revenue cannot be "
        "summed "
        "(1 event of this file)"]  # fmt: skip
    assert loaded.cells["orders"].tolist() == [1]


def test_many_rejections_are_counted_beyond_the_listed_ones(tmp_path):
    row = {"event_timestamp": "1795453500000000", "event_name": "view_item", "user_pseudo_id": "u"}
    path = tmp_path / "events.json"
    path.write_text("\n".join(json.dumps(row) for _ in range(30)))
    loaded = ga4.read(path, tz=TZ, max_listed=5)
    assert loaded.rejected["row"].tolist() == [1, 2, 3, 4, 5]
    assert loaded.rejected["reason"].str.endswith("(30 events of this file)").all()
    assert loaded.summary == "30 rows read, 0 cells, 30 rejected, 0 replaced"
    assert loaded.reconciles()


# ---------------------------------------------------------------------------- independent reference


def random_events(seed: int, n: int = 1500) -> list[dict]:
    """Seeded valid events around the 2026-10-25 fall-back (00:00-04:00 UTC)."""
    rng = random.Random(seed)
    t0 = int(datetime(2026, 10, 25, tzinfo=UTC).timestamp()) * 10**6
    events, tx = [], 0
    for _ in range(n):
        name = rng.choices(["view_item", "add_to_cart", "begin_checkout", "purchase", "page_view"],
                           [50, 25, 8, 7, 10])[0]  # fmt: skip
        items = [{"item_id": f"I{rng.randrange(4)}", "price": float(rng.randrange(5, 40)),
                  "quantity": rng.choice([None, 1, 2])} for _ in range(rng.choice([1, 1, 2]))]  # fmt: skip
        e = {"event_timestamp": str(t0 + rng.randrange(4 * 3600 * 10**6)), "event_name": name,
             "user_pseudo_id": f"u{rng.randrange(25)}", "items": items,
             "event_params": [{"key": "ga_session_id", "value": {"int_value": rng.randrange(1, 3)}},
                              {"key": "currency", "value": {"string_value": "EUR"}}]}  # fmt: skip
        if name == "purchase":
            tx = tx if rng.random() < 0.15 and tx else tx + 1  # some repeated transactions
            e["ecommerce"] = {"transaction_id": f"T{tx}"}
        events.append(e)
    return events


def reference(events: list[dict], tz: str, unit: str) -> dict:
    """The cell definitions in plain Python: {(start UTC, item): [viewers, atc, ...]}."""
    zone = ZoneInfo(tz)

    def hour(e):  # start of the local hour (fold kept: the repeated hour stays distinct)
        local = datetime.fromtimestamp(int(e["event_timestamp"]) / 1e6, zone)
        return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)

    def key(e):
        sid = e["event_params"][0]["value"]["int_value"]
        return e["user_pseudo_id"] if unit == "visitor" else (e["user_pseudo_id"], sid)

    seen, first = {}, {}
    for i, e in enumerate(events):
        if e["event_name"] == "purchase":
            t = e["ecommerce"]["transaction_id"]
            if t not in first or int(e["event_timestamp"]) < int(
                events[first[t]]["event_timestamp"]
            ):
                first[t] = i
    views, adds, checks, sales = {}, {}, {}, {}
    for i, e in enumerate(events):
        for it in e["items"]:
            cell = (hour(e), it["item_id"])
            seen.setdefault(cell, None)
            name = e["event_name"]
            if name == "view_item":
                views.setdefault(cell, set()).add(key(e))
            elif name == "add_to_cart":
                adds.setdefault(cell, set()).add(key(e))
            elif name == "begin_checkout":
                checks.setdefault(cell, set()).add(key(e))
            elif name == "purchase" and first[e["ecommerce"]["transaction_id"]] == i:
                s = sales.setdefault(cell, [set(), 0, 0.0])
                q = it["quantity"] or 1
                s[0].add(e["ecommerce"]["transaction_id"])
                s[1] += q
                s[2] += it["price"] * q
    out = {}
    for cell in seen:
        v = views.get(cell, set())
        s = sales.get(cell, [set(), 0, 0.0])
        row = [len(v), len(v & adds.get(cell, set())), len(checks.get(cell, set())), len(s[0]),
               s[1], s[2]]  # fmt: skip
        if row[0] + row[2] + row[3] > 0:
            out[cell] = row
    return out


@pytest.mark.parametrize("unit", ["visitor", "session"])
def test_matches_a_pure_python_reference(tmp_path, unit):
    events = random_events(seed=7)
    path = tmp_path / "events.json"
    path.write_text("\n".join(json.dumps(e) for e in events))
    cells = ga4.read(path, tz=TZ, unit=unit).cells
    got = {(r.start.tz_convert("UTC").to_pydatetime(), r.product_id):
           [int(r.viewers), int(r.atc), int(r.checkouts), int(r.orders), int(r.items), r.revenue]
           for r in cells.itertuples()}  # fmt: skip
    want = reference(events, TZ, unit)
    assert got.keys() == want.keys()
    for k in want:
        assert got[k][:5] == want[k][:5], k
        assert got[k][5] == pytest.approx(want[k][5])
    assert len(cells) >= 16 and cells["atc"].sum() > 0 and cells["orders"].sum() > 0


ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu",
         "America/Sao_Paulo", "Asia/Ho_Chi_Minh", "America/St_Johns", "America/Santiago"]  # fmt: skip


@pytest.mark.parametrize("tz", ZONES)
def test_hour_start_is_the_local_hour_start(tmp_path, tz):
    """The query's local hours (a per-minute offset table, then MOD) against zoneinfo: 300
    seeded instants 2020-2030 plus the minutes around every offset change of those years, one
    item per instant so each event is its own cell. St John's and Kathmandu have half- and
    quarter-hour offsets; Santiago changes at local midnight. (Lord Howe Island's 30-minute
    daylight-saving shift has no single "start of the local hour" after its fall-back: not
    covered.)"""
    rng = random.Random(tz)
    zone = ZoneInfo(tz)
    ts = [rng.randrange(1_577_836_800_000_000, 1_893_456_000_000_000) for _ in range(300)]
    t = datetime(2020, 1, 1, tzinfo=UTC)
    off = t.astimezone(zone).utcoffset()
    while t.year < 2030:  # offset changes, found hour by hour then minute by minute
        nxt = t + timedelta(hours=1)
        if nxt.astimezone(zone).utcoffset() != off:
            m = t
            while m.astimezone(zone).utcoffset() == off:
                m += timedelta(minutes=1)
            base = int(m.timestamp()) * 10**6
            ts += [base + d for d in (-60_000_001, -1, 0, 1, 59_999_999, 3_599_999_999)]
            off = nxt.astimezone(zone).utcoffset()
        t = nxt
    rows = [{"event_timestamp": str(x), "event_name": "view_item", "user_pseudo_id": "u",
             "items": [{"item_id": f"I{i}"}]} for i, x in enumerate(ts)]  # fmt: skip
    path = tmp_path / "events.json"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    cells = ga4_run.aggregate(path, tz=tz)[0].set_index("product_id")
    assert len(cells) == len(ts) >= 300
    for i, x in enumerate(ts):
        local = datetime.fromtimestamp(x / 1e6, zone)
        start = local.replace(minute=0, second=0, microsecond=0)
        assert cells.loc[f"I{i}", "start"] == pd.Timestamp(start), (tz, x)


# ---------------------------------------------------------------------------- round trips


@pytest.fixture(scope="module")
def offlive() -> pd.DataFrame:
    """Three days of the sample's off-live cells (incl. the 25-hour 2026-10-25), read as a web
    shop's item traffic; a region per gender exercises the breakdown."""
    cells = pd.read_parquet(PROJECT_ROOT / "data" / "sample" / "cells.parquet")
    cells = cells[cells["channel"] != "LIVE"]
    day = cells["start"].dt.tz_localize(None).dt.normalize()
    cells = cells[day.between("2026-10-24", "2026-10-26")]
    return cells.assign(region=cells["gender"].map({"female": "Bretagne"}).fillna("Occitanie"))


@pytest.mark.parametrize(("suffix", "unit", "breakdown"), [
    (".parquet", "visitor", ()), (".json", "session", ()), (".parquet", "visitor", ("region",))])  # fmt: skip
def test_round_trip(tmp_path, offlive, suffix, unit, breakdown):
    path = ga4_writer.write(offlive, tmp_path / f"events_20261025{suffix}", unit=unit,
                     breakdown=breakdown)  # fmt: skip
    loaded = ga4.read(path, tz=TZ, unit=unit, breakdown=breakdown)
    keys = ["start", "product_id", *breakdown]
    want = offlive.groupby(keys)[[*COUNTS, "revenue"]].sum()
    want = want[(want[["viewers", "checkouts", "orders"]].sum(axis=1) > 0)]
    got = loaded.cells.set_index(keys)
    assert got.index.tolist() == want.index.tolist()
    assert got[COUNTS].astype("int64").to_numpy().tolist() == want[COUNTS].astype(
        "int64").to_numpy().tolist()  # fmt: skip
    assert got["revenue"].to_numpy() == pytest.approx(want["revenue"].to_numpy(), abs=1e-6)
    assert set(loaded.cells["category"]) == set(offlive["category"])
    assert len(loaded.rejected) == 0 and loaded.reconciles()
    assert loaded.rows_read == int(want[["viewers", "atc", "checkouts", "orders"]].sum().sum())
