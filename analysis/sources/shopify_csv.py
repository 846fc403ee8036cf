"""The CSV reading shared by the Shopify exports: decoding, delimiter, header, data records.

A Shopify CSV is UTF-8 (with or without BOM); the delimiter (``,``, ``;`` or tab) is the one
that gives the header the most fields, and the header is searched in the first
:data:`HEADER_SEARCH_ROWS` records by the headers it must hold. Records of the wrong width
(a truncated last line), repeated headers and empty records are rejected with a reason
(``docs/data-formats.md``, Shopify). The two reports are read by
:mod:`analysis.sources.shopify_sessions` and :mod:`analysis.sources.shopify_orders`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.errors import UnreadableError
from analysis.sources.csv_text import decode, split

__all__ = ["HEADER_SEARCH_ROWS", "data_records", "find_header_row", "norm_header", "problem",
           "read_records", "require_columns"]  # fmt: skip

#: records searched for the header
HEADER_SEARCH_ROWS = 10


def norm_header(header: str) -> str:
    """A header in comparison form: BOM dropped, ``_`` as space, single spaces, lower case."""
    return re.sub(r"\s+", " ", str(header).replace("\ufeff", "").replace("_", " ")).strip().lower()


def read_records(path: Path) -> tuple[str, list[list[str]]]:
    """The file's text decoded (:func:`analysis.sources.csv_text.decode`) and split into records with the delimiter
    (``,``, ``;`` or tab) that gives the header row the most fields."""
    text, _encoding = decode(path.read_bytes(), path.name)  # re-saved by Excel: cp1252 too
    if not text.strip():
        raise UnreadableError(f"{path.name}: the file is empty; export it again")
    head = text[:20_000].splitlines()[:HEADER_SEARCH_ROWS]
    best = max((",", ";", "\t"), key=lambda d: max(len(line.split(d)) for line in head))
    return best, split(text, best, path.name)  # counts rows and cell lengths (limits)


def find_header_row(records: list[list[str]], anchors: set[str]) -> int | None:
    """The index of the first of the first :data:`HEADER_SEARCH_ROWS` records holding every
    header of ``anchors`` (normalised), else None."""
    for i, rec in enumerate(records[:HEADER_SEARCH_ROWS]):
        if anchors <= {norm_header(c) for c in rec}:
            return i
    return None


def data_records(records, h: int, header: list[str]) -> tuple[pd.DataFrame, list[dict]]:
    """Data records as a DataFrame of text (``row`` = spreadsheet row), and the rejected ones."""
    width = len(header)
    keep, bad = [], []
    last = len(records) - 1
    for i in range(h + 1, len(records)):
        rec, row = records[i], i + 1
        if [norm_header(c) for c in rec] == header:
            bad.append(problem(row, None, None, "repeated header row"))
        elif len(rec) != width:
            what = "truncated last line (the export was cut)" if i == last else "shifted line"
            bad.append(problem(row, None, str(len(rec)), f"has {len(rec)} fields but the header "
                            f"has {width}: {what}; export the file again"))  # fmt: skip
        elif not any(c.strip() for c in rec):
            bad.append(problem(row, None, None, "empty row"))
        else:
            keep.append([row, *rec])
    df = pd.DataFrame(keep, columns=["row", *header]) if keep else pd.DataFrame(
        columns=["row", *header])  # fmt: skip
    return df.astype({c: "string" for c in header}).astype({"row": "int64"}), bad


def problem(row, column, value, reason) -> dict:
    """One rejected-row problem: spreadsheet ``row``, ``column`` (header), ``value``, ``reason``."""
    return {"row": row, "column": column, "value": value, "reason": reason}


def require_columns(path: Path, header, names) -> None:
    """:class:`UnreadableError` naming the headers of ``names`` missing from ``header``."""
    missing = [n for n in names if n not in header]
    if missing:
        raise UnreadableError(f"{path.name}: required column(s) {', '.join(map(repr, missing))} "
                         "missing; export the report with them")  # fmt: skip
