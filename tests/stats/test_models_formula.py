"""cl.glm with a formula it cannot read: one FormulaError sentence, never a raw PatsyError.

The fixture is tests/reference/glm_fixture.csv (columns cluster, live, band, atc, viewers).
"""

from __future__ import annotations

import pandas as pd
import pytest

import analysis as cl
from analysis.errors import CartliftError, FormulaError
from analysis.paths import PROJECT_ROOT
from analysis.stats.models import glm

FIXTURE = PROJECT_ROOT / "tests" / "reference" / "glm_fixture.csv"
COLUMNS = "the cells have the columns cluster, live, band, atc, viewers, content_id, unit"


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    d = pd.read_csv(FIXTURE)
    return d.assign(content_id=d["cluster"].astype("string"), unit="visitor")


@pytest.mark.parametrize(
    ("formula", "message", "term"),
    [
        ("atc_rate ~ live + colour",
         "formula 'atc_rate ~ live + colour': 'colour' is neither a column of the cells nor a "
         f"known function: {COLUMNS}", "colour"),
        ("atc_rate ~ live + foo(band)",
         "formula 'atc_rate ~ live + foo(band)': 'foo' (in 'foo(band)') is neither a column of "
         f"the cells nor a known function: {COLUMNS}", "foo"),
        ("atc_rate ~ live + C(band",
         "formula 'atc_rate ~ live + C(band' cannot be read at the term 'C(band' (unclosed "
         f"bracket in embedded Python expression): {COLUMNS}", "C(band"),
        ("atc_rate ~ nothing_here",
         f"formula 'atc_rate ~ nothing_here' names no column of the cells: {COLUMNS}", None),
    ],
)  # fmt: skip
def test_a_bad_formula_is_one_sentence_naming_the_term_and_the_columns(cells, formula, message,
                                                                        term):  # fmt: skip
    with pytest.raises(FormulaError) as info:
        glm(cells, formula)
    assert str(info.value) == message
    assert info.value.term == term
    assert "\n" not in str(info.value)


def test_formula_error_is_a_cartlift_error_and_a_value_error(cells):
    with pytest.raises(CartliftError) as info:
        cl.glm(cells, "atc_rate ~ live +")
    assert isinstance(info.value, ValueError) and isinstance(info.value, cl.FormulaError)
    assert type(info.value.__cause__).__name__ == "PatsyError"  # kept for debugging, not shown
    with pytest.raises(FormulaError, match=r"'atcrate' was passed"):
        glm(cells, "atcrate ~ live")


def test_mixed_glm_names_the_bad_term_the_same_way(cells):
    with_creator = cells.assign(creator=cells["cluster"].str[:2])
    with pytest.raises(FormulaError) as info:
        cl.mixed_glm(with_creator, "atc_rate ~ live + C(band")
    assert str(info.value).startswith(
        "formula 'atc_rate ~ live + C(band' cannot be read at the term 'C(band' (unclosed "
        "bracket in embedded Python expression): the cells have the columns cluster, live, band"
    )
