"""What a load did, per source, and whether sources that count the same thing agree.

Used by ``notebooks/00_data_quality.ipynb``. Every function takes an
:class:`analysis.sources.base.Loaded` (``analysis.read(...)``) or its cells first and returns a
new tidy frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.cells import COUNT_COLUMNS
from analysis.sources.base import Loaded
from analysis.vocabulary import CHANNELS, check_argument

#: columns of :func:`source_summary`
SUMMARY_COLUMNS = ("source", "files", "rows_read", "rows_used", "rows_rejected", "rows_replaced",
                   "cells", "derived_cells", "reconciles", "status")  # fmt: skip
#: columns of :func:`cross_check`
CROSS_COLUMNS = ("date", "channel", "column", "feed", "value", "reference", "rel_diff", "sources",
                 "method", "status")  # fmt: skip


def source_summary(loaded: Loaded) -> pd.DataFrame:
    """One row per source: files, rows read / used / rejected / replaced, cells, derived cells.

    ``reconciles`` is ``rows_read == rows_used + rows_rejected + rows_replaced`` for every file
    of the source; ``status`` says ``ok`` or which files do not reconcile. Files of a folder
    that no loader recognised appear as source ``skipped`` (0 rows).
    """
    f = loaded.files.copy()
    f["ok"] = f["rows_read"] == f["rows_used"] + f["rows_rejected"] + f["rows_replaced"]
    derived = loaded.cells.groupby("source")["derived"].sum() if len(loaded.cells) else {}
    rows = []
    for source, g in f.groupby("source", sort=False):
        bad = g.loc[~g["ok"], "file"].tolist()
        rows.append({
            "source": source, "files": len(g), "rows_read": int(g["rows_read"].sum()),
            "rows_used": int(g["rows_used"].sum()), "rows_rejected": int(g["rows_rejected"].sum()),
            "rows_replaced": int(g["rows_replaced"].sum()), "cells": int(g["cells"].sum()),
            "derived_cells": int(derived.get(source, 0)) if len(derived) else 0,
            "reconciles": not bad,
            "status": "ok" if not bad else f"rows do not reconcile in: {', '.join(bad)}",
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


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


def feeds(loaded: Loaded) -> pd.Series:
    """The feed of each cell: ``source`` plus the file's ``schema`` (``live_center:product``,
    ``tiktok_api:lives``): one source may report one quantity at several grains."""
    files = loaded.files
    schema = files.set_index("file")["schema"] if "schema" in files else pd.Series(dtype=str)
    sch = loaded.cells["file"].map(schema)
    label = loaded.cells["source"].astype(str)
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
        day), ``rel_diff`` = value / reference - 1, ``sources`` (number of feeds that day),
        ``method`` (``median of feeds``), ``status``: ``ok``, ``differs: +x.x % from the median
        of feeds`` or ``single source: nothing to compare``. Feeds whose cells cover a range
        (grain ``range``) are left out: their days are not separable.
    """
    check_argument("channel", CHANNELS, channel)
    cells = loaded.cells if cells is None else cells
    feed = feeds(loaded).reindex(cells.index)
    sel = (cells["channel"] == channel) & cells[column].notna() & (cells["grain"] != "range")
    part = cells.loc[sel, ["date", column]].assign(feed=feed[sel])
    if not len(part):
        return pd.DataFrame(columns=list(CROSS_COLUMNS))
    daily = part.groupby(["date", "feed"])[column].sum().astype(float).reset_index(name="value")
    ref = daily.groupby("date")["value"].transform("median")
    n = daily.groupby("date")["value"].transform("size")
    rel = (daily["value"] / ref - 1).where(ref > 0, 0.0).round(6)

    def status(r, k):
        if k < 2:
            return "single source: nothing to compare"
        return (
            "ok" if abs(r) <= tolerance else f"differs: {100 * r:+.1f} % from the median of feeds"
        )

    out = daily.assign(channel=channel, column=column, reference=ref, rel_diff=rel, sources=n,
                       method="median of feeds")  # fmt: skip
    out["status"] = [status(r, k) for r, k in zip(rel, n, strict=True)]
    return out[list(CROSS_COLUMNS)].reset_index(drop=True)


def cross_summary(checks: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One row per (channel, column, feed) of :func:`cross_check` results: ``days`` reported,
    ``days_compared`` (another feed reports the day too), ``days_ok``, ``max_abs_rel_diff`` and a
    ``status`` (``ok``, ``differs on k of n days compared``, ``single source: nothing to
    compare``)."""
    frames = [c for c in checks if len(c)]
    if not frames:
        return pd.DataFrame(columns=["channel", "column", "feed", "days", "days_compared",
                                     "days_ok", "max_abs_rel_diff", "status"])  # fmt: skip
    c = pd.concat(frames, ignore_index=True)
    c["compared"] = c["sources"] >= 2
    c["ok"] = c["status"].eq("ok")
    g = c.groupby(["channel", "column", "feed"], sort=False)
    out = g.agg(days=("date", "nunique"), days_compared=("compared", "sum"),
                days_ok=("ok", "sum"),
                max_abs_rel_diff=("rel_diff", lambda s: float(s.abs().max()))).reset_index()  # fmt: skip
    out["status"] = [
        "single source: nothing to compare" if k == 0
        else ("ok" if ok == k else f"differs on {k - ok} of {k} days compared")
        for k, ok in zip(out["days_compared"], out["days_ok"], strict=True)
    ]  # fmt: skip
    return out


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
                "rows_rejected", "rows_replaced", "cells")  # fmt: skip


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
