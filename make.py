#!/usr/bin/env python3
"""cartlift's two commands, runnable on a fresh machine with nothing but Python >= 3.11.

    python3 make.py report [--week latest|YYYY-Www] [--data PATH] [--lang ...]
    python3 make.py test   [extra pytest arguments]
    python3 make.py lab    (JupyterLab on notebooks/, from the same environment)

Each creates the project virtual environment ``.venv`` when it is missing (or when
``requirements/lock.txt`` or ``pyproject.toml`` changed since it was built), installs the pinned
dependencies from ``requirements/lock.txt`` and the kit itself, then does its job. Only the
standard library is used here.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements" / "lock.txt"
STAMP = VENV / ".cartlift-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _fingerprint() -> str:
    h = hashlib.sha256()
    for f in (LOCK, ROOT / "pyproject.toml"):
        h.update(f.read_bytes())
    return h.hexdigest()


def _run(*cmd: str | Path) -> None:
    env = dict(os.environ, JUPYTER_PREFER_ENV_PATH="1", PYTHONHASHSEED="0")
    env.pop("MPLBACKEND", None)  # kernels must keep the inline backend, or figures vanish
    # test workers and notebook kernels share the cores: one BLAS thread each (small models)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)
    print("+", " ".join(str(c) for c in cmd), flush=True)
    code = subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)
    if code:
        sys.exit(code)


def ensure_env() -> None:
    """Create ``.venv`` and install the locked dependencies, unless already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 (make.py must explain itself on old Pythons)
        sys.exit(f"cartlift needs Python >= 3.11 (this is {sys.version.split()[0]})")
    want = _fingerprint()
    if STAMP.exists() and STAMP.read_text().strip() == want:
        return
    if not (BIN / "python").exists():
        print(f"creating the virtual environment {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    py = BIN / "python"
    _run(py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", LOCK)
    _run(py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", "-e", ".")  # fmt: skip
    STAMP.write_text(want + "\n")


def report(args: list[str]) -> None:
    """Weekly report on the embedded sample (or ``--data``); prints the index.html path."""
    ensure_env()
    _run(BIN / "cartlift", "report", *(args or ["--week", "latest"]))


def test(args: list[str]) -> None:
    """Lint, unit and notebook tests: what CI runs."""
    ensure_env()
    _run(BIN / "ruff", "check", ".")
    _run(BIN / "ruff", "format", "--check", ".")
    _run(BIN / "python", "-m", "pytest", "-n", "2", "tests", *args)
    _run(BIN / "python", "-m", "pytest", "-n", "2", "--dist", "loadscope", "--nbval-lax",
         "--nbval-current-env", "-p", "no:cacheprovider", "notebooks")  # fmt: skip


def lab(args: list[str]) -> None:
    """JupyterLab on the notebooks, from the project environment."""
    ensure_env()
    _run(BIN / "jupyter", "lab", "notebooks", *args)


def main() -> None:
    commands = {"report": report, "test": test, "lab": lab}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
