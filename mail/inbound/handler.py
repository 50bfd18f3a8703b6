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
from community.mailstore import store_message
from community.models import Community
from community.settings import Settings
from mail import status

log = logging.getLogger(__name__)
SLUG_CACHE_SECONDS = 30.0


class InboundHandler:
    """Implements only RCPT and DATA; everything slow happens later, in a job."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        enqueue: Callable[[int], None],
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.enqueue = enqueue
        self._slugs: frozenset[str] = frozenset()
        self._slugs_at = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        recipient = parse_recipient(address, self.settings.domain)
        if recipient is None:
            return status.RELAY_DENIED  # never an open relay
        if recipient.kind != RecipientKind.BOUNCE and not await self._slug_exists(recipient.slug):
            return status.UNKNOWN_RECIPIENT
        envelope.rcpt_tos.append(address)
        return status.OK

    async def handle_DATA(self, server, session, envelope):
        raw: bytes = envelope.original_content or b""
        loop = asyncio.get_running_loop()
        try:
            row_id, is_new = await loop.run_in_executor(
                None, self._store, envelope.mail_from or "", list(envelope.rcpt_tos), raw
            )
        except Exception:
            log.exception("could not store a %d-byte message; answering 451", len(raw))
            return status.TRY_AGAIN
        if is_new:
            # The message is safe in the database now. If Redis is down, the sweeper
            # finds it later; the sender must not retry a message we already have.
            await loop.run_in_executor(None, self._enqueue_quietly, row_id)
        return status.OK_QUEUED

    def _store(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> tuple[int, bool]:
        with transaction(self.sessions) as session:
            row, is_new = store_message(
                session, mail_from=mail_from, rcpt_tos=rcpt_tos, raw=raw, now=datetime.now(UTC)
            )
            session.flush()
            row_id = row.id
        log.info(
            "stored inbound #%s %s (%s)", row_id, row.message_id, "new" if is_new else "duplicate"
        )
        return row_id, is_new

    def _enqueue_quietly(self, row_id: int) -> None:
        try:
            self.enqueue(row_id)
        except Exception:  # stored already; the sweeper will pick it up
            log.warning("could not enqueue inbound #%s; left for the sweeper", row_id)

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
