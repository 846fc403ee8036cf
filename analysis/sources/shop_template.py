"""The commented shop-file template ``cartlift init`` writes (``docs/shop-file.md``).

:func:`shop_template` lists what the data holds (products with the category an export gives, if
any; creators; LIVE titles without a creator; the first and last date) as a TOML text whose blank
values (``""``, ``[]``) apply nothing, so the template read back as it is changes no cell. The
text is deterministic: same cells, same template (no clock, no absolute path).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.files import make_folder, write_atomic
from analysis.paths import resolve_data
from analysis.sources.load import PathLike, read
from analysis.sources.shop_file import SHOP_FILE_NAME
from analysis.vocabulary import PROMOS, SHOP_OVERRIDES

__all__ = ["shop_template", "toml_string", "write_shop_template"]

#: the privacy threshold the template proposes (the report's default ``min_viewers``)
TEMPLATE_THRESHOLD = 10

HEADER = """\
# cartlift shop file: what your exports do not say (docs/shop-file.md has every key).
# Written by `cartlift init` from {source}: {cells} cells, dates {first} to {last}.
# Kept as {name} in the data folder it is applied by cl.load / cl.read and `cartlift report`;
# elsewhere, pass shop="FILE" or --shop FILE. A line starting with # is a comment.
# Blank values ("" or []) apply nothing: fill in what you know. Nothing is guessed from the data.
"""


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (double quotes; backslash, quote and control characters
    escaped), e.g. ``toml_string('a "b"')`` is ``'"a \\\\"b\\\\""'``."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _shop_section(cells: pd.DataFrame, tz: str | None) -> list[str]:
    currencies = sorted(cells["currency"].dropna().unique())
    found = ", ".join(currencies) if currencies else "none"
    return [
        "[shop]",
        f"timezone = {toml_string(tz or '')}  # IANA name; the default of tz= and --tz",
        f'currency = ""  # ISO 4217 code of revenue that has none; in the data: {found}',
        f'privacy_threshold = {TEMPLATE_THRESHOLD}  # the report shows counts below it as "< k"',
        "# override: attributes this file sets even where an export has a value,",
        "# any of " + ", ".join(toml_string(o) for o in SHOP_OVERRIDES),
        "override = []",
        "promotions_cover = []  # [first, last]: on these days cells no promotion covers get "
        '"none"',
        "",
    ]


def _categories(cells: pd.DataFrame) -> list[str]:
    products = cells.dropna(subset=["product_id"])
    n = products["product_id"].nunique()
    lines = [f"# Product -> category. Products found in the data: {n or 'none'}.", "[categories]"]
    for pid, group in products.groupby("product_id", sort=True):
        found = sorted(group["category"].dropna().unique())
        said = f"in the data: {', '.join(found)}" if found else "no category in the data"
        lines.append(f'{toml_string(str(pid))} = ""  # {said}; {len(group)} cells')
    return [*lines, ""]


def _promotions(cells: pd.DataFrame) -> list[str]:
    first, last = cells["date"].min(), cells["date"].max()
    example = f"{last:%Y-%m-%d}" if pd.notna(last) else "2026-11-11"
    return [
        "# Promotion calendar: one [[promotions]] block per promotion, shop-local dates, inclusive.",
        f"# level: one of {', '.join(toml_string(p) for p in PROMOS)}; "
        'products: "all" or a list of product ids.',
        f"# Dates in the data: {first:%Y-%m-%d} to {last:%Y-%m-%d}. Example:"
        if pd.notna(first)
        else "# No dates in the data. Example:",
        "# [[promotions]]",
        f"# start = {example}",
        f"# end = {example}",
        '# level = "flash_sale"',
        '# products = "all"',
        "",
    ]


def _creators(cells: pd.DataFrame) -> list[str]:
    lines = [
        '# Creators: one [creators."<handle>"] table per creator. aliases: other spellings of her',
        "# in the exports (become the handle); titles: her LIVE titles, exact; title_patterns:",
        "# titles as glob patterns (* any text, ? one character, case-sensitive).",
    ]
    creators = sorted(cells["creator"].dropna().unique())
    for handle in creators:
        n = int((cells["creator"] == handle).sum())
        lines += [f"[creators.{toml_string(handle)}]  # {n} cells", "aliases = []", "titles = []",
                  "title_patterns = []", ""]  # fmt: skip
    if not creators:
        lines += ["# No creator in the data. For each creator, uncomment and fill in:",
                  '# [creators."@your.handle"]', "# aliases = []", "# titles = []",
                  "# title_patterns = []", ""]  # fmt: skip
    lives = cells[cells["creator"].isna() & cells["content_title"].notna()]
    lives = lives[lives["channel"] == "LIVE"]
    if len(lives):
        counts = lives.groupby("content_title")["content_id"].nunique()
        lines += [f"# LIVE titles without a creator in the data ({len(counts)}): put each in its",
                  "# creator's titles (or a pattern in title_patterns):"]  # fmt: skip
        lines += [f"#   {toml_string(t)}  ({n} LIVE{'s' if n != 1 else ''})"
                  for t, n in counts.sort_index().items()]  # fmt: skip
        lines.append("")
    return lines


def shop_template(cells: pd.DataFrame, *, source: str = "the data", tz: str | None = None) -> str:
    """The commented shop-file template for ``cells``.

    Parameters
    ----------
    cells : pandas.DataFrame
        Validated canonical cells (what the shop's exports hold).
    source : str
        What the cells were read from, named in the header (a folder name, not a full path).
    tz : str, optional
        The time zone to write in ``timezone`` (default: the cells' own, if not UTC).

    Returns
    -------
    str
        TOML text: ``[shop]``, ``[categories]`` (one blank line per product found), a commented
        ``[[promotions]]`` example with the data's dates, one ``[creators."<handle>"]`` table per
        creator found, and the LIVE titles that have no creator, as comments.
    """
    if tz is None and len(cells):
        own = str(cells["start"].dt.tz)
        tz = None if own == "UTC" else own
    first, last = cells["date"].min(), cells["date"].max()
    header = HEADER.format(
        source=source, cells=len(cells), name=SHOP_FILE_NAME,
        first=f"{first:%Y-%m-%d}" if pd.notna(first) else "none",
        last=f"{last:%Y-%m-%d}" if pd.notna(last) else "none",
    )  # fmt: skip
    body = [*_shop_section(cells, tz), *_categories(cells), *_promotions(cells), *_creators(cells)]
    return header + "\n" + "\n".join(body).rstrip("\n") + "\n"


def write_shop_template(
    data: PathLike, out: PathLike | None = None, *, tz: str | None = None, force: bool = False
) -> Path:
    """Read ``data`` and write its shop-file template (``cartlift init``).

    Parameters
    ----------
    data : str or Path
        A data file or folder (relative paths from the project root), read without any shop
        file.
    out : str or Path, optional
        Where to write; default ``<data folder>/shop.toml``.
    tz : str, optional
        The shop's time zone: needed when the exports hold shop-local times; written into the
        template.
    force : bool
        Overwrite an existing file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    FileExistsError
        ``out`` exists and ``force`` is False.
    """
    folder = resolve_data(data)
    target = Path(out) if out is not None else (
        (folder if folder.is_dir() else folder.parent) / SHOP_FILE_NAME
    )  # fmt: skip
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists; pass --force (force=True) to overwrite it")
    loaded = read(data, tz=tz, shop=False)
    text = shop_template(loaded.cells, source=folder.name, tz=tz)
    make_folder(target.parent)
    write_atomic(target, text)  # whole or not at all; a disk fault: OutputError
    return target
