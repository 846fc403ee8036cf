"""The weekly report's cost against the history behind it: a year of data vs 8 weeks, one week.

    .venv/bin/python benchmarks/bench_history.py [--long 52] [--short 8] [--rounds 2] [--workers N]

Simulates two samples (:func:`analysis.sample.simulate.write_sample`, seed 0) ending with the same
ISO week, 2026-W47: ``--short`` weeks (default 8, from 2026-09-28: the embedded sample) and
``--long`` weeks (default 52, from 2025-11-24), then runs the full report
(:func:`analysis.report.run.run_report`, ``reuse=False``, same ``workers``) of week 2026-W47 on
each, into temporary folders, ``--rounds`` times interleaved (short, long, short, long: a busy
spell of a shared machine hits both), and prints the best wall time of each and their ratio,
measured in one run (target long / short <= 1.3x). Each page reads only its window of weeks
(:data:`analysis.analyses.answerable.PAGE_WINDOWS`, ``docs/metrics.md`` "History windows") from
the Parquet cache the parent wrote (:mod:`analysis.report.columnar`); the data-quality page reads
its week and the whole read's counts from a summary stored with it (``cl.read_quality``), the
parent the cells per day and the longest window. What still grows with the history: the first
report on new files (the parent reads and validates every file, then writes the cache: each
``--rounds`` reruns on a warm cache), and the 12-week window of page 05 and ``questions.csv``
against the 8 weeks the short sample has.
Develop with a small ``--long`` (e.g. 16); the committed number is the 52-week one.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, Target, print_targets  # noqa: E402

sys.path.insert(0, str(ROOT))

WEEK = "2026-W47"
#: the Monday after WEEK: every sample ends on the Sunday before it
END = date(2026, 11, 23)


def report_seconds(data: Path, out: Path, workers: int | None) -> float:
    """Wall seconds of the report of :data:`WEEK` on the sample folder ``data``."""
    from analysis.report.run import run_report

    t = time.perf_counter()
    run_report(data=data, week=WEEK, tz="Europe/Paris", out=out, workers=workers, reuse=False,
               progress=False)  # fmt: skip
    return time.perf_counter() - t


def measure(*, long: int = 52, short: int = 8, rounds: int = 2, workers: int | None = None,
            log=print) -> list[Target]:  # fmt: skip
    from analysis.sample.simulate import write_sample

    tmp = Path(tempfile.mkdtemp(prefix="bench-history-"))
    try:
        starts = {n: (END - timedelta(weeks=n)).isoformat() for n in (short, long)}
        for n, start in starts.items():
            write_sample(tmp / f"data{n}", weeks=n, start=start)
        seconds: dict[int, list[float]] = {short: [], long: []}
        for r in range(rounds):  # interleaved: a busy spell of the machine hits both sizes
            for n in (short, long):
                seconds[n].append(report_seconds(tmp / f"data{n}", tmp / f"out{n}-{r}", workers))
        for n, start in starts.items():
            log(
                f"  {n:3d} weeks of data (from {start}): report of {WEEK} best "
                f"{min(seconds[n]):7.1f} s  (all: {', '.join(f'{x:.1f}' for x in seconds[n])})"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    r = min(seconds[long]) / min(seconds[short])
    return [Target(f"report of one week: {long} weeks of data / {short} weeks", r, "<= 1.3x",
                   r <= 1.3)]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--long", type=int, default=52, help="weeks of the long history")
    ap.add_argument("--short", type=int, default=8, help="weeks of the short history")
    ap.add_argument("--rounds", type=int, default=2, help="runs of each size (best is kept)")
    ap.add_argument("--workers", type=int, default=None, help="notebooks at a time")
    args = ap.parse_args(argv)
    targets = measure(long=args.long, short=args.short, rounds=args.rounds, workers=args.workers)
    print_targets(targets)
    return 0 if all(t.ok for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
