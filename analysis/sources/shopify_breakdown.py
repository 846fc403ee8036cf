"""Shopify sessions reports without a time column ("Sessions by landing page", "... by device
type", "... by referrer", "... by location"): one cell per row, for the report's period.

Such a report covers the period chosen in Shopify's date picker and says so only in its file
name (``Sessions by landing page - 2026-11-01 - 2026-11-30.csv``) or in a title line above the
header; :func:`report_period` reads it from there and never guesses: without it the file is
refused, asking for it. Each row becomes one cell starting at the first day (shop-local
midnight), grain ``day`` for a one-day period, else ``range`` (the period is written to the
files table, ``period``). The row's breakdown is kept (:func:`breakdown_columns`):

- ``Session device type`` -> ``device``;
- ``Session region`` -> ``region`` (else ``Session country``);
- every other dimension (``Landing page type``, ``Landing page path``, ``Referrer source``,
  ``Referrer name``, ``UTM campaign``, ...) -> ``content_id`` = the row's values joined with
  :data:`JOIN` in header order (as Shopify lists them: ``Collection · /collections/best-sellers``),
  ``content_title`` = their headers joined the same way.

``docs/data-formats.md`` (Shopify, "Reports without a time column").
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd

from analysis.errors import UnreadableError

__all__ = ["DIMENSION_PREFIXES", "DIMENSIONS", "JOIN", "breakdown_columns", "is_dimension",
           "report_period"]  # fmt: skip

#: session dimensions of Shopify reports (normalised headers)
DIMENSIONS = frozenset({
    "landing page type", "landing page path", "landing page url", "referrer source",
    "referrer name", "referrer url", "referring channel", "referring category",
    "session device type", "session country", "session region", "session city",
    "traffic source", "marketing channel", "customer type", "browser", "operating system",
    "human or bot session",
})  # fmt: skip
#: header prefixes of dimensions (``UTM campaign``, ``UTM source``, ...)
DIMENSION_PREFIXES = ("utm ", "landing page ", "referrer ", "referring ", "session ")
#: how the values of several dimensions are joined into one ``content_id`` (Shopify's own list)
JOIN = " · "
#: ``YYYY-MM-DD - YYYY-MM-DD`` (Shopify's export file names), or one ``YYYY-MM-DD``
PERIOD = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\s*(?:-|–|—|~|to)\s*(\d{4}-\d{2}-\d{2}))?")


def is_dimension(header: str, counts) -> bool:
    """Whether a normalised header names a session dimension (not one of ``counts``)."""
    return header not in counts and (header in DIMENSIONS or header.startswith(DIMENSION_PREFIXES))


def _find_period(text: str) -> tuple[date, date] | None:
    m = PERIOD.search(text)
    if m is None:
        return None
    try:
        first = date.fromisoformat(m[1])
        last = date.fromisoformat(m[2] or m[1])
    except ValueError:
        return None
    return first, last


def report_period(path: Path, above: list[list[str]]) -> tuple[date, date]:
    """``(first day, last day)`` of a report without a time column: from a line above the header
    (a title such as ``Sessions by landing page, 2026-11-01 - 2026-11-30``), else from the file
    name (``... - 2026-11-01 - 2026-11-30.csv``).

    Raises
    ------
    UnreadableError
        No period anywhere, or a period that ends before it starts.
    """
    for text in [" ".join(r) for r in above] + [Path(path).stem]:
        found = _find_period(text)
        if found is None:
            continue
        if found[1] < found[0]:
            raise UnreadableError(f"{Path(path).name}: the period {found[0]} - {found[1]} ends "
                                  "before it starts; name the file with its real period")  # fmt: skip
        return found
    raise UnreadableError(
        f"{Path(path).name}: this Shopify report has no time column (Day / Hour) and names no "
        "period; keep Shopify's file name ('Sessions by landing page - 2026-11-01 - "
        "2026-11-30.csv') or rename the file with the report's first and last day, or export the "
        "report by Day"
    )


def breakdown_columns(rows: pd.DataFrame, header: list[str], labels: dict[str, str],
                      counts) -> pd.DataFrame:  # fmt: skip
    """The canonical breakdown columns of each row (``device``, ``region``, ``content_id``,
    ``content_title``; see the module docstring); ``labels`` maps a normalised header to the
    header as written."""
    dims = [h for h in header if is_dimension(h, counts)]
    out = pd.DataFrame(index=rows.index)

    def text(h: str) -> pd.Series:
        return rows[h].str.strip().replace("", pd.NA)

    if "session device type" in dims:
        out["device"] = text("session device type")
    geo = next((h for h in ("session region", "session country") if h in dims), None)
    if geo is not None:
        out["region"] = text(geo)
    rest = [h for h in dims if h not in ("session device type", geo)]
    if rest:
        values = pd.concat([text(h) for h in rest], axis=1)
        joined = values.fillna("").astype(str).agg(JOIN.join, axis=1)
        out["content_id"] = joined.where(values.notna().any(axis=1), pd.NA).astype("string")
        out["content_title"] = JOIN.join(labels.get(h, h) for h in rest)
    return out
