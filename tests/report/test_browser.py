"""Generated reports in a real browser: headless Chromium (Debian's ``chromium``, driven by
Playwright with ``executable_path``; never ``playwright install``), network blocked.

Three reports are built once for the module, one after the other in one kept worker (its
kernel's imports paid once: the other test process keeps the second core busy), each copied
alone into an empty folder before it is opened (a shared report is a folder or a page mailed on
its own):

- ``sample-fr`` and ``sample-en``: the embedded sample in French and in English, the real
  notebooks 01 to 05 and weekly_report (00 has no figure; its tables are checked by
  ``tests/test_report_notebooks.py``);
- ``xss-en``: the XSS dataset ``tests/fixtures/xss/cells.csv`` (payloads in content_title,
  creator, product_id and category), notebook 01 and the test-only page ``xss_probe``.

Every page must: log no console error, attempt no network request at all (any URL other than
the page itself or a ``data:`` URI counts, ``file:`` ones included), resolve every table of
contents link, show every image with a non-zero size, fold the code under a working "show code"
toggle, and never execute a payload (no dialog, no ``window.__xss``, no element with an ``xss``
id, no event-handler attribute, no ``javascript:`` link, no ``<script>`` at all).

Every page of the sample, in both languages, reads on a phone (390x844), a laptop (1280x800)
and A4 paper (print media at the A4 portrait content width): the document is never wider than
the viewport, each table stays in its container or its own scroll box (on paper: within the
content width, its header repeated on every page), every figure has alt text and is not clipped,
every text's colour on its background as rendered meets WCAG AA (4.5:1), and ``<html lang>`` is
the report's language. One page is printed to PDF (``--pdf``).
"""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from filelock import FileLock

from analysis.paths import NOTEBOOKS_DIR, PROJECT_ROOT
from analysis.report.pdf import print_pages
from analysis.report.run import run_report
from tests.report.page_text import page_internals
from tests.report.test_colours import AA, contrast

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
]  # fmt: skip
XSS_DIR = PROJECT_ROOT / "tests" / "fixtures" / "xss"
#: report runs and a browser: their kernels are not traced, their loading and publishing are
#: covered by test_report (conftest)
pytestmark = pytest.mark.no_cover

SAMPLE = [
    "index.html",
    "01_live_vs_nonlive.html",
    "02_hour_of_day.html",
    "03_audience.html",
    "04_regression.html",
    "05_dynamics.html",
    "weekly_report.html",
]
PAGES = {
    "sample-fr": SAMPLE,
    "sample-en": SAMPLE,
    "xss-en": ["index.html", "01_live_vs_nonlive.html", "xss_probe.html"],
}
NOTEBOOK_PAGES = [(r, p) for r, pages in PAGES.items() for p in pages if p != "index.html"]
ALL_PAGES = [(r, p) for r, pages in PAGES.items() for p in pages]

INJECTED = """() => ({
  xss: typeof window.__xss !== 'undefined',
  ids: [...document.querySelectorAll('[id^="xss"]')].map(e => e.outerHTML.slice(0, 80)),
  handlers: [...document.querySelectorAll('*')].filter(
      e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on'))).length,
  scripts: document.querySelectorAll('script').length,
  frames: document.querySelectorAll('iframe, object, embed').length,
  jslinks: [...document.querySelectorAll('[href], [src]')].filter(
      e => /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src') || '')
  ).length,
})"""


def _build_reports(root: Path) -> dict[str, Path]:
    """Build the reports one after the other under ``root``, then copy each week folder alone."""
    nbdir = root / "notebooks"
    nbdir.mkdir(parents=True)
    sample = [p.removesuffix(".html") for p in PAGES["sample-fr"] if p != "index.html"]
    for src in (*(NOTEBOOKS_DIR / f"{s}.ipynb" for s in sample), XSS_DIR / "xss_probe.ipynb"):
        shutil.copy(src, nbdir / src.name)
    jobs = {
        "sample-fr": {"data": "data/sample", "lang": "fr", "notebooks": sample, "workers": 1},
        "sample-en": {"data": "data/sample", "lang": "en", "notebooks": sample, "workers": 1},
        "xss-en": {"data": str(XSS_DIR), "lang": "en", "workers": 1,  # small: one kernel
                   "notebooks": ["01_live_vs_nonlive", "xss_probe"]},
    }  # fmt: skip

    def build(name: str) -> Path:
        index = run_report(week="latest", out=root / "built" / name, notebooks_dir=nbdir,
                           progress=False, timeout=300, keep_workers=True,
                           **{"workers": 2, **jobs[name]})  # fmt: skip
        alone = root / "shared" / name  # the week folder, copied alone
        shutil.copytree(index.parent, alone)
        return alone

    return {name: build(name) for name in jobs}


@pytest.fixture(scope="module")
def reports(tmp_path_factory, worker_id):
    """Both reports, built once per session: under ``pytest -n`` in the session's folder shared
    by the workers, the first worker building them under a file lock (pytest-xdist's documented
    pattern), so a module run on two workers does not build them twice."""
    if worker_id == "master":  # no xdist
        return _build_reports(tmp_path_factory.mktemp("browser"))
    root = tmp_path_factory.getbasetemp().parent / "browser"  # this session's, all workers
    with FileLock(f"{root}.lock"):
        done = root / "built.json"
        if not done.exists():
            built = _build_reports(root)
            done.write_text(json.dumps({k: str(v) for k, v in built.items()}), encoding="utf-8")
        return {k: Path(v) for k, v in json.loads(done.read_text(encoding="utf-8")).items()}


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.exists(), (
        "the browser tests need Debian's chromium: sudo apt-get install -y chromium "
        "(.ci/run installs it when /usr/bin/chromium is missing)"
    )
    # here, not at the top: collecting the other report tests does not need playwright
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield b
        b.close()


class Visit:
    """One page opened offline, with everything it logged and requested."""

    def __init__(self, browser, path: Path, *, width: int = 1100):
        self.url = path.resolve().as_uri()
        self.context = browser.new_context(
            offline=True, java_script_enabled=True, viewport={"width": width, "height": 900}
        )
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", self._request)
        self.page.on("dialog", self._dialog)
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_timeout(150)  # let late handlers (onload, onerror) fire

    def _route(self, route):
        if route.request.url == self.url or route.request.url.startswith("data:"):
            route.continue_()
        else:
            route.abort()

    def _request(self, request):
        url = request.url
        if url != self.url and not url.startswith("data:"):
            self.requests.append(url)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def visits(reports, browser):
    opened = {(r, p): Visit(browser, reports[r] / p) for r, p in ALL_PAGES}
    yield opened
    for v in opened.values():
        v.close()


@pytest.mark.notebook
@pytest.mark.parametrize(("report", "name"), ALL_PAGES)
def test_page_opens_offline_without_errors_or_requests(visits, report, name):
    v = visits[(report, name)]
    assert v.errors == []
    assert v.requests == []
    assert v.page.title()  # it did load


@pytest.mark.notebook
@pytest.mark.parametrize(("report", "name"), ALL_PAGES)
def test_no_payload_executes(visits, report, name):
    v = visits[(report, name)]
    assert v.dialogs == []
    found = v.page.evaluate(INJECTED)
    assert found == {"xss": False, "ids": [], "handlers": 0, "scripts": 0, "frames": 0,
                     "jslinks": 0}  # fmt: skip


@pytest.mark.notebook
@pytest.mark.parametrize(("report", "name"), NOTEBOOK_PAGES)
def test_payloads_render_as_text(visits, report, name):
    text = visits[(report, name)].page.inner_text("body")
    if report == "xss-en":
        assert '<script>window.__xss=1;alert("xss-script")</script>' in text
        assert "<img src=x onerror=" in text
    if name == "xss_probe.html":
        assert "{{ 7*7 }} {% if 1 %}jinja{% endif %}" in text  # no template ran on data
        assert 'javascript:alert("xss-js")' in text
        assert '<b id="xss-injected">bold</b>' in text


@pytest.mark.notebook
@pytest.mark.parametrize(("report", "name"), NOTEBOOK_PAGES)
def test_table_of_contents_links_resolve(visits, report, name):
    page = visits[(report, name)].page
    hrefs = page.eval_on_selector_all("nav.cartlift-toc a", "as => as.map(a => a.hash)")
    assert len(hrefs) >= 2
    for href in hrefs:
        target = page.evaluate(
            "h => { const e = document.getElementById(decodeURIComponent(h.slice(1)));"
            " return e && e.tagName }",
            href,
        )
        assert target in ("H1", "H2", "H3"), href


@pytest.mark.notebook
@pytest.mark.parametrize(("report", "name"), NOTEBOOK_PAGES)
def test_every_figure_is_visible(visits, report, name):
    page = visits[(report, name)].page
    sizes = page.eval_on_selector_all(
        "img",
        "is => is.map(i => [i.naturalWidth, i.getBoundingClientRect().width,"
        " i.getBoundingClientRect().height, i.src.slice(0, 15)])",
    )
    assert sizes  # notebook pages have figures
    for natural, width, height, src in sizes:
        assert natural > 0 and width > 0 and height > 0
        assert src.startswith("data:image/")


@pytest.mark.notebook
@pytest.mark.parametrize(("report", "name"), NOTEBOOK_PAGES)
def test_show_code_toggle(visits, report, name):
    page = visits[(report, name)].page
    toggles = page.locator("details.cartlift-code")
    assert toggles.count() >= 3
    first = toggles.first
    code = first.locator(".jp-InputArea-editor")
    assert not code.is_visible()
    first.locator("summary").click()
    assert code.is_visible()
    assert "select_week" in code.inner_text() or "import" in code.inner_text()
    first.locator("summary").click()
    assert not code.is_visible()


@pytest.mark.notebook
def test_identifiers_and_small_cells_never_shown(visits, reports):
    probe = visits[("xss-en", "xss_probe.html")].page
    text = probe.inner_text("body")
    raw = (reports["xss-en"] / "xss_probe.html").read_text(encoding="utf-8")
    for secret in ("u-HIDDEN", "Jeanne HIDDEN", "jeanne@example.com", "+33 6 12 34 56 78"):
        assert secret not in text and secret not in raw
    assert "Not shown: 4 column(s) identifying people (user_id, Buyer Name, e-mail, " in text
    assert "write to [email hidden]" in text
    page01 = visits[("xss-en", "01_live_vs_nonlive.html")].page.inner_text("body")
    assert "< 10" in page01  # category {{ 7*7 }}: 7 live viewers in the week
    assert "Counts below 10 are shown as" in page01


@pytest.mark.notebook
def test_french_report_is_french(visits):
    index = visits[("sample-fr", "index.html")].page
    assert index.evaluate("document.documentElement.lang") == "fr"
    text = index.inner_text("body")
    assert (
        "L'essentiel de la semaine" in text and "du 16 novembre 2026 au 22 novembre 2026" in text
    )
    assert "taux d'ajout au panier" in text
    page = visits[("sample-fr", "01_live_vs_nonlive.html")].page
    body = page.inner_text("body")
    assert "Live ou hors live : taux d'ajout au panier" in body
    assert "Voir le code" in body and "Sommaire" in body
    assert "lundi 16 novembre 2026" in body  # dates and
    assert "8,54\u00a0%" in body  # percents in the French locale (CLDR: U+00A0 before %)


@pytest.mark.notebook
@pytest.mark.parametrize("name", [p for p in PAGES["sample-fr"] if p != "index.html"])
def test_french_pages_have_no_english_prose(visits, name):
    body = visits[("sample-fr", name)].page.inner_text("body")
    for english in ("How to read", "What not to conclude", "Shares are not counts"):
        assert english not in body, english
    assert "Comment lire" in body and "Sommaire" in body


#: English phrases no French page may show outside table cells and code (issue 15, item 3)
ENGLISH = (
    "No description has been provided", "estimate and interval", "planted truth",
    "computed as documented", "few LIVEs", "small cell:", "undefined:", "an unmeasured factor",
    "the odds of adding", "file(s)", "Show code", "Contents", "How to read",
    "What not to conclude", "group_a", "week index", "Earlier weeks", "Also in", "Mixed model",
    "intervention date", "observed / expected", "the interval is",
)  # fmt: skip
PROSE = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('td, code, details.cartlift-code').forEach(e => e.remove());
  return body.innerText;
}"""


@pytest.mark.notebook
@pytest.mark.parametrize("name", PAGES["sample-fr"])
def test_french_walk_finds_no_english_outside_data_and_code(visits, name):
    page = visits[("sample-fr", name)].page
    assert page.evaluate("document.documentElement.lang") == "fr"
    prose = page.evaluate(PROSE)
    assert [e for e in ENGLISH if e in prose] == []
    alts = page.eval_on_selector_all("img", "is => is.map(i => i.getAttribute('alt') || '')")
    assert all(a.strip() for a in alts), "every figure has an alternative text"


@pytest.mark.notebook
def test_french_pages_02_to_04_translate_tables_and_figures(visits):
    pages = {n: visits[("sample-fr", n)].page.inner_text("body") for n in PAGES["sample-fr"]}
    assert "heure de pic" in pages["02_hour_of_day.html"]
    assert "du lundi 16 novembre 2026 au dimanche 22 novembre 2026" in pages["02_hour_of_day.html"]
    assert "tranche d'âge" in pages["03_audience.html"]  # column labels
    assert "ratio lissé" in pages["03_audience.html"]
    body = pages["04_regression.html"]
    assert "brut, par grappes (LIVE)" in body and "effet de plan 21,0" in body
    # hours without LIVE viewers in the covariate balance table: no data on that side, shown
    # missing (never "< 10" nor 0; analysis.present.display.withhold_small_cells)
    assert "\t–\t" in body
    # ... so no count is small: the caption's small-count note is not printed
    assert "Les effectifs inférieurs à 10 sont affichés" not in body


@pytest.mark.notebook
def test_index_links_and_screenshot(visits, reports, tmp_path):
    index = visits[("sample-fr", "index.html")].page
    hrefs = index.eval_on_selector_all(".notebooks a", "as => as.map(a => a.getAttribute('href'))")
    assert hrefs == [p for p in PAGES["sample-fr"] if p != "index.html"]
    assert (reports["sample-fr"] / hrefs[0]).exists()
    kpis = index.inner_text("table.kpi:not(.changes):not(.questions)")  # the headline
    assert "×" in kpis and " à " in kpis  # ratio with its interval "a à b"
    shot = tmp_path / "index.png"
    index.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


#: the sizes a report is read at (issue 15, item 2): a phone and a laptop (CSS pixels)
SCREENS = {"phone": (390, 844), "laptop": (1280, 800)}
#: A4 portrait less the templates' @page margins (210 mm - 2 x 12 mm), in CSS pixels (96/in)
A4_CONTENT = round((210 - 2 * 12) / 25.4 * 96)
SAMPLES = [(r, p) for r in ("sample-en", "sample-fr") for p in SAMPLE]
#: everything the layout checks read, in one evaluation: the document's width, each table's
#: box, its container's and its scroll box's (the nearest ancestor scrolling sideways), its
#: header's display, each image's box, alt text and any ancestor box that would clip it, and
#: each pair of text colour (blended over its background when translucent) and background
LAYOUT = r"""(withColours) => {
  const de = document.documentElement, vw = de.clientWidth;
  const up = (e, f) => { for (let a = e.parentElement; a && a !== de; a = a.parentElement)
    if (f(getComputedStyle(a))) return a.getBoundingClientRect(); return null; };
  const tables = [...document.querySelectorAll('table')].map(t => {
    const r = t.getBoundingClientRect(), box = up(t, s => /auto|scroll/.test(s.overflowX));
    return {table: (t.innerText || '').trim().slice(0, 60), right: r.right, width: r.width,
      container: t.parentElement.getBoundingClientRect().right, box: box && box.right,
      head: t.tHead ? getComputedStyle(t.tHead).display : 'none'};
  });
  const images = [...document.images].map(i => {
    const r = i.getBoundingClientRect(), clip = up(i, s => s.overflowX !== 'visible');
    return {alt: (i.getAttribute('alt') || '').trim(), right: r.right, width: r.width,
      clipped: !!clip && (r.right > clip.right + 1 || r.left < clip.left - 1)};
  });
  const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
  const fill = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
  const colours = {};
  for (const e of withColours ? document.body.querySelectorAll('*') : []) {
    const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!text || !e.getClientRects().length || getComputedStyle(e).visibility !== 'visible') continue;
    const c = rgb(getComputedStyle(e).color), back = fill(e), a = c.length > 3 ? c[3] : 1;
    const seen = c.slice(0, 3).map((v, i) => Math.round(a * v + (1 - a) * back[i]));
    colours[seen + '/' + back] = e.tagName + '.' + e.className;
  }
  return {lang: de.lang, scroll: de.scrollWidth, viewport: vw, tables, images, colours};
}"""


def _layout(page, width: int, height: int, media: str) -> dict:
    """The page's :data:`LAYOUT` at this size and media; colours read on screen at a laptop's
    width and in print (a phone's media rules change the layout, not the colours)."""
    page.emulate_media(media=media)
    page.set_viewport_size({"width": width, "height": height})
    return page.evaluate(LAYOUT, width >= SCREENS["laptop"][0] or media == "print")


def _misfits(found: dict, printed: bool) -> list[str]:
    """What does not fit in one layout: the page wider than the viewport; a table outside its
    container and not in a scroll box that fits (in print: any table wider than the content, a
    header that does not repeat); an image without alt text, wider than the page or clipped."""
    vw, bad = found["viewport"] + 1, []
    if found["scroll"] > vw:
        bad.append(f"document {found['scroll']} px wide in a {found['viewport']} px viewport")
    for t in found["tables"]:
        inside = t["right"] <= min(t["container"] + 1, vw)
        boxed = t["box"] is not None and t["box"] <= vw
        if (t["right"] > vw or t["width"] > vw) if printed else not (inside or boxed):
            bad.append(
                f"table {t['width']:.0f} px wide, right edge {t['right']:.0f}: {t['table']!r}"
            )
        if printed and t["head"] != "table-header-group":
            bad.append(f"table header does not repeat ({t['head']}): {t['table']!r}")
    for i in found["images"]:
        if not i["alt"] or i["right"] > vw or i["clipped"]:
            bad.append(f"figure {i}")
    for pair, where in found["colours"].items():  # WCAG 2.1 AA: 4.5:1 (tests/report/test_colours)
        text, back = (
            "#" + "".join(f"{int(v):02x}" for v in c.split(",")) for c in pair.split("/")
        )
        if contrast(text, back) < AA:
            bad.append(f"text {text} on {back} ({where}): {contrast(text, back):.2f}:1")
    return bad


@pytest.mark.notebook
@pytest.mark.parametrize(("report", "name"), SAMPLES)
def test_sample_reads_on_a_phone_a_laptop_and_a4(visits, report, name):
    page = visits[(report, name)].page
    found = {size: _layout(page, w, h, "screen") for size, (w, h) in SCREENS.items()}
    found["a4"] = _layout(page, A4_CONTENT, 1000, "print")
    page.emulate_media(media="screen")  # as the other tests opened it
    page.set_viewport_size({"width": 1100, "height": 900})
    assert {f["lang"] for f in found.values()} == {report.removeprefix("sample-")}
    assert {size: _misfits(f, size == "a4") for size, f in found.items()} == {
        "phone": [], "laptop": [], "a4": []}  # fmt: skip


@pytest.mark.notebook
@pytest.mark.parametrize(("report", "name"), SAMPLES)
def test_sample_shows_words_not_internals(reports, report, name):
    """Issue 15: no True/False, model term, group code, path or warning as a cell of its own
    (tests/report/page_text.py; the shape matrix runs the same check on every shape)."""
    assert page_internals((reports[report] / name).read_text(encoding="utf-8")) == []


def _summary(page: str) -> list[str]:
    """The weekly page's summary items, as text."""
    return [unescape(re.sub("<[^>]+>", "", m)) for m in re.findall(r"<li>(.*?)</li>", page, re.S)]


@pytest.mark.notebook
def test_weekly_page_summarises_the_last_week(reports):
    """The English weekly page of the sample's last week, by papermill (every week's summary,
    the intervention week's in both languages, is checked without a kernel by
    tests/analyses/test_weekly.py)."""
    page = (reports["sample-en"] / "weekly_report.html").read_text(encoding="utf-8")
    items = _summary(page)
    assert any(i.startswith("This week (2026-W47) the LIVE ATC rate was") for i in items)
    start = "@ines.glow's change from Monday, October 26, 2026"
    mention = [i for i in items if i.startswith(start)]
    assert len(mention) == 1 and "(this week)" not in mention[0]


@pytest.mark.notebook
def test_weekly_page_in_french_mentions_the_intervention(reports):
    """The French weekly page of the same week: French summary naming the planted change once,
    French headings, no English heading, no script."""
    page = (reports["sample-fr"] / "weekly_report.html").read_text(encoding="utf-8")
    items = _summary(page)
    assert any(i.startswith("Cette semaine (2026-W47), le taux d'ajout") for i in items)
    start = "Changement de @ines.glow à partir du lundi 26 octobre 2026"
    assert len([i for i in items if i.startswith(start)]) == 1
    assert "Taux : cette semaine et les semaines précédentes" in unescape(page)
    assert "Rates: this week" not in page and "<script" not in page.lower()


@pytest.mark.notebook
def test_report_pdf_prints_a_page_with_chromium(reports, tmp_path):
    """``cartlift report --pdf``'s printing (:func:`analysis.report.pdf.print_pages`) on one
    real page, the English index copied alone: a PDF of at least one A4 page beside it."""
    index = tmp_path / "index.html"
    shutil.copy(reports["sample-en"] / "index.html", index)
    assert print_pages(index, chromium=CHROMIUM, pages=[index]) == [tmp_path / "index.pdf"]
    data = (tmp_path / "index.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 1
    assert re.search(rb"/MediaBox\s*\[0 0 59[45](?:\.\d+)? 841(?:\.\d+)?\]", data)  # A4, pt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "index.pdf"]
