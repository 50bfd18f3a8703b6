"""The live session's rules: what a change is, whose calendar hears of it, and when next."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from community import live_sessions, members
from community.communities import create_community
from community.live_sessions import InvalidSession, SessionSpec
from community.models import OutboundMessage, SessionCadence
from community.outbox import Purpose

from ..helpers import uow

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def circle(db):
    c = create_community(
        uow(db, NOW), slug="circle", name="Circle", host_address="hana@example.com"
    )
    members.add_member(uow(db, NOW), c, "anne@example.com", display_name="Anne")
    return c


def rows(db, purpose):
    return list(db.scalars(select(OutboundMessage).where(OutboundMessage.purpose == purpose)))


def spec(**kw):
    base = {"weekday": 3, "hour": 18, "minute": 0, "join_url": "https://meet.example/x"}
    return SessionSpec(**{**base, **kw})


def test_first_session_is_the_next_such_weekday_and_everyone_is_invited(db, circle):
    out = live_sessions.set_session(uow(db, NOW), circle, spec())
    assert out.created and out.invited == 2  # the host and Anne
    assert out.session.first_date == date(2026, 3, 5)  # the Thursday of that week
    assert {r.recipient for r in rows(db, Purpose.SESSION_INVITATION)} == {
        "hana@example.com",
        "anne@example.com",
    }


def test_asking_for_the_same_session_changes_nothing(db, circle):
    live_sessions.set_session(uow(db, NOW), circle, spec())
    again = live_sessions.set_session(uow(db, NOW), circle, spec())
    assert not again.changed and again.session.sequence == 0 and again.invited == 0
    assert len(rows(db, Purpose.SESSION_INVITATION)) == 2


def test_moving_a_fortnightly_session_to_another_day_keeps_its_weeks(db, circle):
    first = date(2026, 3, 5)  # Thursday, ISO week 10
    live_sessions.set_session(
        uow(db, NOW), circle, spec(cadence=SessionCadence.BIWEEKLY, first_date=first)
    )
    out = live_sessions.set_session(uow(db, NOW), circle, SessionSpec(weekday=0))
    assert out.changed and out.session.sequence == 1
    assert out.session.first_date == date(2026, 3, 2)  # Monday of the same ISO week
    assert len(rows(db, Purpose.SESSION_INVITATION)) == 4  # two invitations, two updates


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (SessionSpec(weekday=1, hour=18), "join link"),
        (spec(join_url="javascript:alert(1)"), "https://"),
        (spec(join_url="https://meet.example/a b"), "spaces"),
        (spec(duration_minutes=5), "minutes"),
        (spec(title="   "), "title"),
        (spec(first_date=date(2026, 3, 4)), "not a Thursday"),
    ],
)
def test_bad_sessions_are_refused_and_store_nothing(db, circle, bad, message):
    with pytest.raises(InvalidSession, match=message):
        live_sessions.set_session(uow(db, NOW), circle, bad)
    assert rows(db, Purpose.SESSION_INVITATION) == []


def test_leaving_cancels_only_for_the_invited_and_raises_the_sequence(db, circle):
    bart = members.add_member(uow(db, NOW), circle, "bart@example.org")
    members.unsubscribe(uow(db, NOW), bart)  # before any session: nothing to cancel
    assert rows(db, Purpose.SESSION_CANCELLATION) == []
    out = live_sessions.set_session(uow(db, NOW), circle, spec())
    anne = members.find_member(db, circle, "anne@example.com")
    members.unsubscribe(uow(db, NOW), anne)
    [cancel] = rows(db, Purpose.SESSION_CANCELLATION)
    assert cancel.recipient == "anne@example.com"
    assert cancel.context["session"]["sequence"] == 1 == out.session.sequence
    # Back again: an invitation newer than the cancellation their calendar holds.
    members.add_member(uow(db, NOW), circle, "anne@example.com")
    latest = [r for r in rows(db, Purpose.SESSION_INVITATION) if r.recipient == anne.address]
    assert [r.context["session"]["sequence"] for r in latest] == [0, 1]


@pytest.mark.parametrize(
    ("cadence", "after", "expected"),
    [
        (SessionCadence.WEEKLY, datetime(2026, 3, 5, 16, 59, tzinfo=UTC), "2026-03-05 18:00"),
        # One starting at this very moment is not "next" (18:00 Paris is 17:00 UTC).
        (SessionCadence.WEEKLY, datetime(2026, 3, 5, 17, 0, tzinfo=UTC), "2026-03-12 18:00"),
        (SessionCadence.BIWEEKLY, datetime(2026, 3, 6, tzinfo=UTC), "2026-03-19 18:00"),
        # After the change to summer time (29 March) it is still 18:00 in Paris.
        (SessionCadence.BIWEEKLY, datetime(2026, 3, 20, tzinfo=UTC), "2026-04-02 18:00"),
    ],
)
def test_next_start_is_at_local_time_on_the_cadence(db, cadence, after, expected):
    from zoneinfo import ZoneInfo

    c = create_community(
        uow(db, NOW), slug="paris", name="P", host_address="h@example.com", timezone="Europe/Paris"
    )
    s = live_sessions.set_session(
        uow(db, NOW), c, spec(cadence=cadence, first_date=date(2026, 3, 5))
    ).session
    found = live_sessions.next_start(live_sessions.facts(s), c.timezone, after)
    assert found.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d %H:%M") == expected


def test_a_calendar_is_cancelled_once_however_the_member_goes(db, circle):
    from community import seasons

    live_sessions.set_session(uow(db, NOW), circle, spec())
    season = seasons.create(
        uow(db, NOW), circle, name="S", starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 8)
    )
    seasons.close(uow(db, NOW), circle, season)  # Anne becomes an alumna: cancelled
    anne = members.find_member(db, circle, "anne@example.com")
    members.unsubscribe(uow(db, NOW), anne)  # ... and then leaves: nothing more to cancel
    assert [r.recipient for r in rows(db, Purpose.SESSION_CANCELLATION)] == ["anne@example.com"]
