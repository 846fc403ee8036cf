"""What the shop file supplied, for the data-quality page (``docs/shop-file.md``).

:func:`shop_sentence` says in one sentence which attributes came from the shop file and for how
many cells; :func:`analysis.sources.shop_apply.shop_applied` (``cl.shop_applied``) is the table
behind it.
"""

from __future__ import annotations

from analysis.present import i18n
from analysis.sources.base import Loaded

__all__ = ["shop_sentence"]

#: actions that wrote a value into cells (the others are reported, not counted as supplied)
WROTE = ("set", "renamed", "overridden")


def shop_sentence(loaded: Loaded, *, lang: str = i18n.SOURCE_LANGUAGE) -> str:
    """One sentence: which attributes the shop file supplied, and for how many cells.

    Parameters
    ----------
    loaded : analysis.sources.base.Loaded
        ``analysis.read(...)`` (its ``shop`` table and the ``shop_file`` row of ``files``).
    lang : str
        Report language.

    Returns
    -------
    str
        E.g. ``"From the shop file shop.toml: category of 1,204 cells, creator of 18 cells,
        time zone Europe/Paris, counts below 5 masked; 40 cells where the exports say otherwise
        kept their export value."``; without a shop file, a sentence saying so.

    >>> import analysis as cl
    >>> cl.shop_sentence(cl.read("data/sample", tz="Europe/Paris"))
    'No shop file: every attribute comes from the exports.'
    """
    files = loaded.files
    names = list(files.loc[files["source"] == "shop_file", "file"])
    if not names:
        return i18n.t("00.shop_none", lang=lang)
    applied = loaded.shop
    wrote = applied[applied["action"].isin(WROTE)]
    items = [
        i18n.t("00.shop_item_one" if n == 1 else "00.shop_item", lang=lang,
               attribute=i18n.column_label(attr, lang=lang),
               **({} if n == 1 else {"cells": i18n.format_integer(int(n), lang=lang)}))
        for attr, n in wrote.groupby("attribute", sort=False)["cells"].sum().items()
    ]  # fmt: skip
    defaults = applied[applied["action"] == "default"].set_index("attribute")["value"]
    if "timezone" in defaults:
        items.append(i18n.t("00.shop_tz", lang=lang, tz=defaults["timezone"]))
    if "privacy_threshold" in defaults:
        items.append(i18n.t("00.shop_threshold", lang=lang, k=defaults["privacy_threshold"]))
    if not items:
        return i18n.t("00.shop_nothing", lang=lang, file=names[0])
    text = i18n.t("00.shop_applied", lang=lang, file=names[0], items=", ".join(items))
    conflicts = int(applied.loc[applied["action"] == "conflict", "cells"].sum())
    if conflicts:
        note = i18n.t("00.shop_conflicts", lang=lang, n=i18n.format_integer(conflicts, lang=lang))
        text = f"{text[:-1]}; {note}."
    return text
