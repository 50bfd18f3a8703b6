"""Filing accepted mail: every community it was for, once per post, and only by its owner."""

from datetime import UTC, datetime

from sqlalchemy import select

from community import links, members, rounds
from community.addresses import ReplyToken, TokenKind, reply_address
from community.db import transaction
from community.members import link_payload
from community.models import Commitment, HeldMessage, InboundStatus, Member, Thread
from community.tokens import LinkPurpose, Signer

from ..helpers import Signup, fresh, uow
from .test_inbound import DOMAIN, mail, posts, ready_circle_id, stored

pytest_plugins = ["tests.integration.test_inbound"]


def member_row(db, address, community_id=None) -> Member:
    db.expire_all()
    query = select(Member).where(Member.address == address)
    if community_id is not None:
        query = query.where(Member.community_id == community_id)
    found = db.scalar(query)
    db.commit()
    return found


def thread_address(settings, member, thread_id) -> str:
    token = ReplyToken(TokenKind.THREAD, member.id, thread_id, member.link_version)
    return reply_address(settings.secret_key, "circle", DOMAIN, token)


def first_post(server, ready, db, work) -> int:
    """Anne starts a thread; returns its id (plain data: no lazy load opens a transaction)."""
    server.send(
        mail("Anne <anne@example.com>", f"circle@{DOMAIN}", "Goals", "Ship the beta."),
        [f"circle@{DOMAIN}"],
    )
    work()
    ready.handler.received.clear()
    [post] = posts(db)
    return post.thread_id


def test_bcc_to_two_circles_in_two_transactions_posts_in_both(
    server, ready, make_community, sessions, db, work
):
    """The same message, two SMTP transactions (a split delivery): both circles get it."""
    other = make_community(slug="writers", name="Writers", host_address="hana@example.com")
    with transaction(sessions) as s:
        members.add_member(uow(s, datetime.now(UTC), DOMAIN), other, "anne@example.com")
    work()
    msg = mail("anne@example.com", "undisclosed-recipients:;", "News", "Hello both circles")
    server.send(msg, [f"circle@{DOMAIN}"])
    server.send(msg, [f"writers@{DOMAIN}"])
    server.send(msg, [f"writers@{DOMAIN}"])  # the second one re-delivered: no new post
    work()
    assert len(stored(db)) == 2
    found = posts(db)
    circles = sorted(fresh(db, Thread, p.thread_id).community_id for p in found)
    assert circles == sorted([ready_circle_id(db), other.id])


def test_reply_all_in_one_transaction_is_one_post_in_the_named_thread(
    server, ready, settings, db, work
):
    thread_id = first_post(server, ready, db, work)
    bart = member_row(db, "bart@example.org")
    personal = thread_address(settings, bart, thread_id)
    reply = mail("bart@example.org", f"{personal}, circle@{DOMAIN}", "Re: Goals", "Go Anne!")
    server.send(reply, [f"circle@{DOMAIN}", personal], mail_from="bart@example.org")
    work()
    first, second = posts(db)
    assert second.thread_id == first.thread_id and second.body == "Go Anne!"
    assert sorted(r.rcpt_tos[0] for r in ready.received) == [
        "anne@example.com",
        "cleo@example.net",
        "hana@example.com",
    ]


def test_reply_all_in_two_transactions_is_still_one_post(server, ready, settings, db, work):
    thread_id = first_post(server, ready, db, work)
    bart = member_row(db, "bart@example.org")
    personal = thread_address(settings, bart, thread_id)
    reply = mail("bart@example.org", f"{personal}, circle@{DOMAIN}", "Re: Goals", "Go Anne!")
    server.send(reply, [personal], mail_from="bart@example.org")
    server.send(reply, [f"circle@{DOMAIN}"], mail_from="bart@example.org")
    work()
    assert len(posts(db)) == 2
    second = stored(db)[-1]
    assert second.status == InboundStatus.DISCARDED and "already filed" in second.outcome
    assert len(ready.received) == 3  # one copy for each other reader, not two


def test_reply_all_to_a_prompt_is_the_commitment_not_a_new_thread(
    server, ready, settings, sessions, db, work
):
    with transaction(sessions) as s:
        from community.communities import get_community

        rnd = rounds.open_round(uow(s, datetime.now(UTC)), get_community(s, "circle"), "2026-W10")
        round_id = rnd.id
    bart = member_row(db, "bart@example.org")
    token = ReplyToken(TokenKind.COMMITMENT, bart.id, round_id, bart.link_version)
    personal = reply_address(settings.secret_key, "circle", DOMAIN, token)
    answer = mail("bart@example.org", personal, "Re: Your commitment", "Run three times.")
    server.send(answer, [personal, f"circle@{DOMAIN}"], mail_from="bart@example.org")
    work()
    assert posts(db) == []
    [commitment] = db.scalars(select(Commitment)).all()
    db.commit()
    assert commitment.text == "Run three times."


def test_another_members_personal_reply_address_is_held(server, ready, settings, db, work):
    """Cleo writes through the reply address on Bart's copy (forwarded to her)."""
    thread_id = first_post(server, ready, db, work)
    bart = member_row(db, "bart@example.org")
    barts = thread_address(settings, bart, thread_id)
    server.send(
        mail("cleo@example.net", barts, "Re: Goals", "Me too!"),
        [barts],
        mail_from="cleo@example.net",
    )
    work()
    assert len(posts(db)) == 1
    held = db.scalar(select(HeldMessage))
    db.commit()
    assert "belongs to bart@example.org" in held.reason and "cleo@example.net" in held.reason
    assert [r.rcpt_tos for r in ready.received] == [["hana@example.com"]]  # the host decides


def test_after_leaving_no_old_address_or_link_acts_for_the_member(
    server, ready, settings, sessions, db, work, client
):
    with transaction(sessions) as s:
        from community.communities import get_community

        rnd = rounds.open_round(uow(s, datetime.now(UTC)), get_community(s, "circle"), "2026-W10")
        round_id = rnd.id
    bart = member_row(db, "bart@example.org")
    token = ReplyToken(TokenKind.COMMITMENT, bart.id, round_id, bart.link_version)
    commitment_address = reply_address(settings.secret_key, "circle", DOMAIN, token)
    # The links every mail to Bart carried while he was a member.
    signer = Signer(settings.secret_key)
    unsubscribe = links.unsubscribe_url(
        settings.base_url, signer.sign(LinkPurpose.UNSUBSCRIBE, link_payload(bart))
    )
    preferences = links.preferences_url(
        settings.base_url, signer.sign(LinkPurpose.PREFERENCES, link_payload(bart))
    )
    checkin = links.checkin_url(
        settings.base_url,
        signer.sign(LinkPurpose.CHECKIN, link_payload(bart, r=str(round_id), a="done")),
    )
    path = "/" + unsubscribe.split("/", 3)[3]
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # again
    assert member_row(db, "bart@example.org").status == "unsubscribed"

    # A reply to last week's prompt, sent after leaving, does not count as a commitment.
    late = mail("bart@example.org", commitment_address, "Re: commitment", "Run three times.")
    server.send(late, [commitment_address], mail_from="bart@example.org")
    work()
    assert db.scalars(select(Commitment)).all() == []
    held = db.scalar(select(HeldMessage))
    db.commit()
    assert "revoked" in held.reason
    assert Signup(client).follow(preferences, button=False).status_code == 400
    assert Signup(client).follow(checkin, button=False).status_code == 400

    # Bart re-joins: the unsubscribe link from his first membership must not act again.
    with transaction(sessions) as s:
        from community.communities import get_community

        members.add_member(
            uow(s, datetime.now(UTC), DOMAIN), get_community(s, "circle"), "bart@example.org"
        )
    assert member_row(db, "bart@example.org").status == "active"
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 400
    assert member_row(db, "bart@example.org").status == "active"
    assert Signup(client).follow(preferences, button=False).status_code == 400
