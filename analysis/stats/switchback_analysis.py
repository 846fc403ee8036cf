r"""Analyse a switchback experiment: randomisation inference beside the clustered estimator.

:func:`analyse_switchback` joins each LIVE's counts to the schedule, takes each LIVE's rate
:math:`Y_t` (e.g. add-to-carts / viewers) and reports, on tidy rows:

* ``difference``: the Horvitz-Thompson estimate of the lag-*m* average effect on the per-LIVE
  rate, :math:`\hat\mu_1 - \hat\mu_0`, with the exact randomisation p-value of the sharp null
  over the schedule's own mechanism (:mod:`analysis.stats.switchback_inference`);
* ``ratio``: :math:`\hat\mu_1 / \hat\mu_0`, its interval by test inversion under a constant
  multiplicative effect on each LIVE's rate (the same p-value at *r* = 1);
* ``clustered_ratio``: :func:`analysis.stats.compare.compare` on the counted LIVEs, clustered by
  LIVE (CR2, Bell-McCaffrey df, Fieller ratio): the ratio of pooled rates, viewer-weighted;
* ``carryover_check``: per arm, LIVEs right after a switch against LIVEs after the same arm
  (:func:`compare`, clustered); a ratio far from 1 says the previous LIVE's arm carries over;
* ``as_run`` (when the data or schedule has ``arm_run``): the share of LIVEs run as planned and
  the ratio of mean rates by the arm actually run, descriptive only. The rows above are the
  intention-to-treat reading (by planned arm), the only one the randomisation supports.

References: Bojinov I, Simchi-Levi D, Zhao J (2023), Management Science 69(7):3759-3777; Imbens
GW, Rubin DB (2015), Causal Inference, ch. 5; ``docs/metrics.md`` (switchback experiments),
``docs/data-formats.md`` (switchback schedule and compliance).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.metrics import get_metric
from analysis.stats.compare import compare
from analysis.stats.randomisation import MAX_ENUMERATE, pure_windows, window_probabilities
from analysis.stats.switchback import mechanism_of
from analysis.stats.switchback_inference import (
    ht_estimates,
    ht_matrix,
    inverted_interval,
    randomisation_pvalues,
    reference_set,
)
from analysis.status import row_status
from analysis.vocabulary import ALTERNATIVES, SUB_HOUR_GRAINS, check_argument, check_level

__all__ = ["SWITCHBACK_COLUMNS", "analyse_switchback", "per_live"]

#: columns of :func:`analyse_switchback`
SWITCHBACK_COLUMNS = (
    "estimand", "metric", "arm", "estimate", "ci_low", "ci_high", "pvalue", "pvalue_mcse",
    "n_slots", "n_used", "n_assignments", "method", "level", "status", "status_message",
)  # fmt: skip


def per_live(data: pd.DataFrame, metric: str = "atc_rate") -> pd.DataFrame:
    """One row per LIVE: ``slot``, the metric's numerator and denominator summed, ``unit``.

    ``data`` is a per-LIVE frame (a ``slot`` column; ``unit`` defaults to ``visitor``) or
    canonical cells (LIVE-channel cells summed by ``content_id``; rows inside a LIVE, grains
    ``interval`` and ``minute``, are left out: the LIVE's own rows count it). ``arm_run`` is kept when given;
    so is ``currency`` for a money metric (``aov``), which is refused when the LIVEs mix
    currencies (money is never summed across currencies, ``docs/metrics.md``).
    """
    m = get_metric(metric)
    cols = [m.numerator, m.denominator]
    if "slot" not in data.columns:
        missing = {"content_id", "channel"} - set(data.columns)
        if missing:
            raise ValueError(
                f"Give per-LIVE rows with a `slot` column, or cells with content_id and channel; "
                f"missing {sorted(missing)}."
            )
        inside = data["grain"].isin(SUB_HOUR_GRAINS) if "grain" in data.columns else False
        live = (data["channel"] == "LIVE") & ~inside
        data = data[live.to_numpy(dtype=bool)].rename(columns={"content_id": "slot"})
    units = data["unit"].dropna().unique() if "unit" in data.columns else np.array(["visitor"])
    if len(units) > 1:
        raise ValueError(f"The LIVEs mix units {sorted(units)}: analyse one unit at a time.")
    money = "revenue" in cols and "currency" in data.columns
    currencies = data["currency"].dropna().unique() if money else np.array([])
    if len(currencies) > 1:
        raise ValueError(
            f"The LIVEs mix currencies {sorted(map(str, currencies))}: money is never summed "
            "across currencies; select one currency, e.g. cells[cells['currency'] == 'EUR']."
        )
    out = data.groupby(data["slot"].astype(str), sort=False)[cols].sum(min_count=1)
    if "arm_run" in data.columns:
        out["arm_run"] = data.groupby(data["slot"].astype(str), sort=False)["arm_run"].first()
    out = out.reset_index()
    out["unit"] = units[0] if len(units) else "visitor"
    if len(currencies):
        out["currency"] = currencies[0]
    return out


def _row(estimand: str, metric: str, level: float, **values: object) -> dict:
    """One result row: every column of :data:`SWITCHBACK_COLUMNS`, NaN where not given."""
    row: dict[str, object] = dict.fromkeys(SWITCHBACK_COLUMNS, np.nan)
    row.update({"arm": pd.NA, **values}, estimand=estimand, metric=metric, level=level)
    return row


def _clustered(frame: pd.DataFrame, metric: str, level: float, between: str, label: str) -> dict:
    """Ratio, interval, p-value and status of :func:`compare` (True vs False of ``between``)."""
    sides = frame[between].astype(bool) if len(frame) else pd.Series([], dtype=bool)
    if not (sides.any() and (~sides).any()):
        status, message = row_status([("undefined_too_few", f"{label}: a side has no LIVE")])
        return dict(n_used=len(frame), method=label, status=status, status_message=message)
    res = compare(
        frame, between=between, groups=(True, False), metric=metric, level=level, cluster="slot"
    )
    r = res.iloc[0]
    return dict(
        estimate=r["ratio"], ci_low=r["ratio_ci_low"], ci_high=r["ratio_ci_high"],
        pvalue=r["pvalue"], n_used=int(r["n_clusters_a"] + r["n_clusters_b"]),
        method=f"{label}: {r['ratio_method']}", status=r["status"], status_message=r["status_message"],
    )  # fmt: skip


def _carryover_rows(
    frame: pd.DataFrame, w: np.ndarray, arms: dict, metric: str, level: float
) -> list:
    """Per arm: LIVEs right after a switch against LIVEs after the same arm (clustered ratio)."""
    after = pd.Series(np.r_[False, w[1:] != w[:-1]], index=frame.index)
    rows = []
    for value in (True, False):
        part = frame[(w == value) & (np.arange(len(w)) > 0)].assign(after_switch=after)
        values = _clustered(
            part, metric, level, "after_switch", "after a switch / after the same arm"
        )
        rows.append(_row("carryover_check", metric, level, arm=arms[value], **values))
    return rows


def _as_run_row(
    frame: pd.DataFrame, sched: pd.DataFrame, y: np.ndarray, metric: str, level: float
) -> dict:
    """Compliance and the descriptive ratio of mean rates by the arm actually run."""
    run = frame["arm_run"].where(frame["arm_run"].notna(), sched["arm"]).astype(str)
    treat, ctrl = (
        sched.loc[sched["treated"], "arm"].iloc[0],
        sched.loc[~sched["treated"], "arm"].iloc[0],
    )
    complied = float((run == sched["arm"].astype(str)).mean())
    ok = np.isfinite(y)
    est = np.nanmean(y[ok & (run == treat).to_numpy()]) / np.nanmean(
        y[ok & (run == ctrl).to_numpy()]
    )
    detail = f"descriptive: the arm run is not randomised; {complied:.0%} of LIVEs run as planned"
    status, message = row_status([("ok", detail)])
    return _row("as_run", metric, level, estimate=est, n_slots=len(run), n_used=int(ok.sum()),
                method="ratio of mean per-LIVE rates by arm run", status=status,
                status_message=message)  # fmt: skip


def _count_notes(n1: int, n0: int, missing: int, ref, mcse: float) -> list:
    """The status notes of the randomisation rows: LIVEs counted, Monte Carlo draws, gaps."""
    notes = [
        (
            "ok",
            f"{n1} + {n0} LIVEs counted (treatment + control), {missing} without data (or with "
            "no denominator: no viewers, or no order for the basket)",
        )
    ]
    if not ref.exact:
        notes.append(("ok", f"Monte Carlo p-value: {len(ref.W):,} seeded draws, MCSE {mcse:.4f}"))
    if missing:
        notes.append(("partial", f"{missing} scheduled LIVE(s) have no data"))
    return notes


def _randomisation_rows(
    y, w, sched, metric, level, carryover, reps, seed, max_enumerate, alternative
) -> list:
    """The ``difference`` and ``ratio`` rows (Horvitz-Thompson, exact p, inverted interval)."""
    mech = mechanism_of(
        sched["block"],
        sched["mechanism"].iloc[0],
        sched["p"].iloc[0],
        sched["min_per_arm"].iloc[0],
    )
    pi1, pi0 = window_probabilities(mech, carryover)
    ref = reference_set(mech, reps=reps, seed=seed, max_enumerate=max_enumerate)
    observed = np.isfinite(y)
    a1, a0 = ht_matrix(ref.W, pi1, pi0, carryover, observed)
    o1, o0 = ht_matrix(w[None, :], pi1, pi0, carryover, observed)
    yy = np.where(observed, y, 0.0)
    pval = float(
        randomisation_pvalues(
            (a1 - a0) @ yy[:, None], ((o1 - o0) @ yy[:, None])[0], ref, alternative
        )[0]
    )
    mu1, mu0 = ht_estimates(y, w, pi1, pi0, carryover)
    n1, n0 = int((o1[0] > 0).sum()), int((o0[0] > 0).sum())
    mcse = 0.0 if ref.exact else float(np.sqrt(pval * (1 - pval) / len(ref.W)))
    notes = _count_notes(n1, n0, int((~observed).sum()), ref, mcse)
    base = dict(
        n_slots=len(y),
        n_used=n1 + n0,
        n_assignments=ref.n_assignments,
        pvalue=pval,
        pvalue_mcse=mcse,
    )
    test = ("exact" if ref.exact else "Monte Carlo") + (
        "" if alternative == "two-sided" else f" one-sided ({alternative})"
    )
    if n1 == 0 or n0 == 0 or mu0 <= 0:
        status, message = row_status(
            [("undefined_too_few", "no counted LIVE (or no success) in an arm")]
        )
        return [_row(e, metric, level, **base, method=f"Horvitz-Thompson, lag {carryover}; {test} p", status=status,
                     status_message=message) for e in ("difference", "ratio")]  # fmt: skip
    low, high, bounded = inverted_interval(
        y, w, ref, pi1, pi0, carryover, level=level, center=mu1 / mu0, alternative=alternative
    )
    edge = "the interval reaches the search edge (x e^±5)"
    edge = "no ratio on the search grid is kept" if np.isnan(low) else edge
    rnotes = notes + ([] if bounded else [("partial", edge)])
    if alternative != "two-sided":
        side = "upper" if alternative == "larger" else "lower"
        rnotes.append(("ok", f"one-sided test ({alternative}): the interval's {side} end is open"))
    s1, m1 = row_status(notes)
    s2, m2 = row_status(rnotes)
    return [
        _row("difference", metric, level, estimate=mu1 - mu0, **base, status=s1, status_message=m1,
             method=f"Horvitz-Thompson lag-{carryover} effect on the per-LIVE rate; {test} randomisation p"),
        _row("ratio", metric, level, estimate=mu1 / mu0, ci_low=low, ci_high=high, **base, status=s2,
             status_message=m2, method=f"Horvitz-Thompson ratio of mean rates; interval by inverting the {test} "
             "randomisation test, constant multiplicative effect"),
    ]  # fmt: skip


def analyse_switchback(
    data: pd.DataFrame,
    schedule: pd.DataFrame,
    *,
    metric: str = "atc_rate",
    carryover: int | None = None,
    level: float = 0.95,
    reps: int | None = None,
    seed: int = 0,
    max_enumerate: int = MAX_ENUMERATE,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    """Randomisation analysis of a switchback run (module docstring for the rows).

    Parameters
    ----------
    data : pandas.DataFrame
        Canonical cells (LIVE cells, ``content_id`` = the schedule's ``slot``) or one row per
        LIVE with ``slot`` and the metric's numerator and denominator (:func:`per_live`).
    schedule : pandas.DataFrame
        The frame of :func:`analysis.stats.switchback.switchback_schedule` (saved and read back).
    metric : str
        A proportion or ratio metric of :data:`analysis.metrics.METRICS`.
    carryover : int, optional
        *m* of the analysis; default the schedule's ``carryover``.
    level : float
        Confidence level of the interval.
    reps : int, optional
        None: exact enumeration when the mechanism has at most ``max_enumerate`` assignments,
        else 10,000 seeded draws; a number forces that many draws.
    seed : int
        Seed of the draws.
    alternative : {"two-sided", "larger", "smaller"}
        The randomisation test's alternative, as pre-registered (``schedule.json``): ``larger``
        = the treatment raises the rate; a one-sided test gives a one-sided interval (the
        clustered and carry-over rows stay two-sided).

    Returns
    -------
    pandas.DataFrame
        :data:`SWITCHBACK_COLUMNS`, rows ``difference``, ``ratio``, ``clustered_ratio``,
        ``carryover_check`` (one per arm) and ``as_run`` when ``arm_run`` is given.
    """
    level = check_level(level)
    check_argument("alternative", ALTERNATIVES, alternative)
    sched = schedule.reset_index(drop=True).copy()
    sched["slot"] = sched["slot"].astype(str)
    m = int(sched["carryover"].iloc[0]) if carryover is None else int(carryover)
    lives = per_live(data, metric)
    if "arm_run" in sched.columns and "arm_run" not in lives.columns:
        lives = lives.merge(sched[["slot", "arm_run"]], on="slot", how="left")
    frame = sched[["slot"]].merge(lives, on="slot", how="left")
    met = get_metric(metric)
    frame["unit"] = frame["unit"].fillna(lives["unit"].iloc[0] if len(lives) else "visitor")
    if "currency" in frame.columns:  # scheduled LIVEs without data: the one currency
        frame["currency"] = frame["currency"].fillna(lives["currency"].iloc[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        y = (frame[met.numerator].astype(float) / frame[met.denominator].astype(float)).to_numpy(
            copy=True
        )
    y[~np.isfinite(y)] = np.nan
    w = sched["treated"].astype(bool).to_numpy()
    rows = _randomisation_rows(
        y, w, sched, metric, level, m, reps, seed, max_enumerate, alternative
    )
    arms = {True: sched.loc[w, "arm"].iloc[0], False: sched.loc[~w, "arm"].iloc[0]}
    all1, all0 = pure_windows(w[None, :], m)
    counted = frame.assign(treated=w)[all1[0] | all0[0]]
    rows.append(_row("clustered_ratio", metric, level, n_slots=len(w),
                     **_clustered(counted, metric, level, "treated", "clustered by LIVE (compare)")))  # fmt: skip
    rows += _carryover_rows(frame, w, arms, metric, level)
    if "arm_run" in frame.columns:
        rows.append(_as_run_row(frame, sched, y, metric, level))
    return pd.DataFrame(rows, columns=list(SWITCHBACK_COLUMNS))
