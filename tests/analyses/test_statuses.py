"""analysis.analyses.statuses: another room's status read as a note; free text is refused."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from analysis.analyses.statuses import fit_notes, read_status
from analysis.vocabulary import status_message


def test_read_status_keeps_codes_and_refuses_free_text():
    assert read_status("few_clusters", "few clusters (G=6)") == (
        "few_clusters",
        "few clusters (G=6)",
    )
    assert read_status("ok") == read_status("ok", np.nan) == ("ok", status_message("ok"))
    assert read_status(None)[0] == "partial" and read_status(np.nan)[0] == "partial"
    with pytest.raises(ValueError, match="`status`"):
        read_status("few clusters: G=6 (< 30), intervals may be too narrow")


def test_fit_notes_read_the_fit_status():
    assert fit_notes(SimpleNamespace(status="ok")) == []
    coded = SimpleNamespace(status="few_clusters", status_message="few clusters (G=7)")
    assert fit_notes(coded) == [("few_clusters", "few clusters (G=7)")]
    assert fit_notes(SimpleNamespace(status="not_clustered")) == [
        ("not_clustered", status_message("not_clustered"))
    ]
