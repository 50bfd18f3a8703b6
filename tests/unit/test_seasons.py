"""Season rules: dates that make a season, phases, and what alumni may do."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from community import members, seasons, threads
from community.communities import create_community
from community.models import MemberStatus, OutboundMessage
from community.outbox import Purpose
from community.seasons import InvalidSeason, Phase

from ..helpers import uow

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def circle(db):
    c = create_community(uow(db, NOW), slug="c", name="C", host_address="h@example.com")
    for name in ("anne", "bart"):
        members.add_member(uow(db, NOW), c, f"{name}@example.com", display_name=name.title())
    return c


@pytest.mark.parametrize(
    ("start", "end", "apply", "message"),
    [
        (date(2026, 3, 1), date(2026, 3, 20), None, "starts today or later"),
        (date(2026, 3, 9), date(2026, 3, 8), None, "ends on or after"),
        (date(2026, 3, 9), date(2026, 3, 20), (date(2026, 3, 5), date(2026, 3, 9)), "before"),
        (date(2026, 3, 9), date(2026, 3, 20), (date(2026, 3, 6), None), "both"),
    ],
)
def test_bad_seasons_are_refused_and_nobody_is_told(db, circle, start, end, apply, message):
    first, last = apply or (None, None)
    with pytest.raises(InvalidSeason, match=message):
        seasons.create(
            uow(db, NOW),
            circle,
            name="S",
            starts_on=start,
            ends_on=end,
            applications_from=first,
            applications_until=last,
        )
    assert not db.scalars(
        select(OutboundMessage).where(OutboundMessage.purpose.like("season%"))
    ).all()


def test_overlapping_seasons_are_refused(db, circle):
    seasons.create(
        uow(db, NOW), circle, name="A", starts_on=date(2026, 3, 9), ends_on=date(2026, 3, 22)
    )
    with pytest.raises(InvalidSeason, match="overlaps A"):
        seasons.create(
            uow(db, NOW), circle, name="B", starts_on=date(2026, 3, 22), ends_on=date(2026, 4, 5)
        )


def test_phases_follow_local_dates_and_the_loop_runs_only_inside(db, circle):
    s = seasons.create(
        uow(db, NOW), circle, name="A", starts_on=date(2026, 3, 9), ends_on=date(2026, 3, 22)
    )
    assert [seasons.phase(s, date(2026, 3, d)) for d in (8, 9, 22, 23)] == [
        Phase.UPCOMING,
        Phase.RUNNING,
        Phase.RUNNING,
        Phase.OVER,
    ]
    assert not seasons.loop_runs(uow(db, NOW), circle)
    assert seasons.loop_runs(uow(db, datetime(2026, 3, 15, tzinfo=UTC)), circle)
    assert not seasons.loop_runs(uow(db, datetime(2026, 3, 23, 8, tzinfo=UTC)), circle)
    assert seasons.phase(s, date(2026, 3, 23)) == Phase.ENDED  # closed on the way
    anne = members.find_member(db, circle, "anne@example.com")
    assert anne.status == MemberStatus.ALUMNI and anne.holds_seat is False


def test_alumni_read_each_others_posts_only_where_posting_stays_open(db, circle):
    later = datetime(2026, 3, 23, 8, tzinfo=UTC)
    for open_to_alumni in (False, True):
        s = seasons.create(
            uow(db, NOW if not open_to_alumni else later),
            circle,
            name=f"S{open_to_alumni}",
            starts_on=date(2026, 3, 9) if not open_to_alumni else date(2026, 3, 23),
            ends_on=date(2026, 3, 22) if not open_to_alumni else date(2026, 3, 24),
            alumni_can_post=open_to_alumni,
        )
        if open_to_alumni:
            for m in members.list_members(db, circle, (MemberStatus.ALUMNI,)):
                seasons.reenrol(uow(db, later), m)
        seasons.end_now(uow(db, later), circle)
        assert seasons.alumni_may_post(db, circle) is open_to_alumni
        anne = members.find_member(db, circle, "anne@example.com")
        thread = threads.start_thread(uow(db, later), circle, f"Hello {s.id}", anne)
        post = threads.add_post(
            uow(db, later),
            thread,
            author=anne,
            author_name="Anne",
            author_address=anne.address,
            body="Still here",
            full_text="Still here",
            message_id=f"<p{s.id}@example.com>",
            in_reply_to=None,
            inbound_id=None,
        )
        threads.fan_out(uow(db, later), post)
        readers = {
            r.recipient
            for r in db.scalars(
                select(OutboundMessage).where(
                    OutboundMessage.purpose == Purpose.POST,
                    OutboundMessage.subject == f"post:{post.id}",
                )
            )
        }
        expected = {"h@example.com", "bart@example.com"} if open_to_alumni else {"h@example.com"}
        assert readers == expected
