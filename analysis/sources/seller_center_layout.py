"""The 2026 Seller Center product list: its columns (section x sub-block x field) and its title.

Layout (``docs/data-formats.md``, "Seller Center product list, 2026 layout"): row 1 a title holding the analysis date
range (``数据分析日期: 01/06/2026~30/09/2026``, ``Fecha del análisis: 29/05/2026~04/06/2026``), a
blank row, a **section band** of merged cells (``全部 / 商家直播 / 商家视频 / 联盟 / 商家商品卡``), the
header, one row per product. Every channel section repeats product impressions, clicks, ATC count,
ATC rate, unique impressions, unique clicks, ATC users and unique ATC rate; the Affiliate section
adds the same block twice with a suffix (``（直播）`` LIVE, ``（视频）`` video). Section names, headers,
sub-block suffixes and title labels are data: ``product_list`` of the locale files
(:mod:`analysis.sources.headers`), each alias set with its provenance.

:func:`match_layout` maps every column to ``(section, block, field)``; :func:`title_period` reads
the title's date range under the locale's date rule (a date the rule cannot read, or an ambiguous
one when the locale has no rule, is an error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from analysis.errors import UnreadableError
from analysis.sources.headers import HeaderMatch, aliases, locales, normalise
from analysis.sources.sheets import Sheet

__all__ = ["FAMILY", "Layout", "is_layout", "match_layout", "title_dates", "title_period"]

FAMILY = "product_list"
#: a slashed date ``DD/MM/YYYY`` or ``MM/DD/YYYY`` (group 1, 2, 3) or an ISO one (4, 5, 6)
_DATE = re.compile(
    r"(?<!\d)(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?!\d)|(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"
)


def is_layout(match: HeaderMatch) -> bool:
    """True when a channel section other than ``All`` carries an add-to-cart count: the 2026
    layout (the older layout has ATC in ``All`` only)."""
    return any(k.endswith(".atc_count") and not k.startswith("ALL.") for k in match.columns)


@dataclass
class Layout:
    """The columns of a 2026 product list.

    ``columns`` maps ``(section, block, field)`` -> 0-based column (``block`` is ``None``, or
    ``"LIVE"`` / ``"VIDEO"`` for the Affiliate sub-blocks); ``labels`` the same keys -> the
    section and header as written; ``ids`` ``product_id`` / ``product_name`` -> column;
    ``locale`` the locale with the most matched headers; ``ignored`` the headers not read.
    """

    columns: dict[tuple[str, str | None, str], int]
    labels: dict[tuple[str, str | None, str], str]
    ids: dict[str, int]
    locale: str
    ignored: list[str] = field(default_factory=list)

    def groups(self) -> list[tuple[str, str | None]]:
        """The ``(section, block)`` pairs present, in column order."""
        return list(dict.fromkeys((s, b) for s, b, _ in self.columns))


def _spread(row) -> list:
    out, last = [], None
    for v in row:
        last = v if v not in (None, "") else last
        out.append(last)
    return out


def _split_block(norm: str, blocks: dict[str, tuple[str, str]]) -> tuple[str, str | None]:
    """``(base header, block)``: a trailing sub-block suffix removed (longest first)."""
    for suffix in sorted(blocks, key=len, reverse=True):
        if norm.endswith(suffix) and len(norm) > len(suffix):
            return norm[: -len(suffix)].strip(), blocks[suffix][0]
    return norm, None


def match_layout(sheet: Sheet, header_index: int, file: str) -> Layout:
    """Map the header (and the section band above it) of a 2026 product list to fields.

    Raises
    ------
    UnreadableError
        When a column comes before any section, or two columns name the same section, block and
        field (the file says which numbers to read twice).
    """
    sections = _spread(sheet.rows[header_index - 1]) if header_index > 0 else []
    sect = aliases(FAMILY, "sections")
    table = aliases(FAMILY)
    blocks = aliases(FAMILY, "sub_blocks")
    lay = Layout({}, {}, {}, "en")
    votes: dict[str, int] = {}
    twice: list[str] = []
    for i, cell in enumerate(sheet.rows[header_index]):
        norm = normalise(cell)
        if not norm:
            continue
        if norm in table and table[norm][0] in ("product_id", "product_name"):
            lay.ids[table[norm][0]] = i
            votes[table[norm][1]] = votes.get(table[norm][1], 0) + 1
            continue
        label = sections[i] if i < len(sections) else None
        section = sect.get(normalise(label)) if label else None
        base, block = _split_block(norm, blocks)
        hit = table.get(base)
        if section is None or hit is None or (block is not None and section[0] != "AFFILIATE"):
            lay.ignored.append(f"{label} / {cell}" if label else str(cell))
            continue
        key = (section[0], block, hit[0])
        votes[hit[1]] = votes.get(hit[1], 0) + 1
        if key in lay.columns:
            twice.append(f"{label} / {cell}")
            continue
        lay.columns[key] = i
        lay.labels[key] = f"{str(label).strip()} / {str(cell).strip()}"
    if twice:
        raise UnreadableError(
            f"{file}: columns named twice in one section ({', '.join(map(repr, twice))}); "
            "keep one of them"
        )
    lay.locale = max(sorted(votes), key=lambda k: votes[k]) if votes else "en"
    return lay


def title_dates(text: str, date_order: str | None, *, file: str = "") -> list[date]:
    """The dates written in a title, read under the locale's ``date_order`` (``"DMY"`` /
    ``"MDY"``); ``None``: the order a part above 12 shows, else the dates are ambiguous.

    Raises
    ------
    UnreadableError
        A date the locale's rule cannot read (``06/13/2026`` under day first), dates that
        disagree on their order, or slashed dates ambiguous without a rule (``01/06/2026`` with
        no locale rule).

    Examples
    --------
    >>> title_dates("数据分析日期: 01/06/2026~30/09/2026", "DMY")
    [datetime.date(2026, 6, 1), datetime.date(2026, 9, 30)]
    """
    found = list(_DATE.finditer(text))
    order = date_order
    if order is None:
        day_first = any(int(m[1]) > 12 for m in found if m[1])
        month_first = any(int(m[2]) > 12 for m in found if m[2])
        if day_first and month_first:
            raise UnreadableError(f"{file}: the dates of the title {text!r} disagree on their "
                                  "order (one has its day first, another its month first)")  # fmt: skip
        order = "DMY" if day_first else "MDY" if month_first else None
        if order is None and any(m[1] for m in found):
            raise UnreadableError(
                f"{file}: the title {text!r} has slashed dates whose day and month cannot be told "
                "apart and its UI language has no date rule; export the file in a UI language "
                "the kit knows (zh-CN, es-MX: day first) or add 'date_order' to its locale file"
            )
    out = []
    for m in found:
        if m[4]:
            y, mo, d = int(m[4]), int(m[5]), int(m[6])
        else:
            a, b, y = int(m[1]), int(m[2]), int(m[3])
            d, mo = (a, b) if order == "DMY" else (b, a)
        try:
            out.append(date(y, mo, d))
        except ValueError:
            rule = {"DMY": "day first", "MDY": "month first"}.get(order or "", order)
            raise UnreadableError(
                f"{file}: {m[0]!r} in the title {text!r} is not a date under the rule of its UI "
                f"language ({rule}); check the file's language or the title"
            ) from None
    return out


def title_period(sheet: Sheet, header_index: int, locale: str, file: str) -> tuple[date, date]:
    """``(first day, last day)`` of the analysis date range in the rows above the section band.

    The title is the first cell holding a title label of the locale files (``数据分析日期``,
    ``Fecha del análisis``, ...) or, failing that, two dates. Its dates follow the rule of
    ``locale`` (``date_order`` of its file).

    Raises
    ------
    UnreadableError
        No title with a range, a date the rule cannot read or that is ambiguous, or a range whose
        end is before its start.
    """
    labels = aliases(FAMILY, "title")
    cells = [str(c) for r in sheet.rows[: max(header_index - 1, 0)] for c in r if c]
    titled = [c for c in cells if any(lab in normalise(c) for lab in labels)]
    candidates = titled or [c for c in cells if len(_DATE.findall(c)) >= 2]
    if not candidates:
        raise UnreadableError(
            f"{file}: no title with the analysis date range above the header (row 1 holds it, "
            "e.g. '数据分析日期: 01/06/2026~30/09/2026'); export the product list again"
        )
    text = candidates[0]
    days = title_dates(text, locales()[locale].date_order, file=file)
    if len(days) != 2:
        raise UnreadableError(f"{file}: the title {text!r} should hold two dates (first~last), "
                              f"found {len(days)}")  # fmt: skip
    if days[1] < days[0]:
        raise UnreadableError(f"{file}: the range of the title {text!r} ends before it starts")
    return days[0], days[1]
