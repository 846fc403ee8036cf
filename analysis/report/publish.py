"""Staging and atomic publishing of a week folder, one run at a time: nothing half-done.

A run takes the week folder's lock (:func:`report_lock`: ``<out>/.<week>.lock``, a
:class:`filelock.FileLock`, held until the run ends, released by the system even when the run
is killed; the lock file itself stays, empty), removes the staging folders that killed runs
left (:func:`clean_leftovers`), then writes into ``<out>/.tmp-<week>-<random>/``
(:func:`staging_folder`; the three together: :func:`locked_staging`); only when every notebook
succeeded is the week folder swapped for it (:func:`publish`), so readers never see half a
report. Single files are written whole or not at all (:func:`write_text`, :func:`write_json`,
through :func:`analysis.files.replacing`); a disk fault becomes one
:class:`analysis.errors.OutputError` naming the path, and the previous report stays as it was.
Reference for the lock: the filelock documentation, https://py-filelock.readthedocs.io.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import uuid
import webbrowser
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from analysis.errors import ReportError
from analysis.files import make_folder, output_error, write_atomic
from analysis.report.downloads import add_downloads

__all__ = [
    "DEFAULT_WAIT",
    "add_wait_argument",
    "check_outputs",
    "clean_leftovers",
    "inside",
    "leftovers",
    "lock_path",
    "locked_staging",
    "open_report",
    "publish",
    "report_lock",
    "staging_folder",
    "write_json",
    "write_text",
]

#: seconds a report waits for another report of the same week before it fails (``--wait``)
DEFAULT_WAIT = 5.0
#: a folder a run leaves while it works: ``.tmp-<week>-<hex>`` (staging), ``.old-<week>-<hex>``
LEFTOVER = re.compile(r"\.(?:tmp|old)-(?P<week>.+)-[0-9a-f]{8,12}")


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
    """Write ``text`` (UTF-8) to ``path`` whole or not at all
    (:func:`analysis.files.write_atomic`: a temporary file in the same folder, renamed over
    ``path``, removed on any error); written as given (no newline translation, on every OS).

    Raises
    ------
    OutputError
        The disk is full, the folder read-only, ... (the message names ``path``).
    """
    write_atomic(path, text)


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON (indented, UTF-8 characters kept, other values as ``str``) with
    :func:`write_text`."""
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def add_wait_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--wait SECONDS`` (default :data:`DEFAULT_WAIT`) to ``cartlift report``'s parser:
    how long a report waits for another report of the same week to end (:func:`report_lock`)."""
    parser.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_WAIT,
        metavar="SECONDS",
        help="when another report of the same week and --out is running, wait this long for "
        f"it to end, then fail (default {DEFAULT_WAIT:g})",
    )


def lock_path(out: Path, week: str) -> Path:
    """The lock of the published folder ``<out>/<week>/``: ``<out>/.<week>.lock``."""
    return Path(out) / f".{week}.lock"


@contextlib.contextmanager
def report_lock(
    out: Path, week: str, *, wait: float = DEFAULT_WAIT, say: Callable[[str], None] | None = None,
    label: str | None = None,
) -> Iterator[Path]:  # fmt: skip
    """Hold the lock of ``<out>/<week>/`` (:func:`lock_path`) for the block; yields its path.

    A report locks its language folder: ``out`` is then the week folder and ``week`` the
    language (``<out>/<week>/.<lang>.lock``), ``label`` (default ``week``) the name the
    messages give the report (``2026-W48 (fr)``).

    A :class:`filelock.FileLock` (an OS lock on Windows, macOS and Linux, released by the
    system when its process ends, even killed). When another run holds it, wait up to ``wait``
    seconds (``say`` is told first), then raise :class:`ReportError`. The lock file itself
    stays (an empty hidden file; removing it would race with a waiting run).

    Raises
    ------
    ReportError
        Another report of ``week`` held the lock for longer than ``wait`` seconds.
    OutputError
        The lock file cannot be created (read-only folder, full disk, ...).
    """
    path, label = lock_path(make_folder(out), week), label or week
    lock = FileLock(path, thread_local=False)
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if wait <= 0:
                raise
            if say is not None:
                say(f"another report of {label} is running: waiting up to {wait:g} s for it")
            lock.acquire(timeout=wait)
    except Timeout as err:
        raise ReportError(
            f"another report of {label} is running (lock {path}); wait for it to finish, or run "
            f"again with --wait SECONDS (run_report(wait=...)) to wait for it (waited {wait:g} s)"
        ) from err
    except OSError as err:
        raise output_error(err, path, doing="create the lock file") from err
    try:
        yield path
    finally:
        lock.release()


def leftovers(out: Path) -> dict[str, list[Path]]:
    """Week -> the staging (``.tmp-<week>-*``) and old (``.old-<week>-*``) folders under
    ``out`` (:data:`LEFTOVER`), which only a running or a killed run leaves."""
    found: dict[str, list[Path]] = {}
    if not Path(out).is_dir():
        return found
    for child in sorted(Path(out).iterdir()):
        match = LEFTOVER.fullmatch(child.name)
        if match and child.is_dir() and not child.is_symlink():
            found.setdefault(match["week"], []).append(child)
    return found


def clean_leftovers(out: Path, held: str) -> list[Path]:
    """Remove the folders killed runs left under ``out`` (:func:`leftovers`); returns them.

    Rule: those of week ``held``, whose lock (:func:`report_lock`) the caller holds, all go;
    those of another week go only if its lock is free now (taken without waiting, released at
    once), so a run still holding its lock keeps its staging folder. A folder that cannot be
    removed (a file held open on Windows) is left for the next run.
    """
    removed = []
    for week, folders in leftovers(out).items():
        with contextlib.ExitStack() as stack:
            if week != held:
                try:
                    stack.enter_context(report_lock(out, week, wait=0))
                except (ReportError, OSError):
                    continue  # running now, or its lock cannot be taken: not ours to remove
            for folder in folders:
                shutil.rmtree(folder, ignore_errors=True)
                removed += [] if folder.exists() else [folder]
    return removed


@contextlib.contextmanager
def staging_folder(out: Path, week: str) -> Iterator[Path]:
    """A new folder ``<out>/.tmp-<week>-<random>/`` for one run, removed on exit (after
    :func:`publish` renamed it, nothing is left to remove).

    Not :func:`tempfile.mkdtemp`: its 0700 mode would be published with the folder.
    """
    make_folder(out)
    staging = out / f".tmp-{week}-{uuid.uuid4().hex[:12]}"
    try:
        staging.mkdir()
    except OSError as err:
        raise output_error(err, staging, doing="create the staging folder") from err
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def locked_staging(
    out: Path, week: str, *, wait: float = DEFAULT_WAIT, say: Callable[[str], None] | None = None,
    label: str | None = None,
) -> Iterator[Path]:  # fmt: skip
    """What a report does from staging to publishing: take the folder's lock
    (:func:`report_lock`, ``label`` for its messages), remove what killed runs left
    (:func:`clean_leftovers`), and yield a new staging folder (:func:`staging_folder`); lock
    released and staging removed on exit. A report passes its week folder as ``out`` and its
    language as ``week`` (:func:`analysis.report.published.language_folder`)."""
    with report_lock(out, week, wait=wait, say=say, label=label):
        clean_leftovers(out, held=week)
        with staging_folder(out, week) as staging:
            yield staging


def publish(staging: Path, final: Path) -> None:
    """Swap ``staging`` in as ``final``: rename the old folder away, rename the new one in,
    then delete the old one (restored if the second rename fails). Renaming the old folder
    away first also works on Windows, where a rename over an existing folder fails. First the
    pages get their table downloads (:func:`analysis.report.downloads.add_downloads`).

    Raises
    ------
    OutputError
        A rename failed (permission denied, a file of the old folder open in another program
        on Windows, ...); the previous report is back in place (or the message says where).
    """
    add_downloads(staging)
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
        try:
            final.rename(old)
        except OSError as err:
            raise output_error(err, final, doing="replace the report folder") from err
    try:
        staging.rename(final)
    except OSError as err:
        error = output_error(err, final, doing="publish the report folder")
        if old is not None:
            try:
                old.rename(final)
            except OSError:
                error.args = (f"{error} The previous report is in {old} (the next report of "
                              f"this week removes it): rename it {final.name} to keep it.",)  # fmt: skip
        raise error from err
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)  # left for the next run if a file is held open


def open_report(index: str | Path) -> bool:
    """Open a report page in the default browser (``webbrowser``); False when none opened."""
    return webbrowser.open(Path(index).resolve().as_uri())
