"""A season end to end, clock-driven through the real SMTP server, workers and web app:
applications go to the host, no prompts before the start, the weekly loop between the
dates, a closing digest and alumni after the end, then re-enrolment in the next season
with one click (waitlist rules apply)."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from community.communities import seats_taken
from community.db import transaction
from community.models import Community, Member, MemberStatus, Round, RoundStatus
from community.rounds import participants

from ..conftest import run_jobs
from ..helpers import Signup, ledger, link_to
from .test_inbound import mail
from .test_sessions import kith_at
from .test_weekly import START, advance, clock, make_circle, server  # noqa: F401  (fixtures)

PEOPLE = [("anne@example.com", "Anne"), ("bart@example.org", "Bart")]
LIST = "cohort@kith.example"


def status_of(db, address):
    db.expire_all()
    found = db.scalar(select(Member.status).where(Member.address == address))
    db.commit()
    return found


def taking_part(sessions):
    with transaction(sessions, read_only=True) as s:
        c = s.scalar(select(Community).where(Community.slug == "cohort"))
        return sorted(m.address for m in participants(s, c))


def test_a_season_from_applications_to_alumni_and_back(
    clock,  # noqa: F811
    settings,
    sessions,
    relay,
    db,
    server,  # noqa: F811
    client,
):
    cid = make_circle(sessions, "cohort", "UTC", PEOPLE)
    run_jobs(settings)

    def kith(*args):
        return kith_at(clock, settings, relay, *args)

    # Bad dates are refused and store nothing.
    assert (
        kith(
            "season",
            "create",
            "cohort",
            "--name",
            "X",
            "--start",
            "2026-03-20",
            "--end",
            "2026-03-10",
        ).returncode
        == 2
    )
    assert (
        kith(
            "season",
            "create",
            "cohort",
            "--name",
            "X",
            "--start",
            "2026-03-09",
            "--end",
            "2026-03-22",
            "--applications-from",
            "2026-03-02",
        ).returncode
        == 2
    )
    made = kith(
        "season",
        "create",
        "cohort",
        "--name",
        "Spring",
        "--start",
        "2026-03-09",
        "--end",
        "2026-03-22",
        "--applications-from",
        "2026-03-02",
        "--applications-until",
        "2026-03-08",
    )
    assert made.returncode == 0, made.stderr
    assert (
        "[upcoming], applications 2026-03-02 – 2026-03-08"
        in kith("season", "list", "cohort").stdout
    )
    run_jobs(settings)
    starts = [r for r in relay.received if "Spring starts on Monday 9 March" in r.subject]
    assert sorted(r.rcpt_tos[0] for r in starts) == ["anne@example.com", "bart@example.org"]

    # Cleo applies while applications are open: the open community asks the host first.
    web = Signup(client, "cohort")
    web.join("cleo@example.net", "Cleo")
    run_jobs(settings)
    confirm = [r.message for r in relay.received if r.rcpt_tos == ["cleo@example.net"]][-1]
    web.follow(link_to(confirm, "/confirm/"))
    run_jobs(settings)
    assert status_of(db, "cleo@example.net") == MemberStatus.AWAITING_APPROVAL
    ask = [r.message for r in relay.received if "asks to join" in r.subject][-1]
    decided = web.follow(link_to(ask, "/host/decide/"))  # the first: Approve
    assert 'data-status="approved"' in decided.get_data(as_text=True)
    run_jobs(settings)
    # Approved for the season: her seat comes when it starts, not before.
    assert status_of(db, "cleo@example.net") == MemberStatus.APPROVED
    [told] = [
        r.message
        for r in relay.received
        if r.rcpt_tos == ["cleo@example.net"] and "starts on" in r.subject
    ]
    assert "your application to" in told.get_body(("plain",)).get_content()
    assert "cleo@example.net" not in taking_part(sessions)

    # The week before the start: no prompts. Then two weeks of the loop.
    answered: set[tuple[str, str]] = set()

    def anne_answers(now):
        for r in list(relay.received):
            msg, to = r.message, r.rcpt_tos[0]
            key = (msg["Message-ID"], to)
            subject = msg["Subject"] or ""
            if to != "anne@example.com" or key in answered:
                continue
            if "commitment for this week" in subject or "Did you do it?" in subject:
                answered.add(key)
                reply_to = msg["Reply-To"].addresses[0].addr_spec
                body = "Ship it" if "commitment" in subject else "Done, shipped."
                server.send(mail(to, reply_to, "Re: x", body), [reply_to], mail_from=to)
                run_jobs(settings)
        if now == START + timedelta(days=8, hours=8):  # Tuesday of week 1: a conversation
            server.send(
                mail("bart@example.org", LIST, "Accountability tips", "Mine: mornings."),
                [LIST],
                mail_from="bart@example.org",
            )
            run_jobs(settings)
            copy = [
                r.message
                for r in relay.received
                if r.rcpt_tos == ["cleo@example.net"] and r.subject == "Accountability tips"
            ][-1]
            reply_to = copy["Reply-To"].addresses[0].addr_spec
            server.send(
                mail("cleo@example.net", reply_to, "Re: tips", "Evenings here."),
                [reply_to],
                mail_from="cleo@example.net",
            )
            run_jobs(settings)

    advance(clock, settings, START + timedelta(days=7, hours=9), on_tick=anne_answers)
    in_season = taking_part(sessions)
    assert "cleo@example.net" in in_season  # seated at the start, before the first prompt
    assert status_of(db, "cleo@example.net") == MemberStatus.ACTIVE
    advance(clock, settings, START + timedelta(days=21, hours=9), on_tick=anne_answers)
    rounds = {r.week: r.status for r in db.scalars(select(Round).order_by(Round.week))}
    db.commit()
    assert rounds == {
        "2026-W10": RoundStatus.SKIPPED,  # before the start
        "2026-W11": RoundStatus.OPEN,
        "2026-W12": RoundStatus.OPEN,
        "2026-W13": RoundStatus.SKIPPED,  # after the end
    }
    counts = Counter(r.purpose for r in ledger(db, community_id=cid))
    assert counts["commitment_prompt"] == 2 * len(in_season)

    # Monday after the end: the closing digest, and everyone but the host is an alumna.
    closing = [r for r in relay.received if "Spring is complete" in r.subject]
    # Everyone holding a seat gets it, the host too (whether or not they take part).
    assert sorted(r.rcpt_tos[0] for r in closing) == sorted({*in_season, "host@cohort.example"})
    text = next(r for r in closing if r.rcpt_tos == ["bart@example.org"]).message
    body = text.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "2 rounds together" in body
    assert "* Anne: 2 of 2 done, best streak 2" in body
    assert "* Accountability tips (1 reply)" in body
    assert "Posting to the group is closed until the next season." in body
    assert {status_of(db, a) for a, _ in [*PEOPLE, ("cleo@example.net", "")]} == {
        MemberStatus.ALUMNI
    }
    assert status_of(db, "host@cohort.example") == MemberStatus.ACTIVE
    # Alumni posting is closed: the message is held for the host, not sent to anyone.
    relay.handler.received.clear()
    server.send(mail("anne@example.com", LIST, "Still here", "Hello?"), [LIST])
    run_jobs(settings)
    assert [r.subject[:13] for r in relay.received] == ["Held for you:"]

    # The next season: alumni get a re-enrol link; only one seat is free this time.
    with transaction(sessions) as s:  # one seat free: the first to come back takes it
        c = s.get(Community, cid)
        s.execute(
            update(Community).where(Community.id == cid).values(capacity=seats_taken(s, c) + 1)
        )
    again = kith(
        "season",
        "create",
        "cohort",
        "--name",
        "Summer",
        "--start",
        "2026-03-30",
        "--end",
        "2026-04-12",
    )
    assert again.returncode == 0, again.stderr
    run_jobs(settings)
    invites = {r.rcpt_tos[0]: r.message for r in relay.received if "Summer starts on" in r.subject}
    assert sorted(invites) == ["anne@example.com", "bart@example.org", "cleo@example.net"]
    anne_link = link_to(invites["anne@example.com"], "/season/enrol/")
    assert 'data-status="alumni"' in web.follow(anne_link, button=False).get_data(as_text=True)
    assert status_of(db, "anne@example.com") == MemberStatus.ALUMNI  # the page alone: nothing
    assert 'data-status="active"' in web.follow(anne_link).get_data(as_text=True)
    bart = web.follow(link_to(invites["bart@example.org"], "/season/enrol/"))
    assert 'data-status="waitlisted"' in bart.get_data(as_text=True)  # Anne took it
    run_jobs(settings)
    assert status_of(db, "cleo@example.net") == MemberStatus.ALUMNI  # did nothing

    # Summer runs from 30 March: only those who came back are prompted.
    relay.handler.received.clear()
    advance(clock, settings, START + timedelta(days=28, hours=9))
    prompted = sorted(
        r.rcpt_tos[0] for r in relay.received if "commitment for this week" in r.subject
    )
    assert prompted == taking_part(sessions)
    assert "anne@example.com" in prompted and "bart@example.org" not in prompted
    counts = Counter(r.purpose for r in ledger(db, community_id=cid))
    assert counts["season_upcoming"] == 2 + 1 + 3  # Spring: Anne, Bart, then Cleo; Summer: 3
    assert counts["season_closing"] == len(closing)
