"""The canonical cells' schema: every column with its dtype, group and meaning.

One row is one *cell*: the counts of one product (or content) shown in one channel, during one
time slot, to one audience segment. Rates are never stored; they are recomputed from pooled counts
(:mod:`analysis.metrics`). The columns, their dtypes and meaning are :data:`COLUMNS` (and
``docs/data-formats.md``); their validation is :mod:`analysis.cells.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.vocabulary import CHANNELS, GRAINS, PROMOS, UNITS

__all__ = ["COLUMNS", "COMPUTED_COLUMNS", "COUNT_COLUMNS", "KEY_COLUMNS", "PROBLEM_COLUMNS",
           "REQUIRED_COLUMNS", "STRING_COLUMNS", "Column", "empty_cells", "with_dtypes"]  # fmt: skip


@dataclass(frozen=True)
class Column:
    """Specification of one canonical column."""

    dtype: str
    group: str
    description: str
    computed: bool = False  # computed from other columns by :func:`validate_cells`


COLUMNS: dict[str, Column] = {
    # where from
    "source": Column("string", "where from", "loader id (`canonical`, `simulate`, ...)"),
    "file": Column("string", "where from", "file the row was read from (name, not path)"),
    "row": Column("Int64", "where from", "1-based row of that file (spreadsheet numbering)"),
    "derived": Column(
        "boolean",
        "where from",
        "counts derived by the loader (e.g. non-live = "
        "All - LIVE), not read as such; False when absent",
    ),  # fmt: skip
    # when
    "start": Column(
        "datetime64[tz]", "when", "start of the cell, tz-aware, in the shop time zone"
    ),
    "grain": Column("string", "when", f"length of the cell: one of {', '.join(GRAINS)}"),
    "date": Column("datetime64", "when", "shop-local calendar date (naive midnight)", True),
    "hour": Column("Int64", "when", "shop-local hour 0-23; NA for day/range grains", True),
    "weekday": Column("Int64", "when", "shop-local weekday, 0 = Monday", True),
    # where shown
    "channel": Column("string", "where shown", f"one of {', '.join(CHANNELS)}"),
    "is_live": Column("boolean", "where shown", "channel == LIVE; NA for ALL", True),
    "content_id": Column("string", "where shown", "LIVE room or video id (string)"),
    "content_title": Column("string", "where shown", "LIVE or video title (free text)"),
    "creator": Column("string", "where shown", "creator handle"),
    # what
    "product_id": Column("string", "what", "product id (string: 19-digit ids overflow floats)"),
    "category": Column("string", "what", "product category"),
    "promo": Column("string", "what", f"promotion state: one of {', '.join(PROMOS)}; NA unknown"),
    # who
    "age_group": Column("string", "who", "viewer age group; NA = not broken down"),
    "gender": Column("string", "who", "viewer gender; NA = not broken down"),
    "region": Column("string", "who", "viewer region; NA = not broken down"),
    "device": Column("string", "who", "viewer device category (GA4); NA = not broken down"),
    # counts
    "impressions": Column("Int64", "counts", "product impressions"),
    "views": Column("Int64", "counts", "content / room views"),
    "viewers": Column(
        "Int64", "counts", "people (per `unit`) who viewed the product: ATC denominator"
    ),
    "clicks": Column("Int64", "counts", "product clicks"),
    "atc": Column("Int64", "counts", "people (per `unit`) with >= 1 add-to-cart"),
    "checkouts": Column("Int64", "counts", "people (per `unit`) who began checkout"),
    "orders": Column("Int64", "counts", "orders placed"),
    "items": Column("Int64", "counts", "items sold"),
    "revenue": Column("Float64", "counts", "order revenue in `currency`"),
    "currency": Column("string", "counts", "ISO 4217 code of `revenue`"),
    # unit
    "unit": Column("string", "unit", f"what viewers/atc count: one of {', '.join(UNITS)}"),
}

COUNT_COLUMNS = tuple(n for n, c in COLUMNS.items() if c.group == "counts" and c.dtype == "Int64")
STRING_COLUMNS = tuple(n for n, c in COLUMNS.items() if c.dtype == "string")
COMPUTED_COLUMNS = tuple(n for n, c in COLUMNS.items() if c.computed)
REQUIRED_COLUMNS = ("start", "grain", "channel", "unit")
#: columns that identify one cell; two rows of one file with the same key would be counted twice
KEY_COLUMNS = (
    "source", "file", "start", "grain", "channel", "content_id", "product_id",
    "promo", "age_group", "gender", "region", "device", "unit",
)  # fmt: skip


#: columns of a problem (an error) or of a rejected row
PROBLEM_COLUMNS = ("file", "row", "column", "value", "reason")


def empty_cells(tz: str = "UTC") -> pd.DataFrame:
    """An empty cells frame with every canonical column and its dtype."""
    data = {}
    for name, col in COLUMNS.items():
        if col.dtype == "datetime64[tz]":
            data[name] = pd.Series([], dtype=pd.DatetimeTZDtype("ns", tz))
        elif col.dtype == "datetime64":
            data[name] = pd.Series([], dtype="datetime64[ns]")
        else:
            data[name] = pd.Series([], dtype=col.dtype)
    return pd.DataFrame(data)


def with_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    """A new frame with every canonical column cast to its :data:`COLUMNS` dtype, index reset."""
    out = df.copy()
    for name, col in COLUMNS.items():
        if col.dtype in ("string", "Int64", "Float64", "boolean"):
            out[name] = out[name].astype(col.dtype)
    return out.reset_index(drop=True)
