r"""Plan a switchback: power of the exact randomisation test on the shop's own LIVEs, and the MDE.

:func:`plan_switchback` simulates the planned experiment many times and runs on each the test
the analysis will use (:mod:`analysis.stats.switchback_inference`, the schedule's mechanism):

* LIVE sizes drawn (with replacement) from the shop's past LIVEs' viewers;
* LIVE rates :math:`p_t = p_0\, e^{u_t}\, r^{e_t(W)}`, :math:`u_t \sim N(-\sigma^2/2, \sigma^2)`,
  :math:`\sigma^2 = \log(1 + \rho\, q_0 / p_0)` from the ANOVA ICC :math:`\rho` and rate
  :math:`p_0` of the past LIVEs (as in :mod:`analysis.stats.power_simulation`), *r* the planned
  effect (a ratio), :math:`e_t` the window's share of treated slots (*m*-carryover);
* binomial add-to-carts, per-LIVE rates, the Horvitz-Thompson statistic and its two-sided
  randomisation p-value: over every assignment (:math:`S = (A^1 - A^0) Y^\top`, one matrix
  product for all replicates) or a seeded reference set of draws.

Power is the share of replicates with :math:`p \le 1 - \text{level}` (Monte Carlo SE
:math:`\sqrt{P(1-P)/\text{reps}}`). The smallest detectable effect is the smallest ratio
:math:`r > 1` with power at least ``power_target``, by bisection on :math:`\log r` with common
random numbers. A carry-over buffer loses the LIVEs whose window mixes arms: the power says so.

References: Bojinov I, Simchi-Levi D, Zhao J (2023), Management Science 69(7):3759-3777;
Landau S, Stahl D (2013), Statistical Methods in Medical Research 22:324-345;
``docs/metrics.md`` (switchback experiments).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.errors import DesignError
from analysis.metrics import get_metric
from analysis.stats.icc import anova_icc
from analysis.stats.randomisation import (
    MAX_ENUMERATE,
    Mechanism,
    draw_assignments,
    exposure,
    n_assignments,
    smallest_pvalue,
    window_probabilities,
)
from analysis.stats.switchback import mechanism_of, switchback_schedule
from analysis.stats.switchback_analysis import per_live
from analysis.stats.switchback_inference import ht_matrix, randomisation_pvalues, reference_set
from analysis.status import row_status

__all__ = [
    "PLAN_COLUMNS",
    "explicit_parameters",
    "history_parameters",
    "plan_switchback",
    "simulate_runs",
    "switchback_power",
]

#: columns of :func:`plan_switchback`
PLAN_COLUMNS = (
    "n_slots", "n_assignments", "smallest_pvalue", "expected_counted", "baseline_rate", "icc",
    "sigma", "effect", "power", "power_mcse", "power_target", "mde", "reps", "alternative",
    "method", "level", "status", "status_message",
)  # fmt: skip


def history_parameters(
    history: pd.DataFrame, metric: str = "atc_rate"
) -> tuple[np.ndarray, float, float, float]:
    r"""``(sizes, p0, sigma2, icc)`` of past LIVEs (per-LIVE rows or cells, :func:`per_live`).

    :math:`p_0 = \sum x / \sum n`; :math:`\rho` the ANOVA ICC (negative set to 0);
    :math:`\sigma^2 = \log(1 + \rho (1 - p_0) / p_0)`.
    """
    lives = per_live(history, metric)
    m = get_metric(metric)
    x = lives[m.numerator].astype(float).to_numpy()
    n = lives[m.denominator].astype(float).to_numpy()
    keep = np.isfinite(x) & np.isfinite(n) & (n > 0)
    if keep.sum() < 3 or x[keep].sum() <= 0:
        raise ValueError(
            f"The history needs at least 3 past LIVEs with viewers and some {m.numerator}; "
            f"{int(keep.sum())} usable."
        )
    x, n = x[keep], n[keep]
    p0 = float(x.sum() / n.sum())
    icc = max(float(np.nan_to_num(anova_icc(x, n).icc)), 0.0)
    return n, p0, float(np.log1p(icc * (1 - p0) / p0)), icc


def explicit_parameters(
    baseline: float, icc: float, viewers: float | Sequence[float]
) -> tuple[np.ndarray, float, float, float]:
    r"""``(sizes, p0, sigma2, icc)`` from stated values, as :func:`history_parameters` gives them.

    ``viewers``: the expected viewers of one LIVE, or several past sizes to resample;
    :math:`\sigma^2 = \log(1 + \rho (1 - p_0) / p_0)`.
    """
    sizes = np.atleast_1d(np.asarray(viewers, float))
    if not 0 < baseline < 1:
        raise DesignError(
            f"The baseline rate is a proportion strictly between 0 and 1 (e.g. 0.04 for 4 %); "
            f"{baseline!r} was given."
        )
    if not 0 <= icc < 1:
        raise DesignError(f"The ICC is between 0 and 1 (e.g. 0.02); {icc!r} was given.")
    if len(sizes) == 0 or not (np.isfinite(sizes).all() and (sizes >= 1).all()):
        raise DesignError(
            f"Viewers per LIVE must be positive numbers (e.g. 1500); {list(sizes)!r} was given."
        )
    return sizes, float(baseline), float(np.log1p(icc * (1 - baseline) / baseline)), float(icc)


def simulate_runs(
    W: np.ndarray,
    *,
    sizes: np.ndarray,
    p0: float,
    sigma2: float,
    effect: float,
    carryover: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Simulated LIVE sizes and per-LIVE rates ``(n, Y)`` (reps x T) for assignments ``W``.

    :math:`p_t = \min(1, p_0 e^{u_t} r^{e_t(W)})`, :math:`u_t \sim N(-\sigma^2/2, \sigma^2)`,
    sizes resampled from ``sizes``, add-to-carts binomial (module docstring).
    """
    reps, T = W.shape
    n = rng.choice(np.asarray(sizes, float), size=(reps, T), replace=True).astype(np.int64)
    u = rng.standard_normal((reps, T)) * np.sqrt(sigma2) - sigma2 / 2
    rate = np.minimum(p0 * np.exp(u) * effect ** exposure(W, carryover), 1.0)
    x = rng.binomial(n, rate)
    return n, x / np.maximum(n, 1)


def switchback_power(
    mech: Mechanism,
    carryover: int,
    *,
    sizes: np.ndarray,
    p0: float,
    sigma2: float,
    effect: float,
    level: float,
    reps: int = 1000,
    seed: int = 0,
    max_enumerate: int = MAX_ENUMERATE,
    draws: int = 2000,
    alternative: str = "two-sided",
) -> tuple[float, float]:
    """``(power, mcse)`` of the randomisation test at ``level`` (module docstring), two-sided
    or one-sided (``alternative``, :func:`~analysis.stats.switchback_inference.randomisation_pvalues`).

    Exact reference when the mechanism has at most ``max_enumerate`` assignments, else
    ``draws`` seeded draws (shared by the replicates).
    """
    rng = np.random.default_rng(seed)
    ref = reference_set(
        mech, reps=None if n_assignments(mech) <= max_enumerate else draws, seed=seed + 1
    )
    pi1, pi0 = window_probabilities(mech, carryover)
    everywhere = np.ones(mech.slots, bool)
    a1, a0 = ht_matrix(ref.W, pi1, pi0, carryover, everywhere)
    D = a1 - a0
    if ref.exact:
        idx = rng.choice(len(ref.W), size=reps, p=ref.weights)
        W = ref.W[idx]
    else:
        W = draw_assignments(mech, reps, rng)
    _, Y = simulate_runs(
        W, sizes=sizes, p0=p0, sigma2=sigma2, effect=effect, carryover=carryover, rng=rng
    )
    o1, o0 = ht_matrix(W, pi1, pi0, carryover, everywhere)
    obs = ((o1 - o0) * Y).sum(1)
    pv = np.empty(reps)
    for lo in range(0, reps, 256):
        chunk = slice(lo, lo + 256)
        pv[chunk] = randomisation_pvalues(D @ Y[chunk].T, obs[chunk], ref, alternative)
    power = float(np.mean(pv <= 1 - level))
    return power, float(np.sqrt(power * (1 - power) / reps))


def _mde(power_at, target: float, high: float = 4.0, steps: int = 12) -> float:
    """Smallest ratio > 1 with ``power_at(r) >= target`` (bisection on log r); NaN beyond ``high``."""
    if power_at(high) < target:
        return np.nan
    lo, hi = 0.0, np.log(high)
    for _ in range(steps):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if power_at(np.exp(mid)) >= target else (mid, hi)
    return float(np.exp(hi))


def plan_switchback(
    slots: int | Sequence | pd.DataFrame,
    *,
    history: pd.DataFrame | None = None,
    effect: float,
    baseline: float | None = None,
    icc: float | None = None,
    viewers: float | Sequence[float] | None = None,
    arms: tuple[str, str] = ("control", "treatment"),
    blocks: int | Sequence | None = None,
    mechanism: str = "blocked",
    min_per_arm: int = 1,
    carryover_buffer: int = 0,
    p: float = 0.5,
    level: float = 0.95,
    power_target: float = 0.8,
    metric: str = "atc_rate",
    reps: int = 1000,
    seed: int = 0,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    """Power and smallest detectable effect of a switchback design (one row, :data:`PLAN_COLUMNS`).

    Parameters
    ----------
    slots, arms, blocks, mechanism, min_per_arm, carryover_buffer, p, level, seed
        As :func:`analysis.stats.switchback.switchback_schedule` (the design is checked and
        refused the same way).
    history : pandas.DataFrame, optional
        Past LIVEs: one row per LIVE (``slot``, ``viewers``, ``atc``) or cells.
    baseline, icc, viewers : optional
        Without ``history``: the control rate, the ICC of LIVE rates and the viewers of one LIVE
        (or past sizes to resample), :func:`explicit_parameters`.
    effect : float
        Planned effect, a ratio of rates (1.2 = +20 %).
    power_target : float
        Power the smallest detectable effect must reach.
    reps : int
        Simulated experiments per power (Monte Carlo SE about 1.3 points at 1,000).
    alternative : {"two-sided", "larger", "smaller"}
        The test the analysis will use (pre-registered): ``larger`` (the change raises the
        rate) has more power and a smaller smallest p-value, but cannot conclude that the
        change lowers the rate.

    Returns
    -------
    pandas.DataFrame
        One row of :data:`PLAN_COLUMNS`: ``power`` at ``effect`` and its ``power_mcse``,
        ``mde`` (NaN when even a ratio of 4 falls short, status ``partial``),
        ``expected_counted`` LIVEs (the buffer's price), the history's ``baseline_rate``,
        ``icc`` and ``sigma``, the design's ``n_assignments`` and ``smallest_pvalue``.

    Raises
    ------
    DesignError
        The design is refused (:func:`analysis.stats.switchback.check_design`), or neither a
        history nor ``baseline``, ``icc`` and ``viewers`` are given.
    ValueError
        The history has fewer than 3 usable LIVEs.
    """
    sched = switchback_schedule(slots, arms=arms, blocks=blocks, mechanism=mechanism, min_per_arm=min_per_arm,
                                carryover_buffer=carryover_buffer, p=p, level=level, seed=seed,
                                alternative=alternative)  # fmt: skip
    mech = mechanism_of(sched["block"], mechanism, p, min_per_arm)
    if history is not None:
        sizes, p0, sigma2, icc = history_parameters(history, metric)
    elif baseline is None or icc is None or viewers is None:
        raise DesignError(
            "The plan needs the shop's history (past LIVEs, from which the sizes, the ICC and the "
            "baseline rate are estimated) or all three of baseline, icc and viewers."
        )
    else:
        sizes, p0, sigma2, icc = explicit_parameters(baseline, icc, viewers)
    m = int(carryover_buffer)

    def power_at(r: float) -> tuple[float, float]:
        return switchback_power(mech, m, sizes=sizes, p0=p0, sigma2=sigma2, effect=r, level=level,
                                reps=reps, seed=seed, alternative=alternative)  # fmt: skip

    power, mcse = power_at(float(effect))
    mde = _mde(lambda r: power_at(r)[0], power_target)
    pi1, pi0 = window_probabilities(mech, m)
    counted = float(np.nansum(pi1) + np.nansum(pi0))
    notes = [("ok", f"{reps:,} simulated experiments, MCSE {mcse:.3f}")]
    if not np.isfinite(mde):
        notes.append(("partial", f"power stays below {power_target:.0%} up to a ratio of 4"))
    status, message = row_status(notes)
    row = dict(
        n_slots=mech.slots, n_assignments=n_assignments(mech), smallest_pvalue=smallest_pvalue(mech, alternative),
        expected_counted=counted, baseline_rate=p0, icc=icc, sigma=float(np.sqrt(sigma2)),
        effect=float(effect), power=power, power_mcse=mcse, power_target=power_target, mde=mde,
        reps=reps, alternative=alternative, level=level, status=status, status_message=message,
        method=f"simulated exact randomisation test ({mechanism}, lag {m}, {alternative}), "
        "log-normal LIVE effects",
    )  # fmt: skip
    return pd.DataFrame([row], columns=list(PLAN_COLUMNS))
