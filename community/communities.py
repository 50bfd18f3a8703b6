"""Creating communities and answering questions about them."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
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

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
# Local parts we use ourselves or that RFC 2142 reserves for a domain's operators.
RESERVED_SLUGS = frozenset(
    {"bounces", "postmaster", "abuse", "hostmaster", "webmaster", "noreply", "www", "admin"}
)
MAX_CAPACITY = 500


def create_community(
    session: Session,
    *,
    slug: str,
    name: str,
    host_address: str,
    now: datetime,
    description: str = "",
    timezone: str = "UTC",
    capacity: int = 30,
    join_policy: JoinPolicy = JoinPolicy.OPEN,
    host_name: str = "",
) -> Community:
    """Create a community and its host, who is its first active member.

    Raises InvalidCommunitySettings, InvalidAddress or SlugTaken.
    """
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


def get_community(session: Session, slug: str) -> Community:
    community = session.scalar(select(Community).where(Community.slug == slug.lower()))
    if community is None:
        raise UnknownCommunity(f"No community called {slug!r}.")
    return community


def list_communities(session: Session) -> list[Community]:
    return list(session.scalars(select(Community).order_by(Community.slug)))


def seats_taken(session: Session, community: Community) -> int:
    return (
        session.scalar(
            select(func.count(Member.id)).where(
                Member.community_id == community.id, Member.status.in_(SEAT_HOLDING)
            )
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
