r"""Binomial GLM on aggregated counts with cluster-robust inference, and tidy adjusted effects.

:func:`glm` fits ``logit P(success) = X beta`` to the cells' counts of a metric (the formula's left
side names the metric, e.g. ``"atc_rate ~ is_live * C(hour) + age_group"``) and returns the
statsmodels result, so ``.summary()``, ``.params``, ``.conf_int()`` work as usual.
:func:`effects` turns a result into a tidy frame: odds ratios of the coefficients and, for a
two-valued contrast (``is_live``), adjusted rates, rate ratio and rate difference by marginal
standardisation, each with an interval.

statsmodels traps handled here (statistics.md sec. 5, P5, P8; regression tests in
``tests/test_models.py``):

* The fit uses two-column ``(successes, failures)`` endog and never ``scale="X2"`` (with
  two-column endog statsmodels' Pearson scale omits the trial counts and shrinks SEs about 7x).
  ``scale=1.0`` (binomial) is passed explicitly.
* Standard errors are cluster-robust (CR1, ``G/(G-1) (N-1)/(N-k)``, equal to R
  ``sandwich::vcovCL(type = "HC1")``) with a t reference on ``G - 1`` degrees of freedom.
* ``method=`` is passed to every statsmodels call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.metrics import get_metric, metric_counts
from analysis.stats.adjusted import FEW_CLUSTERS
from analysis.stats.clusters import cluster_ids, cluster_label
from analysis.vocabulary import (
    BINOMIAL_UNITS,
    EFFECT_POPULATIONS,
    GLM_FAMILIES,
    check_argument,
)

__all__ = ["EFFECTS_COLUMNS", "FEW_CLUSTERS", "GlmInfo", "effects", "glm", "planted_odds_ratios"]


#: Columns of :func:`effects`.
EFFECTS_COLUMNS = (
    "term", "effect", "estimate", "ci_low", "ci_high", "se", "pvalue", "df",
    "method", "level", "status",
)  # fmt: skip

_S, _F, _G = "_successes", "_failures", "_cluster"
_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


@dataclass
class GlmInfo:
    """What :func:`glm` did, attached to the result as ``result.cartlift``."""

    metric: str
    formula: str
    cluster: str
    n_cells: int  # cells entering the fit
    n_rows: int  # aggregated rows fitted (distinct model variables x cluster)
    n_clusters: int | tuple[int, int] | None
    excluded: dict[str, int] = field(default_factory=dict)
    status: str = "ok"
    method: str = ""


def _split_formula(formula: str) -> tuple[str, str]:
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise ValueError(
            "`formula` must read '<metric> ~ <terms>', e.g. 'atc_rate ~ is_live + C(hour)'; "
            f"got {formula!r}."
        )
    lhs, rhs = (s.strip() for s in formula.split("~"))
    if not rhs:
        raise ValueError(f"`formula` has no right-hand side: {formula!r}.")
    return lhs, rhs


def _model_frame(cells: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    """Model variables as plain numpy dtypes (patsy does not read pandas' nullable dtypes)."""
    out = {}
    for v in variables:
        s = cells[v]
        if pd.api.types.is_bool_dtype(s.dtype):
            out[v] = s.astype(object).where(s.notna(), None)
        elif pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_float_dtype(s.dtype):
            out[v] = s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        elif isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(s):
            out[v] = s
        else:
            out[v] = s.astype(object).where(s.notna(), None)
    return pd.DataFrame(out, index=cells.index)


def glm(
    cells: pd.DataFrame,
    formula: str,
    *,
    cluster: str | Sequence[str] | None = "content_id",
    family: str = "binomial",
    use_t: bool = True,
):
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
        for two-way clustering) instead of the normal. Default True (statistics.md P5: z
        over-rejects with few clusters).

    Returns
    -------
    statsmodels.genmod.generalized_linear_model.GLMResultsWrapper
        The fitted result (``.summary()``, ``.params``, ``.bse``, ``.conf_int()``,
        ``.pvalues``). ``result.cartlift`` is a :class:`GlmInfo`: metric, formula, cluster,
        cells used, aggregated rows, number of clusters, cells excluded (missing counts, NA in
        a model variable, no trials) and a ``status`` (``ok``; ``few clusters: G=<n> (< 30),
        intervals may be too narrow``; ``not clustered: viewers treated as independent``;
        ``separation: k coefficient(s) not estimable ...`` when a level has no successes, e.g.
        night hours without an add-to-cart; notes joined with ``"; "``).

    Raises
    ------
    ValueError
        Unknown metric or family, a ratio metric (``aov``), a formula naming no cell column,
        mixed or non-binomial counting units, successes exceeding trials, no cells left.

    Notes
    -----
    Cells are first summed within each distinct combination of the model's variables and the
    cluster (the likelihood, the estimates and the cluster scores are unchanged by this; it
    makes fits on 100,000 cells take a fraction of a second). The model is

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
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    check_argument("family", GLM_FAMILIES, family)
    lhs, rhs = _split_formula(formula)
    m = get_metric(lhs)
    if m.kind != "proportion":
        raise ValueError(
            f"glm() models proportions; {m.name!r} is a ratio of sums. Use a proportion "
            "metric (atc_rate, conversion, cart_to_order, abandonment, click_to_cart)."
        )
    variables = list(dict.fromkeys(t for t in _IDENT.findall(rhs) if t in cells.columns))
    if not variables:
        raise ValueError(
            f"The right-hand side {rhs!r} names no column of the cells; columns are e.g. "
            "is_live, hour, category, age_group, gender, promo, creator."
        )
    counts = metric_counts(cells, m)
    complete = counts["complete"].to_numpy(dtype=bool)
    x = counts["successes"].to_numpy(dtype=float)
    n = counts["trials"].to_numpy(dtype=float)
    if "unit" not in cells.columns:
        raise ValueError("The cells have no 'unit' column; glm() needs one binomial unit.")
    units = sorted(set(cells.loc[complete, "unit"].astype("string").fillna("<NA>")))
    if len(units) > 1:
        raise ValueError(
            f"Refusing to fit one model to cells of different units {units}: filter to one."
        )
    if units and units[0] not in BINOMIAL_UNITS:
        raise ValueError(f"unit {units[0]!r} is not binomial (events are not people).")
    bad = complete & ((x > n) | (x < 0))
    if bad.any():
        raise ValueError(
            f"{int(bad.sum())} cells have {m.numerator} outside 0..{m.denominator}: the counts "
            "are not binomial; fix or drop those cells."
        )
    frame = _model_frame(cells, variables)
    na_var = frame.isna().any(axis=1).to_numpy()
    no_trials = complete & (n <= 0)
    keep = complete & ~na_var & ~no_trials
    excluded = {}
    if (~complete).sum():
        excluded[f"missing {m.numerator} or {m.denominator}"] = int((~complete).sum())
    if (complete & na_var).sum():
        excluded["NA in a model variable"] = int((complete & na_var).sum())
    if (complete & ~na_var & no_trials).sum():
        excluded[f"no {m.denominator}"] = int((complete & ~na_var & no_trials).sum())
    if not keep.any():
        raise ValueError(f"No cells left to fit {formula!r} (excluded: {excluded}).")

    frame = frame.loc[keep].copy()
    frame[_S] = x[keep]
    frame[_F] = n[keep] - x[keep]
    groups = cluster_ids(cells.loc[keep], cluster)
    gcols = []
    if groups is not None:
        if groups.ndim == 1:
            frame[_G] = groups
            gcols = [_G]
        else:
            frame[_G], frame[_G + "2"] = groups[:, 0], groups[:, 1]
            gcols = [_G, _G + "2"]
    agg = (
        frame.groupby(variables + gcols, sort=True, observed=True, dropna=False)[[_S, _F]]
        .sum()
        .reset_index()
    )
    model = smf.glm(f"{_S} + {_F} ~ {rhs}", data=agg, family=sm.families.Binomial())
    if groups is None:
        result = model.fit(method="IRLS", tol=1e-10, scale=1.0, cov_type="nonrobust", use_t=use_t)
        n_clusters = None
        status = "not clustered: viewers treated as independent (intervals too narrow when "
        status += "viewers of one LIVE share its mood)"
    else:
        g = agg[gcols].to_numpy()
        g = g[:, 0] if g.shape[1] == 1 else g
        result = model.fit(
            method="IRLS", tol=1e-10, scale=1.0, cov_type="cluster",
            cov_kwds={"groups": g, "use_correction": True}, use_t=use_t,
        )  # fmt: skip
        if g.ndim == 1:
            n_clusters = int(len(np.unique(g)))
            few = n_clusters
        else:
            n_clusters = (int(len(np.unique(g[:, 0]))), int(len(np.unique(g[:, 1]))))
            few = min(n_clusters)
        status = "ok"
        if few < FEW_CLUSTERS:
            status = f"few clusters: G={few} (< {FEW_CLUSTERS}), intervals may be too narrow"
    separated = [t for t in result.params.index
                 if abs(result.params[t]) > 15 or not np.isfinite(result.bse[t])
                 or result.bse[t] > 100]  # fmt: skip
    if separated:
        note = (f"separation: {len(separated)} coefficient(s) not estimable (a level with no "
                f"successes or no failures, e.g. {separated[0]})")  # fmt: skip
        status = note if status == "ok" else f"{status}; {note}"
    ref = f"t({reference_df(result):g})" if use_t else "z"
    method = f"binomial GLM (logit, IRLS), {'CR1 cluster-robust by ' + cluster_label(cluster) if groups is not None else 'model-based'} SE, {ref}"  # noqa: E501
    result.cartlift = GlmInfo(
        metric=m.name, formula=formula, cluster=cluster_label(cluster),
        n_cells=int(keep.sum()), n_rows=len(agg), n_clusters=n_clusters,
        excluded=excluded, status=status, method=method,
    )  # fmt: skip
    return result


def reference_df(result) -> float:
    """Degrees of freedom of the result's t reference (inf for z)."""
    if not getattr(result, "use_t", False):
        return float("inf")
    df = getattr(result, "df_resid_inference", None)
    return float(df if df is not None else result.df_resid)


def reference_quantile(level: float, df: float) -> float:
    from scipy import stats

    q = (1 + level) / 2
    return float(stats.norm.ppf(q) if not np.isfinite(df) else stats.t.ppf(q, df))


def reference_pvalue(stat: float, df: float) -> float:
    from scipy import stats

    if not np.isfinite(stat):
        return float("nan")
    return float(
        2 * (stats.norm.sf(abs(stat)) if not np.isfinite(df) else stats.t.sf(abs(stat), df))
    )


def effects(
    result,
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
            Degrees of freedom of the t reference (``inf``: normal).
        ``method``, ``level``, ``status``
            The fit's method (and ``marginal standardisation over <over>, delta method``), the
            level, and the fit's status (``ok``, ``few clusters: ...``, ``not clustered: ...``),
            or ``undefined: ...`` when a quantity cannot be computed.

    Notes
    -----
    Marginal standardisation (Muller & MacLehose 2014): with :math:`w_j` the trials of the
    population's rows and :math:`X_j^{(a)}` their design row with the contrast set to ``a``,

    .. math:: \hat r_a = \sum_j w_j\,\operatorname{expit}(X_j^{(a)}\hat\beta) / \sum_j w_j,
              \qquad \nabla_\beta \hat r_a = \sum_j w_j \hat p_j^{(a)}(1-\hat p_j^{(a)})
              X_j^{(a)} / \sum_j w_j.

    The log rate ratio :math:`\log\hat r_a - \log\hat r_b` has gradient
    :math:`\nabla\hat r_a/\hat r_a - \nabla\hat r_b/\hat r_b`; its variance is
    :math:`\nabla^\top\hat V\nabla` with :math:`\hat V` the fit's (cluster-robust)
    covariance (delta method), and the interval :math:`\exp(\log\widehat{RR} \pm t\,se)`.
    The weights are treated as fixed. A standardised rate ratio averages over the observed mix
    and differs from the conditional odds ratio ``exp(beta)`` (non-collapsibility): compare
    each with its own truth.

    References
    ----------
    Muller CJ, MacLehose RF (2014). Estimating predicted probabilities from logistic regression:
    different methods correspond to different target populations. Int J Epidemiol
    43:962-970. Localio AR, Margolis DJ, Berlin JA (2007). Relative risks and confidence
    intervals were easily computed indirectly from multivariable logistic regression. J Clin
    Epidemiol 60:874-882.
    """
    from analysis.vocabulary import check_level

    level = check_level(level)
    check_argument("over", EFFECT_POPULATIONS, over)
    info = getattr(result, "cartlift", None)
    fit_status = info.status if info is not None else "ok"
    fit_method = info.method if info is not None else "binomial GLM"
    df = reference_df(result)
    q = reference_quantile(level, df)
    params = result.params
    bse = result.bse
    rows = []
    names = list(params.index)
    selected = names if contrast is None else [t for t in names if contrast in t]
    for t in selected:
        b, s = float(params[t]), float(bse[t])
        ok = np.isfinite(s) and 0 < s <= 100 and abs(b) <= 15
        rows.append({
            "term": t, "effect": "odds_ratio", "estimate": float(np.exp(b)),
            "ci_low": float(np.exp(b - q * s)) if ok else np.nan,
            "ci_high": float(np.exp(b + q * s)) if ok else np.nan,
            "se": s, "pvalue": reference_pvalue(b / s, df) if ok else np.nan, "df": df,
            "method": f"{fit_method}; odds ratio exp(beta)", "level": level,
            "status": fit_status if ok else "undefined: coefficient not estimable (separation)",
        })  # fmt: skip
    if contrast is not None:
        rows.extend(_standardised(result, contrast, groups, over, level, q, df, fit_method,
                                  fit_status))  # fmt: skip
    return pd.DataFrame(rows, columns=list(EFFECTS_COLUMNS))


def _standardised(result, contrast, groups, over, level, q, df, fit_method, fit_status):
    from patsy import build_design_matrices

    frame = result.model.data.frame
    if contrast not in frame.columns:
        raise ValueError(
            f"`contrast` {contrast!r} is not a variable of the model "
            f"({[c for c in frame.columns if not c.startswith('_')]})."
        )
    values = pd.unique(frame[contrast].dropna())
    if groups is None:
        if set(values) <= {True, False} and len(values) == 2:
            a, b = True, False
        elif len(values) == 2:
            a, b = sorted(values, key=str)
        else:
            raise ValueError(
                f"`contrast` {contrast!r} has {len(values)} values; pass groups=(a, b)."
            )
    else:
        a, b = groups
    pop = {"all": np.ones(len(frame), bool), "group_a": (frame[contrast] == a).to_numpy(),
           "group_b": (frame[contrast] == b).to_numpy()}[over]  # fmt: skip
    sub = frame.loc[pop]
    w = (sub[_S] + sub[_F]).to_numpy(dtype=float)
    data = result.model.data
    design_info = getattr(data, "design_info", None) or data.model_spec
    beta = result.params.to_numpy()
    cov = np.asarray(result.cov_params())

    def predict(value):
        new = sub.copy()
        new[contrast] = pd.Series([value] * len(new), index=new.index, dtype=object).astype(
            frame[contrast].dtype
        )
        (X,) = build_design_matrices([design_info], new, return_type="matrix")
        X = np.asarray(X)
        p = 1 / (1 + np.exp(-(X @ beta)))
        r = float(np.sum(w * p) / w.sum())
        grad = (w * p * (1 - p)) @ X / w.sum()
        return r, grad

    method = f"{fit_method}; marginal standardisation over {over}, delta method"
    if _G in frame.columns and np.isfinite(df):
        # the contrast is informed by the clusters of each side: t on min(G_a, G_b) - 1 df
        g_side = [frame.loc[(frame[contrast] == v).to_numpy(), _G].nunique() for v in (a, b)]
        if min(g_side) - 1 < df:
            df = float(max(min(g_side) - 1, 1))
            q = reference_quantile(level, df)
            method += f", t({df:g}) from the {min(g_side)} clusters of the smaller side"
        if min(g_side) < FEW_CLUSTERS:
            note = (f"few clusters: {min(g_side)} on one side of {contrast} (< {FEW_CLUSTERS}), "
                    "intervals may still be too narrow")  # fmt: skip
            fit_status = note if fit_status == "ok" else f"{fit_status}; {note}"
    ra, ga = predict(a)
    rb, gb = predict(b)
    out = []
    for label, kind, r, g in (
        (f"{contrast}={a}", "rate_a", ra, ga),
        (f"{contrast}={b}", "rate_b", rb, gb),
    ):
        # interval on the logit scale: d logit(r) = d r / (r (1 - r))
        s = float(np.sqrt(g @ cov @ g)) / (r * (1 - r))
        lo, hi = (np.log(r / (1 - r)) + k * q * s for k in (-1, 1))
        out.append({"term": label, "effect": kind, "estimate": r,
                    "ci_low": float(1 / (1 + np.exp(-lo))), "ci_high": float(1 / (1 + np.exp(-hi))),
                    "se": s, "pvalue": np.nan, "df": df, "method": method, "level": level,
                    "status": fit_status})  # fmt: skip
    term = f"{contrast}: {a} vs {b}"
    g = ga / ra - gb / rb
    s = float(np.sqrt(g @ cov @ g))
    lr = np.log(ra / rb)
    out.append({"term": term, "effect": "rate_ratio", "estimate": ra / rb,
                "ci_low": float(np.exp(lr - q * s)), "ci_high": float(np.exp(lr + q * s)),
                "se": s, "pvalue": reference_pvalue(lr / s, df), "df": df, "method": method,
                "level": level, "status": fit_status})  # fmt: skip
    g = ga - gb
    s = float(np.sqrt(g @ cov @ g))
    d = ra - rb
    out.append({"term": term, "effect": "rate_difference", "estimate": d,
                "ci_low": d - q * s, "ci_high": d + q * s, "se": s,
                "pvalue": reference_pvalue(d / s, df), "df": df, "method": method, "level": level,
                "status": fit_status})  # fmt: skip
    return out


_PLANTED_FACTORS = {"category": "category", "promo": "promo", "age_group": "age_group",
                    "gender": "gender"}  # fmt: skip
_TERM = re.compile(r"^(?:C\()?(?P<var>[A-Za-z_]+)\)?\[T\.(?P<level>.+)\]$")


def planted_odds_ratios(result, planted: dict) -> pd.Series:
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
