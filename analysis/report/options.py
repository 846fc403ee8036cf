"""The options of a report run: defaults, bounds, checks, and the ``cartlift report`` flags.

Light on purpose (no papermill, no nbconvert): :mod:`analysis.cli` imports it to build its
parser, and :mod:`analysis.report.plan` checks a run's options with it before anything runs.
"""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from analysis import paths
from analysis.errors import ParameterError
from analysis.present import i18n
from analysis.present.headline import MIN_VIEWERS
from analysis.present.privacy import CREATOR_MODES
from analysis.report.publish import add_wait_argument
from analysis.sources.limits import add_flag
from analysis.sources.load import input_files
from analysis.sources.shop_file import read_shop, split_shop

__all__ = [
    "DEFAULT_MIN_VIEWERS",
    "DEFAULT_NOTEBOOK_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "MAX_WORKERS",
    "ReportDefaults",
    "add_focus_arguments",
    "add_output_arguments",
    "add_report_arguments",
    "add_schedule_argument",
    "check_min_viewers",
    "check_workers",
    "focus_parameters",
    "parse_intervention",
    "report_defaults",
]

#: small-cell threshold k of shared output (counts below it are shown as "< k")
DEFAULT_MIN_VIEWERS = MIN_VIEWERS
#: upper bound of parallel notebook processes (each holds a kernel and its data in memory)
MAX_WORKERS = 8
#: per-cell timeout of a notebook, seconds (papermill ``execution_timeout``)
DEFAULT_TIMEOUT = 600
#: per-notebook timeout, seconds (the whole job: kernel start, cells, export)
DEFAULT_NOTEBOOK_TIMEOUT = 1800.0
#: an ISO 8601 calendar date as written on the command line
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_workers(workers: int | None, jobs: int) -> int:
    """The number of notebook processes to run at once for ``jobs`` notebooks.

    Parameters
    ----------
    workers : int or None
        Asked for; None = ``min(os.cpu_count(), jobs, MAX_WORKERS)``.
    jobs : int
        Notebooks to run (never more workers than notebooks).

    Returns
    -------
    int
        ``min(workers, jobs)``.

    Raises
    ------
    ValueError
        ``workers`` is not a positive integer, or above :data:`MAX_WORKERS`.
    """
    if workers is None:
        return max(1, min(os.cpu_count() or 1, jobs, MAX_WORKERS))
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer or None, got {workers!r}")
    if workers > MAX_WORKERS:
        raise ValueError(
            f"workers={workers} is above the bound MAX_WORKERS={MAX_WORKERS}: each worker holds "
            "a kernel and the data in memory"
        )
    return min(workers, jobs)


def check_min_viewers(min_viewers: int) -> int:
    """``min_viewers`` if it is a positive integer, else ``ValueError``."""
    if isinstance(min_viewers, bool) or not isinstance(min_viewers, int) or min_viewers < 1:
        raise ValueError(f"min_viewers must be a positive integer, got {min_viewers!r}")
    return min_viewers


@dataclass(frozen=True)
class ReportDefaults:
    """The time zone, privacy threshold and shop file of a report run (:func:`report_defaults`)."""

    tz: str
    min_viewers: int
    shop: Path | None  # the shop file applied (given, or the data folder's shop.toml)
    shop_given: bool  # named by --shop / shop= (notebooks must then declare ``shop``)


def report_defaults(
    data: str | Path, *, shop: str | Path | None, tz: str | None, min_viewers: int | None
) -> ReportDefaults:
    """Fill a report's ``tz`` and ``min_viewers``: the argument given, else the shop file's
    ``timezone`` / ``privacy_threshold`` (``docs/shop-file.md``), else the kit's defaults
    (:data:`analysis.paths.SAMPLE_TZ`, :data:`DEFAULT_MIN_VIEWERS`).

    Parameters
    ----------
    data : str or Path
        The report's data (its folder's ``shop.toml`` is the shop file when ``shop`` is None).
    shop : str or Path, optional
        A shop file named by ``--shop`` / ``shop=``.
    tz, min_viewers : optional
        The arguments given (None: not given).

    Raises
    ------
    FileNotFoundError, analysis.errors.ShopFileError
        The data or the shop file does not exist; the shop file is unusable; two shop files.
    """
    _, path = split_shop(input_files(data), shop)
    book = read_shop(path) if path is not None else None
    if tz is None:
        tz = (book.timezone if book else None) or paths.SAMPLE_TZ
    if min_viewers is None:
        min_viewers = (book.privacy_threshold if book else None) or DEFAULT_MIN_VIEWERS
    return ReportDefaults(tz, check_min_viewers(min_viewers), path, shop is not None)


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``cartlift report`` options to an ``argparse`` parser (``--help`` lists them)."""
    parser.add_argument(
        "--data",
        default=str(paths.SAMPLE_DIR.relative_to(paths.PROJECT_ROOT)),
        help="canonical file or folder (default: the embedded sample)",
    )
    parser.add_argument("--week", default="latest", help="ISO week YYYY-Www, or 'latest'")
    parser.add_argument("--out", default=str(paths.REPORTS_DIR), help="reports folder")
    parser.add_argument(
        "--tz",
        default=None,
        help=f"shop time zone, IANA name (default: the shop file's, else {paths.SAMPLE_TZ})",
    )
    parser.add_argument(
        "--shop",
        default=None,
        metavar="FILE",
        help="shop file applied to the data (default: shop.toml in the data folder, if any)",
    )
    parser.add_argument(
        "--lang", default="en", choices=i18n.available_languages(), help="report language"
    )
    parser.add_argument(
        "--min-viewers",
        type=int,
        default=None,
        metavar="K",
        help="shared tables show counts below K as '< K' (default: the shop file's "
        f"privacy_threshold, else {DEFAULT_MIN_VIEWERS})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"notebooks run at once (default: cores, at most {MAX_WORKERS})",
    )
    parser.add_argument(
        "--timeout", type=int, default=DEFAULT_TIMEOUT, help="per-cell timeout, seconds"
    )
    parser.add_argument(
        "--notebook-timeout",
        type=float,
        default=DEFAULT_NOTEBOOK_TIMEOUT,
        help="per-notebook timeout, seconds",
    )
    parser.add_argument(
        "--notebook",
        action="append",
        dest="notebooks",
        default=None,
        help="run only this notebook (repeatable; default: all report pages)",
    )
    add_schedule_argument(parser)
    add_focus_arguments(parser)
    add_output_arguments(parser)


def add_schedule_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--schedule FILE``: a switchback schedule (``cartlift plan``'s ``schedule.csv``) the
    experiment page reads (:data:`analysis.report.plan.EXPERIMENT_NOTEBOOK`, ``docs/experiments.md``)."""
    parser.add_argument(
        "--schedule",
        default=None,
        metavar="FILE",
        help="a switchback schedule (the schedule.csv of `cartlift plan`): the experiment page "
        "joins the report and reads it (default: none, no experiment page)",
    )


def add_focus_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--intervention CREATOR:YYYY-MM-DD`` (repeatable) and ``--creator CREATOR``, checked
    as they are parsed (:func:`parse_intervention`); :func:`focus_parameters` turns them into
    the notebooks' ``interventions``, ``creator`` and ``intervention_date``."""
    parser.add_argument(
        "--intervention",
        action="append",
        dest="interventions",
        type=_intervention_arg,
        default=None,
        metavar="CREATOR:YYYY-MM-DD",
        help='a declared change and its first day, e.g. "@ines.glow:2026-10-26" (repeatable; '
        "default: none, the sample's planted change on the sample)",
    )
    parser.add_argument(
        "--creator",
        default=None,
        metavar="CREATOR",
        help="the creator whose change the dynamics page studies; she needs an --intervention "
        "(default: the first --intervention's creator)",
    )


def parse_intervention(text: str) -> tuple[str, str]:
    """``"@ines.glow:2026-10-26"`` -> ``("@ines.glow", "2026-10-26")`` (the form of the notebook
    parameter ``interventions``, :func:`analysis.analyses.weekly.parse_interventions`).

    Raises
    ------
    analysis.errors.ParameterError
        Not ``CREATOR:YYYY-MM-DD``, a creator holding ``;`` or ``=`` (the notebook parameter's
        separators), or a date that does not exist (ISO 8601 calendar date).
    """
    who, sep, day = str(text).strip().rpartition(":")
    form = 'write it CREATOR:YYYY-MM-DD, e.g. "@ines.glow:2026-10-26"'
    if not sep or not who.strip() or set(who) & {";", "="} or not _ISO_DAY.fullmatch(day.strip()):
        raise ParameterError(f"--intervention {text!r}: {form}", parameter="intervention")
    try:
        date.fromisoformat(day.strip())
    except ValueError:
        raise ParameterError(f"--intervention {text!r}: {day.strip()!r} is not a date; {form}",
                             parameter="intervention") from None  # fmt: skip
    return who.strip(), day.strip()


def _intervention_arg(text: str) -> str:
    try:
        who, day = parse_intervention(text)
    except ParameterError as err:  # argparse shows an ArgumentTypeError's text as it is
        raise argparse.ArgumentTypeError(str(err).removeprefix("--intervention ")) from None
    return f"{who}:{day}"


def focus_parameters(interventions: list[str] | None, creator: str | None) -> dict[str, str]:
    """The notebook parameters of ``--intervention`` and ``--creator``: ``interventions``
    (``"a:YYYY-MM-DD; b:YYYY-MM-DD"``, weekly_report) and ``creator`` with
    ``intervention_date`` (05_dynamics: ``creator``'s change, else the first one given).
    Nothing given: ``{}`` (the notebooks' defaults).

    Raises
    ------
    analysis.errors.ParameterError
        A creator named by two ``--intervention``; a ``--creator`` with no ``--intervention``
        of hers (the dynamics page needs the first day of her change).
    """
    given = [parse_intervention(text) for text in interventions or []]
    days: dict[str, str] = {}
    for who, day in given:
        if who in days:
            raise ParameterError(f"--intervention names {who!r} twice ({days[who]} and {day}): "
                                 "give one first day per creator", parameter="intervention")  # fmt: skip
        days[who] = day
    if creator is not None and creator.strip() not in days:
        raise ParameterError(
            f"--creator {creator!r} has no date: add --intervention "
            f'"{creator.strip()}:YYYY-MM-DD" (the first day of her change)',
            parameter="creator",
        )
    if not given:
        return {}
    focus = creator.strip() if creator is not None else given[0][0]
    return {"interventions": "; ".join(f"{w}:{d}" for w, d in given), "creator": focus,
            "intervention_date": days[focus]}  # fmt: skip


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``cartlift report`` options on what the pages show and what happens after:
    ``--creators`` (``analysis.present.privacy``), ``--open``, ``--rerun``
    (``analysis.report.reuse``), ``--skip-unreadable``, ``--pdf`` and ``--chromium``
    (``analysis.report.pdf``)."""
    parser.add_argument(
        "--creators",
        default="shown",
        choices=CREATOR_MODES,
        help="creator handles on the pages: shown as they are, or pseudonymised (creator-3f9a1c2e, "
        "stable across weeks: keyed by .cartlift-key in the data folder, never published)",
    )
    parser.add_argument("--open", action="store_true", help="open the index in a browser")
    parser.add_argument(
        "--rerun",
        action="store_true",
        help="run every notebook again (default: a page whose notebook, parameters, data, kit "
        "and templates did not change since it was built into --out is reused)",
    )
    add_wait_argument(parser)  # --wait SECONDS: one report of a week at a time
    parser.add_argument(
        "--skip-unreadable",
        action="store_true",
        help="report on the readable files when some file cannot be read (default: exit 1 "
        "naming it); the data-quality page lists the files left out",
    )
    add_flag(parser)  # --limit NAME=VALUE (reading limits; applied by analysis.cli.main)
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also print the index and every page to PDF beside them, with Chromium (headless, "
        "nothing fetched; default: HTML only)",
    )
    parser.add_argument(
        "--chromium",
        default=None,
        metavar="PATH",
        help="the Chromium, Chrome or Edge executable --pdf prints with (default: the "
        "CARTLIFT_CHROMIUM environment variable, else chromium or google-chrome on PATH)",
    )
