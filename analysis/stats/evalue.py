r"""E-values: how strong an unmeasured confounder would have to be to explain an effect away.

The E-value of a risk ratio :math:`RR` (VanderWeele & Ding 2017) is the smallest strength of
association, on the risk-ratio scale, that an unmeasured factor would need with **both** the
exposure (watching a LIVE) and the outcome (adding to cart), beyond the measured covariates, to
move the true ratio to 1:

.. math:: E = RR^* + \sqrt{RR^*(RR^* - 1)}, \qquad RR^* = RR \text{ if } RR \ge 1
          \text{ else } 1/RR.

Weaker confounding cannot explain the estimate away; confounding this strong could. The E-value
of the interval applies the same formula to the limit nearest 1 (and is 1 when the interval
includes 1: no confounding at all is needed to make the estimate compatible with no effect).
An odds ratio approximates a risk ratio only for a rare outcome; below an outcome rate of 15%
its E-value is computed as if it were a risk ratio (VanderWeele & Ding 2017, Table), above it
the E-value is refused here (use a risk ratio: the kit's adjusted lifts are rate ratios).

References
----------
VanderWeele TJ, Ding P (2017). Sensitivity analysis in observational research: introducing the
E-value. Ann Intern Med 167:268-274. Ding P, VanderWeele TJ (2016). Sensitivity analysis without
assumptions. Epidemiology 27:368-377.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.vocabulary import check_argument, check_status, status_message

__all__ = ["EVALUE_COLUMNS", "EVALUE_SCALES", "RARE_OUTCOME", "evalue", "evalue_of_ratio"]

#: Columns of :func:`evalue`.
EVALUE_COLUMNS = (
    "evalue_estimate", "evalue_limit", "scale", "method", "level", "status", "status_message",
)  # fmt: skip
#: the ratio scales an E-value is computed from
EVALUE_SCALES = ("risk_ratio", "odds_ratio")
#: an odds ratio stands in for a risk ratio only below this outcome rate (VanderWeele & Ding
#: 2017: "if the outcome is rare (say, < 15% at the end of follow-up)")
RARE_OUTCOME = 0.15

METHOD = "E-value (VanderWeele & Ding 2017)"


def evalue_of_ratio(ratio: float) -> float:
    r"""E-value of a risk ratio: :math:`RR^* + \sqrt{RR^*(RR^*-1)}`, :math:`RR^* = \max(RR,
    1/RR)`; NaN for a non-positive or non-finite ratio.

    >>> round(evalue_of_ratio(3.9), 4), round(evalue_of_ratio(1 / 3.9), 4)
    (7.263, 7.263)
    """
    if not (math.isfinite(ratio) and ratio > 0):
        return float("nan")
    r = ratio if ratio >= 1 else 1 / ratio
    return r + math.sqrt(r * (r - 1))


def _limit_nearest_one(estimate: float, ci_low: float, ci_high: float) -> float:
    """The interval limit nearest 1, or 1 when the interval includes 1 (NaN if unknown)."""
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return float("nan")
    if ci_low <= 1 <= ci_high:
        return 1.0
    return ci_low if estimate > 1 else ci_high


def _undefined(scale: str, level: float, code: str, detail: str) -> pd.DataFrame:
    nan = float("nan")
    row = (nan, nan, scale, METHOD, level, check_status(code), status_message(code, detail))
    return pd.DataFrame([row], columns=list(EVALUE_COLUMNS))


def evalue(
    estimate: float,
    ci_low: float,
    ci_high: float,
    *,
    scale: str = "risk_ratio",
    rate: float | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    r"""E-values of a ratio estimate and of its confidence limit nearest 1.

    Parameters
    ----------
    estimate, ci_low, ci_high : float
        The ratio and its interval (NaN limits give a NaN ``evalue_limit``).
    scale : {"risk_ratio", "odds_ratio"}
        What the ratio is. A rate ratio of two proportions (the kit's lifts) is a risk ratio.
    rate : float, optional
        The outcome rate (add-to-cart rate); required for ``odds_ratio``, which is used as a
        risk ratio only while ``rate`` < :data:`RARE_OUTCOME` (15%).
    level : float
        The level of the interval, copied to the row.

    Returns
    -------
    pandas.DataFrame
        One row, :data:`EVALUE_COLUMNS`: ``evalue_estimate`` :math:`= E(RR)`,
        ``evalue_limit`` :math:`= E(\text{limit nearest 1})` (1 when the interval includes 1);
        ``status`` ``ok``, or ``undefined_not_estimable`` (a non-positive or missing estimate,
        an estimate outside its interval, an odds ratio of a common outcome or without
        ``rate``) with the reason in ``status_message``.

    Notes
    -----
    :math:`E = RR^* + \sqrt{RR^*(RR^*-1)}` with :math:`RR^* = RR` for :math:`RR \ge 1`, else
    :math:`1/RR` (module docstring).

    References
    ----------
    VanderWeele TJ, Ding P (2017). Sensitivity analysis in observational research: introducing
    the E-value. Ann Intern Med 167:268-274.
    """
    check_argument("scale", EVALUE_SCALES, scale)
    estimate, ci_low, ci_high = float(estimate), float(ci_low), float(ci_high)
    if not (math.isfinite(estimate) and estimate > 0):
        return _undefined(scale, level, "undefined_not_estimable",
                          f"the ratio is {estimate:g}: an E-value needs a positive ratio")  # fmt: skip
    if scale == "odds_ratio":
        if rate is None or not math.isfinite(rate):
            return _undefined(scale, level, "undefined_not_estimable", "an odds ratio needs the "
                              "outcome rate to tell whether it approximates a risk ratio")  # fmt: skip
        if rate >= RARE_OUTCOME:
            return _undefined(scale, level, "undefined_not_estimable",
                              f"the outcome rate is {rate:.1%} (>= {RARE_OUTCOME:.0%}): an odds "
                              "ratio overstates the risk ratio; give a risk ratio")  # fmt: skip
    if math.isfinite(ci_low) and math.isfinite(ci_high) and not ci_low <= estimate <= ci_high:
        return _undefined(scale, level, "undefined_not_estimable",
                          f"the estimate {estimate:g} is outside its interval "
                          f"({ci_low:g}, {ci_high:g})")  # fmt: skip
    limit = _limit_nearest_one(estimate, ci_low, ci_high)
    row = (evalue_of_ratio(estimate), evalue_of_ratio(limit), scale, METHOD, level, "ok",
           status_message("ok"))  # fmt: skip
    return pd.DataFrame([row], columns=list(EVALUE_COLUMNS))
