"""A CSV export read as text lines: its encoding decided explicitly, its delimiter sniffed.

Encodings (``docs/data-formats.md``, "Quirks handled"), tried in this order and never with
replacement characters:

1. a byte-order mark decides: UTF-8 (``EF BB BF``, what Excel's "CSV UTF-8" writes), UTF-16
   little or big endian (``FF FE`` / ``FE FF``, Excel's "Unicode text");
2. else UTF-8 (Google Sheets, Shopify, LibreOffice's default), decoded strictly;
3. else Windows-1252 (what French, Spanish, Portuguese ... Excel writes as "CSV (separator:
   semicolon)"), only when every byte is defined in it *and* the bytes hold no valid UTF-8
   multi-byte sequence (a file mixing both encodings is refused, not half mis-read);
4. else :class:`~analysis.errors.UnreadableError` naming the first byte that is not UTF-8 (its
   value, offset and line) and how to save the file as UTF-8.

Text with NUL characters (UTF-16 saved without its BOM) is refused too. Lines may end in
``\\n``, ``\\r\\n`` or ``\\r``; quoted fields may hold the delimiter (``"1,234"``) or line breaks.

A big file is not decoded whole: :func:`file_encoding` takes the same decision reading the file
block by block (a UTF-8 check, then the Windows-1252 one), and only a file that fails both is read
whole, by :func:`decode`, to raise its exact message. :func:`split` given the file's name counts
records and cell lengths as it reads (``max_rows``, ``max_cell_chars`` of
:mod:`analysis.sources.limits`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

from analysis.errors import UnreadableError
from analysis.sources.limits import Limits, current, exceeded

__all__ = ["BLOCK_BYTES", "DELIMITERS", "RESAVE", "column_letter", "decode", "file_encoding",
           "split", "sniff_delimiter"]  # fmt: skip

#: bytes read at a time by :func:`file_encoding`
BLOCK_BYTES = 1 << 20

#: delimiters a CSV export may use
DELIMITERS = (",", ";", "\t", "|")
#: how to fix a file whose encoding cannot be read
RESAVE = ("save it as UTF-8: in Excel 'File > Save As > CSV UTF-8 (Comma delimited)', in "
          "LibreOffice 'Save As > Text CSV' with character set 'Unicode (UTF-8)', in Google "
          "Sheets 'File > Download > CSV'")  # fmt: skip
#: bytes Windows-1252 leaves undefined, and NUL (refused in any encoding)
_CP1252_UNDEFINED = (b"\x00", b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
#: the csv module's own field limit (131,072 characters by default) lifted to the largest C long,
#: so that a long cell meets the kit's counted ``max_cell_chars`` limit and its LimitError naming
#: row and column, never a bare ``_csv.Error`` (the whole text is in memory already)
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|"
                             rb"[\xf0-\xf4][\x80-\xbf]{3}")  # fmt: skip


def decode(raw: bytes, name: str) -> tuple[str, str]:
    """``(text, encoding)`` of a CSV file's bytes (see the module docstring for the order).

    Raises
    ------
    UnreadableError
        Not UTF-8 (with or without BOM), UTF-16 with BOM, nor cleanly Windows-1252; or NUL
        characters in the text.
    """
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if raw.startswith(bom):
            try:
                return _no_nul(raw.decode(encoding), name), encoding
            except UnicodeDecodeError as err:
                raise UnreadableError(_bad_byte(raw, err, name, encoding)) from None
    try:
        return _no_nul(raw.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError as err:
        utf8_error = err
    if _UTF8_MULTIBYTE.search(raw) is None:
        try:
            return _no_nul(raw.decode("cp1252"), name), "cp1252"
        except UnicodeDecodeError:
            pass
        raise UnreadableError(_bad_byte(raw, utf8_error, name, "UTF-8 nor Windows-1252"))
    raise UnreadableError(_bad_byte(raw, utf8_error, name, "UTF-8", " (the file mixes UTF-8 "
                                    "with another encoding)"))  # fmt: skip


def file_encoding(path: Path, *, block: int = BLOCK_BYTES) -> str:
    """The encoding :func:`decode` gives the file at ``path``, deciding on blocks of ``block``
    bytes: ``utf-8-sig`` / ``utf-8`` when every block is valid UTF-8 without NUL, else
    ``cp1252`` when every byte is defined in Windows-1252, none is NUL and no valid UTF-8
    multi-byte sequence occurs (searched across block ends too). A UTF-16 file (BOM), or one
    that fails both, is passed whole to :func:`decode`, which raises its exact message.

    Raises
    ------
    UnreadableError
        As :func:`decode`.
    """
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(3)
        utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if not utf16 and _utf8_blocks(f, block):
            return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        if not utf16 and not head.startswith(codecs.BOM_UTF8) and _cp1252_blocks(f, block):
            return "cp1252"
    return decode(path.read_bytes(), path.name)[1]


def _utf8_blocks(f: BinaryIO, block: int) -> bool:
    """Every block of ``f`` is valid UTF-8 (a sequence cut by the block end is completed by the
    next) and holds no NUL byte; checked by Arrow without decoding (no text is built)."""
    f.seek(0)
    tail = b""
    while chunk := f.read(block):
        if b"\x00" in chunk:
            return False
        data = tail + chunk
        cut = _complete(data)
        if not _valid_utf8(data[:cut]):
            return False
        tail = data[cut:]
    return not tail


def _complete(data: bytes) -> int:
    """The length of ``data`` without a multi-byte sequence its end cuts short."""
    for back in range(1, min(4, len(data)) + 1):
        lead = data[-back]
        if lead & 0xC0 != 0x80:  # not a continuation byte
            need = 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
            return len(data) - back if need > back else len(data)
    return len(data)


def _valid_utf8(data: bytes) -> bool:
    """``data`` is valid UTF-8 (Arrow's full validation of a one-value string array)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int32).tobytes())
    try:
        pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(data)]).validate(
            full=True)  # fmt: skip
    except pa.ArrowInvalid:
        return False
    return True


def _cp1252_blocks(f: BinaryIO, block: int) -> bool:
    """Every byte of ``f`` is defined in Windows-1252 (all but 0x81, 0x8D, 0x8F, 0x90, 0x9D),
    none is NUL, and no valid UTF-8 multi-byte sequence occurs (the last 3 bytes of a block are
    searched with the next)."""
    f.seek(0)
    tail = b""
    while chunk := f.read(block):
        if any(b in chunk for b in _CP1252_UNDEFINED):
            return False
        if _UTF8_MULTIBYTE.search(tail + chunk) is not None:
            return False
        tail = chunk[-3:]
    return True


def _bad_byte(raw: bytes, err: UnicodeDecodeError, name: str, what: str, note: str = "") -> str:
    offset = err.start
    line = raw[:offset].count(b"\n") + 1
    return (f"{name}: not {what} text: byte 0x{raw[offset]:02X} at offset {offset} (line "
            f"{line}) cannot be decoded{note}; {RESAVE}")  # fmt: skip


def _no_nul(text: str, name: str) -> str:
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise UnreadableError(
            f"{name}: the text holds NUL characters (line {line}): UTF-16 saved without its "
            f"byte-order mark, or not a text file; {RESAVE}"
        )
    return text


def split(text: str, delimiter: str, name: str | None = None,
          limits: Limits | None = None) -> list[list[str]]:  # fmt: skip
    """The records of ``text`` (quotes honoured, any line ending).

    Given the file's ``name``, the records and the length of every cell are counted as they are
    read: past ``max_rows`` records or with a cell longer than ``max_cell_chars`` characters
    (:func:`analysis.sources.limits.current` of ``limits``) reading stops with the
    :class:`~analysis.errors.LimitError` naming the file, the spreadsheet row and column
    (``docs/data-formats.md``, "Reading limits").
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    if name is None:
        return list(reader)
    lim = current(limits)
    records = []
    for row, record in enumerate(reader, 1):
        if row > lim.max_rows:
            raise exceeded(name, "max_rows", f"record {row:,}", lim, f"row {row}")
        longest = max(map(len, record), default=0)
        if longest > lim.max_cell_chars:
            col = next(i for i, cell in enumerate(record) if len(cell) == longest)
            raise exceeded(name, "max_cell_chars", f"a cell of {longest:,} characters", lim,
                           f"row {row}, column {column_letter(col)}")  # fmt: skip
        records.append(record)
    return records


def column_letter(index: int) -> str:
    """The spreadsheet letter of the 0-based column ``index`` (0 -> ``A``, 26 -> ``AA``)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def sniff_delimiter(text: str, rows: int = 30) -> str:
    """The delimiter a first line ``sep=;`` names (Excel's hint, kept as a row of the file), else
    the one among :data:`DELIMITERS` that splits the first ``rows`` records (quotes honoured)
    into the same number of fields most often, that number being above 1; ties go to the most
    fields, then to the order of :data:`DELIMITERS`.

    A decimal comma inside a ``;`` file (``1,5;2,3``) does not fool it: split on ``,`` those
    lines have varying field counts.
    """
    hint = re.match(r'"?sep=(.)"?\r?\n', text, re.IGNORECASE)
    if hint and hint[1] in DELIMITERS:
        return hint[1]
    head = text[:200_000]
    best, best_score = ",", (0, 0)
    for d in DELIMITERS:
        counts = [len(r) for r in split(head, d)[:rows] if any(f.strip() for f in r)]
        counts = [c for c in counts if c > 1]
        if not counts:
            continue
        modal = max(set(counts), key=lambda c: (counts.count(c), c))
        score = (counts.count(modal), modal)
        if score > best_score:
            best, best_score = d, score
    return best
