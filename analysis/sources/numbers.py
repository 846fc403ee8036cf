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
from decimal import Decimal

from analysis.errors import NumberError

__all__ = [
    "CURRENCY_MARKS",
    "MAX_COUNT",
    "MISSING",
    "SPACES",
    "Money",
    "clean",
    "column_decimal",
    "fold",
    "is_missing",
    "parse_count",
    "parse_money",
    "parse_number",
    "parse_percent",
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
