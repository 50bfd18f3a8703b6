"""HTML bodies to text, with quoted history and signatures cut where the client marked them.

Mail clients mark what they quote: Gmail's `gmail_quote`, Outlook's `divRplyFwdMsg`,
Apple's `<blockquote type="cite">`, Thunderbird's `moz-cite-prefix`, and so on (the
tables below). History is cut in the DOM before the text is made, so no guess about
wording is needed; a quote the sender answers underneath (bottom-posting, inline replies)
is kept as "> " lines for the text rules to judge. The work is bounded: markup past
MAX_DOM_CHARS and rendering past TIME_BUDGET fall back to stripping tags.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from community.incoming import Trim

from .markers import header_kind, is_footer

MAX_DOM_CHARS = 1_000_000  # markup parsed into a tree; most replies are under 100 KB
TIME_BUDGET = 0.5  # seconds of tree walking per body before falling back to tag stripping
MAX_TRIM_TEXT = 2000
MAX_MARKERS = 200  # marked elements considered; real replies have a handful

HISTORY = "history"  # the element holds quoted history
START = "start"  # quoted history starts here and runs to the end of the document
SIGNATURE = "signature"


@dataclass(frozen=True)
class Marker:
    """One client's markup: `attribute` holds `value` (lower-case; "=" prefix: exactly,
    "^": at the start, else anywhere, since clients prefix class names when they
    quote each other: "x_divRplyFwdMsg", "ydp3f2yahoo_quoted", "m_123gmail_quote")."""

    rule: str
    role: str
    attribute: str
    value: str
    tag: str | None = None

    def matches(self, tag: str, value: str) -> bool:
        if self.tag is not None and tag != self.tag:
            return False
        if self.value.startswith("="):
            return value == self.value[1:]
        if self.value.startswith("^"):
            return value.startswith(self.value[1:])
        return self.value in value


MARKERS: tuple[Marker, ...] = (
    # Gmail web, Android and iOS (and Superhuman, which writes Gmail's markup).
    Marker("gmail_quote", HISTORY, "class", "gmail_quote"),
    Marker("gmail_extra", HISTORY, "class", "gmail_extra"),
    Marker("gmail_signature", SIGNATURE, "class", "gmail_signature"),
    # Outlook on the web and Outlook.com: the header block and the old message follow
    # the reply as siblings, so everything from the marker on is history.
    Marker("appendonsend", START, "id", "appendonsend"),
    Marker("divRplyFwdMsg", START, "id", "divrplyfwdmsg"),
    Marker("outlook_signature", SIGNATURE, "id", "=signature"),
    Marker("outlook_signature", SIGNATURE, "id", "x_signature"),
    # Outlook for Mac.
    Marker("OLK_SRC_BODY_SECTION", START, "id", "olk_src_body_section"),
    # New Outlook, Outlook for iOS and Android; Spark uses the section names too.
    Marker("mail-editor-reference-message-container", START, "id", "reference-message-container"),
    Marker("ms-outlook-mobile-signature", SIGNATURE, "id", "ms-outlook-mobile-signature"),
    Marker("messageReplySection", HISTORY, "name", "=messagereplysection"),
    Marker("messageSignatureSection", SIGNATURE, "name", "=messagesignaturesection"),
    # Apple Mail, iOS Mail, iCloud, Thunderbird, Fastmail, Proton: <blockquote type=cite>.
    Marker("blockquote_cite", HISTORY, "type", "=cite", tag="blockquote"),
    # Thunderbird.
    Marker("moz-cite-prefix", HISTORY, "class", "moz-cite-prefix"),
    Marker("moz-forward-container", HISTORY, "class", "moz-forward-container"),
    Marker("moz-signature", SIGNATURE, "class", "moz-signature"),
    # Yahoo Mail.
    Marker("yahoo_quoted", HISTORY, "class", "yahoo_quoted"),
    Marker("yahoo_quoted", HISTORY, "id", "yahoo_quoted"),
    Marker("yahoo_signature", SIGNATURE, "class", "ymail_android_signature"),
    Marker("yahoo_signature", SIGNATURE, "id", "ymail_android_signature"),
    # Proton Mail.
    Marker("protonmail_quote", HISTORY, "class", "protonmail_quote"),
    Marker("protonmail_signature", SIGNATURE, "class", "protonmail_signature_block"),
    # Zoho Mail.
    Marker("zmail_extra", HISTORY, "class", "zmail_extra"),
    Marker("zoho_signature", SIGNATURE, "id", "^zm-_id_-sgn"),
    # GMX and Web.de.
    Marker("gmx_quote", HISTORY, "name", "=quote"),
    # Zimbra (and the webmails built on it).
    Marker("zimbra_divider", START, "data-marker", "__divider__"),
    Marker("zimbra_headers", START, "data-marker", "__headers__"),
    Marker("zimbra_quote", HISTORY, "data-marker", "__quoted_text__"),
    Marker("zimbra_signature", SIGNATURE, "data-marker", "__sig_pre__"),
    Marker("zimbra_divider", START, "id", "=zwchr"),
    # Windows Live Hotmail and Windows Mail.
    Marker("stopSpelling", START, "id", "stopspelling"),
    Marker("windows_mail_signature", SIGNATURE, "data-signatureblock", "=true"),
    # NetEase, Sina, Samsung Email.
    Marker("isReplyContent", HISTORY, "id", "isreplycontent"),
    Marker("origbody", START, "id", "=origbody"),
    Marker("samsung_signature", SIGNATURE, "id", "composer_signature"),
)


def _words(names: str) -> frozenset[str]:
    return frozenset(names.split())


# Markup whose content is never meant to be read as the message.
_INVISIBLE = _words(
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
_BORDER_TOP = re.compile(r"border-top\s*:[^;]*solid", re.IGNORECASE)
# Outlook and Outlook on the web set paragraph margins to zero in a style block:
# "p.MsoNormal {margin:0cm}", "P {margin-top:0;margin-bottom:0;}".
_ZERO_P_MARGINS = re.compile(
    r"(?:^|[},\s])p(?:\.msonormal)?\s*[,{][^}]*?\bmargin(?:-top)?\s*:\s*0(?:cm|in|pt|px)?\s*[;}]",
    re.IGNORECASE,
)
_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class HtmlText:
    full: str  # everything readable, quoted history included ("> " for blockquotes)
    reply: str  # the same with client-marked history and signatures cut
    cuts: tuple[Trim, ...] = ()
    problem: str | None = None  # why the work was cut short, if it was


class _OutOfTime(Exception):
    pass


def html_to_text(html: str, *, budget: float = TIME_BUDGET, full: bool = True) -> HtmlText:
    """Readable text from an HTML body: blocks on their own lines, blockquotes as "> "
    lines, links keep their URL, script and style content never shown.

    With `full` false only the client-marked cuts and the reply are made (the HTML
    alternative of a text part). Never raises: markup too large to parse, or too slow
    to walk, is read by stripping tags instead, and `problem` says so.
    """
    if len(html) > MAX_DOM_CHARS:
        text = strip_tags(html)
        return HtmlText(text, text, problem=f"HTML over {MAX_DOM_CHARS} characters; tags stripped")
    try:
        root = _parse(html)
    except Exception:
        root = None
    if root is None:
        text = strip_tags(html)
        return HtmlText(text, text)
    deadline = time.perf_counter() + budget
    try:
        whole = render(root, deadline) if full else ""
        cuts = _cut_client_markup(root)
        reply = render(root, deadline) if cuts else whole
    except _OutOfTime:
        text = strip_tags(html)
        return HtmlText(text, text, problem=f"HTML conversion over {budget:g}s; tags stripped")
    return HtmlText(whole, reply, tuple(cuts))


def _parse(html: str):
    from lxml.html import document_fromstring

    cleaned = _CONTROL_CHARS.sub("", _XML_DECLARATION.sub("", html, count=1))
    if not cleaned.strip():
        return None
    return document_fromstring(cleaned)


# -- client markup --------------------------------------------------------------------------


def _elements(root) -> Iterator:
    return (element for element in root.iter() if isinstance(element.tag, str))


def find_markers(root) -> list[tuple[object, Marker]]:
    """Every element carrying a client's marker, in document order."""
    found = []
    for element in _elements(root):
        marker = _marker_of(element)
        if marker is not None:
            found.append((element, marker))
    return found


_BY_ATTRIBUTE: dict[str, list[Marker]] = {}
for _marker in MARKERS:
    _BY_ATTRIBUTE.setdefault(_marker.attribute, []).append(_marker)


def _marker_of(element) -> Marker | None:
    attrib = element.attrib
    if not attrib:
        return None
    tag = element.tag
    for name, value in attrib.items():
        for marker in _BY_ATTRIBUTE.get(name.lower(), ()):
            if value and marker.matches(tag, value.lower()):
                return marker
    if tag == "div" and _is_word_separator(element):
        return Marker("outlook_separator", START, "style", "border-top")
    return None


def _is_word_separator(element) -> bool:
    """Outlook desktop's rule above the quoted header block: a div with a solid top border
    whose text opens with a header label ("From:", "Von:", "De :")."""
    style = element.get("style") or ""
    if not _BORDER_TOP.search(style):
        return False
    snippet = " ".join(element.text_content()[:200].split())
    return header_kind(snippet) is not None


@dataclass
class _Layout:
    """Where each element starts and ends in document order, and each piece of visible
    text with the innermost marked element holding it: enough to tell trailing history
    from history the sender answers below."""

    start: dict[object, int] = field(default_factory=dict)
    end: dict[object, int] = field(default_factory=dict)
    notes: list[tuple[int, str, object]] = field(default_factory=list)

    def encloses(self, outer, inner) -> bool:
        return self.start[outer] < self.start[inner] and self.end[outer] > self.end[inner]

    def text_around(self, element) -> tuple[str, str]:
        """(text before, text after) `element` that is the sender's as far as markup
        tells: outside every marked element, or inside one that holds `element`."""
        low, high = self.start[element], self.end[element]
        before, after = [], []
        for position, text, holder in self.notes:
            if holder is not None and not self.encloses(holder, element):
                continue
            if position < low:
                before.append(text)
            elif position > high:
                after.append(text)
        return " ".join(before), " ".join(after)


def _layout(root, marked: set) -> _Layout:
    from lxml import etree

    layout = _Layout()
    holders: list[object] = []
    position = 0
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, element in walker:
        position += 1
        holder = holders[-1] if holders else None
        if event in ("comment", "pi"):
            _note(layout, position, element.tail, holder)
            continue
        if event == "start":
            layout.start[element] = position
            if element in marked:
                holders.append(element)
            if element.tag in _INVISIBLE or _is_hidden(element):
                walker.skip_subtree()
            else:
                _note(layout, position, element.text, holders[-1] if holders else None)
        else:
            layout.end[element] = position
            if holders and holders[-1] is element:
                holders.pop()
            _note(layout, position, element.tail, holders[-1] if holders else None)
    return layout


def _note(layout: _Layout, position: int, text: str | None, holder: object) -> None:
    if text and text.strip():
        layout.notes.append((position, text.strip(), holder))


def _cut_client_markup(root) -> list[Trim]:
    """Cut trailing history and signatures where the client marked them; return the cuts.

    History is cut only when the sender wrote something before it (a forward without a
    note is the sender's message) and nothing after it (else it is answered below).
    """
    found = find_markers(root)[:MAX_MARKERS]
    if not found:
        return []
    layout = _layout(root, {element for element, _ in found})
    cuts: list[Trim] = []
    history_at: int | None = None
    for element, marker in found:
        if marker.role == SIGNATURE or element not in layout.start:
            continue
        _, after = layout.text_around(_region_end(element, marker))
        if not layout.text_around(element)[0]:
            break  # nothing new before the earliest history: leave it to the text rules
        trailing = marker.role == START or _only_footer(after)
        if trailing and (marker.role == START or not _answered_inside(element)):
            history_at = layout.start[element]
            cuts.append(Trim(f"html:{marker.rule}", _cut_from(root, element)))
            break
    for element, marker in found:
        if marker.role != SIGNATURE or element not in layout.start:
            continue
        if history_at is not None and layout.start[element] > history_at:
            continue
        if layout.text_around(element)[0] and element.getparent() is not None:
            cuts.append(Trim(f"html:{marker.rule}", _text_of(element)))
            _drop(element)
    return cuts


def _answered_inside(element) -> bool:
    """Whether the sender wrote between the quotes of a quote container: Gmail puts
    inline answers inside its gmail_quote div, between the blockquotes it quotes."""
    from lxml import etree

    quotes = 0
    seen_quote = False
    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        if event == "start":
            if node.tag in _INVISIBLE:
                walker.skip_subtree()
                continue
            if node.tag == "blockquote":
                quotes += 1
                seen_quote = True
            elif seen_quote and not quotes and (node.text or "").strip():
                return True
        else:
            if node.tag == "blockquote":
                quotes -= 1
            if seen_quote and not quotes and node is not element and (node.tail or "").strip():
                return True
    return False


def _region_end(element, marker: Marker):
    """The last element of a marker's region: Thunderbird's attribution div is followed
    by the blockquote it introduces."""
    if marker.rule == "moz-cite-prefix":
        following = element.getnext()
        if following is not None and following.tag == "blockquote":
            return following
    return element


def _only_footer(text: str) -> bool:
    collapsed = " ".join(text.split())
    return not collapsed or (len(collapsed) <= 120 and is_footer(collapsed))


def _cut_from(root, element) -> str:
    """Remove `element` and everything after it in document order; return its text."""
    removed = [_text_of(element)]
    node = element
    while node is not None and node is not root:
        parent = node.getparent()
        if parent is None:
            break
        for sibling in list(node.itersiblings()):
            removed.append(_text_of(sibling))
            parent.remove(sibling)
        if node is not element and node.tail:
            removed.append(node.tail)
            node.tail = None
        node = parent
    element.tail = None
    _drop(element)
    return " ".join(" ".join(removed).split())[:MAX_TRIM_TEXT]


def _text_of(element) -> str:
    try:
        text = " ".join(element.itertext())
    except Exception:
        return ""
    return " ".join(text.split())[:MAX_TRIM_TEXT]


def _drop(element) -> None:
    # An element already removed with an ancestor has no parent left; skip it.
    if element.getparent() is not None:
        element.drop_tree()


def _is_hidden(element) -> bool:
    if element.get("hidden") is not None:
        return True
    style = element.get("style")
    return bool(style) and _HIDDEN_STYLE.search(style) is not None


# -- rendering ------------------------------------------------------------------------------


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
            raise _OutOfTime
        if event in ("comment", "pi"):
            writer.write(element.tail or "")
            continue
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _INVISIBLE or _is_hidden(element):
                walker.skip_subtree()
                if tag == "a":
                    links.append("")
                continue
            _open(writer, element, tag, lists, links, zero_margins)
            writer.write(element.text or "")
        else:
            if not (tag in _INVISIBLE or _is_hidden(element)):
                _close(writer, tag, lists, links, zero_margins)
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
    elif tag == "p" and (zero_margins or _margin_zero(element)):
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


def _close(writer: _Writer, tag: str, lists, links, zero_margins: bool) -> None:
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
    elif tag == "p" and zero_margins:
        writer.block()
    elif tag in _PARAGRAPHS:
        if tag == "pre":
            writer.pre = max(0, writer.pre - 1)
        writer.paragraph()
    elif tag in _BLOCKS:
        writer.block()


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
