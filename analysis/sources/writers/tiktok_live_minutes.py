"""Writer of saved per-minute LIVE responses (``/analytics/202510/shop_lives/{live_id}/
performance_per_minutes``): minute cells as the API's JSON, one file per LIVE.

The inverse of :mod:`analysis.sources.tiktok_live_minutes`, for the simulator's minute series and
round trips. Shape (``docs/data-formats.md`` §2, "Per-minute LIVE performance"): the envelope
``{"code": 0, "message": "Success", "request_id", "data": {"intervals": [...], "overall": {...}}}``
with the call's ``request.path``; each interval ``sales`` (``gmv`` money, ``items_sold``,
``customers``, ``sku_orders``, ``main_orders``), ``traffic`` (``impressions``, ``views``,
``viewers``, ``product_impressions``, ``product_clicks``, ``ctr`` and ``enter_room_rate`` as
percent strings), ``conversion`` and ``interactions``; intervals carry no time of their own (the
minute is their position from ``overall.start_time``). Numbers are strings, as the LIVE
endpoints write them. The room's feed ``impressions`` is not in the cells: written as views x 8.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis.files import write_atomic

__all__ = ["write"]


def _pct(num: float, den: float) -> str:
    return f"{100 * num / den:.2f}%" if den else "0.00%"


def _interval(c, currency: str) -> dict:
    n = {k: int(c[k]) if pd.notna(c[k]) else 0
         for k in ("viewers", "views", "impressions", "clicks", "orders", "items")}  # fmt: skip
    gmv = float(c["revenue"]) if pd.notna(c["revenue"]) else 0.0
    money = {"amount": f"{gmv:.2f}", "currency": currency}
    avg = {"amount": f"{gmv / n['orders']:.2f}" if n["orders"] else "0.00", "currency": currency}
    return {
        "sales": {"gmv": money, "items_sold": str(n["items"]), "customers": str(n["orders"]),
                  "sku_orders": str(n["orders"]), "main_orders": str(n["orders"])},
        "traffic": {"impressions": str(8 * n["views"]), "views": str(n["views"]),
                    "viewers": str(n["viewers"]), "product_impressions": str(n["impressions"]),
                    "product_clicks": str(n["clicks"]), "ctr": _pct(n["clicks"], n["views"]),
                    "enter_room_rate": _pct(n["views"], 8 * n["views"])},
        "conversion": {"created_sku_orders": str(n["orders"]),
                       "sku_order_rate": _pct(n["orders"], n["clicks"]), "avg_price": avg,
                       "click_to_order_rate": {"main_order_ctor": _pct(n["orders"], n["clicks"]),
                                               "sku_order_ctor": _pct(n["orders"], n["clicks"])},
                       "gpm": {"show_gpm": money, "watch_gpm": money}},
        "interactions": {"likes": "0", "comments": "0", "shares": "0", "new_followers": "0"},
    }  # fmt: skip


def write(cells: pd.DataFrame, out_dir, *, prefix: str = "api_live_minutes") -> list[Path]:
    """Write the ``minute`` cells of ``cells`` as one saved response per LIVE
    (``<prefix>_<content_id>.json``) in ``out_dir``; returns the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    minutes = cells[cells["grain"] == "minute"].sort_values(["content_id", "start"])
    written = []
    for live, one in minutes.groupby("content_id", sort=True):
        currency = (
            str(one["currency"].dropna().iloc[0]) if one["currency"].notna().any() else "USD"
        )
        first = int(one["start"].iloc[0].timestamp())
        end = int(one["start"].iloc[-1].timestamp()) + 60
        overall = {
            "start_time": str(first), "end_time": str(end), "duration": str(end - first),
            "live_title": str(one["content_title"].dropna().iloc[0])
            if one["content_title"].notna().any() else "",
            "gmv": {"amount": f"{float(one['revenue'].fillna(0).sum()):.2f}",
                    "currency": currency},
            "items_sold": str(int(one["items"].fillna(0).sum())),
            "impressions": str(8 * int(one["views"].fillna(0).sum())),
            "unique_viewers": str(int(one["viewers"].fillna(0).max())),
        }  # fmt: skip
        env = {"code": 0, "message": "Success", "request_id": f"sim-{live}",
               "data": {"intervals": [_interval(c, currency) for _, c in one.iterrows()],
                        "overall": overall},
               "request": {"path": f"/analytics/202510/shop_lives/{live}/performance_per_minutes",
                           "params": {"currency": "LOCAL"}}}  # fmt: skip
        path = out_dir / f"{prefix}_{live}.json"
        write_atomic(path, json.dumps(env, separators=(",", ":")))
        written.append(path)
    return written
