"""The one place that writes the header block of every mail Kith sends, as bytes.

Python's email package re-folds whatever it is given and, for a long value without
spaces, turns structured headers into RFC 2047 encoded words (`List-Unsubscribe:
=?utf-8?q?=3Chttps...`), which no client reads as a URL. Here each field is written
the way its RFC asks: identifiers and URLs as they are (folded only between items),
names as atoms, quoted strings or encoded words, and only unstructured text encoded.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

import idna

from community.names import clean_display_name
from community.threads import MAX_MESSAGE_ID, is_message_id

from .errors import ComposeError

MAX_LINE = 998  # RFC 5322 2.1.1: octets per line, a MUST
FOLD_AT = 78  # ... and the SHOULD
REFERENCES_KEPT = 10  # root and the nine most recent ancestors
_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\- ]+")  # a phrase needing no quotes
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-]+)*")
_WORD_BYTES = 45  # 60 base64 characters: an encoded word stays within 75 (RFC 2047 2)


@dataclass(frozen=True)
class ListHeaders:
    """RFC 2369 / 2919 / 8058 list fields of a community's mail."""

    name: str  # the community's name, the List-Id phrase
    list_id: str  # "<slug.domain>"
    help_url: str  # the community's page
    owner: str  # the host contact address
    post: str | None = None  # the list address, for readers who may post
    unsubscribe_url: str | None = None  # one-click (RFC 8058), for members
    unsubscribe_mailto: str | None = None  # for clients that only mail
    archive_url: str | None = None  # List-Archive: the members' archive, for members


@dataclass(frozen=True)
class HeaderSpec:
    """Everything the standard header block of one message is made of."""

    subject: str
    from_name: str
    from_address: str
    to_name: str
    to_address: str
    date: datetime
    message_id: str
    loop_domain: str  # X-Kith-Loop: how we recognise our own mail coming back
    reply_to: tuple[str, str] | None = None  # (name, address)
    lists: ListHeaders | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    automated: bool = True  # RFC 3834 Auto-Submitted
    precedence_list: bool = False  # group mail: Precedence: list
    archived_at: str | None = None  # RFC 5064: this message's page in the archive


def header_fields(spec: HeaderSpec) -> list[tuple[str, str]]:
    """The fields in the order they are written, each value ready to fold."""
    fields = [
        ("Date", format_datetime(spec.date)),
        ("From", mailbox(spec.from_name, spec.from_address)),
        ("To", mailbox(spec.to_name, spec.to_address)),
    ]
    if spec.reply_to is not None:
        fields.append(("Reply-To", mailbox(*spec.reply_to)))
    fields += [("Subject", unstructured(spec.subject)), ("Message-ID", msg_id(spec.message_id))]
    if spec.in_reply_to:
        fields.append(("In-Reply-To", msg_id(spec.in_reply_to)))
    if spec.references:
        fields.append(("References", " ".join(msg_id(r) for r in spec.references)))
    if spec.lists is not None:
        fields += list_fields(spec.lists)
    if spec.archived_at:
        fields.append(("Archived-At", f"<{_uri(spec.archived_at)}>"))
    if spec.precedence_list:
        fields.append(("Precedence", "list"))
    if spec.automated:
        # RFC 3834: machine-made mail; the second header keeps Exchange from auto-replying.
        fields += [("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All")]
    fields.append(("X-Kith-Loop", _ascii_token(spec.loop_domain)))
    return fields


def list_fields(lists: ListHeaders) -> list[tuple[str, str]]:
    phrase = _phrase(lists.name)
    fields = [
        ("List-Id", f"{phrase} {msg_id(lists.list_id, list_id=True)}".strip()),
        ("List-Help", f"<{_uri(lists.help_url)}>"),
        ("List-Owner", f"<mailto:{addr_spec(lists.owner)}>"),
    ]
    if lists.post:
        fields.append(("List-Post", f"<mailto:{addr_spec(lists.post)}>"))
    if lists.archive_url:
        fields.append(("List-Archive", f"<{_uri(lists.archive_url)}>"))
    if lists.unsubscribe_url:
        # RFC 8058: an HTTPS URI first; a POST of "List-Unsubscribe=One-Click" to it
        # unsubscribes. The mailto: is for clients that can only send mail.
        targets = [f"<{_uri(lists.unsubscribe_url)}>"]
        if lists.unsubscribe_mailto:
            targets.append(f"<mailto:{addr_spec(lists.unsubscribe_mailto)}>")
        fields += [
            ("List-Unsubscribe", ", ".join(targets)),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]
    return fields


def render(fields: list[tuple[str, str]]) -> bytes:
    """The header block (without the blank line that ends it), CRLF line ends."""
    return b"".join(fold(name, value) for name, value in fields)


def header_block(spec: HeaderSpec) -> bytes:
    return render(header_fields(spec))


# -- values ------------------------------------------------------------------------


def fold(name: str, value: str) -> bytes:
    """One field, folded at spaces only (never inside an identifier, URL or encoded
    word), so unfolding gives back exactly the value."""
    if any(ch in value for ch in "\r\n\0"):
        raise ComposeError(f"{name} would contain a line break")
    lines, line = [], f"{name}:"
    for i, word in enumerate(value.split(" ")):
        piece = " " + word
        # Never fold before an empty word: a line of only spaces is not a folding line.
        if i and word and len(line) + len(piece) > FOLD_AT:
            lines.append(line)
            line = piece
        else:
            line += piece
    lines.append(line)
    out = b"".join(part.encode("utf-8") + b"\r\n" for part in lines)
    if any(len(part) > MAX_LINE for part in out.split(b"\r\n")):
        raise ComposeError(f"{name} has an item longer than {MAX_LINE} octets")
    return out


def msg_id(value: str, *, list_id: bool = False) -> str:
    """A Message-ID-like identifier, checked: never encoded, never altered."""
    value = value.strip()
    ok = re.fullmatch(r"<[A-Za-z0-9.\-_]+>", value) if list_id else is_message_id(value)
    if not ok or len(value) > MAX_MESSAGE_ID:
        raise ComposeError(f"not a valid identifier: {value[:80]!r}")
    return value


def mailbox(name: str, address: str) -> str:
    """`phrase <addr-spec>` with the name cleaned, then atoms, a quoted string or
    encoded words: whatever the name holds, a parser reads exactly one mailbox."""
    spec = addr_spec(address)
    phrase = _phrase(name)
    return f"{phrase} <{spec}>" if phrase else spec


def addr_spec(address: str) -> str:
    """An address as it goes in a header: the domain in A-labels (so an ASCII local part
    never needs SMTPUTF8); a non-ASCII local part stays UTF-8 (RFC 6532)."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        raise ComposeError(f"not an address: {address[:80]!r}")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in local):
        raise ComposeError(f"control characters in address {address[:80]!r}")
    if not _DOT_ATOM.fullmatch(local) and (
        local.isascii() or any(ch in ' <>()[]:;@\\,"' for ch in local)
    ):
        local = '"' + local.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{local}@{ascii_domain(domain)}"


def ascii_domain(domain: str) -> str:
    domain = domain.strip().rstrip(".")
    if domain.isascii():
        if not re.fullmatch(r"[A-Za-z0-9.\-]+|\[[A-Za-z0-9.:]+\]", domain):
            raise ComposeError(f"not a domain: {domain[:80]!r}")
        return domain.lower()
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ComposeError(f"not a domain: {domain[:80]!r} ({exc})") from exc


def smtp_address(address: str) -> str:
    """The envelope form of an address (RCPT TO, MAIL FROM): A-label domain."""
    local, _, domain = address.strip().rpartition("@")
    return f"{local}@{ascii_domain(domain)}" if local else address


def unstructured(text: str) -> str:
    """Subject-like text: as is when plain ASCII, else RFC 2047 encoded words."""
    text = " ".join(text.replace("\r", " ").replace("\n", " ").split())
    if text.isascii() and "=?" not in text:
        return text
    return _encoded_words(text)


def _phrase(name: str) -> str:
    name = clean_display_name(name)
    if not name:
        return ""
    if name.isascii() and "=?" not in name:
        if _ATOMS.fullmatch(name):
            return name
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return _encoded_words(name)


def _encoded_words(text: str) -> str:
    """Base64 encoded words of at most 75 characters, split between characters."""
    words, chunk = [], b""
    for ch in text:
        data = ch.encode("utf-8")
        if len(chunk) + len(data) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += data
    words.append(chunk)
    return " ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words if w)


def _uri(url: str) -> str:
    if not url.isascii() or any(ch in url for ch in " <>\"'\r\n"):
        raise ComposeError(f"not a URI for a list header: {url[:80]!r}")
    return url


def _ascii_token(value: str) -> str:
    if not re.fullmatch(r"[\x21-\x7e]+", value):
        raise ComposeError(f"not a header token: {value[:80]!r}")
    return value


def references_chain(ids: list[str]) -> tuple[str, ...]:
    """RFC 5322 3.6.4 References, oldest first: the root, then the most recent
    ancestors, at most REFERENCES_KEPT, without repeats or malformed ids."""
    valid = list(dict.fromkeys(i for i in ids if is_message_id(i)))
    if len(valid) <= REFERENCES_KEPT:
        return tuple(valid)
    return (valid[0], *valid[-(REFERENCES_KEPT - 1) :])
