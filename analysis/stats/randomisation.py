r"""Assignment mechanisms of a switchback experiment: enumerate, draw, window probabilities.

A switchback assigns each of *T* time slots (LIVEs) to one of two arms, control (0) or
treatment (1), by a known random mechanism (Bojinov, Simchi-Levi & Zhao 2023):

* ``blocked``: within each block (a weekday, a creator's available LIVEs) half the slots get
  each arm, every arrangement equally likely; a block of odd size gives the extra slot to either
  arm with probability 1/2. With blocks of sizes :math:`n_b`, the number of assignments is
  :math:`K = \prod_b \binom{n_b}{n_b/2}` (times 2 for an odd block): five blocks of two slots
  have :math:`2^5 = 32`.
* ``bernoulli``: each slot independently treated with probability *p*, restricted to the
  assignments with at least ``min_per_arm`` slots per arm (the analysis uses the same restricted
  mechanism).

Under *m*-carryover a slot's outcome depends on the arms of slots :math:`t-m, \dots, t` (its
window); :func:`window_probabilities` gives :math:`P(W_{t-m:t} = 1)` and
:math:`P(W_{t-m:t} = 0)`, the Horvitz-Thompson weights. For a mechanism symmetric under swapping
the arms, the smallest two-sided randomisation p-value of a statistic that changes sign with the
swap is :math:`2/K` (:func:`smallest_pvalue`).

Reference: Bojinov I, Simchi-Levi D, Zhao J (2023). Design and analysis of switchback
experiments. Management Science 69(7):3759-3777; ``docs/metrics.md`` (switchback experiments).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from analysis.vocabulary import ALTERNATIVES, check_argument

__all__ = [
    "MAX_ENUMERATE", "MECHANISMS", "Mechanism", "draw_assignments", "enumerate_assignments",
    "exposure", "n_assignments", "pure_windows", "smallest_pvalue", "window_probabilities",
]  # fmt: skip

#: assignment mechanisms of a switchback schedule (:mod:`analysis.stats.switchback`)
MECHANISMS = ("blocked", "bernoulli")
#: mechanisms with at most this many assignments are enumerated in full; others are sampled
MAX_ENUMERATE = 2**16


@dataclass(frozen=True, eq=False)
class Mechanism:
    """One assignment mechanism over ``T`` slots.

    Attributes
    ----------
    mechanism : {"blocked", "bernoulli"}
    blocks : ndarray of int (T,)
        Block code of each slot (0, 1, ...); ``bernoulli`` ignores them.
    p : float
        Treatment probability of a slot (``bernoulli``).
    min_per_arm : int
        ``bernoulli``: assignments with fewer slots in an arm are excluded.
    """

    mechanism: str
    blocks: np.ndarray
    p: float = 0.5
    min_per_arm: int = 0

    def __post_init__(self) -> None:
        check_argument("mechanism", MECHANISMS, self.mechanism)

    @property
    def slots(self) -> int:
        """Number of slots *T*."""
        return len(self.blocks)

    def block_sizes(self) -> list[np.ndarray]:
        """Slot indices of each block, in block-code order."""
        return [np.flatnonzero(self.blocks == b) for b in np.unique(self.blocks)]

    def bounds(self) -> tuple[int, int]:
        """Allowed numbers of treated slots ``(lo, hi)`` of the ``bernoulli`` mechanism."""
        return self.min_per_arm, self.slots - self.min_per_arm


def _block_counts(n: int) -> tuple[int, ...]:
    """Treated counts of a block of ``n`` slots: ``n/2``, or both halves when ``n`` is odd."""
    return (n // 2,) if n % 2 == 0 else (n // 2, n // 2 + 1)


def n_assignments(mech: Mechanism) -> int:
    r"""Number *K* of assignments the mechanism can draw.

    ``blocked``: :math:`\prod_b \sum_k \binom{n_b}{k}` over the block's treated counts;
    ``bernoulli``: :math:`\sum_{k=lo}^{hi} \binom{T}{k}`.
    """
    if mech.mechanism == "blocked":
        sizes = [len(ix) for ix in mech.block_sizes()]
        return math.prod(sum(math.comb(n, k) for k in _block_counts(n)) for n in sizes)
    lo, hi = mech.bounds()
    return sum(math.comb(mech.slots, k) for k in range(lo, hi + 1))


def enumerate_assignments(mech: Mechanism) -> tuple[np.ndarray, np.ndarray]:
    """Every assignment (bool K x T, True = treatment) and its probability (K,), summing to 1.

    Blocked assignments are equally likely; ``bernoulli`` ones have probability
    :math:`p^k (1-p)^{T-k}` renormalised over the allowed counts *k*.
    """
    T = mech.slots
    if mech.mechanism == "bernoulli":
        codes = np.arange(2**T, dtype=np.int64)
        W = ((codes[:, None] >> np.arange(T)) & 1).astype(bool)
        k = W.sum(1)
        lo, hi = mech.bounds()
        W, k = W[(k >= lo) & (k <= hi)], k[(k >= lo) & (k <= hi)]
        w = np.exp(k * np.log(mech.p) + (T - k) * np.log1p(-mech.p))
        return W, w / w.sum()
    W = np.zeros((1, T), dtype=bool)
    for ix in mech.block_sizes():
        n = len(ix)
        rows = []
        for k in _block_counts(n):
            for chosen in itertools.combinations(range(n), k):
                row = np.zeros(n, dtype=bool)
                row[list(chosen)] = True
                rows.append(row)
        B = np.array(rows)
        W = np.repeat(W, len(B), axis=0)
        W[:, ix] = np.tile(B, (len(W) // len(B), 1))
    return W, np.full(len(W), 1 / len(W))


def draw_assignments(mech: Mechanism, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` independent assignments (bool n x T) drawn from the mechanism.

    ``bernoulli`` redraws the assignments outside the allowed counts (rejection sampling).
    """
    T = mech.slots
    if mech.mechanism == "blocked":
        W = np.zeros((n, T), dtype=bool)
        for ix in mech.block_sizes():
            size = len(ix)
            k = np.full(n, size // 2) + (size % 2) * (rng.random(n) < 0.5)
            rank = np.argsort(np.argsort(rng.random((n, size)), axis=1), axis=1)
            W[:, ix] = rank < k[:, None]
        return W
    lo, hi = mech.bounds()
    out = np.zeros((0, T), dtype=bool)
    for _ in range(1000):
        W = rng.random((max(n, 16), T)) < mech.p
        k = W.sum(1)
        out = np.vstack([out, W[(k >= lo) & (k <= hi)]])
        if len(out) >= n:
            return out[:n]
    raise ValueError(
        f"Cannot draw assignments with at least {mech.min_per_arm} slots per arm at p = "
        f"{mech.p}: almost none qualify. Lower `min_per_arm` or move `p` towards 0.5."
    )


def _blocked_windows(mech: Mechanism, m: int) -> np.ndarray:
    """P(all slots of each window ``t-m..t`` treated) under ``blocked`` (= P(all control))."""
    T, codes = mech.slots, np.unique(mech.blocks)
    onehot = (mech.blocks[None, :] == codes[:, None]).astype(int)  # (B, T)
    cum = np.concatenate([np.zeros((len(codes), 1), int), onehot.cumsum(1)], axis=1)
    j = cum[:, m + 1 :] - cum[:, : T - m]  # (B, T - m): window slots in each block
    prob = np.ones(T - m)
    for b, n in enumerate(onehot.sum(1)):
        table = [np.mean([math.comb(n - jj, k - jj) / math.comb(n, k) if jj <= k else 0.0
                          for k in _block_counts(int(n))]) for jj in range(m + 2)]  # fmt: skip
        prob *= np.asarray(table)[j[b]]
    return prob


def window_probabilities(mech: Mechanism, m: int) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`\pi^1_t = P(W_{t-m:t} = 1)` and :math:`\pi^0_t = P(W_{t-m:t} = 0)`, slot by slot.

    NaN for the first ``m`` slots (their window starts before the experiment). ``blocked``:
    product over blocks of :math:`\binom{n_b - j_b}{k - j_b} / \binom{n_b}{k}` (averaged over the
    block's treated counts *k*), :math:`j_b` the window's slots in block *b*. ``bernoulli``:
    :math:`\pi^1 = p^{m+1} P(m + 1 + B_{T-m-1} \in [lo, hi]) / P(B_T \in [lo, hi])`,
    *B* binomial with probability *p*; :math:`\pi^0` alike with :math:`1 - p`.
    """
    T = mech.slots
    pi1, pi0 = np.full(T, np.nan), np.full(T, np.nan)
    if mech.mechanism == "bernoulli":
        lo, hi = mech.bounds()
        j = m + 1

        def mass(n: int, a: int, b: int) -> float:
            ks = range(max(a, 0), min(b, n) + 1)
            return sum(math.comb(n, k) * mech.p**k * (1 - mech.p) ** (n - k) for k in ks)

        z = mass(T, lo, hi)
        pi1[m:] = mech.p**j * mass(T - j, lo - j, hi - j) / z
        pi0[m:] = (1 - mech.p) ** j * mass(T - j, lo, hi) / z
        return pi1, pi0
    pi1[m:] = pi0[m:] = _blocked_windows(mech, m)
    return pi1, pi0


def pure_windows(W: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Masks (same shape as ``W``) of slots whose window ``t-m..t`` is all treatment / all control.

    False for the first ``m`` slots.
    """
    W = np.atleast_2d(W).astype(bool)
    all1, all0 = W.copy(), ~W
    for lag in range(1, m + 1):
        all1[:, lag:] &= W[:, :-lag]
        all0[:, lag:] &= ~W[:, :-lag]
    all1[:, :m] = all0[:, :m] = False
    return all1, all0


def exposure(W: np.ndarray, m: int) -> np.ndarray:
    r"""Share of treated slots in each slot's window, :math:`e_t = \frac{1}{m+1}\sum_{l=0}^m W_{t-l}`.

    The first ``m`` slots average over the slots of their window that exist.
    """
    W = np.atleast_2d(W).astype(float)
    total, count = W.copy(), np.ones(W.shape[1])
    for lag in range(1, m + 1):
        total[:, lag:] += W[:, :-lag]
        count[lag:] += 1
    return total / count


def smallest_pvalue(mech: Mechanism, alternative: str = "two-sided") -> float:
    """Smallest randomisation p-value the mechanism allows, two-sided or one-sided.

    :math:`2/K` two-sided (:math:`1/K` one-sided) for a mechanism symmetric under swapping the
    arms (``blocked``; ``bernoulli`` with *p* = 0.5): the observed assignment and its mirror are
    the two most extreme, one in each direction. Otherwise the probability of the least likely
    assignment (a lower bound).
    """
    check_argument("alternative", ALTERNATIVES, alternative)
    if mech.mechanism == "blocked" or mech.p == 0.5:
        return min(1.0, (2 if alternative == "two-sided" else 1) / n_assignments(mech))
    lo, hi = mech.bounds()
    T = mech.slots
    z = sum(math.comb(T, k) * mech.p**k * (1 - mech.p) ** (T - k) for k in range(lo, hi + 1))
    return float(min(mech.p**k * (1 - mech.p) ** (T - k) for k in (lo, hi)) / z)
