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
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from analysis._validation import GA4_BREAKDOWNS, GA4_UNITS, check_argument
from analysis.cells import split_cells
from analysis.sources.base import FILE_COLUMNS, Loaded, empty_replaced

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
_HOUR_US = 3_600_000_000

#: dialect-specific fragments of ``ga4.sql`` (a later issue adds Spark and BigQuery)
DIALECTS = {
    "duckdb": {
        # µs UTC of the start of the local hour: subtract the local minutes/seconds, so hours of
        # a daylight-saving change (02:00 twice) stay distinct
        "hour_start": "e.event_timestamp - (epoch_us(timezone('{tz}', "
        "make_timestamp(e.event_timestamp)::TIMESTAMPTZ)) % " + str(_HOUR_US) + ")",
        # first event parameter called {key} (portable form: a correlated subquery over
        # UNNEST(event_params), which DuckDB runs ~50x slower than list functions)
        "param_int": "list_filter({params}, lambda p: p.key = '{key}')[1].value.int_value",
        "param_str": "list_filter({params}, lambda p: p.key = '{key}')[1].value.string_value",
        "n_items": "len(e.items)",
        "n_items_without_id": "len(list_filter(e.items, lambda x: x.item_id IS NULL "
        "OR trim(x.item_id) = ''))",
        "n_items_without_price": "len(list_filter(e.items, lambda x: x.price IS NULL))",
        "unnest": ", UNNEST(e.items) AS t(it)",
        "session_key": "CONCAT(e.user_pseudo_id, '.', CAST(e.session_id AS VARCHAR))",
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


def _events_sql(con, path: Path, *, unit: str) -> str:
    """The dialect-specific SELECT of the normalised events of one file (DuckDB)."""
    d = DIALECTS["duckdb"]
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
    missing = [c for c in REQUIRED if c not in types]
    if missing:
        raise ValueError(
            f"{path.name}: required GA4 column(s) {', '.join(missing)} missing; export the "
            "BigQuery events_* table with all its columns (SELECT *)"
        )
    ts_type = types["event_timestamp"]
    if ts_type.startswith("TIMESTAMP") and "TIME ZONE" not in ts_type:
        raise ValueError(
            f"{path.name}: event_timestamp is a timestamp without time zone ({ts_type}); GA4 "
            "writes microseconds since 1970 in UTC (INT64). Export the raw column, or "
            "UNIX_MICROS(event_timestamp) if it was converted"
        )
    ts = "epoch_us(event_timestamp)" if ts_type.startswith("TIMESTAMP") else (
        "TRY_CAST(event_timestamp AS BIGINT)")  # fmt: skip

    def field(column: str, sub: str) -> str:
        return f"{column}.{sub}" if column in types and sub in types[column].lower() else "NULL"

    params = "event_params" if "event_params" in types else None
    session = d["param_int"].format(params=params, key="ga_session_id") if params else "NULL"
    currency = d["param_str"].format(params=params, key="currency") if params else "NULL"
    return f"""  SELECT
    {rn} AS rn,
    CAST(event_name AS VARCHAR) AS event_name,
    {ts} AS event_timestamp,
    CAST(user_pseudo_id AS VARCHAR) AS user_pseudo_id,
    {session} AS session_id,
    {currency} AS currency,
    {field("device", "category")} AS device,
    {field("geo", "region")} AS region,
    CAST({field("ecommerce", "transaction_id")} AS VARCHAR) AS transaction_id,
    items
  FROM {source}"""


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def aggregate_sql(
    events: str, *, tz: str, unit: str = "visitor", breakdown=(), max_listed: int = 1000
) -> str:
    """The aggregation query (``ga4.sql``) over the normalised-events SELECT ``events``.

    Returns the SQL text (DuckDB dialect); see ``ga4.sql`` for its output.
    """
    check_argument("unit", GA4_UNITS, unit)
    for b in breakdown:
        check_argument("breakdown", GA4_BREAKDOWNS, b)
    d = DIALECTS["duckdb"]
    dims = [b for b in GA4_BREAKDOWNS if b in breakdown]
    session_check = (
        "WHEN e.session_id IS NULL THEN 'no ga_session_id event parameter: sessions cannot be "
        "counted (unit=\"session\")'" if unit == "session" else ""
    )  # fmt: skip
    return _SQL_FILE.read_text(encoding="utf-8").format(
        events=events,
        hour_start=d["hour_start"].format(tz=tz.replace("'", "")),
        unnest=d["unnest"],
        n_items=d["n_items"],
        n_items_without_id=d["n_items_without_id"],
        n_items_without_price=d["n_items_without_price"],
        unit_key="e.user_pseudo_id" if unit == "visitor" else d["session_key"],
        dims="".join(f", {c}" for c in dims),
        c_dims="".join(f", c.{c}" for c in dims),
        dims_select="".join(f", e.{c} AS {c}" for c in dims),
        dims_null=", NULL" * len(dims),
        session_check=session_check,
        max_listed=int(max_listed),
    )


def _connect(memory_limit: str, threads: int | None):
    import duckdb

    con = duckdb.connect(config={"memory_limit": memory_limit})
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = {_literal(tempfile.gettempdir() + '/cartlift-duckdb')}")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def aggregate(
    path: str | Path,
    *,
    tz: str | None,
    unit: str = "visitor",
    breakdown: tuple[str, ...] = (),
    max_listed: int = 1000,
    memory_limit: str = "512MB",
    threads: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Run the aggregation of one GA4 export file with DuckDB.

    Parameters
    ----------
    path : str or Path
        ``events_*.parquet`` or newline-delimited JSON (``.json``, ``.ndjson``, ``.jsonl``).
    tz : str
        The shop's IANA time zone: cells are shop-local hours. Required (GA4 times are UTC).
    unit : {"visitor", "session"}
        What ``viewers``, ``atc`` and ``checkouts`` count: ``user_pseudo_id``, or
        ``user_pseudo_id`` + ``ga_session_id``.
    breakdown : tuple of {"device", "region"}
        Extra cell dimensions: ``device.category``, ``geo.region``.
    max_listed : int
        Rejected events listed per reason (all are counted).
    memory_limit, threads : DuckDB settings (it spills to a temporary folder beyond the limit).

    Returns
    -------
    cells : pandas.DataFrame
        One row per cell: ``start`` (tz-aware, shop-local), ``product_id``, [``device``],
        [``region``], ``category`` (``item_category`` of the item), ``viewers``, ``atc``, ``checkouts``, ``orders``, ``items``, ``revenue``,
        ``currency``.
    rejected : pandas.DataFrame
        ``row`` (record number), ``event_name``, ``reason``, ``n`` (events with that reason).
    used : int
        Funnel events aggregated into the cells.
    """
    path = Path(path)
    tz = _require_tz(tz, path)
    con = _connect(memory_limit, threads)
    try:
        sql = aggregate_sql(_events_sql(con, path, unit=unit), tz=tz, unit=unit,
                            breakdown=breakdown, max_listed=max_listed)  # fmt: skip
        try:
            out = con.execute(sql).df()
        except Exception as err:
            raise ValueError(
                f"{path.name}: not a readable GA4 export ({_first_line(err)})"
            ) from None
    finally:
        con.close()
    dims = [b for b in GA4_BREAKDOWNS if b in breakdown]
    kind = out["kind"]
    cells = out.loc[kind == "cell", ["hour_start_us", "item_id", *dims, "category", "viewers", "atc",
                                     "checkouts", "orders", "items", "revenue", "currency"]]  # fmt: skip
    start = pd.to_datetime(cells["hour_start_us"].astype("int64"), unit="us", utc=True)
    cells = cells.assign(start=start.dt.tz_convert(tz)).rename(columns={"item_id": "product_id"})
    cells = cells[["start", "product_id", *dims, "category", "viewers", "atc", "checkouts", "orders",
                   "items", "revenue", "currency"]]  # fmt: skip
    cells = cells.sort_values(["start", "product_id", *dims], kind="stable").reset_index(drop=True)
    rejected = out.loc[kind == "rejected", ["rn", "event_name", "reason", "n"]]
    rejected = rejected.rename(columns={"rn": "row"}).sort_values("row").reset_index(drop=True)
    used = out.loc[kind == "used", "n"]
    return cells, rejected, int(used.iloc[0]) if len(used) else 0


def _require_tz(tz: str | None, path: Path) -> str:
    if tz is None:
        raise ValueError(
            f"{path.name}: GA4 event times are UTC and cells are shop-local hours; pass the "
            "shop's time zone, e.g. analysis.load(path, tz='Europe/Paris')"
        )
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"Unknown time zone {tz!r}; use an IANA name such as 'Europe/Paris'."
        ) from None
    return tz


def read(
    path: Path,
    *,
    tz: str | None,
    unit: str = "visitor",
    breakdown: tuple[str, ...] = (),
    max_listed: int = 1000,
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
                                 max_listed=max_listed)  # fmt: skip
    raw = found.assign(
        source=NAME, file=path.name, row=np.arange(1, len(found) + 1), grain="hour",
        channel="WEB", unit=unit, revenue=found["revenue"].where(found["currency"].notna()),
    )  # fmt: skip
    cells, problems = split_cells(raw, tz=tz, source=NAME)
    if len(problems):  # the query guarantees valid counts; anything here is a bug to surface
        raise ValueError(f"{path.name}: aggregated GA4 cells failed validation:\n{problems}")
    cells = cells.assign(row=pd.array([pd.NA] * len(cells), dtype="Int64"))
    total_bad = int(bad.drop_duplicates("reason")["n"].sum()) if len(bad) else 0
    rejected = pd.DataFrame(
        {
            "source": NAME,
            "file": path.name,
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
        [[path.name, NAME, used + total_bad, used, total_bad, 0, len(cells)]],
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
    import duckdb

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
    con = duckdb.connect()
    try:
        con.register("flat", flat)
        con.execute(f"COPY ({sql}) TO {_literal(path)} (FORMAT {fmt})")
    finally:
        con.close()
    return path
