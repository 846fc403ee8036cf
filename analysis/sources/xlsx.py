"""An xlsx workbook read as text rows, trusting nothing the file says about itself.

Real exports are written by many programs, and some of them describe their sheets wrongly: every
TikTok Shop LIVE list v1 declares ``<dimension ref="A1"/>`` over a sheet of hundreds of rows
(openpyxl's read-only mode trusts it and returns one row). This reader streams each sheet's XML
with openpyxl's own parser (``WorkSheetParser``, which uses defusedxml), row by row, and builds
the table from the ``<row>``/``<c>`` elements actually present:

- the declared ``<dimension>`` is ignored; rows and columns are where the cells say (``r=``), row
  ``n`` of the sheet is ``rows[n - 1]`` whatever rows are missing in between;
- shared strings (``t="s"``), inline strings (``t="inlineStr"``, rich-text runs joined) and
  formula strings (``t="str"``) are text as written; numbers, booleans and dates a user re-saved
  become text as :func:`cell_text` says;
- merged cells (``<mergeCells>``, which read-only mode does not expose) give every cell of the
  range the anchor's (top-left) text, so a section band ``All | | | Seller LIVE | |`` reads
  ``All | All | All | Seller LIVE | Seller LIVE | Seller LIVE``;
- a formula cell uses its cached value (``<v>``); a formula without one (a file written by a
  program that does not compute formulas) is recorded in ``uncomputed`` so the loader rejects the
  row instead of reading an empty cell;
- an error cell (``t="e"``: ``#N/A``, ``#DIV/0!``, ``#REF!``, a formula that failed) keeps its
  text and is recorded in ``errors``, so the loader rejects the row instead of reading ``#N/A``
  as "not reported";
- hidden and very hidden sheets are returned with their ``state``; :mod:`analysis.sources.sheets`
  ignores them.

The table (``docs/data-formats.md``, "Quirks handled") lists each case and the test proving it.
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

from analysis.errors import UnreadableError

__all__ = ["RawSheet", "cell_text", "read_workbook"]

#: what a formula cell without a cached value holds while a row is assembled
_UNCOMPUTED = object()


@dataclass(frozen=True)
class RawSheet:
    """One worksheet: ``name``, ``state`` (``visible``, ``hidden`` or ``veryHidden``), text
    ``rows`` (row ``n`` of the sheet at index ``n - 1``), and the 0-based ``(row, column)`` of
    each formula cell without a cached value (``uncomputed``) and of each error cell
    (``errors``)."""

    name: str
    state: str
    rows: tuple[tuple[str | None, ...], ...]
    uncomputed: frozenset[tuple[int, int]]
    errors: frozenset[tuple[int, int]] = frozenset()


def cell_text(value) -> str | None:
    """A cell value as text: strings as they are (blank -> ``None``), whole floats without
    ``.0``, other floats with ``repr`` (``inf`` stays ``"inf"`` for the number parser to refuse),
    booleans ``TRUE``/``FALSE``, datetimes ISO."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


class _Parser(WorkSheetParser):
    """openpyxl's streaming sheet parser (values, not formulas), marking a formula cell that has
    no cached ``<v>`` (an empty ``<v></v>`` is a computed empty string, not missing)."""

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        if element.find(FORMULA_TAG) is not None and element.find(VALUE_TAG) is None:
            cell["value"] = _UNCOMPUTED
        return cell


def read_workbook(path: Path) -> tuple[RawSheet, ...]:
    """Every worksheet of an xlsx, in workbook order (hidden ones included, with their state).

    Raises
    ------
    UnreadableError
        Not a zip / not a workbook, or a sheet whose XML is broken.
    """
    path = Path(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as err:
        raise UnreadableError(
            f"{path.name}: not a readable xlsx workbook ({type(err).__name__}); open it in a "
            "spreadsheet program and save it as .xlsx again"
        ) from None
    try:
        out = []
        for ws in wb.worksheets:
            try:
                out.append(_read_sheet(wb, ws))
            except (IndexError, KeyError, ValueError, SyntaxError) as err:
                raise UnreadableError(
                    f"{path.name}: sheet {ws.title!r} is damaged ({type(err).__name__}: {err}); "
                    "open the file in Excel or LibreOffice and save it as .xlsx again"
                ) from None
        return tuple(out)
    finally:
        wb.close()


def _read_sheet(wb, ws) -> RawSheet:
    """One read-only worksheet streamed from its XML (openpyxl's parser, the declared dimension
    never consulted), merged ranges filled from their anchor."""
    # openpyxl's read-only worksheet exposes no public way to stream cells past a wrong
    # <dimension>; these are the arguments its own ReadOnlyWorksheet gives the same parser.
    with ws._get_source() as src:
        parser = _Parser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                         date_formats=wb._date_formats,
                         timedelta_formats=wb._timedelta_formats)  # fmt: skip
        found: dict[int, dict[int, str]] = {}
        uncomputed: set[tuple[int, int]] = set()
        errors: set[tuple[int, int]] = set()
        for number, cells in parser.parse():
            line = found.setdefault(number, {})
            for c in cells:
                if c["value"] is _UNCOMPUTED:
                    uncomputed.add((number - 1, c["column"] - 1))
                    continue
                if c["data_type"] == "e":
                    errors.add((number - 1, c["column"] - 1))
                text = cell_text(c["value"])
                if text is not None:
                    line[c["column"]] = text
        merges = parser.merged_cells
    height = max((n for n, line in found.items() if line), default=0)
    height = max(height, max((r + 1 for r, _ in uncomputed), default=0))
    width = max((max(line) for line in found.values() if line), default=0)
    grid = [[found.get(r, {}).get(c) for c in range(1, width + 1)] for r in range(1, height + 1)]
    for rng in getattr(merges, "mergeCell", ()) or ():  # openpyxl CellRange: 1-based bounds
        _fill_merge(grid, rng.min_row, rng.min_col, rng.max_row, rng.max_col)
    rows = tuple(tuple(r) for r in grid)
    return RawSheet(ws.title, ws.sheet_state or "visible", rows, frozenset(uncomputed),
                    frozenset(errors))  # fmt: skip


def _fill_merge(grid: list[list[str | None]], min_row: int, min_col: int, max_row: int,
                max_col: int) -> None:  # fmt: skip
    """Give every cell of a merged range (1-based bounds) the anchor's (top-left) text, clipped
    to the cells that exist (a range reaching past the data adds nothing)."""
    if not grid or min_row > len(grid) or min_col > len(grid[0]):
        return
    anchor = grid[min_row - 1][min_col - 1]
    for r in range(min_row - 1, min(max_row, len(grid))):
        for c in range(min_col - 1, min(max_col, len(grid[0]))):
            grid[r][c] = anchor
