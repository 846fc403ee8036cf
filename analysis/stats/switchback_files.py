"""The schedule file of a switchback: written for people (CSV), read back for the analysis.

:func:`schedule_csv_text` writes one row per planned LIVE in time order: ``slot``, ``start``
(ISO 8601 with its UTC offset, e.g. ``2026-10-05T18:00:00+02:00``), ``creator``, ``block``,
``arm``, ``treated``, ``buffer`` and the design repeated on every row (``mechanism``, ``p``,
``min_per_arm``, ``carryover``, ``seed``), then any column the slots file carried. Text cells
are neutralised against CSV injection (:func:`analysis.sources.safe_text.safe_csv_text`: a
creator ``@maya`` is written ``'@maya``), lines end with CRLF (RFC 4180).

:func:`read_schedule` reads it back (the escape removed, types restored, the design checked to
be one design) into the frame :func:`analysis.stats.switchback_analysis.analyse_switchback`
takes, so a saved schedule analyses exactly as the drawn one.

Reference: ``docs/data-formats.md`` (switchback schedule); RFC 4180; OWASP, "CSV Injection".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import DesignError
from analysis.sources.safe_text import safe_csv_text, unescape_frame

__all__ = ["DESIGN_COLUMNS", "read_schedule", "schedule_csv_text"]

#: columns holding the design, the same on every row of a schedule
DESIGN_COLUMNS = ("mechanism", "p", "min_per_arm", "carryover", "seed")
_FIRST = ("slot", "start", "creator", "block", "arm", "treated", "buffer") + DESIGN_COLUMNS
_REQUIRED = ("slot", "block", "arm", "treated") + DESIGN_COLUMNS
_BOOL = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _iso(ts: object) -> object:
    """An aware timestamp as ISO 8601 with its offset, seconds shown; other values as they are."""
    if isinstance(ts, pd.Timestamp) and ts.tzinfo is not None:
        return ts.isoformat(timespec="seconds")
    return ts


def schedule_csv_text(schedule: pd.DataFrame) -> str:
    """The schedule as CSV text for people (module docstring); write it without newline
    translation (:func:`analysis.files.write_atomic`)."""
    out = schedule.copy()
    if "start" in out.columns:
        out["start"] = out["start"].map(_iso).astype(object)
    for col in ("slot", "block", "creator"):
        if col in out.columns:
            out[col] = out[col].astype(str).astype(object)
    first = [c for c in _FIRST if c in out.columns]
    return safe_csv_text(out[first + [c for c in out.columns if c not in first]])


def _flag(values: pd.Series, name: str, col: str) -> list[bool]:
    """A column of True/False (1/0, yes/no) as bools; anything else names its row."""
    out = []
    for i, v in enumerate(values):
        key = str(v).strip().lower()
        if key not in _BOOL:
            raise DesignError(f"{name}, row {i + 2}, column {col}: {v!r} is not True or False.")
        out.append(_BOOL[key])
    return out


def _design(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The design columns typed, and checked to hold one value each."""
    kinds = {"mechanism": str, "p": float, "min_per_arm": int, "carryover": int, "seed": int}
    for col, kind in kinds.items():
        values = frame[col].str.strip()
        if values.nunique() != 1:
            raise DesignError(
                f"{name}, column {col}: one design per schedule, but it holds "
                f"{sorted(values.unique())[:4]}; the file was edited or two schedules were joined."
            )
        try:
            frame[col] = kind(values.iloc[0])
        except ValueError as err:
            raise DesignError(
                f"{name}, row 2, column {col}: {values.iloc[0]!r} is not a {kind.__name__}."
            ) from err
    return frame


def read_schedule(path: str | Path, *, tz: str | None = None) -> pd.DataFrame:
    """A saved schedule, ready for :func:`analysis.stats.switchback_analysis.analyse_switchback`.

    Parameters
    ----------
    path : str or Path
        The CSV :func:`schedule_csv_text` wrote (``cartlift plan``'s ``schedule.csv``); an
        ``arm_run`` column (compliance, ``docs/data-formats.md``) is kept.
    tz : str, optional
        Time zone the starts are shown in (default UTC).

    Returns
    -------
    pandas.DataFrame
        The columns of the file: ``slot``, ``block``, ``creator`` as text; ``treated``,
        ``buffer`` bool; ``p`` float; ``min_per_arm``, ``carryover``, ``seed`` int; ``start``
        aware.

    Raises
    ------
    DesignError
        A required column missing, a repeated slot, a value of the wrong kind, two designs in
        one file, arms not matching ``treated`` (the message names the file, row and column).
    """
    path = Path(path)
    name = path.name
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DesignError(f"{name}: cannot read the schedule ({err}).") from err
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing or frame.empty:
        raise DesignError(
            f"{name}: a schedule needs the columns {list(_REQUIRED)} and a row per LIVE; "
            f"missing {missing or 'rows'}. Use the schedule.csv of `cartlift plan`."
        )
    frame = _design(unescape_frame(frame), name)
    if frame["slot"].duplicated().any():
        dup = frame.loc[frame["slot"].duplicated(), "slot"].tolist()[:5]
        raise DesignError(f"{name}: slots must be unique; repeated: {dup}.")
    frame["treated"] = _flag(frame["treated"], name, "treated")
    frame["buffer"] = _flag(frame.get("buffer", pd.Series(["False"] * len(frame))), name, "buffer")
    arms = frame.groupby("treated")["arm"].nunique()
    if len(arms) != 2 or (arms != 1).any():
        raise DesignError(
            f"{name}, column arm: each of treated True / False must name one arm, and both occur."
        )
    if "start" in frame.columns:
        start = pd.to_datetime(frame["start"], utc=True, format="ISO8601", errors="coerce")
        if start.isna().any():
            row = int(np.flatnonzero(start.isna().to_numpy())[0])
            raise DesignError(
                f"{name}, row {row + 2}, column start: {frame['start'].iloc[row]!r} is not an "
                "ISO 8601 time with an offset (2026-10-05T18:00:00+02:00)."
            )
        frame["start"] = start.dt.tz_convert(tz or "UTC")
    return frame
