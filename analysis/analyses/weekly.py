"""The numbers of the weekly summary: this week against the previous weeks, in tidy frames.

:func:`weekly_facts` computes everything the one-page summary (``notebooks/weekly_report``)
states; :mod:`analysis.present.summary` turns it into sentences. Each part is a result frame of the kit
(with ``method``, ``level``, ``status``), so the page can show the tables behind every sentence.

What each part uses: ``rates`` and ``lift`` the report week and the ``previous`` weeks before it
(:func:`analysis.stats.rates.rates`, :func:`analysis.stats.compare.compare` crude, clustered and adjusted for
hour x category); ``change`` :func:`analysis.analyses.durable.week_change`; ``slots`` pooled hour rates
of the week; ``movers`` creators (LIVE cells) and age groups whose rate this week differs from
the previous weeks (Benjamini-Hochberg across the family); ``anomalies``
:func:`analysis.analyses.anomalies.anomalies` (baseline: every other week of the data); ``interventions``
:func:`analysis.analyses.intervention.intervention` (ITS with the data up to the end of the report week
only, so a past week's report says what was known then); ``halo`` :func:`analysis.analyses.halo.halo`
(data up to the end of the week).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis.analyses.anomalies import ANOMALY_COLUMNS, anomalies
from analysis.analyses.answerable import answerable
from analysis.analyses.best import slot_selection
from analysis.analyses.durable import CHANGE_COLUMNS, week_change
from analysis.analyses.halo import HALO_COLUMNS, halo
from analysis.analyses.headline import clustered_by_live
from analysis.analyses.intervention import INTERVENTION_COLUMNS, intervention
from analysis.analyses.statuses import read_status
from analysis.stats.compare import compare
from analysis.stats.multiple import adjust_pvalues
from analysis.stats.rates import rates
from analysis.status import note
from analysis.weeks import Week, resolve_week

__all__ = [
    "MIN_SLOT_TRIALS",
    "MOVER_COLUMNS",
    "WeeklyFacts",
    "parse_interventions",
    "weekly_facts",
]


#: columns of ``WeeklyFacts.movers``
MOVER_COLUMNS = (
    "family", "group", "trials_a", "rate_a", "trials_b", "rate_b", "ratio", "ci_low", "ci_high",
    "pvalue", "pvalue_adjusted", "moved", "n_clusters_a", "n_clusters_b", "df", "level", "status",
    "status_message",
)  # fmt: skip
#: adjustment of the intervention estimate in the weekly report
INTERVENTION_ADJUST = ("hour", "promo", "age_group", "gender", "category")
#: a slot (side x hour) needs this many viewers in the week to be ranked best / worst
MIN_SLOT_TRIALS = 300


class WeeklyFacts(NamedTuple):
    """The numbers of one weekly summary (see :func:`weekly_facts`)."""

    week: Week
    previous: int  # weeks requested before the report week
    available: int  # earlier weeks actually in the data (0..previous)
    level: float
    rates: pd.DataFrame
    lift: pd.DataFrame
    change: pd.DataFrame
    slots: pd.DataFrame
    movers: pd.DataFrame
    anomalies: pd.DataFrame
    interventions: pd.DataFrame
    halo: pd.DataFrame


def parse_interventions(text: str) -> dict[str, pd.Timestamp]:
    """Parse the notebook parameter ``"@ines.glow:2026-10-26; @lea.beauty:2026-11-09"``.

    ``creator:YYYY-MM-DD`` (``creator=YYYY-MM-DD`` is accepted too; the notebook parameter uses
    ``:`` because papermill cannot read a parameter line holding two ``=``). Returns
    ``{creator: first day}``; an empty string gives ``{}``.

    Raises
    ------
    ValueError
        An entry not written ``creator:YYYY-MM-DD``.
    """
    out = {}
    for part in (p.strip() for p in str(text).split(";")):
        if not part:
            continue
        who, sep, day = part.rpartition("=" if "=" in part else ":")
        if not sep or not who.strip():
            raise ValueError(f"intervention {part!r}: write it creator:YYYY-MM-DD")
        try:
            out[who.strip()] = pd.Timestamp(day.strip()).normalize()
        except ValueError:
            raise ValueError(f"intervention {part!r}: {day.strip()!r} is not a date") from None
    return out


def _with_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``status`` a code and ``status_message`` its message (a new frame)."""
    message = frame["status_message"] if "status_message" in frame else [None] * len(frame)
    found = [read_status(c, m) for c, m in zip(frame["status"], message, strict=True)]
    return frame.assign(status=[f[0] for f in found], status_message=[f[1] for f in found])


def _week_label(dates: pd.Series) -> pd.Series:
    iso = dates.dt.isocalendar()
    return iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)


def _movers(window: pd.DataFrame, this: np.ndarray, *, metric, level) -> pd.DataFrame:
    r"""Creators (LIVE cells) and age groups whose rate this week differs from the weeks before.

    One :func:`analysis.stats.compare.compare` per family (``this week`` vs ``previous weeks``
    by group); the p-values of all groups (``compare``'s primary ones: clustered by LIVE, CR2
    with Bell-McCaffrey degrees of freedom) form one family adjusted by Benjamini-Hochberg, and
    ``moved`` is :math:`p_{\text{adj}} < 1 - \text{level}`.
    """
    frame = window.assign(period=np.where(this, "this week", "previous weeks"))
    parts = []
    live = frame.loc[(frame["is_live"] == True).fillna(False).to_numpy(dtype=bool)]  # noqa: E712
    if live["period"].nunique() == 2:
        r = compare(live, between="period", groups=("this week", "previous weeks"), by="creator",
                    metric=metric, level=level, detail=True)  # fmt: skip
        parts.append(r.rename(columns={"creator": "group"}).assign(family="creator (LIVE)"))
    if (
        "age_group" in frame
        and frame["age_group"].notna().any()
        and frame["period"].nunique() == 2
    ):
        r = compare(frame, between="period", groups=("this week", "previous weeks"),
                    by="age_group", metric=metric, level=level, detail=True)  # fmt: skip
        parts.append(r.rename(columns={"age_group": "group"}).assign(family="age group"))
    if not parts:
        return pd.DataFrame(columns=list(MOVER_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    out["pvalue_adjusted"] = adjust_pvalues(out["pvalue"].to_numpy(dtype=float), method="fdr_bh")
    out["moved"] = out["pvalue_adjusted"] < 1 - level
    out["ci_low"], out["ci_high"] = out["ratio_ci_low"], out["ratio_ci_high"]
    return _with_codes(out)[list(MOVER_COLUMNS)]


def _slots(week_cells: pd.DataFrame, *, metric, level) -> pd.DataFrame:
    """Best and worst pooled hour rate of each side (hours with :data:`MIN_SLOT_TRIALS` viewers),
    and whether each stands out (:func:`analysis.analyses.best.slot_selection`)."""
    r = rates(week_cells.loc[week_cells["hour"].notna().to_numpy(dtype=bool)],
              by=["is_live", "hour"], metric=metric, level=level)  # fmt: skip
    r = r[(r["trials"] >= MIN_SLOT_TRIALS) & r["is_live"].notna()]
    out = []
    for _, g in r.groupby("is_live"):
        g = g.sort_values("rate")
        if len(g) >= 2:
            out.append(g.iloc[[-1]].assign(slot="best"))
            out.append(g.iloc[[0]].assign(slot="worst"))
    r = pd.concat(out, ignore_index=True) if out else r.assign(slot=pd.Series(dtype=str))
    # does the best (worst) hour stand out once we allow for having picked it? (Hsu's MCB)
    return _with_codes(slot_selection(week_cells, r, metric=metric, min_trials=MIN_SLOT_TRIALS,
                                      level=level))  # fmt: skip


def _interventions(upto, wk: Week, interventions, *, metric, level) -> pd.DataFrame:
    """ITS estimate of each declared change with the data up to the end of the week.

    A change dated after the week is ``undefined_out_of_range``; a creator with no cells
    ``undefined_no_cells`` (no fit for either).
    """
    rows = []
    for who, day in (interventions or {}).items():
        day = pd.Timestamp(day).normalize()
        relation = ("after this week" if day > wk.sunday else
                    "this week" if day >= wk.monday else "before this week")  # fmt: skip
        if relation == "after this week":
            found = note("undefined_out_of_range", f"{who}'s change of {day.date()} is after "
                           "this week")  # fmt: skip
        elif not answerable(upto, "intervention", creator=who, date=str(day.date()))[
            "answered"
        ].iloc[0]:
            found = note("undefined_no_cells", f"no hourly LIVE cells of {who} before and "
                         f"after {day.date()} in the data")  # fmt: skip
        else:
            res = intervention(upto, date=day, group=who, design="its", metric=metric,
                               adjust=list(INTERVENTION_ADJUST), level=level)  # fmt: skip
            rows.append(res.assign(relation=relation))
            continue
        rows.append(pd.DataFrame([dict.fromkeys(INTERVENTION_COLUMNS, np.nan) | {
            "design": "its", "group": who, "date": day, "level": level, "status": found[0],
            "status_message": found[1], "relation": relation}]))  # fmt: skip
    return (pd.concat(rows, ignore_index=True) if rows
            else pd.DataFrame(columns=[*INTERVENTION_COLUMNS, "relation"]))  # fmt: skip


def _halo(upto: pd.DataFrame, *, metric, level) -> pd.DataFrame:
    """:func:`analysis.analyses.halo.halo` on the data up to the end of the week.

    When it cannot run (e.g. LIVE cells not hourly), one ``failed`` row with the error.
    """
    try:
        return halo(upto, metric=metric, level=level)
    except ValueError as err:
        code, message = note("failed", str(err))
        return pd.DataFrame([dict.fromkeys(HALO_COLUMNS, np.nan) | {
            "window": "0-6 h", "kind": "lag", "status": code, "status_message": message}])  # fmt: skip


def weekly_facts(
    cells: pd.DataFrame,
    *,
    week: str,
    previous: int = 4,
    metric: str = "atc_rate",
    level: float = 0.95,
    interventions: Mapping[str, object] | None = None,
) -> WeeklyFacts:
    """Compute the numbers of the weekly summary for ``week`` (see the module docstring).

    Parameters
    ----------
    cells : pandas.DataFrame
        All the cells (the report week, the weeks before it, and any other weeks for the
        anomaly baseline). Not modified.
    week : str
        ``"YYYY-Www"`` or ``"latest"``.
    previous : int
        Weeks before the report week to compare with (fewer when the data start later:
        ``available`` says how many).
    interventions : mapping, optional
        ``{creator: first day}`` of declared changes (e.g. Q&A added to her LIVEs); each is
        estimated with the data up to the end of the week when its date is on or before it.

    Returns
    -------
    WeeklyFacts
        ``rates`` (:data:`analysis.stats.rates.RATES_COLUMNS` by ``period`` = ``this week`` /
        ``previous weeks`` and ``is_live``, clustered by LIVE, plus ``n_lives``: the LIVEs of a
        LIVE row, NaN when the LIVE cells have no LIVE id or off-live), ``lift`` (compare of this week, then of the
        previous weeks: ``period`` column), ``change`` (:data:`analysis.analyses.durable.CHANGE_COLUMNS`),
        ``slots`` (best and worst hour per side with at least :data:`MIN_SLOT_TRIALS` viewers;
        ``stands_out``: still best / worst after allowing for the selection, Hsu's MCB),
        ``movers``, ``anomalies`` (:data:`analysis.analyses.anomalies.ANOMALY_COLUMNS`),
        ``interventions`` (:data:`analysis.analyses.intervention.INTERVENTION_COLUMNS` plus
        ``relation``: ``this week``, ``before this week``, ``after this week``), ``halo``
        (:data:`analysis.analyses.halo.HALO_COLUMNS`). ``change``, ``anomalies`` and ``halo``
        are empty (their columns, no row) when the cells cannot answer the question
        (:func:`analysis.analyses.answerable.answerable`: ``durable``, ``anomalies``, ``halo``).
        Every row carries ``status`` (a code of
        :data:`analysis.vocabulary.STATUSES`) and ``status_message``: those of the function
        that computed it (``rates``, ``slots``, ``movers``: :func:`analysis.stats.rates.rates`
        and :func:`analysis.stats.compare.compare`); a change dated after the week is
        ``undefined_out_of_range`` and one of a creator without cells ``undefined_no_cells``
        (not estimated); a halo that cannot be computed is one ``failed`` row with the error.
    """
    wk = resolve_week(cells, week)
    lo = wk.monday - pd.Timedelta(weeks=previous)
    upto = cells.loc[(cells["date"] < wk.next_monday).to_numpy(dtype=bool)]
    window = upto.loc[(upto["date"] >= lo).to_numpy(dtype=bool)]
    this = (window["date"] >= wk.monday).to_numpy(dtype=bool)
    earlier = window.loc[~this]
    available = int(_week_label(earlier["date"]).nunique()) if len(earlier) else 0
    period = pd.Series(np.where(this, "this week", "previous weeks"), index=window.index)
    r = rates(window.assign(period=period), by=["period", "is_live"], metric=metric, level=level)
    lives = (r["is_live"] == True).fillna(False) & clustered_by_live(window)  # noqa: E712
    r = r.assign(n_lives=r["n_clusters"].where(lives))
    week_cells = window.loc[this]
    lifts = [compare(week_cells, between="is_live", metric=metric, level=level,
                     adjust=["hour", "category"], detail=True).assign(period="this week")]  # fmt: skip
    if available:
        lifts.append(compare(earlier, between="is_live", metric=metric, level=level,
                             adjust=["hour", "category"], detail=True).assign(period="previous weeks"))  # fmt: skip
    lift = pd.concat(lifts, ignore_index=True)
    can = answerable(cells, ["durable", "anomalies", "halo"], week=wk.iso)
    ok = dict(zip(can["question"], can["answered"], strict=True))
    change = (week_change(upto, week=wk.iso, previous=previous, metric=metric, level=level)
              if ok["durable"] else pd.DataFrame(columns=list(CHANGE_COLUMNS)))  # fmt: skip
    movers = _movers(window, this, metric=metric, level=level) if available else _movers(
        window.iloc[:0], this[:0], metric=metric, level=level)  # fmt: skip
    an = (anomalies(cells, week=wk.iso, metric=metric, level=level) if ok["anomalies"]
          else pd.DataFrame(columns=list(ANOMALY_COLUMNS)))  # fmt: skip
    inter = _interventions(upto, wk, interventions, metric=metric, level=level)
    hal = (_halo(upto, metric=metric, level=level) if ok["halo"]
           else pd.DataFrame(columns=list(HALO_COLUMNS)))  # fmt: skip
    return WeeklyFacts(wk, previous, available, level, _with_codes(r), lift, change, _slots(
        week_cells, metric=metric, level=level), movers, an, inter, hal)  # fmt: skip
