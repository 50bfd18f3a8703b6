"""A community's posts as an mbox file (mboxrd), for mail clients and Mailman to import.

Each post is the message as Kith received it, when it still has it; otherwise (posts
made without inbound mail) a plain-text message built from what was stored. Lines
that would read as a message separator are quoted the mboxrd way (">From " gains a
">"), which every mbox reader undoes or at worst shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import InboundMessage, Post, Thread
from .threads import public_message_id

BATCH = 200
_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)
_LF = policy.default.clone(linesep="\n", max_line_length=78)


def export_mbox(
    session: Session, community_id: int, *, author_id: int | None = None
) -> Iterator[bytes]:
    """The community's posts (or one member's), oldest first, one message per chunk."""
    query = (
        select(Post, Thread.subject, InboundMessage.raw)
        .join(Thread, Thread.id == Post.thread_id)
        .outerjoin(InboundMessage, InboundMessage.id == Post.inbound_id)
        .where(Thread.community_id == community_id)
        .order_by(Post.created_at, Post.id)
        .execution_options(yield_per=BATCH)
    )
    if author_id is not None:
        query = query.where(Post.author_id == author_id)
    first_ids: dict[int, int] = {}
    for post, subject, raw in session.execute(query):
        first = first_ids.setdefault(post.thread_id, post.id)
        message = _normalised(raw) if raw else _rebuilt(post, subject, reply=first != post.id)
        yield _entry(post, message)


def _entry(post: Post, message: bytes) -> bytes:
    sender = post.author_address if "@" in post.author_address else "MAILER-DAEMON"
    when = post.created_at.strftime("%a %b %d %H:%M:%S %Y")  # asctime, as mbox has it
    body = _FROM_LINE.sub(rb">\1", message)
    if not body.endswith(b"\n"):
        body += b"\n"
    return f"From {sender} {when}\n".encode("ascii", "replace") + body + b"\n"


def _normalised(raw: bytes) -> bytes:
    """The received message with LF line ends (mbox files are local text files)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def _rebuilt(post: Post, subject: str, *, reply: bool) -> bytes:
    msg = EmailMessage(policy=_LF)
    msg["From"] = formataddr((post.author_name, post.author_address))
    msg["Date"] = format_datetime(post.created_at)
    msg["Subject"] = ("Re: " if reply else "") + subject
    msg["Message-ID"] = public_message_id(post)
    if post.in_reply_to:
        msg["In-Reply-To"] = post.in_reply_to
    msg.set_content(post.full_text or post.body)
    return msg.as_bytes()
