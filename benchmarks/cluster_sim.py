r"""A shop with few LIVEs, simulated fast: the design once, counts per replicate (issue 13).

Used by ``benchmarks/study_small_clusters.py`` (the simulation study) and by the seeded A/A of
``benchmarks/aa_skewed_lives.py``. Conventions of ``docs/metrics.md`` ("Simulation study"), on
the log link:

.. math:: p = \exp(\alpha_{h,c} + \beta\,\text{live} + v_{\text{creator}} + u),
          \qquad u \sim N(-\sigma^2/2, \sigma^2)

with :math:`\alpha_{h,c}` the off-live base rate of hour slot :math:`h` and category :math:`c`,
:math:`u` the mean-one multiplicative effect of one LIVE (live cells) or of one product-day
(off-live cells), and :math:`\sigma^2 = \log(1 + \text{ICC}\,(1-\bar p)/\bar p)` from the
target intraclass correlation on the rate scale, :math:`\bar p` the viewer-weighted expected
rate of that side.

The *design* is drawn once per scenario from its seed and held fixed: LIVE sizes (lognormal
quantiles with coefficient of variation exactly 1, :func:`live_sizes`, in random order), hour
slots (evening-heavy, where the base rate is higher), creators (6, effects
:math:`v \sim N(0, \text{creator\_sd}^2)` fixed too), 2-3 featured products of 2 categories
per LIVE (mostly beauty and streetwear, unlike the off-live mix), off-live viewers per
product x day x daypart. Per replicate only the random effects and the binomial counts are
drawn (:meth:`Design.draw`, vectorised over a batch of replicates). The expected counts
:math:`n p_0` (:attr:`Design.expected`; :math:`E[e^u] = 1`) give each method's truth: the
method applied to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

__all__ = ["CATEGORIES", "HOURS", "Design", "Scenario", "live_sizes", "make_design"]

#: off-live dayparts, each cell's ``hour`` (0-5 -> 3, 6-11 -> 9, ..., 21-23 -> 21)
HOURS = np.array([3, 9, 13, 17, 19, 21])
#: off-live base ATC rate of each daypart (a middle category), as the sample's hour curve
BASE_RATE = np.array([0.016, 0.011, 0.017, 0.028, 0.034, 0.033])
#: share of a product-day's off-live viewers in each daypart
TRAFFIC = np.array([0.08, 0.16, 0.18, 0.18, 0.19, 0.21])
#: LIVE hour slots are drawn from the dayparts with these probabilities (evening-heavy)
LIVE_HOURS = np.array([0.0, 0.0, 0.05, 0.20, 0.40, 0.35])
CATEGORIES = ("beauty", "gaming", "home", "streetwear")
#: multiplicative category effect on the rate
CATEGORY_EFFECT = np.array([1.15, 0.80, 0.95, 1.10])
#: category weights of the LIVEs' featured products (off-live: 2 products per category)
LIVE_CATEGORY = np.array([0.35, 0.10, 0.15, 0.40])
N_CREATORS = 6
OFFLIVE_ICC = 0.005


@dataclass(frozen=True)
class Scenario:
    """One scenario: LIVEs, LIVE ICC, creator SD (log scale), planted LIVE rate ratio, seed."""

    name: str
    n_lives: int
    icc: float
    creator_sd: float
    seed: int
    live_ratio: float = 2.0  # exp(beta): the planted conditional rate ratio
    crude_null: bool = False  # beta set so that the crude expected ratio is exactly 1 (A/A)
    days: int = 28
    products_per_category: int = 2
    live_viewers: float = 800.0  # mean viewers of one LIVE
    offlive_viewers: float = 1500.0  # mean off-live viewers of one product-day


def _sigma2(icc: float, pbar: float) -> float:
    return float(np.log1p(icc * (1 - pbar) / pbar))


@dataclass
class Design:
    """The fixed design of a scenario: the cells frame (counts to be replaced), expected rates
    ``p0``, the cluster index of every cell and each side's random-effect variance."""

    scenario: Scenario
    cells: pd.DataFrame  # canonical-like cells; ``atc`` filled by :meth:`frame`
    viewers: np.ndarray  # (n_cells,) int
    p0: np.ndarray  # (n_cells,) expected rate
    live: np.ndarray  # (n_cells,) bool
    re_index: np.ndarray  # (n_cells,) index into the random effects (LIVEs first)
    re_sigma2: np.ndarray  # (n_effects,) variance of each random effect
    beta: float

    @property
    def expected(self) -> np.ndarray:
        """Expected ATC of every cell, :math:`n p_0` (float)."""
        return self.viewers * self.p0

    def draw(self, rng: np.random.Generator, reps: int) -> np.ndarray:
        """ATC counts of ``reps`` replicates, an ``(reps, n_cells)`` int array."""
        s2 = self.re_sigma2
        u = rng.standard_normal((reps, len(s2))) * np.sqrt(s2) - s2 / 2
        p = np.minimum(self.p0 * np.exp(u[:, self.re_index]), 0.999)
        return rng.binomial(self.viewers, p)

    def frame(self, atc: np.ndarray) -> pd.DataFrame:
        """The cells with this ``atc`` column (counts of one replicate, or expected counts)."""
        out = self.cells.copy(deep=False)
        out["atc"] = atc
        return out


def _offlive(sc: Scenario, rng: np.random.Generator) -> dict:
    ncat = len(CATEGORIES)
    nprod = ncat * sc.products_per_category
    cat = np.repeat(np.arange(ncat), sc.products_per_category)
    popularity = rng.lognormal(-0.08, 0.4, nprod)
    day_traffic = rng.lognormal(-0.02, 0.2, sc.days)
    mean = sc.offlive_viewers * popularity[:, None, None] * day_traffic[None, :, None]
    mean = mean * TRAFFIC[None, None, :]
    viewers = rng.poisson(mean).ravel()
    prod, day, part = np.unravel_index(np.arange(viewers.size), mean.shape)
    return {"product": prod, "category": cat[prod], "day": day, "hour": HOURS[part],
            "rate": BASE_RATE[part] * CATEGORY_EFFECT[cat[prod]], "viewers": viewers,
            "effect": prod * sc.days + day}  # fmt: skip


def live_sizes(g: int, mean: float) -> np.ndarray:
    """Viewers of ``g`` LIVEs: lognormal quantiles at (i - 1/2)/g, spread so that their
    coefficient of variation (sd with divisor g over mean) is exactly 1, scaled to ``mean``."""
    z = stats.norm.ppf((np.arange(g) + 0.5) / g)

    def cv(s: float) -> float:
        w = np.exp(s * z)
        return float(w.std() / w.mean())

    s = optimize.brentq(lambda s: cv(s) - 1.0, 0.01, 10.0)
    w = np.exp(s * z)
    return mean * w / w.mean()


def _lives(sc: Scenario, rng: np.random.Generator) -> dict:
    g = sc.n_lives
    size = rng.permutation(live_sizes(g, sc.live_viewers))
    slot = rng.choice(len(HOURS), g, p=LIVE_HOURS)
    creator = rng.permutation(np.resize(np.arange(N_CREATORS), g))  # every creator used if g >= 6
    live, prod, cat = [], [], []
    for i in range(g):
        two = rng.choice(len(CATEGORIES), 2, replace=False, p=LIVE_CATEGORY)
        cats = list(two) + ([int(rng.choice(two))] if rng.random() < 0.5 else [])
        offset = rng.permutation(sc.products_per_category)
        for j, c in enumerate(cats):
            live.append(i)
            cat.append(c)
            prod.append(c * sc.products_per_category + offset[j % sc.products_per_category])
    live, prod, cat = np.array(live), np.array(prod), np.array(cat)
    share = rng.dirichlet(np.full(len(live), 3.0))
    share = share / np.bincount(live, share, g)[live]  # shares within each LIVE sum to 1
    viewers = np.maximum(np.rint(size[live] * share), 1).astype(np.int64)
    return {"live": live, "product": prod, "category": cat, "hour": HOURS[slot[live]],
            "rate": BASE_RATE[slot[live]] * CATEGORY_EFFECT[cat], "viewers": viewers,
            "creator": creator[live], "day": rng.integers(0, sc.days, g)[live]}  # fmt: skip


def _frame(off: dict, lv: dict, sc: Scenario) -> pd.DataFrame:
    n_off, n_live = len(off["viewers"]), len(lv["viewers"])
    day0 = np.datetime64("2026-09-28")
    cats = np.array(CATEGORIES, dtype=object)
    product = np.concatenate([off["product"], lv["product"]])
    content = np.concatenate([np.full(n_off, None, dtype=object),
                              np.array([f"L{i:03d}" for i in lv["live"]], dtype=object)])  # fmt: skip
    creator = np.concatenate([np.full(n_off, None, dtype=object),
                              np.array([f"@c{c}" for c in lv["creator"]], dtype=object)])  # fmt: skip
    return pd.DataFrame({
        "date": day0 + np.concatenate([off["day"], lv["day"]]).astype("timedelta64[D]"),
        "hour": np.concatenate([off["hour"], lv["hour"]]).astype(np.int64),
        "channel": np.array(["PRODUCT_CARD"] * n_off + ["LIVE"] * n_live, dtype=object),
        "is_live": np.r_[np.zeros(n_off, bool), np.ones(n_live, bool)],
        "content_id": pd.array(content, dtype="string"),
        "creator": pd.array(creator, dtype="string"),
        "product_id": pd.array([f"p{p:02d}" for p in product], dtype="string"),
        "category": pd.array(cats[np.concatenate([off["category"], lv["category"]])],
                             dtype="string"),
        "viewers": np.concatenate([off["viewers"], lv["viewers"]]).astype(np.int64),
        "atc": np.zeros(n_off + n_live, np.int64),
        "unit": "visitor",
    })  # fmt: skip


def make_design(sc: Scenario) -> Design:
    """Draw the fixed design of scenario ``sc`` from its seed (same seed, same design)."""
    rng = np.random.default_rng([sc.seed, 0])
    off, lv = _offlive(sc, rng), _lives(sc, rng)
    creator_effect = rng.normal(0.0, 1.0, N_CREATORS) * sc.creator_sd
    live_p = lv["rate"] * np.exp(creator_effect[lv["creator"]])
    crude0 = (live_p @ lv["viewers"] / lv["viewers"].sum()) / (
        off["rate"] @ off["viewers"] / off["viewers"].sum()
    )
    beta = -np.log(crude0) if sc.crude_null else np.log(sc.live_ratio)
    live_p = live_p * np.exp(beta)
    n_eff_off = int(off["effect"].max()) + 1
    p0 = np.concatenate([off["rate"], live_p])
    viewers = np.concatenate([off["viewers"], lv["viewers"]]).astype(np.int64)
    live = np.r_[np.zeros(len(off["rate"]), bool), np.ones(len(live_p), bool)]
    pbar_live = live_p @ lv["viewers"] / lv["viewers"].sum()
    pbar_off = off["rate"] @ off["viewers"] / off["viewers"].sum()
    re_sigma2 = np.r_[np.full(sc.n_lives, _sigma2(sc.icc, pbar_live)),
                      np.full(n_eff_off, _sigma2(OFFLIVE_ICC, pbar_off))]  # fmt: skip
    re_index = np.concatenate([sc.n_lives + off["effect"], lv["live"]])
    cells = _frame(off, lv, sc)
    return Design(sc, cells, viewers, p0, live, re_index, re_sigma2, float(beta))
