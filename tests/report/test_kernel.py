"""The kept kernel of a report worker (:mod:`analysis.report.kernel`): one kernel for all the
notebooks of a worker, its namespace cleared and its surviving objects frozen between them."""

from __future__ import annotations

import json

from analysis.report.run import run_report
from tests.report.test_report import write_data, write_notebook

#: each page: fails when the page before left a name behind, then records its kernel's process
#: and how many objects ``gc.freeze()`` had moved to the permanent generation when it started
PAGE = (
    "import gc, json, os\n"
    "assert 'leak' not in globals(), 'the namespace of the page before was not cleared'\n"
    "leak = 1\n"
    "with open(seen, 'a') as f:\n"
    "    f.write(json.dumps([os.getpid(), gc.get_freeze_count()]) + '\\n')\n"
)


def test_one_worker_runs_its_pages_in_one_kernel_reset_between_them(tmp_path):
    data = write_data(tmp_path / "data")
    seen = tmp_path / "seen.jsonl"
    nbdir = tmp_path / "nb"
    for name in ("first", "second"):
        write_notebook(nbdir, name, f'data = "data/sample"\nseen = {str(seen)!r}\n', PAGE)
    run_report(data=data, out=tmp_path / "reports", notebooks=["first", "second"],
               notebooks_dir=nbdir, workers=1, progress=False)  # fmt: skip
    pids, frozen = zip(*(json.loads(line) for line in seen.read_text().splitlines()), strict=True)
    assert len(set(pids)) == 1  # one kernel for both pages
    assert sorted(frozen)[0] == 0 < sorted(frozen)[1]  # frozen by the reset before the second
