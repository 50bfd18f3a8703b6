"""The host's health section, from what members really do over three simulated weeks:
mail through the real SMTP server, workers and relay, the clock driven by the schedule.

Cleo commits in week 1 and then goes silent: week 2's preview does not name her yet,
week 3's does. Dave's address refuses mail until his delivery stops; Erin waits for a
seat; Anne's question waits for a reply until the host answers it from the preview."""

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from community.communities import seats_taken
from community.db import transaction
from community.members import add_member
from community.models import Community

from ..conftest import run_jobs
from ..helpers import uow
from .test_inbound import mail
from .test_sessions import kith_at
from .test_weekly import START, advance, clock, make_circle, server  # noqa: F401  (fixtures)

LIST = "pulse@kith.example"


def previews(relay):
    return [
        r.message
        for r in relay.received
        if r.rcpt_tos == ["host@pulse.example"] and "[Preview]" in r.subject
    ]


def health_of(preview) -> str:
    text = preview.get_body(("plain",)).get_content()
    start = text.index("HOW THE CIRCLE IS DOING")
    return text[start : text.index("=" * 20, start)]


def test_health_section_follows_what_members_do(
    clock,  # noqa: F811
    settings,
    sessions,
    relay,
    db,
    server,  # noqa: F811
):
    people = [
        ("anne@example.com", "Anne"),
        ("bart@example.org", "Bart"),
        ("cleo@example.net", "Cleo"),
        ("dave@example.com", "Dave"),
    ]
    make_circle(sessions, "pulse", "UTC", people)
    with transaction(sessions) as s:  # the circle is full now: Erin waits for a seat
        c = s.scalar(select(Community).where(Community.slug == "pulse"))
        c.capacity = seats_taken(s, c)
        s.flush()
        add_member(uow(s, START - timedelta(minutes=1)), c, "erin@example.com", display_name="Erin")
    relay.handler.rcpt_replies["dave@example.com"] = "550 5.1.1 no such mailbox"
    run_jobs(settings)
    answered: set[tuple[str, str]] = set()
    state = {"week": 1, "anne_posted": False, "bart_posted": False, "anne_replied": False}

    def act(now):
        week = (now - START).days // 7 + 1
        acted = False
        for r in list(relay.received):
            msg, to = r.message, r.rcpt_tos[0]
            subject = msg["Subject"] or ""
            key = (msg["Message-ID"], to)
            if key in answered or "commitment for this week" not in subject:
                continue
            # Everyone commits in week 1; from week 2 on Cleo says nothing at all.
            if to in ("anne@example.com", "bart@example.org") or (
                to == "cleo@example.net" and week == 1
            ):
                answered.add(key)
                acted = True
                reply_to = msg["Reply-To"].addresses[0].addr_spec
                server.send(
                    mail(to, reply_to, "Re: " + subject, "Finish chapter two"),
                    [reply_to],
                    mail_from=to,
                )
        if week == 1 and now >= START + timedelta(days=1) and not state["anne_posted"]:
            state["anne_posted"] = acted = True
            server.send(
                mail("anne@example.com", LIST, "Stuck on pricing", "How do you price a pilot?"),
                [LIST],
            )
        if week == 2 and not state["bart_posted"]:
            state["bart_posted"] = acted = True
            server.send(
                mail("bart@example.org", LIST, "Morning pages", "Who else writes first thing?"),
                [LIST],
                mail_from="bart@example.org",
            )
        if acted:
            run_jobs(settings)
        if week == 2 and state["bart_posted"] and not state["anne_replied"]:
            copy = [
                r.message
                for r in relay.received
                if r.rcpt_tos == ["anne@example.com"] and r.subject == "Morning pages"
            ]
            if copy:
                state["anne_replied"] = True
                reply_to = copy[0]["Reply-To"].addresses[0].addr_spec
                server.send(
                    mail("anne@example.com", reply_to, "Re: Morning pages", "Me, at six."),
                    [reply_to],
                )
                run_jobs(settings)

    # Week 1's preview (Sunday 05:00).
    advance(clock, settings, START + timedelta(days=6, hours=6), on_tick=act)
    [first] = previews(relay)
    section = health_of(first)
    assert "Reply rate: 1 of 4 members wrote this week (25%)" in section  # Anne's question
    assert "Gone quiet" not in section
    assert re.search(r'"Stuck on pricing" from Anne, 4 days\.', section), section
    assert "Dave <dave@example.com>, since 2026-03-0" in section
    assert "kith member add pulse dave@example.com" in section
    assert "Waitlist: 1 person waiting" in section
    # The host answers Anne's question from the preview, by its reply address.
    thread_reply = re.search(r"Reply to answer it in the thread: (\S+)", section).group(1)
    assert thread_reply.startswith("pulse+t-")
    server.send(
        mail("host@pulse.example", thread_reply, "Re: Stuck on pricing", "Charge for it!"),
        [thread_reply],
        mail_from="host@pulse.example",
    )
    run_jobs(settings)

    # Week 2: Cleo has been silent one week: not flagged yet.
    advance(clock, settings, START + timedelta(days=13, hours=6), on_tick=act)
    second = health_of(previews(relay)[1])
    assert "Reply rate: 2 of 4 members wrote this week (50%)" in second  # Bart and Anne
    assert "1 new conversation and 1 reply" in second
    assert "Gone quiet" not in second and "Cleo" not in second
    assert "Waiting for a reply" not in second  # the host answered Anne

    # Week 3: the second silent week in a row: Cleo is named, with what to do.
    advance(clock, settings, START + timedelta(days=20, hours=6), on_tick=act)
    third = health_of(previews(relay)[2])
    # (Everyone joined a minute before week 1: the week before counts, at 0%.)
    assert "Last 4 weeks: 0% > 25% > 50% > 0% (down)" in third
    quiet = third[third.index("Gone quiet") :]
    assert "* Cleo: 2 weeks, last active 2026-W10." in quiet
    assert "Write to them yourself: cleo@example.net" in quiet
    assert "Anne" not in quiet.split("\n\n")[0] and "Bart" not in quiet.split("\n\n")[0]
    assert "Dave:" not in quiet  # stopped by bounces, listed there instead
    html = previews(relay)[2].get_body(("html",)).get_content()
    assert 'href="mailto:cleo@example.net"' in html

    # Members never see any of it.
    for r in relay.received:
        if r.rcpt_tos != ["host@pulse.example"] and "weekly" in r.subject:
            assert "HOW THE CIRCLE IS DOING" not in r.message.get_body(("plain",)).get_content()

    # The same figures per member and week, from the command line.
    out = kith_at(clock, settings, relay, "host", "report", "pulse", "--weeks", "3", "--csv")
    assert out.returncode == 0, out.stderr
    rows = {(r["week"], r["member"]): r for r in csv.DictReader(io.StringIO(out.stdout))}
    assert len(rows) == 3 * 4  # four seat holders besides the host, three weeks
    assert [rows[(w, "Cleo")]["active"] for w in ("2026-W10", "2026-W11", "2026-W12")] == [
        "1",
        "0",
        "0",
    ]
    assert rows[("2026-W10", "Cleo")]["committed"] == "1"
    assert rows[("2026-W10", "Anne")]["posts"] == "1"
    assert rows[("2026-W11", "Anne")]["replies"] == "1"
    assert rows[("2026-W11", "Bart")]["posts"] == "1"
    assert rows[("2026-W12", "Dave")]["active"] == "0"
    table = kith_at(clock, settings, relay, "host", "report", "pulse", "--weeks", "3").stdout
    assert "Quiet for 2+ weeks: Cleo (2 weeks)" in table
    assert re.search(r"2026-W11\s+4\s+2\s+50%\s+1\s+1\s+2\s+", table), table
