"""Plain sentences of the weekly summary, from the numbers of :mod:`analysis.analyses.weekly`.

The sentence templates are data, not code: the ``summary.*`` keys of the language files
``analysis/present/locales/strings/<lang>.json`` (``str.format`` fields, see
:mod:`analysis.present.i18n`), so adding a language means adding a file of strings. Numbers,
percents and dates are formatted for the language by :mod:`analysis.present.i18n` (``9,1 %``,
``×1,40``, ``lundi 26 octobre 2026``). Every sentence that states an estimate carries its
interval and level, and a LIVE rate the number of LIVEs it rests on ("the LIVE ATC rate was 8.5%
(95% CI 5.6%–11.5%, from 10 LIVEs) ..."): intervals are clustered by LIVE.

:func:`sentences` runs one step per family of sentences (:data:`STEPS`: rates, lift, change,
slots, movers, anomalies, interventions, halo); each step reads its part of the facts and
returns its sentences. A step chooses a sentence by status *code*; the sentence states the
status by its reader's message (:func:`said`).

Sentences are plain text: creator names come from the data, so a page must HTML-escape them
(``notebooks/weekly_report`` does).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
from babel.dates import format_datetime

from analysis.analyses.weekly import WeeklyFacts
from analysis.present import i18n
from analysis.stats.reference import FEW_CLUSTERS
from analysis.vocabulary import is_undefined, status_message

__all__ = ["HALO_WINDOWS", "KEYS", "STEPS", "said", "sentences"]

#: the ``summary.*`` string keys the sentences use; every language file must have them all
#: (the word keys ``summary.side.*``, ``summary.flag.*``, ``summary.relation.*``,
#: ``summary.family.*`` and ``summary.verdict.*`` translate the values of the result columns)
KEYS = (
    "rates", "rates_previous", "lives", "one_live", "few_lives", "fewer_weeks", "no_weeks",
    "lift", "lift_undefined", "change", "slot", "slot_best", "slot_no_best", "slot_worst",
    "slot_no_worst", "movers", "mover_item", "no_movers", "anomalies", "anomaly_item",
    "no_anomalies",
    "intervention", "status_note", "intervention_undefined", "halo", "halo_undefined",
    "ci_label", "range", "points_range", "times", "na", "undefined", "when",
    "side.live", "side.off-live", "flag.peak", "flag.drop", "relation.this week",
    "relation.before this week", "relation.after this week", "family.creator (LIVE)",
    "family.age group", "verdict.one-shot (promotions)", "verdict.drop explained by promotions",
    "verdict.durable gain", "verdict.durable drop", "verdict.no clear change", "verdict.unclear",
)  # fmt: skip


#: the halo windows the summary states (the first three lag windows)
HALO_WINDOWS = ("0-6 h", "6-24 h", "day 1")


def _finite(*xs) -> bool:
    try:
        return all(x is not None and math.isfinite(float(x)) for x in xs)
    except (TypeError, ValueError):
        return False


class _Words:
    """Templates and number formats of one language (``summary.<key>`` of its strings file)."""

    def __init__(self, lang: str, *, level: float = 0.95):
        self.lang = i18n.check_lang(lang)
        #: "95% CI" in the language
        self.ci = self("ci_label", level=self.level(level))

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

    def said(self, code: object, message: object = None) -> str:
        """:func:`said` with its decimal numbers (``t(4.66)``) in the language's format; in
        another language than English the code's translated message
        (:func:`analysis.present.i18n.status_text`)."""
        text = said(code, message)
        if self.lang != i18n.SOURCE_LANGUAGE:
            text = i18n.status_text(code, message, lang=self.lang)
        if i18n.format_number(1.5, lang=self.lang, digits=1) == "1.5":
            return text
        return re.sub(r"\d+\.\d+", lambda m: i18n.format_number(
            float(m[0]), lang=self.lang, digits=len(m[0].split(".")[1])), text)  # fmt: skip

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
        return format_datetime(pd.Timestamp(x).to_pydatetime(), self("when"),
                               locale=i18n.locale_of(self.lang))  # fmt: skip


def sentences(facts: WeeklyFacts, *, lang: str = "en") -> list[str]:
    """The weekly summary as a list of plain sentences in ``lang``.

    Parameters
    ----------
    facts : analysis.analyses.weekly.WeeklyFacts
        From :func:`analysis.analyses.weekly.weekly_facts`.
    lang : str
        A report language (:func:`analysis.present.i18n.available_languages`: ``"en"``,
        ``"fr"``); the templates are the ``summary.*`` keys of its strings file (:data:`KEYS`).

    Returns
    -------
    list of str
        One family of sentences per step of :data:`STEPS`, in order: rates this week (and the
        previous weeks, or why not), the LIVE / off-live lift (crude, clustered, adjusted), the
        change against previous weeks per side with and without promotions, best and worst
        hours, movers, abnormal hours, declared interventions, the post-live halo. Numbers are
        rounded for reading (percent with one decimal, ratios ``×`` with two, in the language's
        number format); the tables beside the summary hold the exact values. Plain text, not
        HTML: escape it before rendering. A status is stated by its reader's message
        (``status_message`` in English, the code's translated message in another language); which
        sentence a row gets is decided on its status *code* (``ok``,
        :func:`analysis.vocabulary.is_undefined`).

    Raises
    ------
    ValueError
        ``lang`` has no strings file.
    """
    words = _Words(lang, level=facts.level)
    return [sentence for step in STEPS for sentence in step(facts, words)]


def said(code: object, message: object = None) -> str:
    """What a sentence says of a status: ``message`` when it is a non-empty text, else the
    :data:`analysis.vocabulary.STATUSES` message of ``code`` (which must then be a code)."""
    if isinstance(message, str) and message:
        return message
    return status_message(str(code))


def _side_rate(facts: WeeklyFacts, T: _Words, period: str, live: bool) -> tuple[str, str, str]:
    """Rate, interval and (LIVE side) ``, from 10 LIVEs`` of one side and period."""
    r = facts.rates
    row = r[(r["period"] == period) & (r["is_live"] == live)]
    if row.empty:
        return T("na"), T("undefined"), ""
    first = row.iloc[0]
    lives = _lives(T, first.get("n_lives")) if live else ""
    return T.pct(first["rate"]), T.pct_ci(first["ci_low"], first["ci_high"]), lives


def _count(n: object) -> int:
    """A count of LIVEs as an int, 0 when missing."""
    return int(float(n)) if _finite(n) else 0  # type: ignore[arg-type]


def _lives(T: _Words, n: object) -> str:
    """``, from 10 LIVEs`` (``, from 1 LIVE``), empty when the LIVEs were not counted."""
    k = _count(n)
    if k < 1:
        return ""
    return T("one_live") if k == 1 else T("lives", n=i18n.format_integer(k, lang=T.lang))


def _week_lives(facts: WeeklyFacts) -> int:
    """The LIVEs of this week's LIVE rate (0 when not counted)."""
    r = facts.rates
    row = r[(r["period"] == "this week") & (r["is_live"] == True)]  # noqa: E712
    return _count(row["n_lives"].iloc[0]) if len(row) and "n_lives" in row else 0


def _few_lives(facts: WeeklyFacts, T: _Words) -> list[str]:
    """Why this week's LIVE intervals are wide: fewer than ``FEW_CLUSTERS`` LIVEs (2 or more:
    one LIVE has no interval, and its sentence says so)."""
    n = _week_lives(facts)
    if not 2 <= n < FEW_CLUSTERS:
        return []
    return [T("few_lives", n=i18n.format_integer(n, lang=T.lang), k=FEW_CLUSTERS)]


def _rates(facts: WeeklyFacts, T: _Words) -> list[str]:
    """This week's rates per side; the previous weeks' (or that there are none, or fewer)."""
    lv, lvc, lives = _side_rate(facts, T, "this week", True)
    of, ofc, _ = _side_rate(facts, T, "this week", False)
    out = [T("rates", week=facts.week.iso, live=lv, live_ci=lvc, off=of, off_ci=ofc,
             ci_label=T.ci, lives=lives), *_few_lives(facts, T)]  # fmt: skip
    if facts.available == 0:
        return [*out, T("no_weeks")]
    lv, lvc, lives = _side_rate(facts, T, "previous weeks", True)
    of, ofc, _ = _side_rate(facts, T, "previous weeks", False)
    out.append(T("rates_previous", k=facts.available, live=lv, live_ci=lvc, off=of, off_ci=ofc,
                 ci_label=T.ci, lives=lives))  # fmt: skip
    if facts.available < facts.previous:
        out.append(T("fewer_weeks", k=facts.available, n=facts.previous))
    return out


def _lift(facts: WeeklyFacts, T: _Words) -> list[str]:
    """The LIVE / off-live ratio this week, crude and adjusted (both clustered by LIVE); or why
    it is undefined."""
    lift = facts.lift[facts.lift["period"] == "this week"].iloc[0]
    if not _finite(lift["ratio_ci_low"]):
        return [T("lift_undefined", status=T.said(lift["status"], lift.get("status_message")))]
    nan = float("nan")
    return [T(
        "lift", ratio=T.times(lift["ratio"]),
        ci=T.times_ci(lift["ratio_ci_low"], lift["ratio_ci_high"]),
        lives=_lives(T, _week_lives(facts)),
        adj=T.times(lift.get("adjusted_ratio", nan)),
        adj_ci=T.times_ci(lift.get("adjusted_ratio_ci_low", nan),
                          lift.get("adjusted_ratio_ci_high", nan)),
        ci_label=T.ci)]  # fmt: skip


def _change(facts: WeeklyFacts, T: _Words) -> list[str]:
    """Per side, the odds against the previous weeks, crude and with promotions accounted for."""
    return [T(
        "change", side=T.word("side", "live" if row.side == "live" else "off-live"),
        k=facts.available, crude=T.exp_times(row.crude),
        crude_ci=T.exp_times_ci(row.crude_ci_low, row.crude_ci_high),
        adj=T.exp_times(row.adjusted),
        adj_ci=T.exp_times_ci(row.adjusted_ci_low, row.adjusted_ci_high),
        verdict=T.word("verdict", row.verdict), ci_label=T.ci)
        for row in facts.change.itertuples(index=False) if _finite(row.crude)]  # fmt: skip


def _slots(facts: WeeklyFacts, T: _Words) -> list[str]:
    """Per side (LIVE first), the best and the weakest hour, each only if it stands out after
    allowing for having picked it (``stands_out``, Hsu's MCB); else that nothing stands out."""
    out = []
    for live in (True, False):
        s = facts.slots[facts.slots["is_live"] == live] if len(facts.slots) else facts.slots
        if len(s) < 2:
            continue
        ends = []
        for slot in ("best", "worst"):
            r = s[s["slot"] == slot].iloc[0]
            k = int(r.get("n_raced", 0) or 0)
            said = slot if bool(r.get("stands_out", False)) else f"no_{slot}"
            ends.append(T(f"slot_{said}", hour=int(r["hour"]), rate=T.pct(r["rate"]),
                          ci=T.pct_ci(r["ci_low"], r["ci_high"]), ci_label=T.ci, k=k,
                          others=max(k - 1, 0)))  # fmt: skip
        out.append(T("slot", side=T.word("side", "live" if live else "off-live"),
                     best=ends[0], worst=ends[1]))  # fmt: skip
    return out


def _movers(facts: WeeklyFacts, T: _Words) -> list[str]:
    """Creators and age groups that moved beyond chance (one sentence per family), or none."""
    if not facts.available:
        return []
    m = len(facts.movers)
    moved = facts.movers[facts.movers["moved"].fillna(False).astype(bool)]
    if moved.empty:
        return [T("no_movers", m=m)]
    out = []
    for fam, g in moved.groupby("family", sort=False):
        items = "; ".join(T("mover_item", group=x.group, ratio=T.times(x.ratio),
                            ci=T.times_ci(x.ci_low, x.ci_high), ci_label=T.ci)
                          for x in g.itertuples(index=False))  # fmt: skip
        out.append(T("movers", family=T.word("family", fam), m=m, items=items))
    return out


def _anomalies(facts: WeeklyFacts, T: _Words) -> list[str]:
    """The hours outside the control limits of their usual hour-of-week rate, or none."""
    an = facts.anomalies
    flagged = an[an["flag"] != "none"] if len(an) else an
    limit = T.level(float(an["limit"].iloc[0])) if len(an) else T("na")
    if flagged.empty:
        return [T("no_anomalies", limit=limit)]
    items = "; ".join(T(
        "anomaly_item", flag=T.word("flag", x.flag), when=T.when(x.start),
        ratio=T.times(x.ratio), ci=T.times_ci(x.ci_low, x.ci_high), ci_label=T.ci)
        for x in flagged.itertuples(index=False))  # fmt: skip
    return [T("anomalies", n=len(flagged), limit=limit, items=items)]


def _interventions(facts: WeeklyFacts, T: _Words) -> list[str]:
    """Each declared intervention: its estimate, or why it is not estimable yet; a status other
    than ``ok`` is stated as a caution."""
    out = []
    rows: Iterable[Any] = facts.interventions.itertuples(index=False)
    for x in rows:
        date, message = T.date(x.date), getattr(x, "status_message", None)
        if is_undefined(str(x.status)) or not _finite(x.odds_ratio):
            out.append(T("intervention_undefined", who=x.group, date=date,
                         status=T.said(x.status, message)))  # fmt: skip
            continue
        note = "" if x.status == "ok" else T("status_note", status=T.said(x.status, message))
        out.append(T(
            "intervention", who=x.group, date=date, relation=T.word("relation", x.relation),
            odds=T.times(x.odds_ratio),
            odds_ci=T.times_ci(x.odds_ratio_ci_low, x.odds_ratio_ci_high),
            without=T.pct(x.rate_without), with_=T.pct(x.rate_with), diff=T.points(x.diff),
            diff_ci=T.points_ci(x.diff_ci_low, x.diff_ci_high), before=int(x.lives_before),
            after=int(x.lives_after), ci_label=T.ci, note=note))  # fmt: skip
    return out


def _halo(facts: WeeklyFacts, T: _Words) -> list[str]:
    """The post-live halo in its first three windows, or why it could not be estimated."""
    h = facts.halo.set_index("window") if len(facts.halo) else facts.halo
    if all(w in h.index for w in HALO_WINDOWS) and all(_finite(h.loc[w, "log_or"])
                                                       for w in HALO_WINDOWS):  # fmt: skip
        fields = {}
        for key, w in zip(("h0", "h1", "h2"), HALO_WINDOWS, strict=True):
            fields[key] = T.exp_times(h.loc[w, "log_or"])
            fields[key + "_ci"] = T.exp_times_ci(h.loc[w, "ci_low"], h.loc[w, "ci_high"])
        return [T("halo", ci_label=T.ci, **fields)]
    if not len(h):
        return [
            T("halo_undefined", status=status_message("undefined_no_cells", "no off-live cells"))
        ]
    first = h.iloc[0]
    return [T("halo_undefined", status=T.said(first["status"], first.get("status_message")))]


#: the families of sentences, in the order of the summary (each: facts, words -> sentences)
STEPS: tuple[Callable[[WeeklyFacts, _Words], list[str]], ...] = (
    _rates, _lift, _change, _slots, _movers, _anomalies, _interventions, _halo,
)  # fmt: skip
