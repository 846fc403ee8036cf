"""The methods of the small-cluster study, called through the kit's public functions.

A thin adapter: :func:`methods_of` runs ``rates``, ``compare`` (twice: Mantel-Haenszel and
standardisation, each also giving the crude ratio), ``glm`` and ``effects`` on one cells frame
and returns, per method of :data:`METHODS`, the estimate, interval, p-value (for ratio 1),
status code (index in ``STATUSES``), degrees of freedom and clusters. It reads issue 13's
column names (``docs/metrics.md``: primary = clustered, ``unclustered_*`` detail columns,
``coef_table``) when the kit has them, and main's older names (``clustered_*`` columns,
``effects`` odds-ratio rows) otherwise, so one harness runs on both.
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings

import numpy as np
import pandas as pd

import analysis as cl
from analysis.vocabulary import STATUSES

__all__ = ["ESTIMANDS", "METHODS", "REFERENCE", "STATUS_CODES", "methods_of"]

ADJUST = ["hour", "category"]
FORMULA = "atc_rate ~ is_live + C(hour) + category"
STATUS_CODES = tuple(STATUSES)
#: method -> its estimand (the method applied to the expected counts of the design)
ESTIMANDS = {
    "rate_live": "LIVE-side pooled rate sum(n p)/sum(n) (rates, by=is_live)",
    "crude": "crude LIVE / non-live ratio of the expected counts (compare, primary)",
    "crude_viewer": "same as crude; viewer-level interval (reference, not a clustered method)",
    "mh": "Mantel-Haenszel common ratio over hour x category of the expected counts",
    "std": "ratio standardised to the LIVE mix over hour x category, expected counts",
    "glm_or": "is_live odds ratio of the logit GLM fitted to the expected counts",
    "glm_rr": "GLM marginal rate ratio over the LIVE cells (effects, over=group_a), expected",
}
METHODS = tuple(ESTIMANDS)
#: reference rows: reported, not judged (not a shipped clustered method)
REFERENCE = ("crude_viewer",)


def _code(status: object) -> int:
    return STATUS_CODES.index(str(status)) if str(status) in STATUS_CODES else -1


def _row(est, lo, hi, p, status, df=np.nan, ncl=np.nan) -> dict[str, float]:
    def num(v: object) -> float:
        return float(v) if v is not None and not pd.isna(v) else np.nan

    return {"est": num(est), "lo": num(lo), "hi": num(hi), "pvalue": num(p),
            "status": _code(status), "df": num(df), "nclus": num(ncl)}  # fmt: skip


def _rate(cells: pd.DataFrame) -> dict[str, float]:
    r = cl.rates(cells, by="is_live")
    r = r[r["is_live"].astype(bool)].iloc[0]
    return _row(r["rate"], r["ci_low"], r["ci_high"], np.nan, r["status"], r.get("df"),
                r.get("n_clusters"))  # fmt: skip


def _compare(cells: pd.DataFrame) -> dict[str, dict[str, float]]:
    mh = cl.compare(cells, adjust=ADJUST, detail=True).iloc[0]
    st = cl.compare(cells, adjust=ADJUST, adjust_method="standardisation", detail=True).iloc[0]
    new = "unclustered_pvalue" in mh.index
    ncl = mh["n_clusters_a"]
    adj_status = "adjusted_status" if "adjusted_status" in mh.index else "inference_status"
    if new:
        crude = _row(mh["ratio"], mh["ratio_ci_low"], mh["ratio_ci_high"], mh["pvalue"],
                     mh["status"], mh["df"], ncl)  # fmt: skip
        viewer = _row(mh["ratio"], mh["unclustered_ratio_ci_low"], mh["unclustered_ratio_ci_high"],
                      mh["unclustered_pvalue"], "not_clustered")  # fmt: skip
    else:
        crude = _row(mh["ratio"], mh["clustered_ratio_ci_low"], mh["clustered_ratio_ci_high"],
                     mh["clustered_pvalue"], mh["inference_status"], mh["df"], ncl)  # fmt: skip
        viewer = _row(mh["ratio"], mh["ratio_ci_low"], mh["ratio_ci_high"], mh["pvalue"],
                      mh["status"])  # fmt: skip
    # the adjusted ratio's own df when the kit reports it (old kits share the crude ``df``)
    adj_df = "adjusted_df" if "adjusted_df" in mh.index else (None if new else "df")
    out = {"crude": crude, "crude_viewer": viewer}
    for name, r in (("mh", mh), ("std", st)):
        out[name] = _row(r["adjusted_ratio"], r["adjusted_ratio_ci_low"],
                         r["adjusted_ratio_ci_high"], r["adjusted_pvalue"], r[adj_status],
                         r[adj_df] if adj_df else np.nan, ncl)  # fmt: skip
    return out


def _coef_table():
    """The kit's ``coef_table`` (issue 13) wherever it lives, or None on older kits."""
    found = getattr(cl, "coef_table", None)
    for module in ("analysis.stats.models", "analysis.stats.glm_tables"):
        if found is None and importlib.util.find_spec(module) is not None:
            found = getattr(importlib.import_module(module), "coef_table", None)
    return found


def _glm(cells: pd.DataFrame) -> dict[str, dict[str, float]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cl.glm(cells, FORMULA)
        eff = cl.effects(res, contrast="is_live", over="group_a")
        coef_table = _coef_table()
        if coef_table is not None:
            t = coef_table(res).set_index("term").loc["is_live[T.True]"]
            lo, hi = np.exp(t["ci_low"]), np.exp(t["ci_high"])  # coefficient scale
            odds = _row(np.exp(t["estimate"]), lo, hi, t["pvalue"], t["status"], t["df"],
                        t.get("n_clusters"))  # fmt: skip
        else:
            t = eff[eff["effect"] == "odds_ratio"].iloc[0]
            odds = _row(t["estimate"], t["ci_low"], t["ci_high"], t["pvalue"], t["status"],
                        t["df"])  # fmt: skip
    rr = eff[eff["effect"] == "rate_ratio"].iloc[0]
    return {"glm_or": odds,
            "glm_rr": _row(rr["estimate"], rr["ci_low"], rr["ci_high"], rr["pvalue"],
                           rr["status"], rr["df"])}  # fmt: skip


def methods_of(cells: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Every method of :data:`METHODS` on one cells frame: ``{method: {est, lo, hi, pvalue,
    status, df, nclus}}`` (floats; ``status`` the index of the code in ``STATUSES``)."""
    return {"rate_live": _rate(cells), **_compare(cells), **_glm(cells)}
