"""Parse-level values: non-finite numbers, counts too large to be exact and
negative counts written as text in an export are rejected with their reason, never read as
``inf``, NaN or a wrapped integer (``docs/data-formats.md``, "Quirks handled")."""

from __future__ import annotations

import math

import pytest

from analysis.errors import NumberError
from analysis.sources import tiktok_live_list
from analysis.sources.numbers import MAX_COUNT, is_missing, parse_count, parse_money, parse_number
from analysis.sources.writers.table import write_table

TZ = "America/Sao_Paulo"
HEADER = ["Livestream", "Start time", "Direct GMV", "Views", "Viewers"]
NOT_FINITE = ("is not a finite number (infinity or NaN: a failed computation, not a value); fix "
              "the cell or leave it empty for 'not reported'")  # fmt: skip
TOO_BIG = "is beyond the largest number a float holds (about 1.8e308); fix the cell"


@pytest.mark.parametrize("text", ["inf", "-inf", "+Infinity", "INF", "nan", "NaN", "-nan", "∞"])
def test_non_finite_text_is_not_a_number(text):
    for parse in (parse_number, parse_count, parse_money):
        with pytest.raises(NumberError) as err:
            parse(text)
        assert str(err.value) == f"{text!r} {NOT_FINITE}"
    assert not is_missing(text)


@pytest.mark.parametrize("text", ["1e309", "-1e309", "2.5E+400"])
def test_overflowing_exponent_is_refused(text):
    for parse in (parse_number, parse_count, parse_money):
        with pytest.raises(NumberError) as err:
            parse(text)
        assert str(err.value) == f"{text!r} {TOO_BIG}"


def test_counts_stop_below_two_to_the_53():
    assert parse_count(str(MAX_COUNT - 1)) == 2**53 - 1
    assert float(MAX_COUNT - 1) == MAX_COUNT - 1  # still exact as a float
    for text in (str(MAX_COUNT), "1E+20", "12.345.678.901.234.567"):
        with pytest.raises(NumberError, match="too large for a count"):
            parse_count(text)
    assert parse_number("1e300") == 1e300 and math.isfinite(parse_number("1e300"))


def test_live_list_rows_with_bad_counts_are_rejected_with_their_reason(tmp_path):
    texts = ["1e309", "inf", "nan", "-3", "1E+20", "640"]
    rows = [[f"Live {i}", f"2026-03-{i + 1:02d} 20:00", "R$ 10,00", t, "5"]
            for i, t in enumerate(texts)]  # fmt: skip
    rows.append(["Live 9", "2026-03-20 20:00", "1e309", "7", "5"])
    p = tmp_path / "Creator-Live-Performance_20260320000000.xlsx"
    write_table(p, [("Sheet1", [["2026-03-01 ~ 2026-03-20"], [], HEADER, *rows])])
    got = tiktok_live_list.read(p, tz=TZ)
    assert got.reconciles()
    assert got.cells["row"].tolist() == [9] and got.cells["views"].tolist() == [640]
    assert all(
        math.isfinite(v) for v in got.cells[["views", "viewers", "revenue"]].to_numpy().ravel()
    )
    rej = got.rejected.set_index("row")
    assert rej["column"].to_dict() == dict.fromkeys([4, 5, 6, 7, 8], "Views") | {10: "Direct GMV"}
    assert rej.loc[4, "reason"] == f"'1e309' {TOO_BIG}"
    assert rej.loc[5, "reason"] == f"'inf' {NOT_FINITE}"
    assert rej.loc[6, "reason"] == f"'nan' {NOT_FINITE}"
    assert rej.loc[7, "reason"] == "'-3' is negative; counts are >= 0"
    assert "too large for a count" in rej.loc[8, "reason"]
    assert rej.loc[10, "reason"] == f"'1e309' {TOO_BIG}"
