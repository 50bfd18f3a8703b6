"""How a circle is doing, for its host: who writes, who went quiet, what waits for a reply.

Measured from what members do (posts, replies, commitments, check-ins), never from
opens: mail privacy protection makes opens meaningless. Weeks are ISO weeks in the
community's local time, as everywhere in the weekly loop. The host is not counted:
these are the figures of the people they look after.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .communities import waitlist_length
from .models import (
    Commitment,
    Community,
    DeliveryStatus,
    Member,
    MemberStatus,
    Post,
    Role,
    Round,
    Thread,
)
from .schedule import local_instant, shift_week, week_of

QUIET_WEEKS = 2  # silent this many weeks in a row: the host hears of it
UNANSWERED_AFTER = timedelta(days=2)
UNANSWERED_LOOKBACK = timedelta(days=28)  # older silence is history, not a to-do
TREND_WEEKS = 4


@dataclass(frozen=True)
class MemberWeek:
    """What one member did in one week."""

    member_id: int
    name: str
    address: str
    week: str
    posts: int  # conversations they started
    replies: int
    committed: bool
    checked_in: bool

    @property
    def active(self) -> bool:
        return bool(self.posts or self.replies or self.committed or self.checked_in)


@dataclass(frozen=True)
class WeekFigures:
    week: str
    members: int  # seat holders (not the host) during the week
    writers: int  # of whom posted or replied
    posts: int
    replies: int
    commitments: int
    checkins: int

    @property
    def reply_rate(self) -> int:
        """Share of members who wrote that week, in percent."""
        return round(100 * self.writers / self.members) if self.members else 0


@dataclass(frozen=True)
class QuietMember:
    member_id: int
    name: str
    address: str
    weeks: int  # silent weeks in a row, up to this one
    last_active: str | None  # the last week they did anything, if any in the window


@dataclass(frozen=True)
class UnansweredThread:
    id: int  # the thread's
    subject: str
    author: str
    days: int  # how long it has waited


@dataclass(frozen=True)
class StoppedMember:
    member_id: int
    name: str
    address: str
    since: str  # local date of the last bounce


@dataclass(frozen=True)
class HostHealth:
    week: str
    weeks: tuple[WeekFigures, ...]  # oldest first; the last is this week
    quiet: tuple[QuietMember, ...]
    unanswered: tuple[UnansweredThread, ...]
    bouncing: tuple[StoppedMember, ...]
    waitlist: int
    quiet_weeks: int

    @property
    def this_week(self) -> WeekFigures:
        return self.weeks[-1]

    @property
    def trend(self) -> str:
        """ "up", "down" or "steady": this week's rate against the weeks before."""
        earlier = [w.reply_rate for w in self.weeks[:-1] if w.members]
        if not earlier:
            return "steady"
        average = sum(earlier) / len(earlier)
        delta = self.this_week.reply_rate - average
        return "up" if delta >= 10 else "down" if delta <= -10 else "steady"


@dataclass(frozen=True)
class HostReport:
    weeks: tuple[str, ...]
    figures: tuple[WeekFigures, ...]
    rows: tuple[MemberWeek, ...]  # by member, then week


def weeks_back(now: datetime, tz: str, count: int) -> list[str]:
    """The last `count` ISO weeks up to and including the current one, oldest first."""
    current = week_of(now, tz)
    return [shift_week(current, -k) for k in range(count - 1, -1, -1)]


def _bounds(tz: str, week: str) -> tuple[datetime, datetime]:
    return local_instant(tz, week, 0, 0), local_instant(tz, shift_week(week, 1), 0, 0)


def _people(session: Session, community: Community) -> list[Member]:
    """Seat holders whose activity the host watches: everyone but the host."""
    return list(
        session.scalars(
            select(Member)
            .where(
                Member.community_id == community.id,
                Member.status == MemberStatus.ACTIVE,
                Member.role != Role.HOST,
            )
            .order_by(Member.id)
        )
    )


def member_weeks(
    session: Session, community: Community, weeks: list[str], now: datetime
) -> tuple[list[Member], list[MemberWeek]]:
    """Each member's posts, replies, commitment and check-in, week by week.

    Weeks before a member took their seat are left out; the current week counts up
    to `now`."""
    tz = community.timezone
    people = _people(session, community)
    ids = [m.id for m in people]
    start, end = _bounds(tz, weeks[0])[0], min(_bounds(tz, weeks[-1])[1], now)
    first_posts = (
        select(func.min(Post.id))
        .join(Thread, Post.thread_id == Thread.id)
        .where(Thread.community_id == community.id)
        .group_by(Post.thread_id)
    )
    opened = set(session.scalars(first_posts))
    posts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for post_id, author_id, created in session.execute(
        select(Post.id, Post.author_id, Post.created_at)
        .join(Thread, Post.thread_id == Thread.id)
        .where(
            Thread.community_id == community.id,
            Post.author_id.in_(ids),
            Post.created_at >= start,
            Post.created_at < end,
        )
    ):
        assert author_id is not None
        posts[(author_id, week_of(created, tz))][0 if post_id in opened else 1] += 1
    loop: dict[tuple[int, str], tuple[bool, bool]] = {}
    for member_id, week, text, result in session.execute(
        select(Commitment.member_id, Round.week, Commitment.text, Commitment.result)
        .join(Round, Commitment.round_id == Round.id)
        .where(
            Round.community_id == community.id,
            Round.week.in_(weeks),
            Commitment.member_id.in_(ids),
        )
    ):
        loop[(member_id, week)] = (bool(text), result is not None)
    rows = []
    for member in people:
        for week in weeks:
            week_end = _bounds(tz, week)[1]
            if member.activated_at is not None and member.activated_at >= week_end:
                continue  # not a member yet
            started, replied = posts.get((member.id, week), (0, 0))
            committed, checked = loop.get((member.id, week), (False, False))
            rows.append(
                MemberWeek(
                    member.id,
                    member.name_or_address,
                    member.address,
                    week,
                    started,
                    replied,
                    committed,
                    checked,
                )
            )
    return people, rows


def _figures(weeks: list[str], rows: list[MemberWeek]) -> tuple[WeekFigures, ...]:
    out = []
    for week in weeks:
        these = [r for r in rows if r.week == week]
        out.append(
            WeekFigures(
                week,
                members=len(these),
                writers=sum(1 for r in these if r.posts or r.replies),
                posts=sum(r.posts for r in these),
                replies=sum(r.replies for r in these),
                commitments=sum(1 for r in these if r.committed),
                checkins=sum(1 for r in these if r.checked_in),
            )
        )
    return tuple(out)


def host_report(session: Session, community: Community, now: datetime, weeks: int) -> HostReport:
    """`kith host report`: the health figures per member and week."""
    wanted = weeks_back(now, community.timezone, weeks)
    _, rows = member_weeks(session, community, wanted, now)
    return HostReport(tuple(wanted), _figures(wanted, rows), tuple(rows))


def host_health(
    session: Session, community: Community, now: datetime, quiet_weeks: int = QUIET_WEEKS
) -> HostHealth:
    """The health section of the host's digest preview."""
    tz = community.timezone
    window = max(TREND_WEEKS, quiet_weeks + 1)
    wanted = weeks_back(now, tz, window)
    people, rows = member_weeks(session, community, wanted, now)
    by_member: dict[int, list[MemberWeek]] = defaultdict(list)
    for row in rows:
        by_member[row.member_id].append(row)
    quiet = []
    for member in people:
        if member.delivery_status != DeliveryStatus.ENABLED:
            continue  # paused by choice, or listed below as bouncing
        history = by_member.get(member.id, [])
        silent = 0
        for row in reversed(history):
            if row.active:
                break
            silent += 1
        if silent >= quiet_weeks:
            last = next((r.week for r in reversed(history) if r.active), None)
            quiet.append(
                QuietMember(member.id, member.name_or_address, member.address, silent, last)
            )
    bouncing = tuple(
        StoppedMember(
            m.id,
            m.name_or_address,
            m.address,
            m.last_bounce_at.astimezone(ZoneInfo(tz)).date().isoformat()
            if m.last_bounce_at
            else "",
        )
        for m in people
        if m.delivery_status == DeliveryStatus.BOUNCING
    )
    return HostHealth(
        week=wanted[-1],
        weeks=_figures(wanted, rows)[-TREND_WEEKS:],
        quiet=tuple(quiet),
        unanswered=unanswered_threads(session, community, now),
        bouncing=bouncing,
        waitlist=waitlist_length(session, community),
        quiet_weeks=quiet_weeks,
    )


def unanswered_threads(
    session: Session, community: Community, now: datetime
) -> tuple[UnansweredThread, ...]:
    """Conversations of one post, started more than two days ago (within four weeks)."""
    counts = (
        select(Post.thread_id, func.count(Post.id).label("n")).group_by(Post.thread_id).subquery()
    )
    found = session.execute(
        select(Thread, Member)
        .join(counts, counts.c.thread_id == Thread.id)
        .outerjoin(Member, Member.id == Thread.started_by_id)
        .where(
            Thread.community_id == community.id,
            counts.c.n == 1,
            Thread.created_at < now - UNANSWERED_AFTER,
            Thread.created_at >= now - UNANSWERED_LOOKBACK,
        )
        .order_by(Thread.created_at)
    ).all()
    return tuple(
        UnansweredThread(
            t.id,
            t.subject,
            m.name_or_address if m is not None else "someone",
            (now - t.created_at).days,
        )
        for t, m in found
    )
