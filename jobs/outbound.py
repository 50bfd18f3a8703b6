"""Delivery of ledger rows, and the sweeper that picks up rows whose job was lost."""

from __future__ import annotations

import logging
from datetime import timedelta

from community import bounces, outbox
from community.db import transaction
from community.models import Community, Member, OutboundMessage
from mail.outbound.compose import MailContext, envelope_sender, message_bytes
from mail.outbound.send import (
    ComposeError,
    PermanentSendError,
    SmtpUtf8Unavailable,
    TransientSendError,
)

from . import queues
from .runtime import now, runtime

log = logging.getLogger(__name__)
# A row overdue by this much has evidently lost its job.
SWEEP_GRACE = timedelta(seconds=60)


def deliver(row_ids: list[int]) -> dict[str, int]:
    """Send the given ledger rows over one relay connection; safe to run twice."""
    rt = runtime()
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    for row_id in row_ids:
        counts[_deliver_one(rt, row_id)] += 1
    return counts


def _deliver_one(rt, row_id: int) -> str:
    settings = rt.settings
    # 1. Claim and compose in a short transaction: never hold the database while
    #    talking to the relay.
    with transaction(rt.sessions) as session:
        row = outbox.claim(session, row_id, now())
        if row is None:
            return "skipped"
        try:
            community = session.get(Community, row.community_id)
            member = session.get(Member, row.member_id) if row.member_id else None
            assert community is not None, "ledger row without a community"
            data = message_bytes(
                MailContext(settings, rt.signer, community, member, row, session), now()
            )
        except ComposeError as exc:
            # The row's own data cannot make a message: final, never an endless retry.
            log.warning("cannot compose ledger row %s (%s): %s", row_id, row.purpose, exc.reply)
            outbox.record_permanent_failure(row, exc.reply)
            return "failed"
        except Exception as exc:
            log.exception("cannot compose ledger row %s (%s)", row_id, row.purpose)
            schedule_retry(row, f"compose error: {exc!r}", settings.send_max_attempts)
            return "retry" if row.status == "pending" else "failed"
        sender, recipient = envelope_sender(row, settings.domain), row.recipient

    # 2. Talk to the relay.
    try:
        reply = rt.transport().send_raw(data, sender, recipient)
    except TransientSendError as exc:
        return _record(rt, row_id, "retry", exc.reply)
    except SmtpUtf8Unavailable as exc:
        return record_undeliverable(rt, row_id, exc.reply)
    except PermanentSendError as exc:
        return _record(rt, row_id, "failed", exc.reply)
    return _record(rt, row_id, "sent", reply)


def record_undeliverable(rt, row_id: int, reply: str) -> str:
    """Final failure for the row; the member's delivery stops and the host is told."""
    with transaction(rt.sessions) as session:
        row = session.get(OutboundMessage, row_id)
        assert row is not None
        outbox.record_permanent_failure(row, reply)
        member = session.get(Member, row.member_id) if row.member_id else None
        if member is not None and member.address == row.recipient:
            bounces.stop_undeliverable(session, member, reply, now=now(), domain=rt.settings.domain)
        ids = [r.id for r in outbox.new_rows(session)]
    queues.enqueue_delivery(rt.settings, ids)
    return "failed"


def _record(rt, row_id: int, outcome: str, reply: str) -> str:
    with transaction(rt.sessions) as session:
        row = session.get(OutboundMessage, row_id)
        assert row is not None
        if outcome == "sent":
            outbox.record_sent(row, reply, now())
        elif outcome == "failed":
            outbox.record_permanent_failure(row, reply)
            log.warning("relay refused %s for %s: %s", row.message_id, row.recipient, reply)
        else:
            schedule_retry(row, reply, rt.settings.send_max_attempts)
            outcome = "retry" if row.status == "pending" else "failed"
    return outcome


def schedule_retry(row: OutboundMessage, reply: str, max_attempts: int) -> None:
    """Record a transient failure and schedule the next try (or give up for good)."""
    due = outbox.record_transient_failure(row, reply, now(), max_attempts)
    if due is None:
        log.warning("giving up on %s after %d attempts: %s", row.message_id, row.attempts, reply)
        return
    try:
        # Needs a worker started with the scheduler; the sweeper is the fallback.
        queues.queue(runtime().settings, queues.OUTBOUND).enqueue_at(
            due, "jobs.outbound.deliver", [row.id]
        )
    except Exception:
        log.warning("could not schedule retry of ledger row %s", row.id)


def sweep() -> int:
    """Re-enqueue pending rows that are overdue (lost Redis, killed worker)."""
    rt = runtime()
    with transaction(rt.sessions) as session:
        ids = outbox.due_row_ids(session, now() - SWEEP_GRACE)
    if ids:
        log.info("sweeper re-enqueues %d ledger row(s)", len(ids))
    return queues.enqueue_delivery(rt.settings, ids)
