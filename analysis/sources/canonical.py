"""Canonical cells files (CSV or Parquet), as written by :func:`write_cells`.

Recognised by the required columns (``start``, ``grain``, ``channel``, ``unit``) whatever else
the file carries; scored by the share of its columns that are canonical
(:mod:`analysis.sources.matching`). On reading, the pandas index column of a ``DataFrame.to_csv``
(an empty first header, read as ``Unnamed: 0``, holding ``0 .. n-1``) is dropped; other
non-canonical columns are dropped and named in an :class:`~analysis.errors.IgnoredColumnsWarning`. Round trip: ``read`` of
what :func:`write_cells` wrote gives back the cells, provenance (``source``, ``file``, ``row``,
``derived``) included (``docs/data-formats.md``, "Round trip"). A canonical CSV is an output for
people (opened in a spreadsheet): its text cells are escaped against formulas on writing and
unescaped on reading (:mod:`analysis.sources.safe_text`); Parquet is written as is.
"""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from analysis.cells import COLUMNS, COMPUTED_COLUMNS, REQUIRED_COLUMNS, split_cells
from analysis.errors import IgnoredColumnsWarning, UnreadableError
from analysis.files import replacing, write_atomic
from analysis.sources import canonical_csv
from analysis.sources.base import Loaded, file_result
from analysis.sources.canonical_csv import INDEX_COLUMNS, name_rows
from analysis.sources.csv_text import decode
from analysis.sources.limits import Limits, current
from analysis.sources.matching import Match, share
from analysis.sources.safe_text import safe_csv_text, unescape_frame

__all__ = ["INDEX_COLUMNS", "NAME", "SUFFIXES", "detect", "match", "read", "write_cells"]

NAME = "canonical"
SUFFIXES = (".csv", ".parquet")


def _header(path: Path) -> list[str] | None:
    """The column names of a canonical-looking file (None: not a readable CSV / Parquet)."""
    try:
        if path.suffix == ".parquet":
            return list(pq.read_schema(path).names)
        if path.suffix == ".csv":
            with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
                return [c.strip() for c in next(csv.reader(f), [])]
    except (OSError, ValueError, csv.Error):
        return None
    return None


def detect(path: Path) -> bool:
    """A ``.csv`` / ``.parquet`` file whose header holds the required canonical columns."""
    return match(path) is not None


def match(path: Path) -> Match | None:
    """Every column, when the required ones are all there: canonical columns are read, a
    leading pandas index is dropped and any other column is named in a warning, so a file with
    ``start``, ``grain``, ``channel`` and ``unit`` is canonical whatever else it carries
    (:mod:`analysis.sources.matching`; ``kind`` counts the extra columns)."""
    names = _header(Path(path))
    if not names or not set(REQUIRED_COLUMNS) <= set(names):
        return None
    found = share(NAME, names[1:] if names[0] in INDEX_COLUMNS else names, COLUMNS.__contains__)
    extra = found.total - found.known
    return Match(NAME, len(names), len(names), kind=f"{extra} extra column(s)" if extra else "")


def read(path: Path, *, tz: str | None, limits: Limits | None = None) -> Loaded:
    """Read one canonical CSV or Parquet file.

    CSV values are read as text (ids keep their digits; nothing is guessed), the formula escape
    of :func:`write_cells` is removed (:func:`analysis.sources.safe_text.unescape_text`: one
    leading ``'`` before quotes and ``= + - @``, tab or CR), and the values are parsed by
    :func:`analysis.cells.split_cells`; ``row`` is the spreadsheet row (the header is row 1).
    A CSV is read block by block (:mod:`analysis.sources.canonical_csv`: bounded memory; rows
    and cell lengths counted against ``limits``, :mod:`analysis.sources.limits`).
    Parquet keeps its types; ``row`` is the 1-based record number. Rows that name no ``file``
    are named after this one. Invalid rows go to the rejected table.
    """
    path = Path(path)
    if path.suffix == ".csv":
        lim = current(limits)
        try:
            cells, rejected, rows, extra = canonical_csv.read_streaming(path, tz=tz, limits=lim)
        except canonical_csv.NotStreamable:
            cells, rejected, rows, extra = _read_whole(path, tz=tz, limits=lim)
        _warn_extra(extra, path)
        return file_result(source=NAME, file=path.name, rows_read=rows, cells=cells,
                           rejected=rejected)  # fmt: skip
    if path.suffix != ".parquet":
        raise UnreadableError(f"{path.name}: not a canonical file (expected one of {SUFFIXES})")
    raw = pd.read_parquet(path)
    raw, extra = _canonical_columns(raw)
    _warn_extra(extra, path)
    raw = name_rows(raw, path, first_data_row=1)
    cells, rejected = split_cells(raw, tz=tz, source=NAME)
    return file_result(source=NAME, file=path.name, rows_read=len(raw), cells=cells,
                       rejected=rejected)  # fmt: skip


def _read_whole(path: Path, *, tz: str | None, limits: Limits):
    """The whole-text reading of a CSV that the block reader refuses (ragged rows, headers that
    pandas renames): ``(cells, rejected, rows read, extra columns)``."""
    try:
        text, _encoding = decode(path.read_bytes(), path.name)
        raw = pd.read_csv(io.StringIO(text), dtype="string", keep_default_na=False)
        del text
    except pd.errors.EmptyDataError:
        raise UnreadableError(f"{path.name}: the file is empty; export it again") from None
    canonical_csv.check_limits(raw, path.name, limits, first_data_row=2)
    raw, extra = _canonical_columns(unescape_frame(raw))
    raw = name_rows(raw, path, first_data_row=2)
    cells, rejected = split_cells(raw, tz=tz, source=NAME)
    return cells, rejected, len(raw), extra


def _warn_extra(extra: list[str], path: Path) -> None:
    if extra:
        warnings.warn(
            f"{path.name}: column(s) {', '.join(map(repr, extra))} are not canonical columns "
            "and were not read (the canonical columns are listed in docs/data-formats.md); "
            "rename a column that should be read",
            IgnoredColumnsWarning,
            stacklevel=3,
        )


def _canonical_columns(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``raw`` without the pandas index column (first, headed ``Unnamed: 0`` or empty, holding
    ``0 .. n-1``) and without non-canonical columns, and the names of those (an index column
    holding other labels is one of them), for an :class:`IgnoredColumnsWarning`."""
    raw = raw.copy()
    first = raw.columns[0] if len(raw.columns) else None
    if first is not None and str(first) in INDEX_COLUMNS:
        labels = raw[first].astype("string").str.strip()
        if labels.tolist() == [str(i) for i in range(len(raw))]:  # a default RangeIndex
            raw = raw.drop(columns=first)
    extra = [str(c) for c in raw.columns if c not in COLUMNS]
    return raw.drop(columns=extra), extra


def write_cells(cells: pd.DataFrame, path: str | Path) -> Path:
    """Write cells to a canonical ``.csv`` or ``.parquet`` file (computed columns omitted).

    CSV is an output for people: text cells that a spreadsheet would run as a formula (starting
    with ``= + - @``, tab or CR) get a leading ``'`` (numbers untouched), which :func:`read`
    removes, so the round trip is exact; lines end with CRLF so that text holding a carriage
    return is quoted (:func:`analysis.sources.safe_text.safe_csv_text`).
    """
    path = Path(path)
    out = cells.drop(columns=list(COMPUTED_COLUMNS))
    if path.suffix == ".parquet":
        with replacing(path) as tmp:  # whole or not at all; a disk fault: OutputError
            out.to_parquet(tmp, index=False, compression="zstd")
    elif path.suffix == ".csv":
        out = out.assign(start=out["start"].map(lambda t: t.isoformat()))
        write_atomic(path, safe_csv_text(out))
    else:
        raise ValueError(f"{path.name}: write .csv or .parquet")
    return path
