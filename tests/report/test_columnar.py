"""The Parquet cache of the loaded data (analysis.report.columnar, analysis.report.cache):
the same frames as reading the files, a page's window read alone, stale and damaged entries
read again from the files, entries written atomically and bounded."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analysis import paths
from analysis.errors import RejectedRowsWarning
from analysis.report import cache, columnar
from analysis.sources.base import Loaded
from analysis.sources.load import read
from analysis.weeks import periods_from_files, within_weeks, within_window

TZ = "Europe/Paris"
#: three ISO weeks (W45-W47 of 2026), two hours a day on Tuesdays, one row rejected
ROWS = [("2026-11-03", 10, 2), ("2026-11-10", 12, 3), ("2026-11-17", 14, 5)]


def _data(folder, atc_last=5):
    lines = ["start,grain,channel,unit,viewers,atc"]
    for day, viewers, atc in ROWS[:-1]:
        lines += [f"{day}T{h}:00:00+01:00,hour,LIVE,visitor,{viewers},{atc}" for h in (19, 20)]
    lines += [f"2026-11-17T{h}:00:00+01:00,hour,LIVE,visitor,14,{atc_last}" for h in (19, 20)]
    lines.append("2026-11-18T19:00:00+01:00,hour,LIVE,visitor,ten,1")  # rejected: not a number
    folder.mkdir(exist_ok=True)
    (folder / "cells.csv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture
def store(tmp_path, monkeypatch):
    """An empty cache folder of the test's own, a kernel's memory cleared, no page set."""
    monkeypatch.setattr(paths, "LOADED_CACHE", tmp_path / "cache")
    cache._CACHE.clear()
    yield tmp_path / "cache"
    cache.set_page()
    cache._CACHE.clear()


def _frames(loaded):
    return {f.name: getattr(loaded, f.name) for f in dataclasses.fields(Loaded)}


def test_the_cached_frames_are_the_files_frames_and_a_window_reads_its_weeks_only(
    tmp_path, store, monkeypatch
):
    data = _data(tmp_path / "data")
    direct = read(data, tz=TZ)
    assert len(direct.rejected) == 1 and len(direct.cells) == 6
    left_out = cache.remember(direct, data=data, tz=TZ, shop=None)
    assert [p.name for p in store.iterdir()] == [
        columnar.entry_key(cache.data_key(data, TZ, None))
    ]  # one entry, no temporary folder left
    monkeypatch.setattr(cache, "read", lambda *a, **k: pytest.fail("the files were read"))
    cached = cache.read_once(data, tz=TZ)  # from the cache: the files are not read
    for name, frame in _frames(direct).items():
        pd.testing.assert_frame_equal(getattr(cached, name), frame, check_exact=True)

    cache.set_page("2026-W47", 2)  # what the report tells a kernel before a page
    cells, out = cache.read_weekly(data, tz=TZ)
    assert sorted(cells["date"].dt.strftime("%Y-%m-%d").unique()) == ["2026-11-10", "2026-11-17"]
    full, full_out = within_weeks(direct.cells, periods_from_files(direct.files))
    pd.testing.assert_frame_equal(
        within_window(cells, week="2026-W47", weeks=2),
        within_window(full, week="2026-W47", weeks=2),
        check_exact=True,
    )  # the rows and their index labels: what the page computes on is unchanged
    pd.testing.assert_frame_equal(out, full_out)
    pd.testing.assert_frame_equal(out, left_out)


def test_a_changed_file_or_a_damaged_entry_is_read_from_the_files(tmp_path, store):
    data = _data(tmp_path / "data")
    cache.remember(read(data, tz=TZ), data=data, tz=TZ, shop=None)
    _data(data, atc_last=7)  # same week, other numbers: another fingerprint
    cache._CACHE.clear()
    assert cache.read_once(data, tz=TZ).cells["atc"].tolist()[-1] == 7
    assert len(list(store.iterdir())) == 2  # the new read was cached too
    key = columnar.entry_key(cache.data_key(data, TZ, None))
    (store / key / "cells.parquet").write_bytes(b"not parquet")
    assert columnar.load(key) is None  # damaged: the caller reads the files
    cache._CACHE.clear()
    assert cache.read_once(data, tz=TZ).cells["atc"].tolist()[-1] == 7


def test_entries_are_bounded_and_an_unwritable_cache_reads_the_files(tmp_path, store, monkeypatch):
    loaded = read(_data(tmp_path / "data"), tz=TZ)
    empty = pd.DataFrame({"file": pd.Series([], dtype=object)})
    for i in range(columnar.MAX_ENTRIES + 2):
        assert columnar.store(f"k{i}", loaded, empty) == store / f"k{i}"
    kept = sorted(p.name for p in store.iterdir())
    assert len(kept) == columnar.MAX_ENTRIES and f"k{columnar.MAX_ENTRIES + 1}" in kept
    assert not [p for p in store.iterdir() if p.name.startswith(".")]  # nothing half-written

    blocked = tmp_path / "a file"
    blocked.write_text("")
    monkeypatch.setattr(paths, "LOADED_CACHE", blocked)  # the cache folder cannot be made
    assert columnar.store("k", loaded, empty) is None
    cells = cache.read_once(tmp_path / "data", tz=TZ).cells
    pd.testing.assert_frame_equal(cells, loaded.cells)


def test_cells_in_any_order_come_back_in_that_order_with_their_labels(tmp_path, store):
    loaded = read(_data(tmp_path / "data"), tz=TZ)
    shuffled = loaded.cells.sample(frac=1, random_state=0)  # not by date: stored by date
    assert not shuffled["date"].is_monotonic_increasing
    mixed = dataclasses.replace(loaded, cells=shuffled)
    columnar.store("k", mixed, pd.DataFrame({"file": pd.Series([], dtype=object)}))
    back, _ = columnar.load("k")
    pd.testing.assert_frame_equal(back.cells, shuffled, check_exact=True)
    week, _ = columnar.load("k", window=(pd.Timestamp("2026-11-16"), pd.Timestamp("2026-11-23")))
    pd.testing.assert_frame_equal(
        week.cells, shuffled[shuffled["date"] >= pd.Timestamp("2026-11-16")], check_exact=True
    )


def test_the_pages_with_the_longest_windows_start_first_the_others_in_page_order():
    from types import SimpleNamespace

    from analysis.report.jobs import longest_first

    names = ["weekly_report", "00_data_quality", "01_live_vs_nonlive", "05_dynamics", "custom"]
    order = [j.name for j in longest_first([SimpleNamespace(name=n) for n in names])]
    assert order == ["05_dynamics", "weekly_report", "00_data_quality", "01_live_vs_nonlive",
                     "custom"]  # fmt: skip


def _quality_data(folder):
    """Three weeks: an e-mail in a title, a derived cell and a handle inside a title before the
    reported week (W47), one row rejected."""
    lines = [
        "start,grain,channel,unit,viewers,atc,creator,content_title,derived",
        "2026-11-03T19:00:00+01:00,hour,LIVE,visitor,10,2,@ana,Live with ana@example.com,false",
        "2026-11-03T19:00:00+01:00,hour,NON_LIVE,visitor,10,2,,,true",
        "2026-11-10T19:00:00+01:00,hour,LIVE,visitor,12,3,@bob,Live with @ana,false",
        "2026-11-17T19:00:00+01:00,hour,LIVE,visitor,14,5,@bob,Bob again,false",
        "2026-11-18T19:00:00+01:00,hour,LIVE,visitor,ten,1,@bob,Bob,false",
    ]
    folder.mkdir()
    (folder / "cells.csv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.mark.parametrize("creators", ["shown", "pseudonymised"])
def test_the_data_quality_page_reads_its_week_and_states_the_whole_read(
    tmp_path, store, monkeypatch, creators
):
    from analysis.present import i18n
    from analysis.present.privacy_note import privacy_notes
    from analysis.sources.quality import rejected_reasons, source_summary

    data = _quality_data(tmp_path / "data")
    whole, facts = cache.read_quality(data, tz=TZ, creators=creators)  # no page: every cell
    assert len(whole.cells) == facts.cells == 4 and len(whole.rejected) == 1
    assert list(store.iterdir())  # that read was cached, with its summary
    cache.set_page("2026-W47", 1)  # what the report tells the kernel before page 00
    monkeypatch.setattr(cache, "read_once", lambda *a, **k: pytest.fail("every cell was read"))
    week, history = cache.read_quality(data, tz=TZ, creators=creators)
    assert week.cells["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-17"]
    assert history.cells == 4  # the whole read's cells, not the week's
    pd.testing.assert_frame_equal(
        source_summary(week, derived=history.derived), source_summary(whole)
    )
    assert source_summary(week, derived=history.derived)["derived_cells"].tolist() == [1]
    notes = privacy_notes(history.text, creators=creators, lang="en")
    assert notes == privacy_notes(whole, creators=creators, lang="en")
    email = i18n.t("privacy.kind.email", lang="en")
    assert notes[0] == i18n.t("privacy.masked", lang="en", n="1", kinds=f"{email} 1")
    if creators == "pseudonymised":  # the example is the first pseudonym of every handle
        assert notes[1] == privacy_notes(whole.cells, creators=creators, lang="en")[1]
        assert "@ana" not in str(history.text.cells.to_dict())
    for name in ("rejected", "replaced", "files", "shop", "flagged"):
        pd.testing.assert_frame_equal(getattr(week, name), getattr(whole, name))
    pd.testing.assert_frame_equal(rejected_reasons(week), rejected_reasons(whole))
    pd.testing.assert_frame_equal(history.left_out, facts.left_out)
    full_week = whole.cells[whole.cells["date"] >= pd.Timestamp("2026-11-16")]
    pd.testing.assert_frame_equal(week.cells, full_week, check_exact=True)


def test_the_report_plans_from_the_cache_as_from_the_files_reading_a_window(
    tmp_path, store, monkeypatch
):
    from analysis.paths import NOTEBOOKS_DIR
    from analysis.report import plan as planning
    from analysis.report.questions import question_table
    from analysis.report.run import index_rows

    data = _quality_data(tmp_path / "data")
    old = "start,grain,channel,unit,viewers,atc\n2026-08-04T19:00:00+02:00,hour,LIVE,visitor,9,1\n"
    (data / "old.csv").write_text(old)  # 15 weeks before the others: outside every window
    kw = dict(data=data, week="latest", tz=TZ, lang="en", min_viewers=None, parameters=None,
              notebooks=["00_data_quality", "05_dynamics"], workers=1,
              notebooks_dir=NOTEBOOKS_DIR)  # fmt: skip
    with pytest.warns(RejectedRowsWarning) as said:
        first = planning.plan_report(**kw)  # reads the files, caches them
    windows = []
    load = columnar.load
    monkeypatch.setattr(columnar, "load", lambda key, window=None: windows.append(window) or
                        load(key, window=window))  # fmt: skip
    monkeypatch.setattr(planning, "read", lambda *a, **k: pytest.fail("the files were read"))
    with pytest.warns(RejectedRowsWarning) as again_said:
        again = planning.plan_report(**kw)
    assert [str(w.message) for w in again_said] == [str(w.message) for w in said]
    assert str(said[0].message).startswith("6 rows read, 5 cells, 1 rejected, 0 replaced.")
    assert None not in windows  # never every cell
    assert again.week == first.week and again.week.iso == "2026-W46"  # W47 is not complete
    pd.testing.assert_frame_equal(again.inputs, first.inputs)  # derived cells of every week
    assert again.inputs["derived_cells"].tolist() == [1]
    assert len(first.cells) == 5 and len(again.cells) == 3  # the 12 weeks up to W46
    iso = again.week.iso
    pd.testing.assert_frame_equal(
        question_table(again.cells, week=iso, pages=again.names),
        question_table(first.cells, week=iso, pages=first.names),
    )
    assert repr(index_rows(again, iso, lang="en", min_viewers=1)) == repr(
        index_rows(first, iso, lang="en", min_viewers=1)
    )
