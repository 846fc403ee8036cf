"""What a load did, per source, and whether sources that count the same thing agree.

Used by ``notebooks/00_data_quality.ipynb``. Every function takes an
:class:`analysis.sources.base.Loaded` (``analysis.read(...)``) or its cells first and returns a
new tidy frame. Results carry ``status`` (a code of :data:`analysis.vocabulary.STATUSES`) and
``status_message`` (its text and the specifics): ``ok``, ``not_reconciled`` (rows in and out of a
file, or one feed against the others, disagree) or ``undefined_no_control`` (a single feed: nothing
to compare it with). The checks: ``docs/data-formats.md`` (reconciliation).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.cells import COUNT_COLUMNS
from analysis.sources.base import Loaded
from analysis.vocabulary import CHANNELS, check_argument, status_message

__all__ = [
    "CHECKS",
    "CROSS_COLUMNS",
    "CROSS_SUMMARY_COLUMNS",
    "DERIVED_COLUMNS",
    "FILE_COLUMNS",
    "SUMMARY_COLUMNS",
    "cross_check",
    "cross_checks",
    "cross_summary",
    "derived_cells",
    "derived_summary",
    "feeds",
    "rejected_reasons",
    "source_summary",
]

#: columns of :func:`source_summary`
SUMMARY_COLUMNS = ("source", "files", "rows_read", "rows_used", "rows_rejected", "rows_replaced",
                   "cells", "derived_cells", "reconciles", "status", "status_message")  # fmt: skip
#: columns of :func:`cross_check`
CROSS_COLUMNS = ("date", "channel", "column", "feed", "value", "reference", "rel_diff", "sources",
                 "method", "status", "status_message")  # fmt: skip
#: columns of :func:`cross_summary`
CROSS_SUMMARY_COLUMNS = ("channel", "column", "feed", "days", "days_compared", "days_ok",
                         "max_abs_rel_diff", "status", "status_message")  # fmt: skip


def derived_cells(cells: pd.DataFrame) -> pd.Series:
    """Derived cells (``derived`` True) per ``source``: the ``derived_cells`` of
    :func:`source_summary` (``docs/data-formats.md``)."""
    return cells.groupby("source")["derived"].sum() if len(cells) else pd.Series(dtype="int64")


def source_summary(loaded: Loaded, *, derived: pd.Series | None = None) -> pd.DataFrame:
    """One row per source: files, rows read / used / rejected / replaced, cells, derived cells.

    ``derived``: the derived cells per source when already counted
    (:func:`derived_cells`: e.g. stored with the cache of the loaded data, so a page reading one
    week states them for every cell); default counted on ``loaded.cells``.

    ``reconciles`` is ``rows_read == rows_used + rows_rejected + rows_replaced`` for every file
    of the source. Files not read appear under their status as source (0 rows): ``skipped`` (a
    file of a folder no loader recognised), ``unreadable`` and ``duplicate``; their
    ``status_message`` names each file and its reason (``loaded.not_read`` lists them too).

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`; ``status`` is ``ok``, or ``not_reconciled`` when a file's rows
        do not add up (``status_message`` names the files).
    """
    f = loaded.files.copy()
    f["ok"] = f["rows_read"] == f["rows_used"] + f["rows_rejected"] + f["rows_replaced"]
    derived = derived_cells(loaded.cells) if derived is None else derived
    rows = []
    for source, g in f.groupby("source", sort=False):
        bad = g.loc[~g["ok"], "file"].tolist()
        if "status" in g and g["status"].isin(("skipped", "unreadable", "duplicate")).all():
            rows.append(_not_read_row(source, g))
            continue
        rows.append({
            "source": source, "files": len(g), "rows_read": int(g["rows_read"].sum()),
            "rows_used": int(g["rows_used"].sum()), "rows_rejected": int(g["rows_rejected"].sum()),
            "rows_replaced": int(g["rows_replaced"].sum()), "cells": int(g["cells"].sum()),
            "derived_cells": int(derived.get(source, 0)) if len(derived) else 0,
            "reconciles": not bad,
            "status": "ok" if not bad else "not_reconciled",
            "status_message": status_message("ok") if not bad else status_message(
                "not_reconciled", f"rows read != used + rejected + replaced in: {', '.join(bad)}"),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _not_read_row(source: str, g: pd.DataFrame) -> dict:
    """The :func:`source_summary` row of the files not read with one status: each named with its
    reason in ``status_message``; ``partial`` for unreadable files (data left out), else
    ``ok`` (a duplicate is counted once, a skipped file is not data)."""
    code = "partial" if source == "unreadable" else "ok"
    detail = "; ".join(str(r.reason) if str(r.reason).startswith(f"{r.file}: ") else
                       f"{r.file}: {r.reason}" for r in g.itertuples())  # fmt: skip
    return {"source": source, "files": len(g), "rows_read": 0, "rows_used": 0,
            "rows_rejected": 0, "rows_replaced": 0, "cells": 0, "derived_cells": 0,
            "reconciles": True, "status": code,
            "status_message": status_message(code, f"{source}: {detail}")}  # fmt: skip


def rejected_reasons(loaded: Loaded, *, width: int = 110) -> pd.DataFrame:
    """Rejected rows grouped by source, column and reason: ``rows`` (distinct rows), the first
    ``file`` and ``row`` as an example, and the ``reason`` (cut to ``width`` characters; values
    quoted in reasons are replaced by ``…`` so that one rule gives one line)."""
    r = loaded.rejected
    cols = ["source", "column", "reason", "rows", "file", "row"]
    if not len(r):
        return pd.DataFrame(columns=cols)
    rule = r["reason"].str.replace(r"^'[^']*'\s*", "… ", regex=True).str.slice(0, width)
    g = r.assign(rule=rule, column=r["column"].fillna("(row)")).groupby(
        ["source", "column", "rule"], sort=False
    )  # fmt: skip
    out = g.agg(rows=("row", "nunique"), file=("file", "first"), row=("row", "first"))
    return out.reset_index().rename(columns={"rule": "reason"})[cols]


def feeds(loaded: Loaded, cells: pd.DataFrame | None = None) -> pd.Series:
    """The feed of each cell: ``source`` plus the file's ``schema`` (``live_center:product``,
    ``tiktok_api:lives``): one source may report one quantity at several grains. ``cells``: a
    selection of ``loaded.cells`` (e.g. one week: its cost does not grow with the history);
    default all of them."""
    files = loaded.files
    cells = loaded.cells if cells is None else cells
    schema = files.set_index("file")["schema"] if "schema" in files else pd.Series(dtype=str)
    sch = cells["file"].map(schema)
    label = cells["source"].astype(str)
    return label.where(sch.isna(), label + ":" + sch.astype(str))


def cross_check(
    loaded: Loaded,
    *,
    column: str,
    channel: str,
    cells: pd.DataFrame | None = None,
    tolerance: float = 0.005,
) -> pd.DataFrame:
    """Daily totals of one count in one channel, per feed, against the median of the feeds.

    Parameters
    ----------
    loaded : Loaded
        The result of ``analysis.read``.
    column : str
        A count or ``revenue``.
    channel : str
        Channel of the cells compared (``LIVE``, ``ALL``, ...).
    cells : pandas.DataFrame, optional
        A selection of ``loaded.cells`` (e.g. one week); default all of them.
    tolerance : float
        Relative difference to the median above which a feed ``differs``.

    Returns
    -------
    pandas.DataFrame
        :data:`CROSS_COLUMNS`: ``date`` (shop-local day), ``channel``, ``column``, ``feed``,
        ``value`` (the feed's daily total), ``reference`` (median of the feeds that report that
        day), ``rel_diff`` = value / reference - 1 (NaN when the feed is alone that day),
        ``sources`` (number of feeds that day), ``method`` (``median of feeds``), ``status``:
        ``ok`` (within ``tolerance``), ``not_reconciled`` (the message gives the difference,
        e.g. ``+4.8 % from the median of feeds``) or ``undefined_no_control`` (a single feed
        reports the day: nothing to compare), and ``status_message``. Feeds whose cells cover a
        range (grain ``range``) are left out: their days are not separable. Revenue in several
        currencies is never summed: each currency is its own feed (``"shopify (EUR)"``).
    """
    check_argument("channel", CHANNELS, channel)
    cells = loaded.cells if cells is None else cells
    feed = feeds(loaded, cells)
    if column == "revenue" and cells["currency"].nunique() > 1:  # never summed across currencies
        feed = feed + " (" + cells["currency"].astype("string").fillna("?") + ")"
    sel = (cells["channel"] == channel) & cells[column].notna() & (cells["grain"] != "range")
    part = cells.loc[sel, ["date", column]].assign(feed=feed[sel])
    if not len(part):
        return pd.DataFrame(columns=list(CROSS_COLUMNS))
    daily = part.groupby(["date", "feed"])[column].sum().astype(float).reset_index(name="value")
    ref = daily.groupby("date")["value"].transform("median")
    n = daily.groupby("date")["value"].transform("size")
    rel = (daily["value"] / ref - 1).where(ref > 0, 0.0).round(6).where(n >= 2)
    out = daily.assign(channel=channel, column=column, reference=ref, rel_diff=rel, sources=n,
                       method="median of feeds")  # fmt: skip
    codes = [_day_status(r, k, tolerance) for r, k in zip(rel, n, strict=True)]
    out["status"] = [code for code, _ in codes]
    out["status_message"] = [status_message(code, detail) for code, detail in codes]
    return out[list(CROSS_COLUMNS)].reset_index(drop=True)


def _day_status(rel: float, feeds: int, tolerance: float) -> tuple[str, str]:
    """``(code, detail)`` of one feed's day: alone, within ``tolerance``, or differing."""
    if feeds < 2:
        return "undefined_no_control", "single source: no other feed reports this day"
    if abs(rel) <= tolerance:
        return "ok", ""
    return "not_reconciled", f"differs: {100 * rel:+.1f} % from the median of feeds"


def cross_summary(checks: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One row per (channel, column, feed) of :func:`cross_check` results.

    Returns
    -------
    pandas.DataFrame
        :data:`CROSS_SUMMARY_COLUMNS`: ``days`` reported, ``days_compared`` (another feed reports
        the day too), ``days_ok``, ``max_abs_rel_diff`` (over the days compared; NaN when none
        was), ``status``: ``ok`` (every day compared agrees), ``not_reconciled`` (the message
        says on how many days it differs) or ``undefined_no_control`` (no day compared: a single
        source), and ``status_message``.
    """
    frames = [c for c in checks if len(c)]
    if not frames:
        return pd.DataFrame(columns=list(CROSS_SUMMARY_COLUMNS))
    c = pd.concat(frames, ignore_index=True)
    c["compared"] = c["sources"] >= 2
    c["ok"] = c["status"].eq("ok")
    g = c.groupby(["channel", "column", "feed"], sort=False)
    out = g.agg(days=("date", "nunique"), days_compared=("compared", "sum"),
                days_ok=("ok", "sum"),
                max_abs_rel_diff=("rel_diff", lambda s: float(s.abs().max()))).reset_index()  # fmt: skip
    codes = [
        _feed_status(k, ok) for k, ok in zip(out["days_compared"], out["days_ok"], strict=True)
    ]
    out["status"] = [code for code, _ in codes]
    out["status_message"] = [status_message(code, detail) for code, detail in codes]
    return out


def _feed_status(compared: int, ok: int) -> tuple[str, str]:
    """``(code, detail)`` of one feed over its days: ``compared`` days, ``ok`` of them agreeing."""
    if compared == 0:
        return "undefined_no_control", "single source: nothing to compare"
    if ok == compared:
        return "ok", f"{compared} days compared"
    return "not_reconciled", f"differs on {compared - ok} of {compared} days compared"


#: columns of :func:`derived_summary`
DERIVED_COLUMNS = ("source", "channel", "cells", "derived_columns", "method")


def derived_summary(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells whose counts the loader derived rather than read (``derived`` True), per source and
    channel: how many, which count columns they fill, and how (``ALL - LIVE``)."""
    d = cells[cells["derived"].fillna(False).astype(bool)]
    rows = []
    for (source, channel), g in d.groupby(["source", "channel"], sort=False):
        filled = [c for c in (*COUNT_COLUMNS, "revenue") if g[c].notna().any()]
        rows.append({"source": source, "channel": channel, "cells": len(g),
                     "derived_columns": ", ".join(filled),
                     "method": "ALL - LIVE (count reported only for All and LIVE)"})  # fmt: skip
    return pd.DataFrame(rows, columns=list(DERIVED_COLUMNS))


#: (channel, column) pairs compared across feeds by notebook 00
CHECKS = (("LIVE", "revenue"), ("LIVE", "atc"), ("LIVE", "orders"), ("ALL", "viewers"),
          ("ALL", "orders"), ("ALL", "revenue"))  # fmt: skip
#: per-file columns shown by notebook 00 (absent ones are left empty)
FILE_COLUMNS = ("file", "source", "schema", "locale", "exported", "rows_read", "rows_used",
                "rows_rejected", "rows_replaced", "cells", "status", "reason")  # fmt: skip


def cross_checks(
    loaded: Loaded,
    *,
    cells: pd.DataFrame | None = None,
    pairs: Sequence[tuple[str, str]] = CHECKS,
    tolerance: float = 0.005,
) -> list[pd.DataFrame]:
    """:func:`cross_check` for each ``(channel, column)`` of ``pairs``."""
    return [cross_check(loaded, column=c, channel=ch, cells=cells, tolerance=tolerance)
            for ch, c in pairs]  # fmt: skip
