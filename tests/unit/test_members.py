"""Membership rules: double opt-in, seats, waitlist, approval, leaving, preferences."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from community import members
from community.communities import create_community, seats_left
from community.errors import CommunityError, InvalidAddress, InvalidLink
from community.models import DeliveryMode, DeliveryStatus, JoinPolicy, MemberStatus, OutboundMessage
from community.outbox import Purpose
from community.tokens import LinkPurpose, Signer

from ..helpers import noon, uow

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DOMAIN = "kith.example"


@pytest.fixture
def circle(db):
    c = create_community(
        uow(db, NOW), slug="circle", name="Circle", host_address="hana@example.com", capacity=2
    )
    return c


def join(db, community, address, now=NOW, limit=3, name=""):
    return members.request_join(
        uow(db, now, DOMAIN), community, address, display_name=name, mails_per_hour=limit
    )


def mails(db, purpose=None, recipient=None):
    q = select(OutboundMessage)
    if purpose:
        q = q.where(OutboundMessage.purpose == purpose)
    if recipient:
        q = q.where(OutboundMessage.recipient == recipient)
    return list(db.scalars(q.order_by(OutboundMessage.id)))


def confirm(db, member, now=NOW):
    return members.confirm_signup(uow(db, now, DOMAIN), member)


def test_join_request_creates_pending_member_and_queues_confirmation(db, circle):
    m = join(db, circle, "Anne@Example.com", name="Anne")
    assert m.status == MemberStatus.PENDING and m.address == "anne@example.com"
    assert m.display_name == "Anne"
    [mail] = mails(db, Purpose.CONFIRM_SIGNUP)
    assert mail.recipient == "anne@example.com" and mail.message_id.endswith("@kith.example>")


def test_confirming_activates_and_welcomes_once(db, circle):
    m = join(db, circle, "anne@example.com")
    confirm(db, m)
    confirm(db, m, now=NOW + timedelta(minutes=5))  # a second click changes nothing
    assert m.status == MemberStatus.ACTIVE and m.activated_at == NOW
    assert len(mails(db, Purpose.WELCOME)) == 1


def test_full_community_waitlists_in_arrival_order(db, circle):
    # capacity 2: two members (the host sits in none of the seats)
    people = [join(db, circle, f"p{i}@example.com") for i in range(4)]
    for i, m in enumerate(people):
        confirm(db, m, now=NOW + timedelta(minutes=i))
    assert [m.status for m in people] == [
        MemberStatus.ACTIVE,
        MemberStatus.ACTIVE,
        MemberStatus.WAITLISTED,
        MemberStatus.WAITLISTED,
    ]
    assert seats_left(db, circle) == 0
    assert len(mails(db, Purpose.WAITLISTED)) == 2

    members.unsubscribe(uow(db, NOW + timedelta(days=1), DOMAIN), people[0])
    assert people[2].status == MemberStatus.ACTIVE  # the head of the line
    assert people[3].status == MemberStatus.WAITLISTED
    [opened] = mails(db, Purpose.SEAT_OPENED)
    assert opened.recipient == "p2@example.com"


def test_removing_a_member_promotes_the_waitlist(db, circle):
    people = [join(db, circle, f"p{i}@example.com") for i in range(3)]
    for m in people:
        confirm(db, m)
    members.remove_member(uow(db, NOW, DOMAIN), people[1])
    assert people[1].status == MemberStatus.REMOVED
    assert people[2].status == MemberStatus.ACTIVE


def test_paused_member_keeps_their_seat(db, circle):
    people = [join(db, circle, f"p{i}@example.com") for i in range(3)]
    for m in people:
        confirm(db, m)
    members.update_preferences(
        uow(db, noon(NOW.date())),
        people[0],
        delivery_mode=DeliveryMode.DIGEST,
        display_name="P",
        paused_until=date(2026, 4, 1),
    )
    assert people[0].status == MemberStatus.ACTIVE
    assert people[0].delivery_status == DeliveryStatus.PAUSED and not people[0].gets_mail
    assert people[2].status == MemberStatus.WAITLISTED
    assert seats_left(db, circle) == 0


def test_resubmitting_is_harmless_and_mail_is_capped(db, circle):
    first = join(db, circle, "anne@example.com")
    for _ in range(5):
        again = join(db, circle, "ANNE@example.com")
    assert again.id == first.id and again.join_requests == 6
    assert len(mails(db, recipient="anne@example.com")) == 3  # the hourly cap
    later = join(db, circle, "anne@example.com", now=NOW + timedelta(hours=2))
    assert later.status == MemberStatus.PENDING
    assert len(mails(db, recipient="anne@example.com")) == 4


def test_existing_member_gets_a_reminder_not_a_confirmation(db, circle):
    m = join(db, circle, "anne@example.com")
    confirm(db, m)
    join(db, circle, "anne@example.com")
    assert m.status == MemberStatus.ACTIVE
    assert [r.purpose for r in mails(db, recipient="anne@example.com")] == [
        Purpose.CONFIRM_SIGNUP,
        Purpose.WELCOME,
        Purpose.ALREADY_MEMBER,
    ]


def test_person_removed_by_host_gets_nothing(db, circle):
    m = join(db, circle, "anne@example.com")
    confirm(db, m)
    members.remove_member(uow(db, NOW, DOMAIN), m)
    before = len(mails(db))
    assert join(db, circle, "anne@example.com") is None
    assert len(mails(db)) == before and m.status == MemberStatus.REMOVED


def test_leaver_can_come_back_through_confirmation(db, circle):
    m = join(db, circle, "anne@example.com")
    confirm(db, m)
    members.unsubscribe(uow(db, NOW, DOMAIN), m)
    join(db, circle, "anne@example.com", now=NOW + timedelta(hours=2))
    assert m.status == MemberStatus.PENDING
    confirm(db, m, now=NOW + timedelta(hours=3))
    assert m.status == MemberStatus.ACTIVE
    assert len(mails(db, Purpose.WELCOME)) == 2


def test_approval_policy_asks_the_host(db):
    c = create_community(
        uow(db, NOW),
        slug="vetted",
        name="Vetted",
        host_address="hana@example.com",
        join_policy=JoinPolicy.APPROVAL,
    )
    a, b = join(db, c, "anne@example.com"), join(db, c, "bart@example.org")
    confirm(db, a)
    confirm(db, b)
    assert a.status == b.status == MemberStatus.AWAITING_APPROVAL
    assert [r.recipient for r in mails(db, Purpose.APPROVAL_REQUEST)] == ["hana@example.com"] * 2
    members.decide_approval(uow(db, NOW, DOMAIN), a, approve=True)
    members.decide_approval(uow(db, NOW, DOMAIN), b, approve=False)
    members.decide_approval(uow(db, NOW, DOMAIN), b, approve=True)  # too late
    assert a.status == MemberStatus.ACTIVE and b.status == MemberStatus.DECLINED
    assert len(mails(db, Purpose.WELCOME)) == 1 and len(mails(db, Purpose.JOIN_DECLINED)) == 1


def test_host_cannot_be_removed(db, circle):
    host = members.get_member(db, circle, "hana@example.com")
    with pytest.raises(CommunityError):
        members.remove_member(uow(db, NOW, DOMAIN), host)


def test_host_add_skips_confirmation(db, circle):
    m = members.add_member(uow(db, NOW, DOMAIN), circle, "bart@example.org", display_name="Bart")
    assert m.status == MemberStatus.ACTIVE and m.display_name == "Bart"
    assert [r.purpose for r in mails(db, recipient="bart@example.org")] == [Purpose.WELCOME]


def test_invalid_address_or_name_stores_nothing(db, circle):
    with pytest.raises(InvalidAddress):
        join(db, circle, "not an address")
    with pytest.raises(CommunityError):
        join(db, circle, "anne@example.com", name="x" * 200)
    assert members.find_member(db, circle, "anne@example.com") is None


def test_pause_resumes_on_its_date(db, circle):
    m = join(db, circle, "anne@example.com")
    confirm(db, m)
    members.update_preferences(
        uow(db, noon(NOW.date())),
        m,
        delivery_mode=DeliveryMode.EACH_POST,
        display_name="",
        paused_until=date(2026, 3, 10),
    )
    assert members.resume_paused(uow(db, noon(date(2026, 3, 9)))) == []
    assert members.resume_paused(uow(db, noon(date(2026, 3, 10)))) == [m]
    assert m.delivery_status == DeliveryStatus.ENABLED and m.paused_until is None
    assert m.status == MemberStatus.ACTIVE and m.gets_mail


def test_a_paused_member_who_bounces_stays_paused_and_clearing_bounces_keeps_the_pause(db, circle):
    """Membership and delivery are two states: bounces of old mail arriving during a
    pause neither end it nor turn it into a bounce stop."""
    from community.bounces import THRESHOLD, clear_bounces, record_bounce

    m = join(db, circle, "anne@example.com")
    confirm(db, m)
    members.pause(db, m, date(2026, 4, 1))
    for _ in range(THRESHOLD):
        record_bounce(uow(db, NOW, DOMAIN), m, permanent=True)
    assert m.bounce_score >= THRESHOLD
    assert m.status == MemberStatus.ACTIVE and m.delivery_status == DeliveryStatus.PAUSED
    clear_bounces(m)
    assert m.delivery_status == DeliveryStatus.PAUSED and m.paused_until == date(2026, 4, 1)


def test_bounces_stop_delivery_but_not_membership_and_clearing_them_resumes_it(db, circle):
    from community.bounces import THRESHOLD, clear_bounces, record_bounce

    m = join(db, circle, "anne@example.com")
    confirm(db, m)
    stopped = [record_bounce(uow(db, NOW, DOMAIN), m, permanent=False) for _ in range(THRESHOLD)]
    assert stopped[-1] is True and stopped.count(True) == 1
    assert m.status == MemberStatus.ACTIVE and m.delivery_status == DeliveryStatus.BOUNCING
    assert m.holds_seat and not m.gets_mail
    clear_bounces(m)
    assert m.delivery_status == DeliveryStatus.ENABLED


@pytest.mark.parametrize("until", [date(2026, 3, 2), date(2026, 1, 1), date(2027, 6, 1)])
def test_pause_date_must_be_in_the_coming_year(db, circle, until):
    m = join(db, circle, "anne@example.com")
    with pytest.raises(CommunityError):
        members.update_preferences(
            uow(db, noon(NOW.date())),
            m,
            delivery_mode=DeliveryMode.DIGEST,
            display_name="",
            paused_until=until,
        )


def test_links_are_revoked_by_bumping_the_version(db, circle):
    signer = Signer("k")
    m = join(db, circle, "anne@example.com")
    db.flush()
    token = signer.sign(LinkPurpose.PREFERENCES, members.link_payload(m))
    assert members.member_from_link(db, signer, LinkPurpose.PREFERENCES, token) is m
    m.link_version += 1
    with pytest.raises(InvalidLink):
        members.member_from_link(db, signer, LinkPurpose.PREFERENCES, token)


def test_link_to_unknown_member_is_invalid(db, circle):
    signer = Signer("k")
    token = signer.sign(LinkPurpose.PREFERENCES, {"m": 99999, "v": 0})
    with pytest.raises(InvalidLink):
        members.member_from_link(db, signer, LinkPurpose.PREFERENCES, token)
