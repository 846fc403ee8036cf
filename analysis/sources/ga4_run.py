"""Running the GA4 aggregation on an engine: DuckDB (default), Spark, or BigQuery.

:func:`aggregate` reads one export file's schema with the engine, renders the query
(:mod:`analysis.sources.ga4_query`), runs it and shapes the result
(:mod:`analysis.sources.ga4_result`); :func:`aggregate_bigquery` does the same where the export
tables live. The engines' connections are :mod:`analysis.sources.engines`; what the cells count:
:mod:`analysis.sources.ga4` and ``docs/data-formats.md`` (GA4).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.cells import check_tz
from analysis.errors import UnreadableError
from analysis.sources.engines import (
    DUCKDB_MEMORY_LIMIT,
    bigquery_client,
    check_engine,
    duckdb_connect,
    spark_session,
    spark_utc,
)  # fmt: skip
from analysis.sources.ga4_query import (
    JSON_COLUMNS,
    aggregate_sql,
    bigquery_sql,
    check_schema,
    events_sql,
    literal,
)  # fmt: skip
from analysis.sources.ga4_result import result_columns, shape_result
from analysis.vocabulary import check_argument

__all__ = ["aggregate", "aggregate_bigquery", "duckdb_sql", "first_line", "require_tz",
           "spark_sql"]  # fmt: skip


def require_tz(tz: str | None, path: Path) -> str:
    """``tz`` checked (an IANA name); :class:`UnreadableError` without it: GA4 times are UTC, cells are
    shop-local hours."""
    if tz is None:
        raise UnreadableError(
            f"{path.name}: GA4 event times are UTC and cells are shop-local hours; pass the "
            "shop's time zone, e.g. analysis.load(path, tz='Europe/Paris')"
        )
    check_tz(tz)
    return tz


def first_line(err: Exception) -> str:
    """The first line of an engine's error message (its type name when it has none)."""
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def duckdb_sql(con, path: Path, *, tz: str, unit: str, breakdown=(), max_listed=1000) -> str:
    """The whole DuckDB query for one export file (schema read with ``DESCRIBE``)."""
    if path.suffix == ".parquet":
        source = f"read_parquet({literal(path)}, file_row_number = true)"
        rn = "file_row_number + 1"
    else:
        cols = "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in JSON_COLUMNS.items())
        source = (f"read_json({literal(path)}, format = 'newline_delimited', "
                  f"columns = {cols + '}'}, ignore_errors = true)")  # fmt: skip
        rn = "ROW_NUMBER() OVER ()"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    except Exception as err:  # duckdb.Error: not Parquet, unreadable, ...
        raise UnreadableError(
            f"{path.name}: not a readable GA4 export ({first_line(err)})"
        ) from None
    types = {name: str(typ) for name, typ, *_ in described}
    check_schema(types, path.name)
    ev = {k: events_sql(source, types, dialect="duckdb", kind=k, unit=unit, breakdown=breakdown,
                        rn=rn) for k in ("browse", "funnel")}  # fmt: skip
    return aggregate_sql(ev["browse"], ev["funnel"], tz=tz, unit=unit, breakdown=breakdown,
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
        raise UnreadableError(
            f"{path.name}: not a readable GA4 export ({first_line(err)})"
        ) from None
    types = {f.name: f.dataType.simpleString() for f in schema.fields}
    check_schema(types, path.name)
    rn = "_metadata.row_index + 1"  # record number in the file, like DuckDB's file_row_number
    ev = {k: events_sql(source, types, dialect="spark", kind=k, unit=unit, breakdown=breakdown,
                        rn=rn) for k in ("browse", "funnel")}  # fmt: skip
    return aggregate_sql(ev["browse"], ev["funnel"], tz=tz, unit=unit, breakdown=breakdown,
                         max_listed=max_listed, dialect="spark")  # fmt: skip


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
    path = Path(path)
    tz = require_tz(tz, path)
    check_argument("engine", ("duckdb", "spark"), check_engine(engine))
    if engine == "spark":
        return _aggregate_spark(path, tz=tz, unit=unit, breakdown=breakdown,
                                max_listed=max_listed, spark=spark)  # fmt: skip
    with duckdb_connect(memory_limit=memory_limit or DUCKDB_MEMORY_LIMIT, threads=threads) as con:
        sql = duckdb_sql(con, path, tz=tz, unit=unit, breakdown=breakdown, max_listed=max_listed)
        try:
            out = con.sql(sql).to_arrow_table()  # Arrow: typed once, no per-row objects
        except Exception as err:
            raise UnreadableError(
                f"{path.name}: not a readable GA4 export ({first_line(err)})"
            ) from None
    return shape_result(out, tz=tz, breakdown=breakdown)


def _aggregate_spark(path: Path, *, tz, unit, breakdown, max_listed, spark):
    """:func:`aggregate` with ``engine="spark"`` (the session's time zone set to UTC meanwhile)."""
    spark = spark_session(spark)
    with spark_utc(spark):
        sql = spark_sql(spark, path, tz=tz, unit=unit, breakdown=breakdown, max_listed=max_listed)
        rows = spark.sql(sql).collect()
    out = pd.DataFrame([r.asDict() for r in rows], columns=result_columns(breakdown))
    return shape_result(out, tz=tz, breakdown=breakdown)


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
    ``docs/data-formats.md`` (GA4, BigQuery).
    """
    tz = require_tz(tz, Path(table))
    sql = bigquery_sql(table, tz=tz, start=start, end=end, unit=unit, breakdown=breakdown,
                       max_listed=max_listed)  # fmt: skip
    client = bigquery_client(client, project=project)
    rows = client.query(sql).result()
    out = pd.DataFrame([dict(r.items()) for r in rows], columns=result_columns(breakdown))
    return shape_result(out, tz=tz, breakdown=breakdown)
