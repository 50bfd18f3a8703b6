"""Outbound delivery through RQ to a real SMTP relay: retries, refusals, lost jobs, crashes."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import update

from community import members, outbox
from community.db import transaction
from community.models import OutboundMessage, SendStatus
from jobs import outbound, queues
from jobs.queues import enqueue_delivery

from ..helpers import fresh, kill_process_tree, ledger, member, start_worker

NOW = datetime.now(UTC)


@pytest.fixture
def circle(make_community):
    return make_community(slug="circle", capacity=30)


def join(sessions, settings, *addresses):
    from community.communities import get_community
    from jobs.runtime import runtime

    with runtime().units.open() as work:  # dispatched to delivery once committed
        c = get_community(work.session, "circle")
        for a in addresses:
            members.request_join(work, c, a, mails_per_hour=3)
        ids = [r.id for r in work.queued]
    return ids


def test_mail_reaches_the_relay_with_standard_headers(circle, relay, sessions, settings, work, db):
    [row_id] = join(sessions, settings, "anne@example.com")
    work()
    [got] = relay.received
    msg = got.message
    assert got.mail_from == f"bounces+{row_id}@kith.example"  # VERP
    assert got.rcpt_tos == ["anne@example.com"]
    assert msg["From"].addresses[0].addr_spec == "circle@kith.example"
    assert msg["Message-ID"] == ledger(db)[0].message_id
    assert msg["List-Id"] == "Morning Circle <circle.kith.example>"
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Date"]
    assert msg.get_content_type() == "multipart/alternative"
    assert {p.get_content_type() for p in msg.iter_parts()} == {"text/plain", "text/html"}
    [row] = ledger(db)
    assert row.status == SendStatus.SENT and row.last_reply.startswith("250")


def test_one_connection_serves_a_batch(circle, relay, sessions, settings, work):
    join(sessions, settings, *(f"p{i}@example.com" for i in range(8)))
    work()
    assert len(relay.received) == 8
    assert relay.handler.connections == 1


def test_temporary_refusal_is_retried_with_backoff(circle, relay, sessions, settings, work, db):
    relay.handler.rcpt_replies["anne@example.com"] = "451 4.2.1 Mailbox busy, try later"
    join(sessions, settings, "anne@example.com")
    work()
    [row] = ledger(db)
    assert row.status == SendStatus.PENDING and row.attempts == 1
    assert row.last_reply.startswith("451")
    assert row.next_attempt_at > datetime.now(UTC) + timedelta(seconds=50)
    # The retry lives in the ledger alone: nothing waits in Redis for later, so a
    # flushed Redis or a killed scheduler cannot lose it.
    scheduled = ScheduledJobRegistry(queue=queues.queue(settings, queues.OUTBOUND))
    assert scheduled.get_job_ids() == []
    assert outbound.sweep() == 0  # not due yet

    # Later the mailbox accepts; once due, the sweeper hands the row out and it goes once.
    relay.handler.rcpt_replies.clear()
    with transaction(sessions) as s:
        s.execute(update(OutboundMessage).values(next_attempt_at=datetime.now(UTC)))
    assert outbound.sweep() == 1
    work()
    assert len(relay.received) == 1
    assert ledger(db)[0].status == SendStatus.SENT


def test_permanent_refusal_is_recorded_and_not_retried(circle, relay, sessions, settings, work, db):
    relay.handler.rcpt_replies["anne@example.com"] = "550 5.1.1 No such user"
    join(sessions, settings, "anne@example.com", "bart@example.org")
    work()
    rows = {r.recipient: r for r in ledger(db)}
    assert rows["anne@example.com"].status == SendStatus.FAILED
    assert rows["anne@example.com"].last_reply == "550 5.1.1 No such user"
    assert rows["bart@example.org"].status == SendStatus.SENT  # the batch went on
    assert outbound.sweep() == 0


@pytest.mark.parametrize(
    "reply, bounce",
    [
        ("550 5.1.1 No such user", True),  # the mailbox: a hard bounce
        ("552 5.2.2 Mailbox full", True),
        ("554 5.7.1 Rejected by policy", False),  # about us or the message, not them
    ],
)
def test_immediate_refusal_of_the_recipient_counts_as_a_hard_bounce(
    circle, relay, sessions, settings, work, db, reply, bounce
):
    from community.bounces import HARD_BOUNCE

    relay.handler.rcpt_replies["anne@example.com"] = reply
    join(sessions, settings, "anne@example.com")
    work()
    anne = member(db, "anne@example.com")
    assert anne.bounce_score == (HARD_BOUNCE if bounce else 0)
    assert (anne.last_bounce_at is not None) is bounce


def test_unreachable_relay_is_a_transient_failure(circle, settings, sessions, work, db):
    from dataclasses import replace

    from jobs import runtime
    from tests.sink import free_port

    runtime.configure(replace(settings, smtp_url=f"smtp://127.0.0.1:{free_port()}"))
    join(sessions, settings, "anne@example.com")
    run = __import__("tests.conftest", fromlist=["run_jobs"]).run_jobs
    run(settings)
    [row] = ledger(db)
    assert row.status == SendStatus.PENDING and "cannot reach relay" in row.last_reply


def test_sweeper_recovers_rows_whose_job_was_lost(
    circle, relay, sessions, settings, work, db, redis
):
    join(sessions, settings, "anne@example.com")
    redis.flushdb()  # Redis lost the queue
    work()
    assert relay.received == []
    assert outbound.sweep() == 0  # not overdue yet: its job may still be on its way
    with transaction(sessions) as s:
        s.execute(
            update(OutboundMessage).values(next_attempt_at=datetime.now(UTC) - timedelta(minutes=2))
        )
    assert outbound.sweep() == 1
    assert outbound.sweep() == 1  # a second sweep enqueues again ...
    work()
    assert len(relay.received) == 1  # ... but the ledger sends once
    assert outbound.sweep() == 0


def test_delivering_the_same_rows_twice_sends_once(circle, relay, sessions, settings, work):
    ids = join(sessions, settings, "anne@example.com", "bart@example.org")
    enqueue_delivery(settings, ids)
    outbound.deliver(ids)
    work()
    assert sorted(r.rcpt_tos[0] for r in relay.received) == ["anne@example.com", "bart@example.org"]


def test_worker_killed_mid_send_loses_nothing_and_sends_once(
    circle, relay, sessions, settings, db, tmp_path
):
    """A real forking `kith worker` is killed while the relay is mid-DATA."""
    relay.handler.data_delay = 30
    [row_id] = join(sessions, settings, "anne@example.com")
    proc = start_worker(settings, KITH_SMTP_URL=relay.url)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row = fresh(db, OutboundMessage, row_id)
            if row.locked_until is not None:
                break
            time.sleep(0.1)
        assert row.locked_until is not None, "worker never claimed the row"
        time.sleep(0.5)  # it is now waiting for the relay's answer to DATA
    finally:
        kill_process_tree(proc.pid)
        proc.wait()
    assert relay.received == []
    row = fresh(db, OutboundMessage, row_id)
    assert row.status == SendStatus.PENDING and row.attempts == 1
    assert row.handed_at is not None  # in flight at the kill: the one copy that may repeat

    relay.handler.data_delay = 0
    # The dead worker's lease runs out; the sweeper hands the row to a new worker.
    with transaction(sessions) as s:
        s.execute(
            update(OutboundMessage).values(
                locked_until=datetime.now(UTC) - timedelta(minutes=3),
                next_attempt_at=datetime.now(UTC) - timedelta(minutes=3),
            )
        )
    assert outbound.sweep() == 1
    from tests.conftest import run_jobs

    run_jobs(settings)
    deadline = time.monotonic() + 10
    while len(relay.received) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(relay.received) == 1
    assert fresh(db, OutboundMessage, row_id).status == SendStatus.SENT


def test_a_live_worker_keeps_its_lease_through_a_slow_relay(
    circle, relay, sessions, settings, work, db, monkeypatch
):
    """The lease is short, but renewed: a slow send is never handed out twice."""
    import threading

    monkeypatch.setattr(outbox, "LEASE", timedelta(seconds=1.5))
    relay.handler.data_delay = 4.0
    [row_id] = join(sessions, settings, "anne@example.com")
    sending = threading.Thread(target=outbound.deliver, args=([row_id],))
    sending.start()
    try:
        deadline = time.monotonic() + 10
        while fresh(db, OutboundMessage, row_id).handed_at is None:
            assert time.monotonic() < deadline, "the copy was never handed over"
            time.sleep(0.05)
        swept = []
        while sending.is_alive():
            swept.append(outbound.sweep())
            time.sleep(0.3)
    finally:
        sending.join()
    assert swept and set(swept) == {0}  # more than a lease went by, and nobody took the row
    work()
    assert len(relay.received) == 1
    assert fresh(db, OutboundMessage, row_id).status == SendStatus.SENT


def test_a_worker_that_lost_its_lease_withdraws_before_the_final_dot(relay):
    """Dropping the connection mid-DATA makes the relay discard the message."""
    from mail.outbound.send import HandoverRefused, RelayConfig, SMTPTransport

    transport = SMTPTransport(RelayConfig.from_url(relay.url))
    message = b"From: a@kith.example\r\nTo: anne@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    with pytest.raises(HandoverRefused):
        transport.send_raw(message, "bounces@kith.example", "anne@example.com", lambda: False)
    assert transport.send_raw(message, "bounces@kith.example", "bart@example.org", lambda: True)
    transport.close()
    assert [r.rcpt_tos for r in relay.received] == [["bart@example.org"]]
