r"""Self-check on the user's own data: exact coverage at their cell sizes, and a placebo A/A.

``cartlift selfcheck --data PATH --tz TZ`` (:func:`run`) prints both; :func:`selfcheck` returns
them as tidy frames.

* **Exact coverage** (Brown, Cai and DasGupta 2001): for the live and non-live viewer counts of
  the data (overall and per ``by`` group), every outcome of the binomial sample space is
  enumerated with its probability, at the observed rates and under "no difference", and the
  share of outcomes whose interval contains the true value is the exact coverage of the kit's
  intervals (``rates`` auto, ``compare`` difference and ratio) at those sizes.
* **Placebo A/A** (Bertrand, Duflo and Mullainathan 2004): whole LIVE sessions (clusters) are
  split at random into two halves many times (seeded); since the split is random, every
  "difference" is noise, and the share of splits declared significant is the empirical
  false-positive rate of the kit's LIVE comparison (the primary ``pvalue`` of
  :func:`analysis.stats.compare.compare`, clustered by LIVE) and, for contrast, of the
  viewer-level binomial test on this data.
* **Simulated A/A and coverage** on the user's LIVE structure (their LIVEs, sizes and estimated
  ICC): :func:`analysis.analyses.aa_simulation.simulated_aa`.

References: Brown LD, Cai TT, DasGupta A (2001). Interval estimation for a binomial proportion.
Statistical Science 16:101-133. Bertrand M, Duflo E, Mullainathan S (2004). How much should we
trust differences-in-differences estimates? Quarterly Journal of Economics 119:249-275.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from analysis.analyses.aa_simulation import live_sessions, simulated_aa
from analysis.sources.load import load
from analysis.stats.adjusted import ratio_fit
from analysis.stats.compare import compare
from analysis.status import Note, note

__all__ = [
    "COVERAGE_COLUMNS",
    "PLACEBO_COLUMNS",
    "coverage",
    "coverage_status",
    "placebo_aa",
    "run",
    "selfcheck",
]

#: Columns of :func:`coverage`.
COVERAGE_COLUMNS = (
    "group", "interval", "scenario", "trials_a", "trials_b", "p_a", "p_b", "coverage",
    "method", "level", "status", "status_message",
)  # fmt: skip

#: Columns of :func:`placebo_aa`.
PLACEBO_COLUMNS = (
    "test", "reps", "clusters", "false_positive_rate", "ci_low", "ci_high", "alpha", "method",
    "status", "status_message",
)  # fmt: skip

_EPS = 1e-9


def _support(n: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    """Binomial(n, p) outcomes holding all but 2e-9 of the probability, and their pmf."""
    k = np.arange(int(stats.binom.ppf(_EPS, n, p)), int(stats.binom.isf(_EPS, n, p)) + 1)
    return k.astype(float), stats.binom.pmf(k, n, p)


def coverage_status(cov: float, level: float) -> dict[str, str]:
    """``{"status", "status_message"}`` of an exact coverage ``cov`` at confidence ``level``.

    ``ok`` when ``cov >= level - 0.01``, else ``miscalibrated`` (the message gives the coverage).
    """
    if cov >= level - 0.01:
        code, message = note("ok")
    else:
        code, message = note("miscalibrated", f"covers {cov:.3f} < {level - 0.01:.2f} at these "
                               "sizes")  # fmt: skip
    return {"status": code, "status_message": message}


#: the coverage of the two-group intervals is not enumerated above this many outcomes (the CLI
#: stays under a minute: a million outcomes took two minutes on the sample)
_MAX_OUTCOMES = 200_000
_NOT_ENUMERATED = dict(zip(("status", "status_message"), note(
    "undefined_not_estimable", f"not enumerated: over {_MAX_OUTCOMES:,} outcomes; at these sizes "
    "the intervals are in their asymptotic regime"), strict=True))  # fmt: skip


def coverage(
    cells: pd.DataFrame,
    *,
    by: str | None = None,
    between: str = "is_live",
    metric: str = "atc_rate",
    level: float = 0.95,
) -> pd.DataFrame:
    r"""Exact coverage of the kit's intervals at the data's own group sizes.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells. Not modified.
    by : str, optional
        Also check each group of this column (e.g. ``hour``: the small hourly live cells).
    between, metric, level
        As in :func:`analysis.stats.compare.compare`.

    Returns
    -------
    pandas.DataFrame
        :data:`COVERAGE_COLUMNS`: ``group`` (``all`` or ``<by>=<value>``), ``interval``
        (``rates auto (group_a)``, ``rates auto (group_b)``, ``compare difference``,
        ``compare ratio``), ``scenario`` (``observed rates`` or ``no difference`` at the
        pooled rate), the sizes and true rates used, the exact coverage
        :math:`\sum_{k} P(k)\,[\ell(k) \le p \le u(k)]` over the enumerated outcomes *k*,
        ``method``, ``level``. ``status``: ``ok`` when coverage >= level - 0.01, else
        ``miscalibrated``; ``undefined_not_estimable`` (NaN) for a two-group interval with over
        a million outcomes (not enumerated: asymptotic regime).
    """
    from analysis.stats.compare import compare
    from analysis.stats.intervals import binomial_interval as _binomial_interval
    from analysis.stats.proportions import two_proportions as _two_proportions

    res = compare(
        cells, between=between, metric=metric, by=by, level=level, cluster=None, detail=True
    )
    rows = []
    for _, r in res.iterrows():
        group = "all" if by is None else f"{by}={r[by]}"
        na, nb = int(r["trials_a"]), int(r["trials_b"])
        if na <= 0 or nb <= 0 or not np.isfinite(r["rate_a"]) or not np.isfinite(r["rate_b"]):
            continue
        pooled = (r["successes_a"] + r["successes_b"]) / (na + nb)
        scenarios = {
            "observed rates": (r["rate_a"], r["rate_b"]),
            "no difference": (pooled, pooled),
        }
        for name, (pa, pb) in scenarios.items():
            pa, pb = float(np.clip(pa, 1e-4, 1 - 1e-4)), float(np.clip(pb, 1e-4, 1 - 1e-4))
            base = {"group": group, "scenario": name, "trials_a": na, "trials_b": nb, "p_a": pa,
                    "p_b": pb, "level": level}  # fmt: skip
            for side, n, p in (("group_a", na, pa), ("group_b", nb, pb)):
                k, w = _support(n, p)
                lo, hi, used = _binomial_interval(k, np.full_like(k, n), "auto", level)
                c = float(w[(lo <= p) & (p <= hi)].sum())
                rows.append({**base, "interval": f"rates auto ({side})", "coverage": c,
                             "method": "/".join(sorted(set(used))), **coverage_status(c, level)})  # fmt: skip
            ka, wa = _support(na, pa)
            kb, wb = _support(nb, pb)
            if ka.size * kb.size > _MAX_OUTCOMES:  # large groups: the intervals are asymptotic
                rows += [{**base, "interval": interval, "coverage": np.nan, "method": "",
                          **_NOT_ENUMERATED} for interval in ("compare difference",
                                                              "compare ratio")]  # fmt: skip
                continue
            xa, xb = (v.ravel() for v in np.meshgrid(ka, kb, indexing="ij"))
            k = _two_proportions(xa, np.full(xa.size, float(na)), xb, np.full(xb.size, float(nb)),
                                 level)  # fmt: skip
            w = np.outer(wa, wb).ravel()
            d, q = pa - pb, pa / pb
            for interval, lo, hi, target, meth in (
                ("compare difference", k["diff_lo"], k["diff_hi"], d, "newcombe"),
                ("compare ratio", k["ratio_lo"], k["ratio_hi"], q, "score (+exact small)"),
            ):
                c = float(w[(lo <= target + 1e-12) & (target - 1e-12 <= hi)].sum())
                rows.append({**base, "interval": interval, "coverage": c, "method": meth,
                             **coverage_status(c, level)})  # fmt: skip
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def _placebo_hits(x: np.ndarray, n: np.ndarray, reps: int, seed: int, alpha: float,
                  say: Callable[[str], None]) -> np.ndarray:  # fmt: skip
    """Random half splits significant at ``alpha``: ``[kit compare, viewers independent]``;
    ``say`` gets a line at each quarter of the ``reps``."""
    G = len(x)
    rng = np.random.default_rng(seed)
    hits = np.zeros(2)
    strata = np.zeros(G, dtype=np.intp)
    cells = pd.DataFrame({"half": "a", "is_live": True, "atc": x, "viewers": n,
                          "unit": "visitor", "content_id": [f"L{i}" for i in range(G)]})  # fmt: skip
    quarter = max(1, reps // 4)
    for rep in range(reps):
        if rep and rep % quarter == 0:
            say(f"  {rep}/{reps} placebo splits")
        side = np.zeros(G, dtype=bool)
        side[rng.permutation(G)[: G // 2]] = True
        res = compare(cells.assign(half=np.where(side, "a", "b")), between="half",
                      groups=("a", "b"), cluster="content_id", level=1 - alpha)  # fmt: skip
        hits[0] += res["pvalue"].iloc[0] < alpha
        f = ratio_fit(x, n, side, strata, None, method="mantel-haenszel")
        if np.isfinite(f.se_log) and f.se_log > 0 and f.ratio > 0:
            hits[1] += 2 * stats.norm.sf(abs(np.log(f.ratio)) / f.se_log) < alpha
    return hits


def _placebo_status(rate: float, ci_low: float, alpha: float) -> Note:
    if ci_low <= alpha:
        return note("ok")
    return note("miscalibrated", f"too many false positives: {rate:.1%} of random splits "
                  f"significant at {alpha:.0%}")  # fmt: skip


def placebo_aa(
    cells: pd.DataFrame,
    *,
    reps: int = 200,
    seed: int = 0,
    cluster: str = "content_id",
    metric: str = "atc_rate",
    level: float = 0.95,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    r"""Empirical false-positive rate of the clustered and the naive test on a random split.

    The LIVE cells (``is_live``) are summed per session (``cluster``); each replicate assigns
    half of the sessions to a placebo group at random (``numpy.random.default_rng(seed)``) and
    tests placebo vs rest with the kit's LIVE comparison (the primary ``pvalue`` of
    :func:`analysis.stats.compare.compare`, clustered by session) and with the viewer-level
    binomial ratio test (Katz log z), at :math:`\alpha = 1 - \text{level}`. The
    false-positive rate is the share of the ``reps`` splits with :math:`p < \alpha`.
    ``progress``, when given, is called with a line at each quarter of the splits.

    Returns
    -------
    pandas.DataFrame
        :data:`PLACEBO_COLUMNS`, two rows (``clustered (kit default)``, ``viewers independent
        (naive)``): ``false_positive_rate`` with a Wilson interval over the replicates.
        ``status``: ``ok`` when the interval contains alpha or lies below it, otherwise
        ``miscalibrated`` (too many false positives); ``undefined_too_few`` (NaN) with fewer
        than 4 LIVE sessions with the metric's counts, when the split is impossible (the
        message gives how many LIVE sessions there are and how many have the counts).
    """
    alpha = 1 - level
    frame = live_sessions(cells, cluster=cluster, metric=metric)
    G = len(frame)
    names = ("clustered (kit default)", "viewers independent (naive)")
    if G < 4:
        live = cells.loc[cells["is_live"].fillna(False).astype(bool).to_numpy(), cluster]
        code, message = note("undefined_too_few", f"{G} of the {live.nunique()} LIVE sessions "
                             f"have {metric} counts (fewer than 4)")  # fmt: skip
        return pd.DataFrame([{"test": t, "reps": 0, "clusters": G, "false_positive_rate": np.nan,
                              "ci_low": np.nan, "ci_high": np.nan, "alpha": alpha, "method": "",
                              "status": code, "status_message": message} for t in names],
                            columns=list(PLACEBO_COLUMNS))  # fmt: skip
    hits = _placebo_hits(frame["x"].to_numpy(float), frame["n"].to_numpy(float), reps, seed, alpha,
                         progress or (lambda _text: None))  # fmt: skip
    rows = []
    for j, name in enumerate(names):
        lo, hi = proportion_confint(hits[j], reps, alpha=0.05, method="wilson")
        code, message = _placebo_status(hits[j] / reps, lo, alpha)
        rows.append({"test": name, "reps": reps, "clusters": G,
                     "false_positive_rate": hits[j] / reps, "ci_low": lo, "ci_high": hi,
                     "alpha": alpha, "method": "random half split of LIVE sessions; "
                     + ("compare() primary pvalue, clustered by LIVE" if j == 0
                        else "Katz log ratio, z"),
                     "status": code, "status_message": message})  # fmt: skip
    return pd.DataFrame(rows, columns=list(PLACEBO_COLUMNS))


def selfcheck(
    cells: pd.DataFrame,
    *,
    level: float = 0.95,
    reps: int = 200,
    seed: int = 0,
    by: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """The three checks on ``cells``: exact coverage, placebo A/A, simulated A/A and coverage.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells. Not modified.
    level : float
        Confidence level of the intervals checked (alpha = 1 - level for the A/A).
    reps, seed : int
        Splits per A/A check and their seed (:func:`placebo_aa`,
        :func:`analysis.analyses.aa_simulation.simulated_aa`).
    by : str, optional
        Also check the coverage in each group of this column (:func:`coverage`).
    progress : callable, optional
        Called with a line of text as each check starts (the CLI prints it).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``{"coverage": coverage(...), "placebo": placebo_aa(...), "simulated":
        simulated_aa(...)}``; their ``status`` columns hold codes (``ok``, ``miscalibrated``,
        ``undefined_*``).
    """
    say = progress or (lambda _text: None)
    say("exact coverage at your group sizes ...")
    out = {"coverage": coverage(cells, by=by, level=level)}
    say(f"placebo A/A: {reps} random halves of your LIVE sessions ...")
    out["placebo"] = placebo_aa(cells, reps=reps, seed=seed, level=level, progress=progress)
    out["simulated"] = simulated_aa(cells, reps=reps, seed=seed, level=level, progress=progress)
    return out


def run(args: argparse.Namespace) -> int:
    """CLI entry: ``cartlift selfcheck --data PATH --tz TZ [--reps N --seed S]``.

    ``args`` needs ``data`` and ``tz``; ``reps``, ``seed``, ``level``, ``by``, ``quiet`` are
    optional. Prints progress lines to stderr (none with ``quiet``), then a readable summary to
    stdout; returns 0, or 1 when a check is not ``ok``.
    """
    quiet = getattr(args, "quiet", False)
    say = (lambda text: None) if quiet else _stderr
    say(f"reading {args.data} ...")
    cells = load(args.data, tz=args.tz)
    print(f"cartlift selfcheck: {len(cells):,} cells from {args.data}", flush=True)
    out = selfcheck(
        cells, level=getattr(args, "level", 0.95) or 0.95, reps=getattr(args, "reps", 200) or 200,
        seed=getattr(args, "seed", 0) or 0, by=getattr(args, "by", None), progress=say,
    )  # fmt: skip
    cov, plc, sim = out["coverage"], out["placebo"], out["simulated"]
    print("\nExact coverage of the intervals at your group sizes (nominal "
          f"{cov['level'].iloc[0] if len(cov) else 0.95:.0%}):")  # fmt: skip
    for _, r in cov.iterrows():
        print(f"  {r['group']:<12} {r['interval']:<24} {r['scenario']:<15} "
              f"n={r['trials_a']:,} vs {r['trials_b']:,}: {r['coverage']:.3f}  {_said(r)}")  # fmt: skip
    print("\nPlacebo A/A (random halves of your LIVE sessions; every 'effect' is noise):")
    for _, r in plc.iterrows():
        print(f"  {r['test']:<30} {r['false_positive_rate']:.1%} significant "
              f"(95% CI {r['ci_low']:.1%}-{r['ci_high']:.1%}; target {r['alpha']:.0%}; "
              f"{r['clusters']} sessions, {r['reps']} splits)  {_said(r)}")  # fmt: skip
    print("\nSimulated on your LIVE structure (your LIVEs and sizes, your ICC "
          f"{sim['icc'].iloc[0]:.4f}; LIVE comparison clustered by LIVE):")  # fmt: skip
    for _, r in sim.iterrows():
        print(f"  {r['check']:<30} {r['rate']:.1%} (MCSE {r['mcse']:.1%}; target "
              f"{r['target']:.0%}; {r['clusters']} LIVEs, {r['reps']} replicates)  {_said(r)}")  # fmt: skip
    bad = (cov["status"] == "miscalibrated").any() or (plc["status"].iloc[:1] != "ok").any()
    return 1 if bad or (sim["status"] == "miscalibrated").any() else 0


def _stderr(text: str) -> None:
    print(f"cartlift selfcheck: {text}", file=sys.stderr, flush=True)


def _said(row: pd.Series) -> str:
    """``ok``, or the row's status message."""
    return "ok" if row["status"] == "ok" else str(row["status_message"])
