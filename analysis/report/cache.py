"""Read the report's data once per kernel: :func:`read_once`, what every report page calls.

The report runs its pages in kept kernels (:mod:`analysis.report.execute`), several pages per
kernel; each page starts with ``cl.read_once(data, tz=tz)``. The first call reads the files
(:func:`analysis.sources.load.read`); the next ones, in the same kernel and with the same files
unchanged, get a deep copy of that result (measured on ``data/exports``: 3.5 s per read, 7 pages;
a copy takes milliseconds). The key is the data path, the time zone and every file's name, size
and modification time, so a changed, added or removed file is read again. In JupyterLab it
behaves as ``cl.read`` (one page per kernel).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from analysis.paths import resolve_data
from analysis.present.privacy import CREATOR_MODES, creator_key, pseudonymise
from analysis.sources.load import read
from analysis.vocabulary import check_argument
from analysis.weeks import periods_from_files, within_weeks

__all__ = ["read_once", "read_weekly"]

#: key -> the Loaded read for it (one entry: a kernel serves one report at a time)
_CACHE: dict[tuple, Any] = {}


def _key(data: str | Path, tz: str | None, shop: str | None) -> tuple:
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
    key = (*_key(data, tz, shop or None), creators)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = pseudonymise(read(data, tz=tz, shop=shop or None), creators=creators,
                                   data=data)  # fmt: skip
    return copy.deepcopy(_CACHE[key])


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
    loaded = read_once(data, tz=tz, shop=shop, creators=creators)
    return within_weeks(loaded.cells, periods_from_files(loaded.files))
