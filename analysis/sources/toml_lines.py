"""Where each key of a TOML text is written: the line a shop-file error names
(:mod:`analysis.sources.shop_file`). ``tomllib`` parses but does not say where a key stands.
"""

from __future__ import annotations

import tomllib

__all__ = ["key_lines"]


def key_lines(text: str) -> dict[str, int]:
    """Where each key of a TOML text is: dotted key (``shop.timezone``, ``categories.123``,
    ``promotions[2].level``, ``creators.@ines.glow``) -> 1-based line. Tables map to their
    header line. Keys written in a form this scan does not follow are simply absent."""
    found: dict[str, int] = {}
    prefix, counts = "", {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("[[") and not stripped.startswith("[[ "):
            name = _header(stripped[2:].split("]]")[0])
            counts[name] = counts.get(name, 0) + 1
            prefix = f"{name}[{counts[name]}]"
            found[prefix] = number
        elif stripped.startswith("["):
            prefix = _header(stripped[1:].split("]")[0])
            found[prefix] = number
        elif "=" in stripped and not stripped.startswith("#"):
            key = _header(stripped.split("=")[0])
            found[f"{prefix}.{key}" if prefix else key] = number
    return found


def _header(key: str) -> str:
    """A TOML dotted key as its parts joined by dots (quotes removed)."""
    try:
        parsed = tomllib.loads(f"{key.strip()} = 0")
    except tomllib.TOMLDecodeError:
        return key.strip()
    parts = []
    while isinstance(parsed, dict) and len(parsed) == 1:
        ((name, parsed),) = parsed.items()
        parts.append(name)
    return ".".join(parts)
