"""Hostile files: which error each raises, how fast, at what peak memory (printed, not asserted).

    .venv/bin/python benchmarks/bench_hostile.py [--issue-mb 1]

Builds each file of ``tests/sources/hostile_files.py`` (zip bomb, shared-string bomb, billion
laughs in a sheet and in the shared strings, external entity, 10 MB cell, a cell at Excel's last
row and column, a zip header that lies, JSON nested 100,000 deep) plus the issue's case: an xlsx
of about ``--issue-mb`` MB whose shared-string table inflates ~400 times (before the limits:
5.3 GB and 300 s for 1 MB), and the same with ``--limit max_compression_ratio=1000``, which
the shared-string limit stops before decompression. Each is read in a fresh child process (``read_sheets`` or
``tiktok_api.read``, libraries imported before the clock starts), which prints the error's
class and limit, the wall time of the read and the peak RSS of the process (``VmHWM``). The
target per file is only "raised the named limit" (or, for files that are not a limit, an
``UnreadableError``); time and memory are for reading, not for a verdict.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import ROOT, Target, peak_rss_mb, run_child  # noqa: E402

sys.path.insert(0, str(ROOT))


def _issue_bomb(mb: float):
    """The issue's file: ``mb`` MB of xlsx holding a shared-string table ~400 times bigger."""
    from tests.sources import hostile_files as hf

    return lambda d: hf.shared_strings_table(d, int(mb * 25_000_000))


def child(kind: str, path: str, limits: str = "") -> None:
    import os

    os.environ["CARTLIFT_LIMITS"] = limits  # what `--limit NAME=VALUE` sets
    from analysis.sources import tiktok_api
    from analysis.sources.sheets import read_sheets

    rss0 = peak_rss_mb()
    t0 = time.perf_counter()
    try:
        if kind == "json":
            tiktok_api.read(Path(path), tz="UTC")
        else:
            read_sheets(Path(path))
        error, limit = "none", None
    except Exception as err:  # reported, whatever it is
        error, limit = type(err).__name__, getattr(err, "limit", None)
    seconds = time.perf_counter() - t0
    print(json.dumps({"error": error, "limit": limit, "seconds": seconds,
                      "rss_before_mb": rss0, "peak_rss_mb": peak_rss_mb()}))  # fmt: skip


def measure(*, issue_mb: float = 1.0, log=print) -> list[Target]:
    from tests.sources.hostile_files import BUILDERS

    issue = f"issue_{issue_mb:g}mb_shared_strings"
    cases = {name: (build, want, "") for name, (build, want) in BUILDERS.items()}
    cases[issue] = (_issue_bomb(issue_mb), "max_compression_ratio", "")
    cases[f"{issue}, ratio limit 1000"] = (_issue_bomb(issue_mb), "max_shared_strings_bytes",
                                           "max_compression_ratio=1000")  # fmt: skip
    log(f"{'file':<50} {'size':>11} {'build':>7}  {'raised':<16} {'limit':<22} "
        f"{'read':>8} {'peak RSS':>9} (imports alone)")  # fmt: skip
    targets = []
    with tempfile.TemporaryDirectory(prefix="cartlift-hostile-") as tmp:
        for name, (build, want, limits) in cases.items():
            folder = Path(tmp) / name
            folder.mkdir()
            t0 = time.perf_counter()
            path = build(folder)
            built = time.perf_counter() - t0
            got = run_child(Path(__file__), "json" if path.suffix == ".json" else "xlsx",
                            str(path), limits, cwd=ROOT)  # fmt: skip
            ok = got["limit"] == want and got["error"] in ("LimitError", "UnreadableError")
            log(f"{name:<50} {path.stat().st_size:>11,} {built:>6.1f}s  {got['error']:<16} "
                f"{str(got['limit']):<22} {got['seconds']:>7.3f}s {got['peak_rss_mb']:>6.0f} MB "
                f"({got['rss_before_mb']:.0f} MB)")  # fmt: skip
            targets.append(Target(f"hostile {name}: read time (s)", got["seconds"],
                                  f"{want or 'unreadable'}", ok,
                                  f"peak RSS {got['peak_rss_mb']:.0f} MB"))  # fmt: skip
    return targets


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issue-mb", type=float, default=1.0,
                        help="size of the issue's shared-string bomb, MB")  # fmt: skip
    args = parser.parse_args(argv)
    targets = measure(issue_mb=args.issue_mb)
    return 0 if all(t.ok for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
