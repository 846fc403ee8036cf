"""Plain sentences of the weekly summary, generated from the numbers of :mod:`analysis.weekly`.

Every template lives in :data:`TEMPLATES` (one dict per language, ``str.format`` fields), so the
strings can move to a data file (``analysis/locales``) without touching the code; only English
exists for now and ``lang`` is checked against the keys. Every sentence that states an estimate
carries its interval and level ("ATC rate live 8.5% (95% CI 7.9–9.1%) ...").
"""

from __future__ import annotations

import math

import pandas as pd

from analysis._validation import check_argument

__all__ = ["TEMPLATES", "sentences"]

#: sentence templates by language; fields are filled with pre-formatted strings
TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "rates": "This week ({week}) the LIVE ATC rate was {live} ({ci_label} {live_ci}) against "
        "{off} ({ci_label} {off_ci}) off-live.",
        "rates_previous": "Over the previous {k} weeks: {live} ({ci_label} {live_ci}) LIVE and "
        "{off} ({ci_label} {off_ci}) off-live.",
        "fewer_weeks": "Only {k} earlier week(s) are in the data (the summary compares with {n} "
        "when it can): comparisons with earlier weeks rest on less data.",
        "no_weeks": "No earlier week is in the data: there is nothing to compare this week with "
        "yet.",
        "lift": "A LIVE viewer was {ratio} as likely to add to cart as an off-live viewer "
        "(crude; {ci_label} {ci}, clustered by LIVE {cci}); adjusted for hour and "
        "category: {adj} ({ci_label} {adj_ci}).",
        "lift_undefined": "The LIVE / off-live ratio is undefined this week ({status}).",
        "change": "{side} ATC against the previous {k} weeks: odds {crude} ({ci_label} "
        "{crude_ci}); with promotions accounted for {adj} ({ci_label} {adj_ci}): "
        "{verdict}.",
        "slot": "{side}: best hour {best_hour} h at {best} ({ci_label} {best_ci}); weakest "
        "{worst_hour} h at {worst} ({ci_label} {worst_ci}).",
        "movers": "Moved against the previous weeks ({family}, Benjamini-Hochberg across "
        "{m} comparisons): {items}.",
        "mover_item": "{group} {ratio} ({ci_label} {ci})",
        "no_movers": "No creator or age group moved beyond chance against the previous weeks "
        "(Benjamini-Hochberg, {m} comparisons).",
        "anomalies": "{n} abnormal hour(s) against the usual same hour of the week "
        "({limit} control limits): {items}.",
        "anomaly_item": "{flag} on {when}, rate {ratio} of the expected ({ci_label} {ci})",
        "no_anomalies": "No hour fell outside the {limit} control limits of its usual "
        "hour-of-week rate.",
        "intervention": "{who}'s change from {date} ({relation}): LIVE ATC odds {odds} "
        "({ci_label} {odds_ci}), i.e. {without} → {with_} for the LIVEs since "
        "(difference {diff} points, {ci_label} {diff_ci}); {before} LIVEs before, "
        "{after} after.{note}",
        "status_note": " Caution: {status}.",
        "intervention_undefined": "{who}'s change from {date}: not estimable yet ({status}).",
        "halo": "Off-live ATC of products shown in a LIVE, in the 0-6 h after it ended: odds "
        "{h0} ({ci_label} {h0_ci}); 6-24 h: {h1} ({ci_label} {h1_ci}); day 1: {h2} "
        "({ci_label} {h2_ci}), against products with no LIVE in the previous 7 days.",
        "halo_undefined": "The post-live halo could not be estimated ({status}).",
        # words
        "LIVE": "LIVE",
        "off-live": "Off-live",
        "peak": "peak",
        "drop": "drop",
        "this week": "this week",
        "before this week": "before this week",
        "after this week": "after this week",
        "ci_label": "{level} CI",
    },
}


def _pct(x: float, digits: int = 1) -> str:
    return "NA" if x is None or not math.isfinite(float(x)) else f"{100 * float(x):.{digits}f}%"


def _pct_ci(lo: float, hi: float, digits: int = 1) -> str:
    if lo is None or hi is None or not (math.isfinite(float(lo)) and math.isfinite(float(hi))):
        return "undefined"
    return f"{100 * float(lo):.{digits}f}–{100 * float(hi):.{digits}f}%"


def _times(x: float) -> str:
    return "NA" if x is None or not math.isfinite(float(x)) else f"×{float(x):.2f}"


def _times_ci(lo: float, hi: float) -> str:
    if lo is None or hi is None or not (math.isfinite(float(lo)) and math.isfinite(float(hi))):
        return "undefined"
    return f"×{float(lo):.2f}–{float(hi):.2f}"


def _points(x: float) -> str:
    return "NA" if not math.isfinite(float(x)) else f"{100 * float(x):+.1f}"


def _points_ci(lo: float, hi: float) -> str:
    return f"{100 * float(lo):+.1f} to {100 * float(hi):+.1f}"


def sentences(facts, *, lang: str = "en") -> list[str]:
    """The weekly summary as a list of plain sentences.

    Parameters
    ----------
    facts : analysis.weekly.WeeklyFacts
        From :func:`analysis.weekly.weekly_facts`.
    lang : str
        A key of :data:`TEMPLATES` (``"en"``).

    Returns
    -------
    list of str
        In order: rates this week (and the previous weeks, or why not), the LIVE / off-live
        lift (crude, clustered, adjusted), the change against previous weeks per side with and
        without promotions, best and worst hours, movers, abnormal hours, declared
        interventions, the post-live halo. Numbers are rounded for reading; the tables beside
        the summary hold the exact values.
    """
    check_argument("lang", TEMPLATES, lang)
    T = TEMPLATES[lang]
    ci = T["ci_label"].format(level=f"{100 * facts.level:g}%")
    out = []
    r = facts.rates

    def side_rate(period, live):
        row = r[(r["period"] == period) & (r["is_live"] == live)]
        if row.empty:
            return "NA", "undefined"
        row = row.iloc[0]
        return _pct(row["rate"]), _pct_ci(row["ci_low"], row["ci_high"])

    lv, lvc = side_rate("this week", True)
    of, ofc = side_rate("this week", False)
    out.append(T["rates"].format(week=facts.week.iso, live=lv, live_ci=lvc, off=of, off_ci=ofc,
                                 ci_label=ci))  # fmt: skip
    if facts.available == 0:
        out.append(T["no_weeks"])
    else:
        lv, lvc = side_rate("previous weeks", True)
        of, ofc = side_rate("previous weeks", False)
        out.append(T["rates_previous"].format(k=facts.available, live=lv, live_ci=lvc, off=of,
                                              off_ci=ofc, ci_label=ci))  # fmt: skip
        if facts.available < facts.previous:
            out.append(T["fewer_weeks"].format(k=facts.available, n=facts.previous))
    lift = facts.lift[facts.lift["period"] == "this week"].iloc[0]
    if math.isfinite(float(lift["ratio_ci_low"])):
        cci = _times_ci(lift.get("clustered_ratio_ci_low", float("nan")),
                        lift.get("clustered_ratio_ci_high", float("nan")))  # fmt: skip
        out.append(T["lift"].format(
            ratio=_times(lift["ratio"]), ci=_times_ci(lift["ratio_ci_low"], lift["ratio_ci_high"]),
            cci=cci, adj=_times(lift.get("adjusted_ratio", float("nan"))),
            adj_ci=_times_ci(lift.get("adjusted_ratio_ci_low", float("nan")),
                             lift.get("adjusted_ratio_ci_high", float("nan"))),
            ci_label=ci))  # fmt: skip
    else:
        out.append(T["lift_undefined"].format(status=lift["status"]))
    for row in facts.change.itertuples(index=False):
        if not math.isfinite(float(row.crude)):
            continue
        side = T["LIVE"] if row.side == "live" else T["off-live"]
        out.append(T["change"].format(
            side=side, k=facts.available, crude=_times(math.exp(row.crude)),
            crude_ci=_times_ci(math.exp(row.crude_ci_low), math.exp(row.crude_ci_high)),
            adj=_times(math.exp(row.adjusted)),
            adj_ci=_times_ci(math.exp(row.adjusted_ci_low), math.exp(row.adjusted_ci_high)),
            verdict=row.verdict, ci_label=ci))  # fmt: skip
    for live in (True, False):
        s = facts.slots[facts.slots["is_live"] == live] if len(facts.slots) else facts.slots
        if len(s) < 2:
            continue
        b, w = s[s["slot"] == "best"].iloc[0], s[s["slot"] == "worst"].iloc[0]
        out.append(T["slot"].format(
            side=T["LIVE"] if live else T["off-live"], best_hour=int(b["hour"]),
            best=_pct(b["rate"]), best_ci=_pct_ci(b["ci_low"], b["ci_high"]),
            worst_hour=int(w["hour"]), worst=_pct(w["rate"]),
            worst_ci=_pct_ci(w["ci_low"], w["ci_high"]), ci_label=ci))  # fmt: skip
    if facts.available:
        m = len(facts.movers)
        moved = facts.movers[facts.movers["moved"].fillna(False).astype(bool)]
        if moved.empty:
            out.append(T["no_movers"].format(m=m))
        for fam, g in moved.groupby("family", sort=False):
            items = "; ".join(T["mover_item"].format(group=x.group, ratio=_times(x.ratio),
                                                     ci=_times_ci(x.ci_low, x.ci_high),
                                                     ci_label=ci)
                              for x in g.itertuples(index=False))  # fmt: skip
            out.append(T["movers"].format(family=fam, m=m, items=items))
    an = facts.anomalies
    flagged = an[an["flag"] != "none"] if len(an) else an
    limit = f"{100 * float(an['limit'].iloc[0]):g}%" if len(an) else "NA"
    if flagged.empty:
        out.append(T["no_anomalies"].format(limit=limit))
    else:
        items = "; ".join(T["anomaly_item"].format(
            flag=T[x.flag], when=f"{pd.Timestamp(x.start):%a %d %b %H} h",
            ratio=_times(x.ratio), ci=_times_ci(x.ci_low, x.ci_high), ci_label=ci)
            for x in flagged.itertuples(index=False))  # fmt: skip
        out.append(T["anomalies"].format(n=len(flagged), limit=limit, items=items))
    for x in facts.interventions.itertuples(index=False):
        date = f"{pd.Timestamp(x.date):%Y-%m-%d}"
        if str(x.status).startswith("undefined") or not math.isfinite(float(x.odds_ratio)):
            out.append(T["intervention_undefined"].format(who=x.group, date=date,
                                                          status=x.status))  # fmt: skip
            continue
        out.append(T["intervention"].format(
            who=x.group, date=date, relation=T[x.relation], odds=_times(x.odds_ratio),
            odds_ci=_times_ci(x.odds_ratio_ci_low, x.odds_ratio_ci_high),
            without=_pct(x.rate_without), with_=_pct(x.rate_with), diff=_points(x.diff),
            diff_ci=_points_ci(x.diff_ci_low, x.diff_ci_high), before=int(x.lives_before),
            after=int(x.lives_after), ci_label=ci,
            note="" if x.status == "ok" else T["status_note"].format(status=x.status)))  # fmt: skip
    h = facts.halo.set_index("window") if len(facts.halo) else facts.halo
    need = ("0-6 h", "6-24 h", "day 1")
    if all(w in h.index for w in need) and all(
        math.isfinite(float(h.loc[w, "log_or"])) for w in need
    ):
        f = {}
        for key, w in zip(("h0", "h1", "h2"), need, strict=True):
            f[key] = _times(math.exp(h.loc[w, "log_or"]))
            f[key + "_ci"] = _times_ci(math.exp(h.loc[w, "ci_low"]), math.exp(h.loc[w, "ci_high"]))
        out.append(T["halo"].format(ci_label=ci, **f))
    else:
        status = h["status"].iloc[0] if len(h) else "no off-live cells"
        out.append(T["halo_undefined"].format(status=status))
    return out
