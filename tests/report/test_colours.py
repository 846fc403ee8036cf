"""Colours anyone can read: the templates' text on its background meets WCAG 2.1 AA (contrast
ratio >= 4.5:1, https://www.w3.org/TR/WCAG21/#contrast-minimum), and the plots' colours stay
apart with colour-blind vision (protanopia, deuteranopia, tritanopia simulated with the matrices
of Machado, Oliveira & Fernandes 2009, "A physiologically-based model for simulation of color
vision deficiency", IEEE TVCG 15(6), severity 1; distance: CIE76 Delta E in CIELAB, D65)."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import seaborn as sns

from analysis.paths import PROJECT_ROOT
from analysis.present import plots, time_plots
from analysis.present.figure import BLUE, RED, palette

TEMPLATES = {
    "page": PROJECT_ROOT / "templates" / "report" / "index.html.j2",
    "index": PROJECT_ROOT / "templates" / "index.html.j2",
}
#: the page's text where no rule sets one: nbconvert's lab theme (--jp-content-font-color1,
#: rgba(0, 0, 0, 0.87) on white) and the index's body rule
BODY = {"page": ("#212121", "#ffffff"), "index": (None, "#ffffff")}
AA = 4.5
#: Machado et al. (2009), severity 1.0, on linear RGB
CVD = {
    "protan": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
               [-0.003882, -0.048116, 1.051998]],
    "deutan": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
               [-0.011820, 0.042940, 0.968881]],
    "tritan": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
               [0.004733, 0.691367, 0.303900]],
}  # fmt: skip
#: the least CIE76 distance two fixed colours of one figure keep under each simulation (red
#: against green, #c00000 and #2e7d32, keep 19: what this rejects)
APART = 25.0


def _linear(colour: str) -> np.ndarray:
    """sRGB ``#rgb``/``#rrggbb`` to linear RGB (IEC 61966-2-1)."""
    h = colour.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    c = np.array([int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def contrast(text: str, background: str) -> float:
    """WCAG 2.1 contrast ratio (L1 + 0.05) / (L2 + 0.05) of relative luminances."""
    lum = sorted(float(_linear(c) @ [0.2126, 0.7152, 0.0722]) for c in (text, background))
    return (lum[1] + 0.05) / (lum[0] + 0.05)


def _lab(rgb: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ np.clip(rgb, 0, 1)  # fmt: skip
    xyz = xyz / [0.95047, 1.0, 1.08883]
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def apart(a: str, b: str) -> float:
    """The least CIE76 distance of ``a`` and ``b`` under the three simulated deficiencies."""
    return min(float(np.linalg.norm(_lab(np.array(m) @ _linear(a)) - _lab(np.array(m) @ _linear(b))))
               for m in CVD.values())  # fmt: skip


def _blocks(css: str, media: str) -> str:
    """The rules that apply to ``media`` ("screen" or "print"): outside any ``@media print``
    block, then (print) that block's own; other media queries flattened (they add layout)."""
    kept, inside, at = [], [], 0
    for match in re.finditer(r"@media\s+print\s*\{", css):
        depth, end = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        kept.append(css[at : match.start()])
        inside.append(css[match.end() : end - 1])
        at = end
    kept.append(css[at:])
    text = "".join(kept + (inside if media == "print" else []))
    return re.sub(r"@(?:media|supports)[^{]*\{", "", text)


def rules(template: str, media: str = "screen") -> dict[str, dict[str, str]]:
    """``selector -> {property: value}`` of the template's ``<style>`` block for ``media``."""
    css = re.search(r"<style[^>]*>(.*?)</style>", TEMPLATES[template].read_text("utf-8"), re.S)
    assert css, template
    text = _blocks(re.sub(r"/\*.*?\*/", "", css.group(1), flags=re.S), media)
    found: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        props = dict(p.split(":", 1) for p in body.split(";") if ":" in p)
        props = {k.strip(): v.strip() for k, v in props.items()}
        for selector in selectors.split(","):
            found.setdefault(" ".join(selector.split()), {}).update(props)
    return found


def _own(props: dict[str, str], name: str) -> str | None:
    value = props.get(name) or (props.get("background") if name == "background-color" else None)
    colour = re.search(r"#[0-9a-fA-F]{3,6}\b", value or "")
    return colour.group(0) if colour else None


def pairs(template: str, media: str = "screen") -> dict[str, tuple[str, str]]:
    """``selector -> (text colour, background)`` for each rule setting either: what it does not
    set comes from the rule of its ancestor selector (``.a .b`` from ``.a``), else the page's."""
    found = rules(template, media)
    body_text, body_back = BODY[template]
    body_text = _own(found.get("body", {}), "color") or body_text

    def inherited(selector: str, name: str, default: str) -> str:
        while selector:
            own = _own(found.get(selector, {}), name)
            if own:
                return own
            selector = " ".join(selector.split()[:-1])
        return default

    return {s: (inherited(s, "color", body_text), inherited(s, "background-color", body_back))
            for s, props in found.items()
            if _own(props, "color") or _own(props, "background-color")}  # fmt: skip


@pytest.mark.parametrize("media", ["screen", "print"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_text_colour_of_the_templates_meets_wcag_aa(template, media):
    found = pairs(template, media)
    assert len(found) >= 5  # the rules were read
    low = {s: round(contrast(*p), 2) for s, p in found.items() if contrast(*p) < AA}
    assert low == {}


def test_contrast_and_parsing_against_known_values():
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just below AA
    assert pairs("page")[".cartlift-run .note"] == ("#555", "#f6f7f9")  # the header's grey
    assert pairs("page", "print")[".cartlift-run .note"] == ("#555", "#ffffff")  # no fill


def test_plot_colours_stay_apart_for_colour_blind_readers():
    assert apart("#c00000", "#2e7d32") < APART  # red and green: what the test rejects
    mappings = {"sides": plots.SIDE_COLORS, "arms": time_plots.ARM_COLORS,
                "windows": time_plots.WINDOW_COLORS, "flags": time_plots.FLAG_COLORS,
                "funnel": {"inside": BLUE, "outside": RED}}  # fmt: skip
    close = {(name, a, b): round(apart(a, b))
             for name, colours in mappings.items()
             for a, b in itertools.combinations(colours.values(), 2) if apart(a, b) < APART}  # fmt: skip
    assert close == {}


def test_other_groups_take_the_colour_blind_palette():
    got = palette(["@a", "@b", "@c"], {"@a": BLUE})
    assert got["@a"] == BLUE
    assert [got["@b"], got["@c"]] == sns.color_palette("colorblind", 2)
