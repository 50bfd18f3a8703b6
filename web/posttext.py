"""Post text as HTML for archive pages: escaped, links made clickable, then sanitised.

Posts are stored as plain text and never shown as the HTML a member's client sent.
The text is escaped piece by piece around the links it contains, and the result goes
through nh3 with a short allow-list, so even a mistake here cannot let markup through.
"""

from __future__ import annotations

import re

import nh3
from markupsafe import Markup, escape

# http(s) URLs and bare www. names, up to white space or a character that usually ends
# a sentence rather than a URL.
_LINK = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", re.IGNORECASE)
ALLOWED_TAGS = {"p", "br", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
SCHEMES = {"http", "https", "mailto"}


def linkify(text: str) -> str:
    out, last = [], 0
    for match in _LINK.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        url = match.group(0)
        href = url if "://" in url else "https://" + url
        out.append(f'<a href="{escape(href)}">{escape(url)}</a>')
        last = match.end()
    out.append(str(escape(text[last:])))
    return "".join(out)


def post_html(text: str) -> Markup:
    """Paragraphs at blank lines, line breaks kept, links clickable; nothing else."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    html = "".join(f"<p>{linkify(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(cleaned)
