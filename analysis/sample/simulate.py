"""A simulated French TikTok Shop with planted, documented effects (the embedded sample + ground truth).

:func:`simulate` returns canonical cells (hour grain, unit ``visitor``) and a ``truth`` dict with
every planted parameter; :func:`expected` gives the true per-cell probabilities (``p_atc``,
``p_order`` per viewer), :func:`terms` their decomposition on the logit scale, and
:func:`truth_rates` the expected rates of any selection of cells, so every number a notebook
computes from the sample can be checked against what was planted. :func:`write_sample` writes the
committed sample (``cells.parquet``, ``truth.json``, ``expected/expected.parquet``); ``data/README.md``
documents it.

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
Trade-press orders of magnitude (``shared/seed.txt``): live ATC near 9 %, off-live under 3 %,
"flash sale live" peaks of 10-12 %, live 3-5x the product-card rate, a Q&A intervention lifting a
live from 4 % to 9 %. Latent-scale intra-class correlation of a logistic random intercept:
``sigma^2 / (sigma^2 + pi^2 / 3)`` (Snijders & Bosker, *Multilevel Analysis*, 2nd ed., 2012,
sec. 17.3). Design effect ``1 + (m - 1) ICC`` (Kish, *Survey Sampling*, 1965).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.cells import validate_cells
from analysis.paths import SAMPLE_DIR, SAMPLE_TZ
from analysis.vocabulary import check_argument

# --------------------------------------------------------------------------------------------
# Planted parameters (log-odds of the ATC probability unless said otherwise)
# --------------------------------------------------------------------------------------------
TZ = SAMPLE_TZ
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

_NS_PER_HOUR = 3_600_000_000_000


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def hour_effect(hour) -> np.ndarray:
    """Planted hour-of-day effect ``A (cos(2 pi (hour - 19) / 24) - 1)`` (0 at 19 h, -2A at 7 h)."""
    hour = np.asarray(hour, dtype=float)
    return HOUR_AMPLITUDE * (np.cos(2 * np.pi * (hour - HOUR_PEAK) / 24) - 1)


def _ids(rng: np.random.Generator, n: int, prefix: int) -> list[str]:
    """``n`` distinct 19-digit id strings starting with the 2 digits ``prefix``."""
    lo = prefix * 10**17
    out: list[str] = []
    while len(out) < n:
        x = str(int(rng.integers(lo, lo + 10**17)))
        if x not in out:
            out.append(x)
    return out


def _iso(ts: pd.Timestamp) -> str:
    return ts.isoformat()


def _iso_week(dates: pd.Series) -> pd.Series:
    iso = dates.dt.isocalendar()
    return iso["year"].astype(str) + "-W" + iso["week"].astype(int).map("{:02d}".format)


# --------------------------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _build(weeks: int, seed: int, start: str, scale: float):
    if int(weeks) != weeks or weeks < 1:
        raise ValueError(f"weeks must be a whole number >= 1, not {weeks!r}")
    if not scale > 0:
        raise ValueError(f"scale must be > 0, not {scale!r}")
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start)
    if t0.tzinfo is not None:
        t0 = t0.tz_convert(TZ).tz_localize(None)
    t0 = t0.normalize()
    first = pd.Timestamp(t0, tz=TZ)
    stop = pd.Timestamp(t0 + pd.Timedelta(days=7 * weeks), tz=TZ)
    hours = pd.date_range(first, stop, freq="h", inclusive="left")  # absolute hours (DST-safe)
    hours_ns = hours.as_unit("ns").asi8
    local_hour = hours.hour.to_numpy()
    local_day = (hours.tz_localize(None).normalize() - t0).days.to_numpy()  # 0-based day
    n_days = 7 * weeks
    dates = [t0 + pd.Timedelta(days=d) for d in range(n_days)]

    # ---- products --------------------------------------------------------------------------
    product_ids = _ids(rng, 4 * 3, 17)
    products = []
    for i, cat in enumerate(np.repeat(CATEGORIES, 3)):
        products.append(
            {"product_id": product_ids[i], "category": str(cat), "name": PRODUCTS[cat][i % 3]}
        )
    appeal = np.round(rng.lognormal(0.0, 0.35, size=12), 4)  # relative traffic within category
    prod_cat = np.array([CATEGORIES.index(p["category"]) for p in products])
    for i, p in enumerate(products):
        cat_appeal = appeal[prod_cat == prod_cat[i]]
        share = OFFLIVE_CATEGORY_SHARE[p["category"]] * appeal[i] / cat_appeal.sum()
        p["appeal"] = float(appeal[i])
        p["offlive_daily_viewers"] = round(OFFLIVE_DAILY_VIEWERS * share, 2)

    # ---- creators ----------------------------------------------------------------------------
    drawn = rng.normal(0.0, CREATOR_SD, size=len(CREATORS))
    others = np.array([c[0] != INTERVENTION_CREATOR for c in CREATORS])
    drawn = np.round(drawn - drawn[others].mean(), 4)  # centred: the average creator has 0
    base = np.array([c[4] for c in CREATORS])
    noise = rng.normal(0.0, 0.15, size=len(CREATORS))
    audience = np.round(base * np.exp(AUDIENCE_CREATOR_LINK * drawn + noise), 4)
    alpha_live_ref = {c: INTERCEPT + LIVE_LOG_OR + CATEGORY_EFFECTS[c] for c in CATEGORIES}
    jump = _logit(INTERVENTION_AFTER) - _logit(INTERVENTION_BEFORE)
    creators = {}
    for k, (handle, cat, first_name, per_week, _) in enumerate(CREATORS):
        effect = float(drawn[k])
        if handle == INTERVENTION_CREATOR:  # set so that her reference rate is 4 % before
            effect = round(_logit(INTERVENTION_BEFORE) - alpha_live_ref[cat], 4)
        weekdays = np.sort(rng.choice(7, size=per_week, replace=False))
        slots = []
        for wd in weekdays:
            evening = rng.random() < 0.85
            hour = int(rng.integers(18, 22) if evening else rng.choice([13, 14, 16]))
            p_dur = DURATION_P["main" if cat in MAIN_LIVE_CATEGORIES else "other"]
            duration = int(rng.choice([1, 2, 3], p=p_dur))
            slots.append({"weekday": int(wd), "hour": hour, "duration_hours": duration})
        creators[handle] = {
            "category": cat,
            "name": first_name,
            "effect": effect,
            "drawn_effect": float(drawn[k]),
            "audience": float(audience[k]),
            "lives_per_week": per_week,
            "slots": slots,
        }
    intervention_date = t0 + pd.Timedelta(days=7 * (weeks // 2))
    intervention_date += pd.Timedelta(days=(7 - intervention_date.weekday()) % 7)  # a Monday
    intervention_start = pd.Timestamp(intervention_date, tz=TZ)

    # ---- lives -------------------------------------------------------------------------------
    lives = []
    for handle, cr in creators.items():
        for w in range(weeks):
            for slot in cr["slots"]:
                if rng.random() < 0.05:  # a cancelled LIVE
                    continue
                day = t0 + pd.Timedelta(days=7 * w + slot["weekday"])
                begin = pd.Timestamp(day + pd.Timedelta(hours=slot["hour"]), tz=TZ)
                lives.append({"creator": handle, "start": begin, "slot": slot})
    lives.sort(key=lambda lv: (lv["start"], lv["creator"]))
    room_ids = _ids(rng, len(lives), 75)
    series_rank: dict[str, int] = {}
    for i, lv in enumerate(lives):
        cr = creators[lv["creator"]]
        cat = cr["category"]
        cat_idx = CATEGORIES.index(cat)
        k = int(rng.integers(3, 6))
        n_own = 3  # the creator's whole category, plus 0-2 products of other categories
        own = rng.choice(np.flatnonzero(prod_cat == cat_idx), size=n_own, replace=False)
        other = rng.choice(np.flatnonzero(prod_cat != cat_idx), size=k - n_own, replace=False)
        shown = np.concatenate([np.sort(own), np.sort(other)])
        duration = lv["slot"]["duration_hours"]
        flash = []
        for j in range(duration):
            if rng.random() < FLASH_HOUR_PROBABILITY:
                flash.append((j, int(rng.choice(shown))))
        rank = series_rank.get(lv["creator"], 0)
        series_rank[lv["creator"]] = rank + 1
        after = lv["creator"] == INTERVENTION_CREATOR and lv["start"] >= intervention_start
        title = f"Live {CATEGORY_FR[cat]} du {WEEKDAY_FR[lv['slot']['weekday']]} avec {cr['name']}"
        if after:
            title += " : questions-réponses en direct"
        lv.update(
            content_id=room_ids[i],
            title=title,
            end=lv["start"] + pd.Timedelta(hours=duration),
            duration=duration,
            products=shown,
            flash=flash,
            series_index=rank,
            session_effect=round(float(rng.normal(0.0, SESSION_SD)), 4),
            intervention=bool(after),
        )

    # ---- videos ------------------------------------------------------------------------------
    videos = []
    for handle, cr in creators.items():
        cat_idx = CATEGORIES.index(cr["category"])
        for w in range(weeks):
            for _ in range(VIDEOS_PER_CREATOR_WEEK):
                day = int(rng.integers(0, 7)) + 7 * w
                hour = int(rng.integers(11, 22))
                posted = pd.Timestamp(t0 + pd.Timedelta(days=day, hours=hour), tz=TZ)
                product = int(rng.choice(np.flatnonzero(prod_cat == cat_idx)))
                title = str(rng.choice(VIDEO_TITLES[cr["category"]]))
                videos.append(
                    {"creator": handle, "posted": posted, "product": product, "title": title}
                )
    videos.sort(key=lambda v: (v["posted"], v["creator"]))
    video_ids = _ids(rng, len(videos), 74)
    for v, vid in zip(videos, video_ids, strict=True):
        v["content_id"] = vid

    # ---- promos, product-day effects, anomalies -------------------------------------------------
    discount = rng.random((12, n_days)) < DISCOUNT_DAY_PROBABILITY
    product_day = np.round(rng.normal(0.0, PRODUCT_DAY_SD, size=(12, n_days)), 4)
    n_anom = len(ANOMALY_SHIFTS)
    anomaly_days = rng.choice(n_days, size=n_anom, replace=False)
    anomaly_hours = rng.integers(11, 23, size=n_anom)
    anomalies = []
    for d, h, shift in zip(anomaly_days, anomaly_hours, ANOMALY_SHIFTS, strict=True):
        ts = pd.Timestamp(dates[int(d)] + pd.Timedelta(hours=int(h)), tz=TZ)
        anomalies.append({"start": ts, "shift": shift})
    anomalies.sort(key=lambda a: a["start"])

    # ---- the grid of potential cells -----------------------------------------------------------
    n_seg = len(AGE_GROUPS) * len(GENDERS)
    seg_age = np.repeat(np.arange(len(AGE_GROUPS)), len(GENDERS))
    seg_gender = np.tile(np.arange(len(GENDERS)), len(AGE_GROUPS))
    female = np.array([FEMALE_SHARE[c] for c in CATEGORIES])

    def seg_share(kind: str, cat_idx: np.ndarray) -> np.ndarray:
        """(n, n_seg) share of each age x gender segment."""
        age = AGE_SHARE[kind][seg_age][None, :]
        fem = female[cat_idx][:, None]
        gen = np.where(seg_gender[None, :] == 0, fem, 1 - fem)
        return age * gen

    growth = (1 + WEEKLY_GROWTH) ** (local_day // 7)
    hour_w = HOUR_TRAFFIC / HOUR_TRAFFIC.sum()
    weekday = (np.asarray(local_day) + t0.weekday()) % 7
    blocks = []

    # off-live product cards: every hour x product
    hi, pi = np.meshgrid(np.arange(len(hours)), np.arange(12), indexing="ij")
    hi, pi = hi.ravel(), pi.ravel()
    daily = np.array([p["offlive_daily_viewers"] for p in products])
    lam = (
        daily[pi]
        * hour_w[local_hour[hi]]
        * WEEKDAY_TRAFFIC[weekday[hi]]
        * growth[hi]
        * np.where(discount[pi, local_day[hi]], DISCOUNT_TRAFFIC, 1.0)
    )
    blocks.append(
        {
            "hour_i": hi,
            "product": pi,
            "channel": np.full(hi.size, 2),
            "content": np.full(hi.size, -1),
            "video": np.full(hi.size, -1),
            "flash": np.zeros(hi.size, bool),
            "lam": lam,
            "kind": "offlive",
        }
    )

    # videos: VIDEO_LIFE_HOURS hours after posting
    hour_index = {int(t): i for i, t in enumerate(hours_ns)}
    rows_h, rows_v = [], []
    for j, v in enumerate(videos):
        i0 = hour_index[int(v["posted"].value)]
        idx = np.arange(i0, min(i0 + VIDEO_LIFE_HOURS, len(hours)))
        rows_h.append(idx)
        rows_v.append(np.full(idx.size, j))
    vh = np.concatenate(rows_h)
    vv = np.concatenate(rows_v)
    vage = vh - np.array([hour_index[int(videos[j]["posted"].value)] for j in vv])
    vprod = np.array([videos[j]["product"] for j in vv])
    vaud = np.array([creators[videos[j]["creator"]]["audience"] for j in vv])
    shape = np.exp(-np.arange(VIDEO_LIFE_HOURS) / VIDEO_DECAY_HOURS)
    lam = (
        VIDEO_VIEWERS
        * vaud
        * shape[vage]
        / shape.sum()
        * (HOUR_TRAFFIC[local_hour[vh]] / HOUR_TRAFFIC.mean())
        * growth[vh]
    )
    blocks.append(
        {
            "hour_i": vh,
            "product": vprod,
            "channel": np.full(vh.size, 1),
            "content": np.full(vh.size, -1),
            "video": vv,
            "flash": np.zeros(vh.size, bool),
            "lam": lam,
            "kind": "offlive",
        }
    )

    # lives: every LIVE hour x product of the showcase
    lh, lp, lc, lf, llam = [], [], [], [], []
    for c, lv in enumerate(lives):
        i0 = hour_index[int(lv["start"].value)]
        aud = creators[lv["creator"]]["audience"]
        flash = set(lv["flash"])
        for j in range(lv["duration"]):
            if i0 + j >= len(hours):
                break
            for p in lv["products"]:
                is_flash = (j, int(p)) in flash
                lh.append(i0 + j)
                lp.append(int(p))
                lc.append(c)
                lf.append(is_flash)
                ramp = LIVE_HOUR_RAMP[min(j, len(LIVE_HOUR_RAMP) - 1)]
                llam.append(
                    LIVE_VIEWERS_PER_PRODUCT_HOUR
                    * aud
                    * ramp
                    * appeal[p]
                    * (FLASH_TRAFFIC if is_flash else 1.0)
                )
    lh = np.array(lh, dtype=int)
    lp = np.array(lp, dtype=int)
    blocks.append(
        {
            "hour_i": lh,
            "product": lp,
            "channel": np.zeros(lh.size, int),
            "content": np.array(lc, dtype=int),
            "video": np.full(lh.size, -1),
            "flash": np.array(lf, dtype=bool),
            "lam": np.array(llam) * growth[lh],
            "kind": "live",
        }
    )

    # expand each block to the 10 age x gender segments
    parts = []
    for b in blocks:
        share = seg_share(b["kind"], prod_cat[b["product"]])  # (n, n_seg)
        n = b["hour_i"].size
        part = {k: np.repeat(b[k], n_seg) for k in ("hour_i", "product", "channel", "content",
                                                    "video", "flash")}  # fmt: skip
        part["lam"] = (b["lam"][:, None] * share).ravel() * scale
        part["age"] = np.tile(seg_age, n)
        part["gender"] = np.tile(seg_gender, n)
        parts.append(part)
    g = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    # viewers: gamma-Poisson; omit empty cells
    viewers = rng.poisson(g["lam"] * rng.gamma(TRAFFIC_SHAPE, 1 / TRAFFIC_SHAPE, g["lam"].size))
    keep = viewers > 0
    g = {k: v[keep] for k, v in g.items()}
    viewers = viewers[keep]
    n = viewers.size

    # ---- per-cell terms of logit p_atc ---------------------------------------------------------
    hi, pi, ch = g["hour_i"], g["product"], g["channel"]
    is_live, is_video = ch == 0, ch == 1
    offlive = ~is_live
    day = local_day[hi]
    cell_ns = hours_ns[hi]
    cat_i = prod_cat[pi]
    promo = np.where(discount[pi, day], 1, 0)
    promo = np.where(g["flash"], 2, promo)  # 0 none, 1 discount, 2 flash_sale
    creator_names = list(creators)
    live_creator = np.array([creator_names.index(lv["creator"]) for lv in lives] or [0])
    video_creator = np.array([creator_names.index(v["creator"]) for v in videos] or [0])
    creator_i = np.full(n, -1)
    creator_i[is_live] = live_creator[g["content"][is_live]]
    creator_i[is_video] = video_creator[g["video"][is_video]]
    creator_eff = np.array([creators[h]["effect"] for h in creator_names])
    live_attr = {
        key: np.array([lv[key] for lv in lives] or [0], dtype=float)
        for key in ("session_effect", "series_index", "intervention")
    }

    # halo: most recent LIVE end (<= cell start) among the LIVEs that showed the product
    halo = np.zeros(n)
    for p in range(12):
        ends = np.sort([lv["end"].value for lv in lives if p in lv["products"]])
        sel = offlive & (pi == p)
        if ends.size == 0 or not sel.any():
            continue
        k = np.searchsorted(ends, cell_ns[sel], side="right") - 1
        dt = (cell_ns[sel] - ends[np.maximum(k, 0)]) / _NS_PER_HOUR
        halo[sel] = np.where(k >= 0, HALO_BETA * np.exp(-dt / HALO_TAU_HOURS), 0.0)
    anomaly = np.zeros(n)
    for a in anomalies:
        anomaly[cell_ns == a["start"].value] += a["shift"]

    content = np.where(is_live, g["content"], 0)
    terms = pd.DataFrame(
        {
            "intercept": np.full(n, INTERCEPT),
            "live": np.where(is_live, LIVE_LOG_OR, 0.0),
            "video": np.where(is_video, VIDEO_LOG_OR, 0.0),
            "hour": hour_effect(local_hour[hi]),
            "age_group": np.array([AGE_EFFECTS[a] for a in AGE_GROUPS])[g["age"]],
            "gender": np.array([GENDER_EFFECTS[s] for s in GENDERS])[g["gender"]],
            "category": np.array([CATEGORY_EFFECTS[c] for c in CATEGORIES])[cat_i],
            "promo": np.array(list(PROMO_EFFECTS.values()))[promo],
            "creator": np.where(creator_i >= 0, creator_eff[np.maximum(creator_i, 0)], 0.0),
            "session": np.where(is_live, live_attr["session_effect"][content], 0.0),
            "product_day": np.where(offlive, product_day[pi, day], 0.0),
            "fatigue": np.where(is_live, -FATIGUE_GAMMA * live_attr["series_index"][content], 0.0),
            "intervention": np.where(is_live, jump * live_attr["intervention"][content], 0.0),
            "halo": halo,
            "anomaly": anomaly,
        }
    )
    eta = terms.to_numpy().sum(axis=1)
    p_atc = _expit(eta)
    q = np.array([ORDER_PROBABILITY[c] for c in CATEGORIES])[cat_i]
    p_order = p_atc * CHECKOUT_PROBABILITY * q

    # ---- funnel counts ---------------------------------------------------------------------------
    atc = rng.binomial(viewers, p_atc)
    checkouts = rng.binomial(atc, CHECKOUT_PROBABILITY)
    orders = rng.binomial(checkouts, q)
    extra = np.array([EXTRA_ITEMS_PER_ORDER[c] for c in CATEGORIES])[cat_i]
    items = orders + rng.poisson(orders * extra)
    basket = np.array([BASKET_MEAN_EUR[c] for c in CATEGORIES])[cat_i]
    price = np.array(list(PROMO_PRICE_FACTOR.values()))[promo]
    revenue = np.zeros(n)
    has = orders > 0
    revenue[has] = rng.gamma(
        BASKET_SHAPE * orders[has], basket[has] * price[has] / BASKET_SHAPE
    ).round(2)
    clicks = viewers + rng.poisson(CLICKS_PER_VIEWER * viewers)
    ctr = np.array([CTR[c] for c in CHANNEL_ORDER])[ch]
    impressions = clicks + rng.poisson(clicks * (1 / ctr - 1))
    views = np.where(is_live, viewers + rng.poisson(ROOM_VIEWS_PER_VIEWER * viewers), 0)

    # ---- the cells -------------------------------------------------------------------------------
    content_ids = np.full(n, None, dtype=object)
    titles = np.full(n, None, dtype=object)
    creator_col = np.full(n, None, dtype=object)
    content_ids[is_live] = np.array([lv["content_id"] for lv in lives], dtype=object)[
        g["content"][is_live]
    ]
    titles[is_live] = np.array([lv["title"] for lv in lives], dtype=object)[g["content"][is_live]]
    content_ids[is_video] = np.array([v["content_id"] for v in videos], dtype=object)[
        g["video"][is_video]
    ]
    titles[is_video] = np.array([v["title"] for v in videos], dtype=object)[g["video"][is_video]]
    creator_col[creator_i >= 0] = np.array(creator_names, dtype=object)[creator_i[creator_i >= 0]]
    content_key = np.where(pd.isna(content_ids), "", content_ids).astype(str)
    order = np.lexsort((g["gender"], g["age"], promo, pi, content_key, ch, cell_ns))
    raw = pd.DataFrame(
        {
            "row": np.arange(1, n + 1),
            "start": hours[hi],
            "grain": "hour",
            "channel": np.array(CHANNEL_ORDER, dtype=object)[ch],
            "content_id": content_ids,
            "content_title": titles,
            "creator": creator_col,
            "product_id": np.array(product_ids, dtype=object)[pi],
            "category": np.array(CATEGORIES, dtype=object)[cat_i],
            "promo": np.array(list(PROMO_EFFECTS), dtype=object)[promo],
            "age_group": np.array(AGE_GROUPS, dtype=object)[g["age"]],
            "gender": np.array(GENDERS, dtype=object)[g["gender"]],
            "region": None,
            "impressions": impressions,
            "views": pd.Series(views, dtype="Int64").where(is_live, pd.NA),
            "viewers": viewers,
            "clicks": clicks,
            "atc": atc,
            "checkouts": checkouts,
            "orders": orders,
            "items": items,
            "revenue": revenue,
            "currency": CURRENCY,
            "unit": "visitor",
        }
    )
    raw = raw.iloc[order].reset_index(drop=True)
    raw["row"] = np.arange(1, n + 1)
    terms = terms.iloc[order].reset_index(drop=True)
    terms.insert(0, "row", np.arange(1, n + 1))
    expected_df = pd.DataFrame(
        {"row": np.arange(1, n + 1), "p_atc": p_atc[order], "p_order": p_order[order]}
    )
    cells = validate_cells(raw, tz=TZ, source="simulate")

    truth = _truth(
        weeks=weeks, seed=seed, start=t0, stop=stop, scale=scale, products=products,
        creators=creators, lives=lives, videos=videos, product_ids=product_ids,
        product_day=product_day, discount=discount, dates=dates, anomalies=anomalies,
        jump=jump, intervention_start=intervention_start, cells=cells,
        expected=expected_df,
    )  # fmt: skip
    return cells, truth, expected_df, terms


def _truth(*, weeks, seed, start, stop, scale, products, creators, lives, videos, product_ids,
           product_day, discount, dates, anomalies, jump, intervention_start, cells, expected):  # fmt: skip
    """The JSON-serialisable truth dict (see :func:`simulate`)."""
    icc_latent = {
        "session": SESSION_SD**2 / (SESSION_SD**2 + math.pi**2 / 3),
        "creator_and_session": (CREATOR_SD**2 + SESSION_SD**2)
        / (CREATOR_SD**2 + SESSION_SD**2 + math.pi**2 / 3),
        "product_day": PRODUCT_DAY_SD**2 / (PRODUCT_DAY_SD**2 + math.pi**2 / 3),
    }
    v = cells["viewers"].to_numpy(dtype=float)
    p = expected["p_atc"].to_numpy()
    live = cells["is_live"].to_numpy(dtype=bool)

    def empirical_icc(mask, groups):
        """Between-cluster variance of the expected ATC rate over the binomial variance."""
        df = pd.DataFrame({"g": groups[mask], "v": v[mask], "vp": v[mask] * p[mask]})
        s = df.groupby("g")[["v", "vp"]].sum()
        rate = s["vp"] / s["v"]
        pbar = s["vp"].sum() / s["v"].sum()
        var = float(np.average((rate - pbar) ** 2, weights=s["v"]))
        icc = var / (pbar * (1 - pbar))
        m = float((s["v"] ** 2).sum() / s["v"].sum())  # viewer-weighted mean cluster size
        return {
            "icc": icc,
            "clusters": len(s),
            "mean_cluster_viewers": m,
            "design_effect": 1 + (m - 1) * icc,
        }

    pd_key = cells["product_id"].astype(str) + "/" + cells["date"].dt.strftime("%Y-%m-%d")
    icc_empirical = {
        "live_session": empirical_icc(live, cells["content_id"].astype(str).to_numpy()),
        "offlive_product_day": empirical_icc(~live, pd_key.to_numpy()),
    }

    def rate_at_ref(eta: float) -> float:
        return float(_expit(eta))

    ref_off = rate_at_ref(INTERCEPT)
    ref_live = rate_at_ref(INTERCEPT + LIVE_LOG_OR)
    creator_alpha = {
        h: INTERCEPT + LIVE_LOG_OR + CATEGORY_EFFECTS[c["category"]] + c["effect"]
        for h, c in creators.items()
    }
    ic = creators[INTERVENTION_CREATOR]
    ic_lives = cells["is_live"].fillna(False).to_numpy(dtype=bool) & (
        cells["creator"] == INTERVENTION_CREATOR
    ).fillna(False).to_numpy(dtype=bool)
    after = cells["start"] >= intervention_start
    ic_before = ic_lives & ~after.to_numpy()
    ic_after = ic_lives & after.to_numpy()

    def crude(metric: str) -> dict:
        exp = expected.rename(columns={METRICS[metric]: "_p"})[["row", "_p"]]
        tr = truth_rates(cells, exp.rename(columns={"_p": METRICS[metric]}), metric=metric)
        wk = truth_rates(
            cells.assign(iso_week=_iso_week(cells["date"])),
            exp.rename(columns={"_p": METRICS[metric]}),
            by="iso_week",
            metric=metric,
        )

        def row(r) -> dict:
            return {
                "live_rate": float(r["rate_a"]),
                "nonlive_rate": float(r["rate_b"]),
                "ratio": float(r["ratio"]),
                "difference": float(r["difference"]),
                "live_viewers": int(r["viewers_a"]),
                "nonlive_viewers": int(r["viewers_b"]),
            }

        return {
            "metric": metric,
            "definition": "expected rate of a group = sum(viewers * p) / sum(viewers), p the true "
            "per-cell probability given the realised random effects; ratio = live / non-live",
            "overall": row(tr.iloc[0]),
            "weeks": {str(r["iso_week"]): row(r) for _, r in wk.iterrows()},
        }

    by_channel = cells.groupby("channel", observed=True)["viewers"].sum()
    weeks_viewers = (
        cells.assign(iso_week=_iso_week(cells["date"]))
        .groupby(["iso_week", "is_live"], observed=True)["viewers"]
        .sum()
        .unstack()
    )
    truth = {
        "seed": int(seed),
        "weeks": int(weeks),
        "start": start.strftime("%Y-%m-%d"),
        "end": (stop - pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
        "tz": TZ,
        "scale": float(scale),
        "currency": CURRENCY,
        "grain": "hour",
        "unit": "visitor",
        "reference": dict(REFERENCE),
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
        "creators": {
            h: {
                "category": c["category"],
                "effect": c["effect"],
                "drawn_effect": c["drawn_effect"],
                "audience": c["audience"],
                "lives_per_week": c["lives_per_week"],
                "slots": c["slots"],
                "live_rate_at_reference": rate_at_ref(creator_alpha[h]),
            }
            for h, c in creators.items()
        },
        "sd": {"creator": CREATOR_SD, "session": SESSION_SD, "product_day": PRODUCT_DAY_SD},
        "icc": {
            "latent": icc_latent,
            "latent_formula": "sd^2 / (sd^2 + pi^2/3)",
            "empirical": icc_empirical,
            "empirical_formula": "viewer-weighted variance of the clusters' expected ATC rates / "
            "(p (1 - p)); design_effect = 1 + (m - 1) icc, m = sum(n^2)/sum(n)",
        },
        "intervention": {
            "creator": INTERVENTION_CREATOR,
            "date": intervention_start.strftime("%Y-%m-%d"),
            "start": _iso(intervention_start),
            "in_sample": bool(ic_after.any() and ic_before.any()),
            "what": "questions-réponses en direct (Q&A) added to every LIVE from that date",
            "log_or_jump": jump,
            "rate_before": INTERVENTION_BEFORE,
            "rate_after": INTERVENTION_AFTER,
            "rates_at": "reference conditions, LIVE, her category "
            f"({ic['category']}) and creator effect, session effect 0, fatigue 0",
            "expected_rate_before": _ratio(v, p, ic_before),
            "expected_rate_after": _ratio(v, p, ic_after),
        },
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
        "anomalies": [{"start": _iso(a["start"]), "shift": a["shift"]} for a in anomalies],
        "checkout_probability": CHECKOUT_PROBABILITY,
        "order_probability": dict(ORDER_PROBABILITY),
        "baskets": {
            "mean_eur": dict(BASKET_MEAN_EUR),
            "shape": BASKET_SHAPE,
            "promo_price_factor": dict(PROMO_PRICE_FACTOR),
            "extra_items_per_order": dict(EXTRA_ITEMS_PER_ORDER),
        },
        "conditional": {
            "log_or": LIVE_LOG_OR,
            "odds_ratio": math.exp(LIVE_LOG_OR),
            "live_rate": ref_live,
            "nonlive_rate": ref_off,
            "rate_ratio": ref_live / ref_off,
            "rate_difference": ref_live - ref_off,
            "conditions": "reference conditions (see `reference`), creator effect 0, session and "
            "product-day effects 0, first LIVE of a series, no halo, no anomaly",
        },
        "crude": crude("atc_rate"),
        "crude_conversion": crude("conversion"),
        "products": products,
        "lives": [
            {
                "content_id": lv["content_id"],
                "creator": lv["creator"],
                "title": lv["title"],
                "start": _iso(lv["start"]),
                "end": _iso(lv["end"]),
                "series_index": lv["series_index"],
                "session_effect": lv["session_effect"],
                "intervention": lv["intervention"],
                "product_ids": [product_ids[i] for i in lv["products"]],
                "flash_sales": [
                    {
                        "start": _iso(lv["start"] + pd.Timedelta(hours=j)),
                        "product_id": product_ids[i],
                    }
                    for j, i in lv["flash"]
                ],
            }
            for lv in lives
        ],
        "videos": [
            {
                "content_id": vd["content_id"],
                "creator": vd["creator"],
                "title": vd["title"],
                "posted": _iso(vd["posted"]),
                "product_id": product_ids[vd["product"]],
            }
            for vd in videos
        ],
        "product_day_effects": {
            pid: {
                dates[d].strftime("%Y-%m-%d"): float(product_day[i, d]) for d in range(len(dates))
            }
            for i, pid in enumerate(product_ids)
        },
        "discount_days": {
            pid: [dates[d].strftime("%Y-%m-%d") for d in np.flatnonzero(discount[i])]
            for i, pid in enumerate(product_ids)
        },
        "traffic": {
            "offlive_daily_viewers": OFFLIVE_DAILY_VIEWERS * scale,
            "live_viewers_per_product_hour": LIVE_VIEWERS_PER_PRODUCT_HOUR * scale,
            "video_viewers": VIDEO_VIEWERS * scale,
            "weekly_growth": WEEKLY_GROWTH,
            "gamma_poisson_shape": TRAFFIC_SHAPE,
        },
        "sample": {
            "rows": len(cells),
            "viewers_by_channel": {str(k): int(x) for k, x in by_channel.items()},
            "viewers_by_week": {
                str(w): {
                    "live": int(r.get(True, 0) or 0),
                    "nonlive": int(r.get(False, 0) or 0),
                }
                for w, r in weeks_viewers.iterrows()
            },
            "region": "not broken down (NA)",
        },
    }
    return _jsonable(truth)


def _ratio(v: np.ndarray, p: np.ndarray, mask: np.ndarray) -> float | None:
    den = v[mask].sum()
    return float((v[mask] * p[mask]).sum() / den) if den > 0 else None


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.bool_ | bool):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating | float):
        return float(x)
    if isinstance(x, pd.Timestamp):
        return _iso(x)
    return x


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def simulate(
    weeks: int = 8, *, seed: int = 0, start: str = "2026-09-28", scale: float = 1.0
) -> tuple[pd.DataFrame, dict]:
    """Simulate a French TikTok Shop: canonical cells plus the truth that generated them.

    Four categories (``beauty, gaming, streetwear, home``) of three products each (19-digit
    ``product_id`` strings drawn from the seed), six creators (``@lea.beauty``, ...) running
    weekly LIVE series (1-2 LIVEs a week, 1-3 h, mostly evenings, concentrated in beauty and
    streetwear), shoppable videos, and product cards. The crude live / non-live contrast is
    confounded by hour, category and creator on purpose. All planted effects are module constants
    (``LIVE_LOG_OR``, ``AGE_EFFECTS``, ...) recorded in ``truth``; the model is in the module
    docstring and ``data/README.md``.

    Parameters
    ----------
    weeks : int, default 8
        Number of weeks simulated from ``start``.
    seed : int, default 0
        Seed of the one :func:`numpy.random.default_rng` used; same arguments, same output.
    start : str, default "2026-09-28"
        First shop-local day (a Monday by default: 8 weeks cover ISO weeks 2026-W40 to W47, and
        the 25-hour day of the end of summer time on 2026-10-25).
    scale : float, default 1.0
        Multiplies all traffic (expected viewers); tests use large samples.

    Returns
    -------
    cells : pandas.DataFrame
        Validated canonical cells (:func:`analysis.cells.validate_cells`, ``source='simulate'``,
        ``file`` NA, ``row`` = 1-based record number), one per (hour, channel, content, product,
        promo, age_group, gender) with at least one viewer, sorted by time. ``grain`` = ``hour``,
        ``unit`` = ``visitor``, ``region`` NA (not broken down), ``currency`` EUR.

        - ``channel``: ``LIVE`` (inside a LIVE; ``content_id`` = 19-digit room id, French
          ``content_title``, ``creator``), ``VIDEO`` (shoppable video, ``content_id`` = video id)
          or ``PRODUCT_CARD`` (no content).
        - ``promo``: ``none``, ``discount`` (product-day, any channel) or ``flash_sale`` (one
          product of the showcase during some LIVE hours).
        - ``viewers``: people of the segment who viewed the product in that hour and channel;
          ``clicks = viewers + Poisson(0.35 viewers)`` (every viewer clicked at least once);
          ``impressions = clicks + Poisson(clicks (1/CTR - 1))``; ``views`` (LIVE only) room
          views while the product was on show, ``viewers + Poisson(2 viewers)``.
        - ``atc ~ Binomial(viewers, p_atc)``, ``checkouts ~ Binomial(atc, 0.6)``,
          ``orders ~ Binomial(checkouts, q_category)``, ``items = orders + Poisson(orders
          e_category)``, ``revenue`` = sum of ``orders`` Gamma(3) baskets of mean
          ``BASKET_MEAN_EUR[category] * PROMO_PRICE_FACTOR[promo]``, rounded to the cent.
    truth : dict
        JSON-serialisable; what :func:`write_sample` writes as ``truth.json``. Keys:

        - ``seed, weeks, start, end, tz, scale, currency, grain, unit``;
        - ``reference``: the conditions at which every effect below is 0 (PRODUCT_CARD, 19 h,
          18-24, female, home, no promo);
        - ``intercept``, ``live_log_or``, ``video_log_or``, ``hour_curve`` (form, amplitude,
          peak_hour, by_hour), ``age_group``, ``gender``, ``category``, ``promo``: log-odds;
        - ``creators``: per handle the category, ``effect`` (used), ``drawn_effect``,
          ``audience`` multiplier, weekly ``slots`` and live rate at reference;
        - ``sd`` (creator, session, product_day) and ``icc`` (latent
          ``sd^2/(sd^2+pi^2/3)``, and empirical: between-cluster variance of expected rates over
          ``p(1-p)`` with the design effect) - naive tests that ignore them are over-confident;
        - ``intervention``: creator, date (a Monday: ``start`` + ``weeks // 2`` weeks), rates
          before / after at reference conditions, ``log_or_jump``, expected rates in the sample;
        - ``halo`` (beta, tau_hours), ``fatigue`` (gamma), ``anomalies`` (ISO start with
          offset, logit shift);
        - ``checkout_probability``, ``order_probability`` (per category), ``baskets``;
        - ``conditional``: the planted live effect as odds ratio and as rate ratio at reference;
        - ``crude`` / ``crude_conversion``: expected crude live and non-live rates of the
          sample's mix, ratio and difference, ``overall`` and per ISO week (``"2026-W47"``):
          ``sum(viewers * p) / sum(viewers)`` with ``p`` the true per-cell probability;
        - ``products``, ``lives`` (room id, start, end, series_index, session_effect,
          product_ids, flash_sales), ``videos``, ``product_day_effects``, ``discount_days``,
          ``traffic``, ``sample`` (rows, viewers by channel and week).

    See Also
    --------
    expected : true per-cell ``p_atc`` and ``p_order``.
    terms : the per-cell terms of ``logit(p_atc)``.
    truth_rates : expected rates of any selection of cells.
    write_sample : write cells, expected probabilities and truth to a folder.

    Examples
    --------
    >>> cells, truth = simulate(weeks=2, seed=0)
    >>> truth["live_log_or"], cells["unit"].unique().tolist()
    (1.05, ['visitor'])
    """
    cells, truth, _, _ = _build(int(weeks), int(seed), str(start), float(scale))
    return cells.copy(), json.loads(json.dumps(truth))


def expected(
    weeks: int = 8, *, seed: int = 0, start: str = "2026-09-28", scale: float = 1.0
) -> pd.DataFrame:
    """True per-viewer probabilities of the cells of :func:`simulate` (same arguments).

    Returns
    -------
    pandas.DataFrame
        ``row`` (the cells' ``row``), ``p_atc`` (probability that a viewer adds to cart, given the
        realised random effects) and ``p_order`` (probability that a viewer orders:
        ``p_atc * checkout_probability * order_probability[category]``).
    """
    return _build(int(weeks), int(seed), str(start), float(scale))[2].copy()


def terms(
    weeks: int = 8, *, seed: int = 0, start: str = "2026-09-28", scale: float = 1.0
) -> pd.DataFrame:
    """The per-cell terms of ``logit(p_atc)`` of :func:`simulate` (same arguments).

    Returns
    -------
    pandas.DataFrame
        ``row`` and one column per term of the module docstring's formula: ``intercept, live,
        video, hour, age_group, gender, category, promo, creator, session, product_day, fatigue,
        intervention, halo, anomaly``; their row sum is ``logit(p_atc)``. Useful as offsets when
        checking that a model recovers one effect with the others held at their true values.
    """
    return _build(int(weeks), int(seed), str(start), float(scale))[3].copy()


def truth_rates(
    cells: pd.DataFrame,
    expected: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    between: str = "is_live",
    metric: str = "atc_rate",
    levels: tuple | None = None,
) -> pd.DataFrame:
    """Expected rates of two sides of ``between``, per ``by`` group, from the true probabilities.

    The expected rate of a group of cells is ``sum(viewers * p) / sum(viewers)``, ``p`` the true
    per-viewer probability of each cell (``p_atc`` for ``atc_rate``, ``p_order`` for
    ``conversion``), joined on ``row``. It is what a rate computed from the counts estimates.

    Parameters
    ----------
    cells : pandas.DataFrame
        Simulated cells (any selection of rows; extra columns such as an ISO week may be added to
        group by).
    expected : pandas.DataFrame
        ``row`` and ``p_atc`` / ``p_order``, as from :func:`expected` or ``expected.parquet``.
    by : str or list of str, optional
        Columns of ``cells`` to group by; one row per group. None: one row overall.
    between : str, default "is_live"
        The column whose two sides are compared.
    metric : {"atc_rate", "conversion"}
    levels : tuple of two values, optional
        ``(a, b)``, the two sides; default ``(True, False)`` for a boolean column, else the two
        values of the column (sorted).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``metric``, ``between``, ``level_a``, ``level_b``,
        ``viewers_a``, ``viewers_b``, ``rate_a``, ``rate_b``, ``ratio`` (``rate_a / rate_b``)
        and ``difference`` (``rate_a - rate_b``). A side without viewers has rate NaN.
    """
    check_argument("metric", METRICS, metric)
    col = METRICS[metric]
    by = [] if by is None else [by] if isinstance(by, str) else list(by)
    df = cells[[*by, between, "row", "viewers"]].merge(
        expected[["row", col]], on="row", how="left", validate="one_to_one"
    )
    if df[col].isna().any():
        raise ValueError(f"{int(df[col].isna().sum())} cell row(s) have no expected {col}")
    if levels is None:
        if pd.api.types.is_bool_dtype(df[between]):
            levels = (True, False)
        else:
            values = sorted(df[between].dropna().unique())
            if len(values) != 2:
                raise ValueError(f"{between!r} has {len(values)} values; pass levels=(a, b)")
            levels = tuple(values)
    a, b = levels
    df = df[df[between].isin([a, b]).fillna(False).astype(bool)]
    keys = by or ["_all"]
    df = df.assign(
        _all=0,
        _side=np.where(df[between] == a, "a", "b"),
        _v=df["viewers"].astype(float),
        _vp=df["viewers"].astype(float) * df[col],
    )
    s = df.groupby([*keys, "_side"], observed=True, dropna=False)[["_v", "_vp"]].sum()
    wide = s.unstack("_side").reindex(
        columns=pd.MultiIndex.from_product([["_v", "_vp"], ["a", "b"]])
    )
    if not by and wide.empty:
        wide = pd.DataFrame(np.nan, index=pd.Index([0], name="_all"), columns=wide.columns)
    out = pd.DataFrame(index=wide.index)
    for side in ("a", "b"):
        out[f"viewers_{side}"] = wide[("_v", side)].fillna(0).astype("int64")
        out[f"rate_{side}"] = wide[("_vp", side)] / wide[("_v", side)].where(lambda x: x > 0)
    out["ratio"] = out["rate_a"] / out["rate_b"]
    out["difference"] = out["rate_a"] - out["rate_b"]
    out = out.reset_index(drop=not by)
    out = out.assign(
        metric=metric, between=between, level_a=[a] * len(out), level_b=[b] * len(out)
    )
    cols = [*by, "metric", "between", "level_a", "level_b", "viewers_a", "viewers_b",
            "rate_a", "rate_b", "ratio", "difference"]  # fmt: skip
    return out[cols].reset_index(drop=True)


#: where :func:`write_sample` puts the expected probabilities (a sub-folder, because
#: :func:`analysis.sources.load` reads every ``.parquet`` file of the sample folder as cells)
EXPECTED_FILE = Path("expected") / "expected.parquet"


def write_sample(
    out_dir: str | Path = SAMPLE_DIR,
    *,
    weeks: int = 8,
    seed: int = 0,
    start: str = "2026-09-28",
    scale: float = 1.0,
) -> dict[str, Path]:
    """Simulate and write ``cells.parquet``, ``expected/expected.parquet`` and ``truth.json``.

    ``cells.parquet`` is written by :func:`analysis.sources.canonical.write_cells` and keeps the
    ``row`` column, so ``analysis.load(out_dir, tz="Europe/Paris")`` returns exactly the frame
    :func:`simulate` returns and its ``row`` joins ``expected.parquet``. The expected
    probabilities are in a sub-folder because :func:`analysis.sources.load` reads every ``.parquet`` of
    a folder as cells.

    Returns
    -------
    dict
        ``{"cells": Path, "expected": Path, "truth": Path}``.

    Examples
    --------
    The committed sample is made with ``cartlift simulate --weeks 8 --seed 0 --out data/sample``,
    that is:

    >>> write_sample("data/sample", weeks=8, seed=0)  # doctest: +SKIP
    """
    from analysis.paths import resolve_data
    from analysis.sources.canonical import write_cells

    out = resolve_data(out_dir)
    (out / EXPECTED_FILE.parent).mkdir(parents=True, exist_ok=True)
    cells, truth, exp, _ = _build(int(weeks), int(seed), str(start), float(scale))
    paths = {
        "cells": write_cells(cells, out / "cells.parquet"),
        "expected": out / EXPECTED_FILE,
        "truth": out / "truth.json",
    }
    exp.to_parquet(paths["expected"], index=False, compression="zstd")
    text = json.dumps(truth, ensure_ascii=False, indent=1)
    paths["truth"].write_text(text + "\n", encoding="utf-8")
    return paths
