"""The house rules that code can check: one-way data flow, fast import, docs in step with code."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest

from analysis.cells import COLUMNS
from analysis.metrics import METRICS
from analysis.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "analysis"

#: each module's layer; a module may import only from its own layer or lower ones
LAYERS = {
    "analysis": 9,  # the package facade re-exports the public functions
    "analysis.paths": 0,
    "analysis._validation": 0,
    "analysis.i18n": 0,
    "analysis.cells": 1,
    "analysis.sources": 2,
    "analysis.sources.canonical": 2,
    "analysis.sources.base": 2,
    "analysis.sources.ga4": 2,
    "analysis.sources.shopify": 2,
    "analysis.sources.numbers": 2,
    "analysis.sources.headers": 2,
    "analysis.sources.xlsx": 2,
    "analysis.sources.tiktok_live_list": 2,
    "analysis.sources.live_center": 2,
    "analysis.sources.seller_center": 2,
    "analysis.sources.shop_overview": 2,
    "analysis.sources.tiktok_api": 2,
    "analysis.sources.quality": 2,
    "analysis.exports": 3,
    "analysis.load": 2,
    "analysis.engines": 2,
    "analysis.simulate": 3,
    "analysis.metrics": 3,
    "analysis.weeks": 3,
    "analysis.rates": 4,
    "analysis.truth": 4,
    "analysis.clusters": 3,
    "analysis.adjusted": 4,
    "analysis.models": 4,
    "analysis.multiple": 4,
    "analysis.planning": 4,
    "analysis.selfcheck": 4,
    "analysis.lift": 4,
    "analysis.shrinkage": 4,
    "analysis.hours": 4,
    "analysis.audience": 4,
    "analysis.intervention": 4,
    "analysis.halo": 4,
    "analysis.fatigue": 4,
    "analysis.durable": 4,
    "analysis.anomalies": 4,
    "analysis.weekly": 4,
    "analysis.summary": 5,
    "analysis.plots": 5,
    "analysis.display": 5,
    "analysis.report": 7,
    "analysis.cli": 8,
}


def module_name(path) -> str:
    rel = path.relative_to(PROJECT_ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "analysis":  # `from analysis import paths` imports the submodule
                found.update(f"analysis.{a.name}" for a in node.names)
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m == "analysis" or m.startswith("analysis.")}


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_has_a_layer():
    assert set(MODULES) == set(LAYERS), "add new modules to LAYERS (and docs/architecture.md)"


def test_the_facade_is_imported_by_nobody_inside():
    for name, path in MODULES.items():
        assert name == "analysis" or "analysis" not in imports_of(path), name


@pytest.mark.parametrize("name", sorted(MODULES))
def test_data_flows_one_way(name):
    for imported in imports_of(MODULES[name]):
        imported = imported if imported in LAYERS else imported.rsplit(".", 1)[0]
        assert imported in LAYERS, imported
        assert LAYERS[imported] <= LAYERS[name], f"{name} imports the higher {imported}"


def test_import_analysis_stays_light():
    code = (
        "import sys, analysis; heavy = [m for m in ('statsmodels', 'scipy', 'pandera', "
        "'matplotlib', 'papermill', 'nbconvert', 'seaborn') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_docs_list_every_column_metric_and_module():
    doc = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = {m.group(1) for m in re.finditer(r"^\| `(\w+)` \|", doc, flags=re.M)}
    assert set(COLUMNS) <= table, set(COLUMNS) - table
    assert set(METRICS) <= table, set(METRICS) - table
    for name, path in MODULES.items():
        if name != "analysis":
            shown = path.relative_to(PROJECT_ROOT).as_posix().removesuffix("/__init__.py")
            assert shown in doc, name
