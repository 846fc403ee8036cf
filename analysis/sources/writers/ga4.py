"""Writer of a GA4 BigQuery-like events export (``.parquet`` or NDJSON): cells expanded into
deterministic ``view_item`` / ``add_to_cart`` / ``begin_checkout`` / ``purchase`` events.

The inverse of :mod:`analysis.sources.ga4`, for round trips; export schema:
``docs/data-formats.md`` (GA4).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.sources.engines import duckdb_connect
from analysis.sources.ga4_query import literal
from analysis.vocabulary import GA4_UNITS, check_argument

__all__ = ["write"]


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
    web shop (see ``docs/data-formats.md``, GA4).

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
    check_argument("unit", GA4_UNITS, unit)
    for b in breakdown:
        check_argument("breakdown", ("region",), b)
    path = Path(path)
    if currency is None:
        found = cells["currency"].dropna().unique() if "currency" in cells else []
        currency = str(found[0]) if len(found) == 1 else "EUR"
    flat = _flat(cells, breakdown)
    sql = _events_sql(currency, session=unit == "session", region="region" in breakdown)
    fmt = "PARQUET" if path.suffix == ".parquet" else "JSON"
    with duckdb_connect() as con:
        con.register("flat", flat)
        con.execute(f"COPY ({sql}) TO {literal(path)} (FORMAT {fmt})")
    return path


def _flat(cells: pd.DataFrame, breakdown: tuple[str, ...]) -> pd.DataFrame:
    """The cells summed to the export's grain (hour x ``product_id`` [x ``region``]), one row
    per non-empty cell ``c`` with its UTC start ``t0`` (µs), date, item, category and counts."""
    keys = ["start", "product_id", *breakdown]
    counts = ["viewers", "atc", "checkouts", "orders", "items"]
    df = cells.loc[:, [*keys, *counts, "revenue"]].copy()
    category = (cells.dropna(subset=["category"]).groupby("product_id")["category"].first()
                if "category" in cells else pd.Series(dtype="string"))  # fmt: skip
    df[counts] = df[counts].fillna(0).astype("int64")
    df["revenue"] = df["revenue"].astype("Float64").fillna(0.0).astype("float64")
    g = df.groupby(keys, dropna=False, sort=True).sum().reset_index()
    g = g[(g[counts].sum(axis=1) > 0)]
    utc = g["start"].dt.tz_convert("UTC")
    return pd.DataFrame(
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


def _events_sql(currency: str, *, session: bool, region: bool) -> str:
    """The DuckDB query expanding each row of ``flat`` into its events, in the export schema:
    units ``1..viewers`` view, ``1..atc`` add to cart, ``1..checkouts`` begin checkout,
    ``1..orders`` purchase (transaction ``T<c>-<j>``); ``session`` pairs each unit with its own
    ``ga_session_id``."""
    return f"""
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
       {{'key': 'currency', 'value': {{'string_value': {literal(currency)},
         'int_value': NULL::BIGINT, 'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}}}}]
        AS event_params,
      [{{'item_id': item_id, 'item_name': 'product ' || item_id, 'item_category': category,
         'price': CASE WHEN items > 0 THEN revenue / items ELSE 0.0 END,
         'quantity': CASE WHEN event_name = 'purchase'
                          THEN items // orders + CASE WHEN j <= items % orders THEN 1 ELSE 0 END
                          ELSE 1 END}}] AS items,
      {{'category': 'mobile'}} AS device,
      {{'country': 'France', 'region': {"region" if region else "NULL::VARCHAR"}}}
        AS geo,
      {{'transaction_id': CASE WHEN event_name = 'purchase' THEN 'T' || c || '-' || j END,
        'purchase_revenue': NULL::DOUBLE}} AS ecommerce
    FROM ev
    ORDER BY c, j, step
    """
