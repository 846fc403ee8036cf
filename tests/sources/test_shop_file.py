"""The shop file (``shop.toml``, docs/shop-file.md): template, checks, application, what was applied."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import analysis as cl
from analysis.errors import ShopFileError
from analysis.paths import DATA_DIR, SAMPLE_DIR, SAMPLE_TZ
from analysis.sources.shop_file import read_shop
from analysis.sources.shop_template import shop_template, toml_string, write_shop_template
from analysis.sources.toml_lines import key_lines

TZ = "Europe/Paris"
# A canonical CSV with naive (shop-local) times: what exports lack is blank, one export value of
# each attribute is present (category "home", promo "discount", creator spelling "lea.beauty",
# currency EUR and the "no currency" XXX), one range cell, one product-less LIVE session.
CELLS = """\
start,grain,channel,unit,product_id,category,promo,creator,content_id,content_title,viewers,atc,revenue,currency
2026-11-10T20:00:00,hour,LIVE,visitor,111,,,,L1,Live beauté du mardi avec Inès,100,5,10.5,XXX
2026-11-10T21:00:00,hour,LIVE,visitor,222,home,,lea.beauty,L2,Live de Léa,100,5,,
2026-11-11T20:00:00,hour,LIVE,visitor,111,,discount,,L3,Live commun Inès et Léa,100,5,8.0,EUR
2026-11-11T00:00:00,day,VIDEO,visitor,222,home,,,,,200,8,,
2026-11-12T00:00:00,range,VIDEO,visitor,111,,,,,,300,9,,
2026-11-12T19:00:00,hour,LIVE,visitor,,,,,L4,Live beauté du jeudi avec Inès,50,0,,
"""
SHOP = """\
[shop]
timezone = "Europe/Paris"
currency = "EUR"
privacy_threshold = 5

[categories]
"111" = "beauty"
"222" = "kitchen"

[[promotions]]
start = 2026-11-11
end = 2026-11-12
level = "flash_sale"
products = ["111"]

[creators."@ines.glow"]
title_patterns = ["Live * avec Inès*", "Live commun*"]

[creators."@lea.beauty"]
aliases = ["lea.beauty"]
titles = ["Live de Léa"]
title_patterns = ["* et Léa"]
"""


def shop_folder(tmp_path: Path, shop: str | None = SHOP) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir(exist_ok=True)
    (folder / "cells.csv").write_text(CELLS, encoding="utf-8")
    if shop is not None:
        (folder / "shop.toml").write_text(shop, encoding="utf-8")
    return folder


def applied_row(loaded, attribute: str, action: str, value: str | None = None) -> pd.DataFrame:
    t = loaded.shop
    keep = (t["attribute"] == attribute) & (t["action"] == action)
    return t[keep & (t["value"] == value)] if value is not None else t[keep]


# --------------------------------------------------------------------------------------------
# applying


def test_a_folder_shop_file_is_applied_listed_and_not_read_as_data(tmp_path):
    loaded = cl.read(shop_folder(tmp_path))  # no tz: the shop file's time zone is the default
    assert str(loaded.cells["start"].dt.tz) == TZ
    files = loaded.files.set_index("file")
    assert files.loc["shop.toml", "source"] == "shop_file"
    assert files.loc["shop.toml", "rows_read"] == 0 and loaded.reconciles()
    assert loaded.rows_read == len(CELLS.splitlines()) - 1  # the data rows only
    cells = loaded.cells.set_index("content_id", drop=False)
    assert cells.loc["L1", "category"] == "beauty"  # set: the export had none
    assert cells.loc["L2", "category"] == "home"  # export wins: conflict reported
    assert cells.loc["L1", "creator"] == "@ines.glow"  # title pattern
    assert cells.loc["L2", "creator"] == "@lea.beauty"  # alias renamed
    assert cells.loc["L4", "creator"] == "@ines.glow"
    assert pd.isna(cells.loc["L3", "creator"])  # matches both creators' rules: left as it was
    assert cells.loc["L1", "currency"] == "EUR"  # XXX = no currency -> the shop's
    assert cells.loc["L3", "promo"] == "discount"  # export's promo kept over the flash sale


def test_the_applied_table_counts_what_changed(tmp_path):
    loaded = cl.read(shop_folder(tmp_path))
    assert cl.shop_applied(loaded) is not loaded.shop
    assert set(loaded.shop["from"]) == {"shop file"}
    source = pd.read_csv(tmp_path / "shop" / "cells.csv", dtype=str)
    blank_111 = int(((source["product_id"] == "111") & source["category"].isna()).sum())
    assert applied_row(loaded, "category", "set", "beauty")["cells"].tolist() == [blank_111]
    home = int((source["category"] == "home").sum())
    conflict = applied_row(loaded, "category", "conflict", "kitchen")
    assert conflict["cells"].tolist() == [home] and "'home'" in conflict["detail"].iloc[0]
    assert applied_row(loaded, "creator", "renamed", "@lea.beauty")["cells"].tolist() == [1]
    both = applied_row(loaded, "creator", "conflict")
    assert both["cells"].tolist() == [1] and "Live commun" in both["detail"].iloc[0]
    # flash sale on 111, 11-12 Nov: the hour cell has the export's discount, the range cell
    # cannot be placed; nothing else is 111 on those days
    assert applied_row(loaded, "promo", "conflict", "flash_sale")["cells"].tolist() == [1]
    assert applied_row(loaded, "promo", "not applied", "flash_sale")["cells"].tolist() == [1]
    assert applied_row(loaded, "promo", "set").empty
    assert applied_row(loaded, "currency", "set", "EUR")["cells"].tolist() == [1]
    assert applied_row(loaded, "timezone", "default", TZ)["cells"].tolist() == [len(loaded.cells)]
    assert applied_row(loaded, "privacy_threshold", "default", "5")["cells"].tolist() == [0]
    assert list(loaded.shop.columns) == ["attribute", "value", "action", "cells", "keys",
                                         "detail", "from"]  # fmt: skip
    keys = {r.value: r.keys for r in loaded.shop.itertuples() if r.action == "set"
            and r.attribute == "creator"}  # fmt: skip
    assert keys == {"@ines.glow": "creators.@ines.glow.title_patterns"}  # the keys she has


def test_override_lets_the_shop_file_win(tmp_path):
    text = SHOP.replace("privacy_threshold = 5", 'privacy_threshold = 5\noverride = ["category"]')
    loaded = cl.read(shop_folder(tmp_path, text))
    assert set(loaded.cells.loc[loaded.cells["product_id"] == "222", "category"]) == {"kitchen"}
    row = applied_row(loaded, "category", "overridden", "kitchen")
    assert row["cells"].tolist() == [2] and "'home'" in row["detail"].iloc[0]
    assert set(loaded.cells.loc[loaded.cells["content_id"] == "L3", "promo"]) == {"discount"}


def test_promotions_cover_marks_the_other_days_none(tmp_path):
    text = SHOP.replace("privacy_threshold = 5", "promotions_cover = [2026-11-10, 2026-11-10]")
    cells = cl.read(shop_folder(tmp_path, text)).cells
    on_10th = cells["date"] == pd.Timestamp("2026-11-10")
    assert set(cells.loc[on_10th, "promo"]) == {"none"}
    assert cells.loc[~on_10th & (cells["content_id"] != "L3"), "promo"].isna().all()


def test_promotion_for_all_products_reaches_product_less_cells(tmp_path):
    text = SHOP.replace('products = ["111"]', 'products = "all"')
    cells = cl.read(shop_folder(tmp_path, text)).cells.set_index("content_id")
    assert cells.loc["L4", "promo"] == "flash_sale"  # the LIVE session of the 12th


def test_an_explicit_tz_wins_and_the_difference_is_reported(tmp_path):
    loaded = cl.read(shop_folder(tmp_path), tz="America/Sao_Paulo")
    assert str(loaded.cells["start"].dt.tz) == "America/Sao_Paulo"
    row = applied_row(loaded, "timezone", "conflict", TZ)
    assert "America/Sao_Paulo" in row["detail"].iloc[0]


def test_shop_argument_names_a_file_elsewhere_or_disables_it(tmp_path):
    folder = shop_folder(tmp_path, shop=None)
    elsewhere = tmp_path / "mine.toml"
    elsewhere.write_text(SHOP, encoding="utf-8")
    loaded = cl.read(folder, shop=elsewhere)
    assert "mine.toml" in set(loaded.files.loc[loaded.files["source"] == "shop_file", "file"])
    assert set(loaded.cells["category"].dropna()) == {"beauty", "home"}
    assert cl.load(folder, shop=elsewhere)["category"].notna().sum() == len(loaded.cells) - 1
    plain = cl.read(shop_folder(tmp_path), tz=TZ, shop=False)  # now with shop.toml in it
    assert plain.shop.empty and plain.cells["category"].dropna().eq("home").all()
    assert plain.files.set_index("file").loc["shop.toml", "source"] == "skipped"


def test_two_shop_files_are_an_error(tmp_path):
    folder = shop_folder(tmp_path)
    other = tmp_path / "other.toml"
    other.write_text(SHOP, encoding="utf-8")
    with pytest.raises(ShopFileError, match="two shop files"):
        cl.read(folder, shop=other)
    assert len(cl.read(folder, shop=folder / "shop.toml").shop)  # the same file twice is one


def test_a_product_id_not_in_the_data_names_its_line(tmp_path):
    text = SHOP.replace('"222" = "kitchen"', '"222" = "kitchen"\n"333" = "toys"')
    with pytest.raises(ShopFileError) as err:
        cl.read(shop_folder(tmp_path, text))
    line = text.splitlines().index('"333" = "toys"') + 1
    assert f"shop.toml, line {line} (categories.333): product '333' is in no cell" in str(
        err.value
    )


def test_the_sentence_for_the_data_quality_page(tmp_path):
    loaded = cl.read(shop_folder(tmp_path))
    text = cl.shop_sentence(loaded)
    # creator: L1 and L4 by title, L2 renamed; category: the three 111 cells; currency: L1 (XXX);
    # conflicts: two "home" cells, L3's two creators, L3's discount
    assert text == (
        "From the shop file shop.toml: creator of 3 cells, category of 3 cells, currency of 1 "
        "cell, time zone Europe/Paris, counts below 5 masked; 4 cells where the exports say "
        "otherwise kept their export value."
    )
    assert cl.shop_sentence(loaded, lang="fr").startswith("Du fichier boutique shop.toml :")
    plain = cl.read(shop_folder(tmp_path), tz=TZ, shop=False)
    assert cl.shop_sentence(plain) == "No shop file: every attribute comes from the exports."


# --------------------------------------------------------------------------------------------
# the template


def test_template_from_the_sample_lists_its_products_and_creators(sample_cells):
    text = shop_template(sample_cells, source="sample", tz=SAMPLE_TZ)
    parsed = tomllib.loads(text)
    assert set(parsed["categories"]) == set(sample_cells["product_id"].dropna())
    assert set(parsed["categories"].values()) == {""}  # nothing guessed
    assert set(parsed["creators"]) == set(sample_cells["creator"].dropna())
    assert parsed["shop"] == {"timezone": SAMPLE_TZ, "currency": "", "privacy_threshold": 10,
                              "override": [], "promotions_cover": []}  # fmt: skip
    first, last = sample_cells["date"].min(), sample_cells["date"].max()
    assert f"dates {first:%Y-%m-%d} to {last:%Y-%m-%d}" in text
    for pid, cats in sample_cells.groupby("product_id")["category"].unique().items():
        assert f'"{pid}" = ""  # in the data: {", ".join(sorted(cats))};' in text
    assert shop_template(sample_cells, source="sample", tz=SAMPLE_TZ) == text  # deterministic


def test_init_writes_the_sample_template_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "shop.toml"
    assert write_shop_template(SAMPLE_DIR, out, tz=SAMPLE_TZ) == out
    first = out.read_bytes()
    with pytest.raises(FileExistsError, match="pass --force"):
        write_shop_template(SAMPLE_DIR, out, tz=SAMPLE_TZ)
    write_shop_template(SAMPLE_DIR, out, tz=SAMPLE_TZ, force=True)
    assert out.read_bytes() == first
    shop = read_shop(out)
    assert shop.categories == {} and shop.promotions == () and shop.timezone == SAMPLE_TZ


def live_lists(tmp_path: Path) -> Path:
    folder = tmp_path / "lives"
    folder.mkdir()
    for f in sorted((DATA_DIR / "exports").glob("Creator-Live-Performance_*.xlsx")):
        shutil.copy(f, folder / f.name)
    return folder


def test_template_from_live_lists_names_every_title_without_a_creator(tmp_path):
    folder = live_lists(tmp_path)
    path = write_shop_template(folder, tz=TZ)
    assert path == folder / "shop.toml"
    text = path.read_text(encoding="utf-8")
    cells = cl.read(folder, tz=TZ, shop=False).cells
    assert cells["creator"].isna().all()  # what the LIVE list lacks
    listed = re.findall(r'^#   (".*")  \(\d+ LIVEs?\)$', text, flags=re.MULTILINE)
    assert [tomllib.loads(f"t = {s}")["t"] for s in listed] == sorted(
        cells["content_title"].unique()
    )
    assert '# [creators."@your.handle"]' in text and "[categories]" in text
    assert tomllib.loads(text)["categories"] == {}


def test_round_trip_template_edit_apply(tmp_path):
    folder = live_lists(tmp_path)
    text = write_shop_template(folder, tz=TZ).read_text(encoding="utf-8")
    unchanged = cl.read(folder)  # the template as written: time zone only
    assert set(unchanged.shop["action"]) == {"default"}
    edited = text.replace('# [creators."@your.handle"]', '[creators."@ines.glow"]')
    edited = edited.replace("# title_patterns = []", 'title_patterns = ["* avec Inès*"]', 1)
    edited = edited.replace("# aliases = []\n# titles = []", "aliases = []\ntitles = []", 1)
    edited += '\n[[promotions]]\nstart = 2026-11-11\nend = 2026-11-11\nlevel = "discount"\n'
    edited += 'products = "all"\n'
    (folder / "shop.toml").write_text(edited, encoding="utf-8")
    loaded = cl.read(folder)
    ines = loaded.cells["content_title"].str.contains("avec Inès")
    assert set(loaded.cells.loc[ines, "creator"]) == {"@ines.glow"}
    assert loaded.cells.loc[~ines, "creator"].isna().all()
    assert applied_row(loaded, "creator", "set", "@ines.glow")["cells"].tolist() == [ines.sum()]
    on_11th = loaded.cells["date"] == pd.Timestamp("2026-11-11")
    assert set(loaded.cells.loc[on_11th, "promo"]) == {"discount"} and on_11th.any()
    assert loaded.cells.loc[~on_11th, "promo"].isna().all()


def test_toml_string_escapes_what_toml_needs():
    for text in ['a "quoted" title', "back\\slash", "tab\tand\nnewline", "Inès ✨"]:
        assert tomllib.loads(f"t = {toml_string(text)}")["t"] == text


# --------------------------------------------------------------------------------------------
# errors: each names the file, the line and key, and the fix


def bad(tmp_path: Path, text: str) -> str:
    path = tmp_path / "shop.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ShopFileError) as err:
        read_shop(path)
    message = str(err.value)
    assert message.startswith("shop.toml")
    return message


ERRORS = [
    # (file text, line of the problem (counted by hand), key, words of the message)
    ('[shop]\ntimezone = "Mars/Olympus"\n', 2, "shop.timezone", "not an IANA time zone"),
    ('[shop]\ncurrency = "euro"\n', 2, "shop.currency", "not an ISO 4217 code"),
    ("[shop]\nprivacy_threshold = 0\n", 2, "shop.privacy_threshold", "positive whole"),
    ("[shop]\nprivacy_threshold = true\n", 2, "shop.privacy_threshold", "positive whole"),
    ('[shop]\nprivacy_threshold = "10"\n', 2, "shop.privacy_threshold", "positive whole"),
    ('[shop]\noverride = ["gender"]\n', 2, "shop.override", "cannot be overridden"),
    ('[shop]\noverride = "promo"\n', 2, "shop.override", "a list of strings"),
    ("[shop]\nzone = 1\n", 2, "shop.zone", "unknown key 'zone'"),
    ("[shops]\nx = 1\n", 1, "shops", "unknown key 'shops'"),
    ("[shop]\npromotions_cover = [2026-11-01]\n", 2, "shop.promotions_cover", "two dates"),
    ('[categories]\n"1.76369616873214E+18" = "beauty"\n', 2, "categories.1.76369616873214E+18",
     "a spreadsheet rounded"),
    ('[categories]\n"123" = 5\n', 2, "categories.123", "expected a string"),
    ('[[promotions]]\nstart = "2026-11-11"\nend = 2026-11-11\nlevel = "discount"\nproducts = "all"\n',
     2, "promotions[1].start", "is not a date"),
    ("[[promotions]]\nstart = 2026-11-11T20:00:00\nend = 2026-11-11\nlevel = \"discount\"\n"
     'products = "all"\n', 2, "promotions[1].start", "is not a date"),
    ('[[promotions]]\nstart = 2026-11-12\nend = 2026-11-11\nlevel = "discount"\nproducts = "all"\n',
     3, "promotions[1].end", "before it starts"),
    ('[[promotions]]\nstart = 2026-11-11\nend = 2026-11-11\nlevel = "flash"\nproducts = "all"\n',
     4, "promotions[1].level", "unknown promotion level 'flash'"),
    ('[[promotions]]\nstart = 2026-11-11\nend = 2026-11-11\nproducts = "all"\n', 1,
     "promotions[1]", "missing 'level'"),
    ('[[promotions]]\nstart = 2026-11-11\nend = 2026-11-11\nlevel = "discount"\nproducts = []\n',
     5, "promotions[1].products", "no product listed"),
    ('[[promotions]]\nstart = 2026-11-11\nend = 2026-11-11\nlevel = "discount"\nproducts = "all"\n'
     'sku = "x"\n', 6, "promotions[1].sku", "unknown key 'sku'"),
    ('[[promotions]]\nstart = 2026-11-10\nend = 2026-11-12\nlevel = "discount"\nproducts = ["1"]\n'
     '[[promotions]]\nstart = 2026-11-12\nend = 2026-11-12\nlevel = "flash_sale"\n'
     'products = "all"\n', 6, "promotions[2]",
     "promotions[1] (discount) and promotions[2] (flash_sale) cover the same product"),
    ('[creators."@a"]\naliases = ["x"]\n[creators."@b"]\naliases = ["x"]\n', 4,
     "creators.@b.aliases", "'x' is also in creators.@a"),
    ('[creators."@a"]\nnames = ["x"]\n', 2, "creators.@a.names", "unknown key 'names'"),
    ('[creators."@a"]\ntitles = "Live"\n', 2, "creators.@a.titles", "a list of strings"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "key", "words"), ERRORS, ids=[e[2] for e in ERRORS])
def test_every_error_names_file_line_key_and_fix(tmp_path, text, line, key, words):
    message = bad(tmp_path, text)
    assert f"shop.toml, line {line} ({key}): " in message
    assert words in message and "docs/shop-file.md" in message


def test_invalid_toml_says_where(tmp_path):
    message = bad(tmp_path, "[shop]\ntimezone = Europe/Paris\n")
    assert "not valid TOML" in message and "line 2" in message and "double quotes" in message


def test_key_lines_follows_tables_arrays_and_quoted_keys():
    text = '[shop]\ntimezone = "x"\n\n[[promotions]]\nlevel = "a"\n[[promotions]]\nlevel = "b"\n'
    text += '[creators."@a.b"]\naliases = []\n'
    assert key_lines(text) == {
        "shop": 1, "shop.timezone": 2, "promotions[1]": 4, "promotions[1].level": 5,
        "promotions[2]": 6, "promotions[2].level": 7, "creators.@a.b": 8,
        "creators.@a.b.aliases": 9,
    }  # fmt: skip
