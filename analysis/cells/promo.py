"""Promotion flags: the yes/no ``promo`` values of exports mapped to promotion levels.

Exports often say only whether a product was on promotion (True/False, yes/no, 1/0, in several
languages); :func:`as_promo` maps those to the levels of :data:`analysis.vocabulary.PROMOS`
before :mod:`analysis.cells.validation` checks the vocabulary (``docs/data-formats.md``).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["PROMO_FLAGS", "as_promo"]

#: a yes/no promotion flag -> promo level: a promotion of unknown kind is ``discount`` (any price
#: promotion; ``flash_sale`` only when the export names it), no promotion is ``none``
PROMO_FLAGS = {**dict.fromkeys(("true", "yes", "y", "1", "sim", "oui", "ja", "si", "sí"),
                               "discount"),
               **dict.fromkeys(("false", "no", "n", "0", "não", "nao", "non", "nein"), "none")}  # fmt: skip


def as_promo(s: pd.Series) -> pd.Series:
    """``promo`` with yes/no flags (True/False, yes/no, 1/0, ...) mapped by :data:`PROMO_FLAGS`;
    other values unchanged (checked against :data:`analysis.vocabulary.PROMOS` afterwards)."""
    text = s.astype("string")
    flag = text.str.strip().str.lower().map(PROMO_FLAGS, na_action="ignore").astype("string")
    return flag.fillna(text)
