"""Weekly reports: run the report notebooks with papermill, export them to offline HTML.

:func:`run_report` writes one folder per ISO week::

    reports/<week>/index.html          week index: provenance, links to the pages, earlier weeks
    reports/<week>/<name>.html         one page per notebook, code hidden, provenance header
    reports/<week>/<name>.ipynb        the executed notebook (with nb.metadata["cartlift"]),
                                       kept so a page can be re-exported or inspected
    reports/<week>/manifest.json       parameters, data fingerprint, commit, versions,
                                       notebooks, sha256 of requirements/lock.txt
    reports/<week>/<name>.FAILED.html  only after a failed run: that notebook with its code

The run happens in ``<out>/.tmp-<week>-<random>/``; the week folder is replaced only when every
notebook succeeded (the old folder is renamed away, the new one renamed in, the old removed). A
failed run writes ``<name>.FAILED.html`` into the week folder, leaves any earlier good pages and
``index.html`` untouched, and raises :class:`ReportError`.

A report notebook declares its parameters in one cell tagged ``parameters`` (plain literals whose
defaults point at the embedded sample)::

    data: str = "data/sample"  # canonical file or folder, relative to the project root
    week: str = "latest"  # ISO week, e.g. "2026-W47"; "latest" = last complete week
    tz: str = "Europe/Paris"  # shop time zone

and filters its cells with :func:`select_week`. It must declare ``data``; ``week`` and ``tz`` are
passed only when declared; extra parameters must be declared by every notebook they are passed to.

Week helpers live in :mod:`analysis.weeks` (re-exported here); papermill and nbconvert are imported
only when a report runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

from analysis import paths
from analysis.paths import NOTEBOOKS_DIR, REPORTS_DIR, SAMPLE_TZ, TEMPLATES_DIR, resolve_data
from analysis.weeks import WEEK_PATTERN, Week, parse_week, resolve_week, select_week, week_bounds

__all__ = [
    "REPORT_NOTEBOOKS",
    "STANDARD_PARAMETERS",
    "ReportError",
    "Week",
    "data_files",
    "external_resources",
    "fingerprint",
    "git_commit",
    "notebook_parameters",
    "package_versions",
    "parse_week",
    "resolve_week",
    "run_report",
    "select_week",
    "week_bounds",
]

#: notebooks (stems under ``analysis.paths.NOTEBOOKS_DIR``) of the weekly report, in page order
REPORT_NOTEBOOKS: tuple[str, ...] = ("01_live_vs_nonlive",)
#: parameters :func:`run_report` passes to every notebook that declares them
STANDARD_PARAMETERS: tuple[str, ...] = ("data", "week", "tz")
#: packages whose versions go into the page header and the manifest (plus python)
VERSION_PACKAGES: tuple[str, ...] = (
    "cartlift", "python", "pandas", "numpy", "statsmodels", "seaborn", "matplotlib",
    "papermill", "nbconvert",
)  # fmt: skip
#: the nbconvert template (a folder under ``templates/``) of the notebook pages
PAGE_TEMPLATE = "report"
#: the Jinja2 template (under ``templates/``) of the week index
INDEX_TEMPLATE = "index.html.j2"

_SHORT = 12  # characters of a sha256 shown in pages


class ReportError(RuntimeError):
    """A report notebook failed; nothing was published for that run.

    Attributes: ``notebook`` (stem), ``cell_index`` (0-based index in the source notebook, or
    None), ``execution_count``, ``ename``, ``evalue`` and ``failed_html`` (the failure page, code
    shown), each None when unknown.
    """

    def __init__(
        self,
        message: str,
        *,
        notebook: str | None = None,
        cell_index: int | None = None,
        execution_count: int | None = None,
        ename: str | None = None,
        evalue: str | None = None,
        failed_html: Path | None = None,
    ):
        super().__init__(message)
        self.notebook = notebook
        self.cell_index = cell_index
        self.execution_count = execution_count
        self.ename = ename
        self.evalue = evalue
        self.failed_html = failed_html


# --------------------------------------------------------------------------------------------
# provenance


def data_files(data: str | Path) -> list[tuple[str, Path]]:
    """The input files of ``data`` as :func:`analysis.load.load` reads them, sorted by name.

    Returns ``(relative name, path)`` pairs: for a folder, its canonical files (not recursive)
    named relative to it; for a file, its name.
    """
    from analysis.sources.canonical import SUFFIXES

    path = resolve_data(data)
    if path.is_dir():
        found = [(f.name, f) for f in path.iterdir() if f.suffix in SUFFIXES and f.is_file()]
        if not found:
            raise FileNotFoundError(f"{path}: no canonical file ({', '.join(SUFFIXES)}) in it")
        return sorted(found)
    if path.is_file():
        return [(path.name, path)]
    raise FileNotFoundError(f"{path}: no such file or directory")


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


def _sha256_file(path: Path) -> str | None:
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
    kernel ``python3`` from the project venv); ``not installed`` when absent."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in VERSION_PACKAGES:
        if name == "python":
            out[name] = platform.python_version()
            continue
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def external_resources(html: str) -> list[str]:
    """Resources an HTML page would fetch from the network (empty list = opens offline).

    Looks at every ``src``/``srcset``/``poster``/``data`` attribute, ``<link href>``, and
    ``url(...)``/``@import`` in ``<style>`` blocks and ``style`` attributes; a value starting with
    ``http:``, ``https:`` or ``//`` is external. Plain ``<a href>`` links are navigation, not
    resources. (JavaScript that builds requests at run time cannot be seen this way.)
    """
    finder = _ExternalFinder()
    finder.feed(html)
    finder.close()
    return finder.found


_EXTERNAL = ("http:", "https:", "//")
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]*)""", re.I)


class _ExternalFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is None:
                continue
            if key in ("src", "poster", "data") or (tag == "link" and key == "href"):
                if value.strip().lower().startswith(_EXTERNAL):
                    self.found.append(f"<{tag} {key}={value!r}>")
            elif key == "srcset":
                for part in value.split(","):
                    if part.strip().lower().startswith(_EXTERNAL):
                        self.found.append(f"<{tag} srcset={part.strip()!r}>")
            elif key == "style":
                self.found += [f"<{tag} style: {u}>" for u in _CSS_URL.findall(value)]
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += [f"<style>: {u}" for u in _CSS_URL.findall(data)]


# --------------------------------------------------------------------------------------------
# notebooks


def notebook_parameters(path: str | Path) -> dict[str, dict[str, Any]]:
    """Parameters declared in the ``parameters``-tagged cell of a notebook.

    Returns papermill's inspection, ``{name: {name, inferred_type_name, default, help}}``.

    Raises
    ------
    ValueError
        When the notebook has no cell tagged ``parameters``.
    """
    import nbformat
    import papermill as pm

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise ValueError(
            f"{path.name}: no cell tagged 'parameters'; tag the cell that assigns "
            f"{', '.join(STANDARD_PARAMETERS)} (JupyterLab: property inspector -> Add Tag)"
        )
    return pm.inspect_notebook(_pm_path(path))


def _pm_path(path: str | Path) -> str:
    """A path for papermill, which ``str.format``s input and output paths with the parameters:
    braces are doubled so a folder name with ``{`` or ``}`` stays as it is."""
    return str(path).replace("{", "{{").replace("}", "}}")


@contextlib.contextmanager
def _environ(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _export_html(nb, name: str, templates_dir: Path, *, show_code: bool) -> str:
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.TemplateExporter.extra_template_basedirs = [str(templates_dir)]
    if show_code:
        # failure page: keep the parameters and injected-parameters cells visible too
        c.TagRemovePreprocessor.remove_cell_tags = ["remove-cell"]
    else:
        c.TemplateExporter.exclude_input = True
        c.TemplateExporter.exclude_input_prompt = True
        c.TemplateExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=c, template_name=PAGE_TEMPLATE)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
    return body


def _write_text(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so readers never see half a file."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _first_line(source: str) -> str:
    line = next((s.strip() for s in source.splitlines() if s.strip()), "")
    return line if len(line) <= 80 else line[:77] + "..."


def _failure(exc: Exception, executed: Path, source_nb) -> dict[str, Any]:
    """Where a notebook failed: cell index in the source notebook, In [n], first line, error."""
    from papermill.exceptions import PapermillExecutionError

    info: dict[str, Any] = {"cell_index": None, "execution_count": None, "line": None}
    if isinstance(exc, PapermillExecutionError):
        info.update(ename=exc.ename, evalue=str(exc.evalue), execution_count=exc.exec_count)
        info["line"] = _first_line(exc.source or "")
        index = exc.cell_index  # index in the executed notebook, before papermill's markers
        if executed.exists():
            import nbformat

            cells = [
                c
                for c in nbformat.read(executed, as_version=4).cells
                if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])
            ]
            injected = sum(
                "injected-parameters" in c.get("metadata", {}).get("tags", [])
                for c in cells[:index]
            )
            in_source = any(
                "injected-parameters" in c.get("metadata", {}).get("tags", [])
                for c in source_nb.cells
            )
            index -= 0 if in_source else injected
        info["cell_index"] = index
    else:
        info.update(ename=type(exc).__name__, evalue=str(exc))
    return info


# --------------------------------------------------------------------------------------------
# the run


def run_report(
    *,
    data: str | Path,
    week: str = "latest",
    out: str | Path = REPORTS_DIR,
    tz: str = SAMPLE_TZ,
    notebooks: Iterable[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    timeout: int | None = 600,
    notebooks_dir: str | Path = NOTEBOOKS_DIR,
    templates_dir: str | Path = TEMPLATES_DIR,
) -> Path:
    """Run the report notebooks for one ISO week and publish ``<out>/<week>/``.

    Parameters
    ----------
    data : str or Path
        Canonical file or folder, as given to :func:`analysis.load.load` (relative paths from
        the project root). Passed to the notebooks as the string given.
    week : str
        ``"YYYY-Www"`` or ``"latest"`` (the last complete ISO week of the data, see
        :func:`resolve_week`). Notebooks receive the resolved ``"YYYY-Www"``.
    out : str or Path
        Reports folder; the week's pages go to ``<out>/<week>/``.
    tz : str
        Shop time zone, for loading and passed to the notebooks.
    notebooks : iterable of str, optional
        Notebook stems under ``notebooks_dir``; default :data:`REPORT_NOTEBOOKS`. Page order.
    parameters : mapping, optional
        Extra notebook parameters; each must be declared by every notebook run. ``data``,
        ``week`` and ``tz`` are set through their own arguments.
    timeout : int or None
        Per-cell execution timeout in seconds (papermill ``execution_timeout``); None = none.
    notebooks_dir, templates_dir : str or Path
        Where the notebooks and the templates (``report/`` and ``index.html.j2``) are. The
        kernel runs with ``cwd=notebooks_dir``.

    Returns
    -------
    Path
        ``<out>/<week>/index.html``.

    Raises
    ------
    FileNotFoundError
        A notebook or the data does not exist.
    ValueError
        Malformed week or week without data; a notebook without a ``parameters`` cell or not
        declaring ``data``; an unknown or reserved extra parameter. Nothing is written.
    ReportError
        A notebook failed (its ``<name>.FAILED.html``, code shown, is written to the week
        folder; nothing else changes there) or a page would load external resources.
    """
    from analysis.load import load

    notebooks_dir, templates_dir, out = Path(notebooks_dir), Path(templates_dir), Path(out)
    names = (notebooks,) if isinstance(notebooks, str) else tuple(notebooks or REPORT_NOTEBOOKS)
    if not names:
        raise ValueError("no notebook to run: pass notebooks=[...] or leave the default")
    if len(set(names)) != len(names):
        raise ValueError(f"notebooks {list(names)} lists a notebook twice")
    if week != "latest":
        parse_week(week)  # fail on a malformed week before any work
    extras = dict(parameters or {})
    reserved = sorted(set(extras) & set(STANDARD_PARAMETERS))
    if reserved:
        raise ValueError(
            f"parameters {reserved} are set by run_report's own arguments "
            f"(data=, week=, tz=); remove them from parameters="
        )

    sources: dict[str, Path] = {}
    declared: dict[str, set[str]] = {}
    for name in names:
        src = notebooks_dir / f"{name}.ipynb"
        if not src.is_file():
            available = sorted(p.stem for p in notebooks_dir.glob("*.ipynb"))
            raise FileNotFoundError(
                f"notebook {name!r} not found: no {src}; available: {available or 'none'}"
            )
        sources[name] = src
        declared[name] = set(notebook_parameters(src))
        if "data" not in declared[name]:
            raise ValueError(
                f"notebook {name!r} does not declare the parameter 'data' in its parameters "
                f"cell (declares {sorted(declared[name])}); a report page must read the data "
                "it is fingerprinted with"
            )
        unknown = sorted(set(extras) - declared[name])
        if unknown:
            raise ValueError(
                f"unknown parameter(s) {unknown} for notebook {name!r}: its parameters cell "
                f"declares {sorted(declared[name])} (papermill would only warn and ignore them)"
            )

    cells = load(data, tz=tz)
    wk = resolve_week(cells, week)
    full = fingerprint(data)
    standard = {"data": str(data), "week": wk.iso, "tz": tz}
    run: dict[str, Any] = {
        "week": wk.iso,
        "monday": f"{wk.monday:%Y-%m-%d}",
        "sunday": f"{wk.sunday:%Y-%m-%d}",
        "parameters": {**standard, **extras},
        "fingerprint": full,
        "fingerprint_short": full[:_SHORT],
        "data_files": [n for n, _ in data_files(data)],
        "commit": git_commit(),
        "versions": package_versions(),
        "generated": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    passed = {
        name: {**{k: v for k, v in standard.items() if k in declared[name]}, **extras}
        for name in names
    }

    out.mkdir(parents=True, exist_ok=True)
    final = out / wk.iso
    staging = out / f".tmp-{wk.iso}-{uuid.uuid4().hex[:12]}"  # not mkdtemp: its 0700 mode
    staging.mkdir()  # would be published with the folder
    try:
        with _environ(JUPYTER_PREFER_ENV_PATH="1"):
            for name in names:
                _run_notebook(
                    name, sources[name], staging, final, passed[name], run, timeout,
                    notebooks_dir, templates_dir,
                )  # fmt: skip
        lock = _sha256_file(paths.LOCK_FILE)
        pages = [{"name": n, "href": quote(f"{n}.html")} for n in names]
        manifest = {
            **run,
            "notebooks": [
                {"name": n, "html": f"{n}.html", "ipynb": f"{n}.ipynb", "parameters": passed[n]}
                for n in names
            ],
            "lock_file": _relative(paths.LOCK_FILE),
            "lock_sha256": lock,
        }
        _write_text(
            staging / "manifest.json",
            json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n",
        )
        _write_text(
            staging / "index.html",
            _render_index(templates_dir, run=run, pages=pages, lock=lock, out=out),
        )
        _publish(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final / "index.html"


def _run_notebook(
    name: str,
    src: Path,
    staging: Path,
    final: Path,
    params: dict[str, Any],
    run: dict[str, Any],
    timeout: int | None,
    notebooks_dir: Path,
    templates_dir: Path,
) -> None:
    import nbformat
    import papermill as pm

    executed = staging / f"{name}.ipynb"
    meta = {**run, "notebook": name, "parameters": params}
    try:
        nb = pm.execute_notebook(
            _pm_path(src),
            _pm_path(executed),
            parameters=params,
            kernel_name="python3",
            cwd=str(notebooks_dir),
            progress_bar=False,
            execution_timeout=timeout,
            log_output=False,
        )
    except Exception as exc:  # any failure of the run is reported the same way
        source_nb = nbformat.read(src, as_version=4)
        info = _failure(exc, executed, source_nb)
        where = (
            f"cell {info['cell_index']} (0-based index in {src.name}; "
            f"In [{info['execution_count']}]) `{info['line']}`"
            if info["cell_index"] is not None
            else "before or outside any cell"
        )
        error = f"{info['ename']}: {info['evalue']}"
        failed_nb = nbformat.read(executed, as_version=4) if executed.exists() else source_nb
        failed_nb.metadata["cartlift"] = {
            **meta,
            "status": "failed",
            "error": f"{name} failed at {where}: {error}",
        }
        page = final / f"{name}.FAILED.html"
        final.mkdir(parents=True, exist_ok=True)
        _write_text(page, _export_html(failed_nb, name, templates_dir, show_code=True))
        raise ReportError(
            f"notebook {name!r} failed at {where}: {error}\n"
            f"failure page (code shown): {page}\n"
            "nothing was published for this run; earlier pages of the week are unchanged",
            notebook=name,
            cell_index=info["cell_index"],
            execution_count=info["execution_count"],
            ename=info["ename"],
            evalue=info["evalue"],
            failed_html=page,
        ) from exc

    nb.metadata["cartlift"] = {**meta, "status": "ok"}
    nb.metadata.setdefault("papermill", {})["output_path"] = str(final / executed.name)
    html = _export_html(nb, name, templates_dir, show_code=False)
    external = external_resources(html)
    if external:
        raise ReportError(
            f"notebook {name!r}: its page would load {len(external)} external resource(s) and "
            f"not open offline: {external[:5]}; draw static figures (matplotlib/seaborn) and "
            "avoid remote images or scripts",
            notebook=name,
        )
    _write_text(staging / f"{name}.html", html)
    nbformat.write(nb, executed)


def _relative(path: Path) -> str:
    try:
        return path.relative_to(paths.PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def _earlier_weeks(out: Path, week: str) -> list[dict[str, str]]:
    found = [
        p.name
        for p in out.iterdir()
        if p.is_dir()
        and WEEK_PATTERN.fullmatch(p.name)
        and p.name < week
        and (p / "index.html").exists()
    ]
    return [{"week": w, "href": f"../{quote(w)}/index.html"} for w in sorted(found, reverse=True)]


def _render_index(
    templates_dir: Path, *, run: dict, pages: list[dict], lock: str | None, out: Path
) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template(INDEX_TEMPLATE).render(
        run=run, pages=pages, lock_sha256=lock, earlier=_earlier_weeks(out, run["week"])
    )


def _publish(staging: Path, final: Path) -> None:
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
