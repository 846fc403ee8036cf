"""The ``cartlift`` command: ``report``, ``simulate``, ``validate``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis import paths


def _report(args: argparse.Namespace) -> int:
    from analysis.report import ReportError, run_report

    try:
        index = run_report(data=args.data, week=args.week, out=Path(args.out), tz=args.tz,
                           timeout=args.timeout)  # fmt: skip
    except (ReportError, ValueError, FileNotFoundError) as err:
        print(f"cartlift report: {err}", file=sys.stderr)
        return 1
    print(index)
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from analysis.simulate import write_sample

    written = write_sample(Path(args.out), weeks=args.weeks, seed=args.seed, start=args.start)
    for path in written.values():
        print(path)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from analysis.cells import CellsError
    from analysis.load import load

    try:
        cells = load(args.paths, tz=args.tz)
    except (CellsError, ValueError, FileNotFoundError) as err:
        print(f"cartlift validate: {err}", file=sys.stderr)
        return 1
    files = cells["file"].nunique()
    print(f"{len(cells)} rows read from {files} file(s), {len(cells)} cells, 0 rejected")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cartlift", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    rep = sub.add_parser("report", help="run the report notebooks for one week, export HTML")
    rep.add_argument("--data", default=str(paths.SAMPLE_DIR.relative_to(paths.PROJECT_ROOT)),
                     help="canonical file or folder (default: the embedded sample)")  # fmt: skip
    rep.add_argument("--week", default="latest", help="ISO week YYYY-Www, or 'latest'")
    rep.add_argument("--out", default=str(paths.REPORTS_DIR), help="reports folder")
    rep.add_argument("--tz", default=paths.SAMPLE_TZ, help="shop time zone (IANA name)")
    rep.add_argument("--timeout", type=int, default=600, help="per-cell timeout, seconds")
    rep.set_defaults(func=_report)

    sim = sub.add_parser("simulate", help="write a simulated shop (cells + truth)")
    sim.add_argument("--weeks", type=int, default=8)
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--start", default="2026-09-28", help="first Monday (YYYY-MM-DD)")
    sim.add_argument("--out", required=True, help="output folder")
    sim.set_defaults(func=_simulate)

    val = sub.add_parser("validate", help="load files, print a summary or the problems")
    val.add_argument("paths", nargs="+")
    val.add_argument("--tz", default=None, help="shop time zone (IANA name)")
    val.set_defaults(func=_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
