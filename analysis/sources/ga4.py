"""GA4 BigQuery export (``events_*`` as Parquet or newline-delimited JSON) -> hourly item cells.

The events are aggregated by DuckDB with one SQL query (``ga4.sql`` beside this module, kept
portable: the DuckDB-specific fragments are in :data:`DIALECTS`); event rows never pass through
pandas. One cell = one item in one shop-local hour (optionally per device category and geo
region), channel ``WEB``, grain ``hour``:

- ``viewers``: units (``unit="visitor"``: ``user_pseudo_id``; ``unit="session"``:
  ``user_pseudo_id`` + ``ga_session_id``) with a ``view_item`` event carrying the item in the hour;
- ``atc``: those viewers with an ``add_to_cart`` event of the same item in the same hour (GA4's
  item-matched, user-based ``cartToViewRate``: ``atc / viewers``);
- ``checkouts``: units with a ``begin_checkout`` event carrying the item in the hour;
- ``orders``: distinct ``ecommerce.transaction_id`` of ``purchase`` events carrying the item;
- ``items``: sum of the item's ``quantity`` in those purchases (missing quantity = 1, as GA4);
- ``revenue``: sum of ``price * quantity``, in the event parameter ``currency``.

Reconciliation (:meth:`analysis.sources.base.Loaded.reconciles`) counts *funnel events*: the
events named ``view_item``, ``add_to_cart``, ``begin_checkout``, ``purchase`` plus lines that are
not readable events. ``rows_read`` = those events, ``rows_used`` = the ones aggregated into cells,
``rows_rejected`` = the others (each with a reason). Other events (``page_view``,
``session_start``, ...) are not rows of this source. ``row`` of a rejected event is its record
number in the file (1-based; for NDJSON the line number, blank lines not counted); at most
``max_listed`` events per reason are listed, their total is in the ``files`` table and in the
reason. See ``docs/notes/issue-3-shopify-ga4.md``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.cells import check_tz, split_cells
from analysis.sources.base import FILE_COLUMNS, Loaded, empty_replaced
from analysis.vocabulary import ENGINES, GA4_BREAKDOWNS, GA4_UNITS, check_argument

NAME = "ga4"
SUFFIXES = (".parquet", ".json", ".ndjson", ".jsonl")
#: GA4 event names this loader counts (other events are not rows of this source)
FUNNEL_EVENTS = ("view_item", "add_to_cart", "begin_checkout", "purchase")
#: columns a GA4 export must have (top-level BigQuery export fields)
REQUIRED = ("event_timestamp", "event_name", "user_pseudo_id", "items")
#: columns read from the export, with the DuckDB types used for newline-delimited JSON
#: (BigQuery writes INT64 as JSON strings; the explicit types cast them)
JSON_COLUMNS = {
    "event_date": "VARCHAR",
    "event_timestamp": "BIGINT",
    "event_name": "VARCHAR",
    "user_pseudo_id": "VARCHAR",
    "event_params": "STRUCT(key VARCHAR, value STRUCT(string_value VARCHAR, int_value BIGINT, "
    "float_value DOUBLE, double_value DOUBLE))[]",
    "items": "STRUCT(item_id VARCHAR, item_name VARCHAR, item_category VARCHAR, price DOUBLE, "
    "quantity BIGINT)[]",
    "device": "STRUCT(category VARCHAR)",
    "geo": "STRUCT(country VARCHAR, region VARCHAR)",
    "ecommerce": "STRUCT(transaction_id VARCHAR, purchase_revenue DOUBLE)",
}
_SQL_FILE = Path(__file__).with_name("ga4.sql")
_BROWSE = ("view_item", "add_to_cart", "begin_checkout")

#: the engine-specific fragments of ``ga4.sql``: everything else in the query is the same text for
#: every engine. ``{tz}``, ``{params}``, ``{key}`` and ``{x}`` are filled by :func:`aggregate_sql`.
DIALECTS = {
    "duckdb": {
        # wall-clock µs in {tz} of the instant m.utc_us (the template subtracts the local
        # minutes/seconds, so the hours of a daylight-saving change, 02:00 twice, stay distinct)
        "local_us": "epoch_us(timezone('{tz}', make_timestamptz(m.utc_us)))",
        "minute": "e.event_timestamp // 60000000",
        # CTE read by several parts, not materialised (recomputed by each part)
        "inline": "NOT MATERIALIZED",
        # first event parameter called {key} (list functions: DuckDB runs the portable
        # correlated subquery over UNNEST(event_params) ~50x slower)
        "param_int": "list_filter({params}, lambda p: p.key = '{key}')[1].value.int_value",
        "param_str": "list_filter({params}, lambda p: p.key = '{key}')[1].value.string_value",
        "n_items": "len(e.items)",
        "n_items_without_id": "len(list_filter(e.items, lambda x: x.item_id IS NULL "
        "OR trim(x.item_id) = ''))",
        "n_items_without_price": "len(list_filter(e.items, lambda x: x.price IS NULL))",
        "unnest": ", UNNEST(e.items) AS it",
        "session_key": "CONCAT(e.user_pseudo_id, '.', CAST(e.session_id AS VARCHAR))",
        "to_int": "TRY_CAST({x} AS BIGINT)",
        "micros": "epoch_us({x})",
        "int": "BIGINT",
        "string": "VARCHAR",
        "decimal": "DECIMAL(38, 9)",
    },
    "spark": {
        # from_utc_timestamp shifts the instant to the zone's wall clock (session-independent)
        "local_us": "unix_micros(from_utc_timestamp(timestamp_micros(m.utc_us), '{tz}'))",
        "minute": "e.event_timestamp DIV 60000000",
        "inline": "",
        "param_int": "try_element_at(filter({params}, p -> p.key = '{key}'), 1).value.int_value",
        "param_str": "try_element_at(filter({params}, p -> p.key = '{key}'), 1).value.string_value",
        "n_items": "size(e.items)",
        "n_items_without_id": "size(filter(e.items, x -> x.item_id IS NULL "
        "OR trim(x.item_id) = ''))",
        "n_items_without_price": "size(filter(e.items, x -> x.price IS NULL))",
        "unnest": "LATERAL VIEW explode(e.items) exploded AS it",
        "session_key": "CONCAT(e.user_pseudo_id, '.', CAST(e.session_id AS STRING))",
        "to_int": "TRY_CAST({x} AS BIGINT)",
        "micros": "unix_micros({x})",
        "int": "BIGINT",
        "string": "STRING",
        "decimal": "DECIMAL(38, 9)",
    },
    "bigquery": {
        # CAST(DATETIME AS TIMESTAMP) reads the wall clock as UTC: its µs are the wall clock's
        "local_us": "UNIX_MICROS(CAST(DATETIME(TIMESTAMP_MICROS(m.utc_us), '{tz}') AS TIMESTAMP))",
        "minute": "DIV(e.event_timestamp, 60000000)",
        "inline": "",
        "param_int": "(SELECT p.value.int_value FROM UNNEST({params}) AS p "
        "WHERE p.key = '{key}' LIMIT 1)",
        "param_str": "(SELECT p.value.string_value FROM UNNEST({params}) AS p "
        "WHERE p.key = '{key}' LIMIT 1)",
        "n_items": "ARRAY_LENGTH(e.items)",
        "n_items_without_id": "(SELECT COUNT(*) FROM UNNEST(e.items) AS x "
        "WHERE x.item_id IS NULL OR TRIM(x.item_id) = '')",
        "n_items_without_price": "(SELECT COUNT(*) FROM UNNEST(e.items) AS x "
        "WHERE x.price IS NULL)",
        "unnest": ", UNNEST(e.items) AS it",
        "session_key": "CONCAT(e.user_pseudo_id, '.', CAST(e.session_id AS STRING))",
        "to_int": "SAFE_CAST({x} AS INT64)",
        "micros": "UNIX_MICROS({x})",
        "int": "INT64",
        "string": "STRING",
        "decimal": "NUMERIC",
    },
}


def detect(path: Path) -> bool:
    """A ``.parquet`` file whose schema, or a ``.json``/``.ndjson``/``.jsonl`` file whose first
    line, holds the GA4 export fields ``event_timestamp``, ``event_name``, ``user_pseudo_id``."""
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            names = set(pq.read_schema(path).names)
        except Exception:
            return False
    elif path.suffix in SUFFIXES:
        try:
            with open(path, encoding="utf-8-sig") as f:
                first = json.loads(f.readline())
        except (ValueError, UnicodeDecodeError):
            return False
        names = set(first) if isinstance(first, dict) else set()
    else:
        return False
    return {"event_timestamp", "event_name", "user_pseudo_id"} <= names


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def check_schema(types: dict[str, str], name: str) -> None:
    """Raise ``ValueError`` when a required column is missing or ``event_timestamp`` is a
    timestamp without time zone (``types``: column -> engine type name)."""
    missing = [c for c in REQUIRED if c not in types]
    if missing:
        raise ValueError(
            f"{name}: required GA4 column(s) {', '.join(missing)} missing; export the "
            "BigQuery events_* table with all its columns (SELECT *)"
        )
    ts_type = types["event_timestamp"]
    low = ts_type.lower()
    if low.startswith("timestamp") and ("time zone" not in low or "without" in low) and (
        low != "timestamp" or not ts_type.islower()  # Spark's "timestamp" is zone-aware
    ):  # fmt: skip
        raise ValueError(
            f"{name}: event_timestamp is a timestamp without time zone ({ts_type}); GA4 "
            "writes microseconds since 1970 in UTC (INT64). Export the raw column, or "
            "UNIX_MICROS(event_timestamp) if it was converted"
        )


def events_sql(
    source: str,
    types: dict[str, str],
    *,
    dialect: str,
    kind: str,
    unit: str,
    breakdown: tuple[str, ...] = (),
    rn: str,
    where: str = "",
) -> str:
    """The SELECT of the normalised ``kind`` (``browse`` or ``purchase``) events of ``source``.

    ``types`` maps the source's columns to their engine type names (absent nested fields read as
    NULL); ``rn`` is the record-number expression, evaluated before the event filter so both
    reads number records alike; ``where`` an extra filter of the source (BigQuery's
    ``_TABLE_SUFFIX``). Only the columns the aggregation needs are read: ``event_params`` only
    for sessions and the purchases' currency, ``device``/``geo`` only for a breakdown.
    """
    check_argument("kind", ("browse", "purchase"), kind)
    d = DIALECTS[dialect]
    string = d["string"]
    low = {k: v.lower() for k, v in types.items()}
    ts = (d["micros"].format(x="event_timestamp") if low["event_timestamp"].startswith("timestamp")
          else "event_timestamp" if low["event_timestamp"] in ("bigint", "int64", "long")
          else d["to_int"].format(x="event_timestamp"))  # fmt: skip

    def field(column: str, sub: str) -> str:
        return f"{column}.{sub}" if column in low and sub in low[column] else "NULL"

    params = "event_params" if "event_params" in types else None
    cols = [f"{rn} AS rn", f"CAST(event_name AS {string}) AS event_name",
            f"{ts} AS event_timestamp", f"CAST(user_pseudo_id AS {string}) AS user_pseudo_id"]  # fmt: skip
    if unit == "session":
        sid = d["param_int"].format(params=params, key="ga_session_id") if params else "NULL"
        cols.append(f"{sid} AS session_id")
    if kind == "purchase":
        cur = d["param_str"].format(params=params, key="currency") if params else "NULL"
        cols += [f"{cur} AS currency",
                 f"CAST({field('ecommerce', 'transaction_id')} AS {string}) AS transaction_id"]  # fmt: skip
    if "device" in breakdown:
        cols.append(f"CAST({field('device', 'category')} AS {string}) AS device")
    if "region" in breakdown:
        cols.append(f"CAST({field('geo', 'region')} AS {string}) AS region")
    cols.append("items")
    keep = ("event_name IS NULL OR event_name IN (" + ", ".join(map(_literal, _BROWSE)) + ")"
            if kind == "browse" else "event_name = 'purchase'")  # fmt: skip
    inner = f"SELECT {', '.join(cols)} FROM {source}" + (f" WHERE {where}" if where else "")
    return f"SELECT * FROM ({inner}) AS src WHERE {keep}"


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def aggregate_sql(
    browse_events: str,
    purchase_events: str,
    *,
    tz: str,
    unit: str = "visitor",
    breakdown=(),
    max_listed: int = 1000,
    dialect: str = "duckdb",
) -> str:
    """The aggregation query (``ga4.sql``) in the SQL dialect of ``dialect``.

    ``browse_events`` / ``purchase_events`` are the SELECTs of :func:`events_sql`. Returns the
    SQL text; see ``ga4.sql`` for its output.
    """
    check_argument("dialect", ENGINES, dialect)
    check_argument("unit", GA4_UNITS, unit)
    for b in breakdown:
        check_argument("breakdown", GA4_BREAKDOWNS, b)
    d = DIALECTS[dialect]
    dims = [b for b in GA4_BREAKDOWNS if b in breakdown]
    session_check = (
        "WHEN e.session_id IS NULL THEN 'no ga_session_id event parameter: sessions cannot be "
        "counted (unit=\"session\")'" if unit == "session" else ""
    )  # fmt: skip
    return _SQL_FILE.read_text(encoding="utf-8").format(
        browse_events=browse_events,
        purchase_events=purchase_events,
        local_us=d["local_us"].format(tz=tz.replace("'", "")),
        minute=d["minute"],
        inline=d["inline"],
        unnest=d["unnest"],
        n_items=d["n_items"],
        n_items_without_id=d["n_items_without_id"],
        n_items_without_price=d["n_items_without_price"],
        unit_key="e.user_pseudo_id" if unit == "visitor" else d["session_key"],
        int=d["int"],
        string=d["string"],
        decimal=d["decimal"],
        dims="".join(f", {c}" for c in dims),
        e_dims="".join(f", e.{c}" for c in dims),
        c_dims="".join(f", c.{c}" for c in dims),
        dims_select="".join(f", e.{c} AS {c}" for c in dims),
        dims_null=", NULL" * len(dims),
        session_check=session_check,
        max_listed=int(max_listed),
    )


def duckdb_sql(con, path: Path, *, tz: str, unit: str, breakdown=(), max_listed=1000) -> str:
    """The whole DuckDB query for one export file (schema read with ``DESCRIBE``)."""
    if path.suffix == ".parquet":
        source = f"read_parquet({_literal(path)}, file_row_number = true)"
        rn = "file_row_number + 1"
    else:
        cols = "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in JSON_COLUMNS.items())
        source = (f"read_json({_literal(path)}, format = 'newline_delimited', "
                  f"columns = {cols + '}'}, ignore_errors = true)")  # fmt: skip
        rn = "ROW_NUMBER() OVER ()"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    except Exception as err:  # duckdb.Error: not Parquet, unreadable, ...
        raise ValueError(f"{path.name}: not a readable GA4 export ({_first_line(err)})") from None
    types = {name: str(typ) for name, typ, *_ in described}
    check_schema(types, path.name)
    ev = {k: events_sql(source, types, dialect="duckdb", kind=k, unit=unit, breakdown=breakdown,
                        rn=rn) for k in ("browse", "purchase")}  # fmt: skip
    return aggregate_sql(ev["browse"], ev["purchase"], tz=tz, unit=unit, breakdown=breakdown,
                         max_listed=max_listed, dialect="duckdb")  # fmt: skip


def spark_sql(spark, path: Path, *, tz: str, unit: str, breakdown=(), max_listed=1000) -> str:
    """The whole Spark SQL query for one Parquet export file (schema read by Spark)."""
    if path.suffix != ".parquet":
        raise ValueError(f"{path.name}: engine='spark' reads Parquet exports; use the default "
                         "engine='duckdb' for newline-delimited JSON")  # fmt: skip
    quoted = str(path).replace("`", "``")
    source = f"parquet.`{quoted}`"
    try:
        schema = spark.read.parquet(str(path)).schema
    except Exception as err:
        raise ValueError(f"{path.name}: not a readable GA4 export ({_first_line(err)})") from None
    types = {f.name: f.dataType.simpleString() for f in schema.fields}
    check_schema(types, path.name)
    rn = "_metadata.row_index + 1"  # record number in the file, like DuckDB's file_row_number
    ev = {k: events_sql(source, types, dialect="spark", kind=k, unit=unit, breakdown=breakdown,
                        rn=rn) for k in ("browse", "purchase")}  # fmt: skip
    return aggregate_sql(ev["browse"], ev["purchase"], tz=tz, unit=unit, breakdown=breakdown,
                         max_listed=max_listed, dialect="spark")  # fmt: skip


#: columns of the BigQuery export schema (https://support.google.com/analytics/answer/7029846)
BIGQUERY_TYPES = {
    "event_date": "STRING", "event_timestamp": "INT64", "event_name": "STRING",
    "event_params": "ARRAY<STRUCT<key STRING, value STRUCT<string_value STRING, int_value INT64, "
    "float_value FLOAT64, double_value FLOAT64>>>",
    "user_pseudo_id": "STRING", "device": "STRUCT<category STRING, ...>",
    "geo": "STRUCT<country STRING, region STRING, ...>",
    "ecommerce": "STRUCT<transaction_id STRING, purchase_revenue FLOAT64, ...>",
    "items": "ARRAY<STRUCT<item_id STRING, item_name STRING, item_category STRING, "
    "price FLOAT64, quantity INT64, ...>>",
}  # fmt: skip


def bigquery_sql(
    table: str,
    *,
    tz: str,
    start: str,
    end: str,
    unit: str = "visitor",
    breakdown=(),
    max_listed: int = 1000,
) -> str:
    """The whole BigQuery (GoogleSQL) query over the export tables ``table`` (e.g.
    ``"my-project.analytics_123456789.events_*"``), daily tables ``start`` to ``end``
    (``YYYYMMDD``, inclusive, compared with ``_TABLE_SUFFIX``; ``events_intraday_*`` tables are
    left out because ``intraday_...`` sorts after any date). BigQuery tables have no record
    number: ``row`` of a rejected event is NA."""
    for label, day in (("start", start), ("end", end)):
        if not (isinstance(day, str) and len(day) == 8 and day.isdigit()):
            raise ValueError(f"`{label}` must be a YYYYMMDD date string, got {day!r}")
    if "`" in table or not table.strip():
        raise ValueError(f"not a BigQuery table name: {table!r}")
    source = f"`{table}`"
    where = f"_TABLE_SUFFIX BETWEEN '{start}' AND '{end}'" if table.endswith("*") else ""
    rn = "CAST(NULL AS INT64)"
    ev = {k: events_sql(source, BIGQUERY_TYPES, dialect="bigquery", kind=k, unit=unit,
                        breakdown=breakdown, rn=rn, where=where) for k in ("browse", "purchase")}  # fmt: skip
    return aggregate_sql(ev["browse"], ev["purchase"], tz=tz, unit=unit, breakdown=breakdown,
                         max_listed=max_listed, dialect="bigquery")  # fmt: skip


def _result(out: pd.DataFrame, *, tz: str, breakdown) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Split the query's result into (cells, rejected, used) with fixed dtypes, whichever engine
    produced it (so DuckDB, Spark and BigQuery results compare equal)."""
    dims = [b for b in GA4_BREAKDOWNS if b in breakdown]
    kind = out["kind"].astype(str)
    cells = out.loc[kind == "cell"]
    start = pd.to_datetime(cells["hour_start_us"].astype("int64"), unit="us", utc=True)
    cells = pd.DataFrame(
        {
            "start": start.dt.tz_convert(tz),
            "product_id": cells["item_id"].astype("string"),
            **{c: cells[c].astype("string") for c in dims},
            "category": cells["category"].astype("string"),
            **{
                c: cells[c].astype("int64")
                for c in ("viewers", "atc", "checkouts", "orders", "items")
            },  # fmt: skip
            # exact decimal sum, passed as text: the same float whichever engine summed it
            "revenue": [float(v) for v in cells["revenue"]],
            "currency": cells["currency"].astype("string"),
        }
    )
    cells = cells.sort_values(["start", "product_id", *dims], kind="stable").reset_index(drop=True)
    bad = out.loc[kind == "rejected"]
    rejected = pd.DataFrame(
        {
            "row": pd.array([None if pd.isna(v) else int(v) for v in bad["rn"]], dtype="Int64"),
            "event_name": bad["event_name"].astype("string"),
            "reason": bad["reason"].astype("string"),
            "n": bad["n"].astype("int64"),
        }
    )
    rejected = rejected.sort_values(["row", "reason"], kind="stable").reset_index(drop=True)
    used = out.loc[kind == "used", "n"]
    return cells, rejected, int(used.iloc[0]) if len(used) and pd.notna(used.iloc[0]) else 0


def aggregate(
    path: str | Path,
    *,
    tz: str | None,
    unit: str = "visitor",
    breakdown: tuple[str, ...] = (),
    max_listed: int = 1000,
    engine: str = "duckdb",
    memory_limit: str | None = None,
    threads: int | None = None,
    spark=None,
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Run the aggregation of one GA4 export file with DuckDB (default) or Spark.

    Parameters
    ----------
    path : str or Path
        ``events_*.parquet`` or newline-delimited JSON (``.json``, ``.ndjson``, ``.jsonl``;
        DuckDB only).
    tz : str
        The shop's IANA time zone: cells are shop-local hours. Required (GA4 times are UTC).
    unit : {"visitor", "session"}
        What ``viewers``, ``atc`` and ``checkouts`` count: ``user_pseudo_id``, or
        ``user_pseudo_id`` + ``ga_session_id``.
    breakdown : tuple of {"device", "region"}
        Extra cell dimensions: ``device.category``, ``geo.region``.
    max_listed : int
        Rejected events listed per reason (all are counted).
    engine : {"duckdb", "spark"}
        Who runs the query (BigQuery tables: :func:`aggregate_bigquery`).
    memory_limit, threads : DuckDB settings (default limit
        :data:`analysis.sources.engines.DUCKDB_MEMORY_LIMIT`; it spills to a private temporary folder
        beyond it).
    spark : pyspark.sql.SparkSession, optional
        Session of ``engine="spark"``; default the active one, else a local one.

    Returns
    -------
    cells : pandas.DataFrame
        One row per cell: ``start`` (tz-aware, shop-local), ``product_id``, [``device``],
        [``region``], ``category`` (``item_category`` of the item), ``viewers``, ``atc``,
        ``checkouts``, ``orders``, ``items`` (int64), ``revenue`` (float64, summed exactly as
        decimals), ``currency``.
    rejected : pandas.DataFrame
        ``row`` (record number), ``event_name``, ``reason``, ``n`` (events with that reason).
    used : int
        Funnel events aggregated into the cells.
    """
    from analysis.sources.engines import DUCKDB_MEMORY_LIMIT, check_engine, duckdb_connect

    path = Path(path)
    tz = _require_tz(tz, path)
    check_argument("engine", ("duckdb", "spark"), check_engine(engine))
    if engine == "spark":
        return _aggregate_spark(path, tz=tz, unit=unit, breakdown=breakdown,
                                max_listed=max_listed, spark=spark)  # fmt: skip
    with duckdb_connect(memory_limit=memory_limit or DUCKDB_MEMORY_LIMIT, threads=threads) as con:
        sql = duckdb_sql(con, path, tz=tz, unit=unit, breakdown=breakdown, max_listed=max_listed)
        try:
            out = con.execute(sql).df()
        except Exception as err:
            raise ValueError(
                f"{path.name}: not a readable GA4 export ({_first_line(err)})"
            ) from None
    return _result(out, tz=tz, breakdown=breakdown)


def _aggregate_spark(path: Path, *, tz, unit, breakdown, max_listed, spark):
    from analysis.sources.engines import spark_session, spark_utc

    spark = spark_session(spark)
    with spark_utc(spark):
        sql = spark_sql(spark, path, tz=tz, unit=unit, breakdown=breakdown, max_listed=max_listed)
        rows = spark.sql(sql).collect()
    out = pd.DataFrame([r.asDict() for r in rows], columns=_columns(breakdown))
    return _result(out, tz=tz, breakdown=breakdown)


def _columns(breakdown) -> list[str]:
    dims = [b for b in GA4_BREAKDOWNS if b in breakdown]
    return ["kind", "hour_start_us", "item_id", *dims, "category", "viewers", "atc", "checkouts",
            "orders", "items", "revenue", "currency", "rn", "event_name", "reason", "n"]  # fmt: skip


def aggregate_bigquery(
    table: str,
    *,
    tz: str | None,
    start: str,
    end: str,
    unit: str = "visitor",
    breakdown: tuple[str, ...] = (),
    max_listed: int = 1000,
    client=None,
    project: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Run the aggregation in BigQuery over ``table`` (``project.dataset.events_*``), daily
    tables ``start`` to ``end`` (``YYYYMMDD``); returns what :func:`aggregate` returns.

    Needs ``google-cloud-bigquery`` and credentials (``client`` or Application Default
    Credentials; the job runs in ``project``, default the client's). Permissions:
    ``bigquery.jobs.create`` on the job's project and ``bigquery.tables.getData`` on the
    dataset (roles BigQuery Job User + BigQuery Data Viewer). See
    ``docs/notes/issue-7-scale.md``.
    """
    from analysis.sources.engines import bigquery_client

    tz = _require_tz(tz, Path(table))
    sql = bigquery_sql(table, tz=tz, start=start, end=end, unit=unit, breakdown=breakdown,
                       max_listed=max_listed)  # fmt: skip
    client = bigquery_client(client, project=project)
    rows = client.query(sql).result()
    out = pd.DataFrame([dict(r.items()) for r in rows], columns=_columns(breakdown))
    return _result(out, tz=tz, breakdown=breakdown)


def _require_tz(tz: str | None, path: Path) -> str:
    if tz is None:
        raise ValueError(
            f"{path.name}: GA4 event times are UTC and cells are shop-local hours; pass the "
            "shop's time zone, e.g. analysis.load(path, tz='Europe/Paris')"
        )
    check_tz(tz)
    return tz


def read(
    path: Path,
    *,
    tz: str | None,
    unit: str = "visitor",
    breakdown: tuple[str, ...] = (),
    max_listed: int = 1000,
    engine: str = "duckdb",
) -> Loaded:
    """Read one GA4 export file into hourly ``WEB`` cells (see the module docstring).

    Parameters
    ----------
    path : Path
        ``events_*.parquet`` / ``.json`` / ``.ndjson`` / ``.jsonl``.
    tz : str
        The shop's IANA time zone (required).
    unit : {"visitor", "session"}, default "visitor"
        ``visitor`` is GA4's own definition of ``cartToViewRate`` (users); ``session`` counts
        (user, ``ga_session_id``) pairs. The cells' ``unit`` says which.
    breakdown : tuple of {"device", "region"}
        ``region`` fills the canonical ``region`` column from ``geo.region``, ``device`` the
        ``device`` column from ``device.category``.
    engine : {"duckdb", "spark"}, default "duckdb"
        Who runs the aggregation (:mod:`analysis.sources.engines`); both give the same cells. Spark reads
        Parquet exports only.

    Returns
    -------
    analysis.sources.base.Loaded
        ``cells``: channel ``WEB``, grain ``hour``, ``product_id`` = ``item_id``, counts
        ``viewers``, ``atc``, ``checkouts``, ``orders``, ``items``, ``revenue``, ``currency``;
        ``rejected``: one row per rejected event (``column`` = ``event``, ``value`` = its
        ``event_name``); ``files``: ``rows_read`` = funnel events.

    Raises
    ------
    ValueError
        No ``tz``; the file is not a readable export; a required column is missing;
        ``event_timestamp`` is a naive timestamp.

    Notes
    -----
    The ATC rate of these cells is GA4's cart-to-view rate, per hour:
    ``atc / viewers`` = units who viewed the item and added it to the cart in the same hour /
    units who viewed it. An add-to-cart in the hour after the view is not counted (the rate is
    slightly conservative at hour boundaries). Checkouts and orders are not restricted to the
    hour's viewers. Reference: GA4 Data API schema, ``cartToViewRate``.
    """
    path = Path(path)
    breakdown = tuple(breakdown)
    found, bad, used = aggregate(path, tz=tz, unit=unit, breakdown=breakdown,
                                 max_listed=max_listed, engine=engine)  # fmt: skip
    return _loaded(found, bad, used, name=path.name, tz=tz, unit=unit)


def read_bigquery(
    table: str,
    *,
    tz: str | None,
    start: str,
    end: str,
    unit: str = "visitor",
    breakdown: tuple[str, ...] = (),
    max_listed: int = 1000,
    client=None,
    project: str | None = None,
) -> Loaded:
    """Read the GA4 export tables ``table`` (``"project.dataset.events_*"``), daily tables
    ``start`` to ``end`` (``YYYYMMDD``), aggregated in BigQuery; like :func:`read` otherwise
    (``file`` is the table name; ``row`` of rejected events is NA: tables have no record
    number). See :func:`aggregate_bigquery` for credentials and permissions."""
    breakdown = tuple(breakdown)
    found, bad, used = aggregate_bigquery(table, tz=tz, start=start, end=end, unit=unit,
                                          breakdown=breakdown, max_listed=max_listed,
                                          client=client, project=project)  # fmt: skip
    return _loaded(found, bad, used, name=table, tz=tz, unit=unit)


def _loaded(found: pd.DataFrame, bad: pd.DataFrame, used: int, *, name: str, tz: str,
            unit: str) -> Loaded:  # fmt: skip
    """Canonical cells + rejected + per-file counts from the aggregation's result."""
    raw = found.assign(
        source=NAME, file=name, row=np.arange(1, len(found) + 1), grain="hour",
        channel="WEB", unit=unit, revenue=found["revenue"].where(found["currency"].notna()),
    )  # fmt: skip
    cells, problems = split_cells(raw, tz=tz, source=NAME)
    if len(problems):  # the query guarantees valid counts; anything here is a bug to surface
        raise ValueError(f"{name}: aggregated GA4 cells failed validation:\n{problems}")
    cells = cells.assign(row=pd.array([pd.NA] * len(cells), dtype="Int64"))
    total_bad = int(bad.drop_duplicates("reason")["n"].sum()) if len(bad) else 0
    rejected = pd.DataFrame(
        {
            "source": NAME,
            "file": name,
            "row": bad["row"].astype("Int64"),
            "column": "event",
            "value": bad["event_name"].astype("string"),
            "reason": [
                f"{r} ({n} event{'s' if n > 1 else ''} of this file)"
                for r, n in zip(bad["reason"], bad["n"], strict=True)
            ],  # fmt: skip
        }
    )
    files = pd.DataFrame(
        [[name, NAME, used + total_bad, used, total_bad, 0, len(cells)]],
        columns=list(FILE_COLUMNS),
    )
    return Loaded(cells=cells, rejected=rejected.astype({"source": "string", "file": "string",
                  "column": "string", "reason": "string"}), replaced=empty_replaced(),
                  files=files)  # fmt: skip


# --------------------------------------------------------------------------------------------
# writer: cells -> a GA4-like export, for round trips


def write(
    cells: pd.DataFrame,
    path: str | Path,
    *,
    unit: str = "visitor",
    breakdown: tuple[str, ...] = (),
    currency: str | None = None,
) -> Path:
    """Write cells as a GA4 BigQuery-like events file (``.parquet`` or ``.json`` NDJSON).

    The cells are first summed to this format's grain (shop-local hour x ``product_id`` [x
    ``region``]), then expanded deterministically into events (no randomness): in each cell,
    units ``1..viewers`` send ``view_item``, units ``1..atc`` also ``add_to_cart``, units
    ``1..checkouts`` ``begin_checkout``, units ``1..orders`` one ``purchase`` each (transaction
    ``T<cell>-<j>``); the cell's ``items`` are spread over its orders (``quantity``) and
    ``price = revenue / items``. Unit ids are unique per cell, so reading the file back
    (:func:`read` with the same ``unit``/``breakdown``) reproduces the summed counts exactly
    (revenue to floating-point rounding). Intended for simulated off-live cells relabelled as a
    web shop (see ``docs/notes/issue-3-shopify-ga4.md``).

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells with ``start``, ``product_id`` and counts (NA counted as 0).
    path : str or Path
        ``.parquet`` or ``.json`` / ``.ndjson`` / ``.jsonl``.
    unit : {"visitor", "session"}
        ``session`` writes each unit as its own (user, ``ga_session_id``) pair.
    breakdown : tuple of {"region"}
        Keep ``region`` (written to ``geo.region``).
    currency : str, optional
        Currency of the purchases; default the cells' (single) currency, else ``EUR``.
    """
    from analysis.sources.engines import duckdb_connect

    check_argument("unit", GA4_UNITS, unit)
    for b in breakdown:
        check_argument("breakdown", ("region",), b)
    path = Path(path)
    keys = ["start", "product_id", *breakdown]
    counts = ["viewers", "atc", "checkouts", "orders", "items"]
    df = cells.loc[:, [*keys, *counts, "revenue"]].copy()
    category = (cells.dropna(subset=["category"]).groupby("product_id")["category"].first()
                if "category" in cells else pd.Series(dtype="string"))  # fmt: skip
    df[counts] = df[counts].fillna(0).astype("int64")
    df["revenue"] = df["revenue"].astype("Float64").fillna(0.0).astype("float64")
    if currency is None:
        found = cells["currency"].dropna().unique() if "currency" in cells else []
        currency = str(found[0]) if len(found) == 1 else "EUR"
    g = df.groupby(keys, dropna=False, sort=True).sum().reset_index()
    g = g[(g[counts].sum(axis=1) > 0)]
    utc = g["start"].dt.tz_convert("UTC")
    flat = pd.DataFrame(
        {
            "c": np.arange(len(g), dtype="int64"),
            "t0": utc.dt.as_unit("us").astype("int64").to_numpy(),  # µs since 1970, UTC
            "date": g["start"].dt.strftime("%Y%m%d").to_numpy(),
            "item_id": g["product_id"].astype("string").to_numpy(dtype=object),
            "category": g["product_id"].map(category).astype("string").to_numpy(dtype=object),
            "region": (
                g["region"].astype("string").to_numpy(dtype=object)
                if "region" in breakdown
                else None
            ),  # fmt: skip
            **{c: g[c].to_numpy() for c in counts},
            "revenue": g["revenue"].to_numpy(),
        }
    )
    session = unit == "session"
    sql = f"""
    WITH j AS (
      SELECT f.*, s.j FROM flat AS f,
        generate_series(1, GREATEST(f.viewers, f.checkouts, f.orders)) AS s(j)
    ),
    ev AS (
      SELECT c, j, 1 AS step, 'view_item' AS event_name, * EXCLUDE (c, j) FROM j WHERE j <= viewers
      UNION ALL SELECT c, j, 2, 'add_to_cart', * EXCLUDE (c, j) FROM j WHERE j <= atc
      UNION ALL SELECT c, j, 3, 'begin_checkout', * EXCLUDE (c, j) FROM j WHERE j <= checkouts
      UNION ALL SELECT c, j, 4, 'purchase', * EXCLUDE (c, j) FROM j WHERE j <= orders
    )
    SELECT
      date AS event_date,
      t0 + ((j - 1) % 3500) * 1000000 + step * 1000 AS event_timestamp,
      event_name,
      CASE WHEN {session} THEN 'u' || c || '_' || ((j - 1) // 3) ELSE 'u' || c || '_' || j END
        AS user_pseudo_id,
      [{{'key': 'ga_session_id', 'value': {{'string_value': NULL::VARCHAR,
         'int_value': CASE WHEN {session} THEN ((j - 1) % 3) + 1 ELSE 1 END,
         'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}}}},
       {{'key': 'currency', 'value': {{'string_value': {_literal(currency)},
         'int_value': NULL::BIGINT, 'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}}}}]
        AS event_params,
      [{{'item_id': item_id, 'item_name': 'product ' || item_id, 'item_category': category,
         'price': CASE WHEN items > 0 THEN revenue / items ELSE 0.0 END,
         'quantity': CASE WHEN event_name = 'purchase'
                          THEN items // orders + CASE WHEN j <= items % orders THEN 1 ELSE 0 END
                          ELSE 1 END}}] AS items,
      {{'category': 'mobile'}} AS device,
      {{'country': 'France', 'region': {"region" if "region" in breakdown else "NULL::VARCHAR"}}}
        AS geo,
      {{'transaction_id': CASE WHEN event_name = 'purchase' THEN 'T' || c || '-' || j END,
        'purchase_revenue': NULL::DOUBLE}} AS ecommerce
    FROM ev
    ORDER BY c, j, step
    """
    fmt = "PARQUET" if path.suffix == ".parquet" else "JSON"
    with duckdb_connect() as con:
        con.register("flat", flat)
        con.execute(f"COPY ({sql}) TO {_literal(path)} (FORMAT {fmt})")
    return path
