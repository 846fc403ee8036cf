"""Status codes of the analyses' result rows: one code per row, the most serious of several.

Every result row of :mod:`analysis.analyses` carries ``status`` (a code of
:data:`analysis.vocabulary.STATUSES`) and ``status_message`` (the code's message with the row's
specifics, :func:`analysis.vocabulary.status_message`). A row that several statuses apply to
(a fit with few clusters, at an hour with no viewers) takes the most serious code
(:data:`SEVERITY`) and a message listing them all, most serious first.

A status is handled as a pair ``(code, message)``: :func:`status` makes one, :func:`read_status`
reads one off another room's result (:func:`fit_status` off a GLM fit), :func:`worst` combines
several.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.vocabulary import STATUSES, status_message

__all__ = ["SEVERITY", "Status", "fit_status", "read_status", "status", "worst"]

#: a status as ``(code, message)``
Status = tuple[str, str]

#: status codes from the most serious to the least (``undefined_*`` first, ``ok`` last)
SEVERITY: tuple[str, ...] = (
    *(c for c in STATUSES if c.startswith("undefined")),
    "failed",
    "not_reconciled",
    "miscalibrated",
    "extrapolated",
    "few_clusters",
    "exact_small_cell",
    "small_cell",
    "partial",
    "not_clustered",
    "no_variation",
    "ok",
)

#: (start of a free-text status, its code), first match wins: how :func:`read_status` reads the
#: statuses of a room whose results do not carry codes yet
_FREE_TEXT = (
    ("undefined: no successes", "undefined_no_successes"),
    ("undefined: no cells", "undefined_no_cells"),
    ("undefined: no ", "undefined_no_viewers"),
    ("undefined: unit", "undefined_not_binomial"),
    ("undefined: fewer than", "undefined_too_few"),
    ("undefined", "undefined_not_estimable"),
    ("few clusters", "few_clusters"),
    ("small cell: exact", "exact_small_cell"),
    ("small cell", "small_cell"),
    ("not clustered", "not_clustered"),
    ("separation", "partial"),
    ("ok; no variation", "no_variation"),
    ("no successes in group_a: ratio 0", "ok"),
    ("no successes", "undefined_no_successes"),
    ("ok", "ok"),
)


def status(code: str, detail: str = "") -> Status:
    """The status ``(code, status_message(code, detail))``; ``code`` is checked."""
    return code, status_message(code, detail)


def read_status(code: object, message: object = None) -> Status:
    """The ``(code, message)`` of a status found in another room's result.

    Parameters
    ----------
    code : str
        The ``status`` of a row (or ``result.cartlift.status`` of a fit). A code of
        :data:`analysis.vocabulary.STATUSES` is kept; a free-text status of a room that has not
        moved to codes yet is read by its opening words (``few clusters: ...`` ->
        ``few_clusters``; an unknown text -> ``partial``, the text kept in the message).
    message : str, optional
        Its ``status_message``; the code's own message when missing.

    Returns
    -------
    (str, str)
        The code and the message.
    """
    missing = code is None or code is pd.NA or (isinstance(code, float) and code != code)
    text = "" if missing else str(code)
    if text in STATUSES:
        has_message = isinstance(message, str) and message != ""
        return text, message if has_message else status_message(text)  # type: ignore[return-value]
    for start, found in _FREE_TEXT:
        if text.startswith(start):
            return status(found, "" if text == found else text)
    return status("partial", text)


def fit_status(result) -> Status:
    """The ``(code, message)`` of a fit of :func:`analysis.stats.models.glm` (``result.cartlift``).

    ``ok``, ``few_clusters``, ``not_clustered``, or what the fit reports (see
    :func:`read_status`).
    """
    info = result.cartlift
    return read_status(info.status, getattr(info, "status_message", None))


def worst(statuses: Iterable[Status]) -> Status:
    """The most serious of ``statuses`` (:data:`SEVERITY`), its message listing every non-``ok``.

    ``worst([status("ok"), status("few_clusters", "G=6"), status("partial", "8 of 24 hours")])``
    is ``("few_clusters", "few clusters: ... (G=6); partly computed: ... (8 of 24 hours)")``;
    all ``ok`` gives ``("ok", <the ok message>)``.
    """
    found = sorted(set(statuses), key=lambda s: (SEVERITY.index(s[0]), s[1]))
    if not found:
        return status("ok")
    notes = [m for c, m in found if c != "ok"]
    return found[0][0], "; ".join(notes) if notes else found[0][1]
