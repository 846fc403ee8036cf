"""Time of ``compare(cells, adjust=["hour", "category"])`` and ``rates(cells, by=["is_live",
"hour"])`` on the sample, now against a git ref (issue 13: clustered CR2 columns by default).

    .venv/bin/python benchmarks/bench_compare.py [--before 7f3ba47] [--repeat 5]

The ref is exported with ``git archive`` to a temporary folder and timed in a child interpreter
with that folder first on ``sys.path``; this checkout is timed the same way. Prints the best of
``repeat`` wall times of each call and the ratio after / before.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(root: str, repeat: int) -> None:
    sys.path.insert(0, root)
    import analysis as cl
    from analysis.stats.compare import compare
    from analysis.stats.rates import rates

    cells = cl.load(Path(ROOT) / "data" / "sample", tz="Europe/Paris")
    calls = {
        "compare(adjust=[hour, category])": lambda: compare(cells, adjust=["hour", "category"]),
        "rates(by=[is_live, hour])": lambda: rates(cells, by=["is_live", "hour"]),
    }
    best = {}
    for name, call in calls.items():
        call()  # warm-up
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        best[name] = min(times)
    print(json.dumps(best))


def _run(root: Path, repeat: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, __file__, "--child", str(root), "--repeat",
                           str(repeat)], capture_output=True, text=True, env=env, check=False,
                          cwd=root)  # fmt: skip
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", default="7f3ba47")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before],
                                 capture_output=True, check=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        before = _run(Path(tmp), args.repeat)
    after = _run(ROOT, args.repeat)
    for name in before:
        ratio = after[name] / before[name]
        print(f"{name:<36} before {before[name] * 1e3:8.1f} ms  after {after[name] * 1e3:8.1f} ms"
              f"  ratio {ratio:5.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
