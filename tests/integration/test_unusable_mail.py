"""Unusable and oversized mail through real SMTP: never posted, never answered."""

from sqlalchemy import select

from community.models import HeldMessage, InboundMessage, InboundStatus, Post

from ..unit.test_hostile_input import nested_messages
from . import test_inbound

# The community of three, its SMTP server and its relay, as the inbound tests set them up.
circle = test_inbound.circle
ready = test_inbound.ready
server = test_inbound.server


def _stored(db):
    db.expire_all()
    rows = list(db.scalars(select(InboundMessage).order_by(InboundMessage.id)))
    db.commit()
    return rows


def test_mail_without_a_sender_is_rejected_and_nobody_is_written_to(server, ready, db, work):
    relay = ready
    raw = b"To: circle@kith.example\r\nSubject: Hello\r\n\r\nHello everyone.\r\n"
    server.send(raw, ["circle@kith.example"], mail_from="anne@example.com")
    work()
    [row] = _stored(db)
    assert row.status == InboundStatus.DISCARDED and row.outcome.startswith("rejected: no usable")
    assert db.scalars(select(Post)).all() == [] and relay.received == []


def test_mail_without_a_body_is_rejected(server, ready, db, work):
    relay = ready
    server.send(
        b"From: Anne <anne@example.com>\r\nTo: circle@kith.example\r\nSubject: Re: x\r\n\r\n",
        ["circle@kith.example"],
    )
    work()
    [row] = _stored(db)
    assert row.status == InboundStatus.DISCARDED and "no body" in row.outcome
    assert relay.received == []


def test_a_member_message_too_deep_to_read_is_held_for_the_host(server, ready, db, work):
    relay = ready
    raw = nested_messages(300).replace(b"Top Sender <top@", b"Anne <anne@")
    raw = (b"To: circle@kith.example\n" + raw).replace(b"\n", b"\r\n")
    server.send(raw, ["circle@kith.example"])
    work()
    [row] = _stored(db)
    assert row.status == InboundStatus.HELD
    held = db.scalar(select(HeldMessage))
    db.commit()
    assert "nested MIME containers" in held.reason
    assert [r.rcpt_tos for r in relay.received] == [["hana@example.com"]]  # the host only


def test_mail_parse_json_names_what_was_trimmed_and_why_mail_is_rejected(tmp_path):
    import json
    import os
    import subprocess
    import sys

    reply = tmp_path / "reply.eml"
    reply.write_bytes(
        b"From: Bart <bart@example.org>\r\nTo: circle@kith.example\r\nSubject: Re: x\r\n\r\n"
        b"Count me in.\r\n\r\nOn Tue, 3 Mar 2026 at 09:12, Anne <anne@example.com> wrote:\r\n"
        b"> Who is coming?\r\n"
    )
    unusable = tmp_path / "unusable.eml"
    unusable.write_bytes(b"To: circle@kith.example\r\nSubject: Hi\r\n\r\nHello.\r\n")
    out = subprocess.run(
        [sys.executable, "-m", "cli", "mail", "parse", str(reply), str(unusable), "--json"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "KITH_DATA_DIR": str(tmp_path / "d")},
    )
    first, second = (json.loads(line) for line in out.stdout.splitlines())
    assert (first["kind"], first["reply"]) == ("post", "Count me in.")
    assert [t["rule"] for t in first["trimmed"]] == ["text:attribution", "text:quote"]
    assert first["trimmed"][1]["text"] == "> Who is coming?"
    assert second["kind"] == "reject" and second["reason"].startswith("no usable sender")
    assert out.stderr == ""
