"""Figures in the report language: every axis label and legend entry the plots write comes
from the strings files (``plot.*``, ``legend.*``, ``side.*``), none stays English in French."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import pytest

from analysis.present import i18n
from analysis.present.plots import funnel_plot, hour_profile_plot, interval_plot, lift_plot
from analysis.present.time_plots import anomaly_plot, decay_plot, event_time_plot, series_plot
from tests.present.drawn import legend_texts
from tests.present.test_plots import compare_result, funnel_frame, profile, rates
from tests.present.test_time_plots import anomalies, curve, halo, series

ENGLISH = json.loads((i18n.STRINGS_DIR / "en.json").read_text(encoding="utf-8"))["strings"]
#: the plot words of English, as the English figures show them
ENGLISH_WORDS = {v for k, v in ENGLISH.items() if k.startswith(("plot.", "legend."))}


def draw_all(lang: str) -> dict[str, object]:
    """Each figure of the kit drawn in ``lang``, with the strings it shows."""
    return {
        "interval": interval_plot(rates(), y="creator", truth="expected_rate", lang=lang),
        "lift": lift_plot(compare_result(), y="category", lang=lang),
        "funnel": funnel_plot(funnel_frame(), label="creator", lang=lang),
        "hours": hour_profile_plot(profile(), truth={10: 0.0}, lang=lang),
        "series": series_plot(series(), date="2026-10-15", lang=lang),
        "halo": event_time_plot(halo(), truth="planted_log_or", lang=lang),
        "decay": decay_plot(curve(), lang=lang),
        "anomaly": anomaly_plot(anomalies(), lang=lang),
    }


def shown(ax) -> list[str]:
    return [t for t in (ax.get_xlabel(), ax.get_ylabel(), *legend_texts(ax)) if t]


def test_french_figures_have_french_labels_and_legends():
    french = draw_all("fr")
    assert french["lift"].get_xlabel() == "ratio (1× = aucune différence)"
    assert french["hours"].get_xlabel() == "heure locale de la boutique"
    assert "LIVE (pointillé : aucun spectateur, extrapolé)" in legend_texts(french["hours"])
    assert "hors live (pointillé : aucun spectateur, extrapolé)" in legend_texts(french["hours"])
    assert legend_texts(french["series"]) == ["traité", "témoin", "date du changement"]
    assert french["anomaly"].get_ylabel() == "observé / attendu"
    assert french["funnel"].get_xlabel() == "effectif (spectateurs), échelle logarithmique"
    assert "vérité simulée" in legend_texts(french["halo"])
    for name, ax in french.items():
        assert shown(ax), name  # the check below looks at something
        assert set(shown(ax)) & ENGLISH_WORDS == set(), name
    plt.close("all")


def test_english_figures_keep_their_words_and_no_internal_name():
    english = draw_all("en")
    assert english["lift"].get_xlabel() == "ratio (1× = no difference)"  # no group_a / group_b
    assert english["decay"].get_xlabel() == "LIVE in the creator's series (0 = first)"
    assert english["interval"].get_xlabel() == "rate"
    plt.close("all")


@pytest.mark.parametrize("lang", ["de"])
def test_an_unknown_language_is_refused(lang):
    with pytest.raises(ValueError, match="`lang` must be one of"):
        anomaly_plot(anomalies(), lang=lang)
