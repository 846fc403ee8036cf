r"""Audience segments (age group, gender, region): effects on the rate, live x segment
interactions, a heterogeneity test and empirical-Bayes shrunken segment lifts.

* :func:`audience_coverage`: which audience columns are broken down at all (TikTok Shop exports
  often are not: a column that is NA everywhere is reported as ``undefined``, not fitted).
* :func:`segment_effects`: one binomial GLM ``<metric> ~ is_live * C(segment) + adjust``
  (:func:`analysis.stats.models.glm`, cluster-robust): each segment's log odds ratio against the
  reference segment, on each side (non-live: the main effect; LIVE: main + interaction).
* :func:`segment_heterogeneity`: Wald F test that the live effect is the same in every segment
  (all ``is_live x segment`` terms 0).
* :func:`segment_tables`: both of the above from one fit of the interaction model (notebook 03).
* :func:`shrunk_lifts`: per segment, the LIVE and non-live rates shrunk by empirical Bayes
  (:func:`analysis.stats.shrinkage.shrink`, one beta prior per side) and their ratio with a
  Monte-Carlo credible interval, so a small 55+ segment does not headline the report.

Demographic **shares** (TikTok Shop's viewer / customer profiles) are not counts: these
functions need cells broken down by segment with their own ``viewers`` and ``atc``. See
``docs/notes/issue-4-hours-audience.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.vocabulary import check_level

__all__ = [
    "AUDIENCE_COLUMNS",
    "COVERAGE_COLUMNS",
    "EFFECT_COLUMNS",
    "HETEROGENEITY_COLUMNS",
    "LIFT_COLUMNS",
    "audience_coverage",
    "segment_effects",
    "segment_heterogeneity",
    "segment_tables",
    "shrunk_lifts",
]

#: the canonical audience columns
AUDIENCE_COLUMNS = ("age_group", "gender", "region")
#: Columns of :func:`audience_coverage`.
COVERAGE_COLUMNS = ("column", "n_segments", "viewers", "viewers_broken_down", "share", "status")
#: Columns of :func:`segment_effects`.
EFFECT_COLUMNS = (
    "segment", "is_live", "reference", "log_odds_ratio", "ci_low", "ci_high", "odds_ratio",
    "pvalue", "trials", "method", "level", "status",
)  # fmt: skip
#: Columns of :func:`shrunk_lifts` after the ``by`` columns.
LIFT_COLUMNS = (
    "successes_live", "trials_live", "rate_live", "successes_nonlive", "trials_nonlive",
    "rate_nonlive", "ratio", "shrunk_live", "shrunk_nonlive", "shrunk_ratio", "ci_low",
    "ci_high", "method", "level", "status",
)  # fmt: skip

_NONE = "(none)"
_SEG = "segment_"


def _viewers(cells: pd.DataFrame) -> np.ndarray:
    return cells["viewers"].astype("Float64").to_numpy(dtype=float, na_value=0.0)


def audience_coverage(
    cells: pd.DataFrame, *, columns: Sequence[str] = AUDIENCE_COLUMNS
) -> pd.DataFrame:
    """How much of the traffic each audience column breaks down.

    Returns
    -------
    pandas.DataFrame
        One row per column, :data:`COVERAGE_COLUMNS`: ``n_segments`` (distinct non-NA values),
        ``viewers`` (all), ``viewers_broken_down`` (in cells where the column is not NA),
        ``share``; ``status``: ``ok``, ``partly broken down: NA cells are left out of segment
        analyses`` or ``undefined: not broken down (every value NA)`` (also when the column is
        absent).
    """
    v = _viewers(cells)
    rows = []
    for c in columns:
        known = cells[c].notna().to_numpy() if c in cells.columns else np.zeros(len(cells), bool)
        k = int(cells.loc[known, c].nunique()) if known.any() else 0
        total, broken = float(v.sum()), float(v[known].sum())
        if not known.any():
            status = "undefined: not broken down (every value NA)"
        elif not known.all():
            status = "ok; partly broken down: NA cells are left out of segment analyses"
        else:
            status = "ok"
        rows.append({"column": c, "n_segments": k, "viewers": total,
                     "viewers_broken_down": broken,
                     "share": broken / total if total > 0 else np.nan, "status": status})  # fmt: skip
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def _check_by(cells: pd.DataFrame, by: str) -> str | None:
    """None when ``by`` can be analysed, else the ``undefined: ...`` status."""
    if not isinstance(by, str):
        raise ValueError(f"`by` is one audience column name (e.g. 'age_group'); got {by!r}.")
    if by not in cells.columns or cells[by].notna().sum() == 0:
        return f"undefined: {by} not broken down in these cells (every value NA)"
    if cells[by].nunique() < 2:
        return f"undefined: {by} has a single segment in these cells"
    return None


def _fit(cells, by, metric, adjust, cluster, interaction=True):
    from analysis.stats.models import glm

    adjust = [adjust] if isinstance(adjust, str) else list(adjust)
    adjust = [c for c in adjust if c != by]
    sel = cells[cells[by].notna()]
    extra = {_SEG: sel[by].astype("string")}
    for c in adjust:
        extra[f"{c}_adj"] = sel[c].astype("string").fillna(_NONE)
    frame = sel.assign(**extra)
    op = "*" if interaction else "+"
    formula = f"{metric} ~ is_live {op} C({_SEG}) " + "".join(f" + C({c}_adj)" for c in adjust)
    return glm(frame, formula, cluster=cluster), sel


def segment_effects(
    cells: pd.DataFrame,
    *,
    by: str,
    adjust: Sequence[str],
    metric: str = "atc_rate",
    cluster: str | Sequence[str] | None = "content_id",
    level: float = 0.95,
    interaction: bool = True,
) -> pd.DataFrame:
    r"""Log odds ratio of each segment against the reference segment, on each side.

    Fits ``<metric> ~ is_live * C(<by>) + C(adjust...)`` with :func:`analysis.stats.models.glm`
    (binomial, cluster-robust CR1, t reference) on the cells where ``by`` is not NA. The
    reference segment is the first value in sort order (``18-24``, ``female``). For segment
    *j*: non-live :math:`\beta_j`; LIVE :math:`\beta_j + \gamma_j` (main + interaction), each
    with :math:`\pm q\,se` from the cluster-robust covariance.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (not modified).
    by : str
        One audience column (``age_group``, ``gender``, ``region``).
    adjust : sequence of str, required (``()`` for none)
        Other columns adjusted for as categorical main effects (e.g. ``["gender", "hour",
        "category", "promo", "creator"]``); NA is its own level ``(none)``.
    metric : str
        A proportion metric.
    cluster
        Passed to :func:`analysis.stats.models.glm`.
    level : float
        Confidence level.
    interaction : bool
        True: ``is_live * C(<by>)``, one effect per side. False: ``is_live + C(<by>)``, one
        effect common to both sides (rows with ``is_live`` NA): the sharper estimate when
        :func:`segment_heterogeneity` finds no difference between the sides.

    Returns
    -------
    pandas.DataFrame
        :data:`EFFECT_COLUMNS`, one row per (side, non-reference segment); ``trials``:
        viewers of that segment and side; ``status``: the fit's (``ok``, ``few clusters:
        ...``), ``undefined: no LIVE viewers in this segment`` style, or a single row
        ``undefined: <by> not broken down in these cells (every value NA)`` (no fit).
    """
    level = check_level(level)
    undefined = _check_by(cells, by)
    if undefined:
        return _undefined_effects(undefined, level)
    res, sel = _fit(cells, by, metric, adjust, cluster, interaction)
    return _effects_from_fit(res, sel, by=by, level=level, interaction=interaction)


def _undefined_effects(status: str, level: float) -> pd.DataFrame:
    return pd.DataFrame([{"segment": pd.NA, "is_live": pd.NA, "reference": pd.NA,
                          "level": level, "status": status}],
                        columns=list(EFFECT_COLUMNS))  # fmt: skip


def _effects_from_fit(res, sel, *, by: str, level: float, interaction: bool) -> pd.DataFrame:
    """The :func:`segment_effects` rows of a fitted model ``res`` on the cells ``sel``."""
    from scipy import stats

    info = res.cartlift
    df = float(res.df_resid_inference) if getattr(res, "df_resid_inference", None) else np.inf
    q = (
        float(stats.t.ppf((1 + level) / 2, df))
        if np.isfinite(df)
        else stats.norm.ppf((1 + level) / 2)
    )
    names = list(res.params.index)
    beta, V = res.params.to_numpy(), np.asarray(res.cov_params())
    segments = sorted(sel[by].astype("string").unique())
    ref = segments[0]
    live_mask = sel["is_live"].fillna(False).to_numpy(dtype=bool)
    seg = sel[by].astype("string").to_numpy()
    v = _viewers(sel)
    rows = []
    for live in (False, True) if interaction else (None,):
        for s in segments[1:]:
            L = np.zeros(len(names))
            L[names.index(f"C({_SEG})[T.{s}]")] = 1
            if live:
                L[names.index(f"is_live[T.True]:C({_SEG})[T.{s}]")] = 1
            est, se = float(L @ beta), float(np.sqrt(L @ V @ L))
            side = (live_mask == live) if live is not None else np.ones(len(v), bool)
            trials = float(v[(seg == s) & side].sum())
            ok = trials > 0 and np.isfinite(se) and se > 0
            t = est / se if ok else np.nan
            p = (2 * (stats.t.sf(abs(t), df) if np.isfinite(df) else stats.norm.sf(abs(t)))
                 if ok else np.nan)  # fmt: skip
            rows.append({
                "segment": s, "is_live": pd.NA if live is None else live, "reference": ref,
                "log_odds_ratio": est if ok else np.nan,
                "ci_low": est - q * se if ok else np.nan,
                "ci_high": est + q * se if ok else np.nan,
                "odds_ratio": float(np.exp(est)) if ok else np.nan, "pvalue": p,
                "trials": trials, "method": f"{info.method}; {by} vs {ref}", "level": level,
                "status": info.status if ok else
                f"undefined: no {'LIVE' if live else 'non-live'} viewers in this segment"
                if live is not None else "undefined: no viewers in this segment",
            })  # fmt: skip
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))


#: Columns of :func:`segment_heterogeneity`.
HETEROGENEITY_COLUMNS = ("test", "hypothesis", "statistic", "df_num", "df_denom", "pvalue",
                         "method", "status")  # fmt: skip


def _heterogeneity_row(by: str) -> dict:
    return {"test": f"live x {by}", "hypothesis": f"the live effect is the same in every {by} "
            "segment (all live x segment terms are 0)", "statistic": np.nan, "df_num": np.nan,
            "df_denom": np.nan, "pvalue": np.nan, "method": "", "status": ""}  # fmt: skip


def segment_heterogeneity(
    cells: pd.DataFrame,
    *,
    by: str,
    adjust: Sequence[str],
    metric: str = "atc_rate",
    cluster: str | Sequence[str] | None = "content_id",
) -> pd.DataFrame:
    r"""Heterogeneity test: is the live effect (log odds ratio) the same in every segment?

    Same model as :func:`segment_effects`; :math:`H_0`: every ``is_live x segment``
    coefficient is 0. Wald F test with the cluster-robust covariance on
    :math:`(k - 1, G - 1)` degrees of freedom (statsmodels ``wald_test(use_f=True)``).

    Returns
    -------
    pandas.DataFrame
        One row: ``test`` (``live x <by>``), ``hypothesis``, ``statistic``, ``df_num``,
        ``df_denom``, ``pvalue``, ``method``, ``status`` (the fit's, or ``undefined: ...``).
    """
    row, cols = _heterogeneity_row(by), list(HETEROGENEITY_COLUMNS)
    undefined = _check_by(cells, by)
    if undefined:
        row["status"] = undefined
        return pd.DataFrame([row], columns=cols)
    res, _ = _fit(cells, by, metric, adjust, cluster)
    return _heterogeneity_from_fit(res, row, cols)


def _heterogeneity_from_fit(res, row: dict, cols: list[str]) -> pd.DataFrame:
    """The :func:`segment_heterogeneity` row of a fitted interaction model ``res``."""
    names = [n for n in res.params.index if n.startswith(f"is_live[T.True]:C({_SEG})")]
    row["method"] = f"{res.cartlift.method}; Wald F test"
    se = res.bse[names]
    if not names or not np.all(np.isfinite(se)) or np.any(se <= 0):
        row["status"] = "undefined: the live x segment terms are not estimable"
        return pd.DataFrame([row], columns=cols)
    w = res.wald_test(", ".join(f"{n} = 0" for n in names), use_f=True, scalar=True)
    row.update(statistic=float(w.statistic), df_num=float(len(names)),
               df_denom=float(w.df_denom), pvalue=float(w.pvalue),
               status=res.cartlift.status)  # fmt: skip
    return pd.DataFrame([row], columns=cols)


def segment_tables(
    cells: pd.DataFrame,
    *,
    by: str,
    adjust: Sequence[str],
    metric: str = "atc_rate",
    cluster: str | Sequence[str] | None = "content_id",
    level: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    r"""Per-side segment effects and the heterogeneity test from ONE interaction fit.

    ``segment_effects(cells, by=by, adjust=adjust, ..., interaction=True)`` and
    ``segment_heterogeneity(cells, by=by, adjust=adjust, ...)`` fit the same model
    ``<metric> ~ is_live * C(<by>) + C(adjust...)``; this function fits it once (a binomial
    GLM with a cluster-robust covariance costs most of a notebook's time) and returns both,
    identical to the two separate calls.

    Parameters
    ----------
    cells, by, adjust, metric, cluster, level
        As in :func:`segment_effects` (``level`` applies to the effects; the test has none).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``(effects, test)``: :data:`EFFECT_COLUMNS` rows as :func:`segment_effects`, and the one
        :data:`HETEROGENEITY_COLUMNS` row of :func:`segment_heterogeneity` (both ``undefined:
        ...`` without a fit when ``by`` is not broken down).
    """
    level = check_level(level)
    row, cols = _heterogeneity_row(by), list(HETEROGENEITY_COLUMNS)
    undefined = _check_by(cells, by)
    if undefined:
        row["status"] = undefined
        return _undefined_effects(undefined, level), pd.DataFrame([row], columns=cols)
    res, sel = _fit(cells, by, metric, adjust, cluster, True)
    effects = _effects_from_fit(res, sel, by=by, level=level, interaction=True)
    return effects, _heterogeneity_from_fit(res, row, cols)


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
    (:func:`analysis.stats.shrinkage.shrink` on the LIVE cells), their non-live rates with another.
    ``shrunk_ratio`` is the ratio of the two posterior means; its credible interval is the
    equal-tailed interval of ``draws`` ratios of independent posterior draws
    :math:`\mathrm{Beta}(\alpha_L + x_L, \beta_L + n_L - x_L) /
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
        rates; lift = ratio - 1). ``status``: the two shrinkage statuses joined (``ok`` when
        both are), or ``undefined: ...`` (no viewers on a side, fewer than 3 segments, a
        segment column not broken down).

    Notes
    -----
    Treats viewers as independent within a segment (no LIVE clustering) and the two sides as
    independent; the prior is fitted to the segments (empirical Bayes), so the interval
    ignores the prior's own uncertainty. A ranking aid, not a test: use
    :func:`segment_heterogeneity` for the evidence that lifts differ.
    """
    from analysis.stats.shrinkage import shrink

    level = check_level(level)
    by_cols = [by] if isinstance(by, str) else list(by)
    for c in by_cols:
        undefined = _check_by(cells, c)
        if undefined:
            row = dict.fromkeys(by_cols, pd.NA) | {"level": level, "status": undefined}
            return pd.DataFrame([row], columns=[*by_cols, *LIFT_COLUMNS])
    sel = cells[cells["is_live"].notna() & cells[by_cols].notna().all(axis=1)]
    is_live = sel["is_live"].astype(bool)
    live = shrink(sel[is_live], by=by_cols, metric=metric, level=level)
    non = shrink(sel[~is_live], by=by_cols, metric=metric, level=level)
    keep = ["successes", "trials", "rate", "shrunk_rate", "prior_alpha", "prior_beta", "status"]
    m = live[[*by_cols, *keep]].merge(non[[*by_cols, *keep]], on=by_cols, how="outer",
                                      suffixes=("_live", "_nonlive"))  # fmt: skip
    rng = np.random.default_rng(seed)
    lo, hi = np.full(len(m), np.nan), np.full(len(m), np.nan)
    for i, r in enumerate(m.itertuples(index=False)):
        a_l = r.prior_alpha_live + r.successes_live
        b_l = r.prior_beta_live + r.trials_live - r.successes_live
        a_n = r.prior_alpha_nonlive + r.successes_nonlive
        b_n = r.prior_beta_nonlive + r.trials_nonlive - r.successes_nonlive
        if not np.all(np.isfinite([a_l, b_l, a_n, b_n])):
            continue
        ratio = rng.beta(a_l, b_l, int(draws)) / rng.beta(a_n, b_n, int(draws))
        lo[i], hi[i] = np.quantile(ratio, [(1 - level) / 2, (1 + level) / 2])
    out = m[by_cols].copy()
    for side in ("live", "nonlive"):
        out[f"successes_{side}"] = m[f"successes_{side}"]
        out[f"trials_{side}"] = m[f"trials_{side}"]
        out[f"rate_{side}"] = m[f"rate_{side}"]
    out["ratio"] = out["rate_live"] / out["rate_nonlive"]
    out["shrunk_live"] = m["shrunk_rate_live"]
    out["shrunk_nonlive"] = m["shrunk_rate_nonlive"]
    out["shrunk_ratio"] = out["shrunk_live"] / out["shrunk_nonlive"]
    out["ci_low"], out["ci_high"] = lo, hi
    out["method"] = (f"beta-binomial-mle shrinkage per side; ratio interval from {int(draws)} "
                     f"posterior draws (seed {seed})")  # fmt: skip
    out["level"] = level
    s_l = m["status_live"].fillna("undefined: no LIVE viewers")
    s_n = m["status_nonlive"].fillna("undefined: no non-live viewers")
    both_ok = s_l.str.startswith("ok") & s_n.str.startswith("ok")
    out["status"] = np.where(both_ok & (s_l == "ok") & (s_n == "ok"), "ok",
                             np.where(both_ok, "ok; LIVE: " + s_l + "; non-live: " + s_n,
                                      "LIVE: " + s_l + "; non-live: " + s_n))  # fmt: skip
    out["status"] = np.where(~both_ok & np.isnan(lo), "undefined: " + out["status"],
                             out["status"])  # fmt: skip
    return out.reset_index(drop=True)


def planted_effects(planted: dict | None, *, by: str) -> pd.DataFrame | None:
    """The simulated sample's planted log odds ratios of ``by`` against its reference segment.

    ``planted`` is ``analysis.sample.truth.read_truth(data).planted`` (``None`` returns ``None``).
    Returns ``segment`` and ``expected_log_odds_ratio`` (the planted effect minus the reference
    segment's, the same on both sides: no live x segment interaction is planted), or ``None``
    when ``by`` has no planted effect (e.g. ``region``).
    """
    if not planted or by not in planted or not isinstance(planted[by], dict):
        return None
    effects = {str(k): float(v) for k, v in planted[by].items()}
    ref = sorted(effects)[0]
    return pd.DataFrame(
        [{"segment": k, "expected_log_odds_ratio": v - effects[ref]}
         for k, v in sorted(effects.items()) if k != ref]
    )  # fmt: skip
