"""A first week as a new host and members live it (issue 12): each point that broke."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from community import digests, members, threads
from community.db import transaction
from community.models import Community

from .. import helpers
from ..helpers import csrf_from, ledger, run_kith, uow

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday of ISO week 2026-W10


def circle(sessions, people=(("anne@example.org", "Anne"), ("bart@example.org", "Bart"))):
    from community.communities import create_community

    with transaction(sessions) as s:
        c = create_community(
            uow(s, START - timedelta(days=1)),
            slug="circle",
            name="Morning Circle",
            host_address="hana@example.com",
            host_name="Hana",
        )
        for address, name in people:
            members.add_member(uow(s, START - timedelta(days=1)), c, address, display_name=name)
        return c.id


def converse(sessions, community_id, subject, lines, at=START, thread_id=None):
    """A conversation: (author address, body) pairs, one post every three hours."""
    from community.models import Thread

    with transaction(sessions) as s:
        c = s.get(Community, community_id)
        thread = s.get(Thread, thread_id) if thread_id else None
        for i, (address, body) in enumerate(lines):
            unit = uow(s, at + i * timedelta(hours=3))
            author = members.find_member(s, c, address)
            if thread is None:
                thread = threads.start_thread(unit, c, subject, author)
            threads.add_post(
                unit,
                thread,
                author=author,
                author_name=author.name_or_address if author else address,
                author_address=address,
                body=body,
                full_text=body,
                message_id=None,
                in_reply_to=None,
                inbound_id=None,
            )
        return thread.id


def digest_content(sessions, community_id, now):
    with transaction(sessions) as s:
        c = s.get(Community, community_id)
        unit = uow(s, now)
        run = digests.start_digest(unit, c, "2026-W10")
        return digests.build_digest(unit, c, run)


# -- 1. the opening post of a conversation is shown ------------------------------------


GOAL = "My goal this month: run 5 km without stopping. " + "Here is my plan in detail. " * 20


def test_digest_shows_the_opening_post_then_the_latest_replies(sessions):
    cid = circle(sessions)
    converse(
        sessions,
        cid,
        "Alice's goal",
        [
            ("anne@example.org", GOAL),
            ("bart@example.org", "Great goal, Anne!"),
            ("hana@example.com", "Love it."),
            ("bart@example.org", "Which app do you use?"),
            ("anne@example.org", "None, just a watch."),
            ("hana@example.com", "Old school!"),
        ],
    )
    content = digest_content(sessions, cid, START + timedelta(days=5))
    (thread,) = content.threads
    opening = thread.posts[0]
    assert opening.author == "Anne" and opening.excerpt.startswith("My goal this month")
    assert len(opening.excerpt) <= digests.OPENING_CHARS
    assert [p.excerpt for p in thread.posts[1:]] == [
        "Which app do you use?",
        "None, just a watch.",
        "Old school!",
    ]
    assert thread.more == 2  # "Great goal" and "Love it." are the ones left out


def test_a_conversation_started_before_the_period_still_opens_with_its_first_post(sessions):
    from community.models import DigestRun, DigestStatus

    cid = circle(sessions)
    tid = converse(sessions, cid, "Alice's goal", [("anne@example.org", "Run 5 km.")])
    with transaction(sessions) as s:  # last week's digest covered the goal
        s.add(
            DigestRun(
                community_id=cid,
                week="2026-W09",
                status=DigestStatus.SENT,
                created_at=START,
                period_start=START - timedelta(days=7),
                period_end=START + timedelta(hours=1),
                sent_at=START + timedelta(hours=1),
                recipients=3,
            )
        )
    later = START + timedelta(days=2)
    reply = [("bart@example.org", "Great goal, Anne!")]
    converse(sessions, cid, "", reply, at=later, thread_id=tid)
    content = digest_content(sessions, cid, START + timedelta(days=5))
    (thread,) = content.threads
    assert [(p.author, p.excerpt) for p in thread.posts] == [
        ("Anne", "Run 5 km."),
        ("Bart", "Great goal, Anne!"),
    ]
    assert thread.posts[0].when == "Mon 2 Mar"  # from an earlier week: its date, not a weekday
    assert thread.more == 0 and not thread.new
    assert content.post_count == 1  # the count is still this period's posts


# -- 2. the host runs the round; they are not in it unless they opt in -----------------


def ledger_addresses(db, purpose):
    return sorted(r.recipient for r in ledger(db) if r.purpose == purpose)


def test_the_host_takes_no_seat_and_no_part_in_the_round_by_default(sessions, db, client):
    from community import rounds
    from community.communities import Rhythm, configure, seats_left
    from community.outbox import Purpose
    from community.schedule import Unit

    cid = circle(sessions, people=())
    with transaction(sessions) as s:
        s.get(Community, cid).capacity = 12
    page = client.get("/c/circle").get_data(as_text=True)
    assert "12 of 12 seats open" in page  # an empty circle: the host sits in none of them

    with transaction(sessions) as s:  # Anne and Bart join during the week
        c = s.get(Community, cid)
        for address, name in (("anne@example.org", "Anne"), ("bart@example.org", "Bart")):
            members.add_member(uow(s, START), c, address, display_name=name)
        assert seats_left(s, c) == 10
        rnd = rounds.open_round(uow(s, START), c, "2026-W10")
        rounds.run_step(uow(s, START), c, rnd, Unit.PROMPT)
        rounds.run_step(uow(s, START + timedelta(days=1)), c, rnd, Unit.PROMPT_REMINDER)
        rounds.run_step(uow(s, START + timedelta(days=4)), c, rnd, Unit.CHECKIN)
    everyone = ["anne@example.org", "bart@example.org"]
    assert ledger_addresses(db, Purpose.COMMITMENT_PROMPT) == everyone
    assert ledger_addresses(db, Purpose.COMMITMENT_REMINDER) == everyone

    content = digest_content(sessions, cid, START + timedelta(days=6))
    assert [r.name for r in content.round.rows] == ["Anne", "Bart"]
    assert content.joined == ("Anne", "Bart")  # the host is no new face
    with transaction(sessions) as s:  # but the host still reads the digest
        recipients = sorted(m.address for m in digests.recipients(s, s.get(Community, cid)))
    assert recipients == ["anne@example.org", "bart@example.org", "hana@example.com"]

    with transaction(sessions) as s:  # the host opts in: in the round, still no seat
        c = configure(s.get(Community, cid), Rhythm(host_takes_part=True))
        rnd = rounds.open_round(uow(s, START + timedelta(days=7)), c, "2026-W11")
        rounds.run_step(uow(s, START + timedelta(days=7)), c, rnd, Unit.PROMPT)
        assert seats_left(s, c) == 10
    assert "hana@example.com" in ledger_addresses(db, Purpose.COMMITMENT_PROMPT)


# -- 3. a streak is rounds in a row with "done"; a pause does not break it -------------


def week_of_answers(sessions, cid, week, at, answers, paused=()):
    """One round: prompts to whoever is not paused, then commitments and check-ins.
    `answers` maps an address to a check-in result (None: committed, never checked in)."""
    from datetime import date

    from community import rounds
    from community.checkins import CheckinAnswer
    from community.schedule import Unit

    with transaction(sessions) as s:
        c = s.get(Community, cid)
        for m in members.list_members(s, c):
            if m.address in paused:
                members.pause(s, m, date(2030, 1, 1))
            elif m.paused_until:
                members.resume(m)
        rnd = rounds.open_round(uow(s, at), c, week)
        rounds.run_step(uow(s, at), c, rnd, Unit.PROMPT)
        for address in answers:
            m = members.find_member(s, c, address)
            rounds.record_commitment(uow(s, at), rnd, m, f"Something for {week}")
        rounds.run_step(uow(s, at + timedelta(days=4)), c, rnd, Unit.CHECKIN)
        for address, result in answers.items():
            if result is not None:
                m = members.find_member(s, c, address)
                rounds.record_checkin(uow(s, at), rnd, m, CheckinAnswer(result, ""))
        return rnd.id


def test_a_streak_counts_rounds_done_in_a_row_and_a_pause_does_not_break_it(sessions):
    from community import rounds
    from community.communities import Rhythm, configure
    from community.models import CheckinStatus, Round

    done, partly, not_done = CheckinStatus.DONE, CheckinStatus.PARTLY, CheckinStatus.NOT_DONE
    anne, bart, cleo, dana = (f"{n}@example.org" for n in ("anne", "bart", "cleo", "dana"))
    cid = circle(sessions, people=[(a, a[:4].title()) for a in (anne, bart, cleo, dana)])
    weeks = {
        "2026-W10": ({anne: done, bart: done}, ()),
        "2026-W11": ({anne: done, bart: not_done}, ()),
        "2026-W12": ({bart: done}, (anne,)),  # Anne is away on a pause she asked for
        "2026-W13": ({anne: done, bart: partly, cleo: not_done, dana: None}, ()),
    }
    for i, (week, (answers, paused)) in enumerate(weeks.items()):
        last = week_of_answers(sessions, cid, week, START + timedelta(weeks=i), answers, paused)

    def streak_of():
        with transaction(sessions) as s:
            c = s.get(Community, cid)
            found = rounds.streaks(s, c, s.get(Round, last))
            return {m.address: found.get(m.id, 0) for m in rounds.participants(s, c)}

    assert streak_of() == {anne: 3, bart: 0, cleo: 0, dana: 0}
    with transaction(sessions) as s:
        configure(s.get(Community, cid), Rhythm(partly_counts=True))
    assert streak_of() == {anne: 3, bart: 2, cleo: 0, dana: 0}


def test_a_seasons_best_streak_follows_the_same_rule_as_the_digests(sessions):
    """The closing digest's "best streak" counts only what the weekly streak counts:
    a "partly" or "not yet" ends a run (unless the host chose so), a pause does not."""
    from community import seasons
    from community.models import CheckinStatus, Season

    done, partly, not_done = CheckinStatus.DONE, CheckinStatus.PARTLY, CheckinStatus.NOT_DONE
    anne, bart, cleo, dana = (f"{n}@example.org" for n in ("anne", "bart", "cleo", "dana"))
    cid = circle(sessions, people=[(a, a[:4].title()) for a in (anne, bart, cleo, dana)])
    weeks = {
        "2026-W10": ({anne: done, bart: done}, ()),
        "2026-W11": ({anne: done, bart: not_done, cleo: done}, ()),
        "2026-W12": ({bart: done, cleo: done}, (anne,)),  # Anne is away on a pause
        "2026-W13": ({anne: done, bart: partly, cleo: not_done, dana: None}, ()),
    }
    for i, (week, (answers, paused)) in enumerate(weeks.items()):
        week_of_answers(sessions, cid, week, START + timedelta(weeks=i), answers, paused)
    with transaction(sessions) as s:
        c = s.get(Community, cid)
        season = Season(
            community_id=cid,
            name="Spring",
            starts_on=START.date(),
            ends_on=START.date() + timedelta(days=27),
            alumni_can_post=False,
            created_at=START,
        )
        s.add(season)
        s.flush()
        best = {row.name: row.best_streak for row in seasons.summary(s, c, season).rows}
    # Bart's four answers are not four in a row: "not yet" and "partly" end a run.
    assert best == {"Anne": 3, "Bart": 1, "Cleo": 2, "Dana": 0}


# -- 7. `kith round status`, `kith round skip`, `kith mail parse` ---------------------


def test_round_status_keeps_everyone_who_answered_and_speaks_in_words(sessions, settings):
    from community.models import CheckinStatus

    anne, bart, cleo = "anne@example.org", "bart@example.org", "cleo@example.org"
    cid = circle(sessions, people=[(anne, "Anne"), (bart, "Bart"), (cleo, "Cleo")])
    answers = {anne: CheckinStatus.DONE, bart: CheckinStatus.NOT_DONE, cleo: None}
    week_of_answers(sessions, cid, "2026-W10", START, answers)
    with transaction(sessions) as s:  # after answering, Bart pauses and Cleo leaves
        c = s.get(Community, cid)
        members.pause(s, members.find_member(s, c, bart), START.date() + timedelta(days=60))
        members.unsubscribe(uow(s, START + timedelta(days=5)), members.find_member(s, c, cleo))

    status = run_kith(settings, "round", "status", "circle", "--week", "2026-W10")
    assert status.returncode == 0, status.stderr
    lines = {line.split()[0]: line for line in status.stdout.splitlines()[3:]}
    assert set(lines) == {"Anne", "Bart", "Cleo"}  # the host is not in the round
    assert "Done" in lines["Anne"] and "streak 1" in lines["Anne"]
    assert "Not yet" in lines["Bart"] and "(paused)" in lines["Bart"]
    assert "No answer yet" in lines["Cleo"] and "(left)" in lines["Cleo"]
    assert "Something for 2026-W10" in lines["Cleo"]
    assert "not_done" not in status.stdout and "no answer" not in status.stdout


def test_round_status_of_a_week_before_the_circle_began_says_nothing_was_sent(settings):
    made = run_kith(
        settings, "community", "create", "fresh", "--name", "Fresh", "--host", "h@example.com"
    )
    assert made.returncode == 0, made.stderr
    status = run_kith(settings, "round", "status", "fresh", "--week", "2026-W10").stdout
    prompt = next(line for line in status.splitlines() if line.strip().startswith("prompt"))
    assert "not yet" not in prompt and "not sent: before the circle began" in prompt
    later = run_kith(settings, "round", "status", "fresh", "--week", "2099-W10").stdout
    assert "[not yet]" in next(line for line in later.splitlines() if "prompt" in line)


@pytest.mark.parametrize("week", ["2026-W99", "2026-W00", "2025-W53", "banana", "2026W10"])
@pytest.mark.parametrize("command", ["skip", "status"])
def test_a_week_that_does_not_exist_is_bad_input(sessions, settings, db, command, week):
    from community.models import Round

    circle(sessions)
    result = run_kith(settings, "round", command, "circle", "--week", week)
    assert result.returncode == 2, result.stdout
    assert "ISO week" in result.stderr and "Traceback" not in result.stderr
    assert db.scalars(select(Round)).all() == []


def test_mail_parse_of_a_missing_file_is_bad_input_with_exit_code_2(settings, tmp_path):
    good = tmp_path / "good.eml"
    good.write_bytes(b"From: a@example.org\r\nSubject: Hi\r\n\r\nHello there\r\n")
    result = run_kith(
        settings, "mail", "parse", str(tmp_path / "nonexistent.eml"), str(good), real_process=True
    )
    assert result.returncode == 2
    assert "cannot read" in result.stderr and "nonexistent.eml" in result.stderr
    assert "Hello there" in result.stdout  # the readable file is still parsed


# -- 8. the preferences page keeps what was typed and asks for a pause date -----------


def preferences_path(app, sessions, cid, address="anne@example.org"):
    from community.tokens import LinkPurpose

    with transaction(sessions) as s:
        m = members.find_member(s, s.get(Community, cid), address)
        token = app.extensions["kith.signer"].sign(LinkPurpose.PREFERENCES, members.link_payload(m))
    return f"/preferences/{token}"


def submit(client, path, page, **fields):
    form = {"csrf_token": csrf_from(page), "delivery_mode": "each_post", "display_name": "Anne"}
    form.update(fields)
    return client.post(path, data=form, follow_redirects=True)


def test_a_bad_pause_date_after_a_save_shows_only_the_error_and_keeps_the_typing(
    app, client, sessions, db
):
    cid = circle(sessions)
    path = preferences_path(app, sessions, cid)
    saved = submit(client, path, client.get(path).get_data(as_text=True), display_name="Anne B.")
    assert "Saved" in saved.get_data(as_text=True)
    # The second submit comes from the page the first one landed on (…?saved=1).
    again = submit(
        client,
        path + "?saved=1",
        saved.get_data(as_text=True),
        delivery_mode="digest",
        display_name="Annie",
        pause="1",
        paused_until="2001-01-01",
    )
    page = again.get_data(as_text=True)
    assert again.status_code == 422
    assert "Saved" not in page and "pause date after today" in page
    assert 'value="Annie"' in page
    assert re.search(r'value="digest"[^>]*checked', page)
    assert re.search(r'id="pause"[^>]*checked', page) and 'value="2001-01-01"' in page
    assert helpers.member(db, "anne@example.org").display_name == "Anne B."  # nothing saved


def test_ticking_pause_without_a_date_asks_for_one_and_keeps_the_pause(app, client, sessions, db):
    from datetime import date

    from community.models import DeliveryStatus

    cid = circle(sessions)
    until = date.today() + timedelta(days=20)
    with transaction(sessions) as s:
        members.pause(s, members.find_member(s, s.get(Community, cid), "anne@example.org"), until)
    path = preferences_path(app, sessions, cid)
    resp = submit(client, path, client.get(path).get_data(as_text=True), pause="1", paused_until="")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Choose the date your pause ends" in page
    assert re.search(r'id="pause"[^>]*checked', page)
    anne = helpers.member(db, "anne@example.org")
    assert anne.paused_until == until and anne.delivery_status == DeliveryStatus.PAUSED


# -- 9. a confirmation link used twice says "You're already in" -----------------------


def test_a_confirmation_link_used_again_says_youre_already_in(client, make_community, db):
    from community.outbox import Purpose
    from community.tokens import LinkPurpose

    from ..helpers import Signup

    make_community(slug="circle")
    Signup(client).join("anne@example.org", "Anne")
    token = client.application.extensions["kith.signer"].sign(
        LinkPurpose.CONFIRM, members.link_payload(helpers.member(db, "anne@example.org"))
    )
    path = f"/confirm/{token}"
    form = {"csrf_token": csrf_from(client.get(path).get_data(as_text=True))}
    first = client.post(path, data=form).get_data(as_text=True)
    assert "You're in!" in first and "A welcome email is on its way" in first
    for again in (client.post(path, data=form), client.get(path)):  # pressed again, reopened
        page = again.get_data(as_text=True)
        assert again.status_code == 200
        assert "You're already in" in page and "on its way" not in page
        assert "Confirm and join" not in page
    assert [r.purpose for r in ledger(db)].count(Purpose.WELCOME) == 1


# -- 10. a +tag is the same person for membership too ---------------------------------


def test_a_sub_address_joins_as_the_same_person_and_cannot_rename_them(
    client, make_community, db, sessions
):
    from community.models import Member
    from community.outbox import Purpose

    from ..helpers import Signup

    make_community(slug="circle")
    signup = Signup(client)
    signup.join("bob@example.org", "Bob")
    signup.join("Bob+x@Example.org", "Mallory")  # pending: same person, name kept
    people = db.scalars(select(Member).where(Member.address.like("bob%"))).all()
    db.commit()
    assert [(m.address, m.display_name) for m in people] == [("bob@example.org", "Bob")]
    confirmations = [r for r in ledger(db) if r.purpose == Purpose.CONFIRM_SIGNUP]
    assert [r.recipient for r in confirmations] == ["bob@example.org"] * 2

    with transaction(sessions) as s:  # once in, a tagged request is "already a member"
        c = s.scalar(select(Community))
        members.confirm_signup(uow(s, START), members.find_member(s, c, "bob@example.org"))
    signup.join("bob+lists@example.org", "Robert")
    with transaction(sessions) as s:
        c = s.scalar(select(Community))
        added = members.add_member(uow(s, START), c, "bob+host-added@example.org")
        assert added.address == "bob@example.org"
    assert [r.recipient for r in ledger(db) if r.purpose == Purpose.ALREADY_MEMBER] == [
        "bob@example.org"
    ]
    people = db.scalars(select(Member).where(Member.address.like("bob%"))).all()
    db.commit()
    assert [(m.address, m.display_name) for m in people] == [("bob@example.org", "Bob")]
    # varying the tag does not get round the per-address cap on join mails
    for i in range(10):
        signup.join(f"bob+{i}@example.org")
    sent = [r for r in ledger(db) if r.purpose in (Purpose.CONFIRM_SIGNUP, Purpose.ALREADY_MEMBER)]
    assert len(sent) == client.application.config["KITH"].join_mails_per_address
    # a different mailbox is a different person
    assert members.find_member(db, c, "bobby@example.org") is None
    assert members.find_member(db, c, "bob@example.com") is None


# -- 4. the host preview says when this digest goes out, and when the next one does ---


def preview_at(runtime, moment):
    from jobs.digests import preview_digest

    class Frozen:
        def now(self):
            return moment

    runtime.clock = Frozen()
    return preview_digest(runtime, "circle")


def test_the_preview_names_this_digests_time_and_the_next_one(sessions, runtime):
    from jobs.digests import Sender, send_digest

    cid = circle(sessions)  # UTC; digest Sunday 17:00, preview 12 hours before
    converse(sessions, cid, "Hello", [("anne@example.org", "Hi all")])
    sunday_5am = START + timedelta(days=6, hours=-4)  # Sunday 8 March, 05:00
    before = flat(preview_at(runtime, sunday_5am).text)
    assert "preview of the digest going out on Sunday 8 March, 17:00" in before
    assert "Next digest: Sunday 15 March, 17:00" in before

    runtime.clock = type("At", (), {"now": lambda self: START + timedelta(days=6, hours=8)})()
    sender = Sender(runtime, "test")
    send_digest(runtime, cid, "2026-W10", sender)  # Sunday 17:00: it goes out
    sender.finish()
    after = flat(preview_at(runtime, START + timedelta(days=6, hours=10)).text)
    assert "later today" not in after and "going out on" not in after
    assert "went out on Sunday 8 March, 17:00" in after
    assert "Next digest: Sunday 15 March, 17:00" in after


def flat(text):
    return " ".join(text.split())


# -- 5. sign-off names, dates and wrapping ----------------------------------------------

LONG_CIRCLE = "The Early Risers Accountability Circle of North Shields"
LONG_NAME = "Bartholomew Featherstonehaugh-Smythe"


def prose_breaks(text):
    """Lines of plain text that are too long, or broken before a word that fit: what
    hard-wrapped template text does once a long name is put into it."""
    bad = []
    for paragraph in text.split("\n\n"):
        lines = paragraph.split("\n")
        for line in lines:
            if len(line) > 72 and " " in line.strip() and not re.search(r"\S+@\S+|://", line):
                bad.append(f"too long: {line!r}")
        for a, b in itertools.pairwise(lines):
            prose = (a, b) == (a.lstrip(), b.lstrip()) and a[:2] not in ("* ", "- ", "> ")
            if not (prose and a.strip() and b.strip() and b[:2] not in ("* ", "- ")):
                continue
            if a.endswith(":") or re.search(r"://|@", a + b) or (b[0].isupper() and a[-1] in ".?!"):
                continue
            if set(a.strip()) <= set("-="):  # a rule or the "-- " sign-off mark
                continue
            if len(a) + 1 + len(b.split()[0]) <= 60:  # well short of the width
                bad.append(f"broken early: {a!r} / {b!r}")
    return bad


def test_plain_text_mail_wraps_around_long_names(
    make_community, sessions, settings, client, work, db, runtime
):
    from email import policy
    from email.parser import BytesParser

    from community import rounds
    from community.models import Community, Member
    from community.schedule import Unit

    from ..helpers import Signup
    from .test_inbound import Server, mail

    make_community(slug="circle", name=LONG_CIRCLE, capacity=1)
    signup = Signup(client)
    signup.join("bart@example.org", LONG_NAME)  # the confirmation
    signup.join("bart@example.org", LONG_NAME)  # a second one
    with transaction(sessions) as s:
        c = s.scalar(select(Community))
        bart = members.find_member(s, c, "bart@example.org")
        members.confirm_signup(uow(s, START), bart)  # welcome
        cleo = members.add_member(uow(s, START), c, "cleo@example.org", display_name=LONG_NAME)
        rnd = rounds.open_round(uow(s, START), c, "2026-W10")  # cleo is waitlisted
        for unit in (Unit.PROMPT, Unit.PROMPT_REMINDER, Unit.CHECKIN, Unit.CHECKIN_REMINDER):
            rounds.run_step(uow(s, START), c, rnd, unit)
            if unit is Unit.PROMPT_REMINDER:
                rounds.record_commitment(uow(s, START), rnd, bart, "Ship one small thing")
        members.remove_member(uow(s, START), bart)  # cleo gets the seat
        assert s.get(Member, cleo.id).status.value == "active"
    server = Server(settings, runtime.sessions)
    server.controller.start()
    try:  # a forged reply address: held, and the host is told why
        forged = "circle+t-2-1-aaaaaaaaaaaaaaaa@kith.example"
        server.send(mail("eve@example.net", forged, "Hi", "Let me in"), [forged], "eve@example.net")
    finally:
        server.controller.stop()
        server.handler.close()
    work()
    from jobs import outbound

    outbound.sweep()  # the mail queued by the use cases above, as the sweeper finds it
    work()
    parser = BytesParser(policy=policy.default)
    texts = {}
    for path in sorted(settings.outbox_path.glob("*.eml")):
        msg = parser.parsebytes(path.read_bytes())
        texts[str(msg["Subject"])] = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert len(texts) >= 8, sorted(texts)
    problems = [f"{s}: {p}" for s, t in texts.items() for p in prose_breaks(t)]
    assert problems == [], "\n".join(problems)
    held = next(t for s, t in texts.items() if s.startswith("Held for you"))
    assert "because its reply address is forged or damaged" in " ".join(held.split())


# -- 11. `kith dev` (what `./dev run` starts) says little, and what matters -------------

NOISE = (
    "EOF received",
    "Connection lost",
    "connection lost",
    "cleaning registries",
    "Successfully completed",
    "Job OK",
    "result is kept",
    "Control socket",
    "[INFO]",
    "Registered '",
    "Enqueued job",
)


def run_dev_once(tmp_path, port, smtp_port, *flags, act=None):
    import os
    import signal
    import subprocess
    import sys

    from .test_dev import Browser, wait_for

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        HOME=str(tmp_path / "home"),
        KITH_DATA_DIR=str(tmp_path / "data"),
        KITH_BASE_URL=f"http://127.0.0.1:{port}",
        KITH_INBOUND_PORT=str(smtp_port),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "dev", *flags],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        wait_for(lambda: "ok" in browser.get("/healthz"), what="the web process")
        if act:
            act(browser)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out.decode(errors="replace")[-3000:]
    return out.decode(errors="replace")


def test_kith_dev_prints_urls_and_one_line_per_event_and_the_demo_on_restart(tmp_path):
    from ..sink import free_port
    from .test_dev import wait_for

    (tmp_path / "home").mkdir()
    port, smtp_port = free_port(), free_port()
    outbox = tmp_path / "data" / "outbox"

    def join(browser):
        page = browser.get("/c/demo")
        form = {"email": "anne@example.com", "name": "Anne", "csrf_token": csrf_from(page)}
        browser.post("/c/demo/join", form)
        wait_for(lambda: list(outbox.glob("*.eml")), what="the confirmation mail")

    first = run_dev_once(tmp_path, port, smtp_port, act=join)
    assert [n for n in NOISE if n in first] == []
    events = [line for line in first.splitlines() if " | " in line]
    assert any("confirm_signup" in e and "anne@example.com" in e for e in events), first
    assert len(events) <= 6, first  # SMTP up, the mail sent, stops: not the jobs' chatter
    assert "/c/demo" in first
    assert not (tmp_path / "home" / ".gunicorn").exists()  # no socket shared by every gunicorn

    again = run_dev_once(tmp_path, port, smtp_port, "--verbose")
    assert f"demo community http://127.0.0.1:{port}/c/demo" in again  # a restart too
    assert "cleaning registries" in again  # --verbose shows the rest
    assert not (tmp_path / "home" / ".gunicorn").exists()


def test_dev_run_installs_only_when_the_project_changed_and_keeps_pip_quiet(tmp_path):
    """`./dev run` on a stand-in virtualenv whose python records what it is asked and
    talks like setuptools does; its kith prints one line."""
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    calls = tmp_path / "calls"
    python = venv / "bin" / "python"
    python.write_text(
        f'#!/bin/sh\necho "$*" >> {calls}\n'
        'echo "SetuptoolsDeprecationWarning: editable installs ..." >&2\n'
    )
    (venv / "bin" / "kith").write_text('#!/bin/sh\necho "kith $*"\n')
    for f in (python, venv / "bin" / "kith"):
        f.chmod(0o755)
    env = {**os.environ, "KITH_VENV": str(venv)}

    def dev_run():
        done = subprocess.run(
            [str(root / "dev"), "run", "--no-demo"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    first = dev_run()  # nothing installed yet: pip runs, its talk goes to the log
    assert "kith dev --no-demo" in first and "Setuptools" not in first
    assert calls.read_text().count("-m pip install") == 2
    assert "SetuptoolsDeprecationWarning" in (venv / "install.log").read_text()
    calls.unlink()
    again = dev_run()  # every later start: straight to kith
    assert again.strip() == "kith dev --no-demo" and not calls.exists()
