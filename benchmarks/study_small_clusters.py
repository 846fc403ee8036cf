"""Simulation study of the clustered methods with few LIVEs (issue 13, "Tests" / "Done when").

    .venv/bin/python benchmarks/study_small_clusters.py --reps 5000 --workers 1   # committed run
    .venv/bin/python benchmarks/study_small_clusters.py --reps 200 --pilot          # development

18 scenarios (5, 10, 30 LIVEs x LIVE ICC 0.005, 0.02, 0.05 x creator effects SD 0 or 0.3 on the
log scale) of the simulator :mod:`cluster_sim` (design fixed per scenario, random effects and
binomial counts per replicate). Each replicate runs the kit's public functions once
(:func:`methods_of`): the LIVE-side rate interval (``rates``), the crude ratio (``compare``
primary columns), the Mantel-Haenszel and standardised adjusted ratios over hour x category,
the GLM live odds ratio and the GLM's standardised rate ratio. Estimand of each method = the
same method applied to the expected counts of the design (``truth``, "like with like").

Per scenario x method it prints the false-positive rate (the interval excludes the method's
true value: the two-sided 5% test of that value rejects), coverage, mean width of the interval
on the log scale, delivered power (p < 0.05 for ratio 1; the planted LIVE rate ratio is 2),
share of ``few_clusters`` statuses and of undefined results, with Monte Carlo SEs, and a
verdict against issue 13's "Done when" (:func:`verdict`). Replicates are cached per scenario in
chunks under ``benchmarks/results/study_small_clusters/<kit hash>/`` (git-ignored), so a run
resumes where it stopped; the kit hash changes when ``analysis/stats`` changes.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.cluster_sim import Scenario, make_design  # noqa: E402
from benchmarks.study_methods import METHODS, methods_of  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
CACHE = RESULTS / "study_small_clusters"
CHUNK = 100
SEED = 20261207
#: scenario seeds: the design depends on the number of LIVEs only (paired comparisons of ICC
#: and creator effects on one design); replicate streams on the scenario index
SCENARIOS = tuple(
    Scenario(f"G{g}-icc{icc:g}-cre{sd:g}", g, icc, sd, seed=SEED + g)
    for g in (5, 10, 30)
    for icc in (0.005, 0.02, 0.05)
    for sd in (0.0, 0.3)
)


def kit_hash() -> str:
    """Short hash of the kit's statistics sources and of the simulator (the cache key)."""
    h = hashlib.sha1()
    files = sorted((ROOT / "analysis" / "stats").glob("*.py"))
    files += [ROOT / "analysis" / "status.py", ROOT / "analysis" / "vocabulary.py"]
    files += [ROOT / "benchmarks" / "cluster_sim.py", ROOT / "benchmarks" / "study_methods.py"]
    for f in files:
        h.update(f.read_bytes())
    return h.hexdigest()[:10]


_DESIGNS: dict = {}


def _design(i: int):
    if i not in _DESIGNS:
        _DESIGNS[i] = make_design(SCENARIOS[i])
    return _DESIGNS[i]


def run_chunk(task: tuple[int, int, str]) -> tuple[int, int, float]:
    """Run replicates ``chunk*CHUNK ...`` of scenario ``i``; save them; return the seconds."""
    i, chunk, key = task
    path = CACHE / key / SCENARIOS[i].name / f"chunk{chunk:04d}.npz"
    if path.exists():
        return i, chunk, 0.0
    d = _design(i)
    atc = d.draw(np.random.default_rng([SEED, i, chunk]), CHUNK)
    t0, c0 = time.perf_counter(), time.process_time()
    rows = [methods_of(d.frame(x)) for x in atc]
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = {f: np.array([[r[m][f] for m in METHODS] for r in rows]) for f in rows[0][METHODS[0]]}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, seconds=seconds, cpu=cpu, **out)
    tmp.replace(path)
    return i, chunk, seconds


def truths(i: int) -> dict[str, float]:
    """Each method applied to the expected counts of scenario ``i``'s design."""
    d = _design(i)
    res = methods_of(d.frame(d.expected))
    return {m: res[m]["est"] for m in METHODS}


def load(i: int, key: str, reps: int) -> dict[str, np.ndarray]:
    """The first ``reps`` cached replicates of scenario ``i`` (arrays ``(reps, methods)``)."""
    chunks = [np.load(CACHE / key / SCENARIOS[i].name / f"chunk{c:04d}.npz", allow_pickle=False)
              for c in range(-(-reps // CHUNK))]  # fmt: skip
    fields = [f for f in chunks[0].files if f not in ("seconds", "cpu")]
    out = {f: np.concatenate([c[f] for c in chunks])[:reps] for f in fields}
    for f in ("seconds", "cpu"):
        out[f] = np.array([float(c[f]) if f in c.files else np.nan for c in chunks])
    return out


def git_line() -> str:
    """HEAD and the commit of each issue-13 branch merged into it (the versions this run used)."""

    def git(*a: str) -> str:
        run = subprocess.run(["git", *a], capture_output=True, text=True, cwd=ROOT)
        return run.stdout.strip()

    merged = []
    for b in ("rd-compare", "rd-glm", "rd-mh"):
        if not git("rev-parse", "--verify", "-q", b):
            continue
        used, base = git("merge-base", b, "HEAD"), git("merge-base", b, "main")
        if used and used != base:
            tip = git("rev-parse", b)
            later = "" if tip == used else f" (branch now at {tip[:7]})"
            merged.append(f"{b}@{used[:7]}{later}")
    dirty = " (uncommitted changes)" if git("status", "--porcelain", "analysis") else ""
    head = git("rev-parse", "--short", "HEAD")
    return f"kit: {head}{dirty}; merged: {', '.join(merged) or 'none'}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--reps", type=int, default=5000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--scenarios", default="", help="comma-separated names (default: all 18)")
    p.add_argument("--pilot", action="store_true", help="label the table as a pilot")
    p.add_argument("--out", default=str(RESULTS / "study_small_clusters.txt"))
    args = p.parse_args(argv)
    from benchmarks.study_table import table  # after sys.path is set

    chosen = [i for i, s in enumerate(SCENARIOS)
              if not args.scenarios or s.name in args.scenarios.split(",")]  # fmt: skip
    key = kit_hash()
    tasks = [(i, c, key) for i in chosen for c in range(-(-args.reps // CHUNK))]
    start = time.perf_counter()
    if args.workers > 1:
        with Pool(args.workers) as pool:
            for i, c, s in pool.imap_unordered(run_chunk, tasks):
                print(f"{SCENARIOS[i].name} chunk {c}: {s:.1f} s", flush=True)
    else:
        for t in tasks:
            i, c, s = run_chunk(t)
            print(f"{SCENARIOS[i].name} chunk {c}: {s:.1f} s", flush=True)
    wall = time.perf_counter() - start
    results = [(SCENARIOS[i], truths(i), load(i, key, args.reps)) for i in chosen]
    text = table(results, reps=args.reps, pilot=args.pilot, versions=git_line(), wall=wall,
                 command=" ".join(["benchmarks/study_small_clusters.py", *(argv or sys.argv[1:])]))  # fmt: skip
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
