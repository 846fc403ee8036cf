"""Status of a result row: the notes it collects, the most serious code, a message listing all.

A row of a dynamics result (:mod:`analysis.analyses.intervention`, :mod:`analysis.analyses.halo`,
:mod:`analysis.analyses.fatigue`, ...) may carry several notes: its model fit has few clusters,
one side of the date has few LIVEs, an adjustment was left out. Each note is a pair
``(code, message)``, ``code`` one of :data:`analysis.vocabulary.STATUSES` and ``message`` its
:func:`analysis.vocabulary.status_message` with the row's specifics. :func:`status_columns` turns
the notes into the two status columns: ``status`` the most serious code (:data:`SEVERITY`),
``status_message`` every note, the most serious first.
"""

from __future__ import annotations

from collections.abc import Iterable

from analysis.vocabulary import STATUSES, is_undefined, status_message

__all__ = ["Note", "SEVERITY", "fit_notes", "note", "severity", "status_columns", "undefined"]

#: a status note: (code of :data:`analysis.vocabulary.STATUSES`, the reader's message)
Note = tuple[str, str]

#: rank of every defined-estimate code, most serious first (the ``undefined_*`` codes rank 0)
SEVERITY: dict[str, int] = {
    "failed": 1,
    "not_reconciled": 1,
    "few_clusters": 2,
    "exact_small_cell": 3,
    "small_cell": 3,
    "partial": 4,
    "not_clustered": 5,
    "no_variation": 5,
    "ok": 6,
}

#: free-text statuses of a model fit (their first words) -> code; what a fit said before the
#: fits of :mod:`analysis.stats.models` returned codes
_FIT_TEXT = {
    "few clusters": "few_clusters",
    "not clustered": "not_clustered",
    "separation": "partial",
}


def severity(code: str) -> int:
    """Rank of status ``code``: 0 for ``undefined_*``, then :data:`SEVERITY` (6 is ``ok``).

    Raises
    ------
    ValueError
        ``code`` is not one of :data:`analysis.vocabulary.STATUSES`.
    """
    return 0 if is_undefined(code) else SEVERITY[code]


def note(code: str, detail: str = "") -> Note:
    """The note ``(code, status_message(code, detail))``.

    >>> note("small_cell", "2 LIVEs after the date")
    ('small_cell', 'small cell: few observations, the interval is rough (2 LIVEs after the date)')
    """
    return code, status_message(code, detail)


def fit_notes(info: object) -> list[Note]:
    """The notes of a model fit, from the ``status`` of its ``GlmInfo`` (``result.cartlift``).

    Parameters
    ----------
    info : analysis.stats.models.GlmInfo
        What :func:`analysis.stats.models.glm` did. Its ``status`` is a code of
        :data:`analysis.vocabulary.STATUSES` (with ``status_message`` when the fit has one), or the
        free text of the fits written before the status codes (``"few clusters: G=15 (< 30),
        intervals may be too narrow"``, parts joined by ``"; "``), read here part by part.

    Returns
    -------
    list of Note
        Empty when the fit is ``ok``.
    """
    status = str(getattr(info, "status", "ok"))
    if status in STATUSES:
        text = getattr(info, "status_message", "") or status_message(status)
        return [] if status == "ok" else [(status, str(text))]
    notes = []
    for part in status.split("; "):
        head, _, detail = part.partition(": ")
        if part == "ok":
            continue
        code = _FIT_TEXT.get(head, "partial")
        if code == "few_clusters":
            detail = detail.replace(", intervals may be too narrow", "")
        notes.append(note(code, detail if code != "partial" else part))
    return notes


def status_columns(notes: Iterable[Note]) -> dict[str, str]:
    """``{"status": code, "status_message": message}`` of a row with these notes.

    ``status`` is the most serious code (:func:`severity`; ``ok`` when there is no note) and
    ``status_message`` lists every distinct note, the most serious first, joined by ``"; "``.
    """
    unique = list(dict.fromkeys(notes))
    if not unique:
        return {"status": "ok", "status_message": status_message("ok")}
    ranked = sorted(unique, key=lambda n: severity(n[0]))
    return {"status": ranked[0][0], "status_message": "; ".join(m for _, m in ranked)}


def undefined(code: str, detail: str = "") -> dict[str, str]:
    """The status columns of a row whose estimate is missing for the reason ``code``.

    Raises
    ------
    ValueError
        ``code`` is not an ``undefined_*`` code.
    """
    if not is_undefined(code):
        raise ValueError(f"{code!r} is not an undefined_* status code.")
    return status_columns([note(code, detail)])
