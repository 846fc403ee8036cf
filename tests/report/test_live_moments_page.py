"""The moments page (notebooks/07_live_moments.ipynb): joins a default run only when the data
hold LIVE minutes, and on the fixture's five LIVEs says its resolution and what followed."""

import shutil
from pathlib import Path

import pytest

import analysis as cl
from analysis.paths import NOTEBOOKS_DIR
from analysis.report.plan import MOMENTS_NOTEBOOK, REPORT_NOTEBOOKS, plan_report
from analysis.report.run import run_report

FIXTURE = Path(__file__).parents[1] / "fixtures" / "moments"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("moments") / "exports"
    shutil.copytree(FIXTURE, root)
    return root


def _plan(data):
    return plan_report(data=data, week="2026-W45", tz="Europe/Paris", lang="en", min_viewers=None,
                       notebooks=None, parameters=None, workers=1, notebooks_dir=NOTEBOOKS_DIR)  # fmt: skip


def test_minute_data_and_an_events_table_bring_the_page_into_a_default_run(data, tmp_path):
    plan = _plan(data)
    assert plan.names == (*REPORT_NOTEBOOKS, MOMENTS_NOTEBOOK)
    assert plan.parameters[MOMENTS_NOTEBOOK]["data"] == str(data)
    assert MOMENTS_NOTEBOOK not in REPORT_NOTEBOOKS  # the sample (hours only) never runs it
    assert set(plan.cells["grain"]) == {"minute"}  # nothing else: the week is read on them
    alone = shutil.copytree(data, tmp_path / "no_events", ignore=shutil.ignore_patterns("*.csv"))
    assert _plan(alone).names == REPORT_NOTEBOOKS  # minutes without events: not run


def test_the_page_says_its_resolution_and_what_followed(data):
    index = run_report(data=data, out=data.parent / "reports", week="2026-W45", tz="Europe/Paris", lang="en",
                       notebooks=[MOMENTS_NOTEBOOK], keep_workers=True, workers=1,
                       progress=False)  # fmt: skip
    html = (Path(index).parent / f"{MOMENTS_NOTEBOOK}.html").read_text(encoding="utf-8")
    for text in ("What moved the room", "Time resolution: one minute",
                 "5 of the 5 moments of the events table were placed",
                 "In the window +0 to +2 min after the moments, product clicks per viewer were",
                 "This is a description, not a measured effect", "product pinned"):  # fmt: skip
        assert text in html, text
    assert str(data) not in html


def test_the_sentences_in_french():
    cells = cl.read(FIXTURE, tz="Europe/Paris").cells
    moments, placed = cl.live_moments(cells, cl.read_events(FIXTURE / "events.csv"))
    said = cl.moments_sentences(moments, placed, lang="fr")
    assert said[0].startswith("Résolution temporelle : la minute")
    assert said[-1].startswith("C'est une description, pas un effet mesuré")
    assert cl.moments_table(moments, lang="fr")["moment"].iloc[0] == "tous les moments"
