"""Reporting weeks: ISO weeks (Monday to Sunday, on the cells' shop-local ``date``).

Notebooks select their week with :func:`select_week`; :mod:`analysis.report.run` resolves the week
of a run with :func:`resolve_week`. Cells of grain ``range`` (a product list over its title's date
range) belong to a week only when the whole range lies inside it: :func:`select_week_ranges`
keeps them by that rule and :func:`range_exclusions` says which were left out and why (the text a
page shows); their last day comes from the loaders' ``files["period"]``
(:func:`periods_from_files`). Pure and cheap (pandas only).
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

import pandas as pd

from analysis.vocabulary import SUB_HOUR_GRAINS

__all__ = [
    "Week",
    "parse_week",
    "periods_from_files",
    "range_exclusions",
    "resolve_week",
    "select_week",
    "select_week_ranges",
    "week_bounds",
    "within_window",
]

WEEK_PATTERN = re.compile(r"(\d{4})-W(\d{2})")


class Week(NamedTuple):
    """An ISO week: ``iso`` (``"2026-W47"``), ``monday`` and ``sunday`` (naive midnights, as the
    cells' ``date`` column)."""

    iso: str
    monday: pd.Timestamp
    sunday: pd.Timestamp

    @property
    def next_monday(self) -> pd.Timestamp:
        """The Monday after the week (its exclusive end, naive midnight)."""
        return self.monday + pd.Timedelta(days=7)


def parse_week(week: str) -> Week:
    """Parse an ISO week written ``YYYY-Www`` (e.g. ``"2026-W47"``).

    Raises
    ------
    ValueError
        When ``week`` is not written ``YYYY-Www`` or that year has no such week (W00, W54, or W53
        in a year of 52 ISO weeks).

    Examples
    --------
    >>> parse_week("2026-W01").monday
    Timestamp('2025-12-29 00:00:00')
    """
    if not isinstance(week, str) or not (m := WEEK_PATTERN.fullmatch(week)):
        raise ValueError(
            f"week {week!r} is not an ISO week; write it as YYYY-Www, e.g. '2026-W47' "
            "(or 'latest' for the last complete week of the data)"
        )
    year, number = int(m[1]), int(m[2])
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        weeks = date(year, 12, 28).isocalendar().week  # Dec 28 is always in the last ISO week
        raise ValueError(
            f"week {week!r} does not exist: {year} has ISO weeks W01 to W{weeks}"
        ) from None
    start = pd.Timestamp(monday)
    return Week(week, start, start + pd.Timedelta(days=6))


def _week_of(day: pd.Timestamp) -> Week:
    iso = day.isocalendar()
    return parse_week(f"{iso.year:04d}-W{iso.week:02d}")


def resolve_week(cells: pd.DataFrame, week: str) -> Week:
    """Resolve ``week`` against the data: ``"latest"`` or ``"YYYY-Www"`` with data in it.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (their ``date`` column: shop-local naive midnights).
    week : str
        ``"YYYY-Www"``, or ``"latest"``: the last complete ISO week (Monday to Sunday) inside
        the span of the data, i.e. whose Monday is on or after the first ``date`` and whose
        Sunday is on or before the last one. Days without rows inside the span do not make a
        week incomplete.

    Returns
    -------
    Week
        ``(iso, monday, sunday)``.

    Raises
    ------
    ValueError
        When ``week`` is malformed, the cells are empty, no complete week lies in the data
        (``"latest"``), or the requested week has no rows.
    """
    dates = cells["date"]
    if week != "latest":
        wk = parse_week(week)
        if len(dates) == 0:
            raise ValueError(f"no data: the cells are empty, so week {week!r} has no rows")
    elif len(dates) == 0:
        raise ValueError("no data: the cells are empty, so there is no latest week")
    first, last = pd.Timestamp(dates.min()).normalize(), pd.Timestamp(dates.max()).normalize()
    span = f"the data covers {first:%Y-%m-%d} ({_week_of(first).iso}) to {last:%Y-%m-%d} ({_week_of(last).iso})"
    if week == "latest":
        wk = _week_of(last)
        if wk.sunday > last:  # the last week is still running: take the one before
            wk = _week_of(wk.monday - pd.Timedelta(days=7))
        if wk.monday < first:
            raise ValueError(
                f"no complete ISO week (Monday to Sunday) in the data: {span}; "
                "pass an explicit week, e.g. week='YYYY-Www'"
            )
        return wk
    if not ((dates >= wk.monday) & (dates < wk.next_monday)).any():
        raise ValueError(
            f"no data in week {wk.iso} ({wk.monday:%Y-%m-%d} to {wk.sunday:%Y-%m-%d}): {span}"
        )
    return wk


def week_bounds(week: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(monday, next_monday)`` of an ISO week ``"YYYY-Www"``: cells with
    ``monday <= date < next_monday`` are in it.

    ``"latest"`` needs the data: use :func:`resolve_week` or :func:`select_week`.
    """
    if week in ("latest", "all"):
        raise ValueError(
            f"week_bounds({week!r}) needs the data; use resolve_week(cells, {week!r}) "
            f"or select_week(cells, {week!r})"
        )
    wk = parse_week(week)
    return wk.monday, wk.next_monday


def select_week(cells: pd.DataFrame, week: str) -> pd.DataFrame:
    """The cells whose ``date`` lies in ``week`` (a new frame; the input is not changed).

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells.
    week : str
        ``"YYYY-Www"``, ``"latest"`` (resolved by :func:`resolve_week`) or ``"all"`` (every
        cell).

    Raises
    ------
    ValueError
        As :func:`resolve_week`: malformed week, or no data in it.

    Examples
    --------
    >>> import analysis as cl
    >>> week_cells = select_week(cl.load(data, tz=tz), week)  # doctest: +SKIP
    """
    if week == "all":
        return cells.copy()
    wk = resolve_week(cells, week)
    return cells.loc[(cells["date"] >= wk.monday) & (cells["date"] < wk.next_monday)].copy()


def within_window(cells: pd.DataFrame, *, week: str, weeks: int) -> pd.DataFrame:
    """The cells of the ``weeks`` ISO weeks ending with ``week``: what a page reads of the history.

    A page reports one week; its comparisons need some weeks before it (the previous weeks of
    the weekly summary, the baseline of abnormal hours, the pre-period of a declared change), not
    the whole history, so its cost does not grow with the data behind it. The window is the
    ``weeks`` Mondays-to-Sundays ending with ``week``: ``monday - 7 (weeks - 1) days <= date <
    next_monday``; later weeks are left out too (a page uses what was known at the end of its
    week). The windows of the pages and why they have that size: ``docs/metrics.md``
    ("History windows").

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (their ``date``: shop-local naive midnights). Not modified.
    week : str
        ``"YYYY-Www"``, ``"latest"`` (resolved on ``cells`` by :func:`resolve_week`) or
        ``"all"`` (every cell, no window).
    weeks : int
        Weeks in the window, the reported one included (1: that week only).

    Returns
    -------
    pandas.DataFrame
        A new frame, the rows in their order; ``attrs["window"]`` records ``week`` (ISO),
        ``weeks``, ``first`` and ``last`` (the window's Monday and Sunday) and ``held`` (the
        weeks with data in it), which frames selected from it keep: the page names its window
        with them (:func:`analysis.present.answers.window_note`).

    Raises
    ------
    ValueError
        ``weeks`` below 1, or as :func:`resolve_week` (malformed week, no data in it).

    Examples
    --------
    >>> recent = within_window(cells, week="2026-W47", weeks=12)  # doctest: +SKIP
    """
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise ValueError(f"weeks={weeks!r}: a window holds a whole number of weeks, at least 1")
    if week == "all":
        return cells.copy()
    wk = resolve_week(cells, week)
    lo = wk.monday - pd.Timedelta(weeks=weeks - 1)
    keep = ((cells["date"] >= lo) & (cells["date"] < wk.next_monday)).to_numpy(dtype=bool)
    out = cells.loc[keep].copy()
    held = out["date"].dropna().dt.to_period("W-SUN").nunique()
    out.attrs["window"] = {"week": wk.iso, "weeks": weeks, "first": lo, "last": wk.sunday,
                           "held": int(held)}  # fmt: skip
    return out


def periods_from_files(files: pd.DataFrame) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """``file -> (first day, last day)`` of the files whose loader wrote a ``period`` column
    (``"YYYY-MM-DD ~ YYYY-MM-DD"``, e.g. the Seller Center product lists); others are absent."""
    if "period" not in files:
        return {}
    out = {}
    for file, period in zip(files["file"], files["period"], strict=True):
        if isinstance(period, str) and "~" in period:
            a, b = (pd.Timestamp(x.strip()) for x in period.split("~", 1))
            out[str(file)] = (a, b)
    return out


def range_exclusions(
    cells: pd.DataFrame, week: Week, periods: dict[str, tuple[pd.Timestamp, pd.Timestamp]]
) -> pd.DataFrame:
    """The range cells' files that overlap ``week`` without lying inside it, with the reason a
    page shows.

    A range's counts cannot be split by day, so a range is assigned to a report week only when
    ``monday <= first day`` and ``last day <= sunday``; one that only overlaps the week is left
    out of that week's pages. A range cell whose file has no known period is left out too.

    Returns
    -------
    pandas.DataFrame
        ``file``, ``first``, ``last``, ``cells`` (how many cells are left out), ``reason``.
    """
    cols = ["file", "first", "last", "cells", "reason"]
    r = cells.loc[cells["grain"] == "range"]
    rows = []
    for file, group in r.groupby(r["file"].astype("string").fillna("<memory>"), sort=True):
        first, last = periods.get(str(file), (group["date"].min(), pd.NaT))
        if pd.isna(last):
            reason = (f"{file}: the last day of its range is unknown (no period for this "
                      f"file), so it cannot be placed in week {week.iso}")  # fmt: skip
        elif first >= week.monday and last <= week.sunday:
            continue
        elif first > week.sunday or last < week.monday:
            continue
        else:
            reason = (f"{file} covers {first:%Y-%m-%d} to {last:%Y-%m-%d}, which is not inside "
                      f"week {week.iso} ({week.monday:%Y-%m-%d} to {week.sunday:%Y-%m-%d}): its "
                      "counts cannot be split by day, so this page leaves it out; export the "
                      "product list for that Monday-to-Sunday range to include it")  # fmt: skip
        rows.append({"file": file, "first": first, "last": last, "cells": len(group),
                     "reason": reason})  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def select_week_ranges(
    cells: pd.DataFrame, week: str, periods: dict[str, tuple[pd.Timestamp, pd.Timestamp]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`select_week`, with range cells kept only when their whole range lies in the week.

    Returns
    -------
    cells : pandas.DataFrame
        The week's cells: every non-range cell whose ``date`` is in the week, and the range
        cells whose range (``periods``, from :func:`periods_from_files`) lies inside it
        (``week="all"``: every cell, nothing excluded).
    excluded : pandas.DataFrame
        :func:`range_exclusions`: what was left out and why.
    """
    if week == "all":
        return cells.copy(), range_exclusions(cells.iloc[:0], parse_week("2026-W01"), periods)
    wk = resolve_week(cells, week)
    placed, _ = within_weeks(cells, periods)  # a range inside one week is placed by its first day
    return select_week(placed, wk.iso), range_exclusions(cells, wk, periods)


def within_weeks(
    cells: pd.DataFrame, periods: dict[str, tuple[pd.Timestamp, pd.Timestamp]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cells a weekly page may use: range cells only when their range lies inside one ISO
    week (then :func:`select_week` places them in it by their first day).

    A range's counts cannot be split by day, so a range that spans two weeks (or whose last day
    is unknown) belongs to no week: it is left out of every weekly page, with a reason. Cells
    finer than an hour (grains ``minute`` and ``interval``, :data:`SUB_HOUR_GRAINS`) repeat a
    LIVE's counts minute by minute: they are left out too (summed with the LIVE's session cells
    they would count its viewers twice); the moments page reads them (``docs/data-formats.md``).

    Returns
    -------
    cells : pandas.DataFrame
        Every cell of an hour or longer that is not a range, and the range cells of files whose
        range lies in one week.
    excluded : pandas.DataFrame
        ``file``, ``first``, ``last``, ``cells``, ``reason`` (as :func:`range_exclusions`).
    """
    cols = ["file", "first", "last", "cells", "reason"]
    files = cells["file"].astype("string").fillna("<memory>")
    ranged = cells["grain"] == "range"
    rows, dropped = [], pd.Series(False, index=cells.index)
    for file in sorted(files[ranged].unique()):
        first, last = periods.get(str(file), (cells.loc[ranged & (files == file), "date"].min(),
                                              pd.NaT))  # fmt: skip
        if pd.notna(last) and _week_of(first).monday == _week_of(last).monday:
            continue
        mask = ranged & (files == file)
        dropped |= mask
        rows.append({"file": file, "first": first, "last": last, "cells": int(mask.sum()),
                     "reason": "its range is not inside one Monday-to-Sunday week"})  # fmt: skip
    fine = cells["grain"].isin(SUB_HOUR_GRAINS).fillna(False).to_numpy(dtype=bool)
    return cells.loc[~dropped.to_numpy(dtype=bool) & ~fine].copy(), pd.DataFrame(
        rows, columns=cols
    )
