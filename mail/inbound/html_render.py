"""HTML to plain text as a reader sees it: one line per block, "> " for blockquotes.

A tree walk over lxml's parse, with a deadline checked as it goes, and a linear
tag-stripping fallback for markup too large or too broken for a tree.
"""

from __future__ import annotations

import re
import time


class OutOfTime(Exception):
    """The walk ran past its deadline."""


def _words(names: str) -> frozenset[str]:
    return frozenset(names.split())


# Markup whose content is never meant to be read as the message.
INVISIBLE = _words(
    "head script style title noscript template object iframe svg meta link base map"
    " audio video canvas"
)
_BLOCKS = _words(
    "address article aside blockquote caption center dd details dialog dir div dl dt"
    " fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main"
    " menu nav ol p pre section summary table tbody tfoot thead tr ul"
)
# Blocks with a blank line around them (a paragraph's margins).
_PARAGRAPHS = _words("p h1 h2 h3 h4 h5 h6 ul ol dl blockquote pre table figure")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all", re.IGNORECASE)
# Outlook and Outlook on the web set paragraph margins to zero in a style block:
# "p.MsoNormal {margin:0cm}", "P {margin-top:0;margin-bottom:0;}".
_ZERO_P_MARGINS = re.compile(
    r"(?:^|[},\s])p(?:\.msonormal)?\s*[,{][^}]*?\bmargin(?:-top)?\s*:\s*0(?:cm|in|pt|px)?\s*[;}]",
    re.IGNORECASE,
)
_SPACE = re.compile(r"[ \t\n\r\f\v]+")


def is_hidden(element) -> bool:
    if element.get("hidden") is not None:
        return True
    style = element.get("style")
    return bool(style) and _HIDDEN_STYLE.search(style) is not None


class _Writer:
    """Lines of text with "> " prefixes for the blockquotes they sit in."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.parts: list[str] = []
        self.depth = 0
        self.blank: int | None = None  # a paragraph's blank line is due, at this depth
        self.pre = 0

    def write(self, text: str) -> None:
        if not text:
            return
        if self.pre:
            for number, piece in enumerate(text.split("\n")):
                if number:
                    self.flush(force=True)
                if piece:
                    self.raw(piece)
            return
        text = _SPACE.sub(" ", text)
        if not self.parts or self.parts[-1].endswith(" "):
            text = text.lstrip(" ")
        if text:
            self.raw(text)

    def raw(self, text: str) -> None:
        """Text that keeps its spaces (a list marker, preformatted text)."""
        self._blank_if_due()
        self.parts.append(text)

    def _blank_if_due(self) -> None:
        if self.blank is not None:
            self.lines.append(">" * min(self.blank, self.depth))
            self.blank = None

    def _pending(self) -> bool:
        # A no-break space is content: Outlook's "<p>&nbsp;</p>" is an empty line.
        return any(part.strip(" ") for part in self.parts)

    def flush(self, force: bool = False) -> None:
        pending = self._pending()
        line = "".join(self.parts).replace("\xa0", " ").rstrip()
        self.parts = []
        if not pending and not force:
            return
        self._blank_if_due()
        prefix = ">" * self.depth
        self.lines.append(f"{prefix} {line}" if prefix and line else prefix + line)

    def block(self) -> None:
        if self._pending():
            self.flush()
        else:
            self.parts = []

    def paragraph(self) -> None:
        self.block()
        if self.lines and self.blank is None:
            self.blank = self.depth

    def text(self) -> str:
        """The lines, runs of blank lines made one, no blank lines at either end."""
        self.block()
        out: list[str] = []
        for line in self.lines:
            blank = not line.strip(">").strip()
            if blank and (not out or not out[-1].strip(">").strip()):
                continue
            out.append(line.rstrip())
        while out and not out[-1].strip(">").strip():
            out.pop()
        return "\n".join(out)


def render(root, deadline: float = float("inf")) -> str:
    """The visible text of a parsed document (see html_to_text)."""
    from lxml import etree

    writer = _Writer()
    lists: list[list[int]] = []  # for each open list: [is ordered, items so far]
    links: list[str] = []
    zero_margins = _paragraph_margins_are_zero(root)
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    steps = 0
    for event, element in walker:
        steps += 1
        if not steps % 512 and time.perf_counter() > deadline:
            raise OutOfTime
        if event in ("comment", "pi"):
            writer.write(element.tail or "")
            continue
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in INVISIBLE or is_hidden(element):
                walker.skip_subtree()
                if tag == "a":
                    links.append("")
                continue
            _open(writer, element, tag, lists, links, zero_margins)
            writer.write(element.text or "")
        else:
            if not (tag in INVISIBLE or is_hidden(element)):
                _close(writer, element, tag, lists, links, zero_margins)
            elif tag == "a":
                links.pop()
            writer.write(element.tail or "")
    return writer.text()


def _paragraph_margins_are_zero(root) -> bool:
    return any(_ZERO_P_MARGINS.search(style.text or "") for style in root.iter("style"))


def _open(writer: _Writer, element, tag: str, lists, links, zero_margins: bool) -> None:
    if tag == "br":
        writer.flush(force=True)
    elif tag == "li":
        writer.block()
        ordered, count = lists[-1] if lists else (0, 0)
        if lists:
            lists[-1][1] += 1
        indent = "  " * max(0, len(lists) - 1)
        writer.raw(f"{indent}{count + 1}. " if ordered else f"{indent}* ")
    elif tag in ("ul", "ol"):
        if lists:
            writer.block()
        else:
            writer.paragraph()
        lists.append([1 if tag == "ol" else 0, 0])
    elif tag == "blockquote":
        writer.paragraph()
        writer.depth += 1
    elif tag == "p" and _is_line(element, zero_margins):
        writer.block()
    elif tag in _PARAGRAPHS:
        writer.paragraph()
        if tag == "pre":
            writer.pre += 1
    elif tag in _BLOCKS:
        writer.block()
    elif tag in ("td", "th"):
        if "".join(writer.parts).strip():
            writer.write(" ")
    elif tag == "img":
        alt = element.get("alt") or ""
        if alt and ("emoji" in (element.get("class") or "") or element.get("data-emoji")):
            writer.write(alt)
    if tag == "a":
        links.append(_link_suffix(element))


def _close(writer: _Writer, element, tag: str, lists, links, zero_margins: bool) -> None:
    if tag == "a":
        suffix = links.pop() if links else ""
        if suffix:
            writer.write(suffix)
    elif tag in ("ul", "ol"):
        if lists:
            lists.pop()
        if lists:
            writer.block()
        else:
            writer.paragraph()
    elif tag == "blockquote":
        writer.paragraph()
        writer.depth = max(0, writer.depth - 1)
    elif tag == "p" and _is_line(element, zero_margins):
        writer.block()
    elif tag in _PARAGRAPHS:
        if tag == "pre":
            writer.pre = max(0, writer.pre - 1)
        writer.paragraph()
    elif tag in _BLOCKS:
        writer.block()


def _is_line(paragraph, zero_margins: bool) -> bool:
    """A paragraph without margins: one line, no blank line around it. Word's MsoNormal
    style has none, even where a client dropped the style block that says so."""
    return (
        zero_margins
        or "msonormal" in (paragraph.get("class") or "").lower()
        or _margin_zero(paragraph)
    )


def _margin_zero(element) -> bool:
    style = (element.get("style") or "").replace(" ", "").lower()
    return "margin:0" in style or ("margin-top:0" in style and "margin-bottom:0" in style)


def _link_suffix(anchor) -> str:
    """ " <url>" after a link whose visible text does not already show the URL."""
    href = (anchor.get("href") or "").strip()
    scheme = href.split(":", 1)[0].lower()
    if scheme not in ("http", "https", "mailto"):
        return ""  # javascript:, cid: and in-page anchors mean nothing in plain text
    target = href[len("mailto:") :] if scheme == "mailto" else href
    shown = anchor.text_content().strip()
    if not shown or target.rstrip("/") in shown:
        return ""
    return f" <{target}>"


# -- the fallback ---------------------------------------------------------------------------

_BREAK_TAGS = re.compile(r"(?i)<(?:br|/p|/div|/li|/tr|/h\d|/blockquote)\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")
_INVISIBLE_OPEN = re.compile(r"(?i)<(script|style|head|title)\b")


def strip_tags(html: str) -> str:
    """Text by pattern, in linear time: for markup too large or too broken for a tree."""
    from html import unescape

    kept: list[str] = []
    lowered = html.lower()
    position = 0
    while True:
        opening = _INVISIBLE_OPEN.search(html, position)
        if opening is None:
            kept.append(html[position:])
            break
        kept.append(html[position : opening.start()])
        closing = lowered.find(f"</{opening.group(1).lower()}", opening.end())
        if closing < 0:
            break
        position = html.find(">", closing)
        position = len(html) if position < 0 else position + 1
    text = _TAG.sub("", _BREAK_TAGS.sub("\n", "".join(kept)))
    lines = [" ".join(line.split()) for line in unescape(text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
