"""Project paths: the one place that knows where things live (no cwd-relative paths anywhere)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"
SAMPLE_CELLS = SAMPLE_DIR / "cells.parquet"
SAMPLE_TRUTH = SAMPLE_DIR / "truth.json"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
REPORTS_DIR = PROJECT_ROOT / "reports"
LOCK_FILE = PROJECT_ROOT / "requirements" / "base.txt"  # the runtime lock the report runs on
#: the loaded data cached as Parquet (analysis.report.columnar); git-ignored, never published
LOADED_CACHE = PROJECT_ROOT / ".cache" / "loaded"

#: Shop time zone of the embedded sample (the simulated shop is French).
SAMPLE_TZ = "Europe/Paris"


def resolve_data(path: str | Path) -> Path:
    """Resolve a data path given by a user or a notebook parameter.

    Absolute paths are returned as they are; relative paths are taken relative to the project
    root (so ``"data/sample"`` works from JupyterLab, nbval and papermill alike, whatever the
    kernel's working directory). This is the Python API's rule; the command line makes its
    paths absolute against the caller's working directory first (:func:`analysis.cli.from_cwd`).
    """
    p = Path(path).expanduser()
    return p if p.is_absolute() else PROJECT_ROOT / p
