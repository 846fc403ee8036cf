"""Times and durations as exports write them: naive shop-local dates and times (ISO, day-first,
month-first with AM/PM, Excel serials), durations (seconds, ``3h58m``, ``hh:mm:ss``) and the date
order a column shows. Numbers, money and percents are :mod:`analysis.sources.numbers`; formats:
``docs/data-formats.md`` §1.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from analysis.errors import NumberError
from analysis.sources.numbers import clean, is_missing

__all__ = ["column_date_order", "parse_duration", "parse_time"]

_EXCEL_EPOCH = datetime(1899, 12, 30)

_DURATION = re.compile(
    r"(?:(?P<d>\d+)\s*d)?\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*(?:m|min))?\s*(?:(?P<s>\d+(?:\.\d+)?)\s*s)?",
    re.IGNORECASE,
)


def parse_duration(text) -> float | None:
    """Parse a duration in seconds: ``"14326"``, ``"3h58m"``, ``"1m28s"``, ``"01:02:03"``.

    Negative values are returned as they are (a LIVE still running when exported shows
    ``"-1773928881"``); the loader decides what that means.
    """
    if is_missing(text):
        return None
    s = clean(str(text))
    if re.fullmatch(r"[-−]?\d+(\.\d+)?", s):
        return float(s.replace("−", "-"))
    if m := re.fullmatch(r"(\d+):([0-5]\d):([0-5]\d)", s):
        return int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3])
    m = _DURATION.fullmatch(s)
    if not s or m is None or not any(m.groupdict().values()):
        raise NumberError(f"{text!r} is not a duration (seconds, '3h58m', '1m28s' or 'hh:mm:ss')")
    d, h, mi, sec = (float(m[k]) if m[k] else 0.0 for k in "dhms")
    return d * 86400 + h * 3600 + mi * 60 + sec


_TIME_FORMATS = {
    "YMD": ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
            "%Y/%m/%d/ %H:%M", "%Y/%m/%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"),
    "DMY": ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y",
            "%d.%m.%Y %H:%M"),
    "MDY": ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
            "%m/%d/%Y"),
}  # fmt: skip


def parse_time(text, *, date_order: str | None = None) -> datetime | None:
    """Parse a naive local time (no offset): ISO, ``%Y/%m/%d/ %H:%M``, ``DD/MM/YYYY``,
    ``MM/DD/YYYY hh:mm:ss AM``, or an Excel serial day number (1900 date system).

    Parameters
    ----------
    date_order : {"DMY", "MDY"}, optional
        Order of a slashed date that could be either (``"03/04/2026"``). A 12-hour clock
        (``AM``/``PM``) is read month first; a day above 12 decides by itself. Without it an
        ambiguous date raises :class:`NumberError`.

    Returns
    -------
    datetime.datetime or None
        Naive (the shop time zone is applied by :func:`analysis.cells.split_cells`).
    """
    if is_missing(text):
        return None
    s = re.sub(r"\s+", " ", clean(str(text)))
    if re.fullmatch(r"\d{5}(\.\d+)?", s):  # Excel serial: days since 1899-12-30
        value = float(s)
        if not 20000 <= value < 80000:
            raise NumberError(f"{text!r} is not a date (an Excel serial would be 20000-80000)")
        t = _EXCEL_EPOCH + timedelta(days=value)
        return t.replace(microsecond=0) + timedelta(seconds=round(t.microsecond / 1e6))
    if re.search(r"[+-]\d{2}:?\d{2}$|Z$", s) and "T" in s:
        raise NumberError(f"{text!r} carries a UTC offset; exports write naive shop-local times")
    order_list = ["YMD"]
    if re.match(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}", s):
        a, b = (int(x) for x in re.split(r"[/.-]", s)[:2])
        if re.search(r"[AaPp][Mm]$", s):
            order_list = ["MDY"]
        elif a > 12 >= b:
            order_list = ["DMY"]
        elif b > 12 >= a:
            order_list = ["MDY"]
        elif a == b:
            order_list = ["DMY"]
        elif date_order in ("DMY", "MDY"):
            order_list = [date_order]
        else:
            raise NumberError(
                f"{text!r} is ambiguous (day/month or month/day); the file's locale decides"
            )
    for order in order_list:
        for fmt in _TIME_FORMATS[order]:
            try:
                return datetime.strptime(s, fmt)
            except ValueError:
                continue
    raise NumberError(
        f"{text!r} is not a date/time (expected e.g. 2026-03-19 11:01, 19/03/2026 or an Excel "
        "serial)"
    )


def column_date_order(values, *, default: str | None = None) -> str | None:
    """``"DMY"`` or ``"MDY"`` when a slashed date of the column decides it (a part above 12),
    else ``default``."""
    for v in values:
        if is_missing(v):
            continue
        m = re.match(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{4}", str(v))
        if m:
            a, b = int(m[1]), int(m[2])
            if a > 12 >= b:
                return "DMY"
            if b > 12 >= a:
                return "MDY"
    return default
