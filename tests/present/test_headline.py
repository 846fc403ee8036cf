"""analysis.present.headline: the index page's headline as strings, per language, with the
number of LIVEs its clustered intervals rest on."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.analyses.headline import headline
from analysis.cells import validate_cells
from analysis.present import i18n
from analysis.present.headline import KPI_COLUMNS, headline_kpis, headline_rows
from analysis.present.words import trim_zeros

#: add-to-carts of the 7 days (100 viewers each): LIVEs differ from one another
ATC = (3, 9, 5, 7, 4, 8, 6)


def cells(*, live_ids: bool = True, days: int = 7) -> pd.DataFrame:
    """``days`` days of day cells, one LIVE a day (``L<i>``) and one VIDEO day, no orders."""
    rows = [
        {"start": f"{day:%Y-%m-%d}T00:30:00+01:00", "grain": "day", "channel": channel,
         "unit": "visitor", "viewers": 100, "atc": atc if channel == "LIVE" else 10 - atc}
        | ({"content_id": f"L{i}"} if channel == "LIVE" and live_ids else {})
        for i, (day, atc) in enumerate(zip(pd.date_range("2026-11-23", periods=days), ATC[:days], strict=True))
        for channel in ("LIVE", "VIDEO")
    ]  # fmt: skip
    return validate_cells(pd.DataFrame(rows).astype("string"), tz="Europe/Paris")


@pytest.fixture(scope="module")
def week() -> pd.DataFrame:
    return cells()


def pct(x: float, lang: str) -> str:
    return trim_zeros(i18n.format_percent(x, lang=lang, digits=2), lang=lang)


def test_headline_kpis_format_the_clustered_numbers(week):
    frame = headline(week, metrics=["atc_rate"]).iloc[0]
    assert frame["n_lives"] == 7 and frame["method_live"] == "cr2-bm-logit"
    (row,) = headline_kpis(week, lang="fr")  # no orders: no conversion row
    assert tuple(row) == KPI_COLUMNS and row["metric"] == "taux d'ajout au panier"
    assert row["live"] == pct(frame["rate_live"], "fr") == "6\u00a0%"
    low, high = pct(frame["ci_low_live"], "fr"), pct(frame["ci_high_live"], "fr")
    assert row["live_ci"] == f"{low} à {high}"
    fr = json.loads((i18n.STRINGS_DIR / "fr.json").read_text(encoding="utf-8"))["strings"]
    assert row["method"] == fr["method.code.cr2-bm-logit"]  # in words, never the code
    assert row["ratio_method"] == fr["method.code.cr2-bm-fieller"]
    assert row["ratio"] == "1,5×" and row["lives"] == "sur 7 LIVE"
    assert row["status"] == "few_clusters"
    assert row["note"].startswith("L'intervalle est large parce qu'il ne repose que sur 7 LIVE")
    (en,) = headline_kpis(week)
    assert en["sentence"] == (
        f"add-to-cart rate: LIVE 6% ({pct(frame['ci_low_live'], 'en')} to "
        f"{pct(frame['ci_high_live'], 'en')}), from 7 LIVEs; non-live 4% ({en['nonlive_ci']}); "
        f"ratio live / non-live 1.5× ({en['ratio_ci']})."
    )


def test_one_live_has_no_interval_and_says_why():
    (row,) = headline_kpis(cells(days=1), lang="en")
    assert row["lives"] == "from 1 LIVE" and row["live_ci"] == "" and row["ratio_ci"] == ""
    assert row["note"].startswith("One LIVE: there is no spread between LIVEs to measure")
    assert row["status"] == "undefined_too_few"


def test_live_cells_without_live_ids_are_not_counted_as_lives():
    frame = headline(cells(live_ids=False), metrics=["atc_rate"]).iloc[0]
    assert pd.isna(frame["n_lives"]) and frame["n_clusters_live"] == 7  # product x day
    (row,) = headline_kpis(cells(live_ids=False), lang="en")
    assert row["lives"] == "from 7 product × day groups"
    assert row["note"].startswith("The LIVE cells have no LIVE id")


def test_a_side_below_min_viewers_is_withheld(week):
    small = headline_kpis(week.iloc[:2], lang="en", min_viewers=101)
    assert small[0]["live"] == "< 101 viewers" and small[0]["live_ci"] == ""
    assert small[0]["nonlive"] == "< 101 viewers" and small[0]["method"] == ""
    assert small[0]["ratio"] == "0.43×"  # the ratio is not a count: still shown (3 / 7)
    shown = headline_kpis(week.iloc[:2], lang="en", min_viewers=100)
    assert shown[0]["live"] == "3%" and shown[0]["lives"] == "from 1 LIVE"


def test_a_missing_side_is_blank_and_an_unreported_metric_left_out(week):
    (row,) = headline_kpis(week[week["is_live"]], lang="en")
    assert row["nonlive"] == row["nonlive_ci"] == row["ratio"] == ""
    assert row["live"] == "6%" and row["live_ci"] and row["lives"] == "from 7 LIVEs"
    assert row["sentence"].startswith("add-to-cart rate: LIVE 6% (")
    frame = headline(week)
    assert list(frame["metric"]) == ["atc_rate", "conversion"]  # conversion: no trials (orders)
    assert [r["metric"] for r in headline_rows(frame)] == ["add-to-cart rate"]
    failed = headline(week.drop(columns="orders"))
    assert list(failed["status"]) == ["few_clusters", "failed"]
    assert [r["metric"] for r in headline_rows(failed)] == ["add-to-cart rate"]
