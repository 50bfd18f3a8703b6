"""Bounce scoring: repeated delivery failures stop delivery and tell the host."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import outbox
from .addresses import sender_matches
from .models import Community, DeliveryStatus, Member, MemberStatus, OutboundMessage
from .uow import UnitOfWork

HARD_BOUNCE = 2  # the mailbox does not exist, the domain refuses us
SOFT_BOUNCE = 1  # mailbox full, greylisting that finally expired
THRESHOLD = 5
# A member whose last bounce is older than this starts from zero again: one bad week
# at their provider should not cost them their delivery months later.
FORGET_AFTER = timedelta(days=14)


def members_for_bounce(
    session: Session, ledger_row: OutboundMessage | None, addresses: Iterable[str]
) -> list[Member]:
    """Whom a bounce is about: the VERP row's member if known, else by address."""
    if ledger_row is not None and ledger_row.member_id is not None:
        member = session.get(Member, ledger_row.member_id)
        if member is not None and member.address == ledger_row.recipient:
            return [member]
    wanted = [a.lower() for a in addresses if a]
    if not wanted:
        return []
    candidates = session.scalars(select(Member).where(Member.status == MemberStatus.ACTIVE))
    return [m for m in candidates if any(sender_matches(m.address, a) for a in wanted)]


def record_bounce(uow: UnitOfWork, member: Member, *, permanent: bool) -> bool:
    """Raise the member's bounce score; True when this bounce disabled their delivery."""
    session, now = uow.session, uow.now
    if member.last_bounce_at is None or now - member.last_bounce_at > FORGET_AFTER:
        member.bounce_score = 0
    member.bounce_score += HARD_BOUNCE if permanent else SOFT_BOUNCE
    member.last_bounce_at = now
    # A member whose delivery is already stopped (paused by them, or by the host)
    # keeps that state: the score is kept and counts if they resume.
    if (
        member.bounce_score < THRESHOLD
        or member.status != MemberStatus.ACTIVE
        or member.delivery_status != DeliveryStatus.ENABLED
    ):
        session.flush()
        return False
    member.delivery_status = DeliveryStatus.BOUNCING
    community = session.get(Community, member.community_id)
    assert community is not None
    outbox.queue_mail(
        uow,
        purpose=outbox.Purpose.MEMBER_BOUNCING,
        subject=f"member:{member.id}:bouncing:{now.date().isoformat()}",
        recipient=community.host_address,
        community_id=community.id,
        member_id=member.id,
    )
    session.flush()
    return True


def clear_bounces(member: Member) -> None:
    """The member fixed their mailbox (they confirmed from it, or wrote to us)."""
    member.bounce_score = 0
    member.last_bounce_at = None
    if member.delivery_status == DeliveryStatus.BOUNCING:
        member.delivery_status = DeliveryStatus.ENABLED


def stop_undeliverable(uow: UnitOfWork, member: Member, reason: str) -> bool:
    """Mail to this member can never leave as things are (an international address
    and a relay without SMTPUTF8): stop delivery now and tell the host once.
    True when this call stopped it."""
    session, now = uow.session, uow.now
    if member.status != MemberStatus.ACTIVE or member.delivery_status not in (
        DeliveryStatus.ENABLED,
        DeliveryStatus.PAUSED,
    ):
        return False
    member.delivery_status = DeliveryStatus.BOUNCING
    member.last_bounce_at = now
    outbox.queue_mail(
        uow,
        purpose=outbox.Purpose.MEMBER_UNDELIVERABLE,
        subject=f"member:{member.id}:undeliverable:{now.date().isoformat()}",
        recipient=_host_address(session, member),
        community_id=member.community_id,
        member_id=member.id,
        context={"reason": reason},
    )
    session.flush()
    return True


def _host_address(session: Session, member: Member) -> str:
    community = session.get(Community, member.community_id)
    assert community is not None
    return community.host_address
