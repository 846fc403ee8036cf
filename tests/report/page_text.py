"""What a published page shows a reader, cell by cell, and the internals it must not show.

:func:`shown_items` parses a page's HTML (the standard library's :class:`html.parser.HTMLParser`)
and returns the text of every table cell and header, table and figure caption, label, image
alt text and printed output, outside the code inputs (``details.cartlift-code``, the Jupyter
input areas), scripts and the stylesheet. :func:`internals` flags the items that show an internal
instead of words (``docs/architecture.md``, presentation layer): a cell equal to
``True``/``False``, a model term (``C(``, ``[T.``), ``group_a``/``group_b``, a file path, a Python
warning, a log-odds column, an interval method's code (``cr2-bm-fieller``: its words are in the
language files), a number with trailing decimal zeros (``8,961.0000``), a ratio
written as a percent and a column header that is an underscore-joined identifier (``ci_low``:
the result column's name instead of its ``col.*`` label). :func:`page_internals` does both on
one page's HTML (the browser test and ``test_shapes`` call it on every page they open).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from analysis.vocabulary import INTERVAL_METHODS

__all__ = ["internals", "page_internals", "shown_items"]

#: elements whose text is an item of its own
ITEMS = ("td", "th", "caption", "figcaption", "label", "pre")
#: elements whose content is never shown as page text
HIDDEN = ("style", "script", "head", "title")
#: classes of the code inputs (collapsed code, Jupyter input areas)
CODE_CLASSES = ("cartlift-code", "jp-InputArea", "jp-Cell-inputWrapper")
VOID = ("img", "br", "hr", "meta", "link", "input", "source", "col", "wbr")

#: an interval method's code (:data:`analysis.vocabulary.INTERVAL_METHODS`) instead of its
#: words: an item that is one, or, in any item, a code no word is written like (``cr2-bm``,
#: ``score+exact``: a hyphen or a plus; ``score`` alone may be a word of a sentence)
_CODES = sorted(INTERVAL_METHODS, key=len, reverse=True)
METHOD_CODE = re.compile(
    r"^(" + "|".join(map(re.escape, _CODES)) + r")$"
    r"|(?<![\w-])("
    + "|".join(re.escape(c) for c in _CODES if re.search(r"[-+]", c))
    + r")(?![\w-])"
)
#: (reason, pattern) flagged in any item
PATTERNS = (
    ("a boolean", re.compile(r"^(True|False)$")),
    ("a model term", re.compile(r"C\(|\[T\.")),
    ("a group code", re.compile(r"\bgroup_[ab]\b")),
    (
        "a file path",
        re.compile(
            r"(^|[\s'\"(=])(/(tmp|home|root|Users|var|work|private)/|"
            r"[A-Za-z]:\\|~/)|/ipykernel_\d+"
        ),
    ),  # fmt: skip
    ("a Python warning", re.compile(r"\b[A-Z]\w*Warning\b|warnings\.warn")),
    ("a log-odds column", re.compile(r"\blog_o(r|dds)")),
    ("a method code", METHOD_CODE),
)
#: a header or caption naming a log-odds column in words (a sentence in a cell may say log-odds)
LOG_ODDS_HEADER = re.compile(r"\blog[ _-]?o(dds|r)\b", re.I)
#: a number with three or more decimals ending in zero, or an integer with zero decimals,
#: by the page language's decimal mark
TRAILING = {".": re.compile(r"\d\.(\d{2,}0|0{2,})(?!\d)"),
            ",": re.compile(r"\d,(\d{2,}0|0{2,})(?!\d)")}  # fmt: skip
#: a header that is a result column's own name (``ci_low``, ``n_clusters_a``), not its label
SNAKE_HEADER = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
#: headers of ratio columns (en, fr): a cell below must not be a percent
RATIO_HEADER = re.compile(r"ratio|rapport|×|\bfois\b", re.I)


class _Items(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, hides its content)
        self.items: list[tuple[str, str]] = []
        self.open: list[tuple[str, list[str]]] = []  # items being read
        self.headers: list[str] = []
        self.column = 0
        self.lang = "en"

    def _hidden(self) -> bool:
        return any(h for _, h in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html" and a.get("lang"):
            self.lang = str(a["lang"])
        if tag == "img" and not self._hidden() and a.get("alt"):
            self.items.append(("alt", str(a["alt"])))
        if tag in VOID:
            return
        classes = str(a.get("class") or "")
        hides = tag in HIDDEN or any(c in classes.split() for c in CODE_CLASSES)
        self.stack.append((tag, hides))
        if tag == "tr":
            self.column = 0
        if tag in ITEMS and not self._hidden():
            self.open.append((tag, []))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            top, _ = self.stack.pop()
            if top == tag:
                break
        if self.open and self.open[-1][0] == tag:
            _, parts = self.open.pop()
            text = " ".join("".join(parts).split())
            kind = tag
            if tag == "th":
                self.headers = self.headers if self.column else []
                self.headers.append(text)
            if tag in ("td", "th"):
                header = self.headers[self.column] if self.column < len(self.headers) else ""
                kind = f"{tag}[{header}]" if tag == "td" else tag
                self.column += 1
            self.items.append((kind, text))
        if tag == "table":
            self.headers = []

    def handle_data(self, data):
        if self.open and not self._hidden():
            for _, parts in self.open:
                parts.append(data)


def shown_items(page_html: str) -> tuple[str, list[tuple[str, str]]]:
    """The page's language (``<html lang>``) and its items, in page order, as ``(kind, text)``:
    ``th``, ``td[<column header>]``, ``caption``, ``figcaption``, ``label``, ``alt`` (an image's
    alt text) or ``pre`` (printed output); whitespace collapsed."""
    parser = _Items()
    parser.feed(page_html)
    parser.close()
    return parser.lang, parser.items


def internals(items: list[tuple[str, str]], *, lang: str = "en") -> list[str]:
    """``"<reason>: <kind> '<text>'"`` for each item showing an internal (:data:`PATTERNS`, a
    number with trailing zeros in the language's decimal mark, a percent under a ratio header,
    a header that is a column name: :data:`SNAKE_HEADER`)."""
    trailing = TRAILING["," if lang.startswith("fr") else "."]
    found = []
    for kind, text in items:
        reasons = [why for why, p in PATTERNS if p.search(text)]
        if kind in ("th", "caption") and LOG_ODDS_HEADER.search(text) and "log_o" not in text:
            reasons.append("a log-odds column")
        if kind == "th" and SNAKE_HEADER.match(text):
            reasons.append("a column name as a header")
        if kind.startswith(("td", "th", "caption")) and trailing.search(text):
            reasons.append("trailing zeros")
        if kind.startswith("td[") and RATIO_HEADER.search(kind) and "%" in text:
            reasons.append("a ratio as a percent")
        found += [f"{why}: {kind} {text[:160]!r}" for why in reasons]
    return found


def page_internals(page_html: str) -> list[str]:
    """:func:`internals` of one published page's HTML (empty when the page shows words only)."""
    lang, items = shown_items(page_html)
    return internals(items, lang=lang)
