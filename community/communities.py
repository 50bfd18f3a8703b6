"""Creating communities and answering questions about them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, bindparam, case, func, select
from sqlalchemy.orm import Session

from .addresses import normalise_address
from .errors import InvalidCommunitySettings, SlugTaken, UnknownCommunity
from .models import (
    SEAT_HOLDING,
    Community,
    DeliveryMode,
    JoinPolicy,
    Member,
    MemberStatus,
    Role,
)
from .schedule import parse_weekly_time
from .uow import UnitOfWork

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
# Local parts we use ourselves or that RFC 2142 reserves for a domain's operators.
RESERVED_SLUGS = frozenset(
    {"bounces", "postmaster", "abuse", "hostmaster", "webmaster", "noreply", "www", "admin"}
)
MAX_CAPACITY = 500


def create_community(
    uow: UnitOfWork,
    *,
    slug: str,
    name: str,
    host_address: str,
    description: str = "",
    timezone: str = "UTC",
    capacity: int = 30,
    join_policy: JoinPolicy = JoinPolicy.OPEN,
    host_name: str = "",
) -> Community:
    """Create a community and its host, who is its first active member.

    Raises InvalidCommunitySettings, InvalidAddress or SlugTaken.
    """
    session, now = uow.session, uow.now
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug) or slug.endswith("-host"):
        raise InvalidCommunitySettings(
            f"Slug {slug!r} must be 1-40 lowercase letters, digits or inner hyphens."
        )
    if slug in RESERVED_SLUGS:
        raise InvalidCommunitySettings(f"Slug {slug!r} is reserved.")
    if not name.strip():
        raise InvalidCommunitySettings("A community needs a name.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidCommunitySettings(f"Unknown timezone {timezone!r}.") from exc
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidCommunitySettings(f"Capacity must be between 1 and {MAX_CAPACITY}.")
    host = normalise_address(host_address)
    if session.scalar(select(Community.id).where(Community.slug == slug)) is not None:
        raise SlugTaken(f"A community called {slug!r} already exists.")

    community = Community(
        slug=slug,
        name=name.strip(),
        description=description.strip(),
        host_address=host,
        timezone=timezone,
        capacity=capacity,
        join_policy=join_policy,
        created_at=now,
    )
    session.add(community)
    session.flush()
    session.add(
        Member(
            community_id=community.id,
            address=host,
            display_name=host_name,
            status=MemberStatus.ACTIVE,
            delivery_mode=DeliveryMode.EACH_POST,
            role=Role.HOST,
            created_at=now,
            requested_at=now,
            join_requests=0,
            confirmed_at=now,
            activated_at=now,
        )
    )
    session.flush()
    return community


@dataclass(frozen=True)
class Rhythm:
    """Changes to a community's weekly rhythm; None leaves a value as it is."""

    commitment_question: str | None = None
    checkin_question: str | None = None
    prompt_at: str | None = None  # "mon 08:00", in the community's timezone
    checkin_at: str | None = None
    digest_at: str | None = None
    reminder_hours: int | None = None
    preview_hours: int | None = None
    digest_when_quiet: bool | None = None
    loop_paused: bool | None = None
    host_takes_part: bool | None = None
    partly_counts: bool | None = None


MAX_REMINDER_HOURS, MAX_PREVIEW_HOURS = 96, 72


def configure(community: Community, changes: Rhythm) -> Community:
    """Apply the host's changes to the questions and the weekly schedule, all or none.

    Raises InvalidCommunitySettings before changing anything when one is wrong.
    """
    when = {
        name: parse_weekly_time(text)
        for name, text in (
            ("prompt", changes.prompt_at),
            ("checkin", changes.checkin_at),
            ("digest", changes.digest_at),
        )
        if text
    }
    if changes.reminder_hours is not None and not 1 <= changes.reminder_hours <= MAX_REMINDER_HOURS:
        raise InvalidCommunitySettings(f"Reminders come 1 to {MAX_REMINDER_HOURS} hours later.")
    if changes.preview_hours is not None and not 0 <= changes.preview_hours <= MAX_PREVIEW_HOURS:
        raise InvalidCommunitySettings(f"The preview comes 0 to {MAX_PREVIEW_HOURS} hours ahead.")
    for question in (changes.commitment_question, changes.checkin_question):
        if question is not None and not question.strip():
            raise InvalidCommunitySettings("A question cannot be empty.")
    if changes.commitment_question:
        community.commitment_question = changes.commitment_question.strip()
    if changes.checkin_question:
        community.checkin_question = changes.checkin_question.strip()
    for name, (weekday, hour) in when.items():
        setattr(community, f"{name}_weekday", weekday)
        setattr(community, f"{name}_hour", hour)
    if changes.reminder_hours is not None:
        community.reminder_delay_hours = changes.reminder_hours
    if changes.preview_hours is not None:
        community.preview_hours = changes.preview_hours
    if changes.digest_when_quiet is not None:
        community.digest_when_quiet = changes.digest_when_quiet
    if changes.loop_paused is not None:
        community.loop_paused = changes.loop_paused
    if changes.host_takes_part is not None:
        community.host_takes_part = changes.host_takes_part
    if changes.partly_counts is not None:
        community.partly_counts = changes.partly_counts
    return community


def get_community(session: Session, slug: str) -> Community:
    community = session.scalar(select(Community).where(Community.slug == slug.lower()))
    if community is None:
        raise UnknownCommunity(f"No community called {slug!r}.")
    return community


@dataclass(frozen=True)
class CommunityPage:
    """What the public page of a community shows, read in one query."""

    slug: str
    name: str
    description: str
    capacity: int
    join_policy: JoinPolicy
    seats_left: int
    waitlist: int
    version: int  # the community's page_version when this was read


# Who takes one of the circle's seats: its members, not the host who runs it.
_HOLDS_SEAT = Member.status.in_(SEAT_HOLDING) & (Member.role != Role.HOST)

# Built once: building a statement costs more than running it on a page this small.
_PAGE = (
    select(
        Community.slug,
        Community.name,
        Community.description,
        Community.capacity,
        Community.join_policy,
        func.sum(case((_HOLDS_SEAT, 1), else_=0)),
        func.sum(case((Member.status == MemberStatus.WAITLISTED, 1), else_=0)),
        Community.page_version,
    )
    .outerjoin(Member, Member.community_id == Community.id)
    .where(Community.slug == bindparam("slug"))
    .group_by(Community.id)
)
_PAGE_VERSION = select(Community.page_version).where(Community.slug == bindparam("slug"))


def community_page(session: Session | Connection, slug: str) -> CommunityPage:
    """The community's public facts and its seat counts; raises UnknownCommunity."""
    row = session.execute(_PAGE, {"slug": slug.lower()}).first()
    if row is None:
        raise UnknownCommunity(f"No community called {slug!r}.")
    slug_, name, description, capacity, policy, taken, queued, version = row
    return CommunityPage(
        slug=slug_,
        name=name,
        description=description,
        capacity=capacity,
        join_policy=policy,
        seats_left=max(0, capacity - int(taken or 0)),
        waitlist=int(queued or 0),
        version=version,
    )


def page_version(session: Session | Connection, slug: str) -> int | None:
    """The community's page version (see the model), or None when there is none."""
    return session.execute(_PAGE_VERSION, {"slug": slug.lower()}).scalar()


def page_version_raw(dbapi_conn: Any, paramstyle: str, slug: str) -> int | None:
    """`page_version` on a bare DB-API connection in autocommit: the one query a cached
    page costs, at a tenth of a SQLAlchemy connection's price."""
    mark = "?" if paramstyle == "qmark" else "%s"
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"SELECT page_version FROM communities WHERE slug = {mark}", (slug.lower(),))
        row = cur.fetchone()
    finally:
        cur.close()
    return int(row[0]) if row else None


def list_communities(session: Session) -> list[Community]:
    return list(session.scalars(select(Community).order_by(Community.slug)))


def seats_taken(session: Session, community: Community) -> int:
    return (
        session.scalar(
            select(func.count(Member.id)).where(Member.community_id == community.id, _HOLDS_SEAT)
        )
        or 0
    )


def seats_left(session: Session, community: Community) -> int:
    return max(0, community.capacity - seats_taken(session, community))


def waitlist_length(session: Session, community: Community) -> int:
    return (
        session.scalar(
            select(func.count(Member.id)).where(
                Member.community_id == community.id, Member.status == MemberStatus.WAITLISTED
            )
        )
        or 0
    )
