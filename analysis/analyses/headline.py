"""The headline numbers of a week: live and non-live rates and their ratio, per metric.

The index page of a weekly report (:mod:`analysis.report.run`) opens with these numbers;
:mod:`analysis.present.headline` formats them. They pool every cell given (the report passes
one ISO week): each side's rate with its interval from :func:`analysis.stats.rates.rates`, and the
crude live / non-live ratio with its interval from :func:`analysis.stats.compare.compare`, both
clustered by LIVE (CR2 with Bell-McCaffrey degrees of freedom: the number of LIVEs, not of
viewers, sets their width), with the number of LIVEs the numbers rest on (``n_lives``). See
``docs/metrics.md`` ("Headline") for the methods.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.metrics import Metric, get_metric
from analysis.stats.compare import compare
from analysis.stats.rates import rates
from analysis.vocabulary import STATUSES, check_level, status_message

__all__ = [
    "CLUSTER",
    "HEADLINE_COLUMNS",
    "clustered_by_live",
    "LEVEL",
    "METHOD",
    "METRICS",
    "SIDES",
    "headline",
]

#: metrics of the headline, in row order
METRICS = ("atc_rate", "conversion")
#: confidence level of the headline's intervals
LEVEL = 0.95
#: ``method`` of every headline row: pooled side rates and the crude (unadjusted) ratio
METHOD = "crude"
#: the clusters of every headline interval: LIVE (room) ids; off-live cells product x day
CLUSTER = "content_id"
#: the two sides, ``is_live`` value -> column suffix
SIDES = ((True, "live"), (False, "nonlive"))
#: columns of :func:`headline`, in order
HEADLINE_COLUMNS = (
    "metric", "unit",
    "trials_live", "rate_live", "ci_low_live", "ci_high_live", "method_live",
    "trials_nonlive", "rate_nonlive", "ci_low_nonlive", "ci_high_nonlive", "method_nonlive",
    "ratio", "ratio_ci_low", "ratio_ci_high", "ratio_method", "n_lives", "n_clusters_live", "df",
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
    :math:`\hat p_s = \sum x / \sum n` over its cells with the clustered interval of
    :func:`analysis.stats.rates.rates` (``cluster="content_id"``: CR2 variance on the logit scale,
    :math:`V(\hat p) = \sum_g (x_g - \hat p n_g)^2 / (1 - h_g) / N^2` with :math:`h_g = n_g / N`,
    and a t reference on Bell-McCaffrey degrees of freedom), and the crude ratio
    :math:`\hat p_{live} / \hat p_{non-live}` with the clustered interval of
    :func:`analysis.stats.compare.compare` (the Fieller inversion of the difference's CR2 t test
    with Bell-McCaffrey degrees of freedom, dual to its p-value). A LIVE is one cluster: its viewers share its mood, so the
    intervals count LIVEs, not viewers; off-live cells cluster by product x shop-local day.
    Cells without ``content_id`` get the viewer-level intervals with status ``not_clustered``.

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
            :func:`analysis.stats.rates.rates` (clustered interval); NaN when the cells have no
            such side.
        ``ratio``, ``ratio_ci_low``, ``ratio_ci_high``, ``ratio_method``
            Live rate / non-live rate and its clustered interval, from ``compare``.
        ``n_lives``, ``n_clusters_live``, ``df``
            The number of LIVEs the numbers rest on (the clusters of the live side when every
            LIVE cell has its ``content_id``, else NaN: LIVE cells without an id, e.g. the daily
            "Seller LIVE" rows of a product list, cluster by product x day, and those clusters
            are not LIVEs), the number of clusters of the live side whatever they are, and the
            degrees of freedom of ``compare``'s primary test (the difference's t test; NaN when
            not clustered).
        ``method``, ``level``
            :data:`METHOD` (``"crude"``: not adjusted for the mix) and the level.
        ``status``, ``status_message``
            Those of the ``compare`` row (it covers both sides: ``ok``, ``few_clusters`` with
            fewer than :data:`analysis.stats.reference.FEW_CLUSTERS` LIVEs, ``not_clustered``,
            ``undefined_too_few`` with one LIVE, the small-cell codes, ``partial``,
            ``undefined_no_viewers`` when a side has no trials, ...); ``failed`` when the cells
            cannot be compared at all (no LIVE or no non-live cells, a column of the metric
            missing): every number is then NaN and the message gives the error.

    References
    ----------
    Bell RM, McCaffrey DF (2002). Bias reduction in standard errors for linear regression with
    multi-stage samples. Survey Methodology 28:169-181. Pustejovsky JE, Tipton E (2018).
    Small-sample methods for cluster-robust variance estimation and hypothesis testing in fixed
    effects models. J Bus Econ Stat 36:672-683.
    """
    level = check_level(level)
    rows = [_metric_row(cells, get_metric(m), level) for m in metrics]
    return pd.DataFrame(rows, columns=list(HEADLINE_COLUMNS))


def _metric_row(cells: pd.DataFrame, metric: Metric, level: float) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(HEADLINE_COLUMNS, np.nan)
    row.update(metric=metric.name, method=METHOD, level=level)
    try:
        sides = rates(cells, by="is_live", metric=metric, level=level, cluster=CLUSTER)
        contrast = compare(cells, between="is_live", metric=metric, level=level,
                           cluster=CLUSTER).iloc[0]  # fmt: skip
    except (ValueError, KeyError) as err:
        detail = f"{type(err).__name__}: {err}"
        return {**row, "status": "failed", "status_message": status_message("failed", detail)}
    for flag, side in SIDES:
        found = sides[sides["is_live"] == flag]
        if not found.empty:
            s = found.iloc[0]
            row.update({f"{k}_{side}": s[k] for k in ("trials", "rate", "ci_low", "ci_high")})
            row[f"method_{side}"] = s["method"]
            if flag:
                row["n_clusters_live"] = s.get("n_clusters", np.nan)
                row["n_lives"] = row["n_clusters_live"] if clustered_by_live(cells) else np.nan
    row.update({k: contrast[k] for k in ("unit", "ratio", "ratio_ci_low", "ratio_ci_high")})
    row["ratio_method"] = contrast["ratio_method"]
    row["df"] = contrast.get("df", np.nan)
    row["status"], row["status_message"] = _status(contrast)
    return row


def clustered_by_live(cells: pd.DataFrame) -> bool:
    """Whether the live side's clusters are LIVEs: every LIVE cell has its ``content_id``."""
    live = cells.loc[(cells["is_live"] == True).fillna(False).to_numpy(dtype=bool)]  # noqa: E712
    return CLUSTER in live and bool(live[CLUSTER].notna().all())


def _status(contrast: pd.Series) -> tuple[str, str]:
    """``(status, status_message)`` of a ``compare`` row."""
    code = str(contrast["status"])
    if "status_message" in contrast.index:
        return code, str(contrast["status_message"])
    # a compare without status codes yet (free text): the text is both status and message
    return code, status_message(code) if code in STATUSES else code
