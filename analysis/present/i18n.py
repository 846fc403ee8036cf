"""Report languages: translated strings and locale-aware number, percent, money and date formats.

Every language is one JSON data file, ``analysis/present/locales/strings/<lang>.json``; adding a
language means adding a file (no code change). A file holds::

    {
      "_meta": {"locale": "fr_FR", "name": "Français"},   # babel locale of the formatters
      "strings": {"index.title": "Rapport cartlift", ...}, # short texts, str.format fields
      "markdown": {"01.question": ["# ...", "..."], ...}    # notebook markdown cells, by key
    }

``strings`` are looked up with :func:`t`; ``markdown`` values replace the markdown cells of a
notebook tagged ``i18n:<key>`` when a report is exported in that language (a list of lines is
joined with newlines). English is the source language: the notebooks' own markdown is English, so
``en.json`` has no ``markdown`` section, while every key of its ``strings`` must exist in every
other file (``tests/present/test_i18n.py`` checks it). A missing key is an error, never a silent
fallback to English.

Formatting uses babel (CLDR data): ``format_percent(0.0912, lang="fr")`` gives ``9,1 %``,
``format_money(1234.5, "EUR", lang="fr", digits=1)`` ``1 234,5 €`` and
``format_date(date(2026, 11, 23), lang="fr")`` ``lundi 23 novembre 2026`` (CLDR spaces:
U+202F between digit groups, U+00A0 before ``%`` and ``€``).
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date as babel_date
from babel.numbers import format_currency, format_decimal
from babel.numbers import format_percent as babel_percent

from analysis.errors import LanguageError
from analysis.present import privacy
from analysis.vocabulary import STATUSES, check_argument

#: folder of the language files
STRINGS_DIR = Path(__file__).resolve().parent / "locales" / "strings"
#: the language of the notebooks' own markdown and the default of every ``lang`` argument
SOURCE_LANGUAGE = "en"
#: cell tag prefix naming a translatable markdown cell: ``i18n:<key>``
MARKDOWN_TAG = "i18n:"

__all__ = [
    "LanguageError",
    "available_languages",
    "check_lang",
    "column_label",
    "format_date",
    "format_integer",
    "format_money",
    "format_number",
    "format_percent",
    "language_name",
    "locale_of",
    "markdown",
    "markdown_key",
    "metric_label",
    "status_text",
    "t",
]


def available_languages() -> tuple[str, ...]:
    """Languages with a strings file, sorted (``("en", "fr")``)."""
    return tuple(sorted(p.stem for p in STRINGS_DIR.glob("*.json")))


def check_lang(lang: str) -> str:
    """Return ``lang`` if a strings file exists for it, else raise ``ValueError``."""
    return check_argument("lang", available_languages(), lang)


@functools.cache
def _load(lang: str) -> dict[str, Any]:
    check_lang(lang)
    path = STRINGS_DIR / f"{lang}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for part in ("_meta", "strings"):
        if part not in data:
            raise ValueError(f"{path}: missing the {part!r} section")
    if "locale" not in data["_meta"]:
        raise ValueError(f"{path}: _meta has no 'locale' (a babel locale such as 'fr_FR')")
    return data


def locale_of(lang: str) -> str:
    """The babel locale of ``lang`` (``_meta.locale`` of its file, e.g. ``fr_FR``)."""
    return _load(lang)["_meta"]["locale"]


def language_name(lang: str) -> str:
    """The name of ``lang`` in that language (``_meta.name`` of its file: ``Français``), for
    the links between the languages of a report; ``lang`` itself when the file names none."""
    return str(_load(lang)["_meta"].get("name", lang))


def status_text(code: object, message: object = None, *, lang: str = SOURCE_LANGUAGE) -> str:
    """What a reader of ``lang`` is told of a result's status (``docs/metrics.md``, status codes).

    In the source language: ``message`` (the row's ``status_message``) when it is a non-empty
    text, else the code's :data:`analysis.vocabulary.STATUSES` message. In another language: the
    code's ``status.<code>`` string of that language, without the row's specifics (the analyses
    write them in English; the result frames keep them). A value that is not a status code is
    returned as it is (a free text stays readable).
    """
    known = isinstance(code, str) and code in STATUSES
    if isinstance(message, str) and message and (lang == SOURCE_LANGUAGE or not known):
        return message
    if not known:
        return str(code)
    return STATUSES[str(code)] if lang == SOURCE_LANGUAGE else t(f"status.{code}", lang=lang)


def privacy_tokens(lang: str) -> dict[str, str]:
    """What replaces an e-mail, a phone number and a user id in ``lang`` (``table.email_hidden``,
    ``table.phone_hidden``, ``table.user_id_hidden``; :mod:`analysis.present.privacy`)."""
    strings = _load(lang)["strings"]
    return {k: strings[f"table.{k}_hidden"] for k in privacy.TOKENS}


def t(key: str, *, lang: str = SOURCE_LANGUAGE, **fields: Any) -> str:
    """The string ``key`` in ``lang``, with ``str.format`` ``fields`` filled in.

    Fields are inserted as given: format numbers first (:func:`format_percent`, ...). A text
    field holding an e-mail, a phone number or a user id has it masked
    (:func:`analysis.present.privacy.mask`; fields named as id columns, ``product_id``, are not).

    Raises
    ------
    LanguageError
        ``key`` is not in the language file (no fallback to another language).
    """
    table = _load(lang)["strings"]
    if key not in table:
        raise LanguageError(
            f"string {key!r} is missing from {STRINGS_DIR / f'{lang}.json'} (section 'strings')"
        )
    text = table[key]
    if not fields:
        return text
    tokens = privacy_tokens(lang)
    shown = {
        k: v if privacy.is_id_column(k) else privacy.mask(v, tokens) for k, v in fields.items()
    }
    return text.format(**shown)


def column_label(column: Any, *, lang: str) -> str:
    """The label of a result column in ``lang`` (``col.<column>`` in the strings file).

    Result frames gain columns over time, so a column without a label keeps its own name (the
    one documented exception to "missing key = error"; ``tests/present/test_i18n.py`` checks
    that every column :mod:`analysis.present.display` shows by default has a label in every
    language).
    """
    return _load(lang)["strings"].get(f"col.{column}", str(column))


def metric_label(metric: Any, *, lang: str) -> str:
    """The name of a metric in ``lang`` (``metric.<name>``: ``atc_rate`` -> "add-to-cart
    rate"); a metric without a string (one a user registered, ``docs/metrics.md``) keeps its
    name, as :func:`column_label` does for columns."""
    return _load(lang)["strings"].get(f"metric.{metric}", str(metric))


def markdown(key: str, *, lang: str) -> str:
    """The translated markdown cell ``key`` in ``lang`` (lines joined with newlines).

    Raises
    ------
    LanguageError
        ``key`` is not in the ``markdown`` section of the language file.
    """
    table = _load(lang).get("markdown", {})
    if key not in table:
        raise LanguageError(
            f"markdown cell {key!r} has no translation in {STRINGS_DIR / f'{lang}.json'} "
            "(section 'markdown'); add it, or remove the cell's i18n tag"
        )
    value = table[key]
    return "\n".join(value) if isinstance(value, list) else value


def markdown_key(tags: list[str] | tuple[str, ...]) -> str | None:
    """The key of the first ``i18n:<key>`` tag in ``tags``, or None."""
    for tag in tags:
        if tag.startswith(MARKDOWN_TAG):
            return tag[len(MARKDOWN_TAG) :]
    return None


def _missing(value: Any) -> bool:
    if value is None or str(value) in ("NaT", "<NA>"):
        return True
    try:
        return bool(math.isnan(value))
    except TypeError:
        return False


def _with_decimals(pattern: str, digits: int) -> str:
    """A CLDR pattern with exactly ``digits`` decimals (``#,##0 %`` -> ``#,##0.0 %``)."""
    integer = re.sub(r"\.[0#]*", "", pattern)  # drop any decimals the pattern has
    if digits <= 0:
        return integer
    return re.sub(r"0(?=[^0#]*$)", "0." + "0" * digits, integer, count=1)


def format_number(value: float | None, *, lang: str = SOURCE_LANGUAGE, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals and the locale's separators (``1 234,50``);
    an empty string for a missing value."""
    if value is None or _missing(value):
        return ""
    loc = locale_of(lang)
    pattern = _with_decimals(Locale.parse(loc).decimal_formats[None].pattern, digits)
    return format_decimal(value, format=pattern, locale=loc, decimal_quantization=True)


def format_integer(value: float | None, *, lang: str = SOURCE_LANGUAGE) -> str:
    """A count with the locale's digit grouping (``12 345``); empty when missing."""
    return format_number(value, lang=lang, digits=0)


def format_percent(value: float | None, *, lang: str = SOURCE_LANGUAGE, digits: int = 1) -> str:
    """A proportion as a percentage of the locale: 0.0912 -> ``9.1%`` (en), ``9,1 %`` (fr);
    empty when missing."""
    if value is None or _missing(value):
        return ""
    loc = locale_of(lang)
    pattern = _with_decimals(Locale.parse(loc).percent_formats[None].pattern, digits)
    return babel_percent(value, format=pattern, locale=loc, decimal_quantization=True)


def format_money(
    value: float | None, currency: str, *, lang: str = SOURCE_LANGUAGE, digits: int = 2
) -> str:
    """An amount in ``currency`` (ISO 4217) as the locale writes it: ``€1,234.50`` (en),
    ``1 234,50 €`` (fr); empty when missing."""
    if value is None or _missing(value):
        return ""
    loc = locale_of(lang)
    pattern = _with_decimals(Locale.parse(loc).currency_formats["standard"].pattern, digits)
    return format_currency(
        value, currency, format=pattern, locale=loc, currency_digits=False,
        decimal_quantization=True,
    )  # fmt: skip


def format_date(value: Any, *, lang: str = SOURCE_LANGUAGE, style: str = "full") -> str:
    """A date in the locale: ``lundi 23 novembre 2026`` (fr, ``full``), ``Monday, November 23,
    2026`` (en). ``style`` is a CLDR length: ``full``, ``long``, ``medium`` or ``short``."""
    if value is None or _missing(value):
        return ""
    check_argument("style", ("full", "long", "medium", "short"), style)
    day = value.date() if hasattr(value, "date") and callable(value.date) else value
    return babel_date(day, format=style, locale=locale_of(lang))
