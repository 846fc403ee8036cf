"""Export an executed notebook to a self-contained HTML page (nbconvert, ``templates/report``).

The page has its markdown in the report language (cells tagged ``i18n:<key>`` replaced by their
translation, :mod:`analysis.present.i18n`), code folded under a "show code" ``<details>``
element (shown on failure pages), a table of contents of its headings and the provenance header
rendered from ``nb.metadata["cartlift"]``. No script: the template escapes every data-derived
value (``escape_html``).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

from analysis.present import i18n
from analysis.present.privacy import mask_text
from analysis.report.publish import write_text

__all__ = [
    "PAGE_TEMPLATE",
    "export_html",
    "hide_paths",
    "masked_outputs",
    "notebook_title",
    "translate_markdown",
    "with_toc",
    "write_failed_page",
]

#: the nbconvert template (a folder under ``templates/``) of the notebook pages
PAGE_TEMPLATE = "report"
#: the marker of the template that :func:`with_toc` replaces
TOC_MARK = "<!-- cartlift:toc -->"
#: ``report.*`` strings the page template shows (``resources["cartlift"]["labels"]``)
LABELS = (
    "title", "week", "back", "failed", "show_code", "contents", "parameters", "week_label",
    "fingerprint", "commit", "versions", "generated", "lock", "manifest", "none", "provenance",
    "provenance_note", "files", "figure",
)  # fmt: skip


def translate_markdown(nb: nbformat.NotebookNode, *, lang: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose markdown cells tagged ``i18n:<key>`` hold their ``lang``
    translation (:func:`analysis.present.i18n.markdown`); unchanged for the source language.

    Raises
    ------
    analysis.errors.LanguageError
        A tagged cell has no translation in ``lang`` (a half-translated page is not published).
    """
    i18n.check_lang(lang)
    out = copy.deepcopy(nb)
    if lang == i18n.SOURCE_LANGUAGE:
        return out
    for cell in out.cells:
        key = i18n.markdown_key(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type == "markdown" and key is not None:
            cell.source = i18n.markdown(key, lang=lang)
    return out


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """Text of the first markdown heading (``#`` or ``##``) of ``nb``, plain and unescaped;
    ``fallback`` when there is none."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#{1,2}\s+(.+?)\s*#*\s*$", cell.source, flags=re.M)
            if m:
                return re.sub(r"[*_`]", "", m.group(1))
    return fallback


def hide_paths(html: str, hidden: Mapping[str, str] | None) -> str:
    """``html`` with each local path of ``hidden`` replaced by what it shows instead
    (:func:`analysis.report.provenance.local_paths`), longest path first.

    Every form a path takes in a page is replaced: as is, HTML-escaped (header, outputs), and
    as a Python or JSON string literal (the injected-parameters cell of a failure page, where
    a Windows path has its backslashes doubled).
    """
    hidden = hidden or {}
    for path in sorted(hidden, key=len, reverse=True):
        shown = escape(hidden[path])
        forms = {path, escape(path), escape(path, quote=False), repr(path)[1:-1],
                 json.dumps(path)[1:-1]}  # fmt: skip
        for form in sorted(forms, key=len, reverse=True):
            html = html.replace(form, shown)
    return html


def export_html(
    nb: nbformat.NotebookNode,
    name: str,
    templates_dir: Path,
    *,
    show_code: bool,
    lang: str,
    hide: Mapping[str, str] | None = None,
) -> str:
    """HTML of an executed notebook through ``templates/report``.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook, with ``metadata["cartlift"]`` (the provenance header). Not
        modified.
    name : str
        Notebook stem (the page title when the notebook has no heading).
    templates_dir : Path
        Folder holding the ``report`` template.
    show_code : bool
        False: code folded under "show code", the parameters cells removed. True (failure
        pages): every cell shown.
    lang : str
        Page language: translated markdown, labels, ``<html lang>``.
    hide : mapping, optional
        Local paths the page must not show (:func:`hide_paths`).

    Returns
    -------
    str
        The page, its table of contents in place (:func:`with_toc`).
    """
    labels = {k: i18n.t(f"report.{k}", lang=lang) for k in LABELS}
    nb = translate_markdown(nb, lang=lang)
    nb.metadata["title"] = notebook_title(nb, name)
    exporter = _exporter(str(templates_dir), lang.split("_")[0], show_code)
    resources = {
        "metadata": {"name": name},
        "cartlift": {"labels": labels, "show_code": show_code, "lang": lang},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return hide_paths(with_toc(body, labels["contents"]), hide)


@functools.lru_cache(maxsize=8)
def _exporter(templates_dir: str, language: str, show_code: bool) -> HTMLExporter:
    """The page exporter of a template folder, language and code display, made once per process:
    a new exporter compiles its Jinja templates again (measured: a tenth of a job process's CPU
    on a small page). ``from_notebook_node`` keeps no state of a notebook between calls."""
    c = Config()
    c.TemplateExporter.extra_template_basedirs = [templates_dir]
    c.HTMLExporter.language_code = language
    c.TemplateExporter.exclude_input_prompt = True
    c.TemplateExporter.exclude_output_prompt = True
    if show_code:
        # failure page: keep the parameters and injected-parameters cells visible too
        c.TagRemovePreprocessor.remove_cell_tags = ["remove-cell"]
    return HTMLExporter(config=c, template_name=PAGE_TEMPLATE)


def write_failed_page(
    nb: nbformat.NotebookNode, name: str, final: Path, templates_dir: Path, *, lang: str,
    hide: Mapping[str, str] | None = None,
) -> Path:  # fmt: skip
    """Write ``<final>/<name>.FAILED.html``: the notebook with its code shown and the error in
    its header (``nb.metadata["cartlift"]``, status ``failed``). In English when the page
    cannot be exported in ``lang`` (e.g. a missing translation); the local paths of ``hide``
    replaced (:func:`hide_paths`); e-mails, phone numbers and user ids in the outputs and the
    error masked (:func:`masked_outputs`). Returns the page's path."""
    page = final / f"{name}.FAILED.html"
    final.mkdir(parents=True, exist_ok=True)
    nb = masked_outputs(nb)
    try:
        html = export_html(nb, name, templates_dir, show_code=True, lang=lang, hide=hide)
    except Exception:  # noqa: BLE001 - the failure must be shown even if translating fails
        html = export_html(nb, name, templates_dir, show_code=True, lang=i18n.SOURCE_LANGUAGE,
                           hide=hide)  # fmt: skip
    write_text(page, html)
    return page


def masked_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose outputs (printed text, results, the error's value and traceback)
    and failure header have every e-mail, phone number and user id replaced by its token
    (:func:`analysis.present.privacy.mask_text`).

    A failure page shows what the kernel printed, unformatted: an error message quoting a cell
    of the data (``unknown creator 'jane@example.com'``) would otherwise reach the shared week
    folder, which the tables and sentences never let through (``docs/data-formats.md``,
    "Personal data in shared pages"). On the safe side: a 15–20 digit LIVE id in a traceback is masked too.
    """
    out = copy.deepcopy(nb)
    for cell in out.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            _mask_fields(output, ("text", "evalue"))
            if "traceback" in output:
                output["traceback"] = [mask_text(line)[0] for line in output["traceback"]]
            _mask_fields(output.get("data", {}), ("text/plain", "text/html", "text/markdown"))
    _mask_fields(out.metadata.get("cartlift", {}), ("error", "status_message"))
    return out


def _mask_fields(node: Any, keys: tuple[str, ...]) -> None:
    """Mask the text at each of ``keys`` of ``node`` in place (a list of lines joined first)."""
    for key in keys:
        value = node.get(key)
        if isinstance(value, list):
            value = "".join(value)
        if isinstance(value, str):
            node[key] = mask_text(value)[0]


def with_toc(html: str, title: str) -> str:
    """Replace the template's TOC marker by a list of links to the page's h1-h3 headings.

    Parameters
    ----------
    html : str
        A page exported by nbconvert (markdown headings have an ``id``).
    title : str
        Heading of the table of contents (plain text; escaped here).

    Returns
    -------
    str
        ``html`` with :data:`TOC_MARK` replaced by ``<nav class="cartlift-toc">`` (removed when
        the page has no heading with an id).
    """
    finder = _Headings()
    finder.feed(html)
    finder.close()
    items = "".join(
        f'<li class="toc-h{level}"><a href="#{escape(quote(ident, safe=""), quote=True)}">'
        f"{escape(text)}</a></li>"
        for level, ident, text in finder.found
        if text
    )
    nav = (
        f'<nav class="cartlift-toc" aria-label="{escape(title, quote=True)}">'
        f"<h2>{escape(title)}</h2><ol>{items}</ol></nav>"
        if items
        else ""
    )
    return html.replace(TOC_MARK, nav, 1)


class _Headings(HTMLParser):
    """``(level, id, text)`` of every h1-h3 with an id (nbconvert gives markdown headings one)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []
        self._open: list[Any] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("h1", "h2", "h3") and a.get("id"):
            self._open = [int(tag[1]), a["id"], []]
        elif self._open is not None and tag == "a" and "anchor-link" in (a.get("class") or ""):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == "a" and self._skip:
            self._skip -= 1
        elif self._open is not None and tag == f"h{self._open[0]}":
            level, ident, text = self._open
            self.found.append((level, ident, " ".join("".join(text).split())))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None and not self._skip:
            self._open[2].append(data)
