"""The GA4 aggregation as SQL text: one template (``ga4.sql``), rendered per engine dialect.

:func:`events_sql` selects the normalised browse or purchase events of an export,
:func:`aggregate_sql` renders the aggregation over them (cells, rejected events, events used) in
the dialect of DuckDB, Spark or BigQuery, and :func:`bigquery_sql` is the whole query over
BigQuery export tables. The dialects differ only by the fragments of :data:`DIALECTS`. Running the
query is :mod:`analysis.sources.ga4_run`; what the cells count: :mod:`analysis.sources.ga4` and
``docs/data-formats.md`` (GA4). Export schema: Google, "[GA4] BigQuery Export schema"
(https://support.google.com/analytics/answer/7029846).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from analysis.errors import UnreadableError
from analysis.vocabulary import ENGINES, GA4_BREAKDOWNS, GA4_UNITS, check_argument

__all__ = ["BIGQUERY_TYPES", "BROWSE_EVENTS", "DIALECTS", "JSON_COLUMNS", "REQUIRED", "SQL_FILE",
           "aggregate_sql", "bigquery_sql", "check_schema", "events_sql", "hour_offset_sql",
           "literal"]  # fmt: skip

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
#: the aggregation template, beside this module
SQL_FILE = Path(__file__).with_name("ga4.sql")
#: the browsing events (the purchases are read apart: they carry a transaction and a currency)
BROWSE_EVENTS = ("view_item", "add_to_cart", "begin_checkout")

#: the engine-specific fragments of ``ga4.sql``: everything else in the query is the same text for
#: every engine. ``{tz}``, ``{params}``, ``{key}`` and ``{x}`` are filled by :func:`aggregate_sql`.
DIALECTS = {
    "duckdb": {
        # CTE read by several parts, not materialised (recomputed by each part)
        "inline": "NOT MATERIALIZED",
        # first event parameter called {key} (list functions: DuckDB runs the portable
        # correlated subquery over UNNEST(event_params) ~50x slower)
        "param_int": "list_filter({params}, lambda p: p.key = '{key}')[1].value.int_value",
        "param_str": "list_filter({params}, lambda p: p.key = '{key}')[1].value.string_value",
        "n_items": "len(e.items)",
        # an id that is missing, empty or spaces only (trim: spaces); only an id below '!'
        # (empty, or starting with a space or a control character) can be, and only those are
        # trimmed: a CASE evaluates its THEN on its rows alone (the check of every event is
        # ~2x cheaper; same answer as `item_id IS NULL OR trim(item_id) = ''`)
        "n_items_without_id": "len(list_filter(e.items, lambda x: CASE WHEN x.item_id < '!' "
        "THEN trim(x.item_id) = '' ELSE x.item_id IS NULL END))",
        "n_items_without_price": "len(list_filter(e.items, lambda x: x.price IS NULL))",
        "unnest": ", UNNEST(e.items) AS it",
        "session_key": "CONCAT(e.user_pseudo_id, '.', CAST(e.session_id AS VARCHAR))",
        "to_int": "TRY_CAST({x} AS BIGINT)",
        "micros": "epoch_us({x})",
        "int": "BIGINT",
        "string": "VARCHAR",
        "decimal": "DECIMAL(38, 9)",
        "same": "IS NOT DISTINCT FROM",
    },
    "spark": {
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
        "same": "<=>",
    },
    "bigquery": {
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
        "same": "IS NOT DISTINCT FROM",
    },
}


HOUR_US = 3_600_000_000
#: years over which :func:`hour_offset_sql` follows the zone's changes (cells must start in
#: 2000-2099, analysis.cells.validation); before and after, the first and last offsets hold
OFFSET_YEARS = (1995, 2105)


@lru_cache(maxsize=64)
def hour_offset_sql(tz: str) -> str:
    """SQL expression of ``e.event_timestamp`` (µs since 1970, UTC): the UTC offset of the IANA
    zone ``tz`` at that instant modulo one hour, in µs; the shop-local hour starts at
    ``event_timestamp - MOD(event_timestamp + offset, 1 h)``, so both 02:00 hours of a fall-back
    stay distinct and half-hour zones get their local hours.

    Whole-hour zones give ``0`` for every instant (Paris, New York), most others a constant
    (Kolkata 30 min, Kathmandu 45 min); the rest a ``CASE`` over the instants where the offset
    modulo one hour changes (Caracas 2007 and 2016, Lord Howe's 30-minute daylight saving). The
    instants are found week by week over :data:`OFFSET_YEARS` with Python's ``zoneinfo`` (the IANA
    database that also converts the cells' ``start``), then to the second: plain integer SQL,
    the same on every engine, and no zone conversion per event."""
    zone = ZoneInfo(tz)

    def offset(second: int) -> int:
        return (
            datetime.fromtimestamp(second, zone).utcoffset() // timedelta(microseconds=1) % HOUR_US
        )

    step = 7 * 86_400  # zones change their offset months apart, never twice in a week
    second = int(datetime(OFFSET_YEARS[0], 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(OFFSET_YEARS[1], 1, 1, tzinfo=UTC).timestamp())
    changes, now = [], offset(second)
    while second < end:
        second += step
        if offset(second) != now:
            low, high = second - step, second  # offset(low) == now != offset(high)
            while high - low > 1:
                mid = (low + high) // 2
                low, high = (mid, high) if offset(mid) == now else (low, mid)
            changes.append((high * 1_000_000, now))
            now = offset(high)
    if not changes:
        return str(now)
    whens = " ".join(f"WHEN e.event_timestamp < {at} THEN {before}" for at, before in changes)
    return f"(CASE {whens} ELSE {now} END)"


def literal(text: object) -> str:
    """``text`` as an SQL string literal (single quotes doubled)."""
    return "'" + str(text).replace("'", "''") + "'"


def check_schema(types: dict[str, str], name: str) -> None:
    """Raise :class:`UnreadableError` (a ``ValueError``) when a required column is missing or ``event_timestamp`` is a
    timestamp without time zone (``types``: column -> engine type name)."""
    missing = [c for c in REQUIRED if c not in types]
    if missing:
        raise UnreadableError(
            f"{name}: required GA4 column(s) {', '.join(missing)} missing; export the "
            "BigQuery events_* table with all its columns (SELECT *)"
        )
    ts_type = types["event_timestamp"]
    low = ts_type.lower()
    if low.startswith("timestamp") and ("time zone" not in low or "without" in low) and (
        low != "timestamp" or not ts_type.islower()  # Spark's "timestamp" is zone-aware
    ):  # fmt: skip
        raise UnreadableError(
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
    """The SELECT of the normalised ``kind`` events of ``source``: ``browse`` (view_item,
    add_to_cart, begin_checkout) or ``funnel`` (those and the purchases, with ``currency`` (of
    purchases only) and ``transaction_id``), both with the lines without ``event_name``.

    ``types`` maps the source's columns to their engine type names (absent nested fields read as
    NULL); ``rn`` is the record-number expression, evaluated before the event filter so both
    reads number records alike; ``where`` an extra filter of the source (BigQuery's
    ``_TABLE_SUFFIX``). Only the columns the aggregation needs are read: ``event_params`` only
    for sessions and the purchases' currency, ``device``/``geo`` only for a breakdown.
    """
    check_argument("kind", ("browse", "funnel"), kind)
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
    if kind == "funnel":
        cur = d["param_str"].format(params=params, key="currency") if params else "NULL"
        cols += [f"CASE WHEN event_name = 'purchase' THEN {cur} END AS currency",
                 f"CAST({field('ecommerce', 'transaction_id')} AS {string}) AS transaction_id"]  # fmt: skip
    if "device" in breakdown:
        cols.append(f"CAST({field('device', 'category')} AS {string}) AS device")
    if "region" in breakdown:
        cols.append(f"CAST({field('geo', 'region')} AS {string}) AS region")
    cols.append("items")
    names = BROWSE_EVENTS if kind == "browse" else (*BROWSE_EVENTS, "purchase")
    keep = "event_name IS NULL OR event_name IN (" + ", ".join(map(literal, names)) + ")"
    inner = f"SELECT {', '.join(cols)} FROM {source}" + (f" WHERE {where}" if where else "")
    return f"SELECT * FROM ({inner}) AS src WHERE {keep}"


#: the checks every funnel event passes, in order (the first failing one is its rejection
#: reason), shared by the main stream and the side read of ``ga4.sql``; indented there
EVENT_CHECKS = """WHEN e.event_name IS NULL
  THEN 'no event_name: the line is not a readable GA4 event (malformed or truncated)'
WHEN e.event_timestamp IS NULL
  THEN 'no event_timestamp (GA4 writes an integer of microseconds since 1970, UTC)'
WHEN e.user_pseudo_id IS NULL OR e.user_pseudo_id = ''
  THEN 'no user_pseudo_id: the event cannot be attributed to a visitor'
{session_check}
WHEN e.items IS NULL OR {n_items} = 0
  THEN 'no items: an item event (' || e.event_name || ') must carry the item it is about'
WHEN {n_items_without_id} > 0
  THEN 'an item has no item_id (the event is not counted, to keep its items together)'"""


def aggregate_sql(
    browse_events: str,
    funnel_events: str,
    *,
    tz: str,
    unit: str = "visitor",
    breakdown=(),
    max_listed: int = 1000,
    dialect: str = "duckdb",
) -> str:
    """The aggregation query (``ga4.sql``) in the SQL dialect of ``dialect``.

    ``browse_events`` / ``funnel_events`` are the SELECTs of :func:`events_sql`. Returns the
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
    checks = EVENT_CHECKS.format(session_check=session_check, n_items=d["n_items"],
                                 n_items_without_id=d["n_items_without_id"])  # fmt: skip
    return SQL_FILE.read_text(encoding="utf-8").format(
        browse_events=browse_events,
        funnel_events=funnel_events,
        hour_offset=hour_offset_sql(tz),
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
        fs_dims="".join(f", COALESCE(f.{c}, s.{c}) AS {c}" for c in dims),
        fs_join="".join(f" AND f.{c} {d['same']} s.{c}" for c in dims),
        dims_select="".join(f", e.{c} AS {c}" for c in dims),
        dims_null=", NULL" * len(dims),
        browse_checks=checks.replace("\n", "\n      "),
        side_checks=checks.replace("\n", "\n        "),
        max_listed=int(max_listed),
    )


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
                        breakdown=breakdown, rn=rn, where=where) for k in ("browse", "funnel")}  # fmt: skip
    return aggregate_sql(ev["browse"], ev["funnel"], tz=tz, unit=unit, breakdown=breakdown,
                         max_listed=max_listed, dialect="bigquery")  # fmt: skip
