"""A switchback schedule as an iCalendar file (RFC 5545): one event per planned LIVE.

Written by hand, with no network and no dependency: a ``VCALENDAR`` (``VERSION:2.0``,
``PRODID``) holding one ``VEVENT`` per slot with ``UID``, ``DTSTAMP``, ``DTSTART`` in UTC (``Z``
form, RFC 5545 §3.3.5 form #2), ``DURATION``, ``SUMMARY`` (the arm, and the creator) and
``DESCRIPTION`` (slot, block, arm, whether the LIVE is a carry-over buffer, the seed).

Rules kept (RFC 5545):

* TEXT values escaped (§3.3.11): ``\\`` -> ``\\\\``, ``;`` -> ``\\;``, ``,`` -> ``\\,``, a line
  break (CRLF, LF or CR) -> ``\\n``;
* content lines end with CRLF and are folded (§3.1) so no line is longer than 75 octets: the
  rest continues on the next line after one space; a UTF-8 character is never split;
* ``UID`` (§3.8.4.7) is stable: the first 32 hex digits of SHA-256 of ``"<seed>:<slot>"``
  ``@cartlift``, so re-planning with the same seed updates the same events in a calendar.

Reference: RFC 5545, Internet Calendaring and Scheduling Core Object Specification (2009).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pandas as pd

__all__ = ["escape_ics_text", "fold_line", "schedule_ics", "slot_uid"]

PRODID = "-//cartlift//switchback plan//EN"


def escape_ics_text(value: object) -> str:
    """``value`` as an RFC 5545 TEXT value (§3.3.11): backslash, semicolon, comma and line
    breaks escaped."""
    text = str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold_line(line: str, limit: int = 75) -> str:
    """One content line folded at ``limit`` octets (§3.1): CRLF + one space before each
    continuation, which counts in its line; UTF-8 characters are kept whole."""
    parts, current, size = [], "", 0
    for char in line:
        n = len(char.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += n
    parts.append(current)
    return "\r\n".join(parts) + "\r\n"


def slot_uid(seed: int, slot: object) -> str:
    """Stable ``UID`` of a slot's event: SHA-256 of ``"<seed>:<slot>"`` (32 hex) ``@cartlift``."""
    digest = hashlib.sha256(f"{seed}:{slot}".encode()).hexdigest()
    return f"{digest[:32]}@cartlift"


def _utc(ts: pd.Timestamp | datetime) -> str:
    """A time as RFC 5545 DATE-TIME in UTC (``20261005T160000Z``)."""
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y%m%dT%H%M%SZ")


def _event(row: pd.Series, seed: int, minutes: int, stamp: str, title: str) -> list[str]:
    """The content lines of one slot's ``VEVENT`` (unfolded)."""
    creator = row.get("creator")
    who = f" ({creator})" if isinstance(creator, str) and creator else ""
    buffer = bool(row.get("buffer", False))
    summary = f"{title}: {row['arm']}{who}" + (" [buffer, not counted]" if buffer else "")
    counted = "run but not counted (carry-over buffer)" if buffer else "counted"
    description = (
        f"slot {row['slot']}; block {row['block']}; arm {row['arm']}; {counted}; seed {seed}.\n"
        "Switchback plan by cartlift: run this LIVE with the arm named."
    )
    return [
        "BEGIN:VEVENT",
        f"UID:{slot_uid(seed, row['slot'])}",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{_utc(row['start'])}",
        f"DURATION:PT{int(minutes)}M",
        f"SUMMARY:{escape_ics_text(summary)}",
        f"DESCRIPTION:{escape_ics_text(description)}",
        f"CATEGORIES:{escape_ics_text(row['arm'])}",
        "END:VEVENT",
    ]


def schedule_ics(
    schedule: pd.DataFrame,
    *,
    seed: int,
    minutes: int = 60,
    stamp: datetime | None = None,
    title: str = "LIVE",
) -> str:
    """The schedule's calendar (module docstring) as text with CRLF line ends.

    Parameters
    ----------
    schedule : pandas.DataFrame
        ``slot``, ``start`` (aware), ``block``, ``arm``; ``creator`` and ``buffer`` when given.
    seed : int
        The schedule's seed (in each ``UID``).
    minutes : int
        Length of each event.
    stamp : datetime, optional
        ``DTSTAMP`` (when the plan was made; default now, UTC).
    title : str
        First word of each ``SUMMARY``.

    Raises
    ------
    ValueError
        The schedule has no ``start`` (a calendar needs times).
    """
    if "start" not in schedule.columns:
        raise ValueError("A calendar needs each slot's start; this schedule has none.")
    when = _utc(stamp or datetime.now(UTC))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    for _, row in schedule.iterrows():
        lines += _event(row, seed, minutes, when, title)
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) for line in lines)
