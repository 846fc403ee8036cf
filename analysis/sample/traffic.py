"""The cells of the simulated shop and their viewers.

Every potential cell (hour x channel x content x product x age group x gender) gets an expected
number of viewers ``lam``; ``viewers ~ Poisson(lam * Gamma(k, 1/k))`` (gamma-Poisson, i.e.
negative binomial with shape ``k`` = :data:`TRAFFIC_SHAPE`), and cells with 0 viewers are
omitted (``data/README.md``, "The shop"). A cell table here is a dict of equal-length numpy
arrays; channel codes index :data:`CHANNEL_ORDER` (0 LIVE, 1 VIDEO, 2 PRODUCT_CARD), promo codes
:data:`PROMO_EFFECTS` (0 none, 1 discount, 2 flash_sale).
"""

from __future__ import annotations

import numpy as np

from analysis.sample.parameters import (
    AGE_GROUPS,
    AGE_SHARE,
    CATEGORIES,
    DISCOUNT_TRAFFIC,
    FEMALE_SHARE,
    FLASH_TRAFFIC,
    GENDERS,
    HOUR_TRAFFIC,
    LIVE_HOUR_RAMP,
    LIVE_VIEWERS_PER_PRODUCT_HOUR,
    TRAFFIC_SHAPE,
    VIDEO_DECAY_HOURS,
    VIDEO_LIFE_HOURS,
    VIDEO_VIEWERS,
    WEEKDAY_TRAFFIC,
    WEEKLY_GROWTH,
)
from analysis.sample.schedule import Shop

__all__ = ["draw_cells", "potential_cells"]

#: the columns of a block of potential cells, repeated once per audience segment
BLOCK_KEYS = ("hour_i", "product", "channel", "content", "video", "flash")


def draw_cells(rng: np.random.Generator, shop: Shop, scale: float) -> dict[str, np.ndarray]:
    """Draw the viewers of every potential cell and keep the cells with at least one.

    Parameters
    ----------
    rng : numpy.random.Generator
        The simulation's generator (one gamma draw, then one Poisson draw, per potential cell).
    shop : Shop
        From :func:`analysis.sample.simulate.draw_shop`.
    scale : float
        Multiplies every expected number of viewers.

    Returns
    -------
    dict of numpy.ndarray
        Per kept cell: ``hour_i`` (index into the calendar's hours), ``product``, ``channel``,
        ``content`` (LIVE index, -1 off-live), ``video`` (video index, -1 otherwise), ``flash``,
        ``lam``, ``age``, ``gender`` (indices), ``viewers``, ``category``, ``promo`` and
        ``creator`` (index into the shop's creators, -1 for product cards).
    """
    g = potential_cells(shop, scale)
    viewers = rng.poisson(g["lam"] * rng.gamma(TRAFFIC_SHAPE, 1 / TRAFFIC_SHAPE, g["lam"].size))
    keep = viewers > 0
    g = {k: v[keep] for k, v in g.items()}
    g["viewers"] = viewers[keep]
    g["category"] = shop.products.category[g["product"]]
    day = shop.calendar.local_day[g["hour_i"]]
    promo = np.where(shop.discount[g["product"], day], 1, 0)
    g["promo"] = np.where(g["flash"], 2, promo)
    g["creator"] = _creator_index(g, shop)
    return g


def _creator_index(g: dict[str, np.ndarray], shop: Shop) -> np.ndarray:
    """Index of each cell's creator in ``shop.creators`` (-1: product card, no creator)."""
    names = list(shop.creators)
    live_creator = np.array([names.index(lv["creator"]) for lv in shop.lives] or [0])
    video_creator = np.array([names.index(v["creator"]) for v in shop.videos] or [0])
    is_live, is_video = g["channel"] == 0, g["channel"] == 1
    creator_i = np.full(g["channel"].size, -1)
    creator_i[is_live] = live_creator[g["content"][is_live]]
    creator_i[is_video] = video_creator[g["video"][is_video]]
    return creator_i


def potential_cells(shop: Shop, scale: float) -> dict[str, np.ndarray]:
    """Every potential cell with its expected viewers ``lam`` (no random draw).

    Product cards: every hour x product, ``daily viewers x hour share x weekday x growth x
    discount``. Videos: :data:`VIDEO_LIFE_HOURS` hours after posting, decaying with time constant
    :data:`VIDEO_DECAY_HOURS`. LIVEs: every LIVE hour x product shown, ``base x creator audience
    x ramp x appeal x flash``. Each is split over the 10 age x gender segments (:data:`AGE_SHARE`,
    :data:`FEMALE_SHARE` by category) and multiplied by ``scale``.

    Parameters
    ----------
    shop : Shop
        The drawn shop.
    scale : float
        Multiplies every expected number of viewers.

    Returns
    -------
    dict of numpy.ndarray
        ``hour_i, product, channel, content, video, flash, lam, age, gender`` per potential cell:
        product cards, then videos, then LIVEs, each cell's 10 segments together.
    """
    n_seg = len(AGE_GROUPS) * len(GENDERS)
    seg_age = np.repeat(np.arange(len(AGE_GROUPS)), len(GENDERS))
    seg_gender = np.tile(np.arange(len(GENDERS)), len(AGE_GROUPS))
    female = np.array([FEMALE_SHARE[c] for c in CATEGORIES])
    parts = []
    for b in (_product_cards(shop), _videos(shop), _lives(shop)):
        cat_idx = shop.products.category[b["product"]]
        fem = female[cat_idx][:, None]
        gen = np.where(seg_gender[None, :] == 0, fem, 1 - fem)
        share = AGE_SHARE[b["kind"]][seg_age][None, :] * gen  # (n, n_seg)
        n = b["hour_i"].size
        part = {k: np.repeat(b[k], n_seg) for k in BLOCK_KEYS}
        part["lam"] = (b["lam"][:, None] * share).ravel() * scale
        part["age"] = np.tile(seg_age, n)
        part["gender"] = np.tile(seg_gender, n)
        parts.append(part)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _growth(shop: Shop) -> np.ndarray:
    """Traffic growth factor of each hour: ``(1 + WEEKLY_GROWTH) ** week``."""
    return (1 + WEEKLY_GROWTH) ** (shop.calendar.local_day // 7)


def _block(kind: str, hour_i, product, channel: int, lam, content=None, video=None, flash=None):
    """A block of potential cells of one channel (before the segment split)."""
    n = hour_i.size
    return {
        "hour_i": hour_i,
        "product": product,
        "channel": np.full(n, channel),
        "content": np.full(n, -1) if content is None else content,
        "video": np.full(n, -1) if video is None else video,
        "flash": np.zeros(n, bool) if flash is None else flash,
        "lam": lam,
        "kind": kind,
    }


def _product_cards(shop: Shop) -> dict:
    """Off-live product cards: every hour x product."""
    cal = shop.calendar
    hour_w = HOUR_TRAFFIC / HOUR_TRAFFIC.sum()
    weekday = (np.asarray(cal.local_day) + cal.t0.weekday()) % 7
    hours_2d, products_2d = np.meshgrid(np.arange(len(cal.hours)), np.arange(12), indexing="ij")
    hi, pi = hours_2d.ravel(), products_2d.ravel()
    daily = np.array([p["offlive_daily_viewers"] for p in shop.products.rows])
    lam = (
        daily[pi]
        * hour_w[cal.local_hour[hi]]
        * WEEKDAY_TRAFFIC[weekday[hi]]
        * _growth(shop)[hi]
        * np.where(shop.discount[pi, cal.local_day[hi]], DISCOUNT_TRAFFIC, 1.0)
    )
    return _block("offlive", hi, pi, 2, lam)


def _videos(shop: Shop) -> dict:
    """Shoppable videos: the :data:`VIDEO_LIFE_HOURS` hours after posting (within the grid)."""
    cal, videos = shop.calendar, shop.videos
    hour_index = cal.hour_index
    rows_h, rows_v = [], []
    for j, v in enumerate(videos):
        i0 = hour_index[int(v["posted"].value)]
        idx = np.arange(i0, min(i0 + VIDEO_LIFE_HOURS, len(cal.hours)))
        rows_h.append(idx)
        rows_v.append(np.full(idx.size, j))
    vh = np.concatenate(rows_h)
    vv = np.concatenate(rows_v)
    vage = vh - np.array([hour_index[int(videos[j]["posted"].value)] for j in vv])
    vprod = np.array([videos[j]["product"] for j in vv])
    vaud = np.array([shop.creators[videos[j]["creator"]]["audience"] for j in vv])
    shape = np.exp(-np.arange(VIDEO_LIFE_HOURS) / VIDEO_DECAY_HOURS)
    lam = (
        VIDEO_VIEWERS
        * vaud
        * shape[vage]
        / shape.sum()
        * (HOUR_TRAFFIC[cal.local_hour[vh]] / HOUR_TRAFFIC.mean())
        * _growth(shop)[vh]
    )
    return _block("offlive", vh, vprod, 1, lam, video=vv)


def _lives(shop: Shop) -> dict:
    """LIVEs: every LIVE hour (within the grid) x product of the showcase."""
    hour_index, n_hours = shop.calendar.hour_index, len(shop.calendar.hours)
    appeal = shop.products.appeal
    lh, lp, lc, lf, llam = [], [], [], [], []
    for c, lv in enumerate(shop.lives):
        i0 = hour_index[int(lv["start"].value)]
        aud = shop.creators[lv["creator"]]["audience"]
        flash = set(lv["flash"])
        for j in range(lv["duration"]):
            if i0 + j >= n_hours:
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
    hours = np.array(lh, dtype=int)
    lam = np.array(llam) * _growth(shop)[hours]
    return _block("live", hours, np.array(lp, dtype=int), 0, lam,
                  content=np.array(lc, dtype=int), flash=np.array(lf, dtype=bool))  # fmt: skip
