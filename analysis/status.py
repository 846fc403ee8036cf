"""One status per result row: the most serious of its notes, and a message listing them all.

A result row can meet several conditions at once (few clusters, a small cell, cells left out).
Each condition is a *note*: a code of :data:`analysis.vocabulary.STATUSES` with the reader's
message for this row. The row's ``status`` is the most serious code (:data:`SEVERITY`), its
``status_message`` lists the notes, most serious first. Every room builds its statuses with
these functions, so "most serious" means the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from analysis.vocabulary import STATUSES, check_status, is_undefined, status_message

__all__ = [
    "SEVERITY", "Note", "combine", "merge_statuses", "note", "row_status", "severity",
    "status_columns", "undefined", "worst_code",
]  # fmt: skip

#: status codes from the most to the least serious; a code added to the vocabulary later ranks
#: with the first ``undefined_*`` code if it is one, else with ``partial``
SEVERITY: tuple[str, ...] = (
    "undefined_no_viewers", "undefined_no_successes", "undefined_no_cells", "undefined_too_few",
    "undefined_not_binomial", "undefined_not_estimable", "undefined_not_broken_down",
    "undefined_no_control", "undefined_out_of_range",
    "failed", "not_reconciled", "miscalibrated", "extrapolated",
    "few_clusters",
    "exact_small_cell", "small_cell",
    "partial",
    "not_clustered", "no_variation",
    "ok",
)  # fmt: skip

#: one condition of a row: ``(code, message)``, the message made by :func:`note`
Note = tuple[str, str]


def severity(code: str) -> int:
    """Rank of ``code`` in :data:`SEVERITY` (0 = most serious); ``ValueError`` if not a code."""
    code = check_status(code)
    if code in SEVERITY:
        return SEVERITY.index(code)
    return 0 if is_undefined(code) else SEVERITY.index("partial")


def worst_code(codes: Iterable[str]) -> str:
    """The most serious of ``codes`` (``ok`` when there are none)."""
    return min(codes, key=severity, default="ok")


def note(code: str, detail: str = "") -> Note:
    """The note ``(code, status_message(code, detail))``.

    >>> note("small_cell", "2 LIVEs after the date")[1]
    'small cell: few observations, the interval is rough (2 LIVEs after the date)'
    """
    return code, status_message(code, detail)


def combine(notes: Iterable[Note]) -> Note:
    """The status of a row with these notes: ``(most serious code, message)``.

    The message joins the distinct messages with ``"; "``, most serious first (ties keep their
    order), leaving out the plain ``ok`` message unless every note is a plain ``ok``.
    """
    plain = status_message("ok")
    unique = list(dict.fromkeys(notes))
    if not unique:
        return "ok", plain
    ranked = sorted(unique, key=lambda n: severity(n[0]))
    texts = [m for _, m in ranked if m and m != plain]
    return ranked[0][0], "; ".join(dict.fromkeys(texts)) if texts else plain


def merge_statuses(pairs: Sequence[Note]) -> Note:
    """Merge the ``(status, status_message)`` pairs of one row computed by different steps."""
    return combine(pairs)


def status_columns(notes: Iterable[Note]) -> dict[str, str]:
    """``{"status": code, "status_message": message}`` of a row with these notes (:func:`combine`)."""
    code, message = combine(notes)
    return {"status": code, "status_message": message}


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


def row_status(details: Iterable[tuple[str, str]]) -> Note:
    """``(status, status_message)`` of a row from ``(code, detail)`` pairs.

    Like :func:`combine` on ``note(code, detail)``, except that an ``ok`` with a detail is a
    remark (e.g. a Simpson flag): it never raises the status, but its detail is kept in the
    message after the reader's message of the status.

    >>> row_status([("partial", "1 cell excluded"), ("exact_small_cell", "4 successes")])[0]
    'exact_small_cell'
    """
    kept = [(c, d) for c, d in details if c != "ok" or d]
    if not kept:
        return "ok", status_message("ok")
    order = sorted(range(len(kept)), key=lambda i: (severity(kept[i][0]), i))
    code, detail = kept[order[0]]
    rest = [kept[i][1] or STATUSES[kept[i][0]] for i in order[1:]]
    return code, "; ".join([status_message(code, detail), *rest])
