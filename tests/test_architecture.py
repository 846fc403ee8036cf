"""The house rules that code can check (``tests/house.py``), on ``analysis/`` and on doctored
copies of it that prove each rule fails when broken; plus fast import and public notebooks."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

import analysis
from tests import house

MODULES = house.sources()
FOUND = house.imports(MODULES)


def test_every_module_is_in_a_room():
    for name in MODULES:
        assert house.room(name) in house.LAYERS


def test_the_facade_is_imported_by_nobody_inside():
    assert not [i for i in FOUND if i.target == "analysis" and i.source != "analysis"]


@pytest.mark.parametrize("room", sorted(house.LAYERS))
def test_data_flows_one_way(room):
    assert [b for b in house.backwards(FOUND) if b.startswith(room + " ") or
            b.startswith(room + ".")] == []  # fmt: skip


def test_no_import_cycles():
    assert house.cycles(FOUND, MODULES) == []


def test_no_private_names_across_modules():
    assert house.private(FOUND) == []


def _doctored(module: str, line: str) -> dict[str, str]:
    """The real sources with ``line`` added at the end of ``module``."""
    return {**MODULES, module: MODULES[module] + "\n" + line + "\n"}


def test_a_backwards_import_is_caught():
    bad = _doctored("analysis.stats.rates", "from analysis.report.run import run_report")
    found = house.imports(bad)
    assert sorted(set(house.backwards(found)) - set(house.backwards(FOUND))) == [
        f"analysis.stats.rates imports the higher analysis.report.run "
        f"(line {bad['analysis.stats.rates'].count(chr(10))})"
    ]


def test_an_import_inside_a_function_counts():
    code = "def f():\n    from analysis.present.plots import interval_plot\n"
    bad = _doctored("analysis.cells", code)
    assert any(b.startswith("analysis.cells imports") for b in house.backwards(house.imports(bad)))


def test_a_sibling_import_is_caught():
    bad = _doctored("analysis.sample.truth", "import analysis.stats.rates")
    assert house.backwards(house.imports(bad)) != []


def test_a_cycle_and_a_private_import_are_caught():
    # planning imports compare: compare importing planning back closes a cycle
    code = "def f():\n    from analysis.stats.planning import _private_helper\n"
    bad = _doctored("analysis.stats.compare", code)
    found = house.imports(bad)
    new = [g for g in house.cycles(found, bad) if g not in house.cycles(FOUND, MODULES)]
    assert any({"analysis.stats.compare", "analysis.stats.planning"} <= set(g) for g in new)
    assert sorted(set(house.private(found)) - set(house.private(FOUND))) == [
        f"analysis.stats.compare imports _private_helper from analysis.stats.planning "
        f"(line {bad['analysis.stats.compare'].count(chr(10)) - 1})"
    ]


def test_modules_and_functions_are_small():
    (mod, n_mod), (fn, n_fn) = house.size_report(MODULES)
    print(f"largest module {mod}: {n_mod} lines; longest function {fn}: {n_fn} lines")
    assert n_mod <= house.MAX_MODULE_LINES, mod
    assert n_fn <= house.MAX_FUNCTION_LINES, fn


def test_size_rules_count_what_they_say():
    text = 'X = (\n    "a",\n    "b",\n)\n\n\ndef f():\n    """Doc.\n\n    More.\n    """\n    return 1\n'
    assert house.module_lines(text) == len(text.splitlines()) - 4
    assert house.function_lines(text) == {"f": 2}


def test_import_analysis_stays_light():
    code = (
        "import sys, analysis; heavy = [m for m in ('statsmodels', 'scipy', 'matplotlib', "
        "'papermill', 'nbconvert', 'seaborn', 'duckdb', 'openpyxl') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves():
    for name in analysis.__all__:
        assert getattr(analysis, name) is not None, name


NOTEBOOKS = sorted((house.ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_use_only_public_names(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    for m in re.finditer(r"^\s*(?:from|import) (analysis[\w.]*)", code, flags=re.M):
        assert m.group(1) == "analysis", m.group(0)
    names = re.findall(r"^from analysis import ([\w, ]+)$", code, flags=re.M)
    used = {n.strip() for group in names for n in group.split(",")}
    used |= set(re.findall(r"\bcl\.(\w+)", code))
    assert used <= set(analysis.__all__), used - set(analysis.__all__)
