"""TikTok Shop Partner API analytics responses saved as JSON (``docs/data-formats.md`` §2).

A file holds one response envelope ``{"code": 0, "message": "Success", "request_id": ...,
"data": {...}}`` or a list of them (pages, several calls), each optionally with the call that
produced it: ``"request": {"path": "/analytics/...", "params": {...}}``. Path parameters (LIVE id,
product id) and the date range of list endpoints are only known from ``request``.

Responses read (recognised by their ``data`` keys):

- **shop / product performance** (``/analytics/202405/shop/performance``,
  ``/analytics/202405/shop_products/{id}/performance``): ``performance.intervals[]`` with
  ``start_date`` (inclusive) and ``end_date`` (exclusive), shop-local dates -> an ``ALL`` cell
  and one cell per ``*_breakdowns[].type`` (``LIVE``, ``VIDEO``, ``PRODUCT_CARD``); grain ``day``
  for one-day intervals, else ``range``; ``impressions`` (product impressions), ``clicks``
  (product page views), ``viewers`` (``avg_product_page_visitors``, one-day intervals only: an
  average over several days is not a count), ``orders``, ``items`` (units sold), ``revenue``
  (``gmv.amount``, ``gmv.currency``); unit ``visitor``.
- **LIVE list** (``/analytics/202508|202509/shop_lives/performance``):
  ``live_stream_sessions[]`` -> one ``LIVE`` ``session`` cell: ``start`` from the unix UTC
  ``start_time``, ``content_id``, ``content_title``, ``creator``, ``views``, ``viewers``,
  ``impressions``, ``clicks``, ``orders`` (``sku_orders``), ``items`` (``unit_sold`` /
  ``items_sold``), ``revenue`` (``gmv``). ``end_time`` 0 = still live: rejected.
- **LIVE products** (``/analytics/202512/shop/{live_id}/products_performance``): ``products[]``
  -> one ``LIVE`` ``session`` cell per product with ``atc`` (``add_to_cart_count``, events),
  ``clicks`` = ``viewers`` (``produt_clicks``, sic, or ``product_clicks``), ``impressions``,
  ``orders`` (``main_orders``, else ``sku_orders``), ``items``, ``revenue`` (``direct_gmv``),
  unit ``event``; ATC rate = add-to-cart events per product click. The LIVE's start comes from
  a LIVE list response in the same file or a sibling ``.json`` file; without it the rows are
  rejected.
- **video list** (``/analytics/202409/shop_videos/performance``): ``videos[]`` -> one ``VIDEO``
  cell per video over the requested range (``request.params.start_date_ge`` /
  ``end_date_lt``): ``views``, ``orders`` (``sku_orders``), ``items`` (``units_sold``),
  ``revenue``, ``product_id`` when the video shows exactly one product.

Rates (``"13.99%"`` on LIVE endpoints, ``"0.0528"`` on product/video endpoints) are not read.
``row`` is the 1-based position of the record (interval, session, product, video) in the file.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from analysis.errors import LimitError, NumberError, UnreadableError
from analysis.sources.base import Loaded
from analysis.sources.json_text import read_json
from analysis.sources.limits import current, exceeded
from analysis.sources.matching import Match
from analysis.sources.numbers import parse_count, parse_money
from analysis.sources.rows import Rows
from analysis.sources.tables import require_tz
from analysis.sources.tiktok_live_minutes import is_per_minute

__all__ = ["BREAKDOWN_TYPES", "NAME", "SUFFIXES", "detect", "match", "read"]

NAME = "tiktok_api"
SUFFIXES = (".json",)
BREAKDOWN_TYPES = {"LIVE": "LIVE", "VIDEO": "VIDEO", "PRODUCT_CARD": "PRODUCT_CARD"}
_LIVE_PATH = re.compile(r"/shop/(\d+)/products_performance")
_PRODUCT_PATH = re.compile(r"/shop_products/(\d+)/performance")


def _envelopes(path: Path) -> list[dict]:
    obj = read_json(path, "save the response again")
    items = obj if isinstance(obj, list) else [obj]
    if not items or not all(isinstance(e, dict) and "data" in e and "code" in e for e in items):
        raise UnreadableError(
            f"{Path(path).name}: not a TikTok Shop API response (an object with 'code' and "
            "'data', or a list of them)"
        )
    return items


def detect(path: Path) -> bool:
    """A ``.json`` file holding TikTok Shop API response envelopes."""
    return match(path) is not None


def match(path: Path) -> Match | None:
    """The response envelopes of a known kind among all envelopes of the file (the loader's
    columns are envelopes; :mod:`analysis.sources.matching`)."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        return None
    try:
        kinds = [_kind(e) for e in _envelopes(path)]
    except LimitError:
        raise  # a hostile or huge file says so rather than "not recognised"
    except (UnreadableError, OSError):
        return None
    if not any(kinds):
        return None
    return Match(NAME, sum(map(bool, kinds)), len(kinds), kind=next(k for k in kinds if k))


def _kind(env: dict) -> str | None:
    data = env.get("data") or {}
    if not isinstance(data, dict) or is_per_minute(data) or is_per_minute(data.get("performance")):
        return None  # per-minute LIVE responses: analysis.sources.tiktok_live_minutes
    if "live_stream_sessions" in data:
        return "lives"
    if "videos" in data:
        return "videos"
    if "performance" in data and "intervals" in (data["performance"] or {}):
        return "intervals"
    if "products" in data:
        return "live_products"
    return None


def _num(rows: Rows, n: int, column: str, value):
    """A count from an API value (string or number); None when absent."""
    if isinstance(value, dict):
        value = value.get("amount")
    if value is None:
        return None
    try:
        return parse_count(str(value))
    except NumberError as err:
        rows.reject(n, column, value, str(err))
        raise


def _money(rows: Rows, n: int, column: str, value):
    """``{"amount": "99", "currency": "USD"}`` (or a list holding one) -> (amount, currency)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    if not isinstance(value, dict):
        value = {"amount": value}
    try:
        m = parse_money(str(value.get("amount")), decimal=".")
    except NumberError as err:
        rows.reject(n, column, value.get("amount"), str(err))
        raise
    if m is None:
        return None
    return round(m.amount, 6), value.get("currency") or m.currency or "XXX"


def _utc(rows: Rows, n: int, column: str, value) -> datetime | None:
    try:
        seconds = int(str(value))
    except (TypeError, ValueError):
        rows.reject(n, column, value, "is not a unix time in seconds")
        raise NumberError(column) from None
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds else None


def _day(rows: Rows, n: int, column: str, value) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        rows.reject(n, column, value, "is not a date YYYY-MM-DD (shop time zone)")
        raise NumberError(column) from None


def read(path: Path, *, tz: str | None) -> Loaded:
    """Read one saved API response file (see the module docstring)."""
    path = Path(path)
    envs = _envelopes(path)
    require_tz(tz, path)
    rows = Rows(NAME, path.name)
    _check_records(path.name, envs)
    n = 0
    starts = None
    for env in envs:
        kind = _kind(env)
        if env.get("code") not in (0, "0"):
            raise UnreadableError(
                f"{path.name}: the saved response is an error (code {env.get('code')}: "
                f"{env.get('message')!r}); call the API again"
            )
        data = env["data"]
        request = env.get("request") or {}
        if kind == "intervals":
            m = _PRODUCT_PATH.search(str(request.get("path", "")))
            for interval in data["performance"]["intervals"]:
                n += 1
                _interval(rows, n, interval, m[1] if m else None)
        elif kind == "lives":
            for s in data["live_stream_sessions"]:
                n += 1
                _live(rows, n, s)
        elif kind == "live_products":
            m = _LIVE_PATH.search(str(request.get("path", "")))
            if starts is None:
                starts = _live_starts(path)
            for p in data["products"]:
                n += 1
                _live_product(rows, n, p, m[1] if m else None, starts)
        elif kind == "videos":
            params = request.get("params") or {}
            for v in data["videos"]:
                n += 1
                _video(rows, n, v, params)
        else:
            raise UnreadableError(f"{path.name}: an API response of a kind not read by cartlift "
                                  f"(data keys: {sorted(data)})")  # fmt: skip
    kinds = "+".join(sorted({_kind(e) for e in envs}))
    return rows.finish(tz=tz, extra={"schema": kinds, "locale": "api"})


def _check_records(file: str, envs: list[dict]) -> None:
    """Raise :class:`LimitError` (``max_rows``) when the envelopes hold more records than the
    limit (``docs/data-formats.md``, "Reading limits")."""
    keys = {"lives": "live_stream_sessions", "videos": "videos", "live_products": "products"}
    total = 0
    for env, kind in ((e, _kind(e)) for e in envs):
        data = env["data"]["performance"] if kind == "intervals" else env["data"]
        found = data.get(keys.get(kind or "", "intervals")) if kind else None
        total += len(found) if isinstance(found, list) else 0
    limits = current()
    if total > limits.max_rows:
        raise exceeded(file, "max_rows", f"{total:,} records", limits)


def _interval(rows: Rows, n: int, it: dict, product_id: str | None) -> None:
    rows.seen(n)
    try:
        first = _day(rows, n, "start_date", it.get("start_date"))
        end = _day(rows, n, "end_date", it.get("end_date"))
        one_day = end - first == timedelta(days=1)
        fields = {"impressions": "product_impressions", "clicks": "product_page_views",
                  "viewers": "avg_product_page_visitors", "orders": "orders",
                  "items": "units_sold"}  # fmt: skip
        if product_id is not None:  # product endpoint names
            fields.update(impressions="impressions", clicks="page_views",
                          viewers="avg_page_visitors")  # fmt: skip
        cells = {"ALL": {}}
        for col, key in fields.items():
            if col == "viewers" and not one_day:
                continue
            v = _num(rows, n, key, it.get(key))
            if v is not None:
                cells["ALL"][col] = v
            for b in it.get(_breakdown_key(key), None) or []:
                ch = BREAKDOWN_TYPES.get(str(b.get("type")))
                if ch is None:
                    continue
                v = _num(rows, n, f"{_breakdown_key(key)}[{b.get('type')}]", b.get("amount"))
                if v is not None:
                    cells.setdefault(ch, {})[col] = v
        money = _money(rows, n, "gmv", it.get("gmv"))
        if money is not None:
            cells["ALL"].update(revenue=money[0], currency=money[1])
        for b in it.get("gmv_breakdowns") or []:
            ch = BREAKDOWN_TYPES.get(str(b.get("type")))
            m = _money(rows, n, f"gmv_breakdowns[{b.get('type')}]", b.get("amount"))
            if ch and m is not None:
                cells.setdefault(ch, {}).update(revenue=m[0], currency=m[1])
    except NumberError:
        return
    if first >= end:
        rows.reject(n, "end_date", it.get("end_date"),
                    "is not after start_date (end_date is exclusive)")  # fmt: skip
        return
    for ch, counts in cells.items():
        rows.add(n, start=f"{first} 00:00:00", grain="day" if one_day else "range",
                 channel=ch, product_id=product_id, unit="visitor", **counts)  # fmt: skip


def _breakdown_key(key: str) -> str:
    """``product_impressions`` -> ``product_impression_breakdowns`` (the API's singular)."""
    special = {"units_sold": "unit_sold_breakdowns"}
    return special.get(key, key.removesuffix("s") + "_breakdowns")


def _live(rows: Rows, n: int, s: dict) -> None:
    rows.seen(n)
    sales = s.get("sales_performance") or {}
    inter = s.get("interaction_performance") or {}
    try:
        start = _utc(rows, n, "start_time", s.get("start_time"))
        end = _utc(rows, n, "end_time", s.get("end_time", 1))
        counts = {}
        for col, src, key in (("views", inter, "views"), ("viewers", inter, "viewers"),
                              ("impressions", inter, "product_impressions"),
                              ("clicks", inter, "product_clicks"),
                              ("orders", sales, "sku_orders"),
                              ("items", sales, "unit_sold" if "unit_sold" in sales
                               else "items_sold")):  # fmt: skip
            v = _num(rows, n, key, src.get(key))
            if v is not None:
                counts[col] = v
        money = _money(rows, n, "gmv", sales.get("gmv"))
    except NumberError:
        return
    if start is None:
        rows.reject(n, "start_time", s.get("start_time"), "is 0; the LIVE has no start time")
        return
    if end is None:
        rows.reject(n, "end_time", s.get("end_time"),
                    "is 0: the LIVE was still running when the API was called (ongoing LIVE); "
                    "call it again after the LIVE ends")  # fmt: skip
        return
    if money is not None:
        counts.update(revenue=money[0], currency=money[1])
    user = s.get("username")
    rows.add(n, start=start.isoformat(), grain="session", channel="LIVE",
             content_id=str(s.get("id")) if s.get("id") is not None else None,
             content_title=s.get("title"), creator=_handle(user), unit="visitor",
             **counts)  # fmt: skip


def _handle(user) -> str | None:
    if user is None or not str(user).strip():
        return None
    return "@" + str(user).strip().lstrip("@")


def _live_starts(path: Path) -> dict[str, str]:
    """LIVE id -> unix start time, from LIVE list responses in this file and sibling ``.json``."""
    out: dict[str, str] = {}
    files = [path] + sorted(p for p in path.parent.glob("*.json") if p != path)
    for f in files:
        try:
            envs = _envelopes(f)
        except (UnreadableError, OSError):
            continue
        for env in envs:
            if _kind(env) == "lives":
                for s in env["data"]["live_stream_sessions"]:
                    out.setdefault(str(s.get("id")), s.get("start_time"))
    return out


def _live_product(rows: Rows, n: int, p: dict, live_id: str | None, starts: dict) -> None:
    rows.seen(n)
    sales = p.get("sales") or {}
    traffic = p.get("traffic") or {}
    if live_id is None:
        rows.reject(n, "request.path", None,
                    "the LIVE id is unknown: save the response with its request path "
                    "(/analytics/202512/shop/{live_id}/products_performance)")  # fmt: skip
        return
    if live_id not in starts:
        rows.reject(n, "live_id", live_id,
                    "the LIVE's start time is unknown: save the shop_lives/performance response "
                    "that lists this LIVE in the same folder")  # fmt: skip
        return
    try:
        start = _utc(rows, n, "start_time", starts[live_id])
        counts = {}
        clicks_key = "produt_clicks" if "produt_clicks" in traffic else "product_clicks"
        orders_key = "main_orders" if "main_orders" in sales else "sku_orders"
        for col, src, key in (("impressions", traffic, "product_impressions"),
                              ("clicks", traffic, clicks_key),
                              ("atc", traffic, "add_to_cart_count"),
                              ("orders", sales, orders_key), ("items", sales, "items_sold")):  # fmt: skip
            v = _num(rows, n, key, src.get(key))
            if v is not None:
                counts[col] = v
        money = _money(rows, n, "direct_gmv", sales.get("direct_gmv"))
    except NumberError:
        return
    if "clicks" in counts:
        counts["viewers"] = counts["clicks"]
    if money is not None:
        counts.update(revenue=money[0], currency=money[1])
    pid = p.get("id", p.get("product_id"))
    rows.add(n, start=start.isoformat(), grain="session", channel="LIVE", content_id=live_id,
             product_id=None if pid is None else str(pid), unit="event", **counts)  # fmt: skip


def _video(rows: Rows, n: int, v: dict, params: dict) -> None:
    rows.seen(n)
    if "start_date_ge" not in params or "end_date_lt" not in params:
        rows.reject(n, "request.params", None,
                    "the response does not say which dates it covers: save it with its request "
                    "parameters (start_date_ge, end_date_lt)")  # fmt: skip
        return
    try:
        first = _day(rows, n, "start_date_ge", params["start_date_ge"])
        end = _day(rows, n, "end_date_lt", params["end_date_lt"])
        counts = {}
        for col, key in (("views", "views"), ("orders", "sku_orders"), ("items", "units_sold")):
            x = _num(rows, n, key, v.get(key))
            if x is not None:
                counts[col] = x
        money = _money(rows, n, "gmv", v.get("gmv"))
    except NumberError:
        return
    if money is not None:
        counts.update(revenue=money[0], currency=money[1])
    products = v.get("products") or []
    pid = str(products[0].get("id")) if len(products) == 1 else None
    rows.add(n, start=f"{first} 00:00:00",
             grain="day" if end - first == timedelta(days=1) else "range", channel="VIDEO",
             content_id=str(v.get("id")), content_title=v.get("title"),
             creator=_handle(v.get("username")), product_id=pid, unit="visitor",
             **counts)  # fmt: skip
