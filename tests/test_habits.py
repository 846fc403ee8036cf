"""The project's habits: pre-commit hooks, clean notebooks, declared dependencies, hashed locks.

The test command (``python3 make.py test``) runs ruff, mypy and pytest with coverage; these
tests keep the pieces that make it reproducible from drifting apart.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata as md
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import openpyxl.xml
from pre_commit.clientlib import load_config

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCKS = ("base.txt", "dev.txt", "spark.txt")

#: declared runtime dependencies that no module imports, and what needs them
NEEDED_WITHOUT_IMPORT = {
    "ipykernel": "the python3 kernel of the notebooks (papermill, nbval, JupyterLab)",
    "jupyterlab": "python3 make.py lab",
    "nbclient": "papermill's executor (pinned below 1)",
    "defusedxml": "openpyxl parses xlsx XML with it when installed (openpyxl.xml.DEFUSEDXML)",
}
#: third-party packages imported only inside a function, for an optional engine
OPTIONAL_IMPORTS = {"google": "google-cloud-bigquery", "pyspark": "pyspark"}


def hooks() -> dict[str, dict]:
    config = load_config(ROOT / ".pre-commit-config.yaml")  # pre-commit's own schema check
    return {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}


def test_pre_commit_runs_ruff_and_nbstripout_from_the_locked_venv():
    found = hooks()
    assert {"ruff-check", "ruff-format", "nbstripout"} <= set(found)
    for hook in found.values():
        assert hook["language"] == "unsupported"  # no environment of pre-commit's own
        assert hook["entry"].startswith(".venv/bin/")
    assert found["ruff-format"]["entry"].split()[1] == "format"
    assert "jupyter" in found["nbstripout"]["types"]


def test_committed_notebooks_are_stripped_as_the_hook_strips_them():
    entry = hooks()["nbstripout"]["entry"].split()
    notebooks = sorted(str(p) for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    nbstripout = Path(sys.executable).with_name("nbstripout")
    cmd = [str(nbstripout), *entry[1:], "--verify", *notebooks]
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr


def top_level_imports(root: Path) -> set[str]:
    """Top-level names of the absolute imports of every module under ``root``."""
    names = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def distribution(requirement: str) -> str:
    """Normalised distribution name of a requirement string (``"Jinja2>=3"`` -> ``jinja2``)."""
    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0)
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def owners() -> dict[str, list[str]]:
    """Importable top-level name -> the installed distributions providing it."""
    return md.packages_distributions()


def third_party_distributions(modules: set[str]) -> set[str]:
    owners_ = owners()
    found = set()
    for module in modules - set(sys.stdlib_module_names) - {"analysis", "tests", "__future__"}:
        if module in OPTIONAL_IMPORTS:
            continue
        assert module in owners_, f"{module} is imported but not installed"
        found |= {distribution(d) for d in owners_[module]}
    return found


DECLARED = {distribution(r) for r in PYPROJECT["project"]["dependencies"]}


def notebook_imports() -> set[str]:
    """Top-level names imported by the code cells of the notebooks."""
    names = set()
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        names |= {m.split(".")[0] for m in re.findall(r"^\s*(?:from|import) ([\w.]+)", code, re.M)}
    return names


def test_everything_the_package_and_notebooks_import_is_declared():
    imported = top_level_imports(ROOT / "analysis") | notebook_imports()
    assert third_party_distributions(imported) - DECLARED == set()


def test_every_declared_dependency_is_used():
    imported = top_level_imports(ROOT / "analysis") | top_level_imports(ROOT / "tests")
    used = third_party_distributions(imported | notebook_imports()) | set(NEEDED_WITHOUT_IMPORT)
    assert DECLARED - used == set()


def test_openpyxl_parses_xlsx_with_defusedxml():
    """openpyxl uses defusedxml only when it is installed: declared, so xlsx XML is defused."""
    assert "defusedxml" in DECLARED
    assert openpyxl.xml.DEFUSEDXML is True


def test_optional_engines_are_extras_or_documented():
    extras = {distribution(r) for r in PYPROJECT["project"]["optional-dependencies"]["spark"]}
    assert "pyspark" in extras
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "google-cloud-bigquery" in readme


def pins(lock: str) -> dict[str, str]:
    """``name -> version`` of a lock file; every pin must carry hashes."""
    text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    found = {}
    for block in blocks:
        m = re.match(r"([A-Za-z0-9][\w.-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", block)
        if m:
            assert "--hash=sha256:" in block, f"{lock}: {m.group(1)} has no hash"
            found[distribution(m.group(1))] = m.group(2)
    return found


def test_locks_are_hashed_layered_and_say_how_to_regenerate():
    base, dev, spark = (pins(lock) for lock in LOCKS)
    assert "pyspark" in spark and "pyspark" not in base and "pyspark" not in dev
    assert {"pytest", "ruff", "mypy", "pytest-cov", "pre-commit", "uv"} <= set(dev)
    assert not set(base) & set(dev) and not set(base) & set(spark)  # layered, never repeated
    assert DECLARED <= set(base)
    for lock in LOCKS:
        head = (ROOT / "requirements" / lock).read_text(encoding="utf-8").splitlines()[:3]
        assert "python3 make.py lock" in "\n".join(head)


def test_the_installed_environment_is_the_locked_one():
    locked = {**pins("base.txt"), **pins("dev.txt"), **pins("spark.txt")}
    installed = {distribution(d.metadata["Name"]): d.version for d in md.distributions()}
    for name in ("pandas", "numpy", "scipy", "statsmodels", "pytest", "ruff", "mypy"):
        assert installed[name] == locked[name], name
