"""Colour contrast of the site's own CSS (WCAG 2.2, 1.4.3 and 1.4.11), computed from the values in
static/css/site.css: every text colour ≥ 4.5:1 on every background it appears on, the focus ring ≥ 3:1."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "site.css").read_text()


def _hex(value: str) -> tuple[int, int, int]:
    value = value.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    hi, lo = sorted((luminance(_hex(a)), luminance(_hex(b))), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def variable(name: str) -> str:
    match = re.search(rf"{re.escape(name)}:\s*(#[0-9a-fA-F]{{3,6}})\b", CSS)
    assert match, f"{name} is not set in site.css"
    return match.group(1)


def rule_colour(selector: str, prop: str = "color") -> str:
    match = re.search(rf"(?m)^{re.escape(selector)}\s*\{{[^}}]*?\b{prop}:\s*(#[0-9a-fA-F]{{3,6}})", CSS)
    assert match, f"{selector} {{ {prop} }} is not in site.css"
    return match.group(1)


PAGE = rule_colour("body", "background")
# The backgrounds text sits on: white (cards, tables, inputs), the page, Bootstrap's striped row (5 % black on white),
# bg-light, and the alerts' subtle backgrounds (Bootstrap 5.3).
BACKGROUNDS = {
    "white": "#ffffff",
    "page": PAGE,
    "striped row": "#f2f2f2",
    "bg-light": "#f8f9fa",
    "alert-danger": "#f8d7da",
    "alert-success": "#d1e7dd",
    "alert-warning": "#fff3cd",
    "alert-info": "#cff4fc",
    "alert-primary": "#cfe2ff",
    "alert-secondary": "#e2e3e5",
}
TEXT = {
    "link (--bs-link-color)": variable("--bs-link-color"),
    "link hover": variable("--bs-link-hover-color"),
    "primary (text-primary, btn-outline-primary)": variable("--bs-primary"),
    "danger (text-danger, btn-outline-danger)": variable("--bs-danger"),
    "success (text-success)": variable("--bs-success"),
    "secondary (text-secondary, btn-outline-secondary)": variable("--bs-secondary"),
    "muted (--bs-secondary-color, form-text)": variable("--bs-secondary-color"),
    "text-muted": rule_colour(".text-muted, .text-body-secondary"),
    "check-ok": rule_colour(".check-ok"),
    "check-fail": rule_colour(".check-fail"),
    "error list": rule_colour(".errorlist, .invalid-feedback"),
    "required mark": rule_colour(".required-mark, .asteriskField"),
    "footer": rule_colour(".site-footer"),
}
# White text on filled colours: buttons, badges (bg-*, text-bg-*), the header and the navigation.
FILLED = {
    "btn-primary / bg-primary": variable("--bs-primary"),
    "badge bg-danger / btn-danger": variable("--bs-danger"),
    "badge bg-success": variable("--bs-success"),
    "badge bg-secondary": variable("--bs-secondary"),
    "header": variable("--brand"),
    "navigation": variable("--brand-dark"),
}


def table() -> list[tuple[str, str, float]]:
    rows = [(text, bg, contrast(fg, colour)) for text, fg in TEXT.items() for bg, colour in BACKGROUNDS.items()]
    rows += [("white text", fill, contrast("#ffffff", colour)) for fill, colour in FILLED.items()]
    return rows


def test_the_contrast_function():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#0d6efd", "#f5f6f8") == pytest.approx(4.16, abs=0.01)  # Bootstrap's link on the page: too low


@pytest.mark.parametrize(("text", "background", "ratio"), table(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_text_colour_reaches_4_5_to_1(text, background, ratio):
    assert ratio >= 4.5, f"{text} on {background}: {ratio:.2f}:1"


def test_the_focus_ring_is_at_least_2px_and_3_to_1():
    match = re.search(r"(?m)^:focus-visible\s*\{[^}]*outline:\s*(\d+)px solid var\((--[\w-]+)\)", CSS)
    assert match, ":focus-visible has no outline"
    assert int(match.group(1)) >= 2
    ring = variable(match.group(2))
    for name, colour in BACKGROUNDS.items():
        assert contrast(ring, colour) >= 3, name
    # on the dark red header and navigation the ring is white
    header = re.search(r"(?m)^\.site-header :focus-visible\s*\{[^}]*outline-color:\s*(#[0-9a-fA-F]{3,6})", CSS)
    assert header
    for colour in (variable("--brand"), variable("--brand-dark")):
        assert contrast(header.group(1), colour) >= 3


if __name__ == "__main__":  # python tests/core/test_contrast.py prints the table
    for text, background, ratio in table():
        print(f"{ratio:5.2f}  {text} on {background}")
