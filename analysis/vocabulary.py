"""Closed vocabularies and the one helper that checks them (after seaborn's ``_check_argument``)."""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Real
from typing import Any

#: where a product was shown; NON_LIVE = every channel but LIVE, derived as ALL - LIVE by loaders
#: whose export gives a count only for All and LIVE (``derived`` is True on those cells);
#: OTHER = ALL minus the channel sections of a 2026 product list (LIVE + VIDEO + PRODUCT_CARD),
#: derived (``derived`` True), additive (event) counts only: surfaces the sections do not name
CHANNELS = ("LIVE", "VIDEO", "PRODUCT_CARD", "SHOP_TAB", "WEB", "NON_LIVE", "OTHER", "ALL")
#: time grain of a cell (``minute``: the per-minute API; ``interval``: LIVE Center Trend Stat rows;
#: both finer than an hour, read only by the moments page, left out of the weekly pages)
GRAINS = ("minute", "interval", "hour", "day", "session", "range")
#: grains finer than an hour: one LIVE's minutes (:mod:`analysis.analyses.live_moments`)
SUB_HOUR_GRAINS = ("minute", "interval")
#: what the analyst noted at a minute of a LIVE (the events table, ``docs/data-formats.md``)
EVENT_TYPES = ("pin", "price_drop", "qa", "giveaway", "other")
#: what ``viewers`` / ``atc`` count
UNITS = ("visitor", "session", "event")
#: promotion state of a cell
PROMOS = ("none", "discount", "flash_sale")
#: cell attributes a shop file may set over an export's own value (``override = [...]``)
SHOP_OVERRIDES = ("category", "promo", "creator")
#: what a shop file did to the cells (:func:`analysis.sources.shop_apply.apply_shop`)
SHOP_ACTIONS = ("set", "renamed", "overridden", "conflict", "not applied", "default")
#: units for which ``atc <= viewers`` must hold (one success per counted unit at most)
BINOMIAL_UNITS = ("visitor", "session")
#: kinds of metric (:mod:`analysis.metrics`): a binomial proportion or a ratio of sums
METRIC_KINDS = ("proportion", "ratio")
#: interval methods of :func:`analysis.stats.rates.rates` for proportion metrics
PROPORTION_METHODS = ("auto", "wilson", "wilson-cc", "clopper-pearson", "jeffreys")
#: interval methods of :func:`analysis.stats.rates.rates` for ratio metrics (ratio of sums)
RATIO_METHODS = ("auto", "delta")
#: the methods a result row names in its method columns (``method``, ``diff_method``,
#: ``ratio_method``, ``pvalue_method``; ``adjusted_method`` and ``unclustered_method`` join two
#: of them with ``"; "`` / ``" / "``): pages and downloads say each in words (``method.code.*`` of
#: the language files, :func:`analysis.present.words.method_text`), never the code
INTERVAL_METHODS = (
    "wilson", "wilson-cc", "clopper-pearson", "jeffreys", "delta", "delta-log", "cr2-bm",
    "cr2-bm-logit", "cr2-bm-fieller", "newcombe", "newcombe-exact", "score", "score+exact",
    "mantel-haenszel", "standardisation", "jackknife-log", "greenland-robins", "linearised",
)  # fmt: skip


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


#: the alternative hypothesis of a randomisation test (statsmodels' names): ``larger`` = the
#: treatment raises the outcome
ALTERNATIVES = ("two-sided", "larger", "smaller")
#: how :func:`analysis.stats.shrinkage.shrink` fits its beta prior (empirical Bayes)
SHRINK_METHODS = ("beta-binomial-mle",)
#: how :func:`analysis.stats.funnel.funnel_limits` widens funnel limits for overdispersion
OVERDISPERSION_METHODS = ("dersimonian-laird", "none")
#: families of :func:`analysis.stats.models.glm` (every metric it models is a binomial proportion)
GLM_FAMILIES = ("binomial",)
#: cluster-robust covariances of :func:`analysis.stats.models.glm`: CR2 + Bell-McCaffrey df
#: (default), CR1 sandwich, CR3 cluster jackknife (:mod:`analysis.stats.glm_vcov`)
GLM_VCOV = ("CR2", "CR1", "CR3")
#: populations :func:`analysis.stats.models.effects` standardises over
EFFECT_POPULATIONS = ("all", "group_a", "group_b")
#: adjusted contrasts of :func:`analysis.stats.compare.compare`
ADJUST_METHODS = ("mantel-haenszel", "standardisation")
#: p-value adjustments of :func:`analysis.stats.multiple.adjust_pvalues` (statsmodels names)
PVALUE_ADJUSTMENTS = ("fdr_bh", "fdr_by", "holm", "bonferroni", "hommel")
#: designs of :func:`analysis.analyses.intervention.intervention`
INTERVENTION_DESIGNS = ("its", "did", "stacked")
#: cluster-robust covariances of :mod:`analysis.analyses.intervention` (jackknife, CR2, sandwich)
INTERVENTION_VCOV = ("CR3", "CR2", "CR1")
#: control arms of a difference-in-differences (:mod:`analysis.analyses.intervention`)
INTERVENTION_CONTROLS = ("others", "offlive")
#: time axis of :func:`analysis.analyses.intervention.intervention_series`
SERIES_PERIODS = ("week", "day", "live")
#: clusters of the post-live halo (:func:`analysis.analyses.halo.halo`)
HALO_CLUSTERS = ("creator", "product_day")
#: time axis of :func:`analysis.analyses.fatigue.fatigue`: LIVE rank in the series, or hours into a LIVE
FATIGUE_SCALES = ("series", "within")
#: what the GA4 loader counts in ``viewers``/``atc``/``checkouts`` (:mod:`analysis.sources.ga4`)
GA4_UNITS = ("visitor", "session")
#: optional cell dimensions of the GA4 loader: ``device.category``, ``geo.region``
GA4_BREAKDOWNS = ("device", "region")
#: engines that run the GA4 event -> cells aggregation (:mod:`analysis.sources.engines`)
ENGINES = ("duckdb", "spark", "bigquery")
#: Shopify exports written by :func:`analysis.sources.shopify.write`
SHOPIFY_REPORTS = ("sessions", "orders")
#: which Shopify order amount is the revenue: ``Subtotal`` (Shopify's AOV) or ``Total``
SHOPIFY_REVENUES = ("subtotal", "total")


def check_level(level: float) -> float:
    """``level`` as a float strictly between 0 and 1 (a confidence level), else ``ValueError``."""
    ok = isinstance(level, Real) and not isinstance(level, bool) and 0 < float(level) < 1
    if not ok:
        raise ValueError(
            f"`level` is the confidence level, a number strictly between 0 and 1 (e.g. 0.95); "
            f"{level!r} was passed."
        )
    return float(level)


#: the questions the report pages ask (:func:`analysis.analyses.answerable.answerable` says,
#: for given cells, which of them the data can answer and, when not, what is missing and which
#: export or shop-file entry provides it); page order
QUESTIONS = (
    "sources_agree", "live_vs_nonlive", "by_category", "by_promo", "funnel", "live_only_rates",
    "rates_by_hour", "hour_curve", "audience", "adjusted_lift", "creator_model", "intervention",
    "halo", "fatigue", "durable", "anomalies", "weekly_trend",
)  # fmt: skip

#: the one closed vocabulary of result ``status`` codes -> what each means for a reader.
#: Every result row carries ``status`` (one of these codes: code and tests compare codes, never
#: text) and ``status_message`` (the code's message, plus the specifics of that row). Codes
#: starting with ``undefined`` mean the estimate is missing (NaN) and the message says why.
STATUSES: dict[str, str] = {
    "ok": "computed as documented",
    "exact_small_cell": "small cell: fewer than 5 expected successes or failures, exact method used",
    "small_cell": "small cell: few observations, the interval is rough",
    "few_clusters": "few LIVEs (or other clusters): the estimate rests on a handful of them; "
    "the interval is small-sample corrected but wide",
    "not_clustered": "not clustered: viewers treated as independent, the interval is too narrow "
    "when people of one LIVE share its mood",
    "partial": "partly computed: some cells or parts were left out (the message says which)",
    "extrapolated": "extrapolated: no data at this point, the value is read off the model's curve",
    "miscalibrated": "miscalibrated: at these sizes the interval or test errs more often than its "
    "level says",
    "no_variation": "no variation across cells: zero-width interval",
    "undefined_no_viewers": "undefined: no viewers (or other denominator) on a side",
    "undefined_no_successes": "undefined: no successes, so the ratio or lift is undefined",
    "undefined_no_cells": "undefined: no cells for this estimate",
    "undefined_too_few": "undefined: too few cells, LIVEs, weeks or groups for this estimate",
    "undefined_not_binomial": "undefined: the unit is not binomial (events can exceed viewers)",
    "undefined_not_estimable": "undefined: the model cannot estimate this term from these cells",
    "undefined_not_broken_down": "undefined: the data are not broken down by this column",
    "undefined_no_control": "undefined: no control cells to compare with",
    "undefined_out_of_range": "undefined: the date or week is outside the data",
    "not_reconciled": "does not reconcile: sources disagree, or rows in and rows out differ "
    "(the message says which)",
    "failed": "the computation failed (the message gives the error)",
}
#: the two status columns of every result frame
STATUS_COLUMNS = ("status", "status_message")


def check_status(code: str) -> str:
    """``code`` if it is one of :data:`STATUSES`, else ``ValueError`` (codes are a closed set)."""
    return check_argument("status", STATUSES, code)


def status_message(code: str, detail: str = "") -> str:
    """The reader's message for status ``code``: its :data:`STATUSES` text, then ``detail``.

    >>> status_message("few_clusters", "6 LIVEs (< 10), t(5) reference")
    'few LIVEs (or other clusters): the estimate rests on a handful of them; the interval is small-sample corrected but wide (6 LIVEs (< 10), t(5) reference)'
    """
    text = STATUSES[check_status(code)]
    return f"{text} ({detail})" if detail else text


def is_undefined(code: str) -> bool:
    """True for the ``undefined_*`` codes: the estimate is missing and the message says why."""
    return check_status(code).startswith("undefined")
