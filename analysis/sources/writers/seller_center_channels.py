"""Writer of the 2026 Seller Center product list (zh-CN, es-MX UIs): a title with the analysis date
range, a blank row, a merged section band, the header, one text row per product.

The inverse of :mod:`analysis.sources.seller_center_channels`, used by the tests; layout:
``docs/data-formats.md`` ("2026 layout"). Every cell is a string as TikTok writes it: counts ``15,670``,
rates ``8.01%`` (TikTok's own, computed here from the counts and rounded to two decimals unless
the caller gives the text), money ``RM11,920.20`` / ``MX$0.00``. Headers, section names, sub-block
suffixes and the title label are the first labels of the locale file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl.utils import get_column_letter

from analysis.sources.headers import locales
from analysis.sources.seller_center_channels import RATES
from analysis.sources.seller_center_layout import FAMILY
from analysis.sources.writers.table import write_table
from analysis.vocabulary import check_argument

__all__ = ["BLOCK", "LOCALES", "MARKS", "SECTIONS", "write"]

#: UI languages this writer knows
LOCALES = ("zh_CN", "es_MX")
#: sections in the order of the real files
SECTIONS = ("ALL", "LIVE", "VIDEO", "AFFILIATE", "PRODUCT_CARD")
#: the block every section repeats, in the order of the real files
BLOCK = ("impressions", "clicks", "ctr", "atc_count", "atc_rate", "ctor", "unique_impressions",
         "viewers", "unique_ctr", "atc", "unique_atc_rate", "unique_ctor")  # fmt: skip
#: the columns before the block in some sections
LEAD = {"ALL": ("revenue", "orders", "items"), "LIVE": ("attributed_revenue",),
        "VIDEO": ("attributed_revenue",), "PRODUCT_CARD": ("attributed_revenue",)}  # fmt: skip
#: rates written from counts: rate field -> (numerator, denominator)
WRITTEN_RATES = {**RATES, "ctr": ("clicks", "impressions"), "unique_ctr": ("viewers",
                 "unique_impressions")}  # fmt: skip
#: currency code -> the mark TikTok writes before the amount
MARKS = {"MYR": "RM", "MXN": "MX$", "USD": "$"}


def _columns(locale: str) -> list[tuple[str, str | None, str, str]]:
    """``(section, block, field, header)`` of every written column (fields the locale has no
    label for are left out)."""
    fam = locales()[locale].families[FAMILY]
    labels, subs = fam["columns"], fam["sub_blocks"]
    out: list[tuple[str, str | None, str, str]] = []
    for s in SECTIONS:
        for f in (*LEAD.get(s, ()), *BLOCK):
            if f in labels:
                out.append((s, None, f, labels[f][0]))
        if s == "AFFILIATE":
            for b in ("LIVE", "VIDEO"):
                out += [(s, b, f, labels[f][0] + subs[b][0]) for f in BLOCK if f in labels]
    return out


def _text(value, field: str, currency: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if field in ("revenue", "attributed_revenue"):
        return f"{MARKS[currency]}{value:,.2f}"
    if field in WRITTEN_RATES:
        return f"{100 * value:.2f}%"
    return f"{int(value):,}"


def _cell(values: dict, s: str, b: str | None, f: str):
    """A product's value of one column: given, or a rate computed from the given counts."""
    key = f"{s}.{b}.{f}" if b else f"{s}.{f}"
    if key in values or f not in WRITTEN_RATES:
        return values.get(key)
    num, den = WRITTEN_RATES[f]
    n, d = (values.get(key.rsplit(".", 1)[0] + "." + x) for x in (num, den))
    if not (isinstance(n, int | float) and isinstance(d, int | float)):
        return None
    return n / d if d else 0.0


def write(products: list[dict], path, *, first: date, last: date, locale: str = "zh_CN",
          currency: str = "MYR") -> Path:  # fmt: skip
    """Write a 2026 product list.

    Parameters
    ----------
    products : list of dict
        One dict per product: ``product_id``, ``product_name``, optional ``gmv_range``, and
        values keyed ``"SECTION.field"`` (``"ALL.clicks"``, ``"LIVE.atc_count"``,
        ``"LIVE.attributed_revenue"``) or ``"AFFILIATE.LIVE.field"`` /
        ``"AFFILIATE.VIDEO.field"`` for the sub-blocks. Counts are numbers; a rate not given is
        computed from its counts; a string is written as it is (e.g. a wrong rate ``"9.00%"``).
    first, last : date
        The analysis date range of the title (written day first, ``DD/MM/YYYY``).
    locale : {"zh_CN", "es_MX"}
    currency : str
        ISO code of the amounts (``MYR`` -> ``RM11,920.20``, ``MXN`` -> ``MX$0.00``).
    """
    check_argument("locale", LOCALES, locale)
    fam = locales()[locale].families[FAMILY]
    cols = _columns(locale)
    ids = [fam["columns"][k][0] for k in ("product_name", "product_id", "gmv_range")]
    title = f"{fam['title']['period'][0]}: {first:%d/%m/%Y}~{last:%d/%m/%Y}"
    band: list = [None] * len(ids)
    merges = []
    for s in SECTIONS:
        idx = [len(ids) + i for i, c in enumerate(cols) if c[0] == s]
        band += [fam["sections"][s][0]] + [None] * (len(idx) - 1)
        merges.append(f"{get_column_letter(idx[0] + 1)}3:{get_column_letter(idx[-1] + 1)}3")
    header = ids + [h for *_, h in cols]
    body = []
    for p in products:
        line = [p.get("product_name", ""), p["product_id"], p.get("gmv_range", "")]
        line += [_text(_cell(p, s, b, f), f, currency) for s, b, f, _ in cols]
        body.append(line)
    table: list[list] = [[title], [], band, header, *body]
    return write_table(Path(path), [("Sheet1", table)], merges={"Sheet1": merges})
