"""The questions a report answered: ``reports/<week>/<lang>/questions.csv``, the index's table.

One row per page and question the page asks (:data:`analysis.analyses.answerable.PAGE_QUESTIONS`),
from :func:`analysis.analyses.answerable.answerable` on the report's data and week: the same
function and arguments each page calls first, so the table says what the pages show. Columns
:data:`QUESTION_COLUMNS`; ``answered`` is ``True``/``False``. Machine-readable for tests and
scripts (``tests/report/test_shapes.py`` compares it with ``tests/report/shape_matrix.csv``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analysis.analyses.answerable import PAGE_QUESTIONS, PAGE_WINDOWS, answerable
from analysis.report.publish import write_text
from analysis.sample.truth import read_truth
from analysis.sources.safe_text import safe_csv_text
from analysis.weeks import within_window

__all__ = ["QUESTIONS_FILE", "QUESTION_COLUMNS", "question_table", "write_questions"]

#: the file beside the pages
QUESTIONS_FILE = "questions.csv"
#: its columns, in order
QUESTION_COLUMNS = ("page", "question", "answered", "reason", "provided_by")


def question_table(
    cells: pd.DataFrame, *, week: str, pages: Sequence[str], data: str | Path | None = None
) -> pd.DataFrame:
    """Which questions of ``pages`` the cells answer for ``week`` (:data:`QUESTION_COLUMNS`).

    Pages without questions (a custom notebook) have no row. The ``intervention`` question is
    asked as the pages ask it by default: with the planted change when ``data`` is the
    simulated sample (:func:`analysis.sample.truth.read_truth`), else with none declared (not
    answered). Each page's questions are answered on the weeks that page reads
    (:data:`analysis.analyses.answerable.PAGE_WINDOWS`, :func:`analysis.weeks.within_window`).
    """
    asked = [(p, q) for p in pages for q in PAGE_QUESTIONS.get(p, ())]
    if not asked:
        return pd.DataFrame(columns=list(QUESTION_COLUMNS))
    truth = read_truth(data) if data is not None else None
    change = truth.planted["intervention"] if truth is not None else {}
    found = {}  # window (weeks; 0: no window) -> the answers on the cells of that window
    for weeks in sorted({PAGE_WINDOWS.get(p, 0) for p, _ in asked}):
        seen = within_window(cells, week=week, weeks=weeks) if weeks else cells
        questions = sorted({q for p, q in asked if PAGE_WINDOWS.get(p, 0) == weeks})
        found[weeks] = answerable(seen, questions, week=week, creator=change.get("creator"),
                                  date=change.get("date")).set_index("question")  # fmt: skip
    rows = [(p, q, bool(f.at[q, "answered"]), f.at[q, "reason"], f.at[q, "provided_by"])
            for p, q in asked for f in [found[PAGE_WINDOWS.get(p, 0)]]]  # fmt: skip
    return pd.DataFrame(rows, columns=list(QUESTION_COLUMNS))


def write_questions(table: pd.DataFrame, folder: Path) -> Path:
    """Write ``table`` as ``folder / QUESTIONS_FILE`` (UTF-8 CSV, no index).

    An output for people (published beside the pages): text cells that would start a
    spreadsheet formula get a leading ``'``; CRLF line ends
    (:func:`analysis.sources.safe_text.safe_csv_text`).
    """
    path = folder / QUESTIONS_FILE
    write_text(path, safe_csv_text(table))
    return path
