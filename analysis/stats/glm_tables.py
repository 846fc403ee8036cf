r"""Tidy tables of a :func:`analysis.stats.models.glm` fit: coefficients and adjusted effects.

:func:`coef_table` is the one place the kit reads a fit's coefficient p-values and intervals:
each coefficient on its own reference distribution (Bell-McCaffrey / Satterthwaite df under
the default CR2; :math:`t(G-1)` under CR1 / CR3; :math:`t(\min G - 1)` for two-way CR1),
with the clusters that inform it and a ``few_clusters`` status below 10 of them or 4 df.
:func:`effects` turns it into odds ratios and, for a two-valued contrast (``is_live``), adds
standardised rates, their ratio and difference (:mod:`analysis.stats.standardise`).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from analysis.stats.glm_vcov import contrast_df
from analysis.stats.reference import (
    few_clusters_note,
    reference_df,
    reference_pvalue,
    reference_quantile,
)
from analysis.stats.standardise import standardised_rows
from analysis.status import combine, note
from analysis.vocabulary import EFFECT_POPULATIONS, check_argument, check_level, status_message

__all__ = [
    "COEF_COLUMNS", "CONTRAST_COLUMNS", "EFFECTS_COLUMNS", "coef_table", "contrast_table",
    "effects", "planted_odds_ratios",
]  # fmt: skip

#: Columns of :func:`coef_table`.
COEF_COLUMNS = (
    "term", "estimate", "se", "df", "pvalue", "ci_low", "ci_high", "n_clusters", "method",
    "level", "status", "status_message",
)  # fmt: skip

#: Columns of :func:`contrast_table`.
CONTRAST_COLUMNS = ("estimate", "se", "df", "pvalue", "ci_low", "ci_high")

#: Columns of :func:`effects`.
EFFECTS_COLUMNS = (
    "term", "effect", "estimate", "ci_low", "ci_high", "se", "pvalue", "df",
    "method", "level", "status", "status_message",
)  # fmt: skip

#: the reference of a CR2 fit's method text, replaced by each row's own df
BM_REF = "t(Bell-McCaffrey df per coefficient)"


def _fit_parts(result: Any) -> tuple[np.ndarray, np.ndarray, str, list, str]:
    """Per-coefficient df and informing clusters, method, notes and covariance kind."""
    k = len(result.params)
    info = getattr(result, "cartlift", None)
    fit = getattr(info, "vcov_fit", None)
    if fit is None:
        return (np.full(k, reference_df(result)), np.full(k, np.nan), "binomial GLM", [], "")
    return fit.df, fit.clusters, info.method, list(info.notes), fit.kind


def coef_table(result: Any, *, level: float = 0.95) -> pd.DataFrame:
    r"""One row per coefficient of a :func:`analysis.stats.models.glm` fit, with its own df.

    Parameters
    ----------
    result : GLMResultsWrapper
        Returned by :func:`analysis.stats.models.glm`.
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        :data:`COEF_COLUMNS`: ``term``; ``estimate`` (:math:`\hat\beta`, log-odds); ``se``
        (the fit's covariance, CR2 by default); ``df`` (Bell-McCaffrey / Satterthwaite under
        CR2, :math:`G-1` under CR1, :math:`G_j - 1` under CR3 with :math:`G_j` the clusters
        informing the coefficient, :math:`\min(G_1, G_2) - 1` two-way, ``inf`` for z);
        ``pvalue`` (two-sided, :math:`2P(T_\nu > |\hat\beta/se|)`); ``ci_low``, ``ci_high``
        (:math:`\hat\beta \pm t_\nu\,se`); ``n_clusters`` (the clusters that inform the
        coefficient: for an indicator the smaller of the clusters with and without it, e.g.
        the LIVEs of ``is_live``; for other columns all clusters; NaN unclustered);
        ``method`` (with the row's reference); ``level``; ``status`` (the fit's notes,
        ``few_clusters`` when fewer than 10 clusters inform it or its df is below 4,
        :func:`analysis.stats.reference.few_clusters_note`; ``undefined_not_estimable`` under
        separation) and ``status_message``.

    Notes
    -----
    Equal to R ``clubSandwich::coef_test(fit, vcov = vcovCR(fit, cluster, type = "CR2", target =
    <the fit's random-intercept working model>), test = "Satterthwaite")`` for the default fit
    (``tests/reference/glm_cr2.R``; :func:`analysis.stats.cr2.glm_tau2`).

    References
    ----------
    Pustejovsky JE, Tipton E (2018). Small-sample methods for cluster-robust variance
    estimation and hypothesis testing in fixed effects models. J Bus Econ Stat 36:672-683.
    """
    level = check_level(level)
    df, informed, method, notes, kind = _fit_parts(result)
    rows = []
    for j, term in enumerate(result.params.index):
        b, s, nu = float(result.params.iloc[j]), float(result.bse.iloc[j]), float(df[j])
        ok = bool(np.isfinite(s) and 0 < s <= 100 and abs(b) <= 15)
        q = reference_quantile(level, nu)
        row_notes = list(notes)
        what = "cluster informs it" if informed[j] == 1 else "clusters inform it"
        few = few_clusters_note(informed[j], nu, what) if kind else None
        if few is not None and kind != "CR1 two-way":
            row_notes.append(note(*few))
        if not ok:
            row_notes.append(
                note("undefined_not_estimable", "coefficient not estimable (separation)")
            )
        code, message = combine(row_notes)
        ref = f"t({nu:.3g}, Bell-McCaffrey)" if np.isfinite(nu) else "z"
        rows.append({
            "term": str(term), "estimate": b, "se": s, "df": nu,
            "pvalue": reference_pvalue(b / s, nu) if ok else np.nan,
            "ci_low": b - q * s if ok else np.nan, "ci_high": b + q * s if ok else np.nan,
            "n_clusters": informed[j], "method": method.replace(BM_REF, ref), "level": level,
            "status": code, "status_message": message,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(COEF_COLUMNS))


def contrast_table(result: Any, contrasts: np.ndarray, *, level: float = 0.95) -> pd.DataFrame:
    r"""Linear contrasts :math:`L\hat\beta` of a :func:`analysis.stats.models.glm` fit, each on
    its own reference distribution.

    Parameters
    ----------
    result : GLMResultsWrapper
        Returned by :func:`analysis.stats.models.glm`.
    contrasts : ndarray (m, k)
        One contrast per row (e.g. an hour against the average hour, a gradient of a
        standardised rate).
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        :data:`CONTRAST_COLUMNS`, one row per contrast: estimate, ``se``
        (:math:`\sqrt{L V L^\top}` with the fit's covariance), ``df`` (Bell-McCaffrey of the
        contrast under CR2, as R ``clubSandwich::linear_contrast(test = "Satterthwaite")``;
        the fit's df otherwise), two-sided ``pvalue`` and the interval. NaN where the variance
        is not positive (a term not estimable).

    References
    ----------
    Pustejovsky JE, Tipton E (2018). J Bus Econ Stat 36:672-683.
    """
    level = check_level(level)
    L = np.atleast_2d(np.asarray(contrasts, dtype=float))
    est = L @ result.params.to_numpy()
    var = np.einsum("ij,jk,ik->i", L, np.asarray(result.cov_params()), L)
    ok = np.isfinite(var) & (var > 0)
    se = np.where(ok, np.sqrt(np.where(ok, var, 1.0)), np.nan)
    df = contrast_df(result, L)
    q = np.array([reference_quantile(level, float(v)) for v in df])
    p = [reference_pvalue(e / s, float(v)) if k else np.nan
         for e, s, v, k in zip(est, se, df, ok, strict=True)]  # fmt: skip
    return pd.DataFrame({"estimate": est, "se": se, "df": df, "pvalue": p,
                         "ci_low": est - q * se, "ci_high": est + q * se},
                        columns=list(CONTRAST_COLUMNS))  # fmt: skip


def _odds_ratio_row(r: Any) -> dict[str, Any]:
    """An odds-ratio row of :func:`effects` from a :func:`coef_table` row."""
    return {
        "term": r.term, "effect": "odds_ratio", "estimate": float(np.exp(r.estimate)),
        "ci_low": float(np.exp(r.ci_low)), "ci_high": float(np.exp(r.ci_high)), "se": r.se,
        "pvalue": r.pvalue, "df": r.df, "method": f"{r.method}; odds ratio exp(beta)",
        "level": r.level, "status": r.status, "status_message": r.status_message,
    }  # fmt: skip


def effects(
    result: Any,
    *,
    contrast: str | None = None,
    groups: tuple | None = None,
    over: str = "all",
    level: float = 0.95,
) -> pd.DataFrame:
    r"""Tidy odds ratios and standardised rate contrasts of a :func:`glm` result.

    Parameters
    ----------
    result : GLMResultsWrapper
        Returned by :func:`glm` (any statsmodels binomial GLM fitted from a formula works).
    contrast : str, optional
        A model variable with two values (e.g. ``is_live``). ``None``: odds ratios of every
        coefficient only. Otherwise: the odds ratios of the coefficients whose name mentions
        ``contrast``, then the standardised rates of the two values, their ratio and
        difference.
    groups : tuple (a, b), optional
        The two values compared, ``a`` against ``b``; default ``(True, False)`` for a boolean
        variable, else the two values sorted.
    over : {"all", "group_a", "group_b"}
        Population over which the predictions are averaged (weights = trials of its rows):
        every fitted cell (``all``, average effect over the observed mix), or only the cells of
        ``group_a`` (e.g. ``is_live``: the LIVE cells' own mix of hours, categories, ...: "how
        much higher is the LIVE rate than these same cells would have off-live").
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        :data:`EFFECTS_COLUMNS`, one row per quantity:

        ``term``
            Coefficient name (``is_live[T.True]``), or ``<contrast>=<a>`` / ``<contrast>=<b>``
            / ``<contrast>: <a> vs <b>`` for standardised rows.
        ``effect``
            ``odds_ratio`` (``exp(beta)``), ``rate_a``, ``rate_b`` (standardised rates),
            ``rate_ratio`` (``rate_a / rate_b``; lift = ratio - 1), ``rate_difference``.
        ``estimate``, ``ci_low``, ``ci_high``
            Estimate and interval (odds and rate ratios: ``exp`` of the interval of the log;
            rates: ``expit`` of the interval of the logit; difference: linear).
        ``se``
            Standard error on the scale of the interval (log, logit or linear).
        ``pvalue``
            Two-sided, for ``beta = 0`` (odds ratio 1), ``rate ratio = 1`` and ``difference =
            0``; NaN for rates.
        ``df``
            Degrees of freedom of the t reference (``inf``: normal): the coefficient's
            (:func:`coef_table`), and for standardised rows the Bell-McCaffrey df of their
            gradient contrast (CR2 fits; otherwise the fit's df, at most
            :math:`\min(G_a, G_b) - 1`).
        ``method``, ``level``, ``status``, ``status_message``
            The fit's method (and ``marginal standardisation over <over>, delta method``), the
            level, and the fit's status code (:class:`GlmInfo`: ``ok``, ``few_clusters``,
            ``not_clustered``, ``partial``); odds-ratio rows carry their coefficient's status
            (:func:`coef_table`), standardised rows are ``few_clusters`` when a side of the
            contrast has fewer than 10 clusters or the df is below 4; ``undefined_not_estimable`` for a
            coefficient that separation leaves without an interval.

    Notes
    -----
    The standardised rates and contrasts are :func:`analysis.stats.standardise.standardised_rows`
    (marginal standardisation, delta method). A standardised rate ratio averages over the
    observed mix and differs from the conditional odds ratio ``exp(beta)``
    (non-collapsibility): compare each with its own truth.

    References
    ----------
    Muller CJ, MacLehose RF (2014). Estimating predicted probabilities from logistic regression:
    different methods correspond to different target populations. Int J Epidemiol
    43:962-970. Localio AR, Margolis DJ, Berlin JA (2007). Relative risks and confidence
    intervals were easily computed indirectly from multivariable logistic regression. J Clin
    Epidemiol 60:874-882.
    """
    level = check_level(level)
    check_argument("over", EFFECT_POPULATIONS, over)
    info = getattr(result, "cartlift", None)
    fit_status = (info.status, info.status_message) if info is not None else (
        "ok", status_message("ok"))  # fmt: skip
    fit_method = info.method if info is not None else "binomial GLM"
    table = coef_table(result, level=level)
    if contrast is not None:
        table = table[table["term"].str.contains(contrast, regex=False)]
    rows = [_odds_ratio_row(r) for r in table.itertuples(index=False)]
    if contrast is not None:
        rows += standardised_rows(result, contrast, groups, over, level, fit_method, fit_status)
    return pd.DataFrame(rows, columns=list(EFFECTS_COLUMNS))


_PLANTED_FACTORS = {"category": "category", "promo": "promo", "age_group": "age_group",
                    "gender": "gender"}  # fmt: skip
_TERM = re.compile(r"^(?:C\()?(?P<var>[A-Za-z_]+)\)?\[T\.(?P<level>.+)\]$")


def planted_odds_ratios(result: Any, planted: dict) -> pd.Series:
    """Planted odds ratio of each coefficient of a :func:`glm` result (simulated samples).

    For the factors the simulator plants as constant log-odds effects (``category``, ``promo``,
    ``age_group``, ``gender``, ``creator``), the odds ratio of level ``l`` against the model's
    reference level ``r`` is ``exp(effect[l] - effect[r])`` (``truth.json``). Other terms (the
    intercept, ``is_live``, hours, interactions) and the intervention creator, whose effect
    changes mid-sample, are NaN: their planted counterpart is not one number.

    Returns
    -------
    pandas.Series
        Indexed like ``result.params``.
    """
    frame = result.model.data.frame
    out = pd.Series(np.nan, index=result.params.index, dtype=float)
    creators = {k: v["effect"] for k, v in planted.get("creators", {}).items()}
    skip = planted.get("intervention", {}).get("creator")
    for term in out.index:
        m = _TERM.match(term)
        if not m or m["var"] not in frame.columns:
            continue
        var, level = m["var"], m["level"]
        effects_ = creators if var == "creator" else planted.get(_PLANTED_FACTORS.get(var, ""), {})
        ref = sorted(frame[var].dropna().astype(str).unique())[0]
        if level in effects_ and ref in effects_ and skip not in (level, ref):
            out[term] = float(np.exp(effects_[level] - effects_[ref]))
    return out
