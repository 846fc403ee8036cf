"""CSV quirks at the byte level: the bytes French Excel and Google Sheets write, and files whose
encoding cannot be read (``docs/data-formats.md``, "Quirks handled")."""

from __future__ import annotations

import pytest

from analysis.errors import UnreadableError
from analysis.sources import shop_overview, tiktok_live_list
from analysis.sources.csv_text import decode, sniff_delimiter
from analysis.sources.sheets import read_sheets

TZ = "Europe/Paris"
ROOM = "7541538403737122471"


def test_french_excel_semicolon_cp1252_decimal_comma_crlf(tmp_path):
    # What Excel (fr-FR) writes with "CSV (séparateur : point-virgule)": Windows-1252 bytes
    # (é = E9, € = 80), ";" between fields, "," as the decimal mark, CRLF line ends.
    raw = (b"Room ID;Room Title;Start Time;Duration;Attributed GMV;Attributed orders;Views\r\n"
           + ROOM.encode() + b";Soir\xe9e sp\xe9ciale;03/11/2026 20:00;7080;1234,56 \x80;12;640\r\n"
           + b"7541538403737122472;D\xe9stockage;04/11/2026 20:00;3600;99,5 \x80;3;1\xa0234\r\n")  # fmt: skip
    assert b"\xef\xbb\xbf" not in raw and b"\r\n" in raw
    p = tmp_path / "lives.csv"
    p.write_bytes(raw)
    (sheet,) = read_sheets(p)
    assert (sheet.encoding, sheet.delimiter) == ("cp1252", ";")
    got = tiktok_live_list.read(p, tz=TZ)
    assert got.reconciles() and got.rejected.empty
    assert got.cells["content_title"].tolist() == ["Soirée spéciale", "Déstockage"]
    assert got.cells["revenue"].tolist() == [1234.56, 99.5]
    assert got.cells["currency"].tolist() == ["EUR", "EUR"]
    assert got.cells["views"].tolist() == [640, 1234]
    assert [str(t) for t in got.cells["start"]] == ["2026-11-03 20:00:00+01:00",
                                                     "2026-11-04 20:00:00+01:00"]  # fmt: skip


def test_semicolon_file_reads_a_lone_comma_as_decimal(tmp_path):
    # "1,234" alone is ambiguous; Excel writes ";" between fields exactly where "," is decimal
    p = tmp_path / "Overview.csv"
    p.write_bytes(b"Date;GMV;Orders\r\n2026-11-03;1,234;2\r\n2026-11-04;12,500;3\r\n")
    got = shop_overview.read(p, tz=TZ)
    assert got.rejected.empty and got.cells["revenue"].tolist() == [1.234, 12.5]


def test_google_sheets_utf8_without_bom_comma_quoted_thousands(tmp_path):
    # File > Download > CSV: UTF-8 without BOM, ",", numbers with a thousands comma quoted
    raw = ('Room ID,Room Title,Start Time,Duration,Attributed GMV,Attributed orders,Views\n'
           f'{ROOM},"Live, promo ☀",2026-11-03 20:00,1h58m,"€1,234.56",12,"1,234"\n').encode()  # fmt: skip
    assert not raw.startswith(b"\xef\xbb\xbf")
    p = tmp_path / "lives - Sheet1.csv"
    p.write_bytes(raw)
    (sheet,) = read_sheets(p)
    assert (sheet.encoding, sheet.delimiter) == ("utf-8", ",")
    got = tiktok_live_list.read(p, tz=TZ)
    c = got.cells.iloc[0]
    assert (c["content_title"], c["revenue"], c["views"]) == ("Live, promo ☀", 1234.56, 1234)


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [(b"\xef\xbb\xbfa,b\n\xc3\xa9,1\n", "utf-8-sig"), ("a,b\né,1\n".encode("utf-16"), "utf-16"),
     (b"\xfe\xff" + "a,b\né,1\n".encode("utf-16-be"), "utf-16"),
     (b"a,b\n\xc3\xa9,1\n", "utf-8"), (b"a,b\n\xe9,1\n", "cp1252")],
)  # fmt: skip
def test_encodings_decided_explicitly(raw, encoding):
    assert decode(raw, "f.csv") == ("a,b\né,1\n", encoding)


def test_byte_undefined_in_cp1252_names_offset_and_line():
    raw = b"Date,GMV\n2026-11-03,10\n2026-11-04,1\x81\n"
    offset = raw.index(b"\x81")
    with pytest.raises(UnreadableError) as err:
        decode(raw, "x.csv")
    assert str(err.value).startswith(f"x.csv: not UTF-8 nor Windows-1252 text: byte 0x81 at "
                                     f"offset {offset} (line 3) cannot be decoded; save it as "
                                     "UTF-8: in Excel 'File > Save As > CSV UTF-8")  # fmt: skip


def test_mixed_utf8_and_cp1252_is_refused_not_half_misread(tmp_path):
    raw = b"Title,Views\nSoir\xc3\xa9e,10\nD\xe9stockage,3\n"  # é in UTF-8, then in cp1252
    p = tmp_path / "lives.csv"
    p.write_bytes(raw)
    offset = raw.index(b"\xe9")
    with pytest.raises(UnreadableError, match=rf"not UTF-8 text: byte 0xE9 at offset {offset} "
                       r"\(line 3\) cannot be decoded \(the file mixes UTF-8 with another "
                       r"encoding\); save it as UTF-8"):  # fmt: skip
        read_sheets(p)


def test_utf16_without_bom_is_refused(tmp_path):
    p = tmp_path / "lives.txt"
    p.write_bytes("Date\tGMV\n2026-11-03\t10\n".encode("utf-16-le"))
    with pytest.raises(UnreadableError, match=r"NUL characters \(line 1\): UTF-16 saved without"):
        read_sheets(p)


def test_bare_cr_line_ends(tmp_path):
    p = tmp_path / "Overview.csv"
    p.write_bytes(b"Date,Orders\r2026-11-03,2\r2026-11-04,3\r")
    got = shop_overview.read(p, tz=TZ)
    assert got.cells["orders"].tolist() == [2, 3] and got.cells["row"].tolist() == [2, 3]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [("a;b;c\n1,5;2,5;3\n4,5;5;6,75\n", ";"), ('a,b\n"1,234","5,678"\n"9;1",2\n', ","),
     ("a\tb\n1,5\t2\n", "\t"), ("Title only\n\na|b|c\n1|2|3\n4|5|6\n", "|"),
     ("2026-11-01 ~ 2026-11-07\n\nx;y\n1,2;3\n4;5,6\n", ";"),
     ("sep=;\r\na,b;c\r\n1,5;2\r\n", ";"), ("sep=,\na;b,c\n", ",")],
)  # fmt: skip
def test_sniff_delimiter(text, delimiter):
    assert sniff_delimiter(text) == delimiter


def test_excel_sep_hint_line_is_a_row_above_the_header(tmp_path):
    p = tmp_path / "Overview.csv"
    p.write_bytes(b"sep=;\r\nDate;GMV;Orders\r\n2026-11-03;1,5;2\r\n")
    got = shop_overview.read(p, tz=TZ)
    assert got.cells["row"].tolist() == [3] and got.cells["revenue"].tolist() == [1.5]
