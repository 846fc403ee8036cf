"""``cartlift plan``: a seeded switchback schedule, its power, and the files that pre-register it.

:func:`run_plan` takes the command's arguments: the LIVEs to come (a slots CSV,
:func:`analysis.stats.switchback_slots.read_slots`, or regular slots), the two treatments, the
blocks, the minimum per arm, the carry-over buffer, the level and the seed; the shop's history
(``--data``: LIVE sizes, ICC and baseline rate estimated from it) or stated ``--baseline``,
``--icc`` and ``--viewers``. It draws the schedule
(:func:`analysis.stats.switchback.switchback_schedule`), computes the power of the exact
randomisation test the analysis will use and the smallest detectable ratio
(:func:`analysis.stats.switchback_plan.plan_switchback`), and writes into ``--out``, each file
whole or not at all (:func:`analysis.files.write_atomic`):

* ``schedule.csv``: one row per LIVE (``docs/data-formats.md``, "Switchback schedule");
* ``schedule.json``: the pre-registration: seed, kit version and commit, design, history used,
  power, and the SHA-256 of ``schedule.csv`` (an edited schedule no longer matches it);
* ``schedule.ics``: the calendar (:func:`analysis.present.calendar.schedule_ics`, RFC 5545).

A design that cannot reach the level is refused with a :class:`DesignError` (exit code 2).

Reference: Bojinov I, Simchi-Levi D, Zhao J (2023), Management Science 69(7):3759-3777;
``docs/metrics.md`` (switchback experiments).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import CellsError, DesignError, OutputError
from analysis.files import make_folder, write_atomic
from analysis.present.calendar import schedule_ics
from analysis.report.provenance import data_label, fingerprint, git_commit
from analysis.sources.load import load
from analysis.stats.switchback import switchback_schedule
from analysis.stats.switchback_files import schedule_csv_text
from analysis.stats.switchback_plan import plan_switchback
from analysis.stats.switchback_slots import read_slots, regular_slots, slot_blocks

__all__ = ["FILES", "plan_slots", "plan_treatments", "run_plan", "write_plan"]

#: the files ``cartlift plan`` writes into ``--out``
FILES = ("schedule.csv", "schedule.json", "schedule.ics")


def plan_treatments(text: str) -> tuple[str, str]:
    """``"qa,none"`` -> arms ``("none", "qa")``: the first named is the treatment, the second
    the control (:func:`switchback_schedule` takes ``(control, treatment)``)."""
    names = [t.strip() for t in text.split(",")]
    if len(names) != 2 or "" in names or names[0] == names[1]:
        raise DesignError(
            f"--treatments names two different arms, the change first: e.g. qa,none; "
            f"{text!r} was given."
        )
    return names[1], names[0]


def plan_slots(args: argparse.Namespace) -> pd.DataFrame:
    """The LIVEs to come: ``--slots FILE``, or ``--start``, ``--every``, ``--count``."""
    if args.slots and args.start:
        raise DesignError("Give the LIVEs one way: --slots FILE, or --start/--every/--count.")
    if args.slots:
        return read_slots(args.slots, tz=args.tz)
    if args.start:
        creators = [c.strip() for c in (args.creators or "").split(",") if c.strip()]
        return regular_slots(args.start, args.every, args.count, tz=args.tz, creators=creators)
    raise DesignError(
        "Say which LIVEs are to come: --slots FILE (a CSV with a start column, "
        "docs/data-formats.md) or --start, --every and --count for regular slots."
    )


def _history(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keywords of :func:`plan_switchback` for the history, and what the metadata says of it."""
    if args.data:
        try:
            cells = load(args.data, tz=args.tz)
        except (CellsError, FileNotFoundError) as err:
            raise DesignError(f"--data {Path(args.data).name}: {err}") from err
        full = fingerprint(args.data)
        return {"history": cells}, {"source": "data", "data": data_label(args.data, full),
                                    "fingerprint": full}  # fmt: skip
    stated = {"baseline": args.baseline, "icc": args.icc, "viewers": args.viewers}
    if any(v is None for v in stated.values()):
        raise DesignError(
            "The power needs the shop's history: --data FOLDER (past exports: LIVE sizes, ICC "
            "and baseline rate are estimated from them), or all of --baseline, --icc and "
            f"--viewers (missing: {', '.join('--' + k for k, v in stated.items() if v is None)})."
        )
    try:
        viewers = [float(v) for v in str(args.viewers).split(",")]
    except ValueError as err:
        raise DesignError(
            f"--viewers {args.viewers!r}: give the viewers of one LIVE (1500) or past sizes "
            "separated by commas (800,1500,2300)."
        ) from err
    return {**stated, "viewers": viewers}, {"source": "stated", **stated, "viewers": viewers}


def _plain(value: Any) -> Any:
    """A JSON value: numpy scalars as Python ones, NaN as null."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def write_plan(
    out: Path,
    schedule: pd.DataFrame,
    meta: dict[str, Any],
    *,
    minutes: int,
    stamp: datetime,
    force: bool = False,
) -> dict[str, Path]:
    """Write :data:`FILES` into ``out`` (module docstring); returns name -> path.

    An existing ``schedule.csv`` is a pre-registration: it is replaced only with ``force``
    (``FileExistsError`` otherwise, nothing written).
    """
    if (out / "schedule.csv").exists() and not force:
        raise FileExistsError(
            f"{out / 'schedule.csv'} exists: it may be a pre-registered schedule. Choose another "
            "--out, or pass --force to replace it."
        )
    folder = make_folder(out)
    csv_text = schedule_csv_text(schedule)
    meta = {**meta, "files": {"schedule.csv": {
        "sha256": hashlib.sha256(csv_text.encode("utf-8")).hexdigest()}}}  # fmt: skip
    paths = {
        "schedule.csv": write_atomic(folder / "schedule.csv", csv_text),
        "schedule.json": write_atomic(
            folder / "schedule.json", json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
        ),
    }
    ics = schedule_ics(schedule, seed=int(meta["seed"]), minutes=minutes, stamp=stamp)
    paths["schedule.ics"] = write_atomic(folder / "schedule.ics", ics)
    return paths


def _kit() -> str:
    """The kit's version (``cartlift`` package metadata)."""
    try:
        return version("cartlift")
    except PackageNotFoundError:  # run from a clone without `pip install -e .`
        return "unknown"


def _plan(args: argparse.Namespace, seed: int) -> tuple[pd.DataFrame, pd.Series, dict]:
    """The schedule (with the slots' creators and extra columns), the plan row, the metadata."""
    slots = plan_slots(args)
    arms = plan_treatments(args.treatments)
    by = args.block or ("file" if "block" in slots.columns else "none")
    design = dict(arms=arms, blocks=slot_blocks(slots, by), min_per_arm=args.min_per_arm,
                  carryover_buffer=args.buffer, level=args.level, seed=seed,
                  alternative=args.alternative)  # fmt: skip
    schedule = switchback_schedule(slots[["slot", "start"]], **design)
    history, said = _history(args)
    row = plan_switchback(slots[["slot", "start"]], effect=args.effect, reps=args.reps,
                          power_target=args.power_target, **history, **design).iloc[0]  # fmt: skip
    extra = slots.drop(columns=["start", "block"], errors="ignore")
    schedule = schedule.merge(extra, on="slot", how="left", validate="one_to_one")
    meta = {
        "kind": "cartlift switchback plan (pre-registration)", "kit_version": _kit(),
        "commit": git_commit(), "seed": seed,
        "treatments": {"treatment": arms[1], "control": arms[0]},
        "design": {"mechanism": "blocked", "block": by, "min_per_arm": args.min_per_arm,
                   "carryover_buffer": args.buffer, "level": args.level, "slots": len(slots),
                   "tz": args.tz, "alternative": args.alternative},
        "history": said,
        "power": {k: _plain(v) for k, v in row.items()},
        "analysis": "analysis.analyse_switchback(cells, analysis.read_schedule('schedule.csv'), "
        f"alternative={args.alternative!r})",
    }  # fmt: skip
    return schedule, row, meta


def _say(row: pd.Series, schedule: pd.DataFrame, seed: int, drawn: bool, paths: dict) -> None:
    """What the command prints: seed, power, smallest detectable effect, the files."""
    how = f" (drawn; pass --seed {seed} to redo this schedule)" if drawn else ""
    mde = row["mde"]
    mde_text = (f"a ratio of {mde:.3g} (+{mde - 1:.1%})" if np.isfinite(mde)
                else "above a ratio of 4 (power stays below the target up to 4x): add LIVEs or use "
                "fewer, larger blocks")  # fmt: skip
    print(f"seed {seed}{how}")
    sides = (
        "two-sided" if row["alternative"] == "two-sided" else f"one-sided ({row['alternative']})"
    )
    print(
        f"{len(schedule)} LIVEs, {int((~schedule['buffer']).sum())} counted in this draw "
        f"({row['expected_counted']:.1f} on average; the carry-over buffer is run, not counted); "
        f"{row['n_assignments']:,} possible assignments, smallest {sides} p {row['smallest_pvalue']:.3g}"
    )
    print(
        f"power {row['power']:.1%} (Monte Carlo SE {row['power_mcse']:.1%}) to detect a ratio of "
        f"{row['effect']:.3g} at the {row['level']:.0%} level, by the {row['method']}"
    )
    print(f"smallest detectable effect at {row['power_target']:.0%} power: {mde_text}")
    print(f"baseline rate {row['baseline_rate']:.3%}, ICC {row['icc']:.4f}")
    kept = ~schedule["buffer"]
    arms = (int((kept & schedule["treated"]).sum()), int((kept & ~schedule["treated"]).sum()))
    if min(arms) < int(schedule["min_per_arm"].iloc[0]):
        print(
            f"warning: this draw counts {arms[0]} treatment and {arms[1]} control LIVE(s), fewer "
            "than --min-per-arm: the buffer drops the LIVEs after each switch. Add LIVEs or use a "
            "smaller --buffer (drawing again until it looks better would bias the test)."
        )
    for path in paths.values():
        print(path)


def run_plan(args: argparse.Namespace) -> int:
    """The ``cartlift plan`` command: 0 when written, 2 when the design is refused, 1 when a
    file cannot be written or read."""
    drawn = args.seed is None
    seed = secrets.randbelow(2**31 - 1) if drawn else int(args.seed)
    try:
        schedule, row, meta = _plan(args, seed)
        meta["seed_drawn"] = drawn
        stamp = datetime.now(UTC).replace(microsecond=0)
        meta["created"] = stamp.isoformat()
        paths = write_plan(Path(args.out), schedule, meta, minutes=args.minutes, stamp=stamp,
                           force=args.force)  # fmt: skip
    except DesignError as err:
        print(f"cartlift plan: {err}", file=sys.stderr)
        return 2
    except (OutputError, FileExistsError, ValueError) as err:
        print(f"cartlift plan: {err}", file=sys.stderr)
        return 1
    _say(row, schedule, seed, drawn, paths)
    return 0
