"""Run the notebook jobs in parallel processes, with a per-notebook timeout and progress lines.

``workers`` spawned processes (:func:`analysis.report.execute.worker`) each keep one kernel and
receive the notebooks one at a time, page order first, so kernel start and imports are paid once
per worker, not once per page; a line is printed when each notebook starts and ends. A notebook
past its per-notebook timeout gets its worker a SIGTERM (the job fails, a failure page is
written, the worker shuts its kernel down and ends), then SIGKILL after :data:`GRACE` seconds; a
new worker takes the notebooks left. :func:`raise_failures` turns failed jobs into one
:class:`analysis.errors.ReportError`.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import nbformat

from analysis.analyses.answerable import PAGE_WINDOWS
from analysis.errors import ReportError
from analysis.report.execute import NotebookJob, failed_result, worker
from analysis.report.export import write_failed_page
from analysis.report.plan import Plan
from analysis.vocabulary import status_message

__all__ = [
    "GRACE",
    "longest_first",
    "notebook_jobs",
    "progress_printer",
    "raise_failures",
    "run_jobs",
]

#: seconds a timed-out notebook process gets to stop its kernel before it is killed
GRACE = 20
#: how often the parent looks at its processes, seconds
POLL = 0.1


def progress_printer(progress: bool | Callable[[str], None]) -> Callable[[str], None]:
    """Where progress lines go: a callable as it is, True = stderr with a ``cartlift report:``
    prefix, False = nowhere."""
    if callable(progress):
        return progress
    if progress:
        return lambda line: print(f"cartlift report: {line}", file=sys.stderr, flush=True)
    return lambda line: None


def notebook_jobs(
    plan: Plan, run: dict[str, Any], staging: Path, final: Path, *, timeout: int | None,
    lang: str, notebooks_dir: Path, templates_dir: Path,
) -> list[NotebookJob]:  # fmt: skip
    """One :class:`analysis.report.execute.NotebookJob` per notebook of ``plan``, page order."""
    return [
        NotebookJob(
            name=n,
            source=plan.sources[n],
            staging=staging,
            final=final,
            parameters=plan.parameters[n],
            run=run,
            timeout=timeout,
            lang=lang,
            notebooks_dir=notebooks_dir,
            templates_dir=templates_dir,
        )
        for n in plan.names
    ]


def run_jobs(
    jobs: list[NotebookJob],
    *,
    workers: int,
    notebook_timeout: float | None,
    say: Callable[[str], None],
    keep_workers: bool = False,
) -> dict[str, dict[str, Any]]:
    """Run the jobs on ``workers`` worker processes (one kept kernel each); return their results.

    With ``keep_workers`` the idle workers are kept for the next call in this process (several
    reports in one session, e.g. the tests' shape matrix, start their kernels once) and stopped
    at exit; the workers of :data:`_KEPT` are used first (at most ``workers`` of them, so
    reports run in threads share the kept workers).

    Returns
    -------
    dict
        Notebook stem -> result (see :mod:`analysis.report.execute`): status ``ok`` or
        ``failed``; a notebook past ``notebook_timeout`` seconds, or whose worker died without
        a result, is ``failed`` too (``timed_out`` True for the first).
    """
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding threads
    pending = longest_first(jobs)
    idle: list[tuple[Any, Any]] = []  # (process, connection) of workers waiting for a job
    if keep_workers:  # at most `workers` of the kept ones (reports may run in threads)
        with _KEPT_LOCK:
            alive = [w for w in _KEPT if w[0].is_alive()]
            idle, _KEPT[:] = alive[:workers], alive[workers:]
    running: dict[str, tuple[tuple[Any, Any], float, NotebookJob]] = {}
    stopped: dict[str, float] = {}  # stem -> when SIGTERM was sent
    results: dict[str, dict[str, Any]] = {}
    with _kernel_environment():
        try:
            while pending or running:
                while pending and len(running) < workers:
                    spec = pending.pop(0)
                    w = idle.pop() if idle else _start_worker(ctx)
                    w[1].send(spec)
                    running[spec.name] = (w, time.monotonic(), spec)
                    say(f"[{len(results)}/{len(jobs)}] started  {spec.name}")
                time.sleep(POLL)
                for name, (w, started, spec) in list(running.items()):
                    elapsed = time.monotonic() - started
                    finished = _finished(w)
                    if finished is None:
                        _enforce_timeout(w[0], name, elapsed, notebook_timeout, stopped, say)
                        continue
                    del running[name]
                    if finished:
                        idle.append(w)
                    else:
                        w[0].join()
                    results[name] = _result(spec, w[0].exitcode, stopped, notebook_timeout)
                    word = "done   " if results[name]["status"] == "ok" else "FAILED "
                    say(f"[{len(results)}/{len(jobs)}] {word} {name} ({elapsed:.1f} s)")
        finally:
            busy = [w for w, _, _ in running.values()]
            if keep_workers and not busy:
                with _KEPT_LOCK:
                    _KEPT.extend(idle)
            else:
                _stop_workers(idle + busy)
    return results


#: idle workers kept between calls of :func:`run_jobs` with ``keep_workers`` (stopped at exit)
def longest_first(jobs: list[NotebookJob]) -> list[NotebookJob]:
    """``jobs`` in the order they start: the pages with the longest history window
    (:data:`analysis.analyses.answerable.PAGE_WINDOWS`: dynamics 12 weeks, the weekly summary 8)
    first, the others in page order. Longest processing time first (Graham RL, 1969, Bounds on
    multiprocessing timing anomalies, SIAM J Appl Math 17:416-429): with the two long pages
    last, one worker ran them alone while the other idled (measured on the sample: 40 s of
    wall for 36 s of work per worker)."""
    return sorted(jobs, key=lambda j: -PAGE_WINDOWS.get(j.name, 0))


_KEPT: list[tuple[Any, Any]] = []
_KEPT_LOCK = threading.Lock()
_STOP_AT_EXIT: list[bool] = []


def _start_worker(ctx: Any) -> tuple[Any, Any]:
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=worker, args=(child,), name="cartlift-worker")
    proc.start()
    child.close()
    if not _STOP_AT_EXIT:  # registered after multiprocessing's own exit handler, so it runs
        _STOP_AT_EXIT.append(True)  # first (atexit is LIFO): that one joins the workers, which
        atexit.register(lambda: _stop_workers(_KEPT))  # would wait forever for their next job
    return proc, parent


def _finished(w: tuple[Any, Any]) -> bool | None:
    """True: the worker reported its job and waits for another; False: it ended (timeout,
    crash); None: still running the job."""
    proc, conn = w
    try:
        if conn.poll():
            conn.recv()
            return True
    except (EOFError, OSError):
        return False
    return None if proc.is_alive() else False


def _stop_workers(ws: list[tuple[Any, Any]]) -> None:
    """Ask each worker to end (its kernel shut down); kill those still alive after GRACE."""
    for _, conn in ws:
        with contextlib.suppress(OSError, ValueError):
            conn.send(None)
    deadline = time.monotonic() + GRACE
    for proc, conn in ws:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join()
        conn.close()


def _enforce_timeout(
    proc: Any, name: str, elapsed: float, limit: float | None, stopped: dict[str, float],
    say: Callable[[str], None],
) -> None:  # fmt: skip
    if limit is None or elapsed <= limit:
        return
    if name not in stopped:
        stopped[name] = time.monotonic()
        say(f"        timeout  {name} after {elapsed:.0f} s: stopping it")
        proc.terminate()
    elif time.monotonic() - stopped[name] > GRACE:
        proc.kill()


def _result(
    spec: NotebookJob, exitcode: int | None, stopped: Mapping[str, float], limit: float | None
) -> dict[str, Any]:
    """The result the job wrote (removed once read), or a ``failed`` one when it wrote none;
    marked as timed out when the job was stopped."""
    path = spec.result_path
    if path.exists():
        result = json.loads(path.read_text(encoding="utf-8"))
        path.unlink()
    else:
        result = failed_result(
            f"notebook {spec.name!r}: its process exited with code {exitcode} before reporting",
            ename="WorkerDied", evalue=f"the notebook process exited with code {exitcode}",
        )  # fmt: skip
    if spec.name in stopped:
        message = f"per-notebook timeout of {limit:g} s reached; {result.get('message', '')}"
        result = {**result, **failed_result(message.strip("; ")), "timed_out": True}
    return result


@contextlib.contextmanager
def _kernel_environment() -> Iterator[None]:
    """Kernels found in the project venv first (``JUPYTER_PREFER_ENV_PATH=1``), restored after
    the last of the runs in progress (reports may run in threads) ends."""
    with _ENV_LOCK:
        if not _ENV_USERS:
            _ENV_USERS.append(os.environ.get("JUPYTER_PREFER_ENV_PATH"))
        _ENV_USERS.append("run")
        os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"
    try:
        yield
    finally:
        with _ENV_LOCK:
            _ENV_USERS.pop()
            if len(_ENV_USERS) == 1:
                old = _ENV_USERS.pop()
                if old is None:
                    os.environ.pop("JUPYTER_PREFER_ENV_PATH", None)
                else:
                    os.environ["JUPYTER_PREFER_ENV_PATH"] = old


#: the value before the first run, then one entry per run in progress
_ENV_USERS: list[str | None] = []
_ENV_LOCK = threading.Lock()


def raise_failures(jobs: list[NotebookJob], results: Mapping[str, dict[str, Any]]) -> None:
    """Raise one :class:`analysis.errors.ReportError` when a job failed; nothing otherwise.

    A failed job that left no failure page (killed at its timeout, or crashed before
    reporting) gets ``<name>.FAILED.html`` from its source notebook first: code shown, the
    error in the header. The error names the first failed notebook in page order and lists
    them all in ``failures``.
    """
    failed = [j for j in jobs if results[j.name]["status"] != "ok"]
    if not failed:
        return
    for spec in failed:
        if not results[spec.name].get("failed_html"):
            results[spec.name]["failed_html"] = str(_page_from_source(spec, results[spec.name]))
    failures = [
        {"notebook": j.name, "status": "failed",
         **{k: results[j.name].get(k) for k in
            ("cell_index", "ename", "evalue", "failed_html", "message")}}
        for j in failed
    ]  # fmt: skip
    first = results[failed[0].name]
    message = "\n".join(str(f["message"]) for f in failures)
    if len(failed) > 1:
        message = f"{len(failed)} notebooks failed: {', '.join(j.name for j in failed)}\n{message}"
    raise ReportError(
        message,
        notebook=failed[0].name,
        cell_index=first.get("cell_index"),
        execution_count=first.get("execution_count"),
        ename=first.get("ename"),
        evalue=first.get("evalue"),
        failed_html=Path(first["failed_html"]),
        failures=failures,
    )


def _page_from_source(spec: NotebookJob, result: Mapping[str, Any]) -> Path:
    nb = nbformat.read(spec.source, as_version=4)
    error = result.get("message", "unknown failure")
    nb.metadata["cartlift"] = {
        **spec.run,
        "notebook": spec.name,
        "parameters": spec.parameters,
        "status": "failed",
        "status_message": status_message("failed", error),
        "error": error,
    }
    return write_failed_page(nb, spec.name, spec.final, spec.templates_dir, lang=spec.lang)
