"""Plain sentences of the weekly summary, generated from the numbers of :mod:`analysis.analyses.weekly`.

The sentence templates are data, not code: the ``summary.*`` keys of the language files
``analysis/present/locales/strings/<lang>.json`` (``str.format`` fields, see :mod:`analysis.present.i18n`), so
adding a language means adding a file of strings. Numbers, percents and dates are formatted for
the language by :mod:`analysis.present.i18n` (``9,1 %``, ``×1,40``, ``lundi 26 octobre 2026``). Every
sentence that states an estimate carries its interval and level ("ATC rate live 8.5% (95% CI
7.9%–9.1%) ...").

Sentences are plain text: creator names come from the data, so a page must HTML-escape them
(``notebooks/weekly_report`` does).
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.present import i18n

__all__ = ["KEYS", "sentences"]

#: the ``summary.*`` string keys the sentences use; every language file must have them all
#: (the word keys ``summary.side.*``, ``summary.flag.*``, ``summary.relation.*``,
#: ``summary.family.*`` and ``summary.verdict.*`` translate the values of the result columns)
KEYS = (
    "rates", "rates_previous", "fewer_weeks", "no_weeks", "lift", "lift_undefined", "change",
    "slot", "movers", "mover_item", "no_movers", "anomalies", "anomaly_item", "no_anomalies",
    "intervention", "status_note", "intervention_undefined", "halo", "halo_undefined",
    "ci_label", "range", "points_range", "times", "na", "undefined", "when",
    "side.live", "side.off-live", "flag.peak", "flag.drop", "relation.this week",
    "relation.before this week", "relation.after this week", "family.creator (LIVE)",
    "family.age group", "verdict.one-shot (promotions)", "verdict.drop explained by promotions",
    "verdict.durable gain", "verdict.durable drop", "verdict.no clear change", "verdict.unclear",
)  # fmt: skip


def _finite(*xs) -> bool:
    try:
        return all(x is not None and math.isfinite(float(x)) for x in xs)
    except (TypeError, ValueError):
        return False


class _Words:
    """Templates and number formats of one language (``summary.<key>`` of its strings file)."""

    def __init__(self, lang: str):
        self.lang = i18n.check_lang(lang)

    def __call__(self, key: str, **fields) -> str:
        return i18n.t(f"summary.{key}", lang=self.lang, **fields)

    def word(self, kind: str, value) -> str:
        """A translated column value (``side``, ``flag``, ...); unknown values stay as they are."""
        try:
            return self(f"{kind}.{value}")
        except i18n.LanguageError:
            return str(value)

    def level(self, x: float) -> str:  # 0.95 -> 95%, 0.998 -> 99.8%
        digits = 0 if abs(100 * x - round(100 * x)) < 1e-9 else 1
        return i18n.format_percent(x, lang=self.lang, digits=digits)

    def pct(self, x) -> str:
        return i18n.format_percent(float(x), lang=self.lang) if _finite(x) else self("na")

    def pct_ci(self, lo, hi) -> str:
        if not _finite(lo, hi):
            return self("undefined")
        return self("range", low=self.pct(lo), high=self.pct(hi))

    def times(self, x) -> str:
        if not _finite(x):
            return self("na")
        return self("times", value=i18n.format_number(float(x), lang=self.lang, digits=2))

    def times_ci(self, lo, hi) -> str:
        if not _finite(lo, hi):
            return self("undefined")
        return self("range", low=self.times(lo), high=self.times(hi))

    def points(self, x) -> str:  # signed percentage points: +1.2, -0.4
        if not _finite(x):
            return self("na")
        v = 100 * float(x)
        text = i18n.format_number(abs(v), lang=self.lang, digits=1)
        return ("-" if v < 0 and text.strip("0,.") else "+") + text

    def points_ci(self, lo, hi) -> str:
        if not _finite(lo, hi):
            return self("undefined")
        return self("points_range", low=self.points(lo), high=self.points(hi))

    def exp_times(self, x) -> str:
        return self.times(math.exp(float(x))) if _finite(x) else self("na")

    def exp_times_ci(self, lo, hi) -> str:
        if not _finite(lo, hi):
            return self("undefined")
        return self.times_ci(math.exp(float(lo)), math.exp(float(hi)))

    def date(self, x) -> str:
        return i18n.format_date(pd.Timestamp(x), lang=self.lang)

    def when(self, x) -> str:  # an hour of the week, CLDR pattern of the language file
        from babel.dates import format_datetime

        return format_datetime(pd.Timestamp(x).to_pydatetime(), self("when"),
                               locale=i18n.locale_of(self.lang))  # fmt: skip


def sentences(facts, *, lang: str = "en") -> list[str]:
    """The weekly summary as a list of plain sentences in ``lang``.

    Parameters
    ----------
    facts : analysis.analyses.weekly.WeeklyFacts
        From :func:`analysis.analyses.weekly.weekly_facts`.
    lang : str
        A report language (:func:`analysis.present.i18n.available_languages`: ``"en"``, ``"fr"``); the
        templates are the ``summary.*`` keys of its strings file (:data:`KEYS`).

    Returns
    -------
    list of str
        In order: rates this week (and the previous weeks, or why not), the LIVE / off-live
        lift (crude, clustered, adjusted), the change against previous weeks per side with and
        without promotions, best and worst hours, movers, abnormal hours, declared
        interventions, the post-live halo. Numbers are rounded for reading (percent with one
        decimal, ratios ``×`` with two, in the language's number format); the tables beside the
        summary hold the exact values. Plain text, not HTML: escape it before rendering.
        ``status`` texts stay English in every language (the API's plain words).

    Raises
    ------
    ValueError
        ``lang`` has no strings file.
    """
    T = _Words(lang)
    ci = T("ci_label", level=T.level(facts.level))
    out = []
    r = facts.rates

    def side_rate(period, live):
        row = r[(r["period"] == period) & (r["is_live"] == live)]
        if row.empty:
            return T("na"), T("undefined")
        row = row.iloc[0]
        return T.pct(row["rate"]), T.pct_ci(row["ci_low"], row["ci_high"])

    lv, lvc = side_rate("this week", True)
    of, ofc = side_rate("this week", False)
    out.append(T("rates", week=facts.week.iso, live=lv, live_ci=lvc, off=of, off_ci=ofc,
                 ci_label=ci))  # fmt: skip
    if facts.available == 0:
        out.append(T("no_weeks"))
    else:
        lv, lvc = side_rate("previous weeks", True)
        of, ofc = side_rate("previous weeks", False)
        out.append(T("rates_previous", k=facts.available, live=lv, live_ci=lvc, off=of,
                     off_ci=ofc, ci_label=ci))  # fmt: skip
        if facts.available < facts.previous:
            out.append(T("fewer_weeks", k=facts.available, n=facts.previous))
    lift = facts.lift[facts.lift["period"] == "this week"].iloc[0]
    nan = float("nan")
    if _finite(lift["ratio_ci_low"]):
        out.append(T(
            "lift", ratio=T.times(lift["ratio"]),
            ci=T.times_ci(lift["ratio_ci_low"], lift["ratio_ci_high"]),
            cci=T.times_ci(lift.get("clustered_ratio_ci_low", nan),
                           lift.get("clustered_ratio_ci_high", nan)),
            adj=T.times(lift.get("adjusted_ratio", nan)),
            adj_ci=T.times_ci(lift.get("adjusted_ratio_ci_low", nan),
                              lift.get("adjusted_ratio_ci_high", nan)),
            ci_label=ci))  # fmt: skip
    else:
        out.append(T("lift_undefined", status=lift["status"]))
    for row in facts.change.itertuples(index=False):
        if not _finite(row.crude):
            continue
        out.append(T(
            "change", side=T.word("side", "live" if row.side == "live" else "off-live"),
            k=facts.available, crude=T.exp_times(row.crude),
            crude_ci=T.exp_times_ci(row.crude_ci_low, row.crude_ci_high),
            adj=T.exp_times(row.adjusted),
            adj_ci=T.exp_times_ci(row.adjusted_ci_low, row.adjusted_ci_high),
            verdict=T.word("verdict", row.verdict), ci_label=ci))  # fmt: skip
    for live in (True, False):
        s = facts.slots[facts.slots["is_live"] == live] if len(facts.slots) else facts.slots
        if len(s) < 2:
            continue
        b, w = s[s["slot"] == "best"].iloc[0], s[s["slot"] == "worst"].iloc[0]
        out.append(T(
            "slot", side=T.word("side", "live" if live else "off-live"),
            best_hour=int(b["hour"]), best=T.pct(b["rate"]),
            best_ci=T.pct_ci(b["ci_low"], b["ci_high"]), worst_hour=int(w["hour"]),
            worst=T.pct(w["rate"]), worst_ci=T.pct_ci(w["ci_low"], w["ci_high"]),
            ci_label=ci))  # fmt: skip
    if facts.available:
        m = len(facts.movers)
        moved = facts.movers[facts.movers["moved"].fillna(False).astype(bool)]
        if moved.empty:
            out.append(T("no_movers", m=m))
        for fam, g in moved.groupby("family", sort=False):
            items = "; ".join(T("mover_item", group=x.group, ratio=T.times(x.ratio),
                                ci=T.times_ci(x.ci_low, x.ci_high), ci_label=ci)
                              for x in g.itertuples(index=False))  # fmt: skip
            out.append(T("movers", family=T.word("family", fam), m=m, items=items))
    an = facts.anomalies
    flagged = an[an["flag"] != "none"] if len(an) else an
    limit = T.level(float(an["limit"].iloc[0])) if len(an) else T("na")
    if flagged.empty:
        out.append(T("no_anomalies", limit=limit))
    else:
        items = "; ".join(T(
            "anomaly_item", flag=T.word("flag", x.flag), when=T.when(x.start),
            ratio=T.times(x.ratio), ci=T.times_ci(x.ci_low, x.ci_high), ci_label=ci)
            for x in flagged.itertuples(index=False))  # fmt: skip
        out.append(T("anomalies", n=len(flagged), limit=limit, items=items))
    for x in facts.interventions.itertuples(index=False):
        date = T.date(x.date)
        if str(x.status).startswith("undefined") or not _finite(x.odds_ratio):
            out.append(T("intervention_undefined", who=x.group, date=date, status=x.status))
            continue
        out.append(T(
            "intervention", who=x.group, date=date, relation=T.word("relation", x.relation),
            odds=T.times(x.odds_ratio),
            odds_ci=T.times_ci(x.odds_ratio_ci_low, x.odds_ratio_ci_high),
            without=T.pct(x.rate_without), with_=T.pct(x.rate_with), diff=T.points(x.diff),
            diff_ci=T.points_ci(x.diff_ci_low, x.diff_ci_high), before=int(x.lives_before),
            after=int(x.lives_after), ci_label=ci,
            note="" if x.status == "ok" else T("status_note", status=x.status)))  # fmt: skip
    h = facts.halo.set_index("window") if len(facts.halo) else facts.halo
    need = ("0-6 h", "6-24 h", "day 1")
    if all(w in h.index for w in need) and all(_finite(h.loc[w, "log_or"]) for w in need):
        f = {}
        for key, w in zip(("h0", "h1", "h2"), need, strict=True):
            f[key] = T.exp_times(h.loc[w, "log_or"])
            f[key + "_ci"] = T.exp_times_ci(h.loc[w, "ci_low"], h.loc[w, "ci_high"])
        out.append(T("halo", ci_label=ci, **f))
    else:
        status = h["status"].iloc[0] if len(h) else "no off-live cells"
        out.append(T("halo_undefined", status=status))
    return out
