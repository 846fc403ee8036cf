"""The loaded data cached as Parquet, keyed by its fingerprint, outside ``reports/``.

A report reads its data in the parent (:mod:`analysis.report.plan`) and then once more in every
kept kernel (:func:`analysis.report.cache.read_once`): on a year of hourly cells each read of
the files took ~10 s (decoding and validating 979,042 cells). The parent now writes what it read
(every frame of :class:`analysis.sources.base.Loaded`, and the range files a weekly page leaves
out) once as Parquet files under :data:`analysis.paths.LOADED_CACHE`, one folder per key; a
kernel reads them back (not memory-mapped: on a busy Linux VM that read 7x slower), and a
weekly page reads only the rows of its window
(``date`` filter pushed into the Parquet read; :func:`load`).

The key (:func:`entry_key`) is the sha256 of the data path, the time zone, the shop file, every
data file's name, size and modification time, and the kit's own code (``analysis/**/*.py``,
``.json``): a changed file or kit reads the files again. An entry is written in a temporary
folder and renamed into place (:func:`os.replace`, atomic on Windows, macOS and Linux), so a
reader sees a whole entry or none, and two reports writing the same key at once keep one. At
most :data:`MAX_ENTRIES` entries are kept (the least recently used are removed; an entry still
open on Windows is left for the next run). Any failure to write or read an entry falls back to
reading the files: the cache never changes a number (``tests/report/test_columnar.py``).
The entries hold the data unmasked: they stay on the analyst's machine and are never published
(``docs/architecture.md``, "Caching"). Parquet: Apache Parquet format specification,
https://parquet.apache.org/docs/file-format/.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import paths
from analysis.present.privacy import is_id_column
from analysis.sources.base import Loaded
from analysis.sources.quality import derived_cells

__all__ = [
    "MAX_ENTRIES",
    "SUMMARY_FRAMES",
    "entry_key",
    "load",
    "load_summary",
    "store",
    "summary",
]

#: entries kept in the cache folder (a report needs one; a few for several data folders)
MAX_ENTRIES = 4
#: bump when the layout of an entry changes
_VERSION = "2"
#: rows of a Parquet row group: a window's read skips the groups whose dates lie outside it
_ROW_GROUP = 32_768
#: the cells' position in the read (they are stored by date, so a window's rows are together)
_ROW = "_cartlift_row"
#: the frames of an entry: those of Loaded, plus the range files a weekly page leaves out
_FRAMES = (*(f.name for f in dataclasses.fields(Loaded)), "left_out")
#: the small frames :func:`summary` writes beside them: what is said of every cell, unread
SUMMARY_FRAMES = ("counts", "text", "days")


@functools.cache
def _kit() -> str:
    """sha256 of the ``analysis`` package's ``.py`` and ``.json`` files (names and bytes)."""
    root = paths.PROJECT_ROOT / "analysis"
    digest = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".json") and p.is_file()):
        digest.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()


def entry_key(fingerprint: tuple) -> str:
    """The entry's name: sha256 of :data:`_VERSION`, the kit (:func:`_kit`) and ``fingerprint``
    (the data path, time zone, shop file and every file's name, size and modification time:
    :func:`analysis.report.cache.data_key`)."""
    text = repr((_VERSION, _kit(), fingerprint))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def store(key: str, loaded: Loaded, left_out: pd.DataFrame) -> Path | None:
    """Write ``loaded`` and ``left_out`` as the entry ``key`` (nothing when it exists).

    Each frame is one Parquet file (with the :func:`summary` of the cells), its index kept as a column (a page selecting rows keeps the
    labels the files' read gives); the cells by date in row groups of :data:`_ROW_GROUP` (when
    the read's order is not by date, with their position, to restore it). Returns the entry's folder, or None when it could not be
    written (a read-only or full disk, a column Parquet cannot hold): the kernels then read the
    files, as without a cache.
    """
    root = paths.LOADED_CACHE
    final = root / key
    if final.is_dir():
        return final
    tmp = root / f".tmp-{key}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir(parents=True)
        frames = {f: getattr(loaded, f) for f in _FRAMES[:-1]} | {"left_out": left_out}
        frames |= summary(loaded.cells)
        cells = frames["cells"]
        if "date" in cells and not cells["date"].is_monotonic_increasing:  # else stored as read
            cells = cells.assign(**{_ROW: np.arange(len(cells))})
            frames["cells"] = cells.sort_values("date", kind="stable")
        for name, frame in frames.items():
            frame.to_parquet(tmp / f"{name}.parquet", engine="pyarrow", index=True,
                             row_group_size=_ROW_GROUP)  # fmt: skip
        os.replace(tmp, final)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is not an error
        shutil.rmtree(tmp, ignore_errors=True)  # another report renamed the same key first
        return final if final.is_dir() else None
    _prune(root, keep=final)
    return final


def load(key: str, *, window: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> Any:
    """The entry ``key`` as ``(Loaded, left_out)``, or None when there is none or it cannot be
    read (the caller reads the files).

    ``window = (first, end)``: only the cells with ``first <= date < end`` are read (a filter
    pushed into the Parquet read: row groups outside are skipped); the other frames whole.
    """
    frames = _read(key, _FRAMES, window=window)
    if frames is None:
        return None
    left_out = frames.pop("left_out")
    return Loaded(**frames), left_out


def load_summary(key: str) -> dict[str, pd.DataFrame] | None:
    """The :func:`summary` frames of the entry ``key`` (:data:`SUMMARY_FRAMES`), or None when
    there is none or it cannot be read (the caller counts on the cells)."""
    return _read(key, SUMMARY_FRAMES)


def _read(key: str, names: tuple[str, ...], *, window: Any = None) -> dict[str, Any] | None:
    """The frames ``names`` of the entry ``key`` (the cells within ``window``), or None."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    entry = paths.LOADED_CACHE / key
    if not entry.is_dir():
        return None
    try:
        rows = None if window is None else [("date", ">=", window[0]), ("date", "<", window[1])]
        frames = {}
        for name in names:
            table = pq.read_table(entry / f"{name}.parquet", memory_map=False,
                                  filters=rows if name == "cells" else None)  # fmt: skip
            if _ROW in table.column_names:  # back to the order of the read
                table = table.take(pc.sort_indices(table[_ROW])).drop_columns([_ROW])
            frames[name] = table.to_pandas()
    except Exception:  # noqa: BLE001 - removed or damaged under us: read the files
        return None
    with contextlib.suppress(OSError):
        os.utime(entry)  # recently used: pruned last
    return frames


def summary(cells: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """What the data-quality page states of every cell, as frames of a few rows.

    ``counts``: one row per ``source`` (missing included), its ``cells`` and ``derived`` cells
    (:func:`analysis.sources.quality.derived_cells`): their sum is the number of cells, and
    ``derived`` the column of :func:`analysis.sources.quality.source_summary`. ``text``: the
    distinct values of each text column the privacy scan reads
    (:func:`analysis.present.privacy.personal_values`: object or string columns, not ids) and of
    ``creator``, each column in its own dtype, padded with missing values: the scan counts
    distinct values per column, and pseudonyms (:func:`analysis.present.privacy.pseudonymise`)
    depend on the distinct handles, so both are the same on ``text`` as on ``cells``
    (``docs/data-formats.md``, "Personal data in shared pages"). ``days``: the cells per
    ``date``, ``grain`` and ``channel`` (missing values kept): what the report's parent resolves
    the week on (:func:`analysis.weeks.resolve_week` reads only the dates) before it reads a
    window of cells.
    """
    size = cells.groupby("source", dropna=False).size()
    counts = pd.DataFrame({"cells": size, "derived": derived_cells(cells)}).rename_axis("source")
    text = [c for c in cells.columns if c == "creator" or (not is_id_column(c) and (
        cells[c].dtype == object or pd.api.types.is_string_dtype(cells[c])))]  # fmt: skip
    values = {c: list(cells[c].dropna().unique()) for c in text}
    n = max((len(v) for v in values.values()), default=0)
    frame = pd.DataFrame({c: pd.Series(v + [None] * (n - len(v)), dtype=cells[c].dtype)
                          for c, v in values.items()}, index=pd.RangeIndex(n))  # fmt: skip
    keys = [c for c in ("date", "grain", "channel") if c in cells]
    days = cells.groupby(keys, dropna=False, observed=True).size().reset_index(name="cells")
    return {"counts": counts.reset_index(), "text": frame, "days": days}


def _prune(root: Path, *, keep: Path) -> None:
    """Remove all but the :data:`MAX_ENTRIES` most recently used entries (and temporary folders
    of killed runs older than an hour); each is renamed away first, so a reader never sees half
    of one; one still open (Windows) stays for a later run."""
    import time

    entries, now = [], time.time()
    for p in root.iterdir():
        try:
            age = now - p.stat().st_mtime
        except OSError:
            continue
        if p.name.startswith(".tmp-") and age > 3600:
            shutil.rmtree(p, ignore_errors=True)
        elif not p.name.startswith(".") and p != keep:
            entries.append((age, p))
    for _age, p in sorted(entries)[MAX_ENTRIES - 1 :]:
        trash = root / f".tmp-gone-{uuid.uuid4().hex[:8]}"
        try:
            os.replace(p, trash)
        except OSError:
            continue
        shutil.rmtree(trash, ignore_errors=True)
