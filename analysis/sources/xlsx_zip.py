"""The zip container of an xlsx, opened so that no part can take more than the reading limits.

An xlsx is a zip of XML parts, and the sizes a zip declares are written by whoever made it. A
"zip bomb" saved as ``.xlsx`` (a megabyte that inflates to gigabytes of XML) or a shared-string
table of millions of entries must fail before it takes the machine's memory. Three guards
(``docs/data-formats.md``, "Reading limits"; the limits are :class:`~analysis.sources.limits.Limits`):

1. :func:`check_members`, before anything is decompressed, reads the zip's central directory
   (``ZipFile.infolist``): a member that expands more than ``max_compression_ratio`` times
   (members under :data:`RATIO_GRACE_BYTES` excepted: they cannot expand far, as in Apache POI's
   ``ZipSecureFile``), members totalling more than ``max_uncompressed_bytes``, or a shared-string
   table over ``max_shared_strings_bytes`` raise :class:`~analysis.errors.LimitError`;
2. :class:`BoundedZip` (the archive openpyxl is given) refuses a part read whole (all but the
   worksheets and the shared strings, which are streamed) over ``max_part_bytes``, and counts
   the bytes each member actually yields: more than the member declared (a header that lies;
   ``zipfile`` itself stops at the declared size and checks the CRC) or more than
   ``max_uncompressed_bytes`` in all raise;
3. :func:`shared_strings` reads the table instead of openpyxl, dropping each ``<si>`` element once
   read (openpyxl keeps every parsed element to the end: 5.3 GB for a 1 MB file).

Every part is parsed by ``defusedxml``: a DTD or an entity declaration (billion laughs, external
entities; OWASP XML External Entity Prevention Cheat Sheet) raises ``DefusedXmlException``, which
:func:`analysis.sources.xlsx.read_workbook` words.
"""

from __future__ import annotations

import io
import zipfile

from defusedxml.ElementTree import iterparse
from openpyxl.xml.constants import SHEET_MAIN_NS

from analysis.errors import LimitError
from analysis.sources.limits import Limits, exceeded

__all__ = [
    "RATIO_GRACE_BYTES",
    "BoundedZip",
    "check_members",
    "is_shared_strings",
    "shared_strings",
]

#: members smaller than this (uncompressed) are not ratio-checked (a few kB of styles compress
#: hundreds of times and can do no harm)
RATIO_GRACE_BYTES = 1024 * 1024
_SI, _T, _R = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("si", "t", "r"))


def _size(n: float) -> str:
    return f"{n:,.0f} bytes"


def is_shared_strings(name: str) -> bool:
    """Whether zip member ``name`` is a shared-string table (``xl/sharedStrings.xml`` as every
    writer names it; the name is compared case-insensitively)."""
    return name.lower().rsplit("/", 1)[-1] == "sharedstrings.xml"


def check_members(zf: zipfile.ZipFile, file: str, limits: Limits) -> None:
    """Check the declared sizes of every member of ``zf`` against the limits, decompressing
    nothing (ratio = uncompressed / compressed size, members under :data:`RATIO_GRACE_BYTES`
    excepted).

    Raises
    ------
    LimitError
        ``max_compression_ratio``, ``max_shared_strings_bytes`` or ``max_uncompressed_bytes``
        (the message names the member).
    """
    total = 0
    for info in zf.infolist():
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_GRACE_BYTES and ratio > limits.max_compression_ratio:
            raise exceeded(file, "max_compression_ratio", f"a compression ratio of {ratio:,.0f}",
                           limits, f"part {info.filename}: {_size(info.compress_size)} expanding "
                           f"to {_size(info.file_size)}")  # fmt: skip
        if is_shared_strings(info.filename) and info.file_size > limits.max_shared_strings_bytes:
            raise exceeded(file, "max_shared_strings_bytes", _size(info.file_size), limits,
                           f"the shared-string table {info.filename}")  # fmt: skip
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise exceeded(file, "max_uncompressed_bytes", f"{_size(total)} uncompressed", limits,
                           f"the parts up to {info.filename}")  # fmt: skip


class _Counted(io.RawIOBase):
    """A zip member's stream that counts what it yields (:class:`BoundedZip`)."""

    def __init__(self, raw, owner: BoundedZip, info: zipfile.ZipInfo):
        super().__init__()
        self._raw, self._owner, self._info, self._read = raw, owner, info, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        self._read += n
        self._owner.count(self._info, self._read, n)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class BoundedZip(zipfile.ZipFile):
    """A read-only ``ZipFile`` whose members yield no more than they declare and, together, no
    more than ``max_uncompressed_bytes``; ``part`` is the member opened last (for messages).

    Parameters
    ----------
    path
        The xlsx.
    file : str
        Its name, for messages.
    limits : Limits
        The limits in force.
    """

    def __init__(self, path, file: str, limits: Limits):
        super().__init__(path, "r")
        self.file, self.limits, self.total, self.part = file, limits, 0, ""
        self.streamed: set[str] = set()

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):  # type: ignore[override]
        """``ZipFile.open``, the member read through a counting stream; a member not in
        ``streamed`` (the parts openpyxl reads whole) over ``max_part_bytes`` raises
        :class:`~analysis.errors.LimitError` before it is decompressed."""
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if mode == "r" and info.filename not in self.streamed:
            if info.file_size > self.limits.max_part_bytes:
                raise exceeded(self.file, "max_part_bytes", _size(info.file_size), self.limits,
                               f"part {info.filename}, read whole")  # fmt: skip
        raw = super().open(info, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return raw
        self.part = info.filename
        return io.BufferedReader(_Counted(raw, self, info))

    def count(self, info: zipfile.ZipInfo, member_bytes: int, new_bytes: int) -> None:
        """Record ``new_bytes`` more read from ``info`` (``member_bytes`` so far).

        Raises
        ------
        LimitError
            The member gave more than its declared size, or all members more than
            ``max_uncompressed_bytes``.
        """
        self.total += new_bytes
        if member_bytes > info.file_size:
            raise LimitError(
                f"{self.file}: part {info.filename} holds more than the {_size(info.file_size)} "
                "its zip header declares; the file is damaged or hostile. Export it again",
                limit="max_uncompressed_bytes",
            )
        if self.total > self.limits.max_uncompressed_bytes:
            raise exceeded(self.file, "max_uncompressed_bytes", f"{_size(self.total)} read",
                           self.limits, f"reading part {info.filename}")  # fmt: skip


def shared_strings(source, file: str, part: str, limits: Limits) -> list[str]:
    """The texts of a shared-string table (``<sst>``), in order: each ``<si>``'s plain ``<t>``
    and rich-text runs ``<r><t>`` joined (phonetic ``<rPh>`` left out, ``_x005F_`` escapes
    undone), as openpyxl's ``read_string_table`` reads them, in bounded memory.

    Each ``<si>`` element is dropped from the tree once read, and the bytes read are counted against ``max_shared_strings_bytes`` whatever the zip header
    says (ECMA-376 Part 1, 18.4 Shared String Table).

    Raises
    ------
    LimitError
        ``max_shared_strings_bytes``.
    defusedxml.DefusedXmlException
        The part declares a DTD or entities.
    """
    counted = _Budget(source, file, part, limits)
    out: list[str] = []
    events = iterparse(counted, events=("start", "end"))
    root = None
    for event, node in events:
        if root is None:
            root = node
        if event != "end" or node.tag != _SI:
            continue
        runs = [node.find(_T)] + [r.find(_T) for r in node.iterfind(_R)]
        text = "".join(t.text or "" for t in runs if t is not None).replace("x005F_", "")
        out.append(text)
        root.clear()
    return out


class _Budget(io.RawIOBase):
    """A stream raising ``max_shared_strings_bytes`` once more than the limit was read."""

    def __init__(self, raw, file: str, part: str, limits: Limits):
        super().__init__()
        self._raw, self._file, self._part, self._limits, self._read = raw, file, part, limits, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        self._read += n
        if self._read > self._limits.max_shared_strings_bytes:
            raise exceeded(self._file, "max_shared_strings_bytes", f"over {_size(self._read)}",
                           self._limits, f"the shared-string table {self._part}")  # fmt: skip
        return n
