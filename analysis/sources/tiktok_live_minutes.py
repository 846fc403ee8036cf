"""TikTok Shop API per-minute LIVE performance saved as JSON: ``/analytics/202510/shop_lives/
{live_id}/performance_per_minutes`` (``docs/data-formats.md``, "Per-minute LIVE performance").

One file holds the response of one LIVE (several pages of it as a list of envelopes); a folder
holds one file per LIVE. Shapes read: the envelope ``{"code": 0, "data": {...}}`` (a
``"request": {"path": ...}`` beside it names the LIVE), ``data.intervals[]`` with ``data.overall``
(or both under ``data.performance``), or that ``data`` object saved alone. The endpoint is
available for official and marketing accounts only, and often fails (HTTP 500): it is read when
present, LIVE Center's Trend Stat export being the main source of a LIVE's minutes.

Each interval -> one cell: channel ``LIVE``, grain ``minute``, unit ``visitor``, ``content_id``
(the LIVE id: ``request.path``, else ``overall.live_id`` / ``overall.id``, else the digits of
the file name), ``content_title`` (``overall.live_title``), ``viewers``, ``views``,
``impressions`` (``traffic.product_impressions``: product impressions, as in every cell; the
room's feed ``traffic.impressions`` is not a cells column), ``clicks``
(``traffic.product_clicks``), ``orders`` (``sales.main_orders``, else ``sales.sku_orders``),
``items`` (``sales.items_sold``), ``revenue`` (``sales.gmv``: ``{"amount", "currency"}`` or a
number). **No add-to-cart**: the endpoint has none, so ``atc`` is empty. Rates (``ctr``,
``enter_room_rate``, ``conversion.*``) are not read. The minute's start is the interval's own
``start_time`` (unix s, UTC) or ``index`` (minutes since the LIVE's start) when it has one, else
its position: interval *i* (from 0) starts ``overall.start_time + i`` minutes. Numbers may be
strings or numbers. ``row`` is the 1-based position of the interval in the file; a bad value
rejects its interval with the field's path (``intervals[3].traffic.viewers``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from analysis.errors import LimitError, NumberError, UnreadableError
from analysis.sources.base import Loaded
from analysis.sources.json_text import read_json
from analysis.sources.limits import current, exceeded
from analysis.sources.matching import Match
from analysis.sources.numbers import parse_count, parse_money
from analysis.sources.rows import Rows
from analysis.sources.tables import require_tz

__all__ = ["COUNTS", "NAME", "PATH", "detect", "is_per_minute", "match", "read", "responses"]

NAME = "tiktok_live_minutes"
#: the endpoint, ``{live_id}`` filled in
PATH = "/analytics/202510/shop_lives/{live_id}/performance_per_minutes"
#: canonical count -> (group, field) of an interval, in order of preference
COUNTS = {
    "viewers": (("traffic", "viewers"),),
    "views": (("traffic", "views"),),
    "impressions": (("traffic", "product_impressions"),),
    "clicks": (("traffic", "product_clicks"),),
    "orders": (("sales", "main_orders"), ("sales", "sku_orders")),
    "items": (("sales", "items_sold"),),
}
_LIVE_PATH = re.compile(r"/shop_lives/(\d+)/performance_per_minutes")
_GROUPS = ("sales", "traffic", "conversion", "interactions")


def _body(obj) -> dict | None:
    """The object holding ``intervals`` and ``overall`` of one response, or None."""
    if not isinstance(obj, dict):
        return None
    data = obj.get("data", obj) if "code" in obj else obj
    if isinstance(data, dict) and isinstance(data.get("performance"), dict):
        data = data["performance"]
    return data if isinstance(data, dict) and is_per_minute(data) else None


def is_per_minute(data) -> bool:
    """True for a per-minute response body: ``intervals[]`` of ``sales`` / ``traffic`` objects
    (the per-day shop intervals of ``/shop/performance`` have ``start_date`` instead), or
    ``overall`` with ``unique_viewers`` / ``duration``."""
    if not isinstance(data, dict):
        return False
    items = data.get("intervals")
    overall = data.get("overall")
    if isinstance(overall, dict) and ({"unique_viewers", "duration"} & set(overall)):
        return isinstance(items, list)
    return (isinstance(items, list) and bool(items) and isinstance(items[0], dict)
            and any(isinstance(items[0].get(g), dict) for g in _GROUPS))  # fmt: skip


def responses(path: Path) -> list[dict]:
    """The envelopes (or bare bodies) of a per-minute file, pages in file order.

    Raises
    ------
    UnreadableError
        Not JSON, or no per-minute response in it; a saved error response (``code`` not 0).
    """
    obj = read_json(path, "save the response again")
    items = obj if isinstance(obj, list) else [obj]
    found = [e for e in items if _body(e) is not None]
    if not found:
        raise UnreadableError(f"{Path(path).name}: not a per-minute LIVE response "
                              "('intervals' of 'sales'/'traffic' objects and 'overall')")  # fmt: skip
    for e in found:
        if "code" in e and e.get("code") not in (0, "0"):
            raise UnreadableError(
                f"{Path(path).name}: the saved response is an error (code {e.get('code')}: "
                f"{e.get('message')!r}); the endpoint often fails (HTTP 500, code 98001001): call "
                "it again later or export the LIVE's Trend Stat from LIVE Center"
            )
    return found


def detect(path: Path) -> bool:
    """A ``.json`` file holding per-minute LIVE responses."""
    return match(path) is not None


def match(path: Path) -> Match | None:
    """Per-minute responses among the file's top-level objects (:mod:`analysis.sources.matching`)."""
    path = Path(path)
    if path.suffix.lower() != ".json":
        return None
    try:
        obj = read_json(path, "save the response again")
    except LimitError:
        raise
    except (UnreadableError, OSError):
        return None
    items = obj if isinstance(obj, list) else [obj]
    known = sum(_body(e) is not None for e in items)
    return Match(NAME, known, len(items), kind="per-minute LIVE") if known else None


def _live_id(path: Path, envs: list[dict], overall: dict) -> str:
    for e in envs:
        m = _LIVE_PATH.search(str((e.get("request") or {}).get("path", "")))
        if m:
            return m[1]
    for key in ("live_id", "id"):
        if overall.get(key) not in (None, ""):
            return str(overall[key])
    m = re.search(r"(\d{6,})", path.stem)
    if m:
        return m[1]
    raise UnreadableError(
        f"{path.name}: which LIVE these minutes belong to is unknown; save the response with its "
        f"request path ({PATH}) or put the LIVE id in the file name (live_minutes_<live_id>.json)"
    )


def read(path: Path, *, tz: str | None) -> Loaded:
    """Read one saved per-minute response file (see the module docstring)."""
    path = Path(path)
    envs = responses(path)
    require_tz(tz, path)
    bodies = [b for b in (_body(e) for e in envs) if b is not None]
    overall = next((b["overall"] for b in bodies if isinstance(b.get("overall"), dict)), {})
    intervals = [it for b in bodies for it in (b.get("intervals") or [])]
    if len(intervals) > current().max_rows:
        raise exceeded(path.name, "max_rows", f"{len(intervals):,} intervals", current())
    live = _live_id(path, envs, overall)
    rows = Rows(NAME, path.name)
    start = None
    if overall.get("start_time") not in (None, "", 0, "0"):
        try:
            start = _utc(overall["start_time"])
        except NumberError as err:
            raise UnreadableError(f"{path.name}: overall.start_time {overall['start_time']!r} "
                                  f"{err}; save the response again") from None  # fmt: skip
    base = {"grain": "minute", "channel": "LIVE", "unit": "visitor", "content_id": live,
            "content_title": overall.get("live_title")}  # fmt: skip
    if overall.get("username"):
        base["creator"] = "@" + str(overall["username"]).strip().lstrip("@")
    for i, it in enumerate(intervals):
        _interval(rows, i, it, start, base)
    return rows.finish(tz=tz, extra={"schema": "per_minute", "locale": "api"})


def _utc(value) -> datetime:
    try:
        seconds = int(str(value).strip())
    except ValueError:
        raise NumberError("is not a unix time in seconds") from None
    if seconds <= 0:
        raise NumberError("is not a unix time in seconds (0 or negative)")
    return datetime.fromtimestamp(seconds, tz=UTC)


def _when(it: dict, i: int, start: datetime | None) -> tuple[str, object, datetime | None]:
    """(field, value, minute start) of interval ``i``; the start is None when unknown."""
    if it.get("start_time") not in (None, ""):
        return "start_time", it["start_time"], _utc(it["start_time"])
    key = "index" if "index" in it else None
    minute = i if key is None else parse_count(str(it[key]))
    if start is None or minute is None:
        return key or "overall.start_time", it.get(key) if key else None, None
    return key or "position", minute, start + timedelta(minutes=int(minute))


def _interval(rows: Rows, i: int, it, start: datetime | None, base: dict) -> None:
    n, where = i + 1, f"intervals[{i}]"
    rows.seen(n)
    if not isinstance(it, dict):
        rows.reject(n, where, it, "is not an object of sales/traffic figures")
        return
    try:
        field = "start_time"
        field, value, when = _when(it, i, start)
    except NumberError as err:
        rows.reject(n, f"{where}.{field}", it.get(field), str(err))
        return
    if when is None:
        rows.reject(n, f"{where}.{field}", value, "the minute's start is unknown: the response "
                    "has no overall.start_time; save the whole response")  # fmt: skip
        return
    counts: dict = {}
    for col, options in COUNTS.items():
        group, key = next(((g, k) for g, k in options if k in (it.get(g) or {})), options[0])
        value = (it.get(group) or {}).get(key)
        if value is None:
            continue
        try:
            counts[col] = parse_count(str(value))
        except NumberError as err:
            rows.reject(n, f"{where}.{group}.{key}", value, str(err))
    gmv = (it.get("sales") or {}).get("gmv")
    if gmv is not None:
        amount = gmv.get("amount") if isinstance(gmv, dict) else gmv
        try:
            money = parse_money(str(amount), decimal=".")
        except NumberError as err:
            rows.reject(n, f"{where}.sales.gmv", amount, str(err))
            return
        if money is not None:
            cur = (gmv.get("currency") if isinstance(gmv, dict) else None) or money.currency
            counts.update(revenue=round(money.amount, 6), currency=cur or "XXX")
    rows.add(n, start=when.isoformat(), **base, **counts)
