"""Delivery of ledger rows, and the sweeper that picks up rows whose job was lost."""

from __future__ import annotations

import enum
import logging

from community import bounces, outbox
from community.models import Community, InboundMessage, Member, OutboundMessage, SendStatus
from community.outbox import Purpose
from community.uow import UnitOfWork
from mail.outbound.compose import MailContext, envelope_sender, message_bytes
from mail.outbound.forward import operator_copy
from mail.outbound.send import (
    ComposeError,
    HandoverRefused,
    PermanentSendError,
    SendError,
    SmtpUtf8Unavailable,
    TransientSendError,
)

from . import queues
from .leases import LeaseKeeper
from .runtime import Runtime, runtime

log = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"


def deliver(row_ids: list[int]) -> dict[str, int]:
    """Send the given ledger rows over one relay connection; safe to run twice.

    The whole batch is leased at once and the leases renewed while the job lives,
    so if the worker dies every row it had not sent is free again one lease later.
    """
    rt = runtime()
    counts = {outcome.value: 0 for outcome in Outcome}
    with LeaseKeeper(rt) as keeper:
        with rt.units.open() as uow:
            mine = outbox.claim_many(uow.session, sorted(set(row_ids)), uow.now, keeper.owner)
        counts[Outcome.SKIPPED] = len(row_ids) - len(mine)
        for row_id in mine:
            counts[_deliver_one(rt, row_id, keeper.owner)] += 1
    return counts


def _deliver_one(rt: Runtime, row_id: int, owner: str) -> Outcome:
    settings = rt.settings
    # 1. Compose in a short transaction: never hold the database while talking to
    #    the relay.
    with rt.units.open() as uow:
        row = uow.session.get(OutboundMessage, row_id)
        if row is None or row.lease_owner != owner or row.status != SendStatus.PENDING:
            return Outcome.SKIPPED
        try:
            data = _compose(rt, uow, row)
        except Exception as exc:
            # Composing the same row again gives the same error: retrying would only
            # keep the row pending forever. It ends failed, with the reason.
            log.exception("cannot compose ledger row %s (%s)", row_id, row.purpose)
            reason = exc.reply if isinstance(exc, ComposeError) else f"compose error: {exc!r}"
            outbox.record_permanent_failure(row, reason[:2000])
            return Outcome.FAILED
        sender, recipient = envelope_sender(row, settings.domain), row.recipient

    # 2. Talk to the relay; mark the hand-over just before the final ".".
    def handover() -> bool:
        with rt.engine.connect() as conn:
            return outbox.mark_handed(conn, row_id, owner, rt.clock.now())

    try:
        reply = rt.transport().send_raw(data, sender, recipient, on_handover=handover)
    except HandoverRefused:
        log.warning("lost the lease on ledger row %s before sending; left to its new owner", row_id)
        return Outcome.SKIPPED
    except TransientSendError as exc:
        return _record(rt, row_id, Outcome.RETRY, exc)
    except PermanentSendError as exc:
        return _record(rt, row_id, Outcome.FAILED, exc)
    return _record(rt, row_id, Outcome.SENT, reply)


def _compose(rt: Runtime, uow: UnitOfWork, row: OutboundMessage) -> bytes:
    session = uow.session
    if row.purpose == Purpose.OPERATOR_FORWARD:
        inbound = session.get(InboundMessage, int(row.context["inbound_id"]))
        assert inbound is not None, "operator forward of a message that is gone"
        return operator_copy(inbound.raw, row.recipient)
    community = session.get(Community, row.community_id)
    member = session.get(Member, row.member_id) if row.member_id else None
    assert community is not None, "ledger row without a community"
    return message_bytes(
        MailContext(rt.settings, rt.signer, community, member, row, session), uow.now
    )


def _record(rt: Runtime, row_id: int, outcome: Outcome, result: str | SendError) -> Outcome:
    reply = result.reply if isinstance(result, SendError) else result
    with rt.units.open() as uow:
        row = uow.session.get(OutboundMessage, row_id)
        assert row is not None
        if outcome == Outcome.SENT:
            outbox.record_sent(row, reply, uow.now)
            log.info("sent %s to %s", row.purpose, row.recipient)
        elif outcome == Outcome.FAILED:
            outbox.record_permanent_failure(row, reply)
            log.warning("relay refused %s for %s: %s", row.message_id, row.recipient, reply)
            if isinstance(result, PermanentSendError) and result.about_recipient:
                count_hard_bounce(uow, row)
            if isinstance(result, SmtpUtf8Unavailable):
                stop_undeliverable(uow, row, reply)
        else:
            schedule_retry(uow, row, reply, rt.settings.send_max_attempts)
            outcome = Outcome.RETRY if row.status == SendStatus.PENDING else Outcome.FAILED
    return outcome


def stop_undeliverable(uow: UnitOfWork, row: OutboundMessage, reason: str) -> None:
    """The relay can never carry mail to this member's address (no SMTPUTF8): their
    delivery stops and the host is told, so nothing keeps failing."""
    member = uow.session.get(Member, row.member_id) if row.member_id else None
    if member is not None and member.address == row.recipient:
        bounces.stop_undeliverable(uow, member, reason)


def count_hard_bounce(uow: UnitOfWork, row: OutboundMessage) -> None:
    """The relay refused the recipient at once: the same as a hard bounce coming back."""
    for member in bounces.members_for_bounce(uow.session, row, []):
        bounces.record_bounce(uow, member, permanent=True)


def schedule_retry(uow: UnitOfWork, row: OutboundMessage, reply: str, max_attempts: int) -> None:
    """Record a transient failure; the sweeper hands the row out again once it is due.

    The ledger's `next_attempt_at` is the schedule: no job waits in Redis for later,
    so a flushed Redis or a dead scheduler cannot lose a retry.
    """
    due = outbox.record_transient_failure(row, reply, uow.now, max_attempts)
    if due is None:
        log.warning("giving up on %s after %d attempts: %s", row.message_id, row.attempts, reply)


def sweep() -> int:
    """Hand out pending rows that are due: retries, rows of dead workers, lost jobs."""
    rt = runtime()
    with rt.units.open(read_only=True) as uow:
        ids = outbox.due_row_ids(uow.session, uow.now)
    if ids:
        log.info("sweeper hands out %d ledger row(s)", len(ids))
    return queues.enqueue_delivery(rt.settings, ids)
