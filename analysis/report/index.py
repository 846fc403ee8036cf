"""The week index page, ``reports/<week>/<lang>/index.html``: headline, pages, provenance,
earlier weeks, the other languages.

Rendered from ``templates/index.html.j2`` with Jinja2 autoescape on (every value is escaped);
inline CSS, no script, no external resource. The headline rows come formatted from
:func:`analysis.present.headline.headline_kpis`: the index computes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from analysis.present import i18n
from analysis.present.answers import need_words, question_words
from analysis.present.headline import KPI_LEVEL
from analysis.report.published import (
    earlier_block,
    earlier_weeks,
    language_block,
    other_languages,
)

__all__ = ["INDEX_STRINGS", "INDEX_TEMPLATE", "earlier_weeks", "page_links", "render_index"]

#: the Jinja2 template (under ``templates/``) of the week index
INDEX_TEMPLATE = "index.html.j2"
#: strings of the "what changed this week" block, passed as ``cs.<name>`` (prefix removed)
CHANGE_STRINGS = ("change.title", "change.note", "change.rate", "change.previous", "change.diff",
                  "change.call", "change.inputs")  # fmt: skip
#: strings the index shows, passed to the template as ``s.<name>`` (prefix removed)
INDEX_STRINGS = (
    "index.earlier", "index.headline", "index.headline_note", "index.indicator", "index.live",
    "index.methods", "index.none_yet", "index.nonlive", "index.pages", "index.ratio",
    "index.status", "index.questions", "index.question", "index.page", "index.answered",
    "index.yes", "index.no", "index.missing", "index.questions_note", "report.commit", "report.files", "report.fingerprint", "report.generated",
    "report.lock", "report.manifest", "report.none", "report.parameters", "report.provenance",
    "report.provenance_note", "report.span", "report.title", "report.versions", "report.week",
)  # fmt: skip


def page_links(
    names: Sequence[str], results: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, str]]:
    """``[{"name", "title", "href"}]`` of the pages, in page order (title: the notebook's first
    heading, else its stem)."""
    return [
        {"name": n, "title": results[n].get("title") or n, "href": quote(f"{n}.html")}
        for n in names
    ]


def question_rows(
    questions: Sequence[Mapping[str, Any]], pages: list[dict[str, str]], *, lang: str
) -> list[dict[str, Any]]:
    """The rows of the index's question table as a reader reads them: the page by its title and
    link (:func:`page_links`; a page not run keeps its name), the question in words
    (:func:`analysis.present.answers.question_words`), what is missing and which export
    provides it in ``lang`` (:func:`analysis.present.answers.need_words`)."""
    links = {p["name"]: p for p in pages}
    rows = []
    for q in questions:
        link = links.get(str(q["page"]), {"title": str(q["page"]), "href": ""})
        reason, provided = need_words(q["question"], q["reason"], q["provided_by"], lang=lang)
        rows.append({**q, "title": link["title"], "href": link["href"],
                     "words": question_words(str(q["question"]), lang=lang),
                     "reason": reason, "provided_by": provided})  # fmt: skip
    return rows


def render_index(
    templates_dir: Path, *, run: Mapping[str, Any], pages: list[dict[str, str]],
    lock: str | None, out: Path, kpis: list[dict[str, str]], lang: str,
    questions: Sequence[Mapping[str, Any]] = (), changes: Sequence[Mapping[str, str]] = (),
    inputs: Sequence[str] = (),
) -> str:  # fmt: skip
    """The index page of a week.

    Parameters
    ----------
    templates_dir : Path
        Folder of :data:`INDEX_TEMPLATE`.
    run : mapping
        Provenance of the run (:func:`analysis.report.provenance.run_metadata`).
    pages : list of dict
        :func:`page_links`.
    lock : str or None
        sha256 of the lock file (None: no lock file).
    out : Path
        Reports folder, searched for the earlier weeks and the other languages
        (:mod:`analysis.report.published`, which refreshes both blocks after each publish).
    kpis : list of dict
        Headline rows (:func:`analysis.present.headline.headline_kpis`); none: no headline.
    lang : str
        Page language.
    questions : sequence of mapping
        Rows of ``questions.csv`` (:func:`analysis.report.run.question_table`): ``page``,
        ``question``, ``answered``, ``reason``, ``provided_by``; none: no questions section.
    changes : sequence of mapping
        "What changed this week" rows (:func:`analysis.present.week_change.week_change_rows`),
        shown first; none: no such block.
    inputs : sequence of str
        Whether the inputs reconcile, a sentence per source
        (:func:`analysis.present.week_change.input_lines`), shown below it; none: not shown.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    strings = {key.split(".", 1)[1]: i18n.t(key, lang=lang) for key in INDEX_STRINGS}
    week = run["week"]
    # both blocks escape their values (the template marks them safe), refreshed after publish
    earlier = earlier_block(earlier_weeks(out, week, lang), lang=lang)
    languages = language_block(other_languages(out, week, lang), lang=lang)
    cs = {key.split(".", 1)[1]: i18n.t(key, lang=lang) for key in CHANGE_STRINGS}
    questions = question_rows(questions, pages, lang=lang)
    kpis = [{**k, "status": i18n.status_text(k["status"], lang=lang)} for k in kpis]
    return env.get_template(INDEX_TEMPLATE).render(
        run=run, pages=pages, lock_sha256=lock, earlier=earlier, languages=languages,
        kpis=kpis, s=strings, lang=lang.split("_")[0], questions=list(questions),
        changes=list(changes), inputs=list(inputs), cs=cs, alpha=i18n.format_percent(1 - KPI_LEVEL, lang=lang, digits=0),
        level=i18n.format_percent(KPI_LEVEL, lang=lang, digits=0),
    )  # fmt: skip
