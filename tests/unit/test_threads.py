"""Thread titles, stored text, and the raw SQLite path reading back through the models."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from community.mailstore import (
    Arrival,
    dedup_key,
    insert_arrivals,
    insert_arrivals_sqlite,
    message_id_of,
)
from community.models import Community, InboundMessage, InboundStatus
from community.threads import clean_text, thread_subject

NOW = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("Re: Goals", "Goals"),
        ("RE: Fwd: re: Goals", "Goals"),
        ("AW: WG: Ziele", "Ziele"),
        ("SV: Mål", "Mål"),
        ("回复：目标", "目标"),
        ("Re[2]: Goals", "Goals"),
        ("[Morning Circle] Re: Goals", "Goals"),
        ("Re: ", "(no subject)"),
        ("Ready for review", "Ready for review"),
    ],
)
def test_thread_subject(subject, expected):
    assert thread_subject(subject, Community(name="Morning Circle")) == expected


def test_clean_text_removes_control_characters_and_normalises():
    assert clean_text("a\r\nb\x00c\x1b[31m\u202e\nd  \n\n") == "a\nbc[31m\u202e\nd"
    assert clean_text("e\u0301") == "\u00e9"  # NFC


def test_message_id_is_read_from_headers_only():
    raw = b"From: a\r\nMessage-Id:\r\n <x@example.com>\r\n\r\nMessage-ID: <body@example.com>"
    assert message_id_of(raw) == "<x@example.com>"
    assert message_id_of(b"From: a\r\n\r\nMessage-ID: <body@example.com>") is None


def test_dedup_key_ignores_trace_headers_but_not_the_body():
    a = b"Received: one\r\nMessage-ID: <m@x>\r\n\r\nbody"
    b = b"Received: two\r\nReceived: three\r\nMessage-ID: <m@x>\r\n\r\nbody"
    to = ["circle@kith.example"]
    assert dedup_key("<m@x>", a, to) == dedup_key("<m@x>", b, to)
    assert dedup_key("<m@x>", a, to) != dedup_key("<m@x>", a + b"!", to)
    assert dedup_key(None, a, to) is None


def test_dedup_key_tells_deliveries_to_other_recipients_apart():
    """A Bcc to two circles arrives as two transactions: two deliveries, two posts."""
    raw = b"Message-ID: <m@x>\r\n\r\nbody"
    circle, writers = ["circle@kith.example"], ["writers@kith.example"]
    assert dedup_key("<m@x>", raw, circle) != dedup_key("<m@x>", raw, writers)
    both = ["circle@kith.example", "<Writers@KITH.example>"]
    assert dedup_key("<m@x>", raw, both) == dedup_key("<m@x>", raw, list(reversed(both)))


def test_raw_and_core_inserts_store_the_same_thing(db):
    conn = db.connection()
    raw = b"From: anne@example.com\r\nMessage-ID: <m1@example.com>\r\n\r\nHello"
    if conn.dialect.name == "sqlite":
        db.commit()
        engine = db.get_bind()
        with engine.connect() as c:
            [(row_id, is_new)] = insert_arrivals_sqlite(
                c.connection.driver_connection, [Arrival("anne@example.com", ["c@k"], raw)], NOW
            )
            [(again, again_new)] = insert_arrivals_sqlite(
                c.connection.driver_connection, [Arrival("anne@example.com", ["c@k"], raw)], NOW
            )
    else:
        [(row_id, is_new)] = insert_arrivals(conn, [Arrival("anne@example.com", ["c@k"], raw)], NOW)
        [(again, again_new)] = insert_arrivals(
            conn, [Arrival("anne@example.com", ["c@k"], raw)], NOW
        )
        db.commit()
    assert is_new and not again_new and again == row_id
    db.expire_all()
    row = db.scalar(select(InboundMessage).where(InboundMessage.id == row_id))
    assert row.rcpt_tos == ["c@k"] and row.raw == raw and row.received_at == NOW
    assert row.status == InboundStatus.RECEIVED and row.message_id == "<m1@example.com>"
    assert row.size == len(raw) and row.attempts == 0
