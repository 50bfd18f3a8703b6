"""Accountability buddies over two simulated weeks: made with the prompt (paused members
left out), introduced by mail with an address that reaches the buddies only, "did you
two talk?" in one click, reported in the digest; real SMTP, workers, relay and web."""

import re
from collections import Counter
from datetime import date, timedelta
from itertools import combinations

from sqlalchemy import select

from community import buddies, members
from community.db import transaction
from community.models import Community, HeldMessage
from community.rounds import participants

from ..conftest import run_jobs
from ..helpers import Signup, mails_to
from .test_inbound import mail
from .test_sessions import kith_at
from .test_weekly import START, advance, clock, make_circle, server  # noqa: F401  (fixtures)

PEOPLE = [
    ("anne@example.com", "Anne"),
    ("bart@example.org", "Bart"),
    ("cleo@example.net", "Cleo"),
    ("dave@example.com", "Dave"),
    ("erin@example.com", "Erin"),
    ("finn@example.com", "Finn"),
]


def groups_of(sessions, week):
    with transaction(sessions, read_only=True) as s:
        c = s.scalar(select(Community).where(Community.slug == "duo"))
        return [sorted(m.address for m in g.members) for g in buddies.week_groups(s, c, week)], [
            m.address for m in participants(s, c)
        ]


def test_buddies_are_paired_introduced_relayed_and_reported(
    clock,  # noqa: F811
    settings,
    sessions,
    relay,
    db,
    server,  # noqa: F811
    client,
):
    make_circle(sessions, "duo", "UTC", PEOPLE)
    run_jobs(settings)
    assert (
        "new pairs every 1 week"
        in kith_at(clock, settings, relay, "pairs", "duo", "--every", "1").stdout
    )
    assert kith_at(clock, settings, relay, "pairs", "duo", "--every", "99").returncode == 2
    with transaction(sessions) as s:  # Finn takes a break: no buddy for him
        c = s.scalar(select(Community).where(Community.slug == "duo"))
        members.pause(s, members.find_member(s, c, "finn@example.com"), date(2026, 4, 30))

    advance(clock, settings, START + timedelta(hours=9))
    groups, people = groups_of(sessions, "2026-W10")
    assert "finn@example.com" not in people
    assert sorted(a for g in groups for a in g) == sorted(people)  # everyone once
    assert Counter(len(g) for g in groups) == (
        {2: len(people) // 2 - 1, 3: 1} if len(people) % 2 else {2: len(people) // 2}
    )
    intros = [r for r in relay.received if "accountability buddy" in r.subject]
    assert sorted(r.rcpt_tos[0] for r in intros) == sorted(people)
    anne_group = next(g for g in groups if "anne@example.com" in g)
    [intro] = mails_to(relay, "anne@example.com", "accountability buddy")
    buddies_named = {dict(PEOPLE).get(a, "Hana") for a in anne_group if a != "anne@example.com"}
    assert all(name in intro["Subject"] for name in buddies_named)
    [prompt] = mails_to(relay, "anne@example.com", "commitment for this week")
    assert "YOUR BUDDY" in prompt.get_body(("plain",)).get_content()
    for address in people:  # everyone commits, so everyone gets the check-in
        [p] = mails_to(relay, address, "commitment for this week")
        reply_to = p["Reply-To"].addresses[0].addr_spec
        server.send(mail(address, reply_to, "Re: prompt", "Walk daily"), [reply_to], address)
    run_jobs(settings)

    # Anne writes to her buddies through the introduction's reply address.
    pair_address = intro["Reply-To"].addresses[0].addr_spec
    assert pair_address.startswith("duo+b-")
    relay.handler.received.clear()
    server.send(
        mail("anne@example.com", pair_address, "Re: " + intro["Subject"], "Halfway there?"),
        [pair_address],
    )
    run_jobs(settings)
    notes = [r for r in relay.received if "Halfway there?" in r.data.decode("utf-8", "replace")]
    assert sorted(r.rcpt_tos[0] for r in notes) == sorted(set(anne_group) - {"anne@example.com"})
    assert all(r.message["From"].addresses[0].display_name == "Anne via Duo" for r in notes)
    # Someone else using Anne's pair address is held for the host, not relayed.
    relay.handler.received.clear()
    server.send(
        mail("erin@example.com", pair_address, "Re: hi", "Sneaking in"),
        [pair_address],
        mail_from="erin@example.com",
    )
    run_jobs(settings)
    seen = [r for r in relay.received if "Sneaking in" in r.data.decode("utf-8", "replace")]
    assert [(r.rcpt_tos, r.subject[:13]) for r in seen] == [(["host@duo.example"], "Held for you:")]
    assert db.scalar(select(HeldMessage).where(HeldMessage.reason.like("%belongs to%")))
    db.commit()

    # At the check-in, a group that has not talked yet gets "did you two talk?".
    advance(clock, settings, START + timedelta(days=4, hours=17))
    other = next(g for g in groups if "anne@example.com" not in g)
    text = mails_to(relay, other[0], "Did you do it?")[-1].get_body(("plain",)).get_content()
    assert "Did you two talk this week? One click says so in the digest:" in text
    [talked] = re.findall(r"http\S+/buddies/talked/\S+", text)
    web = Signup(client, "duo")
    assert 'data-status="pending"' in web.follow(talked, button=False).get_data(as_text=True)
    assert 'data-status="talked"' in web.follow(talked).get_data(as_text=True)
    anne_checkin = mails_to(relay, "anne@example.com", "Did you do it?")[-1]
    assert "You two have talked this week" in anne_checkin.get_body(("plain",)).get_content()

    # The digest says which buddies talked.
    advance(clock, settings, START + timedelta(days=6, hours=18))
    digest = mails_to(relay, "bart@example.org", "weekly")[-1].get_body(("plain",)).get_content()
    digest = digest.replace("\r\n", "\n")
    block = digest[digest.index("Buddies this round:") :].split("\n\n", 1)[0]
    # Anne's group by her note, the other by the click; any others have not said.
    assert block.count(": talked") == 2 and block.count(": not yet") == len(groups) - 2

    # Week two: new buddies, and with four or more people nobody has the same buddy.
    advance(clock, settings, START + timedelta(days=7, hours=9))
    again, people = groups_of(sessions, "2026-W11")
    assert sorted(a for g in again for a in g) == sorted(people)
    first = {frozenset(p) for g in groups for p in combinations(g, 2)}
    repeated = [p for g in again for p in combinations(g, 2) if frozenset(p) in first]
    assert repeated == [] if len(people) % 2 == 0 else len(repeated) <= 1
    intros = [r for r in relay.received if "accountability buddy" in r.subject]
    assert len(intros) == len(people)  # this week's introductions
    out = kith_at(clock, settings, relay, "pairs", "duo").stdout
    assert out.count("since 2026-W11") == len(again)
