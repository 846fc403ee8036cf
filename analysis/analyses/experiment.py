r"""Read a switchback experiment back: its design, its effects, and what to do next.

The experiment page (``notebooks/06_experiment.ipynb``) calls, in order:

* :func:`planned` : what the pre-registration (``schedule.json`` beside ``schedule.csv``,
  written by ``cartlift plan``) promised: the planned effect, level and power;
* :func:`experiment_design` : the design read back from the schedule, one row;
* :func:`experiment_results` : :func:`analysis.stats.switchback_analysis.analyse_switchback`
  for each metric the data has (ATC rate, conversion), stacked;
* :func:`extension_needed` : how many more LIVEs (whole blocks like the schedule's) bring the
  power of the same exact randomisation test to ``power_target`` at a given effect
  (:func:`analysis.stats.switchback_plan.switchback_power`, the experiment's own LIVEs as history);
* :func:`verdict` : the decision on one metric's ``ratio`` row, at level :math:`1-\alpha`:
  *ship* when :math:`p \le \alpha` and the ratio is above 1; *stop* when :math:`p \le \alpha`
  and the ratio is below 1, or when the interval's upper end lies below the effect worth
  shipping (that effect is ruled out); *extend* otherwise (inconclusive), with the extra LIVEs;
  *none* when the test could not be computed.

References: Bojinov I, Simchi-Levi D, Zhao J (2023), Management Science 69(7):3759-3777;
``docs/experiments.md`` (reading the page), ``docs/metrics.md`` (switchback experiments).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.analyses.experiment_match import match_schedule
from analysis.errors import CartliftError
from analysis.metrics import get_metric
from analysis.stats.switchback import mechanism_of
from analysis.stats.switchback_analysis import analyse_switchback, per_live
from analysis.stats.switchback_files import read_schedule
from analysis.stats.switchback_plan import history_parameters, switchback_power
from analysis.vocabulary import ALTERNATIVES

__all__ = [
    "DECISIONS",
    "VERDICT_COLUMNS",
    "experiment_design",
    "experiment_results",
    "extension_needed",
    "open_experiment",
    "planned",
    "verdict",
]

#: the decisions of :func:`verdict`
DECISIONS = ("ship", "extend", "stop", "none")
#: columns of :func:`verdict`
VERDICT_COLUMNS = (
    "metric", "decision", "estimate", "ci_low", "ci_high", "pvalue", "effect", "extra_lives",
    "level",
)  # fmt: skip
#: metrics the page reads, in order (the basket, ``aov``: each LIVE's revenue / orders, in the
#: LIVEs' one currency)
EXPERIMENT_METRICS = ("atc_rate", "conversion", "aov")


def planned(schedule_path: str | Path) -> dict[str, Any]:
    """The pre-registered ``effect``, ``level``, ``power`` and ``alternative`` (the test's side)
    of ``schedule.json`` beside the schedule CSV (``cartlift plan``); ``{}`` when there is no
    such file, and a key is left out when the file does not say it."""
    meta_path = Path(schedule_path).with_suffix(".json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    power = meta.get("power") or {}
    out: dict[str, Any] = {k: power.get(k) for k in ("effect", "level", "power")}
    out = {k: float(v) for k, v in out.items() if isinstance(v, int | float)}
    side = (meta.get("design") or {}).get("alternative")
    return {**out, "alternative": side} if side in ALTERNATIVES else out


def experiment_design(schedule: pd.DataFrame) -> pd.DataFrame:
    """One row: ``slots``, ``blocks``, ``treatment``, ``control``, ``treated_slots``,
    ``buffer_slots``, ``mechanism``, ``carryover``, ``seed``, ``first``, ``last`` (days) and,
    for a matched schedule (:func:`open_experiment`), ``found_by_id``, ``found_by_start`` and
    ``not_found`` (:func:`analysis.analyses.experiment_match.match_schedule`)."""
    w = schedule["treated"].astype(bool)
    start = schedule["start"] if "start" in schedule.columns else pd.Series(dtype=object)
    row = dict(
        slots=len(schedule), blocks=int(schedule["block"].nunique()),
        treatment=str(schedule.loc[w, "arm"].iloc[0]), control=str(schedule.loc[~w, "arm"].iloc[0]),
        treated_slots=int(w.sum()), buffer_slots=int(schedule.get("buffer", w & False).sum()),
        mechanism=str(schedule["mechanism"].iloc[0]), carryover=int(schedule["carryover"].iloc[0]),
        seed=int(schedule["seed"].iloc[0]),
        first=start.min().date() if len(start) else pd.NaT,
        last=start.max().date() if len(start) else pd.NaT,
    )  # fmt: skip
    if "match" in schedule.columns:
        found = schedule["match"].value_counts()
        row.update({f"found_by_{m}": int(found.get(m, 0)) for m in ("id", "start")})
        row["not_found"] = int(found.get("none", 0))
    return pd.DataFrame([row])


def open_experiment(
    cells: pd.DataFrame, path: str, *, tz: str | None = None
) -> tuple[pd.DataFrame | None, str | None, str]:
    """``(schedule, None, "")`` when the page can answer, else ``(None, reason, detail)``:
    ``no_schedule`` (no ``--schedule`` given), ``unreadable`` (the file cannot be used;
    ``detail`` is :func:`read_schedule`'s message), ``no_live`` (none of its slots is found
    among the data's LIVEs, by id or by creator and start:
    :func:`analysis.analyses.experiment_match.match_schedule`, whose columns the returned
    schedule carries: ``slot`` is then the matched LIVE's ``content_id``)."""
    if not str(path).strip():
        return None, "no_schedule", ""
    try:
        schedule = read_schedule(path, tz=tz)
    except (CartliftError, OSError) as err:
        return None, "unreadable", str(err)
    schedule = match_schedule(cells, schedule)
    if (schedule["match"] == "none").all():
        return None, "no_live", Path(path).name
    return schedule, None, ""


def _has(cells: pd.DataFrame, metric: str) -> bool:
    """Whether the LIVE cells carry the metric's numerator and denominator."""
    m = get_metric(metric)
    live = cells[cells["channel"] == "LIVE"]
    return bool(
        all(c in live.columns and live[c].notna().any() for c in (m.numerator, m.denominator))
        and live[m.denominator].sum() > 0
    )


def experiment_results(
    cells: pd.DataFrame,
    schedule: pd.DataFrame,
    *,
    metrics: tuple[str, ...] = EXPERIMENT_METRICS,
    level: float = 0.95,
    seed: int = 0,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    """:func:`analyse_switchback` for each of ``metrics`` the LIVE cells carry, stacked
    (``docs/metrics.md``, switchback experiments); a metric the data lacks is left out.
    ``alternative``: the pre-registered test (:func:`planned`)."""
    frames = [
        analyse_switchback(
            cells, schedule, metric=m, level=level, seed=seed, alternative=alternative
        )
        for m in metrics
        if _has(cells, m)
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def extension_needed(
    cells: pd.DataFrame,
    schedule: pd.DataFrame,
    *,
    effect: float,
    metric: str = "atc_rate",
    level: float = 0.95,
    power_target: float = 0.8,
    reps: int = 200,
    seed: int = 0,
    max_blocks: int = 12,
    alternative: str = "two-sided",
) -> float:
    """More LIVEs (whole blocks of the schedule's usual size) for the exact randomisation test
    to reach ``power_target`` at ``effect``; NaN beyond ``max_blocks`` more blocks or when
    ``effect`` is not above 1.

    Power is :func:`analysis.stats.switchback_plan.switchback_power` with the experiment's own
    LIVEs as the history (sizes, ICC, baseline), the schedule's mechanism and carry-over, the
    new blocks randomised like the old ones; 0 when the schedule as run already reaches it.
    NaN for a metric that is not a proportion (the basket, ``aov``): the power model draws
    binomial counts, so no extension is computed for it.
    """
    if not effect > 1 or get_metric(metric).kind != "proportion":
        return np.nan
    lives = per_live(cells, metric)
    lives = lives[lives["slot"].isin(set(schedule["slot"].astype(str)))]
    sizes, p0, sigma2, _ = history_parameters(lives, metric)
    blocks = schedule["block"].astype(str).tolist()
    size = int(pd.Series(blocks).value_counts().mode().iloc[0])
    first = schedule.iloc[0]
    m = int(first["carryover"])
    for k in range(max_blocks + 1):
        extra = [f"extension {i}" for i in range(k) for _ in range(size)]
        mech = mechanism_of(blocks + extra, str(first["mechanism"]), float(first["p"]),
                            int(first["min_per_arm"]))  # fmt: skip
        power, _ = switchback_power(mech, m, sizes=sizes, p0=p0, sigma2=sigma2, effect=effect,
                                    level=level, reps=reps, seed=seed,
                                    alternative=alternative)  # fmt: skip
        if power >= power_target:
            return float(k * size)
    return np.nan


def verdict(
    results: pd.DataFrame,
    *,
    effect: float,
    level: float = 0.95,
    extra_lives: dict[str, float] | None = None,
) -> pd.DataFrame:
    r"""The decision per metric of ``results`` (:func:`experiment_results`), module docstring.

    Parameters
    ----------
    results : pandas.DataFrame
        Rows of :func:`analyse_switchback`; each metric's ``ratio`` row is judged.
    effect : float
        The effect worth shipping, a ratio (the planned effect): an interval entirely below it
        rules it out (*stop*).
    level : float
        :math:`1-\alpha`.
    extra_lives : dict, optional
        Metric -> more LIVEs needed (:func:`extension_needed`), reported for *extend*.

    Returns
    -------
    pandas.DataFrame
        :data:`VERDICT_COLUMNS`, one row per metric; ``decision`` in :data:`DECISIONS`.
    """
    rows = []
    alpha = 1 - level
    for metric, part in results.groupby("metric", sort=False):
        r = part[part["estimand"] == "ratio"].iloc[0]
        est, low, high, p = (float(r[c]) for c in ("estimate", "ci_low", "ci_high", "pvalue"))
        if str(r["status"]).startswith("undefined") or not np.isfinite(est):
            decision = "none"
        elif p <= alpha:
            decision = "ship" if est > 1 else "stop"
        elif np.isfinite(high) and high < effect:
            decision = "stop"
        else:
            decision = "extend"
        more = (extra_lives or {}).get(str(metric), np.nan) if decision == "extend" else np.nan
        rows.append(dict(metric=metric, decision=decision, estimate=est, ci_low=low, ci_high=high,
                         pvalue=p, effect=float(effect), extra_lives=more, level=level))  # fmt: skip
    return pd.DataFrame(rows, columns=list(VERDICT_COLUMNS))
