"""One status per result row: the most serious of its notes, and a message listing them all.

A row of a statistics result can meet several conditions at once (a small cell, cells left out,
few clusters). Each condition is a *note* ``(code, detail)``: a code of
:data:`analysis.vocabulary.STATUSES` and the specifics of this row. :func:`row_status` turns the
notes of a row into its ``status`` (the most serious code, in the order of :data:`SEVERITY`)
and its ``status_message`` (the reader's message of that code with its detail, then the details
of the other notes). An ``ok`` note with a detail is a remark (e.g. the Simpson flag): it never
raises the status but its detail is kept in the message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from analysis.vocabulary import STATUSES, check_status, status_message

__all__ = ["SEVERITY", "Note", "merge_statuses", "row_status", "severity", "worst"]

#: status codes from the most to the least serious (a code absent here ranks with ``partial``)
SEVERITY = (
    "undefined_no_viewers", "undefined_no_successes", "undefined_no_cells", "undefined_too_few",
    "undefined_not_binomial", "undefined_not_estimable", "undefined_not_broken_down",
    "undefined_no_control", "undefined_out_of_range",
    "failed", "not_reconciled",
    "few_clusters",
    "exact_small_cell", "small_cell",
    "partial",
    "not_clustered", "no_variation",
    "ok",
)  # fmt: skip

#: one condition of a row: a status code and the specifics of the row ("" for none)
Note = tuple[str, str]


def severity(code: str) -> int:
    """Rank of ``code`` in :data:`SEVERITY` (0 = most serious).

    ``undefined_*`` codes not listed rank with the first of them; other codes unknown to
    :data:`SEVERITY` (added to the vocabulary later) rank with ``partial``.
    """
    code = check_status(code)
    if code in SEVERITY:
        return SEVERITY.index(code)
    if code.startswith("undefined"):
        return 0
    return SEVERITY.index("partial")


def worst(codes: Iterable[str]) -> str:
    """The most serious of ``codes`` (``ok`` when there are none)."""
    return min(codes, key=severity, default="ok")


def row_status(notes: Iterable[Note]) -> tuple[str, str]:
    """``(status, status_message)`` of a row from its notes.

    Parameters
    ----------
    notes : iterable of (code, detail)
        Conditions met by the row, each a :data:`analysis.vocabulary.STATUSES` code and the
        row's specifics. ``("ok", "")`` notes are ignored.

    Returns
    -------
    tuple of str
        The most serious code (:func:`worst`; ``ok`` without notes), and the message
        :func:`analysis.vocabulary.status_message` of that code with its detail, followed by the
        details of the other notes (most serious first), joined with ``"; "``.

    Examples
    --------
    >>> row_status([("partial", "1 cell excluded"), ("exact_small_cell", "4 successes")])[0]
    'exact_small_cell'
    """
    kept = [(c, d) for c, d in notes if c != "ok" or d]
    if not kept:
        return "ok", status_message("ok")
    order = sorted(range(len(kept)), key=lambda i: (severity(kept[i][0]), i))
    code, detail = kept[order[0]]
    rest = [kept[i][1] or STATUSES[kept[i][0]] for i in order[1:]]
    return code, "; ".join([status_message(code, detail), *rest])


def merge_statuses(pairs: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """Merge ``(status, status_message)`` pairs of one row computed by different steps.

    The status is the most serious code; the message joins the messages, most serious first,
    leaving out the plain ``ok`` message (``computed as documented``) unless every pair is ok.
    """
    plain = status_message("ok")
    order = sorted(range(len(pairs)), key=lambda i: (severity(pairs[i][0]), i))
    code = pairs[order[0]][0] if pairs else "ok"
    texts = [pairs[i][1] for i in order if pairs[i][1] and pairs[i][1] != plain]
    return code, "; ".join(dict.fromkeys(texts)) if texts else plain
