"""Writers of real-looking Shopify exports: the sessions report CSV and the orders CSV.

The inverse of :mod:`analysis.sources.shopify`, for round trips (e.g. simulated off-live cells
as a stand-in for a web shop); layouts: ``docs/data-formats.md`` (Shopify).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.files import replacing
from analysis.vocabulary import SHOPIFY_REPORTS, check_argument

__all__ = ["ORDER_COLUMNS", "write"]

#: the orders-export columns written (the first ones of a real export, in its order)
ORDER_COLUMNS = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Cancelled at", "Id", "Source",
)  # fmt: skip


def write(
    cells: pd.DataFrame,
    path: str | Path,
    *,
    report: str = "sessions",
    grain: str = "hour",
    breakdown: tuple[str, ...] = (),
    currency: str | None = None,
) -> Path:
    """Write cells as a Shopify sessions report or orders export (CSV).

    The cells are summed to the export's grain first (shop-local ``grain`` slot, plus
    ``region`` when in ``breakdown``). ``report="sessions"``: ``Sessions`` = viewers, ``Sessions
    with cart additions`` = atc, ``Sessions that reached checkout`` = checkouts, ``Sessions that
    completed checkout`` = orders (the cells' unit is relabelled ``session``); ``Hour`` is written
    with its UTC offset (so the repeated hour of a daylight-saving change stays distinct).
    ``report="orders"`` (hourly): each cell's ``orders`` become orders ``#1001...`` placed within
    the hour, its ``items`` spread over them (orders of two or more items get two lines, the
    order fields on the first line only), its ``revenue`` split in cents over their
    ``Subtotal``; ``Total`` adds a fixed shipping; UTF-8 with BOM. Reading the file back gives
    the summed counts exactly.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (e.g. the simulated off-live cells as a stand-in for a web shop).
    path : str or Path
        The ``.csv`` to write.
    report : {"sessions", "orders"}
    grain : {"hour", "day"}
        Sessions report only (the orders export is hourly by construction).
    breakdown : tuple of {"region"}
        Sessions report only: a ``Session region`` column.
    currency : str, optional
        Orders: the ``Currency`` column; default the cells' single currency, else ``EUR``.
    """
    check_argument("report", SHOPIFY_REPORTS, report)
    check_argument("grain", ("hour", "day"), grain)
    for b in breakdown:
        check_argument("breakdown", ("region",), b)
    path = Path(path)
    df = cells.copy()
    for c in ["viewers", "atc", "checkouts", "orders", "items"]:
        df[c] = df[c].astype("Int64").fillna(0).astype("int64")
    df["revenue"] = df["revenue"].astype("Float64").fillna(0.0).astype("float64")
    if report == "sessions":
        with replacing(path) as tmp:  # whole or not at all
            _sessions_report(df, grain=grain, breakdown=breakdown).to_csv(tmp, index=False,
                                                                         encoding="utf-8")  # fmt: skip
        return path
    if currency is None:
        found = df["currency"].dropna().unique() if "currency" in df else []
        currency = str(found[0]) if len(found) == 1 else "EUR"
    with replacing(path) as tmp:
        _orders_export(df, currency).to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


def _sessions_report(df: pd.DataFrame, *, grain: str, breakdown: tuple[str, ...]) -> pd.DataFrame:
    """The sessions report: one row per ``grain`` slot (and region), Shopify's headers."""
    slot = df["start"] if grain == "hour" else df["start"].dt.tz_localize(None).dt.normalize()
    keys = {"slot": slot, **({"region": df["region"]} if "region" in breakdown else {})}
    g = df.groupby(list(keys.values()), dropna=False, sort=True)[
        ["viewers", "atc", "checkouts", "orders"]].sum()  # fmt: skip
    g.index.names = list(keys)
    g = g.reset_index()
    out = pd.DataFrame()
    if grain == "hour":
        out["Hour"] = g["slot"].map(lambda t: t.isoformat())
    else:
        out["Day"] = g["slot"].dt.strftime("%Y-%m-%d")
    if "region" in breakdown:
        out["Session region"] = g["region"]
    out["Sessions"] = g["viewers"]
    out["Sessions with cart additions"] = g["atc"]
    out["Sessions that reached checkout"] = g["checkouts"]
    out["Sessions that completed checkout"] = g["orders"]
    rate = (g["orders"] / g["viewers"].where(g["viewers"] > 0)).round(4)
    out["Conversion rate"] = rate.fillna(0.0)
    return out


def _orders_export(df: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The orders export: each hour's orders ``#1001...`` placed within the hour, items and
    revenue (in cents) spread over them, the order fields on each order's first line."""
    g = df.groupby("start", sort=True)[["orders", "items", "revenue"]].sum().reset_index()
    g = g[g["orders"] > 0]
    records, number = [], 1001
    for t, n_orders, n_items, rev in g.itertuples(index=False):
        cents = int(round(rev * 100))
        qty = np.full(n_orders, n_items // n_orders) + (np.arange(n_orders) < n_items % n_orders)
        sub = np.full(n_orders, cents // n_orders) + (np.arange(n_orders) < cents % n_orders)
        for k in range(n_orders):
            created = (t + pd.Timedelta(seconds=7 * k + 3)).strftime("%Y-%m-%d %H:%M:%S %z")
            records += _order_records(number, created, int(qty[k]), sub[k] / 100, currency)
            number += 1
    return pd.DataFrame(records, columns=list(ORDER_COLUMNS))


def _order_records(number: int, created: str, q: int, subtotal: float,
                   currency: str) -> list[dict]:  # fmt: skip
    """The lines of order ``#number``: two lines when it has two items or more."""
    records = []
    lines = [q - 1, 1] if q >= 2 else [q]
    for i, lq in enumerate(lines):
        head = i == 0
        records.append({
            "Name": f"#{number}", "Email": f"client{number}@example.com",
            "Financial Status": "paid" if head else "",
            "Paid at": created if head else "",
            "Fulfillment Status": "fulfilled" if head else "",
            "Accepts Marketing": "no" if head else "",
            "Currency": currency,
            "Subtotal": f"{subtotal:.2f}" if head else "",
            "Shipping": "4.90" if head else "",
            "Taxes": f"{subtotal / 6:.2f}" if head else "",
            "Total": f"{subtotal + 4.90:.2f}" if head else "",
            "Discount Amount": "0.00" if head else "",
            "Shipping Method": "Colissimo" if head else "",
            "Created at": created,
            "Lineitem quantity": lq,
            "Lineitem name": f"Article {i + 1}",
            "Lineitem price": f"{subtotal / max(q, 1):.2f}",
            "Lineitem sku": f"SKU-{i + 1}",
            "Lineitem requires shipping": "true", "Lineitem taxable": "true",
            "Lineitem fulfillment status": "fulfilled",
            "Id": str(5_000_000_000_000 + number) if head else "",
            "Source": "web" if head else "",
        })  # fmt: skip
    return records
