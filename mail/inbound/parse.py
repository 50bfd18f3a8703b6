"""Raw RFC 5322 bytes to an IncomingMail: headers, body text, attachments and kind."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import Message
from email.policy import EmailPolicy
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache

from community.incoming import Attachment, IncomingMail, MailKind

from .classify import classify_message
from .text import (
    decode_bytes,
    decode_header_words,
    header_value,
    header_values,
    html_to_text,
    tidy_text,
    unflow,
)

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 1_000_000  # body text kept per message; the raw message keeps the rest
MAX_HTML_CHARS = 4_000_000  # markup read before conversion (inline styles bloat HTML)
MAX_MIME_DEPTH = 20
MAX_MIME_PARTS = 500
MAX_DEFECTS = 30
# Longest header value handed to the email package's structured header parser, whose
# cost grows with the square of the length on some inputs (200 KB of "<a@b> " in a
# Content-Type takes minutes) and which recurses once per nested "(".
MAX_PARSED_HEADER_CHARS = 4_000
MAX_FIELD_CHARS = 998  # RFC 5322's line limit: ids, subject and name never need more
MAX_REFERENCES = 100

_MSG_ID = re.compile(rf"<[^<>\s]{{1,{MAX_FIELD_CHARS - 2}}}>")
_ADDR_SPEC = re.compile(r"[^@\s<>]+@[^@\s<>]+")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def parse_message(raw: bytes, *, our_domain: str) -> IncomingMail:
    """Parse one stored message into the plain data the domain works with.

    `our_domain` is the domain Kith sends from; it is how our own mail coming back is
    recognised. Never raises, whatever the bytes: problems are listed in `defects` and
    the best reading of the rest is returned.
    """
    defects = _Defects()
    try:
        return _parse(bytes(raw), our_domain, defects)
    except Exception as exc:  # a parser bug may degrade a message but must not lose it
        log.warning(
            "parser failed on %s; keeping the raw text", _raw_message_id(raw), exc_info=True
        )
        defects.add(f"parser failed: {type(exc).__name__}")
        return _unparsed(raw, defects)


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


def _parse(raw: bytes, our_domain: str, defects: _Defects) -> IncomingMail:
    # The header cache serves one message (flufl.bounce re-reads the same headers);
    # carried across messages it would only hold memory.
    _parsed_header.cache_clear()
    msg = message_from_bytes(raw, policy=_POLICY)
    headers = _read_headers(msg, defects)
    body = _BodyReader(defects).read_message(msg)
    verdict = classify_message(msg, our_domain=our_domain)
    for problem in verdict.problems:
        defects.add(problem)
    _note_parser_defects(msg, defects)
    return IncomingMail(
        kind=verdict.kind,
        message_id=headers.message_id,
        in_reply_to=headers.in_reply_to,
        references=headers.references,
        from_address=headers.from_address,
        from_name=headers.from_name,
        subject=headers.subject,
        reply=_trim_reply(body.reply_source, defects),
        full_text=body.full_text,
        attachments=body.attachments,
        list_id=headers.list_id,
        date=headers.date,
        reason=verdict.reason,
        bounced_recipients=verdict.bounced_recipients,
        bounce_permanent=verdict.bounce_permanent,
        defects=tuple(defects.items),
    )


def _raw_message_id(raw: object) -> str:
    """The Message-ID for a log line, read straight from the bytes."""
    if not isinstance(raw, bytes):
        return "a message that is not bytes"
    found = re.search(rb"(?im)^message-id:[ \t]*(<[^>\r\n]{1,200}>)", raw[:65536])
    return found.group(1).decode("ascii", "replace") if found else "a message without Message-ID"


def _unparsed(raw: object, defects: _Defects) -> IncomingMail:
    data = raw if isinstance(raw, bytes) else b""
    text = _cap(tidy_text(decode_bytes(data, None).text), defects)
    return IncomingMail(
        kind=MailKind.POST,
        message_id=None,
        in_reply_to=None,
        references=(),
        from_address="",
        from_name="",
        subject="",
        reply=text,
        full_text=text,
        reason="message could not be parsed",
        defects=tuple(defects.items),
    )


# -- headers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Headers:
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    from_address: str
    from_name: str
    subject: str
    date: datetime | None
    list_id: str | None


def _read_headers(msg: Message, defects: _Defects) -> _Headers:
    hint = _body_charset(msg)

    def first(name: str) -> str | None:
        return header_value(msg, name, hint)

    from_address, from_name = _sender(first("from"), defects)
    return _Headers(
        message_id=_message_id(first("message-id"), defects),
        in_reply_to=_first_msg_id(first("in-reply-to")),
        references=_references(" ".join(header_values(msg, "references"))),
        from_address=from_address,
        from_name=from_name,
        subject=_one_line(decode_header_words(first("subject") or "")),
        date=_date(first("date"), defects),
        list_id=_list_id(first("list-id")),
    )


def _message_id(value: str | None, defects: _Defects) -> str | None:
    if value is None or not value.strip():
        return None
    found = _MSG_ID.search(value)
    if found:
        return found.group(0)
    defects.add("malformed Message-ID")
    return value.strip()[:MAX_FIELD_CHARS]


def _first_msg_id(value: str | None) -> str | None:
    found = _MSG_ID.search(value or "")
    if found:
        return found.group(0)
    # Some clients leave the angle brackets off; keep a bare id, drop prose.
    bare = (value or "").strip()
    if "@" in bare and not re.search(r"\s", bare) and len(bare) <= MAX_FIELD_CHARS:
        return bare
    return None


def _references(value: str) -> tuple[str, ...]:
    ids = tuple(dict.fromkeys(_MSG_ID.findall(value)))
    if len(ids) <= MAX_REFERENCES:
        return ids
    # RFC 5322 3.6.4 suggests the same trim to writers: the thread root and the newest.
    return (ids[0], *ids[-(MAX_REFERENCES - 1) :])


def _list_id(value: str | None) -> str | None:
    """The bracketed list id ("<slug.example.org>"), or the bare value lacking brackets."""
    found = _MSG_ID.search(value or "")
    if found:
        return found.group(0)
    bare = (value or "").strip()
    return bare[:MAX_FIELD_CHARS] or None


def _sender(value: str | None, defects: _Defects) -> tuple[str, str]:
    """(addr-spec lower-cased, display name); ("", "") when there is no usable address."""
    if value is None:
        defects.add("no From header")
        return "", ""
    try:
        pairs = getaddresses([value[:MAX_PARSED_HEADER_CHARS]])
    except Exception:
        pairs = []
    for name, address in pairs:
        address = address.strip().lower()
        if _ADDR_SPEC.fullmatch(address):
            return address, _one_line(decode_header_words(name))
    defects.add("From has no usable address")
    return "", ""


def _date(value: str | None, defects: _Defects) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except Exception:
        defects.add("unreadable Date")
        return None
    if parsed.tzinfo is None:
        # RFC 5322 "-0000" (or no zone at all): the time is UTC, the sender's zone unknown.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _one_line(value: str) -> str:
    return " ".join(_CONTROL_CHARS.sub(" ", value).split())[:MAX_FIELD_CHARS]


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
    full: str  # all the text of one body part
    reply: str  # the same without HTML quote blocks (equal for plain text)
    is_html: bool


@dataclass(frozen=True)
class _Body:
    full_text: str
    reply_source: str
    attachments: tuple[Attachment, ...]


class _BodyReader:
    """Walks the MIME tree once: picks the text to show, records everything else."""

    def __init__(self, defects: _Defects) -> None:
        self.defects = defects
        self.attachments: list[Attachment] = []
        self.parts_seen = 0

    def read_message(self, msg: Message) -> _Body:
        pieces = self.read(msg, depth=0)
        full = "\n\n".join(piece.full for piece in pieces if piece.full.strip())
        reply = "\n\n".join(piece.reply for piece in pieces if piece.reply.strip())
        return _Body(_cap(full, self.defects), _cap(reply, None), tuple(self.attachments))

    def read(self, part: Message, depth: int) -> list[_Piece]:
        self.parts_seen += 1
        if self.parts_seen > MAX_MIME_PARTS or depth > MAX_MIME_DEPTH:
            self.defects.add("MIME structure too large or deep; the rest was skipped")
            return []
        content_type = _content_type(part)
        if content_type.startswith("message/"):
            # A forwarded message (or a bounce's status report) is not the sender's text.
            self._record_attached_message(part, content_type)
            return []
        if part.is_multipart():
            children = [child for child in part.get_payload() if isinstance(child, Message)]
            found = [self.read(child, depth + 1) for child in children]
            if content_type == "multipart/alternative":
                return _preferred_alternative(found)
            return [piece for pieces in found for piece in pieces]
        # A single-part message's own text is its body even when it carries a filename.
        if _is_attachment(part) and not (depth == 0 and content_type.startswith("text/")):
            self._record_attachment(part, content_type)
            return []
        if content_type == "text/html":
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
        return _Piece(text, text, is_html=False)

    def _html_piece(self, part: Message) -> _Piece:
        html = self._decoded_text(part)
        if len(html) > MAX_HTML_CHARS:
            self.defects.add(f"HTML cut at {MAX_HTML_CHARS} characters before conversion")
            html = html[:MAX_HTML_CHARS]
        converted = html_to_text(html)
        return _Piece(converted.full, converted.reply, is_html=True)

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
        inner = payload[0] if payload else None
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


def _preferred_alternative(found: list[list[_Piece]]) -> list[_Piece]:
    """Plain text when a version has some (some clients send an empty text/plain beside
    the real HTML), else the richest version: alternatives come simplest first."""
    for pieces in found:
        if any(not piece.is_html and piece.full.strip() for piece in pieces):
            return pieces
    for pieces in reversed(found):
        if any(piece.full.strip() for piece in pieces):
            return pieces
    return []


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
    return _one_line(base)[:255]


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


# -- reply -----------------------------------------------------------------------------


def _trim_reply(text: str, defects: _Defects) -> str:
    """The new text only, by the reply extractor; the whole text if it cannot run."""
    try:
        from .replies import extract_reply
    except ImportError:
        defects.add("reply extractor unavailable; reply is the full text")
        return text
    try:
        return extract_reply(text)
    except Exception as exc:
        defects.add(f"reply extraction failed: {type(exc).__name__}")
        return text
