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
from typing import Any

from community.incoming import Trim

from .html_render import INVISIBLE, OutOfTime, is_hidden, render, strip_tags
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
    Marker("iosymail", HISTORY, "class", "iosymail", tag="blockquote"),  # Yahoo for iOS
    # Proton Mail.
    Marker("protonmail_quote", HISTORY, "class", "protonmail_quote"),
    Marker("protonmail_signature", SIGNATURE, "class", "protonmail_signature_block"),
    # Tutanota and Skiff.
    Marker("tutanota_quote", HISTORY, "class", "tutanota_quote"),
    Marker("skiff_quote", HISTORY, "class", "skiff_quote"),
    Marker("skiff_quote", HISTORY, "data-skiff-mail", "", tag="blockquote"),
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
    # NetEase, Sina, 139 Mail and other Chinese webmails; Samsung Email.
    Marker("isReplyContent", HISTORY, "id", "isreplycontent"),
    Marker("isForwardContent", HISTORY, "id", "=isforwardcontent"),
    Marker("replySplit", START, "id", "=replysplit", tag="hr"),
    Marker("reply139content", HISTORY, "id", "=reply139content"),
    Marker("oriMsgHtmlSeperator", HISTORY, "id", "=orimsghtmlseperator"),
    Marker("origbody", START, "id", "=origbody"),
    Marker("samsung_signature", SIGNATURE, "id", "composer_signature"),
)


# "border-top:solid #E1E1E1 1.0pt" (Outlook), "border-top-style: solid" (Windows Mail).
_BORDER_TOP = re.compile(r"border-top(?:-style)?\s*:[^;]*solid", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class HtmlText:
    full: str  # everything readable, quoted history included ("> " for blockquotes)
    reply: str  # the same with client-marked history and signatures cut
    cuts: tuple[Trim, ...] = ()
    problem: str | None = None  # why the work was cut short, if it was


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
    except OutOfTime:
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


def find_markers(root: Any) -> list[tuple[Any, Marker]]:
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
            if (value or not marker.value) and marker.matches(tag, (value or "").lower()):
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
            if element.tag in INVISIBLE or is_hidden(element):
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
            if node.tag in INVISIBLE:
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
