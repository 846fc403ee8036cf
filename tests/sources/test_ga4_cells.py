"""GA4 cells built column by column (``ga4_cells.canonical_cells``) against ``split_cells``.

The fast path must give exactly the frame ``split_cells`` gives (columns, dtypes, values, derived
``date``/``hour``/``weekday``/``is_live``), on the shared fixtures and on a seeded larger export
over a daylight-saving change with breakdowns; where the data needs ``split_cells``' cleaning or
checks (spaces around an id, a negative price, a lowercase currency) it must step aside, and the
result is what ``split_cells`` makes of it. Shaping (``shape_result``) is checked on engine-style
rows: decimal text parsed exactly as Python's ``float``.
"""

from __future__ import annotations

import json
import random
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.cells import split_cells
from analysis.sources import ga4, ga4_query, ga4_result, ga4_run
from analysis.sources.ga4_cells import canonical_cells, missing_ints
from tests.sources.test_engines import FIX, dst_events, to_parquet

TZ = "Europe/Paris"


def by_split_cells(found: pd.DataFrame, *, name: str, unit: str) -> pd.DataFrame:
    """What ``to_loaded`` built before the fast path: ``split_cells`` on the shaped cells."""
    raw = found.assign(source="ga4", file=name, row=np.arange(1, len(found) + 1), grain="hour",
                       channel="WEB", unit=unit,
                       revenue=found["revenue"].where(found["currency"].notna()))  # fmt: skip
    cells, problems = split_cells(raw, tz=TZ, source="ga4")
    assert len(problems) == 0
    return cells.assign(row=missing_ints(len(cells)))


def assert_fast_equals_slow(path: Path, unit: str, breakdown: tuple[str, ...]) -> pd.DataFrame:
    found = ga4_run.aggregate(path, tz=TZ, unit=unit, breakdown=breakdown)[0]
    fast = canonical_cells(found, name=path.name, tz=TZ, unit=unit, source="ga4")
    assert fast is not None, "the fast path stepped aside on clean cells"
    pd.testing.assert_frame_equal(fast, by_split_cells(found, name=path.name, unit=unit),
                                  check_exact=True)  # fmt: skip
    return fast


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("ga4cells")
    hand = (FIX / "events_20261123.json").read_text(encoding="utf-8").splitlines()[:-1]
    return [FIX / "events_20261123.json", to_parquet(hand, tmp / "events_20261123.parquet"),
            to_parquet(dst_events(seed=3), tmp / "events_dst.parquet"), larger(tmp)]  # fmt: skip


def larger(tmp: Path, events: int = 15_000) -> Path:
    """A seeded export written by DuckDB: 300 items (categories NULL, empty or with a space), 4
    days around the 2026-10-25 fall-back, devices and regions with NULLs, 1-3 items per
    event, prices with cents, repeated transactions."""
    path = tmp / "events_larger.parquet"
    t0 = 1_792_792_800_000_000  # 2026-10-23 22:00 UTC

    def h(k: int, m: int) -> str:  # a seeded pseudo-random integer in [0, m) per event i
        return f"CAST(hash(i, {k}) % {m} AS BIGINT)"

    duckdb.sql(f"""
    COPY (
      SELECT
        {t0} + {h(1, 4 * 24 * 3600 * 10**6)} AS event_timestamp,
        ['view_item', 'view_item', 'add_to_cart', 'begin_checkout', 'purchase'][{h(2, 5)} + 1]
          AS event_name,
        'u' || {h(3, 2000)} AS user_pseudo_id,
        [{{'key': 'ga_session_id', 'value': {{'string_value': NULL::VARCHAR,
           'int_value': {h(4, 3)}, 'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}}}},
         {{'key': 'currency', 'value': {{'string_value': 'EUR', 'int_value': NULL::BIGINT,
           'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}}}}] AS event_params,
        list_transform(range({h(5, 3)} + 1), lambda k: {{
          'item_id': 'P' || (({h(6, 300)} + k) % 300),
          'item_category': ['beauty', ' home', NULL, ''][({h(6, 300)} + k) % 4 + 1],
          'price': CAST({h(7, 5000)} AS DOUBLE) / 100, 'quantity': {h(8, 3)}}}) AS items,
        {{'category': ['mobile', 'desktop', NULL][{h(9, 3)} + 1]}} AS device,
        {{'country': 'France', 'region': ['Bretagne', NULL][{h(10, 2)} + 1]}} AS geo,
        {{'transaction_id': 'T' || {h(11, events // 6)}, 'purchase_revenue': NULL::DOUBLE}}
          AS ecommerce
      FROM range({events}) AS t(i)
    ) TO '{path}' (FORMAT parquet)""")
    return path


@pytest.mark.parametrize(("unit", "breakdown"), [("visitor", ()),
                                                 ("session", ("region", "device"))])  # fmt: skip
def test_fast_cells_equal_split_cells(exports, unit, breakdown):
    for path in exports:
        cells = assert_fast_equals_slow(path, unit, breakdown)
    assert len(cells) > 5_000  # the larger export: many cells, both DST hours, NULL dimensions
    assert {"2026-10-25 02:00:00+02:00", "2026-10-25 02:00:00+01:00"} <= set(
        cells["start"].astype(str))  # fmt: skip
    assert cells["category"].isna().any() and cells["orders"].sum() > 0
    if breakdown:
        assert cells["device"].isna().any() and cells["region"].isna().any()


def test_read_takes_the_fast_path_and_reconciles(exports, monkeypatch):
    calls = []
    monkeypatch.setattr(ga4_result, "split_cells", lambda *a, **k: calls.append(1))
    loaded = ga4.read(exports[-1], tz=TZ)
    assert calls == [] and loaded.reconciles() and len(loaded.cells) > 5_000
    assert loaded.cells["row"].isna().all() and str(loaded.cells["row"].dtype) == "Int64"
    cells = loaded.cells  # columns of the same missing values are still separate columns
    cells.loc[0, "creator"], cells.loc[0, "views"] = "@me", 3
    assert cells[["content_id", "promo", "creator"]].iloc[0].tolist() == [pd.NA, pd.NA, "@me"]
    assert cells[["impressions", "views", "clicks"]].iloc[0].tolist() == [pd.NA, 3, pd.NA]


def events_file(tmp_path: Path, *changes: dict) -> Path:
    """The hand-counted fixture's first line (a view of item A at 18:xx) plus a purchase,
    each updated by ``changes``."""
    view = json.loads((FIX / "events_20261123.json").read_text(encoding="utf-8").splitlines()[0])
    buy = {**view, "event_name": "purchase", "ecommerce": {"transaction_id": "T1"},
           "event_params": [{"key": "currency", "value": {"string_value": "EUR"}}],
           "items": [{"item_id": "B", "price": 10.0, "quantity": 1}]}  # fmt: skip
    rows = [view, buy]
    for row, change in zip(rows, changes, strict=False):
        row.update(change)
    path = tmp_path / "events.json"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return path


def test_spaces_around_an_id_go_through_split_cells(tmp_path):
    path = events_file(tmp_path, {}, {"items": [{"item_id": " B ", "price": 10.0}]})
    found = ga4_run.aggregate(path, tz=TZ)[0]
    assert " B " in found["product_id"].tolist()
    assert canonical_cells(found, name=path.name, tz=TZ, unit="visitor", source="ga4") is None
    loaded = ga4.read(path, tz=TZ)  # split_cells strips it, as every other loader's text
    assert sorted(loaded.cells["product_id"]) == ["1763696168732145433", "B"]


@pytest.mark.parametrize(
    ("change", "column"),
    [({"items": [{"item_id": "B", "price": -10.0}]}, "revenue"),
     ({"event_params": [{"key": "currency", "value": {"string_value": "eur"}}]}, "currency")],
)  # fmt: skip
def test_values_the_query_does_not_check_are_still_refused(tmp_path, change, column):
    path = events_file(tmp_path, {}, change)
    found = ga4_run.aggregate(path, tz=TZ)[0]
    assert canonical_cells(found, name=path.name, tz=TZ, unit="visitor", source="ga4") is None
    with pytest.raises(ValueError, match="aggregated GA4 cells failed validation") as err:
        ga4.read(path, tz=TZ)
    assert f" {column} " in str(err.value)


def test_shape_result_of_engine_rows_parses_decimal_text_exactly():
    """Rows as Spark or BigQuery give them (Python objects, None): revenue text parsed to the
    nearest float, as ``float`` does; counts int64; missing columns of other kinds ignored."""
    texts = ["0.1", "40.000000000", "123456789012345678901234567.123456789",
             "0.30000000000000004441", "9007199254740993", "2.675", "1E+2"]  # fmt: skip
    rows = [{"kind": "cell", "hour_start_us": 1_795_453_200_000_000 + i * 3_600_000_000,
             "item_id": f"I{i}", "category": None, "viewers": 1, "atc": 0, "checkouts": 0,
             "orders": 1, "items": 1, "revenue": t, "currency": "EUR", "rn": None,
             "event_name": None, "reason": None, "n": None} for i, t in enumerate(texts)]  # fmt: skip
    rows.append({**dict.fromkeys(rows[0]), "kind": "used", "n": 7})
    frame = pd.DataFrame(rows, columns=ga4_result.result_columns(()))
    cells, rejected, used = ga4_result.shape_result(frame, tz=TZ, breakdown=())
    assert cells["revenue"].tolist() == [float(t) for t in texts]
    assert used == 7 and len(rejected) == 0 and str(cells["viewers"].dtype) == "int64"
    assert str(cells["start"].dtype) == "datetime64[us, Europe/Paris]"


@pytest.mark.parametrize("tz", ["America/Caracas", "Asia/Pyongyang", "Australia/Lord_Howe"])
def test_hour_offset_follows_fractional_zone_changes(tz):
    """Zones whose offset moved by half an hour (Caracas 2007/2016, Pyongyang 2015/2018, Lord
    Howe's daylight saving): around each change and at seeded instants 2005-2020, the query's
    hour start is the instant minus its local wall time modulo one hour (zoneinfo), the
    definition in docs/data-formats.md (GA4)."""
    zone = ZoneInfo(tz)
    rng = random.Random(tz)
    ts = [rng.randrange(1_104_537_600_000_000, 1_577_836_800_000_000) for _ in range(200)]
    sql = ga4_query.hour_offset_sql(tz)
    for at in (int(x) for x in re.findall(r"< (\d+)", sql)):
        ts += [at + d for d in (-3_600_000_001, -1, 0, 1, 1_799_999_999, 3_599_999_999)]
    got = duckdb.sql(f"SELECT e.event_timestamp - MOD(e.event_timestamp + {sql}, 3600000000) "
                     f"FROM unnest({ts}) AS e(event_timestamp)").fetchall()  # fmt: skip
    for x, (start,) in zip(ts, got, strict=True):  # start = instant - local wall time mod 1 h
        local = datetime.fromtimestamp(x // 10**6, zone)
        assert start == x - (local.minute * 60 + local.second) * 10**6 - x % 10**6, (tz, x)
    assert sql.startswith("(CASE WHEN")


@pytest.mark.parametrize("half_hours", [False, True])
def test_shape_result_sorts_cells_like_pandas(half_hours):
    """Cells come back sorted by start, product_id, then the dimensions (missing last) whatever
    the engine's row order: the counting placement, the sort of one combined key and
    ``lexsort`` agree with pandas' stable multi-column sort."""
    rng = random.Random(half_hours)
    step = 1_800_000_000 if half_hours else 3_600_000_000
    keys = {(1_795_453_200_000_000 + rng.randrange(300) * step, f"I{rng.randrange(40)}",
             rng.choice(["mobile", "desktop", None])) for _ in range(2_000)}  # fmt: skip
    rows = [{**dict.fromkeys(ga4_result.result_columns(("device",))), "kind": "cell",
             "hour_start_us": h, "item_id": i, "device": d, "category": "c", "viewers": 1,
             "atc": 0, "checkouts": 0, "orders": 0, "items": 0, "revenue": "0",
             "currency": None} for h, i, d in keys]  # fmt: skip
    rng.shuffle(rows)
    frame = pd.DataFrame(rows, columns=ga4_result.result_columns(("device",)))
    cells = ga4_result.shape_result(frame, tz=TZ, breakdown=("device",))[0]
    want = cells.sample(frac=1, random_state=1).sort_values(["start", "product_id", "device"],
                                                            kind="stable")  # fmt: skip
    pd.testing.assert_frame_equal(cells, want.reset_index(drop=True))
    assert len(cells) == len(keys) > 1_500


def test_duckdb_item_id_check_trims_only_what_can_be_blank():
    """DuckDB's check of an item id (trim only below '!') answers as the plain rule
    ``item_id IS NULL OR trim(item_id) = ''`` on missing, empty, blank, padded, control and
    non-ASCII ids (``ga4_query.DIALECTS``)."""
    ids = [None, "", " ", "   ", " a", "a ", "a", "!", "\t", " \t", "\x01", "é", " é", "SKU1"]
    items = ", ".join("{'item_id': " + ("NULL" if v is None else "'" + v + "'") + "}" for v in ids)
    fast = ga4_query.DIALECTS["duckdb"]["n_items_without_id"].replace("e.items", "[it]")
    got = duckdb.sql(f"SELECT {fast} AS fast, it.item_id IS NULL OR trim(it.item_id) = '' AS plain "
                     f"FROM unnest([{items}]) AS t(it)").fetchall()  # fmt: skip
    assert [(f > 0, p) for f, p in got] == [(p, p) for _, p in got]
    assert [p for _, p in got] == [True, True, True, True] + [False] * 10
