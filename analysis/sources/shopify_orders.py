"""Shopify orders CSV (Admin -> Orders -> Export) -> raw hourly ``WEB`` cells of orders.

One row per line item, the order-level fields (``Subtotal``, ``Total``, ``Cancelled at`` ...)
only on each order's first row. One cell per shop-local hour of ``Created at``: ``orders`` =
orders, ``items`` = sum of ``Lineitem quantity``, ``revenue`` = sum of ``Subtotal`` (Shopify's
average order value: gross sales minus discounts) or ``Total``, ``currency`` = ``Currency``. An
order-level problem (cancelled, no usable time, amount, quantity, another currency) rejects every
line of the order (``docs/data-formats.md``, Shopify). Validation and the rejected table:
:mod:`analysis.sources.shopify`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.sources.shopify_csv import problem, require_columns

__all__ = ["EXPORT_HEADERS", "ORDER_ANCHORS", "ORDER_HEADERS", "amounts", "created_hour",
           "is_order_header", "orders_cells"]  # fmt: skip

#: orders-CSV headers the loader needs
ORDER_HEADERS = ("name", "created at", "lineitem quantity", "currency", "subtotal", "total")
#: headers that make a CSV an orders export (detection)
ORDER_ANCHORS = ("name", "created at", "lineitem quantity")
#: the other headers of Shopify's orders export (normalised), for detection scoring
EXPORT_HEADERS = frozenset({
    "email", "financial status", "paid at", "fulfillment status", "fulfilled at",
    "accepts marketing", "shipping", "taxes", "discount code", "discount amount",
    "shipping method", "notes", "note attributes", "cancelled at", "payment method",
    "payment reference", "refunded amount", "vendor", "outstanding balance", "employee",
    "location", "device id", "id", "tags", "risk level", "source", "phone", "receipt number",
    "duties", "payment id", "payment terms name", "next payment due at", "payment references",
})  # fmt: skip
#: header prefixes of the orders export's groups of columns (line item, billing, shipping, tax)
EXPORT_PREFIXES = ("lineitem ", "billing ", "shipping ", "tax ")


def is_order_header(header: str) -> bool:
    """Whether a normalised header is one of Shopify's orders-export headers."""
    return (header in ORDER_HEADERS or header in EXPORT_HEADERS
            or header.startswith(EXPORT_PREFIXES))  # fmt: skip


def orders_cells(path: Path, rows: pd.DataFrame, header: list[str], tz: str,
                 revenue: str) -> tuple[pd.DataFrame, list[list[int]], list[dict]]:  # fmt: skip
    """The raw cells of an orders CSV (one per hour and currency), the line rows summed into
    each (``members``) and the rejected lines' problems; ``revenue`` is the order field summed
    (``subtotal`` or ``total``)."""
    require_columns(path, header, list(ORDER_HEADERS))
    bad: list[dict] = []
    rows, heads = _order_lines(rows, bad)
    created = created_hour(heads["created at"], tz)
    amount = amounts(heads[revenue])
    qty = pd.to_numeric(rows["lineitem quantity"].str.strip(), errors="coerce")
    currency = heads["currency"].str.strip().str.upper()
    problems = _order_problems(heads, rows, created=created, amount=amount, qty=qty,
                               currency=currency, tz=tz, revenue=revenue)  # fmt: skip
    for n, (r, col, v, reason) in problems.items():
        for line in rows.loc[rows["name"] == n, "row"]:
            bad.append(problem(line, col, v if line == r else None,
                               reason if line == r else f"{reason} (order {n}, row {r})"))  # fmt: skip
    ok = ~heads.index.isin(list(problems))
    heads = heads[ok]
    lines = rows[rows["name"].isin(heads.index)]
    orders = pd.DataFrame(
        {
            "start": created[ok],
            "items": qty[lines.index].groupby(lines["name"]).sum().reindex(heads.index),
            "revenue": amount[ok],
            "currency": currency[ok],
        }
    )
    grouped = orders.groupby(["start", "currency"], sort=True)
    raw = grouped.agg(orders=("items", "size"), items=("items", "sum"),
                      revenue=("revenue", "sum")).reset_index()  # fmt: skip
    line_rows = lines.groupby("name")["row"].agg(list)
    members = [sorted(r for n in names for r in line_rows[n])
               for names in grouped.groups.values()]  # fmt: skip
    raw["start"] = raw["start"].map(lambda t: t.isoformat())
    raw = raw.assign(grain="hour", channel="WEB", unit="session")
    return raw, members, bad


def _order_lines(rows: pd.DataFrame, bad: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lines tied to an order with its fields, and one head row per order (indexed by
    ``name``); lines without a Name, orders without a line holding the order fields, and a
    second line holding them are set aside in ``bad``."""
    name = rows["name"].str.strip()
    for r in rows.loc[name.isna() | (name == ""), "row"]:
        bad.append(problem(r, "Name", None, "no order Name: the line cannot be tied to an order"))
    rows = rows[name.notna() & (name != "")].assign(name=name)
    first = rows["subtotal"].str.strip().fillna("").ne("") | rows["total"].str.strip().fillna(
        "").ne("")  # fmt: skip
    has_first = first.groupby(rows["name"]).transform("any")
    orphan = rows[~has_first]
    for r, n in zip(orphan["row"], orphan["name"], strict=True):
        bad.append(problem(r, "Subtotal", None, f"order {n} has no row with its order fields "
                           "(Subtotal and Total empty on every line): cut between two exports?"))  # fmt: skip
    rows, first = rows[has_first], first[has_first]
    heads = rows[first].drop_duplicates("name", keep="first").set_index("name")
    extra = rows[first & rows.duplicated("name", keep="first")]
    for r, n in zip(extra["row"], extra["name"], strict=True):
        bad.append(problem(r, "Name", n, f"order {n} appears twice with order fields; the first "
                           "is kept"))  # fmt: skip
    return rows.drop(index=extra.index), heads


def _order_problems(heads: pd.DataFrame, rows: pd.DataFrame, *, created: pd.Series,
                    amount: pd.Series, qty: pd.Series, currency: pd.Series, tz: str,
                    revenue: str) -> dict[str, tuple[int, str, str | None, str]]:  # fmt: skip
    """Order name -> ``(row, column, value, reason)`` of its first order-level problem:
    cancelled, a creation time that is not one (or not in ``tz``), an amount that is not >= 0,
    a line quantity that is not a whole number >= 0, a currency other than the file's."""
    problems: dict[str, tuple[int, str, str | None, str]] = {}
    cancelled = heads.get("cancelled at", pd.Series(pd.NA, index=heads.index)).str.strip()
    for n in heads.index[cancelled.fillna("").ne("")]:
        problems[n] = (heads.at[n, "row"], "Cancelled at", cancelled[n],
                       "cancelled order: not counted in orders or revenue")  # fmt: skip
    for n in heads.index[created.isna()]:
        v = heads.at[n, "created at"]
        problems.setdefault(n, (heads.at[n, "row"], "Created at", v,
                            f"{v!r} is not a time (2026-11-23 18:04:12 +0100), or does not "
                            f"exist / is ambiguous in {tz} (daylight-saving change)"))  # fmt: skip
    for n in heads.index[amount.isna() | (amount < 0)]:
        v = heads.at[n, revenue]
        problems.setdefault(n, (heads.at[n, "row"], revenue.capitalize(), v,
                            f"{v!r} is not an amount >= 0"))  # fmt: skip
    wrong_qty = qty.isna() | (qty < 0) | (qty != qty.round())
    for r, n, v in zip(rows.loc[wrong_qty, "row"], rows.loc[wrong_qty, "name"],
                       rows.loc[wrong_qty, "lineitem quantity"], strict=True):  # fmt: skip
        problems.setdefault(n, (r, "Lineitem quantity", v, f"{v!r} is not a quantity "
                                "(a whole number >= 0); the order is not counted"))  # fmt: skip
    main = currency.mode().iloc[0] if currency.notna().any() else None
    for n in heads.index[currency.ne(main).fillna(True)]:
        problems.setdefault(n, (heads.at[n, "row"], "Currency", currency[n],
                            f"currency {currency[n]!r} differs from the file's {main!r}: "
                            "revenue cannot be summed across currencies"))  # fmt: skip
    return problems


def amounts(s: pd.Series) -> pd.Series:
    """Plain Shopify amounts (``49.90``), tolerating a currency sign, spaces and, when it is the
    only separator, a decimal comma (``49,90`` from a spreadsheet re-save)."""
    t = s.astype("string").str.strip().str.replace(r"[^\d,.\-]", "", regex=True)
    comma_only = t.str.contains(",", na=False) & ~t.str.contains(r"\.", na=False)
    t = t.mask(comma_only, t.str.replace(",", ".", regex=False))
    t = t.str.replace(",", "", regex=False)
    return pd.to_numeric(t.replace("", pd.NA), errors="coerce")


def created_hour(text: pd.Series, tz: str) -> pd.Series:
    """``Created at`` -> start of its shop-local hour (tz-aware); NaT when unusable."""
    t = text.str.strip()
    aware = t.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", na=False)
    out = pd.Series(pd.NaT, index=t.index, dtype=pd.DatetimeTZDtype("ns", tz))
    if aware.any():
        parsed = pd.to_datetime(t[aware], utc=True, errors="coerce", format="mixed")
        out[aware] = parsed.dt.tz_convert(tz)
    if (~aware).any():
        parsed = pd.to_datetime(t[~aware], errors="coerce", format="mixed")
        out[~aware] = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    # start of the local hour: subtract local minutes and seconds (stays right across DST)
    return out - pd.to_timedelta(out.dt.minute * 60 + out.dt.second, unit="s") - pd.to_timedelta(
        out.dt.microsecond, unit="us")  # fmt: skip
