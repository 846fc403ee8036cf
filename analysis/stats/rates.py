"""Rates with confidence intervals, and two-group comparisons (live vs non-live).

:func:`rates` pools the cells of each group into one rate with an interval; :func:`compare`
contrasts two groups of cells (by default LIVE vs non-live) as a difference, a ratio and a lift,
with a p-value. Both take the cells first, everything else keyword-only, never modify the input,
and return a new tidy DataFrame whose columns are listed in :data:`RATES_COLUMNS` and
:data:`COMPARE_COLUMNS` (preceded by the ``by`` columns). Every row says which ``method``
produced its numbers, at which confidence ``level``, and its ``status``.

Status strings
--------------
``status`` starts with ``ok`` when every number of the row is defined, ``small cell: exact
used`` (:func:`rates` only) when the automatic method switched to the exact interval, ``no
successes in ...`` when a comparison is only partly defined, and ``undefined...`` when
intervals (or everything) are NaN. Notes follow after ``"; "`` (cells excluded for missing
counts or a missing ``between`` value, small cells). The full list is in the docstrings of
:func:`rates` and :func:`compare`.

Scope: the columns of :data:`COMPARE_COLUMNS` up to ``status`` treat viewers as independent
(binomial trials, cells of a group pooled). The :data:`INFERENCE_COLUMNS` of :func:`compare`
(issue 4) add inference clustered by LIVE / content (``cluster=``), a design effect, and ratios
adjusted over strata (``adjust=``), computed by :mod:`analysis.stats.adjusted`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.metrics import Metric, get_metric, metric_counts
from analysis.vocabulary import (
    ADJUST_METHODS,
    BINOMIAL_UNITS,
    PROPORTION_METHODS,
    RATIO_METHODS,
    check_argument,
    check_level,
)

__all__ = [
    "COMPARE_COLUMNS", "INFERENCE_COLUMNS", "RATES_COLUMNS", "SMALL_CELL", "compare", "rates",
]  # fmt: skip

#: A cell (pooled group) is *small* when it has fewer than this many successes or failures;
#: ``rates(method="auto")`` then uses the exact Clopper-Pearson interval instead of Wilson.
SMALL_CELL = 5

#: Columns of :func:`rates` after the ``by`` columns.
RATES_COLUMNS = (
    "metric", "unit", "n_cells", "successes", "trials", "rate", "ci_low", "ci_high",
    "method", "level", "status",
)  # fmt: skip

#: Columns of :func:`compare` after the ``by`` columns.
COMPARE_COLUMNS = (
    "metric", "unit", "between", "group_a", "group_b",
    "n_cells_a", "successes_a", "trials_a", "rate_a",
    "n_cells_b", "successes_b", "trials_b", "rate_b",
    "diff", "diff_ci_low", "diff_ci_high", "diff_method",
    "ratio", "ratio_ci_low", "ratio_ci_high", "ratio_method",
    "lift", "lift_ci_low", "lift_ci_high",
    "pvalue", "pvalue_method", "level", "status",
    "cluster", "n_clusters_a", "n_clusters_b", "design_effect",
    "effective_trials_a", "effective_trials_b",
    "clustered_ratio_ci_low", "clustered_ratio_ci_high", "clustered_pvalue", "clustered_method",
    "adjust", "n_strata", "adjusted_ratio", "adjusted_ratio_ci_low", "adjusted_ratio_ci_high",
    "adjusted_lift", "adjusted_lift_ci_low", "adjusted_lift_ci_high", "adjusted_pvalue",
    "adjusted_method", "simpson", "inference_status",
)  # fmt: skip

#: The columns of :func:`compare` added by issue 4 (clustered and adjusted inference).
INFERENCE_COLUMNS = COMPARE_COLUMNS[COMPARE_COLUMNS.index("cluster") :]

# our method names -> statsmodels.stats.proportion.proportion_confint method names
_SM_METHOD = {"wilson": "wilson", "clopper-pearson": "beta", "jeffreys": "jeffreys"}


# ----------------------------------------------------------------------------------------------
# argument checks and grouping


def _by_columns(
    cells: pd.DataFrame, by: str | Sequence[str] | None, m: Metric, output: tuple[str, ...]
) -> list[str]:
    if by is None:
        return []
    cols = [by] if isinstance(by, str) else list(by)
    missing = [c for c in cols if c not in cells.columns]
    if missing:
        raise ValueError(f"`by` names columns the cells do not have: {missing}.")
    if len(set(cols)) != len(cols):
        raise ValueError(f"`by` repeats a column: {cols}.")
    # `unit` as a `by` column *is* the output's `unit` for proportions (same values)
    clash = [c for c in cols if c in output and not (c == "unit" and m.kind == "proportion")]
    if clash:
        raise ValueError(
            f"`by` column(s) {clash} have the name of an output column; rename them first "
            f"(e.g. cells.rename(columns={{{clash[0]!r}: {clash[0] + '_'!r}}}))."
        )
    return cols


def _output_columns(by_cols: list[str], columns: tuple[str, ...]) -> list[str]:
    return [*by_cols, *(c for c in columns if c not in by_cols)]


def _groups(frame: pd.DataFrame, by_cols: list[str]) -> tuple[np.ndarray, pd.DataFrame, int]:
    """Group id per row (NA keys kept as their own group, sorted, NA last) and the key table."""
    if not by_cols:
        return np.zeros(len(frame), dtype=np.intp), pd.DataFrame(index=pd.RangeIndex(1)), 1
    grouped = frame.groupby(by_cols, dropna=False, sort=True, observed=True)
    gid = grouped.ngroup().to_numpy(dtype=np.intp)
    ngroups = grouped.ngroups
    _, first = np.unique(gid, return_index=True)  # first row of each group, in group order
    keys = frame[by_cols].iloc[first].reset_index(drop=True)
    return gid, keys, ngroups


def _cells_text(k) -> str:
    return f"{int(k)} cell" if int(k) == 1 else f"{int(k)} cells"


def _key_label(keys: pd.DataFrame, i: int) -> str:
    if keys.shape[1] == 0:
        return "all cells"
    return ", ".join(f"{c}={keys.iloc[i][c]!r}" for c in keys.columns)


# ----------------------------------------------------------------------------------------------
# per-cell data and pooling


@dataclass
class _Cells:
    """Per-cell arrays of one metric: successes, trials, completeness, violations, unit."""

    x: np.ndarray
    n: np.ndarray
    complete: np.ndarray
    bad: np.ndarray  # complete and not 0 <= x <= n
    unit: np.ndarray  # object: counting unit (proportions) or currency (ratios); "<NA>" if missing
    metric: Metric

    @classmethod
    def build(cls, cells: pd.DataFrame, m: Metric) -> _Cells:
        counts = metric_counts(cells, m)
        x = counts["successes"].to_numpy(dtype=float)
        n = counts["trials"].to_numpy(dtype=float)
        complete = counts["complete"].to_numpy(dtype=bool)
        if m.kind == "proportion":
            bad = complete & ((x > n) | (x < 0))
            col = "unit"
        else:
            bad = np.zeros(len(x), dtype=bool)
            col = "currency"
        if col not in cells.columns:
            raise ValueError(
                f"The cells have no {col!r} column, needed by metric {m.name!r} to check that "
                f"pooled counts share one {'counting unit' if col == 'unit' else 'currency'}."
            )
        unit = cells[col].astype("string").fillna("<NA>").to_numpy(dtype=object)
        return cls(x, n, complete, bad, unit, m)

    def subset(self, mask: np.ndarray) -> _Cells:
        return _Cells(
            self.x[mask], self.n[mask], self.complete[mask], self.bad[mask], self.unit[mask],
            self.metric,
        )  # fmt: skip


@dataclass
class _Pooled:
    """Per-group sums (arrays of length ngroups)."""

    n_cells: np.ndarray
    n_missing: np.ndarray
    x: np.ndarray
    n: np.ndarray
    n_bad: np.ndarray
    units: list[tuple[str, ...]]
    var: np.ndarray | None = None  # delta-method variance of the ratio (ratio metrics)


def _pool(c: _Cells, gid: np.ndarray, ngroups: int) -> _Pooled:
    ok = c.complete

    def total(w):
        return np.bincount(gid, weights=np.asarray(w, dtype=float), minlength=ngroups)

    n_cells = total(ok).astype(np.int64)
    x = total(np.where(ok, c.x, 0.0))
    n = total(np.where(ok, c.n, 0.0))
    # units of the cells that enter the sums; of all cells when none does
    units: list[set[str]] = [set() for _ in range(ngroups)]
    units_all: list[set[str]] = [set() for _ in range(ngroups)]
    pairs = pd.DataFrame({"g": gid, "u": c.unit, "ok": ok}).drop_duplicates()
    for g, u, is_ok in pairs.itertuples(index=False):
        (units if is_ok else units_all)[g].add(u)
    out = _Pooled(
        n_cells=n_cells,
        n_missing=total(~ok).astype(np.int64),
        x=x,
        n=n,
        n_bad=total(c.bad).astype(np.int64),
        units=[tuple(sorted(u or (ua | u))) for u, ua in zip(units, units_all, strict=True)],
    )
    if c.metric.kind == "ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(n > 0, x / n, np.nan)
            resid = np.where(ok, c.x - r[gid] * c.n, 0.0)
            k = n_cells.astype(float)
            out.var = np.where((k >= 2) & (n > 0), k / (k - 1) * total(resid**2) / n**2, np.nan)
    return out


def _refuse_mixed_units(units_per_group, keys: pd.DataFrame, m: Metric, what: str) -> None:
    mixed = [i for i, u in enumerate(units_per_group) if len(u) > 1]
    if not mixed:
        return
    col = "unit" if m.kind == "proportion" else "currency"
    lines = [f"{_key_label(keys, i)}: {list(units_per_group[i])}" for i in mixed[:5]]
    more = f" (and {len(mixed) - 5} more groups)" if len(mixed) > 5 else ""
    raise ValueError(
        f"Refusing to pool {what} with different `{col}` values for metric {m.name!r}: "
        + "; ".join(lines)
        + more
        + f". A rate pooled over mixed {col}s is not one rate (e.g. sessions per visitor). "
        f"Filter the cells to one {col}, or add {col!r} to `by`."
    )


def _unit_label(units: tuple[str, ...], m: Metric) -> str:
    if m.kind == "ratio":
        per = m.denominator.removesuffix("s")  # "orders" -> "EUR/order"
        return f"{units[0]}/{per}" if units and units[0] != "<NA>" else per
    return units[0] if units else "<NA>"


# ----------------------------------------------------------------------------------------------
# interval kernels (vectorised, valid inputs only)


def _z(level: float) -> float:
    from scipy import stats

    return float(stats.norm.isf((1 - level) / 2))


def _two_sided_p(z: np.ndarray) -> np.ndarray:
    from scipy import stats

    return 2 * stats.norm.sf(np.abs(z))


def _wilson_cc(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval with continuity correction (Newcombe 1998a, method 4)."""
    z = _z(level)
    p = x / n
    with np.errstate(invalid="ignore"):
        lo = (
            2 * n * p
            + z * z
            - 1
            - z * np.sqrt(np.maximum(z * z - 2 - 1 / n + 4 * p * (n * (1 - p) + 1), 0.0))
        ) / (2 * (n + z * z))
        hi = (
            2 * n * p
            + z * z
            + 1
            + z * np.sqrt(np.maximum(z * z + 2 - 1 / n + 4 * p * (n * (1 - p) - 1), 0.0))
        ) / (2 * (n + z * z))
    return np.where(x == 0, 0.0, lo), np.where(x == n, 1.0, hi)  # fmt: skip


def _binomial_interval(
    x: np.ndarray, n: np.ndarray, method: str, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interval for x successes out of n > 0 trials (0 <= x <= n); returns lo, hi, method used."""
    from statsmodels.stats.proportion import proportion_confint

    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    if method == "auto":
        small = (x < SMALL_CELL) | (n - x < SMALL_CELL)
        used = np.where(small, "clopper-pearson", "wilson-cc").astype(object)
    else:
        used = np.full(x.shape, method, dtype=object)
    lo = np.full(x.shape, np.nan)
    hi = np.full(x.shape, np.nan)
    for name in _SM_METHOD:
        sel = used == name
        if sel.any():
            lo[sel], hi[sel] = proportion_confint(
                x[sel], n[sel], alpha=1 - level, method=_SM_METHOD[name]
            )
    cc = used == "wilson-cc"
    if cc.any():
        lo[cc], hi[cc] = _wilson_cc(x[cc], n[cc], level)
    # Jeffreys: boundary modification of Brown, Cai & DasGupta (2001, sec. 4.1.2)
    jeff = used == "jeffreys"
    lo[jeff & (x == 0)] = 0.0
    hi[jeff & (x == n)] = 1.0
    # Clopper-Pearson at the boundaries: 0 at x = 0, 1 at x = n (statsmodels gives NaN there)
    cp = used == "clopper-pearson"
    lo[cp & (x == 0)] = 0.0
    hi[cp & (x == n)] = 1.0
    return np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0), used


def _score_ratio_z(log_r, xa, na, xb, nb):
    """Koopman (1984) score statistic for H0: pa / pb = R (decreasing in R)."""
    r = np.exp(log_r)
    a = (na + nb) * r
    b = -(r * (na + xb) + xa + nb)
    c = xa + xb
    pb = (-b - np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))) / (2 * a)  # restricted MLE of pb
    pb = np.clip(pb, 0.0, 1.0)
    pa = np.clip(r * pb, 0.0, 1.0)
    v = pa * (1 - pa) / na + r * r * pb * (1 - pb) / nb
    num = xa / na - r * xb / nb
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, num / np.sqrt(v), np.sign(num) * np.inf * (num != 0))


def _score_ratio(xa, na, xb, nb, level: float):
    """Koopman score interval for pa / pb (vectorised bisection on log R) and its dual p-value.

    Equals R PropCIs ``riskscoreci`` (7/34 vs 1/34: 1.220853, 42.575718). Lower limit 0 when
    ``xa = 0``, upper limit +inf when ``xb = 0``; the p-value is the score test at R = 1 (the
    pooled two-proportion z-test), so the interval excludes 1 exactly when p < 1 - level.
    """
    z = _z(level)
    lims = []
    for target in (z, -z):
        lo = np.full(np.shape(xa), -50.0)
        hi = np.full(np.shape(xa), 50.0)
        for _ in range(70):  # |log R| < 50 to 1e-19
            mid = (lo + hi) / 2
            above = _score_ratio_z(mid, xa, na, xb, nb) > target
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
        lims.append(np.exp((lo + hi) / 2))
    r_lo = np.where(xa == 0, 0.0, lims[0])
    r_hi = np.where(xb == 0, np.inf, lims[1])
    z1 = _score_ratio_z(np.zeros(np.shape(xa)), xa, na, xb, nb)
    pvalue = np.where(np.isnan(z1), 1.0, _two_sided_p(np.nan_to_num(z1, nan=0.0)))
    return r_lo, r_hi, pvalue


def _conditional_exact_ratio(xa, na, xb, nb, level: float):
    """Exact conditional interval for pa / pb given xa + xb (Poisson approximation).

    ``xa | xa + xb = t ~ Bin(t, pi)``, ``pi = na R / (na R + nb)``: the Clopper-Pearson limits
    of pi mapped to R (Armitage, Berry & Matthews 2002, sec. 5.3), and the dual two-sided
    p-value (twice the smaller tail at ``pi0 = na / (na + nb)``).
    """
    from scipy import stats

    t = xa + xb
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(xa > 0, stats.beta.ppf(alpha / 2, xa, t - xa + 1), 0.0)
        hi = np.where(xb > 0, stats.beta.ppf(1 - alpha / 2, xa + 1, t - xa), 1.0)
        r_lo = nb * lo / (na * (1 - lo))
        r_hi = np.where(hi < 1, nb * hi / (na * (1 - hi)), np.inf)
        pi0 = na / (na + nb)
        tails = np.minimum(stats.binom.cdf(xa, t, pi0), stats.binom.sf(xa - 1, t, pi0))
    pvalue = np.where(t > 0, np.minimum(1.0, 2 * tails), 1.0)
    return r_lo, r_hi, pvalue


def _newcombe(xa, na, xb, nb, level: float, small: np.ndarray):
    """Newcombe (1998b) hybrid difference interval from each side's interval.

    Sides use Wilson (method 10); rows with a small side use Clopper-Pearson sides instead
    (same combination rule), which keeps exact coverage >= 0.94 for tiny rare LIVE sides.
    """
    from statsmodels.stats.proportion import proportion_confint

    alpha = 1 - level
    la, ua = proportion_confint(xa, na, alpha=alpha, method="wilson")
    lb, ub = proportion_confint(xb, nb, alpha=alpha, method="wilson")
    cla, cua = proportion_confint(xa, na, alpha=alpha, method="beta")
    clb, cub = proportion_confint(xb, nb, alpha=alpha, method="beta")
    cla, clb = np.where(xa == 0, 0.0, cla), np.where(xb == 0, 0.0, clb)
    cua, cub = np.where(xa == na, 1.0, cua), np.where(xb == nb, 1.0, cub)
    la, ua = np.where(small, cla, la), np.where(small, cua, ua)
    lb, ub = np.where(small, clb, lb), np.where(small, cub, ub)
    pa, pb = xa / na, xb / nb
    d = pa - pb
    lo = d - np.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    hi = d + np.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    return lo, hi


def _two_proportions(xa, na, xb, nb, level: float) -> dict[str, np.ndarray]:
    """Difference and ratio intervals with the ratio's dual p-value (na, nb > 0).

    A row is *small* when a side has fewer than :data:`SMALL_CELL` successes or failures:
    the difference then uses Clopper-Pearson sides, and the ratio interval is the union of the
    Koopman score and the exact conditional intervals (p-value: the larger of the two).
    """
    xa, na, xb, nb = (np.asarray(v, dtype=float) for v in (xa, na, xb, nb))
    small = (xa < SMALL_CELL) | (na - xa < SMALL_CELL) | (xb < SMALL_CELL) | (nb - xb < SMALL_CELL)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_lo, d_hi = _newcombe(xa, na, xb, nb, level, small)
        r_lo, r_hi, pvalue = _score_ratio(xa, na, xb, nb, level)
        e_lo, e_hi, e_p = _conditional_exact_ratio(xa, na, xb, nb, level)
    r_lo = np.where(small, np.minimum(r_lo, e_lo), r_lo)
    r_hi = np.where(small, np.maximum(r_hi, e_hi), r_hi)
    pvalue = np.where(small, np.maximum(pvalue, e_p), pvalue)
    return {
        "diff_lo": np.clip(d_lo, -1.0, 1.0),
        "diff_hi": np.clip(d_hi, -1.0, 1.0),
        "ratio_lo": np.asarray(r_lo, dtype=float),
        "ratio_hi": np.asarray(r_hi, dtype=float),
        "pvalue": np.asarray(pvalue, dtype=float),
        "small": small,
    }


# ----------------------------------------------------------------------------------------------
# rates


def rates(
    cells: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    metric: str | Metric = "atc_rate",
    level: float = 0.95,
    method: str = "auto",
) -> pd.DataFrame:
    r"""Pooled rate of a metric per group, with a confidence interval.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (:func:`analysis.sources.load`), or any frame with the metric's numerator and
        denominator columns, ``unit`` (proportions) or ``currency`` (``aov``), and the ``by``
        columns. Not modified.
    by : str or list of str, optional
        Columns to group by. Missing (NA) values form their own group. ``None``: one row for
        all cells (also when there are none).
    metric : str
        A name of :data:`analysis.metrics.METRICS`: ``atc_rate`` (default), ``conversion``,
        ``cart_to_order``, ``abandonment``, ``click_to_cart`` (proportions) or ``aov`` (ratio).
    level : float
        Confidence level of the intervals, strictly between 0 and 1.
    method : str
        Proportions: ``auto`` (default: Wilson with continuity correction, or exact
        Clopper-Pearson for a small cell, i.e. fewer than :data:`SMALL_CELL` = 5 successes or 5
        failures), ``wilson``, ``wilson-cc``, ``clopper-pearson`` or ``jeffreys``. Ratio metrics: ``auto`` or ``delta`` (the same).

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by the ``by`` columns (NA last), with the ``by`` columns
        followed by :data:`RATES_COLUMNS` (``unit`` appears once, among the ``by`` columns,
        when grouping by it; other ``by`` columns named like an output column are refused):

        ``metric``
            Metric name.
        ``unit``
            What one trial counts: the cells' ``unit`` (``visitor``, ``session``, ``event``) for
            proportions; ``"<currency>/order"`` (e.g. ``EUR/order``) for ``aov``.
        ``n_cells``
            Cells summed (numerator and denominator present).
        ``successes``, ``trials``
            Sums of the numerator (or ``denominator - numerator`` for ``abandonment``) and of the
            denominator over those cells: integers for proportions; for ``aov`` total revenue
            and total orders (floats).
        ``rate``
            ``successes / trials``; NaN without trials. Shown (possibly above 1) for rows whose
            interval is undefined because the counts are not binomial.
        ``ci_low``, ``ci_high``
            Interval at ``level``; NaN when undefined.
        ``method``
            Interval actually used: ``wilson``, ``clopper-pearson``, ``jeffreys``, ``delta``, or
            ``none`` when no interval could be computed.
        ``level``
            The confidence level.
        ``status``
            ``ok``; ``small cell: exact used`` (``method="auto"`` chose Clopper-Pearson);
            ``undefined: no <denominator>`` (no trials, e.g. ``undefined: no viewers``; rate and
            interval NaN); ``undefined: successes exceed trials (k cells)`` (``1 cell`` when k is 1) (some cell has
            numerator > denominator: not binomial; for ``abandonment``:
            ``undefined: orders exceed atc (k cells)``); ``undefined: unit 'event' is not
            binomial`` (events are not people: no binomial interval); for ``aov``
            ``undefined: no orders`` and ``undefined: fewer than 2 cells (no delta variance)``.
            Notes are appended after ``"; "``: ``k cells excluded: missing <num> or <den>``, and
            for ``aov`` ``no variation across cells: zero-width interval``.

    Raises
    ------
    ValueError
        For an unknown metric or method, a level outside (0, 1), a ``by`` column the cells do
        not have, a missing count column, or a group whose cells mix counting units (or
        currencies for ``aov``): such a pooled rate would not be one rate (statistics.md P0).

    Notes
    -----
    The rate of a group is a ratio of sums, :math:`\hat p = \sum_i x_i / \sum_i n_i`, over its
    cells :math:`i`, never a mean of per-cell rates. For proportions the pooled counts are
    treated as binomial, :math:`X \sim \mathrm{Bin}(N, p)`. With :math:`z = \Phi^{-1}(1 -
    \alpha/2)`, :math:`\alpha = 1 - \text{level}`:

    * Wilson (1927) score interval:
      :math:`\frac{\hat p + z^2/(2N) \pm z\sqrt{\hat p(1-\hat p)/N + z^2/(4N^2)}}{1 + z^2/N}`.
    * Wilson with continuity correction (Newcombe 1998a, method 4; R ``prop.test(correct =
      TRUE)``): :math:`\frac{2N\hat p + z^2 \mp 1 \mp z\sqrt{z^2 \mp 2 - 1/N + 4\hat p
      (N(1-\hat p) \pm 1)}}{2(N + z^2)}` (0 at :math:`X=0`, 1 at :math:`X=N`).
    * Clopper-Pearson (1934) exact interval: the :math:`\alpha/2` and :math:`1-\alpha/2`
      quantiles of :math:`\mathrm{Beta}(X, N-X+1)` and :math:`\mathrm{Beta}(X+1, N-X)`
      (0 at :math:`X=0`, 1 at :math:`X=N`); its coverage is at least the nominal level.
    * Jeffreys: quantiles of :math:`\mathrm{Beta}(X+\tfrac12, N-X+\tfrac12)`, with the lower
      limit set to 0 at :math:`X = 0` and the upper to 1 at :math:`X = N` (Brown, Cai &
      DasGupta 2001).

    ``auto`` uses Wilson with continuity correction unless :math:`X < 5` or :math:`N - X < 5`,
    and the exact interval there (issue 4). Plain Wilson's coverage oscillates below nominal
    (0.83 for small counts, still 0.92-0.93 at n = 34-200 and rates of 2-10 %); measured exact
    coverage of ``auto`` at 95%: at least 0.94 for every n from 20 to 5,000 and rates from 1% to
    15% on a 0.5-point grid (``tests/test_compare_adjusted.py``), mean about 0.97.

    ``aov`` is a ratio of sums :math:`R = Y/X` (revenue over orders) with cells as the
    independent sampling units; its variance by linearisation (delta method; Cochran 1977,
    sec. 6.3; Deng, Knoblich & Lu 2018) is

    .. math:: \widehat{\mathrm{Var}}(R) = \frac{k}{k-1}\,\frac{\sum_i (y_i - R x_i)^2}{X^2}

    over the :math:`k \ge 2` cells, and the interval is :math:`R \pm z\sqrt{\widehat{\mathrm
    {Var}}}`, truncated at 0. Cells split from one LIVE or creator are not independent; the
    interval is then too narrow (cluster-robust versions are out of scope here).

    References
    ----------
    Wilson EB (1927). Probable inference, the law of succession, and statistical inference.
    JASA 22:209-212. Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits
    illustrated in the case of the binomial. Biometrika 26:404-413. Newcombe RG (1998). Two-sided
    confidence intervals for the single proportion: comparison of seven methods. Stat Med
    17:857-872. Brown LD, Cai TT, DasGupta A (2001). Interval estimation for a binomial
    proportion. Stat Sci 16:101-133. Cochran WG (1977). Sampling Techniques, 3rd ed. Wiley.
    Deng A, Knoblich U, Lu J (2018). Applying the delta method in metric analytics. KDD.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.stats.rates import rates
    >>> cells = pd.DataFrame({"is_live": [True, False], "atc": [81, 15],
    ...                       "viewers": [263, 148], "unit": "visitor"})
    >>> rates(cells, by="is_live")[["is_live", "rate", "ci_low", "ci_high", "method"]].round(4)
       is_live    rate  ci_low  ci_high     method
    0    False  0.1014  0.0598   0.1644  wilson-cc
    1     True  0.3080  0.2535   0.3682  wilson-cc
    """
    m = get_metric(metric)
    level = check_level(level)
    method = check_argument(
        "method", PROPORTION_METHODS if m.kind == "proportion" else RATIO_METHODS, method
    )
    by_cols = _by_columns(cells, by, m, RATES_COLUMNS)
    data = _Cells.build(cells, m)
    gid, keys, ngroups = _groups(cells, by_cols)
    pooled = _pool(data, gid, ngroups)
    _refuse_mixed_units(pooled.units, keys, m, "cells")

    x, n = pooled.x, pooled.n
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, x / n, np.nan)
    lo = np.full(ngroups, np.nan)
    hi = np.full(ngroups, np.nan)
    used = np.full(ngroups, "none", dtype=object)
    status = np.empty(ngroups, dtype=object)
    binomial = np.array([bool(u) and u[0] in BINOMIAL_UNITS for u in pooled.units], dtype=bool)

    if m.kind == "proportion":
        valid = (n > 0) & (pooled.n_bad == 0) & binomial
        if valid.any():
            lo[valid], hi[valid], used[valid] = _binomial_interval(
                x[valid], n[valid], method, level
            )
        for i in range(ngroups):
            if n[i] <= 0:
                status[i] = f"undefined: no {m.denominator}"
            elif not binomial[i]:
                status[i] = f"undefined: unit {pooled.units[i][0]!r} is not binomial"
            elif pooled.n_bad[i] > 0:
                what = (
                    f"{m.numerator} exceed {m.denominator}"
                    if m.complement
                    else "successes exceed trials"
                )
                status[i] = f"undefined: {what} ({_cells_text(pooled.n_bad[i])})"
            elif method == "auto" and used[i] == "clopper-pearson":
                status[i] = "small cell: exact used"
            else:
                status[i] = "ok"
        successes = np.rint(x).astype(np.int64)
        trials = np.rint(n).astype(np.int64)
    else:
        se = np.sqrt(pooled.var)
        z = _z(level)
        valid = np.isfinite(se)
        lo[valid] = np.maximum(rate[valid] - z * se[valid], 0.0)
        hi[valid] = rate[valid] + z * se[valid]
        used[valid] = "delta"
        for i in range(ngroups):
            if n[i] <= 0:
                status[i] = f"undefined: no {m.denominator}"
            elif not valid[i]:
                status[i] = "undefined: fewer than 2 cells (no delta variance)"
            elif se[i] == 0:
                status[i] = "ok; no variation across cells: zero-width interval"
            else:
                status[i] = "ok"
        successes, trials = x, n

    for i in range(ngroups):
        if pooled.n_missing[i] > 0:
            status[i] += (
                f"; {_cells_text(pooled.n_missing[i])} excluded: missing {m.numerator} or "
                f"{m.denominator}"
            )

    out = keys.copy()
    out["metric"] = m.name
    if "unit" not in by_cols:  # grouping by unit: that column is the output's unit
        out["unit"] = [_unit_label(u, m) for u in pooled.units]
    out["n_cells"] = pooled.n_cells
    out["successes"] = successes
    out["trials"] = trials
    out["rate"] = rate
    out["ci_low"] = lo
    out["ci_high"] = hi
    out["method"] = used.astype(str)
    out["level"] = level
    out["status"] = status.astype(str)
    return out[_output_columns(by_cols, RATES_COLUMNS)].reset_index(drop=True)


# ----------------------------------------------------------------------------------------------
# compare


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _two_groups(col: pd.Series, between: str, groups) -> tuple[Hashable, Hashable]:
    present = pd.unique(col.dropna())
    if groups is not None:
        if isinstance(groups, str) or not isinstance(groups, Sequence) or len(groups) != 2:
            raise ValueError(
                f"`groups` must be a pair (a, b) of {between!r} values; got {groups!r}."
            )
        a, b = (_plain(g) for g in groups)
        if a == b:
            raise ValueError(f"`groups` must name two different values; got {groups!r}.")
        absent = [g for g in (a, b) if not col.eq(g).fillna(False).astype(bool).any()]
        if absent:
            raise ValueError(
                f"`groups` value(s) {absent} do not occur in column {between!r}; its values are "
                f"{sorted(map(_plain, present), key=str)[:20]}."
            )
        return a, b
    if between == "is_live" or pd.api.types.is_bool_dtype(col):
        extra = [v for v in present if v not in (True, False)]
        if not extra:
            return True, False
    if len(present) == 2:
        a, b = sorted((_plain(v) for v in present), key=str)
        return a, b
    raise ValueError(
        f"compare(between={between!r}) needs `groups=(a, b)`: the column has {len(present)} "
        f"distinct values, not 2 ({sorted(map(_plain, present), key=str)[:20]})."
    )


def compare(
    cells: pd.DataFrame,
    *,
    between: str = "is_live",
    metric: str | Metric = "atc_rate",
    by: str | Sequence[str] | None = None,
    groups: tuple[Hashable, Hashable] | None = None,
    level: float = 0.95,
    adjust: str | Sequence[str] | None = None,
    adjust_method: str = "mantel-haenszel",
    cluster: str | Sequence[str] | None = "content_id",
) -> pd.DataFrame:
    r"""Compare a metric between two groups of cells (default: LIVE vs non-live).

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells, or any frame with the metric's columns, ``unit`` (proportions) or
        ``currency`` (``aov``), the ``between`` column and the ``by`` columns. Not modified.
    between : str
        Column whose values define the two groups. ``is_live`` (default): ``group_a = True``
        (LIVE), ``group_b = False`` (non-live). Cells with NA in ``between`` (for ``is_live``:
        channel ``ALL``) are excluded and counted in ``status``.
    metric : str
        A name of :data:`analysis.metrics.METRICS`.
    by : str or list of str, optional
        One comparison per group of these columns (NA values form their own group).
    groups : tuple (a, b), optional
        The two ``between`` values to compare, ``a`` against ``b``. Required when ``between``
        is not boolean and does not have exactly two values; otherwise ``(True, False)`` for a
        boolean column and the two values in sorted order for others.
    level : float
        Confidence level, strictly between 0 and 1; the p-value is dual to the ratio interval
        at this level.
    adjust : str or list of str, optional
        Strata for the adjusted ratio (e.g. ``["hour", "category"]``, optionally ``creator``,
        ``promo``); None: no adjusted ratio.
    adjust_method : {"mantel-haenszel", "standardisation"}
        Pooling of the strata: Mantel-Haenszel rate ratio, or standardisation to group a's mix
        (observed over expected, the LIVE cells' own rate against the non-live rate of their
        strata).
    cluster : str or None
        Cluster column of the clustered and adjusted inference (default ``content_id``; cells
        where it is NA, off-live product cards, cluster by product x day). None: viewers as
        independent units. When the default column is absent the clustered columns are NaN
        with an ``inference_status`` saying so; any other absent name is an error.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` group (sorted, NA last; groups present only in excluded NA-``between``
        cells included), with the ``by`` columns followed by :data:`COMPARE_COLUMNS` (``unit``
        appears once when grouping by it, as in :func:`rates`):

        ``metric``, ``unit``
            As in :func:`rates` (one unit across both groups).
        ``between``, ``group_a``, ``group_b``
            The grouping column and the two values compared (``a`` against ``b``).
        ``n_cells_a``, ``successes_a``, ``trials_a``, ``rate_a`` (and ``_b``)
            Pooled counts and rate of each group, as in :func:`rates`.
        ``diff``, ``diff_ci_low``, ``diff_ci_high``, ``diff_method``
            ``rate_a - rate_b``. Proportions: Newcombe (1998b) hybrid score interval
            (``newcombe``; ``newcombe-exact`` for small cells: Clopper-Pearson sides). ``aov``:
            delta method (``delta``).
        ``ratio``, ``ratio_ci_low``, ``ratio_ci_high``, ``ratio_method``
            ``rate_a / rate_b`` (NaN when ``rate_b`` is 0). Proportions: Koopman (1984) score
            interval (``score``), widened to its union with the exact conditional interval when a
            side is small (``score+exact``); upper limit ``inf`` when ``rate_b`` is 0.
            ``aov``: delta method on the log scale (``delta-log``).
        ``lift``, ``lift_ci_low``, ``lift_ci_high``
            ``ratio - 1`` and its interval (the ratio interval minus 1).
        ``pvalue``, ``pvalue_method``
            Two-sided p-value for ``ratio = 1`` from the same method as the ratio interval
            (score test; for ``score+exact`` the larger of the score and exact conditional
            p-values; ``delta-log`` z-test for ``aov``), so ``pvalue < 1 - level`` exactly when
            the ratio interval excludes 1.
        ``level``, ``status``
            The level, and:

            * ``ok`` - every number defined.
            * ``undefined: no <denominator> in group_a`` (``group_b``, ``group_a and group_b``)
              - no trials on a side; rates of that side and all contrasts NaN.
            * ``undefined: successes exceed trials in group_a`` (or ``group_b``; for
              ``abandonment``: ``orders exceed atc``) - counts not binomial; contrasts NaN.
            * ``undefined: unit 'event' is not binomial`` - contrasts NaN.
            * ``no successes in group_b: ratio and lift undefined; their intervals (upper limit
              infinite) and the p-value are defined`` (and the ``group_a and group_b``
              variant); ``no successes in group_a: ratio 0, lower limit 0`` - everything else
              is reported.
            * ``aov``: ``undefined: no orders in group_a``, ``undefined: fewer than 2 cells in
              group_a (no delta variance)``, ``undefined ratio interval: zero revenue in
              group_b``, ``undefined ratio interval: no variation across cells`` (both sides
              have a zero delta variance).

            Notes after ``"; "``: ``small cell in group_a: fewer than 5 successes or
            failures`` (the intervals keep their method; see Notes for their coverage),
            ``k cells of group_a excluded: missing <num> or <den>``, ``k cells excluded:
            is_live is NA (channel ALL)`` (``<between> is NA`` for other columns).
        ``cluster``, ``n_clusters_a``, ``n_clusters_b``
            The clustering (``content_id``: LIVE room or video; NA content falls back to
            product x day, :mod:`analysis.stats.clusters`; ``none``) and the clusters per side.
        ``design_effect``, ``effective_trials_a``, ``effective_trials_b``
            Clustered over binomial variance of the log ratio, and each side's trials divided by
            its own design effect ("12,000 viewers are worth about 3,000 independent ones").
        ``clustered_ratio_ci_low``, ``clustered_ratio_ci_high``, ``clustered_pvalue``, ``clustered_method``
            The crude ratio's interval and p-value with clusters as the independent units
            (log-linearised ratio, t on ``min(G_a, G_b) - 1`` df).
        ``adjust``, ``n_strata``, ``adjusted_ratio``, ``adjusted_ratio_ci_low``, ``adjusted_ratio_ci_high``, ``adjusted_lift`` (and its interval), ``adjusted_pvalue``, ``adjusted_method``
            The ratio adjusted over the strata of ``adjust`` (``adjust_method``), with the same
            clustered inference; NaN when ``adjust`` is None. ``n_strata``: strata with both
            groups.
        ``simpson``
            True when the crude and adjusted ratios lie on opposite sides of 1.
        ``inference_status``
            ``ok``, or notes joined by ``"; "``: ``few clusters: k in group_a (< 30), t(k-1)
            reference; intervals may still be too narrow``; ``not clustered: viewers treated as
            independent``; ``x% of group_a trials in strata without group_b: left out of the
            adjusted ratio``; ``Simpson: crude and adjusted ratios on opposite sides of 1``;
            ``clustered interval undefined ...``; ``undefined: the cells have no 'content_id'
            column ...``; ``undefined: clustered and adjusted contrasts are for proportions``.

    Raises
    ------
    ValueError
        Unknown metric, bad ``level``, ``between`` or ``by`` columns missing (or ``between`` in
        ``by``), ``groups`` missing when needed or naming absent values, or a ``by`` group
        whose compared cells mix counting units (or currencies for ``aov``).

    Notes
    -----
    Each side is pooled as in :func:`rates`; the sides are treated as independent binomial
    samples :math:`X_a \sim \mathrm{Bin}(N_a, p_a)`, :math:`X_b \sim \mathrm{Bin}(N_b, p_b)`.
    With :math:`z = \Phi^{-1}(1-\alpha/2)`:

    A row is *small* when a side has fewer than 5 successes or 5 failures.

    * Difference (Newcombe 1998b, method 10, "hybrid score"): with Wilson limits
      :math:`(l_a, u_a)`, :math:`(l_b, u_b)` of each side,
      :math:`\hat d - \sqrt{(\hat p_a - l_a)^2 + (u_b - \hat p_b)^2}` to
      :math:`\hat d + \sqrt{(u_a - \hat p_a)^2 + (\hat p_b - l_b)^2}`; small rows use the
      Clopper-Pearson limits of each side in the same formula (``newcombe-exact``).
    * Ratio (Koopman 1984 score; Fagerland, Lydersen & Laake 2015 recommend it): the set of
      :math:`R` whose score statistic :math:`|\hat p_a - R\hat p_b| / \sqrt{\tilde p_a(1-
      \tilde p_a)/N_a + R^2\tilde p_b(1-\tilde p_b)/N_b} \le z`, with :math:`(\tilde p_a =
      R\tilde p_b, \tilde p_b)` the maximum-likelihood estimates under :math:`p_a = R p_b`
      (closed-form quadratic root), found by bisection on :math:`\log R` (equals R PropCIs
      ``riskscoreci``). Small rows: union with the exact conditional interval (given
      :math:`X_a + X_b = t`, :math:`X_a \sim \mathrm{Bin}(t, N_aR/(N_aR + N_b))` for rare
      events; Clopper-Pearson limits mapped to :math:`R`).
    * p-value: the score test at :math:`R = 1` (the pooled two-proportion z-test); small rows
      the larger of it and the exact conditional (doubled smaller tail) p-value. CI excludes 1
      exactly when p < α (checked over every table with :math:`N \le 60` by 300). The
      difference interval belongs to another family; ``pvalue`` always refers to the ratio.

    Exact coverage (95%, all outcomes enumerated, issue 4): ratio and difference intervals
    cover at least 0.94 for every pair of sizes 20-5,000 and rates 1%-15% of the test grid
    (minima 0.942 and 0.943; the former ``log-adjusted`` ratio fell to 0.78 at 30 vs 5,000
    viewers, 1% vs 15%). The viewer-level columns ignore clustering; use the ``clustered_*``
    and ``adjusted_*`` columns for "the next LIVE" questions.

    Clustered and adjusted columns (:mod:`analysis.stats.adjusted`): the ratio solves
    :math:`A - R B = 0` (Mantel-Haenszel: :math:`A = \sum_s x_{as}n_{bs}/N_s`, :math:`B =
    \sum_s x_{bs}n_{as}/N_s`; standardisation to group a's mix: :math:`A = \sum_s x_{as}`,
    :math:`B = \sum_s n_{as}x_{bs}/n_{bs}`; the crude ratio is one stratum); its variance is
    the linearisation :math:`\frac{G}{G-1}\sum_g (u_g - \bar u)^2 / A^2` per side over the
    cluster totals :math:`u_g` of each cell's first-order contribution (Binder 1983), with a t
    reference on :math:`\min(G_a, G_b) - 1` df. A seeded clustered A/A (statistics.md A.2,
    ICC 0.02, 30 LIVEs a side) rejects 5.6% at 5% (naive: 52%).

    ``aov``: each side's ratio of sums :math:`R` and delta variance :math:`V` as in
    :func:`rates`; difference :math:`R_a - R_b \pm z\sqrt{V_a + V_b}`; ratio
    :math:`\exp(\log(R_a/R_b) \pm z s)`, :math:`s^2 = V_a/R_a^2 + V_b/R_b^2`, and the p-value
    :math:`2\bar\Phi(|\log(R_a/R_b)|/s)`.

    References
    ----------
    Newcombe RG (1998b). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Stat Med 17:873-890. Koopman PAR (1984).
    Confidence intervals for the ratio of two binomial proportions. Biometrics 40:513-517.
    Mantel N, Haenszel W (1959). J Natl Cancer Inst 22:719-748. Greenland S, Robins JM (1985).
    Biometrics 41:55-68. Binder DA (1983). On the variances of asymptotically normal estimators
    from complex surveys. Int Stat Rev 51:279-292. Fagerland MW, Lydersen S,
    Laake P (2015). Recommended confidence intervals for two independent binomial proportions.
    Stat Methods Med Res 24:224-254. Wilson EB (1927). JASA 22:209-212. Clopper CJ, Pearson ES
    (1934). Biometrika 26:404-413. Cochran WG (1977). Sampling Techniques, 3rd ed. Wiley.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.stats.rates import compare
    >>> cells = pd.DataFrame({"is_live": [True, False], "atc": [70, 10],
    ...                       "viewers": [340, 340], "unit": "visitor"})
    >>> res = compare(cells, cluster=None)
    >>> res[["diff_ci_low", "diff_ci_high", "ratio_ci_low", "ratio_ci_high"]].round(3)
       diff_ci_low  diff_ci_high  ratio_ci_low  ratio_ci_high
    0         0.13         0.225          3.73         13.247
    """
    m = get_metric(metric)
    level = check_level(level)
    by_cols = _by_columns(cells, by, m, COMPARE_COLUMNS)
    if between not in cells.columns:
        raise ValueError(f"`between` names a column the cells do not have: {between!r}.")
    if between in by_cols:
        raise ValueError(f"`between` ({between!r}) cannot also be a `by` column.")
    col = cells[between]
    a, b = _two_groups(col, between, groups)

    na_between = col.isna().to_numpy(dtype=bool)
    side_a = col.eq(a).fillna(False).to_numpy(dtype=bool) & ~na_between
    side_b = col.eq(b).fillna(False).to_numpy(dtype=bool) & ~na_between
    keep = side_a | side_b | na_between
    sub = cells.loc[keep]
    data = _Cells.build(sub, m)
    gid, keys, ngroups = _groups(sub, by_cols)
    in_a, in_b = side_a[keep], side_b[keep]
    pa = _pool(data.subset(in_a), gid[in_a], ngroups)
    pb = _pool(data.subset(in_b), gid[in_b], ngroups)
    n_na = np.bincount(gid[na_between[keep]], minlength=ngroups)
    units = [tuple(sorted(set(ua) | set(ub))) for ua, ub in zip(pa.units, pb.units, strict=True)]
    _refuse_mixed_units(units, keys, m, f"the cells of {between}={a!r} and {between}={b!r}")

    res = _contrast(m, pa, pb, units, level)
    status = res.pop("status")
    names = {"a": "group_a", "b": "group_b"}
    for i in range(ngroups):
        for s, p in (("a", pa), ("b", pb)):
            if p.n_missing[i] > 0:
                status[i] += (
                    f"; {_cells_text(p.n_missing[i])} of {names[s]} excluded: missing {m.numerator} "
                    f"or {m.denominator}"
                )
        if n_na[i] > 0:
            why = f"{between} is NA" + (" (channel ALL)" if between == "is_live" else "")
            status[i] += f"; {_cells_text(n_na[i])} excluded: {why}"

    out = keys.copy()
    out["metric"] = m.name
    if "unit" not in by_cols:  # grouping by unit: that column is the output's unit
        out["unit"] = [_unit_label(u, m) for u in units]
    out["between"] = between
    out["group_a"] = pd.Series([a] * ngroups, dtype=object)
    out["group_b"] = pd.Series([b] * ngroups, dtype=object)
    for s, p in (("a", pa), ("b", pb)):
        out[f"n_cells_{s}"] = p.n_cells
        if m.kind == "proportion":
            out[f"successes_{s}"] = np.rint(p.x).astype(np.int64)
            out[f"trials_{s}"] = np.rint(p.n).astype(np.int64)
        else:
            out[f"successes_{s}"] = p.x
            out[f"trials_{s}"] = p.n
        out[f"rate_{s}"] = res.pop(f"rate_{s}")
    for name, value in res.items():
        out[name] = value
    out["level"] = level
    out["status"] = status.astype(str)
    inference = _inference(
        sub, m, data, gid, ngroups, in_a, in_b, out, level=level, adjust=adjust,
        adjust_method=adjust_method, cluster=cluster,
    )  # fmt: skip
    for name in INFERENCE_COLUMNS:
        out[name] = inference[name]
    return out[_output_columns(by_cols, COMPARE_COLUMNS)].reset_index(drop=True)


def _inference(sub, m, data, gid, ngroups, in_a, in_b, out, *, level, adjust, adjust_method,
               cluster) -> dict:  # fmt: skip
    """Clustered crude ratio, design effects and adjusted ratio of every ``by`` group."""
    from analysis.stats.adjusted import FEW_CLUSTERS, ratio_fit
    from analysis.stats.clusters import cluster_ids, cluster_label

    check_argument("adjust_method", ADJUST_METHODS, adjust_method)
    adj = [] if adjust is None else [adjust] if isinstance(adjust, str) else list(adjust)
    missing = [c for c in adj if c not in sub.columns]
    if missing:
        raise ValueError(f"`adjust` names columns the cells do not have: {missing}.")
    cols = [] if cluster is None else [cluster] if isinstance(cluster, str) else list(cluster)
    if len(cols) > 1:
        raise ValueError("compare() clusters on one column; use glm() for two-way clustering.")
    absent = [c for c in cols if c not in sub.columns]
    if absent and cluster != "content_id":
        raise ValueError(f"`cluster` names a column the cells do not have: {absent[0]!r}.")
    res = {name: np.full(ngroups, np.nan) for name in INFERENCE_COLUMNS}
    for name in ("n_clusters_a", "n_clusters_b", "n_strata"):
        res[name] = pd.array([pd.NA] * ngroups, dtype="Int64")
    res["cluster"] = cluster_label(cluster)
    res["adjust"] = " x ".join(adj) if adj else "none"
    res["clustered_method"] = ""
    res["adjusted_method"] = ""
    res["simpson"] = pd.array([pd.NA] * ngroups, dtype="boolean")
    status = np.full(ngroups, "ok", dtype=object)
    if m.kind != "proportion":
        res["inference_status"] = np.full(
            ngroups,
            "undefined: clustered and adjusted contrasts are for proportions",
            dtype=object,
        )
        return res
    if absent:
        res["inference_status"] = np.full(
            ngroups, "undefined: the cells have no 'content_id' column (pass cluster=None for "
            "viewer-level inference, or name the cluster column)", dtype=object)  # fmt: skip
        return res
    ok = data.complete & (in_a | in_b)
    clusters = cluster_ids(sub, cluster)
    strata = (
        sub[adj].astype("string").fillna("<NA>").groupby(adj, sort=False).ngroup().to_numpy()
        if adj else np.zeros(len(sub), dtype=np.intp)
    )  # fmt: skip
    from scipy import stats

    ref = "z" if cluster is None else "t"
    unit = (
        "viewers independent"
        if cluster is None
        else (f"clusters = {cluster_label(cluster)} (NA: product x day)")
    )
    for i in range(ngroups):
        sel = ok & (gid == i)
        valid = str(out["status"].iloc[i]).startswith(("ok", "small cell", "no successes"))
        if not valid or not (sel & in_a).any() or not (sel & in_b).any():
            status[i] = "undefined: " + ("the crude comparison is undefined" if not valid
                                         else "a group has no cells")  # fmt: skip
            continue
        cl = None if clusters is None else clusters[sel]
        fits = {}
        for kind, st, meth in (("crude", np.zeros(sel.sum(), np.intp), "mantel-haenszel"),
                               ("adjusted", strata[sel], adjust_method)):  # fmt: skip
            if kind == "adjusted" and not adj:
                continue
            st = pd.factorize(st)[0]
            fits[kind] = ratio_fit(data.x[sel], data.n[sel], in_a[sel], st, cl, method=meth)
        notes = []
        for kind, f in fits.items():
            q = stats.norm.ppf((1 + level) / 2) if ref == "z" else stats.t.ppf((1 + level) / 2,
                                                                             f.df)  # fmt: skip
            defined = np.isfinite(f.se_log) and f.se_log > 0 and f.ratio > 0 and np.isfinite(q)
            lo = np.exp(np.log(f.ratio) - q * f.se_log) if defined else np.nan
            hi = np.exp(np.log(f.ratio) + q * f.se_log) if defined else np.nan
            if defined:
                tstat = np.log(f.ratio) / f.se_log
                p = 2 * (stats.norm.sf(abs(tstat)) if ref == "z" else stats.t.sf(abs(tstat), f.df))
            else:
                p = np.nan
            df_txt = "" if ref == "z" else f"({f.df:g})"
            if kind == "crude":
                res["clustered_ratio_ci_low"][i], res["clustered_ratio_ci_high"][i] = lo, hi
                res["clustered_pvalue"][i] = p
                res["n_clusters_a"][i], res["n_clusters_b"][i] = f.n_clusters_a, f.n_clusters_b
                res["design_effect"][i] = f.deff
                # a design effect of 0 (no successes: no variance to compare) leaves it undefined
                for side, deff in (("a", f.deff_a), ("b", f.deff_b)):
                    res[f"effective_trials_{side}"][i] = (
                        out[f"trials_{side}"].iloc[i] / deff if deff > 0 else np.nan
                    )
                if not defined:
                    notes.append("clustered interval undefined (a zero count or one cluster)")
            else:
                res["adjusted_ratio"][i] = f.ratio
                res["adjusted_ratio_ci_low"][i], res["adjusted_ratio_ci_high"][i] = lo, hi
                res["adjusted_pvalue"][i] = p
                res["n_strata"][i] = f.n_strata
                crude = out["ratio"].iloc[i]
                if np.isfinite(crude) and np.isfinite(f.ratio) and crude != 1 and f.ratio != 1:
                    res["simpson"][i] = (crude > 1) != (f.ratio > 1)
                if f.trials_dropped_a > 0:
                    share = f.trials_dropped_a / out["trials_a"].iloc[i]
                    notes.append(f"{share:.1%} of group_a trials in strata without group_b: "
                                 "left out of the adjusted ratio")  # fmt: skip
                if not defined:
                    notes.append("adjusted interval undefined (zero counts or one cluster)")
            meth_txt = f"log-linearised, {unit}, {ref}{df_txt}"
            res["clustered_method" if kind == "crude" else "adjusted_method"] = (
                meth_txt if kind == "crude" else f"{adjust_method}; {meth_txt}"
            )
        f = fits["crude"]
        few = min(f.n_clusters_a, f.n_clusters_b)
        if cluster is not None and few < FEW_CLUSTERS:
            side = "group_a" if f.n_clusters_a <= f.n_clusters_b else "group_b"
            notes.insert(0, f"few clusters: {few} in {side} (< {FEW_CLUSTERS}), t({few - 1}) "
                         "reference; intervals may still be too narrow")  # fmt: skip
        if cluster is None:
            notes.insert(0, "not clustered: viewers treated as independent")
        if res["simpson"][i] is not pd.NA and bool(res["simpson"][i]):
            notes.append("Simpson: crude and adjusted ratios on opposite sides of 1")
        status[i] = "; ".join(notes) if notes else "ok"
    res["inference_status"] = status.astype(str)
    for name in ("clustered_method", "adjusted_method"):
        if isinstance(res[name], str):
            res[name] = np.full(ngroups, res[name], dtype=object)
    res["adjusted_lift"] = res["adjusted_ratio"] - 1
    res["adjusted_lift_ci_low"] = res["adjusted_ratio_ci_low"] - 1
    res["adjusted_lift_ci_high"] = res["adjusted_ratio_ci_high"] - 1
    return res


def _contrast(m: Metric, pa: _Pooled, pb: _Pooled, units, level: float) -> dict:
    ngroups = len(pa.x)
    nan = np.full(ngroups, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_a = np.where(pa.n > 0, pa.x / pa.n, np.nan)
        rate_b = np.where(pb.n > 0, pb.x / pb.n, np.nan)
        diff = rate_a - rate_b
        ratio = np.where(rate_b > 0, rate_a / rate_b, np.nan)
    out = {
        "rate_a": rate_a, "rate_b": rate_b,
        "diff": diff, "diff_ci_low": nan.copy(), "diff_ci_high": nan.copy(), "diff_method": "",
        "ratio": ratio, "ratio_ci_low": nan.copy(), "ratio_ci_high": nan.copy(),
        "ratio_method": "", "lift": ratio - 1, "lift_ci_low": nan.copy(),
        "lift_ci_high": nan.copy(), "pvalue": nan.copy(), "pvalue_method": "",
    }  # fmt: skip
    status = np.empty(ngroups, dtype=object)
    sides = (("group_a", pa), ("group_b", pb))

    def which(flags) -> str:
        return " and ".join(name for (name, _), f in zip(sides, flags, strict=True) if f)

    if m.kind == "proportion":
        binomial = np.array([bool(u) and u[0] in BINOMIAL_UNITS for u in units], dtype=bool)
        valid = (pa.n > 0) & (pb.n > 0) & (pa.n_bad == 0) & (pb.n_bad == 0) & binomial
        diff_m = np.full(ngroups, "none", dtype=object)
        ratio_m = np.full(ngroups, "none", dtype=object)
        if valid.any():
            k = _two_proportions(pa.x[valid], pa.n[valid], pb.x[valid], pb.n[valid], level)
            out["diff_ci_low"][valid], out["diff_ci_high"][valid] = k["diff_lo"], k["diff_hi"]
            out["ratio_ci_low"][valid], out["ratio_ci_high"][valid] = k["ratio_lo"], k["ratio_hi"]
            out["pvalue"][valid] = k["pvalue"]
            diff_m[valid] = np.where(k["small"], "newcombe-exact", "newcombe")
            ratio_m[valid] = np.where(k["small"], "score+exact", "score")
        out.update(diff_method=diff_m, ratio_method=ratio_m, pvalue_method=ratio_m.copy())
        bad_what = (
            f"{m.numerator} exceed {m.denominator}"
            if m.complement
            else ("successes exceed trials")
        )
        for i in range(ngroups):
            empty = [p.n[i] <= 0 for _, p in sides]
            bad = [p.n_bad[i] > 0 for _, p in sides]
            zero = [p.n[i] > 0 and p.x[i] == 0 for _, p in sides]
            small = [
                p.n[i] > 0 and p.x[i] > 0 and (p.x[i] < SMALL_CELL or p.n[i] - p.x[i] < SMALL_CELL)
                for _, p in sides
            ]
            if any(empty):
                status[i] = f"undefined: no {m.denominator} in {which(empty)}"
            elif not binomial[i]:
                status[i] = f"undefined: unit {units[i][0]!r} is not binomial"
            elif any(bad):
                status[i] = f"undefined: {bad_what} in {which(bad)}"
            elif zero[1]:
                status[i] = (
                    f"no successes in {which(zero)}: ratio and lift undefined; their intervals "
                    "(upper limit infinite) and the p-value are defined"
                )
            elif zero[0]:
                status[i] = "no successes in group_a: ratio 0, lower limit 0"
            else:
                status[i] = "ok"
            if valid[i] and any(small):
                status[i] += f"; small cell in {which(small)}: fewer than 5 successes or failures"
            if not valid[i]:
                out["diff"][i] = np.nan
                out["ratio"][i] = np.nan
                out["lift"][i] = np.nan
    else:
        out.update(diff_method="delta", ratio_method="delta-log", pvalue_method="delta-log")
        z = _z(level)
        va, vb = pa.var, pb.var
        se_d = np.sqrt(va + vb)
        ok_d = np.isfinite(se_d)
        out["diff_ci_low"][ok_d] = diff[ok_d] - z * se_d[ok_d]
        out["diff_ci_high"][ok_d] = diff[ok_d] + z * se_d[ok_d]
        with np.errstate(divide="ignore", invalid="ignore"):
            se_l = np.sqrt(va / rate_a**2 + vb / rate_b**2)
            log_r = np.log(rate_a / rate_b)
            ok_r = ok_d & (rate_a > 0) & (rate_b > 0) & (se_l > 0)
            out["ratio_ci_low"][ok_r] = np.exp(log_r[ok_r] - z * se_l[ok_r])
            out["ratio_ci_high"][ok_r] = np.exp(log_r[ok_r] + z * se_l[ok_r])
            out["pvalue"][ok_r] = _two_sided_p(log_r[ok_r] / se_l[ok_r])
        for i in range(ngroups):
            empty = [p.n[i] <= 0 for _, p in sides]
            few = [p.n[i] > 0 and p.n_cells[i] < 2 for _, p in sides]
            zero = [p.n[i] > 0 and p.x[i] == 0 for _, p in sides]
            if any(empty):
                status[i] = f"undefined: no {m.denominator} in {which(empty)}"
                out["diff"][i] = out["ratio"][i] = out["lift"][i] = np.nan
            elif any(few):
                status[i] = f"undefined: fewer than 2 cells in {which(few)} (no delta variance)"
            elif any(zero):
                status[i] = f"undefined ratio interval: zero revenue in {which(zero)}"
            elif not ok_r[i]:
                status[i] = "undefined ratio interval: no variation across cells"
            else:
                status[i] = "ok"
    out["lift_ci_low"] = out["ratio_ci_low"] - 1
    out["lift_ci_high"] = out["ratio_ci_high"] - 1
    out["status"] = status
    return out
