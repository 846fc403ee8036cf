"""Validating one big file in parts: the cells and rejected rows :func:`split_cells` would give.

A loader that reads a file block by block (:mod:`analysis.sources.canonical`) passes its parts to
:func:`split_chunks`: each part is validated alone (:func:`analysis.cells.validation.split_parts`,
so memory stays that of one part plus the cells kept), and duplicated cells across parts are
found afterwards: a 64-bit hash of each row's key (:data:`analysis.cells.KEY_COLUMNS`) finds the
candidates, whose keys are then compared exactly, so a hash collision never rejects a row. The
cells are joined column by column (each part's column is released as it is joined), so the
file's cells are never held twice. ``docs/data-formats.md``, "Reading a canonical CSV".
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from analysis.cells.rules import DUPLICATE
from analysis.cells.schema import KEY_COLUMNS, PROBLEM_COLUMNS
from analysis.cells.validation import split_parts

__all__ = ["concat_columns", "split_chunks"]


def split_chunks(
    chunks: Iterable[pd.DataFrame], *, tz: str | None = None, source: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """``(cells, rejected, rows)``: :func:`analysis.cells.split_cells` of the parts of one file
    (in file order) as if they were one frame, and the number of rows read.

    The rule "duplicates an earlier row of this file" holds across parts: a row whose key equals
    that of an earlier row with a start time (valid or rejected) is rejected. The rejected table
    is sorted by ``file`` and ``row`` (stable), as :func:`split_cells` sorts it.
    """
    cells, rejected, kept, hashes, valid = [], [], [], [], []
    rows = 0
    for part in chunks:
        c, r, keys = split_parts(part, tz=tz, source=source)
        keys.index = keys.index + rows
        has_start = keys["start"].notna()
        hashes.append(_hashes(keys, has_start))
        valid.append(keys.index[~keys["rejected"]].to_numpy())
        kept.append(keys[keys["rejected"] & has_start])  # few: their keys are kept for the check
        cells.append(c)
        rejected.append(r)
        rows += len(keys)
    sharing = _sharing(np.concatenate(hashes or [np.empty(0, "uint64")]))
    del hashes
    every = concat_columns(cells)
    flagged = _duplicates(sharing, every, np.concatenate(valid or [np.empty(0, "int64")]), kept)
    if len(flagged):
        text = flagged["start"].astype("string")
        rejected.append(pd.DataFrame(  # built like the problems of split_cells
            [{"file": f, "row": r, "column": "start", "value": v, "reason": DUPLICATE}
             for f, r, v in zip(flagged["file"].tolist(), flagged["row"].tolist(),
                                text.tolist(), strict=True)], columns=list(PROBLEM_COLUMNS)))  # fmt: skip
        every = every.drop(index=flagged["cell"].dropna().astype("int64")).reset_index(drop=True)
    if len(rejected) == 1:  # one part: exactly what split_cells gives
        return every, rejected[0], rows
    bad = pd.concat([r for r in rejected if len(r)] or rejected[:1], ignore_index=True)
    bad = bad.sort_values(["file", "row"], kind="stable").reset_index(drop=True)
    return every, bad[list(PROBLEM_COLUMNS)], rows


def _hashes(keys: pd.DataFrame, has_start: pd.Series) -> np.ndarray:
    """One uint64 hash per row's key; rows without a start time get hash 0 and are ignored."""
    h = pd.util.hash_pandas_object(keys[list(KEY_COLUMNS)], index=False).to_numpy()
    return np.where(has_start.to_numpy(), h, np.uint64(0))


def _sharing(hashes: np.ndarray) -> np.ndarray:
    """Positions (in file order) of the rows with a start time whose hash another row shares
    (sorted, not hashed again: no hash table of millions of rows)."""
    nonzero = np.flatnonzero(hashes)
    order = np.argsort(hashes[nonzero], kind="stable")
    ordered = hashes[nonzero][order]
    eq = ordered[1:] == ordered[:-1]
    same = np.zeros(len(nonzero), dtype=bool)
    same[order[1:][eq]] = True
    same[order[:-1][eq]] = True
    return nonzero[same]


def _duplicates(positions, cells, valid, kept) -> pd.DataFrame:
    """Rows duplicating an earlier row of another part: ``file``, ``row``, ``start`` and
    ``cell`` (their index in ``cells``, NA when already rejected), in file order. ``positions``:
    the rows sharing a hash with another row, compared exactly here."""
    empty = pd.DataFrame(columns=["file", "row", "start", "cell"])
    if not len(positions):
        return empty
    in_cells = np.isin(positions, valid)
    at = np.searchsorted(valid, positions[in_cells])
    from_cells = cells.iloc[at][[*KEY_COLUMNS, "row"]].set_axis(positions[in_cells])
    from_cells = from_cells.assign(cell=at, duplicate=False)
    rejected = pd.concat(kept).loc[positions[~in_cells]] if (~in_cells).any() else None
    both = pd.concat([f for f in (from_cells, rejected) if f is not None]).sort_index()
    dup = both.duplicated(subset=list(KEY_COLUMNS), keep="first")
    found = both[dup & ~both["duplicate"].astype(bool)]  # flagged within a part already
    if found.empty:
        return empty
    return found.assign(cell=found["cell"].astype("Int64"))[["file", "row", "start", "cell"]]


def concat_columns(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames of ``parts`` (same columns) one under the other, joined column by column and
    each part's column released once joined (peak: the result plus one column), index reset."""
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    columns = list(parts[0].columns)
    joined = {}
    for name in columns:
        joined[name] = pd.concat([p.pop(name) for p in parts], ignore_index=True)
    parts.clear()
    return pd.DataFrame(joined, columns=columns, copy=False)
