"""tests.report.page_text: the page scanner finds internals in cells, captions and outputs only."""

from __future__ import annotations

from tests.report.page_text import page_internals, shown_items

PAGE = """<!DOCTYPE html><html lang="{lang}"><head><style>td {{ content: "True"; }}</style></head>
<body><details class="cartlift-code"><pre>x = C(hour) + group_a</pre></details>
<div class="jp-InputArea"><pre>warnings.warn("False")</pre></div>
<table id="T_1"><caption>{caption}</caption><thead><tr><th>side</th><th>ratio</th>
<th>rate</th></tr></thead><tbody><tr><td>{side}</td><td>{ratio}</td><td>{rate}</td></tr></tbody>
</table><img src="x.png" alt="a plot"><pre>{printed}</pre></body></html>"""
CLEAN = {"caption": "By side", "side": "LIVE", "ratio": "3.32×", "rate": "8.5%", "printed": "ok"}


def test_a_page_in_words_has_no_internals_whatever_its_code_and_stylesheet_hold():
    lang, items = shown_items(PAGE.format(lang="en", **CLEAN))
    assert lang == "en"
    assert items == [("caption", "By side"), ("th", "side"), ("th", "ratio"), ("th", "rate"),
                     ("td[side]", "LIVE"), ("td[ratio]", "3.32×"), ("td[rate]", "8.5%"),
                     ("alt", "a plot"), ("pre", "ok")]  # fmt: skip
    assert page_internals(PAGE.format(lang="en", **CLEAN)) == []


def test_each_kind_of_internal_is_named_with_its_place():
    page = PAGE.format(lang="en", caption="C(creator)[T.@hugo]", side="True", ratio="385.19%",
                       rate="8,961.0000", printed="/tmp/ipykernel_12/1.py: RejectedRowsWarning")  # fmt: skip
    assert page_internals(page) == [
        "a model term: caption 'C(creator)[T.@hugo]'",
        "a boolean: td[side] 'True'",
        "a ratio as a percent: td[ratio] '385.19%'",
        "trailing zeros: td[rate] '8,961.0000'",
        "a file path: pre '/tmp/ipykernel_12/1.py: RejectedRowsWarning'",
        "a Python warning: pre '/tmp/ipykernel_12/1.py: RejectedRowsWarning'",
    ]


def test_trailing_zeros_follow_the_page_language_and_log_odds_headers_are_flagged():
    page = PAGE.format(lang="fr", **CLEAN | {"rate": "1,500", "caption": "log_or par groupe_b"})
    assert page_internals(page) == [
        "a log-odds column: caption 'log_or par groupe_b'",
        "trailing zeros: td[rate] '1,500'",
    ]
    assert page_internals(PAGE.format(lang="en", **CLEAN | {"rate": "1,500"})) == []


def test_a_header_that_is_a_column_name_is_flagged_not_one_in_words_or_from_data():
    table = ("<html lang='{lang}'><table><thead><tr>{heads}</tr></thead><tbody><tr>{cells}</tr>"
             "</tbody></table></html>")  # fmt: skip
    heads = ["ci_low", "n_clusters_a", "interval low", "IC bas", "@lea_beauty", "LIVE", "rate"]
    page = table.format(lang="en", heads="".join(f"<th>{h}</th>" for h in heads),
                        cells="<td>flash_sale</td>" * len(heads))  # fmt: skip
    assert page_internals(page) == [
        "a column name as a header: th 'ci_low'",
        "a column name as a header: th 'n_clusters_a'",
    ]


def test_a_method_code_is_flagged_its_words_and_ordinary_words_are_not():
    def flagged(text: str) -> list[str]:
        return page_internals(PAGE.format(lang="en", **CLEAN | {"printed": text}))

    for code in ("cr2-bm-fieller", "mantel-haenszel; jackknife-log", "newcombe / score+exact",
                 "wilson", "computed as documented cr2-bm-logit · cr2-bm-fieller"):  # fmt: skip
        assert flagged(code) == [f"a method code: pre {code!r}"]
    for words in ("cluster-robust Fieller interval of the ratio, small-sample corrected",
                  "the score interval of the ratio", "delta-method interval", "Wilson interval",
                  "exact (Clopper–Pearson) interval", "2026-11-16"):  # fmt: skip
        assert flagged(words) == []
