"""The funnel counts of each simulated cell, drawn from its viewers and probabilities.

.. math::

    atc \\sim \\mathrm{Bin}(viewers, p_{atc}),\\quad
    checkouts \\sim \\mathrm{Bin}(atc, r),\\quad
    orders \\sim \\mathrm{Bin}(checkouts, q_{category}),\\quad
    items = orders + \\mathrm{Poisson}(orders \\, e_{category})

``revenue`` is a sum of ``orders`` Gamma(:data:`BASKET_SHAPE`) baskets of mean
``BASKET_MEAN_EUR[category] * PROMO_PRICE_FACTOR[promo]`` rounded to the cent;
``clicks = viewers + Poisson(0.35 viewers)``, ``impressions = clicks + Poisson(clicks (1/CTR -
1))`` and, in LIVEs, ``views = viewers + Poisson(2 viewers)`` (``data/README.md``, "Data
dictionary").
"""

from __future__ import annotations

import numpy as np

from analysis.sample.parameters import (
    BASKET_MEAN_EUR,
    BASKET_SHAPE,
    CATEGORIES,
    CHANNEL_ORDER,
    CHECKOUT_PROBABILITY,
    CLICKS_PER_VIEWER,
    CTR,
    EXTRA_ITEMS_PER_ORDER,
    ORDER_PROBABILITY,
    PROMO_PRICE_FACTOR,
    ROOM_VIEWS_PER_VIEWER,
)

__all__ = ["draw_counts"]


def draw_counts(
    rng: np.random.Generator, cells: dict[str, np.ndarray], p_atc: np.ndarray
) -> dict[str, np.ndarray]:
    """Draw the counts of every cell, in a fixed order (atc, checkouts, orders, items, revenue,
    clicks, impressions, views).

    Parameters
    ----------
    rng : numpy.random.Generator
        The simulation's generator.
    cells : dict of numpy.ndarray
        From :func:`analysis.sample.traffic.draw_cells` (``viewers``, ``category``, ``promo``,
        ``channel``).
    p_atc : numpy.ndarray
        Each cell's ATC probability (:func:`analysis.sample.effects.probabilities`).

    Returns
    -------
    dict of numpy.ndarray
        ``atc, checkouts, orders, items, revenue, clicks, impressions, views`` per cell
        (``views`` 0 off-live: the cells frame makes it NA there).
    """
    viewers, cat_i, promo = cells["viewers"], cells["category"], cells["promo"]
    q = np.array([ORDER_PROBABILITY[c] for c in CATEGORIES])[cat_i]
    atc = rng.binomial(viewers, p_atc)
    checkouts = rng.binomial(atc, CHECKOUT_PROBABILITY)
    orders = rng.binomial(checkouts, q)
    extra = np.array([EXTRA_ITEMS_PER_ORDER[c] for c in CATEGORIES])[cat_i]
    items = orders + rng.poisson(orders * extra)
    basket = np.array([BASKET_MEAN_EUR[c] for c in CATEGORIES])[cat_i]
    price = np.array(list(PROMO_PRICE_FACTOR.values()))[promo]
    revenue = np.zeros(viewers.size)
    has = orders > 0
    revenue[has] = rng.gamma(
        BASKET_SHAPE * orders[has], basket[has] * price[has] / BASKET_SHAPE
    ).round(2)
    clicks = viewers + rng.poisson(CLICKS_PER_VIEWER * viewers)
    ctr = np.array([CTR[c] for c in CHANNEL_ORDER])[cells["channel"]]
    impressions = clicks + rng.poisson(clicks * (1 / ctr - 1))
    is_live = cells["channel"] == 0
    views = np.where(is_live, viewers + rng.poisson(ROOM_VIEWS_PER_VIEWER * viewers), 0)
    return {"atc": atc, "checkouts": checkouts, "orders": orders, "items": items,
            "revenue": revenue, "clicks": clicks, "impressions": impressions, "views": views}  # fmt: skip
