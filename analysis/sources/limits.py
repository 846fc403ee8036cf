"""Reading limits: how big a file, a row count, a cell or a nesting may be before reading stops.

A hostile or broken file (a zip bomb saved as ``.xlsx``, a shared-string table of gigabytes, a
10 MB cell, JSON nested thousands deep) must fail early with a message naming the limit, not
take the machine's memory. Every reader checks the limits by counting bytes, rows and
characters as it goes; the first limit passed raises :class:`~analysis.errors.LimitError`
(:func:`exceeded` writes its message).

The limits are a frozen :class:`Limits`; the ones in force come from, in order: the ``limits=``
argument of a reader, else the environment variable ``CARTLIFT_LIMITS`` (``name=value`` pairs
separated by commas, e.g. ``max_rows=50000000,max_cell_chars=100000``; what ``cartlift ...
--limit NAME=VALUE`` sets, so report kernels inherit it on every OS), else the defaults below.
Documented in ``docs/data-formats.md``, "Reading limits".
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass

from analysis.errors import LimitError

__all__ = ["ENV", "Limits", "add_flag", "apply_flags", "current", "exceeded", "flag", "parse"]

#: the environment variable holding limits that differ from the defaults
ENV = "CARTLIFT_LIMITS"


@dataclass(frozen=True)
class Limits:
    """The reading limits (defaults chosen well above any real export; see the docs page).

    Attributes
    ----------
    max_compression_ratio
        Largest uncompressed / compressed size of a zip member of an xlsx file (real exports
        compress their XML 5-30 times; zip bombs thousands of times).
    max_uncompressed_bytes
        Largest total uncompressed size of the members of an xlsx file that are read.
    max_shared_strings_bytes
        Largest uncompressed size of an xlsx file's shared-string table (held in memory, about
        3 times its size).
    max_part_bytes
        Largest uncompressed size of any other xlsx part read whole (workbook, styles, theme,
        relationships, chart sheets; worksheets are streamed and not bound by it).
    max_rows
        Most data rows read from one file (CSV line records, xlsx rows, JSON records).
    max_cells
        Most cells of one xlsx sheet's table: its rows x its columns, empty cells included (the
        reader holds the table as a grid).
    max_cell_chars
        Longest text of one cell, in characters (Excel's own cell limit is 32,767).
    max_json_depth
        Deepest nesting of arrays and objects in a JSON file.
    """

    max_compression_ratio: float = 200.0
    max_uncompressed_bytes: int = 4 * 1024**3
    max_shared_strings_bytes: int = 256 * 1024**2
    max_part_bytes: int = 64 * 1024**2
    max_rows: int = 50_000_000
    max_cells: int = 20_000_000
    max_cell_chars: int = 32_767
    max_json_depth: int = 64


def parse(text: str) -> Limits:
    """A :class:`Limits` from ``name=value`` pairs separated by commas (``""`` gives the
    defaults); ``ValueError`` naming an unknown limit or a value that is not a positive number."""
    fields = {f.name: f.type for f in dataclasses.fields(Limits)}
    values: dict[str, float | int] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = pair.partition("=")
        name = name.strip()
        if name not in fields:
            raise ValueError(f"unknown reading limit {name!r}; the limits are {', '.join(fields)}")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not number > 0:
            raise ValueError(f"reading limit {name}={value.strip()!r}: give a positive number")
        values[name] = number if fields[name] == "float" else int(number)
    return Limits(**values)  # type: ignore[arg-type]


def current(limits: Limits | None = None) -> Limits:
    """``limits`` when given, else those of ``CARTLIFT_LIMITS`` (see the module), else the
    defaults."""
    if limits is not None:
        return limits
    return parse(os.environ.get(ENV, ""))


def exceeded(file: str, limit: str, found: object, limits: Limits, where: str = "") -> LimitError:
    """The :class:`LimitError` for ``file`` passing ``limit`` (a :class:`Limits` field) with
    ``found``; ``where`` locates it (``"row 12, column 'title'"``). The message says how to raise
    the limit when the file is genuine."""
    allowed = getattr(limits, limit)
    place = f" ({where})" if where else ""
    return LimitError(
        f"{file}: {found} is over the reading limit {limit} = {allowed}{place}; the file may be "
        f"damaged or hostile. If it is a genuine export, raise the limit: `cartlift ... --limit "
        f'{limit}=<value>` or the environment variable {ENV}="{limit}=<value>"',
        limit=limit,
    )


def flag(text: str) -> str:
    """The ``argparse`` type of ``--limit NAME=VALUE``: ``text`` when :func:`parse` accepts it,
    else ``argparse.ArgumentTypeError`` with :func:`parse`'s sentence."""
    try:
        parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text.strip()


def add_flag(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the repeatable ``--limit NAME=VALUE`` option (:func:`apply_flags` applies it);
    returns ``parser``."""
    parser.add_argument("--limit", action="append", type=flag, default=None,
                        metavar="NAME=VALUE", dest="limits",
                        help="change a reading limit for this run, e.g. max_rows=100000000 "
                        "(repeatable; docs/data-formats.md, 'Reading limits')")  # fmt: skip
    return parser


def apply_flags(values: list[str] | None) -> None:
    """Append the ``--limit`` values to ``CARTLIFT_LIMITS`` of this process (a later pair wins),
    so every reader here and every process it starts (report kernels) reads with them."""
    if values:
        os.environ[ENV] = ",".join(filter(None, [os.environ.get(ENV, ""), *values]))
