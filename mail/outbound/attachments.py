"""Attachments of a stored inbound message, re-attached to the copies Kith sends."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from community.attachments import attachment_parts, forwardable

from .rawmime import attachment


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
    found = attachment_parts(raw)
    keep = forwardable([len(data) for _, _, data in found], limit)
    parts, left = [], []
    for (name, ctype, data), kept in zip(found, keep, strict=True):
        if kept:
            parts.append(attachment(data, ctype, name))
        else:
            left.append(LeftOut(name or "unnamed file", len(data)))
    return Forwarded(tuple(parts), tuple(left), limit)
