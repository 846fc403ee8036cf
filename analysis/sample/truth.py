"""The planted truth of a simulated sample, set beside the estimates of the kit.

A folder written by :func:`analysis.sample.simulate.write_sample` holds ``truth.json`` and
``expected/expected.parquet`` (the true per-viewer probabilities of every cell; ``data/README.md``).
Notebooks call :func:`read_truth` on their ``data`` parameter: for real data it returns ``None``
and they show estimates only; for a simulated sample they add the expected values with
:func:`with_truth`. :func:`truth_rates` gives the expected rates of any selection of cells.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, cast

import numpy as np
import pandas as pd

from analysis.paths import resolve_data
from analysis.sample.parameters import METRICS
from analysis.vocabulary import check_argument

__all__ = ["EXPECTED_FILE", "Truth", "read_truth", "truth_rates", "with_truth"]

#: where :func:`analysis.sample.simulate.write_sample` puts the expected probabilities (a
#: sub-folder, because :func:`analysis.sources.load.load` reads every ``.parquet`` file of the
#: sample folder as cells)
EXPECTED_FILE = Path("expected") / "expected.parquet"


class Truth(NamedTuple):
    """The truth of a simulated sample folder.

    Attributes
    ----------
    planted : dict
        ``truth.json`` (keys: :func:`analysis.sample.simulate.simulate`, "Returns").
    expected : pandas.DataFrame
        ``expected/expected.parquet``: ``row``, ``p_atc``, ``p_order`` per cell.
    """

    planted: dict
    expected: pd.DataFrame


def read_truth(data: str | Path) -> Truth | None:
    """The truth of a simulated sample folder, or ``None`` when ``data`` is not one.

    Parameters
    ----------
    data : str or Path
        A data folder or a file in it (as the notebooks' ``data`` parameter), resolved by
        :func:`analysis.paths.resolve_data`.

    Returns
    -------
    Truth or None
        ``None`` unless the folder holds both ``truth.json`` and :data:`EXPECTED_FILE` (real data
        never does).
    """
    folder = resolve_data(data)
    folder = folder if folder.is_dir() else folder.parent
    planted, expected = folder / "truth.json", folder / EXPECTED_FILE
    if not (planted.exists() and expected.exists()):
        return None
    return Truth(json.loads(planted.read_text(encoding="utf-8")), pd.read_parquet(expected))


def with_truth(
    result: pd.DataFrame,
    cells: pd.DataFrame,
    truth: Truth | None,
    *,
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Add the expected values of a :func:`analysis.stats.compare.compare` result (a new frame).

    Parameters
    ----------
    result : pandas.DataFrame
        Output of ``compare(cells, between=..., metric=..., by=by)``: it needs the columns
        ``metric``, ``between``, ``group_a``, ``group_b``, ``ratio_ci_low``, ``ratio_ci_high``
        (and the ``by`` columns); the others, ``status`` included, are passed through.
    cells : pandas.DataFrame
        The cells that ``result`` was computed from (same selection).
    truth : Truth or None
        From :func:`read_truth`; ``None`` returns ``result`` unchanged.
    by : str or list of str, optional
        The ``by`` of the compare call.

    Returns
    -------
    pandas.DataFrame
        ``result`` plus ``expected_rate_a``, ``expected_rate_b``, ``expected_diff``,
        ``expected_ratio`` and ``covered`` (the ratio interval contains ``expected_ratio``), for
        the metrics whose truth is known (``atc_rate``, ``conversion``); NA elsewhere.

    Notes
    -----
    The expected rate of a group is ``Σ viewers·p / Σ viewers`` over its cells, ``p`` the true
    probability of each cell given the realised random effects: the quantity the pooled rate
    estimates (:func:`truth_rates`).
    """
    out = result.copy()
    cols = ["expected_rate_a", "expected_rate_b", "expected_diff", "expected_ratio"]
    for c in cols:
        out[c] = float("nan")
    out["covered"] = pd.NA
    if truth is None:
        return out.drop(columns=[*cols, "covered"])
    by = [] if by is None else [by] if isinstance(by, str) else list(by)
    for (metric, between, a, b), rows in out.groupby(
        ["metric", "between", "group_a", "group_b"], sort=False
    ):
        if metric not in ("atc_rate", "conversion"):
            continue
        t = truth_rates(cells, truth.expected, by=by or None, between=str(between),
                        metric=str(metric), levels=(a, b))  # fmt: skip
        t = t.rename(columns={"rate_a": "expected_rate_a", "rate_b": "expected_rate_b",
                              "difference": "expected_diff", "ratio": "expected_ratio"})  # fmt: skip
        if by:
            values = rows[by].merge(t[[*by, *cols]], on=by, how="left")[cols].to_numpy()
        else:
            values = t[cols].to_numpy().repeat(len(rows), 0)
        out.loc[rows.index, cols] = values
    inside = (out["ratio_ci_low"] <= out["expected_ratio"]) & (
        out["expected_ratio"] <= out["ratio_ci_high"]
    )
    out["covered"] = inside.astype("boolean").mask(out["expected_ratio"].isna())
    return out


def truth_rates(
    cells: pd.DataFrame,
    expected: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    between: str = "is_live",
    metric: str = "atc_rate",
    levels: tuple | None = None,
) -> pd.DataFrame:
    """Expected rates of two sides of ``between``, per ``by`` group, from the true probabilities.

    The expected rate of a group ``G`` of cells is

    .. math:: \\bar p_G = \\frac{\\sum_{c \\in G} n_c \\, p_c}{\\sum_{c \\in G} n_c}

    with ``n_c`` the viewers and ``p_c`` the true per-viewer probability of cell ``c``
    (``p_atc`` for ``atc_rate``, ``p_order`` for ``conversion``), joined on ``row``: what a rate
    computed from the counts estimates (``data/README.md``, "expected.parquet").

    Parameters
    ----------
    cells : pandas.DataFrame
        Simulated cells (any selection of rows; extra columns such as an ISO week may be added to
        group by).
    expected : pandas.DataFrame
        ``row`` and ``p_atc`` / ``p_order``, as from
        :func:`analysis.sample.simulate.expected` or ``expected.parquet``.
    by : str or list of str, optional
        Columns of ``cells`` to group by; one row per group. None: one row overall.
    between : str, default "is_live"
        The column whose two sides are compared.
    metric : {"atc_rate", "conversion"}
    levels : tuple of two values, optional
        ``(a, b)``, the two sides; default ``(True, False)`` for a boolean column, else the two
        values of the column (sorted).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``metric``, ``between``, ``level_a``, ``level_b``,
        ``viewers_a``, ``viewers_b``, ``rate_a``, ``rate_b``, ``ratio`` (``rate_a / rate_b``)
        and ``difference`` (``rate_a - rate_b``). A side without viewers has rate NaN.

    Raises
    ------
    ValueError
        ``metric`` not in the list above; a cell ``row`` missing from ``expected``; ``between``
        without exactly two values and no ``levels``.
    """
    check_argument("metric", METRICS, metric)
    col = METRICS[metric]
    by = [] if by is None else [by] if isinstance(by, str) else list(by)
    df = cells[[*by, between, "row", "viewers"]].merge(
        expected[["row", col]], on="row", how="left", validate="one_to_one"
    )
    if df[col].isna().any():
        raise ValueError(
            f"{int(df[col].isna().sum())} cell row(s) have no expected {col}: pass the expected "
            "probabilities of the same simulation (its `row` joins the cells' `row`)"
        )
    a, b = _levels(df[between], between, levels)
    df = df[df[between].isin([a, b]).fillna(False).astype(bool)]
    out = _side_rates(df, by, between, a, col)
    out = out.assign(
        metric=metric, between=between, level_a=[a] * len(out), level_b=[b] * len(out)
    )
    cols = [*by, "metric", "between", "level_a", "level_b", "viewers_a", "viewers_b",
            "rate_a", "rate_b", "ratio", "difference"]  # fmt: skip
    return out[cols].reset_index(drop=True)


def _levels(values: pd.Series, between: str, levels: tuple | None) -> tuple:
    """The two sides ``(a, b)``: ``levels``, ``(True, False)`` for a boolean column, or the
    column's two values sorted."""
    if levels is not None:
        return tuple(levels)
    if pd.api.types.is_bool_dtype(values):
        return (True, False)
    found = sorted(values.dropna().unique())
    if len(found) != 2:
        raise ValueError(
            f"{between!r} has {len(found)} values; pass levels=(a, b) to say which two to compare"
        )
    return tuple(found)


def _side_rates(df: pd.DataFrame, by: list[str], between: str, a, col: str) -> pd.DataFrame:
    """Viewers and expected rate of side ``a`` and the other side, per ``by`` group."""
    keys = by or ["_all"]
    df = df.assign(
        _all=0,
        _side=np.where(df[between] == a, "a", "b"),
        _v=df["viewers"].astype(float),
        _vp=df["viewers"].astype(float) * df[col],
    )
    s = df.groupby([*keys, "_side"], observed=True, dropna=False)[["_v", "_vp"]].sum()
    wide = cast(pd.DataFrame, s.unstack("_side")).reindex(
        columns=pd.MultiIndex.from_product([["_v", "_vp"], ["a", "b"]])
    )
    if not by and wide.empty:
        wide = pd.DataFrame(np.nan, index=pd.Index([0], name="_all"), columns=wide.columns)
    out = pd.DataFrame(index=wide.index)
    for side in ("a", "b"):
        out[f"viewers_{side}"] = wide[("_v", side)].fillna(0).astype("int64")
        out[f"rate_{side}"] = wide[("_vp", side)] / wide[("_v", side)].where(lambda x: x > 0)
    out["ratio"] = out["rate_a"] / out["rate_b"]
    out["difference"] = out["rate_a"] - out["rate_b"]
    return out.reset_index(drop=not by)
