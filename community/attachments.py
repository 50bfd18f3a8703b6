"""Which attachments of a post reach the members, and telling the sender once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from . import outbox
from .incoming import Attachment
from .models import Member, Post
from .uow import UnitOfWork


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
