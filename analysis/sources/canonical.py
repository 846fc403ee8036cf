"""Canonical cells files (CSV or Parquet), as written by :func:`write_cells`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from analysis.cells import COLUMNS, COMPUTED_COLUMNS, REQUIRED_COLUMNS, split_cells
from analysis.errors import UnreadableError
from analysis.sources.base import Loaded, file_result

__all__ = ["NAME", "SUFFIXES", "detect", "read", "write_cells"]

NAME = "canonical"
SUFFIXES = (".csv", ".parquet")


def detect(path: Path) -> bool:
    """A ``.csv`` / ``.parquet`` file whose header holds the required canonical columns."""
    path = Path(path)
    if path.suffix == ".parquet":
        names = set(pq.read_schema(path).names)
    elif path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            names = {c.strip() for c in f.readline().strip().split(",")}
    else:
        return False
    return set(REQUIRED_COLUMNS) <= names and names <= set(COLUMNS)


def read(path: Path, *, tz: str | None) -> Loaded:
    """Read one canonical CSV or Parquet file.

    CSV values are read as text (ids keep their digits; nothing is guessed) and parsed by
    :func:`analysis.cells.split_cells`; ``row`` is the spreadsheet row (the header is row 1).
    Parquet keeps its types; ``row`` is the 1-based record number. Rows that name no ``file``
    are named after this one. Invalid rows go to the rejected table.
    """
    path = Path(path)
    if path.suffix == ".csv":
        try:
            raw = pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8-sig")
        except pd.errors.EmptyDataError:
            raise UnreadableError(f"{path.name}: the file is empty; export it again") from None
        first_data_row = 2
    elif path.suffix == ".parquet":
        raw = pd.read_parquet(path)
        first_data_row = 1
    else:
        raise UnreadableError(f"{path.name}: not a canonical file (expected one of {SUFFIXES})")
    raw = raw.copy()
    # rows that do not name their file (written from memory) are named after this file
    raw["file"] = raw["file"].replace("", pd.NA).fillna(path.name) if "file" in raw else path.name
    if "row" not in raw:
        raw["row"] = range(first_data_row, first_data_row + len(raw))
    cells, rejected = split_cells(raw, tz=tz, source=NAME)
    return file_result(source=NAME, file=path.name, rows_read=len(raw), cells=cells,
                       rejected=rejected)  # fmt: skip


def write_cells(cells: pd.DataFrame, path: str | Path) -> Path:
    """Write cells to a canonical ``.csv`` or ``.parquet`` file (computed columns omitted)."""
    path = Path(path)
    out = cells.drop(columns=list(COMPUTED_COLUMNS))
    if path.suffix == ".parquet":
        out.to_parquet(path, index=False, compression="zstd")
    elif path.suffix == ".csv":
        out = out.assign(start=out["start"].map(lambda t: t.isoformat()))
        out.to_csv(path, index=False)
    else:
        raise ValueError(f"{path.name}: write .csv or .parquet")
    return path
