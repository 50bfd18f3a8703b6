"""Attachments of a stored inbound message, re-attached to the copies Kith sends."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser
from functools import lru_cache

from community.attachments import forwardable

from .rawmime import attachment

MAX_DEPTH = 20
MAX_PARTS = 100


@dataclass(frozen=True)
class LeftOut:
    filename: str
    size: int


@dataclass(frozen=True)
class Forwarded:
    parts: tuple[bytes, ...]  # MIME entities ready to attach
    left_out: tuple[LeftOut, ...]
    limit: int


def forward_attachments(raw: bytes, limit: int) -> Forwarded:
    """The attachments within `limit` bytes in all, as MIME parts, and the rest named."""
    return _forward(raw, limit)


@lru_cache(maxsize=4)  # every copy of one post is composed from the same raw message
def _forward(raw: bytes, limit: int) -> Forwarded:
    found: list[tuple[str, str, bytes]] = []
    _walk(BytesParser(policy=policy.default).parsebytes(raw), 0, found)
    keep = forwardable([len(data) for _, _, data in found], limit)
    parts, left = [], []
    for (name, ctype, data), kept in zip(found, keep, strict=True):
        if kept:
            parts.append(attachment(data, ctype, name))
        else:
            left.append(LeftOut(name or "unnamed file", len(data)))
    return Forwarded(tuple(parts), tuple(left), limit)


def _walk(part: Message, depth: int, found: list[tuple[str, str, bytes]]) -> None:
    """The parts a reader would call attachments, in the order the parser records them:
    files, inline images, invitations and forwarded messages, not the text bodies."""
    if depth > MAX_DEPTH or len(found) >= MAX_PARTS:
        return
    ctype = part.get_content_type()
    if ctype.startswith("message/"):
        inner = part.get_payload()
        inner_msg = inner[0] if isinstance(inner, list) and inner else None
        data = inner_msg.as_bytes() if isinstance(inner_msg, Message) else _payload(part)
        name = _filename(part)
        if not name and isinstance(inner_msg, Message):
            name = f"{str(inner_msg.get('subject') or 'message')[:60]}.eml"
        found.append((name or "message.eml", ctype, data))
        return
    if part.is_multipart():
        for child in part.get_payload():
            if isinstance(child, Message):
                _walk(child, depth + 1, found)
        return
    has_name = bool(_filename(part)) or part.get_content_disposition() == "attachment"
    if (has_name and not (depth == 0 and ctype.startswith("text/"))) or (
        ctype not in ("text/plain", "text/html") and not ctype.startswith("multipart/")
    ):
        found.append((_filename(part), ctype, _payload(part)))


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # a malformed parameter: the file still goes, unnamed
        name = ""
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    return data if isinstance(data, bytes) else b""
