"""Detection scores every loader's match and cannot pick the wrong format silently.

Each loader's ``match(path)`` is the share of the file's columns it knows
(:mod:`analysis.sources.matching`); the best wins, a weak best match or a tie is an
``UnreadableError`` listing the candidates and ``source=`` (``docs/data-formats.md``,
"Detection").
"""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis.cli import main
from analysis.errors import IgnoredColumnsWarning, UnreadableError
from analysis.paths import PROJECT_ROOT, SAMPLE_TZ
from analysis.sources import LOADERS, detect_source, loader, matches
from analysis.sources.load import load, read
from analysis.sources.matching import WEAK, Match

EXPORTS = PROJECT_ROOT / "data" / "exports"
FIX = PROJECT_ROOT / "tests" / "fixtures"


@pytest.fixture(scope="module")
def tidy(sample_cells) -> pd.DataFrame:
    """A slice of the sample's cells, every canonical column (computed ones included)."""
    return sample_cells.iloc[::211].reset_index(drop=True)


def expected_source(path: Path) -> str:
    """The format of a committed file, from its name and folder (not from the code under test)."""
    name = path.name
    rules = [("Creator-Live-Performance", "tiktok_live_list"), ("product_list_", "seller_center"),
             (" Product sesi ", "live_center"), (" Trend Stat sesi ", "live_center"),
             ("Overview_", "shop_overview"), ("Shop Analytics_", "shop_overview"),
             ("api_", "tiktok_api")]  # fmt: skip
    for prefix, source in rules:
        if prefix in name:
            return source
    return {"ga4": "ga4", "shopify": "shopify", "breakdown": "shopify",
            "xss": "canonical"}[path.parent.name]  # fmt: skip


COMMITTED = sorted(
    [f for f in EXPORTS.iterdir() if f.suffix in (".xlsx", ".json")]
    + [f for d in ("ga4", "shopify", "shopify/breakdown", "xss") for f in (FIX / d).iterdir()
       if f.suffix in (".json", ".csv")]
)  # fmt: skip


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_every_committed_export_is_detected_as_its_format(path):
    assert detect_source(path) == expected_source(path)


def test_every_loader_has_match_and_detect_agrees(tmp_path):
    path = FIX / "shopify" / "sessions_day.csv"
    for name in LOADERS:
        mod = loader(name)
        assert callable(mod.match)
        assert mod.detect(path) == (mod.match(path) is not None)


def test_score_is_the_share_of_known_columns():
    assert Match("x", 2, 8).score == 0.25
    assert Match("x", 0, 0).score == 0.0
    assert str(Match("shopify", 3, 4, "sessions")) == "shopify (sessions) 0.75 (3 of 4 columns)"


def test_canonical_with_computed_columns_beats_shop_overview(tidy, tmp_path):
    """The issue's case: ``date``/``weekday`` made the cells CSV look like a shop overview."""
    path = tmp_path / "cells.csv"
    tidy.to_csv(path, index=False)
    found = {m.source: m for m in matches(path)}
    assert set(found) == {"canonical", "shop_overview"}  # both recognise it...
    assert (
        found["canonical"].score == 1.0 and found["shop_overview"].score < WEAK
    )  # ...not equally
    assert detect_source(path) == "canonical"
    loaded = read(path, tz=SAMPLE_TZ)
    assert loaded.rejected.empty and len(loaded.cells) == len(tidy)


def test_canonical_with_an_extra_column_is_recognised_and_warns(tidy, tmp_path):
    path = tmp_path / "cells.csv"
    tidy.assign(note="checked by Ana").to_csv(path, index=False)
    assert detect_source(path) == "canonical"
    with pytest.warns(IgnoredColumnsWarning, match="'note'"):
        cells = load(path, tz=SAMPLE_TZ)
    pd.testing.assert_frame_equal(cells, tidy)


def test_canonical_with_only_required_and_some_optional_columns(tmp_path):
    path = tmp_path / "minimal.csv"
    path.write_text("start,grain,channel,unit,product_id,viewers,atc\n"
                    "2026-11-23T18:00:00+01:00,hour,LIVE,visitor,0012,10,3\n")  # fmt: skip
    assert detect_source(path) == "canonical"
    cells = load(path, tz="Europe/Paris")
    assert cells["product_id"].tolist() == ["0012"] and cells["viewers"].tolist() == [10]


def test_weak_match_is_refused_with_candidates_and_source(tidy, tmp_path):
    """Without ``unit`` the file is not canonical; shop overview knows 2 of its 31 columns."""
    path = tmp_path / "nounit.csv"
    tidy.drop(columns="unit").to_csv(path, index=False)
    [only] = matches(path)
    assert only.source == "shop_overview" and only.score < WEAK
    with pytest.raises(UnreadableError, match="no format fits well") as err:
        detect_source(path)
    assert str(only) in str(err.value) and "source=" in str(err.value)
    assert "--source" in str(err.value)


def _two_tables_workbook(path: Path) -> Path:
    """A workbook holding a shop overview sheet and a LIVE list sheet (an analyst's binder)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Overview"
    ws.append(["Date", "Orders"])
    ws.append(["2026-11-23", 4])
    live = wb.create_sheet("LIVE")
    live.append(["Start time", "Livestream", "Views"])
    live.append(["2026-11-23 18:00", "Soirée soins", 120])
    wb.save(path)
    return path


def test_tie_is_refused_listing_both_and_source_chooses(tmp_path):
    path = _two_tables_workbook(tmp_path / "binder.xlsx")
    scores = {m.source: m.score for m in matches(path)}
    assert scores == {"shop_overview": 1.0, "tiktok_live_list": 1.0}
    with pytest.raises(UnreadableError, match="fit equally well") as err:
        detect_source(path)
    message = str(err.value)
    assert "shop_overview" in message and "tiktok_live_list" in message
    assert "source=" in message
    cells = load(path, source="shop_overview", tz="Europe/Paris")
    assert cells["orders"].tolist() == [4]


def test_nothing_recognised_says_so(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("a,b\n1,2\n")
    assert matches(path) == []
    with pytest.raises(UnreadableError, match="format not recognised"):
        detect_source(path)


def test_cli_load_of_a_weak_match_exits_1_naming_source(tidy, tmp_path, capsys):
    path = tmp_path / "nounit.csv"
    tidy.drop(columns="unit").to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing read silently
        assert main(["load", str(path), "--tz", SAMPLE_TZ]) == 1
    err = capsys.readouterr().err
    assert "nounit.csv" in err and "--source" in err


def test_rate_columns_count_as_known_for_spreadsheets(tmp_path):
    """Rates are never read but belong to the export: ``AOV``/``CTR`` do not weaken a match."""
    wb = openpyxl.Workbook()
    wb.active.append(["Date", "Orders", "AOV", "CTR", "Mystery"])
    wb.active.append(["2026-11-23", 4, "10", "1%", "x"])
    wb.save(tmp_path / "overview.xlsx")
    [m] = matches(tmp_path / "overview.xlsx")
    assert (m.source, m.known, m.total) == ("shop_overview", 4, 5)


def test_an_index_column_that_is_not_a_plain_range_is_named(tidy, tmp_path):
    """``to_csv`` of a filtered frame writes labels that are data of a kind: named, not lost."""
    path = tmp_path / "filtered.csv"
    tidy.iloc[1:].to_csv(path)  # index labels 1 .. n-1
    assert detect_source(path) == "canonical"
    with pytest.warns(IgnoredColumnsWarning, match="'Unnamed: 0'"):
        cells = load(path, tz=SAMPLE_TZ)
    pd.testing.assert_frame_equal(cells, tidy.iloc[1:].reset_index(drop=True))


def test_canonical_with_many_extra_columns_is_still_canonical(tmp_path):
    """Extra columns never make a canonical file weak: it is read, the extras named."""
    extras = ",".join(f"note{i}" for i in range(10))
    path = tmp_path / "tidy.csv"
    path.write_text(f"start,grain,channel,unit,viewers,{extras}\n"
                    f"2026-11-23T18:00:00+01:00,hour,WEB,session,5,{',' * 9}\n")  # fmt: skip
    [m] = matches(path)
    assert (m.source, m.score, m.kind) == ("canonical", 1.0, "10 extra column(s)")
    with pytest.warns(IgnoredColumnsWarning, match="'note0'"):
        cells = load(path, tz="Europe/Paris")
    assert cells["viewers"].tolist() == [5]
