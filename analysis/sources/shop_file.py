"""The shop file (``shop.toml``): what a shop knows that its exports do not say.

Real exports carry no product category, no promotion flag and (LIVE list v1) no creator. The shop
file supplies them, plus the shop's time zone, currency and privacy threshold. Its format, every
key, and what overrides what: ``docs/shop-file.md``. This module reads and checks it
(:func:`read_shop`) and finds it among the input files (:func:`split_shop`);
:mod:`analysis.sources.shop_apply` applies it to cells and :mod:`analysis.sources.shop_template`
writes the commented template (``cartlift init``).

Nothing is guessed: a key this module does not know, a bad date, an unknown promotion level, an
alias or title given to two creators, or two promotions of different levels on one product and
day is a :class:`analysis.errors.ShopFileError` naming the file, the line and key, and the fix.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analysis.errors import ShopFileError
from analysis.paths import resolve_data
from analysis.sources.toml_lines import key_lines
from analysis.vocabulary import PROMOS, SHOP_OVERRIDES

__all__ = [
    "SHOP_FILE_NAME",
    "SHOP_KEYS",
    "Creator",
    "Promotion",
    "ShopFile",
    "read_shop",
    "split_shop",
]

#: the name a shop file has in a data folder (found and applied by :func:`analysis.read`)
SHOP_FILE_NAME = "shop.toml"
#: the keys of each part of a shop file (tables; ``promotions`` is an array of tables)
SHOP_KEYS: dict[str, tuple[str, ...]] = {
    "shop": ("timezone", "currency", "privacy_threshold", "override", "promotions_cover"),
    "categories": (),  # product id = "category": any key
    "promotions": ("start", "end", "level", "products", "note"),
    "creators": ("aliases", "titles", "title_patterns"),  # under [creators."<handle>"]
}
#: an ISO 4217 code: three capital letters
CURRENCY = re.compile(r"[A-Z]{3}")
#: a product id a spreadsheet turned into a float (1.76369616873214E+18, 1763696168732145400.0)
FLOAT_ID = re.compile(r"\d+(\.\d*)?[eE][+-]?\d+|\d+\.\d*")


@dataclass(frozen=True)
class Promotion:
    """One ``[[promotions]]`` entry: ``level`` from ``start`` to ``end`` (shop-local dates,
    inclusive) on ``products`` (None = every product and product-less cells)."""

    start: date
    end: date
    level: str
    products: tuple[str, ...] | None
    key: str  # "promotions[1]" (1-based, in file order)
    line: int | None


@dataclass(frozen=True)
class Creator:
    """One ``[creators."<handle>"]`` table: the handle cells get, the other spellings of it in
    exports (``aliases``), and the LIVE titles that are hers (exact ``titles``, glob
    ``title_patterns``)."""

    handle: str
    aliases: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    title_patterns: tuple[str, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class ShopFile:
    """A checked shop file (:func:`read_shop`). Blank strings in the file are None / absent here."""

    path: Path
    timezone: str | None = None
    currency: str | None = None
    privacy_threshold: int | None = None
    override: tuple[str, ...] = ()
    promotions_cover: tuple[date, date] | None = None  # days no promotion covers are "none"
    categories: dict[str, str] = field(default_factory=dict)  # product id -> category
    promotions: tuple[Promotion, ...] = ()
    creators: tuple[Creator, ...] = ()
    lines: dict[str, int] = field(default_factory=dict)  # "categories.123" -> line number

    def where(self, key: str) -> str:
        """``"shop.toml, line 12 (categories.123)"``: where ``key`` is, for messages."""
        line = self.lines.get(key)
        return f"{self.path.name}, line {line} ({key})" if line else f"{self.path.name} ({key})"


def read_shop(path: str | Path) -> ShopFile:
    """Read and check a shop file.

    Parameters
    ----------
    path : str or Path
        The ``.toml`` file (relative paths from the project root, like data paths).

    Returns
    -------
    ShopFile

    Raises
    ------
    FileNotFoundError
        No such file.
    analysis.errors.ShopFileError
        Not valid TOML, or a key or value the format does not allow (the message names the
        file, line and key, and says how to fix it).
    """
    path = resolve_data(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such shop file (write one with `cartlift init`)")
    text = path.read_text(encoding="utf-8-sig")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ShopFileError(
            f"{path.name}: not valid TOML: {err}. Strings need double quotes, dates are written "
            "without quotes (2026-11-11), lists in brackets; see docs/shop-file.md"
        ) from None
    lines = key_lines(text)
    probe = ShopFile(path=path, lines=lines)
    _unknown(probe, "", raw, tuple(SHOP_KEYS))
    shop = _table(probe, "shop", raw.get("shop", {}))
    _unknown(probe, "shop.", shop, SHOP_KEYS["shop"])
    return ShopFile(
        path=path,
        timezone=_timezone(probe, shop.get("timezone", "")),
        currency=_currency(probe, shop.get("currency", "")),
        privacy_threshold=_threshold(probe, shop.get("privacy_threshold")),
        override=_override(probe, shop.get("override", [])),
        promotions_cover=_cover(probe, shop.get("promotions_cover", [])),
        categories=_categories(probe, _table(probe, "categories", raw.get("categories", {}))),
        promotions=_promotions(probe, raw.get("promotions", [])),
        creators=_creators(probe, _table(probe, "creators", raw.get("creators", {}))),
        lines=lines,
    )


def _fail(shop: ShopFile, key: str, problem: str, fix: str) -> ShopFileError:
    return ShopFileError(f"{shop.where(key)}: {problem}; {fix} (docs/shop-file.md)")


def _unknown(shop: ShopFile, prefix: str, table: dict, known: tuple[str, ...]) -> None:
    for key in table:
        if key not in known:
            raise _fail(shop, f"{prefix}{key}", f"unknown key {key!r}",
                        f"the keys allowed here are {list(known)}; check the spelling")  # fmt: skip


def _table(shop: ShopFile, key: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise _fail(shop, key, f"{key!r} must be a table, got {type(value).__name__}",
                    f"write it as a [{key}] section")  # fmt: skip
    return value


def _text(shop: ShopFile, key: str, value: Any) -> str | None:
    """A string value, stripped; None when blank."""
    if not isinstance(value, str):
        raise _fail(shop, key, f"expected a string in double quotes, got {value!r}",
                    'write it as key = "text"')  # fmt: skip
    return value.strip() or None


def _strings(shop: ShopFile, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(shop, key, f"expected a list of strings, got {value!r}",
                    'write it as key = ["a", "b"]')  # fmt: skip
    return tuple(v.strip() for v in value if v.strip())


def _timezone(shop: ShopFile, value: Any) -> str | None:
    tz = _text(shop, "shop.timezone", value)
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise _fail(shop, "shop.timezone", f"{tz!r} is not an IANA time zone",
                        'write a name such as "Europe/Paris" or "America/Sao_Paulo"') from None  # fmt: skip
    return tz


def _currency(shop: ShopFile, value: Any) -> str | None:
    code = _text(shop, "shop.currency", value)
    if code is not None and not CURRENCY.fullmatch(code):
        raise _fail(shop, "shop.currency", f"{code!r} is not an ISO 4217 code",
                    'write three capital letters such as "EUR" or "BRL"')  # fmt: skip
    return code


def _threshold(shop: ShopFile, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(shop, "shop.privacy_threshold", f"{value!r} is not a positive whole number",
                    "write the count below which the report masks numbers, e.g. 10")  # fmt: skip
    return value


def _override(shop: ShopFile, value: Any) -> tuple[str, ...]:
    names = _strings(shop, "shop.override", value)
    for name in names:
        if name not in SHOP_OVERRIDES:
            raise _fail(shop, "shop.override", f"{name!r} cannot be overridden",
                        f"list some of {list(SHOP_OVERRIDES)}")  # fmt: skip
    return names


def check_product_id(shop: ShopFile, key: str, pid: str) -> str:
    """``pid`` if it can be a product id, else :class:`ShopFileError` (a float-looking id was
    rounded by a spreadsheet; the real id is lost)."""
    if not pid:
        raise _fail(shop, key, "empty product id", "write the id from the export, in quotes")
    if FLOAT_ID.fullmatch(pid):
        raise _fail(shop, key, f"{pid!r} is a number a spreadsheet rounded, not a product id",
                    "copy the id as text from the export (ids have up to 19 digits)")  # fmt: skip
    return pid


def _categories(shop: ShopFile, table: dict) -> dict[str, str]:
    out = {}
    for pid, value in table.items():
        key = f"categories.{pid}"
        check_product_id(shop, key, pid.strip())
        category = _text(shop, key, value)
        if category is not None:
            out[pid.strip()] = category
    return out


def _date(shop: ShopFile, key: str, value: Any) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise _fail(shop, key, f"{value!r} is not a date",
                    "write a date without quotes or time, e.g. 2026-11-11")  # fmt: skip
    return value


def _cover(shop: ShopFile, value: Any) -> tuple[date, date] | None:
    key = "shop.promotions_cover"
    if not isinstance(value, list) or len(value) not in (0, 2):
        raise _fail(shop, key, f"{value!r} is not two dates",
                    "write [first, last], e.g. [2026-11-01, 2026-11-30], or [] for none")  # fmt: skip
    if not value:
        return None
    first, last = _date(shop, key, value[0]), _date(shop, key, value[1])
    if last < first:
        raise _fail(shop, key, f"ends {last} before it starts {first}", "swap the dates")
    return first, last


def _promotion(shop: ShopFile, i: int, entry: Any) -> Promotion:
    key = f"promotions[{i}]"
    entry = _table(shop, key, entry)
    _unknown(shop, f"{key}.", entry, SHOP_KEYS["promotions"])
    for name in ("start", "end", "level", "products"):
        if name not in entry:
            raise _fail(shop, key, f"missing {name!r}",
                        "each [[promotions]] needs start, end, level and products")  # fmt: skip
    start, end = (
        _date(shop, f"{key}.start", entry["start"]),
        _date(shop, f"{key}.end", entry["end"]),
    )
    if end < start:
        raise _fail(shop, f"{key}.end", f"ends {end} before it starts {start}", "swap the dates")
    level = entry["level"]
    if level not in PROMOS:
        raise _fail(shop, f"{key}.level", f"unknown promotion level {level!r}",
                    f"write one of {list(PROMOS)}")  # fmt: skip
    if "note" in entry:
        _text(shop, f"{key}.note", entry["note"])
    products: tuple[str, ...] | None
    if entry["products"] == "all":
        products = None
    else:
        products = _strings(shop, f"{key}.products", entry["products"])
        if not products:
            raise _fail(shop, f"{key}.products", "no product listed",
                        'write products = "all" or a list of product ids')  # fmt: skip
        for pid in products:
            check_product_id(shop, f"{key}.products", pid)
    return Promotion(start, end, level, products, key, shop.lines.get(key))


def _promotions(shop: ShopFile, entries: Any) -> tuple[Promotion, ...]:
    if not isinstance(entries, list):
        raise _fail(shop, "promotions", "'promotions' must be [[promotions]] blocks",
                    "write each promotion as a [[promotions]] block")  # fmt: skip
    promos = tuple(_promotion(shop, i, e) for i, e in enumerate(entries, start=1))
    for i, a in enumerate(promos):
        for b in promos[i + 1 :]:
            days = a.start <= b.end and b.start <= a.end
            shared = a.products is None or b.products is None or set(a.products) & set(b.products)
            if days and shared and a.level != b.level:
                raise _fail(shop, b.key, f"{a.key} ({a.level}) and {b.key} ({b.level}) cover "
                            "the same product on the same day",
                            "make their dates or products disjoint")  # fmt: skip
    return promos


def _creators(shop: ShopFile, table: dict) -> tuple[Creator, ...]:
    creators, owner = [], {}
    for handle, entry in table.items():
        key = f"creators.{handle}"
        entry = _table(shop, key, entry)
        _unknown(shop, f"{key}.", entry, SHOP_KEYS["creators"])
        if not handle.strip():
            raise _fail(shop, key, "empty creator handle", 'write [creators."@handle"]')
        lists = {k: _strings(shop, f"{key}.{k}", entry.get(k, [])) for k in SHOP_KEYS["creators"]}
        for kind in ("aliases", "titles", "title_patterns"):
            for value in lists[kind]:
                other = owner.setdefault((kind, value), handle)
                if other != handle:
                    raise _fail(shop, f"{key}.{kind}", f"{value!r} is also in creators.{other}",
                                "give it to one creator only")  # fmt: skip
        creators.append(Creator(handle.strip(), lists["aliases"], lists["titles"],
                                lists["title_patterns"], shop.lines.get(key)))  # fmt: skip
    return tuple(creators)


def split_shop(
    files: Iterable[tuple[Path, bool]], shop: str | Path | bool | None
) -> tuple[list[tuple[Path, bool]], Path | None]:
    """Take the shop file out of the input files of a read.

    Parameters
    ----------
    files : iterable of (Path, bool)
        :func:`analysis.sources.load.input_files`.
    shop : str, Path, bool or None
        None: a file named :data:`SHOP_FILE_NAME` among ``files`` (in a data folder) is the shop
        file; a path: that file; False: no shop file (``shop.toml`` is then an ordinary,
        unrecognised file).

    Returns
    -------
    (list of (Path, bool), Path or None)
        The data files, and the shop file to apply.

    Raises
    ------
    analysis.errors.ShopFileError
        Two shop files: several folders each with one, or ``shop=`` naming another file than
        the folder's.
    """
    files = list(files)
    if shop is False:
        return files, None
    found = [f for f, _ in files if f.name == SHOP_FILE_NAME]
    data = [(f, named) for f, named in files if f.name != SHOP_FILE_NAME]
    chosen = None if shop is None or shop is True else resolve_data(shop)
    candidates = sorted({p.resolve() for p in found} | ({chosen.resolve()} if chosen else set()))
    if len(candidates) > 1:
        raise ShopFileError(
            f"two shop files: {', '.join(map(str, candidates))}; keep one (shop= or --shop "
            "names the one to use only when the data folders hold none)"
        )
    return data, (chosen or (found[0] if found else None))
