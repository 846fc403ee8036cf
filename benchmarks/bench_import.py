"""How long ``import analysis`` takes, against a bare interpreter, in one run.

    .venv/bin/python benchmarks/bench_import.py [--repeat 7]

Prints the median wall time of ``python -c "import analysis"`` and of ``python -c "pass"``
(the baseline, same interpreter, same run) and their difference; the target is <= 0.5 s of
import overhead (heavy libraries load where they are used, not at import).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, Target  # noqa: E402


def wall(code: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(*, repeat: int = 7, log=print) -> list[Target]:
    base = wall("pass", repeat)
    kit = wall("import analysis", repeat)
    pandas = wall("import pandas", repeat)
    log(f"python -c pass          {base:.3f} s (baseline)")
    log(
        f"import analysis         {kit:.3f} s  overhead {kit - base:.3f} s  ratio {kit / base:.2f}x"
    )
    log(f"import pandas           {pandas:.3f} s  overhead {pandas - base:.3f} s (for scale)")
    verdict = "within" if kit - base <= 0.5 else "OVER"
    log(f"target: import overhead <= 0.5 s -> {verdict} target")
    return [Target("import analysis: overhead over a bare interpreter (s)", kit - base,
                   "<= 0.5 s", kit - base <= 0.5)]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    targets = measure(repeat=args.repeat)
    return 0 if all(t.ok for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
