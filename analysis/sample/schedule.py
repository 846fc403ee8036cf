"""The simulated shop's calendar and cast: the hour grid, products, creators, LIVEs and videos.

Each ``draw_*`` function takes the one :class:`numpy.random.Generator` of a simulation and draws
in a fixed order; :func:`analysis.sample.simulate.draw_shop` calls them in the order that makes
the committed sample (``data/README.md``, "The shop"), so their order must not change.
:class:`Shop` holds everything drawn before the traffic.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from analysis.sample.parameters import (
    AUDIENCE_CREATOR_LINK,
    CATEGORIES,
    CATEGORY_EFFECTS,
    CATEGORY_FR,
    CREATOR_SD,
    CREATORS,
    DURATION_P,
    FLASH_HOUR_PROBABILITY,
    INTERCEPT,
    INTERVENTION_AFTER,
    INTERVENTION_BEFORE,
    INTERVENTION_CREATOR,
    LIVE_LOG_OR,
    MAIN_LIVE_CATEGORIES,
    OFFLIVE_CATEGORY_SHARE,
    OFFLIVE_DAILY_VIEWERS,
    PRODUCTS,
    SESSION_SD,
    TZ,
    VIDEO_TITLES,
    VIDEOS_PER_CREATOR_WEEK,
    WEEKDAY_FR,
    logit,
)

__all__ = [
    "Calendar", "Products", "Shop", "draw_creators", "draw_ids", "draw_live", "draw_lives",
    "draw_products", "draw_videos", "hour_grid", "intervention_start",
]  # fmt: skip


class Calendar(NamedTuple):
    """The shop-local hour grid of a simulation (absolute hours: safe across DST changes).

    ``t0`` is the naive first local midnight, ``stop`` the aware end (exclusive), ``hours`` every
    hour start, ``hours_ns`` the same as int64 nanoseconds, ``local_hour`` (0-23) and
    ``local_day`` (0-based day from ``t0``) per hour, ``dates`` the naive local midnights.
    """

    weeks: int
    t0: pd.Timestamp
    stop: pd.Timestamp
    hours: pd.DatetimeIndex
    hours_ns: np.ndarray
    local_hour: np.ndarray
    local_day: np.ndarray
    dates: list[pd.Timestamp]

    @property
    def n_days(self) -> int:
        """Days simulated (7 per week)."""
        return 7 * self.weeks

    @property
    def hour_index(self) -> dict[int, int]:
        """Hour start in int64 nanoseconds -> position in :attr:`hours`."""
        return {int(t): i for i, t in enumerate(self.hours_ns)}


class Products(NamedTuple):
    """The twelve products: 19-digit ``ids``, ``rows`` (dicts recorded in ``truth.json``),
    relative ``appeal`` and ``category`` (index into :data:`CATEGORIES`), in catalogue order."""

    ids: list[str]
    rows: list[dict[str, Any]]
    appeal: np.ndarray
    category: np.ndarray


class Shop(NamedTuple):
    """Everything drawn before the traffic (see :func:`analysis.sample.simulate.draw_shop`).

    ``creators`` maps each handle to its drawn attributes, ``lives`` and ``videos`` are lists of
    dicts in time order, ``discount`` (bool) and ``product_day`` (log-odds) are product x day
    arrays, ``anomalies`` a time-ordered list of ``{"start", "shift"}``.
    """

    calendar: Calendar
    products: Products
    creators: dict[str, dict[str, Any]]
    intervention_start: pd.Timestamp
    lives: list[dict[str, Any]]
    videos: list[dict[str, Any]]
    discount: np.ndarray
    product_day: np.ndarray
    anomalies: list[dict[str, Any]]

    @property
    def jump(self) -> float:
        """The intervention's log-odds jump ``logit(after) - logit(before)``."""
        return logit(INTERVENTION_AFTER) - logit(INTERVENTION_BEFORE)


def hour_grid(weeks: int, start: str) -> Calendar:
    """The hours of ``weeks`` weeks from the shop-local day of ``start`` (no random draw).

    Parameters
    ----------
    weeks : int
        Weeks of the grid.
    start : str
        A date or time; with a UTC offset it is converted to the shop time zone first. Only its
        shop-local day counts.

    Returns
    -------
    Calendar
    """
    t0 = pd.Timestamp(start)
    if t0.tzinfo is not None:
        t0 = t0.tz_convert(TZ).tz_localize(None)
    t0 = t0.normalize()
    first = pd.Timestamp(t0, tz=TZ)
    stop = pd.Timestamp(t0 + pd.Timedelta(days=7 * weeks), tz=TZ)
    hours = pd.date_range(first, stop, freq="h", inclusive="left")
    return Calendar(
        weeks=weeks,
        t0=t0,
        stop=stop,
        hours=hours,
        hours_ns=hours.as_unit("ns").asi8,
        local_hour=hours.hour.to_numpy(),
        local_day=(hours.tz_localize(None).normalize() - t0).days.to_numpy(),
        dates=[t0 + pd.Timedelta(days=d) for d in range(7 * weeks)],
    )


def draw_ids(rng: np.random.Generator, n: int, prefix: int) -> list[str]:
    """``n`` distinct 19-digit id strings starting with the 2 digits ``prefix``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The simulation's generator.
    n : int
        How many ids.
    prefix : int
        Their first two digits (17 products, 74 videos, 75 LIVE rooms).

    Returns
    -------
    list of str
        In the order drawn (a repeated draw is drawn again).
    """
    lo = prefix * 10**17
    out: list[str] = []
    while len(out) < n:
        x = str(int(rng.integers(lo, lo + 10**17)))
        if x not in out:
            out.append(x)
    return out


def draw_products(rng: np.random.Generator) -> Products:
    """Three products per category: ids, then a log-normal appeal that splits the category's
    share of the off-live traffic (:data:`OFFLIVE_CATEGORY_SHARE`).

    Parameters
    ----------
    rng : numpy.random.Generator
        The simulation's generator.

    Returns
    -------
    Products
    """
    product_ids = draw_ids(rng, 4 * 3, 17)
    products: list[dict[str, Any]] = []
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
    return Products(product_ids, products, appeal, prod_cat)


def draw_creators(rng: np.random.Generator) -> dict[str, dict[str, Any]]:
    """The creators of :data:`CREATORS`: random effect, audience and weekly LIVE slots.

    Effects are drawn from ``N(0, CREATOR_SD^2)`` and centred on the other creators; the
    intervention creator's effect is set so that her LIVE rate at reference conditions is
    :data:`INTERVENTION_BEFORE`. Audience = base ``* exp(AUDIENCE_CREATOR_LINK * effect + noise)``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The simulation's generator.

    Returns
    -------
    dict
        Handle -> ``category, name, effect, drawn_effect, audience, lives_per_week, slots``
        (``slots``: ``weekday, hour, duration_hours`` dicts).
    """
    drawn = rng.normal(0.0, CREATOR_SD, size=len(CREATORS))
    others = np.array([c[0] != INTERVENTION_CREATOR for c in CREATORS])
    drawn = np.round(drawn - drawn[others].mean(), 4)  # centred: the average creator has 0
    base = np.array([c[4] for c in CREATORS])
    noise = rng.normal(0.0, 0.15, size=len(CREATORS))
    audience = np.round(base * np.exp(AUDIENCE_CREATOR_LINK * drawn + noise), 4)
    creators = {}
    for k, (handle, cat, first_name, per_week, _) in enumerate(CREATORS):
        effect = float(drawn[k])
        if handle == INTERVENTION_CREATOR:  # set so that her reference rate is 4 % before
            alpha_live_ref = INTERCEPT + LIVE_LOG_OR + CATEGORY_EFFECTS[cat]
            effect = round(logit(INTERVENTION_BEFORE) - alpha_live_ref, 4)
        creators[handle] = {
            "category": cat,
            "name": first_name,
            "effect": effect,
            "drawn_effect": float(drawn[k]),
            "audience": float(audience[k]),
            "lives_per_week": per_week,
            "slots": _draw_slots(rng, cat, per_week),
        }
    return creators


def _draw_slots(rng: np.random.Generator, category: str, per_week: int) -> list[dict]:
    """Weekly LIVE slots: distinct weekdays, mostly an evening hour, a duration of 1-3 h."""
    slots = []
    for wd in np.sort(rng.choice(7, size=per_week, replace=False)):
        evening = rng.random() < 0.85
        hour = int(rng.integers(18, 22) if evening else rng.choice([13, 14, 16]))
        p_dur = DURATION_P["main" if category in MAIN_LIVE_CATEGORIES else "other"]
        duration = int(rng.choice([1, 2, 3], p=p_dur))
        slots.append({"weekday": int(wd), "hour": hour, "duration_hours": duration})
    return slots


def intervention_start(calendar: Calendar) -> pd.Timestamp:
    """The intervention's shop-local start: the first Monday from ``t0 + (weeks // 2)`` weeks.

    Parameters
    ----------
    calendar : Calendar
        The simulation's hour grid.

    Returns
    -------
    pandas.Timestamp
        Midnight of that Monday, in the shop time zone.
    """
    day = calendar.t0 + pd.Timedelta(days=7 * (calendar.weeks // 2))
    day += pd.Timedelta(days=(7 - day.weekday()) % 7)  # a Monday
    return pd.Timestamp(day, tz=TZ)


def draw_lives(
    rng: np.random.Generator,
    calendar: Calendar,
    creators: dict[str, dict[str, Any]],
    category: np.ndarray,
    start_of_intervention: pd.Timestamp,
) -> list[dict[str, Any]]:
    """Every LIVE of every creator's weekly slots (1 in 20 cancelled), in time order.

    Each LIVE gets a room id, a French title, its showcase (the three products of the creator's
    category plus 0-2 others), flash-sale hours (:data:`FLASH_HOUR_PROBABILITY` per hour), its
    rank in the creator's series and a session effect ``N(0, SESSION_SD^2)``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The simulation's generator.
    calendar : Calendar
        The hour grid.
    creators : dict
        From :func:`draw_creators`.
    category : numpy.ndarray of int
        Each product's category index (:attr:`Products.category`).
    start_of_intervention : pandas.Timestamp
        From :func:`intervention_start`: the intervention creator's LIVEs from then on carry it.

    Returns
    -------
    list of dict
        ``creator, start, slot, content_id, title, end, duration, products`` (indices),
        ``flash`` (``(hour offset, product index)`` pairs), ``series_index``, ``session_effect``,
        ``intervention``.
    """
    lives = []
    for handle, cr in creators.items():
        for w in range(calendar.weeks):
            for slot in cr["slots"]:
                if rng.random() < 0.05:  # a cancelled LIVE
                    continue
                day = calendar.t0 + pd.Timedelta(days=7 * w + slot["weekday"])
                begin = pd.Timestamp(day + pd.Timedelta(hours=slot["hour"]), tz=TZ)
                lives.append({"creator": handle, "start": begin, "slot": slot})
    lives.sort(key=lambda lv: (lv["start"], lv["creator"]))
    room_ids = draw_ids(rng, len(lives), 75)
    series_rank: dict[str, int] = {}
    for lv, room_id in zip(lives, room_ids, strict=True):
        rank = series_rank.get(lv["creator"], 0)
        series_rank[lv["creator"]] = rank + 1
        draw_live(rng, lv, creators[lv["creator"]], category, rank, start_of_intervention)
        lv["content_id"] = room_id
    return lives


def draw_live(rng, lv: dict, creator: dict, category: np.ndarray, rank: int, start_iv) -> None:
    """Draw one LIVE's showcase, flash sales and session effect into ``lv`` (``creator``,
    ``start``, ``slot``), in place; ``rank``: its place in the series, from 0."""
    cat = creator["category"]
    cat_idx = CATEGORIES.index(cat)
    k = int(rng.integers(3, 6))
    n_own = 3  # the creator's whole category, plus 0-2 products of other categories
    own = rng.choice(np.flatnonzero(category == cat_idx), size=n_own, replace=False)
    other = rng.choice(np.flatnonzero(category != cat_idx), size=k - n_own, replace=False)
    shown = np.concatenate([np.sort(own), np.sort(other)])
    duration = lv["slot"]["duration_hours"]
    flash = []
    for j in range(duration):
        if rng.random() < FLASH_HOUR_PROBABILITY:
            flash.append((j, int(rng.choice(shown))))
    after = lv["creator"] == INTERVENTION_CREATOR and lv["start"] >= start_iv
    weekday = WEEKDAY_FR[lv["slot"]["weekday"]]
    title = f"Live {CATEGORY_FR[cat]} du {weekday} avec {creator['name']}"
    if after:
        title += " : questions-réponses en direct"
    lv.update(
        title=title,
        end=lv["start"] + pd.Timedelta(hours=duration),
        duration=duration,
        products=shown,
        flash=flash,
        series_index=rank,
        session_effect=round(float(rng.normal(0.0, SESSION_SD)), 4),
        intervention=bool(after),
    )


def draw_videos(
    rng: np.random.Generator,
    calendar: Calendar,
    creators: dict[str, dict[str, Any]],
    category: np.ndarray,
) -> list[dict[str, Any]]:
    """:data:`VIDEOS_PER_CREATOR_WEEK` shoppable videos per creator and week, in time order.

    Each is posted on a random day at 11-21 h and shows one product of the creator's category;
    ids are drawn after sorting.

    Parameters
    ----------
    rng : numpy.random.Generator
        The simulation's generator.
    calendar : Calendar
        The hour grid.
    creators : dict
        From :func:`draw_creators`.
    category : numpy.ndarray of int
        Each product's category index.

    Returns
    -------
    list of dict
        ``creator, posted, product`` (index), ``title``, ``content_id``.
    """
    videos = []
    for handle, cr in creators.items():
        cat_idx = CATEGORIES.index(cr["category"])
        for w in range(calendar.weeks):
            for _ in range(VIDEOS_PER_CREATOR_WEEK):
                day = int(rng.integers(0, 7)) + 7 * w
                hour = int(rng.integers(11, 22))
                posted = pd.Timestamp(calendar.t0 + pd.Timedelta(days=day, hours=hour), tz=TZ)
                product = int(rng.choice(np.flatnonzero(category == cat_idx)))
                title = str(rng.choice(VIDEO_TITLES[cr["category"]]))
                videos.append(
                    {"creator": handle, "posted": posted, "product": product, "title": title}
                )
    videos.sort(key=lambda v: (v["posted"], v["creator"]))
    for v, vid in zip(videos, draw_ids(rng, len(videos), 74), strict=True):
        v["content_id"] = vid
    return videos
