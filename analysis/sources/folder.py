"""Many files at once: which file is the same export as another, when each was exported, and the
checks that need the file rather than the row (``docs/data-formats.md``, "Folders and many files").

Used by :func:`analysis.sources.load.read`:

- :func:`fingerprint`: sha256 of a file's bytes; a byte-identical file is read once and listed as
  ``duplicate`` naming the file kept.
- :func:`same_content`: a key of what a file gave (cells and rejected rows, file name left out); a
  file whose key equals an earlier one's is the same export saved under another name (re-saved,
  copied by a browser as ``name (1).xlsx``): its rows are counted once, the file is listed as
  ``duplicate``.
- :func:`export_date`: the date a file was exported, from its name (``..._20261122235959.xlsx``)
  or its workbook properties (``docProps/core.xml``), never from the clock.
- :func:`reject_after_export`: cells dated after their file's export date are rejected.
- :func:`replace_overlaps`: a cell several files of one source report is kept from the newest
  export, for the loaders without their own ``dedupe``.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import pandas as pd

from analysis.cells import COUNT_COLUMNS, KEY_COLUMNS
from analysis.sources.base import REPLACED_COLUMNS, Loaded, empty_flagged, empty_replaced

__all__ = [
    "CLOCK_WRITERS",
    "CROSS_KEY",
    "EXCELIZE_DEFAULT",
    "STAMP",
    "export_date",
    "fingerprint",
    "reject_after_export",
    "replace_overlaps",
    "same_content",
]

#: an export timestamp in a file name: ``YYYYMMDDHHMMSS`` (TikTok Seller Center)
STAMP = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?!\d)")
#: the ``dcterms:modified`` excelize writes into every workbook it creates (its template's date,
#: not the export's): seen in real TikTok Shop LIVE lists, so it is ignored
EXCELIZE_DEFAULT = "2006-09-16T00:00:00Z"
_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>([^<]+)</dcterms:modified>")
#: writers whose ``dcterms:modified`` is the clock of whoever ran them, not the export's date
#: (openpyxl stamps every save with the current time: the kit's simulator and test fixtures)
CLOCK_WRITERS = (b"<dc:creator>openpyxl</dc:creator>",)


def fingerprint(path: Path) -> str:
    """sha256 (hex) of the file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def same_content(result: Loaded) -> int:
    """A hash of what one file gave: its cells and rejected rows without the ``file`` column.

    Two files with the same hash hold the same export (same rows at the same row numbers, same
    values, same problems): the second is a duplicate of the first.
    """
    parts = [
        result.cells.drop(columns=["file"]).astype("string"),
        result.rejected.drop(columns=["file"]).astype("string"),
    ]
    hashes = [pd.util.hash_pandas_object(p.fillna("<NA>"), index=False).tolist() for p in parts]
    return hash((tuple(hashes[0]), tuple(hashes[1]), tuple(parts[0].columns)))


def export_date(path: Path) -> pd.Timestamp:
    """When ``path`` was exported, as a naive timestamp, or NaT when the file does not say.

    The ``YYYYMMDDHHMMSS`` stamp of the file name first (shop-local, as Seller Center writes it);
    else, for an xlsx, ``dcterms:modified`` of ``docProps/core.xml`` (UTC) unless it is
    :data:`EXCELIZE_DEFAULT` or the workbook was written by one of :data:`CLOCK_WRITERS`. The
    clock is never used.
    """
    m = STAMP.search(path.stem)
    if m:
        stamp = pd.to_datetime("".join(m.groups()), format="%Y%m%d%H%M%S", errors="coerce")
        if pd.notna(stamp):
            return stamp
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return pd.NaT
    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return pd.NaT
    if any(w in core for w in CLOCK_WRITERS):
        return pd.NaT
    found = _MODIFIED.search(core)
    text = found[1].decode("ascii", "replace").strip() if found else ""
    if not text or text == EXCELIZE_DEFAULT:
        return pd.NaT
    when = pd.to_datetime(text, utc=True, errors="coerce")
    return pd.NaT if pd.isna(when) else when.tz_localize(None)


def reject_after_export(result: Loaded, exported: pd.Timestamp) -> Loaded:
    """Reject every cell of a row dated after the file's export date (``date > exported``'s day).

    A file cannot report a day after it was written: such a date is a typo or a mis-read format
    (e.g. day and month swapped). ``exported`` NaT, or a file whose cells sum several input
    rows, leaves ``result`` unchanged.
    """
    cells = result.cells
    if pd.isna(exported) or not len(cells) or _aggregated(result):
        return result
    day = pd.Timestamp(exported).normalize()
    late = cells["date"] > day
    if not late.any():
        return result
    rows = set(cells.loc[late, "row"].dropna().astype(int))
    bad = cells[cells["row"].isin(rows)].drop_duplicates("row")
    rejected = pd.DataFrame({
        "source": bad["source"], "file": bad["file"], "row": bad["row"], "column": "start",
        "value": bad["start"].astype("string"),
        "reason": f"dated after the file's export date {day:%Y-%m-%d} (file name or workbook "
                  "properties): a wrong date, or day and month swapped; check the row",
    }).astype({"row": "Int64"})  # fmt: skip
    for c in ("source", "file", "column", "value", "reason"):
        rejected[c] = rejected[c].astype("string")
    keep = cells[~cells["row"].isin(rows)].reset_index(drop=True)
    files = result.files.copy()
    files["rows_used"] = files["rows_used"] - len(rows)
    files["cells"] = len(keep)
    files["rows_rejected"] = files["rows_rejected"] + len(rows)
    all_rejected = pd.concat([result.rejected, rejected], ignore_index=True)
    return Loaded(cells=keep, rejected=all_rejected, replaced=result.replaced, files=files,
                  flagged=result.flagged)  # fmt: skip


def _aggregated(result: Loaded, source: str | None = None) -> bool:
    """Whether a file (of ``source``) sums several input rows into one cell (Shopify orders,
    GA4 events): its ``rows_used`` is not the number of distinct rows of its cells, and a cell
    cannot be moved to ``rejected`` / ``replaced`` row by row."""
    files = result.files if source is None else result.files[result.files["source"] == source]
    rows = result.cells.groupby("file")["row"].nunique()
    return bool((files["rows_used"] != files["file"].map(rows).fillna(0)).any())


#: the cell key across files: :data:`analysis.cells.KEY_COLUMNS` without ``file``
CROSS_KEY = tuple(c for c in KEY_COLUMNS if c != "file")


def replace_overlaps(loaded: Loaded, source: str, exported: dict[str, pd.Timestamp]) -> Loaded:
    """Keep the newest export of each cell that several files of ``source`` report.

    For loaders without their own ``dedupe`` (all but the LIVE list) whose cells are input rows
    (not sums of rows: Shopify orders and GA4 events are left as they are):
    two cells of ``source`` with the same :data:`CROSS_KEY` in different files are one cell
    exported twice (overlapping date ranges, a re-export). Files are ordered by ``exported``
    (:func:`export_date`; unknown = oldest), then by name. An input row whose cells are all
    reported by a newer file goes to ``replaced`` (``by_file``, ``by_row``, ``changed`` when a
    count differs); a row only partly covered is kept whole and flagged.
    """
    cells = loaded.cells
    mine = cells[cells["source"] == source]
    if mine["file"].nunique() < 2 or _aggregated(loaded, source):
        return loaded
    files = sorted(mine["file"].unique(), key=lambda f: (
        pd.Timestamp.min if pd.isna(exported.get(f, pd.NaT)) else exported[f], f))  # fmt: skip
    rank = mine["file"].map({f: i for i, f in enumerate(files)})
    group = mine.groupby(list(CROSS_KEY), dropna=False, sort=False).ngroup()
    newest = rank.groupby(group).transform("max")
    superseded = (rank < newest).groupby([mine["file"], mine["row"]]).transform("all")
    partly = (rank < newest) & ~superseded
    gone = mine[superseded]
    if not len(gone) and not partly.any():
        return loaded
    winner = mine[rank == newest].assign(_g=group[rank == newest]).drop_duplicates("_g")
    winner = winner.set_index("_g")
    counts = [c for c in (*COUNT_COLUMNS, "revenue") if c in mine]
    replaced = []
    for (file, row), g in gone.groupby(["file", "row"], sort=False):
        w = winner.loc[group[g.index]]
        changed = not g[counts].reset_index(drop=True).astype("Float64").equals(
            w[counts].reset_index(drop=True).astype("Float64"))  # fmt: skip
        first = w.iloc[0]
        key = f"{first['start']:%Y-%m-%d %H:%M} {first['channel']}"
        key += f" {first['product_id']}" if pd.notna(first["product_id"]) else ""
        replaced.append({"source": source, "file": file, "row": row, "by_file": first["file"],
                         "by_row": first["row"], "key": key, "changed": changed})  # fmt: skip
    rep = pd.DataFrame(replaced, columns=list(REPLACED_COLUMNS)).astype(
        empty_replaced().dtypes.to_dict())  # fmt: skip
    flag = mine[partly].drop_duplicates(["file", "row"])
    flagged = pd.DataFrame({
        "source": source, "file": flag["file"], "row": flag["row"], "column": "start",
        "value": flag["start"].astype("string"),
        "reason": "partly reported again by a newer export (some of this row's cells): kept; "
                  "check for double counting",
    }).astype(empty_flagged().dtypes.to_dict())  # fmt: skip
    keep = cells.drop(index=gone.index).reset_index(drop=True)
    out = loaded.files.copy()
    for j, f in out.iterrows():
        if f["source"] != source:
            continue
        n = int(rep.loc[rep["file"] == f["file"], "row"].nunique())
        out.loc[j, ["rows_used", "rows_replaced"]] = [f["rows_used"] - n, f["rows_replaced"] + n]
        out.loc[j, "cells"] = int((keep["file"] == f["file"]).sum())
    frames = [x for x in (loaded.replaced, rep) if len(x)]
    flags = [x for x in (loaded.flagged, flagged) if len(x)]
    return Loaded(
        cells=keep,
        rejected=loaded.rejected,
        files=out,
        replaced=pd.concat(frames, ignore_index=True) if frames else loaded.replaced,
        flagged=pd.concat(flags, ignore_index=True) if flags else loaded.flagged,
    )
