r"""Binomial GLM on aggregated counts with cluster-robust inference, and tidy adjusted effects.

:func:`glm` fits ``logit P(success) = X beta`` to the cells' counts of a metric (the formula's left
side names the metric, e.g. ``"atc_rate ~ is_live * C(hour) + age_group"``) and returns the
statsmodels result, so ``.summary()``, ``.params`` work as usual; its covariance is the kit's
(CR2 by default, :mod:`analysis.stats.glm_vcov`). :func:`coef_table` (the one place to read
coefficient p-values and intervals: per-coefficient degrees of freedom) and :func:`effects`
(odds ratios and, for a two-valued contrast, standardised rates, ratio and difference) are in
:mod:`analysis.stats.glm_tables`.

statsmodels traps handled here (regression tests in ``tests/stats/test_models.py``):

* The fit uses two-column ``(successes, failures)`` endog and never ``scale="X2"`` (with
  two-column endog statsmodels' Pearson scale omits the trial counts and shrinks SEs about 7x).
  ``scale=1.0`` (binomial) is passed explicitly.
* Standard errors are cluster-robust, CR2 with Bell-McCaffrey degrees of freedom per
  coefficient by default (R ``clubSandwich``); statsmodels' own ``.pvalues`` / ``.conf_int()``
  use one df for every coefficient and are not what the kit reports.
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
from patsy import PatsyError  # type: ignore[import-untyped]

from analysis.errors import FormulaError
from analysis.metrics import get_metric
from analysis.stats.clusters import cluster_label
from analysis.stats.glm_data import (
    FAILURES,
    FORMULA_NAMES,
    SUCCESSES,
    model_data,
    model_variables,
    split_formula,
)
from analysis.stats.glm_tables import (
    COEF_COLUMNS,
    EFFECTS_COLUMNS,
    coef_table,
    contrast_table,
    effects,
    planted_odds_ratios,
)
from analysis.stats.glm_vcov import VcovFit, cluster_cov, fit_vcov, swap_cov
from analysis.stats.reference import FEW_CLUSTERS
from analysis.status import Note, combine, note
from analysis.vocabulary import GLM_FAMILIES, GLM_VCOV, check_argument

__all__ = [
    "COEF_COLUMNS", "EFFECTS_COLUMNS", "GlmInfo", "coef_table", "contrast_table", "effects",
    "formula_error", "glm", "planted_odds_ratios",
]  # fmt: skip

#: what the clusters of each column of a two-way clustering are called in messages
_PLURAL = {"content_id": "LIVEs", "creator": "creators", "product_id": "products"}


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
    vcov: str = "CR2"
    notes: list[Note] = field(default_factory=list)
    vcov_fit: VcovFit | None = None


def _fit(model: Any, agg: pd.DataFrame, gcols: list[str], use_t: bool, cluster: Any):
    """IRLS fit with binomial scale 1; CR1 cluster-robust covariance when clustered (the
    CR2/CR3 swap follows); notes on the number of clusters."""
    if not gcols:
        result = model.fit(method="IRLS", tol=1e-10, scale=1.0, cov_type="nonrobust", use_t=use_t)
        return result, None, None, [note("not_clustered")]
    g = agg[gcols].to_numpy()
    g = g[:, 0] if g.shape[1] == 1 else g
    try:
        result = model.fit(
            method="IRLS", tol=1e-10, scale=1.0, cov_type="cluster",
            cov_kwds={"groups": g, "use_correction": True}, use_t=use_t,
        )  # fmt: skip
    except np.linalg.LinAlgError:  # singular Hessian: a term these cells cannot identify
        result = model.fit(method="IRLS", tol=1e-10, scale=1.0, cov_type="nonrobust",
                           use_t=use_t)  # fmt: skip
        swap_cov(result, cluster_cov(result, g))
    if g.ndim == 1:
        G = int(len(np.unique(g)))
        few = (
            [] if G >= FEW_CLUSTERS else [note("few_clusters", f"{G} clusters (< {FEW_CLUSTERS})")]
        )
        return result, g, G, few
    names = [cluster] if isinstance(cluster, str) else list(cluster)
    pair = (int(len(np.unique(g[:, 0]))), int(len(np.unique(g[:, 1]))))
    notes = []
    for col, n in zip(names, pair, strict=True):
        if n < FEW_CLUSTERS:
            what = _PLURAL.get(col, f"{col} clusters")
            notes.append(note("few_clusters", (
                f"{n} {what} (< {FEW_CLUSTERS}): {col}-level inference rests on {n} clusters, "
                f"t({min(pair) - 1}) reference; LIVE clustering answers for this shop's {what}")))  # fmt: skip
    return result, g, pair, notes


def formula_error(formula: str, cells: pd.DataFrame, err: Exception | None) -> FormulaError:
    """One sentence for a formula patsy cannot evaluate: the unknown name or the term that does
    not parse, and the columns of the cells.

    patsy's error carries ``origin`` (the formula text and the span of the faulty term); a
    ``NameError`` inside it names an unknown column or function (patsy documentation,
    "Formulas: how they work").

    Parameters
    ----------
    formula : str
        The formula as the caller wrote it.
    cells : pandas.DataFrame
        The cells it was fitted on (their columns are listed).
    err : Exception or None
        patsy's error; None when the right side names no column at all.

    Returns
    -------
    analysis.errors.FormulaError
        To raise ``from err``; ``term`` is the unknown name or the faulty term.
    """
    columns = ", ".join(str(c) for c in cells.columns)
    hint = f"the cells have the columns {columns}"
    if err is None:
        return FormulaError(f"formula {formula!r} names no column of the cells: {hint}")
    origin = getattr(err, "origin", None)
    term = origin.code[origin.start : origin.end] if origin is not None else None
    unknown = re.search(r"NameError: name '([^']+)' is not defined", str(err))
    if unknown:
        name = unknown.group(1)
        within = f" (in {term!r})" if term and term != name else ""
        return FormulaError(
            f"formula {formula!r}: {name!r}{within} is neither a column of the cells nor a "
            f"known function: {hint}",
            term=name,
        )
    cause = str(err).splitlines()[0].strip() if str(err).strip() else type(err).__name__
    where = f" at the term {term!r}" if term else ""
    return FormulaError(f"formula {formula!r} cannot be read{where} ({cause}): {hint}", term=term)


def _separated(result: Any) -> list[str]:
    """Coefficients not estimable: a level with no successes or no failures (|beta| > 15 or a
    huge or infinite SE), or a term the cells do not identify (zero SE, :func:`_fit`)."""
    beta, se = np.asarray(result.params, dtype=float), np.asarray(result.bse, dtype=float)
    bad = (np.abs(beta) > 15) | ~((se > 0) & (se <= 100))  # a NaN SE is not estimable too
    return [t for t, b in zip(result.params.index, bad, strict=True) if b]


def glm(
    cells: pd.DataFrame,
    formula: str,
    *,
    cluster: str | Sequence[str] | None = "content_id",
    family: str = "binomial",
    vcov: str = "CR2",
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
        clustering, always CR1 (Cameron, Gelbach & Miller 2011) on ``t(min(G1, G2) - 1)``
        (CR2 is one-way only; the method text says so). ``None``: model-based binomial SEs,
        which treat viewers as independent (over-confident when viewers of a LIVE share its
        mood; the status says so).
    family : {"binomial"}
        The only family: every metric here is a binomial proportion.
    vcov : {"CR2", "CR1", "CR3"}
        One-way cluster-robust covariance: ``CR2`` (default; Bell & McCaffrey 2002, with
        Bell-McCaffrey / Satterthwaite degrees of freedom per coefficient, as R
        ``clubSandwich``), ``CR1`` (sandwich, ``t(G - 1)``) or ``CR3`` (cluster jackknife,
        ``t(G - 1)``; when leaving a cluster out leaves a coefficient unidentified, CR2 is used
        and the status names the cluster and the coefficient). :mod:`analysis.stats.glm_vcov`.
    use_t : bool
        t reference (default) instead of the normal (z over-rejects with few clusters;
        Cameron & Miller 2015, sec. VI).

    Returns
    -------
    statsmodels.genmod.generalized_linear_model.GLMResultsWrapper
        The fitted result (``.summary()``, ``.params``; ``.bse`` and ``.cov_params()`` are the
        ``vcov`` covariance; read p-values and intervals with :func:`coef_table`, not
        ``.pvalues`` / ``.conf_int()``, which use one df for all). ``result.cartlift`` is a
        :class:`GlmInfo`: metric, formula, cluster, cells used, aggregated rows, number of
        clusters, cells excluded (missing counts, NA in a model variable, no trials), the
        per-coefficient df, a ``status`` code and its ``status_message``: ``ok``;
        ``few_clusters`` (fewer than 10 clusters; for two-way clustering the message names the
        dimension, e.g. ``6 creators (< 10): creator-level inference rests on 6 clusters``);
        ``not_clustered`` (``cluster=None``: viewers treated as independent); ``partial``
        (``separation: k coefficient(s) not estimable ...`` when a level has no successes,
        e.g. night hours without an add-to-cart). The most serious applies; the message lists
        all.

    Raises
    ------
    analysis.errors.FormulaError
        A formula that cannot be read: not ``metric ~ terms``, an unknown metric, a ratio metric
        (``aov``), no cell column named, an unknown column or function, a term that does not
        parse (:func:`formula_error`; also a ``ValueError``).
    ValueError
        Unknown family or vcov, mixed or non-binomial counting units, successes exceeding trials, no cells left.

    Notes
    -----
    Cells are first summed within each distinct combination of the model's variables and the
    cluster (:mod:`analysis.stats.glm_data`). The model is

    .. math:: x_j \sim \mathrm{Bin}(n_j, p_j), \quad \operatorname{logit} p_j = X_j\beta

    fitted by IRLS with the binomial scale fixed at 1. The default covariance is CR2 of the
    working model (:mod:`analysis.stats.cr2`; R ``clubSandwich::vcovCR(fit, cluster, type =
    "CR2")`` and ``coef_test(test = "Satterthwaite")``, golden values in
    ``tests/reference/glm_cr2.R``). ``vcov="CR1"`` is the sandwich

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
    Bell RM, McCaffrey DF (2002). Bias reduction in standard errors for linear regression with
    multi-stage samples. Survey Methodology 28:169-181. Pustejovsky JE, Tipton E (2018).
    Small-sample methods for cluster-robust variance estimation and hypothesis testing in
    fixed effects models. J Bus Econ Stat 36:672-683. Cameron AC, Miller DL (2015). A practitioner's guide to cluster-robust inference. J Hum
    Resour 50:317-372. Cameron AC, Gelbach JB, Miller DL (2011). Robust inference with
    multiway clustering. J Bus Econ Stat 29:238-249. Zeileis A, Köll S, Graham N (2020).
    Various versatile variances: an object-oriented implementation of clustered covariances
    in R. J Stat Softw 95(1).

    Examples
    --------
    >>> import analysis as cl
    >>> cells = cl.load("data/sample", tz="Europe/Paris")  # doctest: +SKIP
    >>> res = cl.glm(cells, "atc_rate ~ is_live + C(hour) + category")  # doctest: +SKIP
    >>> cl.coef_table(res)  # doctest: +SKIP
    """
    check_argument("family", GLM_FAMILIES, family)
    check_argument("vcov", GLM_VCOV, vcov)
    try:
        lhs, rhs = split_formula(formula)
        m = get_metric(lhs)
    except ValueError as err:
        raise FormulaError(str(err)) from None
    if m.kind != "proportion":
        raise FormulaError(
            f"glm() models proportions; {m.name!r} is a ratio of sums. Use a proportion "
            "metric (atc_rate, conversion, cart_to_order, abandonment, click_to_cart)."
        )
    try:
        variables = model_variables(cells, rhs)
    except ValueError:
        raise formula_error(formula, cells, None) from None
    data = model_data(cells, m, variables, cluster, formula=formula)
    try:
        model = smf.glm(f"{SUCCESSES} + {FAILURES} ~ {rhs}", data=data.frame,
                        family=sm.families.Binomial(), eval_env=FORMULA_NAMES)  # fmt: skip
    except PatsyError as err:
        raise formula_error(formula, cells, err) from err
    result, groups, n_clusters, notes = _fit(model, data.frame, data.cluster_columns, use_t,
                                             cluster)  # fmt: skip
    separated = _separated(result)
    if separated:
        notes.append(note("partial", f"separation: {len(separated)} coefficient(s) not estimable "
                          f"(a level with no successes or no failures, e.g. {separated[0]})"))  # fmt: skip
    vfit = fit_vcov(result, groups, vcov, cluster_label(cluster), data.names)
    notes += [note(code, detail) for code, detail in vfit.notes]
    if not use_t:
        vfit.df[:], vfit.ref_df = np.inf, np.inf
    ref = ("z" if not use_t else "t(Bell-McCaffrey df per coefficient)" if vfit.kind == "CR2"
           else "t(G - 1, G the clusters informing each coefficient)" if vfit.kind == "CR3"
           else f"t({vfit.ref_df:g})")  # fmt: skip
    status, message = combine(notes)
    result.cartlift = GlmInfo(
        metric=m.name, formula=formula, cluster=cluster_label(cluster), n_cells=data.n_cells,
        n_rows=len(data.frame), n_clusters=n_clusters, excluded=data.excluded, status=status,
        status_message=message, method=f"binomial GLM (logit, IRLS), {vfit.label} SE, {ref}{vfit.working}",
        vcov=vcov, notes=notes, vcov_fit=vfit,
    )  # fmt: skip
    return result
