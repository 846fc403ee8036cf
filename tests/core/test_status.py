"""analysis.status: one status code per row, the most serious of its notes."""

from __future__ import annotations

import pytest

from analysis.status import (
    SEVERITY,
    combine,
    merge_statuses,
    note,
    row_status,
    severity,
    status_columns,
    undefined,
    worst_code,
)
from analysis.vocabulary import STATUSES, is_undefined, status_message


def test_severity_ranks_every_code_once_in_the_documented_order():
    assert set(SEVERITY) <= set(STATUSES) and len(SEVERITY) == len(set(SEVERITY))
    ranks = {code: severity(code) for code in STATUSES}  # codes added later rank as partial
    assert all(r == severity("partial") for c, r in ranks.items() if c not in SEVERITY)
    assert all(r < severity("failed") for c, r in ranks.items() if c.startswith("undefined"))
    order = ["undefined_no_viewers", "failed", "few_clusters", "exact_small_cell", "partial",
             "not_clustered", "ok"]  # fmt: skip
    assert [severity(c) for c in order] == sorted(severity(c) for c in order)
    assert severity("small_cell") > severity("few_clusters")
    assert severity("no_variation") < severity("ok")
    with pytest.raises(ValueError, match="`status`"):
        severity("undefined: no viewers")  # free text is not a code


def test_worst():
    assert worst_code([]) == "ok"
    assert worst_code(["ok", "partial", "exact_small_cell"]) == "exact_small_cell"
    assert (
        worst_code(["not_clustered", "undefined_too_few", "few_clusters"]) == "undefined_too_few"
    )


def test_row_status_lists_every_note_most_serious_first():
    notes = [("partial", "1 cell excluded"), ("exact_small_cell", "4 successes")]
    code, message = row_status(notes)
    assert code == "exact_small_cell"
    assert message == status_message("exact_small_cell", "4 successes") + "; 1 cell excluded"
    assert row_status([]) == ("ok", status_message("ok"))
    assert row_status([("ok", "")]) == ("ok", status_message("ok"))
    # an ok note with a detail is a remark: it does not raise the status, its detail is kept
    assert row_status([("ok", "Simpson")]) == ("ok", status_message("ok", "Simpson"))
    code, message = row_status([("ok", "Simpson"), ("few_clusters", "6 LIVEs")])
    assert (code, message) == (
        "few_clusters",
        status_message("few_clusters", "6 LIVEs") + "; Simpson",
    )
    # a note without detail is listed by its code's message
    assert row_status([("partial", "x"), ("not_clustered", "")])[1] == (
        status_message("partial", "x") + "; " + STATUSES["not_clustered"]
    )


def test_merge_statuses_drops_the_plain_ok_message():
    ok = ("ok", status_message("ok"))
    few = ("few_clusters", status_message("few_clusters", "G=8"))
    assert merge_statuses([ok, few]) == few
    assert merge_statuses([ok, ok]) == ok
    part = ("partial", status_message("partial", "1 cell"))
    assert merge_statuses([part, few]) == ("few_clusters", f"{few[1]}; {part[1]}")


def test_every_code_has_a_rank_and_undefined_ranks_first():
    assert sorted(SEVERITY) == sorted(STATUSES)
    first_defined = next(i for i, c in enumerate(SEVERITY) if not is_undefined(c))
    assert all(is_undefined(c) for c in SEVERITY[:first_defined])
    assert SEVERITY[-1] == "ok"


def test_combine_keeps_the_most_serious_code_and_lists_every_message():
    small = note("small_cell", "2 LIVEs after the date")
    few = note("few_clusters", "G=9 (< 30)")
    assert combine([small, few, small]) == ("few_clusters", f"{few[1]}; {small[1]}")
    code, message = combine([note("ok"), note("partial", "8 of 24 hours"), note("few_clusters")])
    assert code == "few_clusters" and status_message("ok") not in message
    assert combine([note("ok"), note("ok")]) == combine([]) == ("ok", status_message("ok"))
    assert status_columns([few]) == {"status": "few_clusters", "status_message": few[1]}


def test_undefined_refuses_a_defined_code():
    assert undefined("undefined_no_cells", "none")["status"] == "undefined_no_cells"
    with pytest.raises(ValueError, match="undefined"):
        undefined("ok")
