"""Text tables written as the exports are: an xlsx whose every cell is a string, or a CSV; and
the header labels of a UI language.

Used by the writers of :mod:`analysis.sources.writers` and by tests that build a file from literal
rows. Layouts: ``docs/data-formats.md`` §1.

These files are fixtures that imitate real exports (the sample folder, the readers' tests), not
outputs for people: their text is written as the platform writes it, without the formula escape
of :mod:`analysis.sources.safe_text` (a reader of real exports must see them as they come). An
xlsx cell is always a string (``data_type="s"``, as TikTok writes them), never a formula, even
when its text starts with ``=``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

from analysis.files import replacing
from analysis.sources.headers import locales, normalise

__all__ = ["localized_header", "write_table"]


def write_table(path: Path, sheets: list[tuple[str, list[list]]], *,
                merges: dict[str, list[str]] | None = None, encoding: str = "utf-8-sig",
                delimiter: str = ",") -> Path:  # fmt: skip
    """Write text rows as an xlsx (every cell a string, as TikTok writes them; ``merges`` per
    sheet in A1 ranges) or, for a ``.csv`` path, the first sheet as CSV."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with replacing(path) as tmp, open(tmp, "w", encoding=encoding, newline="") as f:
            w = csv.writer(f, delimiter=delimiter)
            for r in sheets[0][1]:
                w.writerow(["" if v is None else v for v in r])
        return path
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append([None if v is None else str(v) for v in r])
            for cell in ws[ws.max_row]:
                if cell.value is not None:
                    cell.data_type = "s"  # text, never a formula
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    with replacing(path) as tmp:  # whole or not at all, as every writer of the kit
        wb.save(tmp)
    return path


def localized_header(header: str, family: str, locale: str, *, table: str | None = None) -> str:
    """The ``locale`` label of the field that the English ``header`` names in ``family``.

    The locale files (:mod:`analysis.sources.headers`) map a field to its labels per language:
    the field is the one whose English labels include ``header``; its first ``locale`` label is
    returned, or ``header`` itself when the field is unknown or the locale has no label for it
    (English headers are returned as written). ``table`` selects a sub-table of the family
    (``"columns"`` of ``product_list``).
    """
    if locale == "en":
        return header
    en = locales()["en"].families[family]
    loc = locales()[locale].families.get(family, {})
    if table is not None:
        en, loc = en[table], loc.get(table, {})
    norm = normalise(header)
    field = next((f for f, labels in en.items() if norm in map(normalise, labels)), None)
    target = loc.get(field) if field is not None else None
    return target[0] if target else header
