"""Every kind of Kith mail through a real Postfix, both ways, checked for defects.

    python -m benchmarks.relay [--copies 500]      (as root: Postfix's master needs it)

A private Postfix (Debian's package, see postfix.py) listens on loopback and:
1. outbound: takes one message of every kind, composed, ARC-sealed and DKIM-signed as
   the worker does it and handed over by Kith's own SMTP transport (plus a welcome to
   an international address, SMTPUTF8 end to end), and relays them to an SMTP sink.
   At the sink each must be byte-identical under the Received line Postfix added and
   verify with dkimpy (DKIM everywhere, ARC on the relayed post);
2. inbound: as the MX of the community domain, hands a member's message to `kith
   smtp`, which stores it with its trace line and finds DKIM and SPF as they were;
3. throughput: --copies digest copies through Postfix, against the same copies sent
   straight to the sink in the same run.
Postfix's log must show no warning, deferral or bounce. Figures are printed last.
"""

from __future__ import annotations

import argparse
import smtplib
import time
from dataclasses import replace
from email.message import EmailMessage
from email.policy import SMTP

import dkim
from aiosmtpd.controller import Controller
from sqlalchemy import select

from community import members
from community.communities import create_community
from community.db import engine_from, make_session_factory, transaction
from community.models import Community, InboundMessage
from community.schema import upgrade
from community.settings import load_settings
from community.tokens import Signer
from mail.inbound.handler import InboundHandler
from mail.outbound.compose import MailContext, envelope_sender, message_bytes
from mail.outbound.send import RelayConfig, SMTPTransport
from mail.outbound.signing import generate_key, load_key
from tests.dnsserver import ZoneServer
from tests.helpers import uow
from tests.mailkinds import NOW, make_every_kind
from tests.sink import Sink, free_port

from ._common import max_rss_mb, report, scratch_dir
from .postfix import PrivatePostfix

DOMAIN = "kith.example"
EAI = "josé@example.com"


def wait_for(count, n: int, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while count() < n and time.monotonic() < deadline:
        time.sleep(0.02)
    return count() >= n


def below_received(data: bytes) -> bytes:
    """The message as it was before Postfix put its Received line on top."""
    assert data.startswith(b"Received: "), data[:80]
    lines = data.split(b"\r\n")
    i = 1
    while lines[i][:1] in (b" ", b"\t"):
        i += 1
    return b"\r\n".join(lines[i:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=500)
    args = parser.parse_args()
    root = scratch_dir()
    generate_key(root / "dkim.pem")
    settings = load_settings(
        {},
        data_dir=str(root / "data"),
        secret_key="benchmark-secret",
        domain=DOMAIN,
        base_url="https://circles.example",
        dkim_key=str(root / "dkim.pem"),
    )
    key = load_key(settings)
    assert key is not None
    record = key.dns_value().encode()

    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name.rstrip(b".") == key.dns_name().encode() else None

    engine = engine_from(settings)
    upgrade(engine)
    sessions = make_session_factory(engine)
    sink = Sink(smtputf8=True).start()
    kith_port, postfix_port = free_port(), free_port()
    postfix = PrivatePostfix(
        root / "postfix",
        port=postfix_port,
        kith_domain=DOMAIN,
        inbound_port=kith_port,
        outbound_port=sink.port,
    ).start()
    zone = ZoneServer('example.com. 300 IN TXT "v=spf1 ip4:127.0.0.1 -all"\n').start()
    inbound_settings = replace(settings, nameserver=zone.address)
    handler = InboundHandler(inbound_settings, sessions, lambda ids: None)
    kith_smtp = Controller(handler, hostname="127.0.0.1", port=kith_port, enable_SMTPUTF8=True)
    kith_smtp.start()
    rows: list[tuple[str, str]] = []
    try:
        # 1. Every kind, as the worker composes it, through Kith's transport to Postfix.
        session = sessions()
        made = make_every_kind(session, settings, Signer(settings.secret_key))
        community = session.scalar(select(Community))
        work = uow(session, NOW, DOMAIN)
        eai = members.add_member(work, community, EAI)
        welcome = next(r for r in work.queued if r.recipient == eai.address)
        session.flush()
        ctx = MailContext(settings, Signer(settings.secret_key), community, eai, welcome, session)
        outgoing = [(m.purpose, m.row, m.data) for m in made]
        outgoing.append(("welcome (international address)", welcome, message_bytes(ctx, NOW)))
        transport = SMTPTransport(
            RelayConfig.from_url(f"smtp://127.0.0.1:{postfix_port}", helo_name=f"mx.{DOMAIN}")
        )
        for i, (_purpose, row, data) in enumerate(outgoing):
            row.id = row.id or 10_000 + i
            transport.send_raw(data, envelope_sender(row, DOMAIN), row.recipient)
        transport.close()
        arrived = wait_for(lambda: len(sink.received), len(outgoing))
        defects = []
        by_recipient_and_id = {
            (r.rcpt_tos[0], below_received(r.data).split(b"Message-ID: ", 1)[-1][:60]): r
            for r in sink.received
        }
        for purpose, row, data in outgoing:
            key_id = (row.recipient, data.split(b"Message-ID: ", 1)[-1][:60])
            got = by_recipient_and_id.get(key_id)
            if got is None:
                defects.append(f"{purpose}: not relayed")
                continue
            if below_received(got.data) != data:
                defects.append(f"{purpose}: changed by the relay")
            if not dkim.verify(got.data, dnsfunc=dns):
                defects.append(f"{purpose}: DKIM fails after the relay")
            if purpose == "post" and dkim.arc_verify(got.data, dnsfunc=dns)[0] != dkim.CV_Pass:
                defects.append(f"{purpose}: ARC fails after the relay")
        rows.append(("kinds relayed", f"{len(outgoing)} ({'all' if arrived else 'NOT all'})"))
        session.rollback()
        session.close()

        # 2. A member's signed message through Postfix as the community's MX.
        member_key_path = root / "member.pem"
        generate_key(member_key_path)
        member_key = load_key(
            replace(settings, dkim_key=str(member_key_path), domain="example.com")
        )
        assert member_key is not None
        zone.stop()
        zone = ZoneServer(
            'example.com. 300 IN TXT "v=spf1 ip4:127.0.0.1 -all"\n'
            f'{member_key.dns_name()}. 300 IN TXT "{member_key.dns_value()[:250]}" '
            f'"{member_key.dns_value()[250:]}"\n'
        ).start()
        handler.settings = replace(settings, nameserver=zone.address)
        with transaction(sessions) as s:
            create_community(uow(s, NOW), slug="mx", name="MX Circle", host_address="h@example.com")
        msg = EmailMessage()
        msg["From"], msg["To"] = "Anne <anne@example.com>", f"mx@{DOMAIN}"
        msg["Subject"], msg["Message-ID"] = "Through the MX", "<mx-1@example.com>"
        msg["Date"] = "Wed, 04 Mar 2026 09:00:00 +0000"
        msg.set_content("Hello through Postfix.")
        raw = msg.as_bytes(policy=SMTP)
        raw = dkim.sign(raw, b"kith", b"example.com", member_key.private_pem) + raw
        with smtplib.SMTP("127.0.0.1", postfix_port) as client:
            client.sendmail("anne@example.com", [f"mx@{DOMAIN}"], raw)

        def stored() -> int:
            with sessions() as s:
                return len(s.scalars(select(InboundMessage.id)).all())

        if not wait_for(stored, 1):
            defects.append("inbound: never reached kith smtp")
        else:
            from mail.authentication import authenticate

            with sessions() as s:
                row = s.scalar(select(InboundMessage))
            found = authenticate(handler.settings, row.raw, row.mail_from)
            header = found.header_value(DOMAIN) if found else "(no trace line)"
            rows.append(("inbound results", " ".join(header.split())))
            if not row.raw.endswith(raw.split(b"\r\n\r\n", 1)[1]):
                defects.append("inbound: body changed")
            if "dkim=pass" not in header:
                defects.append("inbound: DKIM no longer verifies after Postfix")

        # 3. Throughput: the same digest copy, straight to the sink and through Postfix.
        digest = next(m.data for m in made if m.purpose == "digest")
        timings = {}
        for label, port in (("direct to the sink", sink.port), ("through Postfix", postfix_port)):
            sink.handler.received.clear()
            start = time.perf_counter()
            transport = SMTPTransport(RelayConfig.from_url(f"smtp://127.0.0.1:{port}"))
            for i in range(args.copies):
                transport.send_raw(digest, f"bounces+{i}@{DOMAIN}", f"m{i}@example.org")
            transport.close()
            if not wait_for(lambda: len(sink.received), args.copies, timeout=600):
                defects.append(f"throughput: {label} lost copies")
            timings[label] = time.perf_counter() - start
        direct, relayed = timings["direct to the sink"], timings["through Postfix"]
        rows += [
            ("copies, digest size (bytes)", f"{args.copies}, {len(digest):,}"),
            ("direct msg/s", f"{args.copies / direct:,.0f}"),
            ("through Postfix msg/s (until relayed)", f"{args.copies / relayed:,.0f}"),
            ("ratio Postfix / direct", f"{direct / relayed:.2f}x"),
        ]
        warnings = postfix.warnings()
        rows += [
            ("Postfix warnings/deferrals/bounces", len(warnings)),
            ("defects", len(defects)),
            ("peak memory (MB)", f"{max_rss_mb():.0f}"),
        ]
        for line in defects + warnings[:20]:
            print("  !", line)
        report("mail through Postfix", rows)
        raise SystemExit(1 if defects or warnings else 0)
    finally:
        kith_smtp.stop()
        handler.close()
        postfix.stop()
        sink.stop()
        zone.stop()


if __name__ == "__main__":
    main()
