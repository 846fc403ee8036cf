"""TikTok Shop LIVE list export (``Creator-Live-Performance_YYYYMMDDHHMMSS.xlsx``), schemas v1-v3.

Layouts (``docs/data-formats.md`` §1.2):

- **v1** (until ~Apr 2026): sheet ``Sheet1``, A1 = ``YYYY-MM-DD ~ YYYY-MM-DD``, a blank row, the
  header (``Livestream | Start time | Duration | Gross revenue | Direct GMV | ... | Views |
  Viewers | ...``), data. Durations in seconds.
- **v2** (May 2026+): same frame, ``Attributed GMV``, ``Attributed orders``, no ``Viewers``.
- **v3**: sheet ``performance_detail``, ``Room ID`` and ``Room Title``, ``Start Time`` with
  seconds, ``Duration`` like ``3h58m``, rates as ``6.62%``.

Users choose the columns: any subset loads as long as the start time, the LIVE's identity
(``Room ID``, its title, or its creator in the older ID-market list) and one count are there. The header is searched in the first rows, in
any sheet (``performance_detail`` first). One row = one LIVE session = one cell: channel
``LIVE``, grain ``session``, ``start`` = the shop-local start (so ``hour`` is the start hour),
``unit`` ``visitor``.

Canonical columns filled: ``content_id`` (Room ID; v1/v2 have none, so it is the synthetic key
``"<title or creator> @ YYYY-MM-DD HH:MM"``, which tells LIVEs apart and lets analyses cluster by LIVE),
``content_title``, ``creator`` (when a column
names it), ``views``, ``viewers`` (v1 ``Viewers``: people who entered the room), ``impressions``
and ``clicks`` (product impressions / clicks), ``orders`` (``Orders paid for`` /
``Attributed orders``), ``items``, ``revenue`` (``Direct GMV`` / ``Attributed GMV``) and
``currency``. There is **no add-to-cart** in this export: ``atc`` is NA.

Rejected rows (file, row, column, reason): a negative duration (the LIVE was still running when
exported), totals / repeated header / description rows, unparseable numbers or times, an id that
went through a float, and everything :func:`analysis.cells.split_cells` refuses (naive time
without ``tz``, DST gap or overlap, negative counts, duplicates).

Overlapping exports: :func:`dedupe` keeps, for each LIVE (same Room ID, or same title and start
minute), the row of the most recent export (export timestamp of the file name, else the end of the
title row's date range, else the later file name) and lists the others in ``replaced``.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from analysis.sources.base import Loaded
from analysis.sources.headers import HeaderMatch
from analysis.sources.identity import compatible, tell_apart
from analysis.sources.matching import Match, header_match
from analysis.sources.rows import (
    FAILED,
    Rows,
    check_id,
    conventions,
    parse_counts,
    parse_or_reject,
)
from analysis.sources.sheets import TABLE_SUFFIXES, read_sheets
from analysis.sources.tables import data_rows, find_header, open_table
from analysis.sources.times import parse_duration, parse_time

__all__ = [
    "COUNTS",
    "FAMILY",
    "FILE_STAMP",
    "NAME",
    "TITLE_RANGE",
    "V3_SHEET",
    "dedupe",
    "detect",
    "match",
    "export_time",
    "read",
    "schema_version",
]

NAME = "tiktok_live_list"
FAMILY = "live_list"
V3_SHEET = "performance_detail"
COUNTS = ("views", "viewers", "impressions", "clicks", "orders", "items")
FILE_STAMP = re.compile(r"(\d{14})")
TITLE_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\s*~\s*(\d{4}-\d{2}-\d{2})")


def _accept(m: HeaderMatch, i: int) -> bool:
    return (
        "start_time" in m.columns
        and any(c in m.columns for c in ("title", "room_id", "creator"))
        and any(c in m.columns for c in (*COUNTS, "revenue"))
    )


def _locate(path: Path):
    sheets = sorted(read_sheets(path), key=lambda s: s.name != V3_SHEET)
    for sheet in sheets:
        found = find_header(sheet, FAMILY, _accept)
        if found is not None:
            return sheet, *found
    return None


def detect(path: Path) -> bool:
    """A spreadsheet with a LIVE list header (start time, LIVE identity, a count) in its first
    rows."""
    return match(path) is not None


def match(path: Path) -> Match | None:
    """The header cells this loader recognises (:mod:`analysis.sources.matching`)."""
    return header_match(NAME, path, _locate, TABLE_SUFFIXES)


def schema_version(sheet_name: str, match: HeaderMatch) -> str:
    """``v3`` (Room ID / sheet performance_detail), ``v1`` (Gross revenue, Viewers, Direct GMV or
    Orders paid for), else ``v2``."""
    labels = {v.casefold() for v in match.labels.values()}
    if sheet_name == V3_SHEET or "room_id" in match.columns:
        return "v3"
    if "gross_revenue" in match.columns or "viewers" in match.columns or labels & {
        "direct gmv", "orders paid for"}:  # fmt: skip
        return "v1"
    return "v2"


def export_time(path: Path, sheet, header_index: int) -> pd.Timestamp:
    """When the file was exported: the ``YYYYMMDDHHMMSS`` stamp of its name, else the end of the
    title row's date range (end of that day), else NaT."""
    m = FILE_STAMP.search(Path(path).stem)
    if m:
        try:
            return pd.Timestamp(datetime.strptime(m[1], "%Y%m%d%H%M%S"))
        except ValueError:
            pass
    for row in sheet.rows[:header_index]:
        for cell in row:
            if cell and (r := TITLE_RANGE.search(str(cell))):
                return pd.Timestamp(r[2]) + pd.Timedelta(hours=23, minutes=59, seconds=59)
    return pd.NaT


def read(path: Path, *, tz: str | None) -> Loaded:
    """Read one LIVE list export into session cells (see the module docstring).

    Raises
    ------
    analysis.sources.xlsx.UnreadableError
        Empty file, not a spreadsheet, or no LIVE list header in the first 30 rows of any sheet;
        or a needed column named twice.
    """
    path = Path(path)
    sheet, h, match = open_table(path, _locate(path), tz=tz, missing=(
        "no LIVE list header found in the first rows of any sheet (needs a start time, "
        "'Room ID' or 'Livestream', and a count column)"))  # fmt: skip
    conv = conventions(sheet, h, match, dates=("start_time", "end_time"))
    rows = Rows(NAME, path.name, labels=_labels(match))
    durations: dict[int, float | None] = {}
    for row in data_rows(sheet, h, match, numeric=(*COUNTS, "revenue", "duration")):
        if row.kind != "data":
            rows.reject_row(row)
            continue
        rows.seen(row.number)
        cell = _session(rows, row, match, conv)
        if cell is not None:
            durations[row.number] = cell.pop("_duration")
            rows.add(row.number, **cell)
    flagged = tell_apart(rows.raw, durations, source=NAME, file=path.name)  # same title + start
    extra = {"schema": schema_version(sheet.name, match), "locale": match.locale,
             "exported": export_time(path, sheet, h)}  # fmt: skip
    result = rows.finish(tz=tz, extra=extra)
    flagged = flagged[flagged["row"].isin(result.cells["row"])]  # warnings on rows kept only
    result.flagged = pd.concat([result.flagged, flagged.astype(result.flagged.dtypes.to_dict())],
                               ignore_index=True) if len(flagged) else result.flagged  # fmt: skip
    return result


def _labels(match: HeaderMatch) -> dict[str, str]:
    names = {"start": "start_time", "content_id": "room_id", "content_title": "title"}
    out = {c: match.labels[f] for c, f in names.items() if f in match.labels}
    out.update({c: match.labels[c] for c in (*COUNTS, "revenue") if c in match.labels})
    return out


def _session(rows: Rows, row, match: HeaderMatch, conv) -> dict | None:
    ok, duration = True, None
    start = parse_or_reject(rows, row.number, match.labels["start_time"],
                            row.get(match, "start_time"), parse_time,
                            date_order=conv.date_order)  # fmt: skip
    if start is FAILED:
        ok = False
    elif start is None:
        rows.reject(row.number, match.labels["start_time"], None,
                    "is empty; every LIVE needs its start time")  # fmt: skip
        ok = False
    if "duration" in match.columns:
        duration = parse_or_reject(rows, row.number, match.labels["duration"],
                                   row.get(match, "duration"), parse_duration)  # fmt: skip
        if duration is FAILED:
            ok = False
        elif duration is not None and duration < 0:
            rows.reject(row.number, match.labels["duration"], row.get(match, "duration"),
                        "is negative: the LIVE was still running when the file was exported "
                        "(ongoing LIVE); export again after it ends")  # fmt: skip
            ok = False
    if "end_time" in match.columns:
        end = parse_or_reject(rows, row.number, match.labels["end_time"],
                              row.get(match, "end_time"), parse_time,
                              date_order=conv.date_order)  # fmt: skip
        if end is FAILED:
            ok = False
        elif end is None and row.get(match, "end_time") is not None:
            pass
    room = check_id(rows, row, match, "room_id") if "room_id" in match.columns else None
    ok &= room is not FAILED
    counts = parse_counts(rows, row, match, conv, COUNTS)
    if counts is None or not ok:
        return None
    title = row.get(match, "title")
    creator = row.get(match, "creator")
    name = next((x.strip() for x in (title, creator) if x is not None and x.strip()), None)
    if room is None and name is None:
        rows.reject(row.number, match.labels.get("title", "Livestream"), None,
                    "the LIVE has no Room ID, title or creator; it cannot be told apart")  # fmt: skip
        return None
    if room is None:  # v1/v2: no Room ID; the LIVE is its title (or creator) and start minute
        room = f"{name} @ {start:%Y-%m-%d %H:%M}"
    return {
        "start": start.isoformat(sep=" "),
        "grain": "session",
        "channel": "LIVE",
        "content_id": room,
        "content_title": title,
        "creator": creator,
        "unit": "visitor",
        "_duration": duration,  # popped by read: tells apart LIVEs with one title and start
        **counts,
    }


# ------------------------------------------------------------------------------------------------
# Overlapping exports
# ------------------------------------------------------------------------------------------------
def dedupe(loaded: Loaded) -> Loaded:
    """Keep the most recent export of each LIVE; list the superseded rows in ``replaced``.

    Two cells are the same LIVE when they share a Room ID, or the same title and start minute
    unless :func:`analysis.sources.identity.compatible` tells them apart (two Room IDs, two
    creators, or two durations in one file).
    Files are ordered by ``exported`` (file-name stamp, else the title row's range end; unknown
    = oldest), then by file name. Only cells of this source are touched; ``files`` counts are
    updated (``rows_used``, ``rows_replaced``, ``cells``).
    """
    cells = loaded.cells
    mine = cells.index[cells["source"] == NAME]
    if len(mine) < 2:
        return loaded
    files = loaded.files
    order = files.loc[files["source"] == NAME, ["file"]].copy()
    stamp = files.loc[files["source"] == NAME, "exported"] if "exported" in files else pd.NaT
    order["exported"] = pd.to_datetime(stamp).fillna(pd.Timestamp.min)
    order = order.sort_values(["exported", "file"]).reset_index(drop=True)
    rank = {f: i for i, f in enumerate(order["file"])}
    sub = cells.loc[mine]
    group = _groups(sub)
    replaced = []
    drop = []
    for _, idx in group.groupby(group).groups.items():
        if len(idx) < 2:
            continue
        part = sub.loc[idx]
        newest = max(part["file"], key=lambda f: rank.get(f, -1))
        keep = part[part["file"] == newest]
        winner = keep.iloc[0]
        for i, r in part[part["file"] != newest].iterrows():
            changed = any(  # numbers both exports report (v1 has Viewers, v3 has not)
                pd.notna(r[c]) and pd.notna(winner[c]) and r[c] != winner[c]
                for c in (*COUNTS, "revenue")
            )
            key = winner["content_id"] if pd.notna(winner["content_id"]) else (
                f"{winner['content_title']} @ {winner['start']:%Y-%m-%d %H:%M}")  # fmt: skip
            replaced.append({"source": NAME, "file": r["file"], "row": r["row"],
                             "by_file": winner["file"], "by_row": winner["row"],
                             "key": str(key), "changed": changed})  # fmt: skip
            drop.append(i)
    if not drop:
        return loaded
    new_cells = cells.drop(index=drop).reset_index(drop=True)
    rep = pd.DataFrame(replaced)
    rep = rep.astype({"row": "Int64", "by_row": "Int64", "changed": "boolean"})
    for c in ("source", "file", "by_file", "key"):
        rep[c] = rep[c].astype("string")
    all_rep = pd.concat([loaded.replaced, rep], ignore_index=True) if len(loaded.replaced) else rep
    files = files.copy()
    for j, f in files.iterrows():
        if f["source"] != NAME:
            continue
        fc = new_cells[(new_cells["source"] == NAME) & (new_cells["file"] == f["file"])]
        files.loc[j, "rows_used"] = fc["row"].nunique()
        files.loc[j, "cells"] = len(fc)
        files.loc[j, "rows_replaced"] = rep.loc[rep["file"] == f["file"], "row"].nunique()
    return Loaded(cells=new_cells, rejected=loaded.rejected, replaced=all_rep, files=files)


def _groups(sub: pd.DataFrame) -> pd.Series:
    """Connected groups of cells sharing a room id or (title, start minute) (union-find)."""
    parent = {i: i for i in sub.index}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    keys = [
        sub["content_id"].where(sub["content_id"].notna(), None),
        (sub["content_title"].astype("string") + " @ "
         + sub["start"].dt.strftime("%Y-%m-%d %H:%M").astype("string")),
    ]  # fmt: skip
    for n, key in enumerate(keys):
        seen: dict = {}
        for i, k in key.items():
            if k is None or pd.isna(k):
                continue
            for j in seen.setdefault(k, []):  # title + start: not two different LIVEs
                if n == 0 or compatible(sub.loc[i], sub.loc[j]):
                    parent[find(i)] = find(j)
            seen[k].append(i)
    return pd.Series({i: find(i) for i in sub.index})
