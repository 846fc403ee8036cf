"""A LIVE's minutes: the minute cells, their time resolution, the events placed on them and the
placebo minutes the event study compares with (:mod:`analysis.analyses.live_moments`).

Minute cells are the ``LIVE`` cells of grain ``minute`` (the per-minute API) or ``interval``
(LIVE Center Trend Stat rows); a LIVE read from both keeps its ``minute`` cells. The *step* of a
LIVE is the median gap between its consecutive cells, in whole minutes (1 for the API; the
Trend Stat interval length otherwise), and an interval's counts sit at its start minute.
An event is placed at the start of the cell it falls in (``start <= time < start + step``).
Rules: ``docs/metrics.md``, "Moments inside a LIVE"; events table: ``docs/data-formats.md``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import EventsError, UnreadableError
from analysis.paths import resolve_data
from analysis.sources.events_table import FILE_NAME, read_events
from analysis.vocabulary import SUB_HOUR_GRAINS

__all__ = ["EVENTS_FILE", "MATCH_TOLERANCE", "minute_cells", "open_moments", "place_events",
           "placebo_minutes", "time_resolution"]  # fmt: skip

#: the events table's name in the data folder (read when no other file is given)
EVENTS_FILE = FILE_NAME

#: an events row given by creator + live_start matches a LIVE starting at most this far apart
MATCH_TOLERANCE = pd.Timedelta(minutes=10)
_KEEP = ["content_id", "creator", "start", "grain", "viewers", "clicks", "orders"]


def minute_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The LIVE cells finer than an hour, one LIVE at one grain (``minute`` preferred), summed
    per LIVE and start; ``viewers``, ``clicks``, ``orders`` as floats (missing = 0)."""
    sel = (cells["channel"] == "LIVE") & cells["grain"].isin(SUB_HOUR_GRAINS)
    sel &= cells["content_id"].notna()
    fine = cells.loc[sel.fillna(False).to_numpy(dtype=bool), _KEEP].copy()
    if fine.empty:
        return fine.assign(step=pd.Series(dtype=float))
    has_minute = fine.groupby("content_id")["grain"].transform(lambda g: (g == "minute").any())
    fine = fine[(fine["grain"] == "minute") | ~has_minute.astype(bool)]
    for c in ("viewers", "clicks", "orders"):
        fine[c] = fine[c].astype("Float64").fillna(0).astype(float)
    out = fine.groupby(["content_id", "start"], as_index=False).agg(
        creator=("creator", "first"), grain=("grain", "first"), viewers=("viewers", "sum"),
        clicks=("clicks", "sum"), orders=("orders", "sum"),
    )  # fmt: skip
    steps = time_resolution(out).set_index("content_id")["step_minutes"]
    return out.assign(step=out["content_id"].map(steps)).sort_values(["content_id", "start"])


def time_resolution(minutes: pd.DataFrame) -> pd.DataFrame:
    """One row per LIVE: ``content_id``, ``grain``, ``step_minutes`` (median gap between its
    cells, whole minutes, at least 1), ``first`` (first cell start), ``end`` (last start + step),
    ``cells``."""
    rows = []
    for live, one in minutes.groupby("content_id", sort=True):
        s = one["start"].sort_values()
        gaps = s.diff().dropna().dt.total_seconds() / 60
        step = max(1, int(round(float(gaps.median())))) if len(gaps) else 1
        rows.append({"content_id": live, "grain": one["grain"].iloc[0], "step_minutes": step,
                     "first": s.iloc[0], "end": s.iloc[-1] + pd.Timedelta(minutes=step),
                     "cells": len(s)})  # fmt: skip
    cols = ["content_id", "grain", "step_minutes", "first", "end", "cells"]
    return pd.DataFrame(rows, columns=cols)


def _live_of(e, lives: pd.DataFrame, creators: pd.Series) -> tuple[str | None, str]:
    """The LIVE of events row ``e`` and, when none, why."""
    if pd.notna(e.live_id):
        found = str(e.live_id) in set(lives["content_id"])
        return (str(e.live_id), "") if found else (None, f"no minute cells of LIVE {e.live_id}")
    tz = lives["first"].dt.tz
    start = pd.Timestamp(e.live_start).tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    mine = lives[(creators == e.creator).to_numpy(dtype=bool)]
    near = mine[(mine["first"] - start).abs() <= MATCH_TOLERANCE]
    if len(near) == 1:
        return str(near["content_id"].iloc[0]), ""
    what = "no" if near.empty else f"{len(near)}"
    return None, (
        f"{what} LIVE(s) of {e.creator} with minute cells start within "
        f"{int(MATCH_TOLERANCE.total_seconds() // 60)} min of {e.live_start}"
    )


def place_events(minutes: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Each event on its LIVE's minute cells.

    Returns
    -------
    pandas.DataFrame
        The events' ``file``, ``row``, ``type``, ``note``, then ``content_id``, ``time`` (the
        event's time, tz-aware), ``at`` (start of the cell it falls in), ``step_minutes``,
        ``placed`` (bool) and ``reason`` (why not placed; empty when placed).
    """
    lives = time_resolution(minutes)
    creators = lives["content_id"].map(minutes.groupby("content_id")["creator"].first())
    info_of = lives.set_index("content_id")
    starts = {k: g["start"].reset_index(drop=True) for k, g in minutes.groupby("content_id")}
    out = []
    for e in events.itertuples(index=False):
        row = {"file": e.file, "row": e.row, "type": e.type, "note": e.note,
               "content_id": None, "time": pd.NaT, "at": pd.NaT, "step_minutes": np.nan,
               "placed": False, "reason": ""}  # fmt: skip
        live, why = _live_of(e, lives, creators)
        if live is None:
            out.append({**row, "reason": why})
            continue
        info = info_of.loc[live]
        when = _event_time(e, info["first"])
        cell = starts[live][starts[live] <= when]
        step = pd.Timedelta(minutes=int(info["step_minutes"]))
        ok = len(cell) and when < cell.iloc[-1] + step
        out.append({**row, "content_id": live, "time": when,
                    "at": cell.iloc[-1] if ok else pd.NaT,
                    "step_minutes": info["step_minutes"], "placed": bool(ok),
                    "reason": "" if ok else f"{when} is outside the minutes of LIVE {live}"})  # fmt: skip
    cols = ["file", "row", "type", "note", "content_id", "time", "at", "step_minutes", "placed",
            "reason"]  # fmt: skip
    return pd.DataFrame(out, columns=cols)


def _event_time(e, first: pd.Timestamp) -> pd.Timestamp:
    """``minute`` after the LIVE's first minute, else the clock ``time`` on the LIVE's day (the
    next day when earlier than the start: a LIVE past midnight)."""
    if pd.notna(e.minute):
        return first + pd.Timedelta(minutes=int(e.minute))
    hh, mm = (int(x) for x in str(e.time).split(":"))
    when = first.normalize() + pd.Timedelta(hours=hh, minutes=mm)
    return when + pd.Timedelta(days=1) if when < first else when


def placebo_minutes(minutes: pd.DataFrame, placed: pd.DataFrame, *, before: int, after: int,
                    per_event: int, seed: int) -> pd.DataFrame:  # fmt: skip
    """Random non-event minutes of the LIVEs with events, ``per_event`` per placed event,
    seeded: cell starts whose window ``-before ... +after`` lies inside the LIVE and that are
    not within ``-before ... +after`` minutes of an event (draws without replacement; fewer when
    the LIVE has fewer such minutes). Columns ``content_id``, ``at``, ``step_minutes``."""
    rng = np.random.default_rng(seed)
    rows = []
    ok = placed[placed["placed"].astype(bool)]
    for live, evs in ok.groupby("content_id", sort=True):
        one = minutes[minutes["content_id"] == live]
        s = one["start"]
        lo, hi = s.min() + pd.Timedelta(minutes=before), s.max() - pd.Timedelta(minutes=after)
        free = (s >= lo) & (s <= hi)
        for at in evs["at"]:
            rel = (s - at).dt.total_seconds() / 60
            free &= ~((rel >= -before) & (rel <= after))
        pool = s[free.to_numpy(dtype=bool)].tolist()
        take = min(len(pool), per_event * len(evs))
        picks = rng.choice(len(pool), size=take, replace=False) if take else []
        step = evs["step_minutes"].iloc[0]
        rows += [{"content_id": live, "at": pool[i], "step_minutes": step} for i in sorted(picks)]
    return pd.DataFrame(rows, columns=["content_id", "at", "step_minutes"])


def open_moments(cells: pd.DataFrame, events: str | Path, *, data: str | Path
                 ) -> tuple[pd.DataFrame | None, str | None, str]:  # fmt: skip
    """The events table of the moments page, or why the page cannot answer.

    ``events``: the table's path; empty: :data:`EVENTS_FILE` in the ``data`` folder (relative
    paths from the project root, :func:`analysis.paths.resolve_data`).

    Returns
    -------
    (events, why, detail)
        ``why`` is None, or ``no_minutes`` (no LIVE cell of grain ``minute`` / ``interval``),
        ``no_events`` (no events table, or an empty one; ``detail`` its file name) or
        ``unreadable`` (``detail`` the :class:`~analysis.errors.EventsError` message).
    """
    if minute_cells(cells).empty:
        return None, "no_minutes", ""
    path = resolve_data(events) if str(events) else resolve_data(data) / EVENTS_FILE
    if not path.is_file():
        return None, "no_events", path.name
    try:
        table = read_events(path)
    except (EventsError, UnreadableError) as err:
        return None, "unreadable", str(err)
    return (table, None, "") if len(table) else (None, "no_events", path.name)
