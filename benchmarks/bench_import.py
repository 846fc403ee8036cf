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


def wall(code: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    base = wall("pass", args.repeat)
    kit = wall("import analysis", args.repeat)
    pandas = wall("import pandas", args.repeat)
    print(f"python -c pass          {base:.3f} s (baseline)")
    print(
        f"import analysis         {kit:.3f} s  overhead {kit - base:.3f} s  ratio {kit / base:.2f}x"
    )
    print(f"import pandas           {pandas:.3f} s  overhead {pandas - base:.3f} s (for scale)")
    verdict = "within" if kit - base <= 0.5 else "OVER"
    print(f"target: import overhead <= 0.5 s -> {verdict} target")


if __name__ == "__main__":
    main()
