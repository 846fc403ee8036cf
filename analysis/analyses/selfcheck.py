r"""Self-check on the user's own data: exact coverage at their cell sizes, and a placebo A/A.

``cartlift selfcheck --data PATH --tz TZ`` (:func:`run`) prints both; :func:`selfcheck` returns
them as tidy frames.

* **Exact coverage** (statistics.md Appendix A.1): for the live and non-live viewer counts of
  the data (overall and per ``by`` group), every outcome of the binomial sample space is
  enumerated with its probability, at the observed rates and under "no difference", and the
  share of outcomes whose interval contains the true value is the exact coverage of the kit's
  intervals (``rates`` auto, ``compare`` difference and ratio) at those sizes.
* **Placebo A/A**: whole LIVE sessions (clusters) are split at random into two halves many
  times (seeded); since the split is random, every "difference" is noise, and the share of
  splits declared significant is the empirical false-positive rate of the clustered test (and,
  for contrast, of the viewer-level binomial test) on this data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["COVERAGE_COLUMNS", "PLACEBO_COLUMNS", "coverage", "placebo_aa", "run", "selfcheck"]

#: Columns of :func:`coverage`.
COVERAGE_COLUMNS = (
    "group", "interval", "scenario", "trials_a", "trials_b", "p_a", "p_b", "coverage",
    "method", "level", "status",
)  # fmt: skip

#: Columns of :func:`placebo_aa`.
PLACEBO_COLUMNS = (
    "test", "reps", "clusters", "false_positive_rate", "ci_low", "ci_high", "alpha", "method",
    "status",
)  # fmt: skip

_EPS = 1e-9


def _support(n: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    from scipy import stats

    k = np.arange(int(stats.binom.ppf(_EPS, n, p)), int(stats.binom.isf(_EPS, n, p)) + 1)
    return k.astype(float), stats.binom.pmf(k, n, p)


def _status(cov: float, level: float) -> str:
    if cov >= level - 0.01:
        return "ok"
    return f"below nominal: covers {cov:.3f} < {level - 0.01:.2f} at these sizes"


def coverage(
    cells: pd.DataFrame,
    *,
    by: str | None = None,
    between: str = "is_live",
    metric: str = "atc_rate",
    level: float = 0.95,
) -> pd.DataFrame:
    """Exact coverage of the kit's intervals at the data's own group sizes.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells. Not modified.
    by : str, optional
        Also check each group of this column (e.g. ``hour``: the small hourly live cells).
    between, metric, level
        As in :func:`analysis.stats.rates.compare`.

    Returns
    -------
    pandas.DataFrame
        :data:`COVERAGE_COLUMNS`: ``group`` (``all`` or ``<by>=<value>``), ``interval``
        (``rates auto (group_a)``, ``rates auto (group_b)``, ``compare difference``,
        ``compare ratio``), ``scenario`` (``observed rates`` or ``no difference`` at the
        pooled rate), the sizes and true rates used, the exact ``coverage``, ``method``,
        ``level``, ``status`` (``ok`` when coverage >= level - 0.01, else ``below nominal``).
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
                             "method": "/".join(sorted(set(used))), "status": _status(c, level)})  # fmt: skip
            ka, wa = _support(na, pa)
            kb, wb = _support(nb, pb)
            if ka.size * kb.size > 1_000_000:  # large groups: the intervals are asymptotic
                for interval in ("compare difference", "compare ratio"):
                    rows.append({**base, "interval": interval, "coverage": np.nan, "method": "",
                                 "status": "not enumerated: over a million outcomes; at these "
                                 "sizes the intervals are in their asymptotic regime"})  # fmt: skip
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
                             "status": _status(c, level)})  # fmt: skip
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def placebo_aa(
    cells: pd.DataFrame,
    *,
    reps: int = 400,
    seed: int = 0,
    cluster: str = "content_id",
    metric: str = "atc_rate",
    level: float = 0.95,
) -> pd.DataFrame:
    """Empirical false-positive rate of the clustered and the naive test on a random split.

    The LIVE cells (``is_live``) are summed per session (``cluster``); each replicate assigns
    half of the sessions to a placebo group at random (``numpy.random.default_rng(seed)``) and
    tests placebo vs rest with the kit's clustered ratio (the ``clustered_pvalue`` of
    :func:`analysis.stats.rates.compare`, t on min(G_a, G_b) - 1 df) and with the viewer-level
    binomial ratio test (Katz log z), at alpha = 1 - level.

    Returns
    -------
    pandas.DataFrame
        :data:`PLACEBO_COLUMNS`, two rows (``clustered (kit default)``, ``viewers independent
        (naive)``): ``false_positive_rate`` with a Wilson interval over the replicates,
        ``status`` ``ok`` when the interval contains alpha or lies below it, otherwise
        ``too many false positives: ...``; ``undefined: fewer than 4 LIVE sessions`` when the
        split is impossible.
    """
    from scipy import stats
    from statsmodels.stats.proportion import proportion_confint

    from analysis.metrics import metric_counts
    from analysis.stats.adjusted import ratio_fit

    alpha = 1 - level
    live = cells["is_live"].fillna(False).astype(bool).to_numpy()
    counts = metric_counts(cells.loc[live], metric)
    ok = counts["complete"].to_numpy()
    keys = cells.loc[live, cluster].astype("string").fillna("<NA>").to_numpy()[ok]
    frame = pd.DataFrame({"g": keys, "x": counts["successes"].to_numpy()[ok],
                          "n": counts["trials"].to_numpy()[ok]}).groupby("g").sum()  # fmt: skip
    frame = frame[frame["n"] > 0]
    G = len(frame)
    names = ("clustered (kit default)", "viewers independent (naive)")
    if G < 4:
        return pd.DataFrame([{"test": t, "reps": 0, "clusters": G, "false_positive_rate": np.nan,
                              "ci_low": np.nan, "ci_high": np.nan, "alpha": alpha, "method": "",
                              "status": "undefined: fewer than 4 LIVE sessions"} for t in names],
                            columns=list(PLACEBO_COLUMNS))  # fmt: skip
    x, n = frame["x"].to_numpy(float), frame["n"].to_numpy(float)
    rng = np.random.default_rng(seed)
    hits = np.zeros(2)
    strata = np.zeros(G, dtype=np.intp)
    for _ in range(reps):
        side = np.zeros(G, dtype=bool)
        side[rng.permutation(G)[: G // 2]] = True
        for j, cl in enumerate((np.arange(G), None)):
            f = ratio_fit(x, n, side, strata, cl, method="mantel-haenszel")
            if not (np.isfinite(f.se_log) and f.se_log > 0 and f.ratio > 0):
                continue
            t = abs(np.log(f.ratio)) / f.se_log
            p = 2 * (stats.t.sf(t, f.df) if np.isfinite(f.df) else stats.norm.sf(t))
            hits[j] += p < alpha
    rows = []
    for j, name in enumerate(names):
        lo, hi = proportion_confint(hits[j], reps, alpha=0.05, method="wilson")
        rate = hits[j] / reps
        status = (
            "ok"
            if lo <= alpha
            else (
                f"too many false positives: {rate:.1%} of random splits significant at {alpha:.0%}"
            )
        )
        rows.append({"test": name, "reps": reps, "clusters": G, "false_positive_rate": rate,
                     "ci_low": lo, "ci_high": hi, "alpha": alpha,
                     "method": "random half split of LIVE sessions; "
                     + ("ratio linearised by session, t" if j == 0 else "Katz log ratio, z"),
                     "status": status})  # fmt: skip
    return pd.DataFrame(rows, columns=list(PLACEBO_COLUMNS))


def selfcheck(
    cells: pd.DataFrame,
    *,
    level: float = 0.95,
    reps: int = 400,
    seed: int = 0,
    by: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Both checks: ``{"coverage": coverage(...), "placebo": placebo_aa(...)}``."""
    return {
        "coverage": coverage(cells, by=by, level=level),
        "placebo": placebo_aa(cells, reps=reps, seed=seed, level=level),
    }


def run(args) -> int:
    """CLI entry: ``cartlift selfcheck --data PATH --tz TZ [--reps N --seed S]``.

    ``args`` needs ``data`` and ``tz``; ``reps``, ``seed``, ``level``, ``by`` are optional.
    Prints a readable summary; returns 0, or 1 when a check is not ``ok``.
    """
    from analysis.sources.load import load

    cells = load(args.data, tz=args.tz)
    out = selfcheck(
        cells, level=getattr(args, "level", 0.95) or 0.95, reps=getattr(args, "reps", 400) or 400,
        seed=getattr(args, "seed", 0) or 0, by=getattr(args, "by", None),
    )  # fmt: skip
    cov, plc = out["coverage"], out["placebo"]
    print(f"cartlift selfcheck: {len(cells):,} cells from {args.data}")
    print("\nExact coverage of the intervals at your group sizes (nominal "
          f"{cov['level'].iloc[0] if len(cov) else 0.95:.0%}):")  # fmt: skip
    for _, r in cov.iterrows():
        print(f"  {r['group']:<12} {r['interval']:<24} {r['scenario']:<15} "
              f"n={r['trials_a']:,} vs {r['trials_b']:,}: {r['coverage']:.3f}  {r['status']}")  # fmt: skip
    print("\nPlacebo A/A (random halves of your LIVE sessions; every 'effect' is noise):")
    for _, r in plc.iterrows():
        print(f"  {r['test']:<30} {r['false_positive_rate']:.1%} significant "
              f"(95% CI {r['ci_low']:.1%}-{r['ci_high']:.1%}; target {r['alpha']:.0%}; "
              f"{r['clusters']} sessions, {r['reps']} splits)  {r['status']}")  # fmt: skip
    bad = cov["status"].str.startswith("below").any() or (plc["status"].iloc[:1] != "ok").any()
    return 1 if bad else 0
