"""`kith dkim generate` and `kith doctor` against a real DNS server on loopback."""

from __future__ import annotations

import re

import dkim
import pytest

from mail.resolver import dkim_lookup, make_resolver

from ..dnsserver import ZoneServer
from ..helpers import run_kith

SOA = "kith.example. 300 IN SOA ns.kith.example. host.kith.example. 1 3600 600 86400 300\n"


@pytest.fixture
def zone():
    servers: list[ZoneServer] = []

    def serve(text: str) -> ZoneServer:
        for s in servers:
            s.stop()
        servers.append(ZoneServer(SOA + text).start())
        return servers[-1]

    yield serve
    for s in servers:
        s.stop()


def published_records(output: str) -> list[str]:
    tail = output.split("Publish these records", 1)[-1]
    return [line for line in tail.splitlines() if re.match(r"\S+\. IN ", line)]


def test_doctor_says_what_to_publish_and_is_satisfied_once_it_is(settings, zone):
    made = run_kith(settings, "dkim", "generate")
    assert made.returncode == 0, made.stderr
    [dkim_record] = [line for line in made.stdout.splitlines() if "_domainkey" in line]
    assert dkim_record.startswith("kith._domainkey.kith.example. IN TXT (")
    assert run_kith(settings, "dkim", "generate").returncode == 2  # never replaced silently

    dns = zone("")
    env = {"KITH_NAMESERVER": dns.address, "KITH_HELO_NAME": "mail.kith.example"}
    first = run_kith(settings, "doctor", "--sending-ip", "127.0.0.1", **env)
    assert first.returncode == 1, first.stdout + first.stderr
    for name in ("mx", "spf", "dkim", "dmarc", "rdns"):
        assert re.search(rf"\[fail\] {name}\b", first.stdout), first.stdout
    records = published_records(first.stdout)
    assert dkim_record in records
    assert 'kith.example. IN TXT ( "v=spf1 ip4:127.0.0.1 ~all" )' in records
    assert "kith.example. IN MX 10 mail.kith.example." in records

    # The host publishes exactly that (and their provider sets the PTR).
    dns = zone(
        "\n".join(records)
        + "\nmail.kith.example. 300 IN A 127.0.0.1"
        + "\n1.0.0.127.in-addr.arpa. 300 IN PTR mail.kith.example.\n"
    )
    env["KITH_NAMESERVER"] = dns.address
    second = run_kith(settings, "doctor", "--sending-ip", "127.0.0.1", **env)
    assert second.returncode == 0, second.stdout + second.stderr
    for name in ("mx", "spf", "dkim", "dmarc", "rdns"):
        assert re.search(rf"\[ ok \] {name}\b", second.stdout), second.stdout
    assert "127.0.0.1 passes" in second.stdout and "Nothing to publish." in second.stdout

    # A key that no longer matches the record is caught.
    assert run_kith(settings, "dkim", "generate", "--force").returncode == 0
    third = run_kith(settings, "doctor", **env)
    assert re.search(r"\[fail\] dkim .*publishes another key", third.stdout), third.stdout


def test_signed_mail_verifies_against_the_record_served_by_dns(settings, zone, tmp_path):
    """dkimpy, as a receiver runs it, fetches the key over DNS and checks a message."""
    from dataclasses import replace

    from mail.doctor import txt_record
    from mail.outbound.signing import generate_key, load_key, sign

    keyed = replace(settings, dkim_key=str(tmp_path / "k.pem"))
    generate_key(tmp_path / "k.pem")
    key = load_key(keyed)
    dns = zone(txt_record(key.dns_name(), key.dns_value()) + "\n")
    msg = (
        b"From: Circle <circle@kith.example>\r\nTo: anne@example.com\r\nSubject: Hi\r\n"
        b"Date: Wed, 04 Mar 2026 09:00:00 +0000\r\nMessage-ID: <x@kith.example>\r\n\r\nHello\r\n"
    )
    signed = sign(keyed, msg)
    assert dkim.verify(signed, dnsfunc=dkim_lookup(make_resolver(dns.address)))
    assert not dkim.verify(
        signed.replace(b"Hello", b"Hullo"), dnsfunc=dkim_lookup(make_resolver(dns.address))
    )
