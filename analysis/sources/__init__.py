"""Source loaders: one module per format family, each producing canonical cells.

:data:`LOADERS` lists the loader modules in detection order (most specific first; ``canonical``
last). Each module provides ``NAME``, ``detect(path) -> bool`` and
``read(path, *, tz) -> analysis.sources.base.Loaded`` (see :mod:`analysis.sources.base`), and
optionally ``dedupe(loaded) -> Loaded``: a pass over the combined result of all files (e.g. keep
the most recent of overlapping exports), called by :func:`analysis.sources.load.read` for each source
present.

Beside the loaders, by job: :mod:`~analysis.sources.base` (what a read returns),
:mod:`~analysis.sources.load` (files in, cells out), :mod:`~analysis.sources.folder` (many files:
duplicates, export dates, overlapping exports), :mod:`~analysis.sources.identity` (which rows are
one LIVE), :mod:`~analysis.sources.quality` (what a read did, sources against each other); shared parsing: :mod:`~analysis.sources.sheets` (xlsx / CSV as
text), :mod:`~analysis.sources.tables` (header and row kinds), :mod:`~analysis.sources.rows`
(counts, money, ids -> raw cells), :mod:`~analysis.sources.numbers` and
:mod:`~analysis.sources.headers` (locale numbers and header aliases); GA4:
:mod:`~analysis.sources.ga4_query` (SQL), :mod:`~analysis.sources.ga4_run` (engines),
:mod:`~analysis.sources.ga4_result` (shaping), :mod:`~analysis.sources.engines` (connections);
Shopify: :mod:`~analysis.sources.shopify_csv`, ``shopify_sessions``, ``shopify_orders``. The
writers of real-looking exports are :mod:`analysis.sources.writers`. Formats:
``docs/data-formats.md``. This package imports nothing heavy: loaders load on first use.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from analysis.errors import UnreadableError
from analysis.vocabulary import check_argument

__all__ = ["LOADERS", "detect_source", "loader"]

#: loader modules under ``analysis.sources``, tried in this order by :func:`detect_source`
LOADERS: tuple[str, ...] = (
    "ga4", "shopify", "tiktok_live_list", "seller_center", "live_center", "shop_overview",
    "tiktok_api", "canonical",
)  # fmt: skip


def loader(name: str) -> ModuleType:
    """The loader module called ``name`` (checked against :data:`LOADERS`)."""
    check_argument("source", LOADERS, name)
    return importlib.import_module(f"analysis.sources.{name}")


def detect_source(path: Path) -> str:
    """The first loader of :data:`LOADERS` whose ``detect`` recognises ``path``."""
    for name in LOADERS:
        if loader(name).detect(path):
            return name
    raise UnreadableError(
        f"{path.name}: format not recognised (known sources: {', '.join(LOADERS)}); "
        "pass source=... to analysis.sources.load, or check that the file is a supported export"
    )
