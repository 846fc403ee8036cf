"""The LIVEs (time slots) a switchback will run: from the analyst's CSV or regular, and blocked.

:func:`read_slots` reads the slots file (``docs/data-formats.md``, "Switchback schedule"): one
row per planned LIVE, ``start`` required (shop time, or ISO 8601 with a UTC offset), ``creator``,
``block`` and ``slot`` (an id; default ``S001``, ``S002``, ... in time order) optional, any other
column carried through to the schedule as text. :func:`regular_slots` makes ``count`` slots
every ``every`` (a pandas frequency: ``1D``, ``12h``, ``7D``) from a first start, in local wall
time (18:00 stays 18:00 across a daylight-saving change), creators taken in turn.
:func:`slot_blocks` gives each slot its randomisation block: its local weekday, its creator, the
file's ``block`` column, or one block.

Every row of the file becomes a slot or stops the plan with a :class:`DesignError` naming the
file, row and column (nothing is dropped). Text cells pass through
:func:`analysis.sources.safe_text.unescape_text` (a file the kit wrote reads back as written).

Reference: ``docs/data-formats.md`` (switchback schedule); ISO 8601-1:2019 (dates and times).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from analysis.errors import DesignError
from analysis.sources.safe_text import unescape_frame
from analysis.vocabulary import check_argument

__all__ = [
    "BLOCK_BY",
    "RESERVED",
    "SLOT_COLUMNS",
    "read_slots",
    "regular_slots",
    "slot_blocks",
    "zone",
]

#: columns of the slots file the planner reads (others are carried through as text)
SLOT_COLUMNS = ("slot", "start", "creator", "block")
#: what the randomisation blocks follow (``file``: the slots file's ``block`` column)
BLOCK_BY = ("weekday", "creator", "file", "none")
#: columns of the schedule the planner writes: a slots file may not bring its own
RESERVED = ("arm", "treated", "buffer", "mechanism", "p", "min_per_arm", "carryover", "seed")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def zone(tz: str | None) -> ZoneInfo | None:
    """The IANA time zone ``tz`` (None stays None); an unknown name is a :class:`DesignError`."""
    if tz is None:
        return None
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise DesignError(
            f"{tz!r} is not an IANA time zone name; write e.g. Europe/Paris or America/Sao_Paulo."
        ) from err


def _start(text: str, tz: ZoneInfo | None, where: str) -> pd.Timestamp:
    """One planned start, aware: its own UTC offset, else localised in ``tz``."""
    try:
        ts = pd.Timestamp(text.strip())
    except ValueError:
        ts = pd.NaT
    if text.strip() == "" or pd.isna(ts):
        raise DesignError(
            f"{where}, column start: {text!r} is not a date and time; write e.g. "
            "2026-10-05 18:00 (shop time, with --tz) or 2026-10-05T18:00:00+02:00."
        )
    if ts.tzinfo is None:
        if tz is None:
            raise DesignError(
                f"{where}, column start: {text!r} has no UTC offset; pass the shop's time zone "
                "(--tz Europe/Paris) or write the offset (2026-10-05T18:00:00+02:00)."
            )
        try:
            ts = ts.tz_localize(tz, ambiguous="raise", nonexistent="raise")
        except ValueError as err:  # pandas: NonExistentTimeError, AmbiguousTimeError
            raise DesignError(
                f"{where}, column start: {text!r} does not exist or happens twice in {tz} (a "
                "daylight-saving change); move the LIVE or write its UTC offset."
            ) from err
    return ts.tz_convert(tz) if tz is not None else ts


def read_slots(path: str | Path, *, tz: str | None = None) -> pd.DataFrame:
    """The planned LIVEs of a slots CSV, in time order (module docstring).

    Parameters
    ----------
    path : str or Path
        The CSV (UTF-8, a header row): ``start`` required; ``slot``, ``creator``, ``block``
        optional; other columns kept as text.
    tz : str, optional
        Shop time zone of starts written without an offset (all starts are converted to it).

    Returns
    -------
    pandas.DataFrame
        ``slot``, ``start`` (aware), ``creator`` and ``block`` when given, the other columns.

    Raises
    ------
    DesignError
        No ``start`` column, no row, an empty or unreadable start, a start without offset and no
        ``tz``, a repeated ``slot`` (the message names the file, row and column).
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DesignError(f"{path.name}: cannot read the slots file ({err}).") from err
    raw.columns = [str(c).strip() for c in raw.columns]
    if "start" not in raw.columns:
        raise DesignError(
            f"{path.name}: the slots file needs a `start` column (one row per planned LIVE; "
            f"docs/data-formats.md, switchback schedule); it has {list(raw.columns)}."
        )
    taken = sorted(set(raw.columns) & set(RESERVED))
    if taken:
        raise DesignError(
            f"{path.name}: the columns {taken} are written by the planner; rename or drop them "
            "in the slots file."
        )
    if raw.empty:
        raise DesignError(f"{path.name}: the slots file has no row; write one row per LIVE.")
    frame = unescape_frame(raw)
    where = [f"{path.name}, row {i + 2}" for i in range(len(frame))]
    frame["start"] = [_start(t, zone(tz), w) for t, w in zip(frame["start"], where, strict=True)]
    for col in ("creator", "block"):
        if col in frame.columns and (frame[col].str.strip() == "").any():
            row = int((frame[col].str.strip() == "").to_numpy().argmax())
            raise DesignError(
                f"{where[row]}, column {col}: empty; give every LIVE its {col} or drop the column."
            )
    frame = frame.sort_values("start", kind="stable").reset_index(drop=True)
    if "slot" not in frame.columns or (frame["slot"].str.strip() == "").all():
        frame["slot"] = [f"S{i + 1:03d}" for i in range(len(frame))]
    frame["slot"] = frame["slot"].str.strip()
    dup = frame["slot"].duplicated() | (frame["slot"] == "")
    if dup.any():
        raise DesignError(
            f"{path.name}: every slot needs its own id; repeated or empty: "
            f"{frame.loc[dup, 'slot'].tolist()[:5]}. Leave the slot column out to number them."
        )
    first = [c for c in SLOT_COLUMNS if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]


def regular_slots(
    start: str, every: str, count: int, *, tz: str | None, creators: Sequence[str] = ()
) -> pd.DataFrame:
    """``count`` slots every ``every`` from ``start`` in local wall time (module docstring).

    ``creators`` (optional) are given to the slots in turn. A start that does not exist or is
    ambiguous in ``tz`` (a daylight-saving change) is a :class:`DesignError`.
    """
    if count < 2:
        raise DesignError(f"A switchback needs at least 2 LIVEs; --count {count} was given.")
    try:
        step = pd.tseries.frequencies.to_offset(every)
    except ValueError as err:
        raise DesignError(
            f"--every {every!r} is not a time step; write e.g. 1D (daily), 12h or 7D (weekly)."
        ) from err
    first = _start(start, zone(tz), "--start")
    local = pd.date_range(first.tz_localize(None), periods=count, freq=step)
    try:
        starts = local.tz_localize(first.tz, ambiguous="raise", nonexistent="raise")
    except ValueError as err:  # pandas: NonExistentTimeError, AmbiguousTimeError
        raise DesignError(
            f"A regular slot falls in a daylight-saving change ({err}); move --start."
        ) from err
    frame = pd.DataFrame({"slot": [f"S{i + 1:03d}" for i in range(count)], "start": starts})
    if creators:
        frame["creator"] = [creators[i % len(creators)] for i in range(count)]
    return frame


def slot_blocks(slots: pd.DataFrame, by: str) -> list[str]:
    """The randomisation block of each slot: local weekday (``Mon`` ...), ``creator``, the
    file's ``block`` column, or ``all`` (``none``); a missing column is a :class:`DesignError`."""
    check_argument("block", BLOCK_BY, by)
    if by == "none":
        return ["all"] * len(slots)
    if by == "weekday":
        return [_WEEKDAYS[ts.weekday()] for ts in slots["start"]]
    col = "creator" if by == "creator" else "block"
    if col not in slots.columns:
        flag = "--creators" if col == "creator" else "a `block` column"
        raise DesignError(
            f"Blocks by {by} need each slot's {col}: add {flag} to the slots, or choose "
            "--block weekday or none."
        )
    return [str(v) for v in slots[col]]
