"""Locale numbers, money, percents, durations and times (analysis.sources.numbers).

Pinned examples come from the real cells quoted in docs/data-formats.md (§0.4, §1.2,
§1.3, §1.5); the property tests write a value the way each UI locale does
(``analysis.sources.writers.text.format_*``, plus hand-made variants) and read it back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.sources.numbers import (
    Money,
    NumberError,
    column_decimal,
    parse_count,
    parse_money,
    parse_number,
    parse_percent,
)  # fmt: skip
from analysis.sources.times import column_date_order, parse_duration, parse_time
from analysis.sources.writers.text import (
    format_duration,
    format_money,
    format_number,
    format_percent,
)  # fmt: skip

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("R$ 1.686,71", 1686.71, "BRL"),  # v1 LIVE list, BR shop (docs/data-formats.md 1.2)
        ("R$ 5,818.38", 5818.38, "BRL"),  # v3, BR shop with EN UI
        ("R$ 3.545,94", 3545.94, "BRL"),
        ("$1,234.56", 1234.56, "USD"),
        ("Rp2.263.353.095", 2263353095.0, "IDR"),
        ("1032720", 1032720.0, None),  # VND LIVE Center sample: bare integer
        (f"1{NNBSP}686,71{NBSP}€", 1686.71, "EUR"),  # FR: narrow no-break thousands, € after
        (f"1{NBSP}686,71 €", 1686.71, "EUR"),
        ("€1,686.71", 1686.71, "EUR"),
        ("€ 1.686,71", 1686.71, "EUR"),
        ("10959,4", 10959.4, None),  # PT-BR overview day
        ("278.39", 278.39, None),  # the same sheet's totals row
        ("0", 0.0, None),
    ],
)
def test_money_of_real_cells(text, amount, currency):
    assert parse_money(text) == Money(amount, currency)


@pytest.mark.parametrize("text", ["", "-", "--", "N/A", "  ", "null", None])
def test_missing_markers_are_none_not_zero(text):
    assert parse_money(text) is None
    assert parse_count(text) is None
    assert parse_percent(text) is None


def test_ambiguous_separator_needs_the_locale():
    with pytest.raises(NumberError, match="ambiguous"):
        parse_number("1,234")
    assert parse_number("1,234", decimal=".") == 1234.0
    assert parse_number("1,234", decimal=",") == 1.234
    assert parse_number("1.686", decimal=",") == 1686.0
    assert parse_count("1.234") == 1234  # a count has no decimals
    assert parse_number("0.123") == 0.123  # a thousands group never follows a lone 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1,23,4", "thousands groups must have three digits"),
        ("12abc", "is not a number"),
        ("1,5", "not a whole number"),
        ("-3", "negative"),
    ],
)
def test_counts_refuse_what_is_not_a_count(text, reason):
    with pytest.raises(NumberError, match=reason):
        parse_count(text)


@pytest.mark.parametrize(
    ("text", "rate"),
    [("6.62%", 0.0662), ("0,78%", 0.0078), (f"0,78{NBSP}%", 0.0078), ("13.99%", 0.1399),
     ("0.227607", 0.227607), ("0.0528", 0.0528), ("18%", 0.18)],
)  # fmt: skip
def test_percent_encodings(text, rate):
    assert parse_percent(text) == rate


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("14326", 14326), ("3h58m", 14280), ("1m28s", 88), ("48.215388", 48.215388),
     ("01:02:03", 3723), ("-1773928881", -1773928881), ("2h", 7200)],
)  # fmt: skip
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2026-03-19 11:01", None, datetime(2026, 3, 19, 11, 1)),  # v1 Start time
        ("2026-03-19 11:01:00", None, datetime(2026, 3, 19, 11, 1)),  # v3 Start Time
        ("2026/03/19/ 11:01", None, datetime(2026, 3, 19, 11, 1)),  # ID-market Launched Time
        ("01/08/2025", "DMY", datetime(2025, 8, 1)),  # PT-BR overview Data
        ("19/03/2026", None, datetime(2026, 3, 19)),  # day > 12 decides
        ("03/19/2026 11:01:00 AM", None, datetime(2026, 3, 19, 11, 1)),  # US 12-hour clock
        ("03/19/2026 01:05:00 PM", None, datetime(2026, 3, 19, 13, 5)),
        ("46100", None, datetime(2026, 3, 19)),  # Excel serial (1900 system)
        ("46100.5", None, datetime(2026, 3, 19, 12, 0)),
    ],
)
def test_times(text, order, expected):
    assert parse_time(text, date_order=order) == expected


def test_ambiguous_date_without_locale_is_an_error():
    with pytest.raises(NumberError, match="ambiguous"):
        parse_time("03/04/2026")
    assert parse_time("03/04/2026", date_order="DMY") == datetime(2026, 4, 3)
    assert parse_time("03/04/2026", date_order="MDY") == datetime(2026, 3, 4)


def test_column_conventions():
    assert column_decimal(["1.234", "10959,4", "2.000"]) == ","
    assert column_decimal(["1,234", "5,818.38"]) == "."
    assert column_decimal(["1.234", "2.000"], default=",") == ","
    assert column_date_order(["01/08/2025", "13/08/2025"]) == "DMY"
    assert column_date_order(["08/13/2025"]) == "MDY"
    assert column_date_order(["01/02/2025"], default=None) is None


# ------------------------------------------------------------------------------------------------
# Properties: write as a locale writes, read back
# ------------------------------------------------------------------------------------------------
cents = st.integers(min_value=0, max_value=10**11)
LOCALES = ("en", "pt_BR", "fr", "id", "vi")


@settings(max_examples=300, deadline=None)
@given(cents=cents, locale=st.sampled_from(LOCALES), currency=st.sampled_from(
    ("EUR", "BRL", "USD", "IDR", "VND")), after=st.booleans())  # fmt: skip
def test_money_round_trip(cents, locale, currency, after):
    amount = cents / 100
    text = format_money(amount, currency, locale=locale, after=after)
    parsed = parse_money(text, decimal=",") if locale != "en" else parse_money(text, decimal=".")
    expected = round(amount) if currency in ("VND", "IDR") else amount
    assert parsed.amount == pytest.approx(expected, abs=1e-9), text
    assert parsed.currency == (None if currency == "VND" else currency), text


@settings(max_examples=300, deadline=None)
@given(cents=cents, sep=st.sampled_from((NBSP, NNBSP, " ", "\u2009")),
       sign=st.sampled_from(("€", "")), before=st.booleans())  # fmt: skip
def test_french_money_any_space(cents, sep, sign, before):
    """FR: decimal comma, any no-break space as thousands mark, € before or after."""
    whole, frac = divmod(cents, 100)
    grouped = f"{whole:,}".replace(",", sep)
    number = f"{grouped},{frac:02d}"
    text = f"{sign}{number}" if before else f"{number}{NBSP}{sign}".strip()
    m = parse_money(text)
    assert m.amount == pytest.approx(cents / 100, abs=1e-9), repr(text)
    assert m.currency == ("EUR" if sign else None)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(min_value=0, max_value=10**12), locale=st.sampled_from(LOCALES),
       grouping=st.booleans())  # fmt: skip
def test_count_round_trip(n, locale, grouping):
    assert parse_count(format_number(n, locale=locale, grouping=grouping)) == n


@settings(max_examples=300, deadline=None)
@given(bp=st.integers(min_value=0, max_value=100_000), locale=st.sampled_from(LOCALES),
       space=st.booleans())  # fmt: skip
def test_percent_round_trip(bp, locale, space):
    rate = bp / 10_000  # two decimals of a percent
    text = format_percent(rate, locale=locale, space=space)
    assert parse_percent(text) == pytest.approx(rate, abs=1e-12), text
    fraction = format_percent(rate, locale="en", percent=False)
    assert parse_percent(fraction) == pytest.approx(rate, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(seconds=st.integers(min_value=0, max_value=30 * 3600))
def test_duration_round_trip(seconds):
    assert parse_duration(format_duration(seconds)) == seconds
    assert parse_duration(format_duration(seconds, style="hm")) == seconds // 60 * 60
    h, rest = divmod(seconds, 3600)
    assert parse_duration(f"{h:02d}:{rest // 60:02d}:{rest % 60:02d}") == seconds


@settings(max_examples=300, deadline=None)
@given(t=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2060, 12, 31)))
def test_time_round_trip(t):
    t = t.replace(microsecond=0)
    assert parse_time(t.strftime("%Y-%m-%d %H:%M:%S")) == t
    assert parse_time(t.strftime("%Y/%m/%d/ %H:%M")) == t.replace(second=0)
    assert parse_time(t.strftime("%d/%m/%Y %H:%M"), date_order="DMY") == t.replace(second=0)
    assert parse_time(t.strftime("%m/%d/%Y %I:%M:%S %p")) == t
    serial = (t - datetime(1899, 12, 30)) / timedelta(days=1)
    assert parse_time(repr(serial)) == t
