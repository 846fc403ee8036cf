"""Writer of the 2026 Seller Center product list (zh-CN, es-MX UIs): a title with the analysis date
range, a blank row, a merged section band, the header, one text row per product.

The inverse of :mod:`analysis.sources.seller_center_channels`, used by the tests; layout:
``docs/data-formats.md`` ("2026 layout"). Every cell is a string as TikTok writes it: counts ``15,670``,
rates ``8.01%`` (TikTok's own, computed here from the counts and rounded to two decimals unless
the caller gives the text), money ``RM11,920.20`` / ``MX$0.00``. Headers, section names, sub-block
suffixes and the title label are the first labels of the locale file.

The zip is rewritten as TikTok's exporter (excelize) writes its files (the real LIVE lists show
it): every cell a shared string (``t="s"``), ``sharedStrings.xml`` with ``count`` =
``uniqueCount``, empty ``<row r="2"></row>`` elements, explicit end tags, and a ``<dimension>``
that may be the real ``A1`` quirk (``dimension="A1"``; readers must not trust it).
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

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
          currency: str = "MYR", dimension: str | None = None) -> Path:  # fmt: skip
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
    dimension : str, optional
        The ``<dimension ref>`` written (TikTok writes ``"A1"`` whatever the size); default the
        true range.
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
    path = write_table(Path(path), [("Sheet1", table)], merges={"Sheet1": merges})
    last_cell = f"{get_column_letter(max(map(len, table)))}{len(table)}"
    _excelize(path, table, merges, dimension or f"A1:{last_cell}")
    return path


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _excelize(path: Path, table: list[list], merges: list[str], dimension: str) -> None:
    """Rewrite the first sheet of ``path`` with shared strings, as TikTok's exporter does."""
    strings: dict[str, int] = {}
    rows = []
    for r, line in enumerate(table, start=1):
        cells = "".join(
            f'<c r="{get_column_letter(c)}{r}" t="s"><v>{strings.setdefault(str(v), len(strings))}</v></c>'
            for c, v in enumerate(line, start=1)
            if v is not None
        )
        rows.append(f'<row r="{r}">{cells}</row>')
    merged = "".join(f'<mergeCell ref="{m}"></mergeCell>' for m in merges)
    sheet = (f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="{dimension}">'
             '</dimension><sheetViews><sheetView tabSelected="true" workbookViewId="0">'
             '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"></sheetFormatPr>'
             f'<sheetData>{"".join(rows)}</sheetData><mergeCells count="{len(merges)}">{merged}'
             "</mergeCells></worksheet>")  # fmt: skip
    sst = "".join(f"<si><t>{escape(t)}</t></si>" for t in strings)
    shared = (f'{_HEAD}<sst xmlns="{_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
              f"{sst}</sst>")  # fmt: skip
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    parts["xl/sharedStrings.xml"] = shared.encode()
    types = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = types.replace(
        "</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST}" /></Types>'
    ).encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rId9" Target="/xl/sharedStrings.xml" Type="{_REL}/sharedStrings">'
        "</Relationship></Relationships>",
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
