"""``cartlift report --pdf``: the published pages printed to PDF by Chromium, beside the pages.

Each page of the published language folder (the index and every notebook page) is printed by a
headless Chromium (``--print-to-pdf``) to ``<page>.pdf`` in the same folder. The pages are
self-contained (CSS and figures inline, no script), and Chromium is started with every network
path closed (a proxy on a closed loopback port, no background or component traffic), so
printing fetches nothing. The paper is the pages' own ``@page`` rule (A4 portrait, the
templates in ``templates/``); tables repeat their header on every printed page.

Which Chromium: the ``chromium`` argument (``--chromium PATH``), else the environment variable
:data:`ENV_VAR`, else the first of :data:`NAMES` on ``PATH``, else the usual install places on
Windows and macOS (:data:`PLACES`). None found: :class:`analysis.errors.BrowserNotFound`, saying
how to install one or where to point the kit. ``--no-sandbox`` is passed only when the process
runs as root (Chromium refuses to start its sandbox as root, e.g. in a container).

Reference: Chromium's headless mode, https://developer.chrome.com/docs/chromium/headless
(``--print-to-pdf``, ``--no-pdf-header-footer``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterable
from pathlib import Path

from analysis.errors import BrowserNotFound, OutputError
from analysis.files import output_error

__all__ = ["ENV_VAR", "NAMES", "PLACES", "find_chromium", "print_pages", "print_to_pdf"]

#: the environment variable naming the Chromium (or Chrome, Edge) executable
ENV_VAR = "CARTLIFT_CHROMIUM"
#: executable names looked up on ``PATH``, in order
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
         "msedge")  # fmt: skip
#: the usual install places when none is on ``PATH`` (macOS, Windows)
PLACES = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
)
#: no network, no first-run work, no header and footer (the page's own title is printed)
FLAGS = (
    "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-extensions",
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--no-pdf-header-footer",
)  # fmt: skip
#: seconds one page may take to print
TIMEOUT = 120.0


def find_chromium(chromium: str | Path | None = None) -> Path:
    """The Chromium executable to print with.

    Parameters
    ----------
    chromium : str or Path, optional
        Given by the caller (``--chromium``); else :data:`ENV_VAR`, else :data:`NAMES` on
        ``PATH``, else :data:`PLACES`.

    Raises
    ------
    analysis.errors.BrowserNotFound
        The path given (argument or environment variable) is not a file, or none was found;
        the message says how to install Chromium or point the kit at one.
    """
    given = chromium or os.environ.get(ENV_VAR) or None
    how = (
        "install Chromium (Debian/Ubuntu: sudo apt-get install chromium; macOS: brew install "
        "--cask chromium; Windows: Google Chrome or Microsoft Edge) or give its path with "
        f"--chromium PATH or the environment variable {ENV_VAR}"
    )
    if given:
        path = Path(given).expanduser()
        if path.is_file():
            return path
        source = "--chromium" if chromium else ENV_VAR
        raise BrowserNotFound(f"--pdf: Chromium not found at {str(path)!r} ({source}): {how}")
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    for place in PLACES:
        if Path(place).is_file():
            return Path(place)
    raise BrowserNotFound(
        f"--pdf: no Chromium found (looked for {', '.join(NAMES)} on PATH): {how}"
    )


def _as_root() -> bool:
    """True when this process runs as root on POSIX (Chromium's sandbox refuses root)."""
    geteuid = getattr(os, "geteuid", None)  # absent on Windows
    return geteuid is not None and geteuid() == 0


def print_to_pdf(page: Path, pdf: Path, chromium: Path) -> Path:
    """Print one HTML page to ``pdf`` with ``chromium``, whole or not at all: Chromium writes a
    temporary file beside ``pdf``, renamed over it (:func:`os.replace`) once complete.

    Raises
    ------
    analysis.errors.OutputError
        Chromium failed or timed out, or wrote no PDF (the message quotes its last line).
    """
    tmp = pdf.with_name(f".{pdf.stem}.{uuid.uuid4().hex[:8]}.pdf")  # Chromium keeps the name
    command = [str(chromium), *FLAGS, *(["--no-sandbox"] if _as_root() else []),
               f"--print-to-pdf={tmp}", Path(page).resolve().as_uri()]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                              check=False)  # fmt: skip
        if done.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise OutputError(f"--pdf: Chromium could not print {page} to {pdf} (exit "
                              f"{done.returncode}): {last}", pdf)  # fmt: skip
        os.replace(tmp, pdf)
    except subprocess.TimeoutExpired:
        raise OutputError(f"--pdf: Chromium took over {TIMEOUT:.0f} s to print {page}",
                          pdf) from None  # fmt: skip
    except OutputError:
        raise
    except OSError as err:  # a folder that cannot be written
        raise output_error(err, pdf) from err
    finally:
        tmp.unlink(missing_ok=True)
    return pdf


def print_pages(index: str | Path, chromium: str | Path | None = None,
                pages: Iterable[Path] | None = None) -> list[Path]:  # fmt: skip
    """Print the index and the pages of a published report folder, each to ``<page>.pdf``.

    Parameters
    ----------
    index : str or Path
        The published ``index.html`` (``reports/<week>/<lang>/index.html``).
    chromium : str or Path, optional
        The browser (:func:`find_chromium`).
    pages : iterable of Path, optional
        The pages to print (default: ``index.html`` then every other ``*.html`` of its folder,
        sorted; ``*.FAILED.html`` never).

    Returns
    -------
    list of Path
        The PDFs written.

    Raises
    ------
    analysis.errors.BrowserNotFound
        No Chromium (checked before anything is printed).
    """
    browser = find_chromium(chromium)
    index = Path(index)
    if pages is None:
        others = sorted(p for p in index.parent.glob("*.html")
                        if p.name != index.name and not p.name.endswith(".FAILED.html"))  # fmt: skip
        pages = [index, *others]
    return [print_to_pdf(page, page.with_suffix(".pdf"), browser) for page in pages]
