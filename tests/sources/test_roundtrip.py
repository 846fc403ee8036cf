"""Round trip: ``load`` of what ``write_cells`` / ``cartlift load --out`` wrote equals the cells.

For every source (one committed file each, ``tests/fixtures/`` and ``data/exports``), for the
sample, and for generated cells (hypothesis, text starting with ``= + - @`` or quotes, holding tabs
and carriage returns: the CSV formula escape is undone exactly): CSV and Parquet, compared with
``pandas.testing.assert_frame_equal`` (values and dtypes). Ids stay strings (leading zeros,
19-digit ids), times keep their offset across the October DST change in Europe/Paris, and the
provenance columns (``source``, ``file``, ``row``, ``derived``) are kept. A pandas ``to_csv``
with its index column loads too (``docs/data-formats.md``, "Round trip").
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.cells import validate_cells
from analysis.cli import main
from analysis.paths import PROJECT_ROOT, SAMPLE_DIR, SAMPLE_TZ
from analysis.sources import detect_source
from analysis.sources.canonical import write_cells
from analysis.sources.load import load, read
from analysis.vocabulary import BINOMIAL_UNITS, CHANNELS, PROMOS, UNITS

TZ = "Europe/Paris"
FIX = PROJECT_ROOT / "tests" / "fixtures"
EXPORTS = PROJECT_ROOT / "data" / "exports"

#: one committed file per source (the file's loader is checked, then its cells round-tripped)
SOURCES = {
    "ga4": [FIX / "ga4" / "events_20261123.json"],
    "shopify": [FIX / "shopify" / "sessions_hour.csv"],
    "shopify_orders": [FIX / "shopify" / "orders_export.csv"],
    "shopify_landing": [FIX / "shopify" / "breakdown" / "Sessions by landing page - 2026-11-01 - 2026-11-30.csv"],
    "tiktok_live_list": [EXPORTS / "Creator-Live-Performance_20261122235959.xlsx"],
    "seller_center": [EXPORTS / "product_list_20261116.xlsx"],
    "live_center": [EXPORTS / "chloe.maison Product sesi 1, 22 November 2026.xlsx",
                    EXPORTS / "chloe.maison Trend Stat sesi 1, 22 November 2026.xlsx"],
    "shop_overview": [EXPORTS / "Shop Analytics_Key metrics_20261122.xlsx"],
    "tiktok_api": [EXPORTS / "api_videos.json", EXPORTS / "api_live_sessions.json"],
    "canonical": [FIX / "xss" / "cells.csv"],
}  # fmt: skip


def round_trip(cells: pd.DataFrame, path: Path, tz: str = TZ) -> pd.DataFrame:
    """Write ``cells`` to ``path`` with :func:`write_cells` and load them back."""
    write_cells(cells, path)
    assert detect_source(path) == "canonical"
    return load(path, tz=tz)


@pytest.mark.parametrize("name", sorted(SOURCES))
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_every_source_round_trips(name, suffix, tmp_path):
    files = SOURCES[name]
    expected = name.split("_")[0] if name.startswith("shopify") else name
    assert {detect_source(f) for f in files} == {expected}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # some fixtures carry rejected rows on purpose
        cells = read(files, tz=TZ).cells
    assert len(cells) > 0
    back = round_trip(cells, tmp_path / f"cells{suffix}")
    pd.testing.assert_frame_equal(back, cells)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cli_load_out_round_trips(suffix, tmp_path, capsys):
    src = SOURCES["seller_center"][0]
    out = tmp_path / f"cells{suffix}"
    assert main(["load", str(src), "--tz", TZ, "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip().endswith(str(out))
    pd.testing.assert_frame_equal(load(out, tz=TZ), read(src, tz=TZ).cells)


@pytest.mark.no_cover  # repeats code other tests cover, at full size: not traced (conftest)
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_sample_round_trips(sample_cells, suffix, tmp_path):
    back = round_trip(sample_cells, tmp_path / f"cells{suffix}", tz=SAMPLE_TZ)
    pd.testing.assert_frame_equal(back, sample_cells)


def test_pandas_to_csv_with_its_index_and_computed_columns_loads(sample_cells, tmp_path):
    """What ``cl.load("data/sample").to_csv(f)`` writes: the index column (``Unnamed: 0``) and
    ``date``/``hour``/``weekday``/``is_live``; read as canonical, not as a shop overview."""
    part = sample_cells.iloc[::97].reset_index(drop=True)
    path = tmp_path / "tidy.csv"
    part.to_csv(path)
    assert pd.read_csv(path, nrows=0).columns[0] == "Unnamed: 0"
    assert detect_source(path) == "canonical"
    loaded = read(path, tz=SAMPLE_TZ)
    assert loaded.rejected.empty and loaded.reconciles()
    pd.testing.assert_frame_equal(loaded.cells, part)


def test_sample_cells_file_detects_as_canonical():
    cells_files = [f for f in Path(SAMPLE_DIR).iterdir() if f.suffix in (".csv", ".parquet")]
    assert cells_files and {detect_source(f) for f in cells_files} == {"canonical"}


# ------------------------------------------------------------------------ generated cells
#: hours from 20 Oct to 5 Nov 2026 in UTC: Europe/Paris leaves summer time on 25 Oct at 03:00
#: (01:00 UTC), so both 02:00 local hours of that night are among them
UTC_HOURS = pd.date_range("2026-10-20", "2026-11-05", freq="h", tz="UTC")
IDS = st.one_of(
    st.none(),
    st.from_regex(r"0[0-9]{2,8}", fullmatch=True),  # leading zeros
    st.integers(10**18, 2**63 - 1).map(str),  # 19-digit ids overflow float64
    st.text("abcXYZ-_ é,\"'\n;", min_size=1, max_size=12).map(str.strip).filter(bool),
    # formula starts (escaped in CSV, unescaped on reading), literal leading quotes that must
    # survive, tabs and carriage returns (outer ones are stripped by validation; inner ones kept)
    st.text("=+-@\t\r'xA1(\",", min_size=1, max_size=12).map(str.strip).filter(bool),
    st.sampled_from(
        [
            '=HYPERLINK("http://x","y")',
            "+1",
            "-2+3",
            "-2",
            "@SUM(A1)",
            "'=x",
            "''+1",
            "'abc",
            "'",
            "a\tb",
            "a\rb",
            "a\r\nb",
        ]
    ),
)
COUNT = st.one_of(st.none(), st.integers(0, 10**9))


@st.composite
def cells_frames(draw) -> pd.DataFrame:
    """Valid raw cells: distinct hours (some in the DST fold), ids as text, counts or NA."""
    hours = draw(st.lists(st.integers(0, len(UTC_HOURS) - 1), min_size=1, max_size=12,
                          unique=True))  # fmt: skip
    if draw(st.booleans()):  # always include the two 02:00 hours of 25 Oct
        fold = [int(i) for i in UTC_HOURS.get_indexer(pd.to_datetime(
            ["2026-10-25 00:00", "2026-10-25 01:00"], utc=True))]  # fmt: skip
        hours = list(dict.fromkeys([*fold, *hours]))
    rows = []
    for n, i in enumerate(hours):
        unit = draw(st.sampled_from(UNITS))
        viewers = draw(COUNT)
        atc = draw(COUNT)
        if unit in BINOMIAL_UNITS and viewers is not None and atc is not None:
            atc = min(atc, viewers)
        revenue = draw(st.one_of(st.none(), st.floats(0, 1e7, allow_nan=False)))
        rows.append({
            "source": draw(st.sampled_from(["simulate", "shopify", "ga4"])),
            "file": draw(st.sampled_from(["a.csv", "Überblick 2026.xlsx"])),
            "row": n + 2,
            "derived": draw(st.booleans()),
            "start": UTC_HOURS[i].tz_convert(TZ),
            "grain": draw(st.sampled_from(["hour", "session", "interval"])),
            "channel": draw(st.sampled_from(CHANNELS)),
            "content_id": draw(IDS), "content_title": draw(IDS), "creator": draw(IDS),
            "product_id": draw(IDS), "category": draw(IDS),
            "promo": draw(st.one_of(st.none(), st.sampled_from(PROMOS))),
            "region": draw(IDS), "device": draw(IDS),
            "impressions": draw(COUNT), "viewers": viewers, "atc": atc, "orders": draw(COUNT),
            "revenue": revenue, "currency": None if revenue is None else "EUR",
            "unit": unit,
        })  # fmt: skip
    return validate_cells(pd.DataFrame(rows), tz=TZ)


@pytest.mark.no_cover  # repeats code other tests cover, at full size: not traced (conftest)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=cells_frames(), suffix=st.sampled_from([".csv", ".parquet"]))
def test_generated_cells_round_trip(cells, suffix, tmp_path):
    back = round_trip(cells, tmp_path / f"generated{suffix}")
    pd.testing.assert_frame_equal(back, cells)
    ids = cells["product_id"].dropna()
    assert back["product_id"].dropna().tolist() == ids.tolist()  # text, digits as written


def test_dst_fold_keeps_both_hours(tmp_path):
    """The two 02:00 hours of 25 Oct 2026 in Paris stay two cells with offsets +02:00, +01:00."""
    starts = pd.to_datetime(["2026-10-25 00:00", "2026-10-25 01:00"], utc=True).tz_convert(TZ)
    raw = pd.DataFrame({"start": starts, "grain": "hour", "channel": "WEB", "unit": "session",
                        "file": "x.csv", "product_id": ["0012", "1234567890123456789"]})  # fmt: skip
    cells = validate_cells(raw, tz=TZ)
    out = tmp_path / "fold.csv"
    write_cells(cells, out)
    text = out.read_text()
    assert "2026-10-25T02:00:00+02:00" in text and "2026-10-25T02:00:00+01:00" in text
    back = load(out, tz=TZ)
    assert back["hour"].tolist() == [2, 2]
    assert back["product_id"].tolist() == ["0012", "1234567890123456789"]
    pd.testing.assert_frame_equal(back, cells)
