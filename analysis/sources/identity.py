"""Which rows are the same LIVE (``docs/data-formats.md``, "LIVE identity"; reference §7.3 rule 6).

A LIVE is its Room ID; without one (LIVE list v1/v2) its title (or creator) and start minute,
the synthetic id ``"<title> @ YYYY-MM-DD HH:MM"``. Two rows of one file with the same title and
start minute but a different duration or creator are two LIVEs: :func:`tell_apart` gives them
distinct ids (``"<title> @ ... [3600 s]"``) and flags both. A LIVE of the API (a Room ID and a
unix start) and an export row without Room ID are the same LIVE when their titles are equal and
their starts at most :data:`API_TOLERANCE` apart: :func:`match_api` gives the export's cells the
API's Room ID, flagged. Cells are never merged here; the loaders' ``dedupe`` keeps the newest
export of one LIVE.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["API_TOLERANCE", "compatible", "is_room_id", "match_api", "tell_apart"]

#: largest start difference between an API LIVE and the same LIVE in an export
API_TOLERANCE = pd.Timedelta(seconds=150)


def is_room_id(content_id) -> bool:
    """True for a real Room ID (digits), False for a synthetic ``title @ start`` id or NA."""
    return isinstance(content_id, str) and content_id.isdigit()


def compatible(a: pd.Series, b: pd.Series) -> bool:
    """Whether two LIVE cells sharing title and start minute may be the same LIVE: not two
    different Room IDs, not two different creators, not two ids told apart by
    :func:`tell_apart` (an id that extends the other, ``"x @ t"`` and ``"x @ t [60 s]"``, may)."""
    ia, ib = a["content_id"], b["content_id"]
    if is_room_id(ia) and is_room_id(ib) and ia != ib:
        return False
    ca, cb = a["creator"], b["creator"]
    if pd.notna(ca) and pd.notna(cb) and ca != cb:
        return False
    if pd.notna(ia) and pd.notna(ib) and not (is_room_id(ia) or is_room_id(ib)):
        return str(ia).startswith(str(ib)) or str(ib).startswith(str(ia))
    return True


def tell_apart(raw: list[dict], durations: dict[int, float | None], *, source: str,
               file: str) -> pd.DataFrame:  # fmt: skip
    """Give distinct ids to rows of one file that share a synthetic id (title and start minute)
    but differ in duration or creator; rows equal in both keep the id (a repeated row, rejected
    as a duplicate later).

    Parameters
    ----------
    raw : list of dict
        The raw cells of the file (``row``, ``content_id``, ``creator``, ...); changed in place.
    durations : dict
        Row number -> duration in seconds (None when the file has none).

    Returns
    -------
    pandas.DataFrame
        The flagged rows (:data:`analysis.sources.base.FLAGGED_COLUMNS`), one per row told apart.
    """
    groups: dict[str, list[dict]] = {}
    for cell in raw:
        if not is_room_id(cell.get("content_id")) and cell.get("content_id"):
            groups.setdefault(cell["content_id"], []).append(cell)
    flagged = []
    for key, cells in groups.items():
        durs = {durations.get(c["row"]) for c in cells}
        creators = {c.get("creator") for c in cells}
        if len(cells) < 2 or (len(durs) < 2 and len(creators) < 2):
            continue
        differ = " and ".join(w for w, s in (("duration", durs), ("creator", creators))
                              if len(s) > 1)  # fmt: skip
        rows = ", ".join(str(c["row"]) for c in cells)
        for c in cells:
            parts = [str(c.get("creator"))] if len(creators) > 1 else []
            if len(durs) > 1:
                parts.append(f"{durations.get(c['row']):g} s")
            c["content_id"] = f"{key} [{', '.join(parts)}]"
            flagged.append({"source": source, "file": file, "row": c["row"],
                            "column": "content_id", "value": c["content_id"],
                            "reason": f"same title and start minute as rows {rows} but a "
                                      f"different {differ}: kept as separate LIVEs"})  # fmt: skip
    return pd.DataFrame(flagged, columns=["source", "file", "row", "column", "value", "reason"])


def match_api(
    cells: pd.DataFrame, *, api: str = "tiktok_api"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give LIVE session cells without a Room ID the Room ID of the API LIVE with the same title
    starting at most :data:`API_TOLERANCE` apart (the nearest; none when two are equally near).

    Returns
    -------
    (cells, flagged)
        A new cells frame, and one flagged row per cell given a Room ID.
    """

    def flag(mask) -> np.ndarray:
        return pd.Series(mask, index=cells.index).fillna(False).astype(bool).to_numpy()

    live = flag((cells["channel"] == "LIVE") & (cells["grain"] == "session"))
    api_rows = flag(cells["source"] == api)
    room = np.array([is_room_id(c) for c in cells["content_id"].astype(object)], dtype=bool)
    ref = cells[live & api_rows].dropna(subset=["content_id", "content_title"])
    ref = ref.drop_duplicates("content_id")
    todo = cells[live & ~api_rows & ~room]
    if not len(ref) or not len(todo):
        return cells, pd.DataFrame(columns=["source", "file", "row", "column", "value", "reason"])
    out, flagged = cells.copy(), []
    for i, c in todo.iterrows():
        if pd.isna(c["content_title"]):
            continue
        same = ref[ref["content_title"] == c["content_title"]]
        gap = (same["start"] - c["start"]).abs()
        near = gap[gap <= API_TOLERANCE]
        if not len(near) or (near == near.min()).sum() > 1:
            continue
        j = near.idxmin()
        room = same.loc[j, "content_id"]
        out.loc[i, "content_id"] = room
        flagged.append({"source": c["source"], "file": c["file"], "row": c["row"],
                        "column": "content_id", "value": room,
                        "reason": f"the API LIVE {room} ({same.loc[j, 'file']}) has this title "
                                  f"and starts {int(gap[j].total_seconds())} s apart (at most "
                                  f"{int(API_TOLERANCE.total_seconds())} s): the same LIVE, "
                                  "given its Room ID"})  # fmt: skip
    return out, pd.DataFrame(flagged, columns=["source", "file", "row", "column", "value",
                                               "reason"])  # fmt: skip
