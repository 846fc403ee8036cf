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
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import pandas as pd

from analysis.sources.base import Loaded

__all__ = [
    "EXCELIZE_DEFAULT",
    "STAMP",
    "export_date",
    "fingerprint",
    "reject_after_export",
    "same_content",
]

#: an export timestamp in a file name: ``YYYYMMDDHHMMSS`` (TikTok Seller Center)
STAMP = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?!\d)")
#: the ``dcterms:modified`` excelize writes into every workbook it creates (its template's date,
#: not the export's): seen in real TikTok Shop LIVE lists, so it is ignored
EXCELIZE_DEFAULT = "2006-09-16T00:00:00Z"
_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>([^<]+)</dcterms:modified>")


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
    :data:`EXCELIZE_DEFAULT`. The clock is never used.
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
    found = _MODIFIED.search(core)
    text = found[1].decode("ascii", "replace").strip() if found else ""
    if not text or text == EXCELIZE_DEFAULT:
        return pd.NaT
    when = pd.to_datetime(text, utc=True, errors="coerce")
    return pd.NaT if pd.isna(when) else when.tz_localize(None)


def reject_after_export(result: Loaded, exported: pd.Timestamp) -> Loaded:
    """Reject every cell of a row dated after the file's export date (``date > exported``'s day).

    A file cannot report a day after it was written: such a date is a typo or a mis-read format
    (e.g. day and month swapped). ``exported`` NaT leaves ``result`` unchanged.
    """
    cells = result.cells
    if pd.isna(exported) or not len(cells):
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
