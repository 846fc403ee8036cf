"""Peak memory of loading big canonical CSVs: a 2 M-row and a 5 M-row file (issue 14).

    .venv/bin/python benchmarks/bench_memory.py                  # 2 M and 5 M rows
    .venv/bin/python benchmarks/bench_memory.py --rows 200000    # a quick look

The files are the sample cells (``data/sample``) written by
:func:`analysis.sources.canonical.write_cells` once, then repeated as weeks of other files
(``file`` = ``week0001.csv``, ...; ``row`` numbered on) until the row count is reached, in the
system temporary folder. Each file is loaded by :func:`analysis.sources.canonical.read` in its
own child process, libraries imported before measuring; printed: rows, file size, wall time, peak
RSS (``VmHWM``), the cells' in-memory size (``cells.memory_usage(deep=True).sum()``) and the
ratio peak RSS / cells size. Target (the 2 M-row file): peak RSS under 1.5 GB and within 3x the
cells' size. Exits 1 when missed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import ROOT, Target, peak_rss_mb, print_targets, run_child  # noqa: E402

sys.path.insert(0, str(ROOT))
DEFAULT_ROWS = "2000000,5000000"
#: the target file (rows), its peak RSS limit (MB) and ratio limit
TARGET_ROWS, MAX_PEAK_MB, MAX_RATIO = 2_000_000, 1536, 3.0
_LINE = re.compile(r"(?m)^simulate,cells\.parquet,(\d+),")


def write_csv(path: Path, rows: int) -> Path:
    """A canonical CSV of ``rows`` data rows: the sample cells written by ``write_cells``, then
    repeated with ``file`` = ``week<k>.csv`` and ``row`` numbered on (no duplicated cell)."""
    import analysis as cl
    from analysis.paths import SAMPLE_DIR
    from analysis.sources.canonical import write_cells

    base = path.with_suffix(".base.csv")
    write_cells(cl.load(SAMPLE_DIR), base)
    header, _, body = base.read_bytes().decode("utf-8").partition("\r\n")
    base.unlink()
    lines = body.split("\r\n")[:-1]
    if not lines:
        raise SystemExit(f"{base}: no data rows written")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(header + "\r\n")
        done, k = 0, 0
        while done < rows:
            part = "\r\n".join(lines[: rows - done]) + "\r\n"
            offset = done

            def renumber(m: re.Match, k: int = k, offset: int = offset) -> str:
                return f"simulate,week{k:04d}.csv,{int(m[1]) + offset},"

            f.write(_LINE.sub(renumber, part))
            done += min(len(lines), rows - done)
            k += 1
    return path


def child(path: str) -> None:
    """Load ``path`` (libraries imported first) and print the figures as JSON."""
    import analysis  # noqa: F401
    from analysis.paths import SAMPLE_TZ
    from analysis.sources import canonical

    before = peak_rss_mb()
    t0 = time.perf_counter()
    loaded = canonical.read(Path(path), tz=SAMPLE_TZ)
    seconds = time.perf_counter() - t0
    peak = peak_rss_mb()
    cells = loaded.cells
    size_mb = float(cells.memory_usage(deep=True).sum()) / 2**20
    print(json.dumps({"rows": len(cells) + len(loaded.rejected), "cells": len(cells),
                      "reconciles": loaded.reconciles(), "seconds": seconds, "peak_mb": peak,
                      "imports_mb": before, "cells_mb": size_mb}))  # fmt: skip


def measure(sizes: list[int] | None = None) -> list[Target]:
    """Write, load and report each size; the targets of the :data:`TARGET_ROWS` file."""
    sizes = sizes or parse_rows(DEFAULT_ROWS)
    targets = []
    with tempfile.TemporaryDirectory(prefix="cartlift-bench-memory-") as tmp:
        for rows in sizes:
            path = write_csv(Path(tmp) / f"cells_{rows}.csv", rows)
            mb = path.stat().st_size / 2**20
            r = run_child(Path(__file__), str(path))
            ratio = r["peak_mb"] / r["cells_mb"]
            print(f"{rows:>10,} rows  file {mb:,.0f} MB  load {r['seconds']:.1f} s  peak RSS "
                  f"{r['peak_mb']:,.0f} MB (after imports {r['imports_mb']:,.0f} MB)  cells "
                  f"{r['cells_mb']:,.0f} MB  peak/cells {ratio:.2f}x  reconciles "
                  f"{r['reconciles']}")  # fmt: skip
            path.unlink()
            if rows == TARGET_ROWS:
                targets += [
                    Target("canonical CSV 2M rows: peak RSS (MB)", r["peak_mb"],
                           f"< {MAX_PEAK_MB}", r["peak_mb"] < MAX_PEAK_MB),
                    Target("canonical CSV 2M rows: peak RSS / cells size", ratio,
                           f"<= {MAX_RATIO:g}x", ratio <= MAX_RATIO),
                ]  # fmt: skip
    return targets


def parse_rows(text: str) -> list[int]:
    return [int(float(s)) for s in text.split(",") if s.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default=DEFAULT_ROWS, help="comma-separated row counts")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    targets = measure(parse_rows(args.rows))
    print_targets(targets)
    return 1 if any(t.ok is False for t in targets) else 0


if __name__ == "__main__":
    sys.exit(main())
