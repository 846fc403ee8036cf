"""The headline numbers of a week: live and non-live rates and their ratio, per metric.

The index page of a weekly report (:mod:`analysis.report.run`) opens with these numbers;
:mod:`analysis.present.headline` formats them. They pool every cell given (the report passes
one ISO week): each side's rate with its interval from :func:`analysis.stats.rates.rates`, and the
crude live / non-live ratio with its interval from :func:`analysis.stats.compare.compare`
(viewers treated as independent; the pages show the clustered and adjusted contrasts). See
``docs/metrics.md`` for the metrics.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.metrics import Metric, get_metric
from analysis.stats.compare import compare
from analysis.stats.rates import rates
from analysis.vocabulary import STATUSES, check_level, status_message

__all__ = ["HEADLINE_COLUMNS", "LEVEL", "METHOD", "METRICS", "SIDES", "headline"]

#: metrics of the headline, in row order
METRICS = ("atc_rate", "conversion")
#: confidence level of the headline's intervals
LEVEL = 0.95
#: ``method`` of every headline row: pooled side rates and the crude (unadjusted) ratio
METHOD = "crude"
#: the two sides, ``is_live`` value -> column suffix
SIDES = ((True, "live"), (False, "nonlive"))
#: columns of :func:`headline`, in order
HEADLINE_COLUMNS = (
    "metric", "unit",
    "trials_live", "rate_live", "ci_low_live", "ci_high_live", "method_live",
    "trials_nonlive", "rate_nonlive", "ci_low_nonlive", "ci_high_nonlive", "method_nonlive",
    "ratio", "ratio_ci_low", "ratio_ci_high", "ratio_method",
    "method", "level", "status", "status_message",
)  # fmt: skip


def headline(
    cells: pd.DataFrame,
    *,
    metrics: Sequence[str | Metric] = METRICS,
    level: float = LEVEL,
) -> pd.DataFrame:
    r"""Live and non-live rates and the live / non-live ratio of each metric, pooled over ``cells``.

    For each side :math:`s` (``is_live`` True, False) the pooled rate
    :math:`\hat p_s = \sum x / \sum n` over its cells with the interval of
    :func:`analysis.stats.rates.rates` (``method="auto"``: Wilson with continuity correction,
    Clopper-Pearson for small cells), and the crude ratio :math:`\hat p_{live} / \hat p_{non-live}`
    with the score interval of :func:`analysis.stats.compare.compare` (Koopman 1984, widened by the
    exact conditional interval for small cells; delta method on the log scale for ``aov``).
    Viewers count as independent trials here, as in ``compare``'s crude columns.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (the report passes one week of them). Not modified.
    metrics : sequence of str or Metric
        Names of :data:`analysis.metrics.METRICS`, one row each, in this order.
    level : float
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    pandas.DataFrame
        One row per metric, the columns of :data:`HEADLINE_COLUMNS`:

        ``metric``, ``unit``
            The metric and what its trials count (``compare``'s ``unit``).
        ``trials_<side>``, ``rate_<side>``, ``ci_low_<side>``, ``ci_high_<side>``, ``method_<side>``
            Side ``live`` (LIVE cells) and ``nonlive`` (every other channel but ``ALL``), as in
            :func:`analysis.stats.rates.rates`; NaN when the cells have no such side.
        ``ratio``, ``ratio_ci_low``, ``ratio_ci_high``, ``ratio_method``
            Live rate / non-live rate and its interval, from ``compare``.
        ``method``, ``level``
            :data:`METHOD` (``"crude"``) and the level.
        ``status``, ``status_message``
            Those of the ``compare`` row (it covers both sides: ``ok``, the small-cell codes,
            ``partial``, ``undefined_no_viewers`` when a side has no trials, e.g. a metric whose
            numerator the data do not report, ``undefined_no_successes``, ...); ``failed`` when
            the cells cannot be compared at all (no LIVE or no non-live cells, a column of the
            metric missing): every number is then NaN and the message gives the error.

    References
    ----------
    Koopman PAR (1984). Confidence intervals for the ratio of two binomial proportions.
    Biometrics 40:513-517. Newcombe RG (1998). Two-sided confidence intervals for the single
    proportion: comparison of seven methods. Stat Med 17:857-872.
    """
    level = check_level(level)
    rows = [_metric_row(cells, get_metric(m), level) for m in metrics]
    return pd.DataFrame(rows, columns=list(HEADLINE_COLUMNS))


def _metric_row(cells: pd.DataFrame, metric: Metric, level: float) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(HEADLINE_COLUMNS, np.nan)
    row.update(metric=metric.name, method=METHOD, level=level)
    try:
        sides = rates(cells, by="is_live", metric=metric, level=level)
        contrast = compare(cells, between="is_live", metric=metric, level=level).iloc[0]
    except (ValueError, KeyError) as err:
        detail = f"{type(err).__name__}: {err}"
        return {**row, "status": "failed", "status_message": status_message("failed", detail)}
    for flag, side in SIDES:
        found = sides[sides["is_live"] == flag]
        if not found.empty:
            s = found.iloc[0]
            row.update({f"{k}_{side}": s[k] for k in ("trials", "rate", "ci_low", "ci_high")})
            row[f"method_{side}"] = s["method"]
    row.update({k: contrast[k] for k in ("unit", "ratio", "ratio_ci_low", "ratio_ci_high")})
    row["ratio_method"] = contrast["ratio_method"]
    row["status"], row["status_message"] = _status(contrast)
    return row


def _status(contrast: pd.Series) -> tuple[str, str]:
    """``(status, status_message)`` of a ``compare`` row."""
    code = str(contrast["status"])
    if "status_message" in contrast.index:
        return code, str(contrast["status_message"])
    # a compare without status codes yet (free text): the text is both status and message
    return code, status_message(code) if code in STATUSES else code
