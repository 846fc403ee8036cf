r"""Switchback schedules: a seeded random assignment of LIVEs (time slots) to two arms.

:func:`switchback_schedule` draws one assignment from a mechanism of
:mod:`analysis.stats.randomisation` (``blocked`` or ``bernoulli``, Bojinov, Simchi-Levi & Zhao
2023), checks the constraints (blocks, e.g. a creator's available LIVEs or weekdays; at least
``min_per_arm`` slots per arm) and refuses designs that cannot reach the chosen level: with *K*
possible assignments no two-sided randomisation p-value is below :math:`2/K`, so five blocks of
two LIVEs (:math:`K = 32`, smallest p 0.0625) cannot show an effect at 0.05. With a carry-over
buffer of *m* slots, a slot counts only when its window :math:`t-m..t` is all one arm; the others
(the first *m* and those right after a switch) are flagged ``buffer``: whole LIVEs that are run
but not counted, which the power of :func:`analysis.stats.switchback_plan.plan_switchback` prices.
The schedule frame holds everything the analysis needs (mechanism, blocks, *p*, minimum,
carry-over, seed): saved with its seed, it is the pre-registration.

Reference: Bojinov I, Simchi-Levi D, Zhao J (2023). Design and analysis of switchback
experiments. Management Science 69(7):3759-3777; ``docs/metrics.md`` (switchback experiments).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.errors import DesignError
from analysis.stats.randomisation import (
    MECHANISMS,
    Mechanism,
    draw_assignments,
    n_assignments,
    pure_windows,
    smallest_pvalue,
    window_probabilities,
)
from analysis.vocabulary import check_argument, check_level

__all__ = ["SCHEDULE_COLUMNS", "check_design", "mechanism_of", "switchback_schedule"]

#: columns of :func:`switchback_schedule` (``start`` only when the slots give one)
SCHEDULE_COLUMNS = (
    "slot", "start", "block", "arm", "treated", "buffer", "mechanism", "p", "min_per_arm",
    "carryover", "seed",
)  # fmt: skip


def _slots_frame(slots: int | Sequence | pd.DataFrame, blocks: object) -> pd.DataFrame:
    """``slot`` (+ ``start``) and ``block`` columns, in time order."""
    if isinstance(slots, pd.DataFrame):
        if "slot" not in slots.columns:
            raise ValueError(
                "The slots frame needs a `slot` column (one row per planned LIVE, e.g. its "
                f"content_id); it has {list(slots.columns)}."
            )
        frame = slots[[c for c in ("slot", "start", "block") if c in slots.columns]].copy()
        if "start" in frame.columns:
            frame = frame.sort_values("start", kind="stable")
    elif isinstance(slots, (int, np.integer)):
        frame = pd.DataFrame({"slot": np.arange(1, int(slots) + 1)})
    else:
        frame = pd.DataFrame({"slot": list(slots)})
    frame = frame.reset_index(drop=True)
    if frame["slot"].duplicated().any():
        dup = frame.loc[frame["slot"].duplicated(), "slot"].tolist()
        raise ValueError(f"Slots must be unique; repeated: {dup[:5]}. Give each LIVE one row.")
    if blocks is None:
        if "block" not in frame.columns:
            frame["block"] = "all"
    elif isinstance(blocks, (int, np.integer)):
        if blocks < 1:
            raise ValueError(f"`blocks` as a block size must be at least 1; {blocks} was passed.")
        frame["block"] = np.arange(len(frame)) // int(blocks) + 1
    else:
        labels = list(blocks)  # type: ignore[call-overload]
        if len(labels) != len(frame):
            raise ValueError(
                f"`blocks` gives {len(labels)} labels for {len(frame)} slots: give one label "
                "per slot (in slot order), a block size, or None."
            )
        frame["block"] = labels
    if frame["block"].isna().any():
        raise ValueError("Every slot needs a block label; some are missing (NA).")
    return frame


def mechanism_of(blocks: Sequence, mechanism: str, p: float, min_per_arm: int) -> Mechanism:
    """The :class:`~analysis.stats.randomisation.Mechanism` of per-slot block labels."""
    codes = pd.factorize(pd.Series(list(blocks)), sort=False)[0]
    return Mechanism(mechanism, np.asarray(codes), float(p), int(min_per_arm))


def check_design(
    mech: Mechanism,
    *,
    carryover: int,
    level: float,
    min_per_arm: int,
    alternative: str = "two-sided",
) -> None:
    """Raise :class:`~analysis.errors.DesignError` (the reason, what to change) when the design
    cannot reach ``level``.

    Refused: fewer guaranteed slots per arm than ``min_per_arm``; a carry-over that leaves no
    slot with a pure window; a smallest p-value of the planned test (:func:`smallest_pvalue`) above
    :math:`1 - \\text{level}`.
    """
    T = mech.slots
    if not 0 <= carryover < T:
        raise DesignError(
            f"`carryover_buffer` must be between 0 and {T - 1}; {carryover} was passed."
        )
    if mech.mechanism == "blocked":
        guaranteed = sum(len(ix) // 2 for ix in mech.block_sizes())
    else:
        guaranteed = T // 2 if 2 * min_per_arm <= T else -1
    if guaranteed < min_per_arm:
        raise DesignError(
            f"The design cannot give {min_per_arm} slots per arm: {T} slots in "
            f"{len(mech.block_sizes())} blocks guarantee {max(guaranteed, 0)} per arm. Add slots "
            "or lower `min_per_arm`."
        )
    pi1, pi0 = window_probabilities(mech, carryover)
    if not (np.nansum(pi1) > 0 and np.nansum(pi0) > 0):
        raise DesignError(
            f"With a carry-over buffer of {carryover} slot(s) no slot can have its whole window "
            "in one arm under these blocks: use larger blocks or a smaller buffer."
        )
    K, small = n_assignments(mech), smallest_pvalue(mech, alternative)
    sides = "two-sided" if alternative == "two-sided" else "one-sided"
    if small > 1 - level:
        raise DesignError(
            f"This design cannot reach the {level:.0%} level: it has {K} possible assignments, "
            f"so the smallest {sides} p-value is {small:.4g}, above {1 - level:.4g}. Add "
            "LIVEs, or use fewer and larger blocks (more assignments), or lower the level."
        )


def switchback_schedule(
    slots: int | Sequence | pd.DataFrame,
    *,
    arms: tuple[str, str] = ("control", "treatment"),
    blocks: int | Sequence | None = None,
    mechanism: str = "blocked",
    min_per_arm: int = 1,
    carryover_buffer: int = 0,
    p: float = 0.5,
    level: float = 0.95,
    seed: int = 0,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    r"""A seeded random switchback schedule: one row per slot (LIVE), in time order.

    Parameters
    ----------
    slots : int, sequence or pandas.DataFrame
        The planned LIVEs: a number (slots 1..n), their ids in time order, or a frame with
        ``slot`` and optionally ``start`` (sorted by it) and ``block``.
    arms : (control, treatment)
        Names of the two arms; the second is the treatment (``treated`` True).
    blocks : int, sequence or None
        Block of each slot: a label per slot (weekday, creator availability), a block size
        (consecutive slots), or None (the frame's ``block`` column, else one block).
    mechanism : {"blocked", "bernoulli"}
        ``blocked``: half of each block per arm, all arrangements equally likely; ``bernoulli``:
        each slot treated with probability ``p``, assignments with fewer than ``min_per_arm``
        slots in an arm excluded.
    min_per_arm : int
        Slots each arm must get.
    carryover_buffer : int
        *m*: a slot counts only when slots :math:`t-m..t` share its arm; the others are
        ``buffer`` (run, not counted).
    p : float
        Treatment probability of ``bernoulli``.
    level : float
        Confidence level the analysis will use; a design whose smallest p-value is above
        :math:`1 - \text{level}` is refused.
    seed : int
        Seed of the draw (``numpy.random.default_rng``); the same seed gives the same schedule.
    alternative : {"two-sided", "larger", "smaller"}
        The test the analysis will use; only the refusal depends on it (a one-sided test's
        smallest p-value is half the two-sided one).

    Returns
    -------
    pandas.DataFrame
        :data:`SCHEDULE_COLUMNS`.

    Raises
    ------
    DesignError
        A constraint cannot be met or the design cannot reach ``level`` (the message says why
        and what to change; a subclass of ``ValueError``).
    ValueError
        Malformed slots or blocks (repeated slots, a label per slot missing).
    """
    check_argument("mechanism", MECHANISMS, mechanism)
    level = check_level(level)
    if len(arms) != 2 or arms[0] == arms[1]:
        raise ValueError(
            f"`arms` must name two different arms (control, treatment); got {arms!r}."
        )
    if not 0 < p < 1:
        raise ValueError(f"`p` is a probability strictly between 0 and 1; {p!r} was passed.")
    frame = _slots_frame(slots, blocks)
    if len(frame) < 2:
        raise DesignError(f"A switchback needs at least 2 slots; {len(frame)} given. Add LIVEs.")
    mech = mechanism_of(frame["block"], mechanism, p, min_per_arm)
    check_design(mech, carryover=int(carryover_buffer), level=level, min_per_arm=int(min_per_arm),
                 alternative=alternative)  # fmt: skip
    w = draw_assignments(mech, 1, np.random.default_rng(seed))[0]
    all1, all0 = pure_windows(w[None, :], int(carryover_buffer))
    extra = {
        "arm": np.where(w, arms[1], arms[0]), "treated": w, "buffer": ~(all1[0] | all0[0]),
        "mechanism": mechanism, "p": float(p), "min_per_arm": int(min_per_arm),
        "carryover": int(carryover_buffer), "seed": int(seed),
    }  # fmt: skip
    frame = pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)
    return frame[[c for c in SCHEDULE_COLUMNS if c in frame.columns]]
