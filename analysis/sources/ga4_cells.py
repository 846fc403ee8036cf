"""GA4 cells in the canonical layout, built column by column from the aggregation's result.

The aggregation query (``ga4.sql``) already guarantees most of what
:func:`analysis.cells.split_cells` checks: counts are whole, finite and non-negative sums,
``atc <= viewers`` (a subset of the viewers), one row per (hour, item[, dimensions]) key, the
start a tz-aware shop-local hour, one currency. :func:`canonical_cells` builds the frame that
``split_cells`` returns for such rows (same columns, dtypes and derived ``date``, ``hour``,
``weekday``, ``is_live``), vectorised, after checking the few things the query leaves to the data
(text with surrounding spaces or empty, which ``split_cells`` would clean; a negative price or
quantity; a year outside :data:`analysis.cells.rules.FIRST_YEAR` -
:data:`analysis.cells.rules.LAST_YEAR`; a currency that is not an ISO 4217 code; a repeated
key). When any of these fails it returns ``None`` and the caller runs ``split_cells``, which
cleans the rows or names the problem: the result never depends on which path ran
(``docs/data-formats.md``, GA4; ``tests/sources/test_ga4_cells.py`` compares the two).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.cells.rules import FIRST_YEAR, LAST_YEAR
from analysis.cells.schema import COLUMNS
from analysis.vocabulary import BINOMIAL_UNITS, GA4_BREAKDOWNS, UNITS

__all__ = ["DAY_NS", "HOUR_NS", "canonical_cells", "missing_ints", "repeated_text"]

HOUR_NS = 3_600 * 10**9
DAY_NS = 24 * HOUR_NS
_COUNTS = ("viewers", "atc", "checkouts", "orders", "items")


def missing_ints(n: int) -> pd.arrays.IntegerArray:
    """``n`` missing values of dtype Int64."""
    return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))


def _ints(values: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), np.zeros(len(values), bool))


def _flags(n: int) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))


def repeated_text(value, n: int) -> pd.arrays.ArrowStringArray:
    """``value`` (text, or ``pd.NA``) repeated ``n`` times, dtype ``string``: the Arrow buffers
    are written directly (offsets ``0, len, 2 len, ...``), no per-row work."""
    if value is pd.NA:
        return pd.arrays.ArrowStringArray(pa.chunked_array([pa.nulls(n, pa.large_string())]))
    data = str(value).encode()
    step = len(data)
    offsets = np.arange(0, (n + 1) * step, step) if step else np.zeros(n + 1, dtype=np.int64)
    array = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data * n))
    return pd.arrays.ArrowStringArray(pa.chunked_array([array]))


def canonical_cells(found: pd.DataFrame, *, name: str, tz: str, unit: str,
                    source: str) -> pd.DataFrame | None:  # fmt: skip
    """The canonical cells of the shaped GA4 cells ``found``
    (:func:`analysis.sources.ga4_result.shape_result`) of file ``name``, or ``None`` when
    :func:`analysis.cells.split_cells` must run instead (see the module docstring).

    Returns the frame ``split_cells`` returns for ``found`` (``grain`` hour, ``channel`` WEB,
    ``revenue`` missing where ``currency`` is), with ``row`` missing: one cell aggregates many
    events, it has no row of the file."""
    n = len(found)
    dims = [c for c in GA4_BREAKDOWNS if c in found]
    if n == 0 or not _plain(found, name=name, unit=unit, source=source):
        return None
    text = {c: _cleaned(found[c]) for c in ("product_id", *dims, "category")}
    start = found["start"].dt.tz_convert(tz).astype(pd.DatetimeTZDtype("ns", tz))
    if not (FIRST_YEAR <= start.iloc[0].year and start.iloc[-1].year <= LAST_YEAR):
        return None
    if not _strictly_increasing([start.array.asi8, *(text[c] for c in ("product_id", *dims))]):
        return None  # not sorted by key, or a key repeated (e.g. once cleaned)
    local = start.dt.tz_localize(None).to_numpy().view(np.int64)
    currency = found["currency"].array
    revenue = pd.arrays.FloatingArray(found["revenue"].to_numpy(np.float64),
                                      np.asarray(pd.isna(currency), dtype=bool))  # fmt: skip
    data = {
        "source": repeated_text(source, n), "file": repeated_text(name, n), "row": missing_ints(n),
        "derived": _flags(n), "start": start.array, "grain": repeated_text("hour", n),
        "date": (local - local % DAY_NS).view("M8[ns]"), "hour": _ints(local // HOUR_NS % 24),
        "weekday": _ints((local // DAY_NS + 3) % 7),  # 1970-01-01 was a Thursday (3)
        "channel": repeated_text("WEB", n), "is_live": _flags(n),
        **{c: v.array for c, v in text.items()},
        **{c: _ints(found[c].to_numpy()) for c in _COUNTS},
        "revenue": revenue, "currency": currency, "unit": repeated_text(unit, n),
    }  # fmt: skip
    na_text = pa.chunked_array([pa.nulls(n, pa.large_string())])  # immutable: shared buffers
    for c, col in COLUMNS.items():  # one array object per column: writing one leaves the others
        if c not in data:
            data[c] = (
                pd.arrays.ArrowStringArray(na_text) if col.dtype == "string" else missing_ints(n)
            )
    return pd.DataFrame({c: data[c] for c in COLUMNS}, index=pd.RangeIndex(n), copy=False)


def _plain(found: pd.DataFrame, *, name: str, unit: str, source: str) -> bool:
    """Whether ``split_cells`` would find no problem in the counts, currency, file name and
    source of ``found`` and keep them as they are (the checks the query does not make)."""
    if unit not in UNITS or not all(
        _clean(pd.Series([v], dtype="string")) for v in (name, source)
    ):
        return False
    counts = {c: found[c] for c in _COUNTS}
    if any(s.dtype != np.int64 or (s.to_numpy() < 0).any() for s in counts.values()):
        return False
    if unit in BINOMIAL_UNITS and (counts["atc"].to_numpy() > counts["viewers"].to_numpy()).any():
        return False
    revenue = found["revenue"]
    if revenue.dtype != np.float64 or not (np.isfinite(revenue) & (revenue >= 0)).all():
        return False
    if not _clean(found["currency"]):
        return False
    codes = pd.Series(found["currency"].unique(), dtype="string").dropna()
    return bool(codes.str.fullmatch(r"[A-Z]{3}").all())


def _clean(values: pd.Series) -> bool:
    """No value with surrounding white space, none empty (missing values allowed)."""
    return values.dtype == "string" and _cleaned(values) is values


def _cleaned(values: pd.Series) -> pd.Series:
    """``values`` as ``split_cells`` cleans text (surrounding white space removed, empty ->
    missing), computed on the distinct values; ``values`` itself when nothing changes (checked
    in Arrow first, the same ``utf8_trim_whitespace`` that pandas' ``str.strip`` runs)."""
    if values.dtype == "string" and values.dtype.storage == "pyarrow":
        arr = pa.array(values.array)
        if not pc.any(pc.or_(pc.not_equal(pc.utf8_trim_whitespace(arr), arr),
                             pc.equal(arr, ""))).as_py():  # fmt: skip
            return values
    codes, distinct = pd.factorize(values)
    distinct = pd.Series(distinct, dtype="string")
    clean = distinct.str.strip().replace("", pd.NA)
    if clean.equals(distinct):
        return values
    return pd.Series(clean.array.take(codes, allow_fill=True), index=values.index)


def _steps(key: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(greater, equal): each row's ``key`` compared with the row before. Text in code point
    order (UTF-8 bytes compared, in Arrow), missing values last and equal to each other."""
    if isinstance(key, np.ndarray):
        return key[1:] > key[:-1], key[1:] == key[:-1]
    arr = pa.array(key.array)
    before, now = arr[:-1], arr[1:]
    gone, here = pc.is_null(before), pc.is_null(now)

    def mask(values) -> np.ndarray:
        return pc.fill_null(values, False).to_numpy(zero_copy_only=False)

    greater = mask(pc.greater(now, before)) | (mask(here) & ~mask(gone))
    return greater, mask(pc.equal(now, before)) | (mask(here) & mask(gone))


def _strictly_increasing(keys: list) -> bool:
    """Whether the rows, compared key by key (the first key first; text keys as
    :func:`_steps` orders them), are in strictly increasing order: sorted, and no key
    repeated."""
    n = len(keys[0])
    after, tied = np.zeros(n - 1, dtype=bool), np.ones(n - 1, dtype=bool)
    for k in keys:
        greater, equal = _steps(k)
        after |= tied & greater
        tied &= equal
    return bool(after.all())
