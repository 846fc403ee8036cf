"""The house rules that code can check, as plain functions over module sources.

``tests/test_architecture.py`` applies them to ``analysis/``, and feeds them doctored sources to
prove each rule fails when broken. Run ``python -m tests.house`` to print the import graph's
layers and the size maxima.

Rules:

* **Layers.** Each module belongs to a room (a core module, or a sub-package); rooms have a
  layer (:data:`LAYERS`, the order data flows in). A module may import its own room, or a room
  of a strictly lower layer; never a higher one, nor a sibling room of the same layer (``stats``
  and ``sample`` do not know each other). Imports inside functions count.
* **No cycles** between modules, in-function imports included.
* **No private names across modules:** ``from analysis.x import _helper`` is refused outside
  ``analysis.x``.
* **Small rooms:** modules at most :data:`MAX_MODULE_LINES` lines, not counting module-level
  data literals (a tuple of column names, a dict of messages); functions at most
  :data:`MAX_FUNCTION_LINES` lines from ``def`` to the last line, not counting the docstring
  (numpydoc docstrings with formulas and references are encouraged, not rationed).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "analysis"

#: room -> layer; a room is a core module (``analysis.cells``) or a sub-package
LAYERS = {
    "analysis.paths": 0,
    "analysis.errors": 0,
    "analysis.vocabulary": 0,
    "analysis.status": 1,
    "analysis.cells": 1,
    "analysis.metrics": 1,
    "analysis.weeks": 1,
    "analysis.files": 1,
    "analysis.sources": 2,
    "analysis.stats": 3,
    "analysis.sample": 3,
    "analysis.analyses": 4,
    "analysis.present": 5,
    "analysis.report": 6,
    "analysis.cli": 7,
    "analysis": 8,  # the facade names every public function
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


@dataclass(frozen=True)
class Import:
    """One ``import`` statement of module ``source`` naming ``target`` (and ``names`` from it)."""

    source: str
    target: str
    names: tuple[str, ...]
    line: int


def module_name(path: Path) -> str:
    """``analysis/stats/rates.py`` -> ``analysis.stats.rates`` (a package -> its name)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources(package: Path = PACKAGE) -> dict[str, str]:
    """Module name -> source text of every module of ``package``."""
    return {module_name(p): p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py"))}


def imports(modules: Mapping[str, str]) -> list[Import]:
    """Every import of an ``analysis`` module in ``modules``, at any depth of the code."""
    found = []
    for name, text in modules.items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = tuple(a.name for a in node.names)
                target = node.module
                submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
                for sub in submodules:  # `from analysis.present import i18n` imports a module
                    found.append(Import(name, sub, (), node.lineno))
                if len(submodules) < len(names):
                    found.append(Import(name, target, names, node.lineno))
            elif isinstance(node, ast.Import):
                found += [Import(name, a.name, (), node.lineno) for a in node.names]
    return [i for i in found if i.target == "analysis" or i.target.startswith("analysis.")]


def room(module: str) -> str:
    """The room of ``module``: the longest :data:`LAYERS` key that is it or a parent of it."""
    parts = module.split(".")
    for k in range(len(parts), 0, -1):
        if ".".join(parts[:k]) in LAYERS:
            return ".".join(parts[:k])
    raise KeyError(f"{module} is in no room: add it to LAYERS (tests/house.py)")


def backwards(found: Iterable[Import]) -> list[str]:
    """Imports of a higher or sibling room: ``"a.b imports the higher c.d (line n)"``."""
    bad = []
    for i in found:
        src, dst = room(i.source), room(i.target)
        if src != dst and LAYERS[dst] >= LAYERS[src]:
            bad.append(f"{i.source} imports the higher {i.target} (line {i.line})")
    return bad


def private(found: Iterable[Import]) -> list[str]:
    """Imports of another module's ``_private`` names."""
    return [
        f"{i.source} imports {n} from {i.target} (line {i.line})"
        for i in found
        for n in i.names
        if n.startswith("_") and not n.startswith("__") and i.source != i.target
    ]


def cycles(found: Iterable[Import], modules: Iterable[str]) -> list[list[str]]:
    """Strongly connected groups of more than one module (each one is an import cycle)."""
    names = set(modules)
    graph: dict[str, set[str]] = {m: set() for m in names}
    for i in found:
        target = i.target if i.target in names else i.target.rsplit(".", 1)[0]
        if target in names and target != i.source:
            graph[i.source].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _is_data(node: ast.stmt) -> bool:
    if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
        return False
    try:
        ast.literal_eval(node.value)
    except ValueError:
        return False
    return True


def module_lines(text: str) -> int:
    """Lines of a module, module-level data literals not counted."""
    tree = ast.parse(text)
    data = sum(n.end_lineno - n.lineno + 1 for n in tree.body if _is_data(n))  # type: ignore[operator]
    return len(text.splitlines()) - data


def function_lines(text: str) -> dict[str, int]:
    """``qualified name -> lines`` of every function (nested ones too), docstrings not counted."""
    out = {}

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    first = child.lineno - len(child.decorator_list)
                    n = child.end_lineno - first + 1  # type: ignore[operator]
                    doc = child.body[0]
                    if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant):
                        n -= doc.end_lineno - doc.lineno + 1  # type: ignore[operator]
                    out[name] = n
                walk(child, name + ".")

    walk(ast.parse(text), "")
    return out


def size_report(modules: Mapping[str, str]) -> tuple[tuple[str, int], tuple[str, int]]:
    """The largest module and the longest function: ``((module, lines), (function, lines))``."""
    mod = max(((m, module_lines(t)) for m, t in modules.items()), key=lambda x: x[1])
    funcs = [(f"{m}.{f}", n) for m, t in modules.items() for f, n in function_lines(t).items()]
    return mod, max(funcs, key=lambda x: x[1])


def main() -> None:
    modules = sources()
    (mod, n_mod), (fn, n_fn) = size_report(modules)
    print(f"largest module: {mod} ({n_mod} lines, limit {MAX_MODULE_LINES})")
    print(f"longest function: {fn} ({n_fn} lines, limit {MAX_FUNCTION_LINES})")
    found = imports(modules)
    for line in backwards(found) + private(found):
        print("rule broken:", line)
    for group in cycles(found, modules):
        print("cycle:", " <-> ".join(group))


if __name__ == "__main__":
    main()
