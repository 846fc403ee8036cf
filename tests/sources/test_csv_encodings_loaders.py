"""Canonical and Shopify CSVs re-saved by Excel in Windows-1252 read like their UTF-8 twins, and
an undecodable one names the byte instead of raising a bare ``UnicodeDecodeError``."""

from __future__ import annotations

import pandas as pd
import pytest

import analysis as cl
from analysis.errors import UnreadableError

FIXTURES = "tests/fixtures/shopify"


def _resave(text: str, path, encoding: str):
    path.write_bytes(text.encode(encoding))
    return path


def test_canonical_csv_in_cp1252_reads_like_utf8(tmp_path, sample_cells):
    cells = sample_cells.head(40).assign(content_title="Soirée café · déstockage")
    text = cells.to_csv(index=False)
    utf8 = cl.load(_resave(text.replace("·", "-"), tmp_path / "u.csv", "utf-8"), tz="Europe/Paris")
    win = cl.load(_resave(text.replace("·", "-"), tmp_path / "w.csv", "cp1252"), tz="Europe/Paris")
    assert (win["content_title"] == "Soirée café - déstockage").all()
    pd.testing.assert_frame_equal(win.drop(columns="file"), utf8.drop(columns="file"))


def test_canonical_csv_with_an_undefined_byte_names_it(tmp_path, sample_cells):
    raw = sample_cells.head(3).to_csv(index=False).encode("utf-8") + b"\x81\n"
    (tmp_path / "bad.csv").write_bytes(raw)
    with pytest.raises(UnreadableError, match=r"bad\.csv.*byte"):
        cl.read(tmp_path / "bad.csv", tz="Europe/Paris", source="canonical")


def test_shopify_landing_pages_in_cp1252_read_like_utf8(tmp_path):
    name = "Sessions by landing page - 2026-11-01 - 2026-11-30.csv"
    text = open(f"{FIXTURES}/breakdown/{name}", encoding="utf-8-sig").read()
    text = text.replace("/collections/soins-visage", "/collections/soins-visage-été")
    (tmp_path / "u").mkdir(), (tmp_path / "w").mkdir()
    utf8 = cl.read(_resave(text, tmp_path / "u" / name, "utf-8"), tz="Europe/Paris")
    win = cl.read(_resave(text, tmp_path / "w" / name, "cp1252"), tz="Europe/Paris")
    assert win.summary == utf8.summary
    assert win.cells["content_id"].str.contains("été").sum() == 1
    pd.testing.assert_frame_equal(win.cells, utf8.cells)
