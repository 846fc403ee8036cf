"""Plain sentences of the selection-aware claims: best hour, creator, segment, mover; promotions.

A page states a winner only when :func:`analysis.analyses.best.claim` finds one that stands out
after allowing for having picked it (Hsu's multiple comparisons with the best); otherwise it
says that nothing stands out. The LIVE effect with and without a promotion is stated from the
interaction test of :func:`analysis.analyses.promo_interaction.live_promo_interaction`, never
from two separate tests. Templates: the ``claims.*`` keys of the language files.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.analyses.best import claim
from analysis.present import i18n
from analysis.vocabulary import is_undefined

__all__ = ["RACES", "interaction_sentences", "selection_sentence"]

#: the ``what`` values of a race frame and the sentence keys they use
RACES = {"best": ("best", "no_best"), "worst": ("worst", "no_worst"),
         "rise": ("rise", "no_rise"), "fall": ("fall", "no_fall")}  # fmt: skip


def _level(x: float, lang: str) -> str:
    digits = 0 if abs(100 * x - round(100 * x)) < 1e-9 else 1
    return i18n.format_percent(x, lang=lang, digits=digits)


def selection_sentence(
    frame: pd.DataFrame, *, what: str, race: str = "best", lang: str = "en"
) -> tuple[str, str]:
    """``(status, sentence)`` of one race of :func:`analysis.analyses.best.best_of` or
    :func:`analysis.analyses.best.top_movers`.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows of one race (for ``top_movers`` or ``both_ends``, select ``what`` first).
    what : str
        The noun of a candidate in ``lang`` ("hour", "creator", "age group").
    race : str
        ``best`` (highest), ``worst`` (lowest), ``rise`` or ``fall`` (:data:`RACES`).

    Returns
    -------
    tuple of str
        The race's status code (:func:`analysis.analyses.best.claim`) and the sentence: the
        winner when it is ``clearly best`` ("@lea.beauty is the best creator of 6, even after
        allowing for having picked the best ..."), "No creator stands out ..." otherwise, or
        "Too few ..." when nothing could be raced.
    """
    won, lost = RACES[race]
    code, winner, k = claim(frame)
    if k < 2 or is_undefined(code):
        return code, i18n.t("claims.too_few", lang=lang, what=what)
    level = _level(float(frame["level"].dropna().iloc[0]), lang)
    key = won if winner is not None else lost
    return code, i18n.t(f"claims.{key}", lang=lang, winner=winner, what=what, k=k, level=level)


def _times(x: float, lang: str) -> str:
    return "×" + i18n.format_number(math.exp(x), lang=lang, digits=2)


def interaction_sentences(frame: pd.DataFrame, *, lang: str = "en") -> list[tuple[str, str]]:
    """``(status, sentence)`` per promotion state compared with the reference state.

    From the ``difference from <reference>`` rows of
    :func:`analysis.analyses.promo_interaction.live_promo_interaction`: the ratio of the LIVE odds
    ratios, its interval and p-value, and whether the interval excludes 1 ("the LIVE effect differs
    between the two") or not ("no clear difference ..."). One ``claims.interaction_none`` sentence
    when no difference could be estimated.
    """
    rows = frame[frame["term"].astype(str).str.startswith("difference from")]
    rows = rows[rows["estimate"].notna()]
    if rows.empty:
        code = str(frame["status"].iloc[0]) if len(frame) else "undefined_no_cells"
        return [(code, i18n.t("claims.interaction_none", lang=lang))]
    label = i18n.t("summary.ci_label", lang=lang, level=_level(float(rows["level"].iloc[0]), lang))
    out = []
    for r in rows.itertuples(index=False):
        clear = r.ci_low > 0 or r.ci_high < 0
        verdict = i18n.t(f"claims.interaction_{'clear' if clear else 'unclear'}", lang=lang)
        ci = i18n.t("summary.range", lang=lang, low=_times(r.ci_low, lang),
                    high=_times(r.ci_high, lang))  # fmt: skip
        out.append((str(r.status), i18n.t(
            "claims.interaction", lang=lang, promo=r.promo, reference=r.reference,
            ratio=_times(r.estimate, lang), ci_label=label, ci=ci,
            p=i18n.format_number(r.pvalue, lang=lang, digits=3), verdict=verdict)))  # fmt: skip
    return out
