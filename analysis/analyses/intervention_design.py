r"""Design frames of the intervention estimators: treated and control cells, and the columns
the models read (post, weeks since the date, unit, ISO week).

Shared by :func:`analysis.analyses.intervention.intervention`, its stacked design
(:mod:`analysis.analyses.intervention_stacked`), the pre-trend check
(:mod:`analysis.analyses.intervention_checks`) and the plotted series
(:mod:`analysis.analyses.intervention_series`). The model columns are named with a leading
underscore (:data:`TREATED`, :data:`POST`, ...) so they never clash with a cell column.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "PERIOD",
    "POST",
    "T",
    "TP",
    "TREATED",
    "UNIT",
    "adjust_terms",
    "control_mask",
    "day_of",
    "did_units",
    "group_label",
    "iso_week",
    "treated_cells",
    "with_design_columns",
]

#: model columns: treated (bool), post (date >= the day), treated x post, weeks since the day,
#: unit (fixed effect), ISO week (fixed effect)
TREATED, POST, TP, T, UNIT, PERIOD = "_treated", "_post", "_tp", "_t", "_unit", "_period"


def day_of(value: Any) -> pd.Timestamp:
    """``value`` as a naive shop-local day (midnight; a tz-aware time keeps its local date)."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def group_label(group: Any) -> str:
    """The treated value(s) as one text: ``"@a"`` or ``"@a, @b"``."""
    groups = [group] if isinstance(group, str) else list(group)
    return ", ".join(map(str, groups))


def adjust_terms(adjust: Sequence[str] | str | None, cells: pd.DataFrame) -> str:
    """Formula terms ``" + C(a) + C(b)"`` of the ``adjust`` columns (categorical fixed effects).

    Raises
    ------
    ValueError
        ``adjust`` names a column the cells do not have.
    """
    if adjust is None:
        return ""
    adjust = [adjust] if isinstance(adjust, str) else list(adjust)
    missing = [a for a in adjust if a not in cells.columns]
    if missing:
        raise ValueError(
            f"`adjust` names columns the cells do not have: {missing}; "
            f"the cells have {sorted(map(str, cells.columns))}."
        )
    return "".join(f" + C({a})" for a in adjust)


def iso_week(dates: pd.Series) -> pd.Series:
    """ISO week labels ``YYYY-Www`` of naive dates."""
    iso = dates.dt.isocalendar()
    return iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)


def treated_cells(cells: pd.DataFrame, column: str, group: Any, channel: str | None) -> pd.Series:
    """Boolean mask of the treated cells: ``column`` in ``group`` (and of ``channel``).

    Raises
    ------
    ValueError
        ``column`` is not a column of the cells.
    """
    if column not in cells.columns:
        raise ValueError(f"`column` {column!r} is not a column of the cells.")
    single = isinstance(group, str | Hashable) and not isinstance(group, tuple)
    values = [group] if single else list(group)
    mask = cells[column].isin(values).fillna(False).astype(bool)
    if channel is not None:
        mask &= (cells["channel"] == channel).fillna(False).astype(bool)
    return mask


def control_mask(
    cells: pd.DataFrame, treated: pd.Series, *, column: str, control: str, channel: str | None
) -> pd.Series:
    """Boolean mask of the control cells of a difference-in-differences.

    ``control="others"``: the cells of every other value of ``column`` (of ``channel``);
    ``"offlive"``: the off-live cells of the products the treated cells showed.
    """
    if control == "others":
        mask = ~treated & cells[column].notna()
        if channel is not None:
            mask &= (cells["channel"] == channel).fillna(False).astype(bool)
        return mask.astype(bool)
    shown = cells.loc[treated, "product_id"].dropna().unique()
    off = (cells["is_live"] == False).fillna(False).astype(bool)  # noqa: E712
    return (off & cells["product_id"].isin(shown).fillna(False)).astype(bool)


def with_design_columns(
    cells: pd.DataFrame,
    treated: pd.Series,
    day: pd.Timestamp,
    *,
    unit_of: Callable[[pd.DataFrame], Any],
) -> pd.DataFrame:
    """A copy of ``cells`` with the model columns :data:`TREATED` ... :data:`PERIOD`.

    :data:`T` is in weeks since ``day`` (:math:`t = (\\text{date} - \\text{day}) / 7`), so the
    coefficient of :data:`POST` is the level change at the date; :data:`UNIT` is
    ``unit_of(frame)``.
    """
    frame = cells.copy()
    frame[TREATED] = treated.to_numpy(dtype=bool)
    frame[POST] = (frame["date"] >= day).to_numpy(dtype=bool)
    frame[TP] = frame[TREATED] & frame[POST]
    frame[T] = (frame["date"] - day).dt.days.to_numpy(dtype=float) / 7.0
    frame[PERIOD] = iso_week(frame["date"]).to_numpy()
    frame[UNIT] = unit_of(frame)
    return frame


def did_units(column: str, control: str) -> Callable[[pd.DataFrame], Any]:
    """The unit of a DiD fixed effect: the value of ``column`` (``others``), or treated/control."""

    def unit_of(frame: pd.DataFrame) -> Any:
        if control == "others":
            return frame[column].astype(str)
        return np.where(frame[TREATED], "treated", "control")

    return unit_of
