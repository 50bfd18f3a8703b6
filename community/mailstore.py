"""Durable storage of raw inbound mail, before the SMTP server answers 250."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import InboundMessage, InboundStatus

MAX_PROCESSING_ATTEMPTS = 3


_MESSAGE_ID = re.compile(rb"^message-id[ \t]*:[ \t]*((?:[^\r\n]|\r?\n[ \t])*)", re.I | re.M)


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID header, found in the header block only; None if absent.

    A regex over the headers, not the email parser: this runs for every message
    before we answer the sender, and needs nothing else from it.
    """
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    match = _MESSAGE_ID.search(head)
    if not match:
        return None
    value = re.sub(rb"\s+", b" ", match.group(1)).strip().decode("utf-8", "replace")
    return value[:998] or None


def dedup_key(message_id: str | None, raw: bytes, rcpt_tos: list[str]) -> str | None:
    """Same Message-ID, same body and same envelope recipients means the same delivery,
    whatever relays added on top.

    The recipients belong in the key: one message delivered to two communities in two
    SMTP transactions (a split delivery, a Bcc to two circles) is two deliveries, and
    each community must get its post.
    """
    if not message_id:
        return None
    for separator in (b"\r\n\r\n", b"\n\n"):
        _head, found, body = raw.partition(separator)
        if found:
            break
    else:
        body = b""
    envelope = "\n".join(sorted({r.strip().strip("<>").lower() for r in rcpt_tos}))
    digest = hashlib.sha256(message_id.encode("utf-8", "replace"))
    for piece in (envelope.encode("utf-8", "replace"), body):
        digest.update(b"\0" + piece)
    return digest.hexdigest()


@dataclass(frozen=True)
class Arrival:
    """One message as the SMTP server received it."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes


@lru_cache(maxsize=2)
def _insert_statement(dialect: str):
    # Built once: a statement compiled from cache costs far less than a new one per row.
    table = InboundMessage.__table__
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        make_insert(table)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(table.c.id)
    )


def insert_arrivals(
    conn: Connection, arrivals: list[Arrival], now: datetime
) -> list[tuple[int, bool]]:
    """Insert several messages in the caller's transaction: (row id, is_new) for each.

    Used by the SMTP server's group commit: many messages, one durable commit. A
    re-delivered copy hits the unique dedup key and yields the stored row's id.
    """
    table = InboundMessage.__table__
    stmt = _insert_statement(conn.dialect.name)
    results = []
    for arrival in arrivals:
        mid = message_id_of(arrival.raw)
        key = dedup_key(mid, arrival.raw, arrival.rcpt_tos)
        params = {
            "mail_from": arrival.mail_from[:998],
            "rcpt_tos": arrival.rcpt_tos,
            "raw": arrival.raw,
            "size": len(arrival.raw),
            "sha256": hashlib.sha256(arrival.raw).hexdigest(),
            "message_id": mid,
            "dedup_key": key,
            "received_at": now,
            "status": InboundStatus.RECEIVED,
            "attempts": 0,
            "outcome": "",
        }
        new_id = conn.execute(stmt, params).scalar()
        if new_id is not None:
            results.append((new_id, True))
        else:
            existing = conn.execute(select(table.c.id).where(table.c.dedup_key == key)).scalar()
            assert existing is not None
            results.append((existing, False))
    return results


_SQLITE_INSERT = (
    "INSERT INTO inbound_messages (mail_from, rcpt_tos, raw, size, sha256, message_id, "
    "dedup_key, received_at, status, attempts, outcome) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'received', 0, '') "
    "ON CONFLICT (dedup_key) DO NOTHING RETURNING id"
)


def insert_arrivals_sqlite(
    dbapi_conn: Any, arrivals: list[Arrival], now: datetime
) -> list[tuple[int, bool]]:
    """The SMTP server's fast path on SQLite: plain DB-API, one commit for the batch.

    It writes exactly what the ORM would (JSON text, naive UTC timestamps; a test
    reads such rows back through the models) at a fraction of the cost, which is
    most of the server's time per message.
    """
    stamp = now.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    results = []
    cur = dbapi_conn.cursor()
    try:
        cur.execute("BEGIN IMMEDIATE")
        try:
            for arrival in arrivals:
                mid = message_id_of(arrival.raw)
                key = dedup_key(mid, arrival.raw, arrival.rcpt_tos)
                cur.execute(
                    _SQLITE_INSERT,
                    (
                        arrival.mail_from[:998],
                        json.dumps(arrival.rcpt_tos),
                        arrival.raw,
                        len(arrival.raw),
                        hashlib.sha256(arrival.raw).hexdigest(),
                        mid,
                        key,
                        stamp,
                    ),
                )
                row = cur.fetchone()
                if row is None:
                    cur.execute("SELECT id FROM inbound_messages WHERE dedup_key = ?", (key,))
                    row, is_new = cur.fetchone(), False
                else:
                    is_new = True
                results.append((row[0], is_new))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
    finally:
        cur.close()
    return results


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


# Processing normally starts within milliseconds of the 250; after this long the
# sweeper takes the message's job for lost.
SWEEP_GRACE = timedelta(seconds=30)
