"""Personal data in shared pages: buyer identifiers masked by value, creator handles pseudonymised.

Column names are not enough (:func:`analysis.present.display.is_identifier` drops the columns
that name people): a phone number typed as a creator handle, an e-mail in a product title or a
numeric user id in a LIVE title is *data*, found here by its value. Every text a shared page shows
from data goes through :func:`mask`: table cells, headers and captions
(:func:`analysis.present.display.table`), the fields of every sentence
(:func:`analysis.present.i18n.t`) and every plot label (:func:`analysis.present.figure.plain_text`).

Rules (``docs/data-formats.md``, "Personal data in shared pages"), applied in this order:

- **e-mail**: ``local@domain.tld`` (RFC 5322 ``addr-spec`` without quoted local parts or IP
  literals), top-level domain of letters;
- **phone**: international (``+`` or ``00``, country code, then 8–15 digits in all, E.164 /
  ITU-T E.164 §6; spaces, dots, dashes, ``(0)`` and brackets allowed), French national
  (``0`` + ``1-9`` + four pairs, one separator kept throughout: ``06 12 34 56 78``,
  ``06.12.34.56.78``, ``0612345678``) and North American ``(415) 555-2671``. Not a phone:
  a date (``06/12/2026``, ``06.12.2026 14:30``: the separator changes), a price or a count
  grouped by thousands (``+12 345 678``: every group of three digits), a decimal, a percentage;
- **user id**: a standalone run of 15–20 digits (TikTok and GA4 user ids), not part of a word,
  a decimal or a longer number.

A model term names its level after ``T.`` (patsy: ``C(creator)[T.0612345678]``): that dot does
not protect a phone number or a user id from being masked.

A match is replaced by a fixed token (:data:`TOKENS`, translated in tables and sentences). Id
columns (:func:`is_id_column`: ``product_id``, ``content_id``, ``sku``, ...) name things, not
people, and are never masked.

Creator handles are shown as they are (``creators="shown"``, default) or pseudonymised
(``"pseudonymised"``): each handle becomes ``creator-`` + the first 8 hex digits of
HMAC-SHA256(key, handle) (RFC 2104, FIPS 180-4), the key being 32 random bytes kept in
:data:`KEY_FILE` in the data folder, created once and never published. The same handle gets the
same pseudonym every week the same data folder is reported (a new creator does not move the
others), and nobody without the key can test a guessed handle against a pseudonym (a plain hash
of a public handle could be reversed by hashing candidate handles). The pseudonyms are applied to
the data as it is read (:func:`pseudonymise`): the mapping is one-to-one, so every statistic is
unchanged, and the handle reaches no page, plot, sentence or notebook output.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.paths import resolve_data
from analysis.vocabulary import check_argument

__all__ = [
    "CREATOR_MODES",
    "ID_COLUMNS",
    "KEY_FILE",
    "PSEUDONYM_PREFIX",
    "TOKENS",
    "creator_key",
    "creator_name",
    "is_id_column",
    "is_pseudonym",
    "key_path",
    "mask",
    "mask_text",
    "personal_parameters",
    "personal_values",
    "pseudonym",
    "pseudonymise",
    "pseudonymise_interventions",
    "pseudonyms",
]

#: ``creators=`` of a report: handles shown as they are, or pseudonymised
CREATOR_MODES = ("shown", "pseudonymised")
#: what replaces each kind of personal data (English; tables and sentences translate them)
TOKENS = {"email": "[email hidden]", "phone": "[phone hidden]", "user_id": "[user id hidden]"}
#: the key file of the pseudonyms, in the data folder (a dot file: no loader reads it)
KEY_FILE = ".cartlift-key"
#: every pseudonym starts so
PSEUDONYM_PREFIX = "creator-"
#: column names of ids of things (after lower-casing, other characters -> ``_``): never masked
ID_COLUMNS = ("id", "sku", "ean", "gtin", "upc", "isbn", "asin", "barcode", "item_id",
              "variant_id", "order_id", "live_id", "video_id", "content_id", "product_id")  # fmt: skip

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00(?=[1-9]\d{0,2}[ .\-]))[1-9]\d{0,2}(?:[ .\-]?\(0\))?"
    r"(?>(?:[ .\-]?\(?\d{1,4}\)?){2,7})(?!\w|[.,]\d)"  # international (atomic: no backtracking)
    r"|(?:(?<![\w+.,/\-])|(?<=T\.))0[1-9](?P<sep>[ .\-]?)\d{2}(?:(?P=sep)\d{2}){3}(?!\w|[.,/\-]\d)"  # French
    r"|(?<![\w+.,/\-])\(\d{3}\) ?\d{3}[ .\-]\d{4}(?!\w|[.,]\d)"  # North American
)
_THOUSANDS = re.compile(r"\+\d{1,3}(?:[ ,.]\d{3})+")
_USER_ID = re.compile(r"(?:(?<![\w.,\-/])|(?<=T\.))\d{15,20}(?!\w|[.,]\d)")
_PSEUDONYM = re.compile(re.escape(PSEUDONYM_PREFIX) + r"[0-9a-f]{8,64}")


def _is_phone(found: str) -> bool:
    """A candidate of :data:`_PHONE` that has the digits of a phone number and is no grouped
    number: 8–15 digits after the ``+``/``00`` (``(0)`` not counted), 10 in a national form."""
    if _THOUSANDS.fullmatch(found):
        return False
    digits = re.sub(r"\D", "", found.replace("(0)", ""))
    if found.startswith("+"):
        return 8 <= len(digits) <= 15
    if found.startswith("00"):
        return 8 <= len(digits) - 2 <= 15
    return len(digits) == 10


def mask_text(text: str, tokens: Mapping[str, str] | None = None) -> tuple[str, Counter]:
    """``text`` with every e-mail, phone number and user id replaced by its token, and how many
    of each kind were replaced.

    Parameters
    ----------
    text : str
        Any text shown from data.
    tokens : mapping, optional
        ``{"email", "phone", "user_id"}`` -> replacement (default :data:`TOKENS`).

    Returns
    -------
    (str, collections.Counter)
        The masked text and ``{kind: replacements}`` (empty when nothing was masked).
    """
    tokens = {**TOKENS, **(tokens or {})}
    found: Counter = Counter()

    def replace(kind: str, check=None):
        def sub(m: re.Match) -> str:
            if check is not None and not check(m.group(0)):
                return m.group(0)
            found[kind] += 1
            return tokens[kind]

        return sub

    if "@" in text:
        text = _EMAIL.sub(replace("email"), text)
    if any(c.isdigit() for c in text):
        text = _PHONE.sub(replace("phone", _is_phone), text)
        text = _USER_ID.sub(replace("user_id"), text)
    return text, found


def mask(value: Any, tokens: Mapping[str, str] | None = None) -> Any:
    """``value`` masked (:func:`mask_text`) when it is a string; any other value as it is."""
    return mask_text(value, tokens)[0] if isinstance(value, str) else value


def is_id_column(name: object) -> bool:
    """True when column ``name`` holds ids of things (:data:`ID_COLUMNS`, or a name ending in
    ``_id``/``_sku`` that does not name people: ``user_id`` is an identifier, not an id)."""
    norm = re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")
    people = ("user", "buyer", "customer", "client", "device", "pseudo", "open", "union", "ip")
    if norm in ID_COLUMNS:
        return True
    head, _, tail = norm.rpartition("_")
    return tail in ("id", "sku", "ean") and not any(w in people for w in head.split("_"))


def personal_values(frame: pd.DataFrame) -> Counter:
    """Distinct text values of ``frame`` (id columns excepted) holding personal data, by kind
    (a value holding two kinds counts in both): what the data-quality page reports."""
    found: Counter = Counter()
    for c in frame.columns:
        if is_id_column(c) or not (frame[c].dtype == object or pd.api.types.is_string_dtype(
                frame[c])):  # fmt: skip
            continue
        for v in frame[c].dropna().unique():
            if isinstance(v, str):
                found.update(set(mask_text(v)[1]))
    return found


def personal_parameters(parameters: Mapping[str, Any]) -> dict[str, str]:
    """``{value: masked value}`` of the text ``parameters`` holding personal data (a creator
    handle that is a phone number, ``creator="06 12 34 56 78"``): what the published notebooks
    and the manifest show instead (the ``hidden`` map of
    :func:`analysis.report.provenance.run_metadata`)."""
    return {v: mask(v) for k, v in parameters.items()
            if isinstance(v, str) and not is_id_column(k) and mask(v) != v}  # fmt: skip


def key_path(data: str | Path) -> Path:
    """Where the pseudonym key of ``data`` lives: :data:`KEY_FILE` in the data folder (the
    folder given, or the folder of the file given; relative paths from the project root)."""
    path = resolve_data(data)
    return (path if path.is_dir() else path.parent) / KEY_FILE


def creator_key(data: str | Path, *, create: bool = True) -> bytes:
    """The 32-byte pseudonym key of ``data`` (:func:`key_path`, 64 hex digits), created with
    :func:`secrets.token_hex` when absent and ``create`` (exclusive create, ``O_EXCL``: two runs
    starting together keep one key; mode 0600 where the system has modes).

    Raises
    ------
    ValueError
        The key file exists but does not hold 64 hex digits (the message names it and says
        that deleting it changes every pseudonym).
    OSError
        The data folder cannot be written (the message names the file).
    """
    path = key_path(data)
    if create and not path.exists():
        try:
            # exclusive create, readable by its owner only (the mode is ignored on Windows)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii", newline="\n") as f:
                f.write(secrets.token_hex(32) + "\n")
        except FileExistsError:
            pass
        except OSError as err:
            raise OSError(f"{path}: cannot create the creator pseudonym key ({err}); make "
                          "the data folder writable or report with creators='shown'") from err  # fmt: skip
    text = path.read_text(encoding="ascii").strip()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise ValueError(f"{path}: not a pseudonym key (64 hex digits expected); restore it "
                         "from a backup, or delete it to start new pseudonyms (every creator "
                         "then gets a new one)")  # fmt: skip
    return bytes.fromhex(text)


def pseudonym(handle: str, key: bytes, digits: int = 8) -> str:
    """``creator-`` + the first ``digits`` hex digits of HMAC-SHA256(``key``, UTF-8 handle)."""
    mac = hmac.new(key, str(handle).encode("utf-8"), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + mac[:digits]


def pseudonyms(handles: Iterable[str], key: bytes) -> dict[str, str]:
    """``{handle: pseudonym}`` for the distinct ``handles``; the few that share 8 hex digits get
    12 (then 16, ...), so the mapping stays one-to-one."""
    names = sorted({str(h) for h in handles})
    out: dict[str, str] = {}
    for digits in range(8, 65, 4):
        todo = [h for h in names if h not in out]
        given = {h: pseudonym(h, key, digits) for h in todo}
        counts = Counter(given.values())
        out |= {h: p for h, p in given.items() if counts[p] == 1}
        if len(out) == len(names):
            break
    return out


def is_pseudonym(text: object) -> bool:
    """True when ``text`` is a pseudonym (``creator-`` and 8 to 64 hex digits)."""
    return isinstance(text, str) and bool(_PSEUDONYM.fullmatch(text))


def _rewrite(frame: pd.DataFrame, mapping: Mapping[str, str], words: re.Pattern | None):
    """``frame`` with ``creator`` mapped and every handle inside other text cells replaced."""
    out = frame.copy()
    for c in out.columns:
        col = out[c]
        if c == "creator":
            out[c] = col.map(lambda v: mapping.get(v, v) if isinstance(v, str) else v,
                             na_action="ignore").astype(col.dtype)  # fmt: skip
        elif words is not None and (col.dtype == object or pd.api.types.is_string_dtype(col)):
            values = {v: words.sub(lambda m: mapping[m.group(0)], v)
                      for v in col.dropna().unique() if isinstance(v, str)}  # fmt: skip
            if any(k != v for k, v in values.items()):
                out[c] = col.map(lambda v, d=values: d.get(v, v), na_action="ignore").astype(
                    col.dtype
                )
    return out


def pseudonymise(loaded: Any, *, creators: str = "shown", data: str | Path | None = None) -> Any:
    """``loaded`` (cells, or an :class:`analysis.sources.base.Loaded`) with creator handles
    pseudonymised when ``creators == "pseudonymised"``; as it is when ``"shown"``.

    The ``creator`` column takes :func:`pseudonyms` (key :func:`creator_key` of ``data``); a
    handle written inside any other text cell (a LIVE title ``Live with @ana``, a rejected
    value, a replaced row's key) is replaced by the same pseudonym, whole words only. Every
    frame of a ``Loaded`` is rewritten.

    Raises
    ------
    ValueError
        ``creators`` is not one of :data:`CREATOR_MODES`, or ``data`` is missing when it is
        needed (the key lives in the data folder).
    """
    check_argument("creators", CREATOR_MODES, creators)
    if creators == "shown":
        return loaded
    if data is None:
        raise ValueError("creators='pseudonymised' needs data= (the key lives in its folder)")
    frames = ({"cells": loaded} if isinstance(loaded, pd.DataFrame) else
              {f.name: getattr(loaded, f.name) for f in dataclasses.fields(loaded)})  # fmt: skip
    handles = {h for f in frames.values() if "creator" in f for h in f["creator"].dropna()
               if isinstance(h, str) and not is_pseudonym(h)}  # fmt: skip
    mapping = pseudonyms(handles, creator_key(data))
    ordered = sorted(mapping, key=len, reverse=True)
    words = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordered)) + r")(?!\w)") if ordered \
        else None  # fmt: skip
    out = {name: _rewrite(f, mapping, words) for name, f in frames.items()}
    return out["cells"] if isinstance(loaded, pd.DataFrame) else dataclasses.replace(loaded, **out)


def creator_name(handle: str, *, creators: str = "shown", data: str | Path | None = None) -> str:
    """What pages call the creator ``handle``: itself, or its pseudonym (:func:`pseudonym`; an
    empty handle or one already a pseudonym is returned as it is)."""
    check_argument("creators", CREATOR_MODES, creators)
    if creators == "shown" or not handle or is_pseudonym(handle):
        return handle
    if data is None:
        raise ValueError("creators='pseudonymised' needs data= (the key lives in its folder)")
    return pseudonym(handle, creator_key(data))


def pseudonymise_interventions(
    text: str, *, creators: str = "shown", data: str | Path | None = None
) -> str:
    """The ``interventions`` parameter (``"@ines:2026-10-26; @lea:2026-11-09"``) with each
    creator named as pages name her (:func:`creator_name`); the dates as they are."""
    parts = []
    for part in (p.strip() for p in str(text).split(";")):
        who, sep, day = part.rpartition("=" if "=" in part else ":")
        if part and sep and who.strip():
            part = f"{creator_name(who.strip(), creators=creators, data=data)}{sep}{day}"
        parts.append(part)
    return "; ".join(p for p in parts if p)
