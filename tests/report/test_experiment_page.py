"""The experiment page (notebooks/06_experiment.ipynb): joins the run only with a schedule,
shows the effect row and a verdict in English and French on a simulated run of a planned
schedule, read from the LIVE Center exports of that run (shape k of the shape matrix: the data
with a schedule; every other shape runs without one, tests/report/test_shapes.py)."""

import re
from pathlib import Path

import pytest

import analysis as cl
from analysis.cli import main
from analysis.paths import NOTEBOOKS_DIR
from analysis.report.plan import EXPERIMENT_NOTEBOOK, REPORT_NOTEBOOKS, plan_report
from analysis.report.run import run_report
from analysis.sample.exports import write_exports
from analysis.sources.canonical import write_cells

PLAN = ["plan", "--start", "2026-10-05 18:00", "--count", "12", "--creators",
        "@lea.beauty,@ines.glow", "--tz", "Europe/Paris", "--treatments", "qa,none", "--seed", "7",
        "--baseline", "0.05", "--icc", "0.02", "--viewers", "1500", "--reps", "100"]  # fmt: skip


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    root = tmp_path_factory.mktemp("experiment")
    assert main([*PLAN, "--out", str(root / "plan")]) == 0
    sched = cl.read_schedule(root / "plan" / "schedule.csv")
    cells, _ = cl.simulate_switchback(sched, effect=1.5, seed=3)
    (root / "data").mkdir()
    write_cells(cells, root / "data" / "cells.parquet")
    # shape k: the same run as TikTok exports it (LIVE Center Product + Trend Stat per LIVE),
    # whose LIVEs are named by creator, session and day, found by creator and start time
    write_exports(cells, root / "exports", formats=["live_center"])
    return root


def _plan(data, **kw):
    return plan_report(data=data, week="latest", tz=None, lang="en", min_viewers=None,
                       notebooks=None, parameters=None, workers=1, notebooks_dir=NOTEBOOKS_DIR,
                       **kw)  # fmt: skip


def test_without_a_schedule_the_experiment_page_is_not_run(experiment):
    plan = _plan(experiment / "data")
    assert plan.names == REPORT_NOTEBOOKS and EXPERIMENT_NOTEBOOK not in plan.names


def test_with_a_schedule_it_joins_and_alone_gets_the_schedule(experiment):
    schedule = experiment / "plan" / "schedule.csv"
    plan = _plan(experiment / "data", schedule=schedule)
    assert plan.names == (*REPORT_NOTEBOOKS, EXPERIMENT_NOTEBOOK)
    assert plan.parameters[EXPERIMENT_NOTEBOOK]["schedule"] == str(schedule.resolve())
    assert all("schedule" not in plan.parameters[n] for n in REPORT_NOTEBOOKS)
    with pytest.raises(FileNotFoundError, match="--schedule .*missing.csv: no such file"):
        _plan(experiment / "data", schedule=experiment / "missing.csv")


@pytest.mark.no_cover  # report runs: their kernels are not traced (conftest)
@pytest.mark.parametrize(
    ("lang", "effect", "verdict"),
    [("en", "effect, ratio (Horvitz-Thompson, exact randomisation test)",
      "add-to-cart rate: extend, or stop."),
     ("fr", "effet, rapport (Horvitz-Thompson, test exact de randomisation)",
      "taux d'ajout au panier : à prolonger, ou à arrêter.")],
)  # fmt: skip
def test_the_page_shows_the_effect_and_the_verdict(experiment, lang, effect, verdict):
    schedule = experiment / "plan" / "schedule.csv"
    index = run_report(data=experiment / "exports", out=experiment / f"reports-{lang}", lang=lang,
                       notebooks=[EXPERIMENT_NOTEBOOK], schedule=schedule, keep_workers=True,
                       workers=1, progress=False)  # fmt: skip
    page = Path(index).parent / f"{EXPERIMENT_NOTEBOOK}.html"
    html = page.read_text(encoding="utf-8")
    assert effect in html and verdict in html
    found = {"en": "found by creator and start", "fr": "trouvés par créateur et heure"}[lang]
    assert re.search(rf"<th[^>]*>{found}</th>", html)  # the design table: 12 of 12 by start
    assert {"en": "average order value", "fr": "panier moyen"}[lang] in html
    assert str(schedule.resolve()) not in html and re.search(
        r"schedule\.csv \([0-9a-f]{12}\)", html
    )
