"""Outcomes of outbound mail on a real SMTP socket: international addresses, compose
failures, attachments, the EHLO name and opportunistic STARTTLS."""

from __future__ import annotations

import ssl
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from community import members, outbox
from community.communities import get_community
from community.db import transaction
from community.models import DeliveryStatus, Member, MemberStatus, OutboundMessage, SendStatus
from community.outbox import Purpose
from jobs import digests as digest_jobs
from jobs import outbound
from jobs import runtime as job_runtime

from ..helpers import ledger, uow
from ..sink import Sink

EAI = "josé@example.com"  # a non-ASCII local part: only SMTPUTF8 can carry it


@pytest.fixture
def circle(make_community):
    return make_community(slug="circle", capacity=30)


def use_relay(settings, sink: Sink, **changes):
    return job_runtime.configure(replace(settings, smtp_url=sink.url, **changes))


@pytest.fixture
def plain_relay(settings, runtime):
    """A relay that does not offer SMTPUTF8 (many do not)."""
    sink = Sink(smtputf8=False).start()
    rt = use_relay(settings, sink)
    yield sink
    rt.close()
    sink.stop()


@pytest.fixture
def utf8_relay(settings, runtime):
    sink = Sink(smtputf8=True).start()
    rt = use_relay(settings, sink)
    yield sink
    rt.close()
    sink.stop()


def add(sessions, settings, *addresses: str) -> list[int]:
    with job_runtime.runtime().units.open() as work:
        c = get_community(work.session, "circle")
        for a in addresses:
            members.add_member(work, c, a)
        ids = [r.id for r in work.queued]
    return ids


def membership_of(db, address: str) -> MemberStatus:
    db.expire_all()
    m = db.scalar(select(Member).where(Member.address == address))
    db.commit()
    return m.status


def status_of(db, address: str) -> DeliveryStatus:
    """Whether mail reaches the member now (their membership is not in question)."""
    db.expire_all()
    m = db.scalar(select(Member).where(Member.address == address))
    db.commit()
    assert m.status == MemberStatus.ACTIVE
    return m.delivery_status


def test_international_address_without_smtputf8_is_a_final_flagged_failure(
    circle, plain_relay, sessions, settings, work, db
):
    add(sessions, settings, "anne@example.com", EAI, "bart@bücher.example")
    work()
    rows = {r.recipient: r for r in ledger(db)}
    assert rows[EAI].status == SendStatus.FAILED and rows[EAI].attempts == 1
    assert "SMTPUTF8" in rows[EAI].last_reply
    assert status_of(db, EAI) == DeliveryStatus.BOUNCING  # delivery stopped: nothing repeats
    # The others went out, the IDN domain in A-labels needing no SMTPUTF8 ...
    got = {r.rcpt_tos[0]: r for r in plain_relay.received}
    assert "anne@example.com" in got and "bart@xn--bcher-kva.example" in got
    # ... and the host was told, once.
    [notice] = [r for r in ledger(db) if r.purpose == Purpose.MEMBER_UNDELIVERABLE]
    assert notice.status == SendStatus.SENT and notice.recipient == "hana@example.com"
    assert all(r.status != SendStatus.PENDING for r in ledger(db))  # every row ended


def test_international_address_goes_out_with_smtputf8_when_the_relay_offers_it(
    circle, utf8_relay, sessions, settings, work, db
):
    add(sessions, settings, EAI)
    work()
    [got] = [r for r in utf8_relay.received if r.rcpt_tos == [EAI]]
    assert "SMTPUTF8" in got.mail_options
    head = got.data.split(b"\r\n\r\n", 1)[0]
    assert f"To: {EAI}".encode() in head  # RFC 6532: the address as it is, in UTF-8
    assert [r.status for r in ledger(db)] == [SendStatus.SENT]


def test_digest_batch_goes_on_past_an_international_address(
    circle, plain_relay, sessions, settings, db
):
    add(sessions, settings, "anne@example.com", EAI, "bart@example.org")
    with transaction(sessions) as s:
        community_id = get_community(s, "circle").id
    digest_jobs.send_digests([[community_id, "2026-W10"]])
    digests = [r for r in ledger(db) if r.purpose == Purpose.DIGEST]
    by = {r.recipient: r.status for r in digests}
    assert by[EAI] == SendStatus.FAILED
    assert {by["anne@example.com"], by["bart@example.org"]} == {SendStatus.SENT}
    assert status_of(db, EAI) == DeliveryStatus.BOUNCING


def test_a_row_that_cannot_be_composed_fails_at_once_and_the_batch_goes_on(
    circle, plain_relay, sessions, settings, db
):
    with transaction(sessions) as s:
        work = uow(s, datetime.now(UTC), settings.domain)
        c = get_community(s, "circle")
        anne = members.add_member(work, c, "anne@example.com")
        broken = outbox.queue_mail(
            work,
            purpose=Purpose.POST,
            subject="post:999",
            recipient=anne.address,
            community_id=c.id,
            member_id=anne.id,
            context={"post_id": 999},
        )
        ids = [r.id for r in work.queued]
    counts = outbound.deliver(sorted(ids))
    assert counts["failed"] == 1 and counts["sent"] == len(ids) - 1
    row = db.get(OutboundMessage, broken.id)
    assert row.status == SendStatus.FAILED and row.attempts == 1
    assert row.last_reply.startswith("cannot compose post")  # the reason, for the host


def test_relay_sees_our_helo_name_and_opportunistic_starttls(circle, settings, sessions, db, work):
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    sink = Sink(tls_context=context).start()
    rt = use_relay(settings, sink, helo_name="mx1.kith.example")
    try:
        add(sessions, settings, "anne@example.com")
        work()
        [got] = sink.received
        assert got.helo == "mx1.kith.example"
        assert got.tls  # smtp:// took the STARTTLS the relay offered
    finally:
        rt.close()
        sink.stop()


def test_attachments_are_passed_on_and_what_is_too_large_is_named_once(
    circle, settings, sessions, db, work
):
    from email.message import EmailMessage

    from community.mailstore import Arrival, insert_arrivals
    from jobs.inbound import process_one

    sink = Sink().start()
    rt = use_relay(settings, sink, attachment_max_bytes=50_000)
    try:
        add(sessions, settings, "anne@example.com", "bart@example.org")
        work()
        sink.handler.received.clear()
        msg = EmailMessage()
        msg["From"], msg["To"] = "Anne <anne@example.com>", "circle@kith.example"
        msg["Subject"], msg["Message-ID"] = "Plans", "<plans-1@example.com>"
        msg.set_content("Here are the plans.")
        small = b"%PDF-1.4 small " * 1000  # 15 KB: passed on
        large = b"\x00\x01video" * 10_000  # 70 KB: over the 50 KB left
        msg.add_attachment(small, maintype="application", subtype="pdf", filename="plan.pdf")
        msg.add_attachment(large, maintype="video", subtype="mp4", filename="demo.mp4")
        with rt.engine.begin() as conn:
            [(inbound_id, _)] = insert_arrivals(
                conn,
                [Arrival("anne@example.com", ["circle@kith.example"], msg.as_bytes())],
                datetime.now(UTC),
            )
        assert process_one(inbound_id) == "processed"
        work()
        [copy] = [r.message for r in sink.received if r.rcpt_tos == ["bart@example.org"]]
        files = {p.get_filename(): p.get_content() for p in copy.iter_attachments()}
        assert files == {"plan.pdf": small}
        text = copy.get_body(("plain",)).get_content()
        assert "Attachment left out: demo.mp4 (0.1 MB)" in text
        # Anne is told, once, about what did not reach the group.
        told = [r for r in sink.received if r.rcpt_tos == ["anne@example.com"]]
        assert len(told) == 1 and "demo.mp4" in told[0].message.get_body(("plain",)).get_content()
        assert process_one(inbound_id) == "skipped"  # processing again tells no one again
    finally:
        rt.close()
        sink.stop()


def test_list_unsubscribe_mailto_unsubscribes_only_its_member(
    circle, plain_relay, sessions, settings, work, db
):
    import re
    from email.message import EmailMessage

    from community.mailstore import Arrival, insert_arrivals
    from jobs.inbound import process_one

    add(sessions, settings, "anne@example.com")
    work()
    [welcome] = plain_relay.to("anne@example.com")
    [mailto] = re.findall(r"<mailto:([^>]+)>", str(welcome["List-Unsubscribe"]))

    def write(sender: str) -> str:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = sender, mailto, "unsubscribe"
        msg["Message-ID"] = f"<unsub-{sender}>"
        msg.set_content("unsubscribe")
        with job_runtime.runtime().engine.begin() as conn:
            [(row_id, _)] = insert_arrivals(
                conn, [Arrival(sender, [mailto], msg.as_bytes())], datetime.now(UTC)
            )
        return process_one(row_id)

    assert write("someone-else@example.net") == "discarded"  # a forwarded copy's reader
    assert membership_of(db, "anne@example.com") == MemberStatus.ACTIVE
    assert write("anne@example.com") == "processed"
    assert membership_of(db, "anne@example.com") == MemberStatus.UNSUBSCRIBED


def test_relay_connection_sends_the_final_dot_without_waiting_for_nagle():
    """DATA is written in two parts (the hand-over mark comes between): Nagle would
    hold the final "." for the relay's delayed ACK, ~40 ms a message."""
    import socket

    from mail.outbound.send import RelayConfig, SMTPTransport

    sink = Sink().start()
    try:
        transport = SMTPTransport(RelayConfig.from_url(sink.url))
        transport.send_raw(b"Subject: x\r\n\r\nHello\r\n", "a@kith.example", "b@example.com")
        sock = transport._conn.sock
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        transport.close()
        assert len(sink.received) == 1
    finally:
        sink.stop()
