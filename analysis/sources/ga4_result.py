"""The GA4 aggregation's result shaped into frames, whichever engine ran it.

:func:`shape_result` splits the query's rows (``ga4.sql``: cells, rejected events, the count of
events used) into frames with fixed dtypes, so that DuckDB, Spark and BigQuery results compare
equal; :func:`to_loaded` turns them into the canonical cells, rejected table and per-file counts
of :class:`analysis.sources.base.Loaded` (``docs/data-formats.md``, GA4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.cells import split_cells
from analysis.sources.base import FILE_COLUMNS, Loaded, empty_replaced
from analysis.vocabulary import GA4_BREAKDOWNS

__all__ = ["result_columns", "shape_result", "to_loaded"]


def result_columns(breakdown) -> list[str]:
    """The columns of the aggregation query's result (``ga4.sql``), ``breakdown`` dimensions
    included: rows of ``kind`` ``cell``, ``rejected`` or ``used``."""
    dims = [b for b in GA4_BREAKDOWNS if b in breakdown]
    return ["kind", "hour_start_us", "item_id", *dims, "category", "viewers", "atc", "checkouts",
            "orders", "items", "revenue", "currency", "rn", "event_name", "reason", "n"]  # fmt: skip


def shape_result(out: pd.DataFrame, *, tz: str,
                 breakdown) -> tuple[pd.DataFrame, pd.DataFrame, int]:  # fmt: skip
    """Split the query's result into (cells, rejected, used) with fixed dtypes, whichever engine
    produced it (so DuckDB, Spark and BigQuery results compare equal)."""
    dims = [b for b in GA4_BREAKDOWNS if b in breakdown]
    kind = out["kind"].astype(str)
    cells = out.loc[kind == "cell"]
    start = pd.to_datetime(cells["hour_start_us"].astype("int64"), unit="us", utc=True)
    cells = pd.DataFrame(
        {
            "start": start.dt.tz_convert(tz),
            "product_id": cells["item_id"].astype("string"),
            **{c: cells[c].astype("string") for c in dims},
            "category": cells["category"].astype("string"),
            **{
                c: cells[c].astype("int64")
                for c in ("viewers", "atc", "checkouts", "orders", "items")
            },  # fmt: skip
            # exact decimal sum, passed as text: the same float whichever engine summed it
            "revenue": [float(v) for v in cells["revenue"]],
            "currency": cells["currency"].astype("string"),
        }
    )
    cells = cells.sort_values(["start", "product_id", *dims], kind="stable").reset_index(drop=True)
    bad = out.loc[kind == "rejected"]
    rejected = pd.DataFrame(
        {
            "row": pd.array([None if pd.isna(v) else int(v) for v in bad["rn"]], dtype="Int64"),
            "event_name": bad["event_name"].astype("string"),
            "reason": bad["reason"].astype("string"),
            "n": bad["n"].astype("int64"),
        }
    )
    rejected = rejected.sort_values(["row", "reason"], kind="stable").reset_index(drop=True)
    used = out.loc[kind == "used", "n"]
    return cells, rejected, int(used.iloc[0]) if len(used) and pd.notna(used.iloc[0]) else 0


def to_loaded(found: pd.DataFrame, bad: pd.DataFrame, used: int, *, name: str, tz: str,
              unit: str, source: str = "ga4") -> Loaded:  # fmt: skip
    """Canonical cells + rejected + per-file counts from the shaped result
    (:func:`shape_result`) of file or table ``name``; ``source`` is the loader's name."""
    raw = found.assign(
        source=source, file=name, row=np.arange(1, len(found) + 1), grain="hour",
        channel="WEB", unit=unit, revenue=found["revenue"].where(found["currency"].notna()),
    )  # fmt: skip
    cells, problems = split_cells(raw, tz=tz, source=source)
    if len(problems):  # the query guarantees valid counts; anything here is a bug to surface
        raise ValueError(f"{name}: aggregated GA4 cells failed validation:\n{problems}")
    cells = cells.assign(row=pd.array([pd.NA] * len(cells), dtype="Int64"))
    total_bad = int(bad.drop_duplicates("reason")["n"].sum()) if len(bad) else 0
    rejected = pd.DataFrame(
        {
            "source": source,
            "file": name,
            "row": bad["row"].astype("Int64"),
            "column": "event",
            "value": bad["event_name"].astype("string"),
            "reason": [
                f"{r} ({n} event{'s' if n > 1 else ''} of this file)"
                for r, n in zip(bad["reason"], bad["n"], strict=True)
            ],  # fmt: skip
        }
    )
    files = pd.DataFrame(
        [[name, source, used + total_bad, used, total_bad, 0, len(cells)]],
        columns=list(FILE_COLUMNS),
    )
    return Loaded(cells=cells, rejected=rejected.astype({"source": "string", "file": "string",
                  "column": "string", "reason": "string"}), replaced=empty_replaced(),
                  files=files)  # fmt: skip
