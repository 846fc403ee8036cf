"""The shipped notebooks: structure, the real weekly report on the sample, the planted truth."""

from __future__ import annotations

import ast
import json

import nbformat
import pytest

import analysis as cl
from analysis.paths import NOTEBOOKS_DIR, SAMPLE_DIR, SAMPLE_TZ
from analysis.report.run import (
    REPORT_NOTEBOOKS,
    external_resources,
    notebook_parameters,
    run_report,
)
from analysis.sample.truth import read_truth, with_truth

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def test_every_report_notebook_exists():
    assert {p.stem for p in NOTEBOOKS} >= set(REPORT_NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_structure(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    # committed without outputs (nbstripout)
    assert not any(c.get("outputs") or c.get("execution_count") for c in code)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged `parameters`"
    # plain literals only, each annotated, so papermill can override them
    tree = ast.parse(tagged[0].source)
    for node in tree.body:
        assert isinstance(node, ast.AnnAssign), ast.unparse(node)
        assert isinstance(node.value, ast.Constant), ast.unparse(node)
    declared = notebook_parameters(path)
    assert {"data", "week", "tz"} <= set(declared)
    # thin narrative: no code cell longer than ~15 lines
    assert max(len(c.source.splitlines()) for c in code) <= 16


def test_sample_lift_interval_contains_the_truth():
    """Issue 2, done-when: the live vs non-live lift interval contains the planted value."""
    all_cells = cl.load(SAMPLE_DIR, tz=SAMPLE_TZ)
    truth = read_truth(SAMPLE_DIR)
    assert truth is not None
    for week in ("latest", "all"):
        cells = cl.select_week(all_cells, week)
        result = with_truth(cl.compare(cells, between="is_live"), cells, truth)
        row = result.iloc[0]
        assert row["status"] == "ok"
        assert row["ratio_ci_low"] <= row["expected_ratio"] <= row["ratio_ci_high"], week
        assert bool(row["covered"])
    # the overall expected crude ratio is the one recorded in truth.json
    overall = with_truth(cl.compare(all_cells, between="is_live"), all_cells, truth)
    expected = truth.planted["crude"]["overall"]["ratio"]
    assert overall["expected_ratio"].iloc[0] == pytest.approx(expected, rel=1e-9)


def test_with_truth_is_a_no_op_on_real_data(tmp_path):
    assert read_truth(tmp_path) is None
    cells = cl.select_week(cl.load(SAMPLE_DIR, tz=SAMPLE_TZ), "latest")
    result = cl.compare(cells, between="is_live")
    assert list(with_truth(result, cells, None).columns) == list(result.columns)


@pytest.mark.no_cover  # a report run: its kernels are not traced, its loading and publishing are covered by test_report (conftest)
@pytest.mark.notebook
def test_weekly_report_on_the_sample(tmp_path):
    """The production path: papermill with injected parameters, HTML export, index, on the
    sample's page 01 (every page of the report runs in the shape matrix, shape f being the
    sample's own cells, in the browser tests' French sample report and under nbval)."""
    # keep_workers: the kernels of the test process's other reports serve this one too (reset
    # between notebooks, as within one report)
    index = run_report(data="data/sample", week="latest", out=tmp_path, tz=SAMPLE_TZ,
                       notebooks=("01_live_vs_nonlive",), keep_workers=True)  # fmt: skip
    assert index == tmp_path / "2026-W47" / "en" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert "01_live_vs_nonlive.html" in html and not external_resources(html)
    page = (index.parent / "01_live_vs_nonlive.html").read_text(encoding="utf-8")
    assert not external_resources(page)
    assert "<script" not in page.lower()  # no script at all: the code toggle is <details>
    for shown in ("data/sample", "2026-W47", "Europe/Paris", "Data fingerprint"):
        assert shown in page
    assert "data:image/png;base64," in page  # figures are inline
    # code cells folded under "show code": outside the <details> elements, no code
    import re

    unfolded = re.sub(r'<details class="cartlift-code">.*?</details>', "", page, flags=re.S)
    assert "select_week" in page and "select_week" not in unfolded
    manifest = json.loads((index.parent / "manifest.json").read_text())
    assert manifest["parameters"]["week"] == "2026-W47"
    # the executed notebook's headline carries the interval and the truth
    executed = nbformat.read(index.parent / "01_live_vs_nonlive.ipynb", as_version=4)
    rendered = "".join(
        o.get("data", {}).get("text/html", "")
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    for label in ("ratio low", "ratio high", "expected ratio", "method (ratio)", "status"):
        assert f">{label}</th>" in rendered
