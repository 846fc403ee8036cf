"""The ``cartlift`` command: ``report``, ``validate``, ``load``, ``init``, ``selfcheck``, ``simulate``, ``plan``.

Paths on the command line are relative to the caller's working directory (:func:`from_cwd`); the
Python API takes relative paths from the project root (:func:`analysis.paths.resolve_data`), so
that notebooks find ``data/sample`` whatever the kernel's directory. ``cartlift report`` without
``--data`` reads the embedded sample.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis import paths
from analysis.analyses import selfcheck
from analysis.errors import CellsError, OutputError
from analysis.report.options import add_report_arguments
from analysis.sample.exports import FORMATS, write_exports
from analysis.sample.simulate import write_sample
from analysis.sources.canonical import write_cells
from analysis.sources.limits import add_flag, apply_flags
from analysis.sources.load import load, read, unreadable_message
from analysis.sources.shop_template import write_shop_template

#: ``cartlift report``'s default ``--data``: the embedded sample, found from any directory
SAMPLE_ARG = str(paths.SAMPLE_DIR.relative_to(paths.PROJECT_ROOT))


def from_cwd(path: str) -> str:
    """``path`` made absolute against the caller's working directory (``~`` expanded)."""
    return str(Path(path).expanduser().absolute())


def _report(args: argparse.Namespace) -> int:
    # Deferred on purpose: the report entry loads papermill and nbconvert (seconds), which
    # `cartlift --help` and the other commands never need.
    from analysis.report.run import main

    if args.data != SAMPLE_ARG:  # the default names the embedded sample, from anywhere
        args.data = from_cwd(args.data)
    args.out = from_cwd(args.out)
    return main(args)


def _simulate(args: argparse.Namespace) -> int:
    out = Path(from_cwd(args.out))
    written = list(write_sample(out, weeks=args.weeks, seed=args.seed, start=args.start).values())
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cartlift", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    rep = sub.add_parser("report", help="run the report notebooks for one week, export HTML")
    add_report_arguments(rep)
    rep.set_defaults(func=_report)

    sim = sub.add_parser("simulate", help="write a simulated shop (cells + truth)")
    sim.add_argument("--weeks", type=int, default=8)
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--start", default="2026-09-28", help="first Monday (YYYY-MM-DD)")
    sim.add_argument("--out", required=True, help="output folder")
    sim.add_argument("--formats", nargs="*", default=[], metavar="FORMAT",
                     help="also write the shop as real-looking exports into OUT/exports: "
                     "'all' or some of live_list, live_center, product_list, shop_overview, api")  # fmt: skip
    sim.set_defaults(func=_simulate)

    val = add_flag(sub.add_parser("validate", help="load files, print a summary or the problems"))
    val.add_argument("paths", nargs="+")
    val.add_argument("--tz", default=None, help="shop time zone (IANA name)")
    val.add_argument("--source", default="auto", help="loader name, or 'auto' to detect")
    val.add_argument("--shop", default=None, metavar="FILE",
                     help="shop file to apply (default: shop.toml in the data folder)")  # fmt: skip
    val.add_argument("--skip-unreadable", action="store_true",
                     help="exit 0 even when a file cannot be read (it stays listed)")  # fmt: skip
    val.set_defaults(func=_validate)

    lod = add_flag(sub.add_parser("load", help="read exports into canonical cells (any engine)"))
    lod.add_argument("paths", nargs="+", help="files, folders, or a BigQuery table")
    lod.add_argument("--tz", default=None, help="shop time zone (IANA name)")
    lod.add_argument("--source", default="auto", help="loader name, or 'auto' to detect")
    lod.add_argument("--engine", default="duckdb", help="duckdb (default), spark or bigquery")
    lod.add_argument("--dates", nargs=2, metavar=("FIRST", "LAST"),
                     help="BigQuery: daily tables YYYYMMDD to YYYYMMDD")  # fmt: skip
    lod.add_argument("--out", default=None, help="write the cells to this .parquet / .csv")
    lod.add_argument("--shop", default=None, metavar="FILE",
                     help="shop file to apply (default: shop.toml in the data folder)")  # fmt: skip
    lod.add_argument("--skip-unreadable", action="store_true",
                     help="load the readable files when some file cannot be read")  # fmt: skip
    lod.set_defaults(func=_load)

    ini = sub.add_parser("init", help="write a commented shop-file template (shop.toml)")
    ini.add_argument("--data", required=True, help="the shop's exports: file or folder")
    ini.add_argument("--out", default=None, help="file to write (default: DATA/shop.toml)")
    ini.add_argument("--tz", default=None, help="shop time zone (IANA name), written in it")
    ini.add_argument("--force", action="store_true", help="overwrite an existing file")
    ini.set_defaults(func=_init)

    chk = sub.add_parser(
        "selfcheck", help="exact coverage, placebo A/A and simulated A/A on your LIVEs"
    )
    chk.add_argument("--data", required=True, help="file(s) or folder to check")
    chk.add_argument("--tz", default=None, help="shop time zone (IANA name)")
    chk.add_argument("--reps", type=int, default=200, help="A/A splits per check")
    chk.add_argument("--seed", type=int, default=0)
    chk.add_argument("--level", type=float, default=0.95)
    chk.set_defaults(func=_selfcheck)
    _plan_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    apply_flags(getattr(args, "limits", None))  # --limit: this process and its report kernels
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
