"""The SMTP server judged by its exact replies on the wire: codes, banner, faults, limits."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from sqlalchemy import select, text

from community.db import make_engine, make_session_factory, transaction
from community.models import InboundMessage, OutboundMessage
from community.outbox import Purpose
from jobs import runtime as job_runtime
from jobs.queues import enqueue_inbound
from mail import status
from mail.authentication import without_trace
from mail.inbound.handler import InboundHandler
from mail.inbound.protocol import MAX_LINE_OCTETS
from mail.inbound.server import build_controller, build_handler

from ..sink import free_port
from ..wire import Wire, one_line

DOMAIN = "kith.example"
TRY_AGAIN = status.TRY_AGAIN.encode() + b"\r\n"


class Running:
    def __init__(self, settings, handler):
        self.settings = settings
        self.handler = handler
        self.port = free_port()
        self.controller = build_controller(settings, handler, host="127.0.0.1", port=self.port)
        self.controller.start()

    def wire(self) -> Wire:
        return Wire(self.port)

    def stop(self):
        self.controller.stop()
        self.handler.close()


@pytest.fixture
def smtp_for(settings, runtime):
    started = []

    def start(handler=None, **changes):
        s = replace(settings, **changes)
        server = Running(s, handler or build_handler(s))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def message(subject="Hi", body="Hello", mid="<m1@example.com>") -> bytes:
    return (
        f"From: Anne <anne@example.com>\r\nTo: circle@{DOMAIN}\r\nSubject: {subject}\r\n"
        f"Message-ID: {mid}\r\nDate: Tue, 03 Mar 2026 09:12:00 +0000\r\n\r\n{body}\r\n"
    ).encode()


def stored(db) -> list[InboundMessage]:
    db.expire_all()
    rows = list(db.scalars(select(InboundMessage).order_by(InboundMessage.id)))
    db.commit()
    return rows


def start_transaction(wire: Wire, rcpt: str = f"circle@{DOMAIN}") -> bytes:
    assert one_line(wire.command("MAIL FROM:<anne@example.com>")).startswith(b"250")
    return one_line(wire.command(f"RCPT TO:<{rcpt}>"))


def unreachable(settings) -> InboundHandler:
    """A handler whose database cannot be reached at all (nothing listens on port 1)."""
    broken = make_session_factory(make_engine("postgresql+psycopg://kith@127.0.0.1:1/kith"))
    return InboundHandler(settings, broken, lambda ids: enqueue_inbound(settings, ids))


def test_banner_names_no_software_and_ehlo_offers_enhanced_codes(smtp_for, make_community):
    make_community(slug="circle")
    server = smtp_for()
    with server.wire() as w:
        assert w.greeting == [f"220 {DOMAIN} ESMTP\r\n".encode()]
        assert b"250-ENHANCEDSTATUSCODES\r\n" in w.ehlo and w.ehlo[-1].startswith(b"250 ")
        assert b"Python" not in b"".join(w.greeting + w.ehlo)


def test_rcpt_answers_one_line_451_while_the_database_is_unreachable(smtp_for, settings):
    server = smtp_for(handler=unreachable(settings))
    with server.wire() as w:
        reply = start_transaction(w)
    assert reply == TRY_AGAIN  # temporary, one line, and nothing about the database


def test_rcpt_trusts_a_recent_answer_while_the_database_is_down(smtp_for, settings):
    handler = unreachable(settings)
    server = smtp_for(handler=handler)
    # The community was seen ten minutes ago, before the database went away.
    handler._slugs, handler._slugs_at = frozenset({"circle"}), time.monotonic() - 600
    with server.wire() as w:
        assert start_transaction(w).startswith(b"250 2.1.5")
        assert one_line(w.command(f"RCPT TO:<other@{DOMAIN}>")) == TRY_AGAIN
        assert w.send_data(message()) == [TRY_AGAIN]  # and it cannot be stored either


def test_a_locked_database_makes_data_answer_451_within_seconds(
    smtp_for, make_community, settings, db
):
    make_community(slug="circle")
    server = smtp_for(inbound_store_timeout=1.0)
    blocker = make_engine(settings.effective_database_url)
    conn = blocker.connect()
    conn.begin()  # SQLite: BEGIN IMMEDIATE holds the write lock
    if blocker.dialect.name != "sqlite":
        conn.execute(text("LOCK TABLE inbound_messages IN ACCESS EXCLUSIVE MODE"))
    try:
        with server.wire() as w:
            assert start_transaction(w).startswith(b"250")
            started = time.monotonic()
            reply = w.send_data(message())
            waited = time.monotonic() - started
    finally:
        conn.rollback()
        conn.close()
        blocker.dispose()
    assert reply == [TRY_AGAIN] and waited < 4.0
    with server.wire() as w:  # the sender's retry, once the lock is gone
        start_transaction(w)
        assert one_line(w.send_data(message())).startswith(b"250 2.0.0")
    assert len(stored(db)) == 1


def test_oversize_message_gets_552_5_3_4_and_nothing_is_stored(smtp_for, make_community, db):
    make_community(slug="circle")
    server = smtp_for(inbound_max_bytes=20_000)
    with server.wire() as w:
        start_transaction(w)
        reply = w.send_data(message(body="x" * 100 + ("y" * 70 + "\r\n") * 400))
    assert reply == [status.TOO_BIG.encode() + b"\r\n"]
    assert stored(db) == []


def test_long_lines_are_stored_exactly_and_overlong_ones_refused_clearly(
    smtp_for, make_community, db
):
    make_community(slug="circle")
    server = smtp_for()
    sloppy = message(body="<p>" + "word " * 1000 + "</p>")  # a 5,007-octet line
    with server.wire() as w:
        start_transaction(w)
        assert one_line(w.send_data(sloppy)).startswith(b"250 2.0.0")
        start_transaction(w)
        huge = message(body="z" * (MAX_LINE_OCTETS + 10), mid="<m2@example.com>")
        assert w.send_data(huge) == [status.LINE_TOO_LONG.encode() + b"\r\n"]
    [row] = stored(db)
    assert row.raw.startswith(b"Received: ")  # our trace line on top (RFC 5321 4.4)
    assert without_trace(row.raw, DOMAIN) == sloppy


def test_protocol_errors_carry_enhanced_codes(smtp_for, make_community):
    make_community(slug="circle")
    server = smtp_for()
    with server.wire() as w:
        assert one_line(w.command(f"RCPT TO:<circle@{DOMAIN}>")).startswith(b"503 5.5.1 ")
        assert one_line(w.command("MAIL")).startswith(b"501 5.5.4 ")
        assert one_line(w.command("FROBNICATE")).startswith(b"500 5.5.2 ")
        assert one_line(w.command("MAIL FROM:<anne@example.com>")).startswith(b"250 ")
        assert one_line(w.command("RCPT TO:<nobody@kith.example>")) == (
            status.UNKNOWN_RECIPIENT.encode() + b"\r\n"
        )
        assert one_line(w.command("RCPT TO:<friend@elsewhere.example>")) == (
            status.RELAY_DENIED.encode() + b"\r\n"
        )


def test_an_unexpected_fault_is_a_temporary_one_line_answer(settings):
    handler = unreachable(settings)
    try:
        fault = RuntimeError("db at 10.0.0.5:5432 refused")
        # On a thread of its own: the browser tests keep an event loop in this one.
        with ThreadPoolExecutor(1) as pool:
            reply = pool.submit(asyncio.run, handler.handle_exception(fault)).result()
    finally:
        handler.close()
    assert reply == status.TRY_AGAIN


@pytest.mark.parametrize("operator", ["ops@example.net", ""])
def test_postmaster_and_abuse_reach_the_operator(
    smtp_for, make_community, relay, work, db, operator
):
    """RFC 5321 4.5.1 requires postmaster (even without a domain); RFC 2142 adds abuse."""
    make_community(slug="circle")
    work()
    relay.handler.received.clear()
    server = smtp_for(operator_address=operator)
    job_runtime.configure(replace(server.settings, smtp_url=relay.url))
    complaint = message(subject="Spam from your host", mid="<abuse-1@example.com>")
    with server.wire() as w:
        assert start_transaction(w, "Postmaster").startswith(b"250")
        assert one_line(w.command(f"RCPT TO:<abuse@{DOMAIN.upper()}>")).startswith(b"250")
        assert one_line(w.send_data(complaint)).startswith(b"250 2.0.0")
    server.handler.enqueuer.wait_idle()
    work()
    [row] = stored(db)
    assert row.status == "processed"
    forwards = list(
        db.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == Purpose.OPERATOR_FORWARD)
        )
    )
    db.commit()
    if not operator:
        assert forwards == [] and "kept for the operator" in row.outcome
        assert relay.received == []
        return
    [got] = relay.received
    assert got.rcpt_tos == [operator]
    delivered_to, _, kept = got.data.partition(b"\r\n")
    assert delivered_to == f"Delivered-To: {operator}".encode()
    assert kept.startswith(b"Received: ")  # as received: with our trace line on top
    assert without_trace(kept, DOMAIN) == complaint
    assert [f.status for f in forwards] == ["sent"]


def test_the_store_timeout_is_a_documented_setting(settings):
    with transaction(make_session_factory(make_engine(settings.effective_database_url))) as s:
        assert s.scalar(text("SELECT 1")) == 1
    assert settings.inbound_store_timeout > 0


def test_kith_smtp_refuses_to_start_on_an_unusable_data_folder(settings, tmp_path):
    from ..helpers import run_kith

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    done = run_kith(
        settings,
        "smtp",
        real_process=True,
        KITH_DATA_DIR=str(blocked),
        DATABASE_URL="",
        KITH_INBOUND_PORT=str(free_port()),
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("kith smtp: data folder")
