"""cartlift: live vs non-live add-to-cart analysis for TikTok Shop sellers.

The public functions are imported lazily so that ``import analysis`` stays fast; heavy libraries
(statsmodels, scipy, matplotlib) load on first use.

>>> import analysis as cl
>>> cells, truth = cl.simulate(weeks=2, seed=0)
>>> cl.rates(cells, by="is_live")  # doctest: +SKIP

Functions whose module has the same name (``load``, ``simulate``, ``rates``) are imported eagerly:
a lazy attribute would be shadowed by the submodule as soon as anything imports it. Those modules
import only numpy and pandas at the top; statsmodels, scipy and matplotlib load on use.
"""

from __future__ import annotations

import importlib
from typing import Any

from analysis.load import load
from analysis.rates import compare, rates
from analysis.simulate import simulate

__version__ = "0.1.0"

# other public names -> module that defines them (imported on first use)
_EXPORTS = {
    "METRICS": "analysis.metrics",
    "CellsError": "analysis.cells",
    "validate_cells": "analysis.cells",
    "select_week": "analysis.weeks",
    "read": "analysis.load",
    "glm": "analysis.models",
    "effects": "analysis.models",
    "intervention": "analysis.intervention",
    "intervention_series": "analysis.intervention",
    "placebo_dates": "analysis.intervention",
    "pretrend": "analysis.intervention",
    "halo": "analysis.halo",
    "halo_decay": "analysis.halo",
    "live_sessions": "analysis.halo",
    "fatigue": "analysis.fatigue",
    "fatigue_curve": "analysis.fatigue",
    "promo_trend": "analysis.durable",
    "week_change": "analysis.durable",
    "anomalies": "analysis.anomalies",
    "weekly_facts": "analysis.weekly",
    "parse_interventions": "analysis.weekly",
    "headline_kpis": "analysis.report",
}

__all__ = [
    "METRICS",
    "CellsError",
    "compare",
    "effects",
    "glm",
    "read",
    "load",
    "rates",
    "select_week",
    "simulate",
    "validate_cells",
]


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
