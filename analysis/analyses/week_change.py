r"""What changed this week: the headline rates of a week against the week before.

The index page opens with this table (:mod:`analysis.present.week_change` formats it). For each
headline metric (:data:`analysis.analyses.headline.METRICS`) and side (LIVE, outside LIVE) the
difference of the pooled rates, this week minus the previous ISO week, with a clustered interval
from :func:`analysis.stats.compare.compare` (CR2 with Bell-McCaffrey degrees of freedom): LIVE
rates cluster by LIVE (``content_id``), outside-LIVE rates by shop-local day (``date``: one day's
traffic, feed and promotions are shared by every product). The call is made on the difference's
own test, never on overlapping intervals, with Holm's step-down across the rows of the table
(the headline family). See ``docs/metrics.md`` ("What changed this week").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.analyses.headline import LEVEL, METRICS
from analysis.metrics import Metric, get_metric
from analysis.stats.compare import compare
from analysis.stats.multiple import adjust_pvalues
from analysis.vocabulary import check_level, status_message
from analysis.weeks import parse_week

__all__ = ["CALLS", "CHANGE_COLUMNS", "CLUSTERS", "METHOD", "headline_change"]

#: the call of a row: the Holm-adjusted p-value below ``1 - level``, or not (or no test)
CALLS = ("change", "within noise", "")
#: side -> (``is_live`` value, cluster column)
CLUSTERS = {"live": (True, "content_id"), "nonlive": (False, "date")}
#: ``method`` of every row
METHOD = "difference of pooled rates, CR2 + Bell-McCaffrey df, Holm across rows"
#: columns of :func:`headline_change`, in order
CHANGE_COLUMNS = (
    "metric", "side", "week", "previous_week", "cluster",
    "trials", "rate", "trials_previous", "rate_previous",
    "diff", "diff_ci_low", "diff_ci_high", "df", "pvalue", "pvalue_holm", "call",
    "n_clusters", "n_clusters_previous", "method", "level", "status", "status_message",
)  # fmt: skip
_PERIOD = "_period"


def headline_change(
    cells: pd.DataFrame,
    *,
    week: str,
    metrics: Sequence[str | Metric] = METRICS,
    level: float = LEVEL,
) -> pd.DataFrame:
    r"""The headline rates of ``week`` against the previous ISO week, with the change called.

    Per metric and side, :math:`\hat p_w - \hat p_{w-1}` (pooled rates, percentage points when
    shown) with the CR2 interval :math:`\pm t_{\nu}\sqrt{V_w + V_{w-1}}` and the p-value of
    :func:`analysis.stats.compare.compare` (``between`` the two weeks; :math:`\nu` the
    Bell-McCaffrey df; a LIVE spanning both weeks counts on each side). The p-values of the
    rows with a test (the family; a row without one, e.g. no ``orders`` column, is not counted)
    are Holm-adjusted together (family-wise error at :math:`1 -` ``level``):
    ``call`` is ``"change"`` when ``pvalue_holm < 1 - level``, ``"within noise"`` otherwise.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells holding ``week`` and, when there is one, the week before. Not modified.
    week : str
        The ISO week ``"YYYY-Www"``.
    metrics : sequence of str or Metric
        Metrics (:data:`analysis.metrics.METRICS`), one row per metric and side, in this order.
    level : float
        Confidence level of the intervals; the family-wise level of the calls.

    Returns
    -------
    pandas.DataFrame
        :data:`CHANGE_COLUMNS`: ``side`` ``live`` / ``nonlive``, ``cluster`` the column of its
        clusters, the rates and trials of each week, ``diff`` and its interval, ``df``,
        ``pvalue`` and ``pvalue_holm``, ``call`` (:data:`CALLS`; empty without a test),
        the clusters of each week, ``method``, ``level`` and the status of the ``compare`` row
        (``few_clusters`` under :data:`analysis.stats.reference.FEW_CLUSTERS` LIVEs or days in
        a week, ``undefined_too_few`` with one, ``undefined_out_of_range`` when the previous
        week has no cells of the side, ``undefined_no_cells`` when this week has none).

    References
    ----------
    Holm S (1979). A simple sequentially rejective multiple test procedure. Scand J Stat
    6:65-70. Bell RM, McCaffrey DF (2002). Surv Methodol 28:169-181. Pustejovsky JE, Tipton E
    (2018). J Bus Econ Stat 36:672-683.
    """
    level = check_level(level)
    this = parse_week(week)
    before = parse_week(_iso(this.monday - pd.Timedelta(days=7)))
    dates = cells["date"]
    period = np.where((dates >= this.monday) & (dates < this.next_monday), "this",
                      np.where((dates >= before.monday) & (dates < this.monday), "previous", ""))  # fmt: skip
    rows = [_row(cells, period, get_metric(m), side, level) | {"week": this.iso,
            "previous_week": before.iso} for m in metrics for side in CLUSTERS]  # fmt: skip
    out = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    tested = out["pvalue"].notna().to_numpy()  # the family: the rows with a test
    out["pvalue_holm"] = np.nan
    if tested.any():
        p = out.loc[tested, "pvalue"].to_numpy(float)
        out.loc[tested, "pvalue_holm"] = adjust_pvalues(p, method="holm")
    alpha = 1 - level
    out["call"] = np.where(out["pvalue_holm"].isna(), "",
                           np.where(out["pvalue_holm"] < alpha, "change", "within noise"))  # fmt: skip
    return out


def _iso(day: pd.Timestamp) -> str:
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def _row(
    cells: pd.DataFrame, period: np.ndarray, metric: Metric, side: str, level: float
) -> dict[str, object]:
    """One metric on one side: the ``compare`` of this week (a) with the previous one (b)."""
    flag, cluster = CLUSTERS[side]
    row: dict[str, object] = dict.fromkeys(CHANGE_COLUMNS, np.nan)
    row.update(metric=metric.name, side=side, cluster=cluster, method=METHOD, level=level)
    on_side = (cells["is_live"] == flag).fillna(False).to_numpy(dtype=bool) & (period != "")
    sub = cells.loc[on_side].assign(**{_PERIOD: period[on_side]})
    found = set(sub[_PERIOD])
    if "this" not in found or "previous" not in found:
        code = "undefined_no_cells" if "this" not in found else "undefined_out_of_range"
        what = "this week" if "this" not in found else "the previous week"
        row.update(status=code, status_message=status_message(code, f"no {side} cells in {what}"))
        return row
    try:
        c = compare(sub, between=_PERIOD, groups=("this", "previous"), metric=metric,
                    level=level, cluster=cluster).iloc[0]  # fmt: skip
    except (ValueError, KeyError) as err:
        detail = f"{type(err).__name__}: {err}"
        return {**row, "status": "failed", "status_message": status_message("failed", detail)}
    row.update(trials=c["trials_a"], rate=c["rate_a"], trials_previous=c["trials_b"],
               rate_previous=c["rate_b"], diff=c["diff"], diff_ci_low=c["diff_ci_low"],
               diff_ci_high=c["diff_ci_high"], df=c.get("df", np.nan), pvalue=c["pvalue"],
               n_clusters=c.get("n_clusters_a", np.nan),
               n_clusters_previous=c.get("n_clusters_b", np.nan),
               status=c["status"], status_message=c["status_message"])  # fmt: skip
    return row
