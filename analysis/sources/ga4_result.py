"""The GA4 aggregation's result shaped into frames, whichever engine ran it.

:func:`shape_result` splits the query's rows (``ga4.sql``: cells, rejected events, the count of
events used) into frames with fixed dtypes, so that DuckDB, Spark and BigQuery results compare
equal. It works column by column in Arrow and numpy (:func:`result_table`: one type per column,
set once), never row by row: a file can give millions of cells. :func:`to_loaded` turns the frames
into the canonical cells, rejected table and per-file counts of
:class:`analysis.sources.base.Loaded`; the cells come from :mod:`analysis.sources.ga4_cells`
(``docs/data-formats.md``, GA4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.cells import split_cells
from analysis.sources.base import FILE_COLUMNS, Loaded, empty_replaced
from analysis.sources.ga4_cells import canonical_cells, missing_ints, repeated_text
from analysis.vocabulary import GA4_BREAKDOWNS

__all__ = ["COUNTS", "result_columns", "result_table", "shape_result", "to_loaded"]

#: the integer counts of a GA4 cell
COUNTS = ("viewers", "atc", "checkouts", "orders", "items")
HOUR_US = 3_600_000_000


def result_columns(breakdown) -> list[str]:
    """The columns of the aggregation query's result (``ga4.sql``), ``breakdown`` dimensions
    included: rows of ``kind`` ``cell``, ``rejected`` or ``used``."""
    dims = [b for b in GA4_BREAKDOWNS if b in breakdown]
    return ["kind", "hour_start_us", "item_id", *dims, "category", *COUNTS, "revenue", "currency",
            "rn", "event_name", "reason", "n"]  # fmt: skip


def result_table(out: pa.Table | pd.DataFrame, breakdown) -> pa.Table:
    """The query's result as an Arrow table with one type per column: ``hour_start_us``, the
    counts, ``rn`` and ``n`` int64 (an engine's 128-bit sums are cast, overflow checked), the
    others (``revenue``: the exact decimal sum as text) string.

    ``out`` is DuckDB's Arrow result or a pandas frame of the rows of Spark or BigQuery (NaN or
    None read as null)."""
    ints = {"hour_start_us", *COUNTS, "rn", "n"}
    names = result_columns(breakdown)
    if isinstance(out, pd.DataFrame):
        out = pa.Table.from_pandas(out[names], preserve_index=False)
    types = {c: pa.int64() if c in ints else pa.string() for c in names}
    return pa.table({c: out.column(c) if out.column(c).type == t else out.column(c).cast(t)
                     for c, t in types.items()})  # fmt: skip


def shape_result(out: pa.Table | pd.DataFrame, *, tz: str,
                 breakdown) -> tuple[pd.DataFrame, pd.DataFrame, int]:  # fmt: skip
    """Split the query's result into (cells, rejected, used) with fixed dtypes, whichever engine
    produced it (so DuckDB, Spark and BigQuery results compare equal).

    Cells are sorted by ``start``, ``product_id`` and the breakdown dimensions (text in code
    point order, missing last); ``revenue`` is the decimal text parsed to the nearest float
    (Arrow's parser, correctly rounded like Python's ``float``). Rejected events are sorted by
    ``row`` then ``reason``. The kind column is compared once: the few rows that are not cells
    are split off, every cell column is taken once, in the final order."""
    dims = [b for b in GA4_BREAKDOWNS if b in breakdown]
    table = result_table(out, breakdown)
    is_cell = pc.fill_null(pc.equal(table.column("kind"), "cell"), False)
    others = table.filter(pc.invert(is_cell))  # categories, rejected events, the used count
    kind = others.column("kind")
    cells = _cells(table, np.flatnonzero(is_cell.to_numpy(zero_copy_only=False)),
                   others.filter(pc.equal(kind, "category")), tz=tz, dims=dims)  # fmt: skip
    bad = others.filter(pc.equal(kind, "rejected")).to_pydict()
    rejected = pd.DataFrame(
        {
            "row": pd.array(bad["rn"], dtype="Int64"),
            "event_name": pd.array(bad["event_name"], dtype="string"),
            "reason": pd.array(bad["reason"], dtype="string"),
            "n": np.array(bad["n"], dtype="int64"),
        }
    )
    rejected = rejected.sort_values(["row", "reason"], kind="stable").reset_index(drop=True)
    used = pc.sum(others.filter(pc.equal(kind, "used")).column("n")).as_py()
    return cells, rejected, int(used or 0)


class _Text:
    """A text column of the result, dictionary-encoded once: ranks for sorting, rows taken.
    ``codes`` (numpy) index ``values``; code ``len(values)`` is a missing value."""

    def __init__(self, column: pa.ChunkedArray):
        enc = pc.dictionary_encode(column).combine_chunks()
        self.values = enc.dictionary.cast(pa.large_string())
        self.codes = pc.fill_null(enc.indices, len(self.values)).to_numpy()

    def ranks(self, rows: np.ndarray) -> np.ndarray:
        """Rank of the value at each of ``rows`` in code point order, missing values last."""
        order = pc.sort_indices(self.values).to_numpy()
        rank = np.empty(len(order) + 1, dtype=np.int64)
        rank[order] = np.arange(len(order))
        rank[-1] = len(order)  # missing values last
        return rank[self.codes[rows]]

    def at(self, codes: np.ndarray) -> pa.Array:
        """The values of ``codes`` (``large_string``)."""
        missing = codes == len(self.values)
        if not missing.any():
            return self.values.take(pa.array(codes))
        return self.values.take(pa.array(np.where(missing, 0, codes), mask=missing))

    def take(self, codes: np.ndarray) -> pd.arrays.ArrowStringArray:
        """The values of ``codes``, dtype ``string`` (Arrow ``large_string``, as pandas stores
        it: no conversion); one value everywhere (e.g. the currency) is written, not taken."""
        present = codes < len(self.values)
        if not present.any():
            return repeated_text(pd.NA, len(codes))
        if len(self.values) == 1 and present.all():
            return repeated_text(self.values[0].as_py(), len(codes))
        return pd.arrays.ArrowStringArray(pa.chunked_array([self.at(codes)]))


def _numbers(column: pa.ChunkedArray, rows: np.ndarray, name: str) -> np.ndarray:
    """The values of an int64 or float64 column at ``rows`` (none may be missing), read from
    the Arrow buffer as they are (numpy's gather: Arrow's ``take`` of a chunked column is
    several times slower); when the column has as many nulls as rows outside ``rows`` (those
    are missing) none is at ``rows``, else each is checked."""
    arr = column.combine_chunks()
    if arr.null_count != len(arr) - len(rows) and arr.null_count:
        if not pc.is_valid(arr).to_numpy(zero_copy_only=False)[rows].all():
            raise ValueError(f"GA4 aggregation: cell column {name} has missing values")
    dtype = np.dtype(arr.type.to_pandas_dtype())
    values = np.frombuffer(arr.buffers()[1], dtype=dtype)[arr.offset : arr.offset + len(arr)]
    return np.take(values, rows)


def _order(hours: np.ndarray, ranks: list[np.ndarray]) -> np.ndarray:
    """Stable sort order of rows by ``hours``, then by each of ``ranks`` (non-negative integer
    ranks). One combined integer key when it fits in 62 bits (hours counted in hours when they
    are whole hours apart); distinct keys within four times the row count are placed by
    counting (linear time), others sorted (numpy's ``argsort``, else ``lexsort``)."""
    if not len(hours):
        return np.arange(0)
    key, sizes = hours - hours.min(), [int(r.max()) + 1 for r in ranks]
    if not (key % HOUR_US).any():
        key = key // HOUR_US
    if (int(key.max()) + 1) * int(np.prod(sizes, dtype=object)) >= 2**62:
        return np.lexsort([*reversed(ranks), hours])  # the last key first
    for r, size in zip(ranks, sizes, strict=True):
        key = key * size + r
    top = int(key.max()) + 1
    if top <= 4 * len(key):
        present = np.zeros(top, dtype=bool)
        present[key] = True
        if np.count_nonzero(present) == len(key):  # distinct: each key's place is its rank
            order = np.empty(len(key), dtype=np.int64)
            place = np.cumsum(present, dtype=np.int32 if top < 2**31 else np.int64)  # less memory
            order[(place - 1)[key]] = np.arange(len(key))
            return order
    return np.argsort(key, kind="stable")


def _categories(table: pa.Table, item: _Text, per_item: pa.Table,
                rows: np.ndarray) -> pd.arrays.ArrowStringArray:  # fmt: skip
    """The category of the cells at ``rows``: the cell row's own when it has one (rows written
    by hand), else its item's, from the ``category`` rows ``per_item`` (``ga4.sql``)."""
    own = _Text(table.column("category"))
    own_codes = own.codes[rows]
    if not len(per_item):
        return own.take(own_codes)
    n = len(item.values)  # code n: a missing item_id
    codes = pc.index_in(per_item.column("item_id"), value_set=item.values, skip_nulls=True)
    slots = np.full(n + 1, -1, dtype=np.int64)  # each item's category row
    slots[pc.fill_null(codes, n).to_numpy()] = np.arange(len(per_item))
    found = slots >= 0
    names = per_item.column("category").combine_chunks().cast(pa.large_string())
    category = names.take(pa.array(np.where(found, slots, 0), mask=~found)).take(
        pa.array(item.codes[rows]))  # fmt: skip
    if (own_codes < len(own.values)).any():  # cells with a category of their own keep it
        category = pc.coalesce(own.at(own_codes), category)
    return pd.arrays.ArrowStringArray(pa.chunked_array([category]))


def _cells(table: pa.Table, rows: np.ndarray, per_item: pa.Table, *, tz: str,
           dims: list[str]) -> pd.DataFrame:  # fmt: skip
    """The cell rows ``rows`` of the result table, sorted, as the cells frame."""
    text = {c: _Text(table.column(c)) for c in ("item_id", *dims, "currency")}
    hours = _numbers(table.column("hour_start_us"), rows, "hour_start_us")
    order = _order(hours, [text[c].ranks(rows) for c in ("item_id", *dims)])
    rows, hours = rows[order], hours[order]
    # exact decimal sum, passed as text: the same float whichever engine summed it
    revenue = pc.fill_null(pc.cast(table.column("revenue"), pa.float64()), 0.0)  # no sales: 0
    start = pd.Series(pd.to_datetime(hours, unit="us", utc=True)).dt.tz_convert(tz)
    data = {
        "start": start.array,
        "product_id": text["item_id"].take(text["item_id"].codes[rows]),
        **{c: text[c].take(text[c].codes[rows]) for c in dims},
        "category": _categories(table, text["item_id"], per_item, rows),
        **{c: _numbers(table.column(c), rows, c) for c in COUNTS},
        "revenue": _numbers(revenue, rows, "revenue"),
        "currency": text["currency"].take(text["currency"].codes[rows]),
    }
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)), copy=False)  # no 2-D block copy


def to_loaded(found: pd.DataFrame, bad: pd.DataFrame, used: int, *, name: str, tz: str,
              unit: str, source: str = "ga4") -> Loaded:  # fmt: skip
    """Canonical cells + rejected + per-file counts from the shaped result
    (:func:`shape_result`) of file or table ``name``; ``source`` is the loader's name.

    The cells are built column by column (:func:`analysis.sources.ga4_cells.canonical_cells`)
    when nothing needs :func:`analysis.cells.split_cells`' cleaning; otherwise ``split_cells``
    runs (the same frame, or the problems raised)."""
    cells = canonical_cells(found, name=name, tz=tz, unit=unit, source=source)
    if cells is None:
        raw = found.assign(
            source=source, file=name, row=np.arange(1, len(found) + 1), grain="hour",
            channel="WEB", unit=unit, revenue=found["revenue"].where(found["currency"].notna()),
        )  # fmt: skip
        cells, problems = split_cells(raw, tz=tz, source=source)
        if len(problems):  # the query guarantees valid counts; anything here is a bug to surface
            raise ValueError(f"{name}: aggregated GA4 cells failed validation:\n{problems}")
        cells = cells.assign(row=missing_ints(len(cells)))
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
