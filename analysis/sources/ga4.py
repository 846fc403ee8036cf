"""GA4 BigQuery export (``events_*`` as Parquet or newline-delimited JSON) -> hourly item cells.

The events are aggregated by one SQL query (``ga4.sql`` beside this module, rendered per engine
by :mod:`analysis.sources.ga4_query`, run by :mod:`analysis.sources.ga4_run`: DuckDB by default,
Spark or BigQuery); event rows never pass through pandas. One cell = one item in one shop-local hour (optionally per device category and geo
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
reason. See ``docs/data-formats.md`` (GA4).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from analysis.sources.base import Loaded
from analysis.sources.ga4_result import to_loaded
from analysis.sources.ga4_run import aggregate, aggregate_bigquery, require_tz
from analysis.sources.json_text import loads
from analysis.sources.matching import Match, share

__all__ = ["EXPORT_FIELDS", "FUNNEL_EVENTS", "NAME", "SUFFIXES", "detect", "match", "read",
           "read_bigquery"]  # fmt: skip

NAME = "ga4"
SUFFIXES = (".parquet", ".json", ".ndjson", ".jsonl")
_FIRST_LINE = 1 << 20  # bytes of the first line read for detection
#: GA4 event names this loader counts (other events are not rows of this source)
FUNNEL_EVENTS = ("view_item", "add_to_cart", "begin_checkout", "purchase")
#: top-level fields of the GA4 BigQuery export schema (``events_*`` tables)
EXPORT_FIELDS = frozenset({
    "event_date", "event_timestamp", "event_name", "event_params", "event_previous_timestamp",
    "event_value_in_usd", "event_bundle_sequence_id", "event_server_timestamp_offset", "user_id",
    "user_pseudo_id", "privacy_info", "user_properties", "user_first_touch_timestamp", "user_ltv",
    "device", "geo", "app_info", "traffic_source", "stream_id", "platform", "event_dimensions",
    "ecommerce", "items", "collected_traffic_source", "is_active_user", "batch_event_index",
    "batch_page_id", "batch_ordering_id", "session_traffic_source_last_click", "publisher",
})  # fmt: skip


def detect(path: Path) -> bool:
    """A ``.parquet`` file whose schema, or a ``.json``/``.ndjson``/``.jsonl`` file whose first
    line, holds the GA4 export fields ``event_timestamp``, ``event_name``, ``user_pseudo_id``."""
    return match(path) is not None


def match(path: Path) -> Match | None:
    """The fields of the file that are GA4 export fields (:data:`EXPORT_FIELDS`), when it holds
    the three markers (:mod:`analysis.sources.matching`)."""
    path = Path(path)
    if path.suffix == ".parquet":
        try:
            names = set(pq.read_schema(path).names)
        except Exception:
            return None
    elif path.suffix in SUFFIXES:
        try:
            with open(path, encoding="utf-8-sig") as f:
                first = loads(f.readline(_FIRST_LINE), path.name)  # a GA4 row: a few kB
        except (ValueError, UnicodeDecodeError, OSError):
            return None
        names = set(first) if isinstance(first, dict) else set()
    else:
        return None
    if not {"event_timestamp", "event_name", "user_pseudo_id"} <= names:
        return None
    return share(NAME, sorted(names), EXPORT_FIELDS.__contains__)


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
    analysis.errors.UnreadableError
        (a ``ValueError``) No ``tz``; the file is not a readable export; a required column is missing;
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
    tz = require_tz(tz, path)
    breakdown = tuple(breakdown)
    found, bad, used = aggregate(path, tz=tz, unit=unit, breakdown=breakdown,
                                 max_listed=max_listed, engine=engine)  # fmt: skip
    return to_loaded(found, bad, used, name=path.name, tz=tz, unit=unit, source=NAME)


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
    tz = require_tz(tz, Path(table))
    breakdown = tuple(breakdown)
    found, bad, used = aggregate_bigquery(table, tz=tz, start=start, end=end, unit=unit,
                                          breakdown=breakdown, max_listed=max_listed,
                                          client=client, project=project)  # fmt: skip
    return to_loaded(found, bad, used, name=table, tz=tz, unit=unit, source=NAME)
