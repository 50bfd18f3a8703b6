"""Reply extraction: keep what a member newly wrote, cut quoted history and signatures.

In order of trust: the text of our own mail that the reply quotes (when Kith knows what
it sent), the quoted history the client marked in its HTML, then the text rules
(attributions, header blocks, banners and footers in many languages), and last the
member's signature and sign-off.
"""

from __future__ import annotations

from dataclasses import dataclass

from community.incoming import ReplyContext, Trim

from .align import align
from .html import HtmlText
from .known import remove_known
from .signatures import strip_signature
from .trimmer import Trimmed, drop_trailing_attribution, normalise_line_endings, trim_text

__all__ = ["Reply", "extract_reply", "normalise_line_endings", "understand_reply"]

_NO_CONTEXT = ReplyContext()
# Text read for the reply. New text is at the top, or right under a quote near the top,
# so a long thread's history need not be read to its end (the full text keeps it all).
MAX_SOURCE_CHARS = 100_000


@dataclass(frozen=True)
class Reply:
    text: str  # the new text: quoted history, signature and sign-off cut
    signed: str  # the new text with the signature still on (to learn it from)
    cuts: tuple[Trim, ...]


def extract_reply(text: str) -> str:
    """Return only the new text the sender wrote: quoted history, forwarded/embedded
    previous messages, attribution lines ("On ... wrote:") and signatures removed."""
    return understand_reply(text, None).text


def understand_reply(
    plain: str, html: HtmlText | None, context: ReplyContext | None = None
) -> Reply:
    """The new text of a body given as its text part and its HTML part (either may be
    missing), with what Kith knows about the sender."""
    context = context or _NO_CONTEXT
    cuts: list[Trim] = []
    plain = _head(normalise_line_endings(plain or ""))
    if plain.strip():
        text = plain
        if context.sent:
            text, found = remove_known(text, context.sent)
            cuts.extend(found)
        if html is not None and html.cuts:
            aligned = align(text, html.reply)
            if aligned is not None:
                text = _after_html_cut(aligned, html, cuts)
    elif html is not None:
        text = _head(html.reply if html.cuts else html.full)
        if context.sent:
            text, found = remove_known(text, context.sent)
            cuts.extend(found)
        if html.cuts:
            text = _after_html_cut(text, html, cuts)
    else:
        return Reply("", "", ())
    trimmed = trim_text(text)
    cuts.extend(trimmed.cuts)
    signed = _with_signature(trimmed)
    if not (context.signature or context.names):
        return Reply(trimmed.text, signed, tuple(cuts))
    text, found = strip_signature(trimmed.text, context.signature, context.names)
    cuts.extend(found)
    return Reply(text, signed, tuple(cuts))


def _with_signature(trimmed: Trimmed) -> str:
    """The new text with the "-- " signature the text rules cut put back: what a
    member's messages are compared by to learn their signature."""
    signature = next((cut.text for cut in trimmed.cuts if cut.rule == "text:signature"), "")
    if not signature or not trimmed.text:
        return trimmed.text
    return f"{trimmed.text}\n\n{signature}"


def _after_html_cut(text: str, html: HtmlText, cuts: list[Trim]) -> str:
    cuts.extend(html.cuts)
    text, attribution = drop_trailing_attribution(text)
    if attribution:
        cuts.append(Trim("html:attribution", attribution))
    return text


def _head(text: str) -> str:
    """The text up to MAX_SOURCE_CHARS, cut at a line break."""
    if len(text) <= MAX_SOURCE_CHARS:
        return text
    cut = text.rfind("\n", 0, MAX_SOURCE_CHARS)
    if cut < 0:
        cut = text.find("\n", MAX_SOURCE_CHARS)
    return text if cut < 0 else text[:cut]
