"""Find the LIVEs of a switchback schedule in the exports: by slot id, else by creator and start.

A schedule names its LIVEs by ``slot`` (``S001``, ... from ``cartlift plan``), but TikTok's
exports name them their own way: a Room ID in the LIVE list, ``"<creator> sesi <n> <date>"`` for
LIVE Center files (``docs/data-formats.md``). :func:`match_schedule` therefore finds each
scheduled LIVE among the data's LIVEs in two steps:

1. **by id**: a LIVE whose ``content_id`` equals the slot (a schedule whose ``slot`` column was
   filled with the Room IDs, or the kit's simulator);
2. **by creator and start**: for a slot with a planned ``start``, the not yet matched LIVE of the
   same creator (when both name one; handles compared without ``@`` and case) whose start is
   nearest the planned one, within ``tolerance`` (default 2 hours). A LIVE known only to the day
   (LIVE Center Product without its Trend Stat: grain ``range``) matches a slot of the same
   local day. Two LIVEs equally near leave the slot unmatched (ambiguous), never guessed.

Each LIVE is matched at most once; slots are taken in time order. The result keeps the planned
slot (``planned_slot``), puts the matched LIVE's ``content_id`` in ``slot`` (what the analysis
joins on) and says how in ``match`` (:data:`MATCHES`): an unmatched slot keeps its id and counts
as a scheduled LIVE without data. Sub-LIVE rows (``interval``, ``minute`` grains) are not LIVEs.

Reference: ``docs/experiments.md`` (Run), ``docs/data-formats.md`` (switchback schedule).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.vocabulary import SUB_HOUR_GRAINS

__all__ = ["MATCHES", "live_starts", "match_schedule"]

#: how a scheduled slot was found: ``id``, ``start`` (creator and start time), ``none``
MATCHES = ("id", "start", "none")


def _handle(value: object) -> str | None:
    """A creator handle compared loosely: no ``@``, lower case, trimmed; None when empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip().lstrip("@").lower()
    return text or None


def live_starts(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per LIVE of ``cells``: ``content_id``, ``start`` (earliest), ``creator``,
    ``day_only`` (start known to the day: every row of grain ``range``)."""
    keep = (cells["channel"] == "LIVE") & ~cells["grain"].isin(SUB_HOUR_GRAINS)
    live = cells.loc[keep.to_numpy(dtype=bool) & cells["content_id"].notna().to_numpy(dtype=bool)]
    if live.empty:
        return pd.DataFrame(columns=["content_id", "start", "creator", "day_only"])
    grouped = live.assign(
        content_id=live["content_id"].astype(str), ranged=live["grain"] == "range"
    )
    out = grouped.groupby("content_id", sort=False).agg(
        start=("start", "min"), creator=("creator", "first"), day_only=("ranged", "all")
    )
    return out.reset_index()


def _nearest(slot: pd.Series, lives: pd.DataFrame, tolerance: pd.Timedelta) -> str | None:
    """The one LIVE nearest the slot's planned start (same creator when both say), or None."""
    who = _handle(slot.get("creator"))
    same = lives if who is None else lives[lives["who"].isna() | (lives["who"] == who)]
    if same.empty:
        return None
    planned = slot["start"]
    gap = (same["start"] - planned).abs()
    day = same["start"].dt.tz_convert(planned.tz).dt.date == planned.date()
    near = np.where(same["day_only"], day, gap <= tolerance)
    gap = gap.where(~same["day_only"], pd.Timedelta(0))
    candidates = gap[near]
    if candidates.empty or (candidates == candidates.min()).sum() > 1:
        return None  # nothing near, or two equally near: never guessed
    return str(same.loc[candidates.idxmin(), "content_id"])


def match_schedule(
    cells: pd.DataFrame, schedule: pd.DataFrame, *, tolerance: str = "2h"
) -> pd.DataFrame:
    """The schedule with ``slot`` = the matched LIVE's ``content_id`` (module docstring).

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (not modified).
    schedule : pandas.DataFrame
        :func:`analysis.stats.switchback_files.read_schedule`'s frame (not modified).
    tolerance : str
        Largest gap between a LIVE's start and its planned start (a pandas ``Timedelta``).

    Returns
    -------
    pandas.DataFrame
        The schedule's rows and columns in their order, ``slot`` replaced, plus
        ``planned_slot`` and ``match`` (:data:`MATCHES`).
    """
    out = schedule.copy()
    out["planned_slot"] = out["slot"].astype(str)
    lives = live_starts(cells)
    by_id = out["planned_slot"].isin(set(lives["content_id"]))
    out["match"] = np.where(by_id, "id", "none")
    free = lives[~lives["content_id"].isin(set(out.loc[by_id, "planned_slot"]))].copy()
    free["who"] = free["creator"].map(_handle)
    if "start" in out.columns and not free.empty:
        order = out.loc[~by_id & out["start"].notna()].sort_values("start", kind="stable")
        for i, slot in order.iterrows():
            found = _nearest(slot, free, pd.Timedelta(tolerance))
            if found is not None:
                out.loc[i, ["slot", "match"]] = [found, "start"]
                free = free[free["content_id"] != found]
    return out
