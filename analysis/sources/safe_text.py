"""Safe outputs: text cells of the CSV files the kit writes for people cannot run as formulas.

A spreadsheet (Excel, LibreOffice, Google Sheets) opening a CSV treats a cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula, so a product named
``=HYPERLINK("http://x","y")`` in ``cartlift load --out cells.csv`` would run (CSV injection).
Rule (OWASP, "CSV Injection"): such a text cell is written with a leading single quote, which the
spreadsheet shows as text and hides. Text columns only: numbers are never changed. A negative
number *stored as text* (``"-2"`` in a text column such as ``product_id``) is text and is escaped
too: the cell cannot tell ``-2`` from ``-2+3``, and the canonical loader gives the text back.

To keep the escape reversible, text that already starts with quotes followed by one of those
characters (``'=x``) gets one more quote (``''=x``); :func:`unescape_text` removes exactly one
quote from a cell that starts with quotes and then one of those characters, so
``unescape_text(escape_text(s)) == s`` for every string ``s`` and any other leading quote
(``'abc``, ``'``) is left alone.

Reference: OWASP Foundation, "CSV Injection",
https://owasp.org/www-community/attacks/CSV_Injection.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = [
    "FORMULA_STARTS",
    "escape_frame",
    "escape_text",
    "safe_csv_text",
    "unescape_frame",
    "unescape_text",
]

#: first characters that make a spreadsheet read a cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile("'*[" + re.escape("".join(FORMULA_STARTS)) + "]")


def escape_text(value: object) -> object:
    """``value`` with a leading ``'`` when it is a string that would start a formula.

    A string matching ``'*[=+\\-@\\t\\r]`` (any leading quotes, then a formula character) gets one
    more leading quote; any other value (numbers, missing values, other text) is returned as is.
    """
    if isinstance(value, str) and _ESCAPED.match(value):
        return "'" + value
    return value


def unescape_text(value: object) -> object:
    """The inverse of :func:`escape_text`: one leading quote removed from a string matching
    ``'+[=+\\-@\\t\\r]``; any other value is returned as is."""
    if isinstance(value, str) and value.startswith("'") and _ESCAPED.match(value):
        return value[1:]
    return value


def _text_columns(frame: pd.DataFrame) -> list:
    """Columns that may hold text: ``object`` and ``string`` dtypes (numbers, booleans and
    times never pass through the escape)."""
    return list(frame.select_dtypes(include=["object", "string"]).columns)


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells pass through :func:`escape_text` (numbers untouched)."""
    out = frame.copy()
    for c in _text_columns(out):
        out[c] = out[c].map(escape_text, na_action="ignore").astype(out[c].dtype)
    return out


def unescape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells pass through :func:`unescape_text`."""
    out = frame.copy()
    for c in _text_columns(out):
        out[c] = out[c].map(unescape_text, na_action="ignore").astype(out[c].dtype)
    return out


def safe_csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text for people: :func:`escape_frame`, no index, RFC 4180 line ends.

    Lines end with CRLF (RFC 4180), so Python's ``csv`` module quotes every field holding a
    ``\r`` or ``\n`` (with ``\n`` line ends Python 3.11 leaves a lone ``\r`` unquoted and a
    reader splits the row there). Write the text without newline translation
    (``newline=""`` or bytes).
    """
    return escape_frame(frame).to_csv(index=False, lineterminator="\r\n")
