"""analysis.present.privacy: personal data masked by value, creator pseudonyms, and the places
data text reaches a page (tables, sentences, plot labels, the data-quality note)."""

from __future__ import annotations

import os
import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analysis.present import privacy
from analysis.present.cell_text import formatted
from analysis.present.display import table
from analysis.present.figure import plain_text
from analysis.present.i18n import t
from analysis.present.plots import interval_plot
from analysis.present.privacy import (
    KEY_FILE,
    creator_key,
    creator_name,
    is_id_column,
    mask,
    mask_text,
    personal_parameters,
    personal_values,
    pseudonym,
    pseudonymise,
    pseudonymise_interventions,
    pseudonyms,
)
from analysis.present.privacy_note import privacy_notes
from analysis.sources.base import Loaded

PHONES = [
    "+33 6 12 34 56 78", "+33 (0)6 12 34 56 78", "+33612345678", "0033 6 12 34 56 78",
    "06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "0612345678", "+4915112345678",
    "+1 (415) 555-2671", "+44 20 7946 0958", "(415) 555-2671",
]  # fmt: skip
EMAILS = ["jean.dupont@gmail.com", "a+b@shop.co.uk", "x_y-z@mail-server.fr"]
USER_IDS = ["6823947561239874561", "123456789012345", "12345678901234567890"]
#: look like numbers of the above, are not: prices, dates, percentages, counts, ids, weeks
NEAR_MISSES = [
    "1 234,56 €", "€1,234.56", "1,234,567.89", "06/12/2026", "06.12.2026", "06.12.2026 14:30",
    "2026-12-06", "2026-12-06T14:30:00+01:00", "12,34 %", "+12.5%", "-3.2 pts", "+12 345 678",
    "12 345 678", "1234567890", "061234567", "06123456789", "0.612345678", "0.0612345678",
    "SKU-0612345678", "v1.0612345678", "2026-W49", "order 1729384756", "12345678901234",
    "1234567890123456789012", "user6823947561239874561", "@ines.glow", "ratio 1.23×",
    "Live 20:00-22:00", "mail at example dot com", "x@y", "+33",
]  # fmt: skip


# --------------------------------------------------------------------------------------------
# masking by value


@pytest.mark.parametrize("phone", PHONES)
def test_every_phone_format_is_masked_alone_and_inside_text(phone):
    assert mask_text(phone) == ("[phone hidden]", {"phone": 1})
    assert mask(f"Call {phone}, thanks") == "Call [phone hidden], thanks"


@pytest.mark.parametrize("email", EMAILS)
def test_every_email_is_masked(email):
    assert mask_text(f"write to {email}.") == ("write to [email hidden].", {"email": 1})


@pytest.mark.parametrize("user_id", USER_IDS)
def test_user_ids_of_15_to_20_digits_are_masked(user_id):
    assert mask_text(f"by {user_id}") == ("by [user id hidden]", {"user_id": 1})


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_are_left_alone(text):
    assert mask_text(text) == (text, {})


def test_an_email_holding_a_phone_is_one_email_and_tokens_can_be_given():
    assert mask_text("0612345678@sms.fr") == ("[email hidden]", {"email": 1})
    assert mask("06 12 34 56 78", {"phone": "[tél]"}) == "[tél]"
    assert mask(12345678901234567) == 12345678901234567  # numbers are not text


def test_model_terms_name_their_level_after_T_dot_and_are_masked():
    assert mask("C(creator)[T.0612345678]") == "C(creator)[T.[phone hidden]]"


@pytest.mark.parametrize(
    "name, expected",
    [("product_id", True), ("Product ID", True), ("content_id", True), ("sku", True),
     ("variant_sku", True), ("order_id", True), ("id", True), ("user_id", False),
     ("buyer_id", False), ("device_id", False), ("creator", False), ("content_title", False)],
)  # fmt: skip
def test_id_columns_are_ids_of_things_not_of_people(name, expected):
    assert is_id_column(name) is expected


# --------------------------------------------------------------------------------------------
# where data text reaches a page


def test_table_masks_cells_headers_and_caption_counts_them_and_keeps_ids():
    data = pd.DataFrame({
        "creator": ["+33 6 12 34 56 78", "ines.glow"],
        "product_id": ["6823947561239874561", "42"],
        "content_title": ["write to ana@shop.fr", "1 234,56 €"],
        "0612345678": [1, 2],  # a pivot by creator: data as a header
        "viewers": [123456789012345678, 50],  # a number, not text
    })  # fmt: skip
    html = table(data, caption="creator 06.12.34.56.78").to_html()
    assert "12 34 56" not in html and "ana@shop.fr" not in html and "0612345678" not in html
    assert "6823947561239874561" in html and "1 234,56 €" in html
    assert "123,456,789,012,345,678" in html  # a count: grouped digits
    assert html.count("[phone hidden]") == 3 and "write to [email hidden]" in html
    assert "Masked: 4 value(s) holding an e-mail address, a phone number or a user id." in html


def test_table_in_french_uses_french_tokens():
    data = pd.DataFrame({"creator": ["0612345678"], "value": ["id 6823947561239874561"]})
    html = table(data, lang="fr").to_html()
    assert "[téléphone masqué]" in html and "id [identifiant masqué]" in html
    assert "Masquées : 2 valeur(s)" in html


def test_formatted_counts_masked_cells():
    assert formatted(pd.DataFrame({"creator": ["0612345678", "a", "b@c.fr"]})).attrs["masked"] == 2


def test_sentences_mask_text_fields_but_not_ids():
    said = t("05.series_title", creator="06 12 34 56 78")
    assert "[phone hidden]" in said and "56 78" not in said
    assert t("00.week", week="2026-W49", n="1 234", first="6 déc.", last="12 déc.") == t(
        "00.week", week="2026-W49", n="1 234", first="6 déc.", last="12 déc."
    )
    assert "[phone hidden]" in t("05.series_title", lang="en", creator="0612345678")


def test_plot_labels_and_titles_are_masked_except_id_columns():
    assert plain_text("06 12 34 56 78") == "[phone hidden]"
    assert plain_text("6823947561239874561", "product_id") == "6823947561239874561"
    rows = pd.DataFrame({"creator": ["0612345678", "ana@x.fr"], "rate": [0.1, 0.2],
                         "ci_low": [0.05, 0.1], "ci_high": [0.2, 0.3]})  # fmt: skip
    ax = interval_plot(rows, y="creator", title="by 06.12.34.56.78")
    labels = [x.get_text() for x in ax.get_yticklabels()] + [ax.get_title()]
    assert not any(re.search(r"\d{2}.\d{2}.\d{2}|@", x) for x in labels), labels
    assert "[phone hidden]" in labels and "[email hidden]" in labels
    plt.close("all")


def test_personal_values_and_parameters():
    frame = pd.DataFrame({"creator": ["0612345678", "0612345678", "a@b.fr 0612345678", "x"],
                          "product_id": ["6823947561239874561"] * 4})  # fmt: skip
    assert personal_values(frame) == {"phone": 2, "email": 1}
    assert personal_parameters({"creator": "0612345678", "week": "2026-W49", "n": 3,
                                "product_id": "6823947561239874561"}) == {
        "0612345678": "[phone hidden]"
    }  # fmt: skip


# --------------------------------------------------------------------------------------------
# pseudonyms


def test_key_is_created_once_in_the_data_folder_and_read_back(tmp_path):
    data = tmp_path / "exports"
    data.mkdir()
    (data / "cells.csv").write_text("x")
    key = creator_key(data / "cells.csv")  # a file: the key goes beside it
    text = (data / KEY_FILE).read_text()
    assert re.fullmatch(r"[0-9a-f]{64}\n", text) and key == bytes.fromhex(text.strip())
    assert creator_key(data) == key  # the folder: the same key, not a new one
    if os.name == "posix":  # owner-only where files have modes
        assert (data / KEY_FILE).stat().st_mode & 0o777 == 0o600
    (data / KEY_FILE).write_text("not a key")
    with pytest.raises(ValueError, match=r"\.cartlift-key: not a pseudonym key \(64 hex digits"):
        creator_key(data)


def test_pseudonyms_are_keyed_stable_and_unmoved_by_new_creators():
    key, other = bytes(32), bytes([1] * 32)
    assert re.fullmatch(r"creator-[0-9a-f]{8}", pseudonym("@ines.glow", key))
    assert pseudonym("@ines.glow", key) == pseudonym("@ines.glow", key)
    assert pseudonym("@ines.glow", key) != pseudonym("@ines.glow", other)
    week1 = pseudonyms(["@ines.glow", "@lea.beauty"], key)
    week2 = pseudonyms(["@zoe.new", "@lea.beauty", "@ines.glow"], key)
    assert all(week2[h] == p for h, p in week1.items())
    many = pseudonyms([f"creator{i}" for i in range(3000)], key)
    assert len(set(many.values())) == 3000  # one-to-one


def test_pseudonymise_maps_creators_and_their_names_in_text_whole_words_only(tmp_path):
    cells = pd.DataFrame({
        "creator": pd.array(["ana", "ana", "+33 6 12 34 56 78", None], dtype="string"),
        "content_title": pd.array(["Live with ana", "banana day", "Q&A", None], dtype="string"),
        "atc": [1, 2, 3, 4],
    })  # fmt: skip
    out = pseudonymise(cells, creators="pseudonymised", data=tmp_path)
    key = creator_key(tmp_path)
    ana = pseudonym("ana", key)
    assert out["creator"].tolist()[:3] == [ana, ana, pseudonym("+33 6 12 34 56 78", key)]
    assert out["content_title"].tolist()[:2] == [f"Live with {ana}", "banana day"]
    assert out["creator"].dtype == "string" and pd.isna(out["creator"].iloc[3])
    assert out.groupby("creator")["atc"].sum().sort_values().tolist() == [3, 3]  # unchanged
    assert cells["creator"].iloc[0] == "ana"  # the input is not changed
    assert pseudonymise(cells, creators="shown", data=tmp_path) is cells
    with pytest.raises(
        ValueError, match=r"The value for `creators` must be one of \[.shown., .pseudonymised.\]"
    ):
        pseudonymise(cells, creators="hidden", data=tmp_path)


def test_pseudonymise_rewrites_every_frame_of_loaded(tmp_path):
    loaded = Loaded(
        cells=pd.DataFrame({"creator": ["lea"], "atc": [1]}),
        rejected=pd.DataFrame({"column": ["creator"], "value": ["lea"], "reason": ["lea: bad"]}),
    )
    out = pseudonymise(loaded, creators="pseudonymised", data=tmp_path)
    name = creator_name("lea", creators="pseudonymised", data=tmp_path)
    assert out.cells["creator"].tolist() == [name]
    assert out.rejected[["value", "reason"]].values.tolist() == [[name, f"{name}: bad"]]


def test_creator_names_and_interventions_are_idempotent(tmp_path):
    name = creator_name("@ines", creators="pseudonymised", data=tmp_path)
    assert creator_name(name, creators="pseudonymised", data=tmp_path) == name
    assert creator_name("@ines", creators="shown") == "@ines"
    assert creator_name("", creators="pseudonymised", data=tmp_path) == ""
    text = pseudonymise_interventions("@ines:2026-10-26; @lea=2026-11-09", creators="pseudonymised",
                                      data=tmp_path)  # fmt: skip
    lea = creator_name("@lea", creators="pseudonymised", data=tmp_path)
    assert text == f"{name}:2026-10-26; {lea}=2026-11-09"
    assert pseudonymise_interventions(text, creators="pseudonymised", data=tmp_path) == text


def test_privacy_notes_count_values_and_name_the_pseudonyms(tmp_path):
    cells = pd.DataFrame({"creator": ["0612345678", "ana"], "content_title": ["a@b.fr", "x"]})
    assert privacy_notes(cells) == [
        "Personal data in the text of the data: 2 distinct value(s) hold an e-mail address, a "
        "phone number or a user id (e-mail 1, phone 1); every page shows them masked."
    ]
    hidden = pseudonymise(cells, creators="pseudonymised", data=tmp_path)
    notes = privacy_notes(hidden, creators="pseudonymised", lang="fr")
    assert notes[0].startswith("Données personnelles dans le texte des données : 1 valeur(s)")
    assert re.match(r"Les pseudos des créatrices sont pseudonymisés \(creator-[0-9a-f]{8}, …\)",
                    notes[1])  # fmt: skip
    assert privacy_notes(pd.DataFrame({"creator": ["ana"]})) == [
        "No e-mail address, phone number or user id was found in the text of the data."
    ]
    assert privacy.TOKENS["phone"] == "[phone hidden]"
