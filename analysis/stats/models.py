r"""Binomial GLM on aggregated counts with cluster-robust inference, and tidy adjusted effects.

:func:`glm` fits ``logit P(success) = X beta`` to the cells' counts of a metric (the formula's left
side names the metric, e.g. ``"atc_rate ~ is_live * C(hour) + age_group"``) and returns the
statsmodels result, so ``.summary()``, ``.params``, ``.conf_int()`` work as usual.
:func:`effects` turns a result into a tidy frame: odds ratios of the coefficients and, for a
two-valued contrast (``is_live``), adjusted rates, rate ratio and rate difference by marginal
standardisation (:mod:`analysis.stats.standardise`), each with an interval.

statsmodels traps handled here (regression tests in ``tests/stats/test_models.py``):

* The fit uses two-column ``(successes, failures)`` endog and never ``scale="X2"`` (with
  two-column endog statsmodels' Pearson scale omits the trial counts and shrinks SEs about 7x).
  ``scale=1.0`` (binomial) is passed explicitly.
* Standard errors are cluster-robust (CR1, ``G/(G-1) (N-1)/(N-k)``, equal to R
  ``sandwich::vcovCL(type = "HC1")``) with a t reference on ``G - 1`` degrees of freedom.
* ``method=`` is passed to every statsmodels call.

The reference distributions of the tests (t or z, their degrees of freedom) are
:mod:`analysis.stats.reference`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf

from analysis.metrics import get_metric
from analysis.stats.clusters import cluster_label
from analysis.stats.glm_data import FAILURES, SUCCESSES, model_data, model_variables, split_formula
from analysis.stats.reference import (
    FEW_CLUSTERS,
    reference_df,
    reference_pvalue,
    reference_quantile,
)
from analysis.stats.standardise import standardised_rows
from analysis.status import Note, row_status
from analysis.vocabulary import (
    EFFECT_POPULATIONS,
    GLM_FAMILIES,
    check_argument,
    check_level,
    status_message,
)

__all__ = [
    "EFFECTS_COLUMNS", "GlmInfo", "effects", "glm", "planted_odds_ratios",
]  # fmt: skip


#: Columns of :func:`effects`.
EFFECTS_COLUMNS = (
    "term", "effect", "estimate", "ci_low", "ci_high", "se", "pvalue", "df",
    "method", "level", "status", "status_message",
)  # fmt: skip


@dataclass
class GlmInfo:
    """What :func:`glm` did, attached to the result as ``result.cartlift``: metric, formula,
    cluster, cells entering the fit, aggregated rows fitted (distinct model variables x
    cluster), clusters (a pair for two-way clustering), cells excluded by reason, the fit's
    ``status`` code and ``status_message``, and the ``method``."""

    metric: str
    formula: str
    cluster: str
    n_cells: int
    n_rows: int
    n_clusters: int | tuple[int, int] | None
    excluded: dict[str, int] = field(default_factory=dict)
    status: str = "ok"
    status_message: str = ""
    method: str = ""


def _fit(model: Any, agg: pd.DataFrame, gcols: list[str], use_t: bool):
    """IRLS fit with binomial scale 1; CR1 cluster-robust covariance when clustered."""
    if not gcols:
        result = model.fit(method="IRLS", tol=1e-10, scale=1.0, cov_type="nonrobust", use_t=use_t)
        return result, None, [("not_clustered", "")]
    g = agg[gcols].to_numpy()
    g = g[:, 0] if g.shape[1] == 1 else g
    result = model.fit(
        method="IRLS", tol=1e-10, scale=1.0, cov_type="cluster",
        cov_kwds={"groups": g, "use_correction": True}, use_t=use_t,
    )  # fmt: skip
    n_clusters: int | tuple[int, int]
    if g.ndim == 1:
        few = int(len(np.unique(g)))
        n_clusters = few
    else:
        pair = (int(len(np.unique(g[:, 0]))), int(len(np.unique(g[:, 1]))))
        few, n_clusters = min(pair), pair
    notes: list[Note] = []
    if few < FEW_CLUSTERS:
        notes.append(("few_clusters", f"G={few} (< {FEW_CLUSTERS})"))
    return result, n_clusters, notes


def _separated(result: Any) -> list[str]:
    """Coefficients not estimable: a level with no successes or no failures (|beta| > 15 or a
    huge or infinite SE)."""
    return [t for t in result.params.index
            if abs(result.params[t]) > 15 or not np.isfinite(result.bse[t])
            or result.bse[t] > 100]  # fmt: skip


def glm(
    cells: pd.DataFrame,
    formula: str,
    *,
    cluster: str | Sequence[str] | None = "content_id",
    family: str = "binomial",
    use_t: bool = True,
) -> Any:
    r"""Binomial GLM (logit link) of a metric on cell covariates, cluster-robust.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (one counting ``unit``). Not modified.
    formula : str
        ``"<metric> ~ <patsy terms>"``: the left side is a proportion metric of
        :data:`analysis.metrics.METRICS` (``atc_rate``, ``conversion``, ...), the right side
        any patsy formula of cell columns, e.g. ``"atc_rate ~ is_live * C(hour) + age_group"``.
        Boolean columns enter as categorical (``is_live[T.True]``).
    cluster : str, list of two str, or None
        Column whose values are the independent clusters (default ``content_id``: one LIVE
        room or video; cells where it is NA, i.e. off-live product cards, are clustered by
        product x shop-local day, :mod:`analysis.stats.clusters`). Two columns give two-way
        clustering (Cameron, Gelbach & Miller 2011). ``None``: model-based binomial SEs, which
        treat viewers as independent (over-confident when viewers of a LIVE share its mood;
        the status says so).
    family : {"binomial"}
        The only family: every metric here is a binomial proportion.
    use_t : bool
        t reference with ``G - 1`` degrees of freedom (``G`` clusters; the smaller of the two
        for two-way clustering) instead of the normal. Default True (z over-rejects with few
        clusters; Cameron & Miller 2015, sec. VI).

    Returns
    -------
    statsmodels.genmod.generalized_linear_model.GLMResultsWrapper
        The fitted result (``.summary()``, ``.params``, ``.bse``, ``.conf_int()``,
        ``.pvalues``). ``result.cartlift`` is a :class:`GlmInfo`: metric, formula, cluster,
        cells used, aggregated rows, number of clusters, cells excluded (missing counts, NA in
        a model variable, no trials), a ``status`` code and its ``status_message``:
        ``ok``; ``few_clusters`` (``G=<n> (< 30)``: intervals may be too narrow);
        ``not_clustered`` (``cluster=None``: viewers treated as independent); ``partial``
        (``separation: k coefficient(s) not estimable ...`` when a level has no successes,
        e.g. night hours without an add-to-cart). The most serious applies; the message lists
        all.

    Raises
    ------
    ValueError
        Unknown metric or family, a ratio metric (``aov``), a formula naming no cell column,
        mixed or non-binomial counting units, successes exceeding trials, no cells left.

    Notes
    -----
    Cells are first summed within each distinct combination of the model's variables and the
    cluster (:mod:`analysis.stats.glm_data`). The model is

    .. math:: x_j \sim \mathrm{Bin}(n_j, p_j), \quad \operatorname{logit} p_j = X_j\beta

    fitted by IRLS with the binomial scale fixed at 1. The cluster-robust covariance is the CR1
    sandwich

    .. math:: \hat V = \frac{G}{G-1}\frac{N-1}{N-k}\, H^{-1}
              \Big(\sum_g s_g s_g^\top\Big) H^{-1},
              \quad s_g = \sum_{j\in g} X_j (x_j - n_j \hat p_j),
              \quad H = \sum_j n_j \hat p_j (1-\hat p_j) X_j X_j^\top

    with ``N`` the aggregated rows and ``k`` the coefficients: statsmodels ``cov_type=
    "cluster"`` (``use_correction=True``), identical to R ``sandwich::vcovCL(fit, cluster,
    type = "HC1")`` (golden values in ``tests/reference/glm_vcovcl.R``).

    References
    ----------
    McCullagh P, Nelder JA (1989). Generalized Linear Models, 2nd ed. Chapman & Hall.
    Cameron AC, Miller DL (2015). A practitioner's guide to cluster-robust inference. J Hum
    Resour 50:317-372. Cameron AC, Gelbach JB, Miller DL (2011). Robust inference with
    multiway clustering. J Bus Econ Stat 29:238-249. Zeileis A, Köll S, Graham N (2020).
    Various versatile variances: an object-oriented implementation of clustered covariances
    in R. J Stat Softw 95(1).

    Examples
    --------
    >>> import analysis as cl
    >>> cells = cl.load("data/sample", tz="Europe/Paris")  # doctest: +SKIP
    >>> res = cl.glm(cells, "atc_rate ~ is_live + C(hour) + category")  # doctest: +SKIP
    >>> res.summary()  # doctest: +SKIP
    """
    check_argument("family", GLM_FAMILIES, family)
    lhs, rhs = split_formula(formula)
    m = get_metric(lhs)
    if m.kind != "proportion":
        raise ValueError(
            f"glm() models proportions; {m.name!r} is a ratio of sums. Use a proportion "
            "metric (atc_rate, conversion, cart_to_order, abandonment, click_to_cart)."
        )
    data = model_data(cells, m, model_variables(cells, rhs), cluster, formula=formula)
    model = smf.glm(f"{SUCCESSES} + {FAILURES} ~ {rhs}", data=data.frame,
                    family=sm.families.Binomial())  # fmt: skip
    result, n_clusters, notes = _fit(model, data.frame, data.cluster_columns, use_t)
    separated = _separated(result)
    if separated:
        notes.append(("partial", f"separation: {len(separated)} coefficient(s) not estimable "
                      f"(a level with no successes or no failures, e.g. {separated[0]})"))  # fmt: skip
    status, message = row_status(notes)
    ref = f"t({reference_df(result):g})" if use_t else "z"
    se = (
        f"CR1 cluster-robust by {cluster_label(cluster)}"
        if n_clusters is not None
        else "model-based"
    )
    result.cartlift = GlmInfo(
        metric=m.name, formula=formula, cluster=cluster_label(cluster), n_cells=data.n_cells,
        n_rows=len(data.frame), n_clusters=n_clusters, excluded=data.excluded, status=status,
        status_message=message, method=f"binomial GLM (logit, IRLS), {se} SE, {ref}",
    )  # fmt: skip
    return result


def _odds_ratio_row(result, t: str, df: float, q: float, level: float, fit_method: str,
                    fit_status: tuple[str, str]) -> dict[str, Any]:  # fmt: skip
    b, s = float(result.params[t]), float(result.bse[t])
    ok = np.isfinite(s) and 0 < s <= 100 and abs(b) <= 15
    code, message = fit_status if ok else (
        "undefined_not_estimable",
        status_message("undefined_not_estimable", "coefficient not estimable (separation)"))  # fmt: skip
    return {
        "term": t, "effect": "odds_ratio", "estimate": float(np.exp(b)),
        "ci_low": float(np.exp(b - q * s)) if ok else np.nan,
        "ci_high": float(np.exp(b + q * s)) if ok else np.nan,
        "se": s, "pvalue": reference_pvalue(b / s, df) if ok else np.nan, "df": df,
        "method": f"{fit_method}; odds ratio exp(beta)", "level": level,
        "status": code, "status_message": message,
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
            Degrees of freedom of the t reference (``inf``: normal); for standardised rows
            at most :math:`\min(G_a, G_b) - 1`, the clusters of the smaller side.
        ``method``, ``level``, ``status``, ``status_message``
            The fit's method (and ``marginal standardisation over <over>, delta method``), the
            level, and the fit's status code (:class:`GlmInfo`: ``ok``, ``few_clusters``,
            ``not_clustered``, ``partial``); standardised rows are ``few_clusters`` when a side
            of the contrast has fewer than 30 clusters; ``undefined_not_estimable`` for a
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
    df = reference_df(result)
    q = reference_quantile(level, df)
    names = list(result.params.index)
    selected = names if contrast is None else [t for t in names if contrast in t]
    rows = [_odds_ratio_row(result, t, df, q, level, fit_method, fit_status) for t in selected]
    if contrast is not None:
        rows += standardised_rows(result, contrast, groups, over, level, df, fit_method,
                                  fit_status)  # fmt: skip
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
