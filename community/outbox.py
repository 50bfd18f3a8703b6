"""The outbound ledger: what must be sent, what was sent, and what failed.

Domain code calls `queue_mail` with its unit of work; the unit hands the new rows to
delivery once it has committed (see community/uow.py). Delivery claims a row with a
lease, so two workers never send the same row, and a worker that died leaves a lease
that simply runs out.
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import OutboundMessage, SendStatus
from .uow import UnitOfWork

# Waits after the 1st, 2nd, ... transient failure.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=20),
    timedelta(hours=1),
    timedelta(hours=3),
)
# A lease is short and renewed while its worker lives (see jobs/leases.py), so the
# rows of a worker that died are free again within LEASE.
LEASE = timedelta(seconds=30)
# Fresh rows are delivered by the job queued with them, which leases them within
# moments; the sweeper leaves them this long before deciding that job was lost.
FRESH_GRACE = timedelta(seconds=30)


def make_message_id(domain: str) -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


def queue_mail(
    uow: UnitOfWork,
    *,
    purpose: str,
    subject: str,
    recipient: str,
    community_id: int | None = None,
    member_id: int | None = None,
    context: dict[str, Any] | None = None,
) -> OutboundMessage:
    """Record that a mail must go out; return the existing row if it already was.

    `subject` names what the mail is about ("member:7:request:2"); together with the
    purpose and the recipient it is the row's unique key.
    """
    session = uow.session
    key = (purpose, subject, recipient)
    existing = _find(session, *key)
    if existing is not None:
        return existing
    row = _new_row(uow, purpose, subject, recipient, member_id, community_id, context)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another transaction inserted the same key between our check and insert.
        found = _find(session, *key)
        assert found is not None
        return found
    uow.queue([row])
    return row


def queue_many(
    uow: UnitOfWork,
    *,
    purpose: str,
    subject: str,
    recipients: list[tuple[str, int | None]],
    community_id: int | None = None,
    context: dict[str, Any] | None = None,
    dispatch: bool = True,
) -> list[OutboundMessage]:
    """`queue_mail` for many (recipient, member id) pairs about one subject, in one
    query and one flush: the bulk digest path queues tens of thousands of rows.

    `dispatch=False` leaves the new rows out of the unit's dispatch, for a caller
    that sends them itself (the digest job does).
    """
    session = uow.session
    existing = {
        row.recipient: row
        for row in session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.purpose == purpose, OutboundMessage.subject == subject
            )
        )
    }
    fresh = [
        _new_row(uow, purpose, subject, recipient, member_id, community_id, context)
        for recipient, member_id in recipients
        if recipient not in existing
    ]
    if fresh:
        try:
            with session.begin_nested():
                session.add_all(fresh)
        except IntegrityError:
            # Someone queued some of these concurrently: fall back to one by one.
            return [
                queue_mail(
                    uow,
                    purpose=purpose,
                    subject=subject,
                    recipient=r,
                    community_id=community_id,
                    member_id=m,
                    context=context,
                )
                for r, m in recipients
            ]
        if dispatch:
            uow.queue(fresh)
    by_recipient = {**existing, **{row.recipient: row for row in fresh}}
    return [by_recipient[r] for r, _ in recipients]


def _new_row(
    uow: UnitOfWork,
    purpose: str,
    subject: str,
    recipient: str,
    member_id: int | None,
    community_id: int | None,
    context: dict[str, Any] | None,
) -> OutboundMessage:
    return OutboundMessage(
        purpose=purpose,
        subject=subject,
        recipient=recipient,
        community_id=community_id,
        member_id=member_id,
        context=context or {},
        message_id=make_message_id(uow.domain),
        status=SendStatus.PENDING,
        attempts=0,
        last_reply="",
        created_at=uow.now,
        next_attempt_at=uow.now,
    )


def _find(session: Session, purpose: str, subject: str, recipient: str) -> OutboundMessage | None:
    return session.scalar(
        select(OutboundMessage).where(
            OutboundMessage.purpose == purpose,
            OutboundMessage.subject == subject,
            OutboundMessage.recipient == recipient,
        )
    )


def count_recent(
    session: Session, *, recipient: str, purposes: tuple[str, ...], since: datetime
) -> int:
    rows = session.scalars(
        select(OutboundMessage.id).where(
            OutboundMessage.recipient == recipient,
            OutboundMessage.purpose.in_(purposes),
            OutboundMessage.created_at >= since,
        )
    ).all()
    return len(rows)


def new_lease_owner() -> str:
    """A name for one worker's hold on rows; stale holders cannot act on rows they lost."""
    return uuid.uuid4().hex[:16]


def _claimable(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        OutboundMessage.status == SendStatus.PENDING,
        OutboundMessage.next_attempt_at <= now,
        or_(OutboundMessage.locked_until.is_(None), OutboundMessage.locked_until < now),
    )


def claim(session: Session, row_id: int, now: datetime, owner: str) -> OutboundMessage | None:
    """Take the lease on a due, pending row; None if it is sent, failed, or held by another.

    The conditional UPDATE is atomic on every backend, so of two workers racing for
    the same row exactly one gets rowcount 1.
    """
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == row_id, *_claimable(now))
        .values(locked_until=now + LEASE, lease_owner=owner, attempts=OutboundMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = session.get(OutboundMessage, row_id, populate_existing=True)
    return row


def claim_many(session: Session, row_ids: list[int], now: datetime, owner: str) -> list[int]:
    """Take the lease on many rows in one statement; returns the ids this caller got."""
    if not row_ids:
        return []
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id.in_(row_ids), *_claimable(now))
        .values(locked_until=now + LEASE, lease_owner=owner, attempts=OutboundMessage.attempts + 1)
        .returning(OutboundMessage.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars())


def renew_leases(conn: Connection, owner: str, now: datetime) -> int:
    """Extend every lease this owner still holds on pending rows; commits."""
    result = conn.execute(
        update(OutboundMessage)
        .where(OutboundMessage.lease_owner == owner, OutboundMessage.status == SendStatus.PENDING)
        .values(locked_until=now + LEASE)
    )
    conn.commit()
    return result.rowcount


_MARK_HANDED = (
    update(OutboundMessage)
    .where(
        OutboundMessage.id == bindparam("row_id"),
        OutboundMessage.lease_owner == bindparam("owner"),
        OutboundMessage.status == SendStatus.PENDING,
        OutboundMessage.locked_until > bindparam("now"),
    )
    .values(handed_at=bindparam("now"))
)


def mark_handed(conn: Connection, row_id: int, owner: str, now: datetime) -> bool:
    """Record that this copy is about to be handed over; False if the lease was lost.

    Called before the final "." of DATA. A worker whose lease ran out (it stalled,
    another took the row) must not send: it drops the connection instead, which
    makes the relay discard the message (RFC 5321 4.1.1.4). Committed with relaxed
    durability by callers that use relaxed_durability: losing the mark in a power cut
    only loses the knowledge that the row was in flight.
    """
    result = conn.execute(_MARK_HANDED, {"row_id": row_id, "owner": owner, "now": now})
    conn.commit()
    return result.rowcount == 1


_MARK_SENT = (
    update(OutboundMessage)
    .where(OutboundMessage.id == bindparam("row_id"))
    .values(
        status=SendStatus.SENT,
        last_reply=bindparam("reply"),
        sent_at=bindparam("now"),
        locked_until=None,
        lease_owner=None,
    )
)


def mark_sent(conn: Connection, row_id: int, reply: str, now: datetime) -> None:
    """Mark one leased row sent and commit, on a bare connection (the bulk digest
    path, where the per-copy cost of an ORM unit of work would dominate)."""
    if conn.dialect.name == "sqlite":
        # Plain DB-API in autocommit mode: one statement, one implicit transaction.
        stamp = now.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute(
            "UPDATE outbound_messages SET status = 'sent', last_reply = ?, sent_at = ?, "
            "locked_until = NULL, lease_owner = NULL WHERE id = ?",
            (reply, stamp, row_id),
        )
        return
    conn.execute(_MARK_SENT, {"row_id": row_id, "reply": reply, "now": now})
    conn.commit()


def record_sent(row: OutboundMessage, reply: str, now: datetime) -> None:
    row.status = SendStatus.SENT
    row.last_reply = reply
    row.sent_at = now
    row.locked_until = row.lease_owner = None


def record_permanent_failure(row: OutboundMessage, reply: str) -> None:
    row.status = SendStatus.FAILED
    row.last_reply = reply
    row.locked_until = row.lease_owner = None


def record_transient_failure(
    row: OutboundMessage, reply: str, now: datetime, max_attempts: int
) -> datetime | None:
    """Schedule the next try and return when it is due, or mark failed when out of tries."""
    row.last_reply = reply
    row.locked_until = row.lease_owner = None
    if row.attempts >= max_attempts:
        row.status = SendStatus.FAILED
        return None
    wait = BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
    row.next_attempt_at = now + wait
    return row.next_attempt_at


def release(row: OutboundMessage) -> None:
    """Give the lease back without counting an attempt (e.g. the worker is shutting down)."""
    row.locked_until = row.lease_owner = None
    row.attempts = max(0, row.attempts - 1)


def due_row_ids(session: Session, now: datetime, limit: int = 1000) -> list[int]:
    """Pending rows the sweeper must hand to a delivery job: retries that fell due,
    rows whose worker died (lease expired), and fresh rows whose job was lost.

    The ledger drives retries itself: nothing depends on a job scheduled for later
    surviving in Redis.
    """
    return list(
        session.scalars(
            select(OutboundMessage.id)
            .where(
                *_claimable(now),
                or_(
                    OutboundMessage.attempts > 0,
                    OutboundMessage.next_attempt_at <= now - FRESH_GRACE,
                ),
            )
            .order_by(OutboundMessage.id)
            .limit(limit)
        )
    )


def in_flight_at(session: Session, ids: list[int]) -> list[int]:
    """Of these rows, those handed to a relay but never confirmed sent (for reports)."""
    return list(
        session.scalars(
            select(OutboundMessage.id).where(
                OutboundMessage.id.in_(ids),
                OutboundMessage.handed_at.is_not(None),
                OutboundMessage.status == SendStatus.PENDING,
            )
        )
    )


class Purpose(enum.StrEnum):
    """The mails Kith sends; each has one template pair in templates/email/ (but the
    operator forward, which passes a message on unchanged)."""

    CONFIRM_SIGNUP = "confirm_signup"
    ALREADY_MEMBER = "already_member"
    WELCOME = "welcome"
    WAITLISTED = "waitlisted"
    SEAT_OPENED = "seat_opened"
    APPROVAL_REQUEST = "approval_request"
    JOIN_DECLINED = "join_declined"
    POST = "post"
    HELD_NOTICE = "held_notice"
    HOST_FORWARD = "host_forward"
    OPERATOR_FORWARD = "operator_forward"  # the raw message, as an MTA alias would
    MEMBER_BOUNCING = "member_bouncing"
    MEMBER_UNDELIVERABLE = "member_undeliverable"
    ATTACHMENTS_LEFT_OUT = "attachments_left_out"
    COMMITMENT_PROMPT = "commitment_prompt"
    COMMITMENT_REMINDER = "commitment_reminder"
    CHECKIN_PROMPT = "checkin_prompt"
    CHECKIN_REMINDER = "checkin_reminder"
    DIGEST = "digest"
    DIGEST_PREVIEW = "digest_preview"
    ARCHIVE_LINK = "archive_link"  # "send me a link" to the archive
    SESSION_INVITATION = "session_invitation"  # iCalendar REQUEST: new or changed
    SESSION_CANCELLATION = "session_cancellation"  # iCalendar CANCEL
    BUDDY_INTRO = "buddy_intro"  # "this week you're paired with ..."
    BUDDY_NOTE = "buddy_note"  # a note through the pair address, to the others
    HOT_SEAT_FOCUS = "hot_seat_focus"  # "what do you want the group's help with?"
    SEASON_UPCOMING = "season_upcoming"  # "starts on ..."; alumni get a re-enrol link
    SEASON_CLOSING = "season_closing"  # the season's closing digest
