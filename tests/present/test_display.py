"""analysis.present.display: escaping, identifier columns, small cells, locale formats."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.present.cell_text import formatted
from analysis.present.display import (
    IDENTIFIER_COLUMNS,
    compare_table,
    is_identifier,
    localize_axis,
    readable_statuses,
    shareable,
    table,
)
from analysis.present.plots import interval_plot
from analysis.vocabulary import STATUSES, status_message

XSS = '<script>alert("x")</script>'


def rates_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "creator": [XSS, "@ok"], "trials": [7, 1200], "successes": [1, 60],
        "rate": [1 / 7, 0.05], "ci_low": [0.026, 0.039], "ci_high": [0.51, 0.064],
        "is_live": [True, False], "method": ["clopper-pearson", "wilson"],
    })  # fmt: skip


def cells_of(html: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", html)


def test_values_headers_and_captions_are_escaped():
    frame = rates_frame().rename(columns={"creator": "<b onmouseover=x>creator</b>"})
    html = table(frame, caption=f"by {XSS}").to_html()
    assert "<script" not in html and "<b " not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html  # the value
    assert "&lt;b onmouseover=x&gt;creator&lt;/b&gt;" in html  # the header
    assert "<caption>by &lt;script&gt;" in html  # the caption


def test_without_lang_numbers_and_booleans_are_english_words_without_trailing_zeros():
    html = table(rates_frame()).to_html()
    assert cells_of(html)[1:8] == [
        "7",
        "1",
        "14.29%",
        "2.6%",
        "51%",
        "LIVE",
        "exact (Clopper–Pearson) interval",
    ]  # fmt: skip (no code)
    assert ">rate<" in html  # raw column names


def test_lang_formats_numbers_and_labels_columns():
    html = table(rates_frame(), lang="fr").to_html()
    row2 = cells_of(html)[8:]
    assert row2[:7] == ["@ok", "1\u202f200", "60", "5\u00a0%", "3,9\u00a0%", "6,4\u00a0%",
                        "hors live"]  # fmt: skip
    assert ">effectif<" in html and ">IC bas<" in html and ">en live<" in html


def test_english_headers_are_words_and_a_ratio_interval_is_a_ratio():
    html = table(rates_frame(), lang="en").to_html()
    assert ">interval low<" in html and ">interval high<" in html and ">LIVE<" in html
    assert "ci_low" not in html and "is_live" not in html
    ratio = pd.DataFrame({"ratio": [2.53], "ci_low": [1.811], "ci_high": [3.542]})
    named = table(ratio, ratio=["ratio", "ci_low", "ci_high"], lang="en").to_html()
    assert cells_of(named) == ["2.53×", "1.81×", "3.54×"]  # not 181.1%: ratio beats percent
    metrics = pd.DataFrame({"metric": ["atc_rate", "cart_to_order", "my_metric"]})
    assert cells_of(table(metrics, lang="fr").to_html()) == [
        "taux d&#39;ajout au panier",
        "panier → commande",
        "my_metric",
    ]  # a user's metric: as is
    codes = pd.DataFrame({"promo": ["flash_sale", "none"], "model": ["glm", "creator_level"],
                          "value": ["flash_sale", "beauty"]})  # fmt: skip
    assert cells_of(table(codes, lang="en").to_html()) == [
        "flash sale", "GLM (this shop&#39;s creators)", "flash sale",
        "none", "creator-level clustering", "beauty"]  # fmt: skip
    assert cells_of(table(codes, lang="fr").to_html())[:3] == [
        "vente flash", "GLM (les créateurs de cette boutique)", "vente flash"]  # fmt: skip


def test_small_cells_show_counts_as_less_than_k_and_withhold_rates():
    frame = rates_frame()
    html = table(frame, min_viewers=10).to_html()
    first, second = cells_of(html)[:8], cells_of(html)[8:]
    assert first[1:6] == ["&lt; 10", "&lt; 10", "–", "–", "–"]
    assert first[0].startswith("&lt;script") and first[7] == "exact (Clopper–Pearson) interval"
    assert second[1:3] == ["1,200", "60"]  # large enough: shown
    assert "Counts below 10 are shown as “&lt; 10”" in html
    assert frame["trials"].tolist() == [7, 1200]  # the input is not modified
    assert "Counts below" not in table(frame, min_viewers=7).to_html()  # 7 is not below 7
    with pytest.raises(ValueError, match="min_viewers must be a positive integer"):
        table(frame, min_viewers=0)


def test_small_cells_of_a_comparison_withhold_each_side_alone():
    result = pd.DataFrame({
        "category": ["a"], "metric": ["atc_rate"], "trials_a": [4], "successes_a": [1],
        "rate_a": [0.25], "trials_b": [900], "successes_b": [45], "rate_b": [0.05],
        "ratio": [5.0], "ratio_ci_low": [1.0], "ratio_ci_high": [20.0], "status": ["ok"],
    })  # fmt: skip
    cells = cells_of(compare_table(result, by="category", min_viewers=10).to_html())
    # category, metric, trials_a, rate_a, trials_b, rate_b, ratio, low, high, status (its message)
    assert cells == ["a", "add-to-cart rate", "&lt; 10", "–", "900", "5%", "5×", "1×", "20×",
                     "as documented"]  # fmt: skip


@pytest.mark.parametrize(
    "name",
    ["user_id", "User ID", "user_pseudo_id", "Buyer Name", "e-mail", "EMAIL", "customer_email",
     "phone_number", "Téléphone", "recipient_address", "first_name", "ip_address"],
)  # fmt: skip
def test_identifier_columns_are_recognised(name):
    assert is_identifier(name)  # "Téléphone" -> "t_l_phone": the word "phone" matches
    html = table(pd.DataFrame({name: ["SECRET"], "atc": [3]})).to_html()
    assert "SECRET" not in html and "Not shown: 1 column(s) identifying people" in html


def test_identifiers_are_dropped_with_a_note_and_business_columns_kept():
    frame = pd.DataFrame({
        "user_id": ["u1"], "Buyer Name": ["Jeanne Martin"], "phone": ["+33 6 12 34 56 78"],
        "creator": ["@lea.beauty"], "product_id": ["1729"], "content_title": ["Mail me: a@b.fr"],
    })  # fmt: skip
    kept, dropped = shareable(frame)
    assert dropped == ["user_id", "Buyer Name", "phone"]
    assert list(kept.columns) == ["creator", "product_id", "content_title"]
    html = table(frame, lang="fr").to_html()
    for secret in ("u1", "Jeanne", "12 34", "a@b.fr"):
        assert secret not in html
    assert "Mail me: [e-mail masqué]" in html  # e-mails inside free text are masked too
    assert (
        "Non affichées : 3 colonne(s) identifiant des personnes (user_id, Buyer Name, phone)"
        in html
    )
    assert not is_identifier("creator") and not is_identifier("product_id")
    assert not is_identifier("customers") and not is_identifier("n_buyers")  # counts
    assert "user_pseudo_id" in IDENTIFIER_COLUMNS
    assert table(frame, columns=["creator", "user_id"]).data.columns.tolist() == ["creator"]


def test_localize_axis_formats_ticks_and_translates_labels():
    frame = rates_frame().assign(expected_rate=[0.1, 0.05])
    ax = interval_plot(frame, y="creator", truth="expected_rate")
    localize_axis(ax, lang="fr", kind="percent", label="taux $x$")
    assert ax.xaxis.get_major_formatter()(0.125, 0) == "12,5\u00a0%"
    assert ax.get_xlabel() == r"taux \$x\$"
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == [
        "estimation et intervalle", "vérité simulée"]  # fmt: skip
    with pytest.raises(ValueError, match="`kind` must be one of"):
        localize_axis(ax, lang="fr", kind="money")


def statuses_frame() -> pd.DataFrame:
    clusters = status_message("few_clusters", "G=6 LIVEs, t(5) reference")
    return pd.DataFrame({
        "group": ["a", "b", "c"], "status": ["few_clusters", "ok", "undefined_no_viewers"],
        "status_message": [clusters, None, ""],
        "inference_status": ["not_clustered", "ok", "a free text"],
    })  # fmt: skip


def test_tables_show_a_short_status_per_row_and_its_legend_once_in_the_caption():
    frame = statuses_frame()
    html = table(frame).to_html()
    headers = re.findall(r"<th[^>]*>(.*?)</th>", html)
    assert headers == ["group", "status", "inference_status"]  # no status_message column
    rows = [cells_of(html)[i : i + 3] for i in (0, 3, 6)]
    assert rows[0][1] == "few LIVEs, wide interval (G=6 LIVEs, t(5) reference)"  # the specifics
    assert rows[1][1] == "as documented"  # no message in the row: the label alone
    assert rows[2][1] == "not computed: no viewers on a side"  # an empty message too
    assert [r[2] for r in rows] == ["not clustered, too narrow", "as documented", "a free text"]
    caption = re.search(r"<caption>(.*?)</caption>", html, re.S).group(1)
    assert caption == (
        "Status: few LIVEs, wide interval — few LIVEs (or other clusters): the estimate rests on "
        "a handful of them; the interval is small-sample corrected but wide · not computed: no "
        "viewers on a side — undefined: no viewers (or other denominator) on a side · not "
        "clustered, too narrow — not clustered: viewers treated as independent, the interval is "
        "too narrow when people of one LIVE share its mood."
    )  # each label present once, ok left out, in order of the rows, column by column
    assert frame["status"].tolist() == ["few_clusters", "ok", "undefined_no_viewers"]  # unchanged
    asked = table(frame, columns=["status", "status_message"]).data
    assert asked.columns.tolist() == ["status", "status_message"]  # asked for: shown
    assert "<caption>" not in table(frame[["group"]]).to_html()  # no status: no legend


def test_readable_statuses_keeps_codes_out_of_shared_text_and_the_frame_whole():
    frame = statuses_frame()
    shown = readable_statuses(frame)
    assert list(shown.columns) == list(frame.columns)
    assert not set(shown["status"]) & set(STATUSES)  # every code replaced by a reader's text
    assert shown["status_message"].equals(frame["status_message"])


def test_dates_are_said_as_dates_in_the_page_language():
    """A day as a day (no ``00:00:00``), a time with its hour and minute, in the locale."""
    frame = pd.DataFrame({"date": [pd.Timestamp("2026-10-26"),
                                   pd.Timestamp("2026-11-05 11:00", tz="Europe/Paris")]})  # fmt: skip
    assert formatted(frame, lang="en")["date"].tolist() == ["Oct 26, 2026", "Nov 5, 2026 11:00"]
    assert formatted(frame, lang="fr")["date"].tolist() == ["26 oct. 2026", "5 nov. 2026 11:00"]


def test_file_statuses_and_the_source_of_a_file_not_read_are_words_of_the_page():
    from analysis.sources.base import FILE_STATUSES

    files = pd.DataFrame({"file": ["a.xlsx", "notes.pdf", "b.csv", "c.xlsx"],
                          "source": ["live_center", "skipped", "unreadable", "duplicate"],
                          "status": ["read", "skipped", "unreadable", "duplicate"]})  # fmt: skip
    assert set(files["status"]) == set(FILE_STATUSES)  # every status of the vocabulary
    fr = formatted(files, lang="fr")
    assert fr["status"].tolist() == ["lu", "ignoré", "illisible", "doublon (compté une fois)"]
    assert fr["source"].tolist() == [
        "live_center",
        "ignoré",
        "illisible",
        "doublon (compté une fois)",
    ]  # fmt: skip (a loader id stays)
    assert formatted(files, lang="en")["status"].tolist()[-1] == "duplicate (counted once)"


def test_the_pooled_row_of_the_live_list_rates_is_said_in_words_a_category_all_is_not():
    from analysis.analyses.live_only import POOLED

    frame = pd.DataFrame({"group": [POOLED, "category", "hour"], "value": [POOLED, "all", "11"],
                          "rate": [0.04, 0.05, 0.03]})  # fmt: skip
    fr = formatted(frame, lang="fr")
    assert fr[["group", "value"]].values.tolist() == [
        ["tous les LIVE", "tous les LIVE"], ["catégorie", "all"], ["heure", "11"]]  # fmt: skip
    assert formatted(frame, lang="en").loc[0, "group"] == "all LIVEs"
