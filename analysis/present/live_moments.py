"""The moments page in words, tables and one figure: what followed the moments noted in LIVEs.

:func:`moments_sentences` says the time resolution, how many events were placed (and why others
were not), and the reading of the first window for clicks per viewer, events against placebo
minutes, always as a description (strings ``07.*`` of ``analysis/present/locales/strings``);
:func:`moments_table` turns the window rows of
:func:`analysis.analyses.live_moments.live_moments` into the frame the page shows;
:func:`moments_plot` draws the minute-by-minute difference with its interval.
Reference: ``docs/metrics.md``, "Moments inside a LIVE".
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from analysis.present.figure import BLUE, GREY, axes, finish, legend, percent_axis
from analysis.present.i18n import format_integer, format_number, format_percent, t

__all__ = ["SHOWN_COLUMNS", "moments_plot", "moments_sentences", "moments_table"]

#: the columns the page shows, in order
SHOWN_COLUMNS = ("moment", "measure", "window", "rate", "baseline", "difference", "ci_low",
                 "ci_high", "n_events", "n_lives", "status")  # fmt: skip


def _window(lo: int, hi: int, lang: str) -> str:
    return t("07.window", lang=lang, start=f"{lo:+d}", end=f"{hi:+d}")


def moments_table(moments: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """The window rows (not the minute profile) as the page shows them: :data:`SHOWN_COLUMNS`,
    the kind of moment, its type and the measure in words."""
    rows = moments[moments["from_minute"] != moments["to_minute"]]
    out = pd.DataFrame({
        "moment": [t(f"07.kind.{k}", lang=lang) if k == "placebo" else t(f"07.type.{ty}", lang=lang)
                   for k, ty in zip(rows["kind"], rows["type"], strict=True)],
        "measure": [t(f"07.measure.{m}", lang=lang) for m in rows["measure"]],
        "window": [_window(a, b, lang) for a, b in zip(rows["from_minute"], rows["to_minute"],
                                                         strict=True)],
    })  # fmt: skip
    for c in SHOWN_COLUMNS[3:]:
        out[c] = rows[c].to_numpy()
    for c in ("n_events", "n_lives"):
        out[c] = out[c].astype("Int64")
    return out


def moments_sentences(moments: pd.DataFrame, placed: pd.DataFrame, *, lang: str) -> list[str]:
    """The page's reading: resolution, events placed (and the first reason one was not), the
    first window's clicks per viewer for all events and for placebo minutes, the caveat."""
    ok = placed["placed"].astype(bool)
    steps = sorted({int(s) for s in placed.loc[ok, "step_minutes"]})
    out = [t("07.resolution_minute" if steps == [1] else "07.resolution_interval", lang=lang,
             steps=", ".join(str(s) for s in steps) or "-")]  # fmt: skip
    out.append(t("07.placed", lang=lang, placed=format_integer(int(ok.sum()), lang=lang),
                 total=format_integer(len(placed), lang=lang)))  # fmt: skip
    if (~ok).any():
        first = placed.loc[~ok].iloc[0]
        out.append(t("07.not_placed", lang=lang, row=int(first["row"]), reason=first["reason"]))
    windows = moments[(moments["from_minute"] != moments["to_minute"])
                      & (moments["measure"] == "clicks_per_viewer") & (moments["type"] == "all")]  # fmt: skip
    for r in windows.groupby("kind", sort=True).head(1).itertuples(index=False):
        if pd.isna(r.difference):
            out.append(t("07.reading_none", lang=lang, kind=t(f"07.kind.{r.kind}", lang=lang)))
            continue
        pts = lambda x: format_number(100 * x, lang=lang, digits=2)  # noqa: E731
        out.append(t(f"07.reading_{r.kind}", lang=lang, window=_window(r.from_minute,
                     r.to_minute, lang), diff=pts(r.difference), low=pts(r.ci_low),
                     high=pts(r.ci_high), level=format_percent(r.level, lang=lang, digits=0),
                     lives=format_integer(r.n_lives, lang=lang)))  # fmt: skip
    out.append(t("07.descriptive", lang=lang))
    return out


def moments_plot(moments: pd.DataFrame, *, measure: str = "clicks_per_viewer", lang: str,
                 ax: Axes | None = None) -> Axes:  # fmt: skip
    """The difference from the pre-event rate at each minute around the moment (all events,
    blue, with its interval band; placebo minutes, grey), a vertical line at the moment."""
    ax = axes(ax, 3.2)
    prof = moments[(moments["from_minute"] == moments["to_minute"]) & (moments["type"] == "all")
                   & (moments["measure"] == measure)]  # fmt: skip
    entries = []
    for kind, colour in (("placebo", GREY), ("event", BLUE)):
        one = prof[prof["kind"] == kind].sort_values("from_minute")
        if one.empty:
            continue
        x = one["from_minute"].to_numpy()
        ax.fill_between(x, one["ci_low"].to_numpy(float), one["ci_high"].to_numpy(float),
                        color=colour, alpha=0.18, linewidth=0)  # fmt: skip
        ax.plot(x, one["difference"].to_numpy(float), color=colour, marker="o", markersize=3)
        entries.append((t(f"07.kind.{kind}", lang=lang), {"color": colour, "marker": "o"}))
    ax.axhline(0, color=GREY, linewidth=0.8)
    ax.axvline(0, color=GREY, linewidth=0.8, linestyle="--")
    percent_axis(ax.yaxis)
    legend(ax, entries)
    return finish(ax, title=t(f"07.measure.{measure}", lang=lang),
                  xlabel=t("07.plot.x", lang=lang), ylabel=t("07.plot.y", lang=lang))  # fmt: skip
