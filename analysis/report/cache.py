"""Read the report's data once per kernel: :func:`read_once`, what every report page calls.

The report runs its pages in kept kernels (:mod:`analysis.report.execute`), several pages per
kernel; each page starts with ``cl.read_once(data, tz=tz)``. The first call reads the files
(:func:`analysis.sources.load.read`); the next ones, in the same kernel and with the same files
unchanged, get a deep copy of that result (measured on ``data/exports``: 3.5 s per read, 7 pages;
a copy takes milliseconds). The key is the data path, the time zone and every file's name, size
and modification time, so a changed, added or removed file is read again. In JupyterLab it
behaves as ``cl.read`` (one page per kernel).

The files are read once per report, not once per kernel: the parent's read is cached as Parquet
(:mod:`analysis.report.columnar`, keyed by the same fingerprint and the kit's code), which a
kernel reads back instead (a year of cells: ~10 s from the files, well under 1 s from the
cache). The report tells each kept kernel the page's week and window
(:func:`set_page`, :data:`analysis.analyses.answerable.PAGE_WINDOWS`); :func:`read_weekly` then
reads only the cells of that window, the rows ``cl.within_window`` keeps (the range files left
out are computed on every cell, as without a window). The data-quality page reports one week
but states facts of the whole read (cells, derived cells, personal data found): with
:func:`read_quality` it reads its week's cells and those facts from the small frames stored
with the entry (:func:`analysis.report.columnar.summary`), not every cell.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.analyses.answerable import PAGE_WINDOWS
from analysis.paths import resolve_data
from analysis.present.privacy import CREATOR_MODES, creator_key, pseudonymise
from analysis.report import columnar
from analysis.sources.base import Loaded
from analysis.sources.load import read
from analysis.sources.quality import derived_cells
from analysis.vocabulary import SUB_HOUR_GRAINS, check_argument
from analysis.weeks import parse_week, periods_from_files, within_weeks

__all__ = [
    "Cached",
    "History",
    "cached",
    "cached_window",
    "data_key",
    "read_once",
    "read_quality",
    "read_weekly",
    "remember",
    "set_page",
]

#: key -> the Loaded read for it (one entry: a kernel serves one report at a time)
_CACHE: dict[tuple, Any] = {}
#: the page the kernel runs (set by the report before each notebook; empty in JupyterLab)
_PAGE: dict[str, Any] = {}


def data_key(data: str | Path, tz: str | None, shop: str | None) -> tuple:
    """The data's fingerprint: its path, ``tz``, ``shop`` and every file's name, size and
    modification time (the shop file's too)."""
    path = resolve_data(data)
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    stats = tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.is_file())
    if shop:
        files = [resolve_data(shop)]
        stats += tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    return (str(path), tz, shop, stats)


def read_once(
    data: str | Path, *, tz: str | None = None, shop: str | None = None, creators: str = "shown"
) -> Any:
    """:func:`analysis.sources.load.read` of ``data`` (a file or folder), read once per kernel.

    ``shop`` is the shop file named with ``--shop`` (``""``/None: the data folder's
    ``shop.toml``, if any; ``docs/shop-file.md``). ``creators="pseudonymised"`` replaces every
    creator handle by its pseudonym (:func:`analysis.present.privacy.pseudonymise`, key in the
    data folder) before the page sees the data; ``"shown"`` keeps them.

    Returns
    -------
    analysis.sources.base.Loaded
        A deep copy of the cached result: a page may change it without touching the next
        page's.
    """
    check_argument("creators", CREATOR_MODES, creators)
    if creators != "shown":
        creator_key(data)  # created before the cache key is taken: the key file is in it
    key = (*data_key(data, tz, shop or None), creators)
    if key not in _CACHE:
        _CACHE.clear()
        loaded, _ = _cached(data, tz=tz, shop=shop or None)
        _CACHE[key] = pseudonymise(loaded, creators=creators, data=data)
    return copy.deepcopy(_CACHE[key])


def _cached(data: str | Path, *, tz: str | None, shop: str | None, window: Any = None) -> Any:
    """``(Loaded, left_out)`` from the Parquet cache, or read from the files (and cached)."""
    key = columnar.entry_key(data_key(data, tz, shop))
    found = columnar.load(key, window=window)
    if found is not None:
        return found
    loaded = read(data, tz=tz, shop=shop)
    left_out = remember(loaded, data=data, tz=tz, shop=shop)
    return loaded, left_out


def cached(data: str | Path, *, tz: str | None, shop: str | None) -> Loaded | None:
    """The :class:`~analysis.sources.base.Loaded` of ``data`` read with ``tz`` and ``shop``
    from the cache of the loaded data (:mod:`analysis.report.columnar`), or None when it does
    not hold these files (then read them, and :func:`remember` the read)."""
    found = columnar.load(columnar.entry_key(data_key(data, tz, shop or None)))
    return None if found is None else found[0]


@dataclass(frozen=True)
class Cached:
    """What the report's parent takes from the cache without reading every cell
    (:func:`cached_window`): ``loaded`` (every frame; the cells as one row each without a
    column, so ``loaded.summary`` counts them), ``days`` (cells per ``date``,
    ``grain``, ``channel``: :func:`analysis.report.columnar.summary`), ``derived`` (derived cells
    per source); :meth:`window` reads the cells of a window."""

    loaded: Loaded
    days: pd.DataFrame
    derived: pd.Series
    read: tuple  # (key, data, tz, shop)

    def window(self, week: Any, *, fine: bool = False) -> pd.DataFrame:
        """The cells of the longest page window ending with ``week`` (a
        :class:`analysis.weeks.Week`; :data:`analysis.analyses.answerable.PAGE_WINDOWS`, as
        :func:`analysis.weeks.within_window`): all the index and ``questions.csv`` read
        (``docs/metrics.md``, "History windows"); without the sub-hour cells when ``fine``
        (:data:`analysis.vocabulary.SUB_HOUR_GRAINS`). Every cell, from the files, when the
        entry was removed in between."""
        key, data, tz, shop = self.read
        first = week.monday - pd.Timedelta(weeks=max(PAGE_WINDOWS.values()) - 1)
        found = columnar.load(key, window=(first, week.next_monday))
        cells = read(data, tz=tz, shop=shop).cells if found is None else found[0].cells
        if fine:
            cells = cells.loc[~cells["grain"].isin(SUB_HOUR_GRAINS).fillna(False).to_numpy(bool)]
        return cells


def cached_window(data: str | Path, *, tz: str | None, shop: str | None) -> Cached | None:
    """The :class:`Cached` of ``data`` read with ``tz`` and ``shop``, or None when the cache of
    the loaded data does not hold these files (then read them, and :func:`remember` the read)."""
    key = columnar.entry_key(data_key(data, tz, shop or None))
    facts = columnar.load_summary(key)
    epoch = pd.Timestamp(0)  # a window no cell is in: every other frame
    found = columnar.load(key, window=(epoch, epoch)) if facts is not None else None
    if found is None or facts is None:
        return None
    rows = pd.DataFrame(index=pd.RangeIndex(int(facts["counts"]["cells"].sum())))
    loaded = dataclasses.replace(found[0], cells=rows)  # one row per cell, no column: its summary
    return Cached(loaded, facts["days"], _derived(facts["counts"]), (key, data, tz, shop))


def remember(loaded: Loaded, *, data: str | Path, tz: str | None, shop: str | None) -> Any:
    """Cache ``loaded``, read from ``data`` with ``tz`` and ``shop``, for the kernels
    (:func:`analysis.report.columnar.store`); returns the range files a weekly page leaves out
    (:func:`analysis.weeks.within_weeks` on every cell), cached with it."""
    _, left_out = within_weeks(loaded.cells, periods_from_files(loaded.files))
    columnar.store(columnar.entry_key(data_key(data, tz, shop or None)), loaded, left_out)
    return left_out


def set_page(week: str | None = None, weeks: int | None = None) -> None:
    """The page the kernel runs next: its ISO ``week`` and window of ``weeks`` weeks (what
    ``cl.within_window`` keeps), so :func:`read_weekly` reads only those cells; no argument:
    none (every cell is read)."""
    _PAGE.clear()
    if week is not None and weeks is not None:
        monday = parse_week(week).monday
        _PAGE["window"] = (monday - pd.Timedelta(weeks=weeks - 1), monday + pd.Timedelta(weeks=1))


def read_weekly(
    data: str | Path, *, tz: str | None = None, shop: str | None = None, creators: str = "shown"
) -> tuple[Any, Any]:
    """:func:`read_once`, then :func:`analysis.weeks.within_weeks`: what a weekly page reads.

    Returns
    -------
    cells : pandas.DataFrame
        The cells, range cells only when their exported period lies inside one ISO week.
    left_out : pandas.DataFrame
        The range files left out, with their period (:func:`analysis.present.period_notes`
        says so on the page).
    """
    check_argument("creators", CREATOR_MODES, creators)
    window = _PAGE.get("window")
    if window is None:
        loaded = read_once(data, tz=tz, shop=shop, creators=creators)
        return within_weeks(loaded.cells, periods_from_files(loaded.files))
    if creators != "shown":
        creator_key(data)  # created before the key is taken, as read_once
    loaded, left_out = _cached(data, tz=tz, shop=shop or None, window=window)
    loaded = pseudonymise(loaded, creators=creators, data=data)
    cells, _ = within_weeks(loaded.cells, periods_from_files(loaded.files))
    return cells, left_out


@dataclass(frozen=True)
class History:
    """What the data-quality page states of the whole read, beside its week's cells
    (:func:`read_quality`).

    Attributes
    ----------
    cells : int
        Cells of the whole read.
    derived : pandas.Series
        Derived cells per source (:func:`analysis.sources.quality.derived_cells`).
    text : analysis.sources.base.Loaded
        Every frame of the read, pseudonymised as asked; its cells whole, or only their
        distinct text values (:func:`analysis.report.columnar.summary`): what
        :func:`analysis.present.privacy_note.privacy_notes` scans, with the same result.
    left_out : pandas.DataFrame
        The range files a weekly page leaves out (:func:`analysis.weeks.within_weeks`).
    """

    cells: int
    derived: pd.Series
    text: Loaded
    left_out: pd.DataFrame


def read_quality(
    data: str | Path, *, tz: str | None = None, shop: str | None = None, creators: str = "shown"
) -> tuple[Loaded, History]:
    """What the data-quality page reads: the cells of its week, the facts of the whole read.

    In a report (:func:`set_page` gave the page's window, the cache holds the data): the cells
    of the window (the other frames whole) and the :class:`History` from the entry's summary
    (:func:`analysis.report.columnar.load_summary`), so the page's cost does not grow with the
    history. Otherwise (JupyterLab, no cache): :func:`read_once`, the facts counted on it. The
    page's numbers are the same either way (``tests/report/test_columnar.py``).

    Returns
    -------
    loaded : analysis.sources.base.Loaded
        The window's cells (every cell without a window) and every other frame, pseudonymised
        when ``creators`` says so (:func:`analysis.present.privacy.pseudonymise`).
    history : History
        The whole read's cells, derived cells, text and range files left out.
    """
    check_argument("creators", CREATOR_MODES, creators)
    window, found = _PAGE.get("window"), None
    if window is not None:
        if creators != "shown":
            creator_key(data)  # created before the key is taken, as read_once
        key = columnar.entry_key(data_key(data, tz, shop or None))
        found = columnar.load(key, window=window)
        facts = columnar.load_summary(key) if found is not None else None
    if found is None or facts is None:
        loaded = read_once(data, tz=tz, shop=shop, creators=creators)
        _, left_out = within_weeks(loaded.cells, periods_from_files(loaded.files))
        return loaded, History(len(loaded.cells), derived_cells(loaded.cells), loaded, left_out)
    (week, left_out), counts = found, facts["counts"]
    text = pseudonymise(dataclasses.replace(week, cells=facts["text"]), creators=creators,
                        data=data)  # fmt: skip
    derived = _derived(counts)
    cells = pseudonymise(week.cells, creators=creators, data=data)
    history = History(int(counts["cells"].sum()), derived, text, left_out)
    return dataclasses.replace(text, cells=cells), history


def _derived(counts: pd.DataFrame) -> pd.Series:
    """Derived cells per source from the summary's ``counts``
    (:func:`analysis.sources.quality.derived_cells`)."""
    return counts.dropna(subset=["derived"]).set_index("source")["derived"].astype("int64")
