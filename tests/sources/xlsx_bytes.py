"""Rewrite the XML inside an xlsx, to reproduce what real exporters write byte for byte.

Start from a workbook our writers made (``analysis.sources.writers.table.write_table``: every
cell a shared string, a correct ``<dimension>``) and edit its parts as text, the way other
programs differ from openpyxl:

- :func:`declare_dimension`: ``<dimension ref="A1"/>`` over a bigger sheet (TikTok LIVE list v1);
- :func:`shared_strings`: every string as a shared string ``t="s"`` (Excel, the TikTok LIVE
  list; openpyxl writes inline strings); :func:`inline_strings`: every string ``t="inlineStr"``
  and no ``sharedStrings.xml`` (the TikTok overview and creator-list exports);
- :func:`str_cells`: every string as ``t="str"`` with its text in ``<v>`` and no formula (the
  TikTok overview, written by Go Excelize);
- :func:`merge`: a ``<mergeCells>`` block, the covered cells removed as Excel does;
- :func:`formula`: a ``<f>`` in a cell, with or without the cached ``<v>``;
- :func:`hide`: a sheet's ``state="hidden"`` / ``"veryHidden"`` in ``workbook.xml``.

Every function edits the file in place and returns its path. Only the standard library is used,
so a fixture never depends on the reader it tests.
"""

from __future__ import annotations

import re
import zipfile
from html import escape, unescape
from pathlib import Path

__all__ = ["cells_of", "declare_dimension", "formula", "hide", "inline_strings", "merge",
           "part", "rewrite", "shared_strings", "sheet_part", "str_cells", "string_kinds"]  # fmt: skip

_CELL = re.compile(r'<c r="([A-Z]+\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)


def rewrite(path: Path, edit) -> Path:
    """Apply ``edit(parts)`` (a dict name -> bytes, in zip order, edited in place; ``None``
    deletes a part) and write the zip again with the same member order."""
    path = Path(path)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    edit(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            if data is not None:
                z.writestr(name, data)
    return path


def part(path: Path, name: str) -> str:
    """The text of part ``name`` of the xlsx."""
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def sheet_part(path: Path, sheet: str) -> str:
    """The zip name of worksheet ``sheet`` (via ``workbook.xml`` and its relationships)."""
    wb = part(path, "xl/workbook.xml")
    rid = re.search(rf'<sheet [^>]*name="{re.escape(escape(sheet))}"[^>]*r:id="(rId\d+)"', wb)
    if rid is None:
        rid = re.search(rf'<sheet [^>]*r:id="(rId\d+)"[^>]*name="{re.escape(escape(sheet))}"', wb)
    rels = part(path, "xl/_rels/workbook.xml.rels")
    target = re.search(rf'<Relationship [^>]*Id="{rid[1]}"[^>]*/>', rels)[0]
    t = re.search(r'Target="([^"]+)"', target)[1].lstrip("/")
    return t if t.startswith("xl/") else f"xl/{t}"


def _strings(parts) -> list[str]:
    sst = parts.get("xl/sharedStrings.xml")
    if sst is None:
        return []
    items = re.findall(r"<si>(.*?)</si>", sst.decode("utf-8"), re.S)
    return [unescape("".join(re.findall(r"<t[^>]*>(.*?)</t>", si, re.S))) for si in items]


def _edit_sheet(parts, name: str, fn) -> None:
    _edit_text(parts, name, fn)


def declare_dimension(path: Path, sheet: str, ref: str = "A1") -> Path:
    """Set the sheet's ``<dimension ref=...>`` to ``ref`` (added when missing)."""
    name = sheet_part(path, sheet)

    def fix(xml: str) -> str:
        if "<dimension" in xml:
            return re.sub(
                r'<dimension ref="[^"]*"\s*(/>|></dimension>)', f'<dimension ref="{ref}"/>', xml
            )
        return xml.replace("<sheetViews>", f'<dimension ref="{ref}"/><sheetViews>', 1)

    return rewrite(path, lambda parts: _edit_sheet(parts, name, fix))


def inline_strings(path: Path) -> Path:
    """Every shared-string cell of every sheet as an inline string; ``sharedStrings.xml``, its
    relationship and its content type removed."""

    def edit(parts):
        strings = _strings(parts)

        def cell(m: re.Match) -> str:
            ref, attrs, body = m[1], m[2], m[3] or ""
            if 't="s"' not in attrs:
                return m[0]
            text = strings[int(re.search(r"<v>(\d+)</v>", body)[1])]
            attrs = attrs.replace('t="s"', 't="inlineStr"')
            return f'<c r="{ref}"{attrs}><is><t>{escape(text, quote=False)}</t></is></c>'

        for name in _sheet_names(parts):
            _edit_sheet(parts, name, lambda xml: _CELL.sub(cell, xml))
        parts["xl/sharedStrings.xml"] = None
        _edit_text(
            parts,
            "xl/_rels/workbook.xml.rels",
            lambda x: re.sub(r"<Relationship [^>]*sharedStrings[^>]*/>", "", x),
        )
        _edit_text(parts, "[Content_Types].xml",
                   lambda x: re.sub(r"<Override [^>]*sharedStrings[^>]*/>", "", x))  # fmt: skip

    return rewrite(path, edit)


def shared_strings(path: Path) -> Path:
    """Every inline-string cell of every sheet as a shared string (``t="s"``, index in a new
    ``sharedStrings.xml``, one entry per distinct text in order of appearance), as Excel and
    the TikTok LIVE list write them."""

    def edit(parts):
        table: dict[str, int] = {}

        def cell(m: re.Match) -> str:
            ref, attrs, body = m[1], m[2], m[3] or ""
            if 't="inlineStr"' not in attrs:
                return m[0]
            text = unescape("".join(re.findall(r"<t[^>]*>(.*?)</t>", body, re.S)))
            i = table.setdefault(text, len(table))
            return f'<c r="{ref}"{attrs.replace("inlineStr", "s")}><v>{i}</v></c>'

        for name in _sheet_names(parts):
            _edit_sheet(parts, name, lambda xml: _CELL.sub(cell, xml))
        items = "".join(f"<si><t>{escape(t, quote=False)}</t></si>" for t in table)
        parts["xl/sharedStrings.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
            f'openxmlformats.org/spreadsheetml/2006/main" count="{len(table)}" uniqueCount='
            f'"{len(table)}">{items}</sst>'
        ).encode()
        rel = ('<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument'
               '/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>')  # fmt: skip
        over = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxml'
                'formats-officedocument.spreadsheetml.sharedStrings+xml"/>')  # fmt: skip
        _edit_text(
            parts,
            "xl/_rels/workbook.xml.rels",
            lambda x: x.replace("</Relationships>", rel + "</Relationships>"),
        )
        _edit_text(
            parts, "[Content_Types].xml", lambda x: x.replace("</Types>", over + "</Types>")
        )

    return rewrite(path, edit)


def str_cells(path: Path) -> Path:
    """Every inline-string cell as ``t="str"`` with the text in ``<v>`` and no formula (the type
    of a formula's text result, which Go Excelize writes for plain text: the TikTok overview)."""

    def edit(parts):
        def cell(m: re.Match) -> str:
            ref, attrs, body = m[1], m[2], m[3] or ""
            if 't="inlineStr"' not in attrs:
                return m[0]
            text = "".join(re.findall(r"<t[^>]*>(.*?)</t>", body, re.S))
            return f'<c r="{ref}"{attrs.replace("inlineStr", "str")}><v>{text}</v></c>'

        for name in _sheet_names(parts):
            _edit_sheet(parts, name, lambda xml: _CELL.sub(cell, xml))

    return rewrite(path, edit)


def string_kinds(path: Path, sheet: str) -> tuple[int, int]:
    """``(shared-string cells, inline-string cells)`` of ``sheet``."""
    xml = part(path, sheet_part(path, sheet))
    return xml.count('t="s"'), xml.count('t="inlineStr"')


def _sheet_names(parts) -> list[str]:
    return [n for n in parts if n.startswith("xl/worksheets/") and n.endswith(".xml")]


def _edit_text(parts, name: str, fn) -> None:
    parts[name] = fn(parts[name].decode("utf-8")).encode("utf-8")


def merge(path: Path, sheet: str, refs: list[str]) -> Path:
    """Merge the A1 ranges ``refs`` of ``sheet``: a ``<mergeCells>`` after ``</sheetData>`` and
    the covered cells (all but the top-left one) removed, as Excel writes them."""
    name = sheet_part(path, sheet)
    covered = set()
    for ref in refs:
        (c0, r0), (c1, r1) = (_split(x) for x in ref.split(":"))
        covered |= {(c, r) for c in range(c0, c1 + 1) for r in range(r0, r1 + 1)} - {(c0, r0)}

    def fix(xml: str) -> str:
        xml = _CELL.sub(lambda m: "" if _split(m[1]) in covered else m[0], xml)
        xml = re.sub(r"<mergeCells.*?</mergeCells>", "", xml, flags=re.S)
        block = "".join(f'<mergeCell ref="{r}"/>' for r in refs)
        return xml.replace("</sheetData>", f'</sheetData><mergeCells count="{len(refs)}">'
                           f"{block}</mergeCells>", 1)  # fmt: skip

    return rewrite(path, lambda parts: _edit_sheet(parts, name, fix))


def formula(path: Path, sheet: str, ref: str, text: str, value: str | None = None) -> Path:
    """Make cell ``ref`` of ``sheet`` a formula ``text`` (no ``=``); with ``value`` its cached
    number ``<v>``, without it no ``<v>`` at all (a file whose writer computes nothing)."""
    name = sheet_part(path, sheet)
    cached = "" if value is None else f"<v>{value}</v>"

    def fix(xml: str) -> str:
        new = f'<c r="{ref}"><f>{escape(text, quote=False)}</f>{cached}</c>'
        out, n = re.subn(rf'<c r="{ref}"(?:[^>]*?/>|[^>]*>.*?</c>)', new, xml, count=1, flags=re.S)
        assert n == 1, f"no cell {ref} in {name}"
        return out

    return rewrite(path, lambda parts: _edit_sheet(parts, name, fix))


def hide(path: Path, sheet: str, state: str = "hidden") -> Path:
    """Set ``state`` (``hidden`` / ``veryHidden``) on ``sheet`` in ``workbook.xml``."""

    def edit(parts):
        wb = parts["xl/workbook.xml"].decode("utf-8")
        tag = re.search(rf'<sheet [^>]*name="{re.escape(escape(sheet))}"[^>]*/>', wb)[0]
        new = re.sub(r'\sstate="[^"]*"', "", tag).replace("<sheet ", f'<sheet state="{state}" ', 1)
        parts["xl/workbook.xml"] = wb.replace(tag, new).encode("utf-8")

    return rewrite(path, edit)


def cells_of(path: Path, sheet: str) -> dict[str, str]:
    """Cell reference -> raw XML of every ``<c>`` of ``sheet`` (for assertions on the bytes)."""
    return {m[1]: m[0] for m in _CELL.finditer(part(path, sheet_part(path, sheet)))}


def _split(ref: str) -> tuple[int, int]:
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return col, int(digits)
