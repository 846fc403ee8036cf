r"""Live / non-live rate ratio of each audience segment, both rates shrunk by empirical Bayes.

Per segment, the LIVE and the non-live rates are each pulled toward their side's typical segment
(:func:`analysis.stats.shrinkage.shrink`, one beta prior per side), and their ratio gets a
Monte-Carlo credible interval, so a small 55+ segment does not headline the report. A ranking
aid: the test that lifts differ is :func:`analysis.analyses.audience.segment_heterogeneity`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.analyses.audience import segment_column_status
from analysis.analyses.statuses import read_status
from analysis.stats.shrinkage import shrink
from analysis.status import Note, combine, note
from analysis.vocabulary import check_level, is_undefined

__all__ = ["LIFT_COLUMNS", "shrunk_lifts"]

#: Columns of :func:`shrunk_lifts` after the ``by`` columns.
LIFT_COLUMNS = (
    "successes_live", "trials_live", "rate_live", "successes_nonlive", "trials_nonlive",
    "rate_nonlive", "ratio", "shrunk_live", "shrunk_nonlive", "shrunk_ratio", "ci_low",
    "ci_high", "method", "level", "status", "status_message",
)  # fmt: skip

#: columns of :func:`analysis.stats.shrinkage.shrink` kept for each side
_KEEP = ("successes", "trials", "rate", "shrunk_rate", "prior_alpha", "prior_beta", "status")


def _shrunk_sides(cells: pd.DataFrame, by: list[str], metric: str, level: float) -> pd.DataFrame:
    """Each segment's LIVE and non-live shrinkage side by side (``_live`` / ``_nonlive``)."""
    sel = cells[cells["is_live"].notna() & cells[by].notna().all(axis=1)]
    is_live = sel["is_live"].astype(bool)
    sides = []
    for part in (sel[is_live], sel[~is_live]):
        s = shrink(part, by=by, metric=metric, level=level)
        message = s["status_message"] if "status_message" in s else pd.Series(None, index=s.index)
        sides.append(s[[*by, *_KEEP]].assign(status_message=message))
    return sides[0].merge(sides[1], on=by, how="outer", suffixes=("_live", "_nonlive"))


def _ratio_intervals(m: pd.DataFrame, level: float, draws: int, seed: int) -> np.ndarray:
    r"""Equal-tailed intervals of ``draws`` ratios of posterior draws, one row per segment.

    :math:`\mathrm{Beta}(\alpha_L + x_L, \beta_L + n_L - x_L) / \mathrm{Beta}(\alpha_N + x_N,
    \beta_N + n_N - x_N)`; NaN where a side has no posterior.
    """

    def col(name: str) -> np.ndarray:
        return m[name].astype("Float64").to_numpy(dtype=float, na_value=np.nan)

    a_l = col("prior_alpha_live") + col("successes_live")
    b_l = col("prior_beta_live") + col("trials_live") - col("successes_live")
    a_n = col("prior_alpha_nonlive") + col("successes_nonlive")
    b_n = col("prior_beta_nonlive") + col("trials_nonlive") - col("successes_nonlive")
    rng = np.random.default_rng(seed)
    out = np.full((len(m), 2), np.nan)
    for i in np.flatnonzero(
        np.isfinite(a_l) & np.isfinite(b_l) & np.isfinite(a_n) & np.isfinite(b_n)
    ):
        ratio = rng.beta(a_l[i], b_l[i], int(draws)) / rng.beta(a_n[i], b_n[i], int(draws))
        out[i] = np.quantile(ratio, [(1 - level) / 2, (1 + level) / 2])
    return out


def _side_status(code: object, message: object, side: str) -> Note:
    if not isinstance(code, str):  # the segment has no cells on this side (outer merge)
        return note("undefined_no_viewers", f"no {side} viewers in this segment")
    found, text = read_status(code, message)
    return found, f"{side}: {text}" if found != "ok" else text


def _lift_status(live: Note, nonlive: Note, interval: bool) -> Note:
    """The worse of the two sides' shrinkage statuses; undefined without an interval."""
    found = combine([live, nonlive])
    if not interval and not is_undefined(found[0]):
        found = combine([found, note("undefined_not_estimable", "no posterior to draw from")])
    return found


def shrunk_lifts(
    cells: pd.DataFrame,
    *,
    by: str | Sequence[str],
    metric: str = "atc_rate",
    level: float = 0.95,
    draws: int = 4000,
    seed: int = 0,
) -> pd.DataFrame:
    r"""Live / non-live rate ratio of each segment, both rates shrunk by empirical Bayes.

    The segments' LIVE rates are shrunk toward each other with one beta prior
    (:func:`analysis.stats.shrinkage.shrink` on the LIVE cells), their non-live rates with
    another. ``shrunk_ratio`` is the ratio of the two posterior means,
    :math:`\frac{(\alpha_L + x_L)/(\alpha_L + \beta_L + n_L)}{(\alpha_N + x_N)/(\alpha_N +
    \beta_N + n_N)}`; its credible interval is the equal-tailed interval of ``draws`` ratios of
    independent posterior draws :math:`\mathrm{Beta}(\alpha_L + x_L, \beta_L + n_L - x_L) /
    \mathrm{Beta}(\alpha_N + x_N, \beta_N + n_N - x_N)` (``numpy.random.default_rng(seed)``).

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (not modified); rows with NA ``is_live`` or NA ``by`` are left out.
    by : str or list of str
        Segment columns (e.g. ``["age_group", "gender"]``: 10 segments; a prior needs at least
        3 segments with viewers on each side).
    metric : str
        A proportion metric.
    level : float
        Credible level.
    draws, seed : int
        Monte-Carlo draws of the ratio and their seed.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then :data:`LIFT_COLUMNS` (``ratio``: raw ratio of the pooled
        rates; lift = ratio - 1). ``status``: the more serious of the two sides' shrinkage
        statuses (``ok`` when both are; the message names the side); ``undefined_no_viewers``
        for a segment with no viewers on a side; ``undefined_too_few`` (fewer than 3 segments
        for a prior, or one segment); ``undefined_not_broken_down`` (a single row) when a
        segment column is not broken down.

    Notes
    -----
    Treats viewers as independent within a segment (no LIVE clustering) and the two sides as
    independent; the prior is fitted to the segments (empirical Bayes), so the interval
    ignores the prior's own uncertainty. A ranking aid, not a test: use
    :func:`analysis.analyses.audience.segment_heterogeneity` for the evidence that lifts differ.

    References
    ----------
    Efron B, Morris C (1975). Data analysis using Stein's estimator and its generalizations.
    J Am Stat Assoc 70:311-319.
    """
    level = check_level(level)
    by_cols = [by] if isinstance(by, str) else list(by)
    for c in by_cols:
        undefined = segment_column_status(cells, c)
        if undefined:
            row = dict.fromkeys(by_cols, pd.NA) | {"level": level, "status": undefined[0],
                                                   "status_message": undefined[1]}  # fmt: skip
            return pd.DataFrame([row], columns=[*by_cols, *LIFT_COLUMNS])
    m = _shrunk_sides(cells, by_cols, metric, level)
    interval = _ratio_intervals(m, level, draws, seed)
    out = m[by_cols].copy()
    for side in ("live", "nonlive"):
        for c in ("successes", "trials", "rate"):
            out[f"{c}_{side}"] = m[f"{c}_{side}"]
    out["ratio"] = out["rate_live"] / out["rate_nonlive"]
    out["shrunk_live"], out["shrunk_nonlive"] = m["shrunk_rate_live"], m["shrunk_rate_nonlive"]
    out["shrunk_ratio"] = out["shrunk_live"] / out["shrunk_nonlive"]
    out["ci_low"], out["ci_high"] = interval[:, 0], interval[:, 1]
    out["method"] = (f"beta-binomial-mle shrinkage per side; ratio interval from {int(draws)} "
                     f"posterior draws (seed {seed})")  # fmt: skip
    out["level"] = level
    found = [
        _lift_status(_side_status(sl, ml, "LIVE"), _side_status(sn, mn, "non-live"), ok)
        for sl, ml, sn, mn, ok in zip(m["status_live"], m["status_message_live"],
                                      m["status_nonlive"], m["status_message_nonlive"],
                                      np.isfinite(interval[:, 0]), strict=True)
    ]  # fmt: skip
    out["status"] = [f[0] for f in found]
    out["status_message"] = [f[1] for f in found]
    return out.reset_index(drop=True)
