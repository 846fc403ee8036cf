r"""A/A false positives and interval coverage of the LIVE comparison on the user's LIVE structure.

:func:`simulated_aa` keeps the user's LIVEs as they are (their number and their viewer counts)
and simulates add-to-carts with the user's own between-LIVE spread: the ICC of the LIVE rate
estimated from the cells (one-way ANOVA, :func:`analysis.stats.icc.anova_icc`) and the kit's
log-link model, :math:`p_g = \bar p\,e^{u_g}`, :math:`u_g \sim N(-\sigma^2/2, \sigma^2)`,
:math:`\sigma^2 = \log(1 + ICC\,(1 - \bar p)/\bar p)` (SPEC13 simulator). Each replicate splits
the LIVEs at random into two halves and runs the kit's comparison on them,
``compare(cells, between=<half>, cluster="content_id")``:

* **A/A**: both halves at :math:`\bar p`; the false-positive rate is the share of replicates with
  primary ``pvalue`` < alpha (should be <= alpha), and the coverage of the ratio interval for the
  true ratio 1;
* **planted**: one half at :math:`1.5\,\bar p`; the coverage of the ratio interval for the true
  crude ratio 1.5 (the ratio of the expected counts, SPEC13 "truth").

Monte Carlo SE :math:`\sqrt{\hat\pi(1 - \hat\pi)/R}`; seeded (``numpy.random.default_rng``).
A test that holds its level on these LIVEs says the interval on the page can be trusted at this
shop's size; one that does not says so (``miscalibrated``).

Reference: Morris TP, White IR, Crowther MJ (2019). Using simulation studies to evaluate
statistical methods. Statistics in Medicine 38:2074-2102 (Monte Carlo SE of a rejection rate and
of coverage).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis.metrics import metric_counts
from analysis.stats.compare import compare
from analysis.stats.icc import anova_icc
from analysis.status import note

__all__ = ["AA_COLUMNS", "PLANTED_RATIO", "live_sessions", "simulated_aa"]

#: Columns of :func:`simulated_aa`.
AA_COLUMNS = (
    "check", "reps", "clusters", "icc", "rate", "target", "mcse", "method", "level",
    "status", "status_message",
)  # fmt: skip

#: the ratio planted in one half for the coverage check
PLANTED_RATIO = 1.5


def live_sessions(cells: pd.DataFrame, *, cluster: str = "content_id", metric: str = "atc_rate"):
    """Successes ``x`` and trials ``n`` of the LIVE cells summed per session (``cluster``).

    Returns a new frame indexed by session id, sessions with no trials left out.
    """
    live = cells["is_live"].fillna(False).astype(bool).to_numpy()
    counts = metric_counts(cells.loc[live], metric)
    ok = counts["complete"].to_numpy()
    keys = cells.loc[live, cluster].astype("string").fillna("<NA>").to_numpy()[ok]
    frame = pd.DataFrame({"g": keys, "x": counts["successes"].to_numpy()[ok],
                          "n": counts["trials"].to_numpy()[ok]}).groupby("g").sum()  # fmt: skip
    return frame[frame["n"] > 0]


def _replicates(n, p, s2, ratio, reps, rng, level, say) -> tuple[np.ndarray, np.ndarray]:
    """``(significant, covers)`` of ``reps`` simulated random-half splits (module docstring)."""
    G = len(n)
    cells = pd.DataFrame({"half": "a", "is_live": True, "atc": 0, "viewers": n.astype(int),
                          "unit": "visitor", "content_id": [f"L{i}" for i in range(G)]})  # fmt: skip
    sig, cov = np.zeros(reps, bool), np.zeros(reps, bool)
    for r in range(reps):
        half = np.zeros(G, bool)
        half[rng.permutation(G)[: G // 2]] = True
        u = rng.normal(-s2 / 2, np.sqrt(s2), G)
        x = rng.binomial(n.astype(int), np.minimum(p * np.exp(u) * np.where(half, ratio, 1), 1))
        res = compare(cells.assign(atc=x, half=np.where(half, "a", "b")), between="half",
                      groups=("a", "b"), cluster="content_id", level=level).iloc[0]  # fmt: skip
        sig[r] = res["pvalue"] < 1 - level
        cov[r] = res["ratio_ci_low"] <= ratio <= res["ratio_ci_high"]
        if say is not None and (r + 1) % max(reps // 4, 1) == 0:
            say(f"  {r + 1}/{reps} simulated splits")
    return sig, cov


def _row(check, reps, G, icc, hits, target, level, method) -> dict:
    rate = float(hits.mean())
    mcse = float(np.sqrt(rate * (1 - rate) / reps))
    if check.startswith("false"):
        band = 3 * np.sqrt(target * (1 - target) / reps)
        ok, detail = rate <= target + band, f"{rate:.1%} of A/A splits significant"
    else:
        band = 3 * np.sqrt(target * (1 - target) / reps) + 0.01
        ok, detail = rate >= target - band, f"covers {rate:.1%}"
    code, message = note("ok") if ok else note("miscalibrated", f"{detail}, target {target:.0%}")
    return {"check": check, "reps": reps, "clusters": G, "icc": icc, "rate": rate,
            "target": target, "mcse": mcse, "method": method, "level": level,
            "status": code, "status_message": message}  # fmt: skip


def simulated_aa(
    cells: pd.DataFrame,
    *,
    reps: int = 200,
    seed: int = 0,
    level: float = 0.95,
    cluster: str = "content_id",
    metric: str = "atc_rate",
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """False-positive rate and coverage of the LIVE comparison on the user's LIVEs (simulated).

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (their LIVE sessions give the sizes, rate and ICC). Not modified.
    reps, seed : int
        Replicates per check and the seed.
    level : float
        Confidence level (alpha = 1 - level).
    cluster, metric : str
        The LIVE session column and the rate.
    progress : callable, optional
        Called with a line of text four times per check (the CLI prints it).

    Returns
    -------
    pandas.DataFrame
        :data:`AA_COLUMNS`, three rows: ``false positives (A/A)`` (``rate`` vs ``target`` alpha),
        ``coverage (A/A, ratio 1)`` and ``coverage (planted ratio 1.5)`` (vs ``level``), with
        ``mcse``, the ``icc`` used and the number of LIVEs (``clusters``). ``status``: ``ok``;
        ``miscalibrated`` when the false-positive rate exceeds alpha + 3 binomial SE at alpha,
        or coverage falls below level - 3 SE - 1 point; ``undefined_too_few`` (NaN) with fewer
        than 4 LIVE sessions with counts, or no add-to-cart at all.
    """
    frame = live_sessions(cells, cluster=cluster, metric=metric)
    x, n = frame["x"].to_numpy(float), frame["n"].to_numpy(float)
    G, alpha = len(n), 1 - level
    checks = ("false positives (A/A)", "coverage (A/A, ratio 1)",
              f"coverage (planted ratio {PLANTED_RATIO:g})")  # fmt: skip
    est = anova_icc(x, n, level=level)
    if G < 4 or x.sum() <= 0 or not np.isfinite(est.icc):
        code, message = note("undefined_too_few", f"{G} LIVE sessions with {metric} counts and "
                             f"{x.sum():.0f} successes (need 4 sessions and a success)")  # fmt: skip
        return pd.DataFrame([{"check": c, "reps": 0, "clusters": G, "icc": np.nan, "rate": np.nan,
                              "target": np.nan, "mcse": np.nan, "method": "", "level": level,
                              "status": code, "status_message": message} for c in checks],
                            columns=list(AA_COLUMNS))  # fmt: skip
    p = x.sum() / n.sum()
    s2 = float(np.log1p(est.icc * (1 - p) / p))
    rng = np.random.default_rng(seed)
    method = (f"{G} LIVEs at their sizes, ICC {est.icc:.4f} (ANOVA), log-link LIVE effects; "
              "random halves; compare() primary pvalue and ratio interval")  # fmt: skip
    say = progress
    if say is not None:
        say(f"A/A on your {G} LIVEs ({reps} splits):")
    sig, cov0 = _replicates(n, p, s2, 1.0, reps, rng, level, say)
    if say is not None:
        say(f"planted ratio {PLANTED_RATIO:g} ({reps} splits):")
    _, cov1 = _replicates(n, p, s2, PLANTED_RATIO, reps, rng, level, say)
    rows = [_row(checks[0], reps, G, est.icc, sig, alpha, level, method),
            _row(checks[1], reps, G, est.icc, cov0, level, level, method),
            _row(checks[2], reps, G, est.icc, cov1, level, level, method)]  # fmt: skip
    return pd.DataFrame(rows, columns=list(AA_COLUMNS))
