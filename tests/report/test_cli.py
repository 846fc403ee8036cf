"""The ``cartlift`` command, run in-process through its ``main``."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.cli import main
from analysis.errors import IgnoredColumnsWarning


def test_simulate_writes_a_loadable_shop(tmp_path, capsys):
    assert main(["simulate", "--weeks", "1", "--seed", "3", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    assert str(tmp_path / "cells.parquet") in printed
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert truth["seed"] == 3 and truth["weeks"] == 1
    assert main(["validate", str(tmp_path / "cells.parquet")]) == 0
    summary = capsys.readouterr().out
    cells = pd.read_parquet(tmp_path / "cells.parquet")
    assert summary.startswith(f"{len(cells)} rows read, {len(cells)} cells, 0 rejected")


def test_validate_lists_rejected_rows(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(
        "start,grain,channel,unit,viewers,atc\n"
        "2026-11-23T18:00:00+01:00,hour,LIVE,visitor,10,3\n"
        "2026-11-23T19:00:00+01:00,hour,LIVE,visitor,10,12\n"
    )
    assert main(["validate", str(path), "--tz", "Europe/Paris"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 rows read, 1 cells, 1 rejected, 0 replaced")
    assert "atc exceeds viewers" in out and "bad.csv" in out


def test_validate_exits_non_zero_on_an_unreadable_file(tmp_path, capsys):
    path = tmp_path / "broken.csv"
    path.write_text(
        "begin,grain,channel,unit,viewers\n2026-11-23T18:00:00+01:00,hour,LIVE,visitor,1\n"
    )
    assert main(["validate", str(path)]) == 1
    assert "format not recognised" in capsys.readouterr().err


def test_validate_names_an_unknown_column_of_a_canonical_file(tmp_path, capsys):
    """Required columns make a canonical file; a misspelt count column is named, not used."""
    path = tmp_path / "typo.csv"
    path.write_text(
        "start,grain,channel,unit,viewer\n2026-11-23T18:00:00+01:00,hour,LIVE,visitor,1\n"
    )
    with pytest.warns(IgnoredColumnsWarning, match="viewer"):
        assert main(["validate", "--tz", "Europe/Paris", str(path)]) == 0


def test_report_error_exits_non_zero(tmp_path, capsys):
    code = main(["report", "--data", "data/sample", "--week", "2031-W01", "--out", str(tmp_path)])
    assert code == 1
    assert "no data in week 2031-W01" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_simulate_also_writes_real_looking_exports(tmp_path, capsys):
    out = tmp_path / "shop"
    args = ["simulate", "--weeks", "1", "--seed", "1", "--out", str(out), "--formats", "live_list"]
    assert main(args) == 0
    written = capsys.readouterr().out.split()
    exports = [p for p in written if "/exports/" in p]
    assert exports and all(p.endswith(".xlsx") for p in exports)
    assert main(["validate", str(out / "exports"), "--tz", "Europe/Paris"]) == 0
    assert " 0 rejected" in capsys.readouterr().out


def test_load_writes_canonical_cells_from_an_export(tmp_path, capsys):
    out = tmp_path / "cells.csv"
    events = "tests/fixtures/ga4/events_20261123.json"
    assert main(["load", events, "--tz", "Europe/Paris", "--out", str(out)]) == 0
    summary = capsys.readouterr().out.splitlines()[0]
    cells = pd.read_csv(out, dtype="string")
    assert summary.startswith("20 rows read, ") and f"{len(cells)} cells" in summary
    assert set(cells["source"]) == {"ga4"} and set(cells["channel"]) == {"WEB"}
    assert main(["load", events, "--engine", "hadoop", "--tz", "Europe/Paris"]) == 1
    assert "engine" in capsys.readouterr().err
