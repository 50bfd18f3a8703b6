"""Threads and posts: starting a thread, attaching a reply, fanning a post out."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from . import names, outbox
from .models import Community, DeliveryMode, DeliveryStatus, Member, MemberStatus, Post, Thread
from .uow import UnitOfWork

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


# An RFC 5322 msg-id as Kith repeats it in headers: printable ASCII, no brackets,
# quotes or spaces inside, short enough that References stays readable.
_ID_PART = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+"
MESSAGE_ID = re.compile(rf"<{_ID_PART}@(?:{_ID_PART}|\[[\x21-\x5a\x5e-\x7e]*\])>")
MAX_MESSAGE_ID = 250
MAX_ANCESTORS = 200  # a loop guard: conversations are never this deep


def is_message_id(value: str | None) -> bool:
    if not value or len(value) > MAX_MESSAGE_ID:
        return False
    return MESSAGE_ID.fullmatch(value) is not None


def make_list_message_id(domain: str) -> str:
    return f"<post.{uuid.uuid4().hex}@{domain}>"


def public_message_id(post: Post) -> str:
    """The Message-ID every copy of a post carries: the author's own, so their sent
    copy and everyone's replies thread together in their client; ours when theirs is
    missing or malformed."""
    return post.message_id if is_message_id(post.message_id) else post.list_message_id


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
    uow: UnitOfWork, community: Community, subject: str, author: Member | None
) -> Thread:
    thread = Thread(
        community_id=community.id,
        subject=thread_subject(subject, community),
        started_by_id=author.id if author else None,
        created_at=uow.now,
        last_post_at=uow.now,
    )
    uow.session.add(thread)
    uow.session.flush()
    return thread


def add_post(
    uow: UnitOfWork,
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
) -> Post:
    """Attach a post to a thread; the text is cleaned before it is stored."""
    list_id = make_list_message_id(uow.domain)
    post = Post(
        thread_id=thread.id,
        author_id=author.id if author else None,
        author_name=names.limit_name(author_name) or author_address.split("@", 1)[0],
        author_address=author_address,
        body=clean_text(body),
        full_text=clean_text(full_text),
        message_id=message_id or list_id,
        list_message_id=list_id,
        in_reply_to=in_reply_to,
        inbound_id=inbound_id,
        created_at=uow.now,
    )
    uow.session.add(post)
    thread.last_post_at = max(thread.last_post_at, uow.now)
    uow.session.flush()
    return post


def fan_out(uow: UnitOfWork, post: Post) -> int:
    """Queue a copy for every active member who reads each post, except its author
    (and for alumni too, where the host left posting open to them)."""
    from .seasons import alumni_may_post

    thread = post.thread
    statuses = [MemberStatus.ACTIVE]
    community = uow.session.get(Community, thread.community_id)
    if community is not None and alumni_may_post(uow.session, community):
        statuses.append(MemberStatus.ALUMNI)
    readers = uow.session.scalars(
        select(Member).where(
            Member.community_id == thread.community_id,
            Member.status.in_(statuses),
            Member.delivery_status == DeliveryStatus.ENABLED,
            Member.delivery_mode == DeliveryMode.EACH_POST,
        )
    )
    count = 0
    for reader in readers:
        if reader.id == post.author_id or reader.address == post.author_address:
            continue
        row = outbox.queue_mail(
            uow,
            purpose=outbox.Purpose.POST,
            subject=f"post:{post.id}",
            recipient=reader.address,
            community_id=thread.community_id,
            member_id=reader.id,
            context={"post_id": post.id},
        )
        # Every copy carries the post's Message-ID, so replies thread back to it.
        row.message_id = public_message_id(post)
        count += 1
    uow.session.flush()
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


def ancestors(session: Session, post: Post) -> list[Post]:
    """The posts this one answers, root first, then down to its parent."""
    chain: list[Post] = []
    seen, current = {post.id}, post
    while len(chain) < MAX_ANCESTORS:
        parent = parent_post(session, current)
        if parent is None or parent.id in seen:
            break
        chain.append(parent)
        seen.add(parent.id)
        current = parent
    return chain[::-1]


def _community_of(session: Session, thread: Thread) -> Community:
    community = session.get(Community, thread.community_id)
    assert community is not None
    return community
