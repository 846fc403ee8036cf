"""Finding a schedule's LIVEs in exports that name them their own way (experiment_match)."""

from __future__ import annotations

import pandas as pd

from analysis.analyses.experiment import experiment_design, open_experiment
from analysis.analyses.experiment_match import match_schedule
from analysis.stats.switchback import switchback_schedule
from analysis.stats.switchback_files import schedule_csv_text

TZ = "Europe/Paris"


def _cells(rows):
    """LIVE cells: (content_id, creator, start, grain) per row."""
    frame = pd.DataFrame(rows, columns=["content_id", "creator", "start", "grain"])
    frame["start"] = pd.to_datetime(frame["start"]).dt.tz_localize(TZ)
    return frame.assign(channel="LIVE", viewers=100, atc=5, unit="event")


def _schedule(rows):
    frame = pd.DataFrame(rows, columns=["slot", "creator", "start"])
    frame["start"] = pd.to_datetime(frame["start"]).dt.tz_localize(TZ)
    return frame.assign(treated=[i % 2 == 0 for i in range(len(frame))])


def test_ids_first_then_creator_and_nearest_start_never_a_guess():
    cells = _cells([
        ("S001", "@lea", "2026-10-05 18:00", "session"),  # the slot id itself
        ("lea sesi 1 2026-10-06", "@lea", "2026-10-06 18:40", "session"),  # 40 min late
        ("lea sesi 1 2026-10-06", "@lea", "2026-10-06 18:40", "interval"),  # inside a LIVE
        ("ines sesi 1 2026-10-06", "@ines", "2026-10-06 18:05", "session"),  # other creator
        ("ines sesi 1 2026-10-07", "@ines", "2026-10-07 00:00", "range"),  # known to the day
        ("mia sesi 1 2026-10-08", "@mia", "2026-10-08 17:00", "session"),  # two equally near
        ("mia sesi 2 2026-10-08", "@mia", "2026-10-08 19:00", "session"),
        ("lea sesi 1 2026-10-09", "@lea", "2026-10-09 21:30", "session"),  # 3.5 h late
    ])  # fmt: skip
    sched = _schedule([
        ("S001", "@lea", "2026-10-05 18:00"), ("S002", "@LEA", "2026-10-06 18:00"),
        ("S003", "ines", "2026-10-07 20:00"), ("S004", "@mia", "2026-10-08 18:00"),
        ("S005", "@lea", "2026-10-09 18:00"),
    ])  # fmt: skip
    before = sched.copy()
    out = match_schedule(cells, sched)
    assert out["slot"].tolist() == ["S001", "lea sesi 1 2026-10-06", "ines sesi 1 2026-10-07",
                                    "S004", "S005"]  # fmt: skip
    assert out["match"].tolist() == ["id", "start", "start", "none", "none"]
    assert out["planned_slot"].tolist() == before["slot"].tolist()
    pd.testing.assert_frame_equal(sched, before)  # not mutated
    wider = match_schedule(cells, sched, tolerance="4h")
    assert wider.loc[4, ["slot", "match"]].tolist() == ["lea sesi 1 2026-10-09", "start"]
    design = experiment_design(out.assign(block="all", arm=["qa", "none"] * 2 + ["qa"],
                                          mechanism="blocked", carryover=0, seed=1))  # fmt: skip
    assert design.loc[0, ["found_by_id", "found_by_start", "not_found"]].tolist() == [1, 2, 2]


def test_a_live_is_matched_once_and_a_schedule_found_nowhere_says_so(tmp_path):
    cells = _cells([("room 1", "@lea", "2026-10-05 18:10", "session")])
    sched = _schedule([("S001", "@lea", "2026-10-05 18:00"), ("S002", "@lea", "2026-10-05 18:30"),
                       *[(f"S00{i}", "@lea", f"2026-10-0{i} 18:00") for i in range(6, 10)]])  # fmt: skip
    out = match_schedule(cells, sched)
    assert out["match"].tolist() == ["start"] + ["none"] * 5  # the first slot in time takes it
    path = tmp_path / "schedule.csv"
    planned = switchback_schedule(sched[["slot", "start"]], min_per_arm=1, level=0.8, seed=1)
    path.write_text(schedule_csv_text(planned.assign(creator="@nobody")), encoding="utf-8")
    assert open_experiment(cells, str(path), tz=TZ)[1:] == ("no_live", "schedule.csv")
    path.write_text(schedule_csv_text(planned.assign(creator="@lea")), encoding="utf-8")
    found, why, _ = open_experiment(cells, str(path), tz=TZ)
    assert why is None and found["slot"].tolist()[:2] == ["room 1", "S002"]
