"""Every planted parameter of the simulated French TikTok Shop (module constants).

These constants are the whole model of :mod:`analysis.sample.simulate`; each is recorded in the
sample's ``truth.json`` (:mod:`analysis.sample.ground_truth`, with the records built here:
:func:`planted_effects`, :func:`dynamics`, :func:`funnel_parameters`, :func:`conditional_effect`,
:func:`traffic_parameters`), and ``data/README.md`` tabulates them.

The model
---------
Each cell is one (hour, channel, content, product, promo, age group, gender). Its ``viewers`` are
drawn from a gamma-Poisson (negative binomial) traffic model and cells with 0 viewers are omitted.
Every viewer adds to cart independently with probability ``p_atc`` given by

.. math::

    \\operatorname{logit} p_{atc} = \\alpha + \\beta_{live} L + \\beta_{video} V + h(\\text{hour})
        + a_{age} + g_{gender} + c_{category} + \\pi_{promo} + u_{creator} (L + V)
        + (s_{session} - \\gamma n_{series} + \\delta \\, \\mathbb{1}[\\text{after}]) L
        + (w_{product,day} + \\beta_h e^{-\\Delta t / \\tau}) (1 - L) + \\text{anomaly}_{hour}

with ``L`` = LIVE, ``V`` = VIDEO, ``h(hour) = A (cos(2 pi (hour - 19) / 24) - 1)`` (0 at the 19 h
peak), ``n_series`` the 0-based rank of the LIVE in its creator's series, ``delta`` the
intervention jump of one creator, ``Delta t`` the hours since the end of the most recent LIVE that
showed the product (halo, off-live cells only). Then ``atc ~ Binomial(viewers, p_atc)``,
``checkouts ~ Binomial(atc, r)``, ``orders ~ Binomial(checkouts, q_category)`` so that
``orders ~ Binomial(viewers, p_order)`` with ``p_order = p_atc r q_category`` (at most one order
per viewer), ``items = orders + Poisson(orders e_category)`` and ``revenue`` a sum of ``orders``
Gamma baskets of category-specific mean (times a promo price factor).

References
----------
Trade-press orders of magnitude the default shop is calibrated on (``data/README.md``, "What the
sample shows"): live ATC near 9 %, off-live under 3 %, "flash sale live" peaks of 10-12 %, live
3-5x the product-card rate, a Q&A intervention lifting a live from 4 % to 9 %. Latent-scale
intra-class correlation of a logistic random intercept: ``sigma^2 / (sigma^2 + pi^2 / 3)``
(Snijders & Bosker, 2012, *Multilevel Analysis*, 2nd ed., sec. 17.3). Design effect
``1 + (m - 1) ICC`` (Kish, 1965, *Survey Sampling*).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from analysis.paths import SAMPLE_TZ

__all__ = [
    "AGE_EFFECTS", "AGE_GROUPS", "AGE_SHARE", "ANOMALY_SHIFTS", "AUDIENCE_CREATOR_LINK",
    "BASKET_MEAN_EUR", "BASKET_SHAPE", "CATEGORIES", "CATEGORY_EFFECTS", "CATEGORY_FR",
    "CHANNEL_ORDER", "CHECKOUT_PROBABILITY", "CLICKS_PER_VIEWER", "CREATORS", "CREATOR_SD", "CTR",
    "CURRENCY", "DISCOUNT_DAY_PROBABILITY", "DISCOUNT_TRAFFIC", "DURATION_P",
    "EXTRA_ITEMS_PER_ORDER", "FATIGUE_GAMMA", "FEMALE_SHARE", "FLASH_HOUR_PROBABILITY",
    "FLASH_TRAFFIC", "GENDERS", "GENDER_EFFECTS", "HALO_BETA", "HALO_TAU_HOURS", "HOUR_AMPLITUDE",
    "HOUR_PEAK", "HOUR_TRAFFIC", "INTERCEPT", "INTERVENTION_AFTER", "INTERVENTION_BEFORE",
    "INTERVENTION_CREATOR", "LIVE_HOUR_RAMP", "LIVE_LOG_OR", "LIVE_VIEWERS_PER_PRODUCT_HOUR",
    "MAIN_LIVE_CATEGORIES", "METRICS", "NS_PER_HOUR", "OFFLIVE_CATEGORY_SHARE",
    "OFFLIVE_DAILY_VIEWERS", "ORDER_PROBABILITY", "PRODUCTS", "PRODUCT_DAY_SD", "PROMO_EFFECTS",
    "PROMO_PRICE_FACTOR", "REFERENCE", "ROOM_VIEWS_PER_VIEWER", "SESSION_SD", "TERM_COLUMNS",
    "TRAFFIC_SHAPE", "TZ", "VIDEOS_PER_CREATOR_WEEK", "VIDEO_DECAY_HOURS", "VIDEO_LIFE_HOURS",
    "VIDEO_LOG_OR", "VIDEO_TITLES", "VIDEO_VIEWERS", "WEEKDAY_FR", "WEEKDAY_TRAFFIC",
    "WEEKLY_GROWTH", "conditional_effect", "dynamics", "expit", "funnel_parameters", "hour_effect",
    "logit", "planted_effects", "traffic_parameters",
]  # fmt: skip

# --------------------------------------------------------------------------------------------
# Planted parameters (log-odds of the ATC probability unless said otherwise)
# --------------------------------------------------------------------------------------------
TZ = SAMPLE_TZ  # the shop time zone of the embedded sample
CURRENCY = "EUR"
CATEGORIES = ("beauty", "gaming", "streetwear", "home")
AGE_GROUPS = ("18-24", "25-34", "35-44", "45-54", "55+")
GENDERS = ("female", "male")
#: reference conditions: every effect below is 0 there
REFERENCE = {
    "channel": "PRODUCT_CARD",
    "hour": 19,
    "age_group": "18-24",
    "gender": "female",
    "category": "home",
    "promo": "none",
}

INTERCEPT = -3.60  # logit of the off-live ATC probability at reference conditions (2.7 %)
LIVE_LOG_OR = 1.05  # LIVE vs PRODUCT_CARD, same hour / segment / product / promo, creator effect 0
VIDEO_LOG_OR = 0.10  # VIDEO vs PRODUCT_CARD
HOUR_AMPLITUDE = 0.60
HOUR_PEAK = 19
AGE_EFFECTS = {"18-24": 0.0, "25-34": 0.30, "35-44": 0.05, "45-54": -0.15, "55+": -0.35}
GENDER_EFFECTS = {"female": 0.0, "male": -0.08}
CATEGORY_EFFECTS = {"beauty": 0.35, "gaming": -0.30, "streetwear": 0.15, "home": 0.0}
PROMO_EFFECTS = {"none": 0.0, "discount": 0.25, "flash_sale": 0.30}
CREATOR_SD = 0.30  # creator random effect (LIVE and VIDEO cells)
SESSION_SD = 0.25  # LIVE-session random effect
PRODUCT_DAY_SD = 0.25  # product x shop-local day random effect (off-live cells)
HALO_BETA = 0.30  # post-live halo on off-live cells: HALO_BETA * exp(-dt / HALO_TAU_HOURS)
HALO_TAU_HOURS = 36.0
FATIGUE_GAMMA = 0.015  # per LIVE already done in the creator's series
INTERVENTION_CREATOR = "@ines.glow"
INTERVENTION_BEFORE = 0.04  # her live ATC rate at reference conditions, before / after
INTERVENTION_AFTER = 0.09
ANOMALY_SHIFTS = (1.2, -1.5, -2.3)  # logit shift of everything in one hour
CHECKOUT_PROBABILITY = 0.60  # P(checkout | atc)
ORDER_PROBABILITY = {"beauty": 0.70, "gaming": 0.60, "streetwear": 0.55, "home": 0.65}
BASKET_MEAN_EUR = {"beauty": 28.0, "gaming": 55.0, "streetwear": 42.0, "home": 35.0}
BASKET_SHAPE = 3.0  # Gamma shape of one basket (coefficient of variation 1/sqrt(3))
PROMO_PRICE_FACTOR = {"none": 1.0, "discount": 0.85, "flash_sale": 0.70}
EXTRA_ITEMS_PER_ORDER = {"beauty": 0.4, "gaming": 0.1, "streetwear": 0.3, "home": 0.2}
DISCOUNT_DAY_PROBABILITY = 0.12  # per product and day, all channels
FLASH_HOUR_PROBABILITY = 0.30  # per LIVE hour: one product of the showcase is on flash sale

# --------------------------------------------------------------------------------------------
# The shop
# --------------------------------------------------------------------------------------------
PRODUCTS = {
    "beauty": (
        "Sérum éclat vitamine C",
        "Rouge à lèvres mat longue tenue",
        "Palette nude 12 fards",
    ),
    "gaming": ("Casque gaming sans fil", "Manette Bluetooth pro", "Tapis de souris XXL RGB"),
    "streetwear": ("Hoodie oversize", "Sneakers basses blanches", "Casquette brodée"),
    "home": ("Diffuseur d'huiles essentielles", "Lampe LED d'ambiance", "Boîtes de rangement x6"),
}
#: handle, category, first name, LIVEs per week, base audience (LIVE and video traffic multiplier)
CREATORS = (
    ("@lea.beauty", "beauty", "Léa", 2, 1.5),
    ("@ines.glow", "beauty", "Inès", 2, 1.0),
    ("@maxime.street", "streetwear", "Maxime", 2, 1.3),
    ("@sarah.style", "streetwear", "Sarah", 2, 1.1),
    ("@hugo.gaming", "gaming", "Hugo", 1, 0.55),
    ("@chloe.maison", "home", "Chloé", 1, 0.5),
)
#: LIVE durations 1, 2, 3 h: probabilities for the creators of the LIVE-heavy categories, others
DURATION_P = {"main": (0.15, 0.45, 0.40), "other": (0.6, 0.3, 0.1)}
MAIN_LIVE_CATEGORIES = ("beauty", "streetwear")
AUDIENCE_CREATOR_LINK = (
    1.0  # audience *= exp(link * drawn creator effect): better creators, more viewers
)
CATEGORY_FR = {
    "beauty": "beauté",
    "gaming": "gaming",
    "streetwear": "streetwear",
    "home": "maison",
}
WEEKDAY_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
VIDEO_TITLES = {
    "beauty": (
        "Routine teint en 60 secondes",
        "Mon maquillage du soir",
        "Test express : tenue 12 h",
    ),
    "gaming": ("Setup gaming à petit prix", "Unboxing du mois", "Test en partie classée"),
    "streetwear": ("3 looks avec une seule pièce", "Try-on haul", "Outfit de la semaine"),
    "home": ("Avant / après rangement", "Ambiance cocooning", "Astuce déco du dimanche"),
}

# traffic (viewers; multiplied by `scale`)
OFFLIVE_DAILY_VIEWERS = 4200.0  # PRODUCT_CARD viewers per day, whole shop
OFFLIVE_CATEGORY_SHARE = {"beauty": 0.20, "gaming": 0.30, "streetwear": 0.20, "home": 0.30}
LIVE_VIEWERS_PER_PRODUCT_HOUR = 100.0  # creator with audience multiplier 1
LIVE_HOUR_RAMP = (0.85, 1.0, 1.1)
VIDEO_VIEWERS = 520.0  # viewers of the product over a video's life (audience multiplier 1)
VIDEO_DECAY_HOURS = 20.0
VIDEO_LIFE_HOURS = 96
VIDEOS_PER_CREATOR_WEEK = 2
WEEKLY_GROWTH = 0.03  # traffic grows 3 % a week
TRAFFIC_SHAPE = 4.0  # gamma-Poisson shape of the viewers of a cell
FLASH_TRAFFIC = 1.6
DISCOUNT_TRAFFIC = 1.25
#: off-live traffic by shop-local hour (relative)
HOUR_TRAFFIC = np.array([0.35, 0.2, 0.12, 0.08, 0.06, 0.08, 0.2, 0.4, 0.6, 0.7, 0.75, 0.8,
                         1.0, 0.95, 0.8, 0.8, 0.85, 0.95, 1.1, 1.3, 1.5, 1.55, 1.3, 0.8])  # fmt: skip
WEEKDAY_TRAFFIC = np.array([0.9, 0.95, 1.0, 1.0, 1.05, 1.1, 1.15])
AGE_SHARE = {
    "live": np.array([0.34, 0.36, 0.16, 0.09, 0.05]),
    "offlive": np.array([0.28, 0.33, 0.20, 0.12, 0.07]),
}
FEMALE_SHARE = {"beauty": 0.82, "gaming": 0.30, "streetwear": 0.52, "home": 0.66}
CLICKS_PER_VIEWER = 0.35  # extra clicks: clicks = viewers + Poisson(0.35 viewers)
CTR = {"LIVE": 0.15, "VIDEO": 0.03, "PRODUCT_CARD": 0.05}  # clicks / impressions
ROOM_VIEWS_PER_VIEWER = 2.0  # LIVE: views = viewers + Poisson(2 viewers)

CHANNEL_ORDER = ("LIVE", "VIDEO", "PRODUCT_CARD")
METRICS = {"atc_rate": "p_atc", "conversion": "p_order"}
TERM_COLUMNS = (
    "intercept", "live", "video", "hour", "age_group", "gender", "category", "promo",
    "creator", "session", "product_day", "fatigue", "intervention", "halo", "anomaly",
)  # fmt: skip

NS_PER_HOUR = 3_600_000_000_000


def logit(p: float) -> float:
    """Log-odds of a probability.

    .. math:: \\operatorname{logit}(p) = \\log \\frac{p}{1 - p}

    Parameters
    ----------
    p : float
        A probability, ``0 < p < 1``.

    Returns
    -------
    float
    """
    return math.log(p / (1 - p))


def expit(x):
    """Inverse logit, elementwise.

    .. math:: \\operatorname{expit}(x) = \\frac{1}{1 + e^{-x}}

    Parameters
    ----------
    x : float or numpy.ndarray
        Log-odds.

    Returns
    -------
    float or numpy.ndarray
        Probabilities, same shape as ``x``.
    """
    return 1.0 / (1.0 + np.exp(-x))


def hour_effect(hour) -> np.ndarray:
    """Planted hour-of-day effect on the logit of ``p_atc``.

    .. math:: h(\\text{hour}) = A \\left(\\cos\\frac{2 \\pi (\\text{hour} - 19)}{24} - 1\\right)

    with ``A`` = :data:`HOUR_AMPLITUDE`: 0 at the 19 h peak, ``-2A`` at 7 h (``data/README.md``,
    "The planted model").

    Parameters
    ----------
    hour : int or array-like
        Shop-local hour(s) of day, 0-23.

    Returns
    -------
    numpy.ndarray
        The effect, same shape as ``hour`` (float).
    """
    hour = np.asarray(hour, dtype=float)
    return HOUR_AMPLITUDE * (np.cos(2 * np.pi * (hour - HOUR_PEAK) / 24) - 1)


# --------------------------------------------------------------------------------------------
# The fixed parameters as truth.json records them (analysis.sample.ground_truth)
# --------------------------------------------------------------------------------------------
def planted_effects() -> dict[str, Any]:
    """The fixed log-odds effects: intercept, channels, hour curve, audience, category, promo.

    Returns
    -------
    dict
        ``intercept``, ``live_log_or``, ``video_log_or``, ``hour_curve`` (form, amplitude,
        peak_hour, by_hour), ``age_group``, ``gender``, ``category``, ``promo``.
    """
    return {
        "intercept": INTERCEPT,
        "live_log_or": LIVE_LOG_OR,
        "video_log_or": VIDEO_LOG_OR,
        "hour_curve": {
            "form": "amplitude * (cos(2*pi*(hour - peak_hour)/24) - 1)",
            "amplitude": HOUR_AMPLITUDE,
            "peak_hour": HOUR_PEAK,
            "by_hour": {str(h): float(hour_effect(h)) for h in range(24)},
        },
        "age_group": dict(AGE_EFFECTS),
        "gender": dict(GENDER_EFFECTS),
        "category": dict(CATEGORY_EFFECTS),
        "promo": dict(PROMO_EFFECTS),
    }


def dynamics() -> dict[str, Any]:
    """The post-live halo and the fatigue across a creator's LIVEs.

    Returns
    -------
    dict
        ``halo`` (beta, tau_hours, form) and ``fatigue`` (gamma, form).
    """
    return {
        "halo": {
            "beta": HALO_BETA,
            "tau_hours": HALO_TAU_HOURS,
            "form": "beta * exp(-dt / tau_hours) added to the logit of off-live cells (PRODUCT_CARD "
            "and VIDEO) of a product; dt = hours from the end of the most recent LIVE that showed "
            "the product to the start of the cell (0 before any such LIVE)",
        },
        "fatigue": {
            "gamma": FATIGUE_GAMMA,
            "form": "-gamma * series_index added to the logit of LIVE cells; series_index = "
            "0-based rank of the LIVE among its creator's LIVEs",
        },
    }


def funnel_parameters() -> dict[str, Any]:
    """Checkout and order probabilities, baskets, price factors and extra items.

    Returns
    -------
    dict
        ``checkout_probability``, ``order_probability`` (per category) and ``baskets``
        (mean_eur, shape, promo_price_factor, extra_items_per_order).
    """
    return {
        "checkout_probability": CHECKOUT_PROBABILITY,
        "order_probability": dict(ORDER_PROBABILITY),
        "baskets": {
            "mean_eur": dict(BASKET_MEAN_EUR),
            "shape": BASKET_SHAPE,
            "promo_price_factor": dict(PROMO_PRICE_FACTOR),
            "extra_items_per_order": dict(EXTRA_ITEMS_PER_ORDER),
        },
    }


def conditional_effect() -> dict[str, Any]:
    """The planted live effect as odds ratio, and as rate ratio / difference at reference.

    ``live_rate = expit(INTERCEPT + LIVE_LOG_OR)``, ``nonlive_rate = expit(INTERCEPT)``.

    Returns
    -------
    dict
        ``log_or``, ``odds_ratio``, ``live_rate``, ``nonlive_rate``, ``rate_ratio``,
        ``rate_difference`` and the ``conditions`` they hold at.
    """
    ref_off = float(expit(INTERCEPT))
    ref_live = float(expit(INTERCEPT + LIVE_LOG_OR))
    return {
        "log_or": LIVE_LOG_OR,
        "odds_ratio": math.exp(LIVE_LOG_OR),
        "live_rate": ref_live,
        "nonlive_rate": ref_off,
        "rate_ratio": ref_live / ref_off,
        "rate_difference": ref_live - ref_off,
        "conditions": "reference conditions (see `reference`), creator effect 0, session and "
        "product-day effects 0, first LIVE of a series, no halo, no anomaly",
    }


def traffic_parameters(scale: float) -> dict[str, Any]:
    """The traffic model: expected viewers (times ``scale``), weekly growth, gamma shape.

    Parameters
    ----------
    scale : float
        The simulation's traffic multiplier.

    Returns
    -------
    dict
        ``offlive_daily_viewers``, ``live_viewers_per_product_hour``, ``video_viewers``,
        ``weekly_growth``, ``gamma_poisson_shape``.
    """
    return {
        "offlive_daily_viewers": OFFLIVE_DAILY_VIEWERS * scale,
        "live_viewers_per_product_hour": LIVE_VIEWERS_PER_PRODUCT_HOUR * scale,
        "video_viewers": VIDEO_VIEWERS * scale,
        "weekly_growth": WEEKLY_GROWTH,
        "gamma_poisson_shape": TRAFFIC_SHAPE,
    }
