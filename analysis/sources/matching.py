"""How well a loader recognises a file: the :class:`Match` every loader's ``match(path)`` returns.

Detection (:func:`analysis.sources.detect_source`) asks every loader of
:data:`analysis.sources.LOADERS` for its match and keeps the most specific one. A match is the
loader's own gate (its marker columns: what ``detect`` has always required) plus a *score*: the
share of the file's columns (header cells, schema fields, JSON envelopes) that the loader knows.

.. math::

    \\mathrm{score} = \\frac{|\\text{columns the loader recognises}|}{|\\text{columns of the file}|}

A canonical cells CSV with ``date``/``weekday`` columns scores 1.0 as ``canonical`` and 0.06 as
``shop_overview`` (which knows only ``date`` and ``orders`` of its 32 columns), so canonical wins;
a file where the best score is below :data:`WEAK` or where two loaders tie is refused
(``docs/data-formats.md``, "Detection").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import LimitError, UnreadableError
from analysis.sources.tables import locate_with_hidden

__all__ = ["DERIVED_HEADER", "WEAK", "Match", "header_match", "share"]

#: a best score below this is a weak match: the file is refused, not read with a guessed format
WEAK = 1 / 3
#: a header the loaders never read on purpose: rates, ratios and averages (rebuilt from counts);
#: recognised as part of the export when scoring a spreadsheet loader's match
DERIVED_HEADER = re.compile(
    r"rate\b|ratio|\bctr\b|\bctor\b|\baov\b|%|\btaxa\b|\btasa\b|\btaux\b|率|"
    r"\baverage\b|\bavg\b|\bm[ée]dia\b|\bpromedio\b|\bmoyen",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Match:
    """One loader's match of one file.

    Attributes
    ----------
    source : str
        The loader (``NAME``).
    known : int
        Columns of the file the loader recognises (header cells, schema fields, envelopes).
    total : int
        Columns of the file (non-empty header cells, schema fields, envelopes), ``>= known``.
    kind : str
        Which of the loader's formats (``sessions``, ``Trend Stat``, ...), for messages.
    """

    source: str
    known: int
    total: int
    kind: str = ""

    @property
    def score(self) -> float:
        """``known / total``: the share of the file the loader understands (0 for no columns)."""
        return self.known / self.total if self.total else 0.0

    def __str__(self) -> str:
        what = f" ({self.kind})" if self.kind else ""
        return f"{self.source}{what} {self.score:.2f} ({self.known} of {self.total} columns)"


def share(source: str, names: Iterable[str], known: Callable[[str], bool], *,
          kind: str = "") -> Match:  # fmt: skip
    """The :class:`Match` of a file with column ``names``: those for which ``known(name)``."""
    names = [str(n) for n in names if str(n).strip()]
    return Match(source, sum(bool(known(n)) for n in names), len(names), kind)


def header_match(source: str, path: Path, locate, suffixes: Iterable[str]) -> Match | None:
    """The match of a spreadsheet loader whose ``locate(path)`` returns a tuple ending with the
    header's :class:`~analysis.sources.headers.HeaderMatch` (or None): the header cells it
    recognises (aliases, plus rate/average columns it never reads, :data:`DERIVED_HEADER`)
    against all non-empty header cells. An unreadable file is not recognised."""
    path = Path(path)
    if path.suffix.lower() not in tuple(suffixes):
        return None
    try:
        found = locate_with_hidden(path, locate)
    except LimitError:
        raise  # a hostile or huge file is named by its limit, not "not recognised"
    except (UnreadableError, OSError):
        return None
    if found is None:
        return None
    header = found[-1]
    known = len(header.columns) + sum(len(v) - 1 for v in header.duplicates.values())
    derived = sum(bool(DERIVED_HEADER.search(str(h))) for h in header.ignored)
    kind = str(found[0]) if isinstance(found[0], str) else ""
    return Match(source, known + derived, known + len(header.ignored), kind)
