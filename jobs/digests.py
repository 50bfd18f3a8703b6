"""Weekly digests: assemble once per community, personalise and send each copy."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select

from community import digests, outbox
from community.db import relaxed_durability, transaction
from community.models import Community, DigestStatus, Member, OutboundMessage, Role
from community.outbox import Purpose
from mail.outbound.bulk import digest_copy, prepare_digest
from mail.outbound.compose import envelope_sender
from mail.outbound.send import PermanentSendError, TransientSendError

from . import queues
from .outbound import _schedule_retry
from .runtime import Runtime, now, runtime

log = logging.getLogger(__name__)


def send_digests(pairs: list[list]) -> dict[str, int]:
    """Digests for several communities (pairs of community id and week) in one job."""
    rt = runtime()
    counts: dict[str, int] = {}
    for community_id, week in pairs:
        outcome = send_digest(rt, int(community_id), str(week))
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def send_digest(
    rt: Runtime, community_id: int, week: str, progress: Callable[[int], object] | None = None
) -> str:
    """Assemble, record and send one community's digest for one week, exactly once.

    The ledger rows are committed with the digest's "sent" mark before anything goes
    out; if this job dies mid-way, the rows it did not send are still pending and the
    sweeper delivers them one by one.
    """
    settings = rt.settings
    with transaction(rt.sessions) as session:
        community = session.get(Community, community_id)
        if community is None:
            return "gone"
        run = digests.start_digest(session, community, week, now())
        if run.status != DigestStatus.PENDING:
            return run.status.value
        content = digests.build_digest(session, community, run, now())
        if content.quiet and not community.digest_when_quiet:
            digests.skip(run, "quiet week", now())
            return "skipped"
        members = {m.id: m for m in digests.recipients(session, community)}
        rows = [
            outbox.queue_mail(
                session,
                purpose=Purpose.DIGEST,
                subject=f"digest:{run.id}",
                recipient=m.address,
                domain=settings.domain,
                now=now(),
                community_id=community.id,
                member_id=m.id,
                context={"run_id": run.id},
            )
            for m in members.values()
        ]
        digests.mark_sent(run, now(), len(rows))
        outbox.forget_new_rows(session)
        row_ids = [r.id for r in rows]

    batch = prepare_digest(settings, rt.signer, community, content, now())
    with transaction(rt.sessions) as session:
        claimed = set(outbox.claim_many(session, row_ids, now()))
    transport = rt.transport()
    sent, failed = 0, []
    # Each copy is marked sent before the next goes out, so a worker killed mid-digest
    # re-sends nothing when its rows are picked up again. These marks skip the fsync
    # (see relaxed_durability): a power cut could repeat a copy, never lose one.
    with rt.engine.connect() as bare, relaxed_durability(bare) as conn:
        for row in rows:
            if row.id not in claimed:
                continue
            data = digest_copy(batch, row, members[row.member_id])
            try:
                reply = transport.send_raw(
                    data, envelope_sender(row, settings.domain), row.recipient
                )
            except (TransientSendError, PermanentSendError) as exc:
                failed.append((row.id, exc))
            else:
                outbox.mark_sent(conn, row.id, reply, now())
                conn.commit()
                sent += 1
            if progress is not None:
                progress(1)
    with transaction(rt.sessions) as session:
        for row_id, exc in failed:
            row = session.get(OutboundMessage, row_id)
            assert row is not None
            if isinstance(exc, PermanentSendError):
                outbox.record_permanent_failure(row, exc.reply)
            else:
                _schedule_retry(row, exc.reply, settings.send_max_attempts)
    log.info("digest %s for %s: %d sent, %d failed", week, community.slug, sent, len(failed))
    return "sent"


def send_preview(community_id: int, week: str) -> str:
    """The host's draft, some hours ahead: they may add a note or skip the week."""
    rt = runtime()
    with transaction(rt.sessions) as session:
        community = session.get(Community, community_id)
        if community is None:
            return "gone"
        run = digests.start_digest(session, community, week, now())
        if run.status != DigestStatus.PENDING or run.preview_sent_at is not None:
            return "done"
        host = session.scalar(
            select(Member).where(
                Member.community_id == community.id, Member.address == community.host_address
            )
        )
        if host is None or host.role != Role.HOST:
            run.preview_sent_at = now()
            return "no host"
        outbox.queue_mail(
            session,
            purpose=Purpose.DIGEST_PREVIEW,
            subject=f"digest:{run.id}:preview",
            recipient=community.host_address,
            domain=rt.settings.domain,
            now=now(),
            community_id=community.id,
            member_id=host.id,
            context={"run_id": run.id},
        )
        run.preview_sent_at = now()
        ids = [r.id for r in outbox.new_rows(session)]
    queues.enqueue_delivery(rt.settings, ids)
    return "sent"
