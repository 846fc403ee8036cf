"""The 2026 Seller Center product list (zh-CN, es-MX): channels, units, OTHER, rates, title dates,
reconciliation, report-week assignment of ranges, and the provenance of the alias sets.

Fixtures are written by :mod:`analysis.sources.writers.seller_center_channels` from counts drawn
here (seeded); what the loader returns is compared with those counts, never with itself.
"""

from __future__ import annotations

import zipfile
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analysis.errors import UnreadableError
from analysis.metrics import metric_sums
from analysis.sources import detect_source, headers, seller_center
from analysis.sources.seller_center_layout import title_dates
from analysis.sources.sheets import read_sheets
from analysis.sources.writers import seller_center_channels as writer
from analysis.weeks import parse_week, periods_from_files, range_exclusions, select_week_ranges

TZ = "Asia/Kuala_Lumpur"
COUNTS = ("impressions", "clicks", "atc_count", "unique_impressions", "viewers", "atc")
PARTS = (("LIVE", None), ("VIDEO", None), ("PRODUCT_CARD", None), ("AFFILIATE", "LIVE"),
         ("AFFILIATE", "VIDEO"))  # fmt: skip


def _key(section, block, field):
    return f"{section}.{block}.{field}" if block else f"{section}.{field}"


def product(rng, pid: str, *, rest: float = 0.1) -> dict:
    """One product's counts: the five parts drawn, All = their sum + a remainder (``rest``)."""
    p = {"product_id": pid, "product_name": f"商品 {pid[-3:]}", "gmv_range": "RM1k-5k"}
    for s, b in PARTS:
        clicks = int(rng.integers(200, 5000))
        viewers = int(clicks * rng.uniform(0.6, 0.9))
        vals = {"impressions": clicks * int(rng.integers(5, 20)), "clicks": clicks,
                "atc_count": int(clicks * rng.uniform(0.03, 0.15)),
                "unique_impressions": clicks * int(rng.integers(3, 8)), "viewers": viewers,
                "atc": int(viewers * rng.uniform(0.03, 0.12))}  # fmt: skip
        for f, v in vals.items():
            p[_key(s, b, f)] = v
        if b is None and s != "AFFILIATE":
            p[_key(s, b, "attributed_revenue")] = round(float(rng.uniform(10, 900)), 2)
    for f in COUNTS:
        p[f"AFFILIATE.{f}"] = p[f"AFFILIATE.LIVE.{f}"] + p[f"AFFILIATE.VIDEO.{f}"]
        parts = sum(p[_key(s, b, f)] for s, b in PARTS)
        p[f"ALL.{f}"] = parts + int(parts * rest)
    p["ALL.revenue"], p["ALL.orders"], p["ALL.items"] = 11920.20, 120, 131
    return p


@pytest.fixture(scope="module")
def products():
    rng = np.random.default_rng(20260601)
    return [product(rng, f"17293847561029384{i:02d}") for i in range(4)]


@pytest.fixture(scope="module", params=["zh_CN", "es_MX"])
def loaded(request, products, tmp_path_factory):
    locale = request.param
    path = tmp_path_factory.mktemp(locale) / f"product_list_{locale}.xlsx"
    writer.write(products, path, first=date(2026, 6, 1), last=date(2026, 9, 30), locale=locale,
                 currency="MYR" if locale == "zh_CN" else "MXN")  # fmt: skip
    return locale, path, seller_center.read(path, tz=TZ)


def _cell(cells, pid, channel, unit):
    c = cells[
        (cells["product_id"] == pid) & (cells["channel"] == channel) & (cells["unit"] == unit)
    ]
    assert len(c) == 1, (pid, channel, unit)
    return c.iloc[0]


def test_both_locales_detected_and_read_with_the_title_period(loaded, products):
    locale, path, res = loaded
    assert detect_source(path) == "seller_center"
    with zipfile.ZipFile(path) as z:  # TikTok's (excelize) structure: shared strings only
        sheet, sst = z.read("xl/worksheets/sheet1.xml"), z.read("xl/sharedStrings.xml")
    assert b"inlineStr" not in sheet and b'<row r="2"></row>' in sheet
    assert b"<mergeCell " in sheet and b'count="' in sst
    assert res.reconciles() and res.rejected.empty
    assert res.files.loc[0, "locale"] == locale
    assert res.files.loc[0, "period"] == "2026-06-01 ~ 2026-09-30"
    assert (res.cells["grain"] == "range").all()
    assert (res.cells["start"].dt.strftime("%Y-%m-%d %H:%M") == "2026-06-01 00:00").all()
    # 4 channels x 2 units + OTHER (event) per product
    assert len(res.cells) == 9 * len(products)


def test_channel_mapping_affiliate_sub_blocks_join_their_channel(loaded, products):
    _, _, res = loaded
    for p in products:
        for channel, parts in (("LIVE", (("LIVE", None), ("AFFILIATE", "LIVE"))),
                               ("VIDEO", (("VIDEO", None), ("AFFILIATE", "VIDEO"))),
                               ("PRODUCT_CARD", (("PRODUCT_CARD", None),))):  # fmt: skip
            ev = _cell(res.cells, p["product_id"], channel, "event")
            vi = _cell(res.cells, p["product_id"], channel, "visitor")
            assert ev["clicks"] == sum(p[_key(s, b, "clicks")] for s, b in parts)
            assert ev["atc"] == sum(p[_key(s, b, "atc_count")] for s, b in parts)
            assert vi["viewers"] == sum(p[_key(s, b, "viewers")] for s, b in parts)
            assert vi["atc"] == sum(p[_key(s, b, "atc")] for s, b in parts)
        card = _cell(res.cells, p["product_id"], "PRODUCT_CARD", "event")
        assert card["revenue"] == pytest.approx(p["PRODUCT_CARD.attributed_revenue"])
        # the Affiliate sub-blocks have no GMV column: LIVE revenue is missing, not Seller LIVE's
        assert pd.isna(_cell(res.cells, p["product_id"], "LIVE", "event")["revenue"])
    live = res.cells["channel"] == "LIVE"
    assert res.cells.loc[live, "is_live"].all()
    assert not res.cells.loc[~live & (res.cells["channel"] != "ALL"), "is_live"].any()


def test_other_is_all_minus_the_sections_for_additive_counts_only(loaded, products):
    _, _, res = loaded
    other = res.cells[res.cells["channel"] == "OTHER"]
    assert set(other["unit"]) == {"event"} and other["derived"].all()
    assert not res.cells.loc[res.cells["channel"] != "OTHER", "derived"].any()
    for p in products:
        o = _cell(res.cells, p["product_id"], "OTHER", "event")
        for col, f in (("impressions", "impressions"), ("clicks", "clicks"), ("atc", "atc_count")):
            assert o[col] == p[f"ALL.{f}"] - sum(p[_key(s, b, f)] for s, b in PARTS)
        assert pd.isna(o["viewers"]) and pd.isna(o["revenue"])


def test_units_never_mixed_and_tiktok_rates_recomputed(loaded, products):
    _, path, res = loaded
    ev = res.cells[res.cells["unit"] == "event"]
    vi = res.cells[res.cells["unit"] == "visitor"]
    assert ev["viewers"].isna().all() and vi["clicks"].isna().all()
    assert vi["revenue"].isna().all() and vi["orders"].isna().all()
    sheet = read_sheets(path)[0]
    header = list(sheet.rows[3])
    band = [None] * len(header)
    last = None
    for i, v in enumerate(sheet.rows[2]):
        last = v or last
        band[i] = last
    fam = headers.locales()[res.files.loc[0, "locale"]].families["product_list"]
    rate_col = {f: [i for i, h in enumerate(header) if h == fam["columns"][f][0]
                    and band[i] == fam["sections"]["ALL"][0]][0]
                for f in ("atc_rate", "unique_atc_rate")}  # fmt: skip
    for j, p in enumerate(products):
        row = sheet.rows[4 + j]
        e = metric_sums(ev[(ev["product_id"] == p["product_id"]) & (ev["channel"] == "ALL")],
                        "click_to_cart")  # fmt: skip
        v = metric_sums(vi[(vi["product_id"] == p["product_id"]) & (vi["channel"] == "ALL")],
                        "atc_rate")  # fmt: skip
        # TikTok's ATC rate = ATC count / product clicks; unique ATC rate = ATC users / unique clicks
        assert f"{100 * e.successes / e.trials:.2f}%" == row[rate_col["atc_rate"]]
        assert f"{100 * v.successes / v.trials:.2f}%" == row[rate_col["unique_atc_rate"]]


def test_reference_rows_pass_the_rate_check_and_a_wrong_rate_rejects(tmp_path, products):
    good = dict(products[0], **{"ALL.clicks": 15670, "ALL.atc_count": 1255, "ALL.viewers": 11707,
                                "ALL.atc": 1099})  # fmt: skip
    good["ALL.impressions"] = 10**7
    good["ALL.unique_impressions"] = 10**7
    bad = dict(products[1], **{"LIVE.atc_rate": "9.00%"})
    path = writer.write([good, bad], tmp_path / "p.xlsx", first=date(2026, 5, 29),
                        last=date(2026, 6, 4))  # fmt: skip
    row = read_sheets(path)[0].rows[4]
    assert "8.01%" in row and "9.39%" in row  # as the reference's real row shows them
    res = seller_center.read(path, tz=TZ)
    assert res.reconciles()
    assert set(res.cells["product_id"]) == {good["product_id"]}
    r = res.rejected.iloc[0]
    assert r["row"] == 6 and r["value"] == "9.00%"
    assert "disagrees with its own counts" in r["reason"] and "商家直播" in r["column"]


def test_reconciliation_of_rows(tmp_path, products):
    negative = dict(products[2], **{"LIVE.clicks": 10**6})
    negative["LIVE.atc_rate"] = negative["LIVE.atc_count"] / 10**6
    negative["LIVE.unique_ctr"] = None
    negative["LIVE.ctr"] = None
    text = dict(products[3], **{"ALL.clicks": "abc"})
    totals = {"product_id": "", "product_name": "总计"}
    path = writer.write([products[0], negative, text, totals], tmp_path / "p.xlsx",
                        first=date(2026, 6, 1), last=date(2026, 6, 7))  # fmt: skip
    res = seller_center.read(path, tz=TZ)
    f = res.files.iloc[0]
    assert (f["rows_read"], f["rows_used"], f["rows_rejected"]) == (4, 1, 3)
    assert res.reconciles()
    reasons = res.rejected.groupby("row")["reason"].first()
    assert "add up to more than All" in reasons[6]
    assert "not a number" in reasons[7]
    assert "totals row" in reasons[8]


def test_title_dates_follow_the_locale_rule():
    # the reference's real titles read day first; month first they are not dates
    assert title_dates("数据分析日期: 01/06/2026~30/09/2026", "DMY") == [date(2026, 6, 1),
                                                                      date(2026, 9, 30)]  # fmt: skip
    assert title_dates("Fecha del análisis: 29/05/2026~04/06/2026", "DMY") == [
        date(2026, 5, 29), date(2026, 6, 4)]  # fmt: skip
    for text in ("01/06/2026~30/09/2026", "29/05/2026~04/06/2026"):
        with pytest.raises(UnreadableError, match="not a date under the rule"):
            title_dates(text, "MDY")
    for loc in ("zh_CN", "es_MX"):
        assert headers.locales()[loc].date_order == "DMY"
    with pytest.raises(UnreadableError, match="cannot be told apart"):
        title_dates("Analysis date: 01/06/2026~05/06/2026", None)
    assert title_dates("01/06/2026~13/06/2026", None)[1] == date(2026, 6, 13)


def test_ambiguous_or_impossible_title_is_an_error(tmp_path, products):
    path = writer.write(products[:1], tmp_path / "p.xlsx", first=date(2026, 6, 1),
                        last=date(2026, 6, 7), locale="es_MX", currency="MXN")  # fmt: skip
    res = seller_center.read(path, tz=TZ)
    assert res.cells["currency"].dropna().eq("MXN").all() and len(res.cells)
    bad = tmp_path / "bad.xlsx"
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb.active["A1"] = "Fecha del análisis: 06/13/2026~06/20/2026"
    wb.save(bad)
    with pytest.raises(UnreadableError, match="day first"):
        seller_center.read(bad, tz=TZ)


def test_a_range_belongs_to_a_week_only_inside_it(tmp_path, products):
    inside = writer.write(products[:1], tmp_path / "week.xlsx", first=date(2026, 6, 1),
                          last=date(2026, 6, 7))  # fmt: skip
    long = writer.write(products[1:2], tmp_path / "season.xlsx", first=date(2026, 6, 1),
                        last=date(2026, 9, 30))  # fmt: skip
    a, b = seller_center.read(inside, tz=TZ), seller_center.read(long, tz=TZ)
    cells = pd.concat([a.cells, b.cells], ignore_index=True)
    periods = periods_from_files(pd.concat([a.files, b.files], ignore_index=True))
    assert periods["season.xlsx"] == (pd.Timestamp("2026-06-01"), pd.Timestamp("2026-09-30"))
    kept, excluded = select_week_ranges(cells, "2026-W23", periods)
    assert set(kept["file"]) == {"week.xlsx"} and len(kept) == len(a.cells)
    assert list(excluded["file"]) == ["season.xlsx"] and excluded.loc[0, "cells"] == len(b.cells)
    assert "not inside week 2026-W23" in excluded.loc[0, "reason"]
    # a week the long range only overlaps lists it too; a week it does not touch does not
    assert len(range_exclusions(cells, parse_week("2026-W30"), periods)) == 1
    assert range_exclusions(cells, parse_week("2026-W45"), periods).empty
    every, none = select_week_ranges(cells, "all", periods)
    assert len(every) == len(cells) and none.empty


def test_alias_sets_record_their_provenance():
    for loc in ("zh_CN", "es_MX", "en"):
        fam = headers.locales()[loc].families["product_list"]
        for name in ("sections", "columns", "sub_blocks", "title"):
            prov = fam["provenance"][name]
            assert isinstance(prov["real_file"], bool)
            assert prov["real_file"] == bool(prov["seen_in"]) or not prov["real_file"]
    zh = headers.locales()["zh_CN"].families["product_list"]["provenance"]
    assert all(zh[k]["real_file"] for k in ("sections", "columns", "sub_blocks", "title"))
    es = headers.locales()["es_MX"].families["product_list"]["provenance"]
    assert es["sub_blocks"]["real_file"] is False and "product_id" in es["columns"]["unverified"]
    assert not headers.locales()["en"].families["product_list"]["provenance"]["columns"][
        "real_file"
    ]
