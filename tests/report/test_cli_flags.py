"""``cartlift report --intervention/--creator``, ``--help`` defaults, ``--quiet``, parameter
errors and the failing line of a failed notebook: in-process (``analysis.cli.main``), cheap."""

from __future__ import annotations

import argparse
from importlib.metadata import version

import nbformat
import papermill as pm  # type: ignore[import-untyped]
import pytest
from papermill.exceptions import PapermillExecutionError  # type: ignore[import-untyped]

from analysis.cli import build_parser, main
from analysis.errors import CartliftError, ParameterError
from analysis.report.execute import failing_line
from analysis.report.options import focus_parameters, parse_intervention
from analysis.report.plan import plan_report
from tests.report.test_cli_folders import folder
from tests.report.test_report import write_data, write_notebook

FORM = 'write it CREATOR:YYYY-MM-DD, e.g. "@ines.glow:2026-10-26"'


def test_every_option_of_every_subcommand_states_its_default(capsys):
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        with pytest.raises(SystemExit):
            main([name, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        for action in parser._actions:
            if action.option_strings and action.dest != "help":
                helped = " ".join(parser.formatter_class("x")._get_help_string(action).split())
                assert "default" in helped or "(required)" in helped, (name, action.dest)
                assert helped.replace("%(default)s", str(action.default)) in text, (name, helped)


def test_report_help_shows_the_defaults_of_the_new_flags(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--week WEEK ISO week YYYY-Www, or 'latest' (default: latest)" in text
    assert "--timeout TIMEOUT per-cell timeout, seconds (default: 600)" in text
    assert ("--intervention CREATOR:YYYY-MM-DD a declared change and its first day, e.g. "
            '"@ines.glow:2026-10-26" (repeatable; default: none') in text  # fmt: skip
    assert (
        "-q, --quiet no progress lines on stderr (errors are still printed) (default: off)" in text
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ines:26/10/2026", f"'ines:26/10/2026': {FORM}"),
        ("@ines.glow 2026-10-26", f"'@ines.glow 2026-10-26': {FORM}"),
        (":2026-10-26", f"':2026-10-26': {FORM}"),
        ("@a=b:2026-10-26", f"'@a=b:2026-10-26': {FORM}"),
        ("@ines:2026-02-30", f"'@ines:2026-02-30': '2026-02-30' is not a date; {FORM}"),
    ],
)
def test_a_bad_intervention_is_refused_before_anything_runs(value, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["report", "--out", str(tmp_path), "--intervention", value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == f"cartlift report: error: argument --intervention: {message}"
    assert list(tmp_path.iterdir()) == []


def test_creator_needs_an_intervention_and_one_date_per_creator(capsys, tmp_path):
    argv = ["report", "--out", str(tmp_path), "--intervention", "@lea:2026-11-09"]
    assert main([*argv, "--creator", "@ines"]) == 1
    assert capsys.readouterr().err == (
        "cartlift report: --creator '@ines' has no date: add --intervention "
        '"@ines:YYYY-MM-DD" (the first day of her change)\n'
    )
    assert main([*argv, "--intervention", "@lea:2026-11-16"]) == 1
    assert capsys.readouterr().err == (
        "cartlift report: --intervention names '@lea' twice (2026-11-09 and 2026-11-16): "
        "give one first day per creator\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_focus_parameters_become_the_notebooks_parameters():
    assert focus_parameters(None, None) == {}
    assert parse_intervention(" @ines.glow : 2026-10-26 ") == ("@ines.glow", "2026-10-26")
    given = ["@ines.glow:2026-10-26", "@lea:2026-11-09"]
    assert focus_parameters(given, None) == {
        "interventions": "@ines.glow:2026-10-26; @lea:2026-11-09",
        "creator": "@ines.glow", "intervention_date": "2026-10-26"}  # fmt: skip
    focus = focus_parameters(given, "@lea")
    assert (focus["creator"], focus["intervention_date"]) == ("@lea", "2026-11-09")
    with pytest.raises(ParameterError) as info:
        parse_intervention("lea;x:2026-11-09")
    assert isinstance(info.value, CartliftError) and isinstance(info.value, ValueError)
    assert info.value.parameter == "intervention"


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """Three tiny notebooks: the declared changes, the creator in focus, neither."""
    root = tmp_path_factory.mktemp("focus")
    nbdir = root / "nb"
    write_notebook(
        nbdir, "changes", 'data = ""\ninterventions: str = ""\nprevious: int = 4\n', "1"
    )
    write_notebook(nbdir, "focus", 'data = ""\ncreator = ""\nintervention_date = ""\n', "1")
    write_notebook(nbdir, "plain", 'data = ""\nlevel: float = 0.95\n', "1")
    kw = {"data": str(write_data(root / "data")), "week": "latest", "tz": "Europe/Paris",
          "lang": "en", "min_viewers": None, "workers": 1, "notebooks_dir": nbdir}  # fmt: skip
    return kw


def test_focus_parameters_go_only_to_the_notebooks_declaring_them(planned):
    focus = focus_parameters(["@ines:2026-11-20"], None)
    plan = plan_report(**planned, notebooks=["changes", "focus", "plain"], parameters=focus)
    assert plan.parameters["changes"] == {
        "data": planned["data"],
        "interventions": "@ines:2026-11-20",
    }
    assert plan.parameters["focus"] == {"data": planned["data"], "creator": "@ines",
                                        "intervention_date": "2026-11-20"}  # fmt: skip
    assert plan.parameters["plain"] == {"data": planned["data"]}
    with pytest.raises(ParameterError) as info:
        plan_report(**planned, notebooks=["plain"], parameters=focus)
    assert str(info.value) == (
        "parameter 'interventions' is declared by no notebook of this run (['plain']): run "
        "weekly_report (interventions) or 05_dynamics (creator, intervention_date)"
    )


def test_a_parameter_of_the_wrong_type_or_unknown_is_one_sentence(planned):
    with pytest.raises(ParameterError) as info:
        plan_report(**planned, notebooks=["changes"], parameters={"previous": "four"})
    assert str(info.value) == ("parameter 'previous' of notebook 'changes' is declared int, "
                               "got 'four' (str): pass an int")  # fmt: skip
    with pytest.raises(ParameterError, match=r"declared float, got True \(bool\)"):
        plan_report(**planned, notebooks=["plain"], parameters={"level": True})
    plan = plan_report(
        **planned, notebooks=["plain"], parameters={"level": 1}
    )  # an int is a float
    assert plan.parameters["plain"]["level"] == 1
    with pytest.raises(ParameterError) as info:
        plan_report(**planned, notebooks=["plain"], parameters={"colour": "red"})
    assert info.value.parameter == "colour" and "unknown parameter(s) ['colour']" in str(
        info.value
    )


def test_validate_prints_a_progress_line_per_file_unless_quiet(tmp_path, capsys):
    data = write_data(tmp_path / "data")
    assert main(["validate", str(data), "--tz", "Europe/Paris"]) == 0
    assert capsys.readouterr().err == "cartlift validate: reading cells.csv (file 1 of 1) ...\n"
    assert main(["validate", str(data), "--tz", "Europe/Paris", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_report_quiet_prints_the_error_alone(tmp_path, capsys):
    data = folder(tmp_path / "shop")  # one unreadable file: the run stops after loading
    assert main(["report", "--data", str(data), "--out", str(tmp_path / "out"), "-q"]) == 1
    assert capsys.readouterr().err.startswith("cartlift report: 1 unreadable file(s):\n")


# ----------------------------------------------------------------------------------------------
# the failing line of a failed notebook

IPYTHON8 = [
    "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
    "\x1b[0;31mZeroDivisionError\x1b[0m                         Traceback (most recent call last)",
    "Cell \x1b[0;32mIn[3], line 4\x1b[0m\n\x1b[1;32m      2\x1b[0m     \x1b[38;5;28;01mreturn\x1b[39;00m "
    "\x1b[38;5;241m1\x1b[39m \x1b[38;5;241m/\x1b[39m x\n\x1b[1;32m      3\x1b[0m y \x1b[38;5;241m=\x1b[39m "
    "\x1b[38;5;241m2\x1b[39m\n\x1b[0;32m----> 4\x1b[0m \x1b[43mratio\x1b[49m\x1b[43m(\x1b[49m\x1b[43m0\x1b[49m\x1b[43m)\x1b[49m\n",
    "Cell \x1b[0;32mIn[3], line 2\x1b[0m, in \x1b[0;36mratio\x1b[0;34m(x)\x1b[0m\n\x1b[1;32m      1\x1b[0m "
    "\x1b[38;5;28;01mdef\x1b[39;00m \x1b[38;5;21mratio\x1b[39m(x):\n\x1b[0;32m----> 2\x1b[0m     "
    "\x1b[38;5;28;01mreturn\x1b[39;00m \x1b[38;5;241;43m1\x1b[39;49m\x1b[43m \x1b[49m\x1b[38;5;241;43m/\x1b[39;49m\x1b[43m \x1b[49m\x1b[43mx\x1b[49m\n",
    "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero",
]  # fmt: skip
LIBRARY = [
    "Cell In[5], line 3\n      1 x = 1\n      2 # a comment\n----> 3 cl.glm(cells, f)\n",
    "File /kit/analysis/stats/models.py:280, in glm(cells, formula)\n    279 try:\n"
    "--> 280     model = smf.glm(f)\n",
    "ValueError: boom",
]
LEGACY = [
    "<ipython-input-5-0a1b2c> in <module>\n      1 x = 1\n----> 2 f(x)\n",
    "/kit/lib.py in f(x)\n----> 9     raise ValueError\n",
    "ValueError: ",
]
SOURCE = "def ratio(x):\n    return 1 / x\ny = 2\nratio(0)"


@pytest.mark.parametrize(
    ("source", "traceback", "expected"),
    [
        (SOURCE, IPYTHON8, (2, "return 1 / x")),  # the last frame in the cell's code
        ("x = 1\n# a comment\ncl.glm(cells, f)", LIBRARY, (3, "cl.glm(cells, f)")),
        ("x = 1\nf(x)", LEGACY, (2, "f(x)")),
        ("\n  first = 1\nsecond", [], (None, "first = 1")),  # no traceback: the first line
        ("x = 1", ["Cell In[2], line 9\n"], (None, "x = 1")),  # out of range: the first line
        (f"{'y' * 90} = 1", ["Cell In[2], line 1\n"], (1, "y" * 77 + "...")),
    ],
)
def test_failing_line_is_the_last_line_in_the_cell_code(source, traceback, expected):
    assert failing_line(source, traceback) == expected


def test_a_real_kernel_traceback_names_the_failing_line(tmp_path):
    """One tiny notebook executed (a kernel start), its traceback read as a report would."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell("a = 1"), nbformat.v4.new_code_cell(SOURCE)]
    nbformat.write(nb, tmp_path / "broken.ipynb")
    with pytest.raises(PapermillExecutionError) as info:
        pm.execute_notebook(str(tmp_path / "broken.ipynb"), str(tmp_path / "out.ipynb"),
                            kernel_name="python3", progress_bar=False)  # fmt: skip
    assert info.value.source == SOURCE
    assert failing_line(info.value.source, info.value.traceback) == (2, "return 1 / x")


def test_pages_name_the_kit_by_its_version_else_its_commit(monkeypatch):
    from importlib.metadata import PackageNotFoundError

    from analysis.report import provenance

    assert provenance.package_versions()["cartlift"] == version("cartlift")

    def missing(name: str) -> str:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(provenance, "version", missing)
    monkeypatch.setattr(provenance, "git_commit", lambda: "0123456789abcdef-dirty")
    versions = provenance.package_versions()
    assert versions["cartlift"] == "commit 0123456789ab" and versions["pandas"] == "not installed"


def test_the_manifest_command_gives_the_flags_back():
    from analysis.report.provenance import _reproduce_command

    params = {"week": "2026-W47", "tz": "Europe/Paris", "lang": "en", "min_viewers": 10}
    given = ["@ines.glow:2026-10-26", "@lea:2026-11-09"]
    line = _reproduce_command(params, focus_parameters(given, "@lea"))
    assert line.endswith("--min-viewers 10 --intervention @ines.glow:2026-10-26 --intervention "
                         "@lea:2026-11-09 --creator @lea")  # fmt: skip
    assert _reproduce_command(params, focus_parameters(given[:1], None)).endswith(
        "--min-viewers 10 --intervention @ines.glow:2026-10-26"
    )
    api = {"creator": "@x"}  # not what the flags give: the API form
    assert _reproduce_command(params, api).endswith(
        "# plus run_report(parameters={'creator': '@x'})"
    )
