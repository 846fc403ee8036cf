"""The planted truth of a simulated sample, set beside the estimates of the kit.

A folder written by :func:`analysis.sample.simulate.write_sample` holds ``truth.json`` and
``expected/expected.parquet`` (the true per-viewer probabilities of every cell). Notebooks call
:func:`read_truth` on their ``data`` parameter: for real data it returns ``None`` and they show
estimates only; for a simulated sample they add the expected values with :func:`with_truth`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from analysis.paths import resolve_data
from analysis.sample.simulate import EXPECTED_FILE, truth_rates


class Truth(NamedTuple):
    """``planted``: the truth.json dict; ``expected``: row, p_atc, p_order per cell."""

    planted: dict
    expected: pd.DataFrame


def read_truth(data: str | Path) -> Truth | None:
    """The truth of a simulated sample folder, or ``None`` when ``data`` is not one."""
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
    """Add the expected values of a :func:`analysis.stats.rates.compare` result (a new frame).

    Parameters
    ----------
    result : pandas.DataFrame
        Output of ``compare(cells, between=..., metric=..., by=by)``.
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
    estimates (:func:`analysis.sample.simulate.truth_rates`).
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
        t = truth_rates(cells, truth.expected, by=by or None, between=between, metric=metric,
                        levels=(a, b))  # fmt: skip
        t = t.rename(columns={"rate_a": "expected_rate_a", "rate_b": "expected_rate_b",
                              "difference": "expected_diff", "ratio": "expected_ratio"})  # fmt: skip
        merged = rows[by].merge(t[[*by, *cols]], on=by, how="left") if by else None
        values = merged[cols].to_numpy() if by else t[cols].to_numpy().repeat(len(rows), 0)
        out.loc[rows.index, cols] = values
    inside = (out["ratio_ci_low"] <= out["expected_ratio"]) & (
        out["expected_ratio"] <= out["ratio_ci_high"]
    )
    out["covered"] = inside.astype("boolean").mask(out["expected_ratio"].isna())
    return out
