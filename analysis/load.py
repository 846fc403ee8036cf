"""``analysis.load``: read data files into validated canonical cells."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.paths import resolve_data
from analysis.sources.canonical import SUFFIXES, read_canonical


def load(path: str | Path | Iterable[str | Path], *, tz: str | None = None) -> pd.DataFrame:
    """Load canonical cells from a file, a directory, or several of them.

    Parameters
    ----------
    path : str, Path or iterable of them
        A canonical ``.csv`` / ``.parquet`` file, or a directory whose canonical files (not
        recursive, sorted by name) are all read. Relative paths are taken from the project root.
    tz : str, optional
        The shop's IANA time zone, e.g. ``"Europe/Paris"``. Needed when the files hold naive
        times or UTC offsets; Parquet files with a time-zone-aware ``start`` carry their own.

    Returns
    -------
    pandas.DataFrame
        Validated canonical cells, columns as in :data:`analysis.cells.COLUMNS`: provenance
        (``source``, ``file``, ``row``), time (``start``, ``grain``, ``date``, ``hour``,
        ``weekday``), exposure (``channel``, ``is_live``, ``content_id``, ``content_title``,
        ``creator``), product (``product_id``, ``category``, ``promo``), audience (``age_group``,
        ``gender``, ``region``), counts (``impressions``, ``views``, ``viewers``, ``clicks``,
        ``atc``, ``checkouts``, ``orders``, ``items``, ``revenue``, ``currency``) and ``unit``.

    Raises
    ------
    FileNotFoundError
        When a path does not exist or a directory holds no canonical file.
    analysis.cells.CellsError
        When rows are invalid; the message names file, row, column and the fix.

    Examples
    --------
    >>> import analysis as cl
    >>> cells = cl.load("data/sample", tz="Europe/Paris")
    """
    paths = [path] if isinstance(path, str | Path) else list(path)
    files: list[Path] = []
    for p in map(resolve_data, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix in SUFFIXES)
            if not found:
                raise FileNotFoundError(f"{p}: no canonical file ({', '.join(SUFFIXES)}) in it")
            files += found
        elif p.exists():
            files.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or directory")
    frames = [read_canonical(f, tz=tz) for f in files]
    tzs = {str(f["start"].dt.tz) for f in frames}
    if len(tzs) > 1:
        raise ValueError(
            f"files are in different time zones {sorted(tzs)}; pass tz= to align them"
        )
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
