"""Staging and atomic publishing of a week folder: readers never see half a report.

A run writes into ``<out>/.tmp-<week>-<random>/`` (:func:`staging_folder`); only when every
notebook succeeded is the week folder swapped for it (:func:`publish`). Single files are written
through a temporary file and a rename (:func:`write_text`, :func:`write_json`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
import webbrowser
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "check_outputs",
    "inside",
    "open_report",
    "publish",
    "staging_folder",
    "write_json",
    "write_text",
]


def inside(path: Path, root: Path) -> Path:
    """``path`` if it lies under ``root`` once both are resolved (symlinks followed), else
    ``ValueError`` naming both; a ``..`` below ``root`` is refused as it is (``root`` itself
    may hold one: ``--out ../reports``). Pure :mod:`pathlib` (``resolve`` + ``is_relative_to``):
    the same on Windows, macOS and Linux."""
    below = Path(path).relative_to(root).parts if Path(path).is_relative_to(root) else ()
    if ".." in below:
        raise ValueError(f"refusing to write {path}: '..' is not allowed in a report's paths")
    base = Path(root).resolve()
    if not Path(path).resolve().is_relative_to(base):
        raise ValueError(
            f"refusing to write {path} (resolves to {Path(path).resolve()}): a report writes "
            f"only under its --out folder {base}"
        )
    return path


def check_outputs(out: Path, final: Path, names: Iterable[str]) -> None:
    """Check (:func:`inside`) every file a report of notebooks ``names`` writes into its week
    folder ``final``: pages, executed notebooks, failure pages, manifest, questions, index."""
    files = [final / f for f in ("index.html", "manifest.json", "questions.csv")]
    for name in names:
        files += [final / f"{name}{ext}" for ext in (".html", ".ipynb", ".FAILED.html")]
    for path in [final, *files]:
        inside(path, out)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and a rename, so readers
    never see half a file; written as given (no newline translation, on every OS)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON (indented, UTF-8 characters kept, other values as ``str``) with
    :func:`write_text`."""
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@contextlib.contextmanager
def staging_folder(out: Path, week: str) -> Iterator[Path]:
    """A new folder ``<out>/.tmp-<week>-<random>/`` for one run, removed on exit (after
    :func:`publish` renamed it, nothing is left to remove).

    Not :func:`tempfile.mkdtemp`: its 0700 mode would be published with the folder.
    """
    out.mkdir(parents=True, exist_ok=True)
    staging = out / f".tmp-{week}-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def publish(staging: Path, final: Path) -> None:
    """Swap ``staging`` in as ``final``: rename the old folder away, rename the new one in,
    then delete the old one (restored if the second rename fails)."""
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
        final.rename(old)
    try:
        staging.rename(final)
    except OSError:
        if old is not None:
            old.rename(final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def open_report(index: str | Path) -> bool:
    """Open a report page in the default browser (``webbrowser``); False when none opened."""
    return webbrowser.open(Path(index).resolve().as_uri())
