"""Replies to every kind of Kith mail, quoted by every client style, through real SMTP:
what lands in the thread, the commitment or the check-in is exactly the new text."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from community import signatures
from community.checkins import classify_checkin
from community.models import Commitment, Member, Post
from community.threads import clean_text
from jobs.schedule import enqueue_due_work

from ..conftest import run_jobs
from ..quoting import (
    CLIENTS,
    Written,
    original_of,
    outlook_web,
    readdress,
    thunderbird,
)
from .test_inbound import Server, mail
from .test_weekly import START, FrozenClock, make_circle


@pytest.fixture
def frozen(relay):
    """Frozen time for the jobs, which send through the relay."""
    from jobs.runtime import runtime

    clock = FrozenClock(START)
    runtime().clock = clock
    return clock


@pytest.fixture
def smtp(settings, runtime):
    server = Server(settings, runtime.sessions)
    server.controller.start()
    yield server
    server.controller.stop()
    server.handler.close()


PEOPLE = [
    ("anne@example.com", "Anne Example"),
    ("bart@example.org", "Bart Example"),
    ("cleo@example.net", "Cleo Example"),
    ("dan@example.net", "Dan Example"),
    ("eve@example.net", "Eve Example"),
]
# Every client template, plus the HTML-only and bottom-posting variants.
STYLES = [
    *((name, template, {}) for name, template in CLIENTS.items()),
    ("outlook_web_html_only", outlook_web, {"html_only": True}),
    ("thunderbird_bottom_post", thunderbird, {"bottom": True}),
]


def new_text(style: str, kind: str) -> Written:
    # Different in every reply: a member's lines that repeat are learned as a signature.
    return Written(
        (
            (f"My answer to the {kind}, written in {style}.", f"It has two lines ({kind})."),
            (f"And a second paragraph about {style}, to be sure.",),
        )
    )


def copies_to(relay, words: str) -> dict[str, object]:
    """The last message whose subject holds `words`, for each recipient."""
    found = {}
    for received in relay.received:
        if words in received.subject:
            found[received.rcpt_tos[0]] = received.message
    return found


def reply(server, kith_mail, member, style_index, kind):
    """`member` answers `kith_mail` with the client at `style_index`; returns the text."""
    style, template, options = STYLES[style_index % len(STYLES)]
    written = new_text(style, kind)
    written = Written(written.paragraphs, name=dict(PEOPLE)[member], address=member)
    raw, expected = template(written, original_of(kith_mail), "en", **options)
    reply_to = kith_mail["Reply-To"].addresses[0].addr_spec
    raw = readdress(
        raw,
        reply_to,
        In_Reply_To=kith_mail["Message-ID"],
        References=kith_mail["Message-ID"],
    )
    server.send(raw, [reply_to], mail_from=member)
    return style, expected


def test_replies_to_posts_prompts_check_ins_and_digests_yield_exactly_the_new_text(
    frozen, settings, sessions, relay, db, smtp
):
    clock, server = frozen, smtp
    make_circle(sessions, "circle", "UTC", PEOPLE)
    run_jobs(settings)
    relay.handler.received.clear()
    wrong: list[str] = []
    style = 0

    # A post's copies, answered by four members with four clients.
    server.send(
        mail(
            "Anne Example <anne@example.com>",
            "circle@kith.example",
            "Goals for March",
            "I want to ship the beta by Friday.\n\nThen a long walk on Saturday.",
        ),
        ["circle@kith.example"],
    )
    run_jobs(settings)
    copies = copies_to(relay, "Goals for March")
    for member, _name in PEOPLE[1:]:
        client, expected = reply(server, copies[member], member, style, "post")
        style += 1
        run_jobs(settings)
        db.expire_all()
        post = db.scalars(select(Post).order_by(Post.id.desc())).first()
        db.commit()
        if post.body != clean_text(expected):
            wrong.append(f"post via {client}: {post.body!r}")

    # The commitment prompt, answered by everyone.
    clock.moment = START + timedelta(hours=8)
    enqueue_due_work()
    run_jobs(settings)
    prompts = copies_to(relay, "commitment for this week")
    for member, _name in PEOPLE:
        client, expected = reply(server, prompts[member], member, style, "prompt")
        style += 1
        run_jobs(settings)
        text = _commitment(db, member).text
        if text != clean_text(expected):
            wrong.append(f"commitment via {client}: {text!r}")

    # The check-in, answered by everyone.
    clock.moment = START + timedelta(days=4, hours=16)
    enqueue_due_work()
    run_jobs(settings)
    checkins = copies_to(relay, "Did you do it?")
    for member, _name in PEOPLE:
        client, expected = reply(server, checkins[member], member, style, "check-in")
        style += 1
        run_jobs(settings)
        commitment = _commitment(db, member)
        answer = classify_checkin(expected)
        if (commitment.result.value, commitment.reflection) != (
            answer.result.value,
            clean_text(answer.reflection),
        ):
            wrong.append(f"check-in via {client}: {commitment.reflection!r}")

    # The digest, answered by everyone: each reply starts a conversation.
    clock.moment = START + timedelta(days=6, hours=17)
    enqueue_due_work()
    run_jobs(settings)
    digests = {
        to: message
        for to, message in copies_to(relay, " weekly: ").items()
        if "[Preview]" not in message["Subject"]
    }
    for member, _name in PEOPLE:
        client, expected = reply(server, digests[member], member, style, "digest")
        style += 1
        run_jobs(settings)
        db.expire_all()
        post = db.scalars(select(Post).order_by(Post.id.desc())).first()
        db.commit()
        if post.body != clean_text(expected):
            wrong.append(f"digest via {client}: {post.body!r}")

    assert style >= len(STYLES)  # every client style was used at least once
    assert wrong == [], "\n".join(wrong)


def _commitment(db, address):
    db.expire_all()
    member = db.scalar(select(Member).where(Member.address == address))
    found = db.scalar(select(Commitment).where(Commitment.member_id == member.id))
    db.commit()
    return found


def test_digest_excerpts_carry_no_sign_off_or_signature(
    frozen, settings, sessions, relay, db, smtp
):
    clock, server = frozen, smtp
    people = [*PEOPLE, ("carol@example.com", "Carol Example"), ("dan@example.com", "Dan Example")]
    make_circle(sessions, "circle", "UTC", people)
    run_jobs(settings)
    signature = "Dan Example\nProduct Lead, Example Inc\n+1 555 0100"
    posts = [
        (
            "carol@example.com",
            "Lunch walks",
            "A short walk after lunch helps a lot.\n\nBest,\nCarol",
        ),
        ("dan@example.com", "Standing desk", f"I tried a standing desk this week.\n\n{signature}"),
        ("carol@example.com", "Re: Lunch walks", "Twenty minutes is enough for me.\n\n-Carol"),
        (
            "dan@example.com",
            "Re: Standing desk",
            f"Day three, my back is happier.\n\n-- \n{signature}",
        ),
    ]
    for sender, subject, body in posts:
        server.send(mail(sender, "circle@kith.example", subject, body), ["circle@kith.example"])
        run_jobs(settings)
    db.expire_all()
    bodies = [p.body for p in db.scalars(select(Post).order_by(Post.id))]
    full = [p.full_text for p in db.scalars(select(Post).order_by(Post.id))]
    db.commit()
    assert bodies == [
        "A short walk after lunch helps a lot.",
        "I tried a standing desk this week.",
        "Twenty minutes is enough for me.",
        "Day three, my back is happier.",
    ]
    assert all("Carol" in text or "Product Lead" in text for text in full)  # kept untrimmed
    dan = db.scalar(select(Member).where(Member.address == "dan@example.com"))
    assert signatures.learned(db, dan.id)[0] == signature  # learned from his two posts
    db.commit()

    clock.moment = START + timedelta(days=6, hours=17)
    enqueue_due_work()
    run_jobs(settings)
    [digest] = [
        r.message
        for r in relay.received
        if r.rcpt_tos == ["anne@example.com"] and " weekly: " in r.subject
    ]
    for part in ("plain", "html"):
        text = digest.get_body((part,)).get_content()
        assert "A short walk after lunch helps a lot." in text
        for leaked in ("Best,", "-Carol", "Product Lead", "+1 555 0100", "helps a lot. Carol"):
            assert leaked not in text, (part, leaked)


def test_a_reply_without_threading_headers_is_read_with_what_its_address_names(
    frozen, settings, sessions, relay, runtime
):
    """Some clients drop In-Reply-To and References: the personal reply address alone
    must lead to the prompt the member got."""
    from community.db import transaction
    from jobs.replies import reply_context
    from mail.inbound.parse import read_message

    make_circle(sessions, "circle", "UTC", PEOPLE[:1])
    frozen.moment = START + timedelta(hours=8)  # Monday 08:00: the prompt
    enqueue_due_work()
    run_jobs(settings)
    prompt = copies_to(relay, "commitment")["anne@example.com"]
    reply_to = prompt["Reply-To"].addresses[0].addr_spec
    raw = mail("anne@example.com", reply_to, "Re: commitment", "Run twice.").as_bytes()
    parsed = read_message(raw, our_domain=settings.domain)
    assert not parsed.headers.in_reply_to and not parsed.headers.references
    with transaction(sessions) as session:
        context, sender = reply_context(
            session, settings, runtime.signer, parsed, [reply_to], frozen.moment
        )
    assert sender is not None and sender.member.address == "anne@example.com"
    assert [s.purpose for s in context.sent] and {s.purpose for s in context.sent} == {
        "commitment_prompt"
    }


def test_answers_to_the_hot_seat_form_and_to_buddies_yield_exactly_the_new_text(
    frozen, settings, sessions, relay, db, smtp
):
    """The rituals' own mail is quoted like any other: the focus that opens the digest
    and the note a buddy gets are what the member wrote, in every client style."""
    from community import buddies, hot_seats
    from community.db import transaction
    from community.models import BuddyGroup, Community, HotSeat

    from ..helpers import uow

    cid = make_circle(sessions, "circle", "UTC", PEOPLE)
    with transaction(sessions) as s:
        c = s.get(Community, cid)
        buddies.configure(uow(s, frozen.moment), c, 1)
        hot_seats.configure(uow(s, frozen.moment), c, True)
    run_jobs(settings)
    frozen.moment = START + timedelta(hours=8)  # Monday: prompts and buddy introductions
    enqueue_due_work()
    run_jobs(settings)
    for day in (4, 5):  # Friday's check-in, then Saturday's reminder and focus form
        frozen.moment = START + timedelta(days=day, hours=16)
        enqueue_due_work()
        run_jobs(settings)
    [(seated, form)] = copies_to(relay, "hot seat this week").items()
    intros = copies_to(relay, "accountability buddy")
    assert sorted(intros) == sorted(address for address, _ in PEOPLE)
    wrong: list[str] = []

    def latest(model, column):
        db.expire_all()
        found = db.scalars(select(model).order_by(model.id.desc())).first()
        db.commit()
        return getattr(found, column)

    for style in range(len(STYLES)):
        client, expected = reply(smtp, form, seated, style, f"hot seat form, take {style}")
        run_jobs(settings)
        focus = latest(HotSeat, "focus")
        if focus != clean_text(expected):
            wrong.append(f"hot seat focus via {client}: {focus!r}")
    # A client in a language no rule knows (Welsh) that copies the form below its
    # attribution without quote marks: only the text Kith sent tells where the answer ends.
    quote = form.get_body(("plain",)).get_content().replace("\r\n", "\n").strip()
    welsh = (
        "Help me choose between two pricing pages.\n\n"
        "Ar Sad, 7 Maw 2026 am 16:00, Circle <circle@kith.example> ysgrifennodd:\n\n"
        f"{quote}\n"
    )
    answer_to = form["Reply-To"].addresses[0].addr_spec
    smtp.send(mail(seated, answer_to, "Re: hot seat", welsh), [answer_to], mail_from=seated)
    run_jobs(settings)
    focus = latest(HotSeat, "focus")
    if focus != "Help me choose between two pricing pages.":
        wrong.append(f"hot seat focus quoted in Welsh: {focus!r}")
    for style in range(len(STYLES)):
        member = PEOPLE[style % len(PEOPLE)][0]
        before = len(relay.received)
        client, expected = reply(smtp, intros[member], member, style, f"buddy note {style}")
        run_jobs(settings)
        notes = [r for r in relay.received[before:] if r.rcpt_tos != [member]]
        texts = {r.message.get_body(("plain",)).get_content() for r in notes}
        if not notes or not all(clean_text(expected) in t.replace("\r\n", "\n") for t in texts):
            wrong.append(f"buddy note via {client}: {sorted(texts)!r}")
    assert db.scalar(select(BuddyGroup.id)) is not None
    assert wrong == [], "\n".join(wrong)
