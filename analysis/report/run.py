"""Weekly reports: run the report notebooks with papermill, export them to offline HTML.

:func:`run_report` writes one folder per ISO week::

    reports/<week>/index.html          week index: headline KPIs with intervals, links to the
                                       pages, earlier weeks, provenance
    reports/<week>/<name>.html         one page per notebook: code folded under "show code",
                                       table of contents, provenance header
    reports/<week>/<name>.ipynb        the executed notebook (with nb.metadata["cartlift"]),
                                       kept so a page can be re-exported or inspected
    reports/<week>/manifest.json       parameters, data fingerprint, commit, versions,
                                       notebooks, sha256 of requirements/lock.txt
    reports/<week>/<name>.FAILED.html  only after a failed run: that notebook with its code

Notebooks run in parallel, one process per notebook (each starts its own kernel), at most
``workers`` at a time; a line is printed when each starts and ends. Each has a per-cell timeout
(papermill) and a per-notebook timeout (the whole job: a kernel that never answers is stopped).
The run happens in ``<out>/.tmp-<week>-<random>/``; the week folder is replaced only when every
notebook succeeded (the old folder is renamed away, the new one renamed in, the old removed). A
failed run writes ``<name>.FAILED.html`` into the week folder, leaves any earlier good pages and
``index.html`` untouched, and raises :class:`ReportError`.

Pages are self-contained and script-free: CSS and figures inline, no CDN, no JavaScript at all
(the "show code" toggle is an HTML ``<details>`` element), so they open offline, on a phone, and
print. Data-derived text is escaped where it is rendered (:mod:`analysis.present.display`, the templates'
``escape_html`` and Jinja2 autoescape); ``external_resources`` refuses a page that would fetch
anything.

A report notebook declares its parameters in one cell tagged ``parameters`` (plain literals whose
defaults point at the embedded sample)::

    data: str = "data/sample"  # canonical file or folder, relative to the project root
    week: str = "latest"  # ISO week, e.g. "2026-W47"; "latest" = last complete week
    tz: str = "Europe/Paris"  # shop time zone
    lang: str = "en"  # report language: en, fr (a file in analysis/present/locales/strings/)
    min_viewers: int = 10  # shared tables show counts below this as "< k"

and filters its cells with :func:`select_week`. It must declare ``data``; the other standard
parameters are passed only when declared; extra parameters must be declared by every notebook
they are passed to. Markdown cells tagged ``i18n:<key>`` are replaced by their translation when
the page is exported in another language (:mod:`analysis.present.i18n`).

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
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

from analysis import paths
from analysis.errors import NotebookTimeout, ReportError
from analysis.paths import NOTEBOOKS_DIR, REPORTS_DIR, SAMPLE_TZ, TEMPLATES_DIR
from analysis.weeks import WEEK_PATTERN, Week, parse_week, resolve_week, select_week, week_bounds

__all__ = [
    "DEFAULT_MIN_VIEWERS",
    "MAX_WORKERS",
    "REPORT_NOTEBOOKS",
    "STANDARD_PARAMETERS",
    "ReportError",
    "Week",
    "add_report_arguments",
    "data_files",
    "external_resources",
    "fingerprint",
    "git_commit",
    "headline_kpis",
    "notebook_parameters",
    "open_report",
    "package_versions",
    "parse_week",
    "resolve_week",
    "run",
    "run_report",
    "select_week",
    "week_bounds",
]

#: notebooks (stems under ``analysis.paths.NOTEBOOKS_DIR``) of the weekly report, in page order
REPORT_NOTEBOOKS: tuple[str, ...] = (
    "weekly_report", "00_data_quality", "01_live_vs_nonlive", "02_hour_of_day", "03_audience",
    "04_regression", "05_dynamics",
)  # fmt: skip
#: parameters :func:`run_report` passes to every notebook that declares them
STANDARD_PARAMETERS: tuple[str, ...] = ("data", "week", "tz", "lang", "min_viewers")
#: packages whose versions go into the page header and the manifest (plus python)
VERSION_PACKAGES: tuple[str, ...] = (
    "cartlift", "python", "pandas", "numpy", "statsmodels", "seaborn", "matplotlib",
    "papermill", "nbconvert",
)  # fmt: skip
#: the nbconvert template (a folder under ``templates/``) of the notebook pages
PAGE_TEMPLATE = "report"
#: the Jinja2 template (under ``templates/``) of the week index
INDEX_TEMPLATE = "index.html.j2"
#: small-cell threshold k of shared output (counts below it are shown as "< k")
DEFAULT_MIN_VIEWERS = 10
#: upper bound of parallel notebook processes (each holds a kernel and its data in memory)
MAX_WORKERS = 8
#: confidence level of the index page's headline KPIs
KPI_LEVEL = 0.95
#: metrics of the index page's headline KPIs (skipped when the data lacks their columns)
KPI_METRICS = ("atc_rate", "conversion")
#: seconds a timed-out notebook process gets to stop its kernel before it is killed
_GRACE = 20

_SHORT = 12  # characters of a sha256 shown in pages
_TOC_MARK = "<!-- cartlift:toc -->"


# --------------------------------------------------------------------------------------------
# provenance


def data_files(data: str | Path) -> list[tuple[str, Path]]:
    """The input files behind ``data`` (:func:`analysis.sources.load.input_files`), sorted by name.

    Returns ``(name, path)`` pairs: for a folder, every file in it (one level), including files
    no loader reads (a truth file changes the fingerprint too); for a file, its name.
    """
    from analysis.sources.load import input_files

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


def translate_markdown(nb, *, lang: str):
    """A copy of ``nb`` whose markdown cells tagged ``i18n:<key>`` hold their ``lang``
    translation (:func:`analysis.present.i18n.markdown`); unchanged for the source language.

    Raises
    ------
    analysis.present.i18n.LanguageError
        A tagged cell has no translation in ``lang`` (a half-translated page is not published).
    """
    import copy

    from analysis.present import i18n

    i18n.check_lang(lang)
    out = copy.deepcopy(nb)
    if lang == i18n.SOURCE_LANGUAGE:
        return out
    for cell in out.cells:
        key = i18n.markdown_key(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type == "markdown" and key is not None:
            cell.source = i18n.markdown(key, lang=lang)
    return out


def _labels(lang: str) -> dict[str, str]:
    from analysis.present import i18n

    keys = ("title", "week", "back", "failed", "show_code", "contents", "parameters",
            "week_label", "fingerprint", "commit", "versions", "generated", "lock", "manifest",
            "none", "provenance", "provenance_note")  # fmt: skip
    return {k: i18n.t(f"report.{k}", lang=lang) for k in keys}


def _notebook_title(nb, fallback: str) -> str:
    """Text of the first markdown heading of ``nb`` (plain text, unescaped), else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#{1,2}\s+(.+?)\s*#*\s*$", cell.source, flags=re.M)
            if m:
                return re.sub(r"[*_`]", "", m.group(1))
    return fallback


class _Headings(HTMLParser):
    """``(level, id, text)`` of every h1-h3 with an id (nbconvert gives markdown headings one)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []
        self._open: list[Any] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("h1", "h2", "h3") and a.get("id"):
            self._open = [int(tag[1]), a["id"], []]
        elif self._open is not None and tag == "a" and "anchor-link" in (a.get("class") or ""):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == "a" and self._skip:
            self._skip -= 1
        elif self._open is not None and tag == f"h{self._open[0]}":
            level, ident, text = self._open
            self.found.append((level, ident, " ".join("".join(text).split())))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None and not self._skip:
            self._open[2].append(data)


def _with_toc(html: str, title: str) -> str:
    """Replace the template's TOC marker by a list of links to the page's h1-h3 headings."""
    finder = _Headings()
    finder.feed(html)
    finder.close()
    items = "".join(
        f'<li class="toc-h{level}"><a href="#{escape(quote(ident, safe=""), quote=True)}">'
        f"{escape(text)}</a></li>"
        for level, ident, text in finder.found
        if text
    )
    nav = (
        f'<nav class="cartlift-toc" aria-label="{escape(title, quote=True)}">'
        f"<h2>{escape(title)}</h2><ol>{items}</ol></nav>"
        if items
        else ""
    )
    return html.replace(_TOC_MARK, nav, 1)


def _export_html(nb, name: str, templates_dir: Path, *, show_code: bool, lang: str = "en") -> str:
    """HTML of an executed notebook through ``templates/report``: translated markdown, code
    folded under "show code" (or shown, for failure pages), table of contents."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    labels = _labels(lang)
    nb = translate_markdown(nb, lang=lang)
    nb.metadata["title"] = _notebook_title(nb, name)
    c = Config()
    c.TemplateExporter.extra_template_basedirs = [str(templates_dir)]
    c.HTMLExporter.language_code = lang.split("_")[0]
    c.TemplateExporter.exclude_input_prompt = True
    c.TemplateExporter.exclude_output_prompt = True
    if show_code:
        # failure page: keep the parameters and injected-parameters cells visible too
        c.TagRemovePreprocessor.remove_cell_tags = ["remove-cell"]
    exporter = HTMLExporter(config=c, template_name=PAGE_TEMPLATE)
    resources = {
        "metadata": {"name": name},
        "cartlift": {"labels": labels, "show_code": show_code, "lang": lang},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return _with_toc(body, labels["contents"])


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
# one notebook: a job run in its own process


def _on_sigterm(signum, frame):  # pragma: no cover - runs in the job process
    raise NotebookTimeout("stopped: the notebook exceeded its per-notebook timeout")


def _job(spec: dict[str, Any]) -> None:
    """Run one notebook (papermill), export it, write ``<staging>/.<name>.result.json``.

    Runs in a spawned process started by :func:`_run_jobs`; SIGTERM (the per-notebook timeout)
    becomes :class:`NotebookTimeout`, so papermill stops the kernel and a failure page is
    written like for any other failure.
    """
    signal.signal(signal.SIGTERM, _on_sigterm)
    # One BLAS thread per kernel: the notebooks' models are small, and several kernels share the
    # cores; with one OpenBLAS thread per core in every kernel, statsmodels' small matrix calls
    # run 5-10x slower (measured: lstsq 0.27 s vs 0.06 s). The kernel inherits this environment.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    staging, name = Path(spec["staging"]), spec["name"]
    started = time.monotonic()
    try:
        result = _run_notebook(
            name, Path(spec["src"]), staging, Path(spec["final"]), spec["params"], spec["run"],
            spec["timeout"], Path(spec["notebooks_dir"]), Path(spec["templates_dir"]),
            spec["lang"],
        )  # fmt: skip
    except ReportError as err:
        result = {
            "status": "failed",
            "message": str(err),
            **{k: getattr(err, k) for k in ("cell_index", "execution_count", "ename", "evalue")},
            "failed_html": str(err.failed_html) if err.failed_html else None,
        }
    except BaseException as err:  # noqa: BLE001 - anything else is reported, not lost
        result = {"status": "failed", "message": f"{type(err).__name__}: {err}",
                  "ename": type(err).__name__, "evalue": str(err)}  # fmt: skip
    result["seconds"] = round(time.monotonic() - started, 1)
    _write_text(staging / f".{name}.result.json", json.dumps(result, default=str))


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
    lang: str,
) -> dict[str, Any]:
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
        try:
            failed_nb = nbformat.read(executed, as_version=4) if executed.exists() else source_nb
        except Exception:  # noqa: BLE001 - a half-written notebook: show the source instead
            failed_nb = source_nb
        failed_nb.metadata["cartlift"] = {
            **meta,
            "status": "failed",
            "error": f"{name} failed at {where}: {error}",
        }
        page = final / f"{name}.FAILED.html"
        final.mkdir(parents=True, exist_ok=True)
        try:
            html = _export_html(failed_nb, name, templates_dir, show_code=True, lang=lang)
        except Exception:  # noqa: BLE001 - e.g. a missing translation: show it in English
            html = _export_html(failed_nb, name, templates_dir, show_code=True, lang="en")
        _write_text(page, html)
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
    html = _export_html(nb, name, templates_dir, show_code=False, lang=lang)
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
    title = _notebook_title(translate_markdown(nb, lang=lang), name)
    return {"status": "ok", "title": title}


def _run_jobs(
    specs: list[dict[str, Any]],
    *,
    workers: int,
    notebook_timeout: float | None,
    say: Callable[[str], None],
) -> dict[str, dict[str, Any]]:
    """Run the jobs, ``workers`` at a time, each in a spawned process; return their results.

    A job past ``notebook_timeout`` seconds gets SIGTERM (its kernel is shut down, a failure
    page written), then SIGKILL after a grace period. A process that dies without a result
    counts as failed.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding threads
    pending = list(specs)
    running: dict[str, tuple[Any, float, dict[str, Any]]] = {}
    results: dict[str, dict[str, Any]] = {}
    total, done = len(specs), 0
    while pending or running:
        while pending and len(running) < workers:
            spec = pending.pop(0)
            proc = ctx.Process(target=_job, args=(spec,), name=f"cartlift-{spec['name']}")
            proc.start()
            running[spec["name"]] = (proc, time.monotonic(), spec)
            say(f"[{done}/{total}] started  {spec['name']}")
        time.sleep(0.1)
        for name, (proc, started, spec) in list(running.items()):
            elapsed = time.monotonic() - started
            if proc.is_alive():
                if notebook_timeout is not None and elapsed > notebook_timeout:
                    if not spec.get("_terminated"):
                        spec["_terminated"] = time.monotonic()
                        say(f"        timeout  {name} after {elapsed:.0f} s: stopping it")
                        proc.terminate()
                    elif time.monotonic() - spec["_terminated"] > _GRACE:
                        proc.kill()
                continue
            proc.join()
            del running[name]
            done += 1
            path = Path(spec["staging"]) / f".{name}.result.json"
            if path.exists():
                result = json.loads(path.read_text(encoding="utf-8"))
                path.unlink()
            else:
                result = {"status": "failed", "ename": "WorkerDied",
                          "evalue": f"the notebook process exited with code {proc.exitcode}",
                          "message": f"notebook {name!r}: its process exited with code "
                                     f"{proc.exitcode} before reporting"}  # fmt: skip
            if spec.get("_terminated"):
                limit = f"per-notebook timeout of {notebook_timeout:g} s reached"
                result = {**result, "status": "failed", "timed_out": True,
                          "message": f"{limit}; {result.get('message', '')}".strip("; ")}  # fmt: skip
            results[name] = result
            word = "done   " if result["status"] == "ok" else "FAILED "
            say(f"[{done}/{total}] {word} {name} ({elapsed:.1f} s)")
    return results


# --------------------------------------------------------------------------------------------
# the run


def _progress_printer(progress: bool | Callable[[str], None]) -> Callable[[str], None]:
    if callable(progress):
        return progress
    if progress:
        return lambda line: print(f"cartlift report: {line}", file=sys.stderr, flush=True)
    return lambda line: None


def run_report(
    *,
    data: str | Path,
    week: str = "latest",
    out: str | Path = REPORTS_DIR,
    tz: str = SAMPLE_TZ,
    lang: str = "en",
    min_viewers: int = DEFAULT_MIN_VIEWERS,
    notebooks: Iterable[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    timeout: int | None = 600,
    notebook_timeout: float | None = 1800,
    workers: int | None = None,
    progress: bool | Callable[[str], None] = True,
    notebooks_dir: str | Path = NOTEBOOKS_DIR,
    templates_dir: str | Path = TEMPLATES_DIR,
) -> Path:
    """Run the report notebooks for one ISO week and publish ``<out>/<week>/``.

    Parameters
    ----------
    data : str or Path
        Canonical file or folder, as given to :func:`analysis.sources.load.load` (relative paths from
        the project root). Passed to the notebooks as the string given.
    week : str
        ``"YYYY-Www"`` or ``"latest"`` (the last complete ISO week of the data, see
        :func:`resolve_week`). Notebooks receive the resolved ``"YYYY-Www"``.
    out : str or Path
        Reports folder; the week's pages go to ``<out>/<week>/``.
    tz : str
        Shop time zone, for loading and passed to the notebooks.
    lang : str
        Report language (a strings file in ``analysis/present/locales/strings/``): page headings,
        translated markdown (cells tagged ``i18n:<key>``), index, number formats. Passed to the
        notebooks that declare ``lang``.
    min_viewers : int
        Small-cell threshold k of shared tables (counts below k shown as ``< k``), passed to the
        notebooks that declare it; statistics stay computed on the full data.
    notebooks : iterable of str, optional
        Notebook stems under ``notebooks_dir``; default :data:`REPORT_NOTEBOOKS`. Page order.
    parameters : mapping, optional
        Extra notebook parameters; each must be declared by every notebook run. The standard
        parameters (:data:`STANDARD_PARAMETERS`) are set through their own arguments.
    timeout : int or None
        Per-cell execution timeout in seconds (papermill ``execution_timeout``); None = none.
    notebook_timeout : float or None
        Per-notebook timeout in seconds (the whole job, kernel start and export included);
        None = none.
    workers : int, optional
        Notebooks run at the same time, each in its own process with its own kernel; default
        ``min(os.cpu_count(), number of notebooks)``; at most :data:`MAX_WORKERS`.
    progress : bool or callable
        True prints one line per notebook start and end to stderr; a callable receives the
        lines; False is silent.
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
        declaring ``data``; an unknown or reserved extra parameter; an unknown language; a bad
        ``workers`` or ``min_viewers``. Nothing is written.
    ReportError
        A notebook failed or timed out (its ``<name>.FAILED.html``, code shown, is written to
        the week folder; nothing else changes there) or a page would load external resources.
    """
    from analysis.present import i18n
    from analysis.sources.load import load

    notebooks_dir, templates_dir, out = Path(notebooks_dir), Path(templates_dir), Path(out)
    names = (notebooks,) if isinstance(notebooks, str) else tuple(notebooks or REPORT_NOTEBOOKS)
    if not names:
        raise ValueError("no notebook to run: pass notebooks=[...] or leave the default")
    if len(set(names)) != len(names):
        raise ValueError(f"notebooks {list(names)} lists a notebook twice")
    if week != "latest":
        parse_week(week)  # fail on a malformed week before any work
    i18n.check_lang(lang)
    if isinstance(min_viewers, bool) or not isinstance(min_viewers, int) or min_viewers < 1:
        raise ValueError(f"min_viewers must be a positive integer, got {min_viewers!r}")
    workers = _check_workers(workers, len(names))
    extras = dict(parameters or {})
    reserved = sorted(set(extras) & set(STANDARD_PARAMETERS))
    if reserved:
        raise ValueError(
            f"parameters {reserved} are set by run_report's own arguments "
            f"({', '.join(f'{p}=' for p in STANDARD_PARAMETERS)}); remove them from parameters="
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
    standard = {"data": str(data), "week": wk.iso, "tz": tz, "lang": lang,
                "min_viewers": min_viewers}  # fmt: skip
    run: dict[str, Any] = {
        "week": wk.iso,
        "monday": f"{wk.monday:%Y-%m-%d}",
        "sunday": f"{wk.sunday:%Y-%m-%d}",
        "monday_text": i18n.format_date(wk.monday, lang=lang, style="long"),
        "sunday_text": i18n.format_date(wk.sunday, lang=lang, style="long"),
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
    kpis = headline_kpis(select_week(cells, wk.iso), lang=lang, min_viewers=min_viewers)

    out.mkdir(parents=True, exist_ok=True)
    final = out / wk.iso
    staging = out / f".tmp-{wk.iso}-{uuid.uuid4().hex[:12]}"  # not mkdtemp: its 0700 mode
    staging.mkdir()  # would be published with the folder
    say = _progress_printer(progress)
    say(f"week {wk.iso}, {len(names)} notebook(s), {workers} at a time, lang={lang}")
    try:
        specs = [
            {"name": n, "src": str(sources[n]), "staging": str(staging), "final": str(final),
             "params": passed[n], "run": run, "timeout": timeout, "lang": lang,
             "notebooks_dir": str(notebooks_dir), "templates_dir": str(templates_dir)}
            for n in names
        ]  # fmt: skip
        with _environ(JUPYTER_PREFER_ENV_PATH="1"):
            results = _run_jobs(specs, workers=workers, notebook_timeout=notebook_timeout,
                                say=say)  # fmt: skip
        failed = [n for n in names if results[n]["status"] != "ok"]
        for n in failed:
            if not results[n].get("failed_html"):  # the process died before writing its page
                results[n]["failed_html"] = str(
                    _failed_page_from_source(
                        n, sources[n], final, passed[n], run, results[n], templates_dir
                    )  # fmt: skip
                )
        if failed:
            raise _report_error(failed, results, final)
        lock = _sha256_file(paths.LOCK_FILE)
        pages = [
            {"name": n, "title": results[n].get("title") or n, "href": quote(f"{n}.html")}
            for n in names
        ]
        manifest = {
            **run,
            "notebooks": [
                {
                    "name": n,
                    "html": f"{n}.html",
                    "ipynb": f"{n}.ipynb",
                    "parameters": passed[n],
                    "source_sha256": _sha256_file(sources[n]),
                    "seconds": results[n]["seconds"],
                }
                for n in names
            ],  # fmt: skip
            "lock_file": _relative(paths.LOCK_FILE),
            "lock_sha256": lock,
            "reproduce": _reproduce_command(run["parameters"], extras),
        }
        _write_text(
            staging / "manifest.json",
            json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n",
        )
        _write_text(
            staging / "index.html",
            _render_index(
                templates_dir, run=run, pages=pages, lock=lock, out=out, kpis=kpis, lang=lang
            ),  # fmt: skip
        )
        _publish(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    say(f"published {final / 'index.html'}")
    return final / "index.html"


def _check_workers(workers: int | None, jobs: int) -> int:
    if workers is None:
        return max(1, min(os.cpu_count() or 1, jobs, MAX_WORKERS))
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer or None, got {workers!r}")
    if workers > MAX_WORKERS:
        raise ValueError(
            f"workers={workers} is above the bound MAX_WORKERS={MAX_WORKERS}: each worker holds "
            "a kernel and the data in memory"
        )
    return min(workers, jobs)


def _failed_page_from_source(
    name: str, src: Path, final: Path, params: dict, run: dict, result: dict, templates_dir: Path
) -> Path:
    """``<name>.FAILED.html`` from the source notebook, for a job that left none (killed at its
    timeout, or crashed before reporting): code shown, the error in the header."""
    import nbformat

    nb = nbformat.read(src, as_version=4)
    nb.metadata["cartlift"] = {**run, "notebook": name, "parameters": params, "status": "failed",
                               "error": result.get("message", "unknown failure")}  # fmt: skip
    page = final / f"{name}.FAILED.html"
    final.mkdir(parents=True, exist_ok=True)
    _write_text(page, _export_html(nb, name, templates_dir, show_code=True, lang="en"))
    return page


def _report_error(failed: list[str], results: dict, final: Path) -> ReportError:
    failures = [
        {"notebook": n, **{k: results[n].get(k) for k in
                           ("cell_index", "ename", "evalue", "failed_html", "message")}}
        for n in failed
    ]  # fmt: skip
    first = results[failed[0]]
    message = "\n".join(f["message"] for f in failures)
    if len(failed) > 1:
        message = f"{len(failed)} notebooks failed: {', '.join(failed)}\n{message}"
    return ReportError(
        message,
        notebook=failed[0],
        cell_index=first.get("cell_index"),
        execution_count=first.get("execution_count"),
        ename=first.get("ename"),
        evalue=first.get("evalue"),
        failed_html=Path(first["failed_html"]) if first.get("failed_html") else None,
        failures=failures,
    )


def _reproduce_command(params: dict[str, Any], extras: dict[str, Any]) -> str:
    """The ``cartlift report`` command line giving the same pages (extras need the API)."""
    import shlex

    cmd = ["cartlift", "report", "--data", str(params["data"]), "--week", params["week"],
           "--tz", params["tz"], "--lang", params["lang"],
           "--min-viewers", str(params["min_viewers"])]  # fmt: skip
    line = " ".join(shlex.quote(c) for c in cmd)
    if extras:
        line += f"  # plus run_report(parameters={extras!r})"
    return line


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


def headline_kpis(
    cells, *, lang: str = "en", min_viewers: int = DEFAULT_MIN_VIEWERS, level: float = KPI_LEVEL
) -> list[dict[str, str]]:
    """The index page's headline: per metric of :data:`KPI_METRICS`, live and non-live rates
    and the live / non-live ratio, each with its interval, formatted for ``lang``.

    Rates from :func:`analysis.stats.rates.rates` (Wilson, or Clopper–Pearson for small cells) and
    ratio from :func:`analysis.stats.rates.compare` (``log-adjusted``), over every cell of the week.
    A side with fewer than ``min_viewers`` viewers shows ``< k viewers`` instead of its rate.
    Returns rows ``{metric, live, live_ci, nonlive, nonlive_ci, method, ratio, ratio_ci,
    ratio_method, status}`` (strings); a metric the data does not report is left out.
    """
    import pandas as pd

    from analysis.present import i18n
    from analysis.stats.rates import compare, rates

    def pct(v: float) -> str:
        return i18n.format_percent(v, lang=lang, digits=2)

    def interval(lo, hi, fmt) -> str:
        if lo is None or hi is None or lo != lo or hi != hi:
            return ""
        return i18n.t("index.interval", lang=lang, low=fmt(lo), high=fmt(hi))

    def ratio(v: float) -> str:
        return i18n.format_number(v, lang=lang, digits=2) + "×"

    rows = []
    for metric in KPI_METRICS:
        try:
            sides = rates(cells, by="is_live", metric=metric, level=level)
            contrast = compare(cells, between="is_live", metric=metric, level=level).iloc[0]
        except (ValueError, KeyError):
            continue
        if not (pd.to_numeric(sides["trials"], errors="coerce").fillna(0) > 0).any():
            continue  # the data does not report this metric (e.g. no orders column)
        row: dict[str, str] = {"metric": i18n.t(f"metric.{metric}", lang=lang), "method": ""}
        for flag, key in ((True, "live"), (False, "nonlive")):
            side = sides[sides["is_live"] == flag]
            if side.empty:
                row[key], row[f"{key}_ci"] = "", ""
            elif side["trials"].iloc[0] < min_viewers:
                row[key] = i18n.t("index.withheld", lang=lang, k=min_viewers)
                row[f"{key}_ci"] = ""
            else:
                s = side.iloc[0]
                row["method"] = str(s["method"])
                row[key] = pct(s["rate"])
                row[f"{key}_ci"] = interval(s["ci_low"], s["ci_high"], pct)
        r = contrast["ratio"]
        row["ratio"] = "" if r != r else ratio(r)
        row["ratio_ci"] = interval(contrast["ratio_ci_low"], contrast["ratio_ci_high"], ratio)
        row["status"] = str(contrast["status"])
        row["ratio_method"] = str(contrast["ratio_method"])
        rows.append(row)
    return rows


def _render_index(
    templates_dir: Path, *, run: dict, pages: list[dict], lock: str | None, out: Path,
    kpis: list[dict], lang: str,
) -> str:  # fmt: skip
    import jinja2

    from analysis.present import i18n

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    strings = {
        k.split(".", 1)[1]: v
        for k, v in i18n._load(lang)["strings"].items()
        if k.startswith(("index.", "report."))
    }
    return env.get_template(INDEX_TEMPLATE).render(
        run=run, pages=pages, lock_sha256=lock, earlier=_earlier_weeks(out, run["week"]),
        kpis=kpis, s=strings, lang=lang.split("_")[0],
        level=i18n.format_percent(KPI_LEVEL, lang=lang, digits=0),
    )  # fmt: skip


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


def open_report(index: str | Path) -> bool:
    """Open a report page in the default browser (``webbrowser``); False when none opened."""
    import webbrowser

    return webbrowser.open(Path(index).resolve().as_uri())


# --------------------------------------------------------------------------------------------
# command line (wired by analysis.cli)


def add_report_arguments(parser) -> None:
    """Add the ``cartlift report`` options to an ``argparse`` parser."""
    from analysis.present import i18n

    parser.add_argument(
        "--data",
        default=str(paths.SAMPLE_DIR.relative_to(paths.PROJECT_ROOT)),
        help="canonical file or folder (default: the embedded sample)",
    )
    parser.add_argument("--week", default="latest", help="ISO week YYYY-Www, or 'latest'")
    parser.add_argument("--out", default=str(paths.REPORTS_DIR), help="reports folder")
    parser.add_argument("--tz", default=paths.SAMPLE_TZ, help="shop time zone (IANA name)")
    parser.add_argument(
        "--lang", default="en", choices=i18n.available_languages(), help="report language"
    )
    parser.add_argument(
        "--min-viewers",
        type=int,
        default=DEFAULT_MIN_VIEWERS,
        metavar="K",
        help="shared tables show counts below K as '< K' (default 10)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"notebooks run at once (default: cores, at most {MAX_WORKERS})",
    )
    parser.add_argument("--timeout", type=int, default=600, help="per-cell timeout, seconds")
    parser.add_argument(
        "--notebook-timeout", type=float, default=1800, help="per-notebook timeout, seconds"
    )
    parser.add_argument(
        "--notebook",
        action="append",
        dest="notebooks",
        default=None,
        help="run only this notebook (repeatable; default: all report pages)",
    )
    parser.add_argument("--open", action="store_true", help="open the index in a browser")
    # fmt: skip


def run(args) -> int:
    """``cartlift report``: run :func:`run_report` from parsed arguments; 0 on success, 1 on a
    failed notebook or bad input (the message names the notebook and cell)."""
    try:
        index = run_report(
            data=args.data, week=args.week, out=Path(args.out), tz=args.tz, lang=args.lang,
            min_viewers=args.min_viewers, workers=args.workers, timeout=args.timeout,
            notebook_timeout=args.notebook_timeout, notebooks=args.notebooks,
        )  # fmt: skip
    except (ReportError, ValueError, FileNotFoundError) as err:
        print(f"cartlift report: {err}", file=sys.stderr)
        return 1
    print(index)
    if args.open and not open_report(index):
        print("cartlift report: no browser could be opened", file=sys.stderr)
    return 0
