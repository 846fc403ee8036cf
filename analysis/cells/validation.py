"""Validation of canonical cells: a raw frame in, validated cells out, every problem named.

:func:`validate_cells` turns a raw frame (as read from a canonical CSV/Parquet file, or built by a
source loader) into validated cells, or raises :class:`CellsError` whose message names the file,
row, column and how to fix each problem; ``err.problems`` holds all of them as a DataFrame.
:func:`split_cells` sets the rows with problems aside instead (the loaders' rejected table). The
columns checked are :mod:`analysis.cells.schema`; the value rules and the problem collector,
:mod:`analysis.cells.rules`.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.cells.promo import PROMO_FLAGS, as_promo
from analysis.cells.rules import (
    DUPLICATE,
    Problems,
    check_computed,
    check_rules,
    check_vocabulary,
)
from analysis.cells.schema import (
    COLUMNS,
    COMPUTED_COLUMNS,
    COUNT_COLUMNS,
    KEY_COLUMNS,
    REQUIRED_COLUMNS,
    STRING_COLUMNS,
    with_dtypes,
)  # fmt: skip
from analysis.errors import CellsError
from analysis.vocabulary import CHANNELS, GRAINS, PROMOS, UNITS

__all__ = ["PROMO_FLAGS", "as_promo", "check_tz", "split_cells", "split_parts",
           "validate_cells"]  # fmt: skip

_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


def validate_cells(
    data: pd.DataFrame, *, tz: str | None = None, source: str | None = None
) -> pd.DataFrame:
    """Validate a raw frame and return canonical cells (a new frame; the input is not mutated).

    Any problem raises :class:`CellsError`; :func:`split_cells` instead sets the rows with
    problems aside in a rejected table.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows with (a subset of) the canonical columns. ``start``, ``grain``, ``channel`` and
        ``unit`` are required; missing optional columns are added as NA. ``file`` and ``row``,
        when present, are used to name the place of each problem.
    tz : str, optional
        The shop's IANA time zone (e.g. ``"Europe/Paris"``). Naive ``start`` values are read as
        shop-local times in it; aware values are converted to it. Required unless ``start`` is
        already a tz-aware datetime column.
    source : str, optional
        Loader id written to ``source`` where the input has none.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`COLUMNS`, in that order, with their dtypes. The derived columns
        ``date``, ``hour``, ``weekday`` and ``is_live`` are computed from ``start``, ``grain`` and
        ``channel``.

    Raises
    ------
    CellsError
        Listing every problem with file, row, column and how to fix it: a missing required or
        unknown column, a non-numeric, non-integer or non-finite count (``1e309``, ``inf``), a
        negative count, ``atc > viewers`` for a binomial unit (visitor, session), a start year
        outside :data:`FIRST_YEAR`-:data:`LAST_YEAR` ("decades away"), a value outside a closed
        vocabulary (``promo`` yes/no flags are first mapped by :data:`PROMO_FLAGS`), a naive time
        without ``tz``, a local time that does not exist or is ambiguous (DST), a revenue without
        currency, a derived column that disagrees with ``start``/``channel``, or a duplicated cell.
    """
    out, problems = _validate(data, tz=tz, source=source)
    problems.raise_if_any()
    return with_dtypes(out[list(COLUMNS)])


def split_cells(
    data: pd.DataFrame, *, tz: str | None = None, source: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate like :func:`validate_cells`, but set rows with problems aside instead of raising.

    Returns
    -------
    cells : pandas.DataFrame
        The valid rows as canonical cells.
    rejected : pandas.DataFrame
        One row per problem: ``file``, ``row``, ``column``, ``value``, ``reason`` (a row with
        two problems appears twice). Every input row is either in ``cells`` or in ``rejected``.

    Raises
    ------
    CellsError
        When the frame as a whole is unusable: a required column is missing, or a column is
        unknown (nothing can be read reliably then).
    """
    cells, rejected, _keys = split_parts(data, tz=tz, source=source)
    return cells, rejected


def split_parts(
    data: pd.DataFrame, *, tz: str | None = None, source: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`split_cells`, and the typed :data:`KEY_COLUMNS` and ``row`` of every input row
    (index: positions in ``data``) with flags ``rejected`` and ``duplicate`` (of an earlier row of
    ``data``): what :func:`analysis.cells.chunks.split_chunks` needs to find duplicates across
    the parts of one file."""
    out, problems = _validate(data, tz=tz, source=source)
    found = problems.frame()
    bad = out.index.isin(found["index"])
    cells = with_dtypes(out.loc[~bad, list(COLUMNS)])
    dup = out.index.isin(found.loc[found["reason"] == DUPLICATE, "index"])
    keys = out[[*KEY_COLUMNS, "row"]].assign(rejected=bad, duplicate=dup)
    return cells, found.drop(columns="index").reset_index(drop=True), keys


def _validate(data: pd.DataFrame, *, tz: str | None, source: str | None):
    """The checks: the frame with canonical columns, and the problems found (not raised)."""
    df, problems = _frame(data)
    if source is not None and "source" not in df:
        df["source"] = source
    lacking = [name for name in COLUMNS if name not in df]
    if lacking:  # all at once: one insert per column is most of a small file's validation
        df = pd.concat([df, pd.DataFrame(pd.NA, df.index, lacking, dtype=object)], axis=1)
    cols = {name: _as_string(df[name]) for name in STRING_COLUMNS}
    cols["row"] = df["row"]
    for name in (*COUNT_COLUMNS, "revenue"):
        cols[name] = _as_number(df[name], name, problems, integer=name != "revenue")
    cols["start"] = _as_time(df["start"], tz, problems)
    out = pd.DataFrame(cols, index=df.index)
    check_vocabulary(out, "grain", GRAINS, problems, required=True)
    check_vocabulary(out, "channel", CHANNELS, problems, required=True)
    check_vocabulary(out, "unit", UNITS, problems, required=True)
    out["promo"] = as_promo(out["promo"])
    check_vocabulary(out, "promo", PROMOS, problems, required=False)
    _derive(out)
    for name in COMPUTED_COLUMNS:
        check_computed(df[name], out[name], name, problems)
    out["derived"] = _as_flag(df["derived"], "derived", problems)
    check_rules(out, problems)
    return out, problems


def _frame(data: pd.DataFrame) -> tuple[pd.DataFrame, Problems]:
    """A new frame with ``file`` and ``row`` (positions, not labels, from here on) and its
    problem collector; raises :class:`CellsError` for an unknown or missing required column
    (nothing can be read reliably then)."""
    df = data.reset_index(drop=True)
    df.columns = [str(c) for c in df.columns]
    if "file" not in df:
        df["file"] = pd.NA
    if "row" not in df:
        df["row"] = np.arange(1, len(df) + 1)
    df["row"] = pd.to_numeric(df["row"], errors="coerce").astype("Int64")
    problems = Problems(df)
    first = pd.Series(True, index=df.index).head(1).reindex(df.index, fill_value=False)
    for c in [c for c in df.columns if c not in COLUMNS]:
        problems.add(first, c, c,
                     "unknown column; canonical columns are listed in docs/data-formats.md "
                     "(rename it or remove it)")  # fmt: skip
    missing = [c for c in REQUIRED_COLUMNS if c not in df]
    for c in missing:
        problems.add(first, c, None, "required column is missing; add it")
    if len(df) == 0 and missing:
        raise CellsError(
            pd.DataFrame(
                [{"file": "<memory>", "row": None, "column": c, "value": None,
                  "reason": "required column is missing; add it"} for c in missing]
            )
        )  # fmt: skip
    problems.raise_if_any()
    return df, problems


def _derive(out: pd.DataFrame) -> None:
    """The computed columns ``date``, ``hour`` (NA for day/range grains), ``weekday`` and
    ``is_live`` (NA for ALL) from ``start``, ``grain`` and ``channel``, set in ``out``."""
    local = out["start"]
    out["date"] = local.dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")
    hourly = ~out["grain"].isin(["day", "range"])
    out["hour"] = local.dt.hour.astype("Int64").where(hourly, pd.NA)
    out["weekday"] = local.dt.day_of_week.astype("Int64")
    out["is_live"] = (out["channel"] == "LIVE").astype("boolean").mask(out["channel"] == "ALL")


def _as_flag(s: pd.Series, name: str, problems: Problems) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean").fillna(False)
    text = s.astype("string").str.strip().str.lower()
    flag = text.map({"true": True, "false": False, "1": True, "0": False}, na_action="ignore")
    problems.add(text.notna() & (text != "") & flag.isna(), name, s,
                 "{value!r} is not true/false")  # fmt: skip
    return flag.astype("boolean").fillna(False)


def _as_string(s: pd.Series) -> pd.Series:
    s = s.astype("string")  # a column the file lacks: nothing to strip
    return s.str.strip().replace("", pd.NA) if s.notna().any() else s


def _as_number(s: pd.Series, name: str, problems: Problems, *, integer: bool) -> pd.Series:
    dtype = "Int64" if integer else "Float64"
    if not s.notna().any():  # a column the file lacks (or all empty): not reported
        return pd.Series(pd.NA, index=s.index, dtype=dtype)
    if pd.api.types.is_bool_dtype(s):
        problems.add(s.notna(), name, s, "is a boolean; counts must be numbers")
        return pd.Series(pd.NA, index=s.index, dtype=dtype)
    if pd.api.types.is_numeric_dtype(s):  # already numbers (Parquet, our own writers): no text
        return _numeric(s.astype("Float64"), name, problems, s, integer=integer)
    text = s.astype("string").str.strip()
    num = _digits(text) if integer else None
    if num is None:
        num = pd.to_numeric(text.replace("", pd.NA), errors="coerce").astype("Float64")
    bad = text.notna() & (text != "") & num.isna()
    problems.add(bad, name, s, "{value!r} is not a number; write plain digits (no currency, "
                 "no thousands separator) or leave it empty for 'not reported'")  # fmt: skip
    return _numeric(num, name, problems, s, integer=integer)


def _digits(text: pd.Series) -> pd.Series | None:
    """``text`` as Float64 when every value is empty or 1-15 plain digits (exact as floats),
    converted in Arrow; else None (:func:`pandas.to_numeric` then parses it, slower)."""
    if not text.str.fullmatch(r"[0-9]{0,15}").fillna(True).all():
        return None
    values = pa.array(text.replace("", pd.NA).array, type=pa.string())
    floats = pc.cast(values, pa.float64())
    return pd.Series(pd.array(floats, dtype="Float64"), index=text.index)


def _numeric(num: pd.Series, name: str, problems: Problems, s: pd.Series, *,
             integer: bool) -> pd.Series:  # fmt: skip
    huge = num.notna() & ~(num.abs() < (2**63 if integer else np.inf)).fillna(True)
    problems.add(huge, name, s, "{value!r} is not a finite number (infinite, or too large to be "
                 "a count); fix the value or leave it empty for 'not reported'")  # fmt: skip
    num = num.where(~huge)
    if integer:
        frac = num.notna() & (num != num.round())
        problems.add(frac, name, s, "{value!r} is not a whole number; counts are integers")
        num = num.where(~frac)
        return num.round().astype("Int64")
    return num


def _as_time(s: pd.Series, tz: str | None, problems: Problems) -> pd.Series:
    if tz is not None:
        check_tz(tz)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        if tz is None:
            tz = str(s.dtype.tz)
        return s.dt.tz_convert(tz).astype(pd.DatetimeTZDtype("ns", tz))
    if pd.api.types.is_datetime64_dtype(s):
        text = pd.Series(s.dt.strftime("%Y-%m-%d %H:%M:%S"), index=s.index, dtype="string")
    else:
        text = s.astype("string").str.strip().replace("", pd.NA)
    problems.add(text.isna(), "start", text, "is empty; every cell needs its start time")
    aware = text.str.contains(_OFFSET, na=False)
    naive = text.notna() & ~aware
    if tz is None:
        problems.add(naive, "start", text,
                     "{value!r} has no UTC offset and no time zone was given; pass the shop's "
                     "time zone, e.g. analysis.load(path, tz='Europe/Paris'), or write the "
                     "offset in the file (2026-11-23T18:00:00+01:00)")  # fmt: skip
        problems.add(aware, "start", text,
                     "times are in UTC offsets but the shop's time zone is needed for "
                     "shop-local hours; pass it, e.g. analysis.load(path, tz='Europe/Paris')")  # fmt: skip
        return pd.Series(pd.NaT, index=s.index, dtype=pd.DatetimeTZDtype("ns", "UTC"))
    out = pd.Series(pd.NaT, index=s.index, dtype=pd.DatetimeTZDtype("ns", tz))
    if aware.any():
        parsed = pd.to_datetime(text[aware], utc=True, errors="coerce", format="ISO8601")
        problems.add(parsed.isna().reindex(s.index, fill_value=False), "start", text,
                     "{value!r} is not an ISO 8601 time (2026-11-23T18:00:00+01:00)")  # fmt: skip
        out[aware] = parsed.dt.tz_convert(tz)
    if naive.any():
        parsed = pd.to_datetime(text[naive], errors="coerce", format="ISO8601")
        problems.add(parsed.isna().reindex(s.index, fill_value=False), "start", text,
                     "{value!r} is not an ISO 8601 time (2026-11-23 18:00:00)")  # fmt: skip
        local = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        dst = parsed.notna() & local.isna()
        problems.add(dst.reindex(s.index, fill_value=False), "start", text,
                     f"{{value!r}} does not exist or is ambiguous in {tz} (daylight-saving "
                     "change); write it with its UTC offset")  # fmt: skip
        out[naive] = local
    return out


def check_tz(tz: str) -> None:
    """Raise ``ValueError`` unless ``tz`` is an IANA time zone name (``"Europe/Paris"``)."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"Unknown time zone {tz!r}; use an IANA name such as 'Europe/Paris'."
        ) from None
