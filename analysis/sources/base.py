"""What every source loader returns, and how results of several files are combined.

A loader module in :mod:`analysis.sources` provides::

    NAME: str                                   # loader id, written to the cells' ``source``
    def match(path: Path) -> Match | None       # how well it knows the file (sources.matching)
    def detect(path: Path) -> bool              # match(path) is not None
    def read(path: Path, *, tz: str | None) -> Loaded

and is listed in :data:`analysis.sources.LOADERS`. ``read`` never drops a row silently: each input
row ends in the cells (``rows_used``), in ``rejected`` (with its reason) or in ``replaced`` (a
newer export of the same thing superseded it), so ``rows_read == rows_used + rejected rows +
replaced rows`` (:meth:`Loaded.reconciles`). One input row may give several cells (one per
channel) and many rows may give one cell (events aggregated): the reconciliation counts input
rows, not cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.cells import PROBLEM_COLUMNS, empty_cells

__all__ = [
    "FILE_COLUMNS",
    "FILE_STATUSES",
    "FLAGGED_COLUMNS",
    "REJECTED_COLUMNS",
    "REPLACED_COLUMNS",
    "APPLIED_COLUMNS",
    "Loaded",
    "combine",
    "empty_applied",
    "empty_flagged",
    "empty_rejected",
    "empty_replaced",
    "file_result",
]

#: columns of the rejected table: a problem of one input row (a row may have several)
REJECTED_COLUMNS = ("source", *PROBLEM_COLUMNS)
#: columns of the replaced table: an input row superseded by a more recent export
REPLACED_COLUMNS = ("source", "file", "row", "by_file", "by_row", "key", "changed")
#: columns of the flagged table: a used row that looks like another one but was kept apart
#: (a warning, not a rejection: the row is in the cells)
FLAGGED_COLUMNS = ("source", "file", "row", "column", "value", "reason")
#: ``files["status"]``: what :func:`analysis.sources.load.read` did with each file
FILE_STATUSES = ("read", "skipped", "unreadable", "duplicate")


#: columns of the table of what a shop file applied (:mod:`analysis.sources.shop_apply`)
APPLIED_COLUMNS = ("attribute", "value", "action", "cells", "keys", "detail", "from")


def empty_applied() -> pd.DataFrame:
    """An empty applied table (:data:`APPLIED_COLUMNS`, ``cells`` Int64, the others object)."""
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "cells" else "object")
                         for c in APPLIED_COLUMNS})  # fmt: skip


def empty_rejected() -> pd.DataFrame:
    """An empty rejected table (:data:`REJECTED_COLUMNS`, ``row`` Int64, the others string)."""
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "row" else "string")
                         for c in REJECTED_COLUMNS})  # fmt: skip


def empty_flagged() -> pd.DataFrame:
    """An empty flagged table (:data:`FLAGGED_COLUMNS`, rows Int64, the others string)."""
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "row" else "string")
                         for c in FLAGGED_COLUMNS})  # fmt: skip


def empty_replaced() -> pd.DataFrame:
    """An empty replaced table (:data:`REPLACED_COLUMNS` with their dtypes)."""
    dtypes = {"row": "Int64", "by_row": "Int64", "changed": "boolean"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "string")) for c in REPLACED_COLUMNS})


@dataclass
class Loaded:
    """The result of reading files: cells plus everything that did not become a cell.

    Attributes
    ----------
    cells : pandas.DataFrame
        Validated canonical cells (:data:`analysis.cells.COLUMNS`).
    rejected : pandas.DataFrame
        :data:`REJECTED_COLUMNS`: ``source``, ``file``, ``row``, ``column``, ``value``,
        ``reason`` (how to fix it). One row per problem.
    replaced : pandas.DataFrame
        :data:`REPLACED_COLUMNS`: input rows superseded by a more recent export of the same
        session/product/day (``by_file``, ``by_row``), ``key`` naming what they share and
        ``changed`` whether the numbers differed.
    files : pandas.DataFrame
        One row per file: ``file``, ``source``, ``rows_read``, ``rows_used``, ``rows_rejected``,
        ``rows_replaced``, ``cells``; after :func:`analysis.sources.load.read` also ``status``
        (:data:`FILE_STATUSES`: ``read``; ``skipped``, a file of a folder no loader recognises;
        ``unreadable``, the file as a whole could not be read; ``duplicate``, the same export as
        a file kept) and ``reason`` (why not read, naming the kept file of a duplicate). Files
        not read count 0 rows.
    flagged : pandas.DataFrame
        :data:`FLAGGED_COLUMNS`: warnings on rows that were used (they are in the cells): value
        checks that warn (:data:`analysis.cells.checks.WARNINGS`), two LIVEs with the same title
        and start minute kept apart because their duration or creator differ.
    shop : pandas.DataFrame
        :data:`APPLIED_COLUMNS`: what a shop file set (``docs/shop-file.md``); empty without one.
    """

    cells: pd.DataFrame = field(default_factory=empty_cells)
    rejected: pd.DataFrame = field(default_factory=empty_rejected)
    replaced: pd.DataFrame = field(default_factory=empty_replaced)
    files: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FILE_COLUMNS))
    shop: pd.DataFrame = field(default_factory=empty_applied)
    flagged: pd.DataFrame = field(default_factory=empty_flagged)

    @property
    def rows_read(self) -> int:
        """Input rows read, over every file."""
        return int(self.files["rows_read"].sum())

    @property
    def not_read(self) -> pd.DataFrame:
        """The files not read (``status`` other than ``read``): ``file``, ``status``, ``reason``."""
        if "status" not in self.files:
            return pd.DataFrame(columns=["file", "status", "reason"])
        status = self.files["status"]
        out = self.files.loc[status.notna() & (status != "read"), ["file", "status", "reason"]]
        return out.reset_index(drop=True)

    @property
    def summary(self) -> str:
        """``"N rows read, M cells, K rejected, R replaced"`` (rows, not problems), and, when
        some file was not read, a second line ``"files: 3 read, 1 unreadable, 1 duplicate,
        1 skipped"`` (statuses with a count, in :data:`FILE_STATUSES` order)."""
        line = (
            f"{self.rows_read} rows read, {len(self.cells)} cells, "
            f"{int(self.files['rows_rejected'].sum())} rejected, "
            f"{int(self.files['rows_replaced'].sum())} replaced"
        )
        if not len(self.not_read):
            return line
        n = self.files["status"].value_counts()
        parts = [f"{int(n[s])} {s}" for s in FILE_STATUSES if n.get(s, 0)]
        return f"{line}\nfiles: {', '.join(parts)}"

    def reconciles(self) -> bool:
        """Every input row is used, rejected or replaced, in every file."""
        f = self.files
        return bool(
            (f["rows_read"] == f["rows_used"] + f["rows_rejected"] + f["rows_replaced"]).all()
        )


FILE_COLUMNS = ("file", "source", "rows_read", "rows_used", "rows_rejected", "rows_replaced",
                "cells")  # fmt: skip


def file_result(
    *,
    source: str,
    file: str,
    rows_read: int,
    cells: pd.DataFrame,
    rejected: pd.DataFrame | None = None,
    replaced: pd.DataFrame | None = None,
    rows_used: int | None = None,
) -> Loaded:
    """Build the :class:`Loaded` of one file.

    ``rows_used`` defaults to the number of distinct ``row`` values of the cells (one input row
    per cell or several cells per row); loaders that aggregate rows pass it explicitly.
    """
    rejected = empty_rejected() if rejected is None else rejected.assign(source=source)
    replaced = empty_replaced() if replaced is None else replaced.assign(source=source)
    used = int(cells["row"].nunique()) if rows_used is None else int(rows_used)
    stats = {
        "file": file,
        "source": source,
        "rows_read": int(rows_read),
        "rows_used": used,
        "rows_rejected": int(rejected["row"].nunique()),
        "rows_replaced": int(replaced["row"].nunique()),
        "cells": len(cells),
    }
    return Loaded(
        cells=cells,
        rejected=rejected.loc[:, list(REJECTED_COLUMNS)],
        replaced=replaced.loc[:, list(REPLACED_COLUMNS)],
        files=pd.DataFrame([stats], columns=list(FILE_COLUMNS)),
    )


def combine(results: list[Loaded]) -> Loaded:
    """Concatenate the results of several files (all cells must share one time zone)."""
    if not results:
        return Loaded()
    tzs = {str(r.cells["start"].dt.tz) for r in results if len(r.cells)}
    if len(tzs) > 1:
        raise ValueError(
            f"files are in different time zones {sorted(tzs)}; pass tz= to align them"
        )

    def cat(frames: list[pd.DataFrame]) -> pd.DataFrame:
        kept = [f for f in frames if len(f)]
        return pd.concat(kept, ignore_index=True) if kept else frames[0].iloc[:0]

    return Loaded(
        cells=cat([r.cells for r in results]),
        rejected=cat([r.rejected for r in results]),
        replaced=cat([r.replaced for r in results]),
        files=pd.concat([r.files for r in results], ignore_index=True),
        flagged=cat([r.flagged for r in results]),
    )
