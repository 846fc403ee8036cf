#!/usr/bin/env python3
"""cartlift's commands, runnable on a fresh machine with nothing but Python >= 3.11.5.

    python3 make.py report [--week latest|YYYY-Www] [--data PATH] [--lang ...]
    python3 make.py test   [extra pytest arguments]
    python3 make.py lab    (JupyterLab on notebooks/, from the same environment)
    python3 make.py lock   [extra uv arguments, e.g. --upgrade-package pandas]

Each sets up the project virtual environment ``.venv`` from hashed lock files, then does its job:

* ``requirements/base.txt``  the runtime (``report``, ``lab``);
* ``requirements/dev.txt``   the test and lint tools (``test``, ``lock``);
* ``requirements/spark.txt`` pyspark, for the Spark engine test (``test``).

``pip install --require-hashes`` installs them, then the kit itself (editable). The stamp
``.venv/.cartlift-installed`` records the SHA-256 of each lock installed and of what the install
reads in ``pyproject.toml`` (not the tool settings): a command that needs a lock not installed yet adds it; when ``pyproject.toml`` or an
installed lock changed, ``.venv`` is rebuilt from scratch (nothing stale stays behind).

``lock`` regenerates the three locks from ``pyproject.toml`` with the ``uv`` of ``.venv``
(universal: every OS, Python >= 3.11.5), keeping every pinned version that still fits; then
``python3 make.py test``. Only the standard library is used here.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQS = ROOT / "requirements"
BASE, DEV, SPARK = REQS / "base.txt", REQS / "dev.txt", REQS / "spark.txt"
STAMP = VENV / ".cartlift-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON_FLOOR = (3, 11, 5)  # soupsieve 4.1.3 (in base.txt) needs 3.11.5


def _sha256(path: Path) -> str | None:
    """SHA-256 of a lock file; of ``pyproject.toml``, only of what the install reads (tool
    settings such as ruff's or mypy's change nothing in ``.venv``)."""
    if not path.exists():
        return None
    data = path.read_bytes()
    if path.name == "pyproject.toml":
        import tomllib  # here, so that Pythons older than 3.11 reach the version message

        toml = tomllib.loads(data.decode())
        kept = {k: toml.get(k) for k in ("build-system", "project", "dependency-groups")}
        kept["setuptools"] = toml.get("tool", {}).get("setuptools")
        data = json.dumps(kept, sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()


def _source(name: str) -> Path:
    """The file a stamp entry names: ``pyproject.toml`` or a lock of ``requirements/``."""
    return ROOT / name if name == "pyproject.toml" else REQS / name


def _env() -> dict[str, str]:
    env = dict(os.environ, JUPYTER_PREFER_ENV_PATH="1", PYTHONHASHSEED="0")
    env.pop("MPLBACKEND", None)  # kernels must keep the inline backend, or figures vanish
    # test workers and notebook kernels share the cores: one BLAS thread each (small models)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)
    # bytecode of .venv and the kit written once, read by every kernel and test process after:
    # a container's PYTHONDONTWRITEBYTECODE=1 made each of them compile pandas, statsmodels ...
    # again (the installs use --no-compile)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _call(*cmd: str | Path) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env=_env())


def _run(*cmd: str | Path) -> None:
    code = _call(*cmd)
    if code:
        sys.exit(code)


def ensure_env(*locks: Path) -> None:
    """Make ``.venv`` hold the kit and ``locks`` (and the locks it already had), as pinned."""
    if sys.version_info < PYTHON_FLOOR:  # make.py must explain itself on old Pythons
        sys.exit(f"cartlift needs Python >= 3.11.5 (this is {sys.version.split()[0]})")
    try:
        have = json.loads(STAMP.read_text())
    except (OSError, ValueError):  # no stamp: new, or an install was interrupted
        have = None
    if not isinstance(have, dict) or any(_sha256(_source(k)) != v for k, v in have.items()):
        # new, unfinished, or something it was built from changed: start from an empty venv
        print(f"creating the virtual environment {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        have = {}
    names = dict.fromkeys(["pyproject.toml", *have, *(p.name for p in locks)])
    if set(names) == set(have):
        return
    # --no-compile: no bytecode for every file of every package at install time (pyspark,
    # jupyterlab, scipy ...: ~30 s); Python compiles what is imported, once, on first use
    pip = (BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
           "--no-compile")  # fmt: skip
    reqs = [a for k in names if k != "pyproject.toml" for a in ("-r", _source(k))]
    _run(*pip, "--require-hashes", *reqs)
    _run(*pip, "--no-deps", "--no-build-isolation", "-e", ".")
    STAMP.write_text(json.dumps({k: _sha256(_source(k)) for k in names}, indent=1) + "\n")


def report(args: list[str]) -> None:
    """Weekly report on the embedded sample (or ``--data``); prints the index.html path."""
    ensure_env(BASE)
    _run(BIN / "cartlift", "report", *(args or ["--week", "latest"]))


def test(args: list[str]) -> None:
    """Lint, format, types, unit tests with coverage and every notebook under nbval: what CI
    runs.

    Every step runs even when an earlier one failed (one run shows every problem); the command
    exits 1 at the end, naming the steps that failed.
    """
    ensure_env(BASE, DEV, SPARK)
    steps = {
        "ruff check": (BIN / "ruff", "check", "."),
        "ruff format": (BIN / "ruff", "format", "--check", "."),
        # the level of the type check, and how to raise it: [tool.mypy] in pyproject.toml
        "mypy": (BIN / "mypy",),
        # branch coverage of analysis/, printed; its floor is [tool.coverage.report] fail_under
        # loadfile: a worker takes the next test module (or notebook: nbval runs its cells in
        # order, in one kernel) when it has at most 2 tests left, in collection order (the
        # costly modules first, then the notebooks: tests/conftest.py), so both end together
        # and a module fixture is built once (loadgroup marks are ignored with pytest 9); one
        # run for tests and notebooks: no worker idles while the other ends a step
        "pytest": (BIN / "python", "-m", "pytest", "-n", "2", "--dist", "loadfile",
                   "--no-loadscope-reorder", "--cov=analysis", "--cov-branch",
                   "--cov-report=term", "--nbval-lax", "--nbval-current-env", "tests",
                   "notebooks", *args),
    }  # fmt: skip
    failed, took = [], []
    for name, cmd in steps.items():
        start = time.monotonic()
        if _call(*cmd):
            failed.append(name)
        took.append(f"{name} {time.monotonic() - start:.0f} s")
    print("make.py test:", ", ".join(took), flush=True)
    if failed:
        sys.exit(f"make.py test: failed steps: {', '.join(failed)}")


def lab(args: list[str]) -> None:
    """JupyterLab on the notebooks, from the project environment."""
    ensure_env(BASE)
    _run(BIN / "jupyter", "lab", "notebooks", *args)


def lock(args: list[str]) -> None:
    """Regenerate the hashed locks from ``pyproject.toml`` (dev and spark layered on base)."""
    ensure_env(BASE, DEV)
    compile_ = (
        BIN / "uv", "pip", "compile", "pyproject.toml", "--universal", "--python-version",
        ".".join(map(str, PYTHON_FLOOR)), "--generate-hashes", "--no-strip-extras", "--quiet",
        "--custom-compile-command", "python3 make.py lock", *args,
    )  # fmt: skip
    _run(*compile_, "--group", "bootstrap", "-o", BASE)
    in_base = re.findall(r"^([A-Za-z0-9][\w.-]*)(?:\[.*?\])?==", BASE.read_text(), re.M)
    skip = [a for name in in_base for a in ("--no-emit-package", name)]
    for extra, out in (("dev", DEV), ("spark", SPARK)):
        _run(*compile_, "--extra", extra, "-c", BASE.relative_to(ROOT), *skip, "-o", out)
        # uv lists every package it left out (all of base.txt): say it once instead
        text, _, _ = out.read_text().partition("# The following packages were excluded")
        out.write_text(
            text.rstrip("\n")
            + "\n\n# Installed together with requirements/base.txt, whose packages are not repeated.\n"
        )


def main() -> None:
    commands = {"report": report, "test": test, "lab": lab, "lock": lock}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
