"""The planted effects of each simulated cell: its terms of ``logit p_atc`` and its probabilities.

:func:`draw_shocks` draws the product x day promos and random effects and the anomalous hours;
:func:`logit_terms` gives every cell one column per term of the model (``data/README.md``, "The
planted model"; :mod:`analysis.sample.parameters`): intercept, channel, hour curve, audience,
category, promo, creator, LIVE session, product-day, fatigue, intervention, post-live halo and
anomaly. :func:`probabilities` turns their sum into ``p_atc`` and ``p_order``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.sample.parameters import (
    AGE_EFFECTS,
    AGE_GROUPS,
    ANOMALY_SHIFTS,
    CATEGORIES,
    CATEGORY_EFFECTS,
    CHECKOUT_PROBABILITY,
    DISCOUNT_DAY_PROBABILITY,
    FATIGUE_GAMMA,
    GENDER_EFFECTS,
    GENDERS,
    HALO_BETA,
    HALO_TAU_HOURS,
    INTERCEPT,
    LIVE_LOG_OR,
    NS_PER_HOUR,
    ORDER_PROBABILITY,
    PRODUCT_DAY_SD,
    PROMO_EFFECTS,
    TZ,
    VIDEO_LOG_OR,
    expit,
    hour_effect,
)
from analysis.sample.schedule import Calendar, Shop

__all__ = ["draw_shocks", "logit_terms", "probabilities"]


def draw_shocks(
    rng: np.random.Generator, calendar: Calendar
) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """Draw the discount days, the product-day random effects and the anomalous hours.

    Parameters
    ----------
    rng : numpy.random.Generator
        The simulation's generator.
    calendar : Calendar
        The hour grid (its days).

    Returns
    -------
    discount : numpy.ndarray of bool
        Product x day: a discount that day (probability :data:`DISCOUNT_DAY_PROBABILITY`).
    product_day : numpy.ndarray of float
        Product x day random effect ``N(0, PRODUCT_DAY_SD^2)`` on off-live cells.
    anomalies : list of dict
        ``{"start": aware hour start, "shift": logit shift}``, one per :data:`ANOMALY_SHIFTS`, on
        distinct days at 11-22 h, in time order.
    """
    n_days = calendar.n_days
    discount = rng.random((12, n_days)) < DISCOUNT_DAY_PROBABILITY
    product_day = np.round(rng.normal(0.0, PRODUCT_DAY_SD, size=(12, n_days)), 4)
    n_anom = len(ANOMALY_SHIFTS)
    anomaly_days = rng.choice(n_days, size=n_anom, replace=False)
    anomaly_hours = rng.integers(11, 23, size=n_anom)
    anomalies: list[dict[str, Any]] = []
    for d, h, shift in zip(anomaly_days, anomaly_hours, ANOMALY_SHIFTS, strict=True):
        ts = pd.Timestamp(calendar.dates[int(d)] + pd.Timedelta(hours=int(h)), tz=TZ)
        anomalies.append({"start": ts, "shift": shift})
    anomalies.sort(key=lambda a: a["start"])
    return discount, product_day, anomalies


def logit_terms(cells: dict[str, np.ndarray], shop: Shop) -> pd.DataFrame:
    """The terms of ``logit p_atc`` of each cell, one column each (no random draw).

    Parameters
    ----------
    cells : dict of numpy.ndarray
        From :func:`analysis.sample.traffic.draw_cells`.
    shop : Shop
        The shop the cells were drawn from.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`analysis.sample.parameters.TERM_COLUMNS`, in that order, one row per cell
        (cell order); their row sum is ``logit p_atc``. LIVE-only terms (session, fatigue,
        intervention) are 0 off-live; off-live-only terms (product_day, halo) are 0 in LIVEs.
    """
    cal = shop.calendar
    hi, pi, ch = cells["hour_i"], cells["product"], cells["channel"]
    is_live, is_video = ch == 0, ch == 1
    creator_i = cells["creator"]
    creator_eff = np.array([c["effect"] for c in shop.creators.values()])
    live = {
        key: np.array([lv[key] for lv in shop.lives] or [0], dtype=float)
        for key in ("session_effect", "series_index", "intervention")
    }
    content = np.where(is_live, cells["content"], 0)
    return pd.DataFrame(
        {
            "intercept": np.full(hi.size, INTERCEPT),
            "live": np.where(is_live, LIVE_LOG_OR, 0.0),
            "video": np.where(is_video, VIDEO_LOG_OR, 0.0),
            "hour": hour_effect(cal.local_hour[hi]),
            "age_group": np.array([AGE_EFFECTS[a] for a in AGE_GROUPS])[cells["age"]],
            "gender": np.array([GENDER_EFFECTS[s] for s in GENDERS])[cells["gender"]],
            "category": np.array([CATEGORY_EFFECTS[c] for c in CATEGORIES])[cells["category"]],
            "promo": np.array(list(PROMO_EFFECTS.values()))[cells["promo"]],
            "creator": np.where(creator_i >= 0, creator_eff[np.maximum(creator_i, 0)], 0.0),
            "session": np.where(is_live, live["session_effect"][content], 0.0),
            "product_day": np.where(~is_live, shop.product_day[pi, cal.local_day[hi]], 0.0),
            "fatigue": np.where(is_live, -FATIGUE_GAMMA * live["series_index"][content], 0.0),
            "intervention": np.where(is_live, shop.jump * live["intervention"][content], 0.0),
            "halo": _halo(cells, shop),
            "anomaly": _anomaly(cells, shop),
        }
    )


def _halo(cells: dict[str, np.ndarray], shop: Shop) -> np.ndarray:
    """Post-live halo ``HALO_BETA * exp(-dt / HALO_TAU_HOURS)`` of off-live cells.

    ``dt`` = hours from the end of the most recent LIVE (ending at or before the cell's start)
    that showed the product; 0 before any such LIVE and in LIVE cells.
    """
    pi = cells["product"]
    offlive = cells["channel"] != 0
    cell_ns = shop.calendar.hours_ns[cells["hour_i"]]
    halo = np.zeros(pi.size)
    for p in range(12):
        ends = np.sort([lv["end"].value for lv in shop.lives if p in lv["products"]])
        sel = offlive & (pi == p)
        if ends.size == 0 or not sel.any():
            continue
        k = np.searchsorted(ends, cell_ns[sel], side="right") - 1
        dt = (cell_ns[sel] - ends[np.maximum(k, 0)]) / NS_PER_HOUR
        halo[sel] = np.where(k >= 0, HALO_BETA * np.exp(-dt / HALO_TAU_HOURS), 0.0)
    return halo


def _anomaly(cells: dict[str, np.ndarray], shop: Shop) -> np.ndarray:
    """The logit shift of the anomalous hours, on every cell of that hour (0 elsewhere)."""
    cell_ns = shop.calendar.hours_ns[cells["hour_i"]]
    anomaly = np.zeros(cell_ns.size)
    for a in shop.anomalies:
        anomaly[cell_ns == a["start"].value] += a["shift"]
    return anomaly


def probabilities(terms: pd.DataFrame, category: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-viewer probabilities of each cell from its logit terms.

    .. math::

        p_{atc} = \\operatorname{expit}\\Big(\\sum \\text{terms}\\Big), \\qquad
        p_{order} = p_{atc} \\, r \\, q_{category}

    with ``r`` = :data:`CHECKOUT_PROBABILITY` and ``q`` = :data:`ORDER_PROBABILITY`
    (``data/README.md``, "The planted model").

    Parameters
    ----------
    terms : pandas.DataFrame
        From :func:`logit_terms` (only its term columns).
    category : numpy.ndarray of int
        Each cell's category index into :data:`CATEGORIES`.

    Returns
    -------
    p_atc, p_order : numpy.ndarray
    """
    p_atc = expit(terms.to_numpy().sum(axis=1))
    q = np.array([ORDER_PROBABILITY[c] for c in CATEGORIES])[category]
    return p_atc, p_atc * CHECKOUT_PROBABILITY * q
