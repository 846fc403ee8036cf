"""Minute data in: the per-minute LIVE API loader, its writer, the events table, and minute /
interval cells kept out of the hour and day pages (docs/data-formats.md)."""

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.cells import validate_cells
from analysis.errors import EventsError, UnreadableError
from analysis.sample.minutes import simulate_minutes
from analysis.sources import detect_source, tiktok_api
from analysis.sources.events_table import empty_events, read_events, write_events
from analysis.sources.load import read
from analysis.sources.tiktok_live_minutes import read as read_minutes
from analysis.sources.writers.tiktok_live_minutes import write as write_minutes
from analysis.stats.compare import compare
from analysis.weeks import within_weeks

FIXTURE = Path(__file__).parents[1] / "fixtures" / "live_minutes"
ONE = FIXTURE / "performance_per_minutes_7493021856412345678.json"
TZ = "Europe/Paris"


def test_the_reference_response_becomes_minute_cells():
    got = read_minutes(ONE, tz=TZ)
    c = got.cells
    assert len(got.rejected) == 0 and got.rows_read == 3
    assert list(c["start"].astype(str)) == [
        "2026-11-02 19:30:00+01:00",
        "2026-11-02 19:31:00+01:00",
        "2026-11-02 19:32:00+01:00",
    ]
    assert set(c["grain"]) == {"minute"} and set(c["channel"]) == {"LIVE"}
    assert set(c["content_id"]) == {"7493021856412345678"}
    assert set(c["content_title"]) == {"Soirée soin visage"}
    assert list(c["viewers"]) == [131, 160, 149]  # traffic.viewers (strings or numbers)
    assert list(c["views"]) == [142, 171, 155]
    assert list(c["impressions"]) == [96, 210, 188]  # product impressions, not the feed's
    assert list(c["clicks"]) == [7, 19, 12]
    assert list(c["orders"]) == [0, 2, 3]  # main_orders
    assert list(c["items"]) == [0, 3, 4]
    assert list(c["revenue"]) == [0.0, 67.8, 90.9] and set(c["currency"]) == {"EUR"}
    assert c["atc"].isna().all()  # the endpoint has no add-to-cart
    assert list(c["hour"]) == [19, 19, 19]


def test_detected_as_per_minute_and_not_as_other_api_responses(tmp_path):
    assert detect_source(ONE) == "tiktok_live_minutes"
    assert tiktok_api.match(ONE) is None
    nested = json.loads(ONE.read_text(encoding="utf-8"))
    body = nested.pop("data")
    nested["data"] = {"performance": body}  # the shape nested like /shop/performance
    del nested["request"]
    for i, it in enumerate(body["intervals"]):
        it["index"] = str(i + 5)  # an interval carrying its own minute
    path = tmp_path / "live_7493021856412345678.json"
    path.write_text(json.dumps(nested), encoding="utf-8")
    assert detect_source(path) == "tiktok_live_minutes"
    got = read_minutes(path, tz=TZ)
    assert set(got.cells["content_id"]) == {"7493021856412345678"}  # from the file name
    assert got.cells["start"].iloc[0] == pd.Timestamp("2026-11-02 19:35", tz=TZ)


def test_bad_values_reject_their_minute_naming_the_field(tmp_path):
    doc = json.loads(ONE.read_text(encoding="utf-8"))
    doc["data"]["intervals"][1]["traffic"]["viewers"] = "12a"
    doc["data"]["intervals"][2]["sales"]["gmv"] = {"amount": "n/a?", "currency": "EUR"}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    got = read_minutes(path, tz=TZ)
    assert len(got.cells) == 1 and got.rows_read == 3
    r = got.rejected
    assert list(r["row"]) == [2, 3]
    assert list(r["column"]) == ["intervals[1].traffic.viewers", "intervals[2].sales.gmv"]
    del doc["data"]["overall"]["start_time"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    r = read_minutes(path, tz=TZ).rejected
    assert "the minute's start is unknown" in r["reason"].iloc[0]


def test_a_saved_error_response_says_so(tmp_path):
    doc = json.loads(ONE.read_text(encoding="utf-8"))
    doc.update(code=98001001, message="internal error")
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(
        UnreadableError,
        match=r"m.json: the saved response is an error \(code "
        r"98001001: 'internal error'\).*Trend Stat",
    ):
        read_minutes(path, tz=TZ)


def test_writer_round_trips_the_simulated_minutes(tmp_path):
    sim = simulate_minutes(lives=2, minutes=40, events=1, seed=4)
    files = write_minutes(sim.cells, tmp_path)
    assert [f.name for f in files] == [
        "api_live_minutes_7500000000000000001.json",
        "api_live_minutes_7500000000000000002.json",
    ]
    env = json.loads(files[0].read_text(encoding="utf-8"))
    assert isinstance(env["data"]["intervals"][0]["traffic"]["viewers"], str)  # as the API
    back = read(tmp_path, tz=TZ).cells.sort_values(["content_id", "start"], ignore_index=True)
    want = sim.cells.sort_values(["content_id", "start"], ignore_index=True)
    for col in (
        "start",
        "content_id",
        "viewers",
        "views",
        "impressions",
        "clicks",
        "orders",
        "items",
        "revenue",
    ):
        assert list(back[col]) == list(want[col]), col


EVENTS = (
    "live_id,creator,live_start,minute,time,type,note\r\n"
    '7493021856412345678,,,1,,pin,=HYPERLINK("http://x","y")\r\n'
    ",@host_a,2026-11-02 19:30,,19:42,Q&A,answers on sizes\r\n"
    ",,,,,,\r\n"
)


def test_events_table_reads_and_writes_back_safely(tmp_path):
    (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8")
    ev = read_events(tmp_path / "events.csv")
    assert list(ev["row"]) == [2, 3] and list(ev["type"]) == ["pin", "qa"]
    assert ev["minute"].iloc[0] == 1 and ev["time"].iloc[1] == "19:42"
    assert ev["live_start"].iloc[1] == pd.Timestamp("2026-11-02 19:30")
    out = write_events(ev, tmp_path / "again.csv")
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'@host_a" in text  # OWASP: no cell runs as a formula
    again = read_events(out)
    assert again.drop(columns="file").equals(ev.drop(columns="file"))


def test_events_table_neutralises_every_formula_start(tmp_path):
    text = ['=HYPERLINK("http://x","y")', "+33 6 12 34 56 78", "-2+3", "@SUM(A1)", "\tx",
            "plain", "'=already"]  # fmt: skip
    ev = empty_events()
    ev = pd.DataFrame({c: pd.Series([None] * len(text), dtype=ev[c].dtype) for c in ev.columns})
    ev = ev.assign(live_id="7501", minute=pd.array(range(len(text)), dtype="Int64"), type="qa",
                   note=pd.array(text, dtype="string"))  # fmt: skip
    path = write_events(ev, tmp_path / "events.csv")
    with open(path, encoding="utf-8", newline="") as f:
        notes = [r[-1] for r in list(csv.reader(f))[1:]]
    assert notes == ["'" + t if t[:1] in "=+-@\t" or t.startswith("'=") else t for t in text]
    assert list(read_events(path)["note"]) == text  # the escape is removed on reading


def test_events_table_errors_name_file_row_column_and_fix(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("live_id,minute,type\n7501,5,pinned\n,3,qa\n7502,4.5,pin\n", encoding="utf-8")
    with pytest.raises(EventsError) as err:
        read_events(path)
    assert str(err.value).splitlines() == [
        "3 problem(s) in the events table (fix them and read it again):",
        "  events.csv, row 2, column 'type': 'pinned' is not one of pin, price_drop, qa, "
        "giveaway, other",
        "  events.csv, row 3, column 'live_id': is empty: give the LIVE's Room ID, or its "
        "creator and live_start",
        "  events.csv, row 4, column 'minute': '4.5' is not a whole number of minutes since the "
        "LIVE's start (0, 1, 2, ...)",
    ]
    assert list(err.value.problems["row"]) == [2, 3, 4]
    path.write_text("live,minute,type\n1,2,pin\n", encoding="utf-8")
    with pytest.raises(EventsError, match=r"events.csv, row 1: .*unknown column\(s\) \['live'\]"):
        read_events(path)


def test_an_events_table_in_the_data_folder_is_skipped_by_the_loaders(tmp_path):
    shutil.copy(ONE, tmp_path / ONE.name)
    (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8")
    files = read(tmp_path, tz=TZ).files.set_index("file")
    assert files.loc["events.csv", "status"] == "skipped"
    assert files.loc[ONE.name, "source"] == "tiktok_live_minutes"


def test_minute_and_interval_cells_validate_and_stay_out_of_the_weekly_pages():
    import analysis as cl

    hourly, _ = cl.simulate(weeks=1, seed=3, scale=0.3)
    sim = simulate_minutes(lives=3, minutes=30, events=1, start="2026-11-02 19:00", seed=1)
    trend = sim.cells.head(6).assign(grain="interval", source="canonical")
    both = validate_cells(pd.concat([hourly, sim.cells, trend], ignore_index=True), tz=TZ)
    assert set(both["grain"]) >= {"minute", "interval", "hour"}  # valid grains
    kept, _ = within_weeks(both, {})
    assert not kept["grain"].isin(["minute", "interval"]).any()
    alone, _ = within_weeks(hourly, {})
    a = compare(kept, between="is_live", metric="conversion")
    b = compare(alone, between="is_live", metric="conversion")
    num = a.select_dtypes("number").columns
    assert np.allclose(a[num].to_numpy(float), b[num].to_numpy(float), equal_nan=True)
