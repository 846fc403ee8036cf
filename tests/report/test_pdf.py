"""``cartlift report --pdf`` without a browser: where Chromium is looked for and what the
analyst is told when there is none (cheap, no browser started). One real PDF is printed by
``tests/report/test_browser.py`` (it needs Debian's chromium)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from analysis.cli import main
from analysis.errors import BrowserNotFound, CartliftError, OutputError
from analysis.report import pdf
from analysis.report.pdf import ENV_VAR, find_chromium, print_to_pdf

HOW = ("install Chromium (Debian/Ubuntu: sudo apt-get install chromium; macOS: brew install "
       "--cask chromium; Windows: Google Chrome or Microsoft Edge) or give its path with "
       "--chromium PATH or the environment variable CARTLIFT_CHROMIUM")  # fmt: skip


def test_a_missing_chromium_path_is_named_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    missing = tmp_path / "no-chromium"
    with pytest.raises(BrowserNotFound) as err:
        find_chromium(missing)
    assert str(err.value) == f"--pdf: Chromium not found at {str(missing)!r} (--chromium): {HOW}"
    assert isinstance(err.value, CartliftError) and isinstance(err.value, FileNotFoundError)
    monkeypatch.setenv(ENV_VAR, str(missing))
    with pytest.raises(BrowserNotFound, match=f"not found at .* \\({ENV_VAR}\\): install"):
        find_chromium()


def test_no_chromium_anywhere_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder
    monkeypatch.setattr(pdf, "PLACES", ())
    with pytest.raises(BrowserNotFound) as err:
        find_chromium()
    assert str(err.value) == (
        "--pdf: no Chromium found (looked for chromium, chromium-browser, google-chrome, "
        f"google-chrome-stable, chrome, msedge on PATH): {HOW}"
    )


def test_the_path_given_wins(tmp_path, monkeypatch):
    given = tmp_path / "chrome.exe"
    given.write_bytes(b"")
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "elsewhere"))
    assert find_chromium(given) == given  # the option before the environment variable
    monkeypatch.setenv(ENV_VAR, str(given))
    assert find_chromium() == given


def test_report_pdf_without_chromium_fails_before_anything_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(ENV_VAR, raising=False)
    out = tmp_path / "reports"
    code = main(["report", "--pdf", "--chromium", str(tmp_path / "none"), "--out", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("cartlift report: --pdf: Chromium not found at ") and HOW in err
    assert not out.exists()  # nothing ran


def test_a_browser_that_cannot_print_leaves_no_pdf(tmp_path):
    page = tmp_path / "index.html"
    page.write_text("<!DOCTYPE html><html lang='en'><title>t</title></html>", encoding="utf-8")
    with pytest.raises(
        OutputError, match=r"--pdf: Chromium could not print .*index\.html .*\(exit 2\)"
    ):
        print_to_pdf(page, tmp_path / "index.pdf", Path(sys.executable))  # not a browser
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]
