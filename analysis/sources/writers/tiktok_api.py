"""Writer of saved TikTok Shop Partner API responses: the simulator's shop as the JSON envelopes
of the analytics endpoints (shop performance, LIVE sessions, LIVE products, videos).

The inverse of :mod:`analysis.sources.tiktok_api`, for round trips and the sample exports;
response shapes: ``docs/data-formats.md`` §2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.files import write_atomic

__all__ = ["write"]

#: the counts summed per day, LIVE, product or video
COLS = ["impressions", "clicks", "viewers", "atc", "orders", "items", "revenue", "views"]


def write(cells: pd.DataFrame, out_dir, *, kinds=("shop", "lives", "live_products", "videos")
          ) -> list[Path]:  # fmt: skip
    """Write the shop as saved API responses in ``out_dir``: ``api_shop_performance.json``
    (daily intervals with LIVE / VIDEO / PRODUCT_CARD breakdowns), ``api_live_sessions.json``,
    ``api_live_products.json`` (one response per LIVE) and ``api_videos.json`` (one response per
    day). Numbers as strings, money ``{"amount", "currency"}``, times unix UTC, rates in both
    encodings (``"13.99%"`` for LIVE endpoints, ``"0.0528"`` for the others)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cur = cells["currency"].dropna().iloc[0]
    written = []
    if "shop" in kinds:
        written.append(_dump(out_dir / "api_shop_performance.json", _shop(cells, cur)))
    live = cells[cells["channel"] == "LIVE"]
    sessions = _sessions(live, cur)
    if "lives" in kinds:
        env = _envelope({"live_stream_sessions": sessions, "total_count": len(sessions)},
                        "/analytics/202509/shop_lives/performance",
                        {"account_type": "ALL"})  # fmt: skip
        written.append(_dump(out_dir / "api_live_sessions.json", env))
    if "live_products" in kinds:
        written.append(_dump(out_dir / "api_live_products.json",
                             _live_products(live, sessions, cur)))  # fmt: skip
    if "videos" in kinds:
        written.append(_dump(out_dir / "api_videos.json", _videos(cells, cur)))
    return written


def _shop(cells: pd.DataFrame, cur: str) -> dict:
    """The shop performance response: one daily interval per shop-local day, with its LIVE /
    VIDEO / PRODUCT_CARD breakdowns."""
    local = cells["start"].dt.tz_localize(None).dt.normalize()
    per_day = cells.groupby(local)[COLS].sum(min_count=1)
    per_ch = cells.groupby([local, "channel"])[COLS].sum(min_count=1)

    def brk(day, col, money=False):
        out = []
        for ch in ("LIVE", "VIDEO", "PRODUCT_CARD"):
            x = per_ch[col].get((day, ch), 0)
            out.append({"type": ch, "amount": _amount(x, cur) if money else _s(x)})
        return out

    intervals = []
    for day, r in per_day.iterrows():
        intervals.append({
            "start_date": f"{day:%Y-%m-%d}", "end_date": f"{day + pd.Timedelta(days=1):%Y-%m-%d}",
            "gmv": _amount(r["revenue"], cur), "gmv_breakdowns": brk(day, "revenue", True),
            "orders": _s(r["orders"]), "sku_orders": _s(r["orders"]),
            "units_sold": _s(r["items"]),
            "product_impressions": _s(r["impressions"]),
            "product_impression_breakdowns": brk(day, "impressions"),
            "product_page_views": _s(r["clicks"]),
            "product_page_view_breakdowns": brk(day, "clicks"),
            "avg_product_page_visitors": _s(r["viewers"]),
            "avg_product_page_visitor_breakdowns": brk(day, "viewers"),
        })  # fmt: skip
    return _envelope({"performance": {"intervals": intervals},
                      "latest_available_date": f"{local.max():%Y-%m-%d}"},
                     "/analytics/202405/shop/performance",
                     {"granularity": "1D", "currency": "LOCAL"})  # fmt: skip


def _sessions(live: pd.DataFrame, cur: str) -> list[dict]:
    """The ``live_stream_sessions`` of the LIVE list response, sorted by start time."""
    sessions = []
    for cid, lv in live.groupby("content_id", sort=False):
        s = lv[COLS].sum(min_count=1)
        start, last = lv["start"].min(), lv["start"].max() + pd.Timedelta(hours=1)
        sessions.append({
            "id": cid, "title": lv["content_title"].iloc[0],
            "username": str(lv["creator"].iloc[0]).lstrip("@"),
            "start_time": str(int(start.timestamp())), "end_time": str(int(last.timestamp())),
            "sales_performance": {"gmv": _amount(s["revenue"], cur), "sku_orders": _s(s["orders"]),
                                  "unit_sold": _s(s["items"]), "customers": _s(s["orders"]),
                                  "click_to_order_rate": _pct(s["orders"], s["clicks"])},
            "interaction_performance": {"views": _s(s["views"]), "viewers": _s(s["viewers"]),
                                        "product_impressions": _s(s["impressions"]),
                                        "product_clicks": _s(s["clicks"]),
                                        "click_through_rate": _pct(s["clicks"], s["views"])},
        })  # fmt: skip
    sessions.sort(key=lambda x: int(x["start_time"]))
    return sessions


def _live_products(live: pd.DataFrame, sessions: list[dict], cur: str) -> list[dict]:
    """One LIVE products response per LIVE of ``sessions``."""
    envs = []
    for i, sess in enumerate(sessions):
        lv = live[live["content_id"] == sess["id"]]
        products = []
        for pid, pr in lv.groupby("product_id", sort=True):
            s = pr[COLS].sum(min_count=1)
            products.append({
                "id": pid,
                "sales": {"direct_gmv": _amount(s["revenue"], cur), "items_sold": _s(s["items"]),
                          "sku_orders": _s(s["orders"]), "main_orders": _s(s["orders"])},
                "traffic": {"product_impressions": _s(s["impressions"]),
                            "produt_clicks": _s(s["clicks"]),
                            "add_to_cart_count": _s(s["atc"]),
                            "ctr": _frac(s["clicks"], s["impressions"])},
            })  # fmt: skip
        envs.append(_envelope({"products": products},
                              f"/analytics/202512/shop/{sess['id']}/products_performance",
                              None, i))  # fmt: skip
    return envs


def _videos(cells: pd.DataFrame, cur: str) -> list[dict]:
    """One video list response per shop-local day of the ``VIDEO`` cells."""
    envs = []
    video = cells[cells["channel"] == "VIDEO"]
    vlocal = video["start"].dt.tz_localize(None).dt.normalize()
    for i, (day, d) in enumerate(video.groupby(vlocal, sort=True)):
        vids = []
        for cid, vd in d.groupby("content_id", sort=True):
            s = vd[COLS].sum(min_count=1)
            vids.append({"id": cid, "title": vd["content_title"].iloc[0],
                         "username": str(vd["creator"].iloc[0]).lstrip("@"),
                         "gmv": _amount(s["revenue"], cur), "sku_orders": _s(s["orders"]),
                         "units_sold": _s(s["items"]), "views": _s(s["viewers"]),
                         "click_through_rate": _frac(s["clicks"], s["viewers"]),
                         "products": [{"id": p} for p in vd["product_id"].unique()]})  # fmt: skip
        params = {"start_date_ge": f"{day:%Y-%m-%d}",
                  "end_date_lt": f"{day + pd.Timedelta(days=1):%Y-%m-%d}"}  # fmt: skip
        envs.append(_envelope({"videos": vids}, "/analytics/202409/shop_videos/performance",
                              params, i))  # fmt: skip
    return envs


def _envelope(data: dict, path: str, params: dict | None = None, i: int = 0) -> dict:
    return {"code": 0, "message": "Success", "request_id": f"2026{i:012d}",
            "request": {"path": path, "params": params or {}}, "data": data}  # fmt: skip


def _amount(x, currency) -> dict:
    return {"amount": f"{0.0 if pd.isna(x) else float(x):.2f}", "currency": currency}


def _s(x) -> str:
    return str(0 if pd.isna(x) else int(x))


def _pct(num, den) -> str:
    return f"{100 * num / den:.2f}%" if den else "0.00%"


def _frac(num, den) -> str:
    return f"{num / den:.4f}" if den else "0.0000"


def _dump(path: Path, obj) -> Path:
    return write_atomic(path, json.dumps(obj, ensure_ascii=False, indent=1))
