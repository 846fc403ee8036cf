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

Nothing a hostile file says makes the reader take unbounded memory or time ("Reading limits"):
the zip is checked and bounded by :mod:`analysis.sources.xlsx_zip` (compression ratio, total
size, shared-string table, parts read whole, each part no bigger than it declares); while a sheet streams, rows
(``max_rows``, and never past Excel's last row 1,048,576 or column 16,384), the table's cells
(``max_cells``: rows x columns, so ``A1`` plus ``XFD1048576`` cannot build a grid of 17 billion
cells) and each cell's text (``max_cell_chars``) are counted; a part declaring XML entities
(billion laughs, external entities) is refused by defusedxml and named.
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from defusedxml import DefusedXmlException
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

from analysis.errors import UnreadableError
from analysis.sources.limits import Limits, current, exceeded
from analysis.sources.xlsx_zip import BoundedZip, check_members, shared_strings

__all__ = ["EXCEL_COLUMNS", "EXCEL_ROWS", "RawSheet", "cell_text", "read_workbook"]

#: what a formula cell without a cached value holds while a row is assembled
_UNCOMPUTED = object()
#: the last row and column of a worksheet (Excel specifications and limits; ECMA-376 Part 1,
#: 18.3.1.73): a reference beyond them is not a sheet any program wrote
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384


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


class _Reader(ExcelReader):
    """openpyxl's workbook reader (read-only, cached values) on a :class:`BoundedZip`, the
    shared-string table read by :func:`~analysis.sources.xlsx_zip.shared_strings`."""

    def __init__(self, archive: BoundedZip):  # ExcelReader.__init__ would open its own zip
        self.archive, self.valid_files = archive, archive.namelist()
        self.read_only, self.keep_vba, self.data_only = True, False, True
        self.keep_links, self.rich_text, self.shared_strings = True, False, []

    def read_strings(self) -> None:
        ct = self.package.find(SHARED_STRINGS)
        if ct is not None:
            part = ct.PartName[1:]
            self.archive.streamed.add(part)
            with self.archive.open(part) as src:
                self.shared_strings = shared_strings(src, self.archive.file, part,
                                                     self.archive.limits)  # fmt: skip


def read_workbook(path: Path, limits: Limits | None = None) -> tuple[RawSheet, ...]:
    """Every worksheet of an xlsx, in workbook order (hidden ones included, with their state),
    within the reading limits (``limits``, else :func:`analysis.sources.limits.current`).

    Raises
    ------
    LimitError
        A limit passed (:mod:`analysis.sources.xlsx_zip`, and rows, cells, cell length).
    UnreadableError
        Not a zip / not a workbook, a sheet whose XML is broken, a part declaring XML entities.
    """
    path, limits = Path(path), current(limits)
    try:
        archive = BoundedZip(path, path.name, limits)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise _not_readable(path.name, err) from None
    try:
        check_members(archive, path.name, limits)
        reader = _Reader(archive)
        try:
            reader.read()
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as err:
            raise _hostile(err, path.name, archive.part) or _not_readable(path.name, err) from None
        out = []
        for ws in reader.wb.worksheets:
            try:
                out.append(_read_sheet(reader.wb, ws, archive, limits))
            except (IndexError, KeyError, ValueError, SyntaxError, zipfile.BadZipFile) as err:
                raise _hostile(err, path.name, archive.part) or UnreadableError(
                    f"{path.name}: sheet {ws.title!r} is damaged ({type(err).__name__}: {err}); "
                    "open the file in Excel or LibreOffice and save it as .xlsx again"
                ) from None
        return tuple(out)
    finally:
        archive.close()


def _not_readable(file: str, err: Exception) -> UnreadableError:
    return UnreadableError(f"{file}: not a readable xlsx workbook ({type(err).__name__}); open "
                           "it in a spreadsheet program and save it as .xlsx again")  # fmt: skip


def _hostile(err: Exception, file: str, part: str) -> UnreadableError | None:
    """The error to raise for ``err`` when it (or the error openpyxl wrapped) is a reading limit,
    an XML entity declaration refused by defusedxml, or a part that does not match its zip
    header (read while ``part`` was open); else None."""
    inner = err.__cause__ if isinstance(err.__cause__, Exception) else err
    if isinstance(inner, UnreadableError):
        return inner
    if isinstance(inner, DefusedXmlException):
        return UnreadableError(
            f"{file}: part {part} declares XML entities ({type(inner).__name__}), which exports "
            "never do; the file may be hostile. Export it again"
        )
    if isinstance(inner, zipfile.BadZipFile) and part:  # zipfile's CRC and size checks
        return UnreadableError(f"{file}: part {part} does not match its zip header ({inner}); "
                               "the file is damaged or hostile. Export it again")  # fmt: skip
    return None


class _Count:
    """Rows and cells of one sheet counted while it streams, against the limits."""

    def __init__(self, file: str, sheet: str, limits: Limits):
        self.file, self.sheet, self.limits = file, sheet, limits
        self.rows = self.cells = self.height = self.width = 0

    def row(self, number: int, cells: list) -> None:
        self.rows += 1
        self.cells += len(cells)
        where = f"sheet {self.sheet!r}"
        if number > EXCEL_ROWS or self.rows > EXCEL_ROWS:
            raise UnreadableError(f"{self.file}: {where} has a row {number:,}, beyond Excel's "
                                  f"last row {EXCEL_ROWS:,}; the file is damaged or hostile. "
                                  "Export it again")  # fmt: skip
        if max(number, self.rows) > self.limits.max_rows:
            raise exceeded(self.file, "max_rows", f"row {max(number, self.rows):,}", self.limits,
                           where)  # fmt: skip
        if cells:
            self.height = max(self.height, number)
            self.width = max(self.width, max(c["column"] for c in cells))
        if self.width > EXCEL_COLUMNS:
            raise UnreadableError(f"{self.file}: {where} has a column {self.width:,}, beyond "
                                  f"Excel's last column {EXCEL_COLUMNS:,}; the file is damaged "
                                  "or hostile. Export it again")  # fmt: skip
        grid = max(self.cells, self.height * self.width)
        if grid > self.limits.max_cells:
            raise exceeded(self.file, "max_cells", f"a table of {grid:,} cells", self.limits,
                           f"{where}: {self.height:,} rows x {self.width:,} columns")  # fmt: skip

    def text(self, number: int, column: int, text: str) -> None:
        if len(text) > self.limits.max_cell_chars:
            raise exceeded(self.file, "max_cell_chars", f"a cell of {len(text):,} characters",
                           self.limits, f"sheet {self.sheet!r}, row {number}, column "
                           f"{get_column_letter(column)}")  # fmt: skip


def _read_sheet(wb, ws, archive: BoundedZip, limits: Limits) -> RawSheet:
    """One read-only worksheet streamed from its XML (openpyxl's parser, the declared dimension
    never consulted), counted against the limits, merged ranges filled from their anchor."""
    count = _Count(archive.file, ws.title, limits)
    # openpyxl's read-only worksheet exposes no public way to stream cells past a wrong
    # <dimension>; these are the arguments its own ReadOnlyWorksheet gives the same parser.
    archive.streamed.add(ws._worksheet_path)
    with ws._get_source() as src:
        parser = _Parser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                         date_formats=wb._date_formats,
                         timedelta_formats=wb._timedelta_formats)  # fmt: skip
        found: dict[int, dict[int, str]] = {}
        uncomputed: set[tuple[int, int]] = set()
        errors: set[tuple[int, int]] = set()
        for number, cells in parser.parse():
            count.row(number, cells)
            for c in cells:
                if c["value"] is _UNCOMPUTED:
                    uncomputed.add((number - 1, c["column"] - 1))
                    continue
                if c["data_type"] == "e":
                    errors.add((number - 1, c["column"] - 1))
                text = cell_text(c["value"])
                if text is not None:
                    count.text(number, c["column"], text)
                    found.setdefault(number, {})[c["column"]] = text
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
