"""A conversation threads in a real client (NeoMutt) for every member, the author's
own sent copy included: two mail stores, as the author and a replier hold them."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from aiosmtpd.controller import Controller

from community import members
from community.communities import get_community
from community.db import transaction
from jobs.queues import enqueue_inbound
from mail.inbound.handler import InboundHandler

from ..helpers import uow
from ..neomutt import is_reply_in_tree, thread_view, write_mbox
from ..sink import free_port


@pytest.fixture
def kith_smtp(settings, relay, sessions, make_community):
    from datetime import UTC, datetime

    make_community(slug="circle")
    with transaction(sessions) as s:
        c = get_community(s, "circle")
        for a in ("anne@example.com", "bart@example.org", "chen@example.net"):
            members.add_member(uow(s, datetime.now(UTC), settings.domain), c, a)
    handler = InboundHandler(settings, sessions, lambda ids: enqueue_inbound(settings, ids))
    port = free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()

    def send(raw: bytes, sender: str, to: str) -> None:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail(sender, [to], raw)
        handler.enqueuer.wait_idle()

    yield send
    server.stop()
    handler.close()


def written(author: str, to: str, subject: str, text: str, mid: str, answering=None) -> bytes:
    """What a member's client sends, and keeps in their Sent folder."""
    msg = EmailMessage(policy=SMTP)
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = author, to, subject, mid
    msg["Date"] = "Wed, 04 Mar 2026 09:00:00 +0000"
    if answering is not None:  # as clients do: parent's id, parent's references + it
        msg["In-Reply-To"] = answering["Message-ID"]
        refs = [*(answering["References"] or "").split(), answering["Message-ID"]]
        msg["References"] = " ".join(refs)
    msg.set_content(text)
    return msg.as_bytes()


def test_author_and_members_see_one_thread_with_their_own_sent_copies(
    kith_smtp, relay, work, tmp_path
):
    def inbox(address: str) -> list[bytes]:
        return [r.data for r in relay.received if r.rcpt_tos == [address]]

    def last_copy(address: str):
        return relay.to(address)[-1]

    work()
    relay.handler.received.clear()  # welcome mails
    anne_sent = written(
        "Anne <anne@example.com>",
        "circle@kith.example",
        "Goals for March",
        "Beta by Friday.",
        "<goals-anne-1@example.com>",
    )
    kith_smtp(anne_sent, "anne@example.com", "circle@kith.example")
    work()
    bart_sent = written(
        "Bart <bart@example.org>",
        str(last_copy("bart@example.org")["Reply-To"]),
        "Re: Goals for March",
        "Review on Thursday.",
        "<review-bart-1@example.org>",
        answering=last_copy("bart@example.org"),
    )
    kith_smtp(
        bart_sent,
        "bart@example.org",
        last_copy("bart@example.org")["Reply-To"].addresses[0].addr_spec,
    )
    work()
    chen_sent = written(
        "Chen <chen@example.net>",
        "circle@kith.example",
        "Re: Goals for March",
        "Count me in.",
        "<in-chen-1@example.net>",
        answering=last_copy("chen@example.net"),
    )
    kith_smtp(chen_sent, "chen@example.net", "circle@kith.example")
    work()

    # Anne: her Sent folder and her inbox, in one view (as Gmail or Thunderbird show it).
    anne_view = thread_view(
        write_mbox(tmp_path / "anne.mbox", [anne_sent, *inbox("anne@example.com")])
    )
    # Bart: the copy of Anne's post, his own reply, Chen's answer.
    bart_view = thread_view(
        write_mbox(tmp_path / "bart.mbox", [bart_sent, *inbox("bart@example.org")])
    )
    for view in (anne_view, bart_view):
        assert len(view) == 3, view
        roots = [line for line in view if not is_reply_in_tree(line)]
        assert roots == ["Goals for March"], view
