"""The weekly rhythm end to end: time travel through weeks, replies by real SMTP, digests."""

import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from community import members
from community.db import transaction
from community.models import (
    Commitment,
    Community,
    DeliveryStatus,
    DigestRun,
    DigestStatus,
    Member,
    MemberStatus,
    OutboundMessage,
    SendStatus,
)
from community.schedule import next_occurrences
from jobs import outbound
from jobs.schedule import enqueue_due_work

from ..conftest import run_jobs
from ..helpers import Signup, kill_process_tree, ledger, link_to, run_kith, start_worker, uow
from .test_inbound import Server, mail

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday of ISO week 2026-W10


class FrozenClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def clock(relay, app):
    """Frozen time for the jobs (run through the relay) and the web app alike."""
    from jobs.runtime import runtime

    frozen = FrozenClock(START)
    runtime().clock = frozen
    app.extensions["kith.units"] = replace(app.extensions["kith.units"], clock=frozen)
    return frozen


@pytest.fixture
def server(settings, runtime):
    s = Server(settings, runtime.sessions)
    s.controller.start()
    yield s
    s.controller.stop()
    s.handler.close()


def make_circle(sessions, slug, tz, people, created=START - timedelta(minutes=1), **schedule):
    from community.communities import create_community

    with transaction(sessions) as s:
        c = create_community(
            uow(s, created),
            slug=slug,
            name=slug.title(),
            host_address=f"host@{slug}.example",
            host_name="Hana",
            timezone=tz,
        )
        for key, value in schedule.items():
            setattr(c, key, value)
        for address, name in people:
            members.add_member(uow(s, created, "kith.example"), c, address, display_name=name)
        return c.id


def next_due_after(moment: datetime) -> datetime | None:
    """The next moment any community has something due (the schedule knows it)."""
    from jobs.runtime import runtime

    with transaction(runtime().sessions, read_only=True) as s:
        found = [
            at
            for community in s.scalars(select(Community))
            for at in next_occurrences(community, moment).values()
        ]
    return min(found, default=None)


def advance(clock, settings, until, schedulers=1, on_tick=None):
    """Move the clock from one due moment to the next up to `until`; at each, run the
    scheduler job(s) and the workers, then let members act (`on_tick`)."""
    while clock.moment < until:
        due = next_due_after(clock.moment)
        clock.moment = min(due, until) if due else until
        enqueued = [enqueue_due_work() for _ in range(schedulers)]
        if any(enqueued):
            run_jobs(settings)
        if on_tick:
            on_tick(clock.moment)


def received(sink, purpose_word):
    return [r for r in sink.received if purpose_word in r.subject]


def by_purpose(db, community_id):
    rows = ledger(db, community_id=community_id)
    return Counter(r.purpose for r in rows)


@pytest.mark.parametrize("tz", ["Europe/Paris", "America/New_York"])
def test_four_weeks_of_loop_and_digests_across_dst(
    tz, clock, settings, sessions, relay, db, server, client, work
):
    people = [
        ("anne@example.com", "Anne"),
        ("bart@example.org", "Bart"),
        ("cleo@example.net", "Cleo"),
    ]
    cid = make_circle(sessions, "circle", tz, people)
    work()
    relay.handler.received.clear()
    local = ZoneInfo(tz)
    answered: set[tuple[str, str]] = set()

    def members_answer(now):
        acted = False
        for r in list(relay.received):
            msg, to = r.message, r.rcpt_tos[0]
            subject = msg["Subject"] or ""
            key = (msg["Message-ID"], to)
            if key in answered:
                continue
            reply_to = msg["Reply-To"].addresses[0].addr_spec if msg["Reply-To"] else ""
            if "commitment for this week" in subject and to in (
                "anne@example.com",
                "bart@example.org",
            ):
                answered.add(key)
                acted = True
                server.send(
                    mail(
                        to,
                        reply_to,
                        "Re: " + subject,
                        f"Run three times this week ({to.split('@')[0]})",
                    ),
                    [reply_to],
                    mail_from=to,
                )
            elif "Did you do it?" in subject and to == "anne@example.com":
                answered.add(key)
                acted = True
                server.send(
                    mail(to, reply_to, "Re: " + subject, "Yes! Ran 3 times."),
                    [reply_to],
                    mail_from=to,
                )
            elif "Did you do it?" in subject and to == "bart@example.org":
                answered.add(key)
                Signup(client).follow(link_to(msg, "/checkin/"))  # one click: "Done"
        if acted:
            run_jobs(settings)

    advance(clock, settings, START + timedelta(weeks=4), on_tick=members_answer)

    counts = by_purpose(db, cid)
    assert counts["commitment_prompt"] == 4 * 3  # four weeks, three members (not the host)
    assert counts["commitment_reminder"] == 4 * 1  # Cleo stays quiet
    assert counts["checkin_prompt"] == 4 * 2  # Anne and Bart committed
    assert counts["checkin_reminder"] == 0  # both answered before the nudge
    assert counts["digest"] == 4 * 4 and counts["digest_preview"] == 4
    assert all(
        r.status == SendStatus.SENT for r in ledger(db, community_id=cid) if r.purpose != "welcome"
    )

    # Every prompt went out at 08:00 local time, before and after the DST change.
    prompts = ledger(db, community_id=cid, purpose="commitment_prompt")
    assert {r.created_at.astimezone(local).hour for r in prompts} == {8}
    assert {r.created_at.astimezone(local).weekday() for r in prompts} == {0}

    commitments = list(db.scalars(select(Commitment)))
    db.commit()
    assert len(commitments) == 8 and all(c.text.startswith("Run three times") for c in commitments)
    results = Counter(c.result.value for c in commitments if c.result)
    assert results == {"done": 8}

    last_digest = [
        r
        for r in relay.received
        if r.rcpt_tos == ["anne@example.com"] and "weekly" in r.subject.lower()
    ][-1].message
    text = last_digest.get_body(("plain",)).get_content()
    assert "Run three times this week (anne)" in text
    assert "4" in text  # Anne's and Bart's streak of four weeks
    runs = list(db.scalars(select(DigestRun).order_by(DigestRun.week)))
    db.commit()
    assert [r.status for r in runs] == [DigestStatus.SENT] * 4
    assert all(r.sent_at.astimezone(local).hour == 17 for r in runs)


def test_two_schedulers_and_retried_jobs_send_nothing_twice(clock, settings, sessions, relay, db):
    people = [(f"p{i}@example.com", f"P{i}") for i in range(5)]
    cid = make_circle(sessions, "twice", "UTC", people)
    run_jobs(settings)
    relay.handler.received.clear()
    advance(clock, settings, START + timedelta(weeks=1), schedulers=2)
    # A retried unit job finds its work done.
    from jobs.rounds import run_unit

    assert run_unit(cid, "prompt", "2026-W10") == 5  # re-queues nothing new ...
    run_jobs(settings)
    recipients = Counter((r.rcpt_tos[0], r.subject) for r in relay.received)
    assert max(recipients.values()) == 1  # ... and nobody got anything twice
    assert by_purpose(db, cid)["commitment_prompt"] == 5  # the members, not the host
    assert by_purpose(db, cid)["digest"] == 6  # the host reads the digest too


def test_scheduler_down_work_is_done_once_within_grace(clock, settings, sessions, relay, db):
    cid = make_circle(sessions, "late", "UTC", [("anne@example.com", "Anne")])
    run_jobs(settings)
    clock.moment = START + timedelta(hours=11)  # down from 00:00; the prompt was due at 08:00
    enqueue_due_work()
    run_jobs(settings)
    assert by_purpose(db, cid)["commitment_prompt"] == 1
    clock.moment = START + timedelta(days=1, hours=10)  # the reminder was due at 08:00
    advance(clock, settings, clock.moment + timedelta(hours=1))
    assert by_purpose(db, cid)["commitment_reminder"] == 1


def test_host_preview_note_and_skip(clock, settings, sessions, relay, db, server):
    cid = make_circle(sessions, "hosted", "UTC", [("anne@example.com", "Anne")])
    run_jobs(settings)
    relay.handler.received.clear()
    # Sunday 05:00: the preview (12 hours before the 17:00 digest) reaches the host.
    advance(clock, settings, START + timedelta(days=6, hours=5))
    [preview] = [r.message for r in relay.received if "[Preview]" in r.subject]
    reply_to = preview["Reply-To"].addresses[0].addr_spec
    server.send(
        mail(
            "host@hosted.example",
            reply_to,
            "Re: preview",
            "Welcome to our two new members!\n\nOn Sun, Kith wrote:\n> old",
        ),
        [reply_to],
        mail_from="host@hosted.example",
    )
    run_jobs(settings)
    advance(clock, settings, START + timedelta(days=6, hours=18))
    digest = [
        r.message
        for r in relay.received
        if r.rcpt_tos == ["anne@example.com"] and "weekly" in r.subject.lower()
    ][-1]
    assert "Welcome to our two new members!" in digest.get_body(("plain",)).get_content()

    # Next week the host answers "skip": no digest that week.
    advance(clock, settings, START + timedelta(days=13, hours=5))
    previews = [r.message for r in relay.received if "[Preview]" in r.subject]
    reply_to = previews[-1]["Reply-To"].addresses[0].addr_spec
    server.send(
        mail("host@hosted.example", reply_to, "Re: preview", "skip"),
        [reply_to],
        mail_from="host@hosted.example",
    )
    run_jobs(settings)
    advance(clock, settings, START + timedelta(days=13, hours=18))
    runs = list(db.scalars(select(DigestRun).order_by(DigestRun.week)))
    db.commit()
    assert [r.status for r in runs] == [DigestStatus.SENT, DigestStatus.SKIPPED]
    assert by_purpose(db, cid)["digest"] == 2  # week one only (Anne and the host)


def test_quiet_week_digest_or_none_as_the_host_chose(clock, settings, sessions, relay, db):
    long_ago = START - timedelta(days=30)  # nobody is new; the W09 digest is still due
    quiet = make_circle(
        sessions,
        "quiet",
        "UTC",
        [("anne@example.com", "Anne")],
        created=long_ago,
        loop_paused=True,
        preview_hours=0,
    )
    silent = make_circle(
        sessions,
        "silent",
        "UTC",
        [("bart@example.org", "Bart")],
        created=long_ago,
        loop_paused=True,
        preview_hours=0,
        digest_when_quiet=False,
    )
    run_jobs(settings)
    relay.handler.received.clear()
    advance(clock, settings, START + timedelta(weeks=1))
    assert by_purpose(db, quiet)["digest"] == 4 and by_purpose(db, silent)["digest"] == 0
    copy = [r.message for r in relay.received if r.rcpt_tos == ["anne@example.com"]][-1]
    assert "quiet" in copy["Subject"].lower()
    assert len(copy.get_body(("plain",)).get_content()) > 200  # short, but not an empty shell


def test_member_pauses_by_replying_pause(clock, settings, sessions, relay, db, server):
    make_circle(sessions, "rest", "UTC", [("anne@example.com", "Anne")])
    run_jobs(settings)
    relay.handler.received.clear()
    advance(clock, settings, START + timedelta(hours=9))
    [prompt] = [r.message for r in relay.received if r.rcpt_tos == ["anne@example.com"]]
    reply_to = prompt["Reply-To"].addresses[0].addr_spec
    server.send(
        mail("anne@example.com", reply_to, "Re: prompt", "pause until 2026-03-20"), [reply_to]
    )
    run_jobs(settings)
    anne = db.scalar(select(Member).where(Member.address == "anne@example.com"))
    db.commit()
    assert anne.status == MemberStatus.ACTIVE and anne.paused_until.isoformat() == "2026-03-20"
    assert anne.delivery_status == DeliveryStatus.PAUSED
    relay.handler.received.clear()
    advance(clock, settings, START + timedelta(weeks=1, hours=9))
    assert all(r.rcpt_tos != ["anne@example.com"] for r in relay.received)


def test_worker_killed_mid_digest_sends_every_copy_once(clock, settings, sessions, relay, db):
    people = [(f"p{i}@example.com", f"P{i}") for i in range(6)]
    cid = make_circle(sessions, "crash", "UTC", people, loop_paused=True, preview_hours=0)
    run_jobs(settings)
    relay.handler.received.clear()
    addresses = sorted(["host@crash.example", *(a for a, _ in people)])
    # Ledger rows go out in member order; stall the fourth copy at RCPT.
    with transaction(sessions) as s:
        order = [
            m.address
            for m in s.scalars(select(Member).where(Member.community_id == cid).order_by(Member.id))
        ]
    relay.handler.rcpt_delays[order[3]] = 60
    clock.moment = START + timedelta(days=6, hours=17)
    enqueue_due_work()  # the digest job waits in Redis for a real worker
    proc = start_worker(settings, KITH_SMTP_URL=relay.url)
    try:
        deadline = time.monotonic() + 60
        while len(relay.received) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(relay.received) == 3, "the worker never got to the stalled copy"
        time.sleep(0.3)
    finally:
        kill_process_tree(proc.pid)
    rows = ledger(db, community_id=cid, purpose="digest")
    assert Counter(r.status for r in rows) == {SendStatus.SENT: 3, SendStatus.PENDING: 4}

    relay.handler.rcpt_delays.clear()
    with transaction(sessions) as s:  # the dead worker's lease runs out
        s.execute(
            update(OutboundMessage).values(
                locked_until=clock.moment - timedelta(minutes=1),
                next_attempt_at=clock.moment - timedelta(minutes=2),
            )
        )
    clock.moment += timedelta(minutes=10)
    outbound.sweep()
    run_jobs(settings)
    got = sorted(r.rcpt_tos[0] for r in received(relay, "weekly"))
    assert got == addresses  # every copy, once
    assert all(r.status == SendStatus.SENT for r in ledger(db, community_id=cid, purpose="digest"))


def test_round_and_digest_commands(clock, settings, sessions, relay, tmp_path):
    make_circle(sessions, "cli", "UTC", [("anne@example.com", "Anne")])

    def kith(*args):
        return run_kith(settings, *args, KITH_SMTP_URL=relay.url)

    out = tmp_path / "digest.html"
    preview = kith("digest", "preview", "cli", "--out", str(out))
    assert preview.returncode == 0, preview.stderr
    assert out.read_text().startswith("<!doctype html>") and "[Preview]" in preview.stdout
    assert "Cli" in kith("digest", "preview", "cli", "--text").stdout
    status = kith("round", "status", "cli")
    assert status.returncode == 0 and "anne" in status.stdout.lower()
    sent = kith("digest", "send", "cli", "--now")
    assert sent.returncode == 0 and sent.stdout.strip().endswith("sent"), sent.stderr
    assert kith("digest", "send", "cli", "--now").stdout.strip().endswith("sent")
    assert len([r for r in relay.received if "weekly" in r.subject.lower()]) == 2
    configured = kith(
        "configure", "cli", "--prompt", "tue 09:00", "--commitment-question", "What will you ship?"
    )
    assert configured.returncode == 0 and "Tuesday" in configured.stdout
    assert kith("configure", "cli", "--prompt", "someday").returncode == 2
    assert kith("round", "skip", "cli").returncode == 0
    assert kith("loop", "pause", "cli").stdout.strip() == "cli: loop paused"
    with transaction(sessions) as s:
        c = s.scalar(select(Community).where(Community.slug == "cli"))
        assert c.loop_paused and c.commitment_question == "What will you ship?"
