"""Weekly digests: assemble once per community, personalise and send each copy."""

from __future__ import annotations

import enum
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import select

from community import digests, outbox
from community.db import relaxed_durability
from community.models import Community, DigestStatus, Member, OutboundMessage, Role
from community.outbox import Purpose
from mail.outbound.bulk import digest_copy, prepare_digest
from mail.outbound.compose import envelope_sender
from mail.outbound.send import (
    ComposeError,
    HandoverRefused,
    PermanentSendError,
    SendError,
    SmtpUtf8Unavailable,
    TransientSendError,
)

from .leases import LeaseKeeper
from .outbound import count_hard_bounce, schedule_retry, stop_undeliverable
from .runtime import Runtime, runtime

log = logging.getLogger(__name__)
PIPELINE_DEPTH = 64  # copies built ahead of the one on the wire


@dataclass
class Sender:
    """Sends prepared copies on its own thread while the job builds the next ones.

    Building a copy is CPU work and sending one is mostly waiting for the relay, so
    overlapping them roughly halves a digest run. Each copy is marked sent (with a
    relaxed-durability commit, see relaxed_durability) before the next goes out, so a
    worker killed mid-run leaves only unsent copies pending.
    """

    rt: Runtime
    owner: str  # the lease owner of every row this sender sends
    progress: Callable[[int], object] | None = None
    failed: list[tuple[int, SendError]] = field(default_factory=list)
    sent: int = 0
    _queue: queue.Queue = field(default_factory=lambda: queue.Queue(PIPELINE_DEPTH))
    _error: BaseException | None = None

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kith-digest-sender", daemon=True)
        self._thread.start()

    def put(self, row: OutboundMessage, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(
            (row.id, row.recipient, envelope_sender(row, self.rt.settings.domain), data)
        )

    def finish(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        transport = self.rt.transport()
        try:
            with self.rt.engine.connect() as bare, relaxed_durability(bare) as conn:
                while (item := self._queue.get()) is not None:
                    row_id, recipient, sender, data = item
                    handover = partial(
                        outbox.mark_handed, conn, row_id, self.owner, self.rt.clock.now()
                    )
                    try:
                        reply = transport.send_raw(data, sender, recipient, on_handover=handover)
                    except HandoverRefused:
                        log.warning("lost the lease on digest copy %s; not sent here", row_id)
                    except (TransientSendError, PermanentSendError) as exc:
                        self.failed.append((row_id, exc))
                    else:
                        outbox.mark_sent(conn, row_id, reply, self.rt.clock.now())
                        self.sent += 1
                    if self.progress is not None:
                        self.progress(1)
        except BaseException as exc:  # surfaced by put() and finish() on the job's thread
            self._error = exc
            while self._queue.get() is not None:  # unblock the producer
                pass


def send_digests(pairs: list[list]) -> dict[str, int]:
    """Digests for several communities (pairs of community id and week) in one job."""
    return send_digests_with(runtime(), [(int(c), str(w)) for c, w in pairs])


def send_digests_with(
    rt: Runtime,
    pairs: list[tuple[int, str]],
    progress: Callable[[int], object] | None = None,
) -> dict[str, int]:
    """The body of `send_digests`, for callers with their own runtime (`kith digest send`)."""
    counts: dict[str, int] = {}
    with LeaseKeeper(rt) as keeper:
        sender = Sender(rt, keeper.owner, progress)
        try:
            for community_id, week in pairs:
                outcome = send_digest(rt, community_id, week, sender)
                counts[outcome] = counts.get(outcome, 0) + 1
        finally:
            sender.finish()
            record_failures(rt, sender.failed)
    counts["copies sent"] = sender.sent
    return counts


class Outcome(enum.StrEnum):
    """What one digest (or preview) job step did."""

    SENT = "sent"
    SKIPPED = "skipped"  # a quiet week, or the host skipped it
    GONE = "gone"  # the community no longer exists
    DONE = "done"  # sent before: nothing to do
    NO_HOST = "no host"  # a preview with nobody to send it to


def send_digest(rt: Runtime, community_id: int, week: str, sender: Sender) -> Outcome:
    """Assemble and record one community's digest for one week, exactly once, and hand
    its copies to the sender.

    The ledger rows are committed with the digest's "sent" mark before anything goes
    out; if this job dies mid-way, the rows it did not send are still pending and the
    sweeper delivers them one by one.
    """
    settings = rt.settings
    with rt.units.open() as uow:
        community = uow.session.get(Community, community_id)
        if community is None:
            return Outcome.GONE
        run = digests.start_digest(uow, community, week)
        if run.status != DigestStatus.PENDING:
            return Outcome(run.status.value)
        content = digests.build_digest(uow, community, run)
        reason = digests.skip_reason(community, content)
        if reason is not None:
            digests.skip(run, reason, uow.now)
            return Outcome.SKIPPED
        members = {m.id: m for m in digests.recipients(uow.session, community)}
        rows = outbox.queue_many(
            uow,
            purpose=Purpose.DIGEST,
            subject=f"digest:{run.id}",
            recipients=[(m.address, m.id) for m in members.values()],
            community_id=community.id,
            context={"run_id": run.id},
            dispatch=False,  # sent right here, by the sender thread
        )
        digests.mark_sent(run, uow.now, len(rows))
        now = uow.now

    batch = prepare_digest(settings, rt.signer, community, content, now)
    with rt.units.open() as uow:
        claimed = set(outbox.claim_many(uow.session, [r.id for r in rows], uow.now, sender.owner))
    for row in rows:
        if row.id in claimed and row.member_id is not None:
            try:
                data = digest_copy(batch, row, members[row.member_id])
            except Exception as exc:  # this copy only; the batch goes on
                log.warning("cannot compose digest copy %s: %r", row.id, exc)
                sender.failed.append((row.id, ComposeError(f"cannot compose digest: {exc!r}")))
                continue
            sender.put(row, data)
    log.info("digest %s for %s: %d copies queued", week, community.slug, len(claimed))
    return Outcome.SENT


def record_failures(rt: Runtime, failed: list[tuple[int, SendError]]) -> None:
    if not failed:
        return
    with rt.units.open() as uow:
        for row_id, exc in failed:
            row = uow.session.get(OutboundMessage, row_id)
            assert row is not None
            if isinstance(exc, PermanentSendError):
                outbox.record_permanent_failure(row, exc.reply)
                if exc.about_recipient:
                    count_hard_bounce(uow, row)
                if isinstance(exc, SmtpUtf8Unavailable):
                    stop_undeliverable(uow, row, exc.reply)
            else:
                schedule_retry(uow, row, exc.reply, rt.settings.send_max_attempts)


def send_preview(community_id: int, week: str) -> Outcome:
    """The host's draft, some hours ahead: they may add a note or skip the week."""
    with runtime().units.open() as uow:
        session = uow.session
        community = session.get(Community, community_id)
        if community is None:
            return Outcome.GONE
        run = digests.start_digest(uow, community, week)
        if run.status != DigestStatus.PENDING or run.preview_sent_at is not None:
            return Outcome.DONE
        host = session.scalar(
            select(Member).where(
                Member.community_id == community.id, Member.address == community.host_address
            )
        )
        if host is None or host.role != Role.HOST:
            run.preview_sent_at = uow.now
            return Outcome.NO_HOST
        outbox.queue_mail(
            uow,
            purpose=Purpose.DIGEST_PREVIEW,
            subject=f"digest:{run.id}:preview",
            recipient=community.host_address,
            community_id=community.id,
            member_id=host.id,
            context={"run_id": run.id},
        )
        run.preview_sent_at = uow.now
    return Outcome.SENT


@dataclass(frozen=True)
class Preview:
    subject: str
    html: str
    text: str


def preview_digest(rt: Runtime, slug: str) -> Preview:
    """This week's digest as the host would get it; nothing is sent or saved.

    Raises UnknownCommunity.
    """
    from community.communities import get_community
    from community.schedule import week_of
    from mail.outbound.digest import personalise, render_digest

    settings = rt.settings
    uow = rt.units.begin()
    try:
        c = get_community(uow.session, slug)
        run = digests.start_digest(uow, c, week_of(uow.now, c.timezone))
        content = digests.build_digest(uow, c, run, for_host=True)
        rendered = render_digest(
            settings.templates_path,
            c,
            content,
            base_url=settings.base_url,
            domain=settings.domain,
            preview=True,
        )
        host = uow.session.scalar(
            select(Member).where(Member.community_id == c.id, Member.role == Role.HOST)
        )
        html, text = personalise(
            rendered,
            name=host.name_or_address if host else "host",
            preferences_url=f"{settings.base_url}/preferences/preview",
            unsubscribe_url=f"{settings.base_url}/unsubscribe/preview",
            reply_addresses={},
        )
        return Preview(rendered.subject, html, text)
    finally:
        uow.rollback()  # a preview changes nothing
        uow.session.close()
