"""A rerun of an unchanged week reuses its pages (issue 15, item 6; ``analysis.report.reuse``).

One tiny notebook prints a fresh random token: a reused page shows the token of the run that
built it, a rerun page a new one. Every change the page key names reruns the page.
"""

from __future__ import annotations

import re

import pytest

from analysis.report.reuse import CACHE_DIR, page_key
from analysis.report.run import run_report
from tests.report.test_report import write_data, write_notebook

PARAMETERS = 'data = "data/sample"\nweek = "latest"\ntz = "Europe/Paris"\nlang = "en"\n'
TOKEN = "import uuid\nprint('token', uuid.uuid4().hex)"


def token(index) -> str:
    page = (index.parent / "probe.html").read_text(encoding="utf-8")
    return re.search(r"token ([0-9a-f]{32})", page)[1]


@pytest.fixture()
def run(tmp_path):
    data = write_data(tmp_path / "data")
    nbdir = tmp_path / "nb"
    write_notebook(nbdir, "probe", PARAMETERS, TOKEN)
    lines: list[str] = []

    def report(**options):
        lines.clear()
        options = {"data": data, "out": tmp_path / "reports", "notebooks": ["probe"],
                   "notebooks_dir": nbdir, "progress": lines.append, "keep_workers": True,
                   **options}  # fmt: skip
        return run_report(**options)

    report.lines, report.nbdir, report.tmp = lines, nbdir, tmp_path
    return report


@pytest.mark.notebook
def test_unchanged_week_reuses_its_page_and_any_change_reruns_it(run, capfd):
    first = token(run())
    # the kernel's start-up warnings (TCP transport) do not reach the analyst's console
    assert "WARNING" not in capfd.readouterr().err
    assert token(run()) == first  # nothing changed: reused, no notebook started
    assert any(line.startswith("reused   probe") for line in run.lines)
    assert not any("started" in line for line in run.lines)
    cached = list((run.tmp / "reports" / CACHE_DIR / "probe").iterdir())
    assert len(cached) == 1  # one entry per notebook

    assert token(run(lang="fr")) != first  # a parameter (the language)
    french = token(run(lang="fr"))
    assert token(run(lang="fr", reuse=False)) != french  # --rerun
    write_notebook(run.nbdir, "probe", PARAMETERS, TOKEN + "\nprint('edited')")
    edited = run()
    assert token(edited) not in (first, french)  # the notebook's bytes
    assert "edited" in (edited.parent / "probe.html").read_text(encoding="utf-8")
    assert len(list((run.tmp / "reports" / CACHE_DIR / "probe").iterdir())) == 1


@pytest.mark.notebook
def test_data_change_reruns_and_a_failed_page_is_never_cached(run, tmp_path):
    first = token(run())
    (tmp_path / "data" / "cells.csv").write_text(
        (tmp_path / "data" / "cells.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    assert token(run()) != first  # the data fingerprint changed
    write_notebook(run.nbdir, "probe", PARAMETERS, "raise RuntimeError('boom')")
    with pytest.raises(Exception, match="boom"):
        run()
    with pytest.raises(Exception, match="boom"):
        run()  # the failure ran again: nothing of it was kept


def test_page_key_names_each_input(run, tmp_path, monkeypatch):
    from analysis.report.execute import NotebookJob

    source = run.nbdir / "probe.ipynb"
    write_notebook(run.nbdir, "probe", PARAMETERS, TOKEN)
    base = {"name": "probe", "source": source, "staging": tmp_path, "final": tmp_path,
            "parameters": {"week": "2026-W47"}, "run": {"fingerprint": "abc"}, "timeout": None,
            "lang": "en", "notebooks_dir": run.nbdir, "templates_dir": tmp_path / "t"}  # fmt: skip
    (tmp_path / "t").mkdir()
    key = page_key(NotebookJob(**base))
    assert page_key(NotebookJob(**base)) == key  # deterministic
    for change in ({"parameters": {"week": "2026-W46"}}, {"run": {"fingerprint": "abd"}},
                   {"lang": "fr"}):  # fmt: skip
        assert page_key(NotebookJob(**{**base, **change})) != key, change
    (tmp_path / "t" / "page.css").write_text("p {}", encoding="utf-8")
    assert page_key(NotebookJob(**base)) != key  # the templates
    monkeypatch.setenv("CARTLIFT_LIMITS", "max_rows=10")
    (tmp_path / "t" / "page.css").unlink()
    assert page_key(NotebookJob(**base)) != key  # the reading limits the kernels inherit
