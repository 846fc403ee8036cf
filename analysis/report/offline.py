"""Pages open offline: find every resource an HTML page would fetch from the network.

A report page must be self-contained (CSS and figures inline, no CDN, no script), so it opens
offline, on a phone, and prints; :mod:`analysis.report.execute` refuses a page for which
:func:`external_resources` finds anything.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["external_resources"]

_EXTERNAL = ("http:", "https:", "//")
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]*)""", re.I)


def external_resources(html: str) -> list[str]:
    """Resources an HTML page would fetch from the network (empty list = opens offline).

    Looks at every ``src``/``srcset``/``poster``/``data`` attribute, ``<link href>``, and
    ``url(...)``/``@import`` in ``<style>`` blocks and ``style`` attributes; a value starting with
    ``http:``, ``https:`` or ``//`` is external. Plain ``<a href>`` links are navigation, not
    resources. (JavaScript that builds requests at run time cannot be seen this way.)

    Returns
    -------
    list of str
        One description per resource found, e.g. ``"<script src='https://cdn/x.js'>"``.
    """
    finder = _ExternalFinder()
    finder.feed(html)
    finder.close()
    return finder.found


class _ExternalFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is None:
                continue
            if key in ("src", "poster", "data") or (tag == "link" and key == "href"):
                if value.strip().lower().startswith(_EXTERNAL):
                    self.found.append(f"<{tag} {key}={value!r}>")
            elif key == "srcset":
                for part in value.split(","):
                    if part.strip().lower().startswith(_EXTERNAL):
                        self.found.append(f"<{tag} srcset={part.strip()!r}>")
            elif key == "style":
                self.found += [f"<{tag} style: {u}>" for u in _CSS_URL.findall(value)]
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += [f"<style>: {u}" for u in _CSS_URL.findall(data)]
