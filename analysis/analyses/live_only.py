"""What a LIVE list alone supports: click-through, orders per view, GMV per 1,000 views.

Most shops can export the LIVE list (one row per LIVE: views, product impressions, product
clicks, orders, GMV) but no add-to-cart and no non-live side. :func:`live_rates` gives the rates
those files do support, pooled over LIVEs per group (start hour, creator):

- ``click_through`` = sum(clicks) / sum(impressions): product clicks per product impression;
- ``orders_per_view`` = sum(orders) / sum(views): orders per LIVE view;
- ``gmv_per_1000_views`` = 1000 · sum(revenue) / sum(views), one currency per group.

Intervals: those of :func:`analysis.stats.rates.rates` clustered by LIVE (``content_id``: one
LIVE-list row is one LIVE), so they count LIVEs, not views: viewers of one LIVE share its mood.
With fewer than :data:`analysis.stats.reference.FEW_CLUSTERS` LIVEs a row says ``few_clusters``
(valid but wide); a group of one LIVE has no interval (``undefined_too_few``); cells without a
LIVE id get the viewer-level interval with status ``not_clustered``. Definitions:
``docs/metrics.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.metrics import Metric
from analysis.stats.rates import rates

__all__ = ["LIVE_METRICS", "LIVE_RATE_COLUMNS", "POOLED", "live_rates"]

#: the rates of :func:`live_rates` (name -> metric; GMV is scaled by 1,000 after pooling)
LIVE_METRICS: dict[str, Metric] = {
    "click_through": Metric(
        name="click_through", label="Click-through", numerator="clicks",
        denominator="impressions", kind="proportion",
        unit_note="product clicks per product impression",
        description="Click-through: sum(clicks) / sum(impressions)."),
    "orders_per_view": Metric(
        name="orders_per_view", label="Orders per view", numerator="orders",
        denominator="views", kind="proportion", unit_note="orders per LIVE view",
        description="Orders per view: sum(orders) / sum(views)."),
    "gmv_per_1000_views": Metric(
        name="gmv_per_1000_views", label="GMV per 1,000 views", numerator="revenue",
        denominator="views", kind="ratio", unit_note="GMV per 1,000 LIVE views, shop currency",
        description="GMV per 1,000 views: 1000 * sum(revenue) / sum(views)."),
}  # fmt: skip
#: ``group`` and ``value`` of the pooled row of each metric (every LIVE of the cells)
POOLED = "all"
#: columns of :func:`live_rates`
LIVE_RATE_COLUMNS = (
    "metric", "group", "value", "n_cells", "successes", "trials", "rate", "ci_low", "ci_high",
    "n_clusters", "df", "method", "level", "status", "status_message",
)  # fmt: skip


def live_rates(
    cells: pd.DataFrame,
    *,
    by: str | Sequence[str] = ("hour", "creator"),
    level: float = 0.95,
    cluster: str = "content_id",
) -> pd.DataFrame:
    """Click-through, orders per view and GMV per 1,000 views of the LIVE cells, per group.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells; only LIVE cells (``is_live`` True) with the metric's two counts are
        used (one LIVE-list row per LIVE). Not modified.
    by : str or sequence of str
        Columns to group by, each on its own (``hour`` = the LIVE's start hour, ``creator``);
        a column with no value on the LIVE cells is skipped.
    level : float
        Confidence level.
    cluster : str
        Cluster column of the intervals (:func:`analysis.stats.rates.rates`): ``content_id``,
        one LIVE.

    Returns
    -------
    pandas.DataFrame
        :data:`LIVE_RATE_COLUMNS`: ``group`` is the column, ``value`` its value (:data:`POOLED`,
        ``all``, for the pooled row of each metric); ``n_clusters`` the LIVEs of the row and ``df`` the
        degrees of freedom of its interval; ``method``, ``status`` and ``status_message`` those
        of :func:`analysis.stats.rates.rates` (``few_clusters`` with few LIVEs,
        ``undefined_too_few`` for one LIVE, ``not_clustered`` without LIVE ids, ...).
    """
    live = cells.loc[(cells["is_live"] == True).fillna(False).to_numpy(dtype=bool)]  # noqa: E712
    groups = [by] if isinstance(by, str) else list(by)
    parts = []
    for metric in LIVE_METRICS.values():
        num, den = metric.columns
        usable = live.loc[(live[num].notna() & live[den].notna()).to_numpy(dtype=bool)]
        if usable.empty:
            continue
        overall = rates(usable, metric=metric, level=level, cluster=cluster)
        overall = overall.assign(group=POOLED, value=POOLED)
        parts.append(overall)
        for g in groups:
            if g in usable and usable[g].notna().any():
                r = rates(usable.loc[usable[g].notna()], by=g, metric=metric, level=level,
                          cluster=cluster)  # fmt: skip
                parts.append(r.assign(group=g, value=r[g].astype(str)))
    if not parts:
        return pd.DataFrame(columns=list(LIVE_RATE_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    per_1000 = (out["metric"] == "gmv_per_1000_views").to_numpy(dtype=bool)
    out.loc[per_1000, ["rate", "ci_low", "ci_high"]] *= 1000
    return out[list(LIVE_RATE_COLUMNS)].reset_index(drop=True)
