"""A whole season with every ritual, in one run: the real SMTP server, workers, relay and
web app, the clock driven by the schedule from one due moment to the next.

Applications in the week before the start (one approved applicant seated at the start,
one declined, one approved beyond the seats and waitlisted); four weekly rounds with
buddies, a hot seat (the host swaps the last one), carry-over by click and by reply, a
live session in everyone's calendar; Dave goes silent in week 2 and the host's health
section names him in week 3; the season ends with a closing digest, the members become
alumni, the next season seats the waitlist first and re-enrols an alumna in one click.
Every mail is counted, and the new ones are kept as screenshots in light and dark mode.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import select, update

from community import buddies
from community.communities import seats_taken
from community.db import transaction
from community.models import (
    Community,
    DigestRun,
    HeldMessage,
    Member,
    MemberStatus,
    Round,
    RoundStatus,
)
from community.outbox import Purpose
from jobs import outbound

from ..conftest import run_jobs
from ..helpers import Signup, csrf_from, ledger, link_to, mails_to
from ..unit.test_email_schemes import TEXT_COLOURS, light_surfaces, unreadable
from .test_inbound import mail
from .test_sessions import kith_at
from .test_weekly import START, advance, clock, make_circle, server  # noqa: F401  (fixtures)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "season"
LIST = "spring@kith.example"
HOST = "host@spring.example"
ANNE, BART, CLEO, DAVE = (
    "anne@example.com",
    "bart@example.org",
    "cleo@example.net",
    "dave@example.com",
)
ERIN, FINN, GINA = "erin@example.com", "finn@example.org", "gina@example.net"
FOUNDERS = [(ANNE, "Anne"), (BART, "Bart"), (CLEO, "Cleo"), (DAVE, "Dave")]
IN_SEASON = [ANNE, BART, CLEO, DAVE, ERIN]
DAY = timedelta(days=1)
W11 = START + 7 * DAY  # Monday 9 March: the season's first day


def week_no(now) -> int:
    """The season's week (1-4) at `now`; 0 before it."""
    return (now - W11).days // 7 + 1 if now >= W11 else 0


def status_of(db, address):
    db.expire_all()
    found = db.scalar(select(Member.status).where(Member.address == address))
    db.commit()
    return found


def text_of(msg) -> str:
    return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")


def reply_address(msg) -> str:
    return msg["Reply-To"].addresses[0].addr_spec


def health_of(preview) -> str:
    text = text_of(preview)
    start = text.index("HOW THE CIRCLE IS DOING")
    return text[start : text.index("=" * 20, start)]


class Season:
    """The members' side: who answers what, week by week, as real people would."""

    def __init__(self, relay, smtp, settings, web):
        self.relay, self.server, self.settings, self.web = relay, smtp, settings, web
        self.seen: set[int] = set()  # the relay's messages acted on, by position
        self.did: set[str] = set()

    def mails(self, to, words):
        return mails_to(self.relay, to, words)

    def preview(self, sunday):
        """The host's digest preview sent on that Sunday."""
        [found] = [
            m for m in self.mails(HOST, "[Preview]") if m["Date"].datetime.date() == sunday.date()
        ]
        return found

    def fresh(self, to, words):
        """Mails to `to` with `words` in the subject this member has not acted on yet."""
        for number, r in enumerate(self.relay.received):
            if number not in self.seen and r.rcpt_tos == [to] and words in r.subject:
                self.seen.add(number)
                yield r.message

    def send(self, sender, to, subject, body):
        self.server.send(mail(sender, to, subject, body), [to], mail_from=sender)

    def once(self, what: str) -> bool:
        if what in self.did:
            return False
        self.did.add(what)
        return True

    def tick(self, now) -> None:
        week = week_no(now)
        for to in IN_SEASON:
            for prompt in self.fresh(to, "commitment for this week"):
                self.commit(to, week, prompt)
            for checkin in self.fresh(to, "Did you do it?"):
                self.check_in(to, week, checkin)
            for form in self.fresh(to, "hot seat this week"):
                self.send(
                    to, reply_address(form), "Re: hot seat", f"Help me with {to[:4]}'s launch"
                )
        run_jobs(self.settings)
        self.conversations(now, week)
        run_jobs(self.settings)

    def commit(self, to, week, prompt) -> None:
        if to == DAVE and week >= 2:
            return  # Dave goes silent from the second week
        if week == 2 and to == BART:  # carries last week's "partly" over in one click
            lines = text_of(prompt).splitlines()
            url = lines[lines.index("one click:") + 1].strip()
            assert 'data-status="carried"' in self.web.follow(url).get_data(as_text=True)
            return
        words = "Call three customers" if (week, to) == (2, ANNE) else f"Ship {to[:4]} part {week}"
        self.send(to, reply_address(prompt), "Re: " + prompt["Subject"], words)

    def check_in(self, to, week, checkin) -> None:
        answer = {ANNE: "Not yet, next week.", BART: "Partly, halfway."}.get(to, "Done!")
        self.send(to, reply_address(checkin), "Re: check-in", answer if week == 1 else "Done!")

    def conversations(self, now, week) -> None:
        if week == 1 and now >= W11 + DAY and self.once("tips"):
            self.send(BART, LIST, "Accountability tips", "Mine: mornings, before email.")
        if week == 1 and self.once_when(self.mails(CLEO, "Accountability tips"), "cleo-reply"):
            copy = self.mails(CLEO, "Accountability tips")[0]
            self.send(CLEO, reply_address(copy), "Re: Accountability tips", "Evenings here.")
        intro = self.mails(ANNE, "accountability buddy")
        if week == 1 and self.once_when(intro, "anne-note"):
            self.send(ANNE, reply_address(intro[0]), "Re: buddies", "Halfway there?")
        if week == 2 and self.once("pricing"):
            self.send(ERIN, LIST, "Pricing question", "How do you price a pilot?")

    def once_when(self, found, what) -> bool:
        return bool(found) and self.once(what)


@pytest.mark.browser
def test_a_four_week_season_with_every_ritual(
    clock,  # noqa: F811
    settings,
    sessions,
    relay,
    db,
    server,  # noqa: F811
    client,
    browser,
):
    cid = make_circle(sessions, "spring", "UTC", FOUNDERS)
    with transaction(sessions) as s:  # one seat beyond the founders: Erin's, not Gina's
        c = s.get(Community, cid)
        s.execute(
            update(Community).where(Community.id == cid).values(capacity=seats_taken(s, c) + 1)
        )
    clock.moment = START  # the founders' welcomes, handed out as the scheduler's sweep does
    assert outbound.sweep() == len(FOUNDERS)
    run_jobs(settings)

    def kith(*args):
        result = kith_at(clock, settings, relay, *args)
        assert result.returncode == 0, result.stderr
        run_jobs(settings)
        return result.stdout

    clock.moment = START
    kith("season", "create", "spring", "--name", "Spring", "--start", "2026-03-09",
         "--end", "2026-04-05", "--applications-from", "2026-03-02",
         "--applications-until", "2026-03-08")  # fmt: skip
    kith("pairs", "spring", "--every", "1")
    kith("hotseat", "spring", "--on")
    kith("session", "set", "spring", "tue 18:30", "--url", "https://meet.example/spring",
         "--from", "2026-03-10")  # fmt: skip
    web = Signup(client, "spring")
    page = web.page().get_data(as_text=True)
    assert "Applications are open" in page and "9 March" in page, page

    # Applications: Erin approved, Finn declined, Gina approved after Erin.
    for address, name, approve in (
        (ERIN, "Erin", True),
        (FINN, "Finn", False),
        (GINA, "Gina", True),
    ):
        web.join(address, name)
        run_jobs(settings)
        web.follow(
            link_to([r.message for r in relay.received if r.rcpt_tos == [address]][-1], "/confirm/")
        )
        run_jobs(settings)
        assert status_of(db, address) == MemberStatus.AWAITING_APPROVAL
        ask = [r.message for r in relay.received if f"{name} asks to join" in r.subject]
        links = [u for u in re.findall(r"https?://\S+/host/decide/\S+", text_of(ask[-1]))]
        decided = web.follow(links[0] if approve else links[1]).get_data(as_text=True)
        want = "approved" if approve else "declined"
        assert f'data-status="{want}"' in decided
        assert ("Approved for the season" if approve else "Request declined") in decided
        run_jobs(settings)
        assert status_of(db, address) == MemberStatus(want)

    people = Season(relay, server, settings, web)
    # The week before the start: nothing but quiet; then the start seats the applicants.
    advance(clock, settings, W11 - timedelta(minutes=1), on_tick=people.tick)
    assert not [r for r in relay.received if "commitment" in r.subject]
    advance(clock, settings, W11 + timedelta(hours=9), on_tick=people.tick)
    assert status_of(db, ERIN) == MemberStatus.ACTIVE
    assert status_of(db, GINA) == MemberStatus.WAITLISTED  # approved beyond the seats
    welcome = people.mails(ERIN, "Welcome")
    assert welcome and welcome[0]["Date"].datetime == W11 + timedelta(hours=8)
    with transaction(sessions, read_only=True) as s:
        c = s.get(Community, cid)
        groups = [
            sorted(m.address for m in g.members) for g in buddies.week_groups(s, c, "2026-W11")
        ]
    assert sorted(len(g) for g in groups) == [2, 3] and sorted(
        a for g in groups for a in g
    ) == sorted(IN_SEASON)
    anne_group = next(g for g in groups if ANNE in g)

    # Week 1, to its Friday check-in: a buddy group that has not talked says so in a click.
    advance(clock, settings, W11 + 4 * DAY + timedelta(hours=17), on_tick=people.tick)
    other = next(g for g in groups if ANNE not in g)
    checkin = text_of(people.mails(other[0], "Did you do it?")[-1])
    [talked] = re.findall(r"http\S+/buddies/talked/\S+", checkin)
    assert 'data-status="talked"' in web.follow(talked).get_data(as_text=True)

    # Week 1's digest opens with Anne's hot seat; Dave answers her from it.
    advance(clock, settings, W11 + 6 * DAY + timedelta(hours=18), on_tick=people.tick)
    digest = text_of(people.mails(DAVE, "weekly")[-1])
    assert "IN THE HOT SEAT: ANNE" in digest and "Help me with anne's launch" in digest
    assert "Buddies this round:" in digest and digest.count(": talked") == 2
    assert "Live session" in digest[digest.index("COMING UP") :]
    help_at = digest.split("Reply to help; your answer joins the thread:\n", 1)[1].split()[0]
    people.send(DAVE, help_at, "Re: hot seat", "Ask them what it saves.")
    run_jobs(settings)

    # Week 2: carry-over offered to Anne ("not yet") and Bart ("partly"); Dave is silent.
    advance(clock, settings, W11 + 7 * DAY + timedelta(hours=9), on_tick=people.tick)
    for who, how in ((ANNE, "not done yet"), (BART, "partly done")):
        prompt = text_of(people.mails(who, "commitment for this week")[-1])
        assert "CARRY IT OVER, OR SET A NEW ONE?" in prompt and how in prompt
    assert "CARRY IT OVER" not in text_of(people.mails(CLEO, "commitment for this week")[-1])
    advance(clock, settings, W11 + 13 * DAY + timedelta(hours=6), on_tick=people.tick)
    second = health_of(people.preview(W11 + 13 * DAY))
    assert "Gone quiet" not in second and "Dave" not in second  # one silent week: not yet
    assert re.search(r'"Pricing question" from Erin, \d days\.', second), second
    # The host answers Erin from the preview, by the thread's reply address.
    answer_at = re.search(r"Reply to answer it in the thread: (\S+)", second).group(1)
    people.send(HOST, answer_at, "Re: Pricing question", "Charge for the pilot.")
    run_jobs(settings)

    # Week 3: Dave's second silent week names him in the health section.
    advance(clock, settings, W11 + 20 * DAY + timedelta(hours=6), on_tick=people.tick)
    third = health_of(people.preview(W11 + 20 * DAY))
    quiet = third[third.index("Gone quiet") :]
    assert "* Dave: 2 weeks, last active 2026-W11." in quiet
    assert "Write to them yourself: dave@example.com" in quiet
    assert not any(n in quiet.split("\n\n")[0] for n in ("Anne", "Bart", "Cleo", "Erin"))
    assert '"Pricing question"' not in third  # the host answered Erin
    assert "Waitlist: 1 person waiting" in third
    # The same figures per member and week from `kith host report`: what they did.
    report = csv.DictReader(io.StringIO(kith("host", "report", "spring", "--weeks", "3", "--csv")))
    rows = {(r["week"], r["member"]): r for r in report}
    weeks = ("2026-W11", "2026-W12", "2026-W13")
    assert [rows[(w, "Dave")]["active"] for w in weeks] == ["1", "0", "0"]
    assert [rows[(w, "Cleo")]["committed"] for w in weeks] == ["1", "1", "1"]
    assert (
        rows[("2026-W11", "Bart")]["posts"] == "1" and rows[("2026-W11", "Cleo")]["replies"] == "1"
    )
    assert rows[("2026-W12", "Erin")]["posts"] == "1"
    assert rows[("2026-W12", "Bart")]["committed"] == "1"  # carried over by one click

    # Week 4: the host gives Dave's turn in the hot seat to Erin.
    advance(clock, settings, W11 + 21 * DAY + timedelta(hours=9), on_tick=people.tick)
    assert "seated" in kith("hotseat", "spring", "--seat", ERIN)
    advance(clock, settings, W11 + 27 * DAY + timedelta(hours=18), on_tick=people.tick)
    forms = [r.rcpt_tos[0] for r in relay.received if "hot seat this week" in r.subject]
    assert forms == [ANNE, BART, CLEO, ERIN]
    assert "IN THE HOT SEAT: ERIN" in text_of(people.mails(CLEO, "weekly")[-1])

    # Monday after the end: the closing digest, alumni, and calendars cleared.
    advance(clock, settings, W11 + 28 * DAY + timedelta(hours=9), on_tick=people.tick)
    closing = {
        r.rcpt_tos[0]: r.message for r in relay.received if "Spring is complete" in r.subject
    }
    assert sorted(closing) == sorted([*IN_SEASON, HOST])
    summary = text_of(closing[BART])
    assert "4 rounds together" in summary
    assert "* Cleo: 4 of 4 done, best streak 4" in summary
    assert "* Anne: 4 of 4 done, best streak 3" not in summary  # "not yet" in week 1
    assert "* Anne: 3 of 4 done, best streak 3" in summary
    assert "* Dave: 1 of 1 done, best streak 1" in summary
    assert {status_of(db, a) for a in IN_SEASON} == {MemberStatus.ALUMNI}
    rounds = {r.week: r.status for r in db.scalars(select(Round).order_by(Round.week))}
    db.commit()
    assert rounds == {
        "2026-W10": RoundStatus.SKIPPED,
        **{f"2026-W{n}": RoundStatus.OPEN for n in range(11, 15)},
        "2026-W15": RoundStatus.SKIPPED,
    }
    # Alumni keep the archive; their posts are held for the host.
    form = client.get("/c/spring/archive")
    token = csrf_from(form.get_data(as_text=True))
    client.post("/c/spring/archive/link", data={"email": BART, "csrf_token": token})
    run_jobs(settings)
    archive = web.follow(link_to(people.mails(BART, "archive")[-1], "/archive/in/"), button=False)
    archive = client.get(archive.headers["Location"])
    assert "Pricing question" in archive.get_data(as_text=True)
    people.send(ANNE, LIST, "Still here", "Hello?")
    run_jobs(settings)
    [held] = db.scalars(select(HeldMessage).where(HeldMessage.community_id == cid)).all()
    db.commit()
    assert held.mail["from_address"] == ANNE
    assert (
        held.reason
        == f"the sender, {ANNE}, is an alumna or alumnus: posting is closed between seasons"
    )

    # The next season: the waitlist is seated first, alumni re-enrol with one click.
    kith("season", "create", "spring", "--name", "Summer", "--start", "2026-04-20",
         "--end", "2026-05-17")  # fmt: skip
    assert status_of(db, GINA) == MemberStatus.ACTIVE
    invite = people.mails(ANNE, "Summer starts on")[-1]
    assert 'data-status="active"' in web.follow(link_to(invite, "/season/enrol/")).get_data(
        as_text=True
    )
    run_jobs(settings)
    advance(clock, settings, START + 49 * DAY + timedelta(hours=9), on_tick=people.tick)
    summer = [
        r.rcpt_tos[0] for r in relay.received[-10:] if "commitment for this week" in r.subject
    ]
    assert sorted(summer) == [ANNE, GINA]
    # Off season, the digest promises only what will come, and a quiet week stays unsent.
    [between] = [text_of(m) for m in people.mails(GINA, "weekly")]
    assert "* Commitment prompt: Monday 20 April, 08:00" in between
    faces = " ".join(between.split())  # Anne took part before: no new face
    assert "Say hello to Gina, who joined the circle this week. Welcome back Anne," in faces
    [last] = [  # Spring's last digest: no next season announced yet
        text_of(m) for m in people.mails(ANNE, "weekly") if "29 March – 5 April" in text_of(m)
    ]
    assert "Commitment prompt" not in last and "Check-in" not in last
    assert db.scalar(select(DigestRun.note).where(DigestRun.week == "2026-W16")) == (
        "quiet week between seasons"
    )
    db.commit()

    # Every mail, counted: what the ledger holds is what the relay received.
    rows = ledger(db, community_id=cid)
    assert {r.status for r in rows} == {"sent"}
    assert len(relay.received) == len(rows)
    note = len(anne_group) - 1  # Anne's note reaches her buddies
    expected = {
        Purpose.WELCOME: 4 + 1 + 1,  # founders; Erin at the start; Anne back for Summer
        Purpose.CONFIRM_SIGNUP: 3,
        Purpose.APPROVAL_REQUEST: 3,
        Purpose.JOIN_DECLINED: 1,
        Purpose.WAITLISTED: 1,  # Gina, at the start
        Purpose.SEAT_OPENED: 1,  # Gina, when Summer is announced
        Purpose.SEASON_UPCOMING: 4 + 2 + 5 + 1,  # founders, 2 approved; Summer: 5 alumni, Gina
        Purpose.SESSION_INVITATION: 5 + 1 + 1 + 1,  # founders and host; Erin; Gina; Anne
        Purpose.SESSION_CANCELLATION: 5,  # the alumni
        Purpose.BUDDY_INTRO: 4 * 5 + 2,
        Purpose.BUDDY_NOTE: note,
        Purpose.COMMITMENT_PROMPT: 4 * 5 + 2,
        Purpose.COMMITMENT_REMINDER: 3,  # Dave, weeks 2-4
        Purpose.CHECKIN_PROMPT: 5 + 3 * 4,
        Purpose.HOT_SEAT_FOCUS: 4,
        Purpose.DIGEST_PREVIEW: 7,  # every week, W10-W16: the host may always add a note
        # The week before the start (founders, host), four season weeks (five members,
        # host), the week Summer was announced (Anne, Gina, host); W16 is quiet: skipped.
        Purpose.DIGEST: 5 + 4 * 6 + 3,
        # Tips, Cleo's reply, four hot-seat threads, Dave's help, Erin's question and
        # the host's answer, each to the five others (everyone gets each post).
        Purpose.POST: 9 * 5,
        Purpose.SEASON_CLOSING: 6,
        Purpose.ARCHIVE_LINK: 1,
        Purpose.HELD_NOTICE: 1,
    }
    assert Counter(r.purpose for r in rows) == expected

    # The new mails as members see them, in light and dark mode at a phone's width.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    kinds = [
        ("season_upcoming-applicant", people.mails(ERIN, "Spring starts on")[0]),
        ("season_upcoming-alumna", invite),
        ("season_closing", closing[BART]),
        ("buddy_intro", people.mails(ANNE, "accountability buddy")[0]),
        ("hot_seat_focus", people.mails(ERIN, "hot seat this week")[0]),
        ("commitment_prompt-carry", people.mails(ANNE, "commitment for this week")[1]),
        ("digest-hot-seat", people.mails(DAVE, "weekly")[1]),  # [0]: before the start
        ("digest_preview-health", people.preview(W11 + 20 * DAY)),  # Dave has gone quiet
    ]
    for name, msg in kinds:
        raw = BytesParser(policy=policy.default).parsebytes(msg.as_bytes())
        html = raw.get_body(("html",)).get_content()
        for scheme in ("light", "dark"):
            page = browser.new_page(viewport={"width": 375, "height": 800}, color_scheme=scheme)
            try:
                page.set_content(html)
                page.screenshot(path=str(ARTIFACTS / f"{name}-{scheme}.png"), full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= 376, name
                texts = page.evaluate(TEXT_COLOURS)
                bad = unreadable(texts) + (light_surfaces(texts) if scheme == "dark" else [])
                assert bad == [], f"{name} in {scheme} mode:\n" + "\n".join(bad)
            finally:
                page.close()
