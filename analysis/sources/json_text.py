"""JSON read within the reading limits: the file's size, and its nesting depth checked without
recursion before it is parsed.

Python's ``json`` parses nested arrays and objects recursively: a file of 100,000 ``[`` raises
``RecursionError`` (or, deep enough in C, worse) instead of a clear error. :func:`depth` measures
the nesting first by scanning the text: strings are removed with one regular expression
(an unterminated string runs to the end of the text, so the scan stays linear), the brackets left
are counted with a cumulative sum (numpy), never a recursive call. :func:`loads` refuses a text
nested deeper than ``max_json_depth`` (TikTok Shop API responses nest 5 or 6 deep), and turns a
``RecursionError`` of the parser into the same error should one still occur. Limits:
``docs/data-formats.md``, "Reading limits"; JSON grammar: RFC 8259.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from analysis.errors import UnreadableError
from analysis.sources.limits import Limits, current, exceeded

__all__ = ["check_size", "depth", "loads", "read_json"]

#: a JSON string (escapes honoured); one never closed runs to the end of the text
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)


def depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON ``text`` (``0`` for a bare value,
    ``1`` for ``[1, 2]``), brackets inside strings ignored, computed without recursion: the
    maximum of the running sum of +1 per ``[``/``{`` and -1 per ``]``/``}``."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text)).encode("ascii")
    if not brackets:
        return 0
    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where(np.isin(codes, _OPEN), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


def check_size(path: Path, limits: Limits | None = None) -> None:
    """Raise :class:`~analysis.errors.LimitError` (``max_uncompressed_bytes``) when the file at
    ``path`` is bigger than the limit (it is read whole, and parsed JSON takes several times its
    size in memory)."""
    limits = current(limits)
    size = Path(path).stat().st_size
    if size > limits.max_uncompressed_bytes:
        raise exceeded(Path(path).name, "max_uncompressed_bytes", f"{size:,} bytes", limits,
                       "the JSON file, read whole")  # fmt: skip


def loads(text: str, file: str, limits: Limits | None = None):
    """``json.loads(text)`` once the nesting is known to be within ``max_json_depth``.

    Raises
    ------
    LimitError
        ``max_json_depth`` (``file`` named in the message).
    json.JSONDecodeError
        Not valid JSON (the caller words it).
    """
    limits = current(limits)
    found = depth(text)
    if found > limits.max_json_depth:
        raise exceeded(file, "max_json_depth", f"arrays and objects nested {found:,} deep",
                       limits)  # fmt: skip
    try:
        return json.loads(text)
    except RecursionError:
        raise exceeded(file, "max_json_depth", "nesting too deep for the JSON parser",
                       limits) from None  # fmt: skip


def read_json(path: Path, again: str = "save it again", limits: Limits | None = None):
    """The JSON value of the UTF-8 file at ``path`` (a byte-order mark allowed), within the
    limits (:func:`check_size`, :func:`loads`); ``again`` ends the message of an empty file.

    Raises
    ------
    LimitError
        ``max_uncompressed_bytes``, ``max_json_depth``.
    UnreadableError
        Not UTF-8, empty, or not valid JSON (the message gives the line).
    """
    path = Path(path)
    check_size(path, limits)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableError(f"{path.name}: not UTF-8 JSON") from None
    if not text.strip():
        raise UnreadableError(f"{path.name}: the file is empty; {again}")
    try:
        return loads(text, path.name, limits)
    except json.JSONDecodeError as err:
        raise UnreadableError(
            f"{path.name}: not valid JSON ({err.msg} at line {err.lineno}); the file may be "
            "truncated"
        ) from None
