"""Every exception the kit raises, each a subclass of :class:`CartliftError`.

Each also keeps the built-in base it had (``ValueError``, ``KeyError``, ...), so ``except
ValueError`` in an analyst's code still catches a bad value. The message always says what is
wrong, where (file, row, column when known) and how to fix it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CartliftError", "CellsError", "EngineUnavailable", "LanguageError", "NotebookTimeout",
    "IgnoredColumnsWarning", "LimitError", "NumberError", "RejectedRowsWarning", "ReportError", "ShopFileError",
    "UnreadableError",
    "OutputError", "FormulaError", "ParameterError", "DesignError", "EventsError",
]  # fmt: skip


class CartliftError(Exception):
    """Base class of every cartlift error (and of its warning, with ``UserWarning``)."""


class CellsError(CartliftError, ValueError):
    """Invalid cells. ``problems`` has one row per problem: file, row, column, value, reason."""

    def __init__(self, problems: pd.DataFrame, max_lines: int = 12):
        self.problems = problems.reset_index(drop=True)
        lines = [
            f"{p.file}, row {p.row}, column {p.column!r}: {p.reason}"
            for p in self.problems.head(max_lines).itertuples()
        ]
        more = len(self.problems) - max_lines
        if more > 0:
            lines.append(f"... and {more} more (all of them in `err.problems`)")
        super().__init__(f"{len(self.problems)} problem(s) in the cells:\n  " + "\n  ".join(lines))


class NumberError(CartliftError, ValueError):
    """A text cell that is not a number / money / percent / duration / time of the expected kind."""


class UnreadableError(CartliftError, ValueError):
    """The file as a whole cannot be read (empty, not a spreadsheet, no header found)."""


class LimitError(UnreadableError):
    """A file over one of the reading limits of :mod:`analysis.sources.limits` (a decompression
    ratio, a shared-string table, a row count, a cell length, a nesting depth): the message names
    the file, the limit, the value found and how to raise the limit. ``limit`` is the limit's
    name (a field of :class:`analysis.sources.limits.Limits`)."""

    def __init__(self, message: str, *, limit: str):
        self.limit = limit
        super().__init__(message)


class ShopFileError(CartliftError, ValueError):
    """A shop file (``shop.toml``) that cannot be used: the message names the file, the line or key
    and how to fix it (``docs/shop-file.md``)."""


class EngineUnavailable(CartliftError, ImportError):
    """The engine's Python package is not installed (the message says which one)."""


class RejectedRowsWarning(CartliftError, UserWarning):
    """Some input rows were not usable; ``analysis.read(...).rejected`` lists them."""


class IgnoredColumnsWarning(CartliftError, UserWarning):
    """Columns of a file that are not read (not canonical columns); the message names them."""


class LanguageError(CartliftError, KeyError):
    """A string or markdown key missing from a language file."""

    def __str__(self) -> str:  # KeyError repr()s its message; show it as written
        return str(self.args[0])


class ReportError(CartliftError, RuntimeError):
    """A report notebook failed; nothing was published for that run.

    Attributes: ``notebook`` (stem), ``cell_index`` (0-based index in the source notebook, or
    None), ``execution_count``, ``ename``, ``evalue`` and ``failed_html`` (the failure page, code
    shown), each None when unknown, for the first failed notebook in page order; ``failures``
    lists ``{"notebook", "cell_index", "ename", "evalue", "failed_html", "message"}`` of every
    failed notebook.
    """

    def __init__(
        self,
        message: str,
        *,
        notebook: str | None = None,
        cell_index: int | None = None,
        execution_count: int | None = None,
        ename: str | None = None,
        evalue: str | None = None,
        failed_html: Path | None = None,
        failures: list[dict[str, Any]] | None = None,
    ):
        super().__init__(message)
        self.notebook = notebook
        self.cell_index = cell_index
        self.execution_count = execution_count
        self.ename = ename
        self.evalue = evalue
        self.failed_html = failed_html
        self.failures = failures or []


class OutputError(CartliftError, OSError):
    """An output file or folder could not be written (disk full, permission denied, read-only
    disk, ...): the message names the path, the cause in words and how to fix it, and nothing
    half-written is left (:mod:`analysis.files`). ``path`` is the path named; ``errno`` the
    system's error number (None when unknown); the system's own error is ``__cause__``."""

    def __init__(self, message: str, path: Path | str | None = None, errno: int | None = None):
        super().__init__(message)
        self.path = path
        self.errno = errno  # set after init: OSError's own text would replace the message

    def __reduce__(self) -> tuple[Any, ...]:  # pickled across worker processes whole
        return (type(self), (self.args[0], self.path, self.errno))


class NotebookTimeout(CartliftError):
    """The per-notebook (job-level) timeout of :func:`run_report` was reached."""


class FormulaError(CartliftError, ValueError):
    """A model formula that cannot be read (``cl.glm``): the message names the unknown column,
    function or the term that does not parse, and lists the columns of the cells. ``term`` is
    that term (None when the formula as a whole is malformed); the patsy error is ``__cause__``."""

    def __init__(self, message: str, *, term: str | None = None):
        super().__init__(message)
        self.term = term


class ParameterError(CartliftError, ValueError):
    """A report parameter that no notebook of the run declares, or of the wrong type, or a
    ``cartlift report`` flag value in the wrong form: the message names the parameter, the
    value and the expected form. ``parameter`` is its name."""

    def __init__(self, message: str, *, parameter: str | None = None):
        super().__init__(message)
        self.parameter = parameter


class DesignError(CartliftError, ValueError):
    """An experiment design that cannot answer at the chosen level (too few assignments for the
    smallest randomisation p-value, too few LIVEs per arm, a carry-over buffer that leaves no LIVE
    counted) or a plan without what it needs: the message gives the reason and what to change
    (more LIVEs, fewer and larger blocks, a smaller buffer, a lower level).
    ``cartlift plan`` exits with code 2."""


class EventsError(CartliftError, ValueError):
    """An events table (the minutes an analyst noted in a LIVE, ``docs/data-formats.md``) that
    cannot be used: the message names the file, each bad row and column, the value and the fix.
    ``problems`` has one row per problem: file, row, column, value, reason."""

    def __init__(self, message: str, *, problems: pd.DataFrame | None = None):
        super().__init__(message)
        self.problems = problems


class BrowserNotFound(CartliftError, FileNotFoundError):
    """No Chromium to print the report with (``cartlift report --pdf``,
    :mod:`analysis.report.pdf`): the message names where it looked and how to install Chromium
    or give its path (``--chromium PATH`` or the environment variable ``CARTLIFT_CHROMIUM``)."""
