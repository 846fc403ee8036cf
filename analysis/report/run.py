"""Weekly reports: run the report notebooks with papermill, publish them as offline HTML.

:func:`run_report` (``cartlift report``, through :func:`main`) writes one folder per ISO week
and language (:mod:`~analysis.report.published`)::

    reports/<week>/index.html               language chooser: a link per published language
    reports/<week>/<lang>/index.html        week index: headline KPIs with intervals, links to
                                            the pages, earlier weeks, the other languages,
                                            provenance
    reports/<week>/<lang>/<name>.html       one page per notebook: code folded under "show
                                            code", table of contents, provenance header
    reports/<week>/<lang>/<name>.ipynb      the executed notebook (with nb.metadata["cartlift"]),
                                            kept so a page can be re-exported or inspected
    reports/<week>/<lang>/manifest.json     parameters, data fingerprint, commit, versions,
                                            notebooks, sha256 of requirements/base.txt
    reports/<week>/<lang>/questions.csv     each page's questions: answered or not, what is
                                            missing and which export provides it (pages of
                                            analysis.analyses.answerable.PAGE_QUESTIONS only)
    reports/<week>/<lang>/<name>.FAILED.html  only after a failed run: that notebook, its code

Its steps, each in its own module of :mod:`analysis.report`:

1. :mod:`~analysis.report.plan`: check the arguments and the notebooks, load the data, resolve
   the week, decide each notebook's parameters (nothing is written before this passes);
2. :mod:`~analysis.report.provenance`: fingerprint the data, note commit and versions;
3. :func:`analysis.present.headline.headline_kpis`: the index's headline (the report computes
   no number itself);
4. :mod:`~analysis.report.reuse`: pages whose inputs did not change since they were last built
   are copied from ``<out>/.cache/``; :mod:`~analysis.report.jobs` and
   :mod:`~analysis.report.execute`: run the other notebooks in
   parallel processes (papermill, per-cell and per-notebook timeouts), each exported to its page
   (:mod:`~analysis.report.export`) and checked to open offline
   (:mod:`~analysis.report.offline`);
5. :mod:`~analysis.report.index`: manifest and index page;
6. :mod:`~analysis.report.publish`: under the language folder's lock
   (``<out>/<week>/.<lang>.lock``: one report of a week and language at a time; what killed
   runs left is removed first) everything is written in ``<out>/<week>/.tmp-<lang>-<random>/``,
   and the language folder is replaced only when every notebook succeeded; then the chooser and
   the indexes' "Earlier weeks" and language links are refreshed
   (:func:`~analysis.report.published.refresh_indexes`). A failed run writes
   ``<name>.FAILED.html`` into the language folder, leaves any earlier good pages and
   ``index.html`` untouched, and raises
   :class:`analysis.errors.ReportError`. A disk fault raises :class:`analysis.errors.OutputError`
   (path, cause, fix) and leaves no partial file.

Pages are self-contained and script-free: CSS and figures inline, no CDN, no JavaScript (the
"show code" toggle is an HTML ``<details>`` element), so they open offline, on a phone, and print.
Data-derived text is escaped where it is rendered (:mod:`analysis.present.display`, the
templates' ``escape_html`` and Jinja2 autoescape). Notebooks filter their cells with
:func:`analysis.weeks.select_week`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from analysis.analyses.answerable import PAGE_WINDOWS, one_unit
from analysis.errors import OutputError, ReportError
from analysis.paths import NOTEBOOKS_DIR, REPORTS_DIR, TEMPLATES_DIR
from analysis.present.headline import headline_kpis
from analysis.present.privacy import personal_parameters
from analysis.present.week_change import input_lines, week_change_rows
from analysis.report.export import hide_paths
from analysis.report.index import page_links, render_index
from analysis.report.jobs import notebook_jobs, progress_printer
from analysis.report.offline import external_resources
from analysis.report.options import DEFAULT_NOTEBOOK_TIMEOUT, DEFAULT_TIMEOUT
from analysis.report.plan import REPORT_NOTEBOOKS, notebook_parameters, plan_report
from analysis.report.provenance import manifest, run_metadata
from analysis.report.publish import (
    DEFAULT_WAIT,
    check_outputs,
    locked_staging,
    open_report,
    publish,
    write_json,
    write_text,
)
from analysis.report.published import announce, language_folder
from analysis.report.questions import question_table, write_questions
from analysis.report.reuse import run_pages
from analysis.weeks import select_week, within_window

__all__ = [
    # the entry points
    "main",
    "run_report",
    "index_rows",
    # also importable from here, where they lived before the package was split by job
    "REPORT_NOTEBOOKS",
    "external_resources",
    "notebook_parameters",
]


def run_report(
    *,
    data: str | Path,
    week: str = "latest",
    out: str | Path = REPORTS_DIR,
    tz: str | None = None,
    lang: str = "en",
    min_viewers: int | None = None,
    notebooks: Iterable[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    timeout: int | None = DEFAULT_TIMEOUT,
    notebook_timeout: float | None = DEFAULT_NOTEBOOK_TIMEOUT,
    workers: int | None = None,
    progress: bool | Callable[[str], None] = True,
    notebooks_dir: str | Path = NOTEBOOKS_DIR,
    templates_dir: str | Path = TEMPLATES_DIR,
    shop: str | Path | None = None,
    skip_unreadable: bool = False,
    keep_workers: bool = False,
    wait: float = DEFAULT_WAIT,
    creators: str = "shown",
    reuse: bool = True,
    schedule: str | Path | None = None,
) -> Path:
    """Run the report notebooks for one ISO week and publish ``<out>/<week>/<lang>/``.

    Parameters
    ----------
    data : str or Path
        Canonical file or folder, as given to :func:`analysis.sources.load.load` (relative paths
        from the project root). Passed to the notebooks as the string given.
    week : str
        ``"YYYY-Www"`` or ``"latest"`` (the last complete ISO week of the data, see
        :func:`analysis.weeks.resolve_week`). Notebooks receive the resolved ``"YYYY-Www"``.
    out : str or Path
        Reports folder; the week's pages go to ``<out>/<week>/<lang>/`` (another language's
        folder of the week is left as it is), ``<out>/<week>/index.html`` links the languages.
    tz : str, optional
        Shop time zone, for loading and passed to the notebooks. Default: the shop file's
        ``timezone``, else ``analysis.paths.SAMPLE_TZ``.
    lang : str
        Report language (a strings file in ``analysis/present/locales/strings/``): page headings,
        translated markdown (cells tagged ``i18n:<key>``), index, number formats. Passed to the
        notebooks that declare ``lang``.
    min_viewers : int, optional
        Small-cell threshold k of shared tables (counts below k shown as ``< k``), passed to the
        notebooks that declare it; statistics stay computed on the full data. Default: the shop
        file's ``privacy_threshold``, else :data:`analysis.report.options.DEFAULT_MIN_VIEWERS`.
    notebooks : iterable of str, optional
        Notebook stems under ``notebooks_dir``; default
        :data:`analysis.report.plan.REPORT_NOTEBOOKS`. Page order.
    parameters : mapping, optional
        Extra notebook parameters; each must be declared by every notebook run. The standard
        parameters (:data:`analysis.report.plan.STANDARD_PARAMETERS`) are set through their own
        arguments.
    timeout : int or None
        Per-cell execution timeout in seconds (papermill ``execution_timeout``); None = none.
    notebook_timeout : float or None
        Per-notebook timeout in seconds (the whole job, kernel start and export included);
        None = none.
    workers : int, optional
        Notebooks run at the same time, each in its own process with its own kernel; default
        ``min(os.cpu_count(), number of notebooks)``; at most
        :data:`analysis.report.options.MAX_WORKERS`.
    progress : bool or callable
        True prints one line per notebook start and end to stderr; a callable receives the
        lines; False is silent.
    notebooks_dir, templates_dir : str or Path
        Where the notebooks and the templates (``report/`` and ``index.html.j2``) are. The
        kernel runs with ``cwd=notebooks_dir``.
    skip_unreadable : bool
        False: a data file that cannot be read stops the run (:class:`UnreadableError`, a
        ``ValueError``, naming each such file). True: the readable files are reported on; the
        flag is passed to the notebooks that declare ``skip_unreadable``.
    creators : str
        ``"shown"`` (default): creator handles as they are; ``"pseudonymised"``: every handle
        becomes ``creator-`` + 8 hex digits of an HMAC keyed by the data folder's
        ``.cartlift-key`` (created once, never published), in the data as the notebooks read it
        and in the ``creator`` / ``interventions`` parameters; every notebook must declare
        ``creators``. E-mails, phone numbers and user ids are masked either way
        (:mod:`analysis.present.privacy`).
    keep_workers : bool
        Keep the worker processes and their kernels for the next report of this process
        (:func:`analysis.report.jobs.run_jobs`): several reports in one session (tests,
        scripts) start their kernels once.
    wait : float
        Seconds to wait when another report of the same week (same ``out``) is running: one
        report at a time per week folder (:func:`analysis.report.publish.report_lock`); then
        :class:`ReportError`. Default :data:`analysis.report.publish.DEFAULT_WAIT`.
    reuse : bool
        True (default): a page whose notebook, parameters, data, kit, lock, templates and
        language are unchanged since it was last built into ``out`` is reused, not rerun
        (:mod:`analysis.report.reuse`); False reruns every notebook.

    Returns
    -------
    Path
        ``<out>/<week>/<lang>/index.html``.

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
        the week folder; nothing else changes there) or a page would load external resources;
        or another report of the week is running (see ``wait``).
    OutputError
        A file or folder cannot be written (disk full, permission denied, read-only disk): the
        message names the path, the cause and the fix; the previous report stays as it was.

    Other Parameters
    ----------------
    shop : str or Path, optional
        Shop file applied to the data (``docs/shop-file.md``); default the data folder's
        ``shop.toml``, if any. When given, every notebook must declare ``shop``.
    schedule : str or Path, optional
        A switchback schedule (``cartlift plan``'s ``schedule.csv``): the experiment page
        (:data:`analysis.report.plan.EXPERIMENT_NOTEBOOK`) joins the run and reads it; pages
        name it by file name and fingerprint, as the data. None: that page is not run.
    """
    notebooks_dir, templates_dir, out = Path(notebooks_dir), Path(templates_dir), Path(out)
    plan = plan_report(data=data, week=week, tz=tz, lang=lang, min_viewers=min_viewers,
                       notebooks=notebooks, parameters=parameters, workers=workers, shop=shop,
                       notebooks_dir=notebooks_dir, skip_unreadable=skip_unreadable,
                       creators=creators, schedule=schedule)  # fmt: skip
    tz, min_viewers = plan.run_parameters["tz"], plan.run_parameters["min_viewers"]
    run = run_metadata(data, plan.week, plan.run_parameters, lang=lang)
    run["hidden"] |= personal_parameters(plan.run_parameters)  # shown masked, as on the pages
    iso = plan.week.iso
    top = index_rows(plan, iso, lang=lang, min_viewers=min_viewers)  # kpis, changes, inputs
    questions = question_table(plan.cells, week=iso, pages=plan.names, data=data)
    check_outputs(out, final := language_folder(out, iso, lang), plan.names)
    say = progress_printer(progress)
    say(f"week {iso}, {len(plan.names)} notebook(s), {plan.workers} at a time, lang={lang}")
    with locked_staging(out / iso, lang, wait=wait, say=say, label=f"{iso} ({lang})") as staging:
        jobs = notebook_jobs(
            plan, run, staging, final, timeout=timeout, lang=lang,
            notebooks_dir=notebooks_dir, templates_dir=templates_dir,
        )  # fmt: skip
        results = run_pages(jobs, out, reuse=reuse, workers=plan.workers, say=say,
                            notebook_timeout=notebook_timeout, keep_workers=keep_workers)  # fmt: skip
        record = manifest(run, plan, results)
        write_json(staging / "manifest.json", record)
        if len(questions):  # custom notebooks ask no question of the vocabulary: no file
            write_questions(questions, staging)
        index = render_index(
            templates_dir, run=run, pages=page_links(plan.names, results),
            lock=record["lock_sha256"], out=out, lang=lang, **top,
            questions=questions.to_dict("records"),
        )  # fmt: skip
        write_text(staging / "index.html", hide_paths(index, run["hidden"]))
        publish(staging, final)
        announce(out, iso, lang)  # the indexes' earlier weeks and languages, the chooser
    say(f"published {final / 'index.html'}")
    return final / "index.html"


def index_rows(plan: Any, week: str, *, lang: str, min_viewers: int) -> dict[str, Any]:
    """What the index shows above its pages, for :func:`analysis.report.index.render_index`.

    ``changes``: "what changed this week" (:func:`analysis.present.week_change.week_change_rows`:
    ``week`` against the one before); ``inputs``: whether the rows read reconcile
    (:func:`analysis.present.week_change.input_lines` of the plan's
    :func:`analysis.sources.quality.source_summary`); ``kpis``: the headline
    (:func:`analysis.present.headline.headline_kpis` of ``week``). The rates use the weekly
    page's window (:data:`analysis.analyses.answerable.PAGE_WINDOWS`) and one unit of the cells,
    as the pages (:func:`analysis.analyses.answerable.one_unit`): the same numbers.
    """
    window = within_window(plan.cells, week=week, weeks=PAGE_WINDOWS["weekly_report"])
    unit_cells, _, _ = one_unit(window)  # one unit: rates are never pooled across units
    return {
        "kpis": headline_kpis(select_week(unit_cells, week), lang=lang, min_viewers=min_viewers),
        "changes": week_change_rows(unit_cells, week=week, lang=lang),
        "inputs": input_lines(plan.inputs, lang=lang),
    }


def main(args: argparse.Namespace) -> int:
    """``cartlift report``: :func:`run_report` from the parsed options
    (:func:`analysis.report.options.add_report_arguments`).

    Returns
    -------
    int
        Exit code: 0 on success (the index path printed), 1 on a failed notebook or bad input
        (the message, naming the notebook and cell, on stderr).
    """
    try:
        index = run_report(
            data=args.data, week=args.week, out=Path(args.out), tz=args.tz, lang=args.lang,
            min_viewers=args.min_viewers, workers=args.workers, timeout=args.timeout,
            notebook_timeout=args.notebook_timeout, notebooks=args.notebooks, shop=args.shop,
            skip_unreadable=getattr(args, "skip_unreadable", False),
            wait=getattr(args, "wait", DEFAULT_WAIT),
            creators=getattr(args, "creators", "shown"),
            schedule=getattr(args, "schedule", None),
            reuse=not getattr(args, "rerun", False),
            parameters=getattr(args, "parameters", None),
            progress=not getattr(args, "quiet", False),
        )  # fmt: skip
    except (ReportError, OutputError, ValueError, FileNotFoundError) as err:
        print(f"cartlift report: {err}", file=sys.stderr)
        return 1
    print(index)
    args.index = index  # for `cartlift report --pdf` (analysis.cli)
    if args.open and not open_report(index):
        print("cartlift report: no browser could be opened", file=sys.stderr)
    return 0
