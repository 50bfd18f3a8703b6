"""A post's attachments: finding them in the stored message, which reach the members,
and telling the sender once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from email import policy
from email.message import Message
from email.parser import BytesParser

from . import outbox
from .incoming import Attachment
from .models import Member, Post
from .uow import UnitOfWork

MAX_DEPTH = 20
MAX_PARTS = 100


def attachment_parts(raw: bytes) -> list[tuple[str, str, bytes]]:
    """(filename, content type, data) of each attachment of a raw message, in the
    order the parser records them (the archive numbers them so, and forwarding keeps
    them so)."""
    found: list[tuple[str, str, bytes]] = []
    _walk(BytesParser(policy=policy.default).parsebytes(raw), 0, found)
    return found


def forwardable(sizes: Sequence[int], limit: int) -> list[bool]:
    """Attachments are passed on in order while the message stays within `limit`
    bytes in all; the rest are replaced by a line saying what was left out."""
    kept, total = [], 0
    for size in sizes:
        fits = total + size <= limit
        kept.append(fits)
        total += size if fits else 0
    return kept


def left_out(attachments: Sequence[Attachment], limit: int) -> list[Attachment]:
    """The attachments (as recorded by the parser) that will not be passed on."""
    keep = forwardable([a.size for a in attachments], limit)
    return [a for a, k in zip(attachments, keep, strict=True) if not k]


def tell_sender(
    uow: UnitOfWork,
    post: Post,
    author: Member,
    attachments: Sequence[Attachment],
    *,
    limit: int,
) -> bool:
    """Queue one notice to a member whose attachments were too large to pass on.
    The ledger key (one per post) makes it once, however often this runs."""
    omitted = left_out(attachments, limit)
    if not omitted:
        return False
    outbox.queue_mail(
        uow,
        purpose=outbox.Purpose.ATTACHMENTS_LEFT_OUT,
        subject=f"post:{post.id}:left-out",
        recipient=author.address,
        community_id=author.community_id,
        member_id=author.id,
        context={"post_id": post.id, "omitted": [asdict(a) for a in omitted], "limit": limit},
    )
    return True


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
