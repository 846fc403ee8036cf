r"""The simulated shop running a switchback experiment: a planted effect (with carry-over) per LIVE.

:func:`simulate_switchback` simulates the shop of :func:`analysis.sample.simulate.simulate` whose
LIVEs are the slots of a switchback schedule (a frame or CSV with the columns of
``docs/data-formats.md``, "Switchback schedule and compliance"; read here as plain data: ``sample``
and ``stats`` share a layer and never import each other). Every cell of LIVE *t* has its ATC
probability multiplied by :math:`r^{e_t}`, with *r* the planted ``effect`` and

.. math::

    e_t = \frac{1}{|L_t|} \sum_{l \in L_t} W_l, \qquad L_t = \{t-m, \dots, t\} \cap \{1, \dots, T\}

the share of treated LIVEs in its carry-over window (*m* = ``carryover``; the first *m* LIVEs
average over the part of their window that exists), so each LIVE's expected rate is
:math:`Y_t(w) = Y_t(0)\, r^{e_t(w)}`: the effect model of the analysis (``docs/metrics.md``,
switchback experiments; Bojinov, Simchi-Levi & Zhao 2023, Management Science 69(7):3759-3777).
The lag-*m* effect on the mean per-LIVE rate is then exactly the ratio *r*. Everything else
(product cards, videos, halo, anomalies, the intervention) is simulated as in the sample.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.paths import resolve_data
from analysis.sample.assemble import assemble
from analysis.sample.effects import logit_terms, probabilities
from analysis.sample.funnel import draw_counts
from analysis.sample.ground_truth import ground_truth, jsonable
from analysis.sample.parameters import CREATORS, TZ
from analysis.sample.schedule import Shop, draw_live
from analysis.sample.simulate import Simulation, draw_shop
from analysis.sample.traffic import draw_cells
from analysis.sources.safe_text import unescape_frame

__all__ = ["read_schedule", "simulate_switchback", "switchback_simulation", "window_exposure"]

#: LIVEs a week of the default shop's creators (1 in 20 cancelled): sizes the grid without starts
_LIVES_PER_WEEK = 0.95 * sum(c[3] for c in CREATORS)
_TRUE = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def read_schedule(schedule: pd.DataFrame | str | Path) -> pd.DataFrame:
    """A switchback schedule as plain columns: ``slot`` (text), ``treated`` (bool), time order.

    Parameters
    ----------
    schedule : pandas.DataFrame, str or Path
        The frame of ``analysis.switchback_schedule`` or its CSV (``docs/data-formats.md``,
        "Switchback schedule and compliance"): ``slot`` and ``treated`` are required; ``start``
        (shop-local when it has no UTC offset), ``block``, ``creator``, ``arm`` and ``arm_run``
        (compliance: the arm a LIVE was run with, empty = as planned) are used when present.

    Returns
    -------
    pandas.DataFrame
        ``slot``, ``treated``, ``treated_run`` (the arm run; = ``treated`` without ``arm_run``) and
        the optional columns, ``start`` aware in the shop time zone.

    Raises
    ------
    ValueError
        A column is missing, a slot repeats, or a ``treated`` value is not a boolean (the
        message names the file, row and value).
    """
    name = "the schedule frame"
    if not isinstance(schedule, pd.DataFrame):
        path = resolve_data(schedule)
        name = path.name
        schedule = pd.read_csv(path, dtype={"slot": str, "block": str, "creator": str})
        schedule = unescape_frame(schedule)  # the kit's CSVs escape '@creator' (OWASP)
    missing = {"slot", "treated"} - set(schedule.columns)
    if missing:
        raise ValueError(
            f"{name}: the schedule needs the columns slot and treated (docs/data-formats.md, "
            f"switchback schedule); missing {sorted(missing)}. Save analysis.switchback_schedule(...)."
        )
    keep = ["slot", "start", "block", "creator", "arm", "treated", "arm_run"]
    keep = [c for c in keep if c in schedule.columns]
    frame = schedule[keep].reset_index(drop=True).copy()
    frame["slot"] = frame["slot"].astype(str)
    if frame["slot"].duplicated().any():
        dup = frame.loc[frame["slot"].duplicated(), "slot"].tolist()[:5]
        raise ValueError(f"{name}: slots must be unique; repeated: {dup}. Give each LIVE one row.")
    frame["treated"] = [_boolean(v, name, i) for i, v in enumerate(frame["treated"], start=2)]
    frame["treated_run"] = _treated_run(frame, name)
    if "start" in frame.columns:
        frame["start"] = _starts(frame["start"], name)
        frame = frame.sort_values("start", kind="stable").reset_index(drop=True)
    return frame


def _starts(values: pd.Series, name: str) -> pd.Series:
    """Planned starts, aware in the shop time zone (text with a UTC offset is converted)."""
    text = values.astype(str).str.strip()
    offset = text.str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True)
    start = pd.to_datetime(text, utc=bool(offset.any()), format="mixed", errors="coerce")
    bad = start.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"{name}, row {row + 2}, column start: {values.iloc[row]!r} is not a date and time; "
            "write e.g. 2026-10-05 18:00 (shop time) or 2026-10-05T18:00:00+02:00."
        )
    if start.dt.tz is None:
        start = start.dt.tz_localize(TZ)
    return start.dt.tz_convert(TZ)


def _treated_run(frame: pd.DataFrame, name: str) -> list[bool]:
    """The arm each LIVE is run with: ``arm_run`` (empty = as planned), else the planned one."""
    if "arm_run" not in frame.columns:
        return frame["treated"].tolist()
    if "arm" not in frame.columns:
        raise ValueError(f"{name}: `arm_run` needs the `arm` column to tell the arms apart.")
    names = dict(zip(frame["arm"].astype(str), frame["treated"], strict=True))
    out = []
    for i, (run, planned) in enumerate(zip(frame["arm_run"], frame["treated"], strict=True)):
        if pd.isna(run) or str(run).strip() == "":
            out.append(bool(planned))
        elif str(run).strip() in names:
            out.append(bool(names[str(run).strip()]))
        else:
            raise ValueError(
                f"{name}, row {i + 2}, column arm_run: {run!r} is not an arm of the schedule "
                f"({', '.join(names)}); leave it empty when the LIVE ran as planned."
            )
    return out


def _boolean(value: object, name: str, row: int) -> bool:
    """``treated`` as a bool (True/False, 1/0, yes/no); anything else is refused."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    key = str(value).strip().lower()
    if key in _TRUE:
        return _TRUE[key]
    raise ValueError(
        f"{name}, row {row}, column treated: {value!r} is not a boolean; write True or False."
    )


def window_exposure(treated: np.ndarray, carryover: int) -> np.ndarray:
    r"""Share of treated LIVEs in each LIVE's window :math:`t-m..t` (module docstring).

    Parameters
    ----------
    treated : numpy.ndarray of bool
        The arm of each LIVE in time order (True = treatment).
    carryover : int
        *m* >= 0.

    Returns
    -------
    numpy.ndarray of float
        :math:`e_t`; with *m* = 0 it is ``treated`` as 0/1.
    """
    w = np.asarray(treated, dtype=float)
    total, count = w.copy(), np.ones(w.size)
    for lag in range(1, carryover + 1):
        total[lag:] += w[:-lag]
        count[lag:] += 1
    return total / count


def _scheduled_lives(rng: np.random.Generator, shop: Shop, sched: pd.DataFrame) -> list[dict]:
    """The LIVEs of the schedule: at its starts (drawn like the sample's), else the shop's first."""
    if "start" not in sched.columns:
        lives = shop.lives[: len(sched)]
    else:
        handles = list(shop.creators)
        lives = []
        for i, r in sched.iterrows():
            creator = _creator_of(r, handles, int(str(i)))
            begin = pd.Timestamp(r["start"])
            if begin != begin.floor("h"):
                raise ValueError(
                    f"Schedule row {int(str(i)) + 2}, column start: {begin} is not on the hour; "
                    "the simulator's grid is hourly."
                )
            hours = shop.creators[creator]["slots"][0]["duration_hours"]
            slot = {"weekday": begin.weekday(), "hour": begin.hour, "duration_hours": hours}
            lives.append({"creator": creator, "start": begin, "slot": slot})
        ranks: dict[str, int] = {}
        for lv in lives:
            ranks[lv["creator"]] = ranks.get(lv["creator"], -1) + 1
            creator = shop.creators[lv["creator"]]
            draw_live(rng, lv, creator, shop.products.category, ranks[lv["creator"]],
                      shop.intervention_start)  # fmt: skip
    for lv, slot in zip(lives, sched["slot"], strict=True):
        lv["content_id"] = slot
    return lives


def _creator_of(row: pd.Series, handles: list[str], i: int) -> str:
    """``creator`` column, else a ``block`` that is a creator's handle, else creators in turn."""
    for column in ("creator", "block"):
        value = row.get(column)
        if isinstance(value, str) and value in handles:
            return value
    if isinstance(row.get("creator"), str):
        raise ValueError(
            f"Schedule row {i + 2}, column creator: {row['creator']!r} is not a creator of the "
            f"simulated shop ({', '.join(handles)})."
        )
    return handles[i % len(handles)]


def _grid(sched: pd.DataFrame, weeks: int | None, start: str | None) -> tuple[int, str]:
    """Weeks and first day of the simulated grid: the schedule's span from its first Monday."""
    if "start" not in sched.columns:
        need = max(1, math.ceil(len(sched) / _LIVES_PER_WEEK))
        return (need if weeks is None else int(weeks)), (start or "2026-09-28")
    first = sched["start"].min().tz_localize(None).normalize()
    monday = first - pd.Timedelta(days=first.weekday())
    day0 = pd.Timestamp(start) if start else monday
    last_end = sched["start"].max().tz_localize(None) + pd.Timedelta(hours=3)
    need = max(1, math.ceil((last_end - day0) / pd.Timedelta(days=7)))
    if day0 > first:
        raise ValueError(f"`start` {start} is after the schedule's first LIVE ({first.date()}).")
    return (need if weeks is None else int(weeks)), day0.strftime("%Y-%m-%d")


def switchback_simulation(
    schedule: pd.DataFrame | str | Path,
    *,
    effect: float = 1.0,
    carryover: int = 0,
    seed: int = 0,
    weeks: int | None = None,
    start: str | None = None,
    scale: float = 1.0,
) -> Simulation:
    """The whole simulation of :func:`simulate_switchback` (cells, truth, expected, terms).

    ``terms`` gains a ``switchback`` column, ``logit(p r^e) - logit(p)`` on LIVE cells (0
    elsewhere), so the row sum stays ``logit(p_atc)``.
    """
    sched = read_schedule(schedule)
    if not (effect > 0 and math.isfinite(effect)):
        raise ValueError(f"`effect` is a rate ratio > 0; {effect!r} was passed.")
    if int(carryover) != carryover or carryover < 0:
        raise ValueError(f"`carryover` is a whole number of LIVEs >= 0; {carryover!r} was passed.")
    if not scale > 0:
        raise ValueError(f"scale must be > 0 (it multiplies the traffic), not {scale!r}")
    n_weeks, day0 = _grid(sched, weeks, start)
    while True:
        rng = np.random.default_rng(seed)
        shop = draw_shop(rng, n_weeks, day0)
        if "start" in sched.columns or len(shop.lives) >= len(sched) or weeks is not None:
            break
        n_weeks += 1  # a few cancelled LIVEs too many: one more week
    if "start" not in sched.columns and len(shop.lives) < len(sched):
        raise ValueError(
            f"{weeks} week(s) hold {len(shop.lives)} LIVEs, fewer than the schedule's "
            f"{len(sched)} slots: give more weeks (or None)."
        )
    shop = shop._replace(lives=_scheduled_lives(rng, shop, sched))
    _check_grid(shop)
    exposure = window_exposure(sched["treated_run"].to_numpy(bool), int(carryover))
    factor = float(effect) ** exposure
    return _run(rng, shop, sched, factor, seed=seed, scale=scale,
                planted={"effect": float(effect), "carryover": int(carryover), "exposure": exposure})  # fmt: skip


def _check_grid(shop: Shop) -> None:
    """Every LIVE starts inside the simulated hours."""
    cal = shop.calendar
    for lv in shop.lives:
        if not cal.hours[0] <= lv["start"] < cal.stop:
            raise ValueError(
                f"LIVE {lv['content_id']} starts at {lv['start']}, outside the simulated weeks "
                f"{cal.hours[0].date()}..{(cal.stop - pd.Timedelta(days=1)).date()}: "
                "widen `weeks` or move `start`."
            )


def _run(rng, shop: Shop, sched, factor, *, seed, scale, planted) -> Simulation:
    """Traffic, planted probabilities, counts, cells and truth (the steps of ``simulate``)."""
    cells = draw_cells(rng, shop, scale)
    terms = logit_terms(cells, shop)
    p_atc, p_order = probabilities(terms, cells["category"])
    live = cells["channel"] == 0
    f = np.where(live, factor[np.where(live, cells["content"], 0)], 1.0)
    if (p_atc * f >= 1).any():
        raise ValueError(
            f"effect {planted['effect']} pushes an ATC probability to {np.max(p_atc * f):.3f} "
            "(>= 1): plant a smaller ratio."
        )
    terms["switchback"] = np.log(f * (1 - p_atc) / (1 - p_atc * f))  # logit(p f) - logit(p)
    counts = draw_counts(rng, cells, p_atc * f)
    frame, exp, terms = assemble(shop, cells, counts, terms, (p_atc * f, p_order * f))
    truth = ground_truth(shop, frame, exp, seed=seed, scale=scale)
    truth["switchback"] = jsonable(_truth(shop, sched, frame, exp, factor, planted))
    return Simulation(frame, truth, exp, terms)


def _truth(shop, sched, frame, exp, factor, planted) -> dict[str, Any]:
    """The planted switchback: effect, carry-over, model and each LIVE's arm, exposure, rates."""
    live = frame["channel"].eq("LIVE").to_numpy(dtype=bool)
    v = frame["viewers"].to_numpy(dtype=float)[live]
    vp = v * exp["p_atc"].to_numpy()[live]
    ids = frame["content_id"].astype(str).to_numpy()[live]
    sums = pd.DataFrame({"slot": ids, "v": v, "vp": vp}).groupby("slot")[["v", "vp"]].sum()
    rates = (sums["vp"] / sums["v"]).reindex(sched["slot"]).to_numpy()
    slots = []
    for k, (lv, slot) in enumerate(zip(shop.lives, sched["slot"], strict=True)):
        slots.append({
            "slot": slot, "start": lv["start"], "creator": lv["creator"],
            "treated": bool(sched["treated"].iloc[k]),
            "treated_run": bool(sched["treated_run"].iloc[k]),
            "exposure": float(planted["exposure"][k]),
            "factor": float(factor[k]), "expected_rate": _none(rates[k]),
            "expected_rate_control": _none(rates[k] / factor[k]),
        })  # fmt: skip
    return {
        "effect": planted["effect"],
        "carryover": planted["carryover"],
        "true_ratio": planted["effect"],
        "model": "p_atc of every cell of LIVE t times effect ** e_t, e_t = share of treated "
        "LIVEs among t-m..t (the first m: those that exist); so Y_t(w) = Y_t(0) effect ** e_t "
        "and the lag-m effect on the mean per-LIVE ATC rate is the ratio `effect`",
        "metric": "atc_rate (and conversion: p_order is multiplied alike)",
        "slots": slots,
    }


def _none(x: float) -> float | None:
    """A finite float, or None (a LIVE without viewers has no expected rate)."""
    return float(x) if np.isfinite(x) else None


def simulate_switchback(
    schedule: pd.DataFrame | str | Path,
    *,
    effect: float = 1.0,
    carryover: int = 0,
    seed: int = 0,
    weeks: int | None = None,
    start: str | None = None,
    scale: float = 1.0,
) -> tuple[pd.DataFrame, dict]:
    r"""Simulate the shop running a switchback schedule, with a planted effect and carry-over.

    Parameters
    ----------
    schedule : pandas.DataFrame, str or Path
        The schedule (:func:`read_schedule`). Its slots are the shop's only LIVEs, with
        ``content_id`` = ``slot``. With ``start``, each LIVE starts then (on the hour), run by
        the ``creator`` column, else by the ``block`` when it is a creator's handle, else by the
        creators in turn, and is drawn like a sample LIVE (showcase, flash sales, session effect);
        without ``start``, the slots take the places of the shop's first LIVEs in time order.
    effect : float
        Planted ratio *r* on each treated LIVE's ATC rate (1: no effect).
    carryover : int
        Planted *m*: LIVE *t* gets :math:`r^{e_t}`, :math:`e_t` the share of treated LIVEs among
        *t-m..t* (module docstring), by the arm actually run (``arm_run``) when given.
    seed : int
        Seed of the one ``numpy.random.default_rng``; same arguments, same output.
    weeks, start : optional
        The simulated grid; default: from the Monday of the first scheduled LIVE to the last
        one (with ``start``), else enough weeks of the shop's LIVEs from 2026-09-28.
    scale : float
        Multiplies all traffic.

    Returns
    -------
    cells : pandas.DataFrame
        Canonical cells as :func:`analysis.sample.simulate.simulate` returns them.
    truth : dict
        The keys of :func:`~analysis.sample.simulate.simulate` plus ``switchback``: ``effect``,
        ``carryover``, ``true_ratio`` (the lag-*m* ratio, = ``effect``), ``model``, ``metric``
        and per slot ``slot, start, creator, treated, treated_run, exposure, factor,
        expected_rate, expected_rate_control``.

    Raises
    ------
    ValueError
        An unreadable schedule, a LIVE off the grid or not on the hour, or an effect pushing a
        probability to 1 (the message says which and how to fix it).

    Examples
    --------
    >>> sched = pd.DataFrame({"slot": [f"L{i}" for i in range(8)], "treated": [0, 1] * 4})
    >>> cells, truth = simulate_switchback(sched, effect=1.5, seed=1)
    >>> live = cells.loc[cells["channel"] == "LIVE", "content_id"]
    >>> truth["switchback"]["true_ratio"], sorted(live.unique())[:2]
    (1.5, ['L0', 'L1'])
    """
    sim = switchback_simulation(schedule, effect=effect, carryover=carryover, seed=seed,
                                weeks=weeks, start=start, scale=scale)  # fmt: skip
    return sim.cells, sim.truth
