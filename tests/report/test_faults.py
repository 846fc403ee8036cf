"""Faults leave nothing half-done: disk full, permission denied, read-only folders, killed runs
and concurrent reports of one week (analysis.files, analysis.report.publish)."""

from __future__ import annotations

import errno
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis import paths
from analysis.cells import validate_cells
from analysis.cli import main as cli_main
from analysis.errors import CartliftError, OutputError, ReportError
from analysis.files import output_error, write_atomic
from analysis.report.publish import (
    clean_leftovers,
    leftovers,
    lock_path,
    locked_staging,
    publish,
    report_lock,
    write_json,
    write_text,
)
from analysis.report.run import run_report
from analysis.sources.canonical import write_cells

WEEK = "2026-W48"
#: one LIVE and one VIDEO day cell per day of WEEK, as a canonical CSV holds them
ROWS = pd.DataFrame(
    [{"start": f"{d:%Y-%m-%d}T10:00:00+01:00", "grain": "day", "channel": c, "unit": "visitor",
      "viewers": 100, "atc": 5}
     for d in pd.date_range("2026-11-23", "2026-11-29", freq="D") for c in ("LIVE", "VIDEO")]
)  # fmt: skip
PAGES = ("index.html", "manifest.json", "a.html", "b.html")
FULL = (
    "the disk is full (or your quota on it is used up). To fix: free some space on that "
    "disk, or write to another folder (--out)."
)
DENIED = (
    "permission denied: the folder is read-only or belongs to another user, or the file is "
    "open in another program. To fix: close the file if another program has it open, ask for "
    "write access, or write to a folder of yours (--out)."
)
READ_ONLY = (
    "the disk is read-only (a read-only mount, a locked card or a write-protected drive). "
    "To fix: write to a folder on another disk (--out)."
)


def fail(code: int, exc: type[OSError] = OSError):
    """A stand-in for a system call that fails with ``code``, as the OS would."""

    def failing(*args, **kwargs):
        raise exc(code, os.strerror(code), str(args[0]) if args else None)

    return failing


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def publish_week(out: Path, text: str, week: str = WEEK, wait: float = 0) -> Path:
    """What a report does around its notebooks: lock, clean, stage every page, publish."""
    with locked_staging(out, week, wait=wait) as staging:
        for page in PAGES:
            write_text(staging / page, text)
        publish(staging, out / week)
    return out / week


def published(out: Path, week: str = WEEK) -> set[str]:
    """The texts of the week folder's pages (one text: they come from one run)."""
    assert names(out / week) == sorted(PAGES)
    return {(out / week / page).read_text(encoding="utf-8") for page in PAGES}


def no_leftovers(out: Path) -> None:
    left = [n for n in names(out) if re.match(r"\.(tmp|old)-|.*\.tmp$", n)]
    assert left == [] and leftovers(out) == {}


# --------------------------------------------------------------------------------------------
# disk full, permission denied: one clear error, no partial file, the previous file intact


@pytest.mark.parametrize(
    ("code", "exc", "words"),
    [
        (errno.ENOSPC, OSError, FULL),
        (getattr(errno, "EDQUOT", errno.ENOSPC), OSError, FULL),  # no EDQUOT on Windows
        (errno.EACCES, PermissionError, DENIED),
        (errno.EPERM, PermissionError, DENIED),
        (errno.EACCES, OSError, DENIED),
        (errno.EROFS, OSError, READ_ONLY),
    ],
)
def test_a_failed_rename_names_the_file_and_the_cause_and_leaves_no_temporary_file(
    tmp_path, monkeypatch, code, exc, words
):
    target = tmp_path / "index.html"
    target.write_text("previous report", encoding="utf-8")
    monkeypatch.setattr(os, "replace", fail(code, exc))
    with pytest.raises(OutputError) as caught:
        write_text(target, "new report")
    assert str(caught.value) == f"cannot write {target}: {words}"
    assert isinstance(caught.value, OSError) and isinstance(caught.value, CartliftError)
    assert (caught.value.errno, caught.value.path) == (code, target)
    assert isinstance(caught.value.__cause__, exc)
    assert names(tmp_path) == ["index.html"]
    assert target.read_text(encoding="utf-8") == "previous report"


def test_a_full_disk_while_writing_leaves_no_zero_byte_file(tmp_path, monkeypatch):
    target = tmp_path / "manifest.json"
    write_json(target, {"week": "previous"})

    def full(self, data):  # the file is created, then the disk is full
        self.touch()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(OutputError, match=re.escape(f"cannot write {target}: {FULL}")):
        write_json(target, {"week": "new"})
    assert names(tmp_path) == ["manifest.json"]
    assert target.read_text(encoding="utf-8") == '{\n  "week": "previous"\n}\n'


def test_an_unknown_system_error_says_what_the_system_said(tmp_path):
    err = output_error(OSError(errno.EIO, os.strerror(errno.EIO)), tmp_path / "x.csv")
    assert str(err) == (
        f"cannot write {tmp_path / 'x.csv'}: the system said: {os.strerror(errno.EIO)}. "
        "To fix: check the path and the disk, then run again."
    )
    assert output_error(err, tmp_path) is err  # already told in words: kept as it is


def test_any_error_of_the_writer_removes_its_temporary_file(tmp_path):
    with pytest.raises(TypeError):
        write_atomic(tmp_path / "x.txt", 3)  # type: ignore[arg-type]
    assert names(tmp_path) == []


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_written_cells_are_whole_or_not_at_all(tmp_path, monkeypatch, suffix):
    target = tmp_path / f"cells{suffix}"
    target.write_bytes(b"previous cells")
    monkeypatch.setattr(os, "replace", fail(errno.ENOSPC))
    with pytest.raises(OutputError, match=re.escape(f"cannot write {target}: {FULL}")):
        write_cells(validate_cells(ROWS.astype("string"), tz="Europe/Paris"), target)
    assert names(tmp_path) == [target.name] and target.read_bytes() == b"previous cells"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_simulated_exports_are_whole_or_not_at_all(tmp_path, monkeypatch, suffix):
    """``cartlift simulate --formats`` writes exports through the fixture writer: a full disk
    leaves the previous file as it was and no half export a loader could read."""
    from analysis.sources.writers.table import write_table

    target = tmp_path / f"Creator-Live-Performance{suffix}"
    target.write_bytes(b"previous export")
    monkeypatch.setattr(os, "replace", fail(errno.ENOSPC))
    with pytest.raises(OutputError, match=re.escape(f"cannot write {target}: {FULL}")):
        write_table(target, [("Sheet1", [["Room ID"], ["7549000000000000001"]])])
    assert names(tmp_path) == [target.name] and target.read_bytes() == b"previous export"


def test_cartlift_load_out_on_a_full_disk_exits_1_with_the_message(tmp_path, monkeypatch, capsys):
    data = tmp_path / "cells.csv"
    ROWS.to_csv(data, index=False)
    target = tmp_path / "out.csv"
    monkeypatch.setattr(os, "replace", fail(errno.ENOSPC))
    code = cli_main(["load", str(data), "--tz", "Europe/Paris", "--out", str(target)])
    assert code == 1
    assert f"cartlift load: cannot write {target}: {FULL}" in capsys.readouterr().err
    assert names(tmp_path) == ["cells.csv"]


def test_a_failed_publish_puts_the_previous_report_back(tmp_path, monkeypatch):
    out = tmp_path / "reports"
    publish_week(out, "previous")
    real_rename = os.rename

    def rename(src, dst):  # renaming the old report away works, the new one in does not
        if Path(src).name.startswith(".tmp-"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(src))
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OutputError) as caught:
        publish_week(out, "new")
    assert str(caught.value) == f"cannot publish the report folder {out / WEEK}: {DENIED}"
    assert published(out) == {"previous"}
    no_leftovers(out)


# --------------------------------------------------------------------------------------------
# a read-only folder (chmod 0o500; as root, where chmod stops nothing, the same failures of the
# system calls are injected for paths inside the folder)


def make_read_only(folder: Path, monkeypatch) -> None:
    folder.chmod(0o500)
    probe = folder / ".probe"
    try:
        probe.touch()
    except PermissionError:
        return  # the OS refuses writes: a real read-only folder
    probe.unlink()  # root: refuse what the OS would refuse in a read-only folder
    folder.chmod(0o700)

    def inside(path) -> bool:
        return Path(path).parent == folder

    def refuse(real, creates):
        def call(path, *args, **kwargs):
            if inside(path) and creates(path, *args):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return real(path, *args, **kwargs)

        return call

    new_file = lambda p, flags=0, *a: bool(flags & os.O_CREAT) and not Path(p).exists()  # noqa: E731
    writes = lambda p, mode="r", *a: any(c in mode for c in "wxa+") and not Path(p).exists()  # noqa: E731
    monkeypatch.setattr(os, "open", refuse(os.open, new_file))
    monkeypatch.setattr(io, "open", refuse(io.open, writes))
    monkeypatch.setattr(os, "mkdir", refuse(os.mkdir, lambda p, *a: True))

    def refuse_move(real):
        def move(src, dst):
            if inside(src) or inside(dst):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(src))
            return real(src, dst)

        return move

    monkeypatch.setattr(os, "rename", refuse_move(os.rename))
    monkeypatch.setattr(os, "replace", refuse_move(os.replace))


@pytest.mark.parametrize("locked_before", [False, True])
def test_a_read_only_reports_folder_fails_clearly_and_keeps_the_report(
    tmp_path, monkeypatch, locked_before
):
    out = tmp_path / "reports"
    publish_week(out, "previous")
    if not locked_before:
        lock_path(out, WEEK).unlink()
    make_read_only(out, monkeypatch)
    try:
        with pytest.raises(OutputError) as caught:
            publish_week(out, "new")
    finally:
        out.chmod(0o700)
    if locked_before:  # the lock file opens; the staging folder cannot be created
        assert re.fullmatch(
            re.escape(f"cannot create the staging folder {out}{os.sep}.tmp-{WEEK}-")
            + "[0-9a-f]{12}: "
            + re.escape(DENIED),
            str(caught.value),
        )
    else:
        assert str(caught.value) == f"cannot create the lock file {lock_path(out, WEEK)}: {DENIED}"
    assert published(out) == {"previous"}
    no_leftovers(out)


# --------------------------------------------------------------------------------------------
# a killed run, then a clean run


HOLD = """
import sys, time
from pathlib import Path
from analysis.report.publish import locked_staging, write_text
with locked_staging(Path(sys.argv[1]), sys.argv[2], wait=0) as staging:
    write_text(staging / "a.html", "half a report")
    print(staging.name, flush=True)
    time.sleep(120)
"""


def hold(out: Path, week: str) -> tuple[subprocess.Popen, str]:
    """A run in another process that took the week's lock and staged a page, then hangs."""
    env = {**os.environ, "PYTHONPATH": str(paths.PROJECT_ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(out), week], env=env,
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    staging = proc.stdout.readline().strip()  # type: ignore[union-attr]
    assert staging.startswith(f".tmp-{week}-"), "the holding run did not start"
    return proc, staging


def test_a_killed_run_leaves_its_staging_until_the_next_run_of_its_week_or_another(tmp_path):
    out = tmp_path / "reports"
    publish_week(out, "previous")
    proc, staging = hold(out, WEEK)
    try:
        (out / f".old-{WEEK}-0123abcd").mkdir()  # as if killed between the two renames
        publish_week(out, "other week", week="2026-W47")  # another week: may not touch it
        assert (out / staging / "a.html").exists() and (out / f".old-{WEEK}-0123abcd").exists()
        with pytest.raises(ReportError) as caught:
            publish_week(out, "new")
        assert str(caught.value) == (
            f"another report of {WEEK} is running (lock {lock_path(out, WEEK)}); wait for it to "
            "finish, or run again with --wait SECONDS (run_report(wait=...)) to wait for it "
            "(waited 0 s)"
        )
        said: list[str] = []
        with pytest.raises(ReportError, match=r" \(waited 0\.2 s\)$"):
            with report_lock(out, WEEK, wait=0.2, say=said.append):
                pass
        assert said == [f"another report of {WEEK} is running: waiting up to 0.2 s for it"]
        assert published(out) == {"previous"}
    finally:
        proc.kill()  # SIGKILL on POSIX (TerminateProcess on Windows): no clean-up runs
        proc.communicate()
    assert (out / staging).exists()
    assert clean_leftovers(out, held="2026-W46") == sorted([out / f".old-{WEEK}-0123abcd",
                                                           out / staging])  # fmt: skip
    proc, staging = hold(out, WEEK)
    proc.kill()
    proc.communicate()
    publish_week(out, "new")  # the same week: the lock is free again, its leftovers removed
    assert published(out) == {"new"} and published(out, "2026-W47") == {"other week"}
    no_leftovers(out)


def test_run_report_takes_the_lock_of_its_language_folder(tmp_path):
    data, notebooks, out = tmp_path / "data", tmp_path / "notebooks", tmp_path / "reports"
    data.mkdir(), notebooks.mkdir()
    ROWS.to_csv(data / "cells.csv", index=False)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell('data = ""\nweek = ""\ntz = ""',
                                          metadata={"tags": ["parameters"]})]  # fmt: skip
    nbformat.write(nb, notebooks / "tiny.ipynb")
    proc, staging = hold(out / WEEK, "en")  # a report locks its language folder
    try:
        with pytest.raises(ReportError, match=rf"another report of {WEEK} \(en\) is running"):
            run_report(data=data, week=WEEK, out=out, tz="Europe/Paris", notebooks=["tiny"],
                       notebooks_dir=notebooks, progress=False, wait=0)  # fmt: skip
        assert names(out) == [WEEK]  # nothing written
        assert names(out / WEEK) == sorted([".en.lock", staging])
    finally:
        proc.kill()
        proc.communicate()


# --------------------------------------------------------------------------------------------
# two processes publishing the same week


MANY = """
import sys, time
from pathlib import Path
from analysis.report.publish import locked_staging, publish, write_text
out, week, tag, times, wait, go, *pages = sys.argv[1:]
out = Path(out)
print("ready", flush=True)
while not Path(go).exists():  # start together
    time.sleep(0.001)
for i in range(int(times)):
    try:
        with locked_staging(out, week, wait=float(wait)) as staging:
            for page in pages:
                write_text(staging / page, f"{tag}-{i}")
            publish(staging, out / week)
    except Exception as err:
        print(f"{type(err).__name__}: {err}", flush=True)
"""


def publish_together(out: Path, times: int, wait: float) -> list[str]:
    """Two processes publishing the week ``times`` times each, started together; the errors
    they met, as ``type: message``."""
    env = {**os.environ, "PYTHONPATH": str(paths.PROJECT_ROOT)}
    go = out.parent / f"go-{wait}"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                MANY,
                str(out),
                WEEK,
                tag,
                str(times),
                str(wait),
                str(go),
                *PAGES,
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for tag in "ab"
    ]
    assert [p.stdout.readline() for p in procs] == ["ready\n"] * 2  # type: ignore[union-attr]
    go.touch()
    return [line for p in procs for line in p.communicate()[0].splitlines()]


def test_concurrent_publishes_of_one_week_all_succeed_or_fail_clearly(tmp_path):
    out = tmp_path / "reports"
    assert publish_together(out, 20, wait=60.0) == []  # each waits its turn: all 40 publish
    assert len(published(out)) == 1
    no_leftovers(out)
    errors = publish_together(out, 20, wait=0.0)  # no waiting: each publishes or is told why
    busy = re.escape(f"ReportError: another report of {WEEK} is running (lock ")
    assert [e for e in errors if not re.match(busy, e)] == []
    assert len(errors) < 40 and len(published(out)) == 1
    no_leftovers(out)
