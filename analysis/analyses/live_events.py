r"""The LIVEs of the cells, and each off-live cell's time since and until a LIVE of its product.

A LIVE is read from its hourly ``LIVE`` cells (one ``content_id``): room, creator, first hour,
end, products shown (:func:`live_sessions`). For every off-live cell of a product,
:func:`event_times` gives the hours since the end of the most recent LIVE that showed the product
(the *lag*) and the hours until the next one starts (the *lead*), and their windows
(:data:`LAG_WINDOWS`, :data:`LEAD_WINDOWS`). The post-live halo (:mod:`analysis.analyses.halo`,
:mod:`analysis.analyses.halo_decay`) and the fatigue of a series (:mod:`analysis.analyses.fatigue`)
are built on them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["LAG_WINDOWS", "LEAD_WINDOWS", "REFERENCE", "event_times", "live_sessions"]

#: lag windows after a LIVE ends: (label, from hour, to hour), half-open [from, to)
LAG_WINDOWS = (
    ("0-6 h", 0, 6), ("6-24 h", 6, 24), ("day 1", 24, 48), ("day 2", 48, 72),
    ("day 3", 72, 96), ("day 4", 96, 120), ("day 5", 120, 144), ("day 6", 144, 168),
)  # fmt: skip
#: placebo windows before a LIVE starts: (label, from, to) in hours before the start, (from, to]
LEAD_WINDOWS = (("6-0 h before", 0, 6), ("24-6 h before", 6, 24))
#: lag label of cells with no LIVE of their product in the previous 7 days (the reference)
REFERENCE = "none in 7 days"


def live_sessions(cells: pd.DataFrame) -> pd.DataFrame:
    """The LIVEs of the cells, one row per ``content_id`` of the ``LIVE`` channel.

    Returns
    -------
    pandas.DataFrame
        ``content_id``, ``creator``, ``start`` (first hour), ``end`` (start of the last hour
        + 1 h), ``n_products``, ``products`` (tuple of ``product_id``), ``trials`` (viewers),
        ``successes`` (atc), sorted by ``start``; ``series_index`` (0-based rank of the LIVE
        among its creator's LIVEs, by start).

    Notes
    -----
    The end is known to the hour for ``hour`` cells only; other grains are refused.
    """
    live = cells.loc[(cells["channel"] == "LIVE").fillna(False).to_numpy(dtype=bool)]
    live = live.loc[live["content_id"].notna().to_numpy(dtype=bool)]
    cols = ["content_id", "creator", "start", "end", "n_products", "products", "trials",
            "successes", "series_index"]  # fmt: skip
    if live.empty:
        return pd.DataFrame(columns=cols)
    grains = set(live["grain"].dropna().unique())
    if grains - {"hour"}:
        raise ValueError(
            f"LIVE cells of grain {sorted(grains - {'hour'})}: LIVE start and end are read from "
            "hourly cells only; aggregate the LIVE cells per hour first."
        )
    g = live.groupby("content_id", sort=False)
    out = pd.DataFrame({
        "creator": g["creator"].first(),
        "start": g["start"].min(),
        "end": g["start"].max() + pd.Timedelta(hours=1),
        "products": g["product_id"].agg(lambda s: tuple(sorted(s.dropna().unique()))),
        "trials": g["viewers"].sum().astype(float),
        "successes": g["atc"].sum().astype(float),
    }).reset_index()  # fmt: skip
    out["n_products"] = out["products"].map(len)
    out = out.sort_values(["start", "content_id"], ignore_index=True)
    out["series_index"] = out.groupby("creator", dropna=False).cumcount()
    return out[cols]


def event_times(cells: pd.DataFrame) -> pd.DataFrame:
    """Hours since the last LIVE and until the next one, for every off-live cell of a product.

    Returns
    -------
    pandas.DataFrame
        Index of ``cells``, off-live cells with a ``product_id`` only (``is_live`` False):
        ``lag_hours`` (cell start minus the end of the most recent LIVE that showed the product
        and ended at or before the cell start; inf when none), ``lag_creator`` (that LIVE's
        creator; NA when none), ``lead_hours`` (start of the next LIVE showing the product minus
        the cell start, > 0; inf when none), ``lag_window`` and ``lead_window`` (labels of
        :data:`LAG_WINDOWS` / :data:`LEAD_WINDOWS`; :data:`REFERENCE` and ``"none"`` outside
        them).
    """
    sessions = live_sessions(cells)
    off = cells.loc[((cells["is_live"] == False).fillna(False)  # noqa: E712
                     & cells["product_id"].notna()).to_numpy(dtype=bool),
                    ["start", "product_id"]]  # fmt: skip
    n = len(off)
    lag = np.full(n, np.inf)
    lead = np.full(n, np.inf)
    lag_creator = np.full(n, None, dtype=object)
    start_ns = off["start"].dt.tz_convert("UTC").astype("int64").to_numpy()
    products = off["product_id"].astype(str).to_numpy()
    hour_ns = 3_600_000_000_000
    codes, names = pd.factorize(products)  # each product's rows: one sort, not a scan each
    rows_of = np.split(np.argsort(codes, kind="stable"), np.cumsum(np.bincount(codes))[:-1])
    for p, sel in zip(names, rows_of, strict=True):
        shows = sessions.loc[sessions["products"].map(lambda t, p=p: p in t)]
        if shows.empty:
            continue
        by_end = shows.sort_values("end")
        ends = by_end["end"].dt.tz_convert("UTC").astype("int64").to_numpy()
        k = np.searchsorted(ends, start_ns[sel], side="right") - 1
        lag[sel] = np.where(k >= 0, (start_ns[sel] - ends[np.maximum(k, 0)]) / hour_ns, np.inf)
        lag_creator[sel] = np.where(k >= 0, by_end["creator"].to_numpy()[np.maximum(k, 0)], None)
        by_start = shows.sort_values("start")
        starts = by_start["start"].dt.tz_convert("UTC").astype("int64").to_numpy()
        j = np.searchsorted(starts, start_ns[sel], side="right")
        ok = j < len(starts)
        lead[sel] = np.where(ok, (starts[np.minimum(j, len(starts) - 1)] - start_ns[sel]) / hour_ns,
                             np.inf)  # fmt: skip
    lag_window = np.full(n, REFERENCE, dtype=object)
    for label, lo, hi in LAG_WINDOWS:
        lag_window[(lag >= lo) & (lag < hi)] = label
    lead_window = np.full(n, "none", dtype=object)
    for label, lo, hi in LEAD_WINDOWS:
        lead_window[(lead > lo) & (lead <= hi)] = label
    return pd.DataFrame(
        {"lag_hours": lag, "lag_creator": pd.array(lag_creator, dtype="string"),
         "lead_hours": lead, "lag_window": lag_window, "lead_window": lead_window},
        index=off.index,
    )  # fmt: skip
