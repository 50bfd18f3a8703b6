"""aiosmtpd hooks: refuse strangers at RCPT; at DATA store durably, queue, then 250.

Any failure to look something up or to store answers `451 4.3.0` on one line, so
the sending server keeps the message and tries again; nothing about the database
reaches the peer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from community import mailstore
from community.addresses import RecipientKind, parse_recipient
from community.mailstore import Arrival
from community.models import Community
from community.settings import Settings
from community.uow import UnitFactory
from mail import status
from mail.authentication import trace_header

from .writer import BackgroundEnqueuer, GroupCommitWriter

log = logging.getLogger(__name__)
# A slug seen this recently is trusted without asking the database again.
SLUG_CACHE_SECONDS = 30.0
# While the database cannot answer, communities known this recently are still
# accepted (their mail is stored at DATA or refused there with a 451).
SLUG_CACHE_FALLBACK_SECONDS = 3600.0
_NO_RECIPIENT_CHECK = (RecipientKind.BOUNCE, RecipientKind.OPERATOR)


class InboundHandler:
    """Implements only EHLO, RCPT and DATA; everything slow happens later, in a job."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        enqueue: Callable[[list[int]], None],
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.engine = sessions.kw["bind"]
        # The SMTP transaction's unit of work is the group commit's; lookups are
        # read-only units of their own.
        self.units = UnitFactory(sessions, settings.clock(), settings.domain)
        self.writer = GroupCommitWriter(self.engine, self.units.clock)
        self.enqueuer = BackgroundEnqueuer(enqueue)
        self.timeout = settings.inbound_store_timeout
        self._slugs: frozenset[str] = frozenset()
        self._slugs_at = float("-inf")

    def close(self) -> None:
        self.writer.close()
        self.enqueuer.close()

    def requeue_unprocessed(self) -> int:
        """Queue processing of everything stored but never processed, once, at start.

        A server killed between its commit and its (background) enqueue leaves such
        messages; the sweeper would find them too, but a restart is the moment to.
        """
        with self.units.open(read_only=True) as uow:
            ids = mailstore.unprocessed_ids(uow.session, uow.now, limit=10_000)
        for row_id in ids:
            self.enqueuer.put(row_id)
        return len(ids)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        # RFC 2034: every reply of ours carries an enhanced status code.
        return [*responses[:-1], "250-ENHANCEDSTATUSCODES", responses[-1]]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        recipient = parse_recipient(address, self.settings.domain)
        if recipient is None:
            return status.RELAY_DENIED  # never an open relay
        if recipient.kind not in _NO_RECIPIENT_CHECK:
            known = await self._slug_exists(recipient.slug)
            if known is None:
                return status.TRY_AGAIN
            if not known:
                return status.UNKNOWN_RECIPIENT
        envelope.rcpt_tos.append(address)
        return status.OK

    async def handle_DATA(self, server, session, envelope):
        # RFC 5321 4.4: our trace line on top; the job reads the client from it for SPF.
        trace = trace_header(
            session.host_name or "",
            (session.peer or ("",))[0],
            self.settings.domain,
            esmtp=bool(session.extended_smtp),
            tls=session.ssl is not None,
            utf8=bool(envelope.smtp_utf8),
            now=self.units.clock.now(),
        )
        raw: bytes = trace + (envelope.original_content or b"")
        arrival = Arrival(envelope.mail_from or "", list(envelope.rcpt_tos), raw)
        future = self.writer.submit(arrival)
        # Queue processing whenever the row commits, even after we gave up waiting
        # and answered 451: the sender's retry is then a duplicate, stored once.
        future.add_done_callback(self._enqueue_if_new)
        try:
            row_id, is_new = await asyncio.wait_for(
                asyncio.shield(asyncio.wrap_future(future)), self.timeout
            )
        except Exception as exc:
            log.warning("could not store a %d-byte message (%s); answering 451", len(raw), exc)
            return status.TRY_AGAIN
        log.debug("stored inbound #%s (%s)", row_id, "new" if is_new else "duplicate")
        return status.OK_QUEUED

    async def handle_exception(self, error: Exception) -> str:
        # aiosmtpd's default names the exception (and with it a database host and
        # port) in a permanent 500; a fault of ours is always temporary for the peer.
        log.error("SMTP session failed: %r", error)
        return status.TRY_AGAIN

    def _enqueue_if_new(self, future: Future[tuple[int, bool]]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        row_id, is_new = future.result()
        if is_new:
            self.enqueuer.put(row_id)

    async def _slug_exists(self, slug: str) -> bool | None:
        """Whether a community has this slug; None when nobody can tell right now."""
        age = time.monotonic() - self._slugs_at
        if slug in self._slugs and age < SLUG_CACHE_SECONDS:
            return True
        # Unknown or stale: ask the database (a new community must work at once).
        loop = asyncio.get_running_loop()
        try:
            self._slugs = await asyncio.wait_for(
                loop.run_in_executor(None, self._load_slugs), self.timeout
            )
        except Exception as exc:
            log.warning("cannot look up communities (%s)", exc)
            if slug in self._slugs and age < SLUG_CACHE_FALLBACK_SECONDS:
                return True
            return None
        self._slugs_at = time.monotonic()
        return slug in self._slugs

    def _load_slugs(self) -> frozenset[str]:
        with self.units.open(read_only=True) as uow:
            return frozenset(uow.session.scalars(select(Community.slug)))
