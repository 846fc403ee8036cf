"""One-shot or durable: crude vs promotion-adjusted change, and its verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.analyses.durable import VERDICTS, promo_trend, verdict, week_change
from analysis.vocabulary import STATUSES


def test_verdicts():
    assert verdict(0.1, 0.3, -0.05, 0.2) == "one-shot (promotions)"
    assert verdict(-0.3, -0.1, -0.2, 0.05) == "drop explained by promotions"
    assert verdict(0.1, 0.3, 0.05, 0.2) == "durable gain"
    assert verdict(-0.3, 0.1, -0.2, -0.05) == "durable drop"
    assert verdict(-0.3, 0.1, -0.2, 0.2) == "no clear change"
    assert {verdict(a, a + 0.2, b, b + 0.2) for a in (-0.3, 0.1) for b in (-0.3, -0.1, 0.1)} <= (
        set(VERDICTS)
    )


def _flash_sale_weeks(rng) -> pd.DataFrame:
    """Six weeks of LIVE cells; the last week has many more flash-sale cells (+0.6 log odds)."""
    rows = []
    for week in range(6):
        for k in range(6):
            day = pd.Timestamp("2026-09-28") + pd.Timedelta(days=7 * week + k)
            share = 0.1 if week < 5 else 0.8
            for promo in ("none", "flash_sale"):
                n = int(4000 * (share if promo == "flash_sale" else 1 - share))
                p = 1 / (1 + np.exp(-(-2.5 + (0.6 if promo == "flash_sale" else 0))))
                rows.append({"date": day, "is_live": True, "promo": promo, "category": "x",
                             "content_id": f"L{week}-{k}", "viewers": n,
                             "atc": int(rng.binomial(n, p)), "unit": "visitor", "hour": 19})  # fmt: skip
    return pd.DataFrame(rows)


def test_a_gain_made_of_flash_sales_is_flagged_one_shot():
    """The crude gain vanishes once promotions are in the model."""
    frame = _flash_sale_weeks(np.random.default_rng(5))
    res = week_change(frame, week="2026-W45", previous=4)
    live = res[res["side"] == "live"].iloc[0]
    assert live["crude_ci_low"] > 0
    assert live["adjusted_ci_low"] <= 0 <= live["adjusted_ci_high"]
    assert live["verdict"] == "one-shot (promotions)"
    # 30 LIVEs in the window, but only this week's 6 inform the change (issue 13)
    assert live["status"] == "few_clusters" and "6 clusters inform it" in live["status_message"]
    assert res[res["side"] == "off-live"]["status"].iloc[0] == "undefined_too_few"


def test_fewer_previous_weeks_than_asked_is_partial():
    frame = _flash_sale_weeks(np.random.default_rng(6))
    res = week_change(frame, week="2026-W41", previous=4)
    live = res[res["side"] == "live"].iloc[0]
    assert live["what"] == "2026-W41 vs 1 previous weeks"
    assert live["status"] == "few_clusters"  # 12 LIVEs: the most serious note
    assert STATUSES["partial"] in live["status_message"]  # 1 previous week of 4: listed too
    one_state = week_change(frame[frame["promo"] == "none"], week="2026-W41", previous=1)
    row = one_state[one_state["side"] == "live"].iloc[0]
    assert row["crude"] == row["adjusted"]
    assert STATUSES["partial"] in row["status_message"]  # one promotion state only


def test_sample_promo_trend_runs(sample_cells):
    res = promo_trend(sample_cells)
    assert list(res["side"]) == ["live", "off-live"]
    assert res["verdict"].notna().all()
    assert res["status"].eq("ok").all()
    trend = promo_trend(_flash_sale_weeks(np.random.default_rng(7)).iloc[:12])
    assert trend.set_index("side").loc["live", "status"] == "undefined_too_few"  # one week
    assert trend.set_index("side").loc["off-live", "status"] == "undefined_no_cells"
