"""Hostile files built byte by byte from genuine ones (``tests/sources/test_hostile.py`` and
``benchmarks/bench_hostile.py``; limits: ``docs/data-formats.md``, "Reading limits").

Each xlsx starts as a TikTok LIVE list v1 (our writer, then shared strings and the ``A1``
dimension as TikTok writes it, :mod:`tests.sources.xlsx_bytes`) and has one part edited the way
an attacker would: a sheet padded with rows that compress a thousand times (zip bomb), a
shared-string table of millions of entries, entity declarations (billion laughs, an external
entity), a 10 MB cell, a cell at Excel's last row and column, a zip header that declares a
smaller size than its member holds. The JSON starts as a saved LIVE list response of
``data/exports``. Only the standard library and our writer are used.
"""

from __future__ import annotations

import json
import random
import struct
from base64 import b64encode
from pathlib import Path

from analysis.paths import PROJECT_ROOT
from analysis.sources.writers.table import write_table
from tests.sources import xlsx_bytes as xb

__all__ = ["BUILDERS", "billion_laughs", "deep_json", "external_entity", "lying_header",
           "live_list", "long_cell", "shared_strings_table", "sparse_sheet", "zip_bomb"]  # fmt: skip

SHEET = "xl/worksheets/sheet1.xml"
SST = "xl/sharedStrings.xml"
HEADER = ["Livestream", "Start time", "Duration", "Direct GMV", "Items sold", "Views", "Viewers",
          "Product impressions", "Product clicks"]  # fmt: skip
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
                    for i in range(1, 10))
          + "]>")  # fmt: skip
API_LIVES = PROJECT_ROOT / "data" / "exports" / "api_live_sessions.json"


def _row(i: int) -> list[str]:
    return [f"Live {i}", f"2026-03-{i + 1:02d} 20:00", "3600", "R$ 1.234,56", str(10 + i),
            str(1000 + i), str(500 + i), str(300 + i), str(30 + i)]  # fmt: skip


def live_list(folder: Path, name: str = "Creator-Live-Performance_20260319154159.xlsx",
              n: int = 5) -> Path:  # fmt: skip
    """A genuine-looking LIVE list v1: title in A1, blank row, header on row 3, ``n`` LIVEs."""
    p = Path(folder) / name
    write_table(p, [("Sheet1", [["2026-03-01 ~ 2026-03-19"], [], HEADER,
                                *(_row(i) for i in range(1, n + 1))])])  # fmt: skip
    xb.shared_strings(p)
    return xb.declare_dimension(p, "Sheet1", "A1")


def _edit(path: Path, name: str, fn) -> Path:
    return xb.rewrite(
        path, lambda parts: parts.__setitem__(name, fn(parts[name].decode()).encode())
    )


def zip_bomb(folder: Path, mb: float = 8.0) -> Path:
    """The sheet padded with ``mb`` MB of identical rows of styled blank cells (no ``r=``, as
    some writers omit it), which deflate about a thousand times."""
    row = "<row>" + '<c s="0"/>' * 16 + "</row>"
    pad = row * int(mb * 1e6 / len(row))
    return _edit(live_list(folder, "bomb.xlsx"), SHEET, lambda x: x.replace("</sheetData>",
                 pad + "</sheetData>"))  # fmt: skip


def shared_strings_table(folder: Path, entries: int, part: str = SST) -> Path:
    """``entries`` more ``<si>`` (the same short text) in the shared-string table; with ``part``
    another name, the table moved there (relationship and content type follow)."""
    p = _edit(live_list(folder, "strings.xlsx"), SST, lambda x: x.replace(
        "</sst>", "<si><t>x</t></si>" * entries + "</sst>"))  # fmt: skip
    if part == SST:
        return p

    def move(parts):
        parts[part] = parts.pop(SST)
        for name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
            parts[name] = parts[name].replace(SST.encode(), part.encode()).replace(
                b'"sharedStrings.xml"', f'"{part.removeprefix("xl/")}"'.encode())  # fmt: skip

    return xb.rewrite(p, move)


def billion_laughs(folder: Path, part: str = SHEET) -> Path:
    """Nine nested entities (10^9 ``lol``) declared in ``part`` (the sheet, or the shared
    strings) and used in a cell."""
    p = live_list(folder, "laughs.xlsx")
    if part == SST:
        return _edit(p, SST, lambda x: x.replace("?>\n", "?>\n" + LAUGHS, 1).replace(
            "<si><t>Livestream</t></si>", "<si><t>&lol9;</t></si>"))  # fmt: skip
    return _edit(p, SHEET, lambda x: LAUGHS + x.replace('<c r="A4" t="s"><v>10</v></c>',
                 '<c r="A4" t="inlineStr"><is><t>&lol9;</t></is></c>'))  # fmt: skip


def external_entity(folder: Path) -> Path:
    """An external entity (a local file's text) declared in the sheet and used in a cell."""
    doctype = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
    return _edit(
        live_list(folder, "xxe.xlsx"),
        SHEET,
        lambda x: (
            doctype
            + x.replace(
                '<c r="A4" t="s"><v>10</v></c>',
                '<c r="A4" t="inlineStr"><is><t>&xxe;</t></is></c>',
            )
        ),
    )


def long_cell(folder: Path, chars: int = 10_000_000) -> Path:
    """One LIVE title of ``chars`` characters (random base64, seeded: it barely compresses, so
    only the cell-length limit can stop it), as an inline string in row 4."""
    text = b64encode(random.Random(0).randbytes(chars * 3 // 4 + 3)).decode()[:chars]
    return _edit(
        live_list(folder, "long.xlsx"),
        SHEET,
        lambda x: x.replace(
            '<c r="A4" t="s"><v>10</v></c>', f'<c r="A4" t="inlineStr"><is><t>{text}</t></is></c>'
        ),
    )


def sparse_sheet(folder: Path) -> Path:
    """One more cell, at Excel's last row and column (``XFD1048576``): a tiny file whose table
    would be 1,048,576 x 16,384 cells."""
    return _edit(live_list(folder, "sparse.xlsx"), SHEET, lambda x: x.replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is>'
        "</c></row></sheetData>"))  # fmt: skip


def lying_header(folder: Path, entries: int = 200_000) -> Path:
    """A shared-string table of ``entries`` more strings whose zip central directory declares
    1,000 bytes uncompressed (the real size is about 16 bytes per entry)."""
    p = shared_strings_table(folder, entries)
    data = bytearray(p.read_bytes())
    name = SST.encode()
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(name))  # the member's central directory entry
    data[at + 24 : at + 28] = struct.pack("<I", 1000)
    p.write_bytes(bytes(data))
    return p


def deep_json(folder: Path, levels: int = 100_000) -> Path:
    """The saved LIVE list response of ``data/exports`` with one session holding an array
    nested ``levels`` deep."""
    env = json.loads(API_LIVES.read_text(encoding="utf-8"))
    env["data"]["live_stream_sessions"][0]["products"] = "DEEP"
    text = json.dumps(env, ensure_ascii=False).replace('"DEEP"', "[" * levels + "]" * levels)
    p = Path(folder) / "api_live_sessions.json"
    p.write_text(text, encoding="utf-8")
    return p


#: name -> (builder, the limit its file must raise under the default limits; None: an
#: UnreadableError that is not a limit)
BUILDERS = {
    "zip_bomb": (zip_bomb, "max_compression_ratio"),
    "shared_strings_bomb": (lambda d: shared_strings_table(d, 1_000_000), "max_compression_ratio"),
    "billion_laughs_sheet": (billion_laughs, None),
    "billion_laughs_shared_strings": (lambda d: billion_laughs(d, SST), None),
    "external_entity": (external_entity, None),
    "cell_10mb": (long_cell, "max_cell_chars"),
    "sparse_last_cell": (sparse_sheet, "max_cells"),
    "lying_zip_header": (lying_header, None),
    "json_100k_deep": (deep_json, "max_json_depth"),
}
