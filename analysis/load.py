"""``analysis.load`` / ``analysis.read``: data files in, validated canonical cells out."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.paths import resolve_data
from analysis.sources import LOADERS, detect_source, loader
from analysis.sources.base import Loaded, combine

PathLike = str | Path


class RejectedRowsWarning(UserWarning):
    """Some input rows were not usable; ``analysis.read(...).rejected`` lists them."""


def input_files(path: PathLike | Iterable[PathLike]) -> list[tuple[Path, bool]]:
    """The files behind ``path``: ``(file, named)`` pairs, ``named`` False for files found in a
    directory (those a loader does not recognise are skipped and listed, not an error).

    Directories are read one level deep, files sorted by name; relative paths are taken from the
    project root.
    """
    paths = [path] if isinstance(path, str | Path) else list(path)
    files: list[tuple[Path, bool]] = []
    for p in map(resolve_data, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
            if not found:
                raise FileNotFoundError(f"{p}: the folder holds no file")
            files += [(f, False) for f in found]
        elif p.exists():
            files.append((p, True))
        else:
            raise FileNotFoundError(f"{p}: no such file or directory")
    return files


def read(
    path: PathLike | Iterable[PathLike], *, source: str = "auto", tz: str | None = None
) -> Loaded:
    """Read files into cells, keeping what could not be used.

    Parameters
    ----------
    path : str, Path or iterable of them
        Files, or folders whose files are all read (one level, sorted by name).
    source : str, default "auto"
        A loader of :data:`analysis.sources.LOADERS`, or ``"auto"`` to detect each file's format
        from its name, sheets and first rows.
    tz : str, optional
        The shop's IANA time zone (``"Europe/Paris"``): naive times are read as shop-local times
        in it, aware times converted to it. Required when a file has naive times.

    Returns
    -------
    analysis.sources.base.Loaded
        ``cells`` (validated canonical cells), ``rejected`` (file, row, column, value, reason),
        ``replaced`` (rows superseded by a newer export), ``files`` (per-file counts; files of a
        folder that no loader recognises are listed with source ``skipped``) and ``summary``
        (``"N rows read, M cells, K rejected, R replaced"``).

    Raises
    ------
    FileNotFoundError
        A path does not exist.
    ValueError, analysis.cells.CellsError
        A file is unreadable as a whole: empty, unrecognised (when named explicitly), or lacking
        a required column.
    """
    results, skipped = [], []
    for f, named in input_files(path):
        if source == "auto":
            try:
                name = detect_source(f)
            except ValueError:
                if named:
                    raise
                skipped.append(f.name)
                continue
        else:
            name = source
        results.append(loader(name).read(f, tz=tz))
    loaded = combine(results)
    for name in dict.fromkeys(loaded.files["source"]):  # cross-file passes, e.g. newest export
        dedupe = getattr(loader(name), "dedupe", None)
        if dedupe is not None:
            loaded = dedupe(loaded)
    if skipped:
        extra = pd.DataFrame({"file": skipped, "source": "skipped", "rows_read": 0, "rows_used": 0,
                              "rows_rejected": 0, "rows_replaced": 0, "cells": 0})  # fmt: skip
        loaded.files = pd.concat([loaded.files, extra], ignore_index=True)
    if not results:
        raise FileNotFoundError(
            f"no file in {path} is in a supported format ({', '.join(LOADERS)})"
        )
    return loaded


def load(
    path: PathLike | Iterable[PathLike], *, source: str = "auto", tz: str | None = None
) -> pd.DataFrame:
    """Load files (or folders of them) into validated canonical cells.

    Like :func:`read`, returning only the cells. When rows were rejected a
    :class:`RejectedRowsWarning` gives the summary and the first problems; the full rejected table
    is ``analysis.read(path, tz=tz).rejected`` (and ``cartlift validate PATH``).

    Parameters
    ----------
    path : str, Path or iterable of them
        Files, or folders whose files are all read. Relative paths are taken from the project root.
    source : str, default "auto"
        Loader name, or ``"auto"`` to detect each file's format.
    tz : str, optional
        The shop's IANA time zone, e.g. ``"Europe/Paris"``. Needed when the files hold naive times
        or UTC offsets; Parquet files with a time-zone-aware ``start`` carry their own.

    Returns
    -------
    pandas.DataFrame
        Validated canonical cells, columns as in :data:`analysis.cells.COLUMNS`: provenance
        (``source``, ``file``, ``row``, ``derived``), time (``start``, ``grain``, ``date``,
        ``hour``, ``weekday``), exposure (``channel``, ``is_live``, ``content_id``,
        ``content_title``, ``creator``), product (``product_id``, ``category``, ``promo``),
        audience (``age_group``, ``gender``, ``region``), counts (``impressions``, ``views``,
        ``viewers``, ``clicks``, ``atc``, ``checkouts``, ``orders``, ``items``, ``revenue``,
        ``currency``) and ``unit``.

    Examples
    --------
    >>> import analysis as cl
    >>> cells = cl.load("data/sample", tz="Europe/Paris")
    """
    loaded = read(path, source=source, tz=tz)
    if len(loaded.rejected):
        first = "; ".join(
            f"{r.file} row {r.row} column {r.column!r}: {r.reason}"
            for r in loaded.rejected.head(3).itertuples()
        )
        warnings.warn(
            f"{loaded.summary}. First problems: {first}. All of them: "
            "analysis.read(path, tz=...).rejected or `cartlift validate PATH`",
            RejectedRowsWarning,
            stacklevel=2,
        )
    return loaded.cells
