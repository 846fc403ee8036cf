"""A report for every shape of data (issue 12, item 8): the shape matrix on tiny fixtures.

One session-scoped run publishes the weekly report of every shape of :mod:`tests.report.shapes`
(two reports at a time, one kept worker each: kernels start once for the whole matrix), checked
by one test (so ``pytest -n`` runs the matrix once). Each report must publish (no notebook
fails), show no traceback or warning text, no internal in a table, caption or output
(:func:`tests.report.page_text.page_internals`: ``True``, ``C(``, ``group_a``, a path, ...),
say on each page what it cannot answer and which export provides it, and list the questions on
its index.
``questions.csv``, written beside the pages, must equal the committed table
``tests/report/shape_matrix.csv`` (page x question -> one column per shape, ``yes``/``no``,
with the export or shop-file entry that provides the question). Shape ``j`` (a LIVE list with a
shop file) must also show what the shop file set.
"""

from __future__ import annotations

import html
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import RejectedRowsWarning
from analysis.paths import SAMPLE_TZ
from analysis.present.answers import question_words
from analysis.report.questions import QUESTIONS_FILE
from analysis.report.run import run_report
from analysis.sources.load import read
from tests.report.page_text import page_internals
from tests.report.shapes import SHAPES, WEEK, build

MATRIX = Path(__file__).with_name("shape_matrix.csv")
#: text no published page may show (outside its stylesheet)
FORBIDDEN = (
    r"Traceback \(most recent call last\)",
    r"\b[A-Z]\w*Warning\b",  # RejectedRowsWarning, FutureWarning, UserWarning, ...
    r"\b[A-Z]\w*Error: ",  # an exception line
    r"/ipykernel_\d+/",  # where a warning was raised
    r"NA · True",  # a row label of nothing (figures are images: interval_plot drops such rows)
)


#: reports run at once, one worker (kept kernel) each: the 2 cores stay busy while a report
#: loads its data or publishes, and no worker idles at the end of a report
AT_ONCE = 2


def _report(shape: str, data: Path, out: Path) -> Path | Exception:
    try:
        with warnings.catch_warnings():  # shape b has one rejected row: its page says so
            warnings.simplefilter("ignore", RejectedRowsWarning)
            return run_report(data=data, week=WEEK, out=out, tz=SAMPLE_TZ, workers=1,
                              progress=False, keep_workers=True).parent  # fmt: skip
    except Exception as err:  # noqa: BLE001 - asserted per shape below
        return err


@pytest.fixture(scope="session")
def shape_reports(tmp_path_factory) -> dict[str, Path | Exception]:
    """shape -> the published week folder (or the error of a report that failed)."""
    root = tmp_path_factory.mktemp("shapes")
    folders = {shape: build(shape, root / "data") for shape in SHAPES}
    with ThreadPoolExecutor(AT_ONCE) as pool:
        runs = {s: pool.submit(_report, s, d, root / "reports" / s) for s, d in folders.items()}
        return {s: r.result() for s, r in runs.items()}


def text_of(page: Path) -> str:
    """The visible text of a page: styles and tags removed, entities decoded."""
    raw = page.read_text(encoding="utf-8")
    raw = re.sub(r"<style.*?</style>", " ", raw, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


def questions(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / QUESTIONS_FILE, keep_default_na=False)


def _complete(folder: Path) -> list[str]:
    """A published week: every page of its questions, no failure page."""
    pages = sorted(p.stem for p in folder.glob("*.html"))
    expected = sorted(["index", *questions(folder)["page"].unique()])
    failed = [p.name for p in folder.glob("*.FAILED.html")]
    return ([] if pages == expected else [f"pages {pages} != {expected}"]) + failed


def _clean(folder: Path) -> list[str]:
    """No traceback, warning or empty-plot label on any page."""
    found = []
    for page in sorted(folder.glob("*.html")):
        text = text_of(page)
        for pattern in FORBIDDEN:
            if m := re.search(pattern, text):
                found.append(f"{page.name}: ...{text[m.start() - 200 : m.end() + 200]}...")
    return found


def _in_words(folder: Path) -> list[str]:
    """No page shows an internal as a cell, caption or output (:mod:`tests.report.page_text`)."""
    return [f"{page.name}: {found}" for page in sorted(folder.glob("*.html"))
            for found in page_internals(page.read_text(encoding="utf-8"))]  # fmt: skip


def _says_why(folder: Path) -> list[str]:
    """Each page names what it answers and, for the rest, what is missing and who provides it;
    the index lists every question."""
    index, found = " ".join(text_of(folder / "index.html").split()), []
    for row in questions(folder).itertuples(index=False):
        text = " ".join(text_of(folder / f"{row.page}.html").split())
        need, words = row.reason.removeprefix("missing: "), question_words(row.question, lang="en")
        line = f"Not answered: {words}. Missing: {need}. Provided by: {row.provided_by}."
        said = (re.search(rf"This page answers: [^.]*{re.escape(words)}[,.]", text)
                if row.answered else line in text)  # fmt: skip
        if not said or words not in index:
            found.append(f"{row.page}: {row.question} ({'answered' if row.answered else line})")
    return found


@pytest.mark.no_cover  # a report run: its kernels are not traced, its loading and publishing are covered by test_report (conftest)
@pytest.mark.notebook
def test_every_shape_publishes_pages_that_answer_or_say_why(shape_reports):
    """One test over the whole matrix (one session run, even under ``pytest -n``): every shape
    publishes a complete report, clean pages that say what they answer and what is missing,
    and questions.csv equals the committed table."""
    problems = []
    for shape, found in shape_reports.items():
        if not isinstance(found, Path):
            problems.append(f"{shape} ({SHAPES[shape][0]}) did not publish: {found}")
            continue
        for check in (_complete, _clean, _says_why, _in_words):
            problems += [f"{shape} {check.__name__}: {p}" for p in check(found)]
    assert not problems, "\n".join(problems)
    committed = pd.read_csv(MATRIX, keep_default_na=False, dtype=str)
    columns = []
    for shape, folder in shape_reports.items():
        answered = questions(folder).set_index(["page", "question"])["answered"]
        columns.append(answered.map({True: "yes", False: "no"}).rename(shape))
    provided = questions(shape_reports["a"]).set_index(["page", "question"])["provided_by"]
    produced = pd.concat([provided, *columns], axis=1).reset_index()
    pd.testing.assert_frame_equal(produced.astype(str), committed)
    _shop_file_reported(shape_reports["j"])


def _shop_file_reported(folder: Path) -> None:
    """Shape ``j`` (item 7): the shop file's creators and threshold reach the pages, and the
    data-quality page says what came from it."""
    quality = " ".join(text_of(folder / "00_data_quality.html").split())
    assert ("From the shop file shop.toml: creator of 8 cells, time zone Europe/Paris, counts "
            "below 5 masked.") in quality  # fmt: skip
    page = " ".join(text_of(folder / "01_live_vs_nonlive.html").split())
    assert "@ines.glow" in page and "min_viewers = 5" in page
    assert "@ines.glow" not in text_of(
        folder.parents[2] / "a" / WEEK / "en" / "01_live_vs_nonlive.html"
    )


def test_read_once_reads_a_folder_once_per_process_and_again_when_a_file_changes(
    tmp_path, monkeypatch
):
    from analysis.report import cache

    calls = []
    monkeypatch.setattr(cache, "read", lambda *a, **k: calls.append(a) or read(*a, **k))

    (tmp_path / "cells.csv").write_text(
        "start,grain,channel,unit,viewers,atc\n2026-11-17T19:00:00+01:00,hour,LIVE,visitor,10,2\n"
    )
    first = cache.read_once(tmp_path, tz=SAMPLE_TZ)
    again = cache.read_once(tmp_path, tz=SAMPLE_TZ)
    assert again is not first and again.cells is not first.cells  # a copy: pages cannot collide
    pd.testing.assert_frame_equal(again.cells, first.cells)
    assert len(calls) == 1
    (tmp_path / "cells.csv").write_text(
        "start,grain,channel,unit,viewers,atc\n2026-11-17T19:00:00+01:00,hour,LIVE,visitor,10,7\n\n"
    )  # another size: changed even where modification times are coarse
    assert int(cache.read_once(tmp_path, tz=SAMPLE_TZ).cells["atc"].iloc[0]) == 7
    assert len(calls) == 2
