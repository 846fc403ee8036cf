"""Locale-aware parsing of the text cells of real exports: numbers, money, percents, durations, times.

Every cell of a TikTok Shop export is text, written by the UI language of whoever exported it:
``"R$ 1.686,71"`` (PT-BR), ``"R$ 5,818.38"`` (BR shop, EN UI), ``"$1,234.56"``, ``"Rp2.263.353.095"``,
bare VND integers, ``"1 686,71 €"`` (FR: non-breaking or narrow no-break space thousands), rates
``"0.227607"``, ``"6.62%"``, ``"0,78 %"``, durations ``"14326"`` (seconds) or ``"3h58m"``, times
``"2026-03-19 11:01"``, ``"19/03/2026"``, ``"03/19/2026 11:01:00 AM"``, Excel serials ``"46100.5"``.

Rules (``docs/data-formats.md`` §7.3):

- Missing markers (``""``, ``"-"``, ``"--"``, ``"—"``, ``"N/A"``, ``"null"``) are ``None``: "not
  reported", never 0.
- Thousands separators are ``,`` ``.`` ``'`` and the spaces U+0020, U+00A0 (no-break), U+202F
  (narrow no-break), U+2009 (thin). With both ``,`` and ``.`` present the **last** one is the decimal
  separator. A separator that occurs several times, or a space, groups thousands. A single ``,`` or
  ``.`` followed by exactly three digits (``"1,234"``, ``"1.686"``) is ambiguous: the caller's
  ``decimal`` decides, and without it :class:`NumberError` says so (counts pass ``integer=True``: a
  count has no decimals, so the separator groups thousands).
- A thousands group has exactly three digits (``"1,23,4"`` is an error, not 1234).
- Only finite numbers: ``"inf"``, ``"-Infinity"``, ``"NaN"`` and ``"1e309"`` (beyond the largest
  float) raise :class:`NumberError`; ``"nan"`` is not a missing marker (it is what a failed
  computation or a script's ``str(float("nan"))`` writes, not an export's "not reported"). A
  count of 2**53 (9,007,199,254,740,992) or more cannot be held exactly and is refused too.

All functions take one text value and return a Python value; they raise :class:`NumberError` with a
plain-words reason, which the loaders copy into the rejected table. Writing these forms (the
simulator's exports) is :mod:`analysis.sources.writers.text`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from analysis.errors import NumberError

__all__ = [
    "CURRENCY_MARKS",
    "MAX_COUNT",
    "MISSING",
    "SPACES",
    "Money",
    "clean",
    "column_date_order",
    "column_decimal",
    "fold",
    "is_missing",
    "parse_count",
    "parse_duration",
    "parse_money",
    "parse_number",
    "parse_percent",
    "parse_time",
]

#: texts that mean "not reported"
MISSING = frozenset({"", "-", "--", "—", "–", "n/a", "na", "null", "none", "#n/a"})
#: counts from this one up are refused (a float holds every integer below 2**53 exactly)
MAX_COUNT = 2**53
_NON_FINITE = re.compile(r"[-−+]?\s*(inf|infinity|nan|∞)", re.IGNORECASE)
#: spaces used as thousands separators (plain, no-break, narrow no-break, thin, figure)
SPACES = " \u00a0\u202f\u2009\u2007"
#: currency marks -> ISO 4217 code (longest first when matching)
CURRENCY_MARKS = {
    "R$": "BRL", "US$": "USD", "Rp": "IDR", "IDR": "IDR", "₫": "VND", "VND": "VND", "đ": "VND",
    "€": "EUR", "EUR": "EUR", "$": "USD", "USD": "USD", "BRL": "BRL", "£": "GBP", "GBP": "GBP",
    "RM": "MYR", "฿": "THB", "₱": "PHP",
}  # fmt: skip
_MARKS = sorted(CURRENCY_MARKS, key=len, reverse=True)
_MARK_RE = re.compile("|".join(re.escape(m) for m in _MARKS))
_EXCEL_EPOCH = datetime(1899, 12, 30)


def is_missing(text) -> bool:
    """True for ``None``, a float NaN (an empty cell read by pandas) and the missing markers of
    :data:`MISSING`."""
    if text is None:
        return True
    if isinstance(text, float) and math.isnan(text):
        return True
    return clean(str(text)).casefold() in MISSING


def clean(text: str) -> str:
    """Strip surrounding whitespace, tabs (ids often end in ``\\t``) and quotes Excel adds."""
    return str(text).strip().strip("\t").strip().lstrip("'")


def parse_number(text, *, decimal: str | None = None, integer: bool = False) -> float | None:
    """Parse a locale-formatted number (no currency, no percent).

    Parameters
    ----------
    text : str
        ``"1,234.56"``, ``"1.234,56"``, ``"1 234,56"`` (any space), ``"-12"``, ``"1e3"`` ...
    decimal : {".", ","}, optional
        Decimal separator to use when the text alone is ambiguous (a single ``,`` or ``.``
        followed by exactly three digits).
    integer : bool
        The value is a count: a lone separator before three digits groups thousands, and a
        fractional value is an error.

    Returns
    -------
    float or None
        ``None`` for a missing marker.

    Raises
    ------
    NumberError
        Not a number, not finite (``inf``, ``nan``, ``1e309``), badly grouped thousands,
        ambiguous without ``decimal``, or a count with decimals.
    """
    if is_missing(text):
        return None
    if decimal not in (None, ".", ","):
        raise ValueError(f"decimal must be '.' or ',', not {decimal!r}")
    if _NON_FINITE.fullmatch(clean(str(text))):
        raise NumberError(f"{text!r} is not a finite number (infinity or NaN: a failed "
                          "computation, not a value); fix the cell or leave it empty for "
                          "'not reported'")  # fmt: skip
    sign, s = _split_sign(clean(str(text)))
    if re.fullmatch(r"\d+(\.\d+)?[eE][+-]?\d+", s):
        value = sign * float(s)
        if not math.isfinite(value):
            raise NumberError(f"{text!r} is beyond the largest number a float holds (about "
                              "1.8e308); fix the cell")  # fmt: skip
        return _integer(value, text) if integer else value
    if not s or not re.fullmatch(r"[\d.,'" + SPACES + "]+", s) or not s[0].isdigit():
        raise NumberError(f"{text!r} is not a number")
    spaced = any(c in s for c in SPACES) or "'" in s
    body = s
    for c in SPACES + "'":
        body = body.replace(c, "\x00")  # grouping mark
    dec = _decimal_mark(body, text, spaced=spaced, decimal=decimal, integer=integer)
    groups, frac = _digit_groups(body, dec, text)
    value = sign * float("".join(groups) + ("." + frac if frac else ""))
    return _integer(value, text) if integer else value


def _split_sign(s: str) -> tuple[float, str]:
    """``(sign, rest)``: a leading ``-``/``−``/``+``, or accounting parentheses ``(12)``."""
    sign = 1.0
    if s[:1] in "-−+":
        sign = -1.0 if s[0] in "-−" else 1.0
        s = s[1:].strip(SPACES)
    if s.startswith("(") and s.endswith(")"):  # accounting negative
        sign, s = -1.0, s[1:-1].strip(SPACES)
    return sign, s


def _decimal_mark(body: str, text, *, spaced: bool, decimal: str | None,
                  integer: bool) -> str | None:  # fmt: skip
    """The decimal mark of ``body`` (grouping spaces already ``\\x00``), ``None`` when it has
    none; :class:`NumberError` when a lone mark before three digits is ambiguous."""
    has_c, has_d = "," in body, "." in body
    if has_c and has_d:
        return "," if body.rfind(",") > body.rfind(".") else "."
    if not (has_c or has_d):
        return None
    sep = "," if has_c else "."
    if body.count(sep) > 1:
        return None  # repeated: thousands
    if spaced:
        return sep  # spaces group thousands, so the lone mark is the decimal one
    if body.split(sep)[0] in ("0", ""):
        return sep  # "0.123": a thousands group never follows a lone 0
    if len(body.rsplit(sep, 1)[1]) != 3:
        return sep
    if integer:
        return None
    if decimal is not None:
        return sep if decimal == sep else None
    raise NumberError(
        f"{text!r} is ambiguous: {sep!r} may separate thousands or decimals; the file's "
        "locale decides (pass decimal='.' or ',')"
    )


def _digit_groups(body: str, dec: str | None, text) -> tuple[list[str], str]:
    """The thousands groups of the whole part and the fraction digits, checked: every group
    after the first has exactly three digits."""
    if dec is not None:
        whole, frac = body.rsplit(dec, 1)
        if not frac.isdigit():
            raise NumberError(f"{text!r} is not a number (nothing after the decimal mark)")
    else:
        whole, frac = body, ""
    groups = re.split(r"[.,\x00]", whole)
    if len(groups) > 1 and (
        not groups[0].isdigit() or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])
    ):
        raise NumberError(f"{text!r} is not a number: thousands groups must have three digits")
    if not all(g.isdigit() for g in groups):
        raise NumberError(f"{text!r} is not a number")
    return groups, frac


def _integer(value: float, text) -> float:
    if value != round(value):
        raise NumberError(f"{text!r} is not a whole number; counts are integers")
    if abs(value) >= MAX_COUNT:
        raise NumberError(f"{text!r} is too large for a count (2**53 or more, where whole numbers "
                          "stop being exact); fix the cell")  # fmt: skip
    return value


def parse_count(text) -> int | None:
    """Parse a count: ``"6252"``, ``"1,234"``, ``"1.234"``, ``"1 234"`` -> int; missing -> None.

    Raises :class:`NumberError` for text, decimals or a negative count.
    """
    value = parse_number(text, integer=True)
    if value is None:
        return None
    if value < 0:
        raise NumberError(f"{text!r} is negative; counts are >= 0")
    return int(value)


@dataclass(frozen=True)
class Money:
    """An amount and the ISO 4217 code of its currency (``None`` when the text names none)."""

    amount: float
    currency: str | None


def parse_money(text, *, decimal: str | None = None) -> Money | None:
    """Parse an amount with an optional currency mark before or after it.

    ``"R$ 1.686,71"`` -> 1686.71 BRL, ``"R$ 5,818.38"`` -> 5818.38 BRL, ``"$1,234.56"`` -> USD,
    ``"Rp2.263.353.095"`` -> 2263353095 IDR, ``"1032720"`` -> no currency, ``"1 686,71 €"`` /
    ``"€1,686.71"`` -> EUR. ``$`` alone is read as USD.
    """
    if is_missing(text):
        return None
    s = clean(str(text))
    marks = _MARK_RE.findall(s)
    currency = None
    if marks:
        codes = {CURRENCY_MARKS[m] for m in marks}
        if len(codes) > 1:
            raise NumberError(f"{text!r} names several currencies ({', '.join(sorted(codes))})")
        currency = codes.pop()
        s = _MARK_RE.sub("", s).strip(SPACES)
    if currency == "IDR" and decimal is None and re.fullmatch(r"\d{1,3}(\.\d{3})+", s):
        decimal = ","  # rupiah amounts are whole
    try:
        amount = parse_number(s, decimal=decimal)
    except NumberError as err:
        raise NumberError(str(err).replace(repr(s), repr(str(text)), 1)) from None
    if amount is None:
        return None
    return Money(amount, currency)


def parse_percent(text, *, decimal: str | None = None) -> float | None:
    """Parse a rate: ``"6.62%"`` / ``"0,78 %"`` -> 0.0662 / 0.0078; ``"0.227607"`` as it is.

    A value without ``%`` is taken as a fraction (the API product endpoints and LIVE Center
    exports write ``"0.0528"`` for 5.28 %).
    """
    if is_missing(text):
        return None
    s = clean(str(text))
    if s.endswith("%"):
        value = parse_number(s[:-1].strip(SPACES), decimal=decimal or ".")
        return None if value is None else float(Decimal(repr(value)) / 100)
    return parse_number(s, decimal=decimal or ".")


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


def fold(text: str) -> str:
    """Unicode-normalised, case-folded, single-spaced text (header and marker comparisons)."""
    s = unicodedata.normalize("NFKC", str(text)).replace("\t", " ")
    return re.sub(r"\s+", " ", s).strip().casefold()


def column_decimal(values, *, default: str | None = None) -> str | None:
    """The decimal separator a column of amounts shows unambiguously (``"1.686,71"`` -> ``,``),
    else ``default`` (the locale's). Values that disagree are each read by their own form."""
    votes = {".": 0, ",": 0}
    for v in values:
        if is_missing(v):
            continue
        s = _MARK_RE.sub("", clean(str(v))).strip(SPACES).lstrip("-−")
        has_c, has_d = "," in s, "." in s
        if has_c and has_d:
            votes["," if s.rfind(",") > s.rfind(".") else "."] += 1
        elif has_c or has_d:
            sep = "," if has_c else "."
            if s.count(sep) == 1 and len(s.rsplit(sep, 1)[1]) != 3:
                votes[sep] += 1
    if votes["."] or votes[","]:
        return "." if votes["."] >= votes[","] else ","
    return default


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
