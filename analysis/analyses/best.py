r"""Selection-aware claims: the best hour, creator or segment, the biggest mover, only when it stands out.

Ranking 8 hours and calling the top one "the best hour" finds a winner even in a shop where every
hour is the same. These functions fit one binomial GLM with one log-odds coefficient per
candidate (:func:`analysis.stats.models.glm`, clustered by LIVE, product x day off-live), read
the coefficients' *joint* cluster-robust covariance (hours share LIVEs, so their estimates are
correlated) and apply Hsu's multiple comparisons with the best
(:func:`analysis.stats.selection.mcb`): a candidate is ``clearly best`` only when it beats every
other one after allowing for having picked it; otherwise nothing stands out.

* :func:`best_of`: the best level of a column (``hour``, ``creator``, ``age_group``, ...) on one
  side, optionally adjusted for other columns; :func:`best_hour`, :func:`best_creator` and
  :func:`best_segment` are its page-level forms.
* :func:`top_movers`: the level whose rate rose (fell) most this week against the weeks before,
  from the ``level:this-week`` interaction terms of one fit.
* :func:`claim`: the status and the winner (or none) of a :func:`best_of` / :func:`top_movers`
  frame; :mod:`analysis.present.claims` words it.

Reference distribution: t on the smallest relevant degrees of freedom, :math:`\min(\nu, G_{\min} -
1)` with :math:`\nu` the fit's reference df (:func:`analysis.stats.reference.reference_df`) and
:math:`G_{\min}` the fewest clusters informing one candidate. A candidate seen in fewer than
``min_clusters`` clusters (one LIVE: no spread between LIVEs to measure) does not enter the race;
its row says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.analyses.statuses import fit_notes
from analysis.metrics import get_metric
from analysis.stats.clusters import cluster_ids
from analysis.stats.models import glm
from analysis.stats.reference import few_clusters_note, reference_df
from analysis.stats.selection import MCB_COLUMNS, mcb
from analysis.status import Note, note, undefined, worst_code
from analysis.vocabulary import check_level

__all__ = ["BEST_COLUMNS", "SLOT_SELECTION_COLUMNS", "best_creator", "best_hour", "best_of",
           "best_segment", "claim", "slot_selection", "top_movers"]  # fmt: skip

#: Columns of :func:`best_of` and :func:`top_movers`: what is ranked, the candidate's viewers,
#: pooled rate and clusters, then :data:`analysis.stats.selection.MCB_COLUMNS` (``candidate`` on).
BEST_COLUMNS = ("what", "side", "candidate", "trials", "rate", "n_clusters", *MCB_COLUMNS[1:])

_CAND = "_candidate"
_SIDE_NAMES = {True: "live", False: "off-live", None: "both"}


def _side(cells: pd.DataFrame, side: bool | None) -> pd.DataFrame:
    if side is None:
        return cells
    flag = cells["is_live"].astype("boolean")
    return cells.loc[(flag == side).fillna(False).to_numpy(dtype=bool)]


def _candidates(
    sub: pd.DataFrame, by: str, cluster: str, metric_cols: tuple[str, str]
) -> pd.DataFrame:
    """Per level of ``by``: viewers, successes, pooled rate and clusters."""
    x, n = metric_cols
    ids = cluster_ids(sub, cluster)
    frame = pd.DataFrame({"candidate": sub[by].astype("string").to_numpy(), "x": pd.to_numeric(
        sub[x]).to_numpy(dtype=float), "n": pd.to_numeric(sub[n]).to_numpy(dtype=float), "g": ids})  # fmt: skip
    g = frame.assign(order=sub[by].to_numpy()).groupby("order", sort=True)
    out = pd.DataFrame({"candidate": g["candidate"].first(), "trials": g["n"].sum(),
                        "successes": g["x"].sum(), "n_clusters": g["g"].nunique()})  # fmt: skip
    return out.assign(rate=out["successes"] / out["trials"]).reset_index(drop=True)


def _eligible(cand: pd.DataFrame, min_trials: float, min_clusters: int) -> pd.Series:
    return ((cand["trials"] >= min_trials) & (cand["n_clusters"] >= min_clusters)
            & (cand["successes"] > 0) & (cand["successes"] < cand["trials"]))  # fmt: skip


def _left_out(cand: pd.DataFrame, min_trials: float, min_clusters: int, what: str) -> list[str]:
    why = []
    for r in cand.itertuples(index=False):
        if r.n_clusters < min_clusters:
            why.append(f"{what} {r.candidate}: {int(r.n_clusters)} cluster(s) (< {min_clusters}), "
                       "no spread between LIVEs to measure")  # fmt: skip
        elif r.trials < min_trials:
            why.append(f"{what} {r.candidate}: {r.trials:.0f} viewers (< {min_trials:g})")
        else:
            why.append(f"{what} {r.candidate}: no successes or no failures")
    return why


def _race(cand: pd.DataFrame, est, cov, *, df, notes, level, larger, seed, what, side):
    """MCB on the eligible candidates, their counts beside, the left-out ones after."""
    out = mcb(est, cov, names=list(cand["candidate"]), df=df, level=level, larger=larger,
              notes=notes, seed=seed)  # fmt: skip
    out = out.merge(cand[["candidate", "trials", "rate", "n_clusters"]], on="candidate")
    return out.assign(what=what, side=side)


def _blank(cand: pd.DataFrame, what: str, side: str, level: float, why: Note) -> pd.DataFrame:
    rows = [dict.fromkeys(BEST_COLUMNS, np.nan) | {
        "what": what, "side": side, "candidate": r.candidate, "trials": r.trials, "rate": r.rate,
        "n_clusters": r.n_clusters, "is_best_candidate": False, "selected": "could be best",
        "method": "Hsu constrained MCB", "level": level} | undefined(*why)
        for r in cand.itertuples(index=False)]  # fmt: skip
    return pd.DataFrame(rows, columns=list(BEST_COLUMNS))


def _fit_race(sub, cand, ok, *, terms, formula, cluster, level, races, seed, side, label):
    """Fit ``formula`` once, read the candidates' coefficients ``terms(c)``, run each race.

    ``races``: ``(what, larger)`` pairs (e.g. ``("rise", True), ("fall", False)``).
    """
    result = glm(sub, formula, cluster=cluster)
    names = [terms(c) for c in cand.loc[ok, "candidate"]]
    missing = [t for t in names if t not in result.params.index]
    if missing:
        raise ValueError(f"the fit has no coefficient {missing[0]!r}")  # a bug, not the data's
    g_min = int(cand.loc[ok, "n_clusters"].min())
    df = float(min(reference_df(result), g_min - 1))
    info = result.cartlift
    notes = list(fit_notes(info))
    g = info.n_clusters if isinstance(info.n_clusters, int) else g_min
    few = few_clusters_note(g_min, df, f"clusters for the thinnest {label}")
    notes += [note(*few)] if few else []
    est, cov = result.params[names].to_numpy(), result.cov_params().loc[names, names].to_numpy()
    extra = f"; {info.method}; {g} clusters in the fit, df = min(fit df, fewest clusters - 1)"
    out = [_race(cand.loc[ok], est, cov, df=df, notes=notes, level=level, larger=larger,
                 seed=seed, what=what, side=side) for what, larger in races]  # fmt: skip
    out = pd.concat(out, ignore_index=True)
    return out.assign(method=out["method"] + extra)


def best_of(
    cells: pd.DataFrame,
    *,
    by: str,
    side: bool | None = None,
    metric: str = "atc_rate",
    adjust: Sequence[str] = (),
    larger: bool = True,
    min_trials: float = 0,
    min_clusters: int = 2,
    cluster: str = "content_id",
    level: float = 0.95,
    seed: int = 0,
    both_ends: bool = False,
) -> pd.DataFrame:
    r"""Is the top level of ``by`` really the best? Hsu's MCB on one GLM's coefficients.

    Fit :math:`\operatorname{logit} p_j = \theta_{c(j)} + Z_j\gamma` (one coefficient per
    candidate level :math:`c`, ``adjust`` columns as categorical fixed effects) on the cells of
    ``side`` (True: LIVE, False: off-live, None: both), clustered by ``cluster``; then
    :func:`analysis.stats.selection.mcb` on :math:`\hat\theta` with the joint cluster-robust
    covariance and t(:math:`\min(\nu, G_{\min}-1)`). ``larger`` False: the best is the lowest.
    ``both_ends``: one fit, two races, ``what`` = ``best`` (highest) and ``worst`` (lowest).

    Returns
    -------
    pandas.DataFrame
        :data:`BEST_COLUMNS`, one row per level (raced ones first, in level order): ``trials``,
        pooled ``rate``, ``n_clusters`` of the level, the MCB columns (``estimate`` = log odds,
        ``selected`` = ``clearly best`` / ``could be best`` / ``not best``). ``status``:
        ``ok``, ``few_clusters`` (the thinnest level has < 10 clusters or df < 4),
        ``not_clustered``/``partial`` from the fit; ``undefined_too_few`` for a level left out
        of the race (fewer than ``min_clusters`` clusters or ``min_trials`` viewers, no success
        or no failure: the message says which) and for every row when fewer than two levels
        remain; ``undefined_no_cells`` without cells.

    References
    ----------
    Hsu JC (1996). Multiple Comparisons: Theory and Methods. Chapman & Hall, ch. 4.
    """
    level = check_level(level)
    what, name = by, _SIDE_NAMES[side]
    m = get_metric(metric)
    sub = _side(cells, side)
    sub = sub.loc[sub[by].notna().to_numpy(dtype=bool)]
    if sub.empty:
        empty = pd.DataFrame({"candidate": ["(none)"], "trials": [0.0], "rate": [np.nan],
                              "n_clusters": [0]})  # fmt: skip
        return _blank(
            empty, what, name, level, ("undefined_no_cells", f"no {name} cells with {by}")
        )
    cand = _candidates(sub, by, cluster, (m.numerator, m.denominator))
    ok = _eligible(cand, min_trials, min_clusters)
    gone = _left_out(cand.loc[~ok], min_trials, min_clusters, by)
    left = [_blank(cand.loc[[i]], what, name, level, ("undefined_too_few", w))
            for i, w in zip(cand.index[~ok], gone, strict=True)]  # fmt: skip
    if ok.sum() < 2:
        why = ("undefined_too_few", f"{int(ok.sum())} {by} level(s) with enough data: no race")
        return _blank(cand, what, name, level, why)
    keep = sub.assign(**{_CAND: sub[by].astype("string")})
    keep = keep.loc[keep[_CAND].isin(set(cand.loc[ok, "candidate"])).to_numpy(dtype=bool)]
    adj = "".join(f" + C({a})" for a in adjust if a != by and keep[a].nunique(dropna=True) > 1)
    races = [(what, larger)] if not both_ends else [("best", True), ("worst", False)]
    raced = _fit_race(keep, cand, ok, terms=lambda c: f"C({_CAND})[{c}]",
                      formula=f"{metric} ~ 0 + C({_CAND}){adj}", cluster=cluster, level=level,
                      races=races, seed=seed, side=name, label=by)  # fmt: skip
    return pd.concat([raced[list(BEST_COLUMNS)], *left], ignore_index=True)


def best_hour(
    cells: pd.DataFrame, *, side: bool = True, metric: str = "atc_rate",
    adjust: Sequence[str] = (), min_trials: float = 0, level: float = 0.95, seed: int = 0,
) -> pd.DataFrame:  # fmt: skip
    """The best hour of day of one side (:func:`best_of` with ``by="hour"``), clustered by LIVE.

    Returns
    -------
    pandas.DataFrame
        As :func:`best_of`; ``selected`` = ``clearly best`` for at most one hour.
    """
    return best_of(cells, by="hour", side=side, metric=metric, adjust=adjust,
                   min_trials=min_trials, level=level, seed=seed)  # fmt: skip


def best_creator(
    cells: pd.DataFrame, *, metric: str = "atc_rate", adjust: Sequence[str] = (),
    level: float = 0.95, seed: int = 0,
) -> pd.DataFrame:  # fmt: skip
    """The creator whose LIVEs have the highest rate (:func:`best_of`, LIVE cells, by LIVE).

    Creators' LIVEs are disjoint, so their estimates are nearly independent; a creator with one
    LIVE does not enter the race (``undefined_too_few``). With ``adjust`` (e.g. ``["hour",
    "category"]``) the creators are compared at a fixed hour and product mix.

    Returns
    -------
    pandas.DataFrame
        As :func:`best_of`.
    """
    return best_of(cells, by="creator", side=True, metric=metric, adjust=adjust, level=level,
                   seed=seed)  # fmt: skip


def best_segment(
    cells: pd.DataFrame, *, by: str = "age_group", side: bool | None = None,
    metric: str = "atc_rate", adjust: Sequence[str] = (), level: float = 0.95, seed: int = 0,
) -> pd.DataFrame:  # fmt: skip
    """The audience segment (``age_group``, ``gender``, ``region``) with the highest rate.

    Segments of one LIVE share its mood: the joint covariance carries that correlation.

    Returns
    -------
    pandas.DataFrame
        As :func:`best_of`.
    """
    return best_of(cells, by=by, side=side, metric=metric, adjust=adjust, level=level, seed=seed)


def claim(frame: pd.DataFrame) -> tuple[str, str | None, int]:
    """``(status, winner or None, candidates raced)`` of a :func:`best_of` / :func:`top_movers` frame.

    The status is the worst of the raced rows' (``undefined_too_few`` when nothing was raced);
    the winner is the ``clearly best`` candidate, if any.
    """
    raced = frame[frame["mcb_low"].notna()] if len(frame) else frame
    if raced.empty:
        return (str(frame["status"].iloc[0]) if len(frame) else "undefined_no_cells"), None, 0
    won = raced.loc[raced["selected"] == "clearly best", "candidate"]
    return worst_code(raced["status"]), (str(won.iloc[0]) if len(won) else None), len(raced)


def top_movers(
    cells: pd.DataFrame,
    *,
    this: np.ndarray,
    by: str,
    side: bool | None = None,
    metric: str = "atc_rate",
    min_clusters: int = 2,
    cluster: str = "content_id",
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    r"""Which level of ``by`` rose (fell) most this week against the weeks before, if any stands out.

    One fit on the window's cells of ``side``: :math:`\operatorname{logit} p_j = \alpha_{c(j)} +
    \delta_{c(j)}\,\mathbb 1[j \text{ this week}]`, clustered by ``cluster``; Hsu's MCB on the
    changes :math:`\hat\delta_c` (log odds ratios this week vs before) with their joint covariance,
    once for the largest rise (``what`` = ``rise``) and once for the largest fall (``fall``). A
    level needs ``min_clusters`` clusters in each period to enter.

    Parameters
    ----------
    this : array of bool
        Per cell of ``cells``: True in the report week, False in the weeks before.

    Returns
    -------
    pandas.DataFrame
        :data:`BEST_COLUMNS` (``what`` = ``rise`` / ``fall``), statuses as :func:`best_of`;
        ``trials``, ``rate`` and ``n_clusters`` are this week's.
    """
    level = check_level(level)
    m = get_metric(metric)
    this = np.asarray(this, dtype=bool)
    frame = cells.assign(_this=this.astype(float))
    frame = _side(frame, side)
    frame = frame.loc[frame[by].notna().to_numpy(dtype=bool)]
    name = _SIDE_NAMES[side]
    cols = (m.numerator, m.denominator)
    now = frame.loc[frame["_this"].to_numpy() == 1]
    before = frame.loc[frame["_this"].to_numpy() == 0]
    if now.empty or before.empty:
        empty = pd.DataFrame({"candidate": ["(none)"], "trials": [0.0], "rate": [np.nan],
                              "n_clusters": [0]})  # fmt: skip
        why = ("undefined_too_few", f"no {name} cells this week or before")
        return pd.concat([_blank(empty, w, name, level, why) for w in ("rise", "fall")])
    cand = _candidates(now, by, cluster, cols)
    old = _candidates(before, by, cluster, cols).set_index("candidate")
    cand = cand.assign(n_before=cand["candidate"].map(old["n_clusters"]).fillna(0),
                       rate_before=cand["candidate"].map(old["rate"]))  # fmt: skip
    ok = _eligible(cand, 0, min_clusters) & (cand["n_before"] >= min_clusters)
    ok &= cand["rate_before"].between(0, 1, inclusive="neither")
    if ok.sum() < 2:
        why = ("undefined_too_few", f"{int(ok.sum())} {by} level(s) with {min_clusters} clusters "
               "in each period: no race")  # fmt: skip
        return pd.concat([_blank(cand, w, name, level, why) for w in ("rise", "fall")],
                         ignore_index=True)  # fmt: skip
    keep = frame.assign(**{_CAND: frame[by].astype("string")})
    keep = keep.loc[keep[_CAND].isin(set(cand.loc[ok, "candidate"])).to_numpy(dtype=bool)]
    cand_ok = cand.assign(n_clusters=np.minimum(cand["n_clusters"], cand["n_before"]))
    out = _fit_race(keep, cand_ok, ok, terms=lambda c: f"C({_CAND})[{c}]:_this",
                    formula=f"{metric} ~ 0 + C({_CAND}) + C({_CAND}):_this", cluster=cluster,
                    level=level, races=(("rise", True), ("fall", False)), seed=seed, side=name,
                    label=by)  # fmt: skip
    return out[list(BEST_COLUMNS)]


#: columns :func:`slot_selection` adds to the weekly slots
SLOT_SELECTION_COLUMNS = ("stands_out", "n_raced", "selection_status", "selection_message")


def slot_selection(
    cells: pd.DataFrame, slots: pd.DataFrame, *, metric: str = "atc_rate",
    min_trials: float = 0, level: float = 0.95, seed: int = 0,
) -> pd.DataFrame:  # fmt: skip
    """The weekly best / worst hour rows with whether each stands out after the selection.

    Per side of ``slots`` (rows with ``is_live``, ``hour``, ``slot`` = ``best`` / ``worst``), one
    :func:`best_of` race of the hours of ``cells`` with ``min_trials`` viewers (``both_ends``):
    ``stands_out`` is True when the slot's hour is ``clearly best`` (lowest for ``worst``).

    Returns
    -------
    pandas.DataFrame
        ``slots`` (a new frame) plus :data:`SLOT_SELECTION_COLUMNS`: ``n_raced`` hours in the race
        (hours seen in fewer than 2 LIVEs do not race), ``selection_status`` /
        ``selection_message`` the race's status (:func:`claim`).
    """
    out = slots.copy()
    for c, v in zip(SLOT_SELECTION_COLUMNS, (False, 0, "undefined_too_few", ""), strict=True):
        out[c] = v
    for live in out["is_live"].dropna().unique():
        race = best_of(cells, by="hour", side=bool(live), metric=metric, min_trials=min_trials,
                       level=level, seed=seed, both_ends=True)  # fmt: skip
        for slot in ("best", "worst"):
            part = race[race["what"].isin([slot, "hour"])]
            code, won, k = claim(part)
            rows = (out["is_live"] == live) & (out["slot"] == slot)
            hour = out.loc[rows, "hour"].astype("string")
            out.loc[rows, "stands_out"] = (hour == won).to_numpy(dtype=bool) if won else False
            out.loc[rows, "n_raced"] = k
            out.loc[rows, "selection_status"] = code
            out.loc[rows, "selection_message"] = str(part["status_message"].iloc[0])
    return out
