r"""The data of a binomial GLM: formula, model frame, and cells summed by model variables x cluster.

The first step of :func:`analysis.stats.models.glm`: split ``"<metric> ~ <terms>"``, check that
the metric's counts are binomial and of one unit, leave out (and count) the cells that cannot
enter the fit, and sum the rest within each distinct combination of the model's variables and
the cluster. The binomial likelihood, the estimates and the cluster scores are unchanged by
this aggregation (:math:`\sum_{j \in \text{row}} x_j` successes out of
:math:`\sum_{j \in \text{row}} n_j` trials share one linear predictor), and fits on 100,000
cells take a fraction of a second.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from patsy.builtins import C as patsy_c

from analysis.metrics import Metric, metric_counts
from analysis.stats.clusters import FALLBACK, cluster_ids, cluster_names
from analysis.vocabulary import BINOMIAL_UNITS

__all__ = [
    "CLUSTER", "FAILURES", "FORMULA_NAMES", "SUCCESSES", "ModelData", "as_categories",
    "categorical", "model_data", "model_frame", "model_variables", "split_formula",
]  # fmt: skip

#: columns of the aggregated frame the model is fitted to (successes, failures, cluster id)
SUCCESSES, FAILURES, CLUSTER = "_successes", "_failures", "_cluster"

_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def categorical(data: Any, contrast: Any = None, levels: Any = None) -> Any:
    """The formulas' ``C(...)``: patsy's, except that a pandas categorical (the text variables
    of :func:`model_data`, :func:`as_categories`) without ``contrast`` or ``levels`` is passed
    as it is instead of in patsy's box.

    The same levels (its categories, sorted as patsy sorts a factor's values), the same term
    names (they come from the formula's text), the same design; but patsy 1.0 reads a boxed
    factor value by value in Python, even a categorical one
    (``patsy.categorical.categorical_to_int`` checks for a pandas categorical before it
    unboxes), which was most of a large fit's time. Other data (numbers, the plain text of new
    data to predict on) keep patsy's box and its levels.
    """
    if contrast is None and levels is None and isinstance(data, pd.Series):
        if isinstance(data.dtype, pd.CategoricalDtype):
            return data
    return patsy_c(data, contrast, levels)


#: the names a formula of the kit may call beside its columns and patsy's builtins
FORMULA_NAMES: dict[str, Any] = {"C": categorical, "np": np}


def split_formula(formula: str) -> tuple[str, str]:
    """``"atc_rate ~ is_live + C(hour)"`` -> ``("atc_rate", "is_live + C(hour)")``."""
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise ValueError(
            "`formula` must read '<metric> ~ <terms>', e.g. 'atc_rate ~ is_live + C(hour)'; "
            f"got {formula!r}."
        )
    lhs, rhs = (s.strip() for s in formula.split("~"))
    if not rhs:
        raise ValueError(f"`formula` has no right-hand side: {formula!r}.")
    return lhs, rhs


def model_variables(cells: pd.DataFrame, rhs: str) -> list[str]:
    """The cell columns named by the right-hand side, in order (``ValueError`` for none)."""
    variables = list(dict.fromkeys(t for t in _IDENT.findall(rhs) if t in cells.columns))
    if not variables:
        raise ValueError(
            f"The right-hand side {rhs!r} names no column of the cells; columns are e.g. "
            "is_live, hour, category, age_group, gender, promo, creator."
        )
    return variables


def model_frame(cells: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    """Model variables as plain numpy dtypes (patsy does not read pandas' nullable dtypes)."""
    out: dict[str, Any] = {}
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


def _check_binomial(cells: pd.DataFrame, m: Metric, complete, x, n) -> None:
    if "unit" not in cells.columns:
        raise ValueError("The cells have no 'unit' column; glm() needs one binomial unit.")
    units = sorted(set(cells.loc[complete, "unit"].astype("string").fillna("<NA>").unique()))
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


@dataclass
class ModelData:
    """The aggregated frame (model variables, cluster ids, successes, failures), its cluster
    columns, the cells used, the cells left out by reason, and the one-way clusters' names
    (:func:`analysis.stats.clusters.cluster_names`; empty otherwise)."""

    frame: pd.DataFrame
    cluster_columns: list[str]
    n_cells: int
    excluded: dict[str, int]
    names: list[str] = field(default_factory=list)


def model_data(
    cells: pd.DataFrame,
    m: Metric,
    variables: list[str],
    cluster: str | Sequence[str] | None,
    *,
    formula: str = "",
) -> ModelData:
    """Cells of metric ``m`` summed by ``variables`` x cluster, ready for a formula fit.

    Cells are left out (and counted in ``excluded``) for a missing numerator or denominator,
    an NA model variable, or no trials. ``ValueError`` for mixed or non-binomial units,
    successes outside ``0..trials``, or no cell left.
    """
    counts = metric_counts(cells, m)
    complete = counts["complete"].to_numpy(dtype=bool)
    x = counts["successes"].to_numpy(dtype=float)
    n = counts["trials"].to_numpy(dtype=float)
    _check_binomial(cells, m, complete, x, n)
    frame = model_frame(cells, variables)
    na_var = frame.isna().any(axis=1).to_numpy()
    no_trials = complete & (n <= 0)
    keep = complete & ~na_var & ~no_trials
    reasons = {f"missing {m.numerator} or {m.denominator}": ~complete,
               "NA in a model variable": complete & na_var,
               f"no {m.denominator}": complete & ~na_var & no_trials}  # fmt: skip
    excluded = {k: int(v.sum()) for k, v in reasons.items() if v.sum()}
    if not keep.any():
        raise ValueError(f"No cells left to fit {formula!r} (excluded: {excluded}).")
    frame = frame.loc[keep].copy()
    frame[SUCCESSES] = x[keep]
    frame[FAILURES] = n[keep] - x[keep]
    wanted = [] if cluster is None else [cluster] if isinstance(cluster, str) else list(cluster)
    needed = [c for c in dict.fromkeys([*wanted, *FALLBACK]) if c in cells.columns]
    kept = cells.loc[keep, needed]  # the columns the clusters read: not every column's rows
    groups = cluster_ids(kept, cluster)
    gcols: list[str] = []
    if groups is not None:
        gcols = [CLUSTER] if groups.ndim == 1 else [CLUSTER, CLUSTER + "2"]
        for j, col in enumerate(gcols):
            frame[col] = groups if groups.ndim == 1 else groups[:, j]
    agg = (frame.groupby(variables + gcols, sort=True, observed=True, dropna=False)
           [[SUCCESSES, FAILURES]].sum().reset_index())  # fmt: skip
    names = cluster_names(kept, cluster) if isinstance(cluster, str) else []
    return ModelData(as_categories(agg, variables), gcols, int(keep.sum()), excluded, names)


def as_categories(frame: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    """``frame`` with its text and boolean model variables as pandas categoricals of their
    sorted values: the levels patsy gives them (sorted), read from the codes instead of value
    by value in Python (patsy's sniffing and NA checks: most of a fit's time on large frames)."""
    text = [v for v in variables if pd.api.types.is_string_dtype(frame[v].dtype)
            or pd.api.types.is_bool_dtype(frame[v].dtype) or frame[v].dtype == object]  # fmt: skip
    return frame.assign(**{v: pd.Categorical(frame[v]) for v in text})
