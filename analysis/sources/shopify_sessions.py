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
from pathlib import Path

import pandas as pd

from analysis.errors import UnreadableError
from analysis.sources.shopify_csv import problem, require_columns

__all__ = ["REGION_HEADER", "SESSION_COUNTS", "SUMMARY", "TIME_HEADERS", "sessions_cells"]

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
#: the time-slot text of a summary row
SUMMARY = re.compile(r"^\s*(total|totals|summary|grand total)\s*$", re.I)


def sessions_cells(path: Path, rows: pd.DataFrame, header: list[str],
                   tz: str) -> tuple[pd.DataFrame, list[list[int]], list[dict]]:  # fmt: skip
    """The raw cells of a sessions report: one per time slot (and ``Session region``), the rows
    summed into each (``members``, first row first) and the rejected rows' problems.

    Rows broken down by other session dimensions are summed (a session has one value of each);
    a summary (``Total``) row or a row without a date is not a time slot; a count that is not a
    whole number >= 0 rejects its row.
    """
    require_columns(path, header, ["sessions"])
    bad = []
    if "hour" in header:
        grain, when = "hour", rows["hour"].str.strip()
    elif "day" in header and "hour of day" in header:
        grain = "hour"
        hod = pd.to_numeric(rows["hour of day"].str.strip(), errors="coerce")
        ok = hod.between(0, 23) & (hod == hod.round())
        for r, v in zip(rows.loc[~ok, "row"], rows.loc[~ok, "hour of day"], strict=True):
            bad.append(problem(r, "Hour of day", v, f"{v!r} is not an hour 0-23"))
        rows = rows[ok]
        when = rows["day"].str.strip() + " " + hod[ok].astype(int).astype(str).str.zfill(2) + ":00"
    elif "day" in header:
        grain, when = "day", rows["day"].str.strip()
    else:
        raise UnreadableError(f"{path.name}: no time column; export the report by Day or Hour")
    column = "Hour" if grain == "hour" and "hour" in header else "Day"
    summary = when.fillna("").str.match(SUMMARY) | when.fillna("").eq("")
    for r, v in zip(rows.loc[summary, "row"], when[summary], strict=True):
        reason = "summary row (Total): not a time slot" if v else "no date: not a time slot"
        bad.append(problem(r, column, v or None, reason))
    rows, when = rows[~summary], when[~summary]
    counts = {c: n for c, n in SESSION_COUNTS.items() if c in header}
    values = pd.DataFrame({"row": rows["row"], "start": when})
    if REGION_HEADER in header:
        values["region"] = rows[REGION_HEADER].str.strip().replace("", pd.NA)
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
    keys = ["start", *(["region"] if "region" in values else [])]
    grouped = values.groupby(keys, dropna=False, sort=False)
    raw = grouped[list(counts.values())].sum(min_count=1).reset_index()
    members = grouped["row"].agg(list).reset_index(drop=True).tolist()
    raw = raw.assign(grain=grain, channel="WEB", unit="session")
    return raw, members, bad
