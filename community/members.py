"""Membership: double opt-in signup, seats and the waitlist, approval, leaving, preferences.

Use cases take the unit of work first, may flush, and never commit. Mail is queued in
the outbound ledger (outbox.queue_mail); the unit dispatches it once it commits.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from . import live_sessions, names, outbox, seasons
from .addresses import mailbox, normalise_address
from .bounces import clear_bounces
from .communities import seats_left
from .errors import CommunityError, InvalidLink, UnknownMember
from .models import (
    Community,
    DeliveryMode,
    DeliveryStatus,
    JoinPolicy,
    Member,
    MemberStatus,
    Role,
)
from .outbox import Purpose
from .tokens import LinkPurpose, Signer
from .uow import UnitOfWork

MAX_NAME_LENGTH = names.MAX_NAME_LENGTH
# How long the approve / decline links mailed to a host stay valid.
HOST_DECISION_DAYS = 14
MAX_PAUSE = timedelta(days=366)
LEFT = (MemberStatus.UNSUBSCRIBED, MemberStatus.REMOVED, MemberStatus.DECLINED)
# Statuses of people who are in, or in line to be in, the community.
ADMITTED_OR_QUEUED = (
    MemberStatus.ACTIVE,
    MemberStatus.WAITLISTED,
    MemberStatus.AWAITING_APPROVAL,
    MemberStatus.APPROVED,
)


def clean_display_name(raw: str) -> str:
    """A name typed by a person (join form, preferences, CLI), cleaned as every name
    is (see names.py); overlong names are refused rather than cut."""
    name = names.clean_display_name(raw)
    if len(name) > MAX_NAME_LENGTH:
        raise CommunityError(f"Please keep your name under {MAX_NAME_LENGTH} characters.")
    return name


def find_member(session: Session, community: Community, address: str) -> Member | None:
    """The member with this address or another "+tag" of the same mailbox: one person,
    as posting already treats them. The exact address wins, then the earliest."""
    address = normalise_address(address)
    box = mailbox(address)
    local, _, host = box.rpartition("@")
    tagged = f"{_like_literal(local)}+%@{_like_literal(host)}"
    found = session.scalars(
        select(Member)
        .where(
            Member.community_id == community.id,
            or_(Member.address.in_([address, box]), Member.address.like(tagged, escape="\\")),
        )
        .order_by(Member.id)
    ).all()
    return next((m for m in found if m.address == address), found[0] if found else None)


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
    uow: UnitOfWork,
    community: Community,
    raw_address: str,
    *,
    display_name: str = "",
    mails_per_hour: int,
) -> Member | None:
    """Handle a join request. The caller's response must not depend on the result.

    Newcomers and leavers who come back get a confirmation mail; people already in
    (or in line) get a reminder of how to manage their membership instead, so the
    form cannot be used to learn who is a member. Mails to one address are capped
    per hour, which makes re-submitting harmless. People the host removed or declined
    get nothing.

    Raises InvalidAddress or CommunityError (bad name) before anything is stored.
    """
    session, now = uow.session, uow.now
    address = normalise_address(raw_address)
    name = clean_display_name(display_name)
    member = find_member(session, community, address)
    returning = member is not None and member.status == MemberStatus.UNSUBSCRIBED
    if member is None:
        member = Member(
            community_id=community.id,
            address=address,
            display_name=name,
            status=MemberStatus.PENDING,
            delivery_status=DeliveryStatus.ENABLED,
            delivery_mode=DeliveryMode.EACH_POST,
            role=Role.MEMBER,
            created_at=now,
            requested_at=now,
            join_requests=0,
            bounce_score=0,
            link_version=0,
        )
        session.add(member)
    elif member.status in (MemberStatus.REMOVED, MemberStatus.DECLINED):
        return None
    elif member.status == MemberStatus.UNSUBSCRIBED:
        member.status = MemberStatus.PENDING
        member.delivery_status = DeliveryStatus.ENABLED
        member.confirmed_at = member.activated_at = member.waitlisted_at = None
        revoke_links(member)  # links from the earlier membership must not act now

    # Anyone can type anyone's address into the form: a second request while pending
    # must not rename the person (they can change their name in their preferences).
    if member.status == MemberStatus.PENDING and name and (returning or not member.display_name):
        member.display_name = name
    member.join_requests += 1
    member.requested_at = now
    session.flush()

    purpose = (
        Purpose.CONFIRM_SIGNUP if member.status == MemberStatus.PENDING else Purpose.ALREADY_MEMBER
    )
    recent = outbox.count_recent(
        session,
        recipient=member.address,  # where the mail goes, whichever +tag was typed
        purposes=(Purpose.CONFIRM_SIGNUP, Purpose.ALREADY_MEMBER),
        since=now - timedelta(hours=1),
    )
    if recent < mails_per_hour:
        _queue(uow, member, purpose, f"request:{member.join_requests}")
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


def confirm_signup(uow: UnitOfWork, member: Member) -> Member:
    """The member clicked their confirmation link. Clicking again changes nothing.

    Open communities admit at once (or waitlist when full); approval communities ask
    the host first.
    """
    if member.status != MemberStatus.PENDING:
        return member
    member.confirmed_at = uow.now
    community = member.community
    # A season's application period sends every request to the host, whatever the policy.
    if community.join_policy == JoinPolicy.APPROVAL or seasons.applications_open(
        uow.session, community, uow.now
    ):
        member.status = MemberStatus.AWAITING_APPROVAL
        _queue(
            uow,
            member,
            Purpose.APPROVAL_REQUEST,
            f"request:{member.join_requests}",
            recipient=community.host_address,
        )
        return member
    _admit(uow, member)
    return member


def decide_approval(uow: UnitOfWork, member: Member, *, approve: bool) -> Member:
    """The host approved or declined a request. Deciding twice changes nothing."""
    if member.status != MemberStatus.AWAITING_APPROVAL:
        return member
    if approve and seasons.seats_at_start(uow.session, member.community, uow.now):
        # An application for a season that has not started: the seat comes with it.
        member.status = MemberStatus.APPROVED
        seasons.member_joined(uow, member)
    elif approve:
        _admit(uow, member)
    else:
        member.status = MemberStatus.DECLINED
        member.left_at = uow.now
        _queue(uow, member, Purpose.JOIN_DECLINED, f"request:{member.join_requests}")
    return member


def add_member(
    uow: UnitOfWork, community: Community, raw_address: str, *, display_name: str = ""
) -> Member:
    """A host adds someone who already agreed to join: no confirmation step."""
    session, now = uow.session, uow.now
    address = normalise_address(raw_address)
    name = clean_display_name(display_name)
    member = find_member(session, community, address)
    if member is not None and member.status in ADMITTED_OR_QUEUED:
        if member.status == MemberStatus.AWAITING_APPROVAL:
            _admit(uow, member)
        elif member.delivery_status == DeliveryStatus.BOUNCING:
            clear_bounces(member)  # the host says their mailbox works again
        return member
    if member is not None and member.status in LEFT:
        revoke_links(member)  # a fresh membership: links from the earlier one must not act
        member.delivery_status = DeliveryStatus.ENABLED
    if member is None:
        member = Member(
            community_id=community.id,
            address=address,
            role=Role.MEMBER,
            delivery_mode=DeliveryMode.EACH_POST,
            delivery_status=DeliveryStatus.ENABLED,
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
    _admit(uow, member)
    return member


def seat_applicants(uow: UnitOfWork, community: Community) -> list[Member]:
    """The season started: approved applicants take their seats in the order they
    applied; when more were approved than there are seats, the rest join the waitlist."""
    approved = list(
        uow.session.scalars(
            select(Member)
            .where(Member.community_id == community.id, Member.status == MemberStatus.APPROVED)
            .order_by(Member.confirmed_at, Member.id)
        )
    )
    for member in approved:
        _admit(uow, member)
    return approved


def _admit(uow: UnitOfWork, member: Member) -> None:
    """Give the member a seat, or a place at the end of the waitlist."""
    community = _lock_community(uow.session, member.community_id)
    if seats_left(uow.session, community) > 0:
        member.status = MemberStatus.ACTIVE
        member.activated_at = uow.now
        member.waitlisted_at = None
        _queue(uow, member, Purpose.WELCOME, f"join:{member.join_requests}")
        live_sessions.member_joined(uow, member)
        seasons.member_joined(uow, member)
    else:
        member.status = MemberStatus.WAITLISTED
        member.waitlisted_at = uow.now
        _queue(uow, member, Purpose.WAITLISTED, f"join:{member.join_requests}")
    uow.session.flush()


def _lock_community(session: Session, community_id: int) -> Community:
    # Row lock on PostgreSQL so two confirmations cannot both take the last seat;
    # SQLite transactions here already hold the database write lock (see db.py).
    community = session.scalar(
        select(Community).where(Community.id == community_id).with_for_update()
    )
    assert community is not None
    return community


# -- leaving ----------------------------------------------------------------


def unsubscribe(uow: UnitOfWork, member: Member) -> bool:
    """The member leaves. Returns False when they had already left."""
    if member.status in LEFT:
        return False
    _leave(uow, member, MemberStatus.UNSUBSCRIBED)
    return True


def remove_member(uow: UnitOfWork, member: Member) -> None:
    """The host removes a member; their seat goes to the head of the waitlist."""
    if member.role == Role.HOST:
        raise CommunityError("The host cannot be removed from their own community.")
    if member.status != MemberStatus.REMOVED:
        _leave(uow, member, MemberStatus.REMOVED)


def _leave(uow: UnitOfWork, member: Member, status: MemberStatus) -> None:
    held_seat = member.holds_seat
    member.status = status
    member.left_at = uow.now
    member.paused_until = None
    if member.delivery_status == DeliveryStatus.PAUSED:
        member.delivery_status = DeliveryStatus.ENABLED  # a pause ends with membership
    revoke_links(member)  # nothing mailed before may act for them once they are gone
    uow.session.flush()
    live_sessions.member_left(uow, member)
    if held_seat:
        promote_waitlist(uow, member.community)


def promote_waitlist(uow: UnitOfWork, community: Community) -> list[Member]:
    """Fill free seats from the head of the waitlist, telling each person by mail."""
    session = uow.session
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
        member.activated_at = uow.now
        _queue(uow, member, Purpose.SEAT_OPENED, f"join:{member.join_requests}")
        live_sessions.member_joined(uow, member)
        seasons.member_joined(uow, member)
    session.flush()
    return promoted


# -- preferences and delivery --------------------------------------------------------


def update_preferences(
    uow: UnitOfWork,
    member: Member,
    *,
    delivery_mode: DeliveryMode,
    display_name: str,
    paused_until: date | None,
) -> Member:
    """Apply the preferences form. Pausing keeps the seat but stops all mail.

    Raises CommunityError for a pause date in the past or more than a year ahead.
    """
    today = uow.now.date()
    if paused_until is not None and not today < paused_until <= today + MAX_PAUSE:
        raise CommunityError("Choose a pause date after today and within a year.")
    member.delivery_mode = delivery_mode
    member.display_name = clean_display_name(display_name)
    if paused_until is not None:
        pause(uow.session, member, paused_until)
    elif member.delivery_status == DeliveryStatus.PAUSED:
        resume(member)
    uow.session.flush()
    return member


def pause(session: Session, member: Member, until: date) -> Member:
    """Pause by mail ("pause until 12 April") or the form: keep the seat, send nothing
    until then. Delivery stopped for another reason stays stopped for it."""
    member.paused_until = until
    if member.delivery_status == DeliveryStatus.ENABLED:
        member.delivery_status = DeliveryStatus.PAUSED
    session.flush()
    return member


def resume(member: Member) -> None:
    """The member's pause is over (the date came, or they ended it)."""
    member.paused_until = None
    if member.delivery_status == DeliveryStatus.PAUSED:
        member.delivery_status = DeliveryStatus.ENABLED


def resume_paused(uow: UnitOfWork) -> list[Member]:
    """Members whose pause ended get mail again."""
    members = list(
        uow.session.scalars(
            select(Member).where(
                Member.delivery_status == DeliveryStatus.PAUSED,
                Member.paused_until <= uow.now.date(),
            )
        )
    )
    for member in members:
        resume(member)
    uow.session.flush()
    return members


def _queue(
    uow: UnitOfWork,
    member: Member,
    purpose: Purpose,
    occasion: str,
    recipient: str | None = None,
) -> None:
    outbox.queue_mail(
        uow,
        purpose=purpose,
        subject=f"member:{member.id}:{occasion}",
        recipient=recipient or member.address,
        community_id=member.community_id,
        member_id=member.id,
    )
