r"""Fatigue: is the audience tiring of a creator's weekly LIVE series (or within a LIVE)?

A trend of the LIVE rate across a creator's successive LIVEs (``scale="series"``: the LIVE's
0-based rank in her series) or across the hours of a LIVE (``scale="within"``: hours since the
LIVE's first hour), modelled as one slope on the log odds with creator fixed effects and a
cluster-robust interval: a clustered binomial-GLM trend test, the model form of the
Cochran-Armitage test (never a chi-squared for trend on pooled hours, whose viewers of one LIVE
share its mood; Agresti 2013, *Categorical Data Analysis*, 3rd ed., sec. 5.3.5).
:func:`fatigue_curve` gives the fitted decay with its band for the plot
(:func:`analysis.present.time_plots.decay_plot`).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from patsy import build_design_matrices

from analysis.analyses.live_events import live_sessions
from analysis.analyses.statuses import fit_notes, read_status
from analysis.stats.glm_vcov import contrast_df
from analysis.stats.models import coef_table, glm
from analysis.stats.reference import reference_quantile
from analysis.status import note, status_columns, undefined
from analysis.vocabulary import FATIGUE_SCALES, check_argument, check_level

__all__ = [
    "CURVE_COLUMNS",
    "FATIGUE_ADJUST",
    "FATIGUE_COLUMNS",
    "MIN_LIVES",
    "fatigue",
    "fatigue_curve",
]

#: Columns of :func:`fatigue`.
FATIGUE_COLUMNS = (
    "creator", "scale", "n_lives", "trials", "slope", "ci_low", "ci_high", "pvalue",
    "odds_ratio_per_step", "n_clusters", "df", "method", "level", "status", "status_message",
)  # fmt: skip

#: fewest LIVEs of a creator for her own slope
MIN_LIVES = 3


#: default adjustment of the fatigue model (categorical fixed effects)
FATIGUE_ADJUST = ("hour", "promo", "category", "age_group", "gender")


def _design(
    cells: pd.DataFrame, *, scale: str, adjust: Sequence[str] | None,
    interventions: Mapping[str, Any] | None,
) -> tuple[pd.DataFrame, str]:  # fmt: skip
    """The hourly LIVE cells with their step ``_k`` and intervention indicators ``_int<i>``, and
    the formula terms of the indicators and the adjustment (those that vary)."""
    sessions = live_sessions(cells)
    live = cells.loc[((cells["channel"] == "LIVE").fillna(False)
                      & cells["content_id"].notna()).to_numpy(dtype=bool)].copy()  # fmt: skip
    idx = sessions.set_index("content_id")
    if scale == "series":
        live["_k"] = live["content_id"].map(idx["series_index"]).astype(float).to_numpy()
    else:
        first = live["content_id"].map(idx["start"])
        live["_k"] = ((live["start"] - first).dt.total_seconds() / 3600).to_numpy(dtype=float)
    live["_live"] = live["content_id"].astype(str)
    terms = ""
    for i, (who, day) in enumerate((interventions or {}).items()):
        ts = pd.Timestamp(day)
        d = (ts.tz_localize(None) if ts.tzinfo else ts).normalize()
        col = f"_int{i}"
        live[col] = ((live["creator"] == who).fillna(False) & (live["date"] >= d)).astype(float)
        if live[col].sum() > 0:
            terms += f" + {col}"
    if adjust is None:
        adjust = FATIGUE_ADJUST if scale == "series" else tuple(a for a in FATIGUE_ADJUST
                                                                 if a != "hour")  # fmt: skip
    adjust = tuple(adjust)
    missing = [a for a in adjust if a not in live.columns]
    if missing:
        raise ValueError(
            f"`adjust` names columns the cells do not have: {missing}; "
            f"the cells have {sorted(map(str, cells.columns))}."
        )
    terms += "".join(f" + C({a})" for a in adjust if live[a].nunique(dropna=True) > 1)
    return live, terms


def _own_terms(sub: pd.DataFrame, terms: str) -> str:
    """The adjustment terms that vary within ``sub`` (one creator's cells)."""
    kept = []
    for t in terms.split(" + ")[1:]:
        col = t[2:-1] if t.startswith("C(") else t
        if sub[col].nunique(dropna=True) > 1:
            kept.append(t)
    return "".join(f" + {t}" for t in kept)


def fatigue(
    cells: pd.DataFrame,
    *,
    scale: str = "series",
    metric: str = "atc_rate",
    adjust: Sequence[str] | None = None,
    interventions: Mapping[str, Any] | None = None,
    cluster: str = "content_id",
    level: float = 0.95,
) -> pd.DataFrame:
    r"""The trend of the LIVE rate over a creator's successive LIVEs, or within LIVEs.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (hourly LIVE cells are used; not modified).
    scale : {"series", "within"}
        ``series``: step = one more LIVE in the creator's series (rank 0, 1, 2, ... by start,
        all her weekly slots together). ``within``: step = one hour into the LIVE.
    metric : str
        A proportion metric.
    adjust : list of str, optional
        Categorical fixed effects; default :data:`FATIGUE_ADJUST` (hour of day, promotion,
        category, age group, gender), without hour of day for ``scale="within"`` (a creator's
        LIVEs start at fixed hours, so the hour into the LIVE and the hour of day are nearly
        the same variable).
    interventions : mapping, optional
        ``{creator: first day}`` of known level changes (e.g. Q&A added); each adds an
        indicator so that a jump is not read as a trend.
    cluster : str
        Cluster column (default ``content_id``: one LIVE; ``creator`` leaves few clusters).
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        :data:`FATIGUE_COLUMNS`: first a row ``creator="all"`` (one common slope, creator fixed
        effects), then one row per creator (her own slope, fitted on her cells only, so its
        interval rests on her LIVEs alone: t on her LIVEs - 1 degrees of freedom). ``slope``: change of the log odds per step (negative =
        fatigue) with its interval and p-value (slope 0); ``odds_ratio_per_step`` =
        ``exp(slope)``; ``n_lives``, ``trials``. ``status``: ``ok``, ``few clusters: ...``,
        ``undefined: fewer than 3 LIVEs`` or ``undefined: no variation in the step`` (a
        creator's own slope; e.g. LIVEs of one hour with ``scale="within"``).

    Notes
    -----
    .. math:: \operatorname{logit} p_j = \alpha_{c(j)} + \gamma k_j + Z_j\eta
              \quad(\text{common}),\qquad \alpha_{c(j)} + \gamma_{c(j)} k_j + Z_j\eta
              \quad(\text{per creator}),

    :math:`k_j` the step of cell *j*. The score test of :math:`\gamma = 0` in this model with
    no covariates is the Cochran-Armitage trend test (Agresti 2013, *Categorical Data
    Analysis*, 3rd ed., sec. 5.3.5); the cluster-robust Wald version keeps its size when the
    LIVEs' rates share session effects.
    """
    level = check_level(level)
    check_argument("scale", FATIGUE_SCALES, scale)
    live, terms = _design(cells, scale=scale, adjust=adjust, interventions=interventions)
    if live.empty:
        row = dict.fromkeys(FATIGUE_COLUMNS, np.nan) | {"creator": "all", "scale": scale,
                                                        "level": level}  # fmt: skip
        row |= undefined("undefined_no_cells", "no hourly LIVE cells with a content_id")
        return pd.DataFrame([row], columns=list(FATIGUE_COLUMNS))
    creators = sorted(live["creator"].dropna().unique())
    fe = " + C(creator)" if len(creators) > 1 else ""
    res = _glm(live, f"{metric} ~ _k{fe}{terms}", cluster=cluster, keep=True)
    rows = [_slope_row(live, "all", np.ones(len(live), bool), res, scale=scale, level=level)]
    if len(creators) > 1:
        rows += [_creator_row(live, who, terms, metric=metric, cluster=cluster, scale=scale,
                              level=level) for who in creators]  # fmt: skip
    return pd.DataFrame(rows, columns=list(FATIGUE_COLUMNS))


def _glm(frame: pd.DataFrame, formula: str, *, cluster: str, keep: bool = False) -> Any:
    """:func:`analysis.stats.models.glm`, statsmodels' warnings (a rank-deficient design with
    few LIVEs, an overflow) kept on the result as ``fit_warnings`` for its status, not printed.

    ``keep``: the fit is kept (one, the last) and returned again for the same frame (its
    values, index, columns and types: :func:`pandas.util.hash_pandas_object`), formula and
    cluster: :func:`fatigue` and :func:`fatigue_curve` fit the same common model on one page.
    """
    key = None
    if keep:
        rows = pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
        key = (formula, cluster, tuple(map(str, frame.columns)), tuple(map(str, frame.dtypes)),
               hashlib.sha256(rows).hexdigest())  # fmt: skip
        last = _KEPT[0] if _KEPT else None  # read once: reports may run in threads
        if last is not None and last[0] == key:
            return last[1]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = glm(frame, formula, cluster=cluster)
    res.fit_warnings = sorted({str(w.message).split(". ")[0] for w in caught})
    if key is not None:
        _KEPT[:] = [(key, res)]
    return res


#: the last common fit of :func:`_glm` (``keep=True``): (key, result)
_KEPT: list[tuple[tuple, Any]] = []


def _notes(fit: Any) -> list:
    """The status notes of a fit: its own, and ``partial`` naming statsmodels' warnings."""
    extra = getattr(fit, "fit_warnings", [])
    return fit_notes(fit.cartlift) + ([note("partial", "; ".join(extra))] if extra else [])


def _slope_row(
    live: pd.DataFrame, who: str, sel: np.ndarray, fit: Any, *, scale: str, level: float
) -> dict:
    """The row of ``who``: the slope of ``_k`` in ``fit``, on the cells ``sel`` of ``live``."""
    c = coef_table(fit, level=level).set_index("term").loc["_k"]
    step = "LIVE in the series" if scale == "series" else "hour into the LIVE"
    return {"creator": who, "scale": scale, "n_lives": int(live.loc[sel, "content_id"].nunique()),
            "trials": float(pd.to_numeric(live.loc[sel, "viewers"]).astype(float).sum()),
            "slope": c["estimate"], "ci_low": c["ci_low"], "ci_high": c["ci_high"],
            "pvalue": c["pvalue"], "odds_ratio_per_step": float(np.exp(c["estimate"])),
            "n_clusters": fit.cartlift.n_clusters, "df": c["df"],
            "method": f"{c['method']}; slope per {step}", "level": level,
            **status_columns([read_status(c["status"], c["status_message"]),
                              *_notes(fit)[len(fit_notes(fit.cartlift)):]])}  # fmt: skip


def _creator_row(
    live: pd.DataFrame, who: str, terms: str, *, metric: str, cluster: str, scale: str,
    level: float,
) -> dict:  # fmt: skip
    """``who``'s own slope, fitted on her cells only (undefined with too few LIVEs or steps)."""
    sel = (live["creator"] == who).fillna(False).to_numpy()
    sub = live.loc[sel]
    n_lives = int(sub["content_id"].nunique())
    blank = dict.fromkeys(FATIGUE_COLUMNS, np.nan) | {
        "creator": who, "scale": scale, "n_lives": n_lives,
        "trials": float(pd.to_numeric(sub["viewers"]).astype(float).sum()), "level": level}  # fmt: skip
    if n_lives < MIN_LIVES:
        return blank | undefined("undefined_too_few", f"{n_lives} LIVEs (< {MIN_LIVES})")
    if sub["_k"].nunique() < 2:
        step = "rank in the series" if scale == "series" else "hour into the LIVE"
        return blank | undefined("undefined_not_estimable", f"no variation in the step ({step})")
    per = _glm(sub, f"{metric} ~ _k{_own_terms(sub, terms)}", cluster=cluster)
    return _slope_row(live, who, sel, per, scale=scale, level=level)


def _step_designs(info: Any, sub: pd.DataFrame, top: int) -> list[np.ndarray]:
    """The design matrices of ``sub`` with the step ``_k`` set to 0, 1, ..., ``top``.

    patsy builds the matrix at steps 0 and 1; when only the ``_k`` column differs (``_k`` a
    plain numeric term, as in :func:`fatigue_curve`'s formula) the other steps set that column
    (the same numbers as building each); otherwise every step is built."""

    def build(k: int) -> np.ndarray:
        (X,) = build_design_matrices([info], sub.assign(_k=float(k)), return_type="matrix")
        return np.asarray(X)

    first = [build(k) for k in range(min(top, 1) + 1)]
    if len(first) < 2:
        return first
    changed = np.flatnonzero((first[0] != first[1]).any(axis=0))
    if (
        len(changed) != 1
        or not ((first[0][:, changed[0]] == 0) & (first[1][:, changed[0]] == 1)).all()
    ):
        return [*first, *(build(k) for k in range(2, top + 1))]
    out = []
    for k in range(top + 1):
        X = first[0].copy()
        X[:, changed[0]] = float(k)
        out.append(X)
    return out


#: Columns of :func:`fatigue_curve`.
CURVE_COLUMNS = (
    "creator", "step", "rate", "ci_low", "ci_high", "method", "level", "status", "status_message",
)  # fmt: skip


def fatigue_curve(
    cells: pd.DataFrame,
    *,
    scale: str = "series",
    metric: str = "atc_rate",
    adjust: Sequence[str] | None = None,
    interventions: Mapping[str, Any] | None = None,
    cluster: str = "content_id",
    level: float = 0.95,
) -> pd.DataFrame:
    r"""Fitted decay of each creator's LIVE rate along the steps, with a pointwise band.

    The common-slope model of :func:`fatigue`; for creator *c* and step *k*, the standardised
    rate :math:`\hat r_c(k) = \sum_j w_j\,\mathrm{expit}(X_j^{(k)}\hat\beta)/\sum_j w_j` over
    her cells *j* (their own hours, promotions, audiences; intervention indicators as
    observed) with the step set to *k*; band: delta method on the logit of
    :math:`\hat r_c(k)` with the cluster-robust covariance, on the reference df of the
    gradient contrast (Bell-McCaffrey under CR2; :func:`analysis.stats.glm_vcov.contrast_df`).

    Returns
    -------
    pandas.DataFrame
        :data:`CURVE_COLUMNS`, one row per creator and step (0 to her last LIVE rank, or her
        longest LIVE in hours); ``status`` and ``status_message`` of the common fit (``ok``,
        ``few_clusters``, ... as :func:`fatigue`).
    """
    level = check_level(level)
    check_argument("scale", FATIGUE_SCALES, scale)
    live, terms = _design(cells, scale=scale, adjust=adjust, interventions=interventions)
    creators = sorted(live["creator"].dropna().unique())
    fe = " + C(creator)" if len(creators) > 1 else ""
    res = _glm(live, f"{metric} ~ _k{fe}{terms}", cluster=cluster, keep=True)
    frame = res.model.data.frame
    info = getattr(res.model.data, "design_info", None) or res.model.data.model_spec
    beta = res.params.to_numpy()
    cov = np.asarray(res.cov_params())
    w_all = (frame["_successes"] + frame["_failures"]).to_numpy(dtype=float)
    rows = []
    status = status_columns(_notes(res))
    method = f"{res.cartlift.method}; standardised over the creator's cells, delta-method band"
    for who in creators:
        sel = (
            (frame["creator"] == who).to_numpy()
            if "creator" in frame
            else np.ones(len(frame), bool)
        )
        sub, w = frame.loc[sel], w_all[sel]
        steps = _step_designs(info, sub, int(np.ceil(sub["_k"].max())))
        ps = [1 / (1 + np.exp(-(X @ beta))) for X in steps]
        grads = np.array([(w * p * (1 - p)) @ X / w.sum() for X, p in zip(steps, ps, strict=True)])
        dfs = contrast_df(res, grads)  # every step's gradient in one pass over the clusters
        for k, (p, g) in enumerate(zip(ps, grads, strict=True)):
            r = float(np.sum(w * p) / w.sum())
            v = float(g @ cov @ g)  # < 0 only from a rank-deficient fit: no band then
            q = reference_quantile(level, float(dfs[k]))
            s = float(np.sqrt(v)) / (r * (1 - r)) if v >= 0 else np.nan
            lo, hi = (np.log(r / (1 - r)) + m * q * s for m in (-1, 1))
            rows.append({"creator": who, "step": k, "rate": r,
                         "ci_low": float(1 / (1 + np.exp(-lo))),
                         "ci_high": float(1 / (1 + np.exp(-hi))), "method": method,
                         "level": level, **status})  # fmt: skip
    return pd.DataFrame(rows, columns=list(CURVE_COLUMNS))
