"""A member's signed mail through real SMTP: DKIM and SPF checked in the job, the results
recorded, and every copy Kith relays sealed with ARC and signed with DKIM."""

from __future__ import annotations

import smtplib
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP

import dkim
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from community import members
from community.communities import get_community
from community.db import transaction
from community.models import InboundMessage
from jobs import runtime as job_runtime
from jobs.queues import enqueue_inbound
from mail.doctor import txt_record
from mail.inbound.handler import InboundHandler
from mail.outbound.signing import generate_key, load_key
from mail.resolver import dkim_lookup, make_resolver

from ..dnsserver import ZoneServer
from ..helpers import uow
from ..sink import Sink, free_port


@pytest.fixture
def world(settings, runtime, make_community, tmp_path):
    """Kith with a DKIM key, a member domain that signs its mail and publishes SPF,
    and a DNS server on loopback that knows both."""
    generate_key(tmp_path / "kith.pem")
    generate_key(tmp_path / "member.pem")
    kith_key = load_key(replace(settings, dkim_key=str(tmp_path / "kith.pem")))
    member_key = load_key(
        replace(settings, dkim_key=str(tmp_path / "member.pem"), domain="example.com")
    )
    zone = ZoneServer(
        txt_record(kith_key.dns_name(), kith_key.dns_value())
        + "\n"
        + txt_record(member_key.dns_name(), member_key.dns_value())
        + '\nexample.com. 300 IN TXT "v=spf1 ip4:127.0.0.1 -all"\n'
    ).start()
    configured = replace(settings, dkim_key=str(tmp_path / "kith.pem"), nameserver=zone.address)
    sink = Sink().start()
    rt = job_runtime.configure(replace(configured, smtp_url=sink.url))
    make_community(slug="circle")
    with transaction(rt.sessions) as s:
        c = get_community(s, "circle")
        for a in ("anne@example.com", "bart@example.org"):
            members.add_member(uow(s, datetime.now(UTC), settings.domain), c, a)
    handler = InboundHandler(configured, rt.sessions, lambda ids: enqueue_inbound(configured, ids))
    port = free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    server.start()
    yield configured, member_key, sink, port, handler, zone
    server.stop()
    handler.close()
    rt.close()
    sink.stop()
    zone.stop()


def signed_post(member_key, body: str = "Beta by Friday.") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = "Anne <anne@example.com>", "circle@kith.example"
    msg["Subject"], msg["Message-ID"] = "Goals", "<goals-1@example.com>"
    msg["Date"] = "Wed, 04 Mar 2026 09:00:00 +0000"
    msg.set_content(body)
    raw = msg.as_bytes(policy=SMTP)
    return dkim.sign(raw, b"kith", b"example.com", member_key.private_pem) + raw


def test_intake_records_dkim_and_spf_and_copies_carry_a_valid_arc_set(world, db, work):
    _settings, member_key, sink, port, handler, zone = world
    with smtplib.SMTP("127.0.0.1", port, local_hostname="mx.example.com") as client:
        client.sendmail("anne@example.com", ["circle@kith.example"], signed_post(member_key))
    handler.enqueuer.wait_idle()
    work()
    inbound = db.scalar(select(InboundMessage))
    db.commit()
    assert inbound.raw.startswith(b"Received: from mx.example.com ([127.0.0.1])")
    assert inbound.auth_results.startswith("kith.example; dkim=pass header.d=example.com")
    assert "spf=pass smtp.mailfrom=anne@example.com" in inbound.auth_results

    [copy] = [r.data for r in sink.received if r.rcpt_tos == ["bart@example.org"]]
    lookup = dkim_lookup(make_resolver(zone.address))
    assert dkim.verify(copy, dnsfunc=lookup)
    cv, _results, reason = dkim.arc_verify(copy, dnsfunc=lookup)
    assert cv == dkim.CV_Pass, reason
    [aar] = [
        line
        for line in copy.split(b"\r\n\r\n")[0].split(b"\r\nARC-")
        if line.startswith(b"Authentication-Results")
    ]
    assert b"dkim=pass header.d=example.com" in aar and b"spf=pass" in aar
    # A receiver downstream sees tampering.
    cv, _, _ = dkim.arc_verify(copy.replace(b"Beta by Friday", b"Beta by Monday"), dnsfunc=lookup)
    assert cv == dkim.CV_Fail


def test_a_forged_signature_and_a_wrong_sending_host_are_recorded_as_such(world, db, work):
    _settings, member_key, _sink, port, handler, _zone = world
    forged = signed_post(member_key).replace(b"Beta by Friday.", b"Send me the money.")
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.sendmail("anne@example.net", ["circle@kith.example"], forged)
    handler.enqueuer.wait_idle()
    work()
    inbound = db.scalar(select(InboundMessage))
    db.commit()
    assert "dkim=fail header.d=example.com" in inbound.auth_results
    assert "spf=none smtp.mailfrom=anne@example.net" in inbound.auth_results
