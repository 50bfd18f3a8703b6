"""Processing stored inbound mail, and the sweeper for messages whose job was lost."""

from __future__ import annotations

import logging

from community import mailstore
from community.inbound import file_message
from community.incoming import MailKind, ReplyContext
from community.models import InboundMessage, InboundStatus
from community.uow import UnitOfWork
from mail.authentication import authenticate
from mail.inbound.parse import ParsedMessage, read_message

from . import queues
from .replies import Sender, learn_signature, reply_context
from .runtime import Runtime, runtime

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
    results = _authenticate(rt, inbound_id)  # DNS work, outside any transaction
    try:
        with rt.units.open() as uow:
            row = mailstore.claim_for_processing(uow.session, inbound_id)
            if row is None:
                return SKIPPED
            if results is not None:
                row.auth_results = results
            parsed = read_message(row.raw, our_domain=rt.settings.domain)
            context, sender = _context(rt, uow, parsed, row)
            mail = parsed.understand(context)
            filed = file_message(
                uow,
                row,
                mail,
                secret=rt.settings.secret_key,
                operator_address=rt.settings.operator_address,
                attachment_max_bytes=rt.settings.attachment_max_bytes,
            )
            if sender and mail.kind is MailKind.POST and filed.status == InboundStatus.PROCESSED:
                learn_signature(uow, sender, mail.signed_reply)
            row.status, row.outcome, row.processed_at = filed.status, filed.note, uow.now
            row.attempts += 1
            log.info("inbound #%s %s: %s (%s)", row.id, mail.message_id, filed.status, filed.note)
    except Exception as exc:
        log.exception("processing inbound #%s failed", inbound_id)
        with rt.units.open() as uow:
            failed = uow.session.get(InboundMessage, inbound_id)
            if failed is not None:
                mailstore.record_failed_attempt(failed, repr(exc))
        raise
    return filed.status.value


# What process_one says when another job had the message already.
SKIPPED = "skipped"


def _context(
    rt: Runtime, uow: UnitOfWork, parsed: ParsedMessage, row: InboundMessage
) -> tuple[ReplyContext, Sender | None]:
    """Our own mail first: what Kith sent the sender tells what their reply quotes. A
    failure here costs only that knowledge (the reply is read without it), never the
    message; the savepoint keeps the transaction usable."""
    try:
        with uow.session.begin_nested():
            return reply_context(uow.session, rt.settings, rt.signer, parsed, row.rcpt_tos, uow.now)
    except Exception as exc:
        log.warning(
            "inbound #%s: reading without context (%s)", row.id, type(exc).__name__, exc_info=True
        )
        return ReplyContext(), None


def _authenticate(rt: Runtime, inbound_id: int) -> str | None:
    """RFC 8601 results (DKIM, SPF) for a stored message not yet processed."""
    with rt.units.open(read_only=True) as uow:
        row = uow.session.get(InboundMessage, inbound_id)
        if row is None or row.status != InboundStatus.RECEIVED or row.auth_results:
            return None
        raw, mail_from = row.raw, row.mail_from
    try:
        found = authenticate(rt.settings, raw, mail_from)
    except Exception:  # never lose a message over a check: it is only unrecorded
        log.warning("could not authenticate inbound #%s", inbound_id, exc_info=True)
        return None
    return found.header_value(rt.settings.domain) if found is not None else None


def sweep() -> int:
    """Enqueue stored messages that were never processed (lost job, dead worker)."""
    rt = runtime()
    with rt.units.open(read_only=True) as uow:
        ids = mailstore.unprocessed_ids(uow.session, uow.now - mailstore.SWEEP_GRACE)
    if ids:
        queues.enqueue_inbound(rt.settings, ids)
        log.info("sweeper re-enqueued %d inbound message(s)", len(ids))
    return len(ids)
