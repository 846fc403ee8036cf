r"""Marginal standardisation of a fitted binomial GLM: standardised rates, their ratio and difference.

With :math:`w_j` the trials of the population's rows and :math:`X_j^{(a)}` their design row
with the contrast set to ``a`` (Muller & MacLehose 2014),

.. math:: \hat r_a = \sum_j w_j\,\operatorname{expit}(X_j^{(a)}\hat\beta) / \sum_j w_j,
          \qquad \nabla_\beta \hat r_a = \sum_j w_j \hat p_j^{(a)}(1-\hat p_j^{(a)})
          X_j^{(a)} / \sum_j w_j.

Each rate's interval is taken on the logit scale (:math:`se = \sqrt{\nabla^\top\hat V\nabla}
/ (r(1-r))`); the log rate ratio :math:`\log\hat r_a - \log\hat r_b` has gradient
:math:`\nabla\hat r_a/\hat r_a - \nabla\hat r_b/\hat r_b`, the difference
:math:`\nabla\hat r_a - \nabla\hat r_b`; variances :math:`\nabla^\top\hat V\nabla` with
:math:`\hat V` the fit's (cluster-robust) covariance (delta method; Localio, Margolis & Berlin
2007). The weights are treated as fixed.

References
----------
Muller CJ, MacLehose RF (2014). Estimating predicted probabilities from logistic regression:
different methods correspond to different target populations. Int J Epidemiol 43:962-970.
Localio AR, Margolis DJ, Berlin JA (2007). Relative risks and confidence intervals were easily
computed indirectly from multivariable logistic regression. J Clin Epidemiol 60:874-882.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd
from patsy import build_design_matrices

from analysis.stats.glm_data import CLUSTER, FAILURES, SUCCESSES
from analysis.stats.glm_vcov import contrast_df
from analysis.stats.reference import few_clusters_note, reference_pvalue, reference_quantile
from analysis.status import merge_statuses
from analysis.vocabulary import status_message

__all__ = ["contrast_groups", "standardised_rows"]


def contrast_groups(frame: pd.DataFrame, contrast: str, groups: Any) -> tuple[Hashable, Hashable]:
    """The two values of model variable ``contrast`` compared, ``a`` against ``b``.

    ``groups`` when given; else ``(True, False)`` for a boolean variable, or its two values
    sorted. ``ValueError`` for a variable not in the model or with more than two values.
    """
    if contrast not in frame.columns:
        raise ValueError(
            f"`contrast` {contrast!r} is not a variable of the model "
            f"({[c for c in frame.columns if not c.startswith('_')]})."
        )
    if groups is not None:
        a, b = groups
        return a, b
    values = pd.unique(frame[contrast].dropna())
    if set(values) <= {True, False} and len(values) == 2:
        return True, False
    if len(values) == 2:
        a, b = sorted(values, key=str)
        return a, b
    raise ValueError(f"`contrast` {contrast!r} has {len(values)} values; pass groups=(a, b).")


def _predictor(result: Any, sub: pd.DataFrame, contrast: str, dtype):
    """``value -> (standardised rate, its gradient in beta)`` over the population ``sub``."""
    data = result.model.data
    design_info = getattr(data, "design_info", None) or data.model_spec
    beta = result.params.to_numpy()
    w = (sub[SUCCESSES] + sub[FAILURES]).to_numpy(dtype=float)

    def predict(value: Any) -> tuple[float, np.ndarray]:
        new = sub.copy()
        new[contrast] = pd.Series([value] * len(new), index=new.index, dtype=object).astype(dtype)
        (X,) = build_design_matrices([design_info], new, return_type="matrix")
        X = np.asarray(X)
        p = 1 / (1 + np.exp(-(X @ beta)))
        return float(np.sum(w * p) / w.sum()), (w * p * (1 - p)) @ X / w.sum()

    return predict


def _side_df(result, frame, contrast, a, b, grads, status) -> tuple[np.ndarray, str, tuple]:
    r"""Reference df of the four rows (the gradients ``grads``) and the row status.

    CR2 fits: the Bell-McCaffrey df of each gradient contrast
    (:func:`analysis.stats.glm_vcov.contrast_df`); other clustered fits: the fit's df, lowered
    to :math:`\min(G_a, G_b) - 1` when a side has fewer clusters. ``few_clusters`` when a side
    has fewer than 10 clusters or a df is below 4.
    """
    df = contrast_df(result, np.vstack(grads))
    fit = getattr(getattr(result, "cartlift", None), "vcov_fit", None)
    note = "" if fit is None or fit.parts is None else ", Bell-McCaffrey df of each contrast"
    if CLUSTER not in frame.columns or not np.all(np.isfinite(df)):
        return df, note, status
    g_side = min(frame.loc[(frame[contrast] == v).to_numpy(), CLUSTER].nunique() for v in (a, b))
    if (fit is None or fit.parts is None) and g_side - 1 < df.min():
        df = np.full(len(df), float(max(g_side - 1, 1)))
        note = f", t({df[0]:g}) from the {g_side} clusters of the smaller side"
    few = few_clusters_note(g_side, float(df.min()), f"clusters on one side of {contrast}")
    if few is not None:
        status = merge_statuses([status, (few[0], status_message(*few))])
    return df, note, status


def _row(term, effect, estimate, lo, hi, se, p, df, method, level, status) -> dict[str, Any]:
    return {"term": term, "effect": effect, "estimate": estimate, "ci_low": lo, "ci_high": hi,
            "se": se, "pvalue": p, "df": df, "method": method, "level": level,
            "status": status[0], "status_message": status[1]}  # fmt: skip


def standardised_rows(
    result: Any,
    contrast: str,
    groups: Any,
    over: str,
    level: float,
    fit_method: str,
    fit_status: tuple[str, str],
) -> list[dict[str, Any]]:
    """Rows ``rate_a``, ``rate_b``, ``rate_ratio``, ``rate_difference`` of
    :func:`analysis.stats.models.effects` (module docstring for the formulas).

    Each row's df is that of its gradient contrast (:func:`_side_df`); ``fit_status`` is the
    fit's ``(status, status_message)``, raised to ``few_clusters`` when a side has fewer than
    :data:`~analysis.stats.reference.FEW_CLUSTERS` clusters or a df is below 4.
    """
    frame = result.model.data.frame
    a, b = contrast_groups(frame, contrast, groups)
    pop = {"all": np.ones(len(frame), bool), "group_a": (frame[contrast] == a).to_numpy(),
           "group_b": (frame[contrast] == b).to_numpy()}[over]  # fmt: skip
    predict = _predictor(result, frame.loc[pop], contrast, frame[contrast].dtype)
    cov = np.asarray(result.cov_params())
    (ra, ga), (rb, gb) = predict(a), predict(b)
    grads = [ga, gb, ga / ra - gb / rb, ga - gb]
    dfs, note, status = _side_df(result, frame, contrast, a, b, grads, fit_status)
    method = f"{fit_method}; marginal standardisation over {over}, delta method{note}"
    out = []
    for j, (label, kind, r, g) in enumerate(((f"{contrast}={a}", "rate_a", ra, ga),
                                             (f"{contrast}={b}", "rate_b", rb, gb))):  # fmt: skip
        df, q = float(dfs[j]), reference_quantile(level, float(dfs[j]))
        s = float(np.sqrt(g @ cov @ g)) / (r * (1 - r))  # d logit(r) = d r / (r (1 - r))
        lo, hi = (1 / (1 + np.exp(-(np.log(r / (1 - r)) + k * q * s))) for k in (-1, 1))
        out.append(_row(label, kind, r, float(lo), float(hi), s, np.nan, df, method, level,
                        status))  # fmt: skip
    term = f"{contrast}: {a} vs {b}"
    df, q = float(dfs[2]), reference_quantile(level, float(dfs[2]))
    g = grads[2]
    s, lr = float(np.sqrt(g @ cov @ g)), np.log(ra / rb)
    out.append(_row(term, "rate_ratio", ra / rb, float(np.exp(lr - q * s)),
                    float(np.exp(lr + q * s)), s, reference_pvalue(lr / s, df), df, method,
                    level, status))  # fmt: skip
    df, q = float(dfs[3]), reference_quantile(level, float(dfs[3]))
    g = grads[3]
    s, d = float(np.sqrt(g @ cov @ g)), ra - rb
    out.append(_row(term, "rate_difference", d, d - q * s, d + q * s, s,
                    reference_pvalue(d / s, df), df, method, level, status))  # fmt: skip
    return out
