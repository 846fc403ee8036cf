"""Simulate a French TikTok Shop with planted, documented effects (the embedded sample + truth).

:func:`simulate` returns canonical cells (hour grain, unit ``visitor``) and a ``truth`` dict with
every planted parameter; :func:`expected` gives the true per-cell probabilities (``p_atc``,
``p_order`` per viewer), :func:`terms` their decomposition on the logit scale, and
:func:`analysis.sample.truth.truth_rates` the expected rates of any selection of cells, so every
number a notebook computes from the sample can be checked against what was planted.
:func:`write_sample` writes the committed sample (``cells.parquet``, ``truth.json``,
``expected/expected.parquet``); ``data/README.md`` documents it.

One simulation is a fixed sequence of steps sharing one :func:`numpy.random.default_rng` (same
arguments, same output; the order of the draws must not change):

1. :func:`draw_shop`: the hour grid and the cast (:mod:`analysis.sample.schedule`), then the
   promos, product-day effects and anomalies (:func:`analysis.sample.effects.draw_shocks`);
2. the potential cells and their viewers (:mod:`analysis.sample.traffic`);
3. each cell's logit terms and probabilities (:mod:`analysis.sample.effects`);
4. the funnel counts (:mod:`analysis.sample.funnel`);
5. the canonical cells in row order (:mod:`analysis.sample.assemble`) and the ground truth
   (:mod:`analysis.sample.ground_truth`).

The model and its calibration are in :mod:`analysis.sample.parameters`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis.files import replacing, write_atomic
from analysis.paths import SAMPLE_DIR, resolve_data
from analysis.sample.assemble import assemble
from analysis.sample.effects import draw_shocks, logit_terms, probabilities
from analysis.sample.funnel import draw_counts
from analysis.sample.ground_truth import ground_truth
from analysis.sample.schedule import (
    Shop,
    draw_creators,
    draw_lives,
    draw_products,
    draw_videos,
    hour_grid,
    intervention_start,
)
from analysis.sample.traffic import draw_cells
from analysis.sample.truth import EXPECTED_FILE, truth_rates
from analysis.sources.canonical import write_cells

# truth_rates and EXPECTED_FILE live in analysis.sample.truth; they stay importable from here,
# where callers of the simulator have always found them
__all__ = [
    "EXPECTED_FILE", "Simulation", "clear_cache", "draw_shop", "expected", "simulate", "terms",
    "truth_rates", "write_sample", "write_simulation",
]  # fmt: skip


class Simulation(NamedTuple):
    """The outputs of one simulation, in row order: canonical ``cells``, the ``truth`` dict,
    ``expected`` (``row, p_atc, p_order``) and ``terms`` (``row`` and the logit terms)."""

    cells: pd.DataFrame
    truth: dict
    expected: pd.DataFrame
    terms: pd.DataFrame


def draw_shop(rng: np.random.Generator, weeks: int, start: str) -> Shop:
    """Draw everything of the shop that comes before the traffic, in the sample's order.

    Products, creators, LIVEs, videos (:mod:`analysis.sample.schedule`), then discount days,
    product-day effects and anomalous hours (:func:`analysis.sample.effects.draw_shocks`).

    Parameters
    ----------
    rng : numpy.random.Generator
        The simulation's generator, fresh from ``numpy.random.default_rng(seed)``.
    weeks : int
        Weeks simulated.
    start : str
        First shop-local day (see :func:`simulate`).

    Returns
    -------
    Shop
    """
    calendar = hour_grid(weeks, start)
    products = draw_products(rng)
    creators = draw_creators(rng)
    start_iv = intervention_start(calendar)
    lives = draw_lives(rng, calendar, creators, products.category, start_iv)
    videos = draw_videos(rng, calendar, creators, products.category)
    return Shop(calendar, products, creators, start_iv, lives, videos, *draw_shocks(rng, calendar))


@functools.lru_cache(maxsize=4)
def _build(weeks: int, seed: int, start: str, scale: float) -> Simulation:
    """One simulation (cached: callers copy what they return)."""
    if int(weeks) != weeks or weeks < 1:
        raise ValueError(f"weeks must be a whole number >= 1, not {weeks!r}")
    if not scale > 0:
        raise ValueError(f"scale must be > 0 (it multiplies the traffic), not {scale!r}")
    rng = np.random.default_rng(seed)
    shop = draw_shop(rng, weeks, start)
    cells = draw_cells(rng, shop, scale)
    logit = logit_terms(cells, shop)
    p = probabilities(logit, cells["category"])
    counts = draw_counts(rng, cells, p[0])
    frame, exp, logit = assemble(shop, cells, counts, logit, p)
    truth = ground_truth(shop, frame, exp, seed=seed, scale=scale)
    return Simulation(frame, truth, exp, logit)


def clear_cache() -> None:
    """Forget the cached simulations, so the next call computes from scratch.

    :func:`simulate`, :func:`expected`, :func:`terms` and :func:`write_sample` share a cache of
    the last four argument sets (they return copies).
    """
    _build.cache_clear()


def simulate(
    weeks: int = 8, *, seed: int = 0, start: str = "2026-09-28", scale: float = 1.0
) -> tuple[pd.DataFrame, dict]:
    """Simulate a French TikTok Shop: canonical cells plus the truth that generated them.

    Four categories (``beauty, gaming, streetwear, home``) of three products each (19-digit
    ``product_id`` strings drawn from the seed), six creators (``@lea.beauty``, ...) running
    weekly LIVE series (1-2 LIVEs a week, 1-3 h, mostly evenings, concentrated in beauty and
    streetwear), shoppable videos, and product cards. The crude live / non-live contrast is
    confounded by hour, category and creator on purpose. All planted effects are constants of
    :mod:`analysis.sample.parameters` (``LIVE_LOG_OR``, ``AGE_EFFECTS``, ...) recorded in
    ``truth``; the model is in that module's docstring and ``data/README.md``.

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
    return _build(int(weeks), int(seed), str(start), float(scale)).expected.copy()


def terms(
    weeks: int = 8, *, seed: int = 0, start: str = "2026-09-28", scale: float = 1.0
) -> pd.DataFrame:
    """The per-cell terms of ``logit(p_atc)`` of :func:`simulate` (same arguments).

    Returns
    -------
    pandas.DataFrame
        ``row`` and one column per term of the model (:mod:`analysis.sample.parameters`): ``intercept, live,
        video, hour, age_group, gender, category, promo, creator, session, product_day, fatigue,
        intervention, halo, anomaly``; their row sum is ``logit(p_atc)``. Useful as offsets when
        checking that a model recovers one effect with the others held at their true values.
    """
    return _build(int(weeks), int(seed), str(start), float(scale)).terms.copy()


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
    probabilities are in a sub-folder (:data:`analysis.sample.truth.EXPECTED_FILE`) because
    :func:`analysis.sources.load.load` reads every ``.parquet`` of a folder as cells.

    Parameters
    ----------
    out_dir : str or Path, default ``data/sample``
        The folder written (created if missing; a relative path is resolved by
        :func:`analysis.paths.resolve_data`).
    weeks, seed, start, scale
        As for :func:`simulate`.

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
    return write_simulation(_build(int(weeks), int(seed), str(start), float(scale)), out_dir)


def write_simulation(sim: Simulation, out_dir: str | Path) -> dict[str, Path]:
    """Write one simulation as :func:`write_sample` does: cells, expected probabilities, truth.

    Also used for a simulated switchback run (``cartlift simulate --schedule``,
    :func:`analysis.sample.switchback.switchback_simulation`).
    """
    out = resolve_data(out_dir)
    (out / EXPECTED_FILE.parent).mkdir(parents=True, exist_ok=True)
    paths = {
        "cells": write_cells(sim.cells, out / "cells.parquet"),
        "expected": out / EXPECTED_FILE,
        "truth": out / "truth.json",
    }
    with replacing(paths["expected"]) as tmp:  # each file whole or not at all
        sim.expected.to_parquet(tmp, index=False, compression="zstd")
    write_atomic(paths["truth"], json.dumps(sim.truth, ensure_ascii=False, indent=1) + "\n")
    return paths
