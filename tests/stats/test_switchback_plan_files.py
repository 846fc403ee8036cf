"""The planner's inputs and outputs: slots, constraints (property test), refusals, the schedule
file's round trip into analyse_switchback, and the ICS calendar (RFC 5545 §3.1, §3.3.11)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.errors import CartliftError, DesignError
from analysis.present.calendar import escape_ics_text, fold_line, schedule_ics, slot_uid
from analysis.stats.switchback import switchback_schedule
from analysis.stats.switchback_analysis import analyse_switchback
from analysis.stats.switchback_files import read_schedule, schedule_csv_text
from analysis.stats.switchback_plan import plan_switchback
from analysis.stats.switchback_slots import read_slots, regular_slots, slot_blocks

CREATORS = ["@lea", "@ines", "a,b;c\\d"]


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(2, 5), min_size=1, max_size=4),
    buffer=st.integers(0, 1),
    seed=st.integers(0, 2**31 - 2),
)
def test_every_schedule_meets_its_constraints(sizes, buffer, seed):
    """Creators kept, blocks balanced, min per arm met, buffers exactly after a switch."""
    n = sum(sizes)
    creators = [CREATORS[i % 3] for i in range(n)]
    blocks = [f"b{j}" for j, k in enumerate(sizes) for _ in range(k)]
    slots = pd.DataFrame({"slot": [f"S{i:03d}" for i in range(n)], "creator": creators})
    try:
        sched = switchback_schedule(slots[["slot"]], blocks=blocks, arms=("none", "qa"),
                                    min_per_arm=2, carryover_buffer=buffer, level=0.8,
                                    seed=seed)  # fmt: skip
    except DesignError as err:  # refused: the reason says what to change
        assert any(k in str(err) for k in ("cannot reach", "cannot give", "no slot can"))
        return
    sched = sched.merge(slots, on="slot", how="left")
    assert sched["creator"].tolist() == creators
    assert sched["block"].tolist() == blocks
    for _, part in sched.groupby("block"):
        assert abs(int(part["treated"].sum()) * 2 - len(part)) <= 1
    assert min(sched["treated"].sum(), (~sched["treated"]).sum()) >= 2
    w = sched["treated"].to_numpy()
    want = np.array([t < buffer or (buffer and w[t] != w[t - 1]) for t in range(n)])
    assert sched["buffer"].to_numpy().tolist() == want.tolist()
    assert set(sched.loc[sched["treated"], "arm"]) == {"qa"}


def test_five_blocks_of_two_are_refused_with_the_reason():
    with pytest.raises(DesignError) as err:
        switchback_schedule(10, blocks=2, level=0.95, seed=1)
    assert isinstance(err.value, CartliftError) and isinstance(err.value, ValueError)
    assert str(err.value) == (
        "This design cannot reach the 95% level: it has 32 possible assignments, so the smallest "
        "two-sided p-value is 0.0625, above 0.05. Add LIVEs, or use fewer and larger blocks "
        "(more assignments), or lower the level."
    )
    with pytest.raises(DesignError, match="cannot give 3 slots per arm: 4 slots in 2 blocks"):
        switchback_schedule(4, blocks=2, min_per_arm=3, level=0.5)


def test_plan_needs_a_history_or_stated_values():
    with pytest.raises(DesignError, match="or all three of baseline, icc and viewers"):
        plan_switchback(12, effect=1.2, baseline=0.04, icc=0.02)
    row = plan_switchback(12, effect=1.5, baseline=0.04, icc=0.0, viewers=[1500], reps=200).iloc[0]
    assert row["baseline_rate"] == 0.04 and row["n_assignments"] == 924
    assert 0.5 < row["power"] <= 1 and 1 < row["mde"] < 1.5


def test_slots_file_read_in_time_order_with_its_errors(tmp_path):
    f = tmp_path / "slots.csv"
    f.write_text(
        'start,creator,notes\n2026-10-06 18:00,\'@lea,x\n2026-10-05T18:00:00+02:00,"a,b;c\\d",y\n',
        encoding="utf-8",
    )
    slots = read_slots(f, tz="Europe/Paris")
    assert slots["slot"].tolist() == ["S001", "S002"]
    assert slots["creator"].tolist() == ["a,b;c\\d", "@lea"]
    assert str(slots["start"].iloc[1]) == "2026-10-06 18:00:00+02:00"
    with pytest.raises(DesignError, match=r"slots.csv, row 2, column start: '2026-10-06 18:00' "
                       r"has no UTC offset; pass the shop's time zone"):  # fmt: skip
        read_slots(f)
    f.write_text("start,seed\n2026-10-05 18:00,1\n", encoding="utf-8")
    with pytest.raises(DesignError, match=r"the columns \['seed'\] are written by the planner"):
        read_slots(f, tz="UTC")
    f.write_text("start\n2026-10-05T18:00+02:00\n2026-10-05T17:00+00:00\n", encoding="utf-8")
    assert read_slots(f)["start"].map(str).tolist() == [
        "2026-10-05 18:00:00+02:00", "2026-10-05 17:00:00+00:00"]  # fmt: skip
    f.write_text("start\n2026-10-05 18:00\nsoon\n", encoding="utf-8")
    with pytest.raises(DesignError, match="slots.csv, row 3, column start: 'soon' is not a date"):
        read_slots(f, tz="UTC")


def test_regular_slots_keep_wall_time_across_dst_and_blocks():
    slots = regular_slots("2026-10-24 18:00", "1D", 3, tz="Europe/Paris", creators=["@a", "@b"])
    assert [s.isoformat() for s in slots["start"]] == [
        "2026-10-24T18:00:00+02:00", "2026-10-25T18:00:00+01:00", "2026-10-26T18:00:00+01:00"]  # fmt: skip
    assert slots["creator"].tolist() == ["@a", "@b", "@a"]
    assert slot_blocks(slots, "weekday") == ["Sat", "Sun", "Mon"]
    assert slot_blocks(slots, "creator") == ["@a", "@b", "@a"]
    with pytest.raises(DesignError, match="Blocks by file need each slot's block"):
        slot_blocks(slots, "file")


def test_schedule_csv_round_trips_into_analyse_switchback(tmp_path):
    slots = regular_slots("2026-10-05 18:00", "1D", 10, tz="Europe/Paris", creators=CREATORS)
    sched = switchback_schedule(slots[["slot", "start"]], carryover_buffer=1, seed=3)
    sched = sched.merge(slots[["slot", "creator"]], on="slot")
    path = tmp_path / "schedule.csv"
    text = schedule_csv_text(sched)
    path.write_bytes(text.encode())
    assert text.splitlines()[1].startswith("S001,2026-10-05T18:00:00+02:00,'@lea,all,")
    back = read_schedule(path, tz="Europe/Paris")
    pd.testing.assert_frame_equal(back[sched.columns], sched, check_dtype=False)
    rng = np.random.default_rng(0)
    n = rng.integers(500, 3000, len(sched))
    data = pd.DataFrame({"slot": sched["slot"], "viewers": n, "atc": rng.binomial(n, 0.05)})
    pd.testing.assert_frame_equal(analyse_switchback(data, back), analyse_switchback(data, sched))
    path.write_bytes(text.replace(",3\r\n", ",4\r\n", 1).encode())
    with pytest.raises(DesignError, match="schedule.csv, column seed: one design per schedule"):
        read_schedule(path)


def test_ics_escapes_folds_and_keeps_uids():
    assert escape_ics_text("a,b;c\\d\nx") == "a\\,b\\;c\\\\d\\nx"
    long = "SUMMARY:" + "é" * 60
    folded = fold_line(long)
    lines = folded.split("\r\n")[:-1]
    assert all(len(x.encode()) <= 75 for x in lines) and lines[1].startswith(" ")
    assert "".join([lines[0]] + [x[1:] for x in lines[1:]]) == long
    slots = regular_slots("2026-10-05 18:00", "12h", 4, tz="Europe/Paris", creators=CREATORS)
    sched = switchback_schedule(slots[["slot", "start"]], level=0.5, seed=5).merge(
        slots[["slot", "creator"]]
    )
    stamp = pd.Timestamp("2026-12-07T10:00:00Z").to_pydatetime()
    ics = schedule_ics(sched, seed=5, stamp=stamp)
    assert ics == schedule_ics(sched, seed=5, stamp=stamp)
    assert ics.endswith("END:VCALENDAR\r\n") and "\n" not in ics.replace("\r\n", "")
    physical = ics.split("\r\n")[:-1]
    assert max(len(x.encode()) for x in physical) <= 75
    unfolded = ics.replace("\r\n ", "").split("\r\n")
    assert unfolded[:4] == ["BEGIN:VCALENDAR", "VERSION:2.0",
                            "PRODID:-//cartlift//switchback plan//EN", "CALSCALE:GREGORIAN"]  # fmt: skip
    assert f"UID:{slot_uid(5, 'S003')}" in unfolded and "DTSTART:20261006T160000Z" in unfolded
    arm = sched.loc[2, "arm"]
    assert f"SUMMARY:LIVE: {arm} (a\\,b\\;c\\\\d)" in unfolded
    assert unfolded.count("BEGIN:VEVENT") == 4 and "DTSTAMP:20261207T100000Z" in unfolded
    assert slot_uid(5, "S003") != slot_uid(6, "S003")


def test_the_buffer_is_priced_in_the_power():
    kw = dict(effect=1.6, baseline=0.05, icc=0.0, viewers=[2000], reps=200, seed=1, level=0.9)
    free = plan_switchback(12, blocks=6, **kw).iloc[0]
    paid = plan_switchback(12, blocks=6, carryover_buffer=1, **kw).iloc[0]
    assert free["expected_counted"] == 12 and paid["expected_counted"] < 8
    assert paid["power"] < free["power"] and paid["method"].endswith(
        "(blocked, lag 1, two-sided), log-normal LIVE effects"
    )


def test_a_start_in_a_daylight_saving_gap_is_refused(tmp_path):
    f = tmp_path / "slots.csv"
    f.write_text("start\n2026-03-28 02:30\n2026-03-29 02:30\n", encoding="utf-8")
    with pytest.raises(
        DesignError, match=r"row 3, column start: '2026-03-29 02:30' does not exist"
    ):
        read_slots(f, tz="Europe/Paris")
