"""Processing stored inbound mail, and the sweeper for messages whose job was lost."""

from __future__ import annotations

import logging

from community import mailstore, outbox
from community.db import transaction
from community.inbound import file_message
from community.models import InboundMessage
from mail.inbound.parse import parse_message

from . import queues
from .runtime import now, runtime

log = logging.getLogger(__name__)


def process_inbound(inbound_ids: list[int]) -> dict[int, str]:
    """Process stored messages one by one; a failure of one does not stop the others.

    Raises at the end if any failed, so RQ's failed registry shows the job too.
    """
    outcomes: dict[int, str] = {}
    failures = []
    for inbound_id in inbound_ids:
        try:
            outcomes[inbound_id] = process_one(inbound_id)
        except Exception as exc:
            outcomes[inbound_id] = "failed"
            failures.append(exc)
    if failures:
        raise RuntimeError(f"{len(failures)} inbound message(s) failed: {outcomes}")
    return outcomes


def process_one(inbound_id: int) -> str:
    """Parse, classify and file one stored message, exactly once.

    Everything happens in one transaction with the status change, so a worker killed
    half-way leaves the message untouched for the sweeper; a second job for the same
    message finds it done (or locked) and does nothing.
    """
    rt = runtime()
    try:
        with transaction(rt.sessions) as session:
            row = mailstore.claim_for_processing(session, inbound_id)
            if row is None:
                return "skipped"
            mail = parse_message(row.raw, our_domain=rt.settings.domain)
            filed = file_message(
                session,
                row,
                mail,
                secret=rt.settings.secret_key,
                domain=rt.settings.domain,
                now=now(),
                attachment_max_bytes=rt.settings.attachment_max_bytes,
            )
            row.status, row.outcome, row.processed_at = filed.status, filed.note, now()
            row.attempts += 1
            log.info("inbound #%s %s: %s (%s)", row.id, mail.message_id, filed.status, filed.note)
            ids = [r.id for r in outbox.new_rows(session)]
    except Exception as exc:
        log.exception("processing inbound #%s failed", inbound_id)
        with transaction(rt.sessions) as session:
            failed = session.get(InboundMessage, inbound_id)
            if failed is not None:
                mailstore.record_failed_attempt(failed, repr(exc))
        raise
    queues.enqueue_delivery(rt.settings, ids)
    return filed.status.value


def sweep() -> int:
    """Enqueue stored messages that were never processed (lost job, dead worker)."""
    rt = runtime()
    with transaction(rt.sessions) as session:
        ids = mailstore.unprocessed_ids(session, now() - mailstore.SWEEP_GRACE)
    if ids:
        queues.enqueue_inbound(rt.settings, ids)
        log.info("sweeper re-enqueued %d inbound message(s)", len(ids))
    return len(ids)
