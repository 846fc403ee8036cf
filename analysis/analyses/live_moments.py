r"""What moved the room: an event study of clicks and orders per viewer around the moments an
analyst noted inside LIVEs (a product pinned, a price drop, a Q&A, a giveaway).

For event :math:`e` of LIVE :math:`l(e)`, placed at minute :math:`a_e`
(:func:`analysis.analyses.live_minutes.place_events`), and relative minutes :math:`k`, with
:math:`v_{ek}` the viewers and :math:`x_{ek}` the clicks (or orders) of the LIVE's cell starting
at :math:`a_e + k`:

* baseline (the same LIVE's pre-event minutes) :math:`b_e = \sum_{k=-B}^{-1} x_{ek} /
  \sum_{k=-B}^{-1} v_{ek}`;
* window :math:`W = [u, w]`: :math:`r_e = \sum_{k \in W} x_{ek} / \sum_{k \in W} v_{ek}`,
  difference :math:`d_e = r_e - b_e`, weight :math:`\omega_e = \sum_{k\in W} v_{ek}`;
* pooled across events and LIVEs: the weighted mean :math:`\hat D = \sum_e \omega_e d_e /
  \sum_e \omega_e` (weighted least squares of :math:`d_e` on a constant), its CR2 variance
  clustered by LIVE and a :math:`t` interval with Bell-McCaffrey degrees of freedom
  (:func:`analysis.stats.cr2.cr2_vcov`, :func:`analysis.stats.cr2.bm_df`; R:
  ``clubSandwich::vcovCR(lm(d ~ 1, weights = w), cluster = live, type = "CR2")`` and
  ``coef_test(..., test = "Satterthwaite")``, pinned in ``tests/reference/live_moments.R``).

Rows: each relative minute :math:`k = -B \dots A` (the profile) and each window of ``windows``
(default 0 to +2 and +3 to +20), for the events (all, then each type) and for placebo minutes
(random non-event minutes of the same LIVEs, seeded:
:func:`analysis.analyses.live_minutes.placebo_minutes`), whose difference should cover 0. An
event without viewers in its window or baseline is left out of that row (status ``partial``).
The study is **descriptive**: creators pin, drop prices or answer questions *because* of what
the room does, so a difference is what followed the moment, not what it caused. Time resolution:
the per-minute API gives minutes; a Trend Stat interval's counts sit at its start minute
(``step_minutes``). Reference: ``docs/metrics.md``, "Moments inside a LIVE"; Bell & McCaffrey
(2002), Pustejovsky & Tipton (2018).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.analyses.live_minutes import minute_cells, place_events, placebo_minutes
from analysis.stats.cr2 import bm_df, cr2_vcov
from analysis.status import note, status_columns, undefined
from analysis.vocabulary import check_level

__all__ = [
    "COLUMNS",
    "MEASURES",
    "METHOD",
    "WINDOWS",
    "live_moments",
    "moment_windows",
    "pooled_difference",
]

#: measure -> the count per viewer it reads
MEASURES = {"clicks_per_viewer": "clicks", "orders_per_viewer": "orders"}
#: default summary windows, in minutes relative to the event (inclusive)
WINDOWS = ((0, 2), (3, 20))
#: the method of every row
METHOD = ("window minus pre-event rate per event, viewer-weighted mean; CR2 clustered by LIVE, "
          "Bell-McCaffrey df")  # fmt: skip
COLUMNS = (
    "kind", "type", "measure", "from_minute", "to_minute", "rate", "baseline", "difference",
    "ci_low", "ci_high", "df", "pvalue", "n_events", "n_lives", "viewers", "step_minutes",
    "claim", "method", "level", "status", "status_message",
)  # fmt: skip


def moment_windows(at: pd.DataFrame, minutes: pd.DataFrame, *, before: int, after: int
                   ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:  # fmt: skip
    """Viewers and counts of each placed moment at relative minutes ``-before ... after``.

    Returns
    -------
    (viewers, counts, lives)
        ``viewers`` (events x minutes, 0 where the LIVE has no cell), ``counts`` (measure ->
        the same shape), ``lives`` (the LIVE of each event).
    """
    span = before + after + 1
    v = np.zeros((len(at), span))
    x = {m: np.zeros((len(at), span)) for m in MEASURES}
    by_live = {k: g for k, g in minutes.groupby("content_id", sort=False)}
    for i, (live, when) in enumerate(zip(at["content_id"], at["at"], strict=True)):
        one = by_live[live]
        rel = np.rint((one["start"] - when).dt.total_seconds().to_numpy() / 60).astype(int)
        keep = (rel >= -before) & (rel <= after)
        col = rel[keep] + before
        v[i, col] = one["viewers"].to_numpy()[keep]
        for m, c in MEASURES.items():
            x[m][i, col] = one[c].to_numpy()[keep]
    return v, x, at["content_id"].astype(str).to_numpy()


def pooled_difference(d: np.ndarray, w: np.ndarray, lives: np.ndarray, level: float) -> dict:
    """The viewer-weighted mean of ``d`` with its CR2 / Bell-McCaffrey ``level`` interval,
    clustered by ``lives`` (module docstring; ``tests/reference/live_moments.R``).

    Returns
    -------
    dict
        ``difference``, ``ci_low``, ``ci_high``, ``df``, ``pvalue`` (NaN with no spread).
    """
    est = float(np.sum(w * d) / np.sum(w))
    X = np.ones((len(d), 1))
    var = float(cr2_vcov(X, w, d - est, lives)[0, 0])
    df = float(bm_df(X, w, lives, np.ones((1, 1)))[0])
    se = np.sqrt(max(var, 0.0))
    q = stats.t.ppf(0.5 + level / 2, df)
    p = float(2 * stats.t.sf(abs(est) / se, df)) if se > 0 else np.nan
    return {"difference": est, "ci_low": est - q * se, "ci_high": est + q * se, "df": df,
            "pvalue": p}  # fmt: skip


def _row(v, x, lives, lo, hi, *, before: int, level: float) -> dict:
    """One window ``[lo, hi]`` of the moments (``v``, ``x`` for one measure)."""
    base_v, base_x = v[:, :before].sum(1), x[:, :before].sum(1)
    win_v = v[:, lo + before : hi + before + 1].sum(1)
    win_x = x[:, lo + before : hi + before + 1].sum(1)
    use = (base_v > 0) & (win_v > 0)
    n_lives = len(set(lives[use]))
    out = {"rate": np.nan, "baseline": np.nan, "difference": np.nan, "ci_low": np.nan,
           "ci_high": np.nan, "df": np.nan, "pvalue": np.nan, "n_events": int(use.sum()),
           "n_lives": n_lives, "viewers": float(win_v[use].sum())}  # fmt: skip
    if n_lives < 2:
        return {**out, **undefined("undefined_too_few", f"{n_lives} LIVE(s) with viewers in "
                                   "this window and before the moment; 2 needed")}  # fmt: skip
    w, b = win_v[use], base_x[use] / base_v[use]
    res = pooled_difference(win_x[use] / w - b, w, lives[use], level)
    notes = []
    if n_lives < 10:
        notes.append(note("few_clusters", f"{n_lives} LIVEs (< 10), t({res['df']:.1f}) reference"))
    if (~use).any():
        notes.append(note("partial", f"{int((~use).sum())} moment(s) without viewers in this "
                          "window or before it left out"))  # fmt: skip
    if not res["ci_high"] > res["ci_low"]:
        notes.append(note("no_variation", "every moment has the same difference"))
    rate = float(win_x[use].sum() / w.sum())
    return {**out, **res, "rate": rate, "baseline": float(np.sum(w * b) / w.sum()),
            **status_columns(notes)}  # fmt: skip


def _rows(at: pd.DataFrame, minutes: pd.DataFrame, spans, *, kind: str, kind_type: str,
          before: int, after: int, level: float) -> list[dict]:  # fmt: skip
    if at.empty:
        return []
    v, x, lives = moment_windows(at, minutes, before=before, after=after)
    steps = at["step_minutes"].astype(float)
    out = []
    for measure in MEASURES:
        for lo, hi in spans:
            r = _row(v, x[measure], lives, lo, hi, before=before, level=level)
            if r["n_events"] == 0 and lo == hi:
                continue  # no cell starts at this minute (a coarser Trend Stat interval)
            out.append({"kind": kind, "type": kind_type, "measure": measure, "from_minute": lo,
                        "to_minute": hi, **r, "step_minutes": float(steps.max()),
                        "claim": "descriptive", "method": METHOD, "level": level})  # fmt: skip
    return out


def live_moments(
    cells: pd.DataFrame, events: pd.DataFrame, *, before: int = 10, after: int = 20,
    windows=WINDOWS, profile: bool = True, by_type: bool = True, placebo: int = 3,
    level: float = 0.95, seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """The event study of the module docstring.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells; only ``LIVE`` cells of grain ``minute`` / ``interval`` are read.
    events : pandas.DataFrame
        The events table (:func:`analysis.sources.events_table.read_events`).
    before, after : int
        Minutes before (the baseline) and after the moment (profile ``-before ... +after``).
    windows : sequence of (int, int)
        Summary windows ``(from, to)`` in relative minutes, inclusive, inside ``0 ... after``.
    profile, by_type : bool
        Also one row per relative minute; also rows per event type (besides ``all``).
    placebo : int
        Placebo minutes drawn per event (0: none), seeded by ``seed``.

    Returns
    -------
    (moments, placed)
        :data:`COLUMNS`, one row per kind x type x measure x window; and the events with where
        each was placed (``placed``, ``reason``: :func:`place_events`).
    """
    check_level(level)
    minutes = minute_cells(cells)
    placed = place_events(minutes, events)
    spans = [(k, k) for k in range(-before, after + 1)] if profile else []
    spans += [tuple(w) for w in windows]
    ok = placed[placed["placed"].astype(bool)]
    kw: dict[str, Any] = {"before": before, "after": after, "level": level}
    rows = _rows(ok, minutes, spans, kind="event", kind_type="all", **kw)
    for kind_type in sorted(ok["type"].unique()) if by_type else []:
        rows += _rows(ok[ok["type"] == kind_type], minutes, [tuple(w) for w in windows],
                      kind="event", kind_type=kind_type, **kw)  # fmt: skip
    if placebo > 0 and not ok.empty:
        fake = placebo_minutes(minutes, placed, before=before, after=after, per_event=placebo,
                               seed=seed)  # fmt: skip
        rows += _rows(fake, minutes, spans, kind="placebo", kind_type="all", **kw)
    return pd.DataFrame(rows, columns=list(COLUMNS)), placed
