"""Provenance of a report run: data fingerprint, commit, versions, and the manifest.

Every page header, the index and ``manifest.json`` say which data (sha256 fingerprint of the
input files), code (git commit), packages (versions, sha256 of ``requirements/base.txt``) and
parameters produced them, and how to run the same report again (``docs/architecture.md``,
"Notebooks and report").
"""

from __future__ import annotations

import hashlib
import json
import platform
import shlex
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.present import i18n
from analysis.present.privacy import mask
from analysis.report.plan import FOCUS_PARAMETERS, Plan
from analysis.sources.load import input_files
from analysis.vocabulary import status_message
from analysis.weeks import Week

__all__ = [
    "SHORT",
    "VERSION_PACKAGES",
    "data_files",
    "data_label",
    "fingerprint",
    "git_commit",
    "hide_text",
    "hide_values",
    "local_paths",
    "manifest",
    "package_versions",
    "run_metadata",
    "sha256_file",
]

#: packages whose versions go into the page header and the manifest (plus python)
VERSION_PACKAGES: tuple[str, ...] = (
    "cartlift", "python", "pandas", "numpy", "statsmodels", "seaborn", "matplotlib",
    "papermill", "nbconvert",
)  # fmt: skip
#: characters of a sha256 shown in pages
SHORT = 12


def data_files(data: str | Path) -> list[tuple[str, Path]]:
    """The input files behind ``data`` (:func:`analysis.sources.load.input_files`), sorted by name.

    Returns ``(name, path)`` pairs: for a folder, every file in it (one level), including files
    no loader reads (a truth file changes the fingerprint too); for a file, its name.
    """
    return sorted((f.name, f) for f, _ in input_files(data))


def fingerprint(data: str | Path) -> str:
    """sha256 (hex) of the input files of ``data`` (see :func:`data_files`).

    For each file in name order the hash takes ``name`` (UTF-8), a NUL byte, the size in bytes
    as decimal digits, a NUL byte, then the bytes of the file. Renaming, editing, adding or
    removing a file changes it; the folder's own location does not.
    """
    digest = hashlib.sha256()
    for name, path in data_files(data):
        digest.update(name.encode("utf-8") + b"\0" + str(path.stat().st_size).encode() + b"\0")
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def data_label(data: str | Path, full: str | None = None) -> str:
    """How shared pages name the input data: its file or folder name and the first
    :data:`SHORT` hex digits of its :func:`fingerprint` (``full``, when already computed), e.g.
    ``exports (3f2a9c01b7de)``; never the local path, which names the analyst and the client."""
    return mask(f"{Path(data).name} ({(full or fingerprint(data))[:SHORT]})")  # no e-mail, phone


def local_paths(data: str | Path, shop: str | Path | None, label: str) -> dict[str, str]:
    """The local paths a shared page must not show, each mapped to what it shows instead.

    ``data`` (as given, and resolved: :func:`analysis.paths.resolve_data`, symlinks followed)
    maps to ``label`` (:func:`data_label`); the shop file to its file name. Relative forms are
    left alone: they name nothing outside the kit.
    """
    hidden: dict[str, str] = {}
    for value, shown in ((data, label), (shop, Path(shop).name if shop else "")):
        if not value:
            continue
        path = paths.resolve_data(value)
        for form in (Path(value), path, path.resolve()):
            if form.is_absolute():
                hidden[str(form)] = shown
    return hidden


def hide_text(text: str, hidden: Mapping[str, str] | None) -> str:
    """``text`` with each local path of ``hidden`` (:func:`local_paths`) replaced by what it
    shows instead, longest first, in each form a path takes in text: as is, HTML-escaped
    (``&amp;``), and inside a Python or JSON string literal (a Windows path with its
    backslashes doubled, as in papermill's injected-parameters cell); the replacement takes
    the same form."""
    forms: dict[str, str] = {}
    for path, shown in (hidden or {}).items():
        for encode in (str, escape, lambda v: escape(v, quote=False),
                       lambda v: repr(v)[1:-1], lambda v: json.dumps(v)[1:-1]):  # fmt: skip
            forms.setdefault(encode(path), encode(shown))
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, forms[form])
    return text


def hide_values(value: Any, hidden: Mapping[str, str] | None) -> Any:
    """A copy of ``value`` (nested dicts, lists and strings, e.g. a manifest or a notebook as
    ``nbformat`` reads it) with :func:`hide_text` applied to every string, keys included."""
    if isinstance(value, str):
        return hide_text(value, hidden)
    if isinstance(value, Mapping):
        return {hide_text(str(k), hidden): hide_values(v, hidden) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [hide_values(v, hidden) for v in value]
    return value


def sha256_file(path: Path) -> str | None:
    """sha256 (hex) of a file's bytes; None when it does not exist."""
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_commit(root: str | Path | None = None) -> str:
    """``git rev-parse HEAD`` in ``root`` (default the project root), plus ``-dirty`` when the
    tree has uncommitted changes (untracked files count; git-ignored ones do not); ``unknown``
    when it is not a git repository, has no commit yet, or git is missing."""
    root = Path(root) if root is not None else paths.PROJECT_ROOT

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()

    try:
        sha = git("rev-parse", "--verify", "HEAD")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    try:
        dirty = bool(git("status", "--porcelain"))
    except (OSError, subprocess.SubprocessError):
        dirty = True  # cannot show it is clean
    return sha + ("-dirty" if dirty else "")


def package_versions() -> dict[str, str]:
    """Versions of :data:`VERSION_PACKAGES` in this interpreter (the kernel runs the same one:
    kernel ``python3`` from the project venv); ``not installed`` when absent, except the kit's
    own (``cartlift``), then named by its commit (``commit 0123456789ab``, :func:`git_commit`):
    every page states the kit it was built with."""
    out = {}
    for name in VERSION_PACKAGES:
        if name == "python":
            out[name] = platform.python_version()
            continue
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = f"commit {git_commit()[:SHORT]}" if name == "cartlift" else "not installed"
    return out


def run_metadata(
    data: str | Path, week: Week, parameters: Mapping[str, Any], *, lang: str
) -> dict[str, Any]:
    """What a run stands on, shown in every page header and the index and kept in the manifest.

    Returns
    -------
    dict
        ``week``, ``monday``, ``sunday`` (ISO dates), ``monday_text``, ``sunday_text`` (long
        dates in ``lang``), ``parameters``, ``fingerprint`` (:func:`fingerprint`),
        ``fingerprint_short``, ``data_files`` (names), ``commit`` (:func:`git_commit`),
        ``versions`` (:func:`package_versions`), ``generated`` (UTC time, ISO 8601),
        ``data_label`` (:func:`data_label`) and ``hidden`` (:func:`local_paths`: what pages
        show instead of the local paths of the data and the shop file).
    """
    full = fingerprint(data)
    label = data_label(data, full)
    return {
        "week": week.iso,
        "monday": f"{week.monday:%Y-%m-%d}",
        "sunday": f"{week.sunday:%Y-%m-%d}",
        "monday_text": i18n.format_date(week.monday, lang=lang, style="long"),
        "sunday_text": i18n.format_date(week.sunday, lang=lang, style="long"),
        "parameters": dict(parameters),
        "fingerprint": full,
        "fingerprint_short": full[:SHORT],
        "data_files": [mask(n) for n, _ in data_files(data)],  # names as pages show them
        "commit": git_commit(),
        "versions": package_versions(),
        "generated": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "data_label": label,
        "hidden": local_paths(data, parameters.get("shop"), label)
        | _schedule_paths(parameters.get("schedule")),
    }


def _schedule_paths(schedule: str | Path | None) -> dict[str, str]:
    """The local paths of a switchback schedule, each shown as its file name and fingerprint
    (:func:`data_label`, as the data); ``{}`` without one."""
    return local_paths(schedule, None, data_label(schedule)) if schedule else {}


def manifest(
    run: Mapping[str, Any], plan: Plan, results: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """``manifest.json`` of a published week, free of local paths (it is shared with the pages).

    Parameters
    ----------
    run : mapping
        :func:`run_metadata` of the run.
    plan : analysis.report.plan.Plan
        The run's notebooks, their files and parameters, the extra parameters.
    results : mapping
        Notebook stem -> result of its job (``seconds``).

    Returns
    -------
    dict
        ``run`` (without ``hidden``) plus ``notebooks`` (per notebook: ``name``, ``html``,
        ``ipynb``, ``parameters``, ``source_sha256``, ``seconds``, ``status``,
        ``status_message``), ``lock_file``, ``lock_sha256``, ``reproduce`` (the
        ``cartlift report`` command line that gives the same pages, the data and shop file as
        placeholders the reader fills) and ``reproduce_data`` (the data are identified by their
        fingerprint). Every parameter ``data`` is :func:`data_label` (folder name and
        fingerprint), ``shop`` the shop file's name, and any other local path of the data or
        shop file is replaced likewise (:func:`hide_values`).
    """
    hidden = run.get("hidden") or {}

    def shared(params: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(params)
        if out.get("data"):
            out["data"] = run["data_label"]
        if out.get("shop"):
            out["shop"] = Path(out["shop"]).name
        return out

    notebooks = [
        {
            "name": n,
            "html": f"{n}.html",
            "ipynb": f"{n}.ipynb",
            "parameters": shared(plan.parameters[n]),
            "source_sha256": sha256_file(plan.sources[n]),
            "seconds": results[n]["seconds"],
            "status": "ok",
            "status_message": status_message("ok"),
        }
        for n in plan.names
    ]
    record = {
        **{k: v for k, v in run.items() if k != "hidden"},
        "parameters": shared(run["parameters"]),
        "notebooks": notebooks,
        "lock_file": _relative(paths.LOCK_FILE),
        "lock_sha256": sha256_file(paths.LOCK_FILE),
        "reproduce": _reproduce_command(run["parameters"], plan.extras),
        "reproduce_data": (
            f"The data are identified by their fingerprint, sha256 {run['fingerprint']} "
            "(over each input file's name, size and bytes): fill in the folder whose "
            "fingerprint it is (analysis.report.provenance.fingerprint)."
        ),
    }
    return hide_values(record, hidden)


def _reproduce_command(params: Mapping[str, Any], extras: Mapping[str, Any]) -> str:
    """The ``cartlift report`` command line giving the same pages (extras need the API); the
    data and the shop file are placeholders the reader fills (``<your exports folder>``)."""
    cmd = ["--week", params["week"], "--tz", params["tz"], "--lang", params["lang"],
           "--min-viewers", str(params["min_viewers"])]  # fmt: skip
    cmd += ["--creators", params["creators"]] if params.get("creators", "shown") != "shown" else []
    line = "cartlift report --data <your exports folder> " + " ".join(shlex.quote(c) for c in cmd)
    if params.get("shop"):
        line += f" --shop <your shop file: {shlex.quote(Path(params['shop']).name)}>"
    flags, extras = (
        _focus_flags(extras) if params.get("creators", "shown") == "shown" else ([], extras)
    )
    line += "".join(f" {f} {shlex.quote(v)}" for f, v in flags)
    if extras:
        line += f"  # plus run_report(parameters={dict(extras)!r})"
    return line


def _focus_flags(extras: Mapping[str, Any]) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """``--intervention`` / ``--creator`` flags giving the :data:`FOCUS_PARAMETERS` of
    ``extras`` (:func:`analysis.report.options.focus_parameters` inverted), and the extras
    left; none when they are not what those flags give (set through the API)."""
    rest = {k: v for k, v in extras.items() if k not in FOCUS_PARAMETERS}
    focus = {k: v for k, v in extras.items() if k in FOCUS_PARAMETERS}
    given = [p.strip() for p in str(focus.get("interventions", "")).split(";") if p.strip()]
    days = dict(p.rpartition(":")[::2] for p in given)
    if not given or set(focus) != set(FOCUS_PARAMETERS):
        return [], dict(extras)
    if days.get(focus["creator"]) != focus["intervention_date"] or len(days) != len(given):
        return [], dict(extras)
    flags = [("--intervention", p) for p in given]
    if given[0].rpartition(":")[0] != focus["creator"]:  # the default is the first one's
        flags.append(("--creator", focus["creator"]))
    return flags, rest


def _relative(path: Path) -> str:
    try:
        return path.relative_to(paths.PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)
