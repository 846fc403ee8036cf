r"""Covariate balance of two groups of cells: the live vs non-live mix, weighted by viewers.

:func:`balance` shows *why* a crude live vs non-live ratio is confounded: LIVEs sit at other
hours, in other categories and promotions than the non-live views. Each covariate value gets its
share of each group's viewers and the standardised difference of the two shares (Austin 2009).

References
----------
Austin PC (2009). Balance diagnostics for comparing the distribution of baseline covariates
between treatment groups in propensity-score matched samples. Stat Med 28:3083-3107.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from analysis.stats.pooling import two_groups
from analysis.vocabulary import status_message

__all__ = ["BALANCE_COLUMNS", "balance"]

#: Columns of :func:`balance`.
BALANCE_COLUMNS = (
    "covariate", "value", "trials_a", "trials_b", "share_a", "share_b", "share_diff",
    "std_diff", "method", "status", "status_message",
)  # fmt: skip

_METHOD = "shares of the groups' weight; standardised difference (Austin 2009)"


def _sorted_values(index: pd.Index) -> list:
    """Covariate values in numeric order when they are numbers, else text order; NA last."""
    try:
        return sorted(index, key=lambda z: (z == "<NA>", float(z)))
    except ValueError:
        return sorted(index, key=lambda z: (z == "<NA>", z))


def _covariate_rows(cov: str, v: pd.Series, w: pd.Series, in_a: pd.Series, in_b: pd.Series):
    """One row per value of covariate ``cov`` (values ``v``, weights ``w``)."""
    t = pd.concat({"trials_a": w[in_a].groupby(v[in_a]).sum(),
                   "trials_b": w[in_b].groupby(v[in_b]).sum()}, axis=1).fillna(0.0)  # fmt: skip
    t = t.loc[_sorted_values(t.index)]
    shares = {s: t[f"trials_{s}"] / t[f"trials_{s}"].sum() if t[f"trials_{s}"].sum()
              else t[f"trials_{s}"] * np.nan for s in ("a", "b")}  # fmt: skip
    sa, sb = shares["a"], shares["b"]
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = (sa - sb) / np.sqrt((sa * (1 - sa) + sb * (1 - sb)) / 2)
    rows = []
    for val in t.index:
        if np.isnan(sa[val]) or np.isnan(sb[val]):
            code, detail = "undefined_no_viewers", "a group has no weight"
        elif np.isnan(sd[val]):
            code, detail = "undefined_no_viewers", "no weight with this value in either group"
        else:
            code, detail = "ok", ""
        rows.append({
            "covariate": cov, "value": val, "trials_a": t.at[val, "trials_a"],
            "trials_b": t.at[val, "trials_b"], "share_a": sa[val], "share_b": sb[val],
            "share_diff": sa[val] - sb[val], "std_diff": sd[val], "method": _METHOD,
            "status": code, "status_message": status_message(code, detail),
        })  # fmt: skip
    return rows


def balance(
    cells: pd.DataFrame,
    *,
    between: str = "is_live",
    covariates: Sequence[str] = ("hour", "category", "promo", "age_group", "gender"),
    weight: str = "viewers",
    groups: tuple[Hashable, Hashable] | None = None,
) -> pd.DataFrame:
    r"""Mix of each covariate in the two groups (live vs non-live), weighted by viewers.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical cells. Not modified.
    between : str
        The grouping column (default ``is_live``: ``a`` = True, ``b`` = False).
    covariates : list of str
        Columns whose distribution is compared (NA is its own value, shown as ``<NA>``).
    weight : str
        Count column weighting each cell (default ``viewers``, the ATC denominator).
    groups : tuple (a, b), optional
        The two ``between`` values; default ``(True, False)`` or the two sorted values.

    Returns
    -------
    pandas.DataFrame
        :data:`BALANCE_COLUMNS`, one row per covariate value: ``trials_a``, ``trials_b`` (sum of
        ``weight``), ``share_a``, ``share_b`` (share of the group's weight), ``share_diff``
        (``share_a - share_b``) and ``std_diff``, the standardised difference of the indicator
        :math:`(s_a - s_b)/\sqrt{(s_a(1-s_a) + s_b(1-s_b))/2}` (Austin 2009; above about 0.1 is
        usually read as imbalance); ``method``; ``status`` ``ok``, or
        ``undefined_no_viewers`` when a group has no weight at all (shares NaN) or the value
        has none in either group; ``status_message``.

    Raises
    ------
    ValueError
        ``between``, a covariate or ``weight`` missing from the cells, or ``groups`` not
        naming two values of ``between``.
    """
    if between not in cells.columns:
        raise ValueError(f"`between` names a column the cells do not have: {between!r}.")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    missing = [c for c in [*covariates, weight] if c not in cells.columns]
    if missing:
        raise ValueError(f"`covariates` / `weight` name columns the cells do not have: {missing}.")
    a, b = two_groups(cells[between], between, groups)
    w = pd.to_numeric(cells[weight], errors="coerce").astype("Float64").fillna(0).astype(float)
    side = cells[between]
    in_a = side.eq(a).fillna(False).astype(bool)
    in_b = side.eq(b).fillna(False).astype(bool)
    rows = []
    for cov in covariates:
        rows += _covariate_rows(cov, cells[cov].astype("string").fillna("<NA>"), w, in_a, in_b)
    return pd.DataFrame(rows, columns=list(BALANCE_COLUMNS))
