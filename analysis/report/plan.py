"""The plan of a report run: which notebooks, which week, what parameters each notebook gets.

:func:`plan_report` checks everything a run needs before anything is written: the options, the
notebooks (each has a cell tagged ``parameters`` declaring ``data``; papermill's inspection), the
extra parameters (declared by every notebook they go to), the data (loaded once) and the week
(``latest`` resolved on the data, :mod:`analysis.weeks`).

A report notebook declares its parameters in one cell tagged ``parameters`` (plain literals
whose defaults point at the embedded sample)::

    data: str = "data/sample"  # canonical file or folder, relative to the project root
    week: str = "latest"  # ISO week, e.g. "2026-W47"; "latest" = last complete week
    tz: str = "Europe/Paris"  # shop time zone
    lang: str = "en"  # report language: en, fr (a file in analysis/present/locales/strings/)
    min_viewers: int = 10  # shared tables show counts below this as "< k"
    shop: str = ""  # shop file applied to the data ("" = the data folder's shop.toml, if any)
    creators: str = "shown"  # creator handles: "shown" or "pseudonymised"

It must declare ``data``; the other :data:`STANDARD_PARAMETERS` are passed only when declared.
When a shop file is named (``--shop``, ``shop=``) every notebook must declare ``shop`` and pass it
to ``cl.load(data, tz=tz, shop=shop or None)``: a page reading the data without it would disagree
with the others. A ``shop.toml`` in the data folder needs no parameter (``cl.load`` finds it).
Likewise with ``creators="pseudonymised"`` every notebook must declare ``creators`` and read with
``cl.read_once(data, ..., creators=creators)``; the extra parameters ``creator`` and
``interventions`` are then passed with pseudonyms (:mod:`analysis.present.privacy`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import papermill as pm  # type: ignore[import-untyped]

from analysis.errors import ParameterError
from analysis.paths import resolve_data
from analysis.present import i18n
from analysis.present.privacy import (
    CREATOR_MODES,
    creator_key,
    creator_name,
    pseudonymise_interventions,
)
from analysis.report.cache import Cached, cached_window, remember
from analysis.report.options import check_workers, report_defaults
from analysis.sources.events_table import FILE_NAME as EVENTS_FILE_NAME
from analysis.sources.load import check_unreadable, read, warn_rejected
from analysis.sources.quality import source_summary
from analysis.vocabulary import SUB_HOUR_GRAINS, check_argument
from analysis.weeks import Week, parse_week, resolve_week

__all__ = [
    "EXPERIMENT_NOTEBOOK",
    "MOMENTS_NOTEBOOK",
    "FOCUS_PARAMETERS",
    "REPORT_NOTEBOOKS",
    "STANDARD_PARAMETERS",
    "Plan",
    "notebook_parameters",
    "notebook_stem",
    "papermill_path",
    "plan_report",
]

#: notebooks (stems under ``analysis.paths.NOTEBOOKS_DIR``) of the weekly report, in page order
REPORT_NOTEBOOKS: tuple[str, ...] = (
    "weekly_report", "00_data_quality", "01_live_vs_nonlive", "02_hour_of_day", "03_audience",
    "04_regression", "05_dynamics",
)  # fmt: skip
#: the experiment page: joins the run when a schedule is given (``cartlift report --schedule``),
#: which it receives as its ``schedule`` parameter; not run otherwise
EXPERIMENT_NOTEBOOK = "06_experiment"
#: the moments page: joins a default run when the data hold LIVE minutes (grain ``minute`` or
#: ``interval``) and the data folder its events table (``events.csv``); not run otherwise
#: (``--notebook 07_live_moments`` runs it, and it says what is missing)
MOMENTS_NOTEBOOK = "07_live_moments"
#: parameters :func:`analysis.report.run.run_report` passes to every notebook that declares them
STANDARD_PARAMETERS: tuple[str, ...] = ("data", "week", "tz", "lang", "min_viewers", "shop",
                                         "creators")  # fmt: skip

#: extra parameters passed only to the notebooks that declare them (``cartlift report
#: --intervention`` / ``--creator``): the declared changes (weekly_report) and the creator in focus
#: with the first day of her change (05_dynamics); at least one notebook of the run must declare each
FOCUS_PARAMETERS: tuple[str, ...] = ("interventions", "creator", "intervention_date")


@dataclass(frozen=True)
class Plan:
    """A checked report run, ready to execute (see :func:`plan_report`)."""

    names: tuple[str, ...]  # notebook stems, page order
    sources: dict[str, Path]  # stem -> notebook file
    parameters: dict[str, dict[str, Any]]  # stem -> what papermill passes it
    run_parameters: dict[str, Any]  # the standard parameters, then the extras
    extras: dict[str, Any]  # the extra parameters given
    cells: pd.DataFrame  # the data (from the cache: the longest page window's cells)
    week: Week  # the resolved week
    workers: int  # notebook processes at once
    inputs: pd.DataFrame | None = None  # source_summary of the read: rows reconcile?


def papermill_path(path: str | Path) -> str:
    """A path for papermill, which ``str.format``s input and output paths with the parameters:
    braces are doubled so a folder name with ``{`` or ``}`` stays as it is."""
    return str(path).replace("{", "{{").replace("}", "}}")


def notebook_parameters(path: str | Path) -> dict[str, dict[str, Any]]:
    """Parameters declared in the ``parameters``-tagged cell of a notebook.

    Returns papermill's inspection, ``{name: {name, inferred_type_name, default, help}}``.

    Raises
    ------
    ValueError
        When the notebook has no cell tagged ``parameters``.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise ValueError(
            f"{path.name}: no cell tagged 'parameters'; tag the cell that assigns "
            f"{', '.join(STANDARD_PARAMETERS)} (JupyterLab: property inspector -> Add Tag)"
        )
    return pm.inspect_notebook(papermill_path(path))


def plan_report(
    *,
    data: str | Path,
    week: str,
    tz: str | None,
    lang: str,
    min_viewers: int | None,
    notebooks: str | Iterable[str] | None,
    parameters: Mapping[str, Any] | None,
    workers: int | None,
    notebooks_dir: Path,
    shop: str | Path | None = None,
    skip_unreadable: bool = False,
    creators: str = "shown",
    schedule: str | Path | None = None,
) -> Plan:
    """Check a run's arguments (see :func:`analysis.report.run.run_report`) and plan it.

    Returns
    -------
    Plan
        The notebooks and their files, the parameters each gets (the standard ones it declares,
        then the extras), the data, the resolved week and the number of workers.

    Raises
    ------
    FileNotFoundError
        A notebook or the data does not exist.
    ValueError
        No notebook or one twice; a malformed week or a week without data; an unknown
        language; a bad ``min_viewers`` or ``workers``; an extra parameter that is standard;
        a notebook without a ``parameters`` cell or ``data``, or without ``shop`` when a shop
        file is named; an unusable shop file (``tz`` and
        ``min_viewers`` None take the shop file's values, :func:`report_defaults`).
    analysis.errors.ParameterError
        An extra parameter not declared by a notebook it goes to (a :data:`FOCUS_PARAMETERS`
        declared by no notebook of the run), or not of its declared type (also a ``ValueError``).
    """
    names = (notebooks,) if isinstance(notebooks, str) else tuple(notebooks or REPORT_NOTEBOOKS)
    names = tuple(notebook_stem(str(n), notebooks_dir) for n in names)
    names = names if schedule is None else _with_experiment(names, schedule)
    if not names:
        raise ValueError("no notebook to run: pass notebooks=[...] or leave the default")
    if len(set(names)) != len(names):
        raise ValueError(f"notebooks {list(names)} lists a notebook twice")
    if week != "latest":
        parse_week(week)  # fail on a malformed week before any work
    i18n.check_lang(lang)
    check_argument("creators", CREATOR_MODES, creators)
    defaults = report_defaults(data, shop=shop, tz=tz, min_viewers=min_viewers)
    tz, min_viewers = defaults.tz, defaults.min_viewers
    n_workers = check_workers(workers, len(names))
    extras = _extras(parameters)
    declared = {name: _declared(name, notebooks_dir, extras) for name in names}
    _check_focus(declared, extras)
    if defaults.shop_given:
        _check_declared(declared, "shop")
    if creators != "shown":
        _check_declared(declared, "creators")
        extras = _pseudonymised_extras(extras, data)
    kernel_shop = str(defaults.shop) if defaults.shop is not None else None  # as pages read
    every, found, inputs = _read(data, tz=tz, shop=shop, skip=skip_unreadable, kept=kernel_shop)
    names, cells = _with_moments(names, every, default=notebooks is None, data=data)
    declared |= {n: _declared(n, notebooks_dir, extras) for n in names if n not in declared}
    n_workers = check_workers(workers, len(names))
    wk = resolve_week(cells, week)
    cells = cells if found is None else found.window(wk, fine=len(cells) < len(every))
    standard = {"data": str(data), "week": wk.iso, "tz": tz, "lang": lang,
                "min_viewers": min_viewers, "creators": creators}  # fmt: skip
    if defaults.shop is not None:
        standard["shop"] = str(defaults.shop)
    standard |= {} if schedule is None else {"schedule": str(Path(schedule).resolve())}  # 06 only
    if skip_unreadable:  # only to notebooks that declare it (cl.load(..., skip_unreadable=...))
        standard["skip_unreadable"] = True
    passed = {
        name: {k: v for k, v in {**standard, **extras}.items()
               if k in declared[name] or (k in extras and k not in FOCUS_PARAMETERS)}
        for name in names
    }  # fmt: skip
    sources = {name: notebooks_dir / f"{name}.ipynb" for name in names}
    return Plan(names, sources, passed, {**standard, **extras}, extras, cells, wk, n_workers,
                inputs)  # fmt: skip


def _extras(parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """The extra notebook parameters, refused when one is set by ``run_report``'s arguments."""
    extras = dict(parameters or {})
    reserved = sorted(set(extras) & set(STANDARD_PARAMETERS))
    if reserved:
        raise ValueError(
            f"parameters {reserved} are set by run_report's own arguments "
            f"({', '.join(f'{p}=' for p in STANDARD_PARAMETERS)}); remove them from parameters="
        )
    return extras


def _read(
    data: str | Path, *, tz: str | None, shop: Any, skip: bool, kept: str | None
) -> tuple[pd.DataFrame, Cached | None, pd.DataFrame]:
    """The data as :func:`analysis.sources.load.load` reads it, keeping what the read did: an
    unreadable file stops the plan (unless skipped), rejected rows are warned about. From the
    cache when it holds these files (``kept``: the shop file as the pages name it), without
    reading every cell; else from the files, then cached for the kernels. Returns the cells (from
    the cache: the cells per day, ``days`` of :func:`analysis.report.cache.cached_window`), the
    :class:`~analysis.report.cache.Cached` (None: read from the files) and the read's
    :func:`analysis.sources.quality.source_summary` (derived cells counted on every cell)."""
    found = cached_window(data, tz=tz, shop=kept)
    if found is None:
        remember(loaded := read(data, tz=tz, shop=shop), data=data, tz=tz, shop=kept)
    loaded = found.loaded if found is not None else loaded
    check_unreadable(loaded, skip=skip)
    warn_rejected(loaded, stacklevel=4)
    if found is None:
        return loaded.cells, None, source_summary(loaded)
    return found.days, found, source_summary(loaded, derived=found.derived)


def _with_moments(
    names: tuple[str, ...], cells: pd.DataFrame, *, default: bool, data: str | Path
) -> tuple[tuple[str, ...], pd.DataFrame]:
    """``names`` with :data:`MOMENTS_NOTEBOOK` last when the run is the ``default`` one, ``cells``
    hold LIVE cells finer than an hour and the ``data`` folder its events table (its inputs, as
    a schedule is 06's); and the cells the index and the week resolution read: without those
    (the pages leave them out too), unless there is nothing else."""
    fine = cells["grain"].isin(SUB_HOUR_GRAINS).fillna(False).to_numpy(bool)
    if not (fine & (cells["channel"] == "LIVE").fillna(False).to_numpy(bool)).any():
        return names, cells
    noted = (resolve_data(data) / EVENTS_FILE_NAME).is_file()
    if default and noted and MOMENTS_NOTEBOOK not in names:
        names = (*names, MOMENTS_NOTEBOOK)
    return names, cells.loc[~fine] if (~fine).any() else cells


def _with_experiment(names: tuple[str, ...], schedule: str | Path) -> tuple[str, ...]:
    """``names`` with :data:`EXPERIMENT_NOTEBOOK` last (once), after checking ``schedule`` is a
    file (``FileNotFoundError`` naming it, before anything runs)."""
    if not Path(schedule).is_file():
        raise FileNotFoundError(
            f"--schedule {schedule}: no such file; give the schedule.csv `cartlift plan` wrote"
        )
    return names if EXPERIMENT_NOTEBOOK in names else (*names, EXPERIMENT_NOTEBOOK)


def notebook_stem(name: str, notebooks_dir: Path) -> str:
    """The stem of notebook ``name`` if it lies in ``notebooks_dir``, else ``ValueError``.

    ``name`` is a stem (``02_hour_of_day``), a file name (``02_hour_of_day.ipynb``) or a path;
    its file, symlinks resolved (:meth:`pathlib.Path.resolve`), must be directly in
    ``notebooks_dir``: a report never runs a notebook from elsewhere, and a page's file name,
    made from the stem, never leaves the report folder. Pure :mod:`pathlib` (Windows, macOS).

    Raises
    ------
    ValueError
        ``name`` is empty, ``.``/``..``, or its file is outside ``notebooks_dir`` (the message
        names the path, the allowed folder and the notebooks there).
    """
    folder = Path(notebooks_dir).resolve()
    given = Path(name)
    stem = given.name.removesuffix(".ipynb")
    plain = str(given) == given.name and not given.is_absolute()
    ok = stem not in ("", ".", "..")
    src = (
        given
        if not ok
        else folder / f"{stem}.ipynb"
        if plain
        else given.with_name(f"{stem}.ipynb")
    )
    if ok and src.resolve().parent == folder:
        return stem
    available = sorted(p.stem for p in folder.glob("*.ipynb"))
    raise ValueError(
        f"notebook {name!r} ({src.resolve()}) is outside the notebooks folder {folder}: "
        "reports run only the notebooks of that folder. Pass the name of one of them "
        f"(--notebook NAME, one of {available or 'none'}), or copy your notebook into {folder}"
    )


def _pseudonymised_extras(extras: Mapping[str, Any], data: str | Path) -> dict[str, Any]:
    """``extras`` with the creators of ``creator`` and ``interventions`` named by their
    pseudonyms (:func:`analysis.present.privacy.creator_name`; the key created if absent)."""
    out = dict(extras)
    creator_key(data)
    if isinstance(out.get("creator"), str):
        out["creator"] = creator_name(out["creator"], creators="pseudonymised", data=data)
    if isinstance(out.get("interventions"), str):
        out["interventions"] = pseudonymise_interventions(
            out["interventions"], creators="pseudonymised", data=data
        )
    return out


def _check_declared(declared: Mapping[str, Collection[str]], parameter: str) -> None:
    """A named shop file (``shop``) or pseudonymised creators (``creators``) reach every
    notebook: each must declare the parameter."""
    missing = sorted(name for name, params in declared.items() if parameter not in params)
    if missing and parameter == "creators":
        raise ValueError(
            f"notebook(s) {missing} do not declare the parameter 'creators': they would show "
            'creator handles. Add `creators: str = "shown"` to their parameters cell and read '
            "with cl.read_once(data, tz=tz, shop=shop, creators=creators)"
        )
    if missing:
        raise ValueError(
            f"notebook(s) {missing} do not declare the parameter 'shop': they would read the "
            'data without the shop file. Add `shop: str = ""` to their parameters cell and read '
            "with cl.load(data, tz=tz, shop=shop or None), or put the file in the data folder "
            "as shop.toml"
        )


def _declared(name: str, notebooks_dir: Path, extras: Mapping[str, Any]) -> dict[str, str]:
    """The parameters notebook ``name`` declares (name -> papermill's inferred type name),
    checked: it exists, declares ``data`` and every extra parameter (the
    :data:`FOCUS_PARAMETERS` only when it declares them), each of its declared type."""
    src = notebooks_dir / f"{name}.ipynb"
    if not src.is_file():
        available = sorted(p.stem for p in notebooks_dir.glob("*.ipynb"))
        raise FileNotFoundError(
            f"notebook {name!r} not found: no {src}; available: {available or 'none'}"
        )
    declared = {k: v.get("inferred_type_name") or "None"
                for k, v in notebook_parameters(src).items()}  # fmt: skip
    if "data" not in declared:
        raise ValueError(
            f"notebook {name!r} does not declare the parameter 'data' in its parameters "
            f"cell (declares {sorted(declared)}); a report page must read the data "
            "it is fingerprinted with"
        )
    unknown = sorted(set(extras) - set(declared) - set(FOCUS_PARAMETERS))
    if unknown:
        raise ParameterError(
            f"unknown parameter(s) {unknown} for notebook {name!r}: its parameters cell "
            f"declares {sorted(declared)} (papermill would only warn and ignore them)",
            parameter=unknown[0],
        )
    for key in sorted(set(extras) & set(declared)):
        _check_type(name, key, declared[key], extras[key])
    return declared


def _check_type(name: str, key: str, declared: str, value: Any) -> None:
    """``ParameterError`` when ``value`` is not of the type notebook ``name`` declares for
    ``key`` (``int``, ``float``, ``str`` or ``bool`` annotations; an int is a float)."""
    kinds = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}
    if declared not in kinds:
        return
    ok = isinstance(value, kinds[declared]) and (declared == "bool" or not isinstance(value, bool))
    if not ok:
        raise ParameterError(
            f"parameter {key!r} of notebook {name!r} is declared {declared}, got {value!r} "
            f"({type(value).__name__}): pass {'an' if declared == 'int' else 'a'} {declared}",
            parameter=key,
        )


def _check_focus(declared: Mapping[str, Mapping[str, str]], extras: Mapping[str, Any]) -> None:
    """Each of the :data:`FOCUS_PARAMETERS` given is declared by some notebook of the run."""
    for key in (k for k in FOCUS_PARAMETERS if k in extras):
        if not any(key in params for params in declared.values()):
            raise ParameterError(
                f"parameter {key!r} is declared by no notebook of this run ({sorted(declared)}): "
                "run weekly_report (interventions) or 05_dynamics (creator, intervention_date)",
                parameter=key,
            )
