"""What changed this week (:func:`analysis.analyses.week_change.headline_change`).

The difference, its interval, p-value and Holm p-value are pinned to R clubSandwich:
``tests/reference/week_change.R`` (CR2 ``vcovCR(inverse_var = TRUE)`` on cluster totals,
``coef_test(test = "Satterthwaite")``, ``p.adjust(method = "holm")``) run on
``tests/reference/week_change_fixture.csv``; output ``week_change.Rout`` and
``week_change_golden.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.analyses.week_change import CHANGE_COLUMNS, headline_change
from analysis.paths import TEMPLATES_DIR
from analysis.present.week_change import CHANGE_ROW_KEYS, change_rows, input_lines
from analysis.report.index import render_index
from analysis.report.provenance import run_metadata
from analysis.sources.quality import SUMMARY_COLUMNS
from analysis.weeks import parse_week

REF = Path(__file__).resolve().parents[1] / "reference"


def fixture_cells() -> pd.DataFrame:
    d = pd.read_csv(REF / "week_change_fixture.csv", keep_default_na=False)
    d["date"] = pd.to_datetime(d["date"])
    d["is_live"] = d["is_live"].astype(str) == "True"
    d["content_id"] = d["content_id"].replace("", None)
    d["unit"] = "visitor"
    d["channel"] = np.where(d["is_live"], "LIVE", "PRODUCT_CARD")
    return d


@pytest.fixture(scope="module")
def result():
    cells = fixture_cells()
    before = cells.copy()
    out = headline_change(cells, week="2026-W47", metrics=["atc_rate"])
    pd.testing.assert_frame_equal(cells, before)  # input not mutated
    return out


def test_difference_interval_and_holm_match_clubsandwich(result):
    gold = pd.read_csv(REF / "week_change_golden.csv").set_index("side")
    got = result.set_index("side")
    assert list(result.columns) == list(CHANGE_COLUMNS)
    for side in ("live", "nonlive"):
        for col in ("rate", "rate_previous", "diff", "df", "diff_ci_low", "diff_ci_high",
                    "pvalue", "pvalue_holm"):  # fmt: skip
            assert got.loc[side, col] == pytest.approx(gold.loc[side, col], rel=1e-6), (side, col)
    assert got.loc["live", "call"] == "change"
    assert got.loc["nonlive", "call"] == "within noise"
    assert got.loc["nonlive", "cluster"] == "date"
    assert got.loc["nonlive", "status"] == "few_clusters"  # 7 days a week
    assert got.loc["live", "status"] == "ok"  # 12 LIVEs each week
    assert result["previous_week"].eq("2026-W46").all()


def test_no_previous_week_is_said():
    out = headline_change(fixture_cells(), week="2026-W46", metrics=["atc_rate"])
    assert out["status"].eq("undefined_out_of_range").all()
    assert out["status_message"].str.endswith("(no live cells in the previous week)").iloc[0]
    assert out["call"].eq("").all()
    rows = change_rows(out, lang="en")
    assert rows[0]["call"] == "no previous week to compare with"
    rows_fr = change_rows(out, lang="fr")
    assert rows_fr[0]["call"] == "pas de semaine précédente à comparer"


def test_one_live_a_week_is_undefined_and_few_lives_flagged():
    cells = fixture_cells()
    lives = cells["content_id"].isin(["Lprev0", "Lthis0"]) | ~cells["is_live"]
    out = headline_change(cells[lives], week="2026-W47", metrics=["atc_rate"]).set_index("side")
    assert out.loc["live", "status"] == "undefined_too_few"
    assert np.isnan(out.loc["live", "diff_ci_low"])
    assert out.loc["live", "call"] == ""
    few = cells["content_id"].isin([f"L{w}{i}" for w in ("prev", "this") for i in range(4)])
    out = headline_change(cells[few | ~cells["is_live"]], week="2026-W47", metrics=["atc_rate"])
    assert out.set_index("side").loc["live", "status"] == "few_clusters"


def test_zero_views_this_week():
    cells = fixture_cells()
    cells.loc[cells["date"] >= "2026-11-16", ["viewers", "atc"]] = 0
    out = headline_change(cells, week="2026-W47", metrics=["atc_rate"])
    assert out["status"].eq("undefined_no_viewers").all(), out["status"].tolist()
    assert out["call"].eq("").all()


def test_rows_in_both_languages(result):
    en = change_rows(result, lang="en")
    assert [r["metric"] for r in en] == ["add-to-cart rate", "add-to-cart rate"]
    assert set(en[0]) == set(CHANGE_ROW_KEYS)
    assert en[0]["side"] == "LIVE"
    assert en[0]["diff"] == "+4.18 pp"
    assert en[0]["call"] == "change (Holm-adjusted across the 2 headline rates)"
    fr = change_rows(result, lang="fr")
    assert fr[0]["diff"] == "+4,18 pp"
    assert fr[1]["call"].startswith("dans le bruit")


def test_index_opens_with_the_change_block(result, tmp_path):
    run = run_metadata(REF / "week_change_fixture.csv", parse_week("2026-W47"),
                       {"week": "2026-W47"}, lang="fr")  # fmt: skip
    html = render_index(TEMPLATES_DIR, run=run, pages=[], lock=None, out=tmp_path, kpis=[],
                        lang="fr", changes=change_rows(result, lang="fr"))  # fmt: skip
    block = html[html.index('<h2 id="changes">') : html.index('<h2 id="pages">')]
    assert "Ce qui a changé cette semaine" in block
    assert (
        '<td data-label="conclusion">changement (ajusté par Holm sur les 2 taux du résumé)</td>'
        in block
    )  # the header as a label: each row is a card on a phone
    assert '+4,18 pp<span class="ci">+2,33 pp à +6,03 pp</span>' in block
    assert "Hors LIVE, les grappes sont les jours (7 dans la semaine la plus pauvre" in block
    assert html.index('id="changes"') < html.index('id="pages"')


def test_rows_without_a_test_are_not_in_the_holm_family(result):
    out = headline_change(fixture_cells(), week="2026-W47")  # no orders column: no conversion
    gold = pd.read_csv(REF / "week_change_golden.csv").set_index("side")
    atc = out[out["metric"] == "atc_rate"].set_index("side")
    assert out.loc[out["metric"] == "conversion", "status"].eq("failed").all()
    assert atc["pvalue_holm"].to_numpy() == pytest.approx(gold["pvalue_holm"].to_numpy(), rel=1e-6)
    assert [r["call"] for r in change_rows(out, lang="en")][0].endswith(
        "across the 2 headline rates)"
    )


def test_input_lines_say_whether_rows_reconcile():
    summary = pd.DataFrame(
        [
            ["tiktok", 2, 1200, 1190, 6, 4, 300, 0, True, "ok", "computed as documented"],
            ["ga4", 1, 50, 40, 5, 0, 20, 0, False, "not_reconciled", "rows read != ..."],
            ["unreadable", 1, 0, 0, 0, 0, 0, 0, True, "partial", "x.xlsx: bad zip"],
        ],
        columns=list(SUMMARY_COLUMNS),
    )
    en = input_lines(summary, lang="en")
    assert en[0] == (
        "tiktok: reconciles, 1,200 rows read = 1,190 used + 6 rejected + 4 replaced (files: 2)."
    )
    assert en[1].startswith("ga4: does not reconcile, 50 rows read against 40 used + 5 rejected")
    assert en[2].startswith("Unreadable files left out: 1; their rows")
    assert input_lines(summary, lang="fr")[0].startswith("tiktok : les comptes sont justes, 1")
    assert input_lines(None) == []
