"""Threads and posts: starting a thread, attaching a reply, fanning a post out."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from . import outbox
from .models import Community, DeliveryMode, Member, MemberStatus, Post, Thread

MAX_POST_CHARS = 100_000
MAX_SUBJECT_CHARS = 300
# "Re:", "Fwd:" and their translations, repeated, possibly with counters ("Re[2]:").
_REPLY_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|sv|vs|rv|r|tr|odp|antw|enc|ynt|回复|答复|转发|返信|転送)"
    r"(\[\d+\]|\(\d+\))?\s*[:：]\s*)+",
    re.IGNORECASE,
)


def clean_text(text: str, limit: int = MAX_POST_CHARS) -> str:
    """Plain text safe to store and show: NFC, LF line ends, no control characters."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs", "Co")
    )
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")[:limit]


def thread_subject(subject: str, community: Community) -> str:
    """A thread's title: the subject without reply prefixes or our own tag."""
    subject = clean_text(subject, MAX_SUBJECT_CHARS).replace("\n", " ")
    subject = subject.replace(f"[{community.name}]", "")
    subject = _REPLY_PREFIX.sub("", subject).strip()
    return subject or "(no subject)"


def make_list_message_id(domain: str) -> str:
    return f"<post.{uuid.uuid4().hex}@{domain}>"


def find_thread(session: Session, community: Community, message_ids: Iterable[str]) -> Post | None:
    """The post that any of these Message-IDs names, newest reference first.

    Members reply to our copies (list_message_id) or, when they were Cc'd directly,
    to the original (message_id); either leads back to the thread.
    """
    for mid in message_ids:
        post = session.scalar(
            select(Post)
            .join(Thread)
            .where(
                Thread.community_id == community.id,
                or_(Post.list_message_id == mid, Post.message_id == mid),
            )
            .limit(1)
        )
        if post is not None:
            return post
    return None


def start_thread(
    session: Session, community: Community, subject: str, author: Member | None, now: datetime
) -> Thread:
    thread = Thread(
        community_id=community.id,
        subject=thread_subject(subject, community),
        started_by_id=author.id if author else None,
        created_at=now,
        last_post_at=now,
    )
    session.add(thread)
    session.flush()
    return thread


def add_post(
    session: Session,
    thread: Thread,
    *,
    author: Member | None,
    author_name: str,
    author_address: str,
    body: str,
    full_text: str,
    message_id: str | None,
    in_reply_to: str | None,
    inbound_id: int | None,
    now: datetime,
    domain: str,
) -> Post:
    """Attach a post to a thread; the text is cleaned before it is stored."""
    list_id = make_list_message_id(domain)
    post = Post(
        thread_id=thread.id,
        author_id=author.id if author else None,
        author_name=clean_text(author_name, 200) or author_address,
        author_address=author_address,
        body=clean_text(body),
        full_text=clean_text(full_text),
        message_id=message_id or list_id,
        list_message_id=list_id,
        in_reply_to=in_reply_to,
        inbound_id=inbound_id,
        created_at=now,
    )
    session.add(post)
    thread.last_post_at = max(thread.last_post_at, now)
    session.flush()
    return post


def fan_out(session: Session, post: Post, *, now: datetime, domain: str) -> int:
    """Queue a copy for every active member who reads each post, except its author."""
    thread = post.thread
    readers = session.scalars(
        select(Member).where(
            Member.community_id == thread.community_id,
            Member.status == MemberStatus.ACTIVE,
            Member.delivery_mode == DeliveryMode.EACH_POST,
        )
    )
    count = 0
    for reader in readers:
        if reader.id == post.author_id or reader.address == post.author_address:
            continue
        row = outbox.queue_mail(
            session,
            purpose=outbox.Purpose.POST,
            subject=f"post:{post.id}",
            recipient=reader.address,
            domain=domain,
            now=now,
            community_id=thread.community_id,
            member_id=reader.id,
            context={"post_id": post.id},
        )
        # Every copy carries the post's list Message-ID, so replies thread back to it.
        row.message_id = post.list_message_id
        count += 1
    session.flush()
    return count


def parent_post(session: Session, post: Post) -> Post | None:
    """The post this one answers: the one its In-Reply-To names, else the thread's first."""
    thread = post.thread
    if post.in_reply_to:
        found = find_thread(session, _community_of(session, thread), [post.in_reply_to])
        if found is not None and found.id != post.id:
            return found
    first = session.scalar(select(Post).where(Post.thread_id == thread.id).order_by(Post.id))
    return first if first is not None and first.id != post.id else None


def _community_of(session: Session, thread: Thread) -> Community:
    community = session.get(Community, thread.community_id)
    assert community is not None
    return community
