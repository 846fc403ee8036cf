"""Personal data, formulas and local paths in everything the kit writes (issue 14, item 4).

A page-level run on a tiny dataset whose creator handle is a phone number and whose titles hold
an e-mail, a user id and a spreadsheet formula, in a folder whose path names a client: every file
of the published week folder is searched. And every CSV/XLSX writer of the kit is listed and
classified: outputs for people neutralise formulas, export fixtures write strings as strings.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from html import escape
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from analysis import paths
from analysis.present.privacy import KEY_FILE, creator_key, pseudonyms
from analysis.report.run import run_report
from analysis.sources.canonical import read, write_cells
from analysis.sources.safe_text import FORMULA_STARTS
from analysis.sources.writers.table import write_table
from tests.report.test_report import write_notebook

PHONE = "+33 6 12 34 56 78"
EMAIL = "jean.dupont@gmail.com"
USER_ID = "6823947561239874561"
FORMULA = '=HYPERLINK("http://x")'
CREATORS = (PHONE, "ines.glow")
TZ = "Europe/Paris"
PARAMETERS = (
    'data = "data/sample"\nweek = "latest"\ntz = "Europe/Paris"\nlang = "en"\n'
    'min_viewers = 1\nshop = ""\ncreators = "shown"\n'
)
#: a page showing the creators in a table, a sentence, a plot and the data-quality note
SHOW = (
    "import analysis as cl\n"
    "cells, _ = cl.read_weekly(data, tz=tz, shop=shop, creators=creators)\n"
    "cells = cl.select_week(cells, week)\n"
    "rates = cl.rates(cells, by=['creator', 'content_title'], metric='atc_rate')\n"
    "display(cl.table(rates, caption=cl.t('05.series_title', creator=cells['creator'].iloc[0])))\n"
    "every = ', '.join(sorted(cells['creator'].dropna().unique()))\n"
    "print(cl.t('05.series_title', lang=lang, creator=every))\n"
    "print(cl.privacy_notes(cells, creators=creators, lang=lang))\n"
    "cl.interval_plot(rates, y=['creator', 'content_title']);"
)


def write_data(folder: Path) -> Path:
    """Two LIVEs a day (one per creator) and a video, over three ISO weeks (2026-W46..W49), and
    a file no loader reads whose name holds an e-mail."""
    rows = []
    for day in pd.date_range("2026-11-11", "2026-12-02", freq="D"):
        for i, (creator, title) in enumerate(
            zip(CREATORS, (f"Q&A {EMAIL}", FORMULA), strict=True)
        ):
            rows.append({"start": f"{day:%Y-%m-%d}T20:00:00+01:00", "grain": "day",
                         "channel": "LIVE", "unit": "visitor", "viewers": 100, "atc": 5 + i,
                         "creator": creator, "content_id": f"live-{i}-{day:%d}",
                         "content_title": title, "category": "gift",
                         "product_id": "p1"})  # fmt: skip
        rows.append({"start": f"{day:%Y-%m-%d}T00:30:00+01:00", "grain": "day", "channel": "VIDEO",
                     "unit": "visitor", "viewers": 100, "atc": 4, "creator": "ines.glow",
                     "content_title": f"by {USER_ID}", "category": FORMULA,
                     "product_id": "p1"})  # fmt: skip
    folder.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(folder / "cells.csv", index=False)
    (folder / f"notes for {EMAIL}.txt").write_text("not an export")  # skipped, listed by name
    return folder


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Two runs of the same week in kept kernels: creators shown (a tiny page showing them),
    then pseudonymised (that page and the real data-quality page)."""
    root = tmp_path_factory.mktemp("privacy")
    data = write_data(root / "Clients" / "ACME" / "exports")
    nbdir = root / "notebooks"
    write_notebook(nbdir, "creators_page", PARAMETERS + 'creator = ""\n', SHOW)
    shutil.copy2(paths.NOTEBOOKS_DIR / "00_data_quality.ipynb", nbdir)
    runs = {}
    pages = {"shown": ["creators_page"], "pseudonymised": ["creators_page", "00_data_quality"]}
    for mode, notebooks in pages.items():
        out = root / mode
        extra = {"creator": PHONE} if mode == "shown" else {}  # masked in the .ipynb, manifest
        run_report(data=str(data), out=out, tz=TZ, notebooks=notebooks, notebooks_dir=nbdir,
                   timeout=120, workers=1, progress=False, creators=mode, parameters=extra,
                   keep_workers=True)  # fmt: skip
        runs[mode] = out / "2026-W48" / "en"
    return {"data": data, "runs": runs}


def forms(text: str) -> set[str]:
    """The forms a text takes in a page, a notebook or a manifest."""
    return {text, escape(text), escape(text, quote=False), json.dumps(text)[1:-1]}


def published_files(week: Path) -> dict[str, str]:
    """Every published file as text (a table download's XLSX: its cells, one per line)."""
    files = sorted(p for p in week.rglob("*") if p.is_file())
    assert {p.suffix for p in files} >= {".html", ".ipynb", ".json"}
    return {p.name: xlsx_text(p) if p.suffix == ".xlsx" else p.read_text(encoding="utf-8")
            for p in files}  # fmt: skip


def xlsx_text(path: Path) -> str:
    sheet = openpyxl.load_workbook(path).active
    return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row)


@pytest.mark.notebook
@pytest.mark.parametrize("mode", ["shown", "pseudonymised"])
def test_published_week_shows_no_phone_email_user_id_or_local_path(published, mode):
    data = published["data"]
    secret = [PHONE, "12 34 56 78", EMAIL, str(data), str(data.parent), "Clients"]
    for name, text in published_files(published["runs"][mode]).items():
        for value in secret:
            for form in forms(value):
                assert form not in text, (mode, name, value)
    page = published_files(published["runs"][mode])["creators_page.html"]
    assert "[phone hidden]" in page or mode == "pseudonymised"
    assert "[email hidden]" in page and USER_ID not in page
    assert "Masked: " in page  # the caption says how many values were masked
    if mode == "shown":  # a parameter holding a phone number: masked where it is shown
        manifest = json.loads(published_files(published["runs"][mode])["manifest.json"])
        assert manifest["parameters"]["creator"] == "[phone hidden]"
    if mode == "pseudonymised":
        quality = published_files(published["runs"][mode])["00_data_quality.html"]
        assert "distinct value(s) hold an e-mail address, a phone number or a user id" in quality
        assert "notes for [email hidden]" in quality  # the files table (the .txt reads as domain)


@pytest.mark.notebook
def test_pseudonymised_week_never_names_a_creator(published):
    week = published["runs"]["pseudonymised"]
    names = pseudonyms(CREATORS, creator_key(published["data"], create=False))
    files = published_files(week)
    for name, text in files.items():
        for handle in CREATORS:
            for form in forms(handle):
                assert form not in text, (name, handle)
    assert names["ines.glow"] in files["creators_page.html"]
    manifest = json.loads(files["manifest.json"])
    assert manifest["parameters"]["creators"] == "pseudonymised"
    assert "--creators pseudonymised" in manifest["reproduce"]
    assert (published["data"] / KEY_FILE).is_file() and not list(week.rglob(KEY_FILE))
    shown = published_files(published["runs"]["shown"])["creators_page.html"]
    assert "ines.glow" in shown  # shown by default


@pytest.mark.notebook
def test_published_csv_cells_never_start_a_formula(published):
    cells = [c for r in read_csv(published["runs"]["pseudonymised"] / "questions.csv") for c in r]
    assert cells and not any(c.startswith(FORMULA_STARTS) for c in cells)


# --------------------------------------------------------------------------------------------
# every CSV/XLSX writer of the kit

#: every place in analysis/ that writes CSV or XLSX: ``people`` outputs neutralise formulas
#: (analysis.sources.safe_text), ``fixture`` writers imitate the platforms' exports
#: (analysis/sources/writers/table.py says why) and write XLSX text as strings
WRITERS = {
    "analysis/sources/canonical.py": "people",  # write_cells (cartlift load --out, simulate)
    "analysis/sources/safe_text.py": "people",  # safe_csv_text
    "analysis/report/questions.py": "people",  # questions.csv in the week folder
    "analysis/stats/switchback_files.py": "people",  # cartlift plan's schedule.csv
    "analysis/sources/events_table.py": "people",  # write_events (the moments page's table)
    "analysis/report/downloads.py": "people",  # the tables of each page, CSV and XLSX
    "analysis/sources/writers/table.py": "fixture",
    "analysis/sources/writers/shopify.py": "fixture",
}
WRITE_CALL = re.compile(r"\.to_csv\(|\.to_excel\(|csv\.writer\(|Workbook\(|safe_csv_text\(")


def test_every_csv_or_xlsx_writer_is_classified():
    found = {p.relative_to(paths.PROJECT_ROOT).as_posix() for p in (paths.PROJECT_ROOT /
             "analysis").rglob("*.py") if WRITE_CALL.search(p.read_text(encoding="utf-8"))}  # fmt: skip
    assert found == set(WRITERS), "classify each writer in WRITERS (people or fixture)"


TEXT = ["=HYPERLINK(\"http://x\",\"y\")", "+33 6 12 34 56 78", "-2+3", "@SUM(A1)", "\tx", "\rx",
        "plain", "'=already"]  # fmt: skip


def read_csv(path: Path) -> list[list[str]]:
    """The rows of a CSV file as a spreadsheet gets them (no newline translation)."""
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _write_cells(tmp_path: Path) -> list[str]:
    cells = read(write_data(tmp_path / "d") / "cells.csv", tz=TZ).cells.head(len(TEXT))
    cells["content_title"] = pd.array(TEXT, dtype="string")
    path = write_cells(cells, tmp_path / "out.csv")
    back = read(path, tz=TZ).cells["content_title"].tolist()
    assert back[:4] + back[6:] == TEXT[:4] + TEXT[6:]  # the loader removes exactly the escape
    rows = read_csv(path)
    return [r[rows[0].index("content_title")] for r in rows[1:]]


def _questions(tmp_path: Path) -> list[str]:
    from analysis.report.questions import write_questions

    path = write_questions(pd.DataFrame({"page": TEXT, "answered": [True] * len(TEXT)}), tmp_path)
    return [r[0] for r in read_csv(path)[1:]]


def _schedule(tmp_path: Path) -> list[str]:
    from analysis.stats.switchback_files import schedule_csv_text

    slots = pd.DataFrame({"slot": [f"S{i}" for i in range(len(TEXT))], "creator": TEXT})
    path = tmp_path / "schedule.csv"
    path.write_bytes(schedule_csv_text(slots).encode("utf-8"))
    rows = read_csv(path)
    return [r[rows[0].index("creator")] for r in rows[1:]]


def _downloads(tmp_path: Path) -> list[str]:
    from analysis.present.display import table
    from analysis.report.downloads import add_downloads

    shown = table(pd.DataFrame({"content_title": TEXT}), lang="en").to_html()
    (tmp_path / "01_page.html").write_text(f'<html lang="en">{shown}</html>', encoding="utf-8")
    add_downloads(tmp_path)
    return [r[0] for r in read_csv(tmp_path / "tables" / "01_page-1.csv")[1:]]


@pytest.mark.parametrize("writer", [_write_cells, _questions, _schedule],
                         ids=["write_cells", "questions", "schedule"])  # fmt: skip
def test_people_writers_neutralise_formula_text(tmp_path, writer):
    written = writer(tmp_path)
    assert len(written) == len(TEXT)
    for text, cell in zip(TEXT, written, strict=True):
        assert not cell.startswith(FORMULA_STARTS), cell
        assert cell == ("'" + text if re.match(r"'*[=+\-@\t\r]", text) else text)


def test_table_downloads_neutralise_formula_text_and_mask_like_the_page(tmp_path):
    expected = ["'" + t if re.match(r"'*[=+\-@\t\r]", t) else t for t in TEXT]
    expected[1] = "[phone hidden]"  # the page hides it: so does its download
    expected[4:6] = ["x", "x"]  # a page shows no leading tab or carriage return: nor does it
    assert _downloads(tmp_path) == expected


def test_fixture_xlsx_writer_writes_text_as_strings(tmp_path):
    path = write_table(tmp_path / "x.xlsx", [("Sheet", [["title"], *[[t] for t in TEXT]])])
    ws = openpyxl.load_workbook(path).active
    cells = [ws.cell(row=i + 2, column=1) for i in range(len(TEXT))]
    assert [c.data_type for c in cells] == ["s"] * len(TEXT)
    assert [c.value for c in cells] == [t.replace("\r", "\n") for t in TEXT]  # XML line ends


# --------------------------------------------------------------------------------------------
# the switch


def test_pseudonymised_runs_need_creators_declared_and_get_pseudonymised_parameters(tmp_path):
    from analysis.report.plan import plan_report

    data = write_data(tmp_path / "exports")
    nbdir = tmp_path / "notebooks"
    write_notebook(nbdir, "plain", 'data = ""\ncreator = ""\ninterventions = ""\n', "1")
    write_notebook(nbdir, "named", PARAMETERS + 'creator = ""\ninterventions = ""\n', "1")
    kw = {"data": str(data), "week": "latest", "tz": TZ, "lang": "en", "min_viewers": None,
          "workers": 1, "notebooks_dir": nbdir,
          "parameters": {"creator": PHONE, "interventions": "ines.glow:2026-11-20"}}  # fmt: skip
    with pytest.raises(ValueError, match=r"notebook\(s\) \['plain'\] do not declare the "
                       r"parameter 'creators': they would show creator handles"):  # fmt: skip
        plan_report(**kw, notebooks=["plain", "named"], creators="pseudonymised")
    assert not (data / KEY_FILE).exists()  # refused before anything is written
    with pytest.raises(ValueError, match="The value for `creators` must be one of"):
        plan_report(**kw, notebooks=["named"], creators="hashed")
    plan = plan_report(**kw, notebooks=["named"], creators="pseudonymised")
    names = pseudonyms(CREATORS, creator_key(data, create=False))
    passed = plan.parameters["named"]
    assert passed["creators"] == "pseudonymised" and passed["creator"] == names[PHONE]
    assert passed["interventions"] == f"{names['ines.glow']}:2026-11-20"
    shown = plan_report(**kw, notebooks=["named"], creators="shown").parameters["named"]
    assert shown["creator"] == PHONE and shown["creators"] == "shown"


def test_report_command_has_the_creators_switch():
    import argparse

    from analysis.report.options import add_report_arguments

    parser = argparse.ArgumentParser()
    add_report_arguments(parser)
    assert parser.parse_args([]).creators == "shown"
    assert parser.parse_args(["--creators", "pseudonymised"]).creators == "pseudonymised"
    with pytest.raises(SystemExit):
        parser.parse_args(["--creators", "hashed"])


@pytest.mark.parametrize("stem", ["weekly_report", "00_data_quality", "01_live_vs_nonlive",
                                  "02_hour_of_day", "03_audience", "04_regression", "05_dynamics"])  # fmt: skip
def test_every_report_notebook_declares_creators_and_reads_with_them(stem):
    import ast

    from analysis.report.plan import REPORT_NOTEBOOKS, notebook_parameters

    assert stem in REPORT_NOTEBOOKS
    path = paths.NOTEBOOKS_DIR / f"{stem}.ipynb"
    assert notebook_parameters(path)["creators"]["default"] == '"shown"'
    reads = [node for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"
             for node in ast.walk(ast.parse(c.source)) if isinstance(node, ast.Call)
             and getattr(node.func, "attr", "") in ("read_once", "read_weekly", "read_quality")]  # fmt: skip
    assert reads and all(
        any(k.arg == "creators" and getattr(k.value, "id", "") == "creators" for k in r.keywords)
        for r in reads
    )


def test_a_failure_page_masks_personal_data_in_outputs_and_error(tmp_path):
    from analysis.paths import PROJECT_ROOT
    from analysis.report.export import write_failed_page

    said = (
        "unknown creator 'jane.doe@example.com', call +33 6 12 34 56 78, buyer 7312345678901234567"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(x)", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text=said),
        nbformat.v4.new_output("execute_result", data={"text/plain": said}, execution_count=1),
        nbformat.v4.new_output("error", ename="ValueError", evalue=said, traceback=[said]),
    ])])  # fmt: skip
    nb.metadata["cartlift"] = {"status": "failed", "status_message": said, "error": said}
    page = write_failed_page(nb, "01_x", tmp_path, PROJECT_ROOT / "templates", lang="en")
    html = page.read_text(encoding="utf-8")
    for personal in ("jane.doe@example.com", "6 12 34 56 78", "7312345678901234567"):
        assert personal not in html
    assert html.count("[email hidden]") >= 4 and "[phone hidden]" in html
    assert nb.cells[0].outputs[0]["text"] == said  # the notebook given is not changed
