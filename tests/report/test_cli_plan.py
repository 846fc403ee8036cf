"""``cartlift plan`` through analysis.cli.main: the files, what it prints, refusals (exit 2)."""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from analysis.cli import main
from analysis.paths import SAMPLE_DIR
from analysis.sample.switchback import read_schedule as sample_read_schedule
from analysis.sample.switchback import simulate_switchback
from analysis.sources.load import load
from analysis.stats.switchback_analysis import analyse_switchback
from analysis.stats.switchback_files import read_schedule

STATED = ["--baseline", "0.04", "--icc", "0.005", "--viewers", "1500", "--reps", "200"]


def test_plan_from_a_slots_file_writes_the_pre_registration(tmp_path, capsys):
    slots = tmp_path / "slots.csv"
    weird = "a,b;c\\d"  # RFC 5545 and CSV special characters in a creator's name
    lines = [
        f'2026-10-{5 + i:02d} {18 + i % 2}:00,"{"@lea" if i % 2 else weird}"' for i in range(12)
    ]
    slots.write_text("start,creator\n" + "\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "plan"
    code = main(["plan", "--slots", str(slots), "--tz", "Europe/Paris", "--treatments", "qa,none",
                 "--block", "creator", "--seed", "11", "--out", str(out), *STATED])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    assert printed.startswith("seed 11\n12 LIVEs, 12 counted in this draw")
    assert "400 possible assignments" in printed  # two creators of 6 LIVEs: C(6,3)^2
    assert "by the simulated exact randomisation test (blocked, lag 0, two-sided)" in printed
    assert "smallest detectable effect at 80% power: a ratio of" in printed
    assert printed.rstrip().endswith(str(out / "schedule.ics"))
    sched = read_schedule(out / "schedule.csv", tz="Europe/Paris")
    assert set(sched.loc[sched["treated"], "arm"]) == {"qa"}
    assert sorted(sched["creator"].unique()) == ["@lea", "a,b;c\\d"]
    assert sched.groupby("creator")["treated"].sum().tolist() == [3, 3]
    assert "'@lea" in (out / "schedule.csv").read_text(encoding="utf-8")  # OWASP escape
    meta = json.loads((out / "schedule.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256((out / "schedule.csv").read_bytes()).hexdigest()
    assert meta["files"]["schedule.csv"]["sha256"] == digest
    assert (meta["seed"], meta["seed_drawn"], meta["design"]["block"]) == (11, False, "creator")
    assert meta["power"]["n_assignments"] == 400 and meta["history"]["source"] == "stated"
    assert (out / "schedule.ics").read_bytes().count(b"BEGIN:VEVENT\r\n") == 12
    simulated = sample_read_schedule(out / "schedule.csv")  # the simulator reads it too
    assert simulated["creator"].tolist()[:2] == ["a,b;c\\d", "@lea"]


def test_same_seed_same_schedule_and_a_drawn_seed_is_printed(tmp_path, capsys):
    args = ["plan", "--start", "2026-10-05 18:00", "--count", "10", "--tz", "Europe/Paris",
            "--treatments", "qa,none", *STATED]  # fmt: skip
    assert main([*args, "--seed", "4", "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--seed", "4", "--out", str(tmp_path / "b")]) == 0
    assert main([*args, "--out", str(tmp_path / "c")]) == 0
    printed = capsys.readouterr().out
    seed = int(printed.split("seed ")[3].split(" ")[0])
    assert f"(drawn; pass --seed {seed} to redo this schedule)" in printed
    a, b = (pd.read_csv(tmp_path / x / "schedule.csv") for x in "ab")
    pd.testing.assert_frame_equal(a, b)
    c = pd.read_csv(tmp_path / "c" / "schedule.csv")
    assert c["seed"].iloc[0] == seed
    before = (tmp_path / "a" / "schedule.csv").read_bytes()
    assert main([*args, "--seed", "5", "--out", str(tmp_path / "a")]) == 1
    assert "schedule.csv exists: it may be a pre-registered schedule" in capsys.readouterr().err
    assert (tmp_path / "a" / "schedule.csv").read_bytes() == before
    assert main([*args, "--seed", "5", "--out", str(tmp_path / "a"), "--force"]) == 0
    assert pd.read_csv(tmp_path / "a" / "schedule.csv")["seed"].iloc[0] == 5


def test_refusals_exit_2_with_the_reason(tmp_path, capsys):
    base = ["plan", "--start", "2026-10-05 18:00", "--count", "10", "--tz", "UTC",
            "--treatments", "qa,none", "--seed", "1", "--out", str(tmp_path / "p")]  # fmt: skip
    slots = tmp_path / "slots.csv"
    slots.write_text("start,block\n" + "".join(
        f"2026-10-{5 + i:02d} 18:00,w{i // 2}\n" for i in range(10)), encoding="utf-8")  # fmt: skip
    five_pairs = ["plan", "--slots", str(slots), "--tz", "UTC", "--treatments", "qa,none",
                  "--min-per-arm", "1", "--out", str(tmp_path / "q"), *STATED]  # fmt: skip
    assert main(five_pairs) == 2
    err = capsys.readouterr().err
    assert err == (
        "cartlift plan: This design cannot reach the 95% level: it has 32 possible assignments, "
        "so the smallest two-sided p-value is 0.0625, above 0.05. Add LIVEs, or use fewer and "
        "larger blocks (more assignments), or lower the level.\n"
    )
    assert main(base) == 2
    assert "all of --baseline, --icc and --viewers (missing: --baseline, --icc, --viewers)" in (
        capsys.readouterr().err
    )
    assert main([*base, *STATED, "--treatments", "qa"]) == 2
    assert "--treatments names two different arms" in capsys.readouterr().err
    assert main([*base, *STATED, "--viewers", "many"]) == 2
    assert "--viewers 'many': give the viewers of one LIVE" in capsys.readouterr().err
    assert main([*base, *STATED, "--slots", str(slots)]) == 2
    assert "Give the LIVEs one way" in capsys.readouterr().err
    assert main([*base, *STATED, "--buffer", "12"]) == 2
    assert "`carryover_buffer` must be between 0 and 9" in capsys.readouterr().err
    assert not (tmp_path / "p").exists() and not (tmp_path / "q").exists()


def test_history_from_the_data_folder(tmp_path, capsys):
    out = tmp_path / "plan"
    code = main(["plan", "--start", "2026-10-05 18:00", "--count", "8", "--tz", "Europe/Paris",
                 "--treatments", "qa,none", "--seed", "2", "--level", "0.9", "--reps", "100",
                 "--data", str(SAMPLE_DIR), "--out", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    meta = json.loads((out / "schedule.json").read_text(encoding="utf-8"))
    assert meta["history"]["source"] == "data" and meta["history"]["data"].startswith("sample (")
    assert 0.05 < meta["power"]["baseline_rate"] < 0.15 and meta["power"]["icc"] > 0


def test_a_plan_runs_on_the_simulator_and_analyses(tmp_path, capsys):
    """The schedule file goes into ``cartlift simulate --schedule`` and back into
    analyse_switchback: what a new user does before running the report on it."""
    out = tmp_path / "plan"
    code = main(["plan", "--start", "2026-10-05 18:00", "--count", "10", "--tz", "Europe/Paris",
                 "--creators", "@lea.beauty,@ines.glow", "--treatments", "qa,none",
                 "--buffer", "1", "--seed", "3", "--out", str(out), *STATED])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    shop = tmp_path / "shop"
    code = main(["simulate", "--schedule", str(out / "schedule.csv"), "--effect", "1.5",
                 "--carryover", "1", "--seed", "1", "--out", str(shop)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    cells = load(shop, tz="Europe/Paris")
    truth = json.loads((shop / "truth.json").read_text(encoding="utf-8"))
    direct, _ = simulate_switchback(out / "schedule.csv", effect=1.5, carryover=1, seed=1)
    assert cells["atc"].sum() == direct["atc"].sum() and len(cells) == len(direct)
    assert truth["switchback"]["true_ratio"] == 1.5
    schedule = read_schedule(out / "schedule.csv")
    res = analyse_switchback(cells, schedule).set_index("estimand")
    meta = json.loads((out / "schedule.json").read_text(encoding="utf-8"))
    assert res.loc["ratio", "n_assignments"] == meta["power"]["n_assignments"] == 252
    assert res.loc["ratio", "n_used"] == int((~schedule["buffer"]).sum())
    drawn = capsys.readouterr().out
    counted = (int((~schedule["buffer"] & schedule["treated"]).sum()),
               int((~schedule["buffer"] & ~schedule["treated"]).sum()))  # fmt: skip
    assert (min(counted) < 2) == ("warning: this draw counts" in drawn)
    assert [s["creator"] for s in truth["switchback"]["slots"]][:2] == [
        "@lea.beauty",
        "@ines.glow",
    ]


def test_a_one_sided_plan_is_pre_registered_and_simulate_names_a_bad_schedule(tmp_path, capsys):
    out = tmp_path / "plan"
    slots = tmp_path / "slots.csv"
    rows = [f"2026-10-{5 + i:02d} 18:00,{'abcde'[i // 2]}" for i in range(10)]
    slots.write_text("start,block\n" + "\n".join(rows) + "\n", encoding="utf-8")
    args = ["plan", "--slots", str(slots), "--tz", "Europe/Paris", "--treatments", "qa,none",
            "--block", "file", "--min-per-arm", "1", "--seed", "2", *STATED]  # fmt: skip
    assert main([*args, "--out", str(tmp_path / "two")]) == 2  # five blocks of two: 2/32 > 0.05
    assert "smallest two-sided p-value is 0.0625" in capsys.readouterr().err
    assert main([*args, "--alternative", "larger", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "smallest one-sided (larger) p 0.0312" in printed
    meta = json.loads((out / "schedule.json").read_text(encoding="utf-8"))
    assert meta["design"]["alternative"] == "larger" == meta["power"]["alternative"]
    assert "alternative='larger'" in meta["analysis"]
    bad = tmp_path / "bad.csv"
    bad.write_text("slot,treated\nL1,maybe\nL2,0\n", encoding="utf-8")
    assert main(["simulate", "--schedule", str(bad), "--out", str(tmp_path / "shop")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cartlift simulate: bad.csv, row 2, column treated: 'maybe'")
