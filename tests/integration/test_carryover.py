"""Carry-over over two simulated weeks: what was partly done or not done yet is offered
again in the next prompt, and taken by a reply or one signed click (real SMTP server,
workers, relay and web app; the clock driven by the schedule)."""

from collections import namedtuple
from datetime import timedelta

from sqlalchemy import select

from community.models import CheckinStatus, Commitment, Member, Round

from ..conftest import run_jobs
from ..helpers import Signup, mails_to
from .test_inbound import mail
from .test_weekly import START, advance, clock, make_circle, server  # noqa: F401  (fixtures)

Row = namedtuple("Row", "id text result carried_from_id")
PEOPLE = [("anne@example.com", "Anne"), ("bart@example.org", "Bart"), ("cleo@example.net", "Cleo")]


def text(msg):
    return msg.get_body(("plain",)).get_content()


def reply(smtp, msg, to, body):
    reply_to = msg["Reply-To"].addresses[0].addr_spec
    smtp.send(mail(to, reply_to, "Re: " + msg["Subject"], body), [reply_to], mail_from=to)


def link_after(msg, label):
    """The URL on the line after `label` in the plain-text part."""
    lines = text(msg).splitlines()
    return lines[lines.index(label) + 1].strip()


def commitments(db, week):
    """Each member's commitment that week, as plain values (no row left to lazy-load:
    that would open a write transaction and hold the workers up)."""
    db.expire_all()
    found = {
        m.address: Row(c.id, c.text, c.result, c.carried_from_id)
        for c, m in db.execute(
            select(Commitment, Member)
            .join(Round, Commitment.round_id == Round.id)
            .join(Member, Commitment.member_id == Member.id)
            .where(Round.week == week)
        )
    }
    db.commit()
    return found


def test_unfinished_commitments_are_offered_again_and_carried_by_reply_or_click(
    clock,  # noqa: F811
    settings,
    sessions,
    relay,
    db,
    server,  # noqa: F811
    client,
):
    make_circle(sessions, "carry", "UTC", PEOPLE)
    run_jobs(settings)
    web = Signup(client, "carry")
    done: set[str] = set()

    def week_one(now):
        acted = False
        for to, _ in PEOPLE:
            prompts = mails_to(relay, to, "commitment for this week")
            if prompts and f"commit:{to}" not in done:
                done.add(f"commit:{to}")
                reply(server, prompts[0], to, f"Draft the {to[:4]} chapter")
                acted = True
        if acted:
            run_jobs(settings)
        checkins = {to: mails_to(relay, to, "Did you do it?") for to, _ in PEOPLE}
        if checkins["anne@example.com"] and "checkin" not in done:
            done.add("checkin")
            reply(server, checkins["anne@example.com"][0], "anne@example.com", "Partly, halfway.")
            run_jobs(settings)
            web.follow(link_after(checkins["bart@example.org"][0], "Not yet:"))
            web.follow(link_after(checkins["cleo@example.net"][0], "Done:"))

    advance(clock, settings, START + timedelta(days=6), on_tick=week_one)
    first = commitments(db, "2026-W10")
    assert {a: c.result for a, c in first.items()} == {
        "anne@example.com": CheckinStatus.PARTLY,
        "bart@example.org": CheckinStatus.NOT_DONE,
        "cleo@example.net": CheckinStatus.DONE,
    }

    # Week two's prompt: Anne and Bart are offered their unfinished commitment, Cleo not.
    advance(clock, settings, START + timedelta(days=7, hours=9))
    prompt = {to: mails_to(relay, to, "commitment for this week")[-1] for to, _ in PEOPLE}
    anne_text = text(prompt["anne@example.com"])
    assert "CARRY IT OVER, OR SET A NEW ONE?" in anne_text
    assert "Draft the anne chapter" in anne_text and "partly done" in anne_text
    assert "not done yet" in text(prompt["bart@example.org"])
    assert "CARRY IT OVER" not in text(prompt["cleo@example.net"])
    html = prompt["anne@example.com"].get_body(("html",)).get_content()
    assert "Carry it over, or set a new one?" in html and "/carry/" in html

    # Anne by reply, in her own words; Bart by one click (the GET alone records nothing).
    reply(server, prompt["anne@example.com"], "anne@example.com", "Same!\n\nSent from my phone")
    run_jobs(settings)
    url = link_after(prompt["bart@example.org"], "one click:")
    assert web.follow(url, button=False).status_code == 200
    assert "bart@example.org" not in commitments(db, "2026-W11")
    page = web.follow(url)
    assert page.status_code == 200 and 'data-status="carried"' in page.get_data(as_text=True)
    # Cleo has nothing to carry: "same" is simply what she commits to.
    reply(server, prompt["cleo@example.net"], "cleo@example.net", "same")
    run_jobs(settings)

    second = commitments(db, "2026-W11")
    assert second["anne@example.com"].text == "Draft the anne chapter"
    assert second["anne@example.com"].carried_from_id == first["anne@example.com"].id
    assert second["bart@example.org"].text == "Draft the bart chapter"
    assert second["bart@example.org"].carried_from_id == first["bart@example.org"].id
    assert second["cleo@example.net"].text == "same"
    assert second["cleo@example.net"].carried_from_id is None

    # A tampered link does nothing.
    assert client.get(url[:-3] + "xyz").status_code == 400
    # No reminder for those who carried over: they have a commitment for the week.
    advance(clock, settings, START + timedelta(days=8, hours=9))
    reminded = {r.rcpt_tos[0] for r in relay.received if "your commitment?" in r.subject}
    assert reminded <= {"host@carry.example"}  # the host, if they take part
