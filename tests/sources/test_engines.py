"""One GA4 aggregation, several engines: Spark for real, BigQuery by its SQL text.

- Spark runs locally (``local[1]``, Java from the system) on small Parquet files: its cells,
  rejected events and used count must equal DuckDB's exactly (same dtypes, same floats).
- BigQuery: the generated GoogleSQL is pinned by a golden file, and run by DuckDB with four
  one-line macros standing in for BigQuery functions (``EMULATION``): same result as the DuckDB
  dialect on the same data.
- The three dialects differ only by the fragments of ``DIALECTS``: the rest is one text.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.paths import PROJECT_ROOT
from analysis.sources import engines, ga4, ga4_query, ga4_result, ga4_run

FIX = PROJECT_ROOT / "tests" / "fixtures" / "ga4"
TZ = "Europe/Paris"
GOLDEN = FIX / "bigquery_session_region.sql"
TABLE = "my-project.analytics_123456789.events_*"


def to_parquet(lines: list[str], path: Path) -> Path:
    """NDJSON lines -> Parquet with the BigQuery export types (DuckDB)."""
    src = path.with_suffix(".json")
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in ga4_query.JSON_COLUMNS.items()) + "}"
    duckdb.sql(f"COPY (SELECT * FROM read_json('{src}', format='newline_delimited', "
               f"columns={cols})) TO '{path}' (FORMAT parquet)")  # fmt: skip
    src.unlink()
    return path


def dst_events(seed: int, n: int = 1200) -> list[str]:
    """Seeded events over both 2026 daylight-saving changes of Paris (spring forward on
    2026-03-29 01:00 UTC, fall back on 2026-10-25 01:00 UTC), prices with cents, 1-2 items, two
    sessions, repeated transactions, a few broken events."""
    rng = random.Random(seed)
    starts = [datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 10, 24, 23, tzinfo=UTC)]
    lines, tx = [], 0
    for i in range(n):
        t0 = int(starts[i % 2].timestamp()) * 10**6
        name = rng.choices(["view_item", "add_to_cart", "begin_checkout", "purchase", "page_view"],
                           [50, 25, 8, 8, 9])[0]  # fmt: skip
        items = [{"item_id": f"I{rng.randrange(5)}", "item_category": rng.choice(["a", "b"]),
                  "price": rng.randrange(100, 4000) / 100, "quantity": rng.choice([None, 1, 2])}
                 for _ in range(rng.choice([1, 1, 2]))]  # fmt: skip
        ts = t0 + rng.randrange(4 * 3600 * 10**6)
        e = {"event_date": datetime.fromtimestamp(ts / 1e6, UTC).strftime("%Y%m%d"),
             "event_timestamp": str(ts), "event_name": name,
             "user_pseudo_id": f"u{rng.randrange(30)}", "items": items,
             "event_params": [{"key": "ga_session_id", "value": {"int_value": rng.randrange(1, 3)}},
                              {"key": "currency", "value": {"string_value": "EUR"}}],
             "geo": {"country": "France", "region": rng.choice(["Bretagne", "Occitanie"])},
             "device": {"category": rng.choice(["mobile", "desktop"])}}  # fmt: skip
        if name == "purchase":
            tx = tx if rng.random() < 0.15 and tx else tx + 1
            e["ecommerce"] = {"transaction_id": f"T{tx}"}
        if rng.random() < 0.02:
            e["items"] = []  # rejected: no items
        lines.append(json.dumps(e))
    return lines


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("engines")
    hand = (FIX / "events_20261123.json").read_text(encoding="utf-8").splitlines()[:-1]
    return [to_parquet(hand, tmp / "events_20261123.parquet"),  # the hand-counted fixture
            to_parquet(dst_events(seed=3), tmp / "events_dst.parquet")]  # fmt: skip


@pytest.fixture(scope="module")
def spark():
    """A local Spark session (1 core, no UI), stopped after the module."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("cartlift-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "America/New_York")  # not UTC on purpose
        .config("spark.driver.memory", "1g")
        # a short-lived JVM: the quick JIT tier only and one GC thread (the queries are small;
        # C2 compilation and parallel GC threads fought the other test worker for the 2 cores)
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def on_spark(spark, files):
    """``(file index, unit, breakdown) -> aggregate(..., engine="spark")``, each run once (a
    Spark query takes seconds, most of it planning and code generation)."""
    cache = {}
    aggregate = (
        ga4_run.aggregate
    )  # the real one, even where a test monkeypatches ga4_run.aggregate

    def run(i: int, unit: str = "visitor", breakdown: tuple[str, ...] = ()):
        key = (i, unit, breakdown)
        if key not in cache:
            cache[key] = aggregate(files[i], tz=TZ, unit=unit, breakdown=breakdown,
                                   engine="spark", spark=spark)  # fmt: skip
        return cache[key]

    return run


def assert_same(a, b) -> None:
    pd.testing.assert_frame_equal(a[0], b[0], check_exact=True)
    pd.testing.assert_frame_equal(a[1], b[1], check_exact=True)
    assert a[2] == b[2]


# ---------------------------------------------------------------------------- Spark

#: the hand-counted fixture by visitor, and the daylight-saving fixture by session with a
#: breakdown (each Spark query costs seconds: the DST file's visitor cells differ from its
#: session cells only in the unit's key, which the first case already checks on Spark)
CASES = [(0, "visitor", ()), (1, "session", ("region", "device"))]


@pytest.mark.no_cover  # Spark runs in its JVM; the kit's Spark path is covered by test_spark_through_read_and_load (conftest)
@pytest.mark.parametrize(("i", "unit", "breakdown"), CASES)
def test_spark_cells_equal_duckdb_exactly(spark, files, on_spark, i, unit, breakdown):
    duck = ga4_run.aggregate(files[i], tz=TZ, unit=unit, breakdown=breakdown)
    assert_same(on_spark(i, unit, breakdown), duck)
    assert len(duck[0]) >= 3 and duck[0]["orders"].sum() > 0 and duck[2] > 0
    assert len(duck[1]) > 0  # rejected events compared too
    # the session's own time zone (New York) is restored after the query
    assert spark.conf.get("spark.sql.session.timeZone") == "America/New_York"


@pytest.mark.no_cover  # Spark runs in its JVM; the kit's Spark path is covered by test_spark_through_read_and_load (conftest)
def test_spark_dst_hours_and_the_hand_counted_fixture(on_spark):
    starts = set(on_spark(1, "session", ("region", "device"))[0]["start"].astype(str))
    # fall back: 02:00 exists twice (CEST, then CET) and both are distinct cells
    assert {"2026-10-25 02:00:00+02:00", "2026-10-25 02:00:00+01:00"} <= starts
    # spring forward: 02:00 does not exist, 01:00 is followed by 03:00
    assert "2026-03-29 01:00:00+01:00" in starts and "2026-03-29 03:00:00+02:00" in starts
    assert not any(s.startswith("2026-03-29 02:") for s in starts)
    hand = on_spark(0)[0]  # counted by hand in test_sources_ga4.py
    assert hand[["viewers", "atc", "checkouts", "orders", "items"]].values.tolist() == [
        [2, 1, 0, 0, 0], [1, 1, 1, 1, 2], [1, 0, 0, 1, 1]]  # fmt: skip
    assert hand["revenue"].tolist() == [0.0, 40.0, 10.0]


def test_spark_through_read_and_load(spark, files, on_spark, monkeypatch):
    """``engine=`` travels from ``analysis.sources.load.read`` to the aggregation (the Spark result is
    the cached one of the same file and options)."""
    from analysis.sources.load import read

    seen = []

    def spark_aggregate(path, **options):
        seen.append(options["engine"])
        return on_spark(files.index(Path(path)), options["unit"], options["breakdown"])

    monkeypatch.setattr(ga4, "aggregate", spark_aggregate)
    loaded = read(files[0], tz=TZ, engine="spark")
    assert seen == ["spark"]
    assert loaded.summary == "19 rows read, 3 cells, 5 rejected, 0 replaced"
    assert loaded.reconciles()
    with pytest.raises(ValueError, match="engine='spark' reads Parquet exports"):
        ga4_run.spark_sql(spark, FIX / "events_20261123.json", tz=TZ, unit="visitor")


# ---------------------------------------------------------------------------- BigQuery

#: BigQuery functions of the generated SQL that DuckDB lacks, as DuckDB macros (same meaning)
EMULATION = (
    "CREATE MACRO timestamp_micros(x) AS make_timestamptz(x)",
    "CREATE MACRO datetime(ts, zone) AS timezone(zone, ts)",  # wall clock in zone
    "CREATE MACRO unix_micros(t) AS epoch_us(t)",
    "CREATE MACRO div(a, b) AS a // b",
)


def run_bigquery_sql_in_duckdb(sql: str, path: Path) -> pd.DataFrame:
    """The BigQuery text, with the backticked wildcard table replaced by a DuckDB view of the
    file that has BigQuery's ``_TABLE_SUFFIX`` pseudo-column."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for macro in EMULATION:
        con.execute(macro)
    con.execute(f"CREATE VIEW events_star AS SELECT *, event_date AS _TABLE_SUFFIX "
                f"FROM read_parquet('{path}')")  # fmt: skip
    assert sql.count(f"`{TABLE}`") == 3  # browse, purchases, used
    return con.execute(sql.replace(f"`{TABLE}`", "events_star")).df()


@pytest.mark.parametrize(("unit", "breakdown"), [("visitor", ()), ("session", ("region",))])
def test_bigquery_sql_gives_the_duckdb_cells(files, unit, breakdown):
    for path in files:
        sql = ga4_query.bigquery_sql(TABLE, tz=TZ, start="20260301", end="20261130", unit=unit,
                               breakdown=breakdown)  # fmt: skip
        got = ga4_result.shape_result(
            run_bigquery_sql_in_duckdb(sql, path), tz=TZ, breakdown=breakdown
        )
        want = ga4_run.aggregate(path, tz=TZ, unit=unit, breakdown=breakdown)
        pd.testing.assert_frame_equal(got[0], want[0], check_exact=True)
        assert got[2] == want[2]
        # BigQuery has no record number: the same rejected events, row NA
        cols = ["event_name", "reason", "n"]
        key = ["reason", "event_name"]
        assert got[1][cols].sort_values(key).values.tolist() == want[1][cols].sort_values(
            key).values.tolist()  # fmt: skip
        assert got[1]["row"].isna().all()


def test_bigquery_table_suffix_filter_keeps_the_range(files):
    sql = ga4_query.bigquery_sql(TABLE, tz=TZ, start="20261024", end="20261025")  # fall-back only
    got = ga4_result.shape_result(run_bigquery_sql_in_duckdb(sql, files[1]), tz=TZ, breakdown=())[
        0
    ]
    assert got["start"].dt.month.unique().tolist() == [10]
    assert "_TABLE_SUFFIX BETWEEN '20261024' AND '20261025'" in sql


def test_bigquery_sql_is_the_golden_file():
    """The exact text sent to BigQuery. Regenerate after a deliberate change with
    ``python -m tests.sources.test_engines --regenerate`` and review the diff."""
    sql = ga4_query.bigquery_sql(TABLE, tz=TZ, start="20261116", end="20261122", unit="session",
                           breakdown=("region",))  # fmt: skip
    assert sql == GOLDEN.read_text(encoding="utf-8")


def test_bigquery_bad_arguments_and_missing_client(monkeypatch):
    with pytest.raises(ValueError, match="`start` must be a YYYYMMDD date string"):
        ga4_query.bigquery_sql(TABLE, tz=TZ, start="2026-11-16", end="20261122")
    with pytest.raises(ValueError, match="not a BigQuery table name"):
        ga4_query.bigquery_sql("a`; DROP", tz=TZ, start="20261116", end="20261122")
    monkeypatch.setitem(sys.modules, "google.cloud", None)  # as if not installed
    with pytest.raises(engines.EngineUnavailable, match="needs google-cloud-bigquery"):
        ga4_run.aggregate_bigquery(TABLE, tz=TZ, start="20261116", end="20261122")


# ---------------------------------------------------------------------------- one definition


def test_dialects_differ_only_by_their_fragments():
    """Render the template for each dialect with every fragment replaced by its name: the texts
    are identical, so no engine has logic of its own."""
    texts = set()
    for dialect, fragments in ga4_query.DIALECTS.items():
        sql = ga4_query.aggregate_sql("BROWSE", "PURCHASE", tz=TZ, unit="session",
                                breakdown=("region",), dialect=dialect)  # fmt: skip
        for name, text in sorted(fragments.items(), key=lambda kv: -len(kv[1])):
            if name == "inline":  # empty for Spark and BigQuery (they never materialise CTEs)
                sql = sql.replace(f" {text} (", "  (") if text else sql
                continue
            for variant in {text.format(tz=TZ, params="P", key="K", x="X"), text}:
                sql = sql.replace(variant, f"<{name}>")
        texts.add(sql)
    assert len(texts) == 1
    assert set(ga4_query.DIALECTS["duckdb"]) == set(ga4_query.DIALECTS["spark"]) == set(
        ga4_query.DIALECTS["bigquery"])  # fmt: skip


def test_engine_vocabulary_and_duckdb_spills_outside_the_repo(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="`engine` must be one of"):
        ga4_run.aggregate(FIX / "events_20261123.json", tz=TZ, engine="polars")
    with pytest.raises(ValueError, match="`engine` must be one of"):  # BigQuery reads tables
        ga4_run.aggregate(FIX / "events_20261123.json", tz=TZ, engine="bigquery")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    with engines.duckdb_connect() as con:
        spill = con.execute("SELECT current_setting('temp_directory')").fetchone()[0]
        assert Path(spill).parent == tmp_path and Path(spill).is_dir()
    assert not Path(spill).exists()  # removed on close


if __name__ == "__main__" and "--regenerate" in sys.argv:
    GOLDEN.write_text(ga4_query.bigquery_sql(TABLE, tz=TZ, start="20261116", end="20261122",
                                       unit="session", breakdown=("region",)), encoding="utf-8")  # fmt: skip
    print(f"wrote {GOLDEN}")
