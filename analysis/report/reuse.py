"""Pages reused when nothing they stand on changed: a rerun of an unchanged week runs no notebook.

A page (``<name>.html``, its executed ``<name>.ipynb`` and its result) is kept in
``<out>/.cache/<name>/<key>/`` after a successful run. Its key (:func:`page_key`) is the sha256
of everything the page is computed from:

- the notebook file's bytes and the parameters papermill injects (week, language, privacy
  threshold ``min_viewers``, creators mode, shop file ...);
- the data: :func:`analysis.report.provenance.fingerprint` of the data file or folder (names,
  sizes and bytes of every file), and what the pages show instead of local paths;
- the kit: every file of the ``analysis`` package (code and language files), so an edited kit
  reruns its pages whatever its commit says; the runtime lock (``requirements/base.txt``); the
  templates folder; the reading limits the kernels inherit (``CARTLIFT_LIMITS``).

A run whose page key is in the cache copies the page into its staging folder instead of running
the notebook (its result says ``reused``); the page keeps the generation time of the run that
made it. Only the newest entry of each page is kept (one per notebook, whatever the week,
language or data), so the cache holds at most one copy of each page. ``reuse=False`` (the
command's ``--rerun``) runs every notebook and refreshes the cache. Cached pages are pages as
published (masked), so the cache lives beside them under ``<out>``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.files import make_folder, write_atomic
from analysis.report.execute import NotebookJob
from analysis.report.jobs import raise_failures, run_jobs
from analysis.sources.limits import ENV as LIMITS_ENV

__all__ = ["CACHE_DIR", "page_key", "reuse_pages", "run_pages", "store_pages"]

#: the cache folder under the report's ``out`` folder (git-ignored with ``reports/``)
CACHE_DIR = ".cache"
#: the files a page leaves in the staging folder, by notebook stem
PAGE_FILES = ("{name}.html", "{name}.ipynb")
#: the page's result (:mod:`analysis.report.execute`) in its cache entry
RESULT = "result.json"


def _hash_files(files: Iterable[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for f in sorted(files):
        digest.update(f.relative_to(root).as_posix().encode() + b"\0")
        digest.update(f.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def kit_fingerprint() -> str:
    """sha256 of the ``analysis`` package (every ``.py`` and ``.json`` file, by relative path
    and bytes) and of the runtime lock: what a page's code and libraries are."""
    package = paths.PROJECT_ROOT / "analysis"
    files = [f for f in package.rglob("*") if f.suffix in (".py", ".json") and f.is_file()]
    lock = paths.LOCK_FILE.read_bytes() if paths.LOCK_FILE.exists() else b""
    return hashlib.sha256((_hash_files(files, package) + "\0").encode() + lock).hexdigest()


def page_key(spec: NotebookJob) -> str:
    """The key of the page ``spec`` makes: sha256 of the notebook's bytes, its parameters, the
    data fingerprint and shown names, the language, the kit (:func:`kit_fingerprint`) and the
    templates (module docstring)."""
    templates = [f for f in spec.templates_dir.rglob("*") if f.is_file()]
    parts = {
        "notebook": hashlib.sha256(spec.source.read_bytes()).hexdigest(),
        "parameters": spec.parameters,
        "data": spec.run.get("fingerprint"),
        "shown": {k: spec.run.get(k) for k in ("data_label", "hidden", "data_files")},
        "lang": spec.lang,
        "kit": kit_fingerprint(),
        "templates": _hash_files(templates, spec.templates_dir),
        "limits": os.environ.get(LIMITS_ENV, ""),
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entry(out: Path, spec: NotebookJob) -> Path:
    return out / CACHE_DIR / spec.name / page_key(spec)[:32]


def reuse_pages(
    jobs: list[NotebookJob], out: Path
) -> tuple[list[NotebookJob], dict[str, dict[str, Any]]]:
    """Copy the cached pages of ``jobs`` into their staging folder.

    Returns
    -------
    to_run : list of NotebookJob
        The jobs whose page is not cached (page order kept).
    reused : dict
        Notebook stem -> its cached result, with ``reused`` True.
    """
    to_run: list[NotebookJob] = []
    reused: dict[str, dict[str, Any]] = {}
    for spec in jobs:
        entry = _entry(out, spec)
        files = [entry / f.format(name=spec.name) for f in PAGE_FILES]
        if not all(f.is_file() for f in (*files, entry / RESULT)):
            to_run.append(spec)
            continue
        for f in files:
            shutil.copyfile(f, spec.staging / f.name)
        result = json.loads((entry / RESULT).read_text(encoding="utf-8"))
        reused[spec.name] = {**result, "reused": True}
    return to_run, reused


def store_pages(
    jobs: list[NotebookJob], results: Mapping[str, Mapping[str, Any]], out: Path
) -> None:
    """Keep the page of every job that ran and succeeded (``status`` ok, not reused) in the
    cache, replacing the notebook's older entries; a page that cannot be stored is simply not
    reused next time (the report is published either way)."""
    for spec in jobs:
        result = results.get(spec.name, {})
        if result.get("status") != "ok" or result.get("reused"):
            continue
        entry = _entry(out, spec)
        shutil.rmtree(entry.parent, ignore_errors=True)  # one entry per notebook
        try:
            make_folder(entry)
            for f in PAGE_FILES:
                source = spec.staging / f.format(name=spec.name)
                write_atomic(entry / source.name, source.read_bytes())
            write_atomic(entry / RESULT, json.dumps(dict(result), default=str))
        except OSError:  # the cache is an optimisation: a full disk fails the publish, not this
            shutil.rmtree(entry.parent, ignore_errors=True)


def run_pages(
    jobs: list[NotebookJob], out: Path, *, reuse: bool, say: Callable[[str], None], **options: Any
) -> dict[str, dict[str, Any]]:
    """The results of ``jobs``, page order: cached pages reused (``reuse``), the others run
    (:func:`analysis.report.jobs.run_jobs` with ``options``), then stored.

    Raises
    ------
    analysis.errors.ReportError
        A notebook failed (:func:`analysis.report.jobs.raise_failures`); nothing is stored.
    """
    to_run, reused = reuse_pages(jobs, out) if reuse else (jobs, {})
    for name in reused:
        say(f"reused   {name} (nothing it stands on changed)")
    ran = run_jobs(to_run, say=say, **options)
    results = {j.name: reused.get(j.name) or ran[j.name] for j in jobs}
    raise_failures(jobs, results)
    store_pages(to_run, results, out)
    return results
