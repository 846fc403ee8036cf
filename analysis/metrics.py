"""Named rates: each metric is a numerator column over a denominator column of the cells.

Rates are never stored in the cells (:mod:`analysis.cells`); they are recomputed from pooled
counts, i.e. as a *ratio of sums* over the cells of a group, never as a mean of per-cell rates.
:data:`METRICS` is the registry of named metrics; :func:`get_metric` looks one up (checking the
name against the registry) and :func:`metric_counts` / :func:`metric_sums` give the per-cell and
pooled numerator (``successes``) and denominator (``trials``) of a metric for a frame.

>>> from analysis.metrics import METRICS, get_metric
>>> sorted(METRICS)
['abandonment', 'aov', 'atc_rate', 'cart_to_order', 'click_to_cart', 'conversion']
>>> get_metric("atc_rate").numerator, get_metric("atc_rate").denominator
('atc', 'viewers')
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from analysis.vocabulary import METRIC_KINDS, check_argument

__all__ = ["METRICS", "Metric", "MetricSums", "get_metric", "metric_counts", "metric_sums"]


@dataclass(frozen=True)
class Metric:
    """A named rate: ``numerator / denominator`` summed over cells.

    Attributes
    ----------
    name : str
        Registry key, used as ``metric=`` in :func:`analysis.stats.rates.rates` and
        :func:`analysis.stats.compare.compare` and in their ``metric`` column.
    label : str
        Human label for tables and plots.
    numerator, denominator : str
        Count columns of the cells (:data:`analysis.cells.COLUMNS`).
    kind : {"proportion", "ratio"}
        ``proportion``: successes out of trials, each success being one of the trials, so
        binomial intervals apply (``successes <= trials`` in every cell). ``ratio``: a ratio of
        sums of two unbounded quantities (e.g. revenue per order), with a delta-method interval.
    unit_note : str
        What one trial (the denominator) counts and in which unit the rate is read.
    description : str
        One-sentence definition for documentation.
    complement : bool
        If true the rate is ``1 - numerator / denominator``: successes are
        ``denominator - numerator`` (e.g. cart abandonment = carts without an order).
    """

    name: str
    label: str
    numerator: str
    denominator: str
    kind: str
    unit_note: str
    description: str
    complement: bool = False

    def __post_init__(self) -> None:
        check_argument("kind", METRIC_KINDS, self.kind)

    @property
    def columns(self) -> tuple[str, str]:
        """The cell columns the metric reads: ``(numerator, denominator)``."""
        return (self.numerator, self.denominator)

    @property
    def formula(self) -> str:
        """The metric as a formula of cell columns, e.g. ``"sum(atc) / sum(viewers)"``."""
        num, den = f"sum({self.numerator})", f"sum({self.denominator})"
        if self.complement:
            return f"({den} - {num}) / {den}"
        return f"{num} / {den}"


_REGISTRY = {
    m.name: m
    for m in (
        Metric(
            name="atc_rate",
            label="ATC rate",
            numerator="atc",
            denominator="viewers",
            kind="proportion",
            unit_note="share of viewers (people or sessions, per the cells' `unit`) who added "
            "the product to cart at least once",
            description="Add-to-cart rate: viewers with >= 1 add-to-cart / viewers of the product.",
        ),
        Metric(
            name="conversion",
            label="Conversion rate",
            numerator="orders",
            denominator="viewers",
            kind="proportion",
            unit_note="orders per viewer; binomial only while no viewer places two orders "
            "(rows with orders > viewers are flagged `successes exceed trials`)",
            description="Conversion rate: orders / viewers of the product.",
        ),
        Metric(
            name="cart_to_order",
            label="Cart-to-order rate",
            numerator="orders",
            denominator="atc",
            kind="proportion",
            unit_note="orders per viewer who added to cart; binomial only while orders <= atc "
            "in every cell",
            description="Cart-to-order rate: orders / viewers with >= 1 add-to-cart.",
        ),
        Metric(
            name="abandonment",
            label="Cart abandonment",
            numerator="orders",
            denominator="atc",
            kind="proportion",
            unit_note="share of viewers who added to cart without ordering; needs orders <= atc "
            "in every cell",
            description="Cart abandonment: 1 - cart_to_order = (atc - orders) / atc.",
            complement=True,
        ),
        Metric(
            name="click_to_cart",
            label="Click-to-cart rate",
            numerator="atc",
            denominator="clicks",
            kind="proportion",
            unit_note="viewers with an add-to-cart per product click; binomial only while "
            "atc <= clicks in every cell",
            description="Click-to-cart rate: viewers with >= 1 add-to-cart / product clicks.",
        ),
        Metric(
            name="aov",
            label="Average order value",
            numerator="revenue",
            denominator="orders",
            kind="ratio",
            unit_note="revenue per order, in the cells' `currency` (one currency per group)",
            description="Average order value: sum(revenue) / sum(orders), a ratio of sums.",
        ),
    )
}

#: The named metrics, by name (read-only mapping).
METRICS: MappingProxyType[str, Metric] = MappingProxyType(_REGISTRY)


def get_metric(name: str | Metric) -> Metric:
    """Return the registered :class:`Metric` called ``name``.

    Parameters
    ----------
    name : str or Metric
        A key of :data:`METRICS` (``atc_rate``, ``conversion``, ``cart_to_order``,
        ``abandonment``, ``click_to_cart``, ``aov``). A :class:`Metric` instance is returned as
        it is (custom metrics).

    Raises
    ------
    ValueError
        If ``name`` is not a registered metric.
    """
    if isinstance(name, Metric):
        return name
    return METRICS[check_argument("metric", METRICS, name)]


def _numeric(cells: pd.DataFrame, column: str, metric: Metric) -> np.ndarray:
    if column not in cells.columns:
        raise ValueError(
            f"The cells have no {column!r} column, needed by metric {metric.name!r} "
            f"({metric.formula}); canonical cells from analysis.load() have it."
        )
    values = pd.to_numeric(cells[column], errors="coerce").astype("Float64")
    return values.to_numpy(dtype=float, na_value=np.nan)


def metric_counts(cells: pd.DataFrame, metric: str | Metric = "atc_rate") -> pd.DataFrame:
    """Per-cell successes and trials of a metric (a new frame, index of ``cells``).

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells, or any frame with the metric's numerator and denominator columns.
    metric : str or Metric
        A name of :data:`METRICS`.

    Returns
    -------
    pandas.DataFrame
        ``successes`` (float): the numerator, or ``denominator - numerator`` for a complement
        metric; ``trials`` (float): the denominator; ``complete`` (bool): both columns are
        non-missing (incomplete cells have NaN successes and trials and must be excluded from
        sums, and counted). Nothing else is checked here (``successes > trials`` is left to the
        caller).
    """
    m = get_metric(metric)
    num = _numeric(cells, m.numerator, m)
    den = _numeric(cells, m.denominator, m)
    complete = ~(np.isnan(num) | np.isnan(den))
    successes = den - num if m.complement else num
    return pd.DataFrame(
        {
            "successes": np.where(complete, successes, np.nan),
            "trials": np.where(complete, den, np.nan),
            "complete": complete,
        },
        index=cells.index,
    )


@dataclass(frozen=True)
class MetricSums:
    """Pooled counts of one metric over a frame (see :func:`metric_sums`)."""

    metric: str
    n_cells: int  # cells with both columns present (summed)
    n_missing: int  # cells with the numerator or denominator missing (excluded)
    successes: float  # sum of successes over the complete cells
    trials: float  # sum of trials over the complete cells

    @property
    def rate(self) -> float:
        """``successes / trials`` (NaN when there are no trials)."""
        return self.successes / self.trials if self.trials > 0 else float("nan")


def metric_sums(cells: pd.DataFrame, metric: str | Metric = "atc_rate") -> MetricSums:
    """Pooled numerator and denominator sums of a metric over all rows of ``cells``.

    Cells with the numerator or denominator missing are excluded from both sums and counted in
    ``n_missing``; the rate is a ratio of sums, ``sum(successes) / sum(trials)``. A metric of
    revenue (``aov``) over cells in several currencies raises ``ValueError``.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"atc": [3, 1, None], "viewers": [40, 10, 7]})
    >>> metric_sums(cells, "atc_rate")
    MetricSums(metric='atc_rate', n_cells=2, n_missing=1, successes=4.0, trials=50.0)
    """
    m = get_metric(metric)
    counts = metric_counts(cells, m)
    ok = counts["complete"].to_numpy()
    if "revenue" in m.columns and "currency" in cells:  # money in several currencies: refused
        found = sorted(cells.loc[ok, "currency"].dropna().astype(str).unique())
        if len(found) > 1:
            raise ValueError(
                f"metric {m.name!r} sums revenue in several currencies ({', '.join(found)}); "
                "money is never summed across currencies: select one currency, e.g. "
                "cells[cells['currency'] == 'EUR'], or group by currency"
            )
    return MetricSums(
        metric=m.name,
        n_cells=int(ok.sum()),
        n_missing=int((~ok).sum()),
        successes=float(counts["successes"].to_numpy()[ok].sum()),
        trials=float(counts["trials"].to_numpy()[ok].sum()),
    )
