"""The header fields Kith reads from a received message, leniently and never raising."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from .text import decode_header_words, header_value, header_values

# Longest header value handed to the email package's structured header parser, whose
# cost grows with the square of the length on some inputs (200 KB of "<a@b> " in a
# Content-Type takes minutes) and which recurses once per nested "(".
MAX_PARSED_HEADER_CHARS = 4_000
MAX_FIELD_CHARS = 998  # RFC 5322's line limit: ids, subject and name never need more
MAX_REFERENCES = 100

_MSG_ID = re.compile(rf"<[^<>\s]{{1,{MAX_FIELD_CHARS - 2}}}>")
_ADDR_SPEC = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+")
# "Name <addr>", '"Name" <addr>' or a bare addr, without specials that need real parsing.
_SIMPLE_MAILBOX = re.compile(
    r'\s*(?:(?P<name>"(?:[^"\\\r\n]|\\.)*"|[^"<>\[\]():;@,\\]*?)\s*'
    r"<(?P<address>[^<>\s@\"()\[\],;:\\]+@[^<>\s@\"()\[\],;:\\]+)>"
    r'|(?P<bare>[^<>\s@"()\[\],;:\\]+@[^<>\s@"()\[\],;:\\]+))\s*$'
)
_ANGLE_ADDRESS = re.compile(r"<\s*([^<>\s@]+@[^<>\s@]+)\s*>")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Headers:
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    from_address: str  # addr-spec, lower-cased; "" when missing or unusable
    from_name: str
    subject: str
    date: datetime | None
    list_id: str | None


NO_HEADERS = Headers(None, None, (), "", "", "", None, None)


def read_headers(msg: Message, complain: Callable[[str], None], charset: str | None) -> Headers:
    """The fields of `msg`; problems are reported through `complain`. `charset` is the
    body's, which clients that write raw 8-bit headers use for them too."""

    def first(name: str) -> str | None:
        return header_value(msg, name, charset)

    from_address, from_name = _sender(first("from"), complain)
    return Headers(
        message_id=_message_id(first("message-id"), complain),
        in_reply_to=_first_msg_id(first("in-reply-to")),
        references=_references(" ".join(header_values(msg, "references"))),
        from_address=from_address,
        from_name=from_name,
        subject=one_line(decode_header_words(first("subject") or "")),
        date=_date(first("date"), complain),
        list_id=_list_id(first("list-id")),
    )


def _message_id(value: str | None, complain: Callable[[str], None]) -> str | None:
    if value is None or not value.strip():
        return None
    found = _MSG_ID.search(value)
    if found:
        return found.group(0)
    complain("malformed Message-ID")
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


def _sender(value: str | None, complain: Callable[[str], None]) -> tuple[str, str]:
    """(addr-spec lower-cased, display name); ("", "") when there is no usable address.

    Read with the RFC 5322 address parser, which finds no mailbox in a From whose
    display name breaks the syntax ("Foo [THIS IS INVALID] <a@b.example>"): such a
    sender is not usable, however an address-looking string may sit in it. When the
    header holds an address in angle brackets, only that can be the sender: a display
    name that merely holds an "@" ("Anne@Home <anne@example.com>") is not.
    """
    if value is None:
        complain("no From header")
        return "", ""
    value = value[:MAX_PARSED_HEADER_CHARS]
    simple = _SIMPLE_MAILBOX.match(value)
    if simple:  # the common case, read without the (slow) structured parser
        address = (simple["address"] or simple["bare"]).lower()
        name = simple["name"] or ""
        if name.startswith('"'):
            name = re.sub(r"\\(.)", r"\1", name[1:-1])
        return address, one_line(decode_header_words(name.strip()))
    try:
        parsed = policy.default.header_factory("from", value).addresses
        mailboxes = [(a.display_name, a.addr_spec.strip().lower()) for a in parsed]
    except Exception:
        mailboxes = []
    usable = [(name, address) for name, address in mailboxes if _ADDR_SPEC.fullmatch(address)]
    bracketed = {address.lower() for address in _ANGLE_ADDRESS.findall(value)}
    if bracketed:  # a name holding an "@" is not the sender's address
        usable = [mailbox for mailbox in usable if mailbox[1] in bracketed]
    if usable:
        address = usable[0][1]
        # The display name as written, decoded by our lenient RFC 2047 reader (the
        # strict parser reads gb2312 words as gb2312, not as the GBK clients send).
        try:
            written = {a.strip().lower(): n for n, a in getaddresses([value])}
        except Exception:
            written = {}
        return address, one_line(decode_header_words(written.get(address, "")))
    complain("From has no usable address")
    return "", ""


def _date(value: str | None, complain: Callable[[str], None]) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except Exception:
        complain("unreadable Date")
        return None
    if parsed.tzinfo is None:
        # RFC 5322 "-0000" (or no zone at all): the time is UTC, the sender's zone unknown.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def one_line(value: str) -> str:
    return " ".join(_CONTROL_CHARS.sub(" ", value).split())[:MAX_FIELD_CHARS]
