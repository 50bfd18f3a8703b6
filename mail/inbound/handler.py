"""aiosmtpd hooks: refuse strangers at RCPT; at DATA store durably, queue, then 250."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from community.addresses import RecipientKind, parse_recipient
from community.db import transaction
from community.mailstore import Arrival
from community.models import Community
from community.settings import Settings
from mail import status
from mail.authentication import trace_header

from .writer import BackgroundEnqueuer, GroupCommitWriter

log = logging.getLogger(__name__)
SLUG_CACHE_SECONDS = 30.0


class InboundHandler:
    """Implements only RCPT and DATA; everything slow happens later, in a job."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        enqueue: Callable[[list[int]], None],
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        engine = sessions.kw["bind"]
        self.engine = engine
        self.writer = GroupCommitWriter(engine)
        self.enqueuer = BackgroundEnqueuer(enqueue)
        self._slugs: frozenset[str] = frozenset()
        self._slugs_at = 0.0

    def close(self) -> None:
        self.writer.close()
        self.enqueuer.close()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        recipient = parse_recipient(address, self.settings.domain)
        if recipient is None:
            return status.RELAY_DENIED  # never an open relay
        if recipient.kind != RecipientKind.BOUNCE and not await self._slug_exists(recipient.slug):
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
            now=datetime.now(UTC),
        )
        raw: bytes = trace + (envelope.original_content or b"")
        arrival = Arrival(envelope.mail_from or "", list(envelope.rcpt_tos), raw)
        try:
            row_id, is_new = await asyncio.wrap_future(self.writer.submit(arrival))
        except Exception:
            log.warning("could not store a %d-byte message; answering 451", len(raw))
            return status.TRY_AGAIN
        log.debug("stored inbound #%s (%s)", row_id, "new" if is_new else "duplicate")
        if is_new:
            self.enqueuer.put(row_id)
        return status.OK_QUEUED

    async def _slug_exists(self, slug: str) -> bool:
        if slug in self._slugs and time.monotonic() - self._slugs_at < SLUG_CACHE_SECONDS:
            return True
        # Unknown or stale: ask the database (a new community must work at once).
        loop = asyncio.get_running_loop()
        self._slugs = await loop.run_in_executor(None, self._load_slugs)
        self._slugs_at = time.monotonic()
        return slug in self._slugs

    def _load_slugs(self) -> frozenset[str]:
        with transaction(self.sessions) as session:
            return frozenset(session.scalars(select(Community.slug)))
