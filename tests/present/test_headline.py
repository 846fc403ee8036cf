"""analysis.present.headline: the index page's headline as strings, per language."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.analyses.headline import headline
from analysis.cells import validate_cells
from analysis.present.headline import KPI_COLUMNS, headline_kpis, headline_rows


@pytest.fixture(scope="module")
def week() -> pd.DataFrame:
    """One week of day cells, 100 viewers and 5 atc per LIVE and per VIDEO day, no orders."""
    rows = [
        {"start": f"{day:%Y-%m-%d}T00:30:00+01:00", "grain": "day", "channel": channel,
         "unit": "visitor", "viewers": 100, "atc": 5}
        for day in pd.date_range("2026-11-23", "2026-11-29", freq="D")
        for channel in ("LIVE", "VIDEO")
    ]  # fmt: skip
    return validate_cells(pd.DataFrame(rows).astype("string"), tz="Europe/Paris")


def test_headline_kpis_give_rates_and_ratio_with_intervals(week):
    rows = headline_kpis(week, lang="fr")
    assert [r["metric"] for r in rows] == ["taux d'ajout au panier"]  # no orders: no conversion
    row = rows[0]
    assert tuple(row) == KPI_COLUMNS
    # 35 / 700 on each side; rates(method="auto") uses Wilson with continuity correction
    # (Newcombe 1998, method 4), computed independently with the standard library:
    #   z = NormalDist().inv_cdf(0.975); n, p = 700, 0.05; q = 1 - p
    #   (2*n*p + z*z - 1 - z*sqrt(z*z - 2 - 1/n + 4*p*(n*q + 1))) / (2*(n + z*z)) = 0.035566
    #   (2*n*p + z*z + 1 + z*sqrt(z*z + 2 - 1/n + 4*p*(n*q - 1))) / (2*(n + z*z)) = 0.069561
    # (R: prop.test(35, 700)$conf.int gives the same 0.03557, 0.06956)
    assert row["live"] == row["nonlive"] == "5,00\u00a0%"
    assert row["method"] == "wilson-cc"
    assert row["live_ci"] == "3,56\u00a0% à 6,96\u00a0%"
    assert row["ratio"] == "1,00×" and row["status"] == "ok" and row["ratio_method"] == "score"
    assert headline_kpis(week)[0]["live_ci"] == "3.56% to 6.96%"


def test_a_side_below_min_viewers_is_withheld(week):
    small = headline_kpis(week.iloc[:2], lang="en", min_viewers=101)
    assert small[0]["live"] == "< 101 viewers" and small[0]["live_ci"] == ""
    assert small[0]["nonlive"] == "< 101 viewers" and small[0]["method"] == ""
    assert small[0]["ratio"] == "1.00×"  # the ratio is not a count: still shown
    shown = headline_kpis(week.iloc[:2], lang="en", min_viewers=100)
    assert shown[0]["live"] == "5.00%" and shown[0]["method"] == "wilson-cc"


def test_a_missing_side_is_blank_and_an_unreported_metric_left_out(week):
    (row,) = headline_kpis(week[week["is_live"]], lang="en")
    assert row["nonlive"] == row["nonlive_ci"] == row["ratio"] == ""
    assert row["live"] == "5.00%" and row["live_ci"] == "3.56% to 6.96%"
    frame = headline(week)
    assert list(frame["metric"]) == ["atc_rate", "conversion"]  # conversion: no trials (orders)
    assert [r["metric"] for r in headline_rows(frame)] == ["add-to-cart rate"]
    failed = headline(week.drop(columns="orders"))
    assert list(failed["status"]) == ["ok", "failed"]
    assert [r["metric"] for r in headline_rows(failed)] == ["add-to-cart rate"]
