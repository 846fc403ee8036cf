"""Notebooks 00, 02-05 and weekly_report as report pages: one fit reused, every string translated.

- ``audience.segment_tables`` (one interaction fit) gives exactly what ``segment_effects`` and
  ``segment_heterogeneity`` give with two fits (the reference is the pair of separate calls);
- ``lift.estimate_key`` names every row ``lift_summary`` produces (notebook 04 translates the
  rows through it);
- every ``t(...)`` key the report notebooks use, and every ``i18n:`` markdown tag, exists in every
  language, and each notebook declares ``lang`` and ``min_viewers`` as the report notes say.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pandas as pd
import pytest

import analysis as cl
from analysis.analyses import audience
from analysis.analyses.lift import ESTIMATE_KEYS, estimate_key, lift_summary
from analysis.paths import NOTEBOOKS_DIR, SAMPLE_DIR, SAMPLE_TZ
from analysis.present import i18n

NOTEBOOKS = ("00_data_quality", "02_hour_of_day", "03_audience", "04_regression", "05_dynamics",
             "weekly_report")  # fmt: skip
#: the prefix of each notebook's own string and markdown keys
PREFIX = {"weekly_report": "weekly"}
ADJUST = ["hour", "category", "promo", "creator"]


@pytest.fixture(scope="module")
def week():
    return cl.select_week(cl.load(SAMPLE_DIR, tz=SAMPLE_TZ), "latest")


def test_segment_tables_is_the_two_separate_fits(week):
    adjust = [*ADJUST, "gender"]
    effects, test = audience.segment_tables(week, by="age_group", adjust=adjust, level=0.9)
    pd.testing.assert_frame_equal(
        effects, audience.segment_effects(week, by="age_group", adjust=adjust, level=0.9)
    )
    pd.testing.assert_frame_equal(
        test, audience.segment_heterogeneity(week, by="age_group", adjust=adjust)
    )
    assert len(effects) == 8 and test["status"].iloc[0] == "ok"
    assert list(test.columns) == list(audience.HETEROGENEITY_COLUMNS)


def test_segment_tables_undefined_without_a_breakdown(week):
    effects, test = audience.segment_tables(week, by="region", adjust=ADJUST)
    pd.testing.assert_frame_equal(effects, audience.segment_effects(week, by="region",
                                                                    adjust=ADJUST))  # fmt: skip
    pd.testing.assert_frame_equal(test, audience.segment_heterogeneity(week, by="region",
                                                                       adjust=ADJUST))  # fmt: skip
    assert test["status"].iloc[0] == "undefined_not_broken_down"


def test_estimate_key_names_every_lift_summary_row():
    cells, _ = cl.simulate(weeks=1, seed=3, scale=0.3)
    lifts = lift_summary(cells, detail=True)  # the viewer-level row is in the detail only
    assert [estimate_key(e) for e in lifts["estimate"]] == list(ESTIMATE_KEYS)
    with pytest.raises(ValueError, match="not a lift_summary estimate label"):
        estimate_key("adjusted somehow")


def _cells(stem):
    return nbformat.read(NOTEBOOKS_DIR / f"{stem}.ipynb", as_version=4).cells


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_parameters_declare_lang_and_min_viewers(stem):
    (params,) = [c for c in _cells(stem) if "parameters" in c.metadata.get("tags", [])]
    lines = params.source.splitlines()
    assert (
        'lang: str = "en"  # report language: en, fr (headings, labels, number formats)' in lines
    )
    assert (
        'min_viewers: int = 10  # tables show counts below this as "< k" (shared output)' in lines
    )


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_every_string_and_markdown_cell_is_translated(stem):
    cells = _cells(stem)
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    keys = set(re.findall(r"""\bt\(\s*"([^"{}]+)\"""", code))
    keys |= {f"04.{k}" for k in ESTIMATE_KEYS} if "estimate_key(" in code else set()
    keys |= {f"metric.{m}" for m in ("atc_rate", "conversion", "cart_to_order")}
    prefix = PREFIX.get(stem, stem[:2]) + "."
    assert any(k.startswith(prefix) for k in keys), "the notebook prints through t()"
    english = {
        i18n.markdown_key(c.metadata.get("tags", [])): c.source
        for c in cells
        if c.cell_type == "markdown"
    }
    assert None not in english, "a markdown cell without an i18n tag stays English"
    assert all(k.startswith(prefix) for k in english), sorted(english)
    for lang in i18n.available_languages():
        for key in sorted(keys):
            i18n.t(key, lang=lang)  # raises LanguageError when missing
        if lang != i18n.SOURCE_LANGUAGE:
            for key, source in english.items():
                text = i18n.markdown(key, lang=lang)
                assert text.strip() and text != source, f"{key} is not translated to {lang}"
                assert text.count("\n#") == source.count("\n#"), f"{key}: headings differ"
    # no code cell prints an f-string: sentences go through t()
    for c in cells:
        if c.cell_type == "code":
            for node in ast.walk(ast.parse(c.source)):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print":
                    assert not any(isinstance(a, ast.JoinedStr) for a in node.args), c.source


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_every_table_is_localised_and_small_cell_safe(stem):
    """Each ``table(...)`` / ``compare_table(...)`` of a report notebook (called as ``cl.table``
    through the facade) passes ``**shown``."""
    calls = 0
    for c in _cells(stem):
        if c.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(c.source)):
            if not isinstance(node, ast.Call):
                continue
            # `table(...)` or, through the facade, `cl.table(...)`
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            if name in ("table", "compare_table"):
                calls += 1
                spread = [k.value for k in node.keywords if k.arg is None]
                named = {k.arg for k in node.keywords}
                assert (
                    any(getattr(v, "id", "") == "shown" for v in spread)
                    or {"lang", "min_viewers"} <= named
                ), ast.unparse(node)
    assert calls > 0
