r"""Adjusted and clustered two-group rate ratios, design effects, covariate balance.

The kernels behind the clustered and adjusted columns of :func:`analysis.stats.rates.compare`, and
:func:`balance` (the live vs non-live mix of hours, categories, creators, promotions).

One estimating equation covers the crude ratio and both adjusted ratios. With strata ``s``
(the distinct values of the ``adjust`` columns; one stratum when there is none), side totals
:math:`x_{as}, n_{as}, x_{bs}, n_{bs}` and :math:`N_s = n_{as} + n_{bs}`, the rate ratio
:math:`R` solves :math:`U(R) = A - R B = 0` with

* Mantel-Haenszel (1959; Greenland & Robins 1985):
  :math:`A = \sum_s x_{as} n_{bs}/N_s`, :math:`B = \sum_s x_{bs} n_{as}/N_s`;
* standardisation to group ``a``'s mix (indirect standardisation, the SMR):
  :math:`A = \sum_s x_{as}`, :math:`B = \sum_s n_{as} x_{bs}/n_{bs}` (strata with
  :math:`n_{bs} > 0`).

Both are "observed over expected" ratios. Their variance is by linearisation (the sandwich /
delta method of a ratio of sums, Binder 1983): each cell adds its first-order contribution to
:math:`U(\hat R)`, contributions are summed within clusters :math:`g` (LIVE room, video, or
product x day), and :math:`\widehat{\mathrm{Var}}(\log\hat R) = \frac{G}{G-1}\sum_g u_g^2 / A^2`
per side (sides summed). Without clustering, each viewer is a unit (Bernoulli contributions),
which reproduces the binomial variance. The reference is a t distribution with
:math:`\min(G_a, G_b) - 1` degrees of freedom (conservative Welch-type choice with few LIVEs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "BALANCE_COLUMNS", "FEW_CLUSTERS", "RatioFit", "balance", "ratio_fit", "with_expected_counts",
]  # fmt: skip

#: Fewer clusters than this on a side: the status warns that cluster-robust intervals may be too
#: narrow (Cameron & Miller 2015 sec. VI: with a few dozen clusters, CR1 with a t reference can
#: still over-reject).
FEW_CLUSTERS = 30

#: Columns of :func:`balance`.
BALANCE_COLUMNS = (
    "covariate", "value", "trials_a", "trials_b", "share_a", "share_b", "share_diff",
    "std_diff",
)  # fmt: skip


@dataclass
class RatioFit:
    """One group's adjusted (or crude) ratio: estimate, log-scale SE, df, design effects."""

    ratio: float
    se_log: float
    df: float
    n_clusters_a: int
    n_clusters_b: int
    n_strata: int  # strata with both sides present
    n_strata_dropped: int  # strata with one side only (no comparison)
    trials_dropped_a: float  # trials of group a in dropped strata
    deff_a: float  # clustered / binomial variance of group a's part of U
    deff_b: float
    deff: float  # clustered / binomial variance of log R


def _sum_by(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(keys, weights=values, minlength=size)


def ratio_fit(
    x: np.ndarray,
    n: np.ndarray,
    side_a: np.ndarray,
    strata: np.ndarray,
    clusters: np.ndarray | None,
    *,
    method: str,
) -> RatioFit:
    """Crude / adjusted ratio of group a (``side_a``) over group b, with its linearised SE.

    Parameters
    ----------
    x, n : arrays
        Successes and trials per cell (complete cells only).
    side_a : bool array
        True for group ``a`` cells, False for group ``b``.
    strata : int array
        Stratum id 0..S-1 of every cell (all 0 for the crude ratio).
    clusters : int array or None
        Cluster id of every cell; None: viewers are the independent units.
    method : {"mantel-haenszel", "standardisation"}
    """
    x = np.asarray(x, float)
    n = np.asarray(n, float)
    a = np.asarray(side_a, bool)
    s = np.asarray(strata, np.intp)
    S = int(s.max()) + 1 if len(s) else 0
    xa, na = _sum_by(s[a], x[a], S), _sum_by(s[a], n[a], S)
    xb, nb = _sum_by(s[~a], x[~a], S), _sum_by(s[~a], n[~a], S)
    both = (na > 0) & (nb > 0)
    N = na + nb
    nan = float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "mantel-haenszel":
            wa = np.where(both, nb / N, 0.0)  # weight of a-side successes in A
            wb = np.where(both, na / N, 0.0)  # weight of b-side successes in B
            A, B = float(np.sum(xa * wa)), float(np.sum(xb * wb))
        else:
            wa = np.where(both, 1.0, 0.0)
            pb = np.where(both, xb / nb, 0.0)
            A, B = float(np.sum(xa * wa)), float(np.sum(na * pb))
    R = A / B if B > 0 else nan
    # first-order contributions of every cell to U(R) = A - R B (Binder 1983)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "mantel-haenszel":
            # U_s = (xa nb - R xb na) / N with N = na + nb: partial derivatives per cell
            Ns = np.where(N > 0, N, 1.0)
            Us = np.where(both, (xa * nb - R * xb * na) / Ns, 0.0)
            ca_x, ca_n = wa, np.where(both, (-R * xb - Us) / Ns, 0.0)
            cb_x, cb_n = -R * wb, np.where(both, (xa - Us) / Ns, 0.0)
        else:
            # U_s = xa - R na xb / nb
            f = np.where(both, na / nb, 0.0)
            ca_x, ca_n = wa, -R * pb
            cb_x, cb_n = -R * f, R * f * pb
        pa_s = np.where(na > 0, xa / na, 0.0)
        pb_s = np.where(nb > 0, xb / nb, 0.0)
    cx = np.where(a, ca_x[s], cb_x[s])
    cn = np.where(a, ca_n[s], cb_n[s])
    u = cx * x + cn * n  # contribution of each cell
    # binomial variance (trials fixed, viewers independent): cx^2 n p (1 - p), p of the stratum
    p_cell = np.where(a, pa_s[s], pb_s[s])
    var_bin_cell = cx**2 * n * p_cell * (1 - p_cell)

    def side_var(mask):
        vb = float(np.sum(var_bin_cell[mask]))
        if clusters is None:
            return vb, vb, int(np.sum(n[mask] > 0))
        g = np.asarray(clusters)[mask]
        _, inv = np.unique(g, return_inverse=True)
        G = int(inv.max()) + 1 if len(inv) else 0
        ug = _sum_by(inv, u[mask], G)
        ug = ug - ug.mean() if G else ug  # variance of a total over G sampled clusters
        vc = G / (G - 1) * float(np.sum(ug**2)) if G > 1 else nan
        return vc, vb, G

    va, vba, Ga = side_var(a)
    vb_, vbb, Gb = side_var(~a)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = float(np.sqrt((va + vb_) / A**2)) if A > 0 else nan
        deff = (va + vb_) / (vba + vbb) if (vba + vbb) > 0 else nan
        deff_a = va / vba if vba > 0 else nan
        deff_b = vb_ / vbb if vbb > 0 else nan
    df = float("inf") if clusters is None else float(min(Ga, Gb) - 1)
    return RatioFit(
        ratio=R, se_log=se, df=df, n_clusters_a=Ga, n_clusters_b=Gb,
        n_strata=int(both.sum()), n_strata_dropped=int(((na > 0) | (nb > 0)).sum() - both.sum()),
        trials_dropped_a=float(na[~both].sum()), deff_a=deff_a, deff_b=deff_b, deff=deff,
    )  # fmt: skip


def balance(
    cells: pd.DataFrame,
    *,
    between: str = "is_live",
    covariates: Sequence[str] = ("hour", "category", "promo", "age_group", "gender"),
    weight: str = "viewers",
    groups: tuple | None = None,
) -> pd.DataFrame:
    r"""Mix of each covariate in the two groups (live vs non-live), weighted by viewers.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells. Not modified.
    between : str
        The grouping column (default ``is_live``: ``a`` = True, ``b`` = False).
    covariates : list of str
        Columns whose distribution is compared (NA is its own value, shown as ``<NA>``).
    weight : str
        Count column weighting each cell (default ``viewers``, the ATC denominator).
    groups : tuple (a, b), optional
        The two ``between`` values; default ``(True, False)`` or the two sorted values.

    Returns
    -------
    pandas.DataFrame
        :data:`BALANCE_COLUMNS`, one row per covariate value: ``trials_a``, ``trials_b`` (sum of
        ``weight``), ``share_a``, ``share_b`` (share of the group's weight), ``share_diff``
        (``share_a - share_b``) and ``std_diff``, the standardised difference of the indicator
        :math:`(s_a - s_b)/\sqrt{(s_a(1-s_a) + s_b(1-s_b))/2}` (Austin 2009; above about 0.1 is
        usually read as imbalance).

    References
    ----------
    Austin PC (2009). Balance diagnostics for comparing the distribution of baseline covariates
    between treatment groups in propensity-score matched samples. Stat Med 28:3083-3107.
    """
    from analysis.stats.rates import _two_groups

    if between not in cells.columns:
        raise ValueError(f"`between` names a column the cells do not have: {between!r}.")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    missing = [c for c in [*covariates, weight] if c not in cells.columns]
    if missing:
        raise ValueError(f"`covariates` / `weight` name columns the cells do not have: {missing}.")
    a, b = _two_groups(cells[between], between, groups)
    w = pd.to_numeric(cells[weight], errors="coerce").astype("Float64").fillna(0).astype(float)
    side = cells[between]
    rows = []
    for cov in covariates:
        v = cells[cov].astype("string").fillna("<NA>")
        ta = w[side.eq(a).fillna(False).astype(bool)].groupby(v).sum()
        tb = w[side.eq(b).fillna(False).astype(bool)].groupby(v).sum()
        t = pd.concat({"trials_a": ta, "trials_b": tb}, axis=1).fillna(0.0)
        try:
            order = sorted(t.index, key=lambda z: (z == "<NA>", float(z)))
        except ValueError:
            order = sorted(t.index, key=lambda z: (z == "<NA>", z))
        t = t.loc[order]
        sa = t["trials_a"] / t["trials_a"].sum() if t["trials_a"].sum() else t["trials_a"] * np.nan
        sb = t["trials_b"] / t["trials_b"].sum() if t["trials_b"].sum() else t["trials_b"] * np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            sd = (sa - sb) / np.sqrt((sa * (1 - sa) + sb * (1 - sb)) / 2)
        for val in t.index:
            rows.append({
                "covariate": cov, "value": val, "trials_a": t.at[val, "trials_a"],
                "trials_b": t.at[val, "trials_b"], "share_a": sa[val], "share_b": sb[val],
                "share_diff": sa[val] - sb[val], "std_diff": sd[val],
            })  # fmt: skip
    return pd.DataFrame(rows, columns=list(BALANCE_COLUMNS))


def with_expected_counts(
    cells: pd.DataFrame, expected: pd.DataFrame, *, metric: str = "atc_rate"
) -> pd.DataFrame:
    """Cells whose metric numerator is replaced by its expectation (simulated samples only).

    ``expected`` is :attr:`analysis.sample.truth.Truth.expected` (``row``, ``p_atc``, ``p_order``). The
    numerator of ``atc_rate`` (``atc``) becomes ``viewers * p_atc``, of ``conversion``
    (``orders``) ``viewers * p_order``. Running any estimator of the kit on these cells gives the
    value it targets without binomial noise: the truth to set beside its interval ("like with
    like": the same adjustment, clusters and weights). Returns a new frame.
    """
    column = {"atc_rate": ("atc", "p_atc"), "conversion": ("orders", "p_order")}
    if metric not in column:
        raise ValueError(f"Expected counts are known for {sorted(column)}, not {metric!r}.")
    num, prob = column[metric]
    p = expected.set_index("row")[prob].reindex(cells["row"].astype("int64")).to_numpy()
    viewers = pd.to_numeric(cells["viewers"]).astype("Float64").to_numpy(float, na_value=np.nan)
    return cells.assign(**{num: viewers * p})
