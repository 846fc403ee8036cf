"""The frames frozen as golden outputs: every public result the report stands on, on the sample.

``python tests/golden/frames.py`` rewrites ``tests/golden/*.csv`` (do that only when a number is
meant to change, and say why in the commit); ``tests/test_golden.py`` recomputes each frame and
compares it with :func:`pandas.testing.assert_frame_equal` (relative tolerance
:data:`RTOL`). Names are reached through the facade ``analysis`` only, so the frames stay the
same whatever module defines them. Column renames since the freeze are in ``renames.json``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import analysis as cl

HERE = Path(__file__).resolve().parent
#: relative tolerance of the comparison (float sums in another order differ in the last bits)
RTOL = 1e-9
ADJUST5 = ["hour", "promo", "age_group", "gender", "category"]
ITS = {"date": "2026-10-26", "group": "@ines.glow", "adjust": ADJUST5, "level": 0.95}


def _sample() -> pd.DataFrame:
    return cl.load("data/sample", tz="Europe/Paris")


_FACTS: dict[int, object] = {}  # weekly facts per cells object: computed once, read five times


def _weekly(cells: pd.DataFrame, part: str) -> pd.DataFrame:
    if id(cells) not in _FACTS:
        _FACTS.clear()
        _FACTS[id(cells)] = cl.weekly_facts(
            cells, week="latest", previous=4, interventions={"@ines.glow": "2026-10-26"}
        )
    return getattr(_FACTS[id(cells)], part)


def _glm_effects(cells: pd.DataFrame) -> pd.DataFrame:
    res = cl.glm(cells, "atc_rate ~ is_live + C(hour) + category", cluster="content_id")
    return cl.effects(res)


FRAMES: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "rates_is_live": lambda c: cl.rates(c, by="is_live"),
    "rates_live_hour": lambda c: cl.rates(c, by=["is_live", "hour"]),
    "rates_conversion": lambda c: cl.rates(c, by="is_live", metric="conversion"),
    "rates_aov": lambda c: cl.rates(c, by="is_live", metric="aov"),
    "compare_crude": lambda c: cl.compare(c, between="is_live", detail=True),
    "compare_adjusted": lambda c: cl.compare(
        c, between="is_live", adjust=["hour", "category"], detail=True
    ),
    "compare_by_category": lambda c: cl.compare(c, between="is_live", by="category", detail=True),
    "glm_effects": _glm_effects,
    "intervention_its": lambda c: cl.intervention(c, design="its", **ITS),
    "intervention_did": lambda c: cl.intervention(c, design="did", **ITS),
    "halo": lambda c: cl.halo(c),
    "halo_decay": lambda c: cl.halo_decay(c),
    "fatigue": lambda c: cl.fatigue(c, interventions={"@ines.glow": "2026-10-26"}),
    "promo_trend": lambda c: cl.promo_trend(c),
    "week_change": lambda c: cl.week_change(c, week="latest"),
    "anomalies": lambda c: cl.anomalies(c, week="latest"),
    "weekly_rates": lambda c: _weekly(c, "rates"),
    "weekly_lift": lambda c: _weekly(c, "lift"),
    "weekly_slots": lambda c: _weekly(c, "slots"),
    "weekly_movers": lambda c: _weekly(c, "movers"),
    "weekly_interventions": lambda c: _weekly(c, "interventions"),
    "headline": lambda c: pd.DataFrame(cl.headline_kpis(c)),
}


def compute(name: str, cells: pd.DataFrame) -> pd.DataFrame:
    """The frame ``name`` on ``cells``, with its index reset (as written to CSV)."""
    return FRAMES[name](cells).reset_index(drop=True)


def read_golden(name: str) -> pd.DataFrame:
    return pd.read_csv(HERE / f"{name}.csv", keep_default_na=True)


def main(names: list[str]) -> None:
    cells = _sample()
    for name in names or list(FRAMES):
        frame = compute(name, cells)
        frame.to_csv(HERE / f"{name}.csv", index=False, float_format="%.17g")
        print(f"{name}: {frame.shape}")


if __name__ == "__main__":
    main(sys.argv[1:])
