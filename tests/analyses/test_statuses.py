"""analysis.analyses.statuses: one code per row, the most serious of several, all listed."""

from __future__ import annotations

import numpy as np

from analysis.analyses.statuses import SEVERITY, read_status, status, worst
from analysis.vocabulary import STATUSES, is_undefined, status_message


def test_every_code_has_a_rank_and_undefined_ranks_first():
    assert sorted(SEVERITY) == sorted(STATUSES)
    first_defined = next(i for i, c in enumerate(SEVERITY) if not is_undefined(c))
    assert all(is_undefined(c) for c in SEVERITY[:first_defined])
    assert SEVERITY[-1] == "ok"
    order = ["failed", "few_clusters", "small_cell", "partial", "not_clustered", "ok"]
    assert [SEVERITY.index(c) for c in order] == sorted(SEVERITY.index(c) for c in order)


def test_worst_keeps_the_most_serious_code_and_lists_every_message():
    code, message = worst([status("ok"), status("partial", "8 of 24 hours"),
                           status("few_clusters", "G=6")])  # fmt: skip
    assert code == "few_clusters"
    assert message == (f"{status_message('few_clusters', 'G=6')}; "
                       f"{status_message('partial', '8 of 24 hours')}")  # fmt: skip
    assert worst([status("ok"), status("ok")]) == ("ok", status_message("ok"))
    assert worst([]) == ("ok", status_message("ok"))
    assert worst([status("not_clustered"), status("undefined_no_viewers", "no LIVE")])[0] == (
        "undefined_no_viewers"
    )


def test_read_status_keeps_codes_and_reads_free_text():
    assert read_status("few_clusters", "few clusters (G=6)") == (
        "few_clusters",
        "few clusters (G=6)",
    )
    assert read_status("ok") == ("ok", status_message("ok"))
    assert read_status("ok", np.nan) == ("ok", status_message("ok"))
    code, message = read_status("few clusters: G=6 (< 30), intervals may be too narrow")
    assert code == "few_clusters" and "G=6 (< 30)" in message
    assert read_status("undefined: no viewers")[0] == "undefined_no_viewers"
    assert read_status("small cell: exact used")[0] == "exact_small_cell"
    assert read_status("something new")[0] == "partial"
    assert read_status(None)[0] == "partial" and read_status(np.nan)[0] == "partial"
