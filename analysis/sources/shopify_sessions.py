"""Shopify sessions report (Analytics -> Reports -> Sessions / conversion, or a ShopifyQL
``FROM sessions ... TIMESERIES hour`` result) -> raw ``WEB`` session cells.

One row per day (``Day``) or hour (``Hour``, or ``Day`` + ``Hour of day``), optionally broken
down by other session dimensions: ``viewers`` = ``Sessions``, ``atc`` = ``Sessions with cart
additions``, ``checkouts`` = ``Sessions that reached checkout``, ``orders`` = ``Sessions that
completed checkout`` (``docs/data-formats.md``, Shopify). Validation and the rejected table:
:mod:`analysis.sources.shopify`.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd

from analysis.errors import UnreadableError
from analysis.sources.shopify_breakdown import breakdown_columns, is_dimension
from analysis.sources.shopify_csv import problem, require_columns

__all__ = ["DEVICE_HEADER", "KNOWN_HEADERS", "METRICS", "REGION_HEADER", "SESSION_COUNTS", "SUMMARY",
           "TIME_HEADERS", "is_known_header", "is_sessions_header", "sessions_cells"]  # fmt: skip

#: sessions-report header (normalised: lower case, ``_`` as space) -> canonical count
SESSION_COUNTS = {
    "sessions": "viewers",
    "sessions with cart additions": "atc",
    "sessions that reached checkout": "checkouts",
    "sessions that completed checkout": "orders",
}
#: headers naming the time slot of a sessions-report row
TIME_HEADERS = ("day", "hour", "hour of day")
REGION_HEADER = "session region"
DEVICE_HEADER = "session device type"
#: other metric headers of sessions reports (rates and averages: never read, rebuilt from counts)
METRICS = frozenset({
    "online store visitors", "conversion rate", "added to cart rate", "reached checkout rate",
    "completed checkout rate", "bounce rate", "average session duration", "pageviews",
    "pageviews per session", "sessions converted", "new sessions", "returning sessions",
    "bounced sessions", "sessions with product views", "product views",
})  # fmt: skip
#: every header a sessions report may carry, other than dimensions (see ``is_known_header``)
KNOWN_HEADERS = frozenset({*TIME_HEADERS, *SESSION_COUNTS, *METRICS})
#: the time-slot text of a summary row
SUMMARY = re.compile(r"^\s*(total|totals|summary|grand total)\s*$", re.I)


def is_known_header(header: str) -> bool:
    """Whether a normalised header is one of Shopify's sessions-report headers (time, counts,
    metrics, dimensions): the detection score of :mod:`analysis.sources.shopify`."""
    return (header in TIME_HEADERS or header in SESSION_COUNTS or header in METRICS
            or is_dimension(header, SESSION_COUNTS))  # fmt: skip


def is_sessions_header(header: list[str]) -> bool:
    """A sessions report: ``Sessions`` and a time column, a dimension or another session count."""
    return "sessions" in header and any(
        h in TIME_HEADERS or (h in SESSION_COUNTS and h != "sessions")
        or is_dimension(h, SESSION_COUNTS) for h in header
    )  # fmt: skip


def sessions_cells(path: Path, rows: pd.DataFrame, header: list[str], tz: str, *,
                   period: tuple[date, date] | None = None, labels: dict[str, str] | None = None,
                   ) -> tuple[pd.DataFrame, list[list[int]], list[dict]]:  # fmt: skip
    """The raw cells of a sessions report, the rows summed into each (``members``, first row
    first) and the rejected rows' problems.

    With a time column: one cell per time slot (and ``Session region``, ``Session device
    type``); rows broken down by other session dimensions are summed (a session has one value
    of each). Without one (a
    report by landing page, device, referrer, ...): one cell per row for ``period``, its
    breakdown kept (:mod:`analysis.sources.shopify_breakdown`). A summary (``Total``) row or a
    row without a date is not a cell; a count that is not a whole number >= 0 rejects its row.
    """
    require_columns(path, header, ["sessions"])
    bad: list[dict] = []
    grain, when, rows, column = _slots(path, rows, header, period, bad)
    summary = when.fillna("").str.match(SUMMARY) | when.fillna("").eq("")
    for r, v in zip(rows.loc[summary, "row"], when[summary], strict=True):
        reason = "summary row (Total): not a time slot" if v else "no date: not a time slot"
        bad.append(problem(r, column, v or None, reason))
    rows, when = rows[~summary], when[~summary]
    counts = {c: n for c, n in SESSION_COUNTS.items() if c in header}
    values = pd.DataFrame({"row": rows["row"], "start": when})
    if period is not None:
        values["start"] = period[0].isoformat() + " 00:00"
        values = pd.concat([values, breakdown_columns(rows, header, labels or {}, counts)], axis=1)
        values["line"] = rows["row"]  # one cell per row
    else:  # the audience segments are kept; other dimensions are summed
        for h, column in ((REGION_HEADER, "region"), (DEVICE_HEADER, "device")):
            if h in header:
                values[column] = rows[h].str.strip().replace("", pd.NA)
    numbers = pd.DataFrame(index=rows.index)
    for c, n in counts.items():
        text = rows[c].str.strip().str.replace(r"[\s,\u00a0\u202f]", "", regex=True)
        num = pd.to_numeric(text.replace("", pd.NA), errors="coerce")
        wrong = text.notna() & (text != "") & (num.isna() | (num < 0) | (num != num.round()))
        for r, v in zip(rows.loc[wrong, "row"], rows.loc[wrong, c], strict=True):
            bad.append(problem(r, c, v, f"{v!r} is not a count (a whole number >= 0)"))
        numbers[n] = num
    wrong_rows = rows["row"].isin([b["row"] for b in bad])
    values = pd.concat([values, numbers], axis=1)[~wrong_rows.to_numpy()]
    keys = [c for c in values.columns if c not in ("row", *counts.values())]
    grouped = values.groupby(keys, dropna=False, sort=False)
    raw = grouped[list(counts.values())].sum(min_count=1).reset_index()
    members = grouped["row"].agg(list).reset_index(drop=True).tolist()
    raw = raw.drop(columns=["line"], errors="ignore")
    raw = raw.assign(grain=grain, channel="WEB", unit="session")
    return raw, members, bad


def _slots(path: Path, rows: pd.DataFrame, header: list[str], period, bad: list[dict]):
    """``(grain, slot text per row, rows kept, header of the slot column)``; rows with an hour
    of day out of 0-23 are rejected into ``bad``. Without a time column the slot text is the
    first dimension's value (a ``Total`` there marks the summary row)."""
    if "hour" in header:
        return "hour", rows["hour"].str.strip(), rows, "Hour"
    if "day" in header and "hour of day" in header:
        hod = pd.to_numeric(rows["hour of day"].str.strip(), errors="coerce")
        ok = hod.between(0, 23) & (hod == hod.round())
        for r, v in zip(rows.loc[~ok, "row"], rows.loc[~ok, "hour of day"], strict=True):
            bad.append(problem(r, "Hour of day", v, f"{v!r} is not an hour 0-23"))
        rows = rows[ok]
        when = rows["day"].str.strip() + " " + hod[ok].astype(int).astype(str).str.zfill(2) + ":00"
        return "hour", when, rows, "Day"
    if "day" in header:
        return "day", rows["day"].str.strip(), rows, "Day"
    dims = [h for h in header if is_dimension(h, SESSION_COUNTS)]
    if period is None or not dims:
        raise UnreadableError(f"{path.name}: no time column and no breakdown column; export "
                              "the report by Day or Hour")  # fmt: skip
    grain = "day" if period[0] == period[1] else "range"
    # a row with every dimension empty is kept: the summary test looks at non-empty text only
    first = rows[dims].fillna("").agg(" ".join, axis=1).str.strip().replace("", "(not set)")
    return grain, first, rows, dims[0]
