"""Canonical cells files (CSV or Parquet), as written by :func:`write_cells`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.cells import validate_cells

SUFFIXES = (".csv", ".parquet")


def read_canonical(path: Path, *, tz: str | None) -> pd.DataFrame:
    """Read one canonical CSV or Parquet file into validated cells.

    CSV values are read as text (ids keep their digits; nothing is guessed) and parsed by
    :func:`analysis.cells.validate_cells`; ``row`` is the spreadsheet row (the header is row 1).
    Parquet keeps its types; ``row`` is the 1-based record number.
    """
    path = Path(path)
    if path.suffix == ".csv":
        try:
            raw = pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8-sig")
        except pd.errors.EmptyDataError:
            raise ValueError(f"{path.name}: the file is empty; export it again") from None
        first_data_row = 2
    elif path.suffix == ".parquet":
        raw = pd.read_parquet(path)
        first_data_row = 1
    else:
        raise ValueError(f"{path.name}: not a canonical file (expected one of {SUFFIXES})")
    raw = raw.copy()
    # rows that do not name their file (written from memory) are named after this file
    raw["file"] = raw["file"].replace("", pd.NA).fillna(path.name) if "file" in raw else path.name
    if "row" not in raw:
        raw["row"] = range(first_data_row, first_data_row + len(raw))
    return validate_cells(raw, tz=tz, source="canonical")


def write_cells(cells: pd.DataFrame, path: str | Path) -> Path:
    """Write cells to a canonical ``.csv`` or ``.parquet`` file (derived columns omitted)."""
    from analysis.cells import DERIVED_COLUMNS

    path = Path(path)
    out = cells.drop(columns=list(DERIVED_COLUMNS))
    if path.suffix == ".parquet":
        out.to_parquet(path, index=False, compression="zstd")
    elif path.suffix == ".csv":
        out = out.assign(start=out["start"].map(lambda t: t.isoformat()))
        out.to_csv(path, index=False)
    else:
        raise ValueError(f"{path.name}: write .csv or .parquet")
    return path
