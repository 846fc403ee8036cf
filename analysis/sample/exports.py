"""The simulated shop written as the exports an analyst really has (TikTok Shop family).

:func:`write_exports` calls each format family's ``write`` so a simulated (or any canonical) shop
becomes real-looking files: the LIVE list (``Creator-Live-Performance_<stamp>.xlsx``), one LIVE
Center Product + Trend Stat pair per LIVE, one Seller Center product list per day, the shop
overview, and saved API responses. Reading the folder back with :func:`analysis.sources.load.read`
reproduces the counts each format carries (round trips: ``tests/sources/test_sources_tiktok.py``).

The committed ``data/exports/`` is the last two weeks of the embedded sample::

    .venv/bin/python -m analysis.sample.exports --weeks 2 --history --out data/exports

(``--data``/``--tz`` pick another canonical source; ``--formats`` a subset of :data:`FORMATS`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pandas as pd

import analysis.sources.writers.live_center as live_center
import analysis.sources.writers.seller_center as seller_center
import analysis.sources.writers.shop_overview as shop_overview
import analysis.sources.writers.tiktok_api as tiktok_api
import analysis.sources.writers.tiktok_live_list as tiktok_live_list
from analysis.files import replacing
from analysis.sources.load import load
from analysis.vocabulary import check_argument

__all__ = ["FORMATS", "main", "sample_weeks", "write_exports"]

#: format families written by :func:`write_exports`, in order
FORMATS = ("live_list", "live_center", "product_list", "shop_overview", "api")


def write_exports(
    cells: pd.DataFrame,
    out_dir: str | Path,
    *,
    formats: Sequence[str] = FORMATS,
    locale: str = "en",
    live_list_version: str = "v3",
    history: bool = False,
) -> list[Path]:
    """Write ``cells`` as TikTok Shop exports into ``out_dir``; return the paths written.

    Parameters
    ----------
    cells : pandas.DataFrame
        Canonical hourly cells (e.g. :func:`analysis.sample.simulate.simulate`): channels ``LIVE``,
        ``VIDEO``, ``PRODUCT_CARD``, unit ``visitor``.
    out_dir : str or Path
        Created if missing.
    formats : sequence of str
        A subset of :data:`FORMATS`.
    locale : {"en", "fr"}
        UI language of the spreadsheets (the shop overview uses ``pt_BR`` for its old layout
        whatever this says, so that both layouts and the Brazilian conventions are exercised).
    live_list_version : {"v1", "v2", "v3"}
        Schema version of the LIVE list.
    history : bool
        Also write what an analyst's folder holds after a few weeks: an older v2 LIVE list
        export of the first week whose ``Views`` TikTok later revised (2 % lower; the newer
        export replaces its rows), and, in the newest export, a LIVE still running when it was
        exported (negative duration: rejected). Neither changes the cells read.

    Returns
    -------
    list of Path
        The files written, all in ``out_dir`` (one level: :func:`analysis.sources.load.read` reads a
        folder one level deep, and the LIVE Center and API readers look for a LIVE's start in
        sibling files). The LIVE list is named after the last shop-local day of the cells
        (``Creator-Live-Performance_<YYYYMMDD>235959.xlsx``) so re-exports sort after it.

    Raises
    ------
    ValueError
        A ``formats`` entry not in :data:`FORMATS`.
    """
    for f in formats:
        check_argument("formats", FORMATS, f)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    local = cells["start"].dt.tz_localize(None).dt.normalize()
    last = local.max()
    written: list[Path] = []
    if "live_list" in formats:
        name = f"Creator-Live-Performance_{last:%Y%m%d}235959.xlsx"
        written.append(tiktok_live_list.write(cells, out / name, version=live_list_version,
                                              locale=locale))  # fmt: skip
        if history:
            written.append(_history(cells, out, local, live_list_version))
    if "live_center" in formats:
        written += live_center.write(cells, out, locale=locale)
    if "product_list" in formats:
        for day in sorted(local.unique()):
            path = out / f"product_list_{pd.Timestamp(day):%Y%m%d}.xlsx"
            written.append(seller_center.write(cells, path, day=day, locale=locale))
    if "shop_overview" in formats:
        first = local.min()
        written.append(shop_overview.write(
            cells, out / f"Shop Analytics_Key metrics_{last:%Y%m%d}.xlsx", layout="new",
            locale=locale))  # fmt: skip
        written.append(shop_overview.write(
            cells, out / f"Overview_My Business Performance_{first:%Y%m%d}-{last:%Y%m%d}.xlsx",
            layout="old", locale="pt_BR"))  # fmt: skip
    if "api" in formats:
        written += tiktok_api.write(cells, out)
    return written


def _history(cells: pd.DataFrame, out: Path, local: pd.Series, version: str) -> Path:
    """An older, revised LIVE list export; an ongoing LIVE appended to the newest one."""
    first = local.min()
    early = cells[local < first + pd.Timedelta(days=7)].copy()
    early["views"] = (early["views"].astype("Float64") * 0.98).round().astype("Int64")
    old = out / f"Creator-Live-Performance_{first + pd.Timedelta(days=7):%Y%m%d}093000.xlsx"
    tiktok_live_list.write(early, old, version="v2")
    newest = out / f"Creator-Live-Performance_{local.max():%Y%m%d}235959.xlsx"
    wb = openpyxl.load_workbook(newest)
    ws = wb.active
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    start = local.max() + pd.Timedelta(hours=22)
    values = {"Room ID": "7549000000000000001", "Room Title": "Live du dimanche soir (en cours)",
              "Start Time": f"{start:%Y-%m-%d %H:%M:%S}", "End Time": "--",
              "Duration": "-1773928881"}  # fmt: skip
    ws.append([values.get(h, "0") for h in header])
    with replacing(newest) as tmp:
        wb.save(tmp)
    return old


def sample_weeks(
    weeks: int, *, data: str | Path = "data/sample", tz: str = "Europe/Paris"
) -> pd.DataFrame:
    """The last ``weeks`` ISO weeks of a canonical source (default: the embedded sample).

    Parameters
    ----------
    weeks : int
        How many ISO weeks (Monday to Sunday) to keep, counting back from the week of the last
        ``date``.
    data : str or Path, default "data/sample"
        A canonical file or folder, read with :func:`analysis.sources.load.load`.
    tz : str, default "Europe/Paris"
        The shop time zone.

    Returns
    -------
    pandas.DataFrame
        The cells whose ``date`` falls in those weeks (a new frame, index reset).
    """
    cells = load(data, tz=tz)
    monday = cells["date"].max() - pd.Timedelta(days=int(cells["date"].max().weekday()))
    first = monday - pd.Timedelta(weeks=weeks - 1)
    return cells[cells["date"] >= first].reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m analysis.sample.exports --weeks 2 --out data/exports``.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``); ``--help`` lists them.

    Returns
    -------
    int
        0; the paths written are printed one a line.
    """
    parser = argparse.ArgumentParser(prog="python -m analysis.sample.exports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--weeks", type=int, default=2, help="last ISO weeks of the data")
    parser.add_argument("--data", default="data/sample", help="canonical file or folder")
    parser.add_argument("--tz", default="Europe/Paris", help="shop time zone")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS)
    parser.add_argument("--locale", default="en", choices=("en", "fr"))
    parser.add_argument("--history", action="store_true",
                        help="add an older revised LIVE list export and an ongoing LIVE")  # fmt: skip
    args = parser.parse_args(argv)
    cells = sample_weeks(args.weeks, data=args.data, tz=args.tz)
    for path in write_exports(cells, args.out, formats=args.formats, locale=args.locale,
                              history=args.history):  # fmt: skip
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
