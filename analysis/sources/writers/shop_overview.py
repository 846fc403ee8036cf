"""Writer of the shop overview daily export (old ``Overview_My Business Performance_*.xlsx``
and new ``Shop Analytics_Key metrics_*.xlsx`` layouts), EN / PT-BR / FR, every cell text.

The inverse of :mod:`analysis.sources.shop_overview`, for round trips and the sample exports;
layouts: ``docs/data-formats.md`` §1.5.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.sources.headers import locales
from analysis.sources.shop_overview import FAMILY
from analysis.sources.writers.table import write_table
from analysis.sources.writers.text import format_money, format_number, format_percent
from analysis.vocabulary import check_argument

__all__ = ["write"]


def write(cells: pd.DataFrame, path, *, layout: str = "new", locale: str = "en") -> Path:
    """Write the shop's days as an overview export.

    ``layout="old"`` writes the PT-BR-style frame (summary headers, a totals row whose averages
    use a dot, a ``Dados diários`` / ``Daily data`` line, then the daily header); ``"new"`` the
    daily table alone. ``locale`` ``pt_BR`` writes amounts ``10959,4`` (comma decimal, no
    symbol, the header naming the currency ``(R$)``-style), ``en`` ``€1,234.56``, ``fr``
    ``1 234,56 €``. Includes ``LIVE-attributed GMV`` for EN/FR.
    """
    check_argument("layout", ("old", "new"), layout)
    check_argument("locale", ("en", "pt_BR", "fr"), locale)
    local = cells["start"].dt.tz_localize(None).dt.normalize()
    cols = ["viewers", "impressions", "clicks", "orders", "items", "revenue"]
    days = cells.groupby(local)[cols].sum(min_count=1)
    live = cells[cells["channel"] == "LIVE"].groupby(local)["revenue"].sum()
    cur = cells["currency"].dropna().iloc[0]
    sym = {"EUR": "€", "BRL": "R$", "USD": "$"}.get(cur, cur)
    loc = locales()[locale].families[FAMILY]
    field_order = ["date", "revenue", "orders", "items", "viewers", "impressions", "clicks"]
    if locale != "pt_BR":
        field_order.append("live_revenue")
    heads = [loc[f][0] for f in field_order]
    if locale == "pt_BR":
        heads[1] = f"{heads[1]} ({sym})"
    heads.append({"en": "Conversion rate", "pt_BR": "Taxa de conversão",
                  "fr": "Taux de conversion"}[locale])  # fmt: skip

    def money(x):
        if locale == "pt_BR":
            return format_number(float(x), locale="pt_BR", decimals=2, grouping=False)
        return format_money(float(x), cur, locale=locale, after=locale == "fr")

    body = []
    for day, r in days.iterrows():
        date = f"{day:%d/%m/%Y}" if locale in ("pt_BR", "fr") else f"{day:%Y-%m-%d}"
        line = [date, money(r["revenue"])]
        line += [format_number(float(r[c]), locale=locale, grouping=False)
                 for c in ("orders", "items", "viewers", "impressions", "clicks")]  # fmt: skip
        if locale != "pt_BR":
            line.append(money(live.get(day, 0.0)))
        rate = r["orders"] / r["viewers"] if r["viewers"] else 0.0
        line.append(format_percent(rate, locale=locale, space=locale == "fr"))
        body.append(line)
    table = [heads, *body]
    if layout == "old":
        summary_heads = heads[1:7]
        tot = days.sum()
        totals = [format_number(float(tot["revenue"]) / len(days), decimals=2, grouping=False)]
        totals += [str(int(tot[c])) for c in ("orders", "items", "viewers", "impressions")]
        totals.append(str(int(tot["clicks"])))
        daily = {"en": "Daily data", "pt_BR": "Dados diários", "fr": "Données quotidiennes"}
        table = [summary_heads, totals, [], [daily[locale]], *table]
    return write_table(Path(path), [("Sheet1", table)])
