"""Numbers, money, rates and durations written as the exports' UI shows them, per locale.

The inverse of :mod:`analysis.sources.numbers` (which reads them): the writers of
:mod:`analysis.sources.writers` produce real-looking exports with these, and the property tests
read every form back. Formats: ``docs/data-formats.md`` (§0.4, §7.3).
"""

from __future__ import annotations

#: thousands / decimal marks of the writers' locales
WRITE_STYLES = {
    "en": {"thousands": ",", "decimal": "."},
    "pt_BR": {"thousands": ".", "decimal": ","},
    "id": {"thousands": ".", "decimal": ","},
    "vi": {"thousands": ".", "decimal": ","},
    "fr": {"thousands": "\u202f", "decimal": ","},
}
#: currency code -> the sign the UI writes
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "BRL": "R$", "IDR": "Rp", "VND": "₫", "GBP": "£"}

__all__ = ["CURRENCY_SYMBOLS", "WRITE_STYLES", "format_duration", "format_money", "format_number",
           "format_percent"]  # fmt: skip


def format_number(value: float, *, locale: str = "en", decimals: int = 0,
                  grouping: bool = True) -> str:  # fmt: skip
    """``1234.5`` -> ``"1,234.50"`` (en), ``"1.234,50"`` (pt_BR), ``"1 234,50"`` (fr, U+202F)."""
    style = WRITE_STYLES[locale]
    text = f"{value:,.{decimals}f}" if grouping else f"{value:.{decimals}f}"
    return (
        text.replace(",", "\x00")
        .replace(".", style["decimal"])
        .replace("\x00", style["thousands"])
    )


def format_money(amount: float, currency: str, *, locale: str = "en", after: bool = False,
                 thousands: str | None = None) -> str:  # fmt: skip
    """An amount as the UI shows it: ``"€1,234.56"``, ``"R$ 1.686,71"``, ``"Rp2.263.353.095"``,
    ``"1 686,71 €"`` (fr: U+202F thousands, U+00A0 before the sign); VND as a bare integer."""
    if currency == "VND":
        return format_number(round(amount), locale=locale, grouping=False)
    decimals = 0 if currency == "IDR" else 2
    text = format_number(amount, locale=locale, decimals=decimals)
    if thousands is not None:
        text = text.replace(WRITE_STYLES[locale]["thousands"], thousands)
    sym = CURRENCY_SYMBOLS.get(currency, currency)
    if after:
        return f"{text}\u00a0{sym}"
    space = " " if locale != "en" and sym == "R$" or locale in ("pt_BR", "fr") else ""
    return f"{sym}{space}{text}"


def format_percent(rate: float, *, locale: str = "en", percent: bool = True,
                   space: bool = False) -> str:  # fmt: skip
    """``0.0662`` -> ``"6.62%"`` / ``"6,62 %"`` (percent) or ``"0.066200"`` (a fraction)."""
    if not percent:
        return format_number(rate, locale=locale, decimals=6, grouping=False)
    text = format_number(100 * rate, locale=locale, decimals=2, grouping=False)
    return f"{text}\u00a0%" if space else f"{text}%"


def format_duration(seconds: float, *, style: str = "seconds") -> str:
    """``14326`` -> ``"14326"`` (seconds) or ``"3h58m"`` (hm, minutes truncated)."""
    if style == "seconds":
        return str(int(seconds))
    h, m = divmod(int(seconds) // 60, 60)
    return f"{h}h{m}m" if h else f"{m}m"
