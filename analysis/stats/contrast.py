r"""The viewer-level contrast of two pooled groups: difference, ratio, lift, p-value, notes.

One step of :func:`analysis.stats.compare.compare`: given the pooled sums of each side
(:class:`analysis.stats.pooling.Pooled`), compute per ``by`` group the two rates, their
difference and ratio with intervals and the ratio's p-value, and the status notes of the row.

* Proportions: the sides are independent binomial samples; the kernels are those of
  :func:`analysis.stats.proportions.two_proportions` (Newcombe hybrid difference, Koopman score
  ratio, exact pieces for small cells).
* Ratio metrics (``aov``): each side's ratio of sums :math:`R` with delta variance :math:`V`
  (:func:`analysis.stats.pooling.pool`); difference :math:`R_a - R_b \pm z\sqrt{V_a + V_b}`;
  ratio :math:`\exp(\log(R_a/R_b) \pm z s)`, :math:`s^2 = V_a/R_a^2 + V_b/R_b^2`; p-value
  :math:`2\bar\Phi(|\log(R_a/R_b)|/s)` (Cochran 1977, sec. 6.3).

References
----------
Cochran WG (1977). Sampling Techniques, 3rd ed. Wiley.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.metrics import Metric
from analysis.stats.intervals import SMALL_CELL, two_sided_p, z_quantile
from analysis.stats.pooling import Pooled, binomial_groups
from analysis.stats.proportions import two_proportions
from analysis.status import Note

__all__ = ["CONTRAST_COLUMNS", "Contrast", "contrast"]

#: the columns :func:`contrast` computes
CONTRAST_COLUMNS = (
    "rate_a", "rate_b", "diff", "diff_ci_low", "diff_ci_high", "diff_method",
    "ratio", "ratio_ci_low", "ratio_ci_high", "ratio_method",
    "lift", "lift_ci_low", "lift_ci_high", "pvalue", "pvalue_method",
)  # fmt: skip

_SIDES = ("group_a", "group_b")


@dataclass
class Contrast:
    """The contrast of every ``by`` group: :data:`CONTRAST_COLUMNS` (arrays), the status
    notes of each group, and ``valid``: the groups whose viewer-level contrast is defined
    (both sides with trials, binomial counts; clustered inference runs on these)."""

    columns: dict[str, np.ndarray]
    notes: list[list[Note]]
    valid: np.ndarray


def _which(flags: list[bool]) -> str:
    return " and ".join(name for name, f in zip(_SIDES, flags, strict=True) if f)


def _estimates(pa: Pooled, pb: Pooled) -> dict[str, np.ndarray]:
    """Rates, difference, ratio and lift, intervals NaN (filled by the kernels)."""
    nan = np.full(len(pa.x), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_a = np.where(pa.n > 0, pa.x / pa.n, np.nan)
        rate_b = np.where(pb.n > 0, pb.x / pb.n, np.nan)
        ratio = np.where(rate_b > 0, rate_a / rate_b, np.nan)
    return {
        "rate_a": rate_a, "rate_b": rate_b, "diff": rate_a - rate_b,
        "diff_ci_low": nan.copy(), "diff_ci_high": nan.copy(),
        "ratio": ratio, "ratio_ci_low": nan.copy(), "ratio_ci_high": nan.copy(),
        "lift": ratio - 1, "pvalue": nan.copy(),
    }  # fmt: skip


def _proportion_notes(
    m: Metric, pa: Pooled, pb: Pooled, i: int, unit: tuple[str, ...], binomial: bool
) -> list[Note]:
    """Status notes of group ``i`` of a proportion metric (``unit``: its units, both sides)."""
    sides = (pa, pb)
    empty = [p.n[i] <= 0 for p in sides]
    bad = [p.n_bad[i] > 0 for p in sides]
    if any(empty):
        return [("undefined_no_viewers", f"no {m.denominator} in {_which(empty)}")]
    if not binomial:
        return [("undefined_not_binomial", f"unit {unit[0]!r} is not binomial")]
    if any(bad):
        what = (
            f"{m.numerator} exceed {m.denominator}" if m.complement else "successes exceed trials"
        )
        return [("undefined_not_binomial", f"{what} in {_which(bad)}")]
    zero = [p.x[i] == 0 for p in sides]
    small = [0 < p.x[i] < SMALL_CELL or p.n[i] - p.x[i] < SMALL_CELL for p in sides]
    small = [s and not z for s, z in zip(small, zero, strict=True)]
    notes: list[Note] = []
    if zero[1]:
        notes.append(("undefined_no_successes", f"no successes in {_which(zero)}: ratio and "
                      "lift undefined; their intervals (upper limit infinite) and the p-value "
                      "are defined"))  # fmt: skip
    elif zero[0]:
        notes.append(("exact_small_cell", "no successes in group_a: ratio 0, lower limit 0"))
    if any(small):
        what = f"small cell in {_which(small)}: fewer than {SMALL_CELL} successes or failures"
        notes.append(("exact_small_cell", what))
    return notes


def _proportions(m: Metric, pa: Pooled, pb: Pooled, units, level: float) -> Contrast:
    out = _estimates(pa, pb)
    ngroups = len(pa.x)
    binomial = binomial_groups(units)
    valid = (pa.n > 0) & (pb.n > 0) & (pa.n_bad == 0) & (pb.n_bad == 0) & binomial
    diff_m = np.full(ngroups, "none", dtype=object)
    ratio_m = np.full(ngroups, "none", dtype=object)
    if valid.any():
        k = two_proportions(pa.x[valid], pa.n[valid], pb.x[valid], pb.n[valid], level)
        out["diff_ci_low"][valid], out["diff_ci_high"][valid] = k["diff_lo"], k["diff_hi"]
        out["ratio_ci_low"][valid], out["ratio_ci_high"][valid] = k["ratio_lo"], k["ratio_hi"]
        out["pvalue"][valid] = k["pvalue"]
        diff_m[valid] = np.where(k["small"], "newcombe-exact", "newcombe")
        ratio_m[valid] = np.where(k["small"], "score+exact", "score")
    for name in ("diff", "ratio", "lift"):
        out[name] = np.where(valid, out[name], np.nan)
    out.update(diff_method=diff_m, ratio_method=ratio_m, pvalue_method=ratio_m.copy())
    notes = [_proportion_notes(m, pa, pb, i, units[i], binomial[i]) for i in range(ngroups)]
    return Contrast(out, notes, valid)


def _ratio_notes(m: Metric, pa: Pooled, pb: Pooled, i: int, defined: bool) -> list[Note]:
    """Status notes of group ``i`` of a ratio metric (``aov``)."""
    sides = (pa, pb)
    empty = [p.n[i] <= 0 for p in sides]
    few = [p.n[i] > 0 and p.n_cells[i] < 2 for p in sides]
    zero = [p.n[i] > 0 and p.x[i] == 0 for p in sides]
    if any(empty):
        return [("undefined_no_viewers", f"no {m.denominator} in {_which(empty)}")]
    if any(few):
        return [("undefined_too_few", f"fewer than 2 cells in {_which(few)}: no delta variance")]
    if any(zero):
        what = f"zero {m.numerator} in {_which(zero)}: the ratio interval is undefined"
        return [("undefined_no_successes", what)]
    if not defined:
        return [("no_variation", "in both groups: zero-width difference interval, the ratio "
                 "interval is undefined")]  # fmt: skip
    return []


def _ratios(m: Metric, pa: Pooled, pb: Pooled, level: float) -> Contrast:
    out = _estimates(pa, pb)
    z = z_quantile(level)
    rate_a, rate_b, diff = out["rate_a"], out["rate_b"], out["diff"]
    se_d = np.sqrt(pa.var + pb.var)
    ok_d = np.isfinite(se_d)
    out["diff_ci_low"][ok_d] = diff[ok_d] - z * se_d[ok_d]
    out["diff_ci_high"][ok_d] = diff[ok_d] + z * se_d[ok_d]
    with np.errstate(divide="ignore", invalid="ignore"):
        se_l = np.sqrt(pa.var / rate_a**2 + pb.var / rate_b**2)
        log_r = np.log(rate_a / rate_b)
        ok_r = ok_d & (rate_a > 0) & (rate_b > 0) & (se_l > 0)
        out["ratio_ci_low"][ok_r] = np.exp(log_r[ok_r] - z * se_l[ok_r])
        out["ratio_ci_high"][ok_r] = np.exp(log_r[ok_r] + z * se_l[ok_r])
        out["pvalue"][ok_r] = two_sided_p(log_r[ok_r] / se_l[ok_r])
    empty = (pa.n <= 0) | (pb.n <= 0)
    for name in ("diff", "ratio", "lift"):
        out[name] = np.where(empty, np.nan, out[name])
    ngroups = len(pa.x)
    out.update(diff_method=np.full(ngroups, "delta", dtype=object),
               ratio_method=np.full(ngroups, "delta-log", dtype=object),
               pvalue_method=np.full(ngroups, "delta-log", dtype=object))  # fmt: skip
    notes = [_ratio_notes(m, pa, pb, i, ok_r[i]) for i in range(ngroups)]
    return Contrast(out, notes, ok_d & ~empty)


def contrast(m: Metric, pa: Pooled, pb: Pooled, units, level: float) -> Contrast:
    """The viewer-level contrast of group a (``pa``) against group b (``pb``) per ``by`` group.

    Parameters
    ----------
    m : Metric
        The metric (proportion or ratio).
    pa, pb : Pooled
        Per-group sums of each side (same groups, same order).
    units : list of tuple of str
        The units of both sides of each group (one unit per group, checked by the caller).
    level : float
        Confidence level.

    Returns
    -------
    Contrast
        :data:`CONTRAST_COLUMNS` and the notes of each group. Proportion notes:
        ``undefined_no_viewers`` (no trials on a side), ``undefined_not_binomial`` (unit
        ``event``, or successes exceeding trials on a side), ``undefined_no_successes`` (no
        successes in group b: ratio and lift NaN, their intervals and p-value defined),
        ``exact_small_cell`` (a side with fewer than 5 successes or failures, or no successes
        in group a: exact pieces used). Ratio notes: ``undefined_no_viewers``,
        ``undefined_too_few`` (a side with one cell), ``undefined_no_successes`` (zero revenue
        on a side: ratio interval NaN), ``no_variation``.
    """
    con = (
        _proportions(m, pa, pb, units, level)
        if m.kind == "proportion"
        else _ratios(m, pa, pb, level)
    )
    con.columns["lift_ci_low"] = con.columns["ratio_ci_low"] - 1
    con.columns["lift_ci_high"] = con.columns["ratio_ci_high"] - 1
    return con
