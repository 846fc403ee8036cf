"""The ``cartlift`` command: ``report``, ``validate``, ``load``, ``init``, ``selfcheck``, ``simulate``, ``plan``.

Paths on the command line are relative to the caller's working directory (:func:`from_cwd`); the
Python API takes relative paths from the project root (:func:`analysis.paths.resolve_data`), so
that notebooks find ``data/sample`` whatever the kernel's directory. ``cartlift report`` without
``--data`` reads the embedded sample.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.analyses import selfcheck
from analysis.errors import BrowserNotFound, CellsError, OutputError, ParameterError
from analysis.report.options import add_report_arguments, focus_parameters
from analysis.sample.exports import FORMATS, write_exports
from analysis.sample.simulate import write_sample, write_simulation
from analysis.sample.switchback import switchback_simulation
from analysis.sources.canonical import write_cells
from analysis.sources.limits import add_flag, apply_flags
from analysis.sources.load import load, read, unreadable_message
from analysis.sources.shop_template import write_shop_template

#: help of ``--tz`` where it may be left out
TZ_HELP = ("shop time zone, IANA name (default: the shop file's timezone; required when a file "
           "has times without a zone)")  # fmt: skip
#: ``cartlift report``'s default ``--data``: the embedded sample, found from any directory
SAMPLE_ARG = str(paths.SAMPLE_DIR.relative_to(paths.PROJECT_ROOT))


def from_cwd(path: str) -> str:
    """``path`` made absolute against the caller's working directory (``~`` expanded)."""
    return str(Path(path).expanduser().absolute())


def _report(args: argparse.Namespace) -> int:
    # Deferred on purpose: the report entry loads papermill and nbconvert (seconds), which
    # `cartlift --help` and the other commands never need.
    from analysis.report.run import main

    try:  # --intervention / --creator, checked before anything runs
        args.parameters = focus_parameters(args.interventions, args.creator)
    except ParameterError as err:
        print(f"cartlift report: {err}", file=sys.stderr)
        return 1
    if args.data != SAMPLE_ARG:  # the default names the embedded sample, from anywhere
        args.data = from_cwd(args.data)
    args.out = from_cwd(args.out)
    if args.pdf and _print_pdf(args) != 0:  # no Chromium: said before anything runs
        return 1
    code = main(args)
    return _print_pdf(args, args.index) if code == 0 and args.pdf else code


def _print_pdf(args: argparse.Namespace, index: Path | None = None) -> int:
    """``--pdf``: find Chromium (``index`` None), or print the published pages beside them
    (:func:`analysis.report.pdf.print_pages`); 1 with the message on stderr when it fails."""
    from analysis.report.pdf import find_chromium, print_pages

    try:
        if index is None:
            args.chromium = find_chromium(args.chromium)
        else:
            for pdf in print_pages(index, chromium=args.chromium):
                print(pdf)
    except (BrowserNotFound, OutputError) as err:
        print(f"cartlift report: {err}", file=sys.stderr)
        return 1
    return 0


def _simulate(args: argparse.Namespace) -> int:
    out = Path(from_cwd(args.out))
    if args.schedule:  # the shop running a switchback schedule (docs/experiments.md)
        try:
            sim = switchback_simulation(from_cwd(args.schedule), effect=args.effect,
                                        carryover=args.carryover, seed=args.seed, weeks=args.weeks,
                                        start=None if args.weeks is None else args.start)  # fmt: skip
        except (ValueError, FileNotFoundError) as err:
            print(f"cartlift simulate: {err}", file=sys.stderr)
            return 2
        written = list(write_simulation(sim, out).values())
    else:
        written = list(write_sample(out, weeks=args.weeks or 8, seed=args.seed,
                                    start=args.start).values())  # fmt: skip
    if args.formats:
        formats = FORMATS if args.formats == ["all"] else args.formats
        cells = load(out, tz=paths.SAMPLE_TZ)
        written += write_exports(cells, out / "exports", formats=formats)
    for path in written:
        print(path)
    return 0


def _load(args: argparse.Namespace) -> int:
    dates = tuple(args.dates) if args.dates else None
    paths_ = args.paths if args.engine == "bigquery" else [from_cwd(p) for p in args.paths]
    try:
        loaded = read(paths_, source=args.source, tz=args.tz, engine=args.engine, dates=dates,
                      shop=args.shop)  # fmt: skip
    except (CellsError, ValueError, FileNotFoundError, ImportError) as err:
        print(f"cartlift load: {err}", file=sys.stderr)
        return 1
    if _unreadable(loaded, "load", skip=args.skip_unreadable):
        return 1
    print(loaded.summary)
    if args.out:
        try:  # whole or not at all; a disk fault is one message naming the file
            print(write_cells(loaded.cells, Path(from_cwd(args.out))))
        except OutputError as err:
            print(f"cartlift load: {err}", file=sys.stderr)
            return 1
    return 0


def _selfcheck(args: argparse.Namespace) -> int:
    args.data = from_cwd(args.data)
    try:
        return selfcheck.run(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"cartlift selfcheck: {err}", file=sys.stderr)
        return 1


def _validate(args: argparse.Namespace) -> int:
    """Exit 0, or 1 when a file is unreadable (unless ``--skip-unreadable``) or nothing reads."""
    try:
        loaded = read([from_cwd(p) for p in args.paths], source=args.source, tz=args.tz,
                      shop=args.shop)  # fmt: skip
    except (CellsError, ValueError, FileNotFoundError) as err:
        print(f"cartlift validate: {err}", file=sys.stderr)
        return 1
    print(loaded.summary)
    print(loaded.files.to_string(index=False))
    for name, table in (("not read", loaded.not_read), ("rejected", loaded.rejected),
                        ("replaced", loaded.replaced), ("flagged", loaded.flagged),
                        ("from the shop file", loaded.shop)):  # fmt: skip
        if len(table):
            kind = "files" if name == "not read" else "" if "shop" in name else "rows"
            print(f"\n{name} {kind}".rstrip() + ":")
            print(table.to_string(index=False))
    return 1 if _unreadable(loaded, "validate", skip=args.skip_unreadable) else 0


def _unreadable(loaded, command: str, *, skip: bool) -> bool:
    """Whether to exit 1: an unreadable file and no ``--skip-unreadable``. Either way each such
    file is named on stderr."""
    files = loaded.files
    if "status" not in files or not (files["status"] == "unreadable").any():
        return False
    left = "left out (--skip-unreadable) " if skip else ""
    print(f"cartlift {command}: {left}{unreadable_message(files, hint=not skip)}",
          file=sys.stderr)  # fmt: skip
    return not skip


def _init(args: argparse.Namespace) -> int:
    data = Path(args.data).expanduser().absolute()  # the caller's directory, not the kit's
    out = Path(args.out).expanduser().absolute() if args.out else None
    try:
        path = write_shop_template(data, out, tz=args.tz, force=args.force)
    except (FileExistsError, FileNotFoundError, CellsError, ValueError, OutputError) as err:
        hint = " (pass the shop's time zone: --tz Europe/Paris)" if "time zone" in str(err) else ""
        print(f"cartlift init: {err}{hint}", file=sys.stderr)
        return 1
    print(path)
    return 0


def _cmd_plan(args: argparse.Namespace) -> int:
    """``cartlift plan``: paths from the caller's directory, then
    :func:`analysis.report.experiment_plan.run_plan` (exit 2 when the design is refused)."""
    # Deferred on purpose, as for `report`: the plan's provenance loads nbformat (seconds),
    # which `cartlift --help` and the other commands never need.
    from analysis.report.experiment_plan import run_plan

    for name in ("slots", "data"):
        if getattr(args, name):
            setattr(args, name, from_cwd(getattr(args, name)))
    args.out = from_cwd(args.out)
    return run_plan(args)


def _simulate_parser(sub: argparse._SubParsersAction) -> None:
    """The ``simulate`` subcommand's arguments: the sample shop, or a switchback schedule's run."""
    sim = sub.add_parser("simulate", help="write a simulated shop (cells + truth)")
    sim.add_argument(
        "--weeks",
        type=int,
        default=None,
        help="weeks simulated (default: 8; with --schedule, the schedule's weeks)",
    )
    sim.add_argument("--seed", type=int, default=0, help="seed of the simulation")
    sim.add_argument(
        "--start",
        default="2026-09-28",
        help="first Monday (YYYY-MM-DD); with --schedule, used with --weeks only",
    )
    sim.add_argument("--out", required=True, help="output folder")
    sim.add_argument("--formats", nargs="*", default=[], metavar="FORMAT",
                     help="also write the shop as real-looking exports into OUT/exports: "
                     "'all' or some of live_list, live_center, product_list, shop_overview, api "
                     "(default: none)")  # fmt: skip
    sim.add_argument(
        "--schedule",
        default=None,
        metavar="FILE",
        help="simulate the shop running this switchback schedule (the schedule.csv "
        "of `cartlift plan`): its slots are the LIVEs (default: none, the sample)",
    )
    sim.add_argument(
        "--effect",
        type=float,
        default=1.0,
        help="with --schedule: planted ratio on each treated LIVE's ATC rate",
    )
    sim.add_argument(
        "--carryover",
        type=int,
        default=0,
        help="with --schedule: LIVEs the effect carries over to",
    )
    sim.set_defaults(func=_simulate)


def _plan_parser(sub: argparse._SubParsersAction) -> None:
    """The ``plan`` subcommand's arguments (``docs/data-formats.md``, switchback schedule)."""
    pln = sub.add_parser(
        "plan", help="a randomised switchback schedule (CSV + calendar) and its power",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )  # fmt: skip
    add = pln.add_argument
    add("--slots", default=None, metavar="FILE", help="CSV of the LIVEs to come: start "
        "(required), creator, block, slot (docs/data-formats.md)")  # fmt: skip
    add("--start", default=None, help="regular slots: first start, e.g. '2026-10-05 18:00'")
    add("--every", default="1D", help="regular slots: time between starts (1D, 12h, 7D)")
    add("--count", type=int, default=14, help="regular slots: how many")
    add("--creators", default=None, help="regular slots: creators in turn, e.g. @a,@b")
    add("--tz", default=None, help="shop time zone (IANA) of starts without a UTC offset")
    add("--treatments", required=True, help="the change, then the control: e.g. qa,none")
    add("--block", default=None, choices=["weekday", "creator", "file", "none"],
        help="randomisation blocks; None: the slots file's block column, else one block")  # fmt: skip
    add("--min-per-arm", type=int, default=2, help="LIVEs each arm must get")
    add("--buffer", type=int, default=0, help="carry-over buffer in LIVEs (run, not counted)")
    add("--level", type=float, default=0.95, help="confidence level of the analysis")
    add("--alternative", default="two-sided", choices=["two-sided", "larger", "smaller"],
        help="the test the analysis will use: larger = the change raises the rate (more power, "
        "but it can never conclude that the change lowers it)")  # fmt: skip
    add("--seed", type=int, default=None, help="seed of the draw; None: drawn and printed")
    add("--effect", type=float, default=1.2, help="planned effect, a ratio of rates")
    add("--power-target", type=float, default=0.8, help="power the smallest effect must reach")
    add("--reps", type=int, default=1000, help="simulated experiments per power")
    add("--data", default=None, help="the shop's past exports (sizes, ICC, baseline rate)")
    add("--baseline", type=float, default=None, help="without --data: the control's ATC rate")
    add("--icc", type=float, default=None, help="without --data: ICC of LIVE rates")
    add("--viewers", default=None, help="without --data: viewers per LIVE (or a list: 800,1500)")
    add("--minutes", type=int, default=60, help="length of each calendar event")
    add("--out", required=True, help="folder for schedule.csv, schedule.json, schedule.ics")
    add("--force", action="store_true", help="replace a schedule already in --out")
    pln.set_defaults(func=_cmd_plan)


class DefaultsFormatter(argparse.RawDescriptionHelpFormatter):
    """``--help`` states every option's default: ``(default: X)`` appended unless the help
    already says it; an unset repeatable option's default is ``none``; an on/off flag's is off
    (argparse, ``ArgumentDefaultsHelpFormatter``, rewritten for these cases)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or not action.option_strings or action.default == argparse.SUPPRESS:
            return text
        if action.required:
            return f"{text} (required)"
        if action.nargs == 0:  # store_true / store_false
            return f"{text} (default: {'on' if action.default else 'off'})"
        if action.default is None and isinstance(action, argparse._AppendAction):
            return f"{text} (default: none)"
        return f"{text} (default: %(default)s)"


class _Progress(logging.Handler):
    """Progress lines of the kit's loggers (``analysis.*``, INFO) on stderr, as
    ``cartlift <command>: <line>`` (stderr looked up at each line, so a redirect holds)."""

    def __init__(self, command: str):
        super().__init__(logging.INFO)
        self.command = command

    def emit(self, record: logging.LogRecord) -> None:
        print(f"cartlift {self.command}: {record.getMessage()}", file=sys.stderr, flush=True)


def _add_quiet(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress lines on stderr (errors are still printed)")  # fmt: skip
    return parser


def _reading_parsers(sub: Any) -> None:
    """The ``validate`` and ``load`` subcommands (``--limit``, ``--quiet`` on both)."""
    val = add_flag(sub.add_parser("validate", help="load files, print a summary or the problems"))
    val.add_argument("paths", nargs="+")
    val.add_argument("--tz", default=None, help=TZ_HELP)
    val.add_argument("--source", default="auto", help="loader name, or 'auto' to detect")
    val.add_argument("--shop", default=None, metavar="FILE",
                     help="shop file to apply (default: shop.toml in the data folder)")  # fmt: skip
    val.add_argument("--skip-unreadable", action="store_true",
                     help="exit 0 even when a file cannot be read (it stays listed)")  # fmt: skip
    val.set_defaults(func=_validate)

    lod = add_flag(sub.add_parser("load", help="read exports into canonical cells (any engine)"))
    lod.add_argument("paths", nargs="+", help="files, folders, or a BigQuery table")
    lod.add_argument("--tz", default=None, help=TZ_HELP)
    lod.add_argument("--source", default="auto", help="loader name, or 'auto' to detect")
    lod.add_argument("--engine", default="duckdb", help="duckdb, spark or bigquery")
    lod.add_argument("--dates", nargs=2, metavar=("FIRST", "LAST"),
                     help="BigQuery: daily tables YYYYMMDD to YYYYMMDD (default: none; "
                     "required with --engine bigquery)")  # fmt: skip
    lod.add_argument("--out", default=None,
                     help="write the cells to this .parquet / .csv (default: print the summary "
                     "only)")  # fmt: skip
    lod.add_argument("--shop", default=None, metavar="FILE",
                     help="shop file to apply (default: shop.toml in the data folder)")  # fmt: skip
    lod.add_argument("--skip-unreadable", action="store_true",
                     help="load the readable files when some file cannot be read")  # fmt: skip
    lod.set_defaults(func=_load)
    for command in (val, lod):
        _add_quiet(command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cartlift", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    rep = sub.add_parser("report", help="run the report notebooks for one week, export HTML")
    add_report_arguments(_add_quiet(rep))
    rep.set_defaults(func=_report)

    _simulate_parser(sub)

    _reading_parsers(sub)

    ini = sub.add_parser("init", help="write a commented shop-file template (shop.toml)")
    ini.add_argument("--data", required=True, help="the shop's exports: file or folder")
    ini.add_argument("--out", default=None, help="file to write (default: DATA/shop.toml)")
    ini.add_argument("--tz", default=None, help="shop time zone (IANA name), written in it "
                     "(default: the zone of the exports' times, else an empty line to fill)")  # fmt: skip
    ini.add_argument("--force", action="store_true", help="overwrite an existing file")
    ini.set_defaults(func=_init)

    chk = sub.add_parser(
        "selfcheck", help="exact coverage, placebo A/A and simulated A/A on your LIVEs"
    )
    chk.add_argument("--data", required=True, help="file(s) or folder to check")
    chk.add_argument("--tz", default=None, help=TZ_HELP)
    chk.add_argument("--reps", type=int, default=200, help="A/A splits per check")
    chk.add_argument("--seed", type=int, default=0, help="seed of the random splits")
    chk.add_argument("--level", type=float, default=0.95, help="confidence level checked")
    chk.set_defaults(func=_selfcheck)
    _add_quiet(chk)
    _plan_parser(sub)
    for command in sub.choices.values():  # every subcommand: keep this loop last
        command.formatter_class = DefaultsFormatter
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``cartlift`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit code.

    Progress lines of long loads (a line per file read, :mod:`analysis.sources.load`) go to
    stderr unless ``--quiet``."""
    args = build_parser().parse_args(argv)
    apply_flags(getattr(args, "limits", None))  # --limit: this process and its report kernels
    log = logging.getLogger("analysis")
    handler, level = _Progress(args.command), log.level
    if not getattr(args, "quiet", False):
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    try:
        return args.func(args)
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


if __name__ == "__main__":
    raise SystemExit(main())
