r"""Wald F tests on the cyclic hour model: do the LIVE and non-live curves differ in shape, and
is the highest harmonic needed?

Both read a fit of :func:`analysis.analyses.hour_model.hour_model` and test that a set of its
coefficients :math:`\gamma` (``q`` of them) is zero with the fit's cluster-robust covariance,
:math:`F = \hat\gamma^\top \hat V_\gamma^{-1} \hat\gamma / q` on :math:`(q, G - 1)` degrees of
freedom (statsmodels ``wald_test(use_f=True)``; Cameron and Miller 2015): one global test instead
of 24 hour-by-hour ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.analyses.hour_model import harmonic_columns, side_fitted
from analysis.analyses.statuses import fit_status
from analysis.status import Note, note

__all__ = ["TEST_COLUMNS", "harmonic_test", "hour_interaction_test"]

#: Columns of :func:`hour_interaction_test` and :func:`harmonic_test`.
TEST_COLUMNS = (
    "test", "hypothesis", "statistic", "df_num", "df_denom", "pvalue", "method", "status",
    "status_message",
)  # fmt: skip


def _not_estimable(result, test: str) -> Note:
    if not (side_fitted(result, True) and side_fitted(result, False)):
        return note("undefined_no_viewers", f"the {test} terms need viewers on both sides")
    return note("undefined_not_estimable", f"the {test} terms are not estimable")


def _wald(result, names: list[str], test: str, hypothesis: str) -> pd.DataFrame:
    """One :data:`TEST_COLUMNS` row: the Wald F test that the coefficients ``names`` are 0."""
    code, message = fit_status(result)
    row = {"test": test, "hypothesis": hypothesis, "statistic": np.nan,
           "df_num": float(len(names)), "df_denom": np.nan, "pvalue": np.nan,
           "method": f"{result.cartlift.method}; Wald F test", "status": code,
           "status_message": message}  # fmt: skip
    se = result.bse[names] if names else pd.Series(dtype=float)
    if not names or not np.all(np.isfinite(se)) or np.any(se <= 0):
        row["status"], row["status_message"] = _not_estimable(result, test)
        return pd.DataFrame([row], columns=list(TEST_COLUMNS))
    w = result.wald_test(", ".join(f"{n} = 0" for n in names), use_f=True, scalar=True)
    row.update(statistic=float(w.statistic), df_denom=float(w.df_denom),
               pvalue=float(w.pvalue))  # fmt: skip
    return pd.DataFrame([row], columns=list(TEST_COLUMNS))


def hour_interaction_test(result) -> pd.DataFrame:
    r"""Global test that the LIVE hour curve has the same shape as the non-live one.

    :math:`H_0`: every ``is_live x harmonic`` coefficient is 0 (the two curves differ by a
    constant only). Wald test with the fit's cluster-robust covariance,
    :math:`F = \hat\gamma^\top \hat V_\gamma^{-1} \hat\gamma / 2K` on :math:`(2K, G - 1)`
    degrees of freedom (statsmodels ``wald_test(use_f=True)``).

    Parameters
    ----------
    result
        From :func:`analysis.analyses.hour_model.hour_model`.

    Returns
    -------
    pandas.DataFrame
        One row, :data:`TEST_COLUMNS`: ``test`` (``live x hour``), ``hypothesis`` (plain
        words), ``statistic`` (F), ``df_num``, ``df_denom``, ``pvalue``, ``method``,
        ``status``: the fit's (``ok``, ``few_clusters``, ...); ``undefined_no_viewers`` when a
        side has no viewers (no interaction in the model), ``undefined_not_estimable`` when the
        interaction terms cannot be estimated.

    References
    ----------
    Cameron AC, Miller DL (2015). A practitioner's guide to cluster-robust inference. J Human
    Resources 50:317-372.
    """
    names = [n for n in result.params.index if n.startswith("is_live[T.True]:")]
    return _wald(result, names, "live x hour", "the LIVE and non-live hour curves have the "
                 "same shape (all live x harmonic terms are 0)")  # fmt: skip


def harmonic_test(result) -> pd.DataFrame:
    r"""Wald F test that the highest harmonic *K* of the hour model is not needed.

    :math:`H_0`: the :math:`\cos(2\pi Kh/24)` and :math:`\sin(2\pi Kh/24)` coefficients and
    their ``is_live`` interactions are 0 (``K - 1`` harmonics describe both curves).

    Parameters
    ----------
    result
        From :func:`analysis.analyses.hour_model.hour_model`.

    Returns
    -------
    pandas.DataFrame
        One row, :data:`TEST_COLUMNS` (``test`` = ``harmonic K``); ``status`` as in
        :func:`hour_interaction_test`, and ``undefined_not_estimable`` for ``K = 1`` (the first
        harmonic is the curve itself).
    """
    k = result.cartlift_hours["harmonics"]
    if k < 2:
        code, message = note("undefined_not_estimable", "the first harmonic is the curve "
                               "itself; fit harmonics=2 to test a second")  # fmt: skip
        return pd.DataFrame([{"test": "harmonic 1", "hypothesis": "", "statistic": np.nan,
                              "df_num": np.nan, "df_denom": np.nan, "pvalue": np.nan,
                              "method": result.cartlift.method, "status": code,
                              "status_message": message}], columns=list(TEST_COLUMNS))  # fmt: skip
    cols = harmonic_columns(k)[-2:]
    names = [n for n in result.params.index if any(n.endswith(c) for c in cols)]
    return _wald(result, names, f"harmonic {k}", f"harmonic {k} adds nothing to "
                 f"{k - 1} harmonic(s), on either side")  # fmt: skip
