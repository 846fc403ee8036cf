"""``analysis.sources.load`` / ``analysis.read``: data files in, validated canonical cells out."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.errors import RejectedRowsWarning
from analysis.paths import resolve_data
from analysis.sources import LOADERS, detect_source, ga4, loader
from analysis.sources.base import Loaded, combine
from analysis.sources.engines import check_engine
from analysis.sources.shop_apply import apply_to_loaded
from analysis.sources.shop_file import ShopFile, read_shop, split_shop

__all__ = ["PathLike", "input_files", "load", "read"]

PathLike = str | Path


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
    path: PathLike | Iterable[PathLike],
    *,
    source: str = "auto",
    tz: str | None = None,
    engine: str = "duckdb",
    dates: tuple[str, str] | None = None,
    shop: PathLike | bool | None = None,
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
    engine : {"duckdb", "spark", "bigquery"}, default "duckdb"
        Who aggregates GA4 event exports into cells (:mod:`analysis.sources.engines`; other formats are
        read by the kit itself and accept only ``"duckdb"``). ``"spark"``: Parquet exports, the
        active Spark session or a local one. ``"bigquery"``: ``path`` is the export table
        (``"project.dataset.events_*"``), read where it lives, for the daily tables ``dates``.
    dates : (str, str), optional
        ``("YYYYMMDD", "YYYYMMDD")``, first and last daily table (``engine="bigquery"`` only).
    shop : str, Path or False, optional
        A shop file (``docs/shop-file.md``) applied to the cells: categories, promotion
        calendar, creators, currency; its ``timezone`` is the default of ``tz``. Default: the
        file named ``shop.toml`` in the data folder, if any (listed in ``files`` with source
        ``shop_file``, not read as data). False: none.

    Returns
    -------
    analysis.sources.base.Loaded
        ``cells`` (validated canonical cells), ``rejected`` (file, row, column, value, reason),
        ``replaced`` (rows superseded by a newer export), ``files`` (per-file counts; files of a
        folder that no loader recognises are listed with source ``skipped``) and ``summary``
        (``"N rows read, M cells, K rejected, R replaced"``); ``shop``: what the shop file
        set (:func:`analysis.sources.shop_apply.shop_applied`).

    Raises
    ------
    FileNotFoundError
        A path does not exist.
    ValueError, analysis.cells.CellsError
        A file is unreadable as a whole: empty, unrecognised (when named explicitly), or lacking
        a required column.
    analysis.errors.ShopFileError
        The shop file is unusable (the message names its line and key).
    """
    if check_engine(engine) == "bigquery":
        book = read_shop(shop) if isinstance(shop, str | Path) else None
        loaded = _read_bigquery(path, source=source, tz=tz or _tz(book), dates=dates)
        return loaded if book is None else apply_to_loaded(loaded, book, tz=tz)
    if dates is not None:
        raise ValueError("`dates` selects BigQuery daily tables; it needs engine='bigquery'")
    files, shop_path = split_shop(input_files(path), shop)
    book = read_shop(shop_path) if shop_path is not None else None
    tz_given, tz = tz, tz or _tz(book)
    results, skipped = [], []
    for f, named in files:
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
        if engine != "duckdb" and name != "ga4":
            raise ValueError(
                f"{f.name}: engine={engine!r} runs the GA4 event aggregation only; this file is "
                f"a {name!r} export, read it with the default engine='duckdb'"
            )
        options = {"engine": engine} if engine != "duckdb" else {}
        results.append(loader(name).read(f, tz=tz, **options))
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
    return loaded if book is None else apply_to_loaded(loaded, book, tz=tz_given)


def _tz(book: ShopFile | None) -> str | None:
    return None if book is None else book.timezone


def _read_bigquery(table, *, source: str, tz: str | None, dates) -> Loaded:
    if source not in ("auto", "ga4") or not isinstance(table, str):
        raise ValueError("engine='bigquery' reads one GA4 export table, e.g. "
                         "analysis.load('project.dataset.events_*', engine='bigquery', "
                         "dates=('20261116', '20261122'), tz='Europe/Paris')")  # fmt: skip
    if dates is None or len(dates) != 2:
        raise ValueError("engine='bigquery' needs dates=('YYYYMMDD', 'YYYYMMDD'): the first and "
                         "last daily export tables to read")  # fmt: skip
    return ga4.read_bigquery(table, tz=tz, start=dates[0], end=dates[1])


def load(
    path: PathLike | Iterable[PathLike],
    *,
    source: str = "auto",
    tz: str | None = None,
    engine: str = "duckdb",
    dates: tuple[str, str] | None = None,
    shop: PathLike | bool | None = None,
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
    engine : {"duckdb", "spark", "bigquery"}, default "duckdb"
        Who aggregates GA4 event exports (see :func:`read`).
    dates : (str, str), optional
        First and last BigQuery daily table, ``engine="bigquery"`` only.
    shop : str, Path or False, optional
        A shop file applied to the cells (see :func:`read`); default the data folder's
        ``shop.toml``, if any; False: none.

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
    loaded = read(path, source=source, tz=tz, engine=engine, dates=dates, shop=shop)
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
