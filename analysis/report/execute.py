"""Execute report notebooks with papermill and export their pages, in worker processes.

:func:`worker` runs in a process spawned by :mod:`analysis.report.jobs`: it receives jobs one at
a time and runs each with :func:`job` in **one kernel kept for the whole run**
(:mod:`analysis.report.kernel`: started once, one client, reset between notebooks: user
namespace cleared, figures closed, working directory and execution count restored), so a page
no longer pays a kernel start and the imports of pandas, matplotlib, statsmodels and the kit
(measured on a tiny shape: ~6 s of CPU per page before, the kernel start and imports being ~3 s
of it, the job process's papermill import ~2.5 s more).
:func:`job` executes the notebook (papermill, per-cell timeout), exports the page
(:mod:`analysis.report.export`), checks that it opens offline (:mod:`analysis.report.offline`),
and writes its result as JSON next to the page. On failure it writes ``<name>.FAILED.html``
(code shown) into the week folder instead; the per-notebook timeout arrives as SIGTERM, fails
the job the same way and ends the worker (its kernel is shut down).

A result is ``{"status", "status_message", "seconds", ...}`` with status ``ok`` (plus the page
``title``) or ``failed`` (plus ``message``, ``cell_index``, ``execution_count``, ``ename``,
``evalue``, ``failed_html``); codes of :data:`analysis.vocabulary.STATUSES`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill as pm  # type: ignore[import-untyped]
from papermill.exceptions import PapermillExecutionError  # type: ignore[import-untyped]

from analysis.errors import NotebookTimeout, ReportError
from analysis.report.export import (
    export_html,
    notebook_title,
    translate_markdown,
    write_failed_page,
)
from analysis.report.kernel import KEPT_ENGINE, KeptKernel, prepared, shutdown
from analysis.report.offline import external_resources
from analysis.report.plan import papermill_path
from analysis.report.provenance import hide_values
from analysis.report.publish import write_text
from analysis.vocabulary import status_message

__all__ = [
    "NotebookJob", "failed_result", "failing_line", "job", "run_notebook", "shared_notebook",
    "worker",
]  # fmt: skip

#: the ReportError attributes a failed result carries
FAILURE_FIELDS = ("cell_index", "execution_count", "ename", "evalue")
#: colour codes of a kernel's traceback
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: the head of a frame in a cell's code, IPython >= 8 (group 1: the line)
_CELL_HEAD = re.compile(r"Cell In\[\d+\], line (\d+)")
#: the marked line of a frame: ``----> 7 raise ...`` (group 1: the line)
_ARROW = re.compile(r"-+> ?(\d+)")
#: set by SIGTERM in a worker: finish the current job as failed, then stop
_STOPPING: list[bool] = []


@dataclass(frozen=True)
class NotebookJob:
    """One notebook of a run: where it is, what it gets, where its page goes."""

    name: str  # notebook stem
    source: Path  # the notebook file
    staging: Path  # the run's staging folder (pages and executed notebooks)
    final: Path  # the week folder (failure pages go straight there)
    parameters: dict[str, Any]  # passed to papermill
    run: dict[str, Any]  # provenance of the run (analysis.report.provenance.run_metadata)
    timeout: int | None  # per-cell timeout, seconds
    lang: str
    notebooks_dir: Path  # the kernel's working directory
    templates_dir: Path

    @property
    def result_path(self) -> Path:
        """Where :func:`job` writes the result (JSON), read back by the parent process."""
        return self.staging / f".{self.name}.result.json"


def failed_result(message: str, **fields: Any) -> dict[str, Any]:
    """A ``failed`` result: status code, message, and the failure ``fields`` given."""
    return {"status": "failed", "status_message": status_message("failed", message),
            "message": message, **fields}  # fmt: skip


def job(spec: NotebookJob, kept: KeptKernel | None = None) -> None:
    """Run one notebook (:func:`run_notebook`) and write its result to ``spec.result_path``.

    ``kept`` is the kernel of :func:`worker` (:mod:`analysis.report.kernel`); None starts a
    kernel for this notebook only. SIGTERM (the per-notebook timeout) becomes
    :class:`analysis.errors.NotebookTimeout`, so papermill stops and a failure page is written
    as for any other failure.
    """
    signal.signal(signal.SIGTERM, _on_sigterm)
    _one_blas_thread()
    started = time.monotonic()
    try:
        result = run_notebook(spec, kept=kept)
    except ReportError as err:
        failed_html = str(err.failed_html) if err.failed_html else None
        result = failed_result(str(err), **{k: getattr(err, k) for k in FAILURE_FIELDS},
                               failed_html=failed_html)  # fmt: skip
    except BaseException as err:  # noqa: BLE001 - anything else is reported, not lost
        result = failed_result(f"{type(err).__name__}: {err}", ename=type(err).__name__,
                               evalue=str(err))  # fmt: skip
    result["seconds"] = round(time.monotonic() - started, 1)
    write_text(spec.result_path, json.dumps(result, default=str))


def _one_blas_thread() -> None:
    # One BLAS thread per kernel: the notebooks' models are small, and several kernels share the
    # cores; with one OpenBLAS thread per core in every kernel, statsmodels' small matrix calls
    # run 5-10x slower (measured: lstsq 0.27 s vs 0.06 s). The kernel inherits this environment.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def worker(conn: Any) -> None:
    """A worker process: run the jobs received on ``conn`` in one kept kernel, until None.

    After each job it sends the job's name back; after a SIGTERM (timeout) it stops without
    sending, shutting its kernel down. A kernel that died is started again for the next job.
    """
    signal.signal(signal.SIGTERM, _on_sigterm)
    _one_blas_thread()
    kept: KeptKernel | None = None
    try:
        while not _STOPPING:
            spec = conn.recv()
            if spec is None:
                break
            kept = prepared(kept, spec.notebooks_dir, name=spec.name,
                            week=spec.parameters.get("week"))  # fmt: skip
            job(spec, kept=kept)
            if _STOPPING:
                break
            conn.send(spec.name)
    finally:
        shutdown(kept)


def _on_sigterm(signum: int, frame: Any) -> None:  # pragma: no cover - runs in the job process
    _STOPPING.append(True)
    raise NotebookTimeout("stopped: the notebook exceeded its per-notebook timeout")


def run_notebook(spec: NotebookJob, kept: KeptKernel | None = None) -> dict[str, Any]:
    """Execute ``spec``'s notebook into the staging folder and export its page there
    (in the kept kernel when given, else in a kernel of its own).

    Returns
    -------
    dict
        ``{"status": "ok", "status_message", "title"}`` (the page title in ``spec.lang``).

    Raises
    ------
    analysis.errors.ReportError
        A cell failed (the failure page is written, the error names the cell), or the page
        would load external resources.
    """
    executed = spec.staging / f"{spec.name}.ipynb"
    meta = {**spec.run, "notebook": spec.name, "parameters": spec.parameters}
    try:
        nb = pm.execute_notebook(
            papermill_path(spec.source),
            papermill_path(executed),
            parameters=spec.parameters,
            kernel_name="python3",
            cwd=str(spec.notebooks_dir),
            progress_bar=False,
            execution_timeout=spec.timeout,
            log_output=False,
            # no save of the whole notebook at each cell's start and end (a JSON dump and a
            # schema validation each time: a fifth of a job process's CPU on a small page); it
            # is saved when it ends or fails, and a page stopped by its timeout shows its code
            request_save_on_cell_execute=False,
            **({"engine_name": KEPT_ENGINE, "kept": kept} if kept is not None else {}),
        )
    except Exception as exc:  # any failure of the run is reported the same way
        raise _failure(spec, exc, executed, meta) from exc
    nb.metadata["cartlift"] = {**meta, "status": "ok", "status_message": status_message("ok")}
    html = export_html(nb, spec.name, spec.templates_dir, show_code=False, lang=spec.lang,
                       hide=spec.run.get("hidden"))  # fmt: skip
    external = external_resources(html)
    if external:
        raise ReportError(
            f"notebook {spec.name!r}: its page would load {len(external)} external resource(s) "
            f"and not open offline: {external[:5]}; draw static figures (matplotlib/seaborn) "
            "and avoid remote images or scripts",
            notebook=spec.name,
        )
    write_text(spec.staging / f"{spec.name}.html", html)
    nbformat.write(shared_notebook(nb, spec), executed)
    title = notebook_title(translate_markdown(nb, lang=spec.lang), spec.name)
    return {"status": "ok", "status_message": status_message("ok"), "title": title}


def shared_notebook(nb: nbformat.NotebookNode, spec: NotebookJob) -> nbformat.NotebookNode:
    """The executed notebook as published in the week folder: a copy of ``nb`` whose cells
    (sources and outputs) and metadata name the data and the shop file as the pages do
    (:func:`analysis.report.provenance.hide_values`: folder name and fingerprint, not the local
    path), without the ``hidden`` map, and whose papermill ``input_path`` and ``output_path``
    are file names (``notebooks/<name>.ipynb``, ``<name>.ipynb``)."""
    hidden = spec.run.get("hidden") or {}
    out = nbformat.from_dict(hide_values(nb, hidden))
    out.metadata.get("cartlift", {}).pop("hidden", None)
    papermill = out.metadata.setdefault("papermill", {})
    papermill["input_path"] = f"notebooks/{spec.source.name}"
    papermill["output_path"] = f"{spec.name}.ipynb"
    return out


def _failure(spec: NotebookJob, exc: Exception, executed: Path, meta: dict) -> ReportError:
    """Write the failure page of a failed execution; the error naming where it failed."""
    source_nb = nbformat.read(spec.source, as_version=4)
    info = _locate(exc, executed, source_nb)
    at = f", line {info['line_number']}" if info["line_number"] else ""
    where = (
        f"cell {info['cell_index']} (0-based index in {spec.source.name}; "
        f"In [{info['execution_count']}]){at} `{info['line']}`"
        if info["cell_index"] is not None
        else "before or outside any cell"
    )
    error = f"{info['ename']}: {info['evalue']}"
    try:
        failed_nb = nbformat.read(executed, as_version=4) if executed.exists() else source_nb
    except Exception:  # noqa: BLE001 - a half-written notebook: show the source instead
        failed_nb = source_nb
    detail = f"{spec.name} failed at {where}: {error}"
    failed_nb.metadata["cartlift"] = {**meta, "status": "failed",
                                      "status_message": status_message("failed", detail),
                                      "error": detail}  # fmt: skip
    page = write_failed_page(failed_nb, spec.name, spec.final, spec.templates_dir, lang=spec.lang,
                             hide=spec.run.get("hidden"))  # fmt: skip
    return ReportError(
        f"notebook {spec.name!r} failed at {where}: {error}\n"
        f"failure page (code shown): {page}\n"
        "nothing was published for this run; earlier pages of the week are unchanged",
        notebook=spec.name,
        **{k: info[k] for k in FAILURE_FIELDS},
        failed_html=page,
    )


def _locate(exc: Exception, executed: Path, source_nb: nbformat.NotebookNode) -> dict[str, Any]:
    """Where a notebook failed: cell index in the source notebook, In [n], the line that failed
    and its number in the cell (:func:`failing_line`), error."""
    info: dict[str, Any] = {"cell_index": None, "execution_count": None, "line": None,
                            "line_number": None}  # fmt: skip
    if not isinstance(exc, PapermillExecutionError):
        return {**info, "ename": type(exc).__name__, "evalue": str(exc)}
    info.update(ename=exc.ename, evalue=str(exc.evalue), execution_count=exc.exec_count)
    info["line_number"], info["line"] = failing_line(exc.source or "", exc.traceback or [])
    index = exc.cell_index  # index in the executed notebook, before papermill's markers
    if executed.exists():
        cells = [
            c
            for c in nbformat.read(executed, as_version=4).cells
            if "papermill-error-cell-tag" not in _tags(c)
        ]
        injected = sum("injected-parameters" in _tags(c) for c in cells[:index])
        in_source = any("injected-parameters" in _tags(c) for c in source_nb.cells)
        index -= 0 if in_source else injected
    info["cell_index"] = index
    return info


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def failing_line(source: str, traceback: list[str] | str) -> tuple[int | None, str]:
    """The line of a cell that failed: ``(number in the cell, text)``, from the kernel's
    traceback of the cell (ANSI colours removed).

    The line is the one of the **last frame in the cell's code** (a function defined in the cell
    and called from it fails inside the function): IPython >= 8 heads a cell's frame
    ``Cell In[n], line k``; older IPython ``<ipython-input-n-...>`` with the failing line marked
    ``----> k`` (IPython documentation, "ultratb"). Without either (a kernel that died, a
    traceback cut short), the cell's first non-blank line and None.
    """
    text = _ANSI.sub("", "\n".join(traceback) if isinstance(traceback, list) else traceback)
    lines, number, in_cell = source.splitlines(), None, False
    for row in text.splitlines():
        head, arrow = _CELL_HEAD.match(row), _ARROW.match(row)
        if head:
            number, in_cell = int(head.group(1)), True
        elif row[:1].strip() and not arrow:  # a frame's head (or the error line)
            in_cell = "<ipython-input-" in row
        elif arrow and in_cell:
            number = int(arrow.group(1))
    if number is not None and 1 <= number <= len(lines) and lines[number - 1].strip():
        return number, _shorten(lines[number - 1].strip())
    return None, _shorten(next((s.strip() for s in lines if s.strip()), ""))


def _shorten(line: str) -> str:
    return line if len(line) <= 80 else line[:77] + "..."
