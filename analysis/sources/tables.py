"""Locating the table of a spreadsheet export: its header row, and what each row under it is.

- :func:`find_header`: the header row, searched in the first
  :data:`~analysis.sources.sheets.HEADER_SEARCH_ROWS` rows by matching the family's aliases
  (:mod:`analysis.sources.headers`), never at a fixed offset (``docs/data-formats.md`` §1).
- :func:`data_rows`: the rows under the header, each classified: data, blank (not counted), a
  repeated header, a totals row, a description row, a truncated CSV line, a row with a formula
  without a computed value or an error cell (``#N/A``) in a column the loader reads.
- :func:`sniff` and :func:`open_table`: the ``detect`` of a spreadsheet loader (a table only on
  a hidden sheet is recognised, :func:`locate_with_hidden`), and the checks every spreadsheet
  reader makes before reading rows (header found, else the hidden sheets named; time zone given;
  no column named twice).

The sheets themselves are read by :mod:`analysis.sources.sheets`; the rows are parsed into raw
cells by :mod:`analysis.sources.rows`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils.cell import get_column_letter

from analysis.errors import UnreadableError
from analysis.sources.headers import HeaderMatch, match_header, normalise, totals_markers
from analysis.sources.sheets import (
    HEADER_SEARCH_ROWS,
    SPREADSHEET_SUFFIXES,
    TABLE_SUFFIXES,
    Sheet,
    hidden_sheets,
    showing_hidden_sheets,
)

__all__ = ["CELL_ERROR", "UNCOMPUTED", "DataRow", "data_rows", "find_header", "locate_with_hidden",
           "open_table", "require_tz", "sniff"]  # fmt: skip

#: reason of a row whose formula has no computed value (``{column}``: the header, ``{cell}``:
#: the cell, ``H5``)
UNCOMPUTED = ("formula without a computed value in column {column!r} (cell {cell}); open the "
              "file in Excel/LibreOffice and save it so values are stored")  # fmt: skip
#: reason of a row holding a spreadsheet error cell (``{value}``: ``#N/A``, ``#DIV/0!`` ...)
CELL_ERROR = ("holds the spreadsheet error {value!r} in column {column!r} (cell {cell}): a "
              "formula that failed or a broken reference; fix it, or clear the cell if the value "
              "is not reported")  # fmt: skip


def find_header(
    sheet: Sheet,
    family: str,
    accept: Callable[[HeaderMatch, int], bool],
    *,
    sections: bool = False,
) -> tuple[int, HeaderMatch] | None:
    """The first row (0-based index) of the first :data:`HEADER_SEARCH_ROWS` whose match is
    accepted by ``accept(match, index)``; with ``sections`` the row above is the section row."""
    for i, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        if not any(row):
            continue
        above = _fill_right(sheet.rows[i - 1]) if sections and i > 0 else None
        m = match_header(list(row), family, sections=list(above) if above else None)
        if accept(m, i):
            return i, m
    return None


def _fill_right(row) -> list:
    """A merged section row (value in its first cell only) spread over the merged columns."""
    out, last = [], None
    for v in row:
        last = v if v not in (None, "") else last
        out.append(last)
    return out


@dataclass
class DataRow:
    """One row under the header: its 1-based spreadsheet ``number`` and text ``cells``;
    ``kind`` is ``data``, ``header``, ``totals``, ``description``, ``truncated`` or
    ``formula``; a row that is not data has its ``reason``, and ``column`` (the header) when
    one column is the cause."""

    number: int
    cells: tuple[str | None, ...]
    kind: str
    reason: str = ""
    column: str | None = None

    def get(self, match: HeaderMatch, name: str) -> str | None:
        """The text of field ``name`` in this row (``None`` when the column is absent or empty)."""
        i = match.columns.get(name)
        if i is None or i >= len(self.cells):
            return None
        v = self.cells[i]
        return None if v is None else str(v)


def data_rows(
    sheet: Sheet, header_index: int, match: HeaderMatch, numeric: tuple[str, ...]
) -> Iterator[DataRow]:
    """The non-blank rows under the header, classified (blank rows are skipped, not counted).

    A repeated header has at least half of the matched headers in place; a totals row starts
    with a totals label of any locale (``Total``, ``Tổng``, ...); a description row has text in
    every non-empty ``numeric`` field and no number; a truncated CSV line has fewer fields than
    the header (a cut file); a formula row has, in a column the header matched, a formula
    without a computed value (:data:`UNCOMPUTED`) or a spreadsheet error such as ``#N/A``
    (:data:`CELL_ERROR`); in a column no field reads either is harmless.
    """
    header_norm = [normalise(h) for h in sheet.rows[header_index]]
    widths = sheet.widths
    width = widths[header_index] if widths else None
    flagged = _flagged(sheet, header_index, match)
    totals = totals_markers()
    for j in range(header_index + 1, len(sheet.rows)):
        cells = sheet.rows[j]
        if j in flagged:
            yield flagged[j]
            continue
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        if widths is not None and width is not None and widths[j] < width:
            yield DataRow(j + 1, cells, "truncated",
                          f"has {widths[j]} fields, the header has {width}: the line is "
                          "cut (a truncated file?); export it again")  # fmt: skip
            continue
        kind, reason = _classify(cells, match, header_norm, totals, numeric)
        yield DataRow(j + 1, cells, kind, reason)


def _flagged(sheet: Sheet, header_index: int, match: HeaderMatch) -> dict[int, DataRow]:
    """Row index -> its ``formula`` :class:`DataRow`, for the rows under the header with a
    formula without a value (:data:`UNCOMPUTED`) or an error cell (:data:`CELL_ERROR`) in a
    column the header matched; the first such cell of the row names the reason."""
    read = {i: match.labels.get(name, name) for name, i in match.columns.items()}
    marks = [(r, c, False) for r, c in sheet.uncomputed] + [(r, c, True) for r, c in sheet.errors]
    out: dict[int, DataRow] = {}
    for r, c, is_error in sorted(marks):
        if r <= header_index or c not in read or r in out or r >= len(sheet.rows):
            continue
        cell = f"{get_column_letter(c + 1)}{r + 1}"
        if is_error:
            reason = CELL_ERROR.format(value=sheet.rows[r][c], column=read[c], cell=cell)
        else:
            reason = UNCOMPUTED.format(column=read[c], cell=cell)
        out[r] = DataRow(r + 1, sheet.rows[r], "formula", reason, read[c])
    return out


def _classify(cells, match: HeaderMatch, header_norm: list[str], totals: frozenset[str],
              numeric: tuple[str, ...]) -> tuple[str, str]:  # fmt: skip
    """``(kind, reason)`` of one non-blank, complete row: a repeated header, a totals row, a
    description row, else data."""
    same = sum(
        1 for i in match.columns.values()
        if i < len(cells) and normalise(cells[i]) == header_norm[i] and header_norm[i]
    )  # fmt: skip
    if match.columns and same * 2 >= len(match.columns):
        return "header", "a repeated header row, not data"
    first = next((c for c in cells if c is not None and str(c).strip()), None)
    if first is not None and normalise(first) in totals:
        return "totals", (f"a totals row ({str(first).strip()!r}), not one item; totals are "
                          "recomputed from the rows")  # fmt: skip
    vals = [cells[match.columns[n]] for n in numeric if n in match.columns
            and match.columns[n] < len(cells)]  # fmt: skip
    vals = [str(v).strip() for v in vals if v is not None and str(v).strip()]
    if vals and not any(any(ch.isdigit() for ch in v) for v in vals):
        return "description", "a description row (text where numbers are expected), not data"
    return "data", ""


def sniff(path: Path, locate) -> bool:
    """``detect`` of a spreadsheet loader: a table file in which ``locate(path)`` finds its header
    (an unreadable file is simply not recognised), on a visible sheet or, failing that, on a
    hidden one (:func:`locate_with_hidden`)."""
    path = Path(path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        return False
    try:
        return locate_with_hidden(path, locate) is not None
    except UnreadableError:
        return False


def locate_with_hidden(path: Path, locate):
    """``locate(path)``; when it finds nothing in a workbook with hidden sheets, ``locate(path)``
    with the hidden sheets shown. Detection uses it so that a file whose table is only on a
    hidden sheet is recognised, and reading it then says the sheet is hidden
    (:func:`open_table`) instead of "format not recognised"."""
    found = locate(path)
    if found is not None or Path(path).suffix.lower() not in SPREADSHEET_SUFFIXES:
        return found
    if not hidden_sheets(path):
        return None
    with showing_hidden_sheets():
        return locate(path)


def open_table(path: Path, found, *, tz: str | None, missing: str):
    """The checks every spreadsheet reader makes before reading rows.

    ``found`` is what the loader's ``locate(path)`` returned (a tuple ending with the header
    ``HeaderMatch``, or None). Raises :class:`UnreadableError` when no header was found
    (``missing`` says what was looked for), when ``tz`` is missing, or when a needed column is
    named twice; returns ``found``.
    """
    if found is None:
        hidden = hidden_sheets(path) if Path(path).suffix.lower() in SPREADSHEET_SUFFIXES else ()
        note = (f"; hidden sheets are not read ({', '.join(map(repr, hidden))}): unhide the one "
                "that holds the export (right-click a sheet tab > Unhide) and save"
                if hidden else "")  # fmt: skip
        raise UnreadableError(f"{Path(path).name}: {missing}{note}")
    require_tz(tz, path)
    match = found[-1]
    if match.duplicates:
        dup = "; ".join(f"{k}: {', '.join(map(repr, v))}" for k, v in match.duplicates.items())
        raise UnreadableError(
            f"{Path(path).name}: a column is named twice ({dup}); keep one of them"
        )
    return found


def require_tz(tz: str | None, path: Path) -> str:
    """Refuse to read an export of naive shop-local times without the shop's time zone."""
    if tz is None:
        raise UnreadableError(
            f"{Path(path).name}: the times of this export are shop-local and name no time zone; "
            "pass the shop's time zone, e.g. analysis.load(path, tz='Europe/Paris') or "
            "`cartlift validate --tz Europe/Paris PATH`"
        )
    return tz
