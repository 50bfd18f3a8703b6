"""Seasons: a cohort that runs between two dates.

A community with seasons runs its weekly loop only while a season runs: before the
start members get a welcome and a "starts on ..." mail and no prompts; an optional
application period before it sends every join request to the host. When the season is
over (its end date passed, or the host ends it) everyone gets a closing digest and the
members become alumni: no prompts, no seat, the archive still theirs, posting as the
host chose. When the next season is announced, alumni re-enrol with one click and take
a seat again, or a place on the waitlist.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from . import live_sessions, outbox, schedule
from .errors import CommunityError
from .models import (
    CheckinStatus,
    Commitment,
    Community,
    Member,
    MemberStatus,
    OutboundMessage,
    Post,
    Role,
    Season,
    Thread,
)
from .outbox import Purpose
from .rounds import best_streak, loop_rounds, streak_marks
from .schedule import Unit, shift_week, week_of
from .uow import UnitOfWork

MAX_NAME = 120
MOST_REPLIED = 3


class InvalidSeason(CommunityError):
    pass


class Phase(enum.StrEnum):
    UPCOMING = "upcoming"
    RUNNING = "running"
    OVER = "over"  # past its end date, not closed yet
    ENDED = "ended"  # closed: closing digest sent, alumni made


def today(community: Community, now: datetime) -> date:
    return now.astimezone(ZoneInfo(community.timezone)).date()


def phase(s: Season, on: date) -> Phase:
    if s.ended_at is not None:
        return Phase.ENDED
    if on < s.starts_on:
        return Phase.UPCOMING
    return Phase.RUNNING if on <= s.ends_on else Phase.OVER


def all_seasons(session: Session, community: Community) -> list[Season]:
    return list(
        session.scalars(
            select(Season).where(Season.community_id == community.id).order_by(Season.starts_on)
        )
    )


def current(session: Session, community: Community, now: datetime) -> Season | None:
    """The season running or coming next, else the last one (None: no seasons)."""
    found = all_seasons(session, community)
    on = today(community, now)
    live = [s for s in found if phase(s, on) in (Phase.RUNNING, Phase.OVER, Phase.UPCOMING)]
    return live[0] if live else (found[-1] if found else None)


def create(
    uow: UnitOfWork,
    community: Community,
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    applications_from: date | None = None,
    applications_until: date | None = None,
    alumni_can_post: bool = False,
) -> Season:
    """A new season; members (and alumni, with a re-enrol link) hear when it starts.
    Seats an ended season left free go first to those on the waitlist, in turn.

    Raises InvalidSeason for dates that do not make a season."""
    from .members import promote_waitlist

    name = " ".join(name.split())[:MAX_NAME]
    if not name:
        raise InvalidSeason("give the season a name")
    on = today(community, uow.now)
    if not on <= starts_on <= ends_on:
        raise InvalidSeason("a season starts today or later and ends on or after its start")
    if (applications_from is None) != (applications_until is None):
        raise InvalidSeason("an application period needs both its first and last day")
    if (
        applications_from is not None
        and applications_until is not None
        and not applications_from <= applications_until < starts_on
    ):
        raise InvalidSeason("applications open and close before the season starts")
    for other in all_seasons(uow.session, community):
        if other.ended_at is None and other.starts_on <= ends_on and starts_on <= other.ends_on:
            raise InvalidSeason(f"it overlaps {other.name} ({other.starts_on}–{other.ends_on})")
    season = Season(
        community_id=community.id,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        applications_from=applications_from,
        applications_until=applications_until,
        alumni_can_post=alumni_can_post,
        created_at=uow.now,
    )
    uow.session.add(season)
    uow.session.flush()
    for member in uow.session.scalars(
        select(Member)
        .where(
            Member.community_id == community.id,
            Member.status.in_((MemberStatus.ACTIVE, MemberStatus.ALUMNI)),
            Member.role != Role.HOST,
        )
        .order_by(Member.id)
    ):
        _announce(uow, season, member)
    promote_waitlist(uow, community)  # each hears of the season as they take a seat
    return season


def _announce(uow: UnitOfWork, season: Season, member: Member) -> None:
    outbox.queue_mail(
        uow,
        purpose=Purpose.SEASON_UPCOMING,
        subject=f"season:{season.id}:{member.join_requests}",
        recipient=member.address,
        community_id=season.community_id,
        member_id=member.id,
        context={"season_id": season.id},
    )


def member_joined(uow: UnitOfWork, member: Member) -> None:
    """Someone who takes a seat before the season starts (or is approved for one) hears
    when it does."""
    season = current(uow.session, member.community, uow.now)
    if season is None or phase(season, today(member.community, uow.now)) != Phase.UPCOMING:
        return
    told = uow.session.scalar(
        select(OutboundMessage.id)
        .where(
            OutboundMessage.purpose == Purpose.SEASON_UPCOMING,
            OutboundMessage.member_id == member.id,
            OutboundMessage.subject.like(f"season:{season.id}:%"),
        )
        .limit(1)
    )
    if told is None:  # an alumna re-enrolling had the announcement already
        _announce(uow, season, member)


def seats_at_start(session: Session, community: Community, now: datetime) -> Season | None:
    """The upcoming season whose applicants are seated when it starts, if there is one:
    a season with an application period, not started yet."""
    season = current(session, community, now)
    if (
        season is None
        or season.applications_from is None
        or phase(season, today(community, now)) != Phase.UPCOMING
    ):
        return None
    return season


def applications_open(session: Session, community: Community, now: datetime) -> bool:
    season = current(session, community, now)
    if season is None or season.applications_from is None or season.applications_until is None:
        return False
    return season.applications_from <= today(community, now) <= season.applications_until


def loop_runs(uow: UnitOfWork, community: Community) -> bool:
    """Whether the weekly loop may run now: always without seasons, else only while
    one runs. A season past its end is closed here (the first loop step after it), and
    a running season seats its approved applicants before its first prompt."""
    from .members import seat_applicants

    seasons = all_seasons(uow.session, community)
    if not seasons:
        return True
    on = today(community, uow.now)
    for s in seasons:
        if phase(s, on) == Phase.OVER:
            close(uow, community, s)
    runs = any(phase(s, on) == Phase.RUNNING for s in seasons)
    if runs:
        seat_applicants(uow, community)
    return runs


def off_season(found: list[Season], community: Community, now: datetime) -> bool:
    """`found` (a community's seasons) has some, none of them running today: before the
    first, between two, or after the last."""
    on = today(community, now)
    return bool(found) and not any(phase(s, on) in (Phase.RUNNING, Phase.OVER) for s in found)


def next_in_season(
    found: list[Season], community: Community, unit: Unit, after: datetime
) -> datetime | None:
    """When `unit` of the weekly loop next happens after `after`, given the community's
    seasons (`found`): its next occurrence without seasons; with seasons, the first one
    on a day a season runs (None when no season is ahead, so the digest never promises
    a prompt that will not come)."""
    at = schedule.next_occurrences(community, after).get(unit)
    if at is None or not found:
        return at
    last = max((s.ends_on for s in found if s.ended_at is None), default=None)
    while last is not None and (on := today(community, at)) <= last:
        if any(phase(s, on) == Phase.RUNNING for s in found):
            return at
        at = schedule.week_plan(community, shift_week(week_of(at, community.timezone), 1))[unit]
    return None


def running(session: Session, community: Community, now: datetime) -> Season | None:
    on = today(community, now)
    return next((s for s in all_seasons(session, community) if phase(s, on) == Phase.RUNNING), None)


def end_now(uow: UnitOfWork, community: Community) -> Season:
    """The host ends the running season today. Raises InvalidSeason if none runs."""
    on = today(community, uow.now)
    found = [
        s
        for s in all_seasons(uow.session, community)
        if phase(s, on) in (Phase.RUNNING, Phase.OVER)
    ]
    if not found:
        raise InvalidSeason(f"{community.slug} has no season running")
    season = found[0]
    season.ends_on = min(season.ends_on, on)
    close(uow, community, season)
    return season


def close(uow: UnitOfWork, community: Community, season: Season) -> int:
    """The closing digest to everyone who took part, then they become alumni (the host
    stays host). Safe to run twice; returns how many became alumni."""
    if season.ended_at is not None:
        return 0
    season.ended_at = uow.now
    people = list(
        uow.session.scalars(
            select(Member)
            .where(Member.community_id == community.id, Member.status == MemberStatus.ACTIVE)
            .order_by(Member.id)
        )
    )
    for member in people:
        outbox.queue_mail(
            uow,
            purpose=Purpose.SEASON_CLOSING,
            subject=f"season:{season.id}:closing",
            recipient=member.address,
            community_id=community.id,
            member_id=member.id,
            context={"season_id": season.id},
        )
    made = 0
    for member in people:
        if member.role == Role.HOST:
            continue
        member.status = MemberStatus.ALUMNI
        made += 1
        uow.session.flush()
        live_sessions.member_left(uow, member)
    uow.session.flush()
    return made


# -- the closing digest ------------------------------------------------------------


@dataclass(frozen=True)
class SeasonRow:
    name: str
    commitments: int
    done: int
    best_streak: int


@dataclass(frozen=True)
class SeasonThread:
    subject: str
    replies: int


@dataclass(frozen=True)
class SeasonSummary:
    name: str
    starts_on: date
    ends_on: date
    rounds: int
    rows: tuple[SeasonRow, ...]
    threads: tuple[SeasonThread, ...]


def summary(session: Session, community: Community, season: Season) -> SeasonSummary:
    """The season's commitments and streaks per member, and its most-replied threads."""
    tz = ZoneInfo(community.timezone)
    first = week_of(datetime.combine(season.starts_on, datetime.min.time(), tz), community.timezone)
    last = week_of(datetime.combine(season.ends_on, datetime.min.time(), tz), community.timezone)
    rounds = loop_rounds(session, community, first=first, last=last)
    marks = streak_marks(session, community, rounds)
    by_member: dict[int, list[Commitment]] = {}
    for c in session.scalars(
        select(Commitment).where(Commitment.round_id.in_([r.id for r in rounds]))
    ):
        by_member.setdefault(c.member_id, []).append(c)
    rows = []
    for member_id, entries in by_member.items():
        member = session.get(Member, member_id)
        if member is None:
            continue
        rows.append(
            SeasonRow(
                member.name_or_address,
                sum(1 for c in entries if c.text),
                sum(1 for c in entries if c.result == CheckinStatus.DONE),
                best_streak(marks.get(member_id, [])),
            )
        )
    rows.sort(key=lambda r: (-r.done, -r.best_streak, r.name.lower()))
    start = datetime.combine(season.starts_on, datetime.min.time(), tz)
    end = datetime.combine(season.ends_on + timedelta(days=1), datetime.min.time(), tz)
    counts = session.execute(
        select(Thread.subject, func.count(Post.id))
        .join(Post, Post.thread_id == Thread.id)
        .where(Thread.community_id == community.id, Post.created_at >= start, Post.created_at < end)
        .group_by(Thread.id, Thread.subject)
        .order_by(func.count(Post.id).desc(), Thread.id)
        .limit(MOST_REPLIED)
    ).all()
    return SeasonSummary(
        season.name,
        season.starts_on,
        season.ends_on,
        len(rounds),
        tuple(rows),
        tuple(SeasonThread(subject, max(0, n - 1)) for subject, n in counts if n > 1),
    )


def reenrol(uow: UnitOfWork, member: Member) -> Member:
    """An alumna takes part in the next season: a seat, or the waitlist when full."""
    from .members import add_member

    if member.status != MemberStatus.ALUMNI:
        return member
    return add_member(uow, member.community, member.address)


def alumni_may_post(session: Session, community: Community) -> bool:
    """Whether the host left posting open to the alumni of the last ended season."""
    ended = [s for s in all_seasons(session, community) if s.ended_at is not None]
    return bool(ended) and ended[-1].alumni_can_post


@dataclass(frozen=True)
class PageSeason:
    """What the community page says of its season: dates only, so the page (cached
    until a season row changes) never goes stale when a day passes."""

    name: str
    starts_on: date
    ends_on: date
    applications_from: date | None
    applications_until: date | None
    ended: bool


_PAGE_SEASON = (
    select(
        Season.name,
        Season.starts_on,
        Season.ends_on,
        Season.applications_from,
        Season.applications_until,
        Season.ended_at,
    )
    .join(Community, Community.id == Season.community_id)
    .where(Community.slug == bindparam("slug"))
    # The next or running season (not closed), else the last one that was.
    .order_by(Season.ended_at.is_not(None), Season.starts_on.desc())
)


def page_season(conn: Session | Connection, slug: str) -> PageSeason | None:
    rows = conn.execute(_PAGE_SEASON, {"slug": slug.lower()}).all()
    open_ = sorted((r for r in rows if r[5] is None), key=lambda r: r[1])
    row = open_[0] if open_ else (rows[0] if rows else None)
    if row is None:
        return None
    name, start, end, app_from, app_until, ended_at = row
    return PageSeason(name, start, end, app_from, app_until, ended_at is not None)
