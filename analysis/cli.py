"""The ``cartlift`` command: ``report``, ``validate``, ``load``, ``init``, ``selfcheck``,
``simulate``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis import paths
from analysis.analyses import selfcheck
from analysis.errors import CellsError
from analysis.report.options import add_report_arguments
from analysis.sample.exports import FORMATS, write_exports
from analysis.sample.simulate import write_sample
from analysis.sources.canonical import write_cells
from analysis.sources.load import load, read
from analysis.sources.shop_template import write_shop_template


def _report(args: argparse.Namespace) -> int:
    # Deferred on purpose: the report entry loads papermill and nbconvert (seconds), which
    # `cartlift --help` and the other commands never need.
    from analysis.report.run import main

    return main(args)


def _simulate(args: argparse.Namespace) -> int:
    out = Path(args.out)
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
    try:
        loaded = read(args.paths, source=args.source, tz=args.tz, engine=args.engine, dates=dates,
                      shop=args.shop)  # fmt: skip
    except (CellsError, ValueError, FileNotFoundError, ImportError) as err:
        print(f"cartlift load: {err}", file=sys.stderr)
        return 1
    print(loaded.summary)
    if args.out:
        print(write_cells(loaded.cells, Path(args.out)))
    return 0


def _selfcheck(args: argparse.Namespace) -> int:
    try:
        return selfcheck.run(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"cartlift selfcheck: {err}", file=sys.stderr)
        return 1


def _validate(args: argparse.Namespace) -> int:
    try:
        loaded = read(args.paths, source=args.source, tz=args.tz, shop=args.shop)
    except (CellsError, ValueError, FileNotFoundError) as err:
        print(f"cartlift validate: {err}", file=sys.stderr)
        return 1
    print(loaded.summary)
    print(loaded.files.to_string(index=False))
    if len(loaded.rejected):
        print("\nrejected rows:")
        print(loaded.rejected.to_string(index=False))
    if len(loaded.replaced):
        print("\nreplaced rows:")
        print(loaded.replaced.to_string(index=False))
    if len(loaded.shop):
        print("\nfrom the shop file:")
        print(loaded.shop.to_string(index=False))
    return 0


def _init(args: argparse.Namespace) -> int:
    data = Path(args.data).expanduser().absolute()  # the caller's directory, not the kit's
    out = Path(args.out).expanduser().absolute() if args.out else None
    try:
        path = write_shop_template(data, out, tz=args.tz, force=args.force)
    except (FileExistsError, FileNotFoundError, CellsError, ValueError) as err:
        hint = " (pass the shop's time zone: --tz Europe/Paris)" if "time zone" in str(err) else ""
        print(f"cartlift init: {err}{hint}", file=sys.stderr)
        return 1
    print(path)
    return 0


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

    val = sub.add_parser("validate", help="load files, print a summary or the problems")
    val.add_argument("paths", nargs="+")
    val.add_argument("--tz", default=None, help="shop time zone (IANA name)")
    val.add_argument("--source", default="auto", help="loader name, or 'auto' to detect")
    val.add_argument("--shop", default=None, metavar="FILE",
                     help="shop file to apply (default: shop.toml in the data folder)")  # fmt: skip
    val.set_defaults(func=_validate)

    lod = sub.add_parser("load", help="read exports into canonical cells (any engine)")
    lod.add_argument("paths", nargs="+", help="files, folders, or a BigQuery table")
    lod.add_argument("--tz", default=None, help="shop time zone (IANA name)")
    lod.add_argument("--source", default="auto", help="loader name, or 'auto' to detect")
    lod.add_argument("--engine", default="duckdb", help="duckdb (default), spark or bigquery")
    lod.add_argument("--dates", nargs=2, metavar=("FIRST", "LAST"),
                     help="BigQuery: daily tables YYYYMMDD to YYYYMMDD")  # fmt: skip
    lod.add_argument("--out", default=None, help="write the cells to this .parquet / .csv")
    lod.add_argument("--shop", default=None, metavar="FILE",
                     help="shop file to apply (default: shop.toml in the data folder)")  # fmt: skip
    lod.set_defaults(func=_load)

    ini = sub.add_parser("init", help="write a commented shop-file template (shop.toml)")
    ini.add_argument("--data", required=True, help="the shop's exports: file or folder")
    ini.add_argument("--out", default=None, help="file to write (default: DATA/shop.toml)")
    ini.add_argument("--tz", default=None, help="shop time zone (IANA name), written in it")
    ini.add_argument("--force", action="store_true", help="overwrite an existing file")
    ini.set_defaults(func=_init)

    chk = sub.add_parser("selfcheck", help="exact coverage and placebo A/A on your data")
    chk.add_argument("--data", required=True, help="file(s) or folder to check")
    chk.add_argument("--tz", default=None, help="shop time zone (IANA name)")
    chk.add_argument("--reps", type=int, default=400, help="placebo splits")
    chk.add_argument("--seed", type=int, default=0)
    chk.add_argument("--level", type=float, default=0.95)
    chk.set_defaults(func=_selfcheck)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
