"""The hot seat over simulated weeks: a rotation that skips paused members and seats
everyone once before anyone twice, a host's swap, the focus form a day before the
digest, and the answer opening the digest as a thread everyone can reply to."""

from datetime import date, timedelta

from sqlalchemy import select

from community import hot_seats, members
from community.db import transaction
from community.models import Community, HotSeat, Member, Post
from community.rounds import participants

from ..conftest import run_jobs
from .test_inbound import mail
from .test_sessions import kith_at
from .test_weekly import START, advance, clock, make_circle, server  # noqa: F401  (fixtures)

PEOPLE = [("anne@example.com", "Anne"), ("bart@example.org", "Bart"), ("cleo@example.net", "Cleo")]


def focus_forms(relay):
    return [r for r in relay.received if "hot seat this week" in r.subject]


def test_hot_seat_rotates_asks_for_focus_and_opens_the_digest(
    clock,  # noqa: F811
    settings,
    sessions,
    relay,
    db,
    server,  # noqa: F811
):
    make_circle(sessions, "seat", "UTC", PEOPLE)
    run_jobs(settings)
    assert "hot seat on" in kith_at(clock, settings, relay, "hotseat", "seat", "--on").stdout
    with transaction(sessions) as s:  # Cleo is away for a month: never in the seat
        c = s.scalar(select(Community).where(Community.slug == "seat"))
        members.pause(s, members.find_member(s, c, "cleo@example.net"), date(2026, 4, 10))
        people = sorted(m.address for m in participants(s, c))
    answered: set[str] = set()

    def answer(now):
        for r in focus_forms(relay):
            if r.message["Message-ID"] in answered:
                continue
            answered.add(r.message["Message-ID"])
            who = r.rcpt_tos[0]
            reply_to = r.message["Reply-To"].addresses[0].addr_spec
            server.send(
                mail(who, reply_to, "Re: hot seat", f"Help me price the pilot ({who})"),
                [reply_to],
                mail_from=who,
            )
            run_jobs(settings)

    # Week 1: the form goes out with the check-in reminder (Saturday 16:00), 25 hours
    # before the digest; the answer opens Sunday's digest.
    advance(clock, settings, START + timedelta(days=6, hours=18), on_tick=answer)
    [form] = focus_forms(relay)
    assert form.message["Date"].datetime.isoformat() == "2026-03-07T16:00:00+00:00"
    first = form.rcpt_tos[0]
    readers = [a for a in people if a != first]
    digest = next(
        r.message
        for r in reversed(relay.received)
        if r.rcpt_tos == [readers[0]] and "weekly" in r.subject
    )
    text = digest.get_body(("plain",)).get_content().replace("\r\n", "\n")
    name = first.split("@")[0].title() if first != "host@seat.example" else "Hana"
    assert f"IN THE HOT SEAT: {name.upper()}" in text
    assert f"Help me price the pilot ({first})" in text
    assert text.index("IN THE HOT SEAT") < text.index("CONVERSATIONS")
    # A reader answers from the digest: the reply joins the hot seat's thread.
    help_address = text.split("Reply to help; your answer joins the thread:\n", 1)[1].split()[0]
    server.send(
        mail(readers[0], help_address, "Re: hot seat", "Charge from day one."),
        [help_address],
        mail_from=readers[0],
    )
    run_jobs(settings)
    seat = db.scalar(select(HotSeat).where(HotSeat.week == "2026-W10"))
    thread_posts = list(db.scalars(select(Post).where(Post.thread_id == seat.thread_id)))
    db.commit()
    assert [p.author_address for p in thread_posts] == [first, readers[0]]

    # Week 2: the host swaps in the one who would otherwise sit last.
    with transaction(sessions, read_only=True) as s:
        c = s.scalar(select(Community).where(Community.slug == "seat"))
        line = [m.address for m in sorted(participants(s, c), key=lambda m: m.id)]
    last = [a for a in line if a != first][-1]
    clock.moment = START + timedelta(days=7, hours=1)
    swapped = kith_at(clock, settings, relay, "hotseat", "seat", "--seat", last)
    assert swapped.returncode == 0 and "seated" in swapped.stdout, swapped.stderr
    assert (
        kith_at(clock, settings, relay, "hotseat", "seat", "--seat", "cleo@example.net").returncode
        == 2
    )

    for week in range(2, len(people) + 2):
        advance(clock, settings, START + timedelta(days=7 * week - 1, hours=18), on_tick=answer)
    seated = [r.rcpt_tos[0] for r in focus_forms(relay)]
    assert seated[1] == last  # the swap
    # Everyone once before anyone twice, Cleo never; then the rotation starts over.
    assert sorted(seated[: len(people)]) == people
    assert seated[len(people)] == seated[0] or len(people) == 1
    assert "cleo@example.net" not in seated
    with transaction(sessions, read_only=True) as s:
        weeks = list(s.scalars(select(HotSeat.week).order_by(HotSeat.week)))
        assert all(h.focus for h in s.scalars(select(HotSeat)))
        cleo = s.scalar(select(Member).where(Member.address == "cleo@example.net"))
        assert hot_seats.seat_of(s, cleo.community, "2026-W11").member_id != cleo.id
    assert len(weeks) == len(set(weeks)) == len(people) + 1
