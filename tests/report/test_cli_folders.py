"""``cartlift validate`` / ``load`` / ``report`` on folders: exact summary lines and exit codes,
unreadable files named, paths relative to the caller's directory."""

from __future__ import annotations

from analysis.cli import main

CSV = (
    "start,grain,channel,unit,viewers,atc\n"
    "2026-11-23T18:00:00+01:00,hour,LIVE,visitor,100,9\n"
    "2026-11-23T19:00:00+01:00,hour,LIVE,visitor,80,4\n"
)


def folder(tmp_path, *, corrupt: bool = True):
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "cells.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "copy.csv").write_text(CSV, encoding="utf-8")
    if corrupt:
        (tmp_path / "lives.xlsx").write_bytes(b"PK\x03\x04 truncated download")
    return tmp_path


def test_validate_exits_1_naming_the_unreadable_file(tmp_path, capsys):
    assert main(["validate", str(folder(tmp_path)), "--tz", "Europe/Paris", "--quiet"]) == 1
    out, err = capsys.readouterr()  # --quiet: the error alone on stderr, no progress lines
    assert out.splitlines()[:2] == ["2 rows read, 2 cells, 0 rejected, 0 replaced",
                                    "files: 1 read, 1 unreadable, 1 duplicate"]  # fmt: skip
    assert "\nnot read files:\n" in out
    assert err.startswith("cartlift validate: 1 unreadable file(s):\n  lives.xlsx: "
                          "not a readable xlsx workbook (BadZipFile)")  # fmt: skip


def test_validate_skip_unreadable_exits_0_and_still_lists_it(tmp_path, capsys):
    args = ["validate", str(folder(tmp_path)), "--tz", "Europe/Paris", "--skip-unreadable", "-q"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "lives.xlsx" in out and "unreadable" in out
    assert err.startswith("cartlift validate: left out (--skip-unreadable) 1 unreadable file(s):"
                          "\n  lives.xlsx: ")  # fmt: skip


def test_validate_clean_folder_with_a_copy_exits_0(tmp_path, capsys):
    assert main(["validate", str(folder(tmp_path, corrupt=False)), "--tz", "Europe/Paris"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == ["2 rows read, 2 cells, 0 rejected, 0 replaced",
                                    "files: 1 read, 1 duplicate"]  # fmt: skip
    assert "byte-identical to cells.csv" in out


def test_load_exits_1_unless_skipping(tmp_path, capsys):
    out_file = tmp_path / "out.csv"
    data = str(folder(tmp_path / "shop"))
    assert main(["load", data, "--tz", "Europe/Paris", "--out", str(out_file)]) == 1
    assert "lives.xlsx" in capsys.readouterr().err and not out_file.exists()
    args = ["load", data, "--tz", "Europe/Paris", "--out", str(out_file), "--skip-unreadable"]
    assert main(args) == 0 and out_file.exists()


def test_paths_are_relative_to_the_working_directory(tmp_path, monkeypatch, capsys):
    folder(tmp_path / "mine", corrupt=False)
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "mine", "--tz", "Europe/Paris"]) == 0
    assert capsys.readouterr().out.startswith("2 rows read, 2 cells")
    assert main(["load", "mine/cells.csv", "--tz", "Europe/Paris", "--out", "cells.parquet"]) == 0
    assert (tmp_path / "cells.parquet").exists()


def test_report_exits_1_naming_the_unreadable_file(tmp_path, capsys):
    data = folder(tmp_path / "shop")
    code = main(["report", "--data", str(data), "--out", str(tmp_path / "out")])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("cartlift report: reading cells.csv (file 1 of 3) ...\n")  # progress
    err = err[err.index("cartlift report: 1 unreadable") :]
    assert err.startswith("cartlift report: 1 unreadable file(s):\n  lives.xlsx: ")
    assert "--skip-unreadable" in err and not (tmp_path / "out").exists()


def test_report_relative_data_is_taken_from_the_working_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["report", "--data", "nowhere", "--out", "out"])
    assert code == 1
    assert f"{tmp_path / 'nowhere'}: no such file or directory" in capsys.readouterr().err


def test_report_plan_with_skip_unreadable_loads_the_rest_and_tells_the_notebooks(tmp_path):
    import pytest

    from analysis.errors import RejectedRowsWarning, UnreadableError
    from analysis.paths import NOTEBOOKS_DIR
    from analysis.report.plan import plan_report

    data = folder(tmp_path / "shop")
    kw = {"data": str(data), "week": "2026-W48", "tz": "Europe/Paris", "lang": "en",
          "min_viewers": 10, "notebooks": None, "parameters": None, "workers": 1,
          "notebooks_dir": NOTEBOOKS_DIR}  # fmt: skip
    with pytest.raises(UnreadableError, match="lives.xlsx"):
        plan_report(**kw)
    with pytest.warns(RejectedRowsWarning, match="lives.xlsx"):
        plan = plan_report(**kw, skip_unreadable=True)
    assert len(plan.cells) == 2 and plan.run_parameters["skip_unreadable"] is True
    assert (
        "skip_unreadable"
        not in plan_report(**{**kw, "data": str(tmp_path / "shop" / "cells.csv")}).run_parameters
    )
