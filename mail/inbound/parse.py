"""Raw RFC 5322 bytes to an IncomingMail: headers, body text, attachments and kind.

Reading (`read_message`) and understanding (`ParsedMessage.understand`) are two steps,
so that the caller can look up what Kith knows about the sender in between.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from email import message_from_bytes, policy
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import EmailPolicy
from functools import lru_cache

from community.incoming import Attachment, IncomingMail, MailKind, ReplyContext

from .classify import Verdict, classify_message
from .envelope import prepare
from .headers import MAX_PARSED_HEADER_CHARS, NO_HEADERS, Headers, one_line, read_headers
from .html import HtmlText, html_to_text
from .replies import Reply, understand_reply
from .text import decode_bytes, decode_header_words, header_value, tidy_text, unflow

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 1_000_000  # body text kept per message; the raw message keeps the rest
MAX_HTML_CHARS = 4_000_000  # markup read before conversion (inline styles bloat HTML)
MAX_MIME_DEPTH = 20
MAX_MIME_PARTS = 500
MAX_DEFECTS = 30


def parse_message(
    raw: bytes, *, our_domain: str, context: ReplyContext | None = None
) -> IncomingMail:
    """Parse one stored message into the plain data the domain works with.

    `our_domain` is the domain Kith sends from; it is how our own mail coming back is
    recognised. `context` is what Kith knows about the sender (the mail it sent them).
    Never raises, whatever the bytes: problems are listed in `defects` and the best
    reading of the rest is returned.
    """
    return read_message(raw, our_domain=our_domain).understand(context)


def read_message(raw: bytes, *, our_domain: str) -> ParsedMessage:
    """Read headers, body and kind of a message, without extracting the reply yet.
    Never raises."""
    defects = _Defects()
    try:
        return _read(bytes(raw), our_domain, defects)
    except Exception as exc:  # a parser bug may degrade a message but must not lose it
        # One line, no traceback: a hostile message must not fill the logs.
        log.warning(
            "parser failed on %s (%s); keeping the raw text",
            _raw_message_id(raw),
            type(exc).__name__,
        )
        defects.add(f"parser failed: {type(exc).__name__}")
        return _unparsed(raw, defects)


@dataclass(frozen=True)
class ParsedMessage:
    """A message read but not yet understood: the reply is extracted by `understand`."""

    headers: Headers
    full_text: str
    plain: str  # the text part the reply is read from ("" when there is none)
    html: HtmlText | None  # the HTML part, when the reply may be read from its markup
    attachments: tuple[Attachment, ...]
    verdict: Verdict
    defects: tuple[str, ...]
    hold_reason: str = ""

    def understand(self, context: ReplyContext | None = None) -> IncomingMail:
        """The IncomingMail, its reply extracted with what Kith knows about the sender."""
        defects = list(self.defects)
        try:
            reply = understand_reply(self.plain, self.html, context)
        except Exception as exc:
            defects.append(f"reply extraction failed: {type(exc).__name__}")
            reply = Reply(self.plain or self.full_text, self.plain or self.full_text, ())
        kind, reason = self._kind()
        headers = self.headers
        return IncomingMail(
            kind=kind,
            message_id=headers.message_id,
            in_reply_to=headers.in_reply_to,
            references=headers.references,
            from_address=headers.from_address,
            from_name=headers.from_name,
            subject=headers.subject,
            reply=_cap(reply.text, None),
            full_text=self.full_text,
            attachments=self.attachments,
            list_id=headers.list_id,
            date=headers.date,
            reason=reason,
            bounced_recipients=self.verdict.bounced_recipients,
            bounce_permanent=self.verdict.bounce_permanent,
            defects=tuple(defects[:MAX_DEFECTS]),
            trimmed=reply.cuts,
            hold_reason=self.hold_reason if kind is MailKind.POST else "",
            signed_reply=_cap(reply.signed, None),
        )

    def _kind(self) -> tuple[MailKind, str]:
        """The classifier's verdict (loop, bounce, automated mail) first: it is positive
        evidence. Otherwise unusable mail is rejected: RFC 5322 requires a From, and a
        message without one, or without any body, cannot be a post."""
        verdict = self.verdict
        if verdict.kind is not MailKind.POST:
            return verdict.kind, verdict.reason
        if not self.headers.from_address:
            return MailKind.REJECT, "no usable sender: the From header is missing or has no address"
        if not self.full_text.strip() and not self.attachments and not self.hold_reason:
            return MailKind.REJECT, "no body: the message has no text and no attachment"
        return verdict.kind, verdict.reason


class _GuardedPolicy(EmailPolicy):
    """policy.default, except that a header value is cut to MAX_PARSED_HEADER_CHARS before
    the structured parser reads it, a value that parser chokes on reads as empty, and
    parsed values are remembered (flufl.bounce re-reads Content-Transfer-Encoding once per
    pattern it tries)."""

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name"):  # already a parsed header object
            return value
        return _parsed_header(name, value[:MAX_PARSED_HEADER_CHARS])


@lru_cache(maxsize=256)
def _parsed_header(name: str, value: str):
    try:
        return policy.default.header_fetch_parse(name, value)
    except Exception:
        return policy.default.header_fetch_parse(name, "")


_POLICY = _GuardedPolicy()


class _Defects:
    """Short complaints about the message, deduplicated and capped."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, complaint: str) -> None:
        if complaint not in self.items and len(self.items) < MAX_DEFECTS:
            self.items.append(complaint[:200])


def _read(raw: bytes, our_domain: str, defects: _Defects) -> ParsedMessage:
    # The header cache serves one message (flufl.bounce re-reads the same headers);
    # carried across messages it would only hold memory.
    _parsed_header.cache_clear()
    prepared = prepare(raw)
    if prepared.skipped_leading_lines:
        defects.add("blank lines before the headers were skipped")
    msg = message_from_bytes(prepared.raw, policy=_POLICY)
    headers = read_headers(msg, defects.add, _body_charset(msg))
    reader = _BodyReader(defects)
    body = reader.read_message(msg)
    verdict = classify_message(msg, our_domain=our_domain)
    for problem in verdict.problems:
        defects.add(problem)
    _note_parser_defects(msg, defects)
    limits = [reason for reason in (prepared.limit, reader.limit) if reason]
    return ParsedMessage(
        headers=headers,
        full_text=body.full_text,
        plain=body.plain,
        html=body.html,
        attachments=body.attachments,
        verdict=verdict,
        defects=tuple(defects.items),
        hold_reason=("it is too large to read whole (" + "; ".join(limits) + ")") if limits else "",
    )


def _raw_message_id(raw: object) -> str:
    """The Message-ID for a log line, read straight from the bytes."""
    if not isinstance(raw, bytes):
        return "a message that is not bytes"
    found = re.search(rb"(?im)^message-id:[ \t]*(<[^>\r\n]{1,200}>)", raw[:65536])
    return found.group(1).decode("ascii", "replace") if found else "a message without Message-ID"


def _unparsed(raw: object, defects: _Defects) -> ParsedMessage:
    """What can be saved of a message the parser failed on: its headers, read alone,
    and its bytes as text. Held for the host, never posted as it stands."""
    data = raw if isinstance(raw, bytes) else b""
    try:
        msg = BytesHeaderParser(policy=_POLICY).parsebytes(prepare(data).raw)
        headers = read_headers(msg, defects.add, None)
    except Exception:
        headers = NO_HEADERS
    text = _cap(tidy_text(decode_bytes(data, None).text), defects)
    return ParsedMessage(
        headers=headers,
        full_text=text,
        plain=text,
        html=None,
        attachments=(),
        verdict=Verdict(MailKind.POST, "message could not be parsed"),
        defects=tuple(defects.items),
        hold_reason="it could not be read as an email",
    )


def _body_charset(msg: Message) -> str | None:
    """The charset of the first text part: clients that put raw 8-bit bytes in headers
    use the body's charset for them."""
    for index, part in enumerate(msg.walk()):
        if index >= MAX_MIME_PARTS:
            break
        if _content_type(part).startswith("text/") and (charset := _charset(part)):
            return charset
    return None


# -- body ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    text: str  # all the text of one body part
    html: HtmlText | None  # the HTML it came from, or the HTML alternative of a text part
    is_html: bool
    markup: str = ""  # an alternative's HTML, converted only once it is known to be needed


@dataclass(frozen=True)
class _Body:
    full_text: str
    plain: str
    html: HtmlText | None
    attachments: tuple[Attachment, ...]


class _BodyReader:
    """Walks the MIME tree once: picks the text to show, records everything else."""

    def __init__(self, defects: _Defects) -> None:
        self.defects = defects
        self.attachments: list[Attachment] = []
        self.parts_seen = 0
        self.limit = ""

    def read_message(self, msg: Message) -> _Body:
        pieces = [piece for piece in self.read(msg, depth=0) if piece.text.strip()]
        full = _cap("\n\n".join(piece.text for piece in pieces), self.defects)
        attachments = tuple(self.attachments)
        if len(pieces) == 1:
            [piece] = pieces
            plain = "" if piece.is_html else _cap(piece.text, None)
            return _Body(full, plain, piece.html, attachments)
        # Several text parts (text, a picture, more text): each read on its own terms.
        sources = [
            piece.html.reply if piece.is_html and piece.html else piece.text for piece in pieces
        ]
        return _Body(full, _cap("\n\n".join(sources), None), None, attachments)

    def read(self, part: Message, depth: int, in_alternative: bool = False) -> list[_Piece]:
        self.parts_seen += 1
        if self.parts_seen > MAX_MIME_PARTS or depth > MAX_MIME_DEPTH:
            self.limit = f"more than {MAX_MIME_PARTS} parts or {MAX_MIME_DEPTH} levels"
            self.defects.add("MIME structure too large or deep; the rest was skipped")
            return []
        content_type = _content_type(part)
        if content_type.startswith("message/"):
            # A forwarded message (or a bounce's status report) is not the sender's text.
            self._record_attached_message(part, content_type)
            return []
        if part.is_multipart():
            children = [child for child in part.get_payload() if isinstance(child, Message)]
            alternative = content_type == "multipart/alternative"
            found = [self.read(child, depth + 1, alternative) for child in children]
            if alternative:
                return self._preferred_alternative(found)
            return [piece for pieces in found for piece in pieces]
        # A single-part message's own text is its body even when it carries a filename.
        if _is_attachment(part) and not (depth == 0 and content_type.startswith("text/")):
            self._record_attachment(part, content_type)
            return []
        if content_type == "text/html":
            if in_alternative:  # converted once the alternative is chosen
                return [_Piece("", None, is_html=True, markup=self._html_markup(part))]
            return [self._html_piece(part)]
        if content_type == "text/plain":
            return [self._plain_piece(part)]
        if content_type.startswith("multipart/"):
            # No boundary parameter: the email package kept the body as one text blob.
            self.defects.add(f"{content_type} without parts; read as text")
            return [self._plain_piece(part)]
        self._record_attachment(part, content_type)  # inline images, calendar invites
        return []

    def _plain_piece(self, part: Message) -> _Piece:
        text = self._decoded_text(part)
        if _param(part, "format").lower() == "flowed":  # Thunderbird, Apple Mail
            text = unflow(text, delsp=_param(part, "delsp").lower() == "yes")
        return _Piece(text, None, is_html=False)

    def _html_markup(self, part: Message) -> str:
        html = self._decoded_text(part)
        if len(html) > MAX_HTML_CHARS:
            self.defects.add(f"HTML cut at {MAX_HTML_CHARS} characters before conversion")
            html = html[:MAX_HTML_CHARS]
        return html

    def _html_piece(self, part: Message | None, markup: str | None = None) -> _Piece:
        if markup is None:
            assert part is not None, "either the part or its markup"
            markup = self._html_markup(part)
        converted = self._converted(markup)
        return _Piece(converted.full, converted, is_html=True)

    def _converted(self, markup: str, *, full: bool = True) -> HtmlText:
        converted = html_to_text(markup, full=full)
        if converted.problem:
            self.defects.add(converted.problem)
        return converted

    def _preferred_alternative(self, found: list[list[_Piece]]) -> list[_Piece]:
        """Plain text when a version has some (some clients send an empty text/plain
        beside the real HTML), else the richest version: alternatives come simplest
        first. A plain version keeps the HTML one beside it, read only for the quoted
        history its markup marks."""
        markup = next((p[0].markup for p in found if len(p) == 1 and p[0].markup.strip()), "")
        for pieces in found:
            if any(not piece.is_html and piece.text.strip() for piece in pieces):
                if len(pieces) == 1 and markup:
                    return [replace(pieces[0], html=self._converted(markup, full=False))]
                return pieces
        for pieces in reversed(found):
            if len(pieces) == 1 and pieces[0].markup.strip():
                piece = self._html_piece(None, pieces[0].markup)
                if piece.text.strip():
                    return [piece]
            elif any(piece.text.strip() for piece in pieces):
                return pieces
        return []

    def _decoded_text(self, part: Message) -> str:
        decoded = decode_bytes(self._payload_bytes(part), _charset(part))
        if decoded.problem:
            self.defects.add(decoded.problem)
        return tidy_text(decoded.text)

    def _record_attachment(self, part: Message, content_type: str) -> None:
        size = len(self._payload_bytes(part))
        self.attachments.append(Attachment(_filename(part), content_type, size))

    def _record_attached_message(self, part: Message, content_type: str) -> None:
        payload = part.get_payload() if part.is_multipart() else []
        inner = payload[0] if isinstance(payload, list) and payload else None
        name = _filename(part)
        if not name and content_type in ("message/rfc822", "message/global"):
            subject = header_value(inner, "subject") if isinstance(inner, Message) else None
            name = _safe_filename(decode_header_words(subject or "")) or "message"
            name += ".eml"
        self.attachments.append(Attachment(name, content_type, _serialized_size(payload)))

    def _payload_bytes(self, part: Message) -> bytes:
        try:
            data = part.get_payload(decode=True)
        except Exception as exc:
            self.defects.add(f"undecodable part: {type(exc).__name__}")
            data = None
        return data if isinstance(data, bytes) else b""


def _is_attachment(part: Message) -> bool:
    try:
        disposition = part.get_content_disposition()
    except Exception:
        disposition = None
    return disposition == "attachment" or bool(_filename(part))


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if isinstance(name, str) and "\ufffd" in name:
        name = _raw_filename(part) or name  # raw UTF-8 in the header (Apple Mail, Gmail)
    # Outlook and Gmail put RFC 2047 words inside quoted filenames, which RFC 2231 forbids.
    return _safe_filename(decode_header_words(name or ""))


def _raw_filename(part: Message) -> str | None:
    for header in ("content-disposition", "content-type"):
        value = header_value(part, header) or ""
        found = re.search(r'\b(?:file)?name\s*=\s*"([^"]*)"', value, re.IGNORECASE)
        if found:
            return found.group(1)
    return None


def _safe_filename(name: str) -> str:
    # Old Outlook and Internet Explorer sent the sender's full Windows path.
    base = re.split(r"[\\/]", name)[-1]
    return one_line(base)[:255]


def _serialized_size(payload: object) -> int:
    items = payload if isinstance(payload, list) else [payload]
    size = 0
    for item in items:
        try:
            size += len(item.as_bytes()) if isinstance(item, Message) else len(str(item))
        except Exception:
            continue
    return size


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _param(part: Message, name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:
        return ""
    return value if isinstance(value, str) else ""


def _cap(text: str, defects: _Defects | None) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    if defects is not None:
        defects.add(f"body text cut at {MAX_TEXT_CHARS} characters")
    return text[:MAX_TEXT_CHARS]


def _note_parser_defects(msg: Message, defects: _Defects) -> None:
    for index, part in enumerate(msg.walk()):
        if index >= MAX_MIME_PARTS:
            break
        for defect in getattr(part, "defects", ()):
            defects.add(type(defect).__name__)
