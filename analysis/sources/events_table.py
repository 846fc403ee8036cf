"""The events table: the moments of a LIVE an analyst notes (a product pinned, a price drop, a
Q&A, a giveaway), read for the moments page (``docs/data-formats.md``, "Events table").

A CSV (or xlsx) with a header row and one row per event:

- ``live_id`` (the LIVE's Room ID, as in the cells' ``content_id``), or ``creator`` and
  ``live_start`` (``YYYY-MM-DD HH:MM``, shop-local) when the export names no Room ID;
- ``minute`` (whole minutes since the LIVE's first minute) or ``time`` (``HH:MM``, shop-local
  clock; a time before the LIVE's start is on the next day);
- ``type``: one of :data:`analysis.vocabulary.EVENT_TYPES` (``pin``, ``price_drop``, ``qa``,
  ``giveaway``, ``other``; case, spaces and hyphens are ignored, ``Q&A`` is ``qa``);
- ``note`` (free text, optional).

Nothing is guessed: an unknown column, a missing value, a type outside the vocabulary or a
minute that is not a whole number stops the read with :class:`~analysis.errors.EventsError`,
naming each file, row (spreadsheet numbering: the header is row 1) and column. Written back by
:func:`write_events` with the formula escape of :mod:`analysis.sources.safe_text` (OWASP, "CSV
Injection"), which :func:`read_events` undoes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.errors import EventsError, NumberError, UnreadableError
from analysis.files import write_atomic
from analysis.sources.safe_text import safe_csv_text, unescape_text
from analysis.sources.sheets import read_sheets
from analysis.sources.times import parse_time
from analysis.vocabulary import EVENT_TYPES

__all__ = ["COLUMNS", "FILE_NAME", "empty_events", "read_events", "write_events"]

#: the table's name in a data folder: skipped by the loaders, read by the moments page
FILE_NAME = "events.csv"
#: the columns of the table, in the order :func:`write_events` writes them
COLUMNS = ("live_id", "creator", "live_start", "minute", "time", "type", "note")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def empty_events() -> pd.DataFrame:
    """An events frame with no row: ``row`` (Int64), :data:`COLUMNS` (``live_start`` naive
    datetime, ``minute`` Int64, the others strings)."""
    out = pd.DataFrame({c: pd.Series([], dtype="string") for c in ("file", *COLUMNS)})
    out["row"] = pd.Series([], dtype="Int64")
    out["minute"] = pd.Series([], dtype="Int64")
    out["live_start"] = pd.Series([], dtype="datetime64[ns]")
    return out[["file", "row", *COLUMNS]]


def _type(text: str) -> str | None:
    key = re.sub(r"[\s\-]+", "_", text.strip().casefold()).replace("q&a", "qa")
    return key if key in EVENT_TYPES else None


def _parse(file: str, n: int, cells: dict, problems: list) -> dict | None:
    """One row's values, or None after recording its problems (``problems``)."""

    def bad(column: str, value, reason: str) -> None:
        problems.append({"file": file, "row": n, "column": column, "value": value,
                         "reason": reason})  # fmt: skip

    out = {"file": file, "row": n, **{c: cells.get(c) for c in COLUMNS}}
    before = len(problems)
    if not out["live_id"] and not (out["creator"] and out["live_start"]):
        bad("live_id", None, "is empty: give the LIVE's Room ID, or its creator and live_start")
    if out["live_start"]:
        try:
            out["live_start"] = parse_time(out["live_start"]).replace(tzinfo=None)
        except NumberError:
            bad("live_start", out["live_start"], "is not a date and time (YYYY-MM-DD HH:MM)")
    if out["minute"] is None and out["time"] is None:
        bad("minute", None, "is empty, and so is time: give the minute since the LIVE's start "
            "or the clock time HH:MM")  # fmt: skip
    if out["minute"] is not None:
        if not re.fullmatch(r"\d{1,4}", out["minute"]):
            bad("minute", out["minute"], "is not a whole number of minutes since the LIVE's "
                "start (0, 1, 2, ...)")  # fmt: skip
        else:
            out["minute"] = int(out["minute"])
    if out["time"] is not None and not _CLOCK.match(out["time"]):
        bad("time", out["time"], "is not a clock time HH:MM (e.g. 20:15)")
    kind = _type(out["type"] or "")
    if kind is None:
        bad("type", out["type"], f"is not one of {', '.join(EVENT_TYPES)}")
    out["type"] = kind
    return out if len(problems) == before else None


def _rows(path: Path) -> tuple[list[str], list[tuple[int, tuple]]]:
    sheets = read_sheets(path)
    if not sheets or not sheets[0].rows:
        raise UnreadableError(f"{path.name}: the events table is empty; write a header row "
                              f"({', '.join(COLUMNS)}) and one row per event")  # fmt: skip
    rows = sheets[0].rows
    header = [str(unescape_text(c or "")).strip().casefold() for c in rows[0]]
    return header, [(i + 2, r) for i, r in enumerate(rows[1:])]


def read_events(path: str | Path) -> pd.DataFrame:
    """Read an events table (module docstring): one row per event.

    Returns
    -------
    pandas.DataFrame
        ``file``, ``row`` (spreadsheet numbering), :data:`COLUMNS`; ``type`` in
        :data:`analysis.vocabulary.EVENT_TYPES`, ``minute`` Int64, ``live_start`` naive.

    Raises
    ------
    EventsError
        Unknown or missing columns, or rows with problems (``err.problems``: file, row, column,
        value, reason; the message lists the first 12 and says how to fix them).
    """
    path = Path(path)
    header, rows = _rows(path)
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown or "type" not in header or not ({"minute", "time"} & set(header)):
        raise EventsError(
            f"{path.name}, row 1: the header must name type, minute or time, and live_id or "
            f"creator + live_start (columns: {', '.join(COLUMNS)}); "
            + (f"unknown column(s) {unknown}" if unknown else f"found {header}")
        )
    problems: list[dict] = []
    kept = []
    for n, raw in rows:
        cells = {h: _text(v) for h, v in zip(header, raw, strict=False) if h}
        if not any(cells.values()):
            continue  # an empty line
        row = _parse(path.name, n, cells, problems)
        if row is not None:
            kept.append(row)
    if problems:
        frame = pd.DataFrame(problems)
        lines = [f"{p['file']}, row {p['row']}, column {p['column']!r}: "
                 + ("" if p["value"] is None else f"{p['value']!r} ") + p["reason"]
                 for p in problems[:12]]  # fmt: skip
        raise EventsError(f"{len(frame)} problem(s) in the events table (fix them and read it "
                          "again):\n  " + "\n  ".join(lines), problems=frame)  # fmt: skip
    return _frame(kept)


def _text(value) -> str | None:
    if value is None:
        return None
    text = str(unescape_text(str(value).strip()))  # the escape kept a leading tab: keep it too
    return text if text.strip() else None


def _frame(rows: list[dict]) -> pd.DataFrame:
    out = empty_events()
    if not rows:
        return out
    frame = pd.DataFrame(rows)
    data = {c: pd.to_datetime(frame[c]).astype("datetime64[ns]") if c == "live_start" else frame[c].astype(out[c].dtype)
            for c in out.columns}  # fmt: skip
    return pd.DataFrame(data)


def write_events(events: pd.DataFrame, path: str | Path) -> Path:
    """Write ``events`` (:func:`read_events`'s columns) as the analyst's CSV, whole or not at all,
    with every text cell that a spreadsheet would run as a formula escaped (OWASP, "CSV
    Injection"; :func:`analysis.sources.safe_text.safe_csv_text`)."""
    out = events.reindex(columns=list(COLUMNS)).copy()
    out["live_start"] = pd.to_datetime(out["live_start"]).dt.strftime("%Y-%m-%d %H:%M")
    for c in ("live_id", "creator", "time", "type", "note"):
        out[c] = out[c].astype("string")
    return write_atomic(path, safe_csv_text(out))
