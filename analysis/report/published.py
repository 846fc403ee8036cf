"""What is published, one folder per week and language: ``<out>/<week>/<lang>/``.

A report of week ``W`` in language ``L`` is published to ``<out>/<W>/<L>/`` (its pages, index,
manifest); ``<out>/<W>/index.html`` is a small language chooser (:func:`write_chooser`, no
script) so links to the week folder still land somewhere. Two blocks of each language index
depend on what else is published, and are refreshed from the folder listing after every
publish (:func:`refresh_indexes`), each file rewritten whole (:func:`analysis.files.write_atomic`)
under the lock of its own folder (:func:`analysis.report.publish.report_lock`):

- ``<!-- cartlift:earlier -->``: the published weeks of the same language before the index's
  week (an older week rebuilt appears on the newer weeks' indexes);
- ``<!-- cartlift:languages -->``: the same week's index in the other published languages
  (on each page too: the same page in the other languages).

Reference: the folder layout is described in ``docs/architecture.md`` ("The path of cartlift
report") and the README.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from analysis.errors import ReportError
from analysis.files import write_atomic
from analysis.present import i18n
from analysis.report.publish import report_lock
from analysis.weeks import WEEK_PATTERN

__all__ = [
    "BLOCKS",
    "announce",
    "chooser_html",
    "earlier_block",
    "earlier_weeks",
    "language_block",
    "language_folder",
    "other_languages",
    "published_languages",
    "published_weeks",
    "refresh_indexes",
    "replace_block",
    "write_chooser",
]

#: the refreshable blocks of a language index, by name (``<!-- cartlift:NAME -->`` ...
#: ``<!-- /cartlift:NAME -->``)
BLOCKS = ("earlier", "languages")


def language_folder(out: Path, week: str, lang: str) -> Path:
    """The published folder of ``week`` in ``lang``: ``<out>/<week>/<lang>/``."""
    return Path(out) / week / lang


def published_weeks(out: Path, lang: str) -> list[str]:
    """The weeks of ``out`` with a published index in ``lang`` (``<out>/<week>/<lang>/
    index.html``), oldest first."""
    if not Path(out).is_dir():
        return []
    return sorted(
        p.name
        for p in Path(out).iterdir()
        if p.is_dir()
        and WEEK_PATTERN.fullmatch(p.name)
        and (language_folder(out, p.name, lang) / "index.html").is_file()
    )


def published_languages(out: Path, week: str) -> list[str]:
    """The languages (of :func:`analysis.present.i18n.available_languages`) with a published
    index of ``week``, in that order."""
    return [
        lang
        for lang in i18n.available_languages()
        if (language_folder(out, week, lang) / "index.html").is_file()
    ]


def earlier_weeks(out: Path, week: str, lang: str) -> list[dict[str, str]]:
    """Links to the published weeks of ``lang`` before ``week`` (newest first):
    ``[{"week", "href"}]``, ``href`` relative to a language folder (``../../<w>/<lang>/``)."""
    found = [w for w in published_weeks(out, lang) if w < week]
    return [
        {"week": w, "href": f"../../{quote(w)}/{quote(lang)}/index.html"}
        for w in sorted(found, reverse=True)
    ]


def other_languages(
    out: Path, week: str, lang: str, *, page: str = "index.html"
) -> list[dict[str, str]]:
    """Links to ``week``'s ``page`` in the other published languages where it exists:
    ``[{"lang", "name", "href"}]``, ``name`` the language's own name (``_meta.name`` of its
    strings file), ``href`` relative to a language folder (``../<other>/<page>``)."""
    return [
        {
            "lang": other,
            "name": i18n.language_name(other),
            "href": f"../{quote(other)}/{quote(page)}",
        }
        for other in published_languages(out, week)
        if other != lang and (language_folder(out, week, other) / page).is_file()
    ]


def earlier_block(earlier: Sequence[dict[str, str]], *, lang: str) -> str:
    """The HTML of the "Earlier weeks" list (escaped), between its markers (:data:`BLOCKS`)."""
    if earlier:
        items = "".join(
            f'\n<li><a href="{html.escape(e["href"])}">{html.escape(e["week"])}</a></li>'
            for e in earlier
        )
        body = f'<ul class="weeks">{items}\n</ul>'
    else:
        body = f"<p>{html.escape(i18n.t('index.none_yet', lang=lang), quote=False)}</p>"
    return f"<!-- cartlift:earlier -->\n{body}\n<!-- /cartlift:earlier -->"


def language_block(others: Sequence[dict[str, str]], *, lang: str) -> str:
    """The HTML of the links to the other languages (escaped; ``hreflang`` and ``lang`` set),
    between its markers; empty inside when no other language is published."""
    links = " ".join(
        f'<a href="{html.escape(o["href"])}" hreflang="{html.escape(o["lang"])}" '
        f'lang="{html.escape(o["lang"])}">{html.escape(o["name"])}</a>'
        for o in others
    )
    label = html.escape(i18n.t("index.other_languages", lang=lang), quote=False)
    body = f'<p class="languages">{label} {links}</p>\n' if others else ""
    return f"<!-- cartlift:languages -->\n{body}<!-- /cartlift:languages -->"


def replace_block(text: str, name: str, block: str) -> str:
    """``text`` with its block ``name`` (markers included) replaced by ``block``; unchanged
    when it has no such block (an index written by an older kit)."""
    pattern = re.compile(
        rf"<!-- cartlift:{re.escape(name)} -->.*?<!-- /cartlift:{re.escape(name)} -->", re.S
    )
    return pattern.sub(lambda _: block, text, count=1)


def _refresh(out: Path, week: str, lang: str, *, pages: bool) -> None:
    """Rewrite the blocks of ``<out>/<week>/<lang>/index.html`` from the folder listing, and
    with ``pages`` the language links of its pages (each to the same page elsewhere)."""
    folder = language_folder(out, week, lang)
    for page in sorted(folder.glob("*.html") if pages else [folder / "index.html"]):
        if page.name.endswith(".FAILED.html"):
            continue
        text = page.read_text(encoding="utf-8")
        others = other_languages(out, week, lang, page=page.name)
        new = replace_block(text, "languages", language_block(others, lang=lang))
        if page.name == "index.html":
            earlier = earlier_weeks(out, week, lang)
            new = replace_block(new, "earlier", earlier_block(earlier, lang=lang))
        if new != text:
            write_atomic(page, new)


def refresh_indexes(out: Path, week: str, lang: str) -> list[Path]:
    """After ``<out>/<week>/<lang>/`` was published: refresh the blocks (:data:`BLOCKS`) of
    its own index (the caller holds its lock), of the indexes of ``lang`` for later weeks
    (their "Earlier weeks") and of ``week`` in the other languages (the language links of
    their index and pages).

    Each other index is rewritten under its folder's lock taken without waiting; a folder
    whose report is running is skipped: that run refreshes its own index after it publishes,
    when this folder is already published. Returns the indexes looked at.
    """
    out = Path(out)
    _refresh(out, week, lang, pages=True)
    done = [language_folder(out, week, lang) / "index.html"]
    targets = [(w, lang) for w in published_weeks(out, lang) if w > week]
    targets += [(week, other) for other in published_languages(out, week) if other != lang]
    for w, other in targets:
        try:
            with report_lock(out / w, other, wait=0):
                if (language_folder(out, w, other) / "index.html").is_file():
                    _refresh(out, w, other, pages=w == week)  # a later week: its index
                    done.append(language_folder(out, w, other) / "index.html")
        except ReportError:
            continue  # running now: it refreshes itself after publishing
    return done


def chooser_html(week: str, langs: Sequence[str]) -> str:
    """The language chooser of ``<out>/<week>/index.html``: one link per published language,
    each named in its own language; no script, no style sheet, nothing fetched."""
    items = "".join(
        f'\n<li><a href="{quote(lang)}/index.html" hreflang="{html.escape(lang)}" '
        f'lang="{html.escape(lang)}">{html.escape(i18n.language_name(lang))}</a></li>'
        for lang in langs
    )
    title = html.escape(f"cartlift · {week}")
    return (
        '<!DOCTYPE html>\n<html lang="mul">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n"
        f'<ul class="languages">{items}\n</ul>\n</body>\n</html>\n'
    )


def write_chooser(out: Path, week: str) -> Path:
    """Write ``<out>/<week>/index.html`` (:func:`chooser_html`) from the published languages,
    under the week folder's own lock (``<out>/.<week>.lock``, held only for this write, so two
    languages published at once both end up listed)."""
    path = Path(out) / week / "index.html"
    with report_lock(out, week, wait=10):
        write_atomic(path, chooser_html(week, published_languages(out, week)))
    return path


def announce(out: Path, week: str, lang: str) -> None:
    """What follows the publishing of ``<out>/<week>/<lang>/``, its lock still held: refresh
    the indexes (:func:`refresh_indexes`), then the week's chooser (:func:`write_chooser`; the
    other folders' locks are taken without waiting, so holding this one deadlocks nothing)."""
    refresh_indexes(out, week, lang)
    write_chooser(out, week)
