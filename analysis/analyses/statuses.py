"""Reading the status of another room's result (a row of ``compare``, a GLM fit) as a note.

The analyses build their rows' statuses with :mod:`analysis.status`; what they take from a
statistics result comes in through these readers, so an unknown code fails loudly here.
"""

from __future__ import annotations

import pandas as pd

from analysis.status import Note, note
from analysis.vocabulary import check_status, status_message

__all__ = ["fit_notes", "fit_status", "read_status"]


def read_status(code: object, message: object = None) -> Note:
    """The note ``(code, message)`` of a status found in another room's result row.

    Parameters
    ----------
    code : str
        The row's ``status``, a code of :data:`analysis.vocabulary.STATUSES` (``ValueError``
        otherwise). A missing status (NaN) reads as ``partial``.
    message : str, optional
        The row's ``status_message``; the code's own message when missing.
    """
    if code is None or code is pd.NA or (isinstance(code, float) and code != code):
        return note("partial", "no status given")
    text = check_status(str(code))
    return text, message if isinstance(message, str) and message else status_message(text)


def fit_status(result) -> Note:
    """The note of a fit of :func:`analysis.stats.models.glm` (its ``result.cartlift``)."""
    info = result.cartlift
    return read_status(info.status, getattr(info, "status_message", None))


def fit_notes(info: object) -> list[Note]:
    """The notes of a model fit from its ``GlmInfo`` (``result.cartlift``): empty when ``ok``."""
    code = str(getattr(info, "status", "ok"))
    found = read_status(code, getattr(info, "status_message", None))
    return [] if found[0] == "ok" else [found]
