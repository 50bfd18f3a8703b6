"""Email in both colour schemes, on a phone and a desktop, in a real browser (issue 12).

Chromium emulates `prefers-color-scheme` the way Apple Mail and iOS Mail apply it. Each
page is screenshotted under test-artifacts/ and measured: no sideways scrolling, dark
backgrounds in the dark scheme, and every piece of text readable on what is behind it,
in both schemes and after a Gmail-style inversion of the light one.
"""

from __future__ import annotations

import colorsys
import re

import pytest

from community.models import Commitment
from mail.outbound.render import render_html

from .test_digest_render import (
    ARTIFACTS,
    SCRIPT,
    TEMPLATES,
    personalised,
    prompt_context,
)

# WCAG 2: 4.5:1 for body text, 3:1 for large text (24px, or 18.66px bold).
BODY, LARGE = 4.5, 3.0
# The lightest surface a dark-scheme mail may put text on (its green buttons: 0.12).
MAX_DARK_SURFACE = 0.2

# Every visible element that holds text of its own: its colour, the first opaque
# background behind it, its size and weight, and a few words to name it by.
TEXT_COLOURS = """() => {
  const opaque = (el) => {
    for (; el; el = el.parentElement) {
      const bg = getComputedStyle(el).backgroundColor;
      if (bg && bg !== 'transparent' && !bg.endsWith(', 0)')) return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    if (el.closest('[style*="display:none"]')) continue;
    found.push({text: el.textContent.trim().slice(0, 40), color: style.color,
                background: opaque(el), size: parseFloat(style.fontSize),
                bold: parseInt(style.fontWeight) >= 700});
  }
  return found;
}"""


def rgb(css: str) -> tuple[float, float, float]:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return r / 255, g / 255, b / 255


def luminance(colour: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def gmail_inverted(colour: tuple[float, float, float]) -> tuple[float, float, float]:
    """Gmail's apps darken mail that has no dark design of theirs by flipping each
    colour's lightness and keeping its hue: a model of it, not its exact numbers."""
    h, lightness, s = colorsys.rgb_to_hls(*colour)
    return colorsys.hls_to_rgb(h, 1 - lightness, s)


def unreadable(texts: list[dict], transform=lambda c: c) -> list[str]:
    bad = []
    for t in texts:
        fg, bg = transform(rgb(t["color"])), transform(rgb(t["background"]))
        large = t["size"] >= 24 or (t["bold"] and t["size"] >= 18.66)
        ratio = contrast(fg, bg)
        if ratio < (LARGE if large else BODY):
            bad.append(f"{t['text']!r}: {t['color']} on {t['background']} = {ratio:.2f}")
    return bad


def light_surfaces(texts: list[dict]) -> list[str]:
    """Text on a light box: in the dark scheme every surface is dark, not only the card
    (a pale box in a dark mail glares, however readable its text)."""
    return [
        f"{t['text']!r} on {t['background']}"
        for t in texts
        if luminance(rgb(t["background"])) > MAX_DARK_SURFACE
    ]


def pages() -> dict[str, str]:
    urls = {
        f"{n}_url": f"https://circles.example/checkin/{n}" for n in ("done", "partly", "not_done")
    }
    prompt = prompt_context(previous=SCRIPT, checkin_when="Friday 13 March, 16:00")
    return {
        "digest-lively": personalised("lively")[0],
        "digest-preview": personalised("lively", preview=True)[0],
        "digest-quiet": personalised("quiet")[0],
        "commitment_prompt": render_html(TEMPLATES, "commitment_prompt", prompt),
        "checkin_prompt": render_html(
            TEMPLATES,
            "checkin_prompt",
            prompt_context(commitment=Commitment(text="Ship the beta"), **urls),
        ),
    }


PAGES = pages()


def test_every_email_declares_both_schemes_and_styles_the_dark_one():
    for name, html in PAGES.items():
        head = html.split("</head>", 1)[0]
        assert '<meta name="color-scheme" content="light dark"' in head, name
        assert '<meta name="supported-color-schemes" content="light dark"' in head, name
        assert re.search(r"@media \(prefers-color-scheme: ?dark\)", head), name
        # Outlook.com darkens mail itself and marks what it changed: rules for those
        # marks, in a style element of their own.
        styles = re.findall(r"<style[^>]*>(.*?)</style>", head, re.S)
        outlook = [s for s in styles if "[data-ogsc]" in s]
        assert len(outlook) == 1 and "[data-ogsb] .k-card" in outlook[0], name
        assert not any("[data-ogs" in s for s in styles if s is not outlook[0])
    for path in sorted((TEMPLATES / "email").glob("*.mjml")):
        if not path.name.startswith("_"):
            assert path.read_text().startswith('{% extends "email/_layout.mjml" %}'), path.name


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1200])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_email_reads_well_in_both_schemes_on_phone_and_desktop(browser, name, scheme, width):
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page.set_content(PAGES[name])
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"email-{name}-{scheme}-{width}.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width + 1, f"{name} overflows at {width}px: {scroll_width}px"
        card = rgb(
            page.evaluate("getComputedStyle(document.querySelector('.k-card')).backgroundColor")
        )
        body = rgb(page.evaluate("getComputedStyle(document.body).backgroundColor"))
        if scheme == "dark":
            assert luminance(card) < 0.03 and luminance(body) < 0.03, (name, card, body)
        else:
            assert luminance(card) > 0.9, (name, card)
        texts = page.evaluate(TEXT_COLOURS)
        assert len(texts) > 10
        bad = unreadable(texts) + (light_surfaces(texts) if scheme == "dark" else [])
        assert bad == [], "\n".join(bad)
        if scheme == "light":
            inverted = unreadable(texts, gmail_inverted)
            assert inverted == [], "after inversion:\n" + "\n".join(inverted)
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize(("width", "stacked"), [(375, True), (1200, False)])
def test_the_rounds_badge_goes_under_the_name_on_a_phone(browser, width, stacked):
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.set_content(PAGES["digest-lively"])
        rows = page.evaluate(
            """() => [...document.querySelectorAll('tr')].filter(
                 tr => tr.querySelector(':scope > .k-res')).map(tr => {
               const who = tr.querySelector(':scope > td').getBoundingClientRect();
               const result = tr.querySelector('.k-res').getBoundingClientRect();
               return {whoBottom: who.bottom, whoWidth: who.width,
                       resultTop: result.top, resultLeft: result.left, whoLeft: who.left};
             })"""
        )
        assert len(rows) == 7
        for r in rows:
            if stacked:  # under the name, from the same left edge, the name full width
                assert (
                    r["resultTop"] >= r["whoBottom"] - 1 and abs(r["resultLeft"] - r["whoLeft"]) < 2
                )
                assert r["whoWidth"] > width * 0.7
            else:  # beside it
                assert r["resultTop"] < r["whoBottom"] and r["resultLeft"] > r["whoLeft"] + 100
    finally:
        page.close()
