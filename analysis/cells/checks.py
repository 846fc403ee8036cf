"""Value checks that warn rather than reject: counts that are possible but suspicious.

:func:`analysis.cells.validation.split_cells` rejects what cannot be true (negative or
non-finite counts, ``atc > viewers`` for visitor and session units, dates decades away);
:func:`value_warnings` lists, without dropping them, cells whose counts are unusual enough to be a
column mapped to the wrong meaning. :func:`analysis.sources.load.read` puts them in
``Loaded.flagged``. Every check, reject or warn, is listed in ``docs/data-formats.md`` ("Value
checks") with the test proving it.
"""

from __future__ import annotations

import pandas as pd

from analysis.cells.schema import PROBLEM_COLUMNS
from analysis.vocabulary import BINOMIAL_UNITS

__all__ = ["WARNINGS", "value_warnings"]

#: (column, bigger column, units it applies to or None for all, reason) of each warning
WARNINGS: tuple[tuple[str, str, tuple[str, ...] | None, str], ...] = (
    ("clicks", "impressions", None,
     "clicks exceed impressions: product clicks are a subset of product impressions; check "
     "that the two columns are not swapped or from different scopes"),
    ("orders", "atc", BINOMIAL_UNITS,
     "orders exceed add-to-cart users: possible when people order twice, more often a column "
     "mapped to the wrong meaning; check the export"),
)  # fmt: skip


def value_warnings(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells breaking a :data:`WARNINGS` rule: ``source`` and :data:`PROBLEM_COLUMNS` (``file``,
    ``row``, ``column``, ``value``, ``reason``), one row per cell and rule; the cells are kept.

    A rule applies where both counts are reported (a missing count is not zero) and, for
    ``orders <= atc``, where ``unit`` counts people (visitor, session).
    """
    frames = []
    for column, bigger, units, reason in WARNINGS:
        over = cells[column].astype("Float64") > cells[bigger].astype("Float64")
        if units is not None:
            over &= cells["unit"].isin(units)
        over = over.fillna(False).astype(bool)
        if not over.any():
            continue
        hit = cells[over]
        frames.append(pd.DataFrame({
            "source": hit["source"], "file": hit["file"], "row": hit["row"], "column": column,
            "value": hit[column].astype("string") + " > " + hit[bigger].astype("string"),
            "reason": reason,
        }))  # fmt: skip
    columns = ["source", *PROBLEM_COLUMNS]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "row" else "string")
                             for c in columns})  # fmt: skip
    out = pd.concat(frames, ignore_index=True)[columns]
    return out.astype({c: "Int64" if c == "row" else "string" for c in columns})
