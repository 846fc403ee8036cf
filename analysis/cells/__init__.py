"""Canonical cells: the one table of funnel counts every source maps to.

One row is one *cell*: the counts of one product (or content) shown in one channel, during one
time slot, to one audience segment. Rates are never stored; they are recomputed from pooled counts
(:mod:`analysis.metrics`). The columns, their dtypes and meaning are :data:`COLUMNS`
(:mod:`analysis.cells.schema`, and ``docs/data-formats.md``); :func:`validate_cells` and
:func:`split_cells` (:mod:`analysis.cells.validation`) turn a raw frame into validated cells,
naming the file, row, column and fix of every problem (:class:`CellsError`).
"""

from __future__ import annotations

from analysis.cells.schema import (
    COLUMNS,
    COMPUTED_COLUMNS,
    COUNT_COLUMNS,
    KEY_COLUMNS,
    PROBLEM_COLUMNS,
    REQUIRED_COLUMNS,
    STRING_COLUMNS,
    Column,
    empty_cells,
)  # fmt: skip
from analysis.cells.validation import check_tz, split_cells, validate_cells
from analysis.errors import CellsError

__all__ = ["COLUMNS", "COMPUTED_COLUMNS", "COUNT_COLUMNS", "KEY_COLUMNS", "PROBLEM_COLUMNS",
           "REQUIRED_COLUMNS", "STRING_COLUMNS", "CellsError", "Column", "check_tz", "empty_cells",
           "split_cells", "validate_cells"]  # fmt: skip
