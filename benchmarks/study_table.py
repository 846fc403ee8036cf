"""The printed table of the small-cluster study: rates with Monte Carlo SEs and a verdict.

Per scenario x method, over the replicates whose interval is defined (``undef`` gives the share
that is not: an explicit refusal):

* ``fpr``: share of intervals excluding the method's true value (the two-sided 5% test of the
  true value rejects; the interval is the test's dual);
* ``cover``: share containing it; ``width``: mean of log(ci_high / ci_low) over finite
  intervals (0.69 = a factor of 2; ``inf``-topped intervals counted in ``inf``);
* ``power``: share with p < 0.05 for ratio 1 (planted LIVE rate ratio 2);
* ``few``: share of ``few_clusters`` statuses.

Monte Carlo SE of a share q over R replicates: sqrt(q (1 - q) / R); of the mean width: sd / sqrt(R).
"""

from __future__ import annotations

import numpy as np

from benchmarks.study_methods import ESTIMANDS, METHODS, REFERENCE, STATUS_CODES

__all__ = ["summary", "table", "verdict"]

FEW = STATUS_CODES.index("few_clusters")
NOMINAL = 0.05


def summary(truth: float, res: dict[str, np.ndarray], j: int) -> dict[str, float]:
    """Shares and means of method column ``j`` of one scenario's replicates."""
    lo, hi, p, st = res["lo"][:, j], res["hi"][:, j], res["pvalue"][:, j], res["status"][:, j]
    lo = np.where(np.isnan(lo) & np.isfinite(hi), 0.0, lo)
    defined = ~np.isnan(lo) & ~np.isnan(hi)
    r_all, r = len(lo), max(int(defined.sum()), 1)
    covered = defined & (lo <= truth) & (truth <= hi)
    cover = covered.sum() / r
    fpr = (defined & ~covered).sum() / r
    finite = defined & np.isfinite(hi) & (lo > 0)
    width = np.log(hi[finite] / lo[finite])
    few = float(np.mean(st == FEW))
    power = float(np.mean(p < NOMINAL)) if np.isfinite(p).any() else np.nan

    def se(q: float, n: int) -> float:
        return float(np.sqrt(q * (1 - q) / n))

    return {
        "R": r_all, "fpr": fpr, "fpr_se": se(fpr, r), "cover": cover, "cover_se": se(cover, r),
        "width": float(width.mean()) if width.size else np.nan,
        "width_se": float(width.std(ddof=1) / np.sqrt(width.size)) if width.size > 1 else np.nan,
        "inf": float(np.mean(defined & ~np.isfinite(hi))), "power": power,
        "power_se": se(power, r_all) if np.isfinite(power) else np.nan,
        "few": few, "few_se": se(few, r_all), "undef": float(1 - defined.mean()),
        "df": float(np.nanmedian(res["df"][:, j])) if np.isfinite(res["df"][:, j]).any() else np.nan,
    }  # fmt: skip


def verdict(s: dict[str, float], n_lives: int, method: str) -> str:
    """Issue 13's "Done when" for one row.

    >= 10 LIVEs: PASS when fpr <= 5% + 3 MCSE and cover >= 95% - 3 MCSE - 1 point (MCSE at the
    nominal 5%, sqrt(0.05 * 0.95 / R)). < 10 LIVEs: PASS when every replicate says
    ``few_clusters`` or refuses (undefined) and the defined intervals still cover by the same
    rule. Reference rows: ``ref``.
    """
    if method in REFERENCE:
        return "ref"
    mc = np.sqrt(NOMINAL * (1 - NOMINAL) / s["R"])
    valid = s["fpr"] <= NOMINAL + 3 * mc and s["cover"] >= 1 - NOMINAL - 3 * mc - 0.01
    if n_lives >= 10:
        return "PASS" if valid else "FAIL"
    flagged = s["few"] + s["undef"] >= 1 - 1e-12
    return "PASS" if valid and flagged else "FAIL" + ("" if flagged else " (no few_clusters)")


def _fmt(q: float, se: float, pct: bool = True) -> str:
    if not np.isfinite(q):
        return f"{'-':>9}" if pct else f"{'-':>13}"
    return f"{100 * q:5.1f}±{100 * se:3.1f}" if pct else f"{q:5.3f}±{se:5.3f}"


def table(results, *, reps: int, pilot: bool, versions: str, wall: float, command: str) -> str:
    """The printed study: header (command, versions, timing, estimands) and one line per
    scenario x method."""
    seconds = sum(r[2]["seconds"].sum() for r in results)
    cpu = sum(r[2]["cpu"].sum() for r in results)
    n = sum(min(reps, len(r[2]["lo"])) for r in results)
    head = [
        ("PILOT (NOT THE COMMITTED STUDY): " if pilot else "") + f"small-cluster study, {reps} "
        "replicates per scenario (issue 13)",
        f"command: {command}",
        versions,
        f"time per replicate (all methods): {cpu / max(n, 1):.3f} s CPU, "
        f"{seconds / max(n, 1):.3f} s wall per worker; this run's wall time {wall:.0f} s "
        "(cached replicates are not rerun)",
        "rates in %, ± Monte Carlo SE; width = mean log(hi/lo); df = median reference df",
        "verdict: >= 10 LIVEs fpr <= 5% + 3 MCSE and cover >= 95% - 3 MCSE - 1 pt; < 10 LIVEs "
        "also few_clusters (or refusal) in every replicate",
        "estimands (each method applied to the expected counts of the fixed design):",
        *[f"  {m:<12} {e}" for m, e in ESTIMANDS.items()],
        "",
    ]
    cols = (f"{'scenario':<20} {'method':<12} {'truth':>7} {'fpr':>9} {'cover':>9} "
            f"{'width':>13} {'power':>9} {'few':>9} {'undef':>5} {'df':>6}  verdict")  # fmt: skip
    lines = [*head, cols, "-" * len(cols)]
    for sc, truth, res in results:
        for j, m in enumerate(METHODS):
            s = summary(truth[m], res, j)
            lines.append(
                f"{sc.name:<20} {m:<12} {truth[m]:7.4g} {_fmt(s['fpr'], s['fpr_se'])} "
                f"{_fmt(s['cover'], s['cover_se'])} {_fmt(s['width'], s['width_se'], False)} "
                f"{_fmt(s['power'], s['power_se'])} {_fmt(s['few'], s['few_se'])} "
                f"{100 * s['undef']:5.1f} {s['df']:6.1f}  {verdict(s, sc.n_lives, m)}"
            )
    return "\n".join(lines) + "\n"
