"""Seller Center product list, 2026 layout -> one cell per product x channel x unit.

The layout and its headers are :mod:`analysis.sources.seller_center_layout`
(``docs/data-formats.md``, "2026 layout"); :func:`analysis.sources.seller_center.read` sends a file here when
a channel section other than ``All`` carries an add-to-cart count.

Channels (:data:`CHANNEL_PARTS`): ``All`` -> ``ALL``; ``Seller LIVE`` + the Affiliate ``LIVE``
sub-block -> ``LIVE``; ``Seller video`` + the Affiliate ``video`` sub-block -> ``VIDEO``;
``Seller product card`` -> ``PRODUCT_CARD``; ``OTHER`` (derived) = ``ALL - (LIVE + VIDEO +
PRODUCT_CARD)`` for the additive counts of :data:`ADDITIVE` only. The Affiliate section's own
block (all affiliate content) is not a channel: its part outside the two sub-blocks falls in
``OTHER``. A channel count is the sum of its parts when every part has the column (else NA).

Two kinds of cell, never mixed (:data:`UNIT_FIELDS`):

- ``unit="event"``: ``clicks`` = product clicks, ``atc`` = add-to-cart **count**, plus
  ``impressions``, ``orders``, ``items``, ``revenue``: ``atc / clicks`` is TikTok's "ATC rate"
  (metric ``click_to_cart``);
- ``unit="visitor"``: ``viewers`` = unique clicks, ``atc`` = add-to-cart **users**,
  ``impressions`` = unique product impressions: ``atc / viewers`` is TikTok's "unique ATC rate"
  (metric ``atc_rate``). Users overlap across channels (and between Seller LIVE and Affiliate
  LIVE, which are summed), so no ``OTHER`` visitor cell is made.

TikTok's own rates are checked against their counts (:data:`RATES`): a rate that differs from
numerator / denominator by more than half a unit of its last written digit rejects the row.
Period: the title's range; ``start`` = its first day, ``grain`` ``range`` (``day`` for a one-day
range); the last day is in ``files["period"]`` (``"YYYY-MM-DD ~ YYYY-MM-DD"``) of the file, read
back by :func:`analysis.weeks.periods_from_files`.
"""

from __future__ import annotations

from pathlib import Path

from analysis.errors import UnreadableError
from analysis.sources.base import Loaded
from analysis.sources.headers import HeaderMatch, aliases, locales
from analysis.sources.numbers import (
    Money,
    clean,
    is_missing,
    parse_count,
    parse_money,
    parse_percent,
)
from analysis.sources.rows import FAILED, Rows, parse_or_reject, product_rows
from analysis.sources.seller_center_layout import FAMILY, Layout, match_layout, title_period
from analysis.sources.sheets import Sheet
from analysis.sources.tables import require_tz

__all__ = ["ADDITIVE", "CHANNEL_PARTS", "NAME", "RATES", "UNIT_FIELDS", "read"]

NAME = "seller_center"
#: (section, Affiliate sub-block) groups summed into each channel's cells
CHANNEL_PARTS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "ALL": (("ALL", None),),
    "LIVE": (("LIVE", None), ("AFFILIATE", "LIVE")),
    "VIDEO": (("VIDEO", None), ("AFFILIATE", "VIDEO")),
    "PRODUCT_CARD": (("PRODUCT_CARD", None),),
}
#: unit -> canonical count -> the fields that give it (the first one the section has)
UNIT_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "event": {"impressions": ("impressions",), "clicks": ("clicks",), "atc": ("atc_count",),
              "orders": ("orders", "attributed_orders"), "items": ("items", "attributed_items")},
    "visitor": {"impressions": ("unique_impressions",), "viewers": ("viewers",), "atc": ("atc",)},
}  # fmt: skip
#: money fields of the event cell (All: GMV; channel sections: attributed GMV)
MONEY = ("revenue", "attributed_revenue")
#: event counts whose All total minus the channel sections is the OTHER cell
ADDITIVE = ("impressions", "clicks", "atc")
#: TikTok's rates checked on every row: rate field -> (numerator field, denominator field)
RATES = {"atc_rate": ("atc_count", "clicks"), "unique_atc_rate": ("atc", "viewers")}
_COUNTS = frozenset(f for unit in UNIT_FIELDS.values() for alts in unit.values() for f in alts)


def read(path: Path, sheet: Sheet, header_index: int, *, tz: str | None) -> Loaded:
    """Read a 2026 product list (header at ``header_index`` of ``sheet``) into cells.

    Raises
    ------
    UnreadableError
        No time zone, no product id column, no readable title range, or a column named twice.
    """
    path = Path(path)
    require_tz(tz, path)
    lay = match_layout(sheet, header_index, path.name)
    if "product_id" not in lay.ids:
        raise UnreadableError(f"{path.name}: the product list has no product id column "
                              "('商品 ID', 'ID del producto', 'Product ID')")  # fmt: skip
    first, last = title_period(sheet, header_index, lay.locale, path.name)
    grain = "day" if first == last else "range"
    match = _as_match(lay, sheet.rows[header_index])
    rows = Rows(NAME, path.name, labels={"product_id": match.labels["product_id"]})
    numeric = tuple(k for k in match.columns if k not in ("product_id", "product_name"))
    for row, pid in product_rows(rows, sheet, header_index, match, numeric=numeric):
        cells = _row_cells(rows, row.number, row.cells, lay)
        for channel, unit, counts, derived in cells or ():
            rows.add(row.number, start=f"{first:%Y-%m-%d} 00:00:00", grain=grain,
                     channel=channel, product_id=pid, unit=unit, derived=derived, **counts)  # fmt: skip
    extra = {"schema": "product_list_2026", "locale": lay.locale,
             "period": f"{first:%Y-%m-%d} ~ {last:%Y-%m-%d}"}  # fmt: skip
    return rows.finish(tz=tz, extra=extra)


def _as_match(lay: Layout, header) -> HeaderMatch:
    """A :class:`HeaderMatch` view of the layout (for the row classification of
    :func:`analysis.sources.tables.data_rows` and the id check)."""
    cols = {f"{s}.{b or ''}.{f}": i for (s, b, f), i in lay.columns.items()}
    labels = {f"{s}.{b or ''}.{f}": lay.labels[(s, b, f)] for (s, b, f) in lay.columns}
    for name, i in lay.ids.items():
        cols[name], labels[name] = i, str(header[i]).strip()
    return HeaderMatch(cols, labels, lay.locale, {}, list(lay.ignored))


def _row_cells(rows: Rows, number: int, cells, lay: Layout):
    """``[(channel, unit, counts, derived), ...]`` of one product row, or ``None`` when the row
    is rejected (a value is not a number, a rate disagrees with its counts, the sections exceed
    All, or a channel's amounts are in two currencies)."""
    vals = _values(rows, number, cells, lay)
    if vals is None or not all(_check_rates(rows, number, lay, g, v) for g, v in vals.items()):
        return None
    out, events = [], {}
    for channel, parts in CHANNEL_PARTS.items():
        present = [vals[g] for g in parts if g in vals]
        if not present:
            continue
        for unit, fields in UNIT_FIELDS.items():
            counts = {c: _combine(present, alts) for c, alts in fields.items()}
            counts = {c: v for c, v in counts.items() if v is not _ABSENT}
            if unit == "event":
                money = _combine_money(rows, number, lay, channel, present)
                if money is FAILED:
                    return None
                counts.update(money)
                events[channel] = counts
            if any(v is not None for v in counts.values()):
                out.append((channel, unit, counts, False))
    other = _other(rows, number, events)
    if other is FAILED:
        return None
    if other:
        out.append(("OTHER", "event", other, True))
    return out


def _values(rows: Rows, number: int, cells, lay: Layout):
    """``{(section, block): {field: value}}`` of the read fields (counts, money, rates as
    ``(value, text)``); ``None`` when a value is rejected."""
    marks = aliases(FAMILY, "currency_marks")
    decimal = locales()[lay.locale].decimal
    out: dict = {}
    ok = True
    for (s, b, f), i in lay.columns.items():
        text = cells[i] if i < len(cells) else None
        label = lay.labels[(s, b, f)]
        if f in _COUNTS:
            value = parse_or_reject(rows, number, label, text, parse_count)
        elif f in MONEY:
            value = parse_or_reject(
                rows, number, label, text, _money, marks=marks, decimal=decimal
            )
        elif f in RATES:
            value = parse_or_reject(rows, number, label, text, parse_percent, decimal=decimal)
            value = value if value is FAILED or value is None else (value, clean(text))
        else:
            continue
        if value is FAILED:
            ok = False
        elif isinstance(value, Money) and value.amount < 0:
            rows.reject(number, label, text, "is negative; amounts are >= 0")
            ok = False
        out.setdefault((s, b), {})[f] = value
    return out if ok else None


def _money(text, *, marks: dict, decimal: str | None) -> Money | None:
    """:func:`~analysis.sources.numbers.parse_money`, with the currency marks of the locale
    files (``MX$`` -> MXN) that the generic parser does not know."""
    if is_missing(text):
        return None
    s = clean(text)
    for mark, (code, _) in marks.items():
        if s.casefold().startswith(mark):
            m = parse_money(s[len(mark) :].strip(), decimal=decimal)
            return None if m is None else Money(m.amount, code)
    return parse_money(s, decimal=decimal)


def _check_rates(rows: Rows, number: int, lay: Layout, group, vals: dict) -> bool:
    """TikTok's rates of one section against their counts (half a unit of the last written
    digit of tolerance); a disagreement is recorded and rejects the row."""
    ok = True
    for rate, (num, den) in RATES.items():
        r, n, d = vals.get(rate), vals.get(num), vals.get(den)
        if r is None or n is None or d is None:
            continue
        value, text = r
        expected = n / d if d else 0.0
        if abs(value - expected) <= _half_unit(text) + 1e-12:
            continue
        s, b = group
        rows.reject(number, lay.labels[(s, b, rate)], text,
                    f"TikTok's rate disagrees with its own counts beyond rounding: "
                    f"{lay.labels[(s, b, num)]} / {lay.labels[(s, b, den)]} = {n}/{d} = "
                    f"{expected:.4%}; columns shifted or the file edited? Export it again")  # fmt: skip
        ok = False
    return ok


def _half_unit(text: str) -> float:
    """Half a unit of the last digit written in a rate (``"8.01%"`` -> 0.00005)."""
    body = text.rstrip("%").strip()
    decimals = len(body.split(".")[-1]) if "." in body else 0
    return 0.5 * 10.0**-decimals / (100 if text.endswith("%") else 1)


_ABSENT = object()


def _combine(parts: list[dict], alternatives: tuple[str, ...]):
    """The sum over ``parts`` of the first alternative field each part has: :data:`_ABSENT` when
    a part has none of them, ``None`` (missing) when a part's value is missing."""
    total = 0
    for part in parts:
        name = next((a for a in alternatives if a in part), None)
        if name is None:
            return _ABSENT
        if part[name] is None:
            return None
        total += part[name]
    return total


def _combine_money(rows: Rows, number: int, lay: Layout, channel: str, parts: list[dict]):
    """``{"revenue": ..., "currency": ...}`` of a channel (empty when a part has no amount)."""
    found = [next((p[m] for m in MONEY if m in p), None) for p in parts]
    if not all(isinstance(m, Money) for m in found):
        return {}
    currencies = {m.currency for m in found if m.currency}
    if len(currencies) > 1:
        rows.reject(number, channel, None, f"the {channel} amounts are in several currencies "
                    f"({', '.join(sorted(currencies))}); amounts are never summed across them")  # fmt: skip
        return FAILED
    code = currencies.pop() if currencies else locales()[lay.locale].currency or "XXX"
    return {"revenue": round(sum(m.amount for m in found), 6), "currency": code}


def _other(rows: Rows, number: int, events: dict):
    """The ``OTHER`` event counts: All minus LIVE + VIDEO + PRODUCT_CARD for each additive count
    that all four have; a negative remainder rejects the row."""
    chans = ("ALL", "LIVE", "VIDEO", "PRODUCT_CARD")
    if not all(c in events for c in chans):
        return {}
    out = {}
    for name in ADDITIVE:
        vals = [events[c].get(name) for c in chans]
        if any(v is None for v in vals):
            continue
        rest = vals[0] - sum(vals[1:])
        if rest < 0:
            rows.reject(number, name, vals[0],
                        f"the channel sections add up to more than All for {name} "
                        f"(LIVE {vals[1]} + VIDEO {vals[2]} + PRODUCT_CARD {vals[3]} > "
                        f"{vals[0]}); they should be parts of All: check the file")  # fmt: skip
            return FAILED
        out[name] = rest
    return out
