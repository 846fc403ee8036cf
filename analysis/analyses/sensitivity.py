r"""Sensitivity of the adjusted live lift to unmeasured confounding: E-values in plain words.

The adjusted lifts of :func:`analysis.analyses.lift.lift_summary` remove the confounding by the
strata they adjust for (hour x category). Something unmeasured (who chooses to watch a LIVE,
what the creator promotes) could still explain part of the lift. :func:`lift_sensitivity`
says how strong it would have to be: the E-value of the ratio and of its interval limit nearest
1 (:func:`analysis.stats.evalue.evalue`; VanderWeele & Ding 2017), with a sentence a seller can
read.

References
----------
VanderWeele TJ, Ding P (2017). Sensitivity analysis in observational research: introducing the
E-value. Ann Intern Med 167:268-274.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import pandas as pd

from analysis.analyses.lift import ESTIMATE_KEYS, estimate_key
from analysis.analyses.statuses import read_status
from analysis.stats.evalue import EVALUE_COLUMNS, evalue
from analysis.vocabulary import check_argument, is_undefined

__all__ = ["ADJUSTED_KEYS", "SENSITIVITY_COLUMNS", "lift_sensitivity"]

#: the :func:`~analysis.analyses.lift.lift_summary` rows that are adjusted for the strata
ADJUSTED_KEYS = ("mantel_haenszel", "standardised", "glm")
#: Columns of :func:`lift_sensitivity`.
SENSITIVITY_COLUMNS = (
    "estimate", "key", "ratio", "ci_low", "ci_high", "evalue_estimate", "evalue_limit",
    "reading", "scale", "method", "level", "status", "status_message",
)  # fmt: skip


def _times(e: float) -> str:
    return f"{e:.2f}×" if e < 1.5 else f"{e:.1f}×"


def _reading(ratio: float, e: float, e_limit: float, strata: str) -> str:
    """The plain-words reading of one row's E-values."""
    if ratio == 1:
        return "the adjusted ratio is exactly 1: there is no lift to explain away"
    what = "lift" if ratio > 1 else "drop"
    beyond = f" (beyond {strata})" if strata else ""
    text = (f"an unmeasured factor{beyond} would need to raise both LIVE viewing and add-to-cart "
            f"by {_times(e)} each to explain the {what} away")  # fmt: skip
    if not math.isfinite(e_limit):
        return text + "; the interval is unknown, so no E-value for it"
    if e_limit == 1:
        return text + (f"; the interval already includes no {what}, so no unmeasured factor is "
                       "needed to make it compatible with no lift")  # fmt: skip
    return text + f"; to make it compatible with no lift, {_times(e_limit)}"


def _row(lift_row: pd.Series, key: str) -> dict:
    code, message = read_status(lift_row.get("status"), lift_row.get("status_message"))
    level = float(lift_row.get("level", float("nan")))
    ratio, lo, hi = (float(lift_row[c]) for c in ("ratio", "ci_low", "ci_high"))
    found = evalue(ratio, lo, hi, scale="risk_ratio", level=level).iloc[0]
    base = {"estimate": lift_row["estimate"], "key": key, "ratio": ratio, "ci_low": lo,
            "ci_high": hi}  # fmt: skip
    if is_undefined(code) or found["status"] != "ok":
        code, message = (code, message) if is_undefined(code) else (found["status"],
                                                                    found["status_message"])  # fmt: skip
        nan = float("nan")
        return {**base, "evalue_estimate": nan, "evalue_limit": nan,
                "reading": f"no E-value: {message}", "scale": found["scale"],
                "method": found["method"], "level": level, "status": code,
                "status_message": message}  # fmt: skip
    match = re.match(r"adjusted \(.+? over (.+)\)$", str(lift_row["estimate"]))
    strata = match.group(1) if match else ("the model's covariates" if key == "glm" else "")
    e, e_lim = float(found["evalue_estimate"]), float(found["evalue_limit"])
    return {**base, **{c: found[c] for c in EVALUE_COLUMNS},
            "reading": _reading(ratio, e, e_lim, strata),
            "status": code, "status_message": message}  # fmt: skip


def lift_sensitivity(
    lift_table: pd.DataFrame, *, estimates: Sequence[str] = ADJUSTED_KEYS
) -> pd.DataFrame:
    r"""E-values of the adjusted live lifts, with a plain-words reading.

    Parameters
    ----------
    lift_table : pandas.DataFrame
        Output of :func:`analysis.analyses.lift.lift_summary` (``estimate``, ``ratio``,
        ``ci_low``, ``ci_high``, ``level``, ``status``, ``status_message``). Not modified.
    estimates : list of str
        Keys (:data:`~analysis.analyses.lift.ESTIMATE_KEYS`) of the rows to read; by default
        the adjusted ones (:data:`ADJUSTED_KEYS`) present in the table.

    Returns
    -------
    pandas.DataFrame
        :data:`SENSITIVITY_COLUMNS`, one row per chosen lift row: its ratio and interval, the
        E-value of the ratio (``evalue_estimate``) and of the interval limit nearest 1
        (``evalue_limit``, 1 when the interval includes 1), ``reading`` (e.g. "an unmeasured
        factor (beyond hour x category) would need to raise both LIVE viewing and add-to-cart
        by 2.4× each to explain the lift away; to make it compatible with no lift, 1.6×"),
        ``method``, ``level``. ``status``: the lift row's own (``ok``, ``few_clusters``, ...:
        the E-value of the limit inherits its interval's caveat), or the reason the E-value
        is undefined.

    Notes
    -----
    The lifts are rate ratios of add-to-cart proportions, so risk ratios:
    :math:`E = RR^* + \sqrt{RR^*(RR^*-1)}` with :math:`RR^* = \max(RR, 1/RR)`
    (:func:`analysis.stats.evalue.evalue`).

    References
    ----------
    VanderWeele TJ, Ding P (2017). Sensitivity analysis in observational research: introducing
    the E-value. Ann Intern Med 167:268-274.
    """
    for key in estimates:
        check_argument("estimates", ESTIMATE_KEYS, key)
    rows = []
    for _, lift_row in lift_table.iterrows():
        key = estimate_key(lift_row["estimate"])
        if key in estimates:
            rows.append(_row(lift_row, key))
    return pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))
