"""A canonical CSV read block by block: memory bounded by one block plus the cells kept.

The encoding is decided on the bytes block by block (:func:`analysis.sources.csv_text.
file_encoding`: the rules and messages of :func:`~analysis.sources.csv_text.decode`); the file
is then parsed by pyarrow's streaming CSV reader (:data:`BLOCK_BYTES` at a time, every column
as text, empty fields as empty text, quoted line breaks kept), and each block is checked
against the reading limits (rows, cell length; :mod:`analysis.sources.limits`), unescaped (the
formula escape of :func:`analysis.sources.safe_text.escape_text`, in Arrow), and validated
alone; :func:`analysis.cells.chunks.split_chunks` joins the parts (duplicates across blocks
found too). A file the block reader refuses (rows of varying width, empty or repeated header
names, which pandas renames) raises :class:`NotStreamable`, and :mod:`analysis.sources.canonical`
reads it whole as before. ``docs/data-formats.md``, "Reading a canonical CSV".
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analysis.cells import COLUMNS
from analysis.cells.chunks import split_chunks
from analysis.sources.csv_text import file_encoding
from analysis.sources.limits import Limits, exceeded
from analysis.sources.safe_text import FORMULA_STARTS

__all__ = ["BLOCK_BYTES", "INDEX_COLUMNS", "NotStreamable", "check_limits", "header",
           "name_rows", "read_streaming"]  # fmt: skip

#: bytes of CSV parsed at a time by pyarrow (which reads a few blocks ahead)
BLOCK_BYTES = 1 << 22
#: text (Arrow bytes) validated at a time: blocks are joined up to this size (~100,000 rows of
#: the sample's cells)
PART_BYTES = 1 << 24
#: headers of a pandas index column written by ``DataFrame.to_csv`` (first column only)
INDEX_COLUMNS = ("", "Unnamed: 0")
#: a text cell escaped by :func:`analysis.sources.safe_text.escape_text` (RE2 syntax)
_ESCAPED = "^'+[" + "".join(f"\\x{{{ord(c):02x}}}" for c in FORMULA_STARTS) + "]"
_TEXT = {pa.string(): pd.StringDtype()}


class NotStreamable(Exception):
    """The block reader refuses the file (rows of varying width, a header it reads otherwise
    than :mod:`csv`): read it whole."""


def header(path: Path, encoding: str) -> list[str]:
    """The header names of the CSV at ``path`` in ``encoding`` (``[]`` for an empty file)."""
    with open(path, encoding=encoding, newline="") as f:
        return next(csv.reader(f), [])


def read_streaming(path: Path, *, tz: str | None, limits: Limits, source: str = "canonical"):
    """``(cells, rejected, rows read, extra columns)`` of the canonical CSV at ``path``, read
    block by block (see the module). ``extra`` names the columns not read, in file order (a
    first column headed like a pandas index whose labels are not ``0 .. n-1`` among them).

    Raises
    ------
    NotStreamable
        No header, empty or repeated header names (pandas renames them), or pyarrow refuses
        the file (rows of varying width): read it whole.
    LimitError
        A limit of ``limits`` passed (file, spreadsheet row and column named).
    """
    encoding = file_encoding(path)
    names = header(path, encoding)
    if not names or not all(names[1:]) or len(set(names)) < len(names):
        raise NotStreamable(f"{path.name}: a header pandas renames, or none")  # read it whole
    index = names[0] if names and names[0] in INDEX_COLUMNS else None
    keep = [n for n in names if n in COLUMNS or n == index]
    state = {"index_labels": True}
    blocks = _blocks(path, encoding, keep, index, limits, state)
    try:
        cells, rejected, rows = split_chunks(blocks, tz=tz, source=source)
    except pa.ArrowInvalid as err:
        raise NotStreamable(f"{path.name}: {err}") from None
    extra = [n for n in names if n not in keep]
    if index is not None and not state["index_labels"]:
        extra.insert(0, index or "Unnamed: 0")  # pandas names an empty header so
    return cells, rejected, rows, extra


def _blocks(path, encoding, keep, index, limits, state) -> Iterator[pd.DataFrame]:
    """The file's blocks as frames of text (index column dropped, ``file`` and ``row`` set);
    one empty frame for a file without data rows."""
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES, use_threads=False,
                                       encoding="utf8" if encoding.startswith("utf-8")
                                       else encoding),  # fmt: skip
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(keep, pa.string()), include_columns=keep,
            strings_can_be_null=False, quoted_strings_can_be_null=False, null_values=[]),
    )  # fmt: skip
    if reader.schema.names != keep:
        raise NotStreamable(f"{path.name}: header read as {reader.schema.names}")
    rows = 0
    for batches in _parts(reader, path.name, limits):
        unescaped = [_unescape(values) for values in pa.Table.from_batches(batches).columns]
        frame = pa.Table.from_arrays(unescaped, names=keep).to_pandas(types_mapper=_TEXT.get)
        del batches, unescaped
        if index is not None:
            labels = frame.pop(index).str.strip()
            expected = pd.Series(np.arange(rows, rows + len(frame)).astype(str), dtype="string")
            state["index_labels"] &= bool((labels == expected).all())
        yield name_rows(frame, path, first_data_row=rows + 2)
        rows += len(frame)
    if rows == 0:
        frame = pd.DataFrame({n: pd.Series([], dtype="string") for n in keep if n != index})
        yield name_rows(frame, path, first_data_row=2)


def _parts(reader, name: str, limits: Limits) -> Iterator[list[pa.RecordBatch]]:
    """The reader's batches, each checked against the limits, joined up to :data:`PART_BYTES`."""
    part: list[pa.RecordBatch] = []
    rows = 0
    for batch in reader:
        if batch.num_rows == 0:
            continue
        _check_batch(batch, name, limits, first_row=rows + 2)
        rows += batch.num_rows
        part.append(batch)
        if sum(b.nbytes for b in part) >= PART_BYTES:
            full, part = part, []
            yield full
    if part:
        yield part


def _unescape(values: pa.Array) -> pa.Array:
    """``values`` with one leading ``'`` removed where the formula escape put it
    (:func:`analysis.sources.safe_text.unescape_text`, in Arrow compute)."""
    escaped = pc.match_substring_regex(values, _ESCAPED)
    if not pc.any(escaped).as_py():
        return values
    return pc.if_else(escaped, pc.utf8_slice_codeunits(values, 1), values)


def name_rows(raw: pd.DataFrame, path: Path, first_data_row: int) -> pd.DataFrame:
    """``file`` filled with this file's name where empty (rows written from memory), ``row``
    numbered from ``first_data_row`` when the file has no such column."""
    raw["file"] = raw["file"].replace("", pd.NA).fillna(path.name) if "file" in raw else path.name
    if "row" not in raw:
        raw["row"] = range(first_data_row, first_data_row + len(raw))
    return raw


def _check_batch(batch: pa.RecordBatch, name: str, limits: Limits, first_row: int) -> None:
    """:class:`~analysis.errors.LimitError` when the rows up to this block pass ``max_rows`` or
    one of its cells is longer than ``max_cell_chars`` (the first such cell, by row)."""
    read = first_row - 2 + batch.num_rows
    if read > limits.max_rows:
        row = limits.max_rows + 1
        raise exceeded(name, "max_rows", f"data row {row:,}", limits, f"row {row + 1}")
    over = []
    for column, values in zip(batch.schema.names, batch.columns, strict=True):
        lengths = pc.utf8_length(values)
        longest = pc.max(lengths).as_py()
        if longest is not None and longest > limits.max_cell_chars:
            i = pc.index(pc.greater(lengths, limits.max_cell_chars), True).as_py()
            over.append((i, column, lengths[i].as_py()))
    if over:
        i, column, length = min(over, key=lambda o: o[0])
        raise exceeded(name, "max_cell_chars", f"a cell of {length:,} characters", limits,
                       f"row {first_row + i}, column {column!r}")  # fmt: skip


def check_limits(raw: pd.DataFrame, name: str, limits: Limits, first_data_row: int) -> None:
    """The checks of a block (rows, cell length) on a frame of text read whole."""
    batch = pa.RecordBatch.from_pandas(raw.astype("string"), preserve_index=False)
    _check_batch(batch, name, limits, first_row=first_data_row)
