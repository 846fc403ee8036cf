"""Source loaders: one module per format family, each producing canonical cells.

:data:`LOADERS` lists the loader modules. Each module provides ``NAME``,
``match(path) -> analysis.sources.matching.Match | None`` (how well it recognises the file;
``detect(path) -> bool`` is ``match(path) is not None``) and
``read(path, *, tz) -> analysis.sources.base.Loaded`` (see :mod:`analysis.sources.base`), and
optionally ``dedupe(loaded) -> Loaded``: a pass over the combined result of all files (e.g. keep
the most recent of overlapping exports), called by :func:`analysis.sources.load.read` for each source
present.

Beside the loaders, by job: :mod:`~analysis.sources.base` (what a read returns),
:mod:`~analysis.sources.load` (files in, cells out), :mod:`~analysis.sources.folder` (many files:
duplicates, export dates, overlapping exports), :mod:`~analysis.sources.identity` (which rows are
one LIVE), :mod:`~analysis.sources.quality` (what a read did, sources against each other); shared parsing: :mod:`~analysis.sources.sheets` (xlsx / CSV as
text), :mod:`~analysis.sources.tables` (header and row kinds), :mod:`~analysis.sources.rows`
(counts, money, ids -> raw cells), :mod:`~analysis.sources.numbers`, :mod:`~analysis.sources.times` and
:mod:`~analysis.sources.headers` (locale numbers and header aliases); GA4:
:mod:`~analysis.sources.ga4_query` (SQL), :mod:`~analysis.sources.ga4_run` (engines),
:mod:`~analysis.sources.ga4_result` (shaping), :mod:`~analysis.sources.engines` (connections);
Shopify: :mod:`~analysis.sources.shopify_csv`, ``shopify_sessions``, ``shopify_breakdown``
(reports without a time column), ``shopify_orders``; detection scores:
:mod:`~analysis.sources.matching`. The
writers of real-looking exports are :mod:`analysis.sources.writers`. Formats:
``docs/data-formats.md``. This package imports nothing heavy: loaders load on first use.
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from types import ModuleType

from analysis.errors import UnreadableError
from analysis.sources.matching import WEAK, Match
from analysis.vocabulary import check_argument

__all__ = ["LOADERS", "detect_source", "loader", "matches"]

#: loader modules under ``analysis.sources``, each asked by :func:`detect_source` (order only
#: orders the candidates listed in messages)
LOADERS: tuple[str, ...] = (
    "ga4", "shopify", "tiktok_live_list", "seller_center", "live_center", "shop_overview",
    "tiktok_api", "tiktok_live_minutes", "canonical",
)  # fmt: skip


def loader(name: str) -> ModuleType:
    """The loader module called ``name`` (checked against :data:`LOADERS`)."""
    check_argument("source", LOADERS, name)
    return importlib.import_module(f"analysis.sources.{name}")


def matches(path: Path) -> list[Match]:
    """Every loader's :class:`~analysis.sources.matching.Match` of ``path``, best score first."""
    found = [m for m in (loader(name).match(path) for name in LOADERS) if m is not None]
    return sorted(found, key=lambda m: -m.score)


def detect_source(path: Path) -> str:
    """The loader that recognises ``path`` best (:mod:`analysis.sources.matching`).

    The highest score wins. Raises :class:`UnreadableError` when no loader recognises the file,
    when the best score is below :data:`~analysis.sources.matching.WEAK` (a weak match: the
    loader knows too few of the file's columns to be trusted), or when two loaders share the
    best score (a tie); the message lists the candidates with their scores and says to pass
    ``source=`` (``--source`` on the command line).
    """
    path = Path(path)
    found = matches(path)
    force = ("pass source=... to analysis.load / analysis.read (--source ... on the command "
             "line) to name the format")  # fmt: skip
    if not found:
        raise UnreadableError(
            f"{path.name}: format not recognised (known sources: {', '.join(LOADERS)}); "
            f"{force}, or check that the file is a supported export"
        )
    listed = "; ".join(map(str, found))
    best = found[0]
    if best.score < WEAK:
        raise UnreadableError(
            f"{path.name}: no format fits well (best match below {WEAK:.2f} of the columns "
            f"known: {listed}); {force}"
        )
    tied = [m.source for m in found if math.isclose(m.score, best.score)]
    if len(tied) > 1:
        raise UnreadableError(
            f"{path.name}: the formats {' and '.join(tied)} fit equally well ({listed}); {force}"
        )
    return best.source
