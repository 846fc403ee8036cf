r"""Audience segments (age group, gender, region): which are broken down, each segment's effect
on the rate from one live x segment GLM, and the test that the live effect is the same in all.

* :func:`audience_coverage`: which audience columns are broken down at all (TikTok Shop exports
  often are not: a column that is NA everywhere is reported as ``undefined``, not fitted).
* :func:`segment_effects`: one binomial GLM ``<metric> ~ is_live * C(segment) + adjust``
  (:func:`analysis.stats.models.glm`, cluster-robust): each segment's log odds ratio against the
  reference segment, on each side (non-live: the main effect; LIVE: main + interaction).
* :func:`segment_heterogeneity`: Wald F test that the live effect is the same in every segment
  (all ``is_live x segment`` terms 0).
* :func:`segment_tables`: both of the above from one fit of the interaction model (notebook 03).

The empirical-Bayes shrunken lift of each segment is in :mod:`analysis.analyses.segment_lifts`.
Demographic **shares** (TikTok Shop's viewer / customer profiles) are not counts: these
functions need cells broken down by segment with their own ``viewers`` and ``atc``
(``docs/data-formats.md``: demographic exports are shares, not counts).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.analyses.statuses import fit_status
from analysis.stats.models import contrast_table, glm
from analysis.status import Note, note
from analysis.vocabulary import check_level

__all__ = [
    "AUDIENCE_COLUMNS",
    "COVERAGE_COLUMNS",
    "EFFECT_COLUMNS",
    "HETEROGENEITY_COLUMNS",
    "audience_coverage",
    "segment_column_status",
    "segment_effects",
    "segment_heterogeneity",
    "segment_tables",
]

#: the canonical audience columns
AUDIENCE_COLUMNS = ("age_group", "gender", "region")
#: Columns of :func:`audience_coverage`.
COVERAGE_COLUMNS = (
    "column", "n_segments", "viewers", "viewers_broken_down", "share", "status", "status_message",
)  # fmt: skip
#: Columns of :func:`segment_effects`.
EFFECT_COLUMNS = (
    "segment", "is_live", "reference", "log_odds_ratio", "ci_low", "ci_high", "odds_ratio",
    "pvalue", "trials", "method", "level", "status", "status_message",
)  # fmt: skip
#: Columns of :func:`segment_heterogeneity`.
HETEROGENEITY_COLUMNS = (
    "test", "hypothesis", "statistic", "df_num", "df_denom", "pvalue", "method", "status",
    "status_message",
)  # fmt: skip

_NONE = "(none)"
_SEG = "segment_"


def _viewers(cells: pd.DataFrame) -> np.ndarray:
    return cells["viewers"].astype("Float64").to_numpy(dtype=float, na_value=0.0)


def audience_coverage(
    cells: pd.DataFrame, *, columns: Sequence[str] = AUDIENCE_COLUMNS
) -> pd.DataFrame:
    r"""How much of the traffic each audience column breaks down.

    ``share`` :math:`= \sum_{c:\ \text{column known}} n_c / \sum_c n_c` over the cells *c*
    (``n`` = viewers).

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells (not modified).
    columns : sequence of str
        The audience columns to report (default :data:`AUDIENCE_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        One row per column, :data:`COVERAGE_COLUMNS`: ``n_segments`` (distinct non-NA values),
        ``viewers`` (all), ``viewers_broken_down`` (in cells where the column is not NA),
        ``share``. ``status``: ``ok``; ``partial`` (partly broken down: NA cells are left out of
        segment analyses); ``undefined_not_broken_down`` (every value NA, or no such column).
    """
    v = _viewers(cells)
    rows = []
    for c in columns:
        known = cells[c].notna().to_numpy() if c in cells.columns else np.zeros(len(cells), bool)
        k = int(cells.loc[known, c].nunique()) if known.any() else 0
        total, broken = float(v.sum()), float(v[known].sum())
        if not known.any():
            code, message = note("undefined_not_broken_down", f"{c}: every value NA")
        elif not known.all():
            code, message = note("partial", f"{c} partly broken down: NA cells are left out "
                                   "of segment analyses")  # fmt: skip
        else:
            code, message = note("ok")
        rows.append({"column": c, "n_segments": k, "viewers": total,
                     "viewers_broken_down": broken,
                     "share": broken / total if total > 0 else np.nan, "status": code,
                     "status_message": message})  # fmt: skip
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def segment_column_status(cells: pd.DataFrame, by: str) -> Note | None:
    """None when the segment column ``by`` can be analysed, else its undefined status.

    ``undefined_not_broken_down`` when ``by`` is absent or NA in every cell,
    ``undefined_too_few`` when it has a single segment.

    Raises
    ------
    ValueError
        ``by`` is not one column name.
    """
    if not isinstance(by, str):
        raise ValueError(f"`by` is one audience column name (e.g. 'age_group'); got {by!r}.")
    if by not in cells.columns or cells[by].notna().sum() == 0:
        return note("undefined_not_broken_down", f"{by}: every value NA in these cells")
    if cells[by].nunique() < 2:
        return note("undefined_too_few", f"{by} has a single segment in these cells")
    return None


def _fit(cells, by, metric, adjust, cluster, interaction=True):
    """The GLM ``<metric> ~ is_live * C(segment) + C(adjust...)`` and the cells it saw."""
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
        viewers of that segment and side. ``status``: the fit's (``ok``, ``few_clusters``,
        ...); ``undefined_no_viewers`` for a segment with no viewers on that side; or a single
        row ``undefined_not_broken_down`` / ``undefined_too_few`` (no fit) when ``by`` is not
        broken down or has one segment.
    """
    level = check_level(level)
    undefined = segment_column_status(cells, by)
    if undefined:
        return _undefined_effects(undefined, level)
    res, sel = _fit(cells, by, metric, adjust, cluster, interaction)
    return _effects_from_fit(res, sel, by=by, level=level, interaction=interaction)


def _undefined_effects(found: Note, level: float) -> pd.DataFrame:
    return pd.DataFrame([{"segment": pd.NA, "is_live": pd.NA, "reference": pd.NA,
                          "level": level, "status": found[0], "status_message": found[1]}],
                        columns=list(EFFECT_COLUMNS))  # fmt: skip


def _segment_contrast(names: list[str], segment: str, live: bool | None) -> np.ndarray:
    r"""Row :math:`L` with :math:`L\hat\beta` = the segment's log odds ratio on the side."""
    L = np.zeros(len(names))
    L[names.index(f"C({_SEG})[T.{segment}]")] = 1
    if live:
        L[names.index(f"is_live[T.True]:C({_SEG})[T.{segment}]")] = 1
    return L


def _effects_from_fit(res, sel, *, by: str, level: float, interaction: bool) -> pd.DataFrame:
    """The :func:`segment_effects` rows of a fitted model ``res`` on the cells ``sel``."""
    names = list(res.params.index)
    segments = sorted(sel[by].astype("string").unique())
    ref = segments[0]
    live_mask = sel["is_live"].fillna(False).to_numpy(dtype=bool)
    seg, v = sel[by].astype("string").to_numpy(), _viewers(sel)
    rows = []
    for live in (False, True) if interaction else (None,):
        side = (live_mask == live) if live is not None else np.ones(len(v), bool)
        for s in segments[1:]:
            # the segment's contrast on its own reference df (Bell-McCaffrey under CR2)
            c = contrast_table(res, _segment_contrast(names, s, live), level=level).iloc[0]
            trials = float(v[(seg == s) & side].sum())
            ok = trials > 0 and np.isfinite(c["se"]) and c["se"] > 0
            est, lo, hi, p = ((float(c[k]) if ok else np.nan)
                              for k in ("estimate", "ci_low", "ci_high", "pvalue"))  # fmt: skip
            who = "" if live is None else f"{'LIVE' if live else 'non-live'} "
            code, message = (fit_status(res) if ok else
                             note("undefined_no_viewers", f"no {who}viewers in segment {s}"))  # fmt: skip
            rows.append({
                "segment": s, "is_live": pd.NA if live is None else live, "reference": ref,
                "log_odds_ratio": est, "ci_low": lo, "ci_high": hi,
                "odds_ratio": float(np.exp(est)), "pvalue": p, "trials": trials,
                "method": f"{res.cartlift.method}; {by} vs {ref}", "level": level,
                "status": code, "status_message": message,
            })  # fmt: skip
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))


def _heterogeneity_row(by: str) -> dict:
    return {"test": f"live x {by}", "hypothesis": f"the live effect is the same in every {by} "
            "segment (all live x segment terms are 0)", "statistic": np.nan, "df_num": np.nan,
            "df_denom": np.nan, "pvalue": np.nan, "method": "", "status": "",
            "status_message": ""}  # fmt: skip


def _undefined_test(by: str, found: Note) -> pd.DataFrame:
    row = _heterogeneity_row(by) | {"status": found[0], "status_message": found[1]}
    return pd.DataFrame([row], columns=list(HETEROGENEITY_COLUMNS))


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
    coefficient :math:`\gamma_j` is 0. Wald F test with the cluster-robust covariance,
    :math:`F = \hat\gamma^\top \hat V_\gamma^{-1} \hat\gamma / (k - 1)` on
    :math:`(k - 1, G - 1)` degrees of freedom for *k* segments and *G* clusters (statsmodels
    ``wald_test(use_f=True)``; Cameron and Miller 2015).

    Parameters
    ----------
    cells, by, adjust, metric, cluster
        As in :func:`segment_effects`.

    Returns
    -------
    pandas.DataFrame
        One row, :data:`HETEROGENEITY_COLUMNS`: ``test`` (``live x <by>``), ``hypothesis``,
        ``statistic``, ``df_num``, ``df_denom``, ``pvalue``, ``method``. ``status``: the fit's
        (``ok``, ``few_clusters``, ...); ``undefined_not_estimable`` when the interaction terms
        cannot be estimated; ``undefined_not_broken_down`` / ``undefined_too_few`` (no fit) as in
        :func:`segment_effects`.

    References
    ----------
    Cameron AC, Miller DL (2015). A practitioner's guide to cluster-robust inference. J Human
    Resources 50:317-372.
    """
    undefined = segment_column_status(cells, by)
    if undefined:
        return _undefined_test(by, undefined)
    res, _ = _fit(cells, by, metric, adjust, cluster)
    return _heterogeneity_from_fit(res, by)


def _heterogeneity_from_fit(res, by: str) -> pd.DataFrame:
    """The :func:`segment_heterogeneity` row of a fitted interaction model ``res``."""
    names = [n for n in res.params.index if n.startswith(f"is_live[T.True]:C({_SEG})")]
    row = _heterogeneity_row(by) | {"method": f"{res.cartlift.method}; Wald F test"}
    se = res.bse[names]
    if not names or not np.all(np.isfinite(se)) or np.any(se <= 0):
        code, message = note("undefined_not_estimable", "the live x segment terms are not "
                               "estimable")  # fmt: skip
    else:
        w = res.wald_test(", ".join(f"{n} = 0" for n in names), use_f=True, scalar=True)
        row.update(statistic=float(w.statistic), df_num=float(len(names)),
                   df_denom=float(w.df_denom), pvalue=float(w.pvalue))  # fmt: skip
        code, message = fit_status(res)
    row.update(status=code, status_message=message)
    return pd.DataFrame([row], columns=list(HETEROGENEITY_COLUMNS))


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
        :data:`HETEROGENEITY_COLUMNS` row of :func:`segment_heterogeneity` (both a single
        undefined row without a fit when ``by`` is not broken down).
    """
    level = check_level(level)
    undefined = segment_column_status(cells, by)
    if undefined:
        return _undefined_effects(undefined, level), _undefined_test(by, undefined)
    res, sel = _fit(cells, by, metric, adjust, cluster, True)
    effects = _effects_from_fit(res, sel, by=by, level=level, interaction=True)
    return effects, _heterogeneity_from_fit(res, by)


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
