"""The three documents a newcomer reads stay complete and true to the code.

``docs/data-formats.md`` documents every cells column, ``docs/metrics.md`` every metric and
status code, ``docs/architecture.md`` every room of ``tests/house.py`` in at most 250 lines; the
repository paths they name exist; nothing cites a document that is not in the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.cells import COLUMNS
from analysis.metrics import METRICS
from analysis.vocabulary import STATUSES
from tests import house

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ARCHITECTURE_MAX_LINES = 250


def table_keys(text: str) -> set[str]:
    """The backquoted names in the first cell of every markdown table row of ``text``."""
    keys = set()
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"\|\s*-", line):
            first = line.split("|")[1]
            keys |= set(re.findall(r"`([^`]+)`", first))
    return keys


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_table_keys_reads_first_cells_only():
    text = "| name | x |\n|---|---|\n| `a` and `b` | `c` |\nnot | `d` |\n"
    assert table_keys(text) == {"a", "b"}


def test_every_cells_column_is_in_a_table_of_data_formats():
    assert set(COLUMNS) - table_keys(doc("data-formats.md")) == set()


def test_every_metric_is_in_a_table_of_metrics():
    assert set(METRICS) - table_keys(doc("metrics.md")) == set()


def test_every_status_code_is_in_a_table_of_metrics():
    assert set(STATUSES) - table_keys(doc("metrics.md")) == set()


def test_every_room_is_in_the_architecture():
    text = doc("architecture.md")
    assert [room for room in house.LAYERS if f"`{room}`" not in text] == []


def test_the_architecture_reads_in_fifteen_minutes():
    assert len(doc("architecture.md").splitlines()) <= ARCHITECTURE_MAX_LINES


def test_the_architecture_draws_the_layers():
    text = doc("architecture.md")
    assert text.count("```mermaid") == 1
    drawn = text.split("```mermaid")[1].split("```")[0]
    for room in ("core", "sources", "stats", "sample", "analyses", "present", "report", "cli"):
        assert room in drawn


# paths of this repository named in backquotes: `analysis/...`, `tests/...`, ...
REPO_PATH = re.compile(
    r"`((?:analysis|tests|docs|notebooks|templates|requirements|benchmarks|data|\.ci)/[^`\s]*"
    r"|make\.py|pyproject\.toml|\.pre-commit-config\.yaml)`"
)
MARKDOWN = sorted([ROOT / "README.md", *DOCS.rglob("*.md")])


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_named_repository_paths_exist(path):
    text = path.read_text(encoding="utf-8")
    named = {m for m in REPO_PATH.findall(text) if not set(m) & set("<>*{}") and "..." not in m}
    missing = sorted(p for p in named if not (ROOT / p.split("::")[0].rstrip("/")).exists())
    assert missing == []


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path):
    text = path.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    missing = [u for u in links if "://" not in u and not (path.parent / u).exists()]
    assert missing == []


# Documents that are not in this repository, and issue numbers (a reader has neither); in the
# package, data-formats.md is cited with its folder (docs/data-formats.md).
FOREIGN = re.compile(r"statistics\.md|design\.md|\bissues?[ -]?#?\d+", re.IGNORECASE)
BARE_DATA_FORMATS = re.compile(r"(?<!docs/)data-formats\.md")


def cites(text: str, *, package: bool = False) -> list[str]:
    """Lines of ``text`` that cite a document that is not in the repository, or an issue."""
    return [
        line.strip()
        for line in text.splitlines()
        if FOREIGN.search(line) or (package and BARE_DATA_FORMATS.search(line))
    ]


def test_cites_finds_foreign_documents_and_issues():
    text = "see statistics.md §5\nfixed in issue 7\nsee docs/data-formats.md\n(data-formats.md §2)"
    assert cites(text) == ["see statistics.md §5", "fixed in issue 7"]
    assert cites(text, package=True)[-1] == "(data-formats.md §2)"
    assert cites("statsmodels#5777, the tissue 3 of a design document") == []


def test_no_doc_or_docstring_cites_what_a_reader_cannot_open():
    package = [p for p in sorted((ROOT / "analysis").rglob("*")) if p.suffix in (".py", ".sql")]
    found = {str(p.relative_to(ROOT)): cites(p.read_text(encoding="utf-8")) for p in MARKDOWN}
    for p in package:
        found[str(p.relative_to(ROOT))] = cites(p.read_text(encoding="utf-8"), package=True)
    assert {k: v for k, v in found.items() if v} == {}
