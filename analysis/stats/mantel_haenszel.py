r"""Mantel-Haenszel ratios: Greenland-Robins / Robins-Breslow-Greenland variances, cluster jackknife.

Side ``a`` (exposed, e.g. LIVE) against side ``b`` over strata ``s`` (hour x category, say) with
side totals :math:`x_{as}, n_{as}, x_{bs}, n_{bs}` (successes, trials) and
:math:`N_s = n_{as} + n_{bs}`; only strata with trials on both sides enter.

* :func:`greenland_robins`: the Mantel-Haenszel risk ratio with the Greenland-Robins (1985)
  variance of its log, valid when strata are many and sparse or few and large, viewers
  independent.
* :func:`robins_breslow_greenland`: the Mantel-Haenszel odds ratio with the Robins, Breslow &
  Greenland (1986) variance of its log (what R ``mantelhaen.test`` uses for its interval).
* :func:`jackknife_log_ratio`: the clustered version. Viewers of one LIVE share its mood, so the
  LIVE (cluster) is the unit: the delete-one-cluster jackknife of the log of the adjusted ratio
  (Mantel-Haenszel or standardisation, the estimators of
  :func:`analysis.stats.adjusted.ratio_fit`), with a :math:`t(\min(G_a, G_b) - 1)` reference.

References
----------
Mantel N, Haenszel W (1959). Statistical aspects of the analysis of data from retrospective
studies of disease. J Natl Cancer Inst 22:719-748. Greenland S, Robins JM (1985). Estimation of
a common effect parameter from sparse follow-up data. Biometrics 41:55-68. Robins J, Breslow N,
Greenland S (1986). Estimators of the Mantel-Haenszel variance consistent in both sparse data
and large-strata limiting models. Biometrics 42:311-323. Efron B, Stein C (1981). The jackknife
estimate of variance. Ann Stat 9:586-596. Rothman KJ, Greenland S, Lash TL (2008). Modern
Epidemiology, 3rd ed., ch. 15.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.vocabulary import ADJUST_METHODS, check_argument, check_status

__all__ = [
    "JackknifeRatio", "greenland_robins", "jackknife_log_ratio", "robins_breslow_greenland",
    "stratum_terms",
]  # fmt: skip


@dataclass(frozen=True)
class JackknifeRatio:
    """Delete-one-cluster jackknife of a log adjusted ratio.

    ``ratio`` is the full-data estimate, ``se_log`` the jackknife SE of its log (NaN when
    undefined), ``df`` :math:`\\min(G_a, G_b) - 1`. ``status`` is ``"ok"`` or the
    :data:`analysis.vocabulary.STATUSES` code saying why ``se_log`` is NaN, ``detail`` the words:
    ``undefined_no_successes`` (the full ratio is 0, infinite or NaN), ``undefined_too_few`` (a
    side has fewer than 2 clusters: no spread between clusters to measure),
    ``undefined_not_estimable`` (leaving one cluster out leaves the ratio undefined; ``detail``
    counts such clusters).
    """

    ratio: float
    se_log: float
    df: float
    n_clusters_a: int
    n_clusters_b: int
    status: str = "ok"
    detail: str = ""


def _totals(x, n, side_a, strata) -> tuple[np.ndarray, ...]:
    x, n = np.asarray(x, float), np.asarray(n, float)
    a, s = np.asarray(side_a, bool), np.asarray(strata, np.intp)
    S = int(s.max()) + 1 if len(s) else 0

    def tot(v: np.ndarray, m: np.ndarray) -> np.ndarray:
        return np.bincount(s[m], weights=v[m], minlength=S)

    return tot(x, a), tot(n, a), tot(x, ~a), tot(n, ~a)


def stratum_terms(xa, na, xb, nb, method: str) -> tuple[np.ndarray, np.ndarray]:
    r"""Per-stratum numerator and denominator terms :math:`(A_s, B_s)`, :math:`\hat R = \sum A_s /
    \sum B_s`.

    Mantel-Haenszel: :math:`A_s = x_{as} n_{bs}/N_s`, :math:`B_s = x_{bs} n_{as}/N_s`;
    standardisation to side a's mix: :math:`A_s = x_{as}`, :math:`B_s = n_{as} x_{bs}/n_{bs}`.
    Strata without trials on both sides give 0 (the equation of
    :func:`analysis.stats.adjusted.ratio_fit`). Arrays of any (matching) shape.
    """
    xa, na, xb, nb = (np.asarray(v, float) for v in (xa, na, xb, nb))
    both = (na > 0) & (nb > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "mantel-haenszel":
            N = na + nb
            A, B = xa * nb / N, xb * na / N
        else:
            A, B = xa, na * xb / nb
    return np.where(both, A, 0.0), np.where(both, B, 0.0)


def _log_ratio(A, B) -> np.ndarray:
    A, B = np.asarray(A, float), np.asarray(B, float)
    ok = (A > 0) & (B > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, np.log(np.where(ok, A, 1.0) / np.where(ok, B, 1.0)), np.nan)


def jackknife_log_ratio(
    x: np.ndarray,
    n: np.ndarray,
    side_a: np.ndarray,
    strata: np.ndarray,
    clusters: np.ndarray,
    *,
    method: str,
) -> JackknifeRatio:
    r"""Adjusted ratio of side a over side b with the delete-one-cluster jackknife SE of its log.

    Parameters
    ----------
    x, n : arrays
        Successes and trials per cell.
    side_a : bool array
        True for side ``a`` cells (LIVE), False for side ``b``.
    strata : int array
        Stratum id 0..S-1 of every cell (all 0 for the crude ratio).
    clusters : int array
        Cluster id of every cell (LIVE; off-live product x day). A cluster is left out with all
        its cells, on whichever side.
    method : {"mantel-haenszel", "standardisation"}
        The adjusted ratio (:func:`stratum_terms`).

    Returns
    -------
    JackknifeRatio
        With :math:`\hat\theta_{(g)} = \log\hat R_{(g)}` the log ratio without cluster ``g``
        (:math:`G` clusters of both sides) and :math:`\bar\theta` their mean,

        .. math:: \widehat{\mathrm{Var}}(\log\hat R) = \frac{G-1}{G}\sum_{g=1}^{G}
                  (\hat\theta_{(g)} - \bar\theta)^2,

        reference :math:`t(\min(G_a, G_b) - 1)`. NaN SE with a status when undefined
        (:class:`JackknifeRatio`).

    Notes
    -----
    Leaving a cluster out changes only the strata it has cells in, so every deletion costs
    the (cluster, stratum) pairs it touches: :math:`\sum A_{(g)} = \sum_s A_s - \sum_{s \ni g}
    (A_s - A_s^{(-g)})`, all deletions at once with ``bincount``.

    References
    ----------
    Efron B, Stein C (1981). The jackknife estimate of variance. Ann Stat 9:586-596. Cameron AC,
    Miller DL (2015). A practitioner's guide to cluster-robust inference. J Hum Resour
    50:317-372, sec. VI. Greenland S, Robins JM (1985). Biometrics 41:55-68.
    """
    check_argument("method", ADJUST_METHODS, method)
    x, n = np.asarray(x, float), np.asarray(n, float)
    a, s = np.asarray(side_a, bool), np.asarray(strata, np.intp)
    g = pd.factorize(np.asarray(clusters), use_na_sentinel=False)[0]  # hashing: ids 0..G-1
    G = int(g.max()) + 1 if len(g) else 0
    Ga = int(np.count_nonzero(np.bincount(g[a], minlength=G)))
    Gb = int(np.count_nonzero(np.bincount(g[~a], minlength=G)))
    xa, na, xb, nb = _totals(x, n, a, s)
    A_s, B_s = stratum_terms(xa, na, xb, nb, method)
    A, B = float(A_s.sum()), float(B_s.sum())
    theta = float(_log_ratio(A, B))
    ratio = A / B if B > 0 else float("nan")

    def result(se: float, status: str = "ok", detail: str = "") -> JackknifeRatio:
        return JackknifeRatio(ratio, se, float(min(Ga, Gb) - 1), Ga, Gb, check_status(status),
                              detail)  # fmt: skip

    nan = float("nan")
    if not np.isfinite(theta):
        return result(nan, "undefined_no_successes", "no successes on a side in comparable strata")
    if min(Ga, Gb) < 2:
        side = "a" if Ga < 2 else "b"
        return result(nan, "undefined_too_few",
                      f"{min(Ga, Gb)} cluster on side {side}: no spread between clusters to measure")  # fmt: skip
    # (cluster, stratum) pairs and their totals per side
    S = len(xa)
    pinv, pair = pd.factorize(g * S + s)
    pg, ps = pair // S, pair % S

    def ptot(v: np.ndarray, m: np.ndarray) -> np.ndarray:
        return np.bincount(pinv[m], weights=v[m], minlength=len(pair))

    dA, dB = stratum_terms(xa[ps] - ptot(x, a), na[ps] - ptot(n, a), xb[ps] - ptot(x, ~a),
                           nb[ps] - ptot(n, ~a), method)  # fmt: skip
    A_g = A - np.bincount(pg, weights=A_s[ps] - dA, minlength=G)
    B_g = B - np.bincount(pg, weights=B_s[ps] - dB, minlength=G)
    th = _log_ratio(A_g, B_g)
    bad = ~np.isfinite(th)
    if bad.any():
        return result(nan, "undefined_not_estimable",
                      f"leaving out {int(bad.sum())} of {G} clusters leaves no successes or no "
                      "comparable stratum on a side")  # fmt: skip
    se = float(np.sqrt((G - 1) / G * np.sum((th - th.mean()) ** 2)))
    return result(se)


def greenland_robins(x, n, side_a, strata) -> tuple[float, float]:
    r"""Mantel-Haenszel risk ratio of side a over b and the Greenland-Robins SE of its log.

    .. math:: \hat R = \frac{\sum_s x_{as} n_{bs}/N_s}{\sum_s x_{bs} n_{as}/N_s}, \quad
              \widehat{\mathrm{Var}}(\log\hat R) = \frac{\sum_s (n_{as} n_{bs} (x_{as} + x_{bs})
              - x_{as} x_{bs} N_s)/N_s^2}{(\sum_s x_{as} n_{bs}/N_s)(\sum_s x_{bs} n_{as}/N_s)}

    over strata with trials on both sides; viewers independent (no clustering). NaN SE when
    either sum is 0.

    References
    ----------
    Greenland S, Robins JM (1985). Estimation of a common effect parameter from sparse follow-up
    data. Biometrics 41:55-68, eq. (13). Rothman KJ, Greenland S, Lash TL (2008). Modern
    Epidemiology, 3rd ed., ch. 15, eq. 15-19.
    """
    xa, na, xb, nb = _totals(x, n, side_a, strata)
    both = (na > 0) & (nb > 0)
    xa, na, xb, nb = xa[both], na[both], xb[both], nb[both]
    N = na + nb
    R_num, R_den = float(np.sum(xa * nb / N)), float(np.sum(xb * na / N))
    v_num = float(np.sum((na * nb * (xa + xb) - xa * xb * N) / N**2))
    if not (R_num > 0 and R_den > 0):
        return (R_num / R_den if R_den > 0 else float("nan")), float("nan")
    return R_num / R_den, float(np.sqrt(v_num / (R_num * R_den)))


def robins_breslow_greenland(x, n, side_a, strata) -> tuple[float, float]:
    r"""Mantel-Haenszel odds ratio of side a over b and the Robins-Breslow-Greenland SE of its log.

    Per stratum :math:`a = x_a, b = n_a - x_a, c = x_b, d = n_b - x_b`, :math:`R_s = ad/N_s`,
    :math:`S_s = bc/N_s`, :math:`P_s = (a+d)/N_s`, :math:`Q_s = (b+c)/N_s`; :math:`\hat{OR} =
    \sum R_s / \sum S_s` and

    .. math:: \widehat{\mathrm{Var}}(\log\hat{OR}) = \frac{\sum P_s R_s}{2 R_+^2} +
              \frac{\sum (P_s S_s + Q_s R_s)}{2 R_+ S_+} + \frac{\sum Q_s S_s}{2 S_+^2}.

    The interval of R ``mantelhaen.test`` (``tests/reference/mantel_haenszel.R``).

    References
    ----------
    Robins J, Breslow N, Greenland S (1986). Estimators of the Mantel-Haenszel variance
    consistent in both sparse data and large-strata limiting models. Biometrics 42:311-323.
    """
    xa, na, xb, nb = _totals(x, n, side_a, strata)
    both = (na > 0) & (nb > 0)
    a, c = xa[both], xb[both]
    b, d, N = na[both] - a, nb[both] - c, na[both] + nb[both]
    R, S, P, Q = a * d / N, b * c / N, (a + d) / N, (b + c) / N
    Rp, Sp = float(R.sum()), float(S.sum())
    if not (Rp > 0 and Sp > 0):
        return (Rp / Sp if Sp > 0 else float("nan")), float("nan")
    var = (
        np.sum(P * R) / (2 * Rp**2)
        + np.sum(P * S + Q * R) / (2 * Rp * Sp)
        + np.sum(Q * S) / (2 * Sp**2)
    )
    return Rp / Sp, float(np.sqrt(var))
