"""LIVE x promotion as an interaction (analysis.analyses.promo_interaction), planted shops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.analyses.promo_interaction import INTERACTION_COLUMNS, live_promo_interaction
from analysis.vocabulary import STATUSES


def shop(seed=0, *, interaction=0.0, lives=40) -> pd.DataFrame:
    """LIVE rooms and off-live product-days, promotion ``none`` / ``discount`` on both sides and
    ``flash_sale`` on LIVE only; LIVE effect 1.0 on the log odds, plus ``interaction`` with a
    discount; cluster effects N(0, 0.3^2)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(2 * lives):
        live = i < lives
        u = rng.normal(0, 0.3)
        for promo in ("none", "discount", "flash_sale") if live else ("none", "discount"):
            eta = -3.0 + u + live * (1.0 + interaction * (promo == "discount"))
            eta += 0.3 * (promo != "none")
            n = int(rng.integers(200, 600))
            rows.append({"is_live": live, "promo": promo, "hour": 20, "category": "beauty",
                         "content_id": f"L{i}" if live else pd.NA, "product_id": f"p{i}",
                         "date": pd.Timestamp("2026-11-16"), "viewers": n, "unit": "visitor",
                         "atc": int(rng.binomial(n, 1 / (1 + np.exp(-eta))))})  # fmt: skip
    return pd.DataFrame(rows)


def _diff(out: pd.DataFrame) -> pd.Series:
    return out[out["term"] == "difference from discount"].iloc[0]


@pytest.mark.parametrize(("planted", "clear"), [(0.0, False), (0.8, True)])
def test_the_difference_is_tested_not_read_off_two_tests(planted, clear):
    out = live_promo_interaction(shop(1, interaction=planted))
    assert tuple(out.columns) == INTERACTION_COLUMNS and set(out["status"]) <= set(STATUSES)
    d = _diff(out)
    assert d["promo"] == "none" and d["reference"] == "discount"
    assert bool(d["ci_low"] > 0 or d["ci_high"] < 0) is clear
    assert bool(d["pvalue"] < 0.05) is clear
    assert d["ci_low"] < -planted < d["ci_high"]  # none - discount = -interaction
    live = out[out["term"] == "live effect"].set_index("promo")["estimate"]
    assert live["none"] - live["discount"] == pytest.approx(d["estimate"])
    left = out[out["term"] == "left out"].iloc[0]
    assert left["promo"] == "flash_sale" and left["status"] == "undefined_not_estimable"
    assert d["df"] == 39 and d["n_clusters"] == 40  # LIVEs of the thinnest state - 1


def test_null_interaction_false_positive_rate():
    # 30 seeded shops without interaction: the test rejects at most 5% + 3 binomial SE
    p = [_diff(live_promo_interaction(shop(s, lives=20)))["pvalue"] for s in range(30)]
    assert sum(x < 0.05 for x in p) <= 0.05 * 30 + 3 * np.sqrt(30 * 0.05 * 0.95)


def test_one_state_on_both_sides_compares_nothing():
    cells = shop(2)
    out = live_promo_interaction(cells[cells["promo"] != "discount"])
    assert out["status"].iloc[0] == "undefined_too_few"


def test_three_states_add_the_joint_test():
    cells = shop(3)
    other = shop(4)  # a third state seen in the same LIVEs and product-days, its own counts
    extra = other[other["promo"] == "discount"].assign(promo="bundle")
    out = live_promo_interaction(pd.concat([cells, extra], ignore_index=True))
    joint = out[out["term"] == "all differences = 0"].iloc[0]
    assert 0 <= joint["pvalue"] <= 1 and joint["statistic"] >= 0
    assert (out["term"] == "difference from bundle").sum() == 2
