"""Closed vocabularies and the one helper that checks them (after seaborn's ``_check_argument``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: where a product was shown
CHANNELS = ("LIVE", "VIDEO", "PRODUCT_CARD", "SHOP_TAB", "WEB", "ALL")
#: time grain of a cell
GRAINS = ("hour", "day", "session", "interval", "range")
#: what ``viewers`` / ``atc`` count
UNITS = ("visitor", "session", "event")
#: promotion state of a cell
PROMOS = ("none", "discount", "flash_sale")
#: units for which ``atc <= viewers`` must hold (one success per counted unit at most)
BINOMIAL_UNITS = ("visitor", "session")
#: kinds of metric (:mod:`analysis.metrics`): a binomial proportion or a ratio of sums
METRIC_KINDS = ("proportion", "ratio")
#: interval methods of :func:`analysis.rates.rates` for proportion metrics
PROPORTION_METHODS = ("auto", "wilson", "clopper-pearson", "jeffreys")
#: interval methods of :func:`analysis.rates.rates` for ratio metrics (ratio of sums)
RATIO_METHODS = ("auto", "delta")


def check_argument(param: str, options: Iterable[Any], value: Any) -> Any:
    """Raise ``ValueError`` if ``value`` is not one of ``options``; return it otherwise.

    Every closed vocabulary of the public API (methods, metrics, channels, ...) is checked here,
    so the messages are uniform.
    """
    options = tuple(options)
    if value not in options:
        raise ValueError(
            f"The value for `{param}` must be one of {list(options)}, but {value!r} was passed."
        )
    return value
