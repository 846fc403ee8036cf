"""``cartlift init`` and the shop file's way into ``cartlift report`` (options and plan, no run)."""

from __future__ import annotations

import argparse
import json
import shutil
import tomllib
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis.cli import build_parser, main
from analysis.errors import ShopFileError
from analysis.paths import DATA_DIR, SAMPLE_TZ
from analysis.report.options import DEFAULT_MIN_VIEWERS, add_report_arguments, report_defaults
from analysis.report.plan import plan_report
from analysis.report.provenance import manifest, run_metadata

TZ = "America/Sao_Paulo"  # not the kit's default, so a default taken from the shop file shows


def lives(tmp_path: Path) -> Path:
    folder = tmp_path / "lives"
    folder.mkdir()
    for f in sorted((DATA_DIR / "exports").glob("Creator-Live-Performance_*.xlsx")):
        shutil.copy(f, folder / f.name)
    return folder


def cells_folder(tmp_path: Path, shop: str | None = None) -> Path:
    """One LIVE and one VIDEO day cell per day of 2026-W47 (naive times: they need a tz)."""
    folder = tmp_path / "data"
    folder.mkdir()
    rows = [
        {"start": f"{day:%Y-%m-%d}T12:00:00", "grain": "day", "channel": channel,
         "unit": "visitor", "viewers": 100, "atc": 5}
        for day in pd.date_range("2026-11-16", "2026-11-22", freq="D")
        for channel in ("LIVE", "VIDEO")
    ]  # fmt: skip
    pd.DataFrame(rows).to_csv(folder / "cells.csv", index=False)
    if shop is not None:
        (folder / "shop.toml").write_text(shop, encoding="utf-8")
    return folder


SHOP = f'[shop]\ntimezone = "{TZ}"\nprivacy_threshold = 4\n'


# --------------------------------------------------------------------------------------------
# cartlift init


def test_init_writes_the_template_beside_the_data_and_refuses_to_overwrite(tmp_path, capsys):
    folder = lives(tmp_path)
    assert main(["init", "--data", str(folder), "--tz", TZ]) == 0
    written = folder / "shop.toml"
    assert capsys.readouterr().out.strip() == str(written)
    first = written.read_bytes()
    assert tomllib.loads(first.decode())["shop"]["timezone"] == TZ
    assert main(["init", "--data", str(folder), "--tz", TZ]) == 1
    assert "exists; pass --force" in capsys.readouterr().err
    assert written.read_bytes() == first
    assert main(["init", "--data", str(folder), "--tz", TZ, "--force"]) == 0
    assert written.read_bytes() == first  # deterministic


def test_init_out_writes_elsewhere_relative_to_the_callers_directory(
    tmp_path, monkeypatch, capsys
):
    folder = lives(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--data", "lives", "--tz", TZ, "--out", "mine.toml"]) == 0
    assert (tmp_path / "mine.toml").is_file() and not (folder / "shop.toml").exists()
    assert capsys.readouterr().out.strip() == str(tmp_path / "mine.toml")


def test_init_without_a_time_zone_on_shop_local_times_says_to_pass_one(tmp_path, capsys):
    folder = lives(tmp_path)
    assert main(["init", "--data", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cartlift init: ") and "--tz Europe/Paris" in err
    assert not (folder / "shop.toml").exists()


def test_validate_prints_what_the_shop_file_set(tmp_path, capsys):
    folder = cells_folder(tmp_path, SHOP)
    assert main(["validate", str(folder)]) == 0  # no --tz: the shop file's
    out = capsys.readouterr().out
    assert "from the shop file:" in out and TZ in out
    assert [line.split()[:2] for line in out.splitlines() if "shop_file" in line] == [
        ["shop.toml", "shop_file"]
    ]


def test_load_and_validate_take_shop(tmp_path, capsys):
    folder = cells_folder(tmp_path)
    shop = tmp_path / "elsewhere.toml"
    shop.write_text(SHOP, encoding="utf-8")
    args = build_parser().parse_args(["validate", str(folder), "--shop", str(shop)])
    assert args.shop == str(shop)
    assert main(["load", str(folder), "--shop", str(shop), "--out", str(tmp_path / "c.csv")]) == 0
    written = pd.read_csv(tmp_path / "c.csv")["start"]
    assert written.str.endswith("-03:00").all()  # read in the shop file's São Paulo time
    bad = tmp_path / "bad.toml"
    bad.write_text('[shop]\nlevel = "x"\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(folder), "--shop", str(bad)]) == 1
    assert "bad.toml, line 2 (shop.level): unknown key 'level'" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# cartlift report: options and plan


def report_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_report_arguments(parser)
    return parser.parse_args(list(argv))


def test_report_options_leave_tz_and_threshold_to_the_shop_file():
    args = report_args("--data", "x", "--shop", "s.toml")
    assert (args.shop, args.tz, args.min_viewers) == ("s.toml", None, None)
    args = report_args("--data", "x", "--tz", "Europe/Paris", "--min-viewers", "7")
    assert (args.shop, args.tz, args.min_viewers) == (None, "Europe/Paris", 7)


def test_report_defaults_argument_then_shop_file_then_kit(tmp_path):
    with_shop = cells_folder(tmp_path, SHOP)
    found = report_defaults(with_shop, shop=None, tz=None, min_viewers=None)
    assert (found.tz, found.min_viewers, found.shop_given) == (TZ, 4, False)
    assert found.shop == with_shop / "shop.toml"
    given = report_defaults(with_shop, shop=None, tz="Europe/Paris", min_viewers=12)
    assert (given.tz, given.min_viewers) == ("Europe/Paris", 12)
    (with_shop / "shop.toml").unlink()
    kit = report_defaults(with_shop, shop=None, tz=None, min_viewers=None)
    assert (kit.tz, kit.min_viewers, kit.shop) == (SAMPLE_TZ, DEFAULT_MIN_VIEWERS, None)
    with pytest.raises(ValueError, match="min_viewers must be a positive integer"):
        report_defaults(with_shop, shop=None, tz=None, min_viewers=0)


def write_notebook(folder: Path, name: str, parameters: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]})]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{name}.ipynb")


PARAMS = 'data = "x"\nweek = "latest"\ntz = "Europe/Paris"\nmin_viewers = 10\n'


def plan(tmp_path: Path, data: Path, **kw):
    nbdir = tmp_path / "nb"
    write_notebook(nbdir, "with_shop", PARAMS + 'shop = ""\n')
    write_notebook(nbdir, "without", PARAMS)
    options = {"week": "2026-W47", "tz": None, "lang": "en", "min_viewers": None,
               "notebooks": ["with_shop", "without"], "parameters": None, "workers": 1}  # fmt: skip
    return plan_report(data=data, notebooks_dir=nbdir, **{**options, **kw})


def test_plan_takes_the_folder_shop_file(tmp_path):
    data = cells_folder(tmp_path, SHOP)
    p = plan(tmp_path, data)
    assert str(p.cells["start"].dt.tz) == TZ
    assert p.run_parameters["tz"] == TZ and p.run_parameters["min_viewers"] == 4
    assert p.parameters["without"] == {"data": str(data), "week": "2026-W47", "tz": TZ,
                                       "min_viewers": 4}  # fmt: skip
    assert p.parameters["with_shop"]["shop"] == str(data / "shop.toml")
    run = run_metadata(data, p.week, p.run_parameters, lang="en")
    record = manifest(run, p, {n: {"seconds": 0} for n in p.names})
    assert record["reproduce"].endswith("--min-viewers 4 --shop <your shop file: shop.toml>")
    assert record["parameters"]["shop"] == "shop.toml"  # its name, not its local path
    assert str(tmp_path) not in json.dumps(record)


def test_a_named_shop_file_needs_every_notebook_to_declare_shop(tmp_path):
    data = cells_folder(tmp_path)
    shop = tmp_path / "elsewhere.toml"
    shop.write_text(SHOP, encoding="utf-8")
    with pytest.raises(ValueError, match=r"notebook\(s\) \['without'\] do not declare .*'shop'"):
        plan(tmp_path, data, shop=shop)
    p = plan(tmp_path, data, shop=shop, notebooks=["with_shop"])
    assert p.parameters["with_shop"]["shop"] == str(shop)
    assert p.run_parameters["tz"] == TZ and str(p.cells["start"].dt.tz) == TZ


def test_plan_refuses_a_bad_shop_file_before_running(tmp_path):
    data = cells_folder(tmp_path, "[shop]\nprivacy_threshold = -1\n")
    with pytest.raises(ShopFileError, match=r"shop.toml, line 2 \(shop.privacy_threshold\)"):
        plan(tmp_path, data, tz="Europe/Paris")


def test_report_main_passes_shop(tmp_path, capsys, monkeypatch):
    seen = {}

    def fake_run_report(**kw):
        seen.update(kw)
        return tmp_path / "index.html"

    monkeypatch.setattr("analysis.report.run.run_report", fake_run_report)
    args = ["report", "--data", "d", "--shop", "s.toml", "--out", str(tmp_path)]
    assert main(args) == 0
    assert (seen["shop"], seen["tz"], seen["min_viewers"]) == ("s.toml", None, None)
