"""analysis.report: ISO weeks, provenance, export helpers, and report runs of tiny notebooks
written to tmp_path."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis import paths
from analysis.cells import validate_cells
from analysis.errors import ReportError
from analysis.report.export import translate_markdown, with_toc
from analysis.report.offline import external_resources
from analysis.report.options import add_report_arguments, check_workers
from analysis.report.provenance import VERSION_PACKAGES, fingerprint, git_commit
from analysis.report.run import main, run_report
from analysis.vocabulary import STATUSES
from analysis.weeks import parse_week, resolve_week, select_week, week_bounds

TZ = "Europe/Paris"
XSS = "<script>alert(1)</script>"
FIRST, LAST = "2026-11-11", "2026-12-02"  # Wednesday of 2026-W46 to Wednesday of 2026-W49
ts = pd.Timestamp


# --------------------------------------------------------------------------------------------
# fixtures and helpers


def canonical_rows(first: str = FIRST, last: str = LAST) -> pd.DataFrame:
    """One LIVE and one VIDEO day cell per shop-local day, as a canonical CSV holds them."""
    rows = [
        {"start": f"{day:%Y-%m-%d}T00:30:00+01:00", "grain": "day", "channel": channel,
         "unit": "visitor", "viewers": 100, "atc": 5}
        for day in pd.date_range(first, last, freq="D")
        for channel in ("LIVE", "VIDEO")
    ]  # fmt: skip
    return pd.DataFrame(rows)


def make_cells(first: str = FIRST, last: str = LAST) -> pd.DataFrame:
    return validate_cells(canonical_rows(first, last).astype("string"), tz=TZ)


def write_data(folder: Path) -> Path:
    folder.mkdir(parents=True)
    canonical_rows().to_csv(folder / "cells.csv", index=False)
    return folder


EARLIER_BLOCK = "<!-- cartlift:earlier -->\n<p>None yet.</p>\n<!-- /cartlift:earlier -->"
LANGUAGES_BLOCK = "<!-- cartlift:languages -->\n<!-- /cartlift:languages -->"
PARAMETERS = 'data = "data/sample"\nweek = "latest"\ntz = "Europe/Paris"\nlabel = "none"\n'
COUNT_ROWS = (
    "from analysis.sources.load import load\n"
    "from analysis.weeks import select_week\n"
    "cells = select_week(load(data, tz=tz), week)\n"
    'print(f"rows in {week}: {len(cells)}")'
)


def write_notebook(folder: Path, name: str, parameters: str, *code: str | tuple[str, str]) -> None:
    """A notebook: title, a `parameters` cell, then code cells (``(source, tag)`` for a tag)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {name}"),
        nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
    ]
    for item in code:
        source, tags = (item[0], [item[1]]) if isinstance(item, tuple) else (item, [])
        nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": tags}))
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{name}.ipynb")


class Refs(HTMLParser):
    """Every src/href attribute, the text of the cartlift header, and all text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []
        self.titles: dict[str, str] = {}
        self.header: list[str] = []
        self.text: list[str] = []
        self.folded: list[str] = []  # text inside <details class="cartlift-code">
        self.outside: list[str] = []  # all other text
        self.summaries: list[str] = []
        self._depth = 0  # > 0 inside <header class="cartlift-run">
        self._details = 0  # > 0 inside <details class="cartlift-code">
        self._summary = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.refs += [(tag, k, v) for k, v in attrs if k in ("src", "href") and v is not None]
        if tag == "header" and a.get("class") == "cartlift-run" or self._depth and tag == "header":
            self._depth += 1
        if "cartlift-fingerprint" in (a.get("class") or ""):
            self.titles["fingerprint"] = a.get("title", "")
        if tag == "details" and (a.get("class") == "cartlift-code" or self._details):
            self._details += 1
        self._summary = self._summary or (tag == "summary" and self._details > 0)

    def handle_endtag(self, tag):
        if tag == "header" and self._depth:
            self._depth -= 1
        if tag == "details" and self._details:
            self._details -= 1
        if tag == "summary":
            self._summary = False

    def handle_data(self, data):
        self.text.append(data)
        if self._depth:
            self.header.append(data)
        if self._summary:
            self.summaries.append(data)
        elif self._details:
            self.folded.append(data)
        else:
            self.outside.append(data)

    def external(self) -> list[tuple[str, str, str]]:
        return [r for r in self.refs if r[2].strip().lower().startswith(("http:", "https:", "//"))]


def page(path: Path) -> Refs:
    return Refs(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One successful report run: notebooks `tiny` (all parameters) and `second` (data, label)."""
    root = tmp_path_factory.mktemp("project")
    data = write_data(root / "Clients" / "ACME" / "exports")  # a path that names a client
    nbdir = root / "notebooks"
    write_notebook(
        nbdir, "tiny", PARAMETERS, COUNT_ROWS,
        ('print("REMOVED-CELL-OUTPUT")', "remove-cell"),
        "print(label)",
        "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2]);",
    )  # fmt: skip
    write_notebook(nbdir, "second", 'data = "data/sample"\nlabel = "none"\n', "print(data)")
    out = root / "reports"
    blocks = f"{EARLIER_BLOCK}\n{LANGUAGES_BLOCK}"  # as an index of the kit writes them
    for week, lang, text in [("2026-W47", "en", "earlier"), ("2026-W49", "en", "later"),
                             ("2026-W48", "en", "old"), ("2026-W48", "fr", "français")]:  # fmt: skip
        (out / week / lang).mkdir(parents=True)
        (out / week / lang / "index.html").write_text(f"<p>{text}</p>\n{blocks}\n")
    (out / "2026-W48" / "en" / "tiny.FAILED.html").write_text("stale failure page")
    (out / "2026-W48" / "fr" / "tiny.html").write_text(f"<p>page</p>{LANGUAGES_BLOCK}")
    lock = root / "lock.txt"
    lock.write_text("pandas==3.1.1\n")
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "LOCK_FILE", lock)
        index = run_report(
            data=str(data), out=out, tz=TZ, notebooks=["tiny", "second"],
            parameters={"label": XSS}, notebooks_dir=nbdir, timeout=120, workers=2,
            progress=lines.append, keep_workers=True,  # kernels of earlier reports, reset
        )  # fmt: skip
    return {"index": index, "week_dir": out / "2026-W48" / "en", "out": out, "data": data, "lock": lock,
            "nbdir": nbdir, "progress": lines}  # fmt: skip


# --------------------------------------------------------------------------------------------
# weeks


def test_parse_week_gives_monday_and_sunday_across_year_ends():
    assert parse_week("2026-W47")[1:] == (ts("2026-11-16"), ts("2026-11-22"))
    assert parse_week("2026-W01").monday == ts("2025-12-29")  # ISO week 1 starts in December
    assert parse_week("2026-W53").monday == ts("2026-12-28")  # 2026 has 53 ISO weeks
    assert week_bounds("2026-W48") == (ts("2026-11-23"), ts("2026-11-30"))


@pytest.mark.parametrize(
    "week",
    ["2026-47", "2026-W7", "26-W47", "2026-w47", " 2026-W47", "2026-W47x", "2026-W00",
     "2026-W54", "2025-W53", "latest", "", 202647],
)  # fmt: skip
def test_malformed_weeks_are_refused(week):
    with pytest.raises(ValueError, match="week"):
        parse_week(week)


def test_week_bounds_needs_data_for_latest():
    with pytest.raises(ValueError, match="select_week"):
        week_bounds("latest")


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        (LAST, "2026-W48"),  # ends on a Wednesday: that week is incomplete
        ("2026-11-29", "2026-W48"),  # ends on a Sunday: that week is complete
        ("2026-11-28", "2026-W47"),  # ends on a Saturday
    ],
)
def test_latest_is_the_last_complete_week(last, expected):
    assert resolve_week(make_cells(last=last), "latest").iso == expected


def test_latest_accepts_a_week_starting_on_the_first_day():
    assert resolve_week(make_cells("2026-11-16", "2026-11-22"), "latest").iso == "2026-W47"


def test_latest_without_a_complete_week_is_an_error():
    with pytest.raises(ValueError, match="no complete ISO week.*2026-11-17.*2026-11-22"):
        resolve_week(make_cells("2026-11-17", "2026-11-22"), "latest")


def test_week_without_data_is_an_error_naming_the_span():
    cells = make_cells()
    with pytest.raises(ValueError, match=r"no data in week 2026-W40 .*2026-11-11.*2026-12-02"):
        resolve_week(cells, "2026-W40")
    with pytest.raises(ValueError, match="is not an ISO week"):
        resolve_week(cells, "2026-40")
    assert resolve_week(cells, "2026-W46").iso == "2026-W46"  # partial week, asked for: fine


def test_select_week_keeps_monday_to_sunday_only():
    cells = make_cells()
    week = select_week(cells, "2026-W48")
    assert len(week) == 14
    assert (week["date"].min(), week["date"].max()) == (ts("2026-11-23"), ts("2026-11-29"))
    assert select_week(cells, "latest").equals(week)
    assert len(select_week(cells, "all")) == len(cells) == 44
    week.loc[week.index[0], "viewers"] = 0  # a new frame: the input is not touched
    assert (cells["viewers"] == 100).all()


# --------------------------------------------------------------------------------------------
# provenance


def test_fingerprint_follows_the_documented_encoding(tmp_path):
    data = write_data(tmp_path / "d")
    (data / "more.csv").write_bytes(b"x")
    (data / "README.txt").write_text("not read by load, still part of the data folder")
    expected = hashlib.sha256()
    for name in ("README.txt", "cells.csv", "more.csv"):  # every file of the folder, by name
        content = (data / name).read_bytes()
        expected.update(name.encode() + b"\0" + str(len(content)).encode() + b"\0" + content)
    assert fingerprint(data) == expected.hexdigest()
    before = fingerprint(data)
    (data / "more.csv").rename(data / "other.csv")
    assert fingerprint(data) != before
    assert fingerprint(data / "cells.csv") != fingerprint(data)


def test_git_commit_names_the_commit_and_dirty_trees(tmp_path):
    assert git_commit(tmp_path) == "unknown"  # not a repository
    assert shutil.which("git"), "git is needed by the report's provenance header"
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    assert git_commit(tmp_path) == "unknown"  # no commit yet
    (tmp_path / "a.txt").write_text("a")
    subprocess.run([*git, "add", "a.txt"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "a"], check=True)
    sha = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True)
    assert git_commit(tmp_path) == sha.stdout.strip()
    (tmp_path / "b.txt").write_text("b")
    assert git_commit(tmp_path) == sha.stdout.strip() + "-dirty"


def test_external_resources_finds_scripts_links_and_css_imports():
    html = (
        '<script src="https://cdn.example/x.js"></script><link href="//fonts.example/f.css">'
        '<img src="data:image/png;base64,AA"><a href="https://example.com">link</a>'
        "<style>@import url('http://x.example/y.css');</style><script src=\"local.js\"></script>"
    )
    found = external_resources(html)
    assert len(found) == 3
    assert all("example" in f for f in found)
    assert external_resources('<img src="data:image/png;base64,AA"><a href="x.html">x</a>') == []


# --------------------------------------------------------------------------------------------
# report runs (papermill + nbconvert)


@pytest.mark.notebook
def test_report_writes_index_pages_notebooks_and_manifest(built):
    week_dir = built["week_dir"]
    assert built["index"] == week_dir / "index.html"
    names = sorted(p.name for p in week_dir.iterdir())
    assert names == [
        "index.html",
        "manifest.json",
        "second.html",
        "second.ipynb",
        "tiny.html",
        "tiny.ipynb",
    ]  # fmt: skip  (the stale tiny.FAILED.html went with the old folder)
    hidden = sorted(p.name for p in built["out"].iterdir() if p.name.startswith("."))
    # the lock of the week's language chooser stays, and the pages' cache (report.reuse)
    assert hidden == [".2026-W48.lock", ".cache"]
    hidden = sorted(p.name for p in week_dir.parent.iterdir() if p.name.startswith("."))
    assert hidden == [".en.lock", ".fr.lock"]  # no temp folders; the folders' lock files stay
    executed = nbformat.read(week_dir / "tiny.ipynb", as_version=4)
    assert executed.metadata["cartlift"]["fingerprint"] == fingerprint(built["data"])
    assert executed.metadata["cartlift"]["status"] == "ok"
    assert executed.metadata["cartlift"]["status_message"] == STATUSES["ok"]


@pytest.mark.notebook
@pytest.mark.parametrize("name", ["index.html", "tiny.html", "second.html"])
def test_pages_open_offline(built, name):
    html = page(built["week_dir"] / name)
    assert html.refs  # the check below looks at something
    assert html.external() == []
    images = [v for tag, key, v in html.refs if tag == "img"]
    assert all(v.startswith("data:image/") for v in images)
    if name == "tiny.html":
        assert images  # the matplotlib figure is inline


@pytest.mark.notebook
def test_page_header_shows_parameters_and_fingerprint(built):
    html = page(built["week_dir"] / "tiny.html")
    header = " ".join(html.header)
    full = fingerprint(built["data"])
    label = f"exports ({full[:12]})"  # the data named by folder name and fingerprint
    for value in (label, "2026-W48", TZ, full[:12], XSS, "papermill"):
        assert value in header
    assert html.titles["fingerprint"] == f"sha256 {full}"
    second = " ".join(page(built["week_dir"] / "second.html").header)
    assert label in second and "Europe/Paris" not in second  # tz not declared


@pytest.mark.notebook
def test_published_folder_never_shows_the_local_data_path(built):
    """Every file of the week folder, the one analysts zip and share (pages, index, manifest,
    executed notebooks with papermill's injected-parameters cell and metadata, CSV), names the
    data folder and its fingerprint, never its absolute path (which names the analyst and the
    client)."""
    label = f"exports ({fingerprint(built['data'])[:12]})"
    files = sorted(p for p in built["week_dir"].iterdir() if p.is_file())
    assert {p.suffix for p in files} == {".html", ".json", ".ipynb"}  # no questions: no CSV
    for path in files:
        raw = path.read_text(encoding="utf-8")
        for local in ("Clients", str(built["data"].parent), json.dumps(str(built["data"]))[1:-1]):
            assert local not in raw, (path.name, local)
    assert label in "".join(page(built["week_dir"] / "second.html").text)  # print(data)
    assert label in built["index"].read_text(encoding="utf-8")
    second = nbformat.read(built["week_dir"] / "second.ipynb", as_version=4)
    injected = [c for c in second.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert f'data = "{label}"' in injected[0].source
    assert label in "".join(o.get("text", "") for c in second.cells for o in c.get("outputs", []))
    assert second.metadata["papermill"]["parameters"]["data"] == label
    assert second.metadata["papermill"]["output_path"] == "second.ipynb"
    assert second.metadata["cartlift"]["parameters"]["data"] == label
    assert "hidden" not in second.metadata["cartlift"]


@pytest.mark.notebook
@pytest.mark.parametrize("name", ["index.html", "tiny.html"])
def test_parameter_values_are_escaped(built, name):
    raw = (built["week_dir"] / name).read_text(encoding="utf-8")
    assert XSS not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw


@pytest.mark.notebook
def test_page_folds_code_and_drops_tagged_cells_but_shows_outputs(built):
    html = page(built["week_dir"] / "tiny.html")
    text, folded = "".join(html.text), "".join(html.folded)
    assert "rows in 2026-W48: 14" in text  # parameters reached the kernel; select_week ran there
    assert "select_week(load(data" in folded  # the code is there, folded under "show code"
    assert "select_week(load(data" not in "".join(html.outside)  # and nowhere else
    assert html.summaries == ["Show code"] * 3  # one toggle per code cell shown
    assert "REMOVED-CELL-OUTPUT" not in text and "REMOVED-CELL" not in folded  # remove-cell
    assert 'label = "none"' not in text and "# Parameters" not in text


@pytest.mark.notebook
def test_manifest_records_the_run(built):
    manifest = json.loads((built["week_dir"] / "manifest.json").read_text())
    assert manifest["week"] == "2026-W48"
    full = fingerprint(built["data"])
    label = f"exports ({full[:12]})"  # the data named by folder name and fingerprint, no path
    assert manifest["parameters"] == {
        "data": label, "week": "2026-W48", "tz": TZ, "lang": "en", "min_viewers": 10,
        "creators": "shown", "label": XSS,
    }  # fmt: skip
    assert manifest["data_label"] == label and "hidden" not in manifest
    assert manifest["reproduce"].startswith("cartlift report --data <your exports folder> --week")
    assert full in manifest["reproduce_data"] and "fingerprint" in manifest["reproduce_data"]
    assert "--lang en --min-viewers 10  # plus run_report(parameters=" in manifest["reproduce"]
    nb_sha = hashlib.sha256((built["nbdir"] / "tiny.ipynb").read_bytes()).hexdigest()
    assert manifest["notebooks"][0]["source_sha256"] == nb_sha
    assert manifest["fingerprint"] == full
    assert manifest["lock_sha256"] == hashlib.sha256(built["lock"].read_bytes()).hexdigest()
    assert [n["name"] for n in manifest["notebooks"]] == ["tiny", "second"]
    assert manifest["notebooks"][1]["parameters"] == {"data": label, "label": XSS}
    assert manifest["commit"] == "unknown" or manifest["commit"][:40].isalnum()
    assert set(manifest["versions"]) == set(VERSION_PACKAGES)
    assert {n["status"] for n in manifest["notebooks"]} == {"ok"}


@pytest.mark.notebook
def test_index_links_pages_and_earlier_weeks(built):
    html = page(built["index"])
    hrefs = [v for tag, key, v in html.refs if tag == "a"]
    assert hrefs == [
        "../fr/index.html", "tiny.html", "second.html", "manifest.json",
        "../../2026-W47/en/index.html",
    ]  # fmt: skip
    assert all((built["week_dir"] / h).exists() for h in hrefs)


def test_unknown_parameter_is_refused_before_anything_runs(tmp_path):
    data = write_data(tmp_path / "data")
    write_notebook(tmp_path / "nb", "tiny", PARAMETERS, "print(1)")
    out = tmp_path / "reports"
    kw = {"data": data, "out": out, "notebooks": ["tiny"], "notebooks_dir": tmp_path / "nb"}
    with pytest.raises(
        ValueError, match=r"unknown parameter\(s\) \['colour'\] for notebook 'tiny'"
    ):
        run_report(**kw, parameters={"colour": "red"})
    with pytest.raises(ValueError, match="set by run_report's own arguments"):
        run_report(**kw, parameters={"week": "2026-W47"})
    with pytest.raises(FileNotFoundError, match="'missing' not found.*tiny"):
        run_report(**{**kw, "notebooks": ["missing"]})
    write_notebook(tmp_path / "nb", "nodata", 'week = "latest"\n', "print(1)")
    with pytest.raises(ValueError, match="does not declare the parameter 'data'"):
        run_report(**{**kw, "notebooks": ["nodata"]})
    assert not out.exists()


@pytest.mark.notebook
def test_failing_notebook_writes_failed_page_and_keeps_the_good_index(tmp_path):
    data = write_data(tmp_path / "data")
    nbdir = tmp_path / "nb"
    write_notebook(nbdir, "second", 'data = "data/sample"\n', "print(data)")
    write_notebook(nbdir, "broken", PARAMETERS, COUNT_ROWS, 'raise ValueError("boom in cell 3")')
    week_dir = tmp_path / "reports" / "2026-W48" / "en"
    week_dir.mkdir(parents=True)
    (week_dir / "index.html").write_text("GOOD INDEX")
    with pytest.raises(ReportError) as info:
        run_report(
            data=data, out=tmp_path / "reports", notebooks=["second", "broken"],
            notebooks_dir=nbdir, timeout=120, keep_workers=True,
        )  # fmt: skip
    message = str(info.value)
    for part in ("'broken'", "cell 3", 'raise ValueError("boom in cell 3")', "ValueError: boom"):
        assert part in message
    assert (info.value.notebook, info.value.cell_index, info.value.ename) == (
        "broken", 3, "ValueError"
    )  # fmt: skip
    failed = week_dir / "broken.FAILED.html"
    assert info.value.failed_html == failed
    assert [(f["notebook"], f["status"]) for f in info.value.failures] == [("broken", "failed")]
    html = page(failed)
    text = "".join(html.text)
    assert "select_week(load(data" in text  # the code is shown
    assert 'label = "none"' in text and "# Parameters" in text  # and the parameter cells
    assert str(data) not in failed.read_text(encoding="utf-8")  # but not the local data path
    assert f'data = "data ({fingerprint(data)[:12]})"' in text  # its name and fingerprint
    assert "boom in cell 3" in text and "rows in 2026-W48: 14" in text
    assert html.external() == []
    assert (week_dir / "index.html").read_text() == "GOOD INDEX"
    assert sorted(p.name for p in week_dir.iterdir()) == ["broken.FAILED.html", "index.html"]
    reports = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert reports == ["2026-W48"]
    assert sorted(p.name for p in week_dir.parent.iterdir()) == [".en.lock", "en"]  # lock stays


@pytest.mark.notebook
def test_notebooks_run_in_parallel_with_progress_lines(built):
    lines = built["progress"]
    assert lines[0] == "week 2026-W48, 2 notebook(s), 2 at a time, lang=en"
    # both started before either finished: two processes at once
    assert sorted(lines[1:3]) == ["[0/2] started  second", "[0/2] started  tiny"]
    assert [x[:14] for x in lines[3:5]] == ["[1/2] done    ", "[2/2] done    "]
    assert {re.sub(r"\[\d/2\] done    (\w+) \(.*", r"\1", x) for x in lines[3:5]} == {
        "tiny", "second"}  # fmt: skip
    assert lines[-1] == f"published {built['index']}"


@pytest.mark.notebook
def test_page_has_a_table_of_contents_and_a_language(built):
    raw = (built["week_dir"] / "tiny.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in raw
    assert '<nav class="cartlift-toc" aria-label="Contents"><h2>Contents</h2><ol>' in raw
    assert '<li class="toc-h1"><a href="#tiny">tiny</a></li>' in raw
    assert 'id="tiny"' in raw and "<!-- cartlift:toc -->" not in raw


def test_toc_lists_headings_and_escapes_them():
    html = (
        '<main><!-- cartlift:toc --><h1 id="A-&amp;-b">A &amp; &lt;b&gt;<a class="anchor-link" '
        'href="#A-&amp;-b">¶</a></h1><h2 id="x y">Two</h2><h4 id="deep">no</h4><h3>no id</h3>'
    )
    out = with_toc(html, "Contents")
    assert '<li class="toc-h1"><a href="#A-%26-b">A &amp; &lt;b&gt;</a></li>' in out
    assert '<li class="toc-h2"><a href="#x%20y">Two</a></li>' in out
    assert "deep" not in out.split("</nav>")[0] and "no id" not in out.split("</nav>")[0]
    assert with_toc("<p>no heading</p><!-- cartlift:toc -->", "C") == "<p>no heading</p>"


def test_markdown_cells_are_translated_by_tag():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("English", metadata={"tags": ["i18n:01.by_category"]}),
        nbformat.v4.new_markdown_cell("untagged"),
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["i18n:01.by_category"]}),
    ]
    fr = translate_markdown(nb, lang="fr")
    assert fr.cells[0].source.startswith("## Par catégorie\n")
    assert [c.source for c in fr.cells[1:]] == ["untagged", "x = 1"]  # only tagged markdown
    assert nb.cells[0].source == "English"  # the input is not modified
    assert translate_markdown(nb, lang="en").cells[0].source == "English"
    nb.cells[0].metadata["tags"] = ["i18n:no.such.key"]
    with pytest.raises(KeyError, match="no.such.key.*fr.json"):
        translate_markdown(nb, lang="fr")


def test_bad_language_workers_and_threshold_are_refused_before_anything_runs(tmp_path):
    data = write_data(tmp_path / "data")
    write_notebook(tmp_path / "nb", "tiny", PARAMETERS, "print(1)")
    kw = {"data": data, "out": tmp_path / "reports", "notebooks": ["tiny"],
          "notebooks_dir": tmp_path / "nb"}  # fmt: skip
    with pytest.raises(ValueError, match="`lang` must be one of \\['en', 'fr'"):
        run_report(**kw, lang="de")
    for workers in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="workers must be a positive integer"):
            run_report(**kw, workers=workers)
    with pytest.raises(ValueError, match="above the bound MAX_WORKERS=8"):
        run_report(**kw, workers=9)
    with pytest.raises(ValueError, match="min_viewers must be a positive integer"):
        run_report(**kw, min_viewers=0)
    assert not (tmp_path / "reports").exists()
    assert check_workers(None, 1) == 1  # never more workers than notebooks
    assert check_workers(5, 2) == 2


@pytest.mark.notebook
def test_a_notebook_past_its_timeout_is_stopped_and_reported(tmp_path):
    data = write_data(tmp_path / "data")
    nbdir = tmp_path / "nb"
    write_notebook(nbdir, "sleepy", 'data = "data/sample"\n', "import time\ntime.sleep(600)")
    with pytest.raises(ReportError) as info:
        run_report(data=data, out=tmp_path / "reports", notebooks=["sleepy"],
                   notebooks_dir=nbdir, notebook_timeout=5, progress=False)  # fmt: skip
    assert "per-notebook timeout of 5 s reached" in str(info.value)
    assert info.value.failures[0]["status"] == "failed"
    assert info.value.notebook == "sleepy"
    failed = tmp_path / "reports" / "2026-W48" / "en" / "sleepy.FAILED.html"
    assert failed.exists() and "time.sleep(600)" in "".join(page(failed).text)
    assert not (tmp_path / "reports" / "2026-W48" / "en" / "index.html").exists()
    assert not (tmp_path / "reports" / "2026-W48" / "index.html").exists()  # no chooser


def test_command_line_arguments_and_exit_code(tmp_path, capsys):
    import argparse

    parser = argparse.ArgumentParser()
    add_report_arguments(parser)
    args = parser.parse_args(
        [
            "--data",
            str(write_data(tmp_path / "d")),
            "--week",
            "2026-47",
            "--lang",
            "fr",
            "--min-viewers",
            "5",
            "--workers",
            "2",
            "--open",
        ]
    )
    assert (args.lang, args.min_viewers, args.workers, args.open) == ("fr", 5, 2, True)
    assert args.notebooks is None and args.notebook_timeout == 1800
    assert main(args) == 1  # malformed week: refused before anything runs
    assert "is not an ISO week" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["--lang", "de"])


# --------------------------------------------------------------------------------------------
# one folder per language, and the blocks refreshed from what is published


@pytest.mark.notebook
def test_a_language_leaves_the_others_and_the_week_has_a_chooser(built):
    out = built["out"]
    french = (out / "2026-W48" / "fr" / "index.html").read_text(encoding="utf-8")
    assert french.startswith("<p>français</p>")  # the French folder left in place
    assert '<a href="../en/index.html" hreflang="en" lang="en">English</a>' in french
    assert "<p>Aucune pour l'instant.</p>" in french  # its earlier weeks, in French: none
    chooser = page(out / "2026-W48" / "index.html")
    assert [v for tag, key, v in chooser.refs] == ["en/index.html", "fr/index.html"]
    assert "English" in chooser.text and "Français" in chooser.text
    assert "<script" not in (out / "2026-W48" / "index.html").read_text(encoding="utf-8")
    tiny = page(out / "2026-W48" / "en" / "tiny.html")  # each page links the same page
    assert ("a", "href", "../fr/tiny.html") in tiny.refs
    assert ("a", "href", "../fr/second.html") not in page(out / "2026-W48/en/second.html").refs
    french_tiny = (out / "2026-W48" / "fr" / "tiny.html").read_text(encoding="utf-8")
    assert '<a href="../en/tiny.html" hreflang="en" lang="en">English</a>' in french_tiny


@pytest.mark.notebook
def test_an_older_week_rebuilt_appears_on_the_newer_weeks_indexes(built):
    later = built["out"] / "2026-W49" / "en" / "index.html"
    html = page(later)
    assert "".join(html.text).startswith("later")  # only the block was rewritten
    assert [v for tag, key, v in html.refs] == [
        "../../2026-W48/en/index.html", "../../2026-W47/en/index.html"
    ]  # fmt: skip
    assert all((later.parent / v).exists() for tag, key, v in html.refs)
    earlier = (built["out"] / "2026-W47" / "en" / "index.html").read_text(encoding="utf-8")
    assert EARLIER_BLOCK in earlier  # an older week's list does not change


def test_blocks_are_replaced_whole_and_a_busy_folder_is_skipped(tmp_path):
    from analysis.report.publish import report_lock
    from analysis.report.published import refresh_indexes, replace_block

    assert replace_block("<p>old kit</p>", "earlier", "NEW") == "<p>old kit</p>"
    text = f"a{EARLIER_BLOCK}b{EARLIER_BLOCK}"
    assert replace_block(text, "earlier", "NEW") == f"aNEWb{EARLIER_BLOCK}"
    for week in ("2026-W47", "2026-W48", "2026-W49"):
        (tmp_path / week / "en").mkdir(parents=True)
        (tmp_path / week / "en" / "index.html").write_text(EARLIER_BLOCK)
    with report_lock(tmp_path / "2026-W49", "en", wait=0):  # a report of 2026-W49 is running
        done = refresh_indexes(tmp_path, "2026-W47", "en")
    assert done == [tmp_path / w / "en" / "index.html" for w in ("2026-W47", "2026-W48")]
    assert (tmp_path / "2026-W49" / "en" / "index.html").read_text() == EARLIER_BLOCK
    assert '"../../2026-W47/en/index.html"' in (tmp_path / "2026-W48/en/index.html").read_text()


@pytest.mark.notebook
def test_figures_have_alt_text_in_the_page_language(built):
    raw = (built["week_dir"] / "tiny.html").read_text(encoding="utf-8")
    alts = re.findall(r'<img [^>]*\balt="([^"]*)"', raw)
    assert alts == ["Figure: the heading and the text beside it say what it shows"]
    assert "No description has been provided" not in raw  # nbconvert's English default
