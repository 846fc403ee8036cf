"""Shared helpers of the benchmark scripts: targets, peak memory, child processes."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Target:
    """One benchmark target and what this run measured."""

    name: str  # what is compared
    measured: float | None  # the measured figure (None: not measured, see note)
    target: str  # e.g. "<= 1.3x"
    ok: bool | None  # None: not measured
    note: str = ""

    def line(self) -> str:
        verdict = {True: "within target", False: "MISSED", None: "not measured"}[self.ok]
        value = "-" if self.measured is None else f"{self.measured:,.3g}"
        note = f"  ({self.note})" if self.note else ""
        return f"{self.name:<58} {value:>10}  target {self.target:<10} {verdict}{note}"

    def as_dict(self) -> dict:
        return asdict(self)


def peak_rss_mb() -> float:
    """Peak resident memory of this process: ``VmHWM`` (Linux). ``ru_maxrss`` is the fallback
    only: Linux carries it over ``exec`` from the parent at fork time, so a child started by a
    big parent would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(script: Path, *args: str, cwd: Path | None = None) -> dict:
    """Run ``script --child ...`` in a fresh interpreter; return the JSON of its last line."""
    proc = subprocess.run([sys.executable, str(script), "--child", *args], capture_output=True,
                          text=True, check=False, cwd=cwd)  # fmt: skip
    if proc.returncode:
        raise SystemExit(f"{script.name} {' '.join(args)} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def print_targets(targets: list[Target]) -> None:
    for t in targets:
        print(t.line())
