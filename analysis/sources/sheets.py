"""Spreadsheet exports read as text: every visible sheet of an xlsx, or the one table of a CSV.

Cells come back as written (TikTok writes every cell as text); numbers and dates that a user
re-saved are turned back into text (ints as digits, floats with ``repr``, datetimes ISO). Nothing
the file says about itself is trusted: an xlsx is streamed cell by cell whatever size it declares
(:mod:`analysis.sources.xlsx`, which also fills merged ranges and marks formulas without a
computed value); a CSV's encoding is decided explicitly, never with replacement characters, and
its delimiter sniffed (:mod:`analysis.sources.csv_text`). Hidden and very hidden sheets are not
read (a hidden sheet is a lookup list or a copy, not the export's table); when no sheet holds the
table, the error names them (:func:`analysis.sources.tables.open_table`).

Finding the header and classifying the rows under it is :mod:`analysis.sources.tables`; formats
and the quirks handled: ``docs/data-formats.md`` §1 and "Quirks handled".
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import UnreadableError
from analysis.sources.csv_text import decode, sniff_delimiter, split
from analysis.sources.limits import Limits, current
from analysis.sources.xlsx import cell_text, read_workbook

__all__ = ["HEADER_SEARCH_ROWS", "SPREADSHEET_SUFFIXES", "TABLE_SUFFIXES", "Sheet",
           "hidden_sheets", "read_sheets", "showing_hidden_sheets"]  # fmt: skip

#: rows searched for the header (title rows, summaries and description rows come first)
HEADER_SEARCH_ROWS = 30
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = (*SPREADSHEET_SUFFIXES, ".csv", ".tsv", ".txt")
_SHOW_HIDDEN = contextvars.ContextVar("show_hidden_sheets", default=False)


@dataclass(frozen=True)
class Sheet:
    """One sheet: ``rows`` of text cells (``None`` = empty; row ``n`` at index ``n - 1``).

    ``widths``: the number of fields of each CSV line as written (``None`` for xlsx).
    ``uncomputed``: 0-based ``(row, column)`` of the formula cells without a cached value (their
    text is ``None``; :func:`analysis.sources.tables.data_rows` rejects their rows).
    ``errors``: 0-based ``(row, column)`` of the xlsx error cells (``#N/A``, ``#DIV/0!``, their
    text kept; their rows are rejected too).
    ``delimiter`` and ``encoding``: of a CSV (``None`` for xlsx).
    """

    name: str
    rows: tuple[tuple[str | None, ...], ...]
    widths: tuple[int, ...] | None = None
    uncomputed: frozenset[tuple[int, int]] = frozenset()
    errors: frozenset[tuple[int, int]] = frozenset()
    delimiter: str | None = None
    encoding: str | None = None


def read_sheets(path: Path) -> tuple[Sheet, ...]:
    """Every visible sheet of an xlsx (or the one table of a CSV) as text rows. Cached per file
    version.

    Raises
    ------
    UnreadableError
        The file is empty, not a spreadsheet, or not decodable text.
    """
    show = _SHOW_HIDDEN.get()
    return tuple(s for s, state in _sheets(Path(path)) if show or state == "visible")


@contextlib.contextmanager
def showing_hidden_sheets() -> Iterator[None]:
    """Within this block :func:`read_sheets` returns hidden sheets too (detection uses it to
    recognise a file whose table is only on a hidden sheet, so that reading it says so)."""
    token = _SHOW_HIDDEN.set(True)
    try:
        yield
    finally:
        _SHOW_HIDDEN.reset(token)


def hidden_sheets(path: Path) -> tuple[str, ...]:
    """Names of the hidden and very hidden sheets of an xlsx, which :func:`read_sheets` skips."""
    return tuple(s.name for s, state in _sheets(Path(path)) if state != "visible")


def _sheets(path: Path) -> tuple[tuple[Sheet, str], ...]:
    st = path.stat()
    got = _read_sheets(str(path), st.st_mtime_ns, st.st_size, current())
    if isinstance(got, UnreadableError):  # cached too: every loader's detection asks again
        raise got.with_traceback(None)
    return got


@functools.lru_cache(maxsize=32)
def _read_sheets(path_str: str, mtime: int, size: int,
                 limits: Limits) -> tuple[tuple[Sheet, str], ...] | UnreadableError:  # fmt: skip
    try:
        return _read_file(Path(path_str), size, limits)
    except UnreadableError as err:  # kept without its traceback (whose frames hold the cells)
        err.__context__ = err.__cause__ = None
        return err.with_traceback(None)


def _read_file(path: Path, size: int, limits: Limits) -> tuple[tuple[Sheet, str], ...]:
    if size == 0:
        raise UnreadableError(f"{path.name}: the file is empty; export it again")
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        return tuple((Sheet(s.name, s.rows, uncomputed=s.uncomputed, errors=s.errors), s.state)
                     for s in read_workbook(path, limits))  # fmt: skip
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return ((_read_csv(path), "visible"),)
    raise UnreadableError(f"{path.name}: not a spreadsheet ({', '.join(TABLE_SUFFIXES)})")


def _read_csv(path: Path) -> Sheet:
    text, encoding = decode(path.read_bytes(), path.name)
    if not text.strip():
        raise UnreadableError(f"{path.name}: the file is empty; export it again")
    delimiter = sniff_delimiter(text, HEADER_SEARCH_ROWS)
    lines = split(text, delimiter, path.name)  # counts rows and cell lengths (limits)
    widths = tuple(len(r) for r in lines)
    width = max(widths, default=0)
    rows = tuple(tuple(cell_text(c) for c in r) + (None,) * (width - len(r)) for r in lines)
    return Sheet(path.stem, rows, widths, delimiter=delimiter, encoding=encoding)
