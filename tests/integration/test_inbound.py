"""Members take part by email alone: real SMTP in, real worker, real SMTP out."""

import os
import smtplib
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

import pytest
from rq.registry import StartedJobRegistry
from sqlalchemy import select, text, update

from community import members
from community.db import make_engine, make_session_factory, transaction
from community.models import (
    DeliveryStatus,
    HeldMessage,
    InboundMessage,
    InboundStatus,
    Member,
    MemberStatus,
    Post,
    Thread,
)
from jobs import inbound, queues
from jobs.queues import enqueue_inbound
from mail.inbound.handler import InboundHandler
from mail.inbound.server import build_controller

from ..helpers import Signup, fresh, kill_process_tree, link_to, start_worker, uow
from ..sink import free_port

DOMAIN = "kith.example"


class Server:
    """Kith's SMTP server as `kith smtp` builds it, on a free port."""

    def __init__(self, settings, sessions):
        self.port = free_port()
        self.handler = InboundHandler(
            settings, sessions, lambda ids: enqueue_inbound(settings, ids)
        )
        self.controller = build_controller(settings, self.handler, host="127.0.0.1", port=self.port)

    def send(self, msg, rcpt, mail_from="anne@example.com"):
        raw = msg if isinstance(msg, bytes) else msg.as_bytes(policy=SMTP)
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as client:
            refused = client.sendmail(mail_from, rcpt, raw)
        self.handler.enqueuer.wait_idle()  # the processing job is queued after the 250
        return refused


@pytest.fixture
def server(settings, runtime):
    s = Server(settings, runtime.sessions)
    s.controller.start()
    yield s
    s.controller.stop()
    s.handler.close()


@pytest.fixture
def circle(make_community, sessions, settings):
    c = make_community(slug="circle", capacity=30)
    with transaction(sessions) as s:
        for address, name in [
            ("anne@example.com", "Anne"),
            ("bart@example.org", "Bart"),
            ("cleo@example.net", "Cleo"),
        ]:
            members.add_member(uow(s, datetime.now(UTC), DOMAIN), c, address, display_name=name)
    return c


@pytest.fixture
def ready(circle, relay, work, db):
    """A community of three plus its host; the welcome mails are out of the way."""
    work()
    relay.handler.received.clear()
    return relay


def mail(sender, to, subject, body, **headers):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=sender.split("@")[-1].strip(">"))
    msg["Date"] = "Tue, 03 Mar 2026 09:12:00 +0000"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def posts(db):
    db.expire_all()
    rows = list(db.scalars(select(Post).order_by(Post.id)))
    db.commit()
    return rows


def stored(db):
    db.expire_all()
    rows = list(db.scalars(select(InboundMessage).order_by(InboundMessage.id)))
    db.commit()
    return rows


def test_unknown_and_foreign_recipients_are_refused_at_rcpt(server, circle, db):
    for rcpt, code in [("nobody@kith.example", 550), ("friend@elsewhere.example", 550)]:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
            server.send(mail("anne@example.com", rcpt, "Hi", "Hello"), [rcpt])
        assert info.value.recipients[rcpt][0] == code
    assert stored(db) == []


def test_conversation_by_email_alone(server, ready, db, work):
    relay = ready
    first = mail(
        "Anne <anne@example.com>",
        "circle@kith.example",
        "Goals for March",
        "I want to ship the beta by Friday.\n\nAnne",
    )
    server.send(first, ["circle@kith.example"])
    assert len(stored(db)) == 1  # durable before the 250
    work()
    [post] = posts(db)
    assert post.body.startswith("I want to ship the beta by Friday.")
    copies = {r.rcpt_tos[0]: r.message for r in relay.received}
    assert set(copies) == {"bart@example.org", "cleo@example.net", "hana@example.com"}
    bart_copy = copies["bart@example.org"]
    sender = bart_copy["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (
        "Anne via Morning Circle",
        "circle@kith.example",
    )
    # The author's own Message-ID, so Anne's sent copy and the replies thread together.
    assert bart_copy["Message-ID"] == post.message_id != post.list_message_id
    assert bart_copy["List-Id"] == "Morning Circle <circle.kith.example>"
    assert bart_copy["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert bart_copy["Auto-Submitted"] is None and bart_copy["Precedence"] == "list"
    reply_to = bart_copy["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("circle+t-") and reply_to.endswith("@kith.example")

    # Bart answers from his mail client: top-posted, with the quote below.
    relay.handler.received.clear()
    answer = mail(
        "Bart <Bart@Example.org>",
        reply_to,
        "Re: Goals for March",
        "Go for it, I will review on Thursday.\n\n"
        "On Tue, 3 Mar 2026 at 09:12, Anne via Morning Circle "
        "<circle@kith.example> wrote:\n> I want to ship the beta by Friday.\n",
        In_Reply_To=bart_copy["Message-ID"],
        References=bart_copy["Message-ID"],
    )
    server.send(answer, [reply_to], mail_from="bart@example.org")
    work()
    first_post, second = posts(db)
    assert second.thread_id == first_post.thread_id
    assert second.body == "Go for it, I will review on Thursday."
    assert "ship the beta" in second.full_text  # nothing the member wrote is lost
    anne_copy = next(r.message for r in relay.received if r.rcpt_tos == ["anne@example.com"])
    assert anne_copy["Subject"] == "Re: Goals for March"
    assert anne_copy["In-Reply-To"] == first_post.message_id
    assert first_post.message_id in anne_copy["References"]
    assert "Go for it" in anne_copy.get_body(("plain",)).get_content()
    assert "On Tue, 3 Mar" not in anne_copy.get_body(("plain",)).get_content()
    assert {r.rcpt_tos[0] for r in relay.received} == {
        "anne@example.com",
        "cleo@example.net",
        "hana@example.com",
    }


def test_reply_found_by_in_reply_to_without_a_token(server, ready, db, work):
    relay = ready
    server.send(
        mail("anne@example.com", "circle@kith.example", "Books", "What are you reading?"),
        ["circle@kith.example"],
    )
    work()
    copy = next(r.message for r in relay.received if r.rcpt_tos == ["cleo@example.net"])
    server.send(
        mail(
            "cleo@example.net",
            "circle@kith.example",
            "Re: Books",
            "Dune, again.",
            In_Reply_To=copy["Message-ID"],
        ),
        ["circle@kith.example"],
        mail_from="cleo@example.net",
    )
    work()
    a, b = posts(db)
    assert a.thread_id == b.thread_id


def test_auto_reply_is_never_posted_nor_answered(server, ready, db, work):
    relay = ready
    server.send(
        mail(
            "bart@example.org",
            "circle@kith.example",
            "Out of office",
            "I am away until Monday.",
            Auto_Submitted="auto-replied",
        ),
        ["circle@kith.example"],
        mail_from="bart@example.org",
    )
    work()
    assert posts(db) == [] and relay.received == []
    [row] = stored(db)
    assert row.status == InboundStatus.DISCARDED and "auto" in row.outcome


def test_our_own_mail_coming_back_is_a_loop(server, ready, db, work):
    relay = ready
    looped = mail(
        "circle@kith.example",
        "circle@kith.example",
        "Hello",
        "echo",
        List_Id="Morning Circle <circle.kith.example>",
    )
    server.send(looped, ["circle@kith.example"], mail_from="circle@kith.example")
    work()
    assert posts(db) == [] and relay.received == []
    assert stored(db)[0].status == InboundStatus.DISCARDED


def dsn(recipient, status_code="5.1.1", action="failed"):
    return (
        "From: MAILER-DAEMON@mx.example.org\r\n"
        "To: bounces@kith.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.example.org')}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\n"
        f"Status: {status_code}\r\nDiagnostic-Code: smtp; 550 no such user\r\n"
        "\r\n--b1--\r\n"
    ).encode()


def test_bounces_raise_the_score_then_stop_delivery_and_tell_the_host(server, ready, db, work):
    relay = ready
    for _ in range(3):
        server.send(dsn("cleo@example.net"), ["bounces@kith.example"], mail_from="")
        work()
    cleo = db.scalar(select(Member).where(Member.address == "cleo@example.net"))
    db.commit()
    assert cleo.status == MemberStatus.ACTIVE and cleo.bounce_score >= 5
    assert cleo.delivery_status == DeliveryStatus.BOUNCING
    notices = [r for r in relay.received if r.rcpt_tos == ["hana@example.com"]]
    assert len(notices) == 1 and "bouncing" in notices[0].message["Subject"]
    assert all(r.rcpt_tos != ["cleo@example.net"] for r in relay.received)
    # Posts no longer go to Cleo.
    relay.handler.received.clear()
    server.send(
        mail("anne@example.com", "circle@kith.example", "Hi", "Hello all"), ["circle@kith.example"]
    )
    work()
    assert "cleo@example.net" not in {r.rcpt_tos[0] for r in relay.received}


def test_non_member_is_held_for_the_host_and_never_answered(server, ready, db, work, client):
    relay = ready
    server.send(
        mail(
            "Zed <zed@example.com>", "circle@kith.example", "Can I join?", "I'd love to take part."
        ),
        ["circle@kith.example"],
        mail_from="zed@example.com",
    )
    work()
    assert posts(db) == []
    [notice] = [r.message for r in relay.received]
    assert notice["To"] == "hana@example.com" and "Held" in notice["Subject"]
    assert all(r.rcpt_tos != ["zed@example.com"] for r in relay.received)  # no backscatter
    [row] = stored(db)
    assert row.status == InboundStatus.HELD

    relay.handler.received.clear()
    approve = link_to(notice, "/host/held/")
    Signup(client).follow(approve)
    [post] = posts(db)
    assert post.author_id is None and post.author_address == "zed@example.com"
    assert fresh(db, InboundMessage, row.id).status == InboundStatus.PROCESSED
    work()
    assert {r.rcpt_tos[0] for r in relay.received} == {
        "anne@example.com",
        "bart@example.org",
        "cleo@example.net",
        "hana@example.com",
    }
    zed = db.scalar(select(Member).where(Member.address == "zed@example.com"))
    db.commit()
    assert zed is None  # publishing does not make them a member


def test_forged_token_is_held(server, ready, db, work):
    relay = ready
    server.send(
        mail("anne@example.com", "circle+t-1-1-aaaaaaaaaaaaaaaa@kith.example", "Re: x", "Sneaky"),
        ["circle+t-1-1-aaaaaaaaaaaaaaaa@kith.example"],
    )
    work()
    assert posts(db) == []
    held = db.scalar(select(HeldMessage))
    db.commit()
    assert "forged" in held.reason
    assert [r.rcpt_tos for r in relay.received] == [["hana@example.com"]]


def test_oversize_message_is_refused_at_data_and_not_stored(settings, runtime, circle, db):
    small = replace(settings, inbound_max_bytes=20_000)
    s = Server(small, runtime.sessions)
    s.controller.start()
    try:
        big = mail("anne@example.com", "circle@kith.example", "Big", "x" * 50_000)
        with pytest.raises(smtplib.SMTPException) as info:
            s.send(big, ["circle@kith.example"])
        assert "552" in str(info.value)
    finally:
        s.controller.stop()
    assert stored(db) == []


def test_duplicate_delivery_is_stored_and_processed_once(server, ready, db, work):
    relay = ready
    msg = mail("anne@example.com", "circle@kith.example", "Once", "Only once please")
    server.send(msg, ["circle@kith.example"])
    msg["Received"] = "from relay2.example.org by mx.kith.example; Tue, 3 Mar 2026 09:13 +0000"
    server.send(msg, ["circle@kith.example"])  # the sender's MTA retried via another path
    work()
    assert len(stored(db)) == 1 and len(posts(db)) == 1
    assert len(relay.received) == 3


def test_storage_failure_answers_451_so_the_sender_retries(settings, circle):
    broken = make_session_factory(make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    s = Server(settings, broken)
    s.handler.sessions = broken
    s.handler._slugs, s.handler._slugs_at = frozenset({"circle"}), time.monotonic()
    s.controller.start()
    try:
        with pytest.raises(smtplib.SMTPDataError) as info:
            s.send(
                mail("anne@example.com", "circle@kith.example", "Hi", "x"), ["circle@kith.example"]
            )
        assert info.value.smtp_code == 451
    finally:
        s.controller.stop()


def test_lost_processing_job_is_recovered_by_the_sweeper(server, ready, db, work, redis):
    server.send(
        mail("anne@example.com", "circle@kith.example", "Hi", "Hello"), ["circle@kith.example"]
    )
    redis.flushdb()  # the job vanished with Redis
    work()
    assert posts(db) == []
    assert inbound.sweep() == 0  # too fresh: its job may still be coming
    with transaction(make_session_factory(db.get_bind())) as s:
        s.execute(
            update(InboundMessage).values(received_at=datetime.now(UTC) - timedelta(minutes=5))
        )
    assert inbound.sweep() == 1
    assert inbound.sweep() == 1  # twice enqueued ...
    work()
    assert len(posts(db)) == 1  # ... once processed
    assert inbound.sweep() == 0


def test_worker_killed_mid_processing_loses_nothing(server, ready, db, settings, sessions):
    """A real forking worker is killed while its processing transaction is open."""
    server.send(
        mail("anne@example.com", "circle@kith.example", "Hi", "Hello"), ["circle@kith.example"]
    )
    blocker = make_engine(settings.effective_database_url)
    conn = blocker.connect()
    conn.begin()  # on SQLite: BEGIN IMMEDIATE takes the write lock, so the job waits
    if blocker.dialect.name != "sqlite":
        conn.execute(text("LOCK TABLE posts IN EXCLUSIVE MODE"))  # the job waits to post
    proc = start_worker(settings)
    try:
        started = StartedJobRegistry(queue=queues.queue(settings, queues.INBOUND))
        deadline = time.monotonic() + 30
        while not started.get_job_ids() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.get_job_ids(), "the worker never started the job"
        time.sleep(0.5)
    finally:
        kill_process_tree(proc.pid)
        proc.wait()
        conn.rollback()
        conn.close()
        blocker.dispose()
    [row] = stored(db)
    assert row.status == InboundStatus.RECEIVED and posts(db) == []

    with transaction(sessions) as s:
        s.execute(
            update(InboundMessage).values(received_at=datetime.now(UTC) - timedelta(minutes=5))
        )
    assert inbound.sweep() == 1
    from ..conftest import run_jobs

    run_jobs(settings)
    assert len(posts(db)) == 1
    assert stored(db)[0].status == InboundStatus.PROCESSED


def test_one_message_to_two_communities_posts_in_both(
    server, ready, make_community, sessions, db, work
):
    other = make_community(slug="writers", name="Writers", host_address="hana@example.com")
    with transaction(sessions) as s:
        members.add_member(uow(s, datetime.now(UTC), DOMAIN), other, "anne@example.com")
    work()
    rcpts = ["circle@kith.example", "writers@kith.example"]
    server.send(mail("anne@example.com", ", ".join(rcpts), "Both", "Hello both"), rcpts)
    work()
    found = posts(db)
    communities = {fresh(db, Thread, p.thread_id).community_id for p in found}
    assert len(found) == 2 and communities == {other.id, ready_circle_id(db)}


def ready_circle_id(db):
    from community.models import Community

    cid = db.scalar(select(Community.id).where(Community.slug == "circle"))
    db.commit()
    return cid


def test_starttls_is_offered_with_a_certificate(settings, runtime, circle, db, tmp_path):
    import ssl

    import trustme

    from mail.inbound.server import build_controller

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "mx.kith.example")
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_path))
    cert.private_key_pem.write_to_path(str(key_path))
    tls = replace(
        settings,
        inbound_host="127.0.0.1",
        inbound_port=free_port(),
        tls_cert=str(cert_path),
        tls_key=str(key_path),
    )
    controller = build_controller(tls)
    controller.start()
    try:
        client_ctx = ssl.create_default_context()
        ca.configure_trust(client_ctx)
        with smtplib.SMTP("127.0.0.1", tls.inbound_port, timeout=30) as client:
            client.ehlo("mx.example.org")
            assert client.has_extn("starttls")
            client.starttls(context=client_ctx)
            client.ehlo("mx.example.org")
            client.sendmail(
                "anne@example.com",
                ["circle@kith.example"],
                mail("anne@example.com", "circle@kith.example", "Hi", "Over TLS").as_bytes(
                    policy=SMTP
                ),
            )
    finally:
        controller.stop()
        controller.handler.close()
    assert len(stored(db)) == 1


def test_digest_readers_and_paused_members_get_no_copies(server, ready, db, sessions, work):
    relay = ready
    with transaction(sessions) as s:
        s.execute(
            update(Member)
            .where(Member.address == "bart@example.org")
            .values(delivery_mode="digest")
        )
        s.execute(
            update(Member)
            .where(Member.address == "cleo@example.net")
            .values(delivery_status="paused")
        )
    server.send(
        mail("anne@example.com", "circle@kith.example", "Hi", "Hello"), ["circle@kith.example"]
    )
    work()
    assert [r.rcpt_tos for r in relay.received] == [["hana@example.com"]]


def test_hostile_post_is_escaped_in_the_html_copy(server, ready, db, work):
    relay = ready
    body = "<script>alert('x')</script> <b>bold</b> مرحبا 🎉\n> quoted <i>"
    server.send(
        mail("anne@example.com", "circle@kith.example", "<img src=x onerror=alert(1)>", body),
        ["circle@kith.example"],
    )
    work()
    copy = relay.received[0].message
    html = copy.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>bold" not in html
    assert "<img src=x" not in html
    assert "مرحبا 🎉" in html and "<script>alert('x')</script>" in (
        copy.get_body(("plain",)).get_content()
    )


def test_mail_parse_command_prints_json_per_file(settings, tmp_path):
    import json

    first = tmp_path / "one.eml"
    first.write_bytes(
        mail(
            "Anne <anne@example.com>",
            "circle@kith.example",
            "Goals",
            "New text.\n\nOn Mon, 2 Mar 2026 at 08:00, Bart <bart@example.org> "
            "wrote:\n> old text\n",
        ).as_bytes(policy=SMTP)
    )
    second = tmp_path / "two.eml"
    second.write_bytes(
        mail(
            "bart@example.org",
            "circle@kith.example",
            "Away",
            "Back Monday.",
            Auto_Submitted="auto-replied",
        ).as_bytes(policy=SMTP)
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "mail",
            "parse",
            str(first),
            str(second),
            "--json",
            "--domain",
            "kith.example",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "KITH_DATA_DIR": str(tmp_path / "d")},
    ).stdout.splitlines()
    a, b = (json.loads(line) for line in out)
    assert (a["file"], a["kind"], a["reply"], a["from"], a["subject"]) == (
        str(first),
        "post",
        "New text.",
        "anne@example.com",
        "Goals",
    )
    assert "old text" in a["full_text"] and a["message_id"].startswith("<")
    assert b["kind"] == "auto_reply" and "in_reply_to" in b
    missing = subprocess.run(
        [sys.executable, "-m", "cli", "mail", "parse", "/nonexistent"],
        capture_output=True,
        text=True,
        env={**os.environ, "KITH_DATA_DIR": str(tmp_path / "d")},
    )
    assert missing.returncode == 2 and "cannot read" in missing.stderr  # bad input


def test_the_host_replying_through_their_own_reply_address_is_posted(server, ready, db, work):
    """The host takes no seat (issue 12), yet is in the circle: their replies go out."""
    relay = ready
    server.send(
        mail("anne@example.com", "circle@kith.example", "Hi", "Hello all"), ["circle@kith.example"]
    )
    work()
    host_copy = next(r.message for r in relay.received if r.rcpt_tos == ["hana@example.com"])
    reply_to = host_copy["Reply-To"].addresses[0].addr_spec
    server.send(
        mail("hana@example.com", reply_to, "Re: Hi", "Welcome, Anne!"),
        [reply_to],
        mail_from="hana@example.com",
    )
    work()
    assert [p.body for p in posts(db)] == ["Hello all", "Welcome, Anne!"]
