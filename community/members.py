"""Membership: double opt-in signup, seats and the waitlist, approval, leaving, preferences.

Every function takes the session first, may flush, and never commits. Mail is queued
in the outbound ledger (outbox.queue_mail); the caller commits and dispatches it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import names, outbox
from .addresses import normalise_address
from .bounces import clear_bounces
from .communities import seats_left
from .errors import CommunityError, InvalidLink, UnknownMember
from .models import (
    Community,
    DeliveryMode,
    JoinPolicy,
    Member,
    MemberStatus,
    Role,
)
from .outbox import Purpose
from .tokens import LinkPurpose, Signer

MAX_NAME_LENGTH = names.MAX_NAME_LENGTH
# How long the approve / decline links mailed to a host stay valid.
HOST_DECISION_DAYS = 14
MAX_PAUSE = timedelta(days=366)
LEFT = (MemberStatus.UNSUBSCRIBED, MemberStatus.REMOVED)
# Statuses of people who are in, or in line to be in, the community.
ADMITTED_OR_QUEUED = (
    MemberStatus.ACTIVE,
    MemberStatus.PAUSED,
    MemberStatus.BOUNCING,
    MemberStatus.WAITLISTED,
    MemberStatus.AWAITING_APPROVAL,
)


def clean_display_name(raw: str) -> str:
    """A name typed by a person (join form, preferences, CLI), cleaned as every name
    is (see names.py); overlong names are refused rather than cut."""
    name = names.clean_display_name(raw)
    if len(name) > MAX_NAME_LENGTH:
        raise CommunityError(f"Please keep your name under {MAX_NAME_LENGTH} characters.")
    return name


def find_member(session: Session, community: Community, address: str) -> Member | None:
    return session.scalar(
        select(Member).where(
            Member.community_id == community.id, Member.address == normalise_address(address)
        )
    )


def get_member(session: Session, community: Community, address: str) -> Member:
    member = find_member(session, community, address)
    if member is None:
        raise UnknownMember(f"{address} is not on the list of {community.slug}.")
    return member


def list_members(
    session: Session, community: Community, statuses: tuple[MemberStatus, ...] | None = None
) -> list[Member]:
    query = select(Member).where(Member.community_id == community.id)
    if statuses:
        query = query.where(Member.status.in_(statuses))
    return list(session.scalars(query.order_by(Member.created_at, Member.id)))


# -- signup -----------------------------------------------------------------


def request_join(
    session: Session,
    community: Community,
    raw_address: str,
    *,
    display_name: str = "",
    now: datetime,
    domain: str,
    mails_per_hour: int,
) -> Member | None:
    """Handle a join request. The caller's response must not depend on the result.

    Newcomers and leavers who come back get a confirmation mail; people already in
    (or in line) get a reminder of how to manage their membership instead, so the
    form cannot be used to learn who is a member. Mails to one address are capped
    per hour, which makes re-submitting harmless. People the host removed get nothing.

    Raises InvalidAddress or CommunityError (bad name) before anything is stored.
    """
    address = normalise_address(raw_address)
    name = clean_display_name(display_name)
    member = find_member(session, community, address)
    if member is None:
        member = Member(
            community_id=community.id,
            address=address,
            display_name=name,
            status=MemberStatus.PENDING,
            delivery_mode=DeliveryMode.EACH_POST,
            role=Role.MEMBER,
            created_at=now,
            requested_at=now,
            join_requests=0,
            bounce_score=0,
            link_version=0,
        )
        session.add(member)
    elif member.status == MemberStatus.REMOVED:
        return None
    elif member.status == MemberStatus.UNSUBSCRIBED:
        member.status = MemberStatus.PENDING
        member.confirmed_at = member.activated_at = member.waitlisted_at = None
        revoke_links(member)  # links from the earlier membership must not act now

    if member.status == MemberStatus.PENDING and name:
        member.display_name = name
    member.join_requests += 1
    member.requested_at = now
    session.flush()

    purpose = (
        Purpose.CONFIRM_SIGNUP
        if member.status == MemberStatus.PENDING
        else (Purpose.ALREADY_MEMBER)
    )
    recent = outbox.count_recent(
        session,
        recipient=address,
        purposes=(Purpose.CONFIRM_SIGNUP, Purpose.ALREADY_MEMBER),
        since=now - timedelta(hours=1),
    )
    if recent < mails_per_hour:
        _queue(session, member, purpose, f"request:{member.join_requests}", now, domain)
    return member


def member_from_link(
    session: Session,
    signer: Signer,
    purpose: LinkPurpose,
    token: str,
    max_age_seconds: int | None = None,
) -> Member:
    """Resolve a signed link to its member; raises InvalidLink or ExpiredLink."""
    return member_for_payload(session, signer.load(purpose, token, max_age_seconds))


def member_for_payload(session: Session, payload: dict[str, object]) -> Member:
    """The member a verified link payload names, unless the link was revoked since."""
    member_id = payload.get("m")
    member = session.get(Member, member_id) if isinstance(member_id, int) else None
    if member is None or payload.get("v") != member.link_version:
        raise InvalidLink("This link is not valid any more.")
    return member


def member_for_unsubscribe(session: Session, payload: dict[str, object]) -> tuple[Member, bool]:
    """The member an unsubscribe link names, and whether they have left already.

    Leaving revokes the member's links, yet mail clients repeat one-click POSTs and
    people click twice: the link that made them leave still answers "you have left"
    (and does nothing) until they re-join.
    """
    member_id = payload.get("m")
    member = session.get(Member, member_id) if isinstance(member_id, int) else None
    if member is not None and member.status in LEFT and payload.get("v") == member.link_version - 1:
        return member, True
    return member_for_payload(session, payload), False


def revoke_links(member: Member) -> None:
    """Make every link and reply address issued to this member so far stop working."""
    member.link_version += 1


def link_payload(member: Member, **extra: str) -> dict[str, object]:
    return {"m": member.id, "v": member.link_version, **extra}


def confirm_signup(session: Session, member: Member, *, now: datetime, domain: str) -> Member:
    """The member clicked their confirmation link. Clicking again changes nothing.

    Open communities admit at once (or waitlist when full); approval communities ask
    the host first.
    """
    if member.status != MemberStatus.PENDING:
        return member
    member.confirmed_at = now
    community = member.community
    if community.join_policy == JoinPolicy.APPROVAL:
        member.status = MemberStatus.AWAITING_APPROVAL
        _queue(
            session,
            member,
            Purpose.APPROVAL_REQUEST,
            f"request:{member.join_requests}",
            now,
            domain,
            recipient=community.host_address,
        )
        return member
    _admit(session, member, now=now, domain=domain)
    return member


def decide_approval(
    session: Session, member: Member, *, approve: bool, now: datetime, domain: str
) -> Member:
    """The host approved or declined a request. Deciding twice changes nothing."""
    if member.status != MemberStatus.AWAITING_APPROVAL:
        return member
    if approve:
        _admit(session, member, now=now, domain=domain)
    else:
        member.status = MemberStatus.REMOVED
        member.left_at = now
        _queue(
            session, member, Purpose.JOIN_DECLINED, f"request:{member.join_requests}", now, domain
        )
    return member


def add_member(
    session: Session,
    community: Community,
    raw_address: str,
    *,
    display_name: str = "",
    now: datetime,
    domain: str,
) -> Member:
    """A host adds someone who already agreed to join: no confirmation step."""
    address = normalise_address(raw_address)
    name = clean_display_name(display_name)
    member = find_member(session, community, address)
    if member is not None and member.status in ADMITTED_OR_QUEUED:
        if member.status == MemberStatus.AWAITING_APPROVAL:
            _admit(session, member, now=now, domain=domain)
        elif member.status == MemberStatus.BOUNCING:
            clear_bounces(member)  # the host says their mailbox works again
        return member
    if member is not None and member.status in LEFT:
        revoke_links(member)  # a fresh membership: links from the earlier one must not act
    if member is None:
        member = Member(
            community_id=community.id,
            address=address,
            role=Role.MEMBER,
            delivery_mode=DeliveryMode.EACH_POST,
            created_at=now,
            join_requests=0,
            bounce_score=0,
            link_version=0,
            status=MemberStatus.PENDING,
        )
        session.add(member)
    member.display_name = name or member.display_name or ""
    member.join_requests += 1
    member.requested_at = member.confirmed_at = now
    member.left_at = None
    session.flush()
    _admit(session, member, now=now, domain=domain)
    return member


def _admit(session: Session, member: Member, *, now: datetime, domain: str) -> None:
    """Give the member a seat, or a place at the end of the waitlist."""
    community = _lock_community(session, member.community_id)
    if seats_left(session, community) > 0:
        member.status = MemberStatus.ACTIVE
        member.activated_at = now
        member.waitlisted_at = None
        _queue(session, member, Purpose.WELCOME, f"join:{member.join_requests}", now, domain)
    else:
        member.status = MemberStatus.WAITLISTED
        member.waitlisted_at = now
        _queue(session, member, Purpose.WAITLISTED, f"join:{member.join_requests}", now, domain)
    session.flush()


def _lock_community(session: Session, community_id: int) -> Community:
    # Row lock on PostgreSQL so two confirmations cannot both take the last seat;
    # SQLite transactions here already hold the database write lock (see db.py).
    community = session.scalar(
        select(Community).where(Community.id == community_id).with_for_update()
    )
    assert community is not None
    return community


# -- leaving ----------------------------------------------------------------


def unsubscribe(session: Session, member: Member, *, now: datetime, domain: str) -> bool:
    """The member leaves. Returns False when they had already left."""
    if member.status in (MemberStatus.UNSUBSCRIBED, MemberStatus.REMOVED):
        return False
    _leave(session, member, MemberStatus.UNSUBSCRIBED, now=now, domain=domain)
    return True


def remove_member(session: Session, member: Member, *, now: datetime, domain: str) -> None:
    """The host removes a member; their seat goes to the head of the waitlist."""
    if member.role == Role.HOST:
        raise CommunityError("The host cannot be removed from their own community.")
    if member.status != MemberStatus.REMOVED:
        _leave(session, member, MemberStatus.REMOVED, now=now, domain=domain)


def _leave(
    session: Session, member: Member, status: MemberStatus, *, now: datetime, domain: str
) -> None:
    held_seat = member.holds_seat
    member.status = status
    member.left_at = now
    member.paused_until = None
    revoke_links(member)  # nothing mailed before may act for them once they are gone
    session.flush()
    if held_seat:
        promote_waitlist(session, member.community, now=now, domain=domain)


def promote_waitlist(
    session: Session, community: Community, *, now: datetime, domain: str
) -> list[Member]:
    """Fill free seats from the head of the waitlist, telling each person by mail."""
    community = _lock_community(session, community.id)
    free = seats_left(session, community)
    if free <= 0:
        return []
    promoted = list(
        session.scalars(
            select(Member)
            .where(Member.community_id == community.id, Member.status == MemberStatus.WAITLISTED)
            .order_by(Member.waitlisted_at, Member.id)
            .limit(free)
        )
    )
    for member in promoted:
        member.status = MemberStatus.ACTIVE
        member.activated_at = now
        _queue(session, member, Purpose.SEAT_OPENED, f"join:{member.join_requests}", now, domain)
    session.flush()
    return promoted


# -- preferences ------------------------------------------------------------


def update_preferences(
    session: Session,
    member: Member,
    *,
    delivery_mode: DeliveryMode,
    display_name: str,
    paused_until: date | None,
    today: date,
) -> Member:
    """Apply the preferences form. Pausing keeps the seat but stops all mail.

    Raises CommunityError for a pause date in the past or more than a year ahead.
    """
    if paused_until is not None and not today < paused_until <= today + MAX_PAUSE:
        raise CommunityError("Choose a pause date after today and within a year.")
    member.delivery_mode = delivery_mode
    member.display_name = clean_display_name(display_name)
    member.paused_until = paused_until
    if paused_until and member.status == MemberStatus.ACTIVE:
        member.status = MemberStatus.PAUSED
    elif paused_until is None and member.status == MemberStatus.PAUSED:
        member.status = MemberStatus.ACTIVE
    session.flush()
    return member


def pause(session: Session, member: Member, until: date) -> Member:
    """Pause by mail ("pause until 12 April"): keep the seat, send nothing until then."""
    member.paused_until = until
    if member.status == MemberStatus.ACTIVE:
        member.status = MemberStatus.PAUSED
    session.flush()
    return member


def resume_paused(session: Session, today: date) -> list[Member]:
    """Members whose pause ended become active again."""
    members = list(
        session.scalars(
            select(Member).where(Member.status == MemberStatus.PAUSED, Member.paused_until <= today)
        )
    )
    for member in members:
        member.status = MemberStatus.ACTIVE
        member.paused_until = None
    session.flush()
    return members


def _queue(
    session: Session,
    member: Member,
    purpose: str,
    occasion: str,
    now: datetime,
    domain: str,
    recipient: str | None = None,
) -> None:
    outbox.queue_mail(
        session,
        purpose=purpose,
        subject=f"member:{member.id}:{occasion}",
        recipient=recipient or member.address,
        domain=domain,
        now=now,
        community_id=member.community_id,
        member_id=member.id,
    )
