"""Which questions of the report can these cells answer, and when not, what is missing.

Every report page asks a few questions of :data:`analysis.vocabulary.QUESTIONS`. Before computing
anything, a page calls :func:`answerable`: one row per question with ``answered`` and, when the
data cannot answer, the ``reason`` (what is missing, in plain words) and ``provided_by`` (the
export or shop-file entry that would provide it). The page then runs only the sections whose
question is answered and says so for the others; the report writes the same table beside the
pages (``questions.csv``) and lists it on the index.

Rates are never pooled across units (``visitor``, ``session``, ``event``): :func:`atc_unit`
picks the one unit the add-to-cart questions use (the unit with add-to-cart counts on both
sides, most viewers first), and :func:`one_unit` keeps the cells of that unit.

The checks are structural (which columns are filled, on which side, at which grain, over how
many weeks); an estimate that runs can still be ``undefined`` for a group (its ``status`` says
why). The needs of each question are in :data:`NEEDS`; ``docs/metrics.md`` lists them too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from analysis.vocabulary import QUESTIONS, check_argument
from analysis.weeks import resolve_week

__all__ = [
    "ANSWER_COLUMNS",
    "NEEDS",
    "PAGE_QUESTIONS",
    "PAGE_WINDOWS",
    "answerable",
    "atc_unit",
    "model_terms",
    "one_unit",
]

#: columns of :func:`answerable`
ANSWER_COLUMNS = ("question", "page", "answered", "reason", "provided_by")

#: the questions each report page asks (notebook stem -> questions), page order
PAGE_QUESTIONS: dict[str, tuple[str, ...]] = {
    "weekly_report": ("weekly_trend", "live_only_rates"),
    "00_data_quality": ("sources_agree",),
    "01_live_vs_nonlive": (
        "live_vs_nonlive",
        "by_category",
        "by_promo",
        "funnel",
        "live_only_rates",
    ),  # fmt: skip
    "02_hour_of_day": ("rates_by_hour", "hour_curve"),
    "03_audience": ("audience",),
    "04_regression": ("adjusted_lift", "creator_model"),
    "05_dynamics": ("intervention", "halo", "fatigue", "durable", "anomalies"),
}

#: the weeks each report page reads, the reported one included (notebook stem -> weeks;
#: :func:`analysis.weeks.within_window`): the week and what its comparisons need, so a page's
#: cost does not grow with the history; sizes and their reasons in ``docs/metrics.md``
PAGE_WINDOWS: dict[str, int] = {
    "weekly_report": 8,
    "00_data_quality": 1,
    "01_live_vs_nonlive": 1,
    "02_hour_of_day": 1,
    "03_audience": 1,
    "04_regression": 1,
    "05_dynamics": 12,
}

_ATC = "add-to-cart users by channel: the Seller Center product list (Seller LIVE and the other "
_ATC += (
    "sections), or LIVE Center Product files with product-card / video exports of the same unit"
)
_HOURLY = "hourly cells on both sides: LIVE Center Trend Stat (LIVE) with GA4 events or Shopify "
_HOURLY += "sessions by hour (off-live)"

#: question -> (what it needs, which export or shop-file entry provides it)
NEEDS: dict[str, tuple[str, str]] = {
    "sources_agree": (
        "two sources reporting the same count on the same day",
        "two exports of one shop covering the same days (e.g. LIVE list and shop overview)",
    ),
    "live_vs_nonlive": ("add-to-cart and viewers on LIVE and non-live cells of one unit", _ATC),
    "by_category": (
        "a product category on cells of both sides",
        "shop file entry `categories` (product -> category)",
    ),
    "by_promo": (
        "a promotion state on cells of both sides",
        "shop file entry `promotions` (promotion calendar)",
    ),
    "funnel": ("orders beside add-to-cart on both sides", _ATC),
    "live_only_rates": (
        "LIVE sessions with views or product impressions and clicks or orders",
        "TikTok Shop LIVE list (Creator-Live-Performance_*.xlsx)",
    ),
    "rates_by_hour": ("hourly add-to-cart cells (either side)", _HOURLY),
    "hour_curve": (
        "hourly add-to-cart cells on both sides, at 3 or more hours each, from 2 or more LIVEs",
        _HOURLY,
    ),
    "audience": (
        "add-to-cart broken down by age group, gender or region on both sides",
        "cells broken down by audience: GA4 events with demographics, or canonical "
        "cells with age_group / gender / region",
    ),
    "adjusted_lift": (
        "add-to-cart on both sides with the hour and a category",
        _HOURLY + "; shop file entry `categories`",
    ),
    "creator_model": (
        "LIVE cells naming their creator, at hours where off-live cells exist",
        "LIVE Center files (one per creator) or shop file entry `creators`",
    ),
    "intervention": (
        "a declared change (creator and date) with that creator's hourly LIVE "
        "cells before and after it",
        "notebook parameters `creator` and `intervention_date` (`interventions` on the summary)",
    ),
    "halo": (
        "hourly LIVE cells per product and hourly off-live cells of the same products",
        _HOURLY,
    ),
    "fatigue": (
        "hourly LIVE add-to-cart cells naming their creator, 3 or more LIVEs of one creator",
        "LIVE Center Product and Trend Stat files over several LIVEs",
    ),
    "durable": (
        "add-to-cart on both sides in this week and at least one earlier week",
        "the same exports for earlier weeks",
    ),
    "anomalies": (
        "hourly add-to-cart cells in this week and at least one other week",
        "hourly exports (LIVE Center Trend Stat, GA4, Shopify by hour) over several weeks",
    ),
    "weekly_trend": ("add-to-cart on both sides in this week", _ATC),
}


def _has(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].notna() if column in frame else pd.Series(False, index=frame.index)


def _side(frame: pd.DataFrame, live: bool) -> pd.DataFrame:
    mask = (frame["is_live"] == live).fillna(False).to_numpy(dtype=bool)
    return frame.loc[mask]


def _atc_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """Cells with add-to-cart and viewers (viewers > 0) and a side."""
    ok = _has(cells, "atc") & _has(cells, "viewers") & cells["is_live"].notna()
    ok &= pd.to_numeric(cells["viewers"], errors="coerce").fillna(0).gt(0)
    return cells.loc[ok.to_numpy(dtype=bool)]


def atc_unit(cells: pd.DataFrame) -> str | None:
    """The one unit the add-to-cart questions use, or None when no cell has add-to-cart.

    The unit whose cells carry add-to-cart and viewers on both sides (LIVE and non-live), the
    one with most viewers when several do; when none has both sides, the unit with most viewers.
    """
    atc = _atc_cells(cells)
    if atc.empty:
        return None
    viewers = pd.to_numeric(atc["viewers"], errors="coerce")
    sides = atc.groupby("unit", observed=True)["is_live"].nunique()
    total = viewers.groupby(atc["unit"], observed=True).sum()
    both = [u for u in total.index if sides.get(u, 0) == 2]
    pool = total[both] if both else total
    return str(pool.sort_values(ascending=False, kind="stable").index[0])


def one_unit(cells: pd.DataFrame) -> tuple[pd.DataFrame, str | None, list[str]]:
    """The cells of :func:`atc_unit`'s unit, that unit, and every unit the cells count in.

    Returns ``cells`` unchanged (a copy) when no cell has add-to-cart, so the pages' other
    rates (click-through, orders per view) still see every cell.
    """
    units = sorted(str(u) for u in cells["unit"].dropna().unique())
    unit = atc_unit(cells)
    if unit is None:
        return cells.copy(), None, units
    return cells.loc[(cells["unit"] == unit).to_numpy(dtype=bool)].copy(), unit, units


def model_terms(cells: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    """The ``columns`` with at least two values on the add-to-cart cells (usable model terms);
    a column absent or empty (no gender data, no category) is left out."""
    atc = _atc_cells(cells)
    return [c for c in columns if c in atc and atc[c].dropna().nunique() >= 2]


def _both(atc: pd.DataFrame, column: str | None = None) -> bool:
    sides = [_side(atc, True), _side(atc, False)]
    if column is None:
        return all(len(s) for s in sides)
    return all(_has(s, column).any() for s in sides)


def _hourly(atc: pd.DataFrame, k: int = 3) -> bool:
    hourly = atc.loc[(atc["grain"] == "hour").to_numpy(dtype=bool)]
    return all(_side(hourly, s)["hour"].dropna().nunique() >= k for s in (True, False))


def _weeks(frame: pd.DataFrame) -> int:
    iso = frame["date"].dropna().dt.isocalendar()
    return len(set(zip(iso["year"], iso["week"], strict=True)))


def _feeds_share_a_day(cells: pd.DataFrame) -> bool:
    """Two sources report the same count (a non-empty count column) on the same day."""
    dated = cells.dropna(subset=["date"])
    for column in ("views", "viewers", "clicks", "atc", "orders", "revenue"):
        have = dated.loc[_has(dated, column).to_numpy(dtype=bool)]
        if (have.groupby("date")["source"].nunique() >= 2).any():
            return True
    return False


def _lives(frame: pd.DataFrame) -> int:
    """Distinct LIVEs (``content_id``) among the LIVE cells."""
    return int(_side(frame, True)["content_id"].dropna().nunique())


def _live_only(cells: pd.DataFrame) -> bool:
    live = _side(cells, True)
    views = _has(live, "views") | _has(live, "impressions")
    return bool((views & (_has(live, "clicks") | _has(live, "orders"))).any())


def _creator_model(atc: pd.DataFrame) -> bool:
    live = _side(atc, True)
    hours = set(live.loc[_has(live, "creator").to_numpy(dtype=bool), "hour"].dropna())
    off = _side(atc, False)
    return live["creator"].dropna().nunique() >= 1 and off["hour"].isin(hours).any()


def _fatigue(atc: pd.DataFrame) -> bool:
    live = _side(atc, True)
    live = live.loc[((live["grain"] == "hour") & _has(live, "creator")).to_numpy(dtype=bool)]
    if live.empty:
        return False
    return bool(live.groupby("creator")["content_id"].nunique().max() >= 3)


def _halo(atc: pd.DataFrame) -> bool:
    live, off = _side(atc, True), _side(atc, False)
    if live.empty or not (live["grain"] == "hour").all():
        return False
    off = off.loc[((off["grain"] == "hour") & _has(off, "product_id")).to_numpy(dtype=bool)]
    return bool(off["product_id"].isin(set(live["product_id"].dropna())).any())


def _intervention(upto: pd.DataFrame, creator: str | None, date: str | None) -> bool:
    if not creator or not date:
        return False
    mine = _side(upto, True)
    mine = mine.loc[((mine["creator"] == creator) & (mine["grain"] == "hour")).fillna(False)]
    day = pd.Timestamp(date)
    return bool((mine["date"] < day).any() and (mine["date"] >= day).any())


def _checks(
    cells: pd.DataFrame, atc: pd.DataFrame, upto: pd.DataFrame, creator: str | None,
    date: str | None,
) -> dict[str, Callable[[], bool]]:  # fmt: skip
    """question -> a check of its needs (:data:`NEEDS`) on these cells."""
    both = _both(atc)
    return {
        "sources_agree": lambda: _feeds_share_a_day(cells),
        "live_vs_nonlive": lambda: both,
        "by_category": lambda: both and _both(atc, "category"),
        "by_promo": lambda: both and _both(atc, "promo"),
        "funnel": lambda: both and _both(atc, "orders"),
        "live_only_rates": lambda: _live_only(cells),
        "rates_by_hour": lambda: bool((atc["grain"] == "hour").any()),
        "hour_curve": lambda: both and _lives(atc) >= 2 and _hourly(atc),
        "audience": lambda: both and any(_both(atc, c) for c in ("age_group", "gender", "region")),
        "adjusted_lift": lambda: (
            both and _lives(atc) >= 2 and _both(atc, "hour") and _both(atc, "category")
        ),
        "creator_model": lambda: both and _lives(atc) >= 2 and _creator_model(atc),
        "intervention": lambda: both and _intervention(_atc_cells(upto), creator, date),
        "halo": lambda: both and _lives(_atc_cells(upto)) >= 2 and _halo(_atc_cells(upto)),
        "fatigue": lambda: both and _fatigue(_atc_cells(upto)),
        "durable": lambda: both and _weeks(_atc_cells(upto)) >= 2,
        "anomalies": lambda: both and _hourly(atc, 1) and _weeks(_atc_cells(upto)) >= 2,
        "weekly_trend": lambda: both,
    }


def answerable(
    cells: pd.DataFrame,
    questions: str | Iterable[str] | None = None,
    *,
    week: str = "all",
    creator: str | None = None,
    date: str | None = None,
) -> pd.DataFrame:
    """Which ``questions`` the cells can answer; for the others, what is missing and who has it.

    Parameters
    ----------
    cells : pandas.DataFrame
        All the loaded cells (:func:`analysis.sources.load.load`), every unit and week. Not
        modified.
    questions : str or iterable of str, optional
        Names of :data:`analysis.vocabulary.QUESTIONS`, or a page stem of
        :data:`PAGE_QUESTIONS` (its questions); default every question.
    week : str
        ``"YYYY-Www"``, ``"latest"`` or ``"all"``: the week the page reports. Questions about
        change over time (``durable``, ``anomalies``, ``halo``, ``fatigue``, ``intervention``)
        also use the weeks before it.
    creator, date : str, optional
        The declared change of ``intervention`` (``"@creator"``, ``"YYYY-MM-DD"``); without
        them the question is not answered.

    Returns
    -------
    pandas.DataFrame
        :data:`ANSWER_COLUMNS`, one row per question in the order asked: ``page`` (the first
        page asking it), ``answered`` (bool), ``reason`` (empty when answered, else what the
        data lack) and ``provided_by`` (the export or shop-file entry providing it).
    """
    if isinstance(questions, str) and questions in PAGE_QUESTIONS:
        asked: list[str] = list(PAGE_QUESTIONS[questions])
    elif questions is None:
        asked = list(QUESTIONS)
    else:
        asked = [questions] if isinstance(questions, str) else list(questions)
    for q in asked:
        check_argument("questions", QUESTIONS, q)
    unit_cells, _, _ = one_unit(cells)
    week_all, week_cells, upto = cells, unit_cells, unit_cells
    if week != "all":
        wk = resolve_week(cells, week)
        week_all = cells.loc[((cells["date"] >= wk.monday) & (cells["date"] < wk.next_monday))
                             .to_numpy(dtype=bool)]  # fmt: skip
        week_cells = unit_cells.loc[unit_cells.index.isin(week_all.index)]
        upto = unit_cells.loc[(unit_cells["date"] < wk.next_monday).to_numpy(dtype=bool)]
    checks = _checks(week_all, _atc_cells(week_cells), upto, creator, date)
    page = {q: p for p, qs in reversed(PAGE_QUESTIONS.items()) for q in qs}
    rows = []
    for q in asked:
        ok = bool(checks[q]())
        need, source = NEEDS[q]
        reason = "" if ok else f"missing: {need}"
        rows.append((q, page.get(q, ""), ok, reason, source))
    return pd.DataFrame(rows, columns=list(ANSWER_COLUMNS))
