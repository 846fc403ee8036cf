"""Shopify exports: the sessions report CSV (funnel) and the orders CSV (average basket).

**Sessions report** (Analytics -> Reports -> Sessions / conversion, Export; or a ShopifyQL
``FROM sessions SHOW sessions, sessions_with_cart_additions, ... TIMESERIES hour`` result):
one row per day (``Day``) or hour (``Hour``, or ``Day`` + ``Hour of day``), optionally broken
down by other session dimensions. One cell per time slot (and ``Session region`` when present),
channel ``WEB``, unit ``session``, ``product_id`` empty (the report is shop-wide):

- ``viewers`` = ``Sessions`` (all online-store sessions: the denominator of Shopify's
  added-to-cart rate),
- ``atc`` = ``Sessions with cart additions``,
- ``checkouts`` = ``Sessions that reached checkout``,
- ``orders`` = ``Sessions that completed checkout`` (Shopify's conversion numerator).

Rows broken down by other dimensions (``UTM campaign``, ``Landing page path``, ``Session device
type``, ``Session country``, ...) are summed into the cell: a session has one value of each, so
session counts add up. ``Conversion rate`` and other rates are ignored (recomputed from counts).

**Orders CSV** (Admin -> Orders -> Export): one row per line item, order-level fields
(``Subtotal``, ``Total``, ``Cancelled at`` ...) only on each order's first row, UTF-8 with BOM.
One cell per shop-local hour of ``Created at``: ``orders`` = orders, ``items`` = sum of
``Lineitem quantity``, ``revenue`` = sum of ``Subtotal`` (default; Shopify's own average order
value is gross sales minus discounts, i.e. the subtotal) or ``Total``, ``currency`` =
``Currency``. Cancelled orders are set aside (rejected, with that reason).

Both: header searched in the first rows, delimiter sniffed (``,``, ``;``, tab), rows of the
wrong width (truncated last line), repeated headers and ``Total`` rows rejected with a reason.
See ``docs/notes/issue-3-shopify-ga4.md``.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.cells import split_cells
from analysis.sources.base import Loaded, file_result
from analysis.vocabulary import SHOPIFY_REPORTS, SHOPIFY_REVENUES, check_argument

NAME = "shopify"
#: sessions-report header (normalised: lower case, ``_`` as space) -> canonical count
SESSION_COUNTS = {
    "sessions": "viewers",
    "sessions with cart additions": "atc",
    "sessions that reached checkout": "checkouts",
    "sessions that completed checkout": "orders",
}
#: headers naming the time slot of a sessions-report row
TIME_HEADERS = ("day", "hour", "hour of day")
REGION_HEADER = "session region"
#: orders-CSV headers the loader needs
ORDER_HEADERS = ("name", "created at", "lineitem quantity", "currency", "subtotal", "total")
HEADER_SEARCH_ROWS = 10
_SUMMARY = re.compile(r"^\s*(total|totals|summary|grand total)\s*$", re.I)


def _norm(header: str) -> str:
    return re.sub(r"\s+", " ", str(header).replace("\ufeff", "").replace("_", " ")).strip().lower()


def _sniff(path: Path) -> tuple[str, list[list[str]]]:
    """The file's text decoded (UTF-8, BOM dropped) and split into records with the delimiter
    (``,``, ``;`` or tab) that gives the header row the most fields."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            f"{path.name}: not UTF-8 text; Shopify exports UTF-8 (re-export it, or save it as "
            "'CSV UTF-8' in Excel)"
        ) from None
    if not text.strip():
        raise ValueError(f"{path.name}: the file is empty; export it again")
    head = text[:20_000].splitlines()[:HEADER_SEARCH_ROWS]
    best = max((",", ";", "\t"), key=lambda d: max(len(line.split(d)) for line in head))
    return best, list(csv.reader(io.StringIO(text, newline=""), delimiter=best))


def _find_header(records: list[list[str]], anchors: set[str]) -> int | None:
    for i, rec in enumerate(records[:HEADER_SEARCH_ROWS]):
        if anchors <= {_norm(c) for c in rec}:
            return i
    return None


def _kind(path: Path) -> str | None:
    if path.suffix.lower() != ".csv":
        return None
    try:
        _, records = _sniff(path)
    except (ValueError, OSError, csv.Error):
        return None
    if _find_header(records, {"sessions"}) is not None and any(
        _find_header(records, {t}) is not None for t in ("day", "hour")
    ):
        return "sessions"
    if _find_header(records, {"name", "created at", "lineitem quantity"}) is not None:
        return "orders"
    return None


def detect(path: Path) -> bool:
    """A ``.csv`` whose header (in the first rows) is a Shopify sessions report (``Sessions`` and
    ``Day`` or ``Hour``) or orders export (``Name``, ``Created at``, ``Lineitem quantity``)."""
    return _kind(Path(path)) is not None


def read(path: Path, *, tz: str | None, revenue: str = "subtotal") -> Loaded:
    """Read a Shopify sessions report or orders CSV into ``WEB`` cells.

    Parameters
    ----------
    path : Path
        The CSV file (the kind is detected from its header).
    tz : str
        The shop's IANA time zone: ``Day``/``Hour`` are shop-local, ``Created at`` is converted
        to it. Required.
    revenue : {"subtotal", "total"}, default "subtotal"
        Orders CSV only: ``Subtotal`` (line items after discounts, before shipping and taxes:
        Shopify's average order value) or ``Total`` (what the customer paid).

    Returns
    -------
    analysis.sources.base.Loaded
        Sessions report: cells with grain ``day`` or ``hour``, unit ``session``, ``viewers``,
        ``atc``, ``checkouts``, ``orders`` (and ``region``). Orders CSV: cells with grain
        ``hour``, ``orders``, ``items``, ``revenue``, ``currency``. ``row`` of a cell is its first
        input row; ``rows_used`` counts every input row summed into a cell.

    Raises
    ------
    ValueError
        No ``tz``; empty or non-UTF-8 file; header not found in the first 10 rows; duplicate
        header; a required column missing.
    """
    path = Path(path)
    check_argument("revenue", SHOPIFY_REVENUES, revenue)
    kind = _kind(path)
    if kind is None:
        _sniff(path)  # raises for empty / non-UTF-8 files
        raise ValueError(
            f"{path.name}: no Shopify header in the first {HEADER_SEARCH_ROWS} rows (a sessions "
            "report needs 'Sessions' and 'Day' or 'Hour'; an orders export 'Name', 'Created at', "
            "'Lineitem quantity')"
        )
    if tz is None:
        raise ValueError(
            f"{path.name}: Shopify times are shop-local; pass the shop's time zone, e.g. "
            "analysis.load(path, tz='Europe/Paris')"
        )
    _, records = _sniff(path)
    anchors = {"sessions"} if kind == "sessions" else {"name", "created at", "lineitem quantity"}
    h = _find_header(records, anchors)
    header = [_norm(c) for c in records[h]]
    dup = sorted({c for c in header if c and header.count(c) > 1})
    if dup:
        raise ValueError(f"{path.name}: duplicate column(s) {', '.join(map(repr, dup))} in the "
                         f"header (row {h + 1}); keep one of each")  # fmt: skip
    rows, bad = _records(records, h, header)
    if kind == "sessions":
        raw, members, more = _sessions(path, rows, header, tz)
    else:
        raw, members, more = _orders(path, rows, header, tz, revenue)
    return _finish(path, raw, members, bad + more, rows_read=len(records) - h - 1, tz=tz)


def _records(records, h: int, header: list[str]):
    """Data records as a DataFrame of text (``row`` = spreadsheet row), and the rejected ones."""
    width = len(header)
    keep, bad = [], []
    last = len(records) - 1
    for i in range(h + 1, len(records)):
        rec, row = records[i], i + 1
        if [_norm(c) for c in rec] == header:
            bad.append(_bad(row, None, None, "repeated header row"))
        elif len(rec) != width:
            what = "truncated last line (the export was cut)" if i == last else "shifted line"
            bad.append(_bad(row, None, str(len(rec)), f"has {len(rec)} fields but the header "
                            f"has {width}: {what}; export the file again"))  # fmt: skip
        elif not any(c.strip() for c in rec):
            bad.append(_bad(row, None, None, "empty row"))
        else:
            keep.append([row, *rec])
    df = pd.DataFrame(keep, columns=["row", *header]) if keep else pd.DataFrame(
        columns=["row", *header])  # fmt: skip
    return df.astype({c: "string" for c in header}).astype({"row": "int64"}), bad


def _bad(row, column, value, reason) -> dict:
    return {"row": row, "column": column, "value": value, "reason": reason}


def _need(path: Path, header, names) -> None:
    missing = [n for n in names if n not in header]
    if missing:
        raise ValueError(f"{path.name}: required column(s) {', '.join(map(repr, missing))} "
                         "missing; export the report with them")  # fmt: skip


def _sessions(path: Path, rows: pd.DataFrame, header, tz):
    _need(path, header, ["sessions"])
    bad = []
    if "hour" in header:
        grain, when = "hour", rows["hour"].str.strip()
    elif "day" in header and "hour of day" in header:
        grain = "hour"
        hod = pd.to_numeric(rows["hour of day"].str.strip(), errors="coerce")
        ok = hod.between(0, 23) & (hod == hod.round())
        for r, v in zip(rows.loc[~ok, "row"], rows.loc[~ok, "hour of day"], strict=True):
            bad.append(_bad(r, "Hour of day", v, f"{v!r} is not an hour 0-23"))
        rows = rows[ok]
        when = rows["day"].str.strip() + " " + hod[ok].astype(int).astype(str).str.zfill(2) + ":00"
    elif "day" in header:
        grain, when = "day", rows["day"].str.strip()
    else:
        raise ValueError(f"{path.name}: no time column; export the report by Day or Hour")
    column = "Hour" if grain == "hour" and "hour" in header else "Day"
    summary = when.fillna("").str.match(_SUMMARY) | when.fillna("").eq("")
    for r, v in zip(rows.loc[summary, "row"], when[summary], strict=True):
        reason = "summary row (Total): not a time slot" if v else "no date: not a time slot"
        bad.append(_bad(r, column, v or None, reason))
    rows, when = rows[~summary], when[~summary]
    counts = {c: n for c, n in SESSION_COUNTS.items() if c in header}
    values = pd.DataFrame({"row": rows["row"], "start": when})
    if REGION_HEADER in header:
        values["region"] = rows[REGION_HEADER].str.strip().replace("", pd.NA)
    numbers = pd.DataFrame(index=rows.index)
    for c, n in counts.items():
        text = rows[c].str.strip().str.replace(r"[\s,\u00a0\u202f]", "", regex=True)
        num = pd.to_numeric(text.replace("", pd.NA), errors="coerce")
        wrong = text.notna() & (text != "") & (num.isna() | (num < 0) | (num != num.round()))
        for r, v in zip(rows.loc[wrong, "row"], rows.loc[wrong, c], strict=True):
            bad.append(_bad(r, c, v, f"{v!r} is not a count (a whole number >= 0)"))
        numbers[n] = num
    wrong_rows = rows["row"].isin([b["row"] for b in bad])
    values = pd.concat([values, numbers], axis=1)[~wrong_rows.to_numpy()]
    keys = ["start", *(["region"] if "region" in values else [])]
    grouped = values.groupby(keys, dropna=False, sort=False)
    raw = grouped[list(counts.values())].sum(min_count=1).reset_index()
    members = grouped["row"].agg(list).reset_index(drop=True).tolist()
    raw = raw.assign(grain=grain, channel="WEB", unit="session")
    return raw, members, bad


def _money(s: pd.Series) -> pd.Series:
    """Plain Shopify amounts (``49.90``), tolerating a currency sign, spaces and, when it is the
    only separator, a decimal comma (``49,90`` from a spreadsheet re-save)."""
    t = s.astype("string").str.strip().str.replace(r"[^\d,.\-]", "", regex=True)
    comma_only = t.str.contains(",", na=False) & ~t.str.contains(r"\.", na=False)
    t = t.mask(comma_only, t.str.replace(",", ".", regex=False))
    t = t.str.replace(",", "", regex=False)
    return pd.to_numeric(t.replace("", pd.NA), errors="coerce")


def _orders(path: Path, rows: pd.DataFrame, header, tz, revenue: str):
    _need(path, header, list(ORDER_HEADERS))
    bad = []
    name = rows["name"].str.strip()
    for r in rows.loc[name.isna() | (name == ""), "row"]:
        bad.append(_bad(r, "Name", None, "no order Name: the line cannot be tied to an order"))
    rows = rows[name.notna() & (name != "")].assign(name=name)
    first = rows["subtotal"].str.strip().fillna("").ne("") | rows["total"].str.strip().fillna(
        "").ne("")  # fmt: skip
    has_first = first.groupby(rows["name"]).transform("any")
    orphan = rows[~has_first]
    for r, n in zip(orphan["row"], orphan["name"], strict=True):
        bad.append(_bad(r, "Subtotal", None, f"order {n} has no row with its order fields "
                        "(Subtotal and Total empty on every line): cut between two exports?"))  # fmt: skip
    rows, first = rows[has_first], first[has_first]
    heads = rows[first].drop_duplicates("name", keep="first").set_index("name")
    extra = rows[first & rows.duplicated("name", keep="first")]
    for r, n in zip(extra["row"], extra["name"], strict=True):
        bad.append(_bad(r, "Name", n, f"order {n} appears twice with order fields; the first "
                        "is kept"))  # fmt: skip
    rows = rows.drop(index=extra.index)

    # order-level problems reject every line of the order
    problems: dict[str, tuple[int, str, str | None, str]] = {}
    cancelled = heads.get("cancelled at", pd.Series(pd.NA, index=heads.index)).str.strip()
    for n in heads.index[cancelled.fillna("").ne("")]:
        problems[n] = (heads.at[n, "row"], "Cancelled at", cancelled[n],
                       "cancelled order: not counted in orders or revenue")  # fmt: skip
    created = _created(heads["created at"], tz)
    for n in heads.index[created.isna()]:
        v = heads.at[n, "created at"]
        problems.setdefault(n, (heads.at[n, "row"], "Created at", v,
                            f"{v!r} is not a time (2026-11-23 18:04:12 +0100), or does not "
                            f"exist / is ambiguous in {tz} (daylight-saving change)"))  # fmt: skip
    amount = _money(heads[revenue])
    for n in heads.index[amount.isna() | (amount < 0)]:
        v = heads.at[n, revenue]
        problems.setdefault(n, (heads.at[n, "row"], revenue.capitalize(), v,
                            f"{v!r} is not an amount >= 0"))  # fmt: skip
    qty = pd.to_numeric(rows["lineitem quantity"].str.strip(), errors="coerce")
    wrong_qty = qty.isna() | (qty < 0) | (qty != qty.round())
    for r, n, v in zip(rows.loc[wrong_qty, "row"], rows.loc[wrong_qty, "name"],
                       rows.loc[wrong_qty, "lineitem quantity"], strict=True):  # fmt: skip
        problems.setdefault(n, (r, "Lineitem quantity", v, f"{v!r} is not a quantity "
                                "(a whole number >= 0); the order is not counted"))  # fmt: skip
    currency = heads["currency"].str.strip().str.upper()
    main = currency.mode().iloc[0] if currency.notna().any() else None
    for n in heads.index[currency.ne(main).fillna(True)]:
        problems.setdefault(n, (heads.at[n, "row"], "Currency", currency[n],
                            f"currency {currency[n]!r} differs from the file's {main!r}: "
                            "revenue cannot be summed across currencies"))  # fmt: skip
    for n, (r, col, v, reason) in problems.items():
        for line in rows.loc[rows["name"] == n, "row"]:
            bad.append(_bad(line, col, v if line == r else None,
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


def _created(text: pd.Series, tz: str) -> pd.Series:
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


def _finish(path: Path, raw: pd.DataFrame, members, bad, *, rows_read: int, tz: str) -> Loaded:
    raw = raw.reset_index(drop=True)
    raw["row"] = [m[0] for m in members]
    raw["file"] = path.name
    cells, problems = split_cells(raw, tz=tz, source=NAME)
    by_first = {m[0]: m for m in members}
    expanded = []
    for p in problems.itertuples():  # a rejected cell rejects every row summed into it
        for r in by_first.get(p.row, [p.row]):
            expanded.append(_bad(r, p.column, p.value if r == p.row else None,
                                 p.reason if r == p.row else f"{p.reason} (cell of row {p.row})"))  # fmt: skip
    rejected = pd.DataFrame(bad + expanded, columns=["row", "column", "value", "reason"])
    rejected = rejected.assign(file=path.name).astype(
        {"row": "Int64", "column": "string", "value": "string", "reason": "string",
         "file": "string"})  # fmt: skip
    rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True)
    used = sum(len(by_first[r]) for r in cells["row"].dropna())
    return file_result(source=NAME, file=path.name, rows_read=rows_read, cells=cells,
                       rejected=rejected, rows_used=used)  # fmt: skip


# --------------------------------------------------------------------------------------------
# writers: cells -> real-looking Shopify exports, for round trips

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
    counts = ["viewers", "atc", "checkouts", "orders", "items"]
    for c in counts:
        df[c] = df[c].astype("Int64").fillna(0).astype("int64")
    df["revenue"] = df["revenue"].astype("Float64").fillna(0.0).astype("float64")
    if report == "sessions":
        slot = df["start"] if grain == "hour" else df["start"].dt.tz_localize(None).dt.normalize()
        keys = {"slot": slot, **({"region": df["region"]} if "region" in breakdown else {})}
        g = df.groupby(list(keys.values()), dropna=False, sort=True)[counts[:4]].sum()
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
        out.to_csv(path, index=False, encoding="utf-8")
        return path
    if currency is None:
        found = df["currency"].dropna().unique() if "currency" in df else []
        currency = str(found[0]) if len(found) == 1 else "EUR"
    g = df.groupby("start", sort=True)[["orders", "items", "revenue"]].sum().reset_index()
    g = g[g["orders"] > 0]
    records, number = [], 1001
    for t, n_orders, n_items, rev in g.itertuples(index=False):
        cents = int(round(rev * 100))
        qty = np.full(n_orders, n_items // n_orders) + (np.arange(n_orders) < n_items % n_orders)
        sub = np.full(n_orders, cents // n_orders) + (np.arange(n_orders) < cents % n_orders)
        for k in range(n_orders):
            created = (t + pd.Timedelta(seconds=7 * k + 3)).strftime("%Y-%m-%d %H:%M:%S %z")
            q = int(qty[k])
            lines = [q - 1, 1] if q >= 2 else [q]
            subtotal = sub[k] / 100
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
            number += 1
    out = pd.DataFrame(records, columns=list(ORDER_COLUMNS))
    out.to_csv(path, index=False, encoding="utf-8-sig")
    return path
