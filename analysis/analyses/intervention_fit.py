r"""One intervention estimate as a result row: fit the design, read the contrast off the fit.

Every design of :func:`analysis.analyses.intervention.intervention` (ITS, DiD, each cohort of a
stacked DiD and the stacked fit) ends here: a binomial GLM on aggregated counts
(:func:`analysis.stats.models.glm`) with the CR3 jackknife covariance, CR2 or CR1
(:mod:`analysis.stats.glm_vcov`), and the change at the date on three
scales (:func:`analysis.stats.models.effects`): log odds ratio, standardised rates with and
without the change, their difference and ratio. The row's status collects the fit's notes and
the row's own (:mod:`analysis.analyses.row_status`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.analyses.statuses import fit_notes, read_status
from analysis.stats.models import effects, glm
from analysis.status import Note, note, status_columns

__all__ = [
    "INTERVENTION_COLUMNS",
    "MIN_LIVES",
    "clustered_fit",
    "count_lives",
    "empty_row",
    "fit_row",
    "lives_note",
    "result_frame",
    "side_counts",
]

#: Columns of :func:`analysis.analyses.intervention.intervention` (and
#: :func:`analysis.analyses.intervention_checks.placebo_dates`, which adds two in front).
INTERVENTION_COLUMNS = (
    "design", "column", "group", "date", "cohort", "metric",
    "lives_before", "lives_after", "trials_before", "trials_after",
    "log_or", "log_or_ci_low", "log_or_ci_high", "odds_ratio", "odds_ratio_ci_low",
    "odds_ratio_ci_high", "pvalue",
    "rate_without", "rate_with", "diff", "diff_ci_low", "diff_ci_high",
    "ratio", "ratio_ci_low", "ratio_ci_high",
    "n_clusters", "df", "method", "level", "status", "status_message",
)  # fmt: skip

#: fewest LIVEs (distinct ``content_id``) on one side of the date before the status warns
MIN_LIVES = 3


def count_lives(frame: pd.DataFrame) -> int:
    """Distinct LIVEs (``content_id``) of ``frame``; 0 when the cells have no ``content_id``."""
    if "content_id" not in frame.columns:
        return 0
    return int(frame["content_id"].dropna().nunique())


def side_counts(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, Any]:
    """``lives_before``, ``lives_after``, ``trials_before``, ``trials_after`` of treated cells."""
    return {
        "lives_before": count_lives(before),
        "lives_after": count_lives(after),
        "trials_before": float(pd.to_numeric(before["viewers"]).sum()),
        "trials_after": float(pd.to_numeric(after["viewers"]).sum()),
    }


def empty_row(base: Mapping[str, Any], *, level: float, notes: Sequence[Note]) -> dict:
    """A row of :data:`INTERVENTION_COLUMNS` with no estimate: ``base``, ``level``, status."""
    return (
        dict.fromkeys(INTERVENTION_COLUMNS, np.nan)
        | dict(base)
        | {"level": level}
        | (status_columns(notes))
    )


def result_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The rows as a frame of :data:`INTERVENTION_COLUMNS`."""
    return pd.DataFrame(list(rows), columns=list(INTERVENTION_COLUMNS))


def clustered_fit(
    frame: pd.DataFrame, formula: str, *, cluster: str, vcov: str
) -> tuple[Any, list[Note]]:
    """:func:`analysis.stats.models.glm` with the ``vcov`` covariance, and the fit's status notes.

    ``vcov="CR3"`` is the cluster jackknife; when leaving one cluster out leaves a coefficient
    unidentified the fit uses CR2 with Bell-McCaffrey df and a ``small_cell`` note names that
    cluster and coefficient (:func:`analysis.stats.glm_vcov.fit_vcov`). ``"CR2"``, ``"CR1"``:
    those covariances.
    """
    res = glm(frame, formula, cluster=cluster, vcov=vcov)
    return res, fit_notes(res.cartlift)


def _contrast_numbers(eff: pd.DataFrame, odds: pd.Series) -> dict[str, float]:
    """The change on its three scales, from the :func:`analysis.stats.models.effects` rows."""
    by: dict[Any, dict[Any, Any]] = eff.set_index("effect").to_dict("index")
    out = {
        "log_or": float(np.log(odds["estimate"])),
        "log_or_ci_low": float(np.log(odds["ci_low"])),
        "log_or_ci_high": float(np.log(odds["ci_high"])),
        "odds_ratio": float(odds["estimate"]),
        "odds_ratio_ci_low": float(odds["ci_low"]),
        "odds_ratio_ci_high": float(odds["ci_high"]),
        "pvalue": float(odds["pvalue"]),
        "rate_without": float(by["rate_b"]["estimate"]),
        "rate_with": float(by["rate_a"]["estimate"]),
    }
    for name, effect in (("diff", "rate_difference"), ("ratio", "rate_ratio")):
        out[name] = float(by[effect]["estimate"])
        out[f"{name}_ci_low"] = float(by[effect]["ci_low"])
        out[f"{name}_ci_high"] = float(by[effect]["ci_high"])
    return out


def fit_row(
    frame: pd.DataFrame,
    formula: str,
    *,
    cluster: str,
    contrast: str,
    level: float,
    base: Mapping[str, Any],
    vcov: str = "CR3",
    what: str = "the change at the date",
) -> tuple[dict, list[Note]]:
    """Fit ``formula`` on ``frame`` and read the ``contrast`` (a boolean column) off it.

    Returns
    -------
    row : dict
        ``base`` and the estimate columns of :data:`INTERVENTION_COLUMNS` (no status yet).
    notes : list of Note
        The fit's notes (:func:`clustered_fit`); ``undefined_not_estimable`` when the fit cannot
        estimate the contrast (``what`` names it in the message).
    """
    res, notes = clustered_fit(frame, formula, cluster=cluster, vcov=vcov)
    info = res.cartlift
    with np.errstate(invalid="ignore"):  # a rank-deficient CR1 can give a tiny negative variance
        eff = effects(res, contrast=contrast, over="group_a", level=level)
    odds = eff[(eff["effect"] == "odds_ratio") & (eff["term"] == f"{contrast}[T.True]")]
    if odds.empty:
        missing = note("undefined_not_estimable", f"{what} is not in the fitted model")
        return dict.fromkeys(INTERVENTION_COLUMNS, np.nan) | dict(base) | {"level": level}, [
            missing
        ]
    o = odds.iloc[0]
    # the coefficient's own status (coef_table) carries the fit's notes and its clusters / df
    notes = [] if o["status"] == "ok" else [read_status(o["status"], o["status_message"])]
    if not np.isfinite(o["ci_low"]):
        notes = [*notes, note("undefined_not_estimable", f"no interval for {what}")]
    return {
        **base,
        **_contrast_numbers(eff, o),
        "n_clusters": info.n_clusters,
        "df": float(o["df"]),
        "method": f"{info.method}; {formula.split('~')[1].strip()}",
        "level": level,
    }, notes


def lives_note(row: Mapping[str, Any]) -> list[Note]:
    """A ``small_cell`` note when a side of the date has fewer than :data:`MIN_LIVES` LIVEs.

    Cells with no LIVE on either side (not LIVE cells) get none: the rule does not apply.
    """
    before, after = row.get("lives_before") or 0, row.get("lives_after") or 0
    if min(before, after) >= MIN_LIVES or (before == 0 and after == 0):
        return []
    detail = f"fewer than {MIN_LIVES} LIVEs on one side of the date ({min(before, after)})"
    return [note("small_cell", detail)]
