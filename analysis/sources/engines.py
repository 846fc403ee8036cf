"""Engines that run the GA4 event -> cells aggregation: DuckDB (default), Spark, BigQuery.

The aggregation is one SQL template (``analysis/sources/ga4.sql``) rendered per dialect; this
module only opens the connections. DuckDB is a core dependency; Spark (``pyspark``, optional extra
``spark``) and BigQuery (``google-cloud-bigquery``, not installed by the kit) are imported when
used, and a missing package raises :class:`EngineUnavailable` saying what to install.

:func:`duckdb_connect` keeps DuckDB's spill files out of the working directory (DuckDB's default
``temp_directory`` for an in-memory database is ``./.tmp``): each connection spills to its own
folder under the system temporary directory, removed on close.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from analysis.errors import EngineUnavailable
from analysis.vocabulary import ENGINES, check_argument

__all__ = [
    "DUCKDB_MEMORY_LIMIT",
    "PACKAGES",
    "bigquery_client",
    "check_engine",
    "duckdb_connect",
    "spark_session",
    "spark_utc",
]

#: what to install for each optional engine
PACKAGES = {"spark": "pyspark (pip install 'cartlift[spark]'; Java 17+ on the PATH)",
            "bigquery": "google-cloud-bigquery (pip install google-cloud-bigquery)"}  # fmt: skip
#: DuckDB memory limit of the GA4 aggregation (it spills to disk beyond it)
DUCKDB_MEMORY_LIMIT = "1GB"


def check_engine(engine: str) -> str:
    """``engine`` checked against :data:`analysis.vocabulary.ENGINES`."""
    return check_argument("engine", ENGINES, engine)


@contextmanager
def duckdb_connect(
    *, memory_limit: str = DUCKDB_MEMORY_LIMIT, threads: int | None = None
) -> Iterator:
    """An in-memory DuckDB connection: session time zone UTC, no progress bar, spills into a
    private temporary folder (removed on exit), optional ``threads``."""
    spill = tempfile.mkdtemp(prefix="cartlift-duckdb-")
    con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": spill})
    try:
        con.execute("SET TimeZone = 'UTC'")
        try:
            con.execute("SET enable_progress_bar = false")
        except duckdb.InvalidInputException:
            # inside a Jupyter kernel without ipywidgets DuckDB refuses to change the setting
            # (its bar could not render there anyway); a 6 s query still runs without output
            pass
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def spark_session(spark=None):
    """The Spark session to use: ``spark`` when given, else the active one, else a new local one
    (``local[1]``, UI off, session time zone UTC). Raises :class:`EngineUnavailable` without
    ``pyspark``."""
    if spark is not None:
        return spark
    try:  # optional extra `spark`: imported only when the Spark engine is asked for
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineUnavailable(f"engine='spark' needs {PACKAGES['spark']}") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    return (
        SparkSession.builder.master("local[1]")
        .appName("cartlift")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )


@contextmanager
def spark_utc(spark) -> Iterator:
    """Run with ``spark.sql.session.timeZone`` = UTC, restoring the caller's setting after.

    The GA4 SQL converts times with explicit zones; UTC keeps any implicit conversion neutral."""
    before = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    try:
        yield spark
    finally:
        spark.conf.set("spark.sql.session.timeZone", before)


def bigquery_client(client=None, *, project: str | None = None):
    """A ``google.cloud.bigquery.Client`` (``client`` when given). Raises
    :class:`EngineUnavailable` without ``google-cloud-bigquery``."""
    if client is not None:
        return client
    try:  # optional, not installed by the kit: imported only when BigQuery is asked for
        from google.cloud import bigquery
    except ImportError:
        raise EngineUnavailable(f"engine='bigquery' needs {PACKAGES['bigquery']}") from None
    return bigquery.Client(project=project)
