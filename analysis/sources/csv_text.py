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
"""

from __future__ import annotations

import codecs
import csv
import io
import re

from analysis.errors import UnreadableError

__all__ = ["DELIMITERS", "RESAVE", "decode", "split", "sniff_delimiter"]

#: delimiters a CSV export may use
DELIMITERS = (",", ";", "\t", "|")
#: how to fix a file whose encoding cannot be read
RESAVE = ("save it as UTF-8: in Excel 'File > Save As > CSV UTF-8 (Comma delimited)', in "
          "LibreOffice 'Save As > Text CSV' with character set 'Unicode (UTF-8)', in Google "
          "Sheets 'File > Download > CSV'")  # fmt: skip
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


def split(text: str, delimiter: str) -> list[list[str]]:
    """The records of ``text`` (quotes honoured, any line ending)."""
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


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
