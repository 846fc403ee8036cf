"""Row statuses of the dynamics results (``analysis/analyses/row_status.py``): the most serious
code wins, the message lists every note, fit statuses become notes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from analysis.analyses.row_status import (
    SEVERITY,
    fit_notes,
    note,
    severity,
    status_columns,
    undefined,
)
from analysis.vocabulary import STATUSES, is_undefined, status_message


def test_every_code_has_a_rank_and_undefined_ranks_first():
    defined = {c for c in STATUSES if not is_undefined(c)}
    assert set(SEVERITY) == defined
    ranks = [severity(c) for c in STATUSES]
    assert min(ranks) == 0 and max(ranks) == severity("ok")
    assert severity("undefined_no_cells") < severity("failed") < severity("few_clusters")
    assert severity("few_clusters") < severity("small_cell") < severity("partial")
    assert severity("partial") < severity("not_clustered") < severity("ok")
    with pytest.raises(ValueError, match="status"):
        severity("fine")


def test_the_most_serious_note_is_the_status_and_the_message_lists_all():
    small = note("small_cell", "2 LIVEs after the date")
    few = note("few_clusters", "G=9 (< 30)")
    got = status_columns([small, few, small])
    assert got["status"] == "few_clusters"
    assert got["status_message"] == f"{few[1]}; {small[1]}"
    assert status_columns([]) == {"status": "ok", "status_message": STATUSES["ok"]}


def test_undefined_refuses_a_defined_code():
    assert undefined("undefined_no_cells", "none")["status"] == "undefined_no_cells"
    with pytest.raises(ValueError, match="undefined"):
        undefined("ok")


def test_fit_notes_read_codes_and_the_free_text_of_older_fits():
    assert fit_notes(SimpleNamespace(status="ok")) == []
    coded = SimpleNamespace(status="few_clusters", status_message="few clusters (G=7)")
    assert fit_notes(coded) == [("few_clusters", "few clusters (G=7)")]
    assert fit_notes(SimpleNamespace(status="not_clustered")) == [
        ("not_clustered", status_message("not_clustered"))
    ]
    text = SimpleNamespace(
        status="few clusters: G=7 (< 30), intervals may be too narrow; separation: 1 "
        "coefficient(s) not estimable (a level with no successes or no failures, e.g. x)"
    )
    codes = [c for c, _ in fit_notes(text)]
    assert codes == ["few_clusters", "partial"]
    assert fit_notes(text)[0][1] == status_message("few_clusters", "G=7 (< 30)")
