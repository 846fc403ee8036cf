"""Output files written whole or not at all, and disk faults told in words.

Every file the kit writes for people (pages, manifest, ``questions.csv``, ``cartlift load --out``
cells) goes through :func:`replacing`: the bytes go to a temporary file in the target's own
folder (``.<name>.<random>.tmp``), which :func:`os.replace` then renames over the target in one
step, so a reader sees the old file or the new one, never half of one. Rule: ``os.replace`` is
atomic when source and target are on the same file system (POSIX ``rename(2)``; Windows
``MoveFileExW`` with ``MOVEFILE_REPLACE_EXISTING``), hence the same folder; see the Python
documentation of :func:`os.replace`. On any error the temporary file is removed and the target
is left as it was.

A system error (:class:`OSError`: ``ENOSPC``, ``EACCES``/``EPERM``, ``EROFS``, Windows'
``PermissionError`` for a file open in another program) becomes one
:class:`analysis.errors.OutputError` naming the path, the cause in words and how to fix it
(:func:`output_error`). Nothing here is POSIX-only: :mod:`pathlib` and :func:`os.replace`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from analysis.errors import OutputError

__all__ = ["cause_in_words", "make_folder", "output_error", "replacing", "write_atomic"]

_FULL = (
    "the disk is full (or your quota on it is used up)",
    "free some space on that disk, or write to another folder (--out)",
)
_DENIED = (
    "permission denied: the folder is read-only or belongs to another user, or the file is "
    "open in another program",
    "close the file if another program has it open, ask for write access, or write to a "
    "folder of yours (--out)",
)
_READ_ONLY = (
    "the disk is read-only (a read-only mount, a locked card or a write-protected drive)",
    "write to a folder on another disk (--out)",
)
#: errno -> (the cause in words, how to fix it)
CAUSES: dict[int, tuple[str, str]] = {
    errno.ENOSPC: _FULL,
    errno.EACCES: _DENIED,
    errno.EPERM: _DENIED,
    errno.EROFS: _READ_ONLY,
}
if hasattr(errno, "EDQUOT"):  # not defined on Windows
    CAUSES[errno.EDQUOT] = _FULL


def cause_in_words(err: OSError) -> tuple[str, str]:
    """``(cause, fix)`` of a system error: :data:`CAUSES` by ``errno`` (any
    :class:`PermissionError` counts as permission denied, as Windows reports a file held by
    another program), else the system's own text and a general fix."""
    if isinstance(err, PermissionError):
        return _DENIED
    if err.errno in CAUSES:
        return CAUSES[err.errno]
    said = err.strerror or str(err) or type(err).__name__
    return f"the system said: {said}", "check the path and the disk, then run again"


def output_error(err: OSError, path: str | Path, *, doing: str = "write") -> OutputError:
    """The :class:`OutputError` for ``err`` met while ``doing`` ``path``: ``"cannot <doing>
    <path>: <cause>. To fix: <fix>."``; an :class:`OutputError` is returned as it is.

    Reference: the errno names of POSIX.1-2017, ``<errno.h>``.
    """
    if isinstance(err, OutputError):
        return err
    cause, fix = cause_in_words(err)
    return OutputError(f"cannot {doing} {path}: {cause}. To fix: {fix}.", path, err.errno)


def make_folder(path: str | Path) -> Path:
    """``path`` created with its parents if missing (:meth:`Path.mkdir`); a system error becomes
    an :class:`OutputError` naming it (:func:`output_error`)."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise output_error(err, path, doing="create the folder") from err
    return path


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A temporary path next to ``path`` to write to; on leaving the block it replaces ``path``
    (:func:`os.replace`). On any error the temporary file is removed, ``path`` is unchanged,
    and an :class:`OSError` becomes an :class:`OutputError` naming ``path``.

    Examples
    --------
    >>> with replacing(target) as tmp:  # doctest: +SKIP
    ...     frame.to_parquet(tmp)
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as err:
        raise output_error(err, path) from err
    finally:
        with contextlib.suppress(OSError):  # gone already after a successful replace
            tmp.unlink(missing_ok=True)


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (:func:`replacing`); text is written as
    UTF-8, as given (no newline translation, on every OS). Returns ``path``."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with replacing(path) as tmp:
        tmp.write_bytes(payload)
    return Path(path)
