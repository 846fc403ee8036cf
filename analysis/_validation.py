"""Closed vocabularies and the one helper that checks them (after seaborn's ``_check_argument``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: where a product was shown; NON_LIVE = every channel but LIVE, derived as ALL - LIVE by loaders
#: whose export gives a count only for All and LIVE (``derived`` is True on those cells)
CHANNELS = ("LIVE", "VIDEO", "PRODUCT_CARD", "SHOP_TAB", "WEB", "NON_LIVE", "ALL")
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
PROPORTION_METHODS = ("auto", "wilson", "wilson-cc", "clopper-pearson", "jeffreys")
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


#: how :func:`analysis.shrinkage.shrink` fits its beta prior (empirical Bayes)
SHRINK_METHODS = ("beta-binomial-mle",)
#: how :func:`analysis.shrinkage.funnel_limits` widens funnel limits for overdispersion
OVERDISPERSION_METHODS = ("dersimonian-laird", "none")
#: families of :func:`analysis.models.glm` (every metric it models is a binomial proportion)
GLM_FAMILIES = ("binomial",)
#: populations :func:`analysis.models.effects` standardises over
EFFECT_POPULATIONS = ("all", "group_a", "group_b")
#: adjusted contrasts of :func:`analysis.rates.compare`
ADJUST_METHODS = ("mantel-haenszel", "standardisation")
#: p-value adjustments of :func:`analysis.multiple.adjust_pvalues` (statsmodels names)
PVALUE_ADJUSTMENTS = ("fdr_bh", "fdr_by", "holm", "bonferroni", "hommel")
#: designs of :func:`analysis.intervention.intervention`
INTERVENTION_DESIGNS = ("its", "did", "stacked")
#: cluster-robust covariances of :mod:`analysis.intervention` (jackknife, sandwich)
INTERVENTION_VCOV = ("CR3", "CR1")
#: control arms of a difference-in-differences (:mod:`analysis.intervention`)
INTERVENTION_CONTROLS = ("others", "offlive")
#: time axis of :func:`analysis.intervention.intervention_series`
SERIES_PERIODS = ("week", "day", "live")
#: clusters of the post-live halo (:func:`analysis.halo.halo`)
HALO_CLUSTERS = ("creator", "product_day")
#: time axis of :func:`analysis.fatigue.fatigue`: LIVE rank in the series, or hours into a LIVE
FATIGUE_SCALES = ("series", "within")
#: what the GA4 loader counts in ``viewers``/``atc``/``checkouts`` (:mod:`analysis.sources.ga4`)
GA4_UNITS = ("visitor", "session")
#: optional cell dimensions of the GA4 loader: ``device.category``, ``geo.region``
GA4_BREAKDOWNS = ("device", "region")
#: engines that run the GA4 event -> cells aggregation (:mod:`analysis.engines`)
ENGINES = ("duckdb", "spark", "bigquery")
#: Shopify exports written by :func:`analysis.sources.shopify.write`
SHOPIFY_REPORTS = ("sessions", "orders")
#: which Shopify order amount is the revenue: ``Subtotal`` (Shopify's AOV) or ``Total``
SHOPIFY_REVENUES = ("subtotal", "total")
