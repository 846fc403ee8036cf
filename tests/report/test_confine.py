"""Confinement of a report: notebooks only from the notebooks folder, files only under
``--out``, and no local data path on a shared page (issue 14, items 3 and 4). No kernel runs."""

from __future__ import annotations

import pytest

from analysis import paths
from analysis.cli import main
from analysis.report.export import hide_paths
from analysis.report.plan import notebook_stem
from analysis.report.provenance import (
    data_label,
    fingerprint,
    hide_text,
    hide_values,
    local_paths,
)
from analysis.report.publish import check_outputs, inside


def test_a_notebook_outside_the_notebooks_folder_is_refused_naming_path_and_folder(
    tmp_path, capsys
):
    evil = tmp_path / "evil.ipynb"
    evil.write_text("{}")
    out = tmp_path / "out"
    assert main(["report", "--notebook", str(evil), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    folder = paths.NOTEBOOKS_DIR.resolve()
    assert (
        f"notebook {str(evil)!r} ({evil.resolve()}) is outside the notebooks folder {folder}"
        in err
    )
    assert "--notebook NAME, one of [" in err and "'02_hour_of_day'" in err  # how to fix it
    assert not out.exists()  # refused before anything is written


@pytest.mark.parametrize("name", ["../evil", "..", "", "sub/../../evil.ipynb", "/etc/evil"])
def test_names_that_leave_the_notebooks_folder_are_refused(tmp_path, name):
    (tmp_path / "nb").mkdir()
    with pytest.raises(ValueError, match="is outside the notebooks folder"):
        notebook_stem(name, tmp_path / "nb")


def test_a_symlink_out_of_the_notebooks_folder_is_refused(tmp_path):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    (tmp_path / "evil.ipynb").write_text("{}")
    (nbdir / "link.ipynb").symlink_to(tmp_path / "evil.ipynb")
    with pytest.raises(ValueError, match="link"):
        notebook_stem("link", nbdir)


def test_names_in_the_notebooks_folder_are_accepted_as_stem_file_name_or_path():
    folder = paths.NOTEBOOKS_DIR
    for name in ("02_hour_of_day", "02_hour_of_day.ipynb", str(folder / "02_hour_of_day.ipynb")):
        assert notebook_stem(name, folder) == "02_hour_of_day"


def test_files_outside_out_or_with_dotdot_are_refused(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (out / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(ValueError, match=r"'\.\.' is not allowed"):
        inside(out / "2026-W48" / ".." / ".." / "x.html", out)
    with pytest.raises(ValueError, match="writes only under its --out folder"):
        inside(out / "link" / "x.html", out)  # a symlink resolved out of --out
    with pytest.raises(ValueError, match="writes only under its --out folder"):
        inside(tmp_path / "x.html", out)
    with pytest.raises(ValueError, match=r"'\.\.' is not allowed"):
        check_outputs(out, out / "2026-W48", ["ok", "../../evil"])
    check_outputs(out, out / "2026-W48", ["ok"])
    dotted = out / ".." / "reports"  # `--out ../reports` itself is fine
    assert inside(dotted / "2026-W48" / "a.html", dotted) == dotted / "2026-W48" / "a.html"


def test_local_paths_are_named_by_folder_name_and_fingerprint(tmp_path):
    data = tmp_path / "Clients" / "ACME" / "exports"
    data.mkdir(parents=True)
    (data / "cells.csv").write_text("a\n1\n")
    label = data_label(data)
    assert label == f"exports ({fingerprint(data)[:12]})"
    hidden = local_paths(data, data / "shop.toml", label)
    assert hidden[str(data)] == label and hidden[str(data / "shop.toml")] == "shop.toml"
    assert local_paths("data/sample", None, "s") == {str(paths.SAMPLE_DIR): "s"}  # resolved only
    html = f'<p>{data}/cells.csv</p><code>data = "{data}"</code> {data / "shop.toml"}'
    assert (
        hide_paths(html, hidden)
        == f'<p>{label}/cells.csv</p><code>data = "{label}"</code> shop.toml'
    )


def test_windows_and_escaped_forms_of_a_path_are_hidden():
    path = r"C:\Users\ana\Clients\ACME & Co\exports"
    page = f"{path} | data = {path!r} | {path.replace('&', '&amp;')}"
    shown = hide_paths(page, {path: "exports (0123456789ab)"})
    assert "ACME" not in shown and shown.count("exports (0123456789ab)") == 3


def test_notebook_and_manifest_values_hide_every_form_of_a_path():
    """The executed notebook (injected-parameters cell, outputs, metadata) and the manifest:
    each string keeps its form (a Python literal stays one: backslashes doubled)."""
    path = r"C:\Users\ana\Clients\ACME\exports"
    hidden = {path: "exports (0123456789ab)"}
    nb = {"cells": [{"source": f"data = {path!r}", "outputs": [{"text": f"{path}\n"}]}],
          "metadata": {"papermill": {"parameters": {"data": path}}}}  # fmt: skip
    assert hide_values(nb, hidden) == {
        "cells": [{"source": "data = 'exports (0123456789ab)'",
                   "outputs": [{"text": "exports (0123456789ab)\n"}]}],
        "metadata": {"papermill": {"parameters": {"data": "exports (0123456789ab)"}}},
    }  # fmt: skip
    assert hide_text(f"{path}\\cells.csv", hidden) == "exports (0123456789ab)\\cells.csv"
    assert hide_text("nothing to hide", hidden) == "nothing to hide"
