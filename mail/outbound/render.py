"""Template rendering: Jinja for both parts, MJML for the HTML part (one function each)."""

from __future__ import annotations

import re
import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
from mjml import mjml2html


def text_to_html(text: str) -> Markup:
    """Members' plain text as HTML: escaped, paragraphs kept, quoted lines muted."""
    paragraphs = []
    for block in text.split("\n\n"):
        lines = []
        for line in block.split("\n"):
            escaped = escape(line)
            if line.startswith(">"):
                escaped = Markup('<span style="color:#6a6058;">{}</span>').format(escaped)
            lines.append(escaped)
        if any(line.strip() for line in block.split("\n")):
            paragraphs.append(
                Markup('<p style="margin:0 0 14px 0;">{}</p>').format(Markup("<br>\n").join(lines))
            )
    return Markup("\n").join(paragraphs)


TEXT_WIDTH = 72


def reflow(text: str, width: int = TEXT_WIDTH) -> str:
    """Plain-text paragraphs re-wrapped once names and dates are in: a template's own
    line breaks would fall wherever a long or short name pushed them. Words are never
    split, so addresses and links stay whole."""
    out = []
    for paragraph in re.split(r"\n\s*\n", text.strip("\n")):
        words = " ".join(paragraph.split())
        out.append(textwrap.fill(words, width, break_long_words=False, break_on_hyphens=False))
    return "\n\n".join(out) + ("\n" if text.endswith("\n") else "")


@lru_cache(maxsize=8)
def _environment(templates_path: Path, html: bool) -> jinja2.Environment:
    env = _make_environment(templates_path, html)
    env.filters["text_to_html"] = text_to_html
    env.filters["reflow"] = reflow
    return env


def _make_environment(templates_path: Path, html: bool) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_path)),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_text(templates_path: Path, stem: str, context: dict[str, Any]) -> str:
    """Render templates/email/<stem>.txt, the plain-text part, written for humans."""
    return _environment(templates_path, False).get_template(f"email/{stem}.txt").render(context)


def render_html(templates_path: Path, stem: str, context: dict[str, Any]) -> str:
    """Render templates/email/<stem>.mjml through Jinja (escaping values), then MJML."""
    source = _environment(templates_path, True).get_template(f"email/{stem}.mjml").render(context)
    return mjml_to_html(source)


def mjml_to_html(source: str) -> str:
    """The one place that calls the MJML renderer (mjml-python, a Rust port of MJML)."""
    # No web fonts: they would be fetched from a third party by every mail client.
    return _STYLE.sub(_compact, mjml2html(source, disable_comments=True, fonts={}))


# Style sheets without their indentation: Gmail clips mail past ~102 KB, and both
# colour schemes' rules ride in every message.
_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.S)
_CSS_SPACE = re.compile(r"\s*([{};,])\s*|\s+(!important)|(:)\s+|(\s)\s+")


def _compact(match: re.Match[str]) -> str:
    css = _CSS_SPACE.sub(lambda m: m.group(1) or m.group(2) or m.group(3) or m.group(4), match[2])
    return match[1] + css.strip() + match[3]
