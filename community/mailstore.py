"""Durable storage of raw inbound mail, before the SMTP server answers 250."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesHeaderParser

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import InboundMessage, InboundStatus

MAX_PROCESSING_ATTEMPTS = 3


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID header, read cheaply (headers only); None if absent or unreadable."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        value = headers.get("Message-ID")
    except Exception:
        return None
    if not value:
        return None
    value = str(value).strip()
    return value[:998] or None


def dedup_key(message_id: str | None, raw: bytes) -> str | None:
    """Same Message-ID and same body means the same message, whatever relays added on top."""
    if not message_id:
        return None
    for separator in (b"\r\n\r\n", b"\n\n"):
        _head, found, body = raw.partition(separator)
        if found:
            break
    else:
        body = b""
    return hashlib.sha256(message_id.encode("utf-8", "replace") + b"\0" + body).hexdigest()


def store_message(
    session: Session, *, mail_from: str, rcpt_tos: list[str], raw: bytes, now: datetime
) -> tuple[InboundMessage, bool]:
    """Insert the raw message; returns (row, is_new). A re-delivered copy returns the
    stored row and False. The caller commits, and only then answers 250."""
    mid = message_id_of(raw)
    key = dedup_key(mid, raw)
    if key is not None:
        existing = session.scalar(select(InboundMessage).where(InboundMessage.dedup_key == key))
        if existing is not None:
            return existing, False
    row = InboundMessage(
        mail_from=mail_from[:998],
        rcpt_tos=rcpt_tos,
        raw=raw,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        message_id=mid,
        dedup_key=key,
        received_at=now,
        status=InboundStatus.RECEIVED,
        attempts=0,
        outcome="",
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # The same message arrived on two connections at once; the other one won.
        found = session.scalar(select(InboundMessage).where(InboundMessage.dedup_key == key))
        if found is None:
            raise
        return found, False
    return row, True


def claim_for_processing(session: Session, inbound_id: int) -> InboundMessage | None:
    """Lock a received message for processing; None if done or taken by another worker."""
    return session.scalar(
        select(InboundMessage)
        .where(InboundMessage.id == inbound_id, InboundMessage.status == InboundStatus.RECEIVED)
        .with_for_update(skip_locked=True)
    )


def record_failed_attempt(row: InboundMessage, error: str) -> None:
    """A processing attempt crashed; after a few, park the message for a person."""
    row.attempts += 1
    row.outcome = f"processing failed: {error}"[:2000]
    if row.attempts >= MAX_PROCESSING_ATTEMPTS:
        row.status = InboundStatus.FAILED


def unprocessed_ids(session: Session, older_than: datetime, limit: int = 500) -> list[int]:
    """Messages stored but never processed (their job was lost, or a worker died)."""
    return list(
        session.scalars(
            select(InboundMessage.id)
            .where(
                InboundMessage.status == InboundStatus.RECEIVED,
                InboundMessage.received_at < older_than,
            )
            .order_by(InboundMessage.id)
            .limit(limit)
        )
    )


SWEEP_GRACE = timedelta(seconds=60)
