"""The full weekly report on the embedded sample against the same number of empty notebooks.

    .venv/bin/python benchmarks/bench_report.py [--rounds 2] [--workers N]

Runs :func:`analysis.report.run.run_report` twice per round, same week, same ``workers``, same
templates, into temporary folders:

- ``report``: the notebooks of :data:`analysis.report.run.REPORT_NOTEBOOKS` (read when the benchmark
  runs, so notebooks added later are counted);
- ``empty``: for each of them an "empty" twin with the same ``parameters`` cell and the same
  top-level imports (collected from all its code cells), nothing else. It pays for kernel start,
  imports, papermill and the HTML export: what any report of that many notebooks costs.

Prints the best wall time of each over the rounds and their ratio (target report / empty <=
1.5x): the notebooks' own work should stay small next to the fixed cost of a notebook. It also
prints each notebook's seconds in its worker (the manifest's ``seconds``: execution and export),
full and empty, which says where the difference goes. Each
report is then run again, unchanged, into the same folder: the rerun / first-run ratio (target
<= 0.2x, the worst round) measures :mod:`analysis.report.reuse`.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, Target, print_targets  # noqa: E402

sys.path.insert(0, str(ROOT))


def empty_twin(src: Path, dst: Path) -> None:
    """``dst``: the parameters cell and the top-level imports of notebook ``src``."""
    import nbformat

    nb = nbformat.read(src, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    imports: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code" or cell in params:
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics: no import of ours there
            continue
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                line = ast.unparse(node)
                if line not in imports:
                    imports.append(line)
    twin = nbformat.v4.new_notebook(metadata=nb.metadata)
    twin.cells = [*params, nbformat.v4.new_code_cell("\n".join(imports))]
    nbformat.write(twin, dst)


def run(names: tuple[str, ...], notebooks_dir: Path, workers: int,
        pages: dict[str, float] | None = None) -> tuple[float, float]:  # fmt: skip
    """Seconds of a first report into an empty folder, then of an unchanged rerun into it;
    ``pages`` gets each notebook's seconds in the first (its ``manifest.json``)."""
    import json

    from analysis.report.run import run_report

    out = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        times = []
        for _ in range(2):
            t = time.perf_counter()
            index = run_report(data="data/sample", week="latest", out=out, notebooks=names,
                               notebooks_dir=notebooks_dir, workers=workers, progress=False)  # fmt: skip
            times.append(time.perf_counter() - t)
            if pages is not None and len(times) == 1:
                record = json.loads((index.parent / "manifest.json").read_text(encoding="utf-8"))
                pages.update({n["name"]: n["seconds"] for n in record["notebooks"]})
        return times[0], times[1]
    finally:
        shutil.rmtree(out, ignore_errors=True)


def measure(*, rounds: int = 2, workers: int | None = None, log=print) -> list[Target]:
    import os

    from analysis.paths import PROJECT_ROOT
    from analysis.report.run import REPORT_NOTEBOOKS

    names = tuple(REPORT_NOTEBOOKS)
    workers = workers or min(os.cpu_count() or 1, len(names))
    nb_dir = PROJECT_ROOT / "notebooks"
    twins = Path(tempfile.mkdtemp(prefix="bench-empty-"))
    try:
        for name in names:
            empty_twin(nb_dir / f"{name}.ipynb", twins / f"{name}.ipynb")
        report, empty, rerun = [], [], []
        full: dict[str, float] = {}
        floor: dict[str, float] = {}
        for _ in range(rounds):
            empty.append(run(names, twins, workers, floor)[0])
            first, again = run(names, nb_dir, workers, full)
            report.append(first)
            rerun.append(again / first)
    finally:
        shutil.rmtree(twins, ignore_errors=True)
    log("  seconds per notebook in its worker (last round): full / empty twin")
    for name in names:
        log(
            f"    {name:<24} {full.get(name, float('nan')):6.1f} / {floor.get(name, float('nan')):4.1f}"
        )
    log(f"    {'all notebooks':<24} {sum(full.values()):6.1f} / {sum(floor.values()):4.1f}")
    log(f"{len(names)} notebooks, {workers} at a time, best of {rounds} round(s)")
    log(f"  full report on the sample     {min(report):7.2f} s  (all: "
        f"{', '.join(f'{x:.1f}' for x in report)})")  # fmt: skip
    log(f"  same number of empty notebooks {min(empty):6.2f} s  (all: "
        f"{', '.join(f'{x:.1f}' for x in empty)})")  # fmt: skip
    log(f"  unchanged rerun / first run    {min(rerun):6.3f}   (all: "
        f"{', '.join(f'{x:.3f}' for x in rerun)})")  # fmt: skip
    r = min(report) / min(empty)
    return [
        Target(f"weekly report ({len(names)} notebooks) / empty notebooks", r, "<= 1.5x",
               r <= 1.5),
        Target("unchanged rerun / first run (pages reused)", max(rerun), "<= 0.2x",
               max(rerun) <= 0.2),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args(argv)
    targets = measure(rounds=args.rounds, workers=args.workers)
    print_targets(targets)
    return 0 if all(t.ok for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
