"""Every benchmark of the kit in one run, then every target with what this run measured.

    .venv/bin/python benchmarks/run_all.py                      # GA4 at 1e6, 1e7 and 1e8 events
    .venv/bin/python benchmarks/run_all.py --ga4-sizes 1e6,1e7  # without the 100 M file
    .venv/bin/python benchmarks/run_all.py --only ga4,import
    .venv/bin/python benchmarks/run_all.py --only hostile

Runs, in order: ``bench_import`` (``import analysis``), ``bench_glm`` (GLM on counts vs event
rows), ``bench_report`` (weekly report vs empty notebooks), ``bench_ga4`` (GA4 aggregation: kit
vs hand-written DuckDB vs pandas, with few and with many (~1.3 M) output cells; the 100 M-event
file needs ~1.3 GB of temporary disk and a few minutes to generate), ``bench_memory`` (peak
memory loading 2 M- and 5 M-row canonical CSVs), ``bench_hostile`` (each hostile file: the
error it raises, read time and peak RSS; its only target is raising the named limit). Each
figure is a ratio of two timings taken in this same run (or a peak memory). Exits 1 if a
target is missed. Ratios from different runs or machines are not comparable.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import ROOT, print_targets  # noqa: E402

sys.path.insert(0, str(ROOT))
BENCHMARKS = ("import", "glm", "report", "ga4", "memory", "hostile")


def main(argv: list[str] | None = None) -> int:
    import os

    import bench_ga4
    import bench_glm
    import bench_hostile
    import bench_import
    import bench_memory
    import bench_report

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ga4-sizes", default=bench_ga4.DEFAULT_SIZES, help="GA4, few cells")
    ap.add_argument("--ga4-many-sizes", default=bench_ga4.DEFAULT_MANY_SIZES,
                    help="GA4, many cells (2,000 items over 60 days)")  # fmt: skip
    ap.add_argument("--memory-rows", default=bench_memory.DEFAULT_ROWS)
    ap.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset")
    args = ap.parse_args(argv)
    only = [b.strip() for b in args.only.split(",") if b.strip()]
    unknown = set(only) - set(BENCHMARKS)
    if unknown:
        ap.error(f"unknown benchmark(s) {sorted(unknown)}; known: {', '.join(BENCHMARKS)}")
    print(f"cartlift benchmarks on {platform.node()}: {os.cpu_count()} CPU, "
          f"python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    runs = {
        "import": lambda: bench_import.measure(),
        "glm": lambda: bench_glm.measure(),
        "report": lambda: bench_report.measure(),
        "ga4": lambda: bench_ga4.measure(
            bench_ga4.parse_sizes(args.ga4_sizes), bench_ga4.parse_sizes(args.ga4_many_sizes)
        ),
        "memory": lambda: bench_memory.measure(bench_memory.parse_rows(args.memory_rows)),
        "hostile": lambda: bench_hostile.measure(),
    }
    targets = []
    t0 = time.perf_counter()
    for name in BENCHMARKS:
        if name in only:
            print(f"\n== {name} ==")
            targets += runs[name]()
    print(f"\n== targets (all measured in this run, {time.perf_counter() - t0:.0f} s) ==")
    print_targets(targets)
    missed = [t for t in targets if t.ok is False]
    print(f"\n{len(targets) - len(missed)} of {len(targets)} within target or not measurable "
          f"(said so); {len(missed)} missed")  # fmt: skip
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
