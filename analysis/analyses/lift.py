"""The live lift, crude to adjusted, in one tidy frame (notebook 04 and the weekly summary).

:func:`lift_summary` lines up the estimates of "how many times higher is the live rate":
crude (viewers independent), crude clustered by LIVE, Mantel-Haenszel and standardised over the
adjustment strata, and the binomial GLM's marginal standardisation. With the expected counts of
a simulated sample it adds each estimator's own truth (the estimator applied to the expected
counts, :func:`analysis.stats.adjusted.with_expected_counts`) and whether the interval covers it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.analyses.statuses import read_status
from analysis.stats.adjusted import with_expected_counts
from analysis.stats.compare import compare
from analysis.stats.models import effects, glm
from analysis.status import note

__all__ = ["ESTIMATE_KEYS", "LIFT_COLUMNS", "estimate_key", "lift_summary"]

#: Columns of :func:`lift_summary`.
LIFT_COLUMNS = (
    "estimate", "ratio", "ci_low", "ci_high", "lift", "method", "level", "status",
    "status_message", "truth", "covered",
)  # fmt: skip
#: stable keys of the :func:`lift_summary` rows, in row order (the ``estimate`` labels are
#: English sentences naming the strata and the formula; reports translate the keys)
ESTIMATE_KEYS = ("crude", "crude_unclustered", "mantel_haenszel", "standardised", "glm")
_ESTIMATE_PREFIXES = ("crude, clustered", "crude (viewers independent", "adjusted (Mantel-Haenszel",
                      "adjusted (standardised", "GLM")  # fmt: skip


def estimate_key(estimate: str) -> str:
    """The stable key (:data:`ESTIMATE_KEYS`) of a :func:`lift_summary` ``estimate`` label.

    ``estimate_key("adjusted (Mantel-Haenszel over hour x category)")`` is
    ``"mantel_haenszel"``; a label of no known kind raises ``ValueError``.
    """
    for key, prefix in zip(ESTIMATE_KEYS, _ESTIMATE_PREFIXES, strict=True):
        if str(estimate).startswith(prefix):
            return key
    raise ValueError(f"not a lift_summary estimate label: {estimate!r}")


def _status(row: pd.Series, column: str) -> tuple[str, str]:
    """The ``(code, message)`` of the status column ``column`` of a result row (``status`` when
    the row has no such column)."""
    column = column if column in row.index else "status"
    text = {"status": "status_message", "inference_status": "inference_message"}[column]
    return read_status(row[column], row.get(text))


#: status of the viewer-level row: its interval ignores the LIVEs
_NOT_CLUSTERED = note("not_clustered", "shown only beside the clustered row")


def _rows(cells, adjust, glm_formula, metric, level, cluster, over, detail) -> list[dict]:
    """One dict per estimate: crude (clustered; viewer-level with ``detail``), Mantel-Haenszel,
    standardised, GLM."""
    mh = compare(
        cells, metric=metric, level=level, adjust=adjust, cluster=cluster, detail=True
    ).iloc[0]
    st = compare(cells, metric=metric, level=level, adjust=adjust, cluster=cluster,
                 adjust_method="standardisation", detail=True).iloc[0]  # fmt: skip
    label = " x ".join(adjust)
    rows = [("crude, clustered by LIVE", mh["ratio"], mh["ratio_ci_low"], mh["ratio_ci_high"],
             mh["ratio_method"], _status(mh, "status"))]  # fmt: skip
    if detail:
        rows.append(("crude (viewers independent: too narrow)", mh["ratio"],
                     mh["unclustered_ratio_ci_low"], mh["unclustered_ratio_ci_high"],
                     mh["unclustered_method"], _NOT_CLUSTERED))  # fmt: skip
    rows += [
        (f"adjusted (Mantel-Haenszel over {label})", mh["adjusted_ratio"],
         mh["adjusted_ratio_ci_low"], mh["adjusted_ratio_ci_high"], mh["adjusted_method"],
         _status(mh, "inference_status")),
        (f"adjusted (standardised to LIVE mix over {label})", st["adjusted_ratio"],
         st["adjusted_ratio_ci_low"], st["adjusted_ratio_ci_high"], st["adjusted_method"],
         _status(st, "inference_status")),
    ]  # fmt: skip
    if glm_formula is not None:
        res = glm(cells, glm_formula, cluster=cluster)
        eff = effects(res, contrast="is_live", over=over, level=level)
        rr = eff[eff["effect"] == "rate_ratio"].iloc[0]
        rows.append((f"GLM, standardised over {over} ({glm_formula.split('~')[1].strip()})",
                     rr["estimate"], rr["ci_low"], rr["ci_high"], rr["method"],
                     _status(rr, "status")))  # fmt: skip
    return [
        {"estimate": e, "ratio": float(r), "ci_low": float(lo), "ci_high": float(hi),
         "lift": float(r) - 1, "method": m, "level": level, "status": s[0],
         "status_message": s[1]}
        for e, r, lo, hi, m, s in rows
    ]  # fmt: skip


def lift_summary(
    cells: pd.DataFrame,
    *,
    adjust: Sequence[str] = ("hour", "category"),
    glm_formula: str | None = "atc_rate ~ is_live + C(hour) + category",
    metric: str = "atc_rate",
    level: float = 0.95,
    cluster: str = "content_id",
    over: str = "group_a",
    expected: pd.DataFrame | None = None,
    detail: bool = False,
) -> pd.DataFrame:
    r"""Crude, clustered, adjusted and model-based live / non-live rate ratios side by side.

    Each row is a ratio :math:`R = p_{\text{LIVE}} / p_{\text{non-live}}` of one estimator:
    crude :math:`\sum x_L / \sum n_L \big/ \sum x_N / \sum n_N` with LIVEs as clusters (the
    Fieller inversion of the difference's CR2 t test, Bell-McCaffrey degrees of freedom; with
    ``detail``, also with viewers independent); Mantel-Haenszel :math:`\sum_s x_{Ls} n_{Ns}/n_s \big/
    \sum_s x_{Ns} n_{Ls}/n_s` over the ``adjust`` strata (Greenland and Robins 1985); the
    ratio standardised to the LIVE mix; and the GLM's marginal standardisation (Localio et al.
    2007) from :func:`analysis.stats.models.effects`.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (live and non-live). Not modified.
    adjust : list of str
        Strata of the adjusted ratios (:func:`analysis.stats.compare.compare` ``adjust=``).
    glm_formula : str or None
        Formula of the model row (:func:`analysis.stats.models.glm`; ``is_live`` must be in it);
        None leaves the model out.
    metric, level, cluster
        As in :func:`analysis.stats.compare.compare`.
    over : {"group_a", "all"}
        Standardisation population of the model row (``group_a``: the LIVE cells' mix, the same
        target as the standardised stratified ratio).
    expected : pandas.DataFrame, optional
        :attr:`analysis.sample.truth.Truth.expected` of a simulated sample: adds ``truth`` and
        ``covered``.
    detail : bool
        Add the row ``crude (viewers independent: too narrow)`` (status ``not_clustered``),
        after the clustered crude row.

    Returns
    -------
    pandas.DataFrame
        :data:`LIFT_COLUMNS`, one row per estimate: ``ratio`` with ``ci_low``/``ci_high``,
        ``lift`` (ratio - 1), ``method``, ``level``, ``truth`` (NaN on real data) and
        ``covered`` (NA on real data). ``status``: the code of the estimate's own status in
        :func:`analysis.stats.compare.compare` (``status`` for the crude row, that of the
        adjusted estimate for the adjusted rows: ``ok``, ``few_clusters``, ...; the viewer-level
        row is ``not_clustered``) or :func:`analysis.stats.models.effects` (the GLM row), with
        its ``status_message``.

    References
    ----------
    Greenland S, Robins JM (1985). Estimation of a common effect parameter from sparse
    follow-up data. Biometrics 41:55-68. Localio AR, Margolis DJ, Berlin JA (2007). Relative
    risks and confidence intervals were easily computed indirectly from multivariable logistic
    regression. J Clin Epidemiol 60:874-882.
    """
    adjust = [adjust] if isinstance(adjust, str) else list(adjust)
    out = pd.DataFrame(_rows(cells, adjust, glm_formula, metric, level, cluster, over, detail))
    out["truth"] = np.nan
    out["covered"] = pd.array([pd.NA] * len(out), dtype="boolean")
    if expected is not None:
        formula = None if glm_formula is None else glm_formula
        oracle = pd.DataFrame(_rows(with_expected_counts(cells, expected, metric=metric), adjust,
                                    formula, metric, level, cluster, over, detail))  # fmt: skip
        out["truth"] = oracle["ratio"].to_numpy()
        inside = (out["ci_low"] <= out["truth"]) & (out["truth"] <= out["ci_high"])
        out["covered"] = inside.astype("boolean").mask(out["ci_low"].isna())
    return out[list(LIFT_COLUMNS)]
