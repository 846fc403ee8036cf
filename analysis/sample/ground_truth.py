"""The ground truth of a simulation: the JSON summary written as the sample's ``truth.json``.

:func:`ground_truth` records every planted parameter (:mod:`analysis.sample.parameters`), what
the draws made of the shop (creators, LIVEs, videos, promos, random effects, anomalies) and the
expected rates of the simulated cells, so every estimate of a notebook can be set beside what was
planted. ``data/README.md`` ("truth.json") documents the keys; :func:`analysis.sample.simulate.simulate`
lists them.

References
----------
Latent intra-class correlation of a logistic random intercept ``sd^2 / (sd^2 + pi^2 / 3)``
(Snijders & Bosker, 2012, *Multilevel Analysis*, 2nd ed., sec. 17.3); design effect
``1 + (m - 1) ICC`` (Kish, 1965, *Survey Sampling*).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from analysis.sample.parameters import (
    CATEGORY_EFFECTS,
    CREATOR_SD,
    CURRENCY,
    INTERCEPT,
    INTERVENTION_AFTER,
    INTERVENTION_BEFORE,
    INTERVENTION_CREATOR,
    LIVE_LOG_OR,
    METRICS,
    PRODUCT_DAY_SD,
    REFERENCE,
    SESSION_SD,
    TZ,
    conditional_effect,
    dynamics,
    expit,
    funnel_parameters,
    planted_effects,
    traffic_parameters,
)
from analysis.sample.schedule import Shop
from analysis.sample.truth import truth_rates

__all__ = ["empirical_icc", "ground_truth", "iso_week", "jsonable"]


def ground_truth(
    shop: Shop, cells: pd.DataFrame, expected: pd.DataFrame, *, seed: int, scale: float
) -> dict[str, Any]:
    """The JSON-serialisable truth dict of a simulation (keys: see
    :func:`analysis.sample.simulate.simulate`, "Returns").

    Parameters
    ----------
    shop : Shop
        The drawn shop.
    cells : pandas.DataFrame
        The validated simulated cells (row order).
    expected : pandas.DataFrame
        ``row, p_atc, p_order`` of the cells.
    seed, scale
        The simulation's arguments, recorded as given.

    Returns
    -------
    dict
        Plain Python values only (:func:`jsonable`), keys in the order ``truth.json`` shows them.
    """
    cal = shop.calendar
    truth = {
        "seed": int(seed),
        "weeks": int(cal.weeks),
        "start": cal.t0.strftime("%Y-%m-%d"),
        "end": (cal.stop - pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
        "tz": TZ,
        "scale": float(scale),
        "currency": CURRENCY,
        "grain": "hour",
        "unit": "visitor",
        "reference": dict(REFERENCE),
        **planted_effects(),
        "creators": _creators(shop),
        "sd": {"creator": CREATOR_SD, "session": SESSION_SD, "product_day": PRODUCT_DAY_SD},
        "icc": _icc(cells, expected),
        "intervention": _intervention(shop, cells, expected),
        **dynamics(),
        "anomalies": [{"start": _iso(a["start"]), "shift": a["shift"]} for a in shop.anomalies],
        **funnel_parameters(),
        "conditional": conditional_effect(),
        "crude": _crude(cells, expected, "atc_rate"),
        "crude_conversion": _crude(cells, expected, "conversion"),
        **_schedule(shop),
        "traffic": traffic_parameters(scale),
        "sample": _sample(cells),
    }
    return jsonable(truth)


def _creators(shop: Shop) -> dict[str, dict[str, Any]]:
    """Per creator: category, effect used and drawn, audience, slots and LIVE rate at reference.

    The rate at reference is ``expit(intercept + live + category + creator effect)``.
    """
    out = {}
    for h, c in shop.creators.items():
        alpha = INTERCEPT + LIVE_LOG_OR + CATEGORY_EFFECTS[c["category"]] + c["effect"]
        out[h] = {
            "category": c["category"],
            "effect": c["effect"],
            "drawn_effect": c["drawn_effect"],
            "audience": c["audience"],
            "lives_per_week": c["lives_per_week"],
            "slots": c["slots"],
            "live_rate_at_reference": float(expit(alpha)),
        }
    return out


def _icc(cells: pd.DataFrame, expected: pd.DataFrame) -> dict[str, Any]:
    """Latent ICCs ``sd^2 / (sd^2 + pi^2 / 3)`` of the planted random effects, and the empirical
    ICCs of the sample's LIVE sessions and off-live product-days (:func:`empirical_icc`)."""
    c2, s2, d2, logistic = CREATOR_SD**2, SESSION_SD**2, PRODUCT_DAY_SD**2, math.pi**2 / 3
    v = cells["viewers"].to_numpy(dtype=float)
    p = expected["p_atc"].to_numpy()
    live = cells["is_live"].to_numpy(dtype=bool)
    product_day = cells["product_id"].astype(str) + "/" + cells["date"].dt.strftime("%Y-%m-%d")
    sessions = cells["content_id"].astype(str).to_numpy()
    days = product_day.to_numpy()
    return {
        "latent": {
            "session": s2 / (s2 + logistic),
            "creator_and_session": (c2 + s2) / (c2 + s2 + logistic),
            "product_day": d2 / (d2 + logistic),
        },
        "latent_formula": "sd^2 / (sd^2 + pi^2/3)",
        "empirical": {
            "live_session": empirical_icc(v[live], p[live], sessions[live]),
            "offlive_product_day": empirical_icc(v[~live], p[~live], days[~live]),
        },
        "empirical_formula": "viewer-weighted variance of the clusters' expected ATC rates / "
        "(p (1 - p)); design_effect = 1 + (m - 1) icc, m = sum(n^2)/sum(n)",
    }


def empirical_icc(viewers: np.ndarray, p: np.ndarray, groups: np.ndarray) -> dict[str, Any]:
    """Between-cluster variance of the expected ATC rate over the binomial variance.

    .. math::

        \\mathrm{ICC} = \\frac{\\sum_g n_g (\\bar p_g - \\bar p)^2 / \\sum_g n_g}
                             {\\bar p (1 - \\bar p)}, \\qquad
        \\mathrm{deff} = 1 + (m - 1)\\,\\mathrm{ICC}, \\quad m = \\sum n_g^2 / \\sum n_g

    with ``n_g`` the viewers and ``p_g`` the expected rate of cluster ``g`` (Kish, 1965,
    *Survey Sampling*).

    Parameters
    ----------
    viewers : numpy.ndarray
        Viewers ``n`` of each cell.
    p : numpy.ndarray
        True per-viewer probability of each cell.
    groups : numpy.ndarray
        Each cell's cluster label (a LIVE session, a product-day).

    Returns
    -------
    dict
        ``icc``, ``clusters``, ``mean_cluster_viewers`` (``m``) and ``design_effect``.
    """
    df = pd.DataFrame({"g": groups, "v": viewers, "vp": viewers * p})
    s = df.groupby("g")[["v", "vp"]].sum()
    rate = s["vp"] / s["v"]
    pbar = s["vp"].sum() / s["v"].sum()
    var = float(np.average((rate - pbar) ** 2, weights=s["v"]))
    icc = var / (pbar * (1 - pbar))
    m = float((s["v"] ** 2).sum() / s["v"].sum())  # viewer-weighted mean cluster size
    return {"icc": icc, "clusters": len(s), "mean_cluster_viewers": m,
            "design_effect": 1 + (m - 1) * icc}  # fmt: skip


def _intervention(shop: Shop, cells: pd.DataFrame, expected: pd.DataFrame) -> dict:
    """The intervention: creator, start, planted rates and jump, and the expected rates of her
    LIVE cells before and after in this sample (they include fatigue and her hours)."""
    start = shop.intervention_start
    ic_lives = cells["is_live"].fillna(False).to_numpy(dtype=bool) & (
        cells["creator"] == INTERVENTION_CREATOR
    ).fillna(False).to_numpy(dtype=bool)
    after = (cells["start"] >= start).to_numpy()
    before, after = ic_lives & ~after, ic_lives & after
    v = cells["viewers"].to_numpy(dtype=float)
    p = expected["p_atc"].to_numpy()
    category = shop.creators[INTERVENTION_CREATOR]["category"]
    return {
        "creator": INTERVENTION_CREATOR,
        "date": start.strftime("%Y-%m-%d"),
        "start": _iso(start),
        "in_sample": bool(after.any() and before.any()),
        "what": "questions-réponses en direct (Q&A) added to every LIVE from that date",
        "log_or_jump": shop.jump,
        "rate_before": INTERVENTION_BEFORE,
        "rate_after": INTERVENTION_AFTER,
        "rates_at": "reference conditions, LIVE, her category "
        f"({category}) and creator effect, session effect 0, fatigue 0",
        "expected_rate_before": _weighted_rate(v, p, before),
        "expected_rate_after": _weighted_rate(v, p, after),
    }


def _weighted_rate(v: np.ndarray, p: np.ndarray, mask: np.ndarray) -> float | None:
    """``sum(v p) / sum(v)`` over ``mask`` (None without viewers)."""
    den = v[mask].sum()
    return float((v[mask] * p[mask]).sum() / den) if den > 0 else None


def _crude(cells: pd.DataFrame, expected: pd.DataFrame, metric: str) -> dict[str, Any]:
    """Expected crude live and non-live rates of the sample's mix, overall and per ISO week.

    The expected rate of a group is ``sum(viewers * p) / sum(viewers)``
    (:func:`analysis.sample.truth.truth_rates`).
    """
    exp = expected[["row", METRICS[metric]]]
    overall = truth_rates(cells, exp, metric=metric)
    weeks = truth_rates(cells.assign(iso_week=iso_week(cells["date"])), exp, by="iso_week",
                        metric=metric)  # fmt: skip
    return {
        "metric": metric,
        "definition": "expected rate of a group = sum(viewers * p) / sum(viewers), p the true "
        "per-cell probability given the realised random effects; ratio = live / non-live",
        "overall": _crude_row(overall.iloc[0]),
        "weeks": {str(r["iso_week"]): _crude_row(r) for _, r in weeks.iterrows()},
    }


def _crude_row(r: pd.Series) -> dict[str, Any]:
    """One row of :func:`analysis.sample.truth.truth_rates` as live / non-live numbers."""
    return {
        "live_rate": float(r["rate_a"]),
        "nonlive_rate": float(r["rate_b"]),
        "ratio": float(r["ratio"]),
        "difference": float(r["difference"]),
        "live_viewers": int(r["viewers_a"]),
        "nonlive_viewers": int(r["viewers_b"]),
    }


def _schedule(shop: Shop) -> dict[str, Any]:
    """What was drawn: products, LIVEs, videos, product-day effects and discount days."""
    ids, dates = shop.products.ids, shop.calendar.dates
    days = [d.strftime("%Y-%m-%d") for d in dates]
    return {
        "products": shop.products.rows,
        "lives": [_live(lv, ids) for lv in shop.lives],
        "videos": [
            {
                "content_id": vd["content_id"],
                "creator": vd["creator"],
                "title": vd["title"],
                "posted": _iso(vd["posted"]),
                "product_id": ids[vd["product"]],
            }  # fmt: skip
            for vd in shop.videos
        ],
        "product_day_effects": {
            pid: {days[d]: float(shop.product_day[i, d]) for d in range(len(dates))}
            for i, pid in enumerate(ids)
        },
        "discount_days": {
            pid: [days[d] for d in np.flatnonzero(shop.discount[i])] for i, pid in enumerate(ids)
        },
    }


def _live(lv: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """One LIVE of ``truth.json``: room id, creator, times, effects, products and flash hours."""
    return {
        "content_id": lv["content_id"],
        "creator": lv["creator"],
        "title": lv["title"],
        "start": _iso(lv["start"]),
        "end": _iso(lv["end"]),
        "series_index": lv["series_index"],
        "session_effect": lv["session_effect"],
        "intervention": lv["intervention"],
        "product_ids": [ids[i] for i in lv["products"]],
        "flash_sales": [
            {"start": _iso(lv["start"] + pd.Timedelta(hours=j)), "product_id": ids[i]}
            for j, i in lv["flash"]
        ],
    }


def _sample(cells: pd.DataFrame) -> dict[str, Any]:
    """Rows, viewers by channel and by ISO week (live / non-live) of the simulated cells."""
    by_channel = cells.groupby("channel", observed=True)["viewers"].sum()
    weeks = (
        cells.assign(iso_week=iso_week(cells["date"]))
        .groupby(["iso_week", "is_live"], observed=True)["viewers"]
        .sum()
        .unstack()
    )
    return {
        "rows": len(cells),
        "viewers_by_channel": {str(k): int(x) for k, x in by_channel.items()},
        "viewers_by_week": {
            str(w): {"live": int(r.get(True, 0) or 0), "nonlive": int(r.get(False, 0) or 0)}
            for w, r in weeks.iterrows()
        },
        "region": "not broken down (NA)",
    }


def iso_week(dates: pd.Series) -> pd.Series:
    """ISO week label ``YYYY-Www`` of each date (ISO 8601 year and week: ``"2026-W47"``).

    Parameters
    ----------
    dates : pandas.Series of datetime64
        Dates (the cells' shop-local ``date``).

    Returns
    -------
    pandas.Series of str
        Same index; the ISO year, which differs from the calendar year around 1 January.
    """
    iso = dates.dt.isocalendar()
    return iso["year"].astype(str) + "-W" + iso["week"].astype(int).map("{:02d}".format)


def _iso(ts: pd.Timestamp) -> str:
    """ISO 8601 text of a timestamp, with its UTC offset when aware."""
    return ts.isoformat()


def jsonable(x: Any) -> Any:
    """``x`` with plain JSON values only, recursively.

    Parameters
    ----------
    x : object
        Dicts (keys become ``str``), lists and tuples (become lists), numpy or Python booleans,
        integers and floats, :class:`pandas.Timestamp` (ISO 8601 text) and anything else kept.

    Returns
    -------
    object
        What :func:`json.dumps` writes without a custom encoder.
    """
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    if isinstance(x, np.bool_ | bool):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating | float):
        return float(x)
    if isinstance(x, pd.Timestamp):
        return _iso(x)
    return x
