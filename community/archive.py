"""The members' archive: who may read it, signing in by link, and what its pages show.

Only a community's active members read its archive (a paused member is active; the
host is a member with the host's role). Access is decided again on every request from
the member's row, so leaving, being removed, or "sign out everywhere" ends it at once:
a session names the member and the versions of their links and archive sessions, and
counts only while both still match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from . import links, outbox
from .addresses import normalise_address
from .attachments import attachment_parts
from .digests import RoundSummary
from .digests import _round_summary as round_summary
from .errors import InvalidLink
from .members import find_member, member_for_payload
from .models import (
    Commitment,
    Community,
    InboundMessage,
    Member,
    MemberStatus,
    Post,
    Role,
    Round,
    RoundStatus,
    Thread,
)
from .outbox import Purpose
from .tokens import LinkPurpose, Signer
from .uow import UnitOfWork

# Alumni of an ended season keep reading the group's memory (their mail has stopped).
READERS = (MemberStatus.ACTIVE, MemberStatus.ALUMNI)
THREADS_PER_PAGE = 30
# Types a browser may be told an attachment has; anything else is a download of bytes.
SAFE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/calendar",
        "application/zip",
        "message/rfc822",
    }
)
GENERIC_TYPE = "application/octet-stream"


def may_read(member: Member | None, community: Community) -> bool:
    return member is not None and member.community_id == community.id and member.status in READERS


def is_host(member: Member) -> bool:
    return member.role == Role.HOST


# -- signing in ------------------------------------------------------------------------


def claim(member: Member) -> dict[str, Any]:
    """What a sign-in link and a session carry: the member and their versions."""
    return {"m": member.id, "v": member.link_version, "s": member.archive_version}


def sign_in_token(signer: Signer, member: Member) -> str:
    return signer.sign(LinkPurpose.ARCHIVE, claim(member))


def reader_from_link(
    session: Session, signer: Signer, community: Community, token: str, max_age_seconds: int
) -> Member:
    """The member a sign-in link names, if they may read this community's archive now.

    Raises ExpiredLink or InvalidLink (also for a member who left, or signed out
    everywhere since the link was sent), with the same words for every such case.
    """
    payload = signer.load(LinkPurpose.ARCHIVE, token, max_age_seconds)
    member = member_for_payload(session, payload)
    if payload.get("s") != member.archive_version or not may_read(member, community):
        raise InvalidLink("This link is not valid any more.")
    return member


def reader_from_claim(session: Session, community: Community, held: object) -> Member | None:
    """The reader a session's claim names, or None: checked against the row each time."""
    if not isinstance(held, dict):
        return None
    member_id = held.get("m")
    member = session.get(Member, member_id) if isinstance(member_id, int) else None
    if member is None or member.community_id != community.id:
        return None
    holds = claim_holds(held, member.id, member.status, member.link_version, member.archive_version)
    return member if holds else None


def claim_holds(
    held: dict[str, object], member_id: int, status: MemberStatus, link: int, sessions: int
) -> bool:
    """The one rule for a session's claim: the member it names still reads the archive,
    and neither their links nor their archive sessions were revoked since."""
    return (
        held.get("m") == member_id
        and status in READERS
        and held.get("v") == link
        and held.get("s") == sessions
    )


def claimed_ids(claims: dict[str, object]) -> list[int]:
    """The member ids a session's claims name (one per community signed in to)."""
    return [
        held["m"]
        for held in claims.values()
        if isinstance(held, dict) and isinstance(held.get("m"), int)
    ]


@dataclass(frozen=True)
class ThreadAccess:
    """What a thread page needs to know before anything else, read in one statement."""

    community_id: int | None  # None: no such community
    reader_id: int | None  # None: nobody who may read it now
    is_host: bool
    subject: str | None  # None: no such thread in this community
    post_ids: tuple[int, ...]


def thread_access_raw(
    dbapi_conn: Any, paramstyle: str, slug: str, claims: dict[str, object], thread_id: int
) -> ThreadAccess:
    """The community, whether the session's claim still holds, and the thread's subject
    and post ids: the whole per-request work of a thread page whose rendering is kept,
    as one statement on a bare DB-API connection in autocommit (each statement sees
    every commit before it, so a member who left is out on this very request)."""
    mark = "?" if paramstyle == "qmark" else "%s"
    wanted = claimed_ids(claims) or [-1]
    members = ", ".join([mark] * len(wanted))
    sql = (
        "SELECT c.id, m.id, m.status, m.link_version, m.archive_version, m.role, "
        "t.subject, p.id FROM communities c "
        f"LEFT JOIN members m ON m.community_id = c.id AND m.id IN ({members}) "
        f"LEFT JOIN threads t ON t.id = {mark} AND t.community_id = c.id "
        "LEFT JOIN posts p ON p.thread_id = t.id "
        f"WHERE c.slug = {mark} ORDER BY p.created_at, p.id"
    )
    cur = dbapi_conn.cursor()
    try:
        cur.execute(sql, (*wanted, thread_id, slug))
        rows = cur.fetchall()
    finally:
        cur.close()
    if not rows:
        return ThreadAccess(None, None, False, None, ())
    community_id, member_id, status, link, sessions, role, subject, _ = rows[0]
    held = claims.get(str(community_id))
    reader = (
        member_id
        if member_id is not None
        and isinstance(held, dict)
        and claim_holds(held, member_id, MemberStatus(status), link, sessions)
        else None
    )
    posts = tuple(row[7] for row in rows if row[7] is not None)
    return ThreadAccess(community_id, reader, role == Role.HOST.value, subject, posts)


# Built once: the statements every archive page runs (SQLAlchemy then only binds).
_COMMUNITY_AND_READER = (
    select(Community, Member)
    .outerjoin(
        Member,
        (Member.community_id == Community.id) & Member.id.in_(bindparam("wanted", expanding=True)),
    )
    .where(Community.slug == bindparam("slug"))
    .limit(1)
)


def community_and_reader(
    session: Session, slug: str, claims: dict[str, object]
) -> tuple[Community | None, Member | None]:
    """The community by slug and the reader its claim (in `claims`, by community id)
    names, in one query: what every archive page needs first."""
    wanted = claimed_ids(claims)
    row = session.execute(_COMMUNITY_AND_READER, {"slug": slug, "wanted": wanted}).first()
    if row is None:
        return None, None
    community, member = row
    held = claims.get(str(community.id))
    if member is None or not isinstance(held, dict) or held.get("m") != member.id:
        return community, None
    return community, reader_from_claim(session, community, held)


def sign_out_everywhere(member: Member) -> None:
    """End every archive session of this member, and every sign-in link sent so far."""
    member.archive_version += 1


def request_link(
    uow: UnitOfWork,
    community: Community,
    raw_address: str,
    *,
    mails_per_hour: int,
    next_path: str = "",
) -> None:
    """Mail a sign-in link to the address if it belongs to a reader; otherwise nothing.

    The caller answers the same whatever happened, so the form tells nobody who is a
    member. `next_path`: the archive page the link should open (kept only if it is
    one, see links.archive_page). Raises InvalidAddress for text that is not an address.
    """
    address = normalise_address(raw_address)
    member = find_member(uow.session, community, address)
    if member is None or not may_read(member, community):
        return
    recent = outbox.count_recent(
        uow.session,
        recipient=member.address,
        purposes=(Purpose.ARCHIVE_LINK,),
        since=uow.now - timedelta(hours=1),
    )
    if recent >= mails_per_hour:
        return
    outbox.queue_mail(
        uow,
        purpose=Purpose.ARCHIVE_LINK,
        subject=f"member:{member.id}:{uow.now.isoformat()}",
        recipient=member.address,
        community_id=community.id,
        member_id=member.id,
        context={"next": links.archive_page(community.slug, next_path) or ""},
    )


# -- threads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadSummary:
    id: int
    subject: str
    started_by: str
    posts: int
    last_post_at: datetime

    @property
    def unanswered(self) -> bool:
        return self.posts == 1


@dataclass(frozen=True)
class ThreadList:
    threads: tuple[ThreadSummary, ...]
    page: int
    more: bool


def list_threads(session: Session, community: Community, page: int = 1) -> ThreadList:
    """The community's threads, the most recently active first."""
    page = max(1, page)
    # The page of threads first (ix_threads_community_last), then counts for those only:
    # the cost stays that of one page however many posts the archive holds.
    threads = session.execute(
        select(Thread.id, Thread.subject, Thread.last_post_at)
        .where(Thread.community_id == community.id)
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(THREADS_PER_PAGE + 1)
        .offset((page - 1) * THREADS_PER_PAGE)
    ).all()
    ids = [t.id for t in threads[:THREADS_PER_PAGE]]
    counts = {
        thread_id: (n, first)
        for thread_id, n, first in session.execute(
            select(Post.thread_id, func.count(), func.min(Post.id))
            .where(Post.thread_id.in_(ids))
            .group_by(Post.thread_id)
        )
    }
    first_ids = [first for _, first in counts.values()]
    firsts: dict[int, str] = {
        post_id: name
        for post_id, name in session.execute(
            select(Post.id, Post.author_name).where(Post.id.in_(first_ids))
        )
    }
    shown = tuple(
        ThreadSummary(
            t.id, t.subject, firsts.get(counts[t.id][1], ""), counts[t.id][0], t.last_post_at
        )
        for t in threads[:THREADS_PER_PAGE]
        if t.id in counts
    )
    return ThreadList(shown, page, len(threads) > THREADS_PER_PAGE)


@dataclass(frozen=True)
class AttachmentInfo:
    index: int  # its place among the message's attachments, as attachment_parts counts
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class PostView:
    id: int
    author_name: str
    author_id: int | None
    created_at: datetime
    body: str
    full_text: str
    attachments: tuple[AttachmentInfo, ...]

    @property
    def trimmed(self) -> bool:
        """The parser cut something (quotes, a signature) that the reader may restore."""
        return self.full_text.strip() != self.body.strip()


@dataclass(frozen=True)
class ThreadPage:
    id: int
    subject: str
    posts: tuple[PostView, ...]


def thread_page(session: Session, community: Community, thread_id: int) -> ThreadPage | None:
    """Every post of a thread of this community, oldest first; None if there is none."""
    outline = thread_outline(session, community, thread_id)
    if outline is None:
        return None
    return ThreadPage(outline.id, outline.subject, post_views(session, outline.post_ids))


_OUTLINE = (
    select(Thread.subject, Post.id)
    .join(Post, Post.thread_id == Thread.id)
    .where(Thread.id == bindparam("thread"), Thread.community_id == bindparam("community"))
    .order_by(Post.created_at, Post.id)
)


@dataclass(frozen=True)
class ThreadOutline:
    id: int
    subject: str
    post_ids: tuple[int, ...]  # oldest first


def thread_outline(session: Session, community: Community, thread_id: int) -> ThreadOutline | None:
    """A thread's subject and its posts' ids, in one indexed query.

    Posts never change once written, so a page can keep what it rendered of each and
    ask only for the posts it has not seen.
    """
    rows = session.execute(_OUTLINE, {"thread": thread_id, "community": community.id}).all()
    if not rows:
        return None
    return ThreadOutline(thread_id, rows[0][0], tuple(r[1] for r in rows))


def post_views(session: Session, post_ids: Sequence[int]) -> tuple[PostView, ...]:
    """The posts with these ids, in that order, with their attachments listed."""
    if not post_ids:
        return ()
    rows = session.execute(
        select(Post, InboundMessage.raw)
        .outerjoin(InboundMessage, InboundMessage.id == Post.inbound_id)
        .where(Post.id.in_(post_ids))
    ).all()
    found = {
        post.id: PostView(
            post.id,
            post.author_name,
            post.author_id,
            post.created_at,
            post.body,
            post.full_text,
            _attachments(raw) if raw else (),
        )
        for post, raw in rows
    }
    return tuple(found[i] for i in post_ids if i in found)


def _attachments(raw: bytes) -> tuple[AttachmentInfo, ...]:
    return tuple(
        AttachmentInfo(i, name or f"attachment-{i + 1}", safe_type(ctype), len(data))
        for i, (name, ctype, data) in enumerate(attachment_parts(raw))
    )


def safe_type(content_type: str) -> str:
    ctype = content_type.lower().strip()
    return ctype if ctype in SAFE_TYPES else GENERIC_TYPE


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    data: bytes


def attachment(session: Session, community: Community, post_id: int, index: int) -> Download | None:
    """One attachment of a post of this community, with a type safe to send."""
    post = session.get(Post, post_id)
    if post is None or post.inbound_id is None or post.thread.community_id != community.id:
        return None
    inbound = session.get(InboundMessage, post.inbound_id)
    parts = attachment_parts(inbound.raw) if inbound is not None else []
    if not 0 <= index < len(parts):
        return None
    name, ctype, data = parts[index]
    return Download(name or f"attachment-{index + 1}", safe_type(ctype), data)


# -- rounds and members ----------------------------------------------------------------


def list_rounds(session: Session, community: Community) -> list[Round]:
    """The weeks whose loop ran, newest first."""
    return list(
        session.scalars(
            select(Round)
            .where(Round.community_id == community.id, Round.status == RoundStatus.OPEN)
            .order_by(Round.week.desc())
        )
    )


def round_page(session: Session, community: Community, week: str) -> RoundSummary | None:
    """A week's commitments, check-ins and streaks, as the digest reports them."""
    rnd = session.scalar(
        select(Round).where(Round.community_id == community.id, Round.week == week)
    )
    if rnd is None or rnd.status != RoundStatus.OPEN:
        return None
    return round_summary(session, community, rnd)


@dataclass(frozen=True)
class MemberPost:
    id: int
    thread_id: int
    subject: str
    created_at: datetime
    body: str


@dataclass(frozen=True)
class MemberCommitment:
    week: str
    text: str
    result: str  # a CheckinStatus value, or "" when unanswered


@dataclass(frozen=True)
class MemberPage:
    id: int
    name: str
    posts: tuple[MemberPost, ...]
    commitments: tuple[MemberCommitment, ...]


def member_page(
    session: Session, community: Community, member_id: int, *, limit: int = 100
) -> MemberPage | None:
    """A member's posts (newest first) and their commitments over the weeks."""
    member = session.get(Member, member_id)
    if member is None or member.community_id != community.id:
        return None
    posts = session.execute(
        select(Post.id, Post.thread_id, Thread.subject, Post.created_at, Post.body)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Post.author_id == member.id, Thread.community_id == community.id)
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(limit)
    ).all()
    commitments = session.execute(
        select(Round.week, Commitment.text, Commitment.result)
        .join(Round, Round.id == Commitment.round_id)
        .where(Commitment.member_id == member.id, Round.community_id == community.id)
        .order_by(Round.week.desc())
    ).all()
    return MemberPage(
        member.id,
        member.name_or_address,
        tuple(MemberPost(*row) for row in posts),
        tuple(MemberCommitment(w, t, r.value if r else "") for w, t, r in commitments),
    )
