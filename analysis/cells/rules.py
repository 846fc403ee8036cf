"""The rules a canonical cell's values obey, and the collector of the problems they find.

:class:`Problems` records each problem with its file, row, column, value and reason (the rows of
a :class:`~analysis.errors.CellsError` or of a loader's rejected table).
:func:`check_vocabulary`, :func:`check_computed` and :func:`check_rules` are the checks
:mod:`analysis.cells.validation` runs once the columns are typed: closed vocabularies, derived
columns that agree with ``start``/``grain``/``channel``, and the value rules (non-negative
counts, a plausible year, ``atc <= viewers`` for binomial units, currencies, duplicate keys).
"""

from __future__ import annotations

import pandas as pd

from analysis.cells.schema import COUNT_COLUMNS, KEY_COLUMNS, PROBLEM_COLUMNS
from analysis.errors import CellsError
from analysis.vocabulary import BINOMIAL_UNITS

__all__ = ["DUPLICATE", "FIRST_YEAR", "LAST_YEAR", "Problems", "check_computed", "check_rules",
           "check_vocabulary"]  # fmt: skip

#: the reason of a row whose key (:data:`KEY_COLUMNS`) an earlier row of its file has
DUPLICATE = ("duplicates an earlier row of this file (same time, channel, content, product and "
             "segment); remove it or aggregate the two")  # fmt: skip
#: years a cell may start in; outside them a date is "decades away" (a typo or a misread format)
FIRST_YEAR, LAST_YEAR = 2000, 2099


class Problems:
    """Collects problems with their file and row, taken from the frame being validated."""

    def __init__(self, df: pd.DataFrame):
        self.file = df["file"].astype("string").fillna("<memory>")
        self.row = df["row"]
        self.items: list[dict] = []

    def add(self, mask, column: str, values, reason: str) -> None:
        if isinstance(mask, pd.Series) and mask.index.equals(self.file.index):  # the usual case
            if not mask.to_numpy(dtype=bool, na_value=False).any():  # nothing to record
                return
        mask = pd.Series(mask, index=self.file.index).fillna(False).astype(bool)
        for i in mask[mask].index:
            value = values.loc[i] if isinstance(values, pd.Series) else values
            self.items.append(
                {
                    "index": i,
                    "file": self.file.loc[i],
                    "row": self.row.loc[i],
                    "column": column,
                    "value": None if pd.isna(value) else str(value),
                    "reason": reason.format(value=value),
                }
            )

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.items, columns=["index", *PROBLEM_COLUMNS])
        return frame.sort_values(["file", "row"], kind="stable")

    def raise_if_any(self) -> None:
        if self.items:
            raise CellsError(self.frame().drop(columns="index"))


def check_vocabulary(out, name, options, problems, *, required: bool) -> None:
    """Column ``name`` of ``out`` empty where ``required``, or outside ``options``."""
    s = out[name]
    if required:
        problems.add(s.isna(), name, s, "is empty; it is required")
    problems.add(s.notna() & ~s.isin(options), name, s,
                 f"{{value!r}} is not one of {', '.join(options)}")  # fmt: skip


def check_computed(given: pd.Series, computed: pd.Series, name: str, problems: Problems) -> None:
    """A derived column the file gave (``given``) that disagrees with the value computed."""
    if given.isna().all():
        return
    if name == "date":
        given = pd.to_datetime(given.astype("string"), errors="coerce").dt.normalize()
        same = given == computed
    elif name == "is_live":
        given = given.astype("string").str.lower().map({"true": True, "false": False, "1": True,
                                                         "0": False})  # fmt: skip
        same = given.astype("boolean") == computed
    else:
        same = pd.to_numeric(given, errors="coerce").astype("Float64") == computed.astype(
            "Float64"
        )
    bad = given.notna() & ~same.fillna(False).astype(bool)
    bad |= given.isna() & computed.notna() & given.notna().any()
    problems.add(bad, name, given,
                 f"{{value!r}} disagrees with the value computed from start/grain/channel; "
                 f"remove the {name} column (it is derived) or correct it")  # fmt: skip


def _as_text(s: pd.Series, mask: pd.Series) -> pd.Series:
    """The rows of ``s`` in ``mask`` as text (formatting every time costs seconds per million)."""
    return s[mask.fillna(False).astype(bool)].astype("string")


def check_rules(out: pd.DataFrame, problems: Problems) -> None:
    """The value rules: non-negative counts, atc <= viewers for binomial units, currencies.

    Plain vectorised pandas: pandera (the first choice) imports ``pyspark.pandas`` whenever
    pyspark is installed and sets ``PYARROW_IGNORE_TIMEZONE=1`` for the whole process, which
    changes how pyarrow converts tz-aware times (and costs ~1 s per kernel).
    """
    for c in (*COUNT_COLUMNS, "revenue"):
        problems.add(out[c] < 0, c, out[c], "{value} is negative; counts must be >= 0")
    year = out["start"].dt.year
    far = (year < FIRST_YEAR) | (year > LAST_YEAR)
    problems.add(far, "start", _as_text(out["start"], far),
                 f"{{value}} is decades away (outside {FIRST_YEAR}-{LAST_YEAR}): a wrong year "
                 "or a misread date format; fix the date")  # fmt: skip
    over = out["unit"].isin(BINOMIAL_UNITS) & (out["atc"] > out["viewers"])
    problems.add(over, "atc", out["atc"],
                 "atc exceeds viewers; with unit visitor or session, atc counts a subset of the "
                 "viewers (fix the counts, or set unit to 'event' if these are events)")  # fmt: skip
    code = out["currency"].str.fullmatch(r"[A-Z]{3}")
    problems.add(out["currency"].notna() & ~code.fillna(False).astype(bool), "currency",
                 out["currency"], "{value!r} is not a 3-letter ISO 4217 currency code (EUR, ...)")  # fmt: skip
    problems.add(out["revenue"].notna() & out["currency"].isna(), "currency", out["currency"],
                 "revenue is given without a currency; fill the currency column")  # fmt: skip

    # rows without a time already have a problem: they are not duplicates of each other
    dup = out.duplicated(subset=list(KEY_COLUMNS), keep="first") & out["start"].notna()
    if not dup.any():
        return
    problems.add(dup, "start", _as_text(out["start"], dup), DUPLICATE)
