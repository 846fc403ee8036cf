"""``analysis.sources.load`` / ``analysis.read``: data files in, validated canonical cells out."""

from __future__ import annotations

import functools
import logging
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.cells.checks import value_warnings
from analysis.errors import RejectedRowsWarning, UnreadableError
from analysis.paths import SAMPLE_TRUTH, resolve_data
from analysis.sources import LOADERS, detect_source, ga4, loader
from analysis.sources.base import Loaded, combine
from analysis.sources.engines import check_engine
from analysis.sources.events_table import FILE_NAME as EVENTS_FILE
from analysis.sources.folder import (
    export_date,
    fingerprint,
    reject_after_export,
    replace_overlaps,
    same_content,
)
from analysis.sources.identity import match_api
from analysis.sources.sheets import read_sheets
from analysis.sources.shop_apply import apply_to_loaded
from analysis.sources.shop_file import ShopFile, read_shop, split_shop

__all__ = [
    "EVENTS_REASON",
    "NOT_RECOGNISED",
    "TRUTH_REASON",
    "UNREADABLE",
    "PathLike",
    "check_unreadable",
    "warn_rejected",
    "input_files",
    "load",
    "read",
    "unreadable_message",
]

PathLike = str | Path
#: progress of long loads, a line per file at INFO (``cartlift`` prints it to stderr; silent in
#: notebooks, where logging has no handler below WARNING)
_LOG = logging.getLogger(__name__)


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
        ``replaced`` (rows superseded by a newer export), ``flagged`` (warnings on rows kept),
        ``files`` (per-file counts, ``status`` and ``reason``) and ``summary``.

        Each file is read on its own: one that cannot be read as a whole (empty, corrupt,
        unrecognised when named explicitly, lacking a required column, naive times without
        ``tz``) is listed with ``status`` ``unreadable`` and its ``reason``; a file of a folder
        that no loader recognises is ``skipped`` (as are the moments page's events table and a
        simulated sample's ``truth.json``, :data:`TRUTH_REASON`); a byte-identical file, or a
        file whose rows and values equal an earlier file's (the same export under another
        name), is ``duplicate`` (the reason names the file kept) and counted once. Those files
        count 0 rows and take their status as ``source``. Cells dated after their file's export
        date (file name stamp or workbook properties, :func:`analysis.sources.folder.export_date`)
        are rejected.
        ``shop``: what the shop file set (:func:`analysis.sources.shop_apply.shop_applied`).

    Raises
    ------
    FileNotFoundError
        A path does not exist, or no file of a folder is in a supported format.
    ValueError, analysis.errors.UnreadableError, analysis.cells.CellsError
        No file could be read: the one file's own error, or an :class:`UnreadableError` naming
        every unreadable file and its reason. (When some file was read, the others are listed
        instead: :func:`load` raises for them unless ``skip_unreadable=True``.)
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
    results: list[Loaded] = []
    others: list[dict] = []  # files not read: file, source, status, reason
    failures: list[Exception] = []
    seen: dict = {}  # sha256 of the bytes -> file kept; shape of a result -> [(file, its key)]
    for i, (f, named) in enumerate(files, 1):  # a progress line per file (the CLI shows it)
        _LOG.info("reading %s (file %d of %d) ...", f.name, i, len(files))
        got = _read_one(f, named, source=source, tz=tz, engine=engine, seen=seen)
        if isinstance(got, Loaded):
            results.append(got)
            continue
        others.append(got)
        if "error" in got:
            failures.append(got.pop("error"))
    if not results:
        if len(failures) == 1 and len(files) == 1:
            raise failures[0]
        if failures:
            raise UnreadableError(unreadable_message(pd.DataFrame(others), hint=False))
        raise FileNotFoundError(
            f"no file in {path} is in a supported format ({', '.join(LOADERS)})"
        )
    loaded = combine(results)
    exported = {f.name: export_date(f) for f, _ in files}
    for name in dict.fromkeys(loaded.files["source"]):  # cross-file passes, e.g. newest export
        dedupe = getattr(loader(name), "dedupe", None)
        if dedupe is not None:
            loaded = Loaded(**{**vars(dedupe(loaded)), "flagged": loaded.flagged})
        elif name != "ga4":  # events are aggregated: a cell is not one input row
            loaded = replace_overlaps(loaded, name, exported)
    loaded.cells, same_live = match_api(loaded.cells)  # API and export of one LIVE: one id
    flags = [f for f in (loaded.flagged, same_live, value_warnings(loaded.cells)) if len(f)]
    if flags:
        loaded.flagged = pd.concat(flags, ignore_index=True).astype(loaded.flagged.dtypes)
    loaded.files = loaded.files.assign(status="read", reason=pd.NA)
    if others:
        extra = pd.DataFrame(others).assign(rows_read=0, rows_used=0, rows_rejected=0,
                                            rows_replaced=0, cells=0)  # fmt: skip
        loaded.files = pd.concat([loaded.files, extra], ignore_index=True)
    loaded.files = loaded.files.astype({"status": "string", "reason": "string"})
    return loaded if book is None else apply_to_loaded(loaded, book, tz=tz_given)


def _tz(book: ShopFile | None) -> str | None:
    return None if book is None else book.timezone


def _read_one(f: Path, named: bool, *, source: str, tz, engine: str, seen: dict) -> Loaded | dict:
    """One file's :class:`Loaded`, or the ``files`` row of a file not read (with its ``error``
    when unreadable). ``seen`` maps the fingerprints of files to their name and the shape of
    results (source, rows, cells, rejected) to the files read with it; it is updated."""
    digest = fingerprint(f)
    if digest in seen:
        return _not_read(f, "duplicate", f"byte-identical to {seen[digest]} "
                         f"(sha256 {digest[:12]}…): counted once")  # fmt: skip
    seen[digest] = f.name
    if not named and f.name.casefold() == EVENTS_FILE:  # the analyst's, for page 07
        return _not_read(f, "skipped", EVENTS_REASON)
    if not named and f.name == SAMPLE_TRUTH.name:  # beside a simulated sample's cells
        return _not_read(f, "skipped", TRUTH_REASON)
    try:
        name = detect_source(f) if source == "auto" else source
    except UNREADABLE as err:
        if not named and NOT_RECOGNISED in str(err) and f.suffix.lower() not in DATA_SUFFIXES:
            return _not_read(f, "skipped", str(err))
        err = err if named else _why_unrecognised(f, err)
        return {**_not_read(f, "unreadable", str(err)), "error": err}
    if engine != "duckdb" and name != "ga4":
        raise ValueError(
            f"{f.name}: engine={engine!r} runs the GA4 event aggregation only; this file is "
            f"a {name!r} export, read it with the default engine='duckdb'"
        )
    options = {"engine": engine} if engine != "duckdb" else {}
    try:
        result = loader(name).read(f, tz=tz, **options)
    except UNREADABLE as err:
        return {**_not_read(f, "unreadable", str(err)), "error": err}
    result = reject_after_export(result, export_date(f))
    # the same export under another name: compared only with files of the same shape, each
    # file's content key computed once, when a file of its shape is compared with it
    shape = (name, result.rows_read, len(result.cells), len(result.rejected))
    key = functools.cache(functools.partial(same_content, result))
    for other, earlier_key in seen.get(shape, []) if result.rows_read else []:
        if earlier_key() == key():
            return _not_read(f, "duplicate", f"the same export as {other} (same rows, same "
                             "values): counted once")  # fmt: skip
    seen.setdefault(shape, []).append((f.name, key))
    return result


#: why a folder's ``truth.json`` is not read: the planted truth a simulated sample keeps beside its
#: cells (``data/README.md``), which the pages compare their estimates with
TRUTH_REASON = "the planted truth of a simulated sample, not an export"
#: why a folder's events table (:data:`analysis.sources.events_table.FILE_NAME`) is not data
EVENTS_REASON = "the events table of the moments page, not an export"
#: suffixes of data files: one of them that no loader recognises is ``unreadable`` (an error),
#: other files of a folder (notes, images) are ``skipped``
DATA_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".tsv", ".parquet")


def _why_unrecognised(f: Path, err: Exception) -> Exception:
    """The error of reading ``f`` as a table (a corrupt workbook, an empty file), else ``err``."""
    if f.suffix.lower() not in (".xlsx", ".xlsm", ".csv", ".tsv"):
        return err
    try:
        read_sheets(f)
    except UNREADABLE as deeper:
        return deeper
    return err


#: errors that make one file unreadable as a whole (the others are still read)
UNREADABLE = (ValueError, zipfile.BadZipFile, OSError, KeyError, EOFError)
#: what :func:`analysis.sources.detect_source` says of a file no loader recognises
NOT_RECOGNISED = "format not recognised"


def _not_read(f: Path, status: str, reason: str) -> dict:
    """The ``files`` row of a file not read: its ``status`` is also its ``source``."""
    return {"file": f.name, "source": status, "status": status, "reason": reason}


def unreadable_message(files: pd.DataFrame, *, hint: bool = True) -> str:
    """Every unreadable file of ``files`` (``Loaded.files``) with its reason, one per line, and
    with ``hint`` how to read the others anyway."""
    bad = files[files["status"] == "unreadable"]
    lines = "\n  ".join(r.reason if str(r.reason).startswith(f"{r.file}: ") else
                         f"{r.file}: {r.reason}" for r in bad.itertuples())  # fmt: skip
    text = f"{len(bad)} unreadable file(s):\n  {lines}"
    if not hint:
        return text
    return (f"{text}\nFix or remove them, or read the other files anyway with "
            "analysis.load(path, skip_unreadable=True) / --skip-unreadable (the skipped files "
            "stay listed in analysis.read(path).files)")  # fmt: skip


def check_unreadable(loaded: Loaded, *, skip: bool) -> None:
    """Raise :class:`UnreadableError` naming every unreadable file of ``loaded`` and its reason;
    with ``skip`` warn instead (:class:`RejectedRowsWarning`)."""
    files = loaded.files
    if "status" not in files or not (files["status"] == "unreadable").any():
        return
    if not skip:
        raise UnreadableError(unreadable_message(files))
    message = unreadable_message(files, hint=False)
    warnings.warn(f"left out: {message}", RejectedRowsWarning, stacklevel=3)


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
    skip_unreadable: bool = False,
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
    skip_unreadable : bool, default False
        False: a file that cannot be read as a whole raises :class:`UnreadableError` naming every
        such file and its reason (nothing is loaded). True: the other files are loaded and a
        :class:`RejectedRowsWarning` names the files left out (``analysis.read(path).files``
        lists them with ``status`` ``unreadable``).

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
    check_unreadable(loaded, skip=skip_unreadable)
    warn_rejected(loaded, stacklevel=3)
    return loaded.cells


def warn_rejected(loaded: Loaded, *, stacklevel: int = 2) -> None:
    """Warn (:class:`RejectedRowsWarning`) with the summary and the first three rejected rows of
    ``loaded`` when rows were rejected (what :func:`load` says; ``docs/data-formats.md``)."""
    if len(loaded.rejected):
        first = "; ".join(
            f"{r.file} row {r.row} column {r.column!r}: {r.reason}"
            for r in loaded.rejected.head(3).itertuples()
        )
        warnings.warn(
            f"{loaded.summary}. First problems: {first}. All of them: "
            "analysis.read(path, tz=...).rejected or `cartlift validate PATH`",
            RejectedRowsWarning,
            stacklevel=stacklevel,
        )
