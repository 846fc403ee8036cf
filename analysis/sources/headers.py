"""Header aliases as data: one JSON file per UI locale in ``analysis/sources/locales/``.

A locale file (``en.json``, ``pt_BR.json``, ``id.json``, ``vi.json``, ``fr.json``) maps, for each
export family, an internal field name to the exact header labels of that UI language, and gives
the locale's number conventions (``decimal``, ``date_order``) and its market currency (used only
when an amount carries no currency mark and its header names none). **Adding a locale = adding a
file**; nothing in the code names a language.

Matching is exact after :func:`normalise` (Unicode NFKC, case-folded, whitespace collapsed, a
trailing currency in parentheses removed: ``"Revenue (Rp)"`` -> ``"revenue"``). Prefixes never
match: ``"LIVE GMV"``, ``"LIVE-attributed GMV"`` and ``"LIVE indirect GMV"`` are three fields. The
aliases of all locales are merged per family (a file may mix languages); an alias naming two
different fields is an error raised when the tables load (:func:`aliases`).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from analysis.sources.numbers import CURRENCY_MARKS, fold
from analysis.vocabulary import check_argument

__all__ = [
    "FAMILIES",
    "LOCALES_DIR",
    "HeaderMatch",
    "Locale",
    "aliases",
    "header_currency",
    "locales",
    "match_header",
    "normalise",
    "totals_markers",
]

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
#: export families whose headers are matched from the locale files
FAMILIES = ("live_list", "live_center_product", "live_center_trend", "product_list",
            "shop_overview")  # fmt: skip

_CURRENCY_SUFFIX = re.compile(r"\s*[(\[]\s*([^()\[\]]{1,4})\s*[)\]]\s*$")


@dataclass(frozen=True)
class Locale:
    """One locale file: conventions and alias tables."""

    name: str
    decimal: str | None
    date_order: str | None
    currency: str | None
    totals: tuple[str, ...]
    families: dict = field(repr=False)


@functools.cache
def locales() -> dict[str, Locale]:
    """Every locale file of :data:`LOCALES_DIR`, by name (``"en"``, ``"fr"``, ...)."""
    out = {}
    for path in sorted(LOCALES_DIR.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        unknown = set(raw.get("families", {})) - set(FAMILIES)
        if unknown:
            raise ValueError(f"{path.name}: unknown export families {sorted(unknown)}")
        out[raw["locale"]] = Locale(
            name=raw["locale"],
            decimal=raw.get("decimal"),
            date_order=raw.get("date_order"),
            currency=raw.get("currency"),
            totals=tuple(raw.get("totals", ())),
            families=raw.get("families", {}),
        )
    return out


def normalise(header) -> str:
    """The comparison form of a header: NFKC, case-folded, single spaces, no trailing
    ``(currency)``; ``None`` -> ``""``."""
    if header is None:
        return ""
    text = fold(str(header))
    m = _CURRENCY_SUFFIX.search(text)
    if m and _currency_of(m[1]) is not None:
        text = text[: m.start()].strip()
    return text


def header_currency(header) -> str | None:
    """ISO code named by a header's trailing parenthesis: ``"Revenue (Rp)"`` -> ``"IDR"``."""
    if header is None:
        return None
    m = _CURRENCY_SUFFIX.search(str(header).strip())
    return _currency_of(m[1]) if m else None


def _currency_of(mark: str) -> str | None:
    mark = mark.strip()
    for m, code in CURRENCY_MARKS.items():
        if m.casefold() == mark.casefold():
            return code
    return None


def _table(family: str, key: str | None = None) -> dict[str, tuple[str, str]]:
    """normalised alias -> (field, locale) over all locales, for a family (or a sub-table)."""
    out: dict[str, tuple[str, str]] = {}
    for loc in locales().values():
        table = loc.families.get(family, {})
        if key is not None:
            table = table.get(key, {})
        elif family == "product_list":
            table = table.get("columns", {})
        for name, labels in table.items():
            for label in labels:
                norm = normalise(label)
                seen = out.get(norm)
                if seen is not None and seen[0] != name:
                    raise ValueError(
                        f"header alias {label!r} ({family}) names two fields: {seen[0]!r} "
                        f"({seen[1]}.json) and {name!r} ({loc.name}.json)"
                    )
                out.setdefault(norm, (name, loc.name))
    return out


@functools.cache
def aliases(family: str, key: str | None = None) -> dict[str, tuple[str, str]]:
    """Normalised alias -> ``(field, locale)`` for one family, all locales merged.

    For ``product_list``, ``key`` selects ``"sections"`` (section label -> channel),
    ``"channel_columns"`` (header -> ``"CHANNEL.field"``) or, by default, ``"columns"``.

    Raises
    ------
    ValueError
        When one alias names two different fields (in one locale or across locales).
    """
    check_argument("family", FAMILIES, family)
    return _table(family, key)


@functools.cache
def totals_markers() -> frozenset[str]:
    """Normalised first-cell labels of a totals row, all locales."""
    return frozenset(normalise(t) for loc in locales().values() for t in loc.totals)


@dataclass
class HeaderMatch:
    """A header row matched against a family's aliases.

    ``columns`` maps field -> 0-based column index; ``labels`` field -> the header as written;
    ``locale`` is the locale with the most matched headers (its conventions break ties);
    ``duplicates`` lists fields named by several columns; ``ignored`` the headers not recognised.
    """

    columns: dict[str, int]
    labels: dict[str, str]
    locale: str
    duplicates: dict[str, list[str]]
    ignored: list[str]

    @property
    def conventions(self) -> Locale:
        """The :class:`Locale` of the matched headers (number and date conventions)."""
        return locales()[self.locale]


def match_header(row: list, family: str, *, sections: list | None = None) -> HeaderMatch:
    """Match one header row of ``family`` (and, for the product list, its section row above).

    Columns whose header (or section + header) is not in the alias tables are listed in
    ``ignored``: users choose their columns, and rate columns are never read (rates are rebuilt
    from counts).
    """
    table = aliases(family)
    sect = aliases(family, "sections") if family == "product_list" else {}
    chan = aliases(family, "channel_columns") if family == "product_list" else {}
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    duplicates: dict[str, list[str]] = {}
    votes: dict[str, int] = {}
    ignored: list[str] = []
    section = None
    for i, cell in enumerate(row):
        norm = normalise(cell)
        if sections is not None and i < len(sections) and normalise(sections[i]):
            section = sect.get(normalise(sections[i]), ("?" + str(sections[i]), None))[0]
        if not norm:
            continue
        hit = None
        if norm in chan:
            hit = chan[norm]
        elif norm in table:
            name, loc = table[norm]
            if section is not None and name not in ("product_id", "product_name", "gmv_range"):
                name = f"{section}.{name}"
            hit = (name, loc)
        if hit is None:
            ignored.append(str(cell))
            continue
        name, loc = hit
        votes[loc] = votes.get(loc, 0) + 1
        if name in columns:
            duplicates.setdefault(name, [labels[name]]).append(str(cell))
            continue
        columns[name] = i
        labels[name] = str(cell).strip()
    locale = max(sorted(votes), key=lambda k: votes[k]) if votes else "en"
    return HeaderMatch(columns, labels, locale, duplicates, ignored)
