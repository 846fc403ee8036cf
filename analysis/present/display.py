"""Tables for notebooks and shared reports: escaped, formatted, safe to share.

pandas' ``Styler`` does not escape HTML by default (``df.style.to_html()`` renders a product named
``<script>`` as a script). Every table the kit shows goes through :func:`table`, which

- escapes every data-derived string, cell values *and* column headers (a pivot by creator makes
  data into headers), and the caption;
- never renders a column that identifies people (:data:`IDENTIFIER_COLUMNS`, matched by name
  after lower-casing and turning every non-alphanumeric run into ``_``): the column is dropped and
  the caption says so; e-mail addresses, phone numbers and user ids found *by value* in any
  text cell, header or caption are masked (:mod:`analysis.present.privacy`; id columns such as
  ``product_id`` excepted) and the caption says how many values were;
- with ``min_viewers=k``, shows the counts of a side with fewer than ``k`` viewers as ``< k`` and
  withholds that side's rate and interval (``–``); the statistics themselves were computed on the
  full data by the caller and are not changed (contrasts, p-values and totals stay as computed);
- with ``lang``, formats numbers, percents and booleans for the locale and labels the columns in
  that language (:mod:`analysis.present.i18n`); a ``metric`` cell shows the metric's name
  (``add-to-cart rate``, :func:`analysis.present.i18n.metric_label`), not its code;
- shows each status column (``status``, ``*_status``) as the reader's message of the row
  (``status_message``, see :data:`analysis.vocabulary.STATUSES`), not the code that code
  compares (:func:`readable_statuses`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import pandas as pd
from babel.numbers import get_decimal_symbol
from matplotlib.ticker import FuncFormatter

from analysis.present import i18n, privacy, words
from analysis.present.cell_text import PERCENT_COLUMNS, RATIO_COLUMNS, formatted
from analysis.present.status_words import status_legend, status_short
from analysis.vocabulary import check_argument

if TYPE_CHECKING:  # annotations only: importing Styler loads jinja2
    from matplotlib.axes import Axes
    from pandas.io.formats.style import Styler

__all__ = [
    "COMPARE_SUMMARY",
    "IDENTIFIER_COLUMNS",
    "SMALL_CELL_SIDES",
    "compare_table",
    "is_identifier",
    "localize_axis",
    "normalise_name",
    "readable_statuses",
    "shareable",
    "status_columns",
    "table",
    "withhold_small_cells",
]

#: column names that identify people: never rendered by :func:`table` (after normalisation:
#: lower case, every run of other characters than a-z and 0-9 turned into ``_``)
IDENTIFIER_COLUMNS = (
    "user_id", "userid", "user", "user_name", "username", "user_pseudo_id", "pseudo_id",
    "pseudonym", "buyer", "buyer_id", "buyer_name", "buyer_email", "buyer_phone", "customer",
    "customer_id", "customer_name", "customer_email", "customer_phone", "client_id",
    "client_name", "recipient", "recipient_name", "recipient_phone", "recipient_address",
    "name", "full_name", "first_name", "last_name", "firstname", "lastname", "email",
    "e_mail", "email_address", "mail", "phone", "phone_number", "telephone", "tel", "mobile",
    "mobile_number", "address", "shipping_address", "street", "postcode", "zip_code",
    "ip", "ip_address", "device_id", "advertising_id", "idfa", "gaid", "open_id", "union_id",
)  # fmt: skip
#: words that make a column identify people wherever they appear in its normalised name
#: (``buyer_email``, ``Téléphone client``; ``customers``, a count, is another word)
IDENTIFIER_WORDS = ("email", "mail", "phone", "telephone", "pseudo", "buyer", "customer",
                    "recipient")  # fmt: skip

#: (denominator column, columns withheld with it) of each side of a result row, for
#: ``min_viewers``: counts shown as ``< k``, the side's rate and interval as ``–``
SMALL_CELL_SIDES = (
    ("viewers", ("viewers", "atc", "checkouts", "orders", "items", "clicks")),
    ("trials", ("trials", "successes", "rate", "ci_low", "ci_high", "expected_rate")),
    ("trials_a", ("trials_a", "successes_a", "rate_a", "expected_rate_a")),
    ("trials_b", ("trials_b", "successes_b", "rate_b", "expected_rate_b")),
)
#: count columns among the withheld ones (shown ``< k``; the others ``–``)
COUNT_COLUMNS = (
    "viewers", "atc", "checkouts", "orders", "items", "clicks", "trials", "successes",
    "trials_a", "successes_a", "trials_b", "successes_b",
)  # fmt: skip

WITHHELD = "–"


def normalise_name(name: object) -> str:
    """``"E-Mail Address"`` -> ``"e_mail_address"``: lower case, other characters -> ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def is_identifier(name: object) -> bool:
    """True when a column named ``name`` identifies people (see :data:`IDENTIFIER_COLUMNS`)."""
    norm = normalise_name(name)
    return norm in IDENTIFIER_COLUMNS or any(w in IDENTIFIER_WORDS for w in norm.split("_"))


def shareable(
    data: pd.DataFrame, *, columns: Sequence[str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """``data`` (or its ``columns``) without identifier columns, and the names dropped."""
    shown = list(columns) if columns is not None else list(data.columns)
    dropped = [c for c in shown if is_identifier(c)]
    return data.loc[:, [c for c in shown if c not in dropped]].copy(), dropped


def status_columns(data: pd.DataFrame) -> list[str]:
    """The status columns of ``data``: ``status`` and every ``*_status`` (``inference_status``)."""
    return [c for c in data.columns if c == "status" or str(c).endswith("_status")]


def readable_statuses(data: pd.DataFrame, *, lang: str | None = None) -> pd.DataFrame:
    """A copy of ``data`` whose status columns hold what a reader is told, not the code.

    Each status column ``c`` (:func:`status_columns`) takes, row by row,
    :func:`analysis.present.status_words.status_short` of its code and of its message column
    ``c + "_message"`` (``status_message`` for ``status``) in ``lang`` (default English): the
    code's short label ("few LIVEs, wide interval"), in English with the row's specifics from
    its message ("6 LIVEs (< 10), t(5) reference"); a value that is not a code stays as it is (a
    free text stays readable). The message columns themselves are kept. :func:`table` adds the
    legend of the labels to its caption (:func:`analysis.present.status_words.status_legend`).
    """
    out = data.copy()
    lang = lang or i18n.SOURCE_LANGUAGE
    rows = data.to_dict("records") if status_columns(data) else []
    for col in status_columns(data):
        messages = out[f"{col}_message"] if f"{col}_message" in out else [None] * len(out)
        out[col] = [words.group_words(status_short(v, m, lang=lang), row, lang=lang)
                    if isinstance(v, str) else v
                    for v, m, row in zip(out[col], messages, rows, strict=True)]  # fmt: skip
    return out


def table(
    data: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    percent: Sequence[str] = PERCENT_COLUMNS,
    ratio: Sequence[str] = RATIO_COLUMNS,
    money: Sequence[str] = (),
    digits: int = 2,
    caption: str | None = None,
    lang: str | None = None,
    min_viewers: int | None = None,
    log_odds: Sequence[str] = words.LOG_ODDS_COLUMNS,
) -> Styler:
    """Return an escaped, formatted, shareable :class:`pandas.io.formats.style.Styler`.

    Parameters
    ----------
    data : pandas.DataFrame
        A tidy result frame (not modified).
    columns : sequence of str, optional
        Columns to show, in order (default: all but the status message columns, whose text is
        shown under the status heading). Identifier columns are dropped anyway.
    percent, ratio, money : sequence of str
        Columns formatted as ``12.34%``, ``3.21×`` and ``1,234.50``; absent names are ignored.
        A column in ``ratio`` is a ratio even when ``percent`` names it (``ci_low`` of a ratio).
    digits : int
        Decimals of percentages, ratios and money.
    caption : str, optional
        Table caption (escaped). Notes on hidden columns and small cells are appended.
    lang : str, optional
        Report language (:func:`analysis.present.i18n.available_languages`): locale number formats
        (``9,12 %``), translated column labels and booleans. None keeps the column names and
        Python formats (``9.12%``), as in earlier versions.
    min_viewers : int, optional
        Small-cell threshold k for shared output: on each side of a row whose denominator
        (``viewers``, ``trials``, ``trials_a``, ``trials_b``) is below k, the counts are shown as
        ``< k`` and the rate and interval as ``–`` (:data:`SMALL_CELL_SIDES`). None shows all.
    log_odds : sequence of str
        Columns on the log-odds scale, shown as odds ratios under their ratio's name
        (:func:`analysis.present.words.on_ratio_scale`); ``slope`` or ``ci_low`` when a page
        says so (default :data:`analysis.present.words.LOG_ODDS_COLUMNS`).

    Returns
    -------
    Styler
        Every cell is a preformatted, HTML-escaped string; the index is hidden. A status column
        (``status``, ``*_status``) shows each row's short label, not its code
        (:func:`readable_statuses`), and the caption ends with the legend of the labels shown: a
        shared table is read by people, the codes are for code.
    """
    if lang is not None:
        i18n.check_lang(lang)
    if min_viewers is not None and (isinstance(min_viewers, bool) or int(min_viewers) < 1):
        raise ValueError(f"min_viewers must be a positive integer or None, got {min_viewers!r}")
    if columns is None:
        messages = {f"{c}_message" for c in status_columns(data)}
        columns = [c for c in data.columns if c not in messages]
    data, ratios = words.on_ratio_scale(data, [c for c in log_odds if c in columns])
    columns = list(dict.fromkeys(words.RATIO_NAMES.get(c, c) if c in log_odds else c
                                 for c in columns))  # fmt: skip
    columns = [c for c in columns if c in data]
    ratio = [*ratio, *ratios]  # a column named a ratio is one, even if percent by default
    percent = [c for c in percent if c not in ratio]
    shown, dropped = shareable(readable_statuses(data, lang=lang), columns=columns)
    text = formatted(shown, percent=percent, ratio=ratio, money=money, digits=digits, lang=lang)
    k = None if min_viewers is None else int(min_viewers)
    suppressed = k is not None and withhold_small_cells(text, data, k)
    tokens = i18n.privacy_tokens(lang or i18n.SOURCE_LANGUAGE)
    masked = text.attrs.get("masked", 0)
    raw = [privacy.mask_text(str(c), tokens) for c in text.columns]  # a pivot: data as headers
    masked += sum(bool(n) for _, n in raw)
    labels = [i18n.column_label(c, lang=lang) if lang else m for c, (m, _) in zip(text, raw,
              strict=True)]  # fmt: skip
    labels = [privacy.mask(c, tokens) for c in labels]
    text.columns = labels if len(set(labels)) == len(labels) else [m for m, _ in raw]
    note_lang = lang or i18n.SOURCE_LANGUAGE
    notes = []
    if dropped:
        names = ", ".join(str(c) for c in dropped)
        notes.append(i18n.t("table.hidden_identifiers", lang=note_lang, n=len(dropped),
                            names=names))  # fmt: skip
    if suppressed:
        notes.append(i18n.t("table.small_cells", lang=note_lang, k=k))
    codes = [v for c in status_columns(data) if c in shown for v in data[c]]
    notes.append(status_legend(codes, lang=note_lang))  # each short label once, with its sentence
    caption, n = privacy.mask_text(caption, tokens) if caption else (caption, Counter())
    if masked or n:
        notes.append(i18n.t("table.masked_values", lang=note_lang, n=masked + sum(n.values())))
    styler = text.style.format(escape="html", na_rep="")
    styler = styler.format_index(escape="html", axis=1).hide(axis="index")
    full = " ".join(p for p in (caption, *notes) if p)
    return styler.set_caption(escape(full)) if full else styler


def withhold_small_cells(text: pd.DataFrame, data: pd.DataFrame, k: int) -> bool:
    """Withhold, in the display ``text`` of ``data`` (same rows, in place), each side of a row
    whose denominator is below ``k`` (:data:`SMALL_CELL_SIDES`): counts become ``< k``, rates
    and bounds :data:`WITHHELD`. A side whose denominator is 0 has no data (e.g. an export
    without add-to-cart): its counts and rate are shown missing (:data:`WITHHELD`), never
    ``< k`` nor 0. Returns whether anything was withheld for being small."""
    suppressed = False
    for denominator, withheld in SMALL_CELL_SIDES:
        if denominator not in data:
            continue
        counts = pd.to_numeric(data[denominator], errors="coerce").to_numpy()
        empty = pd.notna(counts) & (counts == 0)  # no data on that side: missing, not small
        small = pd.notna(counts) & (counts > 0) & (counts < k)
        for c in withheld:
            if c in text:
                text.loc[empty, c] = WITHHELD
                text.loc[small, c] = f"< {k}" if c in COUNT_COLUMNS else WITHHELD
                suppressed = suppressed or bool(small.any())
    return suppressed


#: columns of a compare result shown by :func:`compare_table`, in order (absent ones skipped)
COMPARE_SUMMARY = (
    "metric", "unit", "trials_a", "rate_a", "trials_b", "rate_b", "diff", "diff_ci_low",
    "diff_ci_high", "ratio", "ratio_ci_low", "ratio_ci_high", "pvalue", "n_clusters_a",
    "n_clusters_b", "df", "expected_ratio", "covered", "ratio_method", "level", "status",
)  # fmt: skip


def compare_table(
    result: pd.DataFrame, *, by: str | Sequence[str] | None = None, **kwargs: Any
) -> Styler:
    """:func:`table` of a :func:`analysis.stats.compare.compare` result: the ``by`` columns, then
    :data:`COMPARE_SUMMARY` (columns absent from ``result`` are skipped)."""
    by = [] if by is None else [by] if isinstance(by, str) else list(by)
    columns = [*by, *(c for c in COMPARE_SUMMARY if c in result and c not in by)]
    return table(result, columns=columns, **kwargs)


def localize_axis(ax: Axes, *, lang: str, axis: str = "x", kind: str = "percent",
                  label: str | None = None, digits: int = 1) -> Axes:  # fmt: skip
    """Format an axis of a figure of :mod:`analysis.present.plots` or
    :mod:`analysis.present.time_plots` for ``lang``; return ``ax``.

    ``kind`` is ``percent`` (``9,1 %``), ``ratio`` (``2×``, log axes keep their ticks) or
    ``number``; ``label`` replaces the axis label (plain text: ``$`` is escaped). The legend
    entries the plots draw are translated too (``legend.estimate``, ``legend.truth``).
    """
    i18n.check_lang(lang)
    check_argument("axis", ("x", "y"), axis)
    check_argument("kind", ("percent", "ratio", "number"), kind)
    target = ax.xaxis if axis == "x" else ax.yaxis
    if kind == "percent":
        fmt = FuncFormatter(lambda v, _: i18n.format_percent(v, lang=lang, digits=digits))
    elif kind == "ratio":
        point = get_decimal_symbol(i18n.locale_of(lang))
        fmt = FuncFormatter(lambda v, _: f"{v:g}".replace(".", point) + "×")
    else:
        fmt = FuncFormatter(lambda v, _: i18n.format_number(v, lang=lang, digits=digits))
    target.set_major_formatter(fmt)
    if label is not None:
        (ax.set_xlabel if axis == "x" else ax.set_ylabel)(label.replace("$", r"\$"))
    legend = ax.get_legend()
    if legend is not None:
        english = {i18n.t(k): k for k in ("legend.estimate", "legend.truth")}
        for item in legend.get_texts():
            if item.get_text() in english:
                item.set_text(i18n.t(english[item.get_text()], lang=lang))
    return ax
