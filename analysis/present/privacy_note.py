"""What the data-quality page says about personal data: values masked, creators pseudonymised.

:func:`privacy_notes` counts the distinct text values of the data that hold an e-mail address, a
phone number or a user id (:func:`analysis.present.privacy.personal_values`; every page shows
them masked) and, when creator handles are pseudonymised, says so with an example pseudonym
(``docs/data-formats.md``, "Personal data in shared pages").
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import pandas as pd

from analysis.present import i18n, privacy

__all__ = ["privacy_notes"]


def privacy_notes(
    loaded: Any, *, creators: str = "shown", lang: str = i18n.SOURCE_LANGUAGE
) -> list[str]:
    """Sentences on the personal data of ``loaded`` (cells, or an
    :class:`analysis.sources.base.Loaded`: every frame of it counted).

    Parameters
    ----------
    loaded : pandas.DataFrame or analysis.sources.base.Loaded
        The data as the page read it (pseudonyms already applied when ``creators`` says so).
    creators : str
        ``"shown"`` or ``"pseudonymised"`` (:data:`analysis.present.privacy.CREATOR_MODES`).
    lang : str
        Report language.

    Returns
    -------
    list of str
        ``privacy.masked`` (how many distinct values, of which kinds) or ``privacy.none``; then
        ``privacy.pseudonymised`` when the handles are pseudonymised.
    """
    i18n.check_lang(lang)
    frames = ([loaded] if isinstance(loaded, pd.DataFrame) else
              [getattr(loaded, f.name) for f in dataclasses.fields(loaded)])  # fmt: skip
    found: Counter = Counter()
    for frame in frames:
        found += privacy.personal_values(frame)
    n = sum(found.values())
    if n:
        kinds = ", ".join(
            f"{i18n.t(f'privacy.kind.{k}', lang=lang)} {i18n.format_integer(found[k], lang=lang)}"
            for k in privacy.TOKENS
            if found[k]
        )
        notes = [i18n.t("privacy.masked", lang=lang, n=i18n.format_integer(n, lang=lang),
                        kinds=kinds)]  # fmt: skip
    else:
        notes = [i18n.t("privacy.none", lang=lang)]
    if creators == "pseudonymised":
        cells = frames[0]
        names = sorted(v for v in cells.get("creator", pd.Series(dtype=object)).dropna().unique()
                       if privacy.is_pseudonym(v))  # fmt: skip
        if names:
            notes.append(i18n.t("privacy.pseudonymised", lang=lang, example=names[0]))
    return notes
