"""CSV reading limits and the block-by-block canonical reader (issue 14, bounded memory).

Row count and cell length are counted as a CSV is read (canonical cells, generic CSV sheets,
Shopify CSVs) and raise :class:`~analysis.errors.LimitError` naming the file, row and column;
a canonical CSV read in small blocks gives exactly what one block gives (duplicates across
blocks found, every row in the cells or the rejected table); the encoding decided on blocks is
the one, or the error, :func:`~analysis.sources.csv_text.decode` gives for the whole bytes.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from analysis.errors import LimitError, UnreadableError
from analysis.sources import canonical, canonical_csv, shopify_csv
from analysis.sources.canonical import write_cells
from analysis.sources.csv_text import decode, file_encoding
from analysis.sources.limits import ENV, Limits
from analysis.sources.sheets import read_sheets

TZ = "Europe/Paris"
RAISE = "If it is a genuine export, raise the limit: `cartlift ... --limit"


@pytest.fixture
def cells_csv(sample_cells, tmp_path):
    """300 sample cells written by ``write_cells`` (a title of 40 characters in data row 3)."""
    cells = sample_cells.head(300).reset_index(drop=True)
    cells.loc[2, "content_title"] = "t" * 40
    return write_cells(cells, tmp_path / "cells.csv")


def test_canonical_rows_over_the_limit_name_the_row(cells_csv):
    with pytest.raises(LimitError) as err:
        canonical.read(cells_csv, tz=TZ, limits=Limits(max_rows=200))
    assert str(err.value).startswith(
        "cells.csv: data row 201 is over the reading limit max_rows = 200 (row 202); the file "
        "may be damaged or hostile."
    )
    assert RAISE in str(err.value) and err.value.limit == "max_rows"


def test_canonical_long_cell_names_row_and_column(cells_csv, monkeypatch):
    monkeypatch.setenv(ENV, "max_cell_chars=30")
    with pytest.raises(LimitError) as err:
        canonical.read(cells_csv, tz=TZ)
    assert str(err.value).startswith(
        "cells.csv: a cell of 40 characters is over the reading limit max_cell_chars = 30 "
        "(row 4, column 'content_title');"
    )
    assert f'{ENV}="max_cell_chars=<value>"' in str(err.value)


def test_canonical_within_the_limits_reads(cells_csv):
    loaded = canonical.read(cells_csv, tz=TZ, limits=Limits(max_rows=300, max_cell_chars=40))
    assert len(loaded.cells) == 300 and loaded.reconciles()


def test_generic_csv_sheet_counts_records_and_cells(tmp_path, monkeypatch):
    path = tmp_path / "lives.csv"
    path.write_text("Creator;Views\nann;12\nbob;" + "9" * 12 + "\ncy;3\n", encoding="utf-8")
    monkeypatch.setenv(ENV, "max_cell_chars=10")
    with pytest.raises(LimitError, match=r"^lives\.csv: a cell of 12 characters is over the "
                       r"reading limit max_cell_chars = 10 \(row 3, column B\);"):  # fmt: skip
        read_sheets(path)
    monkeypatch.setenv(ENV, "max_rows=3")
    path.write_text("Creator;Views\nann;12\nbob;7\ncy;3\n", encoding="utf-8")  # a new file
    with pytest.raises(LimitError, match=r"^lives\.csv: record 4 is over the reading limit "
                       r"max_rows = 3 \(row 4\);"):  # fmt: skip
        read_sheets(path)


def test_shopify_csv_counts_records(tmp_path, monkeypatch):
    path = tmp_path / "sessions.csv"
    path.write_text("Hour,Sessions\n" + "".join(f"2026-11-0{i} 10:00,{i}\n" for i in range(1, 6)))
    monkeypatch.setenv(ENV, "max_rows=5")
    with pytest.raises(LimitError, match=r"^sessions\.csv: record 6 is over the reading limit "
                       r"max_rows = 5 \(row 6\);"):  # fmt: skip
        shopify_csv.read_records(path)
    monkeypatch.setenv(ENV, "max_rows=6")
    assert len(shopify_csv.read_records(path)[1]) == 6


def _read_in_blocks(path, block: int, monkeypatch):
    monkeypatch.setattr(canonical_csv, "BLOCK_BYTES", block)
    monkeypatch.setattr(canonical_csv, "PART_BYTES", block)  # each block validated alone
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ignored-column warning either
        return canonical.read(path, tz=TZ)


def test_small_blocks_give_what_one_block_gives(sample_cells, tmp_path, monkeypatch):
    """Duplicates across blocks (of a valid row and of a rejected one) and within one are
    rejected as in one block; the escape is undone in every block; every row is in the cells or
    rejected."""
    cells = sample_cells.head(200).drop(columns="row").reset_index(drop=True)
    cells.loc[[5, 150], "content_title"] = ["=HYPERLINK(1)", "+33 6 12"]
    valid = write_cells(cells, tmp_path / "a.csv").read_bytes().decode("utf-8").split("\r\n")
    cells.loc[100, "viewers"] = -1
    raw = write_cells(cells, tmp_path / "b.csv").read_bytes().decode("utf-8").split("\r\n")
    lines = [*raw[:-1], valid[10 + 1], valid[100 + 1], valid[3 + 1], valid[199 + 1], ""]
    path = tmp_path / "cells.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    whole = _read_in_blocks(path, 1 << 24, monkeypatch)
    small = _read_in_blocks(path, 4096, monkeypatch)
    pd.testing.assert_frame_equal(small.cells, whole.cells)
    pd.testing.assert_frame_equal(small.rejected, whole.rejected)
    assert small.reconciles() and len(small.cells) == 199
    # viewers and atc of row 102, then the copies (the last one of a row of its own block)
    assert small.rejected["row"].tolist() == [102, 102, 202, 203, 204, 205]
    assert small.rejected["reason"].str.startswith("duplicates").tolist() == [0, 0, 1, 1, 1, 1]
    assert small.cells.loc[[5, 149], "content_title"].tolist() == ["=HYPERLINK(1)", "+33 6 12"]


def test_small_blocks_drop_the_pandas_index(sample_cells, tmp_path, monkeypatch):
    part = sample_cells.head(150).reset_index(drop=True)
    part.to_csv(tmp_path / "tidy.csv")
    loaded = _read_in_blocks(tmp_path / "tidy.csv", 4096, monkeypatch)
    pd.testing.assert_frame_equal(loaded.cells, part)


@pytest.mark.parametrize(
    "raw",
    [
        "a,é\r\n1,2\r\n".encode(),
        b"\xef\xbb\xbfa,b\r\n" + "é".encode() * 9 + b"\r\n",
        "a,café\r\n1,2\r\n".encode("cp1252") * 3,
        "a,b\r\n".encode("utf-16"),
        b"ok\n" * 4 + b"\xff\xfe",  # undefined in neither: cp1252
        b"ab\ncd\n\x81\n",  # 0x81: undefined in cp1252
        b"abcdef" + "é".encode() + b"x\xe9\n",  # mixes UTF-8 and cp1252 across blocks
        b"abc\x00def\n",
    ],
)
def test_encoding_decided_on_blocks_is_decode_s(raw, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(raw)
    try:
        expected = decode(raw, "x.csv")[1]
    except UnreadableError as err:
        with pytest.raises(UnreadableError) as got:
            file_encoding(path, block=7)
        assert str(got.value) == str(err)
    else:
        assert file_encoding(path, block=7) == expected
