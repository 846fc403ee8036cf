r"""Funnel-plot control limits of many group rates, widened for overdispersion.

A proportions funnel plot (Spiegelhalter 2005, R package ``FunnelPlotR``): each group's rate
against control limits that narrow with its number of trials, widened for overdispersion by a
DerSimonian-Laird between-group variance estimated on winsorised z-scores. A group outside the
limits is *unusual for its size*. The limit arithmetic is in pure functions on arrays
(:func:`arcsine_z`, :func:`dersimonian_laird_tau2`, :func:`overdispersed_limits`), so anomaly
detection reuses them with its own targets; :func:`funnel_limits` applies them to the groups of
the cells. :func:`group_proportions` pools the groups for both leaderboards (funnel and
:func:`analysis.stats.shrinkage.shrink`).

References
----------
Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance. Stat Med
24:1185-1202. Spiegelhalter DJ (2005). Handling over-dispersion of performance indicators. Qual
Saf Health Care 14:347-351.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.metrics import get_metric
from analysis.stats.rates import rates
from analysis.status import merge_statuses
from analysis.vocabulary import (
    OVERDISPERSION_METHODS,
    STATUSES,
    check_argument,
    check_level,
    is_undefined,
)
from analysis.vocabulary import status_message as message

__all__ = [
    "FUNNEL_COLUMNS", "MIN_GROUPS", "arcsine_z", "dersimonian_laird_tau2", "funnel_limits",
    "group_proportions", "overdispersed_limits",
]  # fmt: skip

#: Fewer groups with trials than this: no prior is fitted and no overdispersion is estimated.
MIN_GROUPS = 3

#: Columns of :func:`funnel_limits` after the ``by`` columns.
FUNNEL_COLUMNS = (
    "metric", "successes", "trials", "rate", "target", "lower", "upper", "z", "flag",
    "phi", "tau2", "method", "level", "status", "status_message",
)  # fmt: skip


def group_proportions(cells: pd.DataFrame, by: str | Sequence[str], metric: str) -> pd.DataFrame:
    """:func:`analysis.stats.rates.rates` of a proportion metric per ``by`` group (Wilson).

    Viewer-level (``cluster=None``): the leaderboards' limits are their own (binomial, or with
    the overdispersion between groups), so the ``not_clustered`` note of :func:`rates` is
    dropped from the status. ``ValueError`` for no ``by`` column or a ratio metric (the
    leaderboards are binomial).
    """
    cols = [by] if isinstance(by, str) else list(by)
    if not cols:
        raise ValueError("`by` must name at least one column (the groups to rank).")
    m = get_metric(metric)
    if m.kind != "proportion":
        raise ValueError(
            f"Metric {m.name!r} is a ratio of sums, not a proportion; shrinkage and funnel "
            "limits here are binomial (successes out of trials). Use a proportion metric."
        )
    out = rates(cells, by=cols, metric=m, method="wilson", cluster=None)
    plain = (out["status"] == "not_clustered").to_numpy()
    out.loc[plain, "status"] = "ok"
    out.loc[plain, "status_message"] = message("ok")
    out["status_message"] = out["status_message"].str.removesuffix(
        "; " + STATUSES["not_clustered"]
    )
    return out


def arcsine_z(successes, trials, target: float):
    r"""Arcsine-scale z-scores of proportions against a target (Spiegelhalter 2005).

    :math:`y_i = \arcsin\sqrt{x_i/n_i}`, :math:`y_0 = \arcsin\sqrt{p_0}`,
    :math:`s_i = 1/(2\sqrt{n_i})` and :math:`z_i = (y_i - y_0)/s_i`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(y, s, z)``; NaN where ``trials`` is 0.
    """
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(n > 0, np.arcsin(np.sqrt(np.clip(x / n, 0, 1))), np.nan)
        s = np.where(n > 0, 1 / (2 * np.sqrt(n)), np.nan)
        z = (y - np.arcsin(np.sqrt(target))) / s
    return y, s, z


def dersimonian_laird_tau2(z, s, *, winsorise: float = 0.1) -> tuple[float, float]:
    r"""Overdispersion factor and DerSimonian-Laird between-group variance (Spiegelhalter 2005).

    The z-scores are winsorised at their ``winsorise`` and ``1 - winsorise`` quantiles (R's
    default type-7 quantiles); :math:`\phi = \frac1I \sum_i z_{w,i}^2` over the *I* groups; with
    :math:`w_i = 1/s_i^2`,

    .. math:: \hat\tau^2 = \max\left(0, \frac{I\phi - (I - 1)}
              {\sum w_i - \sum w_i^2 / \sum w_i}\right),

    and 0 when :math:`I\phi < I - 1`.

    Parameters
    ----------
    z, s : array-like
        Unadjusted z-scores and within-group standard errors (NaN entries ignored).
    winsorise : float
        Share winsorised at each end, in [0, 0.5) (FunnelPlotR's ``trim_by``, default 10 %).

    Returns
    -------
    tuple of float
        ``(phi, tau2)``; ``(nan, nan)`` with fewer than :data:`MIN_GROUPS` groups.

    References
    ----------
    D. J. Spiegelhalter, "Handling over-dispersion of performance indicators", *Qual Saf Health
    Care* 14 (2005) 347-351; R package ``FunnelPlotR`` (``winsorisation``, ``phi_func``,
    ``tau_func``).
    """
    if not 0 <= winsorise < 0.5:
        raise ValueError(f"`winsorise` is a share in [0, 0.5); {winsorise!r} was passed.")
    z = np.asarray(z, dtype=float)
    s = np.asarray(s, dtype=float)
    keep = np.isfinite(z) & np.isfinite(s)
    z, s = z[keep], s[keep]
    k = len(z)
    if k < MIN_GROUPS:
        return float("nan"), float("nan")
    lz, uz = np.quantile(z, [winsorise, 1 - winsorise])
    zw = np.clip(z, lz, uz)
    phi = float(np.sum(zw**2) / k)
    w = 1 / s**2
    if k * phi < k - 1:
        return phi, 0.0
    return phi, float(max(0.0, (k * phi - (k - 1)) / (w.sum() - (w**2).sum() / w.sum())))


def overdispersed_limits(target: float, trials, tau2: float, level: float = 0.95):
    r"""Funnel control limits of a proportion at ``trials``, widened by ``tau2`` (arcsine scale).

    :math:`\sin^2\!\left(\arcsin\sqrt{p_0} \pm z_{(1+\text{level})/2}
    \sqrt{1/(4n) + \tau^2}\right)`, the arcsine argument clipped to :math:`[0, \pi/2]` (so the
    limits stay in [0, 1]; FunnelPlotR does not clip, and its lower limit folds back above 0 for
    tiny ``n``). ``tau2 = 0`` gives the plain binomial funnel (normal approximation).

    Parameters
    ----------
    target : float
        The centre line :math:`p_0` (e.g. the pooled rate of all groups).
    trials : array-like
        Denominators at which to evaluate the limits (a grid for drawing, or each group's).
    tau2 : float
        Between-group variance on the arcsine scale (:func:`dersimonian_laird_tau2`).
    level : float
        Coverage of the limits for an in-control group (0.95; 0.998 for "3 sigma").

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)``.
    """
    level = check_level(level)
    n = np.asarray(trials, dtype=float)
    q = float(stats.norm.isf((1 - level) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(1 / (4 * n) + float(tau2))
    y0 = np.arcsin(np.sqrt(float(target)))
    lower = np.sin(np.clip(y0 - q * sd, 0, np.pi / 2)) ** 2
    upper = np.sin(np.clip(y0 + q * sd, 0, np.pi / 2)) ** 2
    return lower, upper


def _statuses(pooled: pd.DataFrame, valid: np.ndarray, n: np.ndarray, denominator: str,
              too_few: bool) -> tuple[list[str], list[str]]:  # fmt: skip
    """Status and message of every group: the pooled rate's, ``undefined_no_viewers`` without
    trials, ``partial`` when overdispersion could not be estimated."""
    codes, texts = [], []
    few = ("partial", message("partial", f"overdispersion not estimated (fewer than {MIN_GROUPS} "
                              f"groups with {denominator}): plain binomial limits"))  # fmt: skip
    for i, (code, text) in enumerate(zip(pooled["status"], pooled["status_message"], strict=True)):
        pairs = [(code, text)]
        if not valid[i] and n[i] == 0:
            pairs = [
                ("undefined_no_viewers", message("undefined_no_viewers", f"no {denominator}"))
            ]
        elif valid[i] and too_few:
            pairs.append(few)
        code, text = merge_statuses(pairs)
        codes.append(code)
        texts.append(text)
    return codes, texts


def funnel_limits(
    cells: pd.DataFrame,
    *,
    by: str | Sequence[str],
    metric: str = "atc_rate",
    level: float = 0.95,
    overdispersion: str = "dersimonian-laird",
    winsorise: float = 0.1,
) -> pd.DataFrame:
    r"""Funnel-plot control limits of each group's rate (FunnelPlotR's proportions method).

    The target :math:`p_0` is the pooled rate of all groups. On the arcsine scale each group has
    :math:`y_i = \arcsin\sqrt{x_i/n_i}` with within-group SE :math:`s_i = 1/(2\sqrt{n_i})`; the
    between-group variance :math:`\tau^2` comes from :func:`dersimonian_laird_tau2` on the
    winsorised z-scores (``overdispersion="dersimonian-laird"``) or is 0 (``"none"``). The
    limits at a group's size are :func:`overdispersed_limits`, its adjusted z-score
    :math:`z_i = (y_i - y_0)/\sqrt{s_i^2 + \tau^2}`, and it is flagged ``above`` / ``below``
    when :math:`|z_i|` exceeds the normal quantile of ``level``.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (not modified).
    by : str or list of str
        The group columns (e.g. ``"creator"``).
    metric : str
        A proportion metric of :data:`analysis.metrics.METRICS`.
    level : float
        Coverage of the limits (0.95 flags about 1 in 20 in-control groups; use 0.998 to flag
        only clear outliers).
    overdispersion : {"dersimonian-laird", "none"}
        How the limits are widened for real between-group differences.
    winsorise : float
        Share of z-scores winsorised at each end before estimating overdispersion (10 %).

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by the ``by`` columns, then :data:`FUNNEL_COLUMNS`:
        ``metric``; ``successes``, ``trials``; ``rate``; ``target`` (:math:`p_0`);
        ``lower``, ``upper`` (limits at the group's trials); ``z`` (overdispersion-adjusted
        z-score); ``flag`` (``above``, ``below``, ``inside``; NA when undefined); ``phi``
        (overdispersion factor of the winsorised z-scores; NaN with ``"none"``); ``tau2``
        (arcsine scale); ``method``; ``level``; ``status`` and ``status_message``: ``ok``;
        ``partial`` (overdispersion not estimated with fewer than 3 groups with trials: plain
        binomial limits); ``undefined_no_viewers`` (no trials); or the code of
        :func:`analysis.stats.rates.rates` (``undefined_not_binomial``, ``partial``, ...).

    References
    ----------
    D. J. Spiegelhalter, "Funnel plots for comparing institutional performance", *Stat Med* 24
    (2005) 1185-1202, and "Handling over-dispersion of performance indicators", *Qual Saf
    Health Care* 14 (2005) 347-351; R package ``FunnelPlotR`` (``data_type = "PR"``). Checked
    against a base-R transcription: ``tests/reference/shrinkage_reference.R``.
    """
    check_argument("overdispersion", OVERDISPERSION_METHODS, overdispersion)
    level = check_level(level)
    pooled = group_proportions(cells, by, metric)
    m = get_metric(metric)
    x = pooled["successes"].to_numpy(dtype=float)
    n = pooled["trials"].to_numpy(dtype=float)
    valid = ~np.array([is_undefined(c) for c in pooled["status"]], dtype=bool) & (n > 0)
    xv, nv = np.where(valid, x, np.nan), np.where(valid, n, np.nan)
    target = float(np.nansum(xv) / np.nansum(nv)) if valid.any() else float("nan")
    y, s, z0 = arcsine_z(xv, nv, target)
    method, phi, tau2 = "arcsine funnel", float("nan"), 0.0
    if overdispersion == "dersimonian-laird":
        method = f"arcsine funnel, dersimonian-laird tau2 ({100 * winsorise:g}% winsorised z)"
        phi, tau2 = dersimonian_laird_tau2(z0, s, winsorise=winsorise)
    too_few = bool(np.isnan(tau2))
    tau2 = 0.0 if too_few else tau2
    lower, upper = overdispersed_limits(target, nv, tau2, level) if valid.any() else (s, s)
    z = (y - np.arcsin(np.sqrt(target))) / np.sqrt(s**2 + tau2)
    q = float(stats.norm.isf((1 - level) / 2))
    flag = np.where(z > q, "above", np.where(z < -q, "below", "inside")).astype(object)
    flag[~valid] = None
    out = pooled[[by] if isinstance(by, str) else list(by)].copy()
    out["metric"] = m.name
    for col in ("successes", "trials", "rate"):
        out[col] = pooled[col].to_numpy()
    out["target"] = target
    out["lower"], out["upper"] = np.where(valid, lower, np.nan), np.where(valid, upper, np.nan)
    out["z"] = np.where(valid, z, np.nan)
    out["flag"] = pd.array(flag, dtype="string")
    out["phi"], out["tau2"], out["method"], out["level"] = phi, tau2, method, level
    out["status"], out["status_message"] = _statuses(pooled, valid, n, m.denominator, too_few)
    return out.reset_index(drop=True)
