"""The kernel a report worker keeps for all its notebooks, and the papermill engine that uses it.

A worker (:func:`analysis.report.execute.worker`) starts one kernel and connects **one client**
to it for the whole run. Before each notebook that client runs :data:`RESET` (after the first
notebook) and tells the kernel its page (:func:`analysis.report.cache.set_page`), in one
request; papermill then executes the notebook through the same client (engine
:data:`KEPT_ENGINE`). A client new to a kernel waits for it to be ready, and that wait ends by
listening 0.2 s for nothing on the output channel (``jupyter_client``'s ``wait_for_ready``):
three new clients per notebook (reset, page, papermill) cost ~0.6 s of idle each, more than a
small page's computation (measured on the shape matrix of ``tests/report/test_shapes.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.util import run_sync
from papermill.clientwrap import PapermillNotebookClient  # type: ignore[import-untyped]
from papermill.engines import NBClientEngine, papermill_engines  # type: ignore[import-untyped]
from papermill.log import logger  # type: ignore[import-untyped]

from analysis.analyses.answerable import PAGE_WINDOWS

__all__ = ["KEPT_ENGINE", "KERNEL_ARGUMENTS", "RESET", "KeptKernel", "prepared", "shutdown"]

#: the papermill engine name of :class:`KeptClientEngine`
KEPT_ENGINE = "cartlift-kept-kernel"
#: run in the kept kernel before each notebook after the first ({cwd}: the notebooks folder).
#: ``gc.freeze()`` last: what outlives a page (modules, caches) moves to the permanent
#: generation, so the next reset's collection (``%reset`` runs ``gc.collect()``) and the next
#: page's own collections no longer walk the millions of objects of pandas, statsmodels and
#: matplotlib (measured on the shape matrix: the reset was a third of a kept kernel's CPU)
RESET = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import os as _os, gc as _gc, matplotlib.pyplot as _plt\n"
    "_plt.close('all'); _os.chdir({cwd!r}); get_ipython().execution_count = 1\n"
    "_gc.collect(); _gc.freeze()\n"
    "del _os, _gc, _plt\n"
)
#: tells the kernel the page it runs next (its week and window) and has its figures shown with
#: their alt text (:func:`analysis.present.figure.describe_figures`)
PAGE = (
    "import analysis.report.cache as _c, analysis.present.figure as _f\n"
    "_c.set_page({week!r}, {weeks!r}); _f.describe_figures(get_ipython())\n"
    "del _c, _f\n"
)
#: the kept kernels log errors only: their TCP-transport warning (printed by every kernel on
#: start, "Kernel is running over TCP without encryption": the kernel listens on localhost
#: only) is not a message for the analyst running a report; and they keep no IPython history
#: (a SQLite database written by a thread of every kernel: nothing reads a report kernel's)
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False")


@dataclass(frozen=True)
class KeptKernel:
    """A kernel manager (nbclient's own: an asynchronous ``jupyter_client`` manager, the kind
    papermill uses, driven here through ``nbclient.util.run_sync``) and its one client."""

    km: Any
    kc: Any


def prepared(kept: KeptKernel | None, cwd: Path, *, name: str, week: str | None) -> KeptKernel:
    """``kept`` reset (:data:`RESET`) and told page ``name`` of ``week`` (:data:`PAGE`: its
    window, :data:`analysis.analyses.answerable.PAGE_WINDOWS`, so the page's
    ``cl.read_weekly`` reads only the cells of its window; a page without one reads all); a new
    kernel when there is none, it died or the reset failed."""
    weeks = PAGE_WINDOWS.get(name)
    page = PAGE.format(week=week if weeks is not None else None, weeks=weeks)
    if kept is not None and run_sync(kept.km.is_alive)():
        if _run(kept.kc, RESET.format(cwd=str(cwd)) + page):
            return kept
    shutdown(kept)
    km = NotebookClient(nbformat.v4.new_notebook(), kernel_name="python3").create_kernel_manager()
    run_sync(km.start_kernel)(cwd=str(cwd), extra_arguments=list(KERNEL_ARGUMENTS))
    kc = km.client()
    kc.start_channels()
    kc.allow_stdin = False  # as nbclient sets its own clients
    run_sync(kc.wait_for_ready)(timeout=60)
    new = KeptKernel(km, kc)
    if not _run(kc, page):
        shutdown(new)
        raise RuntimeError("a new kernel could not run the kit's page set-up")
    return new


def _run(kc: Any, code: str) -> bool:
    reply = run_sync(kc.execute_interactive)(
        code, store_history=False, timeout=60, output_hook=lambda msg: None
    )
    return reply["content"]["status"] == "ok"


def shutdown(kept: KeptKernel | None) -> None:
    """Close the client's channels and shut the kernel down (nothing when ``kept`` is None)."""
    if kept is None:
        return
    kept.kc.stop_channels()
    if kept.km.has_kernel:
        run_sync(kept.km.shutdown_kernel)(now=True)


class KeptClientEngine(NBClientEngine):  # type: ignore[misc]
    """papermill's nbclient engine, executing through the client of a :class:`KeptKernel`
    (``kept=``) instead of a new one per notebook; the same arguments otherwise (papermill's
    ``NBClientEngine.execute_managed_notebook``)."""

    @classmethod
    def execute_managed_notebook(
        cls, nb_man: Any, kernel_name: str, *, kept: KeptKernel, log_output: bool = False,
        start_timeout: int = 60, execution_timeout: int | None = None, **kwargs: Any,
    ) -> Any:  # fmt: skip
        kwargs.pop("input_path", None)
        client = PapermillNotebookClient(
            nb_man, km=kept.km, timeout=execution_timeout, startup_timeout=start_timeout,
            kernel_name=kernel_name, log=logger, log_output=log_output, **kwargs,
        )  # fmt: skip
        client.kc = kept.kc  # nbclient starts no client when it has one, and keeps it open
        return client.execute()


papermill_engines.register(KEPT_ENGINE, KeptClientEngine)
