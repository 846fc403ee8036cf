r"""Simulated LIVEs minute by minute, with events and a planted effect: the truth of the moments
page (:mod:`analysis.analyses.live_moments`).

Each LIVE :math:`l` has a click rate :math:`p_l = p\,e^{u_l}` and an order rate per click
:math:`q_l = q\,e^{w_l}` (:math:`u_l, w_l \sim N(0, \sigma_L^2)`: LIVEs differ), an audience
size :math:`m_l \sim \mathrm{Gamma}(2, \bar m/2)` and, minute :math:`t`, viewers
:math:`v_{lt} \sim \mathrm{Poisson}(m_l s_t)` (:math:`s_t` a rise over the first ten minutes),
a minute rate :math:`p_{lt} = p_l e^{\epsilon_{lt}}` (:math:`\epsilon_{lt} \sim N(0,
\sigma_M^2)`: the room's mood drifts), clicks :math:`\sim \mathrm{Bin}(v_{lt}, p_{lt}(1 + b\,
1[0 \le t - e < d]))` with the planted bump :math:`b` during the :math:`d` minutes from each
event :math:`e`, and orders :math:`\sim \mathrm{Bin}(\text{clicks}, q_l)`. Events are placed at
random, at least ``spacing`` minutes apart and a full window from the ends. Seeded: the same
arguments give the same LIVEs (``numpy.random.default_rng``).

The planted difference in clicks per viewer is :math:`b\,p_{lt}` in each bumped minute; its
viewer-weighted mean over the bumped minutes is ``truth["click_bump"]`` (what the event study
estimates for the window 0 to :math:`d-1`); orders follow clicks, so orders per viewer rise by
:math:`b\,p_{lt} q_l` (``truth["order_bump"]``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.cells import validate_cells
from analysis.vocabulary import EVENT_TYPES

__all__ = ["MinuteSample", "simulate_minutes"]


@dataclass(frozen=True)
class MinuteSample:
    """A simulated set of LIVEs: ``cells`` (grain ``minute``), ``events`` (the events table as
    :func:`analysis.sources.events_table.read_events` returns it, by ``live_id`` and
    ``minute``) and ``truth`` (the planted bump, in clicks per viewer)."""

    cells: pd.DataFrame
    events: pd.DataFrame
    truth: dict


def _event_minutes(rng, minutes: int, n: int, before: int, after: int, spacing: int) -> list:
    """Up to ``n`` event minutes in ``[before, minutes - after)``, ``spacing`` apart."""
    out: list[int] = []
    if minutes - after <= before:
        return out  # too short for a full window: no event
    for _ in range(50 * n):
        if len(out) == n:
            break
        t = int(rng.integers(before, minutes - after))
        if all(abs(t - s) >= spacing for s in out):
            out.append(t)
    return sorted(out)


def simulate_minutes(
    *, lives: int = 12, minutes: int = 120, events: int = 2, bump: float = 0.0,
    bump_minutes: int = 3, click_rate: float = 0.06, order_rate: float = 0.1,
    audience: float = 120.0, sigma_live: float = 0.3, sigma_minute: float = 0.15,
    spacing: int = 31, start: str = "2026-11-02 19:00", tz: str = "Europe/Paris", seed: int = 0,
) -> MinuteSample:  # fmt: skip
    """Simulate ``lives`` LIVEs of ``minutes`` minutes with ``events`` events each and a planted
    relative click bump ``bump`` lasting ``bump_minutes`` (module docstring for the model).

    LIVE :math:`l` starts ``start`` + :math:`l` days (one a day); creators ``@host_a``,
    ``@host_b``, ``@host_c`` in turn; event types cycle through pin, price_drop, qa, giveaway.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(minutes)
    shape = np.minimum(1.0, 0.4 + 0.06 * t)
    rows, evs, bumped = [], [], []
    first = pd.Timestamp(start, tz=tz)
    for i in range(lives):
        live, creator = f"75{i + 1:017d}", f"@host_{'abc'[i % 3]}"
        p = click_rate * np.exp(rng.normal(0, sigma_live))
        q = order_rate * np.exp(rng.normal(0, sigma_live))
        viewers = rng.poisson(rng.gamma(2.0, audience / 2.0) * shape)
        rate = np.minimum(p * np.exp(rng.normal(0, sigma_minute, minutes)), 0.5)
        at = _event_minutes(rng, minutes, events, 10, 21, spacing)
        lift = np.ones(minutes)
        for j, e in enumerate(at):
            lift[e : e + bump_minutes] += bump
            bumped += [(viewers[k], rate[k] * bump, rate[k] * bump * min(q, 1.0))
                       for k in range(e, e + bump_minutes)]  # fmt: skip
            evs.append({"live_id": live, "minute": e, "type": EVENT_TYPES[(i + j) % 4]})
        clicks = rng.binomial(viewers, np.minimum(rate * lift, 1.0))
        orders = rng.binomial(clicks, min(q, 1.0))
        items = orders + rng.poisson(0.2 * orders)
        t0 = first + pd.Timedelta(days=i)
        rows.append(pd.DataFrame({
            "start": t0 + pd.to_timedelta(t, unit="min"), "content_id": live,
            "content_title": f"Evening LIVE {i + 1}", "creator": creator, "viewers": viewers,
            "views": viewers + rng.poisson(0.3 * viewers), "clicks": clicks,
            "impressions": clicks + rng.poisson(1.5 * viewers), "orders": orders, "items": items,
            "revenue": items * 25.0,
        }))  # fmt: skip
    cells = pd.concat(rows, ignore_index=True).assign(
        source="simulate", file="minutes", grain="minute", channel="LIVE", unit="visitor",
        currency="EUR",
    )  # fmt: skip
    cells["row"] = np.arange(1, len(cells) + 1)
    b = np.array(bumped, dtype=float).reshape(-1, 3)
    w = b[:, 0].sum()
    truth = {"bump": bump, "bump_minutes": bump_minutes, "seed": seed,
             "click_bump": float(b[:, 0] @ b[:, 1] / w) if w else 0.0,
             "order_bump": float(b[:, 0] @ b[:, 2] / w) if w else 0.0}  # fmt: skip
    ev = pd.DataFrame(evs, columns=["live_id", "minute", "type"])
    return MinuteSample(validate_cells(cells, tz=tz), _events(ev), truth)


def _events(ev: pd.DataFrame) -> pd.DataFrame:
    """The simulated events in the events table's columns (``row`` as if read from a file)."""
    out = pd.DataFrame({
        "file": pd.Series(["events.csv"] * len(ev), dtype="string"),
        "row": pd.Series(np.arange(2, len(ev) + 2), dtype="Int64"),
        "live_id": ev["live_id"].astype("string"),
        "creator": pd.Series([pd.NA] * len(ev), dtype="string"),
        "live_start": pd.Series([pd.NaT] * len(ev), dtype="datetime64[ns]"),
        "minute": ev["minute"].astype("Int64"),
        "time": pd.Series([pd.NA] * len(ev), dtype="string"),
        "type": ev["type"].astype("string"),
        "note": pd.Series([pd.NA] * len(ev), dtype="string"),
    })  # fmt: skip
    return out
