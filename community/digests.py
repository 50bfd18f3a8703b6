"""What a weekly digest contains, as plain data, and the record that it went out once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import buddies, health, hot_seats, live_sessions, schedule, seasons
from .models import (
    Commitment,
    Community,
    DigestRun,
    DigestStatus,
    Member,
    MemberStatus,
    Post,
    Role,
    Round,
    RoundStatus,
    Thread,
)
from .rounds import participants, readers, streaks
from .uow import UnitOfWork

EXCERPT_CHARS = 320
# The post that started a conversation is shown shorter: it is there for context.
OPENING_CHARS = 200
POSTS_PER_THREAD = 4  # the opening post and the three latest replies


@dataclass(frozen=True)
class DigestPost:
    author: str
    when: str  # local time, e.g. "Tue 14:05"
    excerpt: str


@dataclass(frozen=True)
class DigestThread:
    id: int
    subject: str
    new: bool  # started during this digest's period
    unanswered: bool  # nobody has replied yet
    posts: tuple[DigestPost, ...]  # the opening post first, then the latest replies
    more: int  # posts in the period not shown: they sit between the first and the rest


@dataclass(frozen=True)
class RoundRow:
    member_id: int
    name: str
    commitment: str
    result: str  # "done", "partly", "not_done", "unclear", "no_answer", "no_commitment"
    reflection: str
    streak: int


@dataclass(frozen=True)
class RoundSummary:
    week: str
    question: str
    rows: tuple[RoundRow, ...]
    done: int
    partly: int
    not_done: int
    no_answer: int
    partly_counts: bool = False  # the host's choice: "partly" keeps a streak going


@dataclass(frozen=True)
class PairLine:
    """Accountability buddies in the reported round, and whether they talked."""

    names: tuple[str, ...]
    talked: bool


@dataclass(frozen=True)
class DigestContent:
    community_name: str
    slug: str
    week: str
    period_label: str  # "24 February – 2 March"
    threads: tuple[DigestThread, ...]
    round: RoundSummary | None
    joined: tuple[str, ...]
    host_note: str
    next_week: tuple[tuple[str, str], ...]  # (what, when) in local time
    loop_paused: bool
    post_count: int
    health: health.HostHealth | None = None  # the host's preview only
    pairs: tuple[PairLine, ...] = ()
    hot_seat: hot_seats.HotSeatLine | None = None  # opens the digest
    goes_out: str = ""  # when this digest goes (or went) out, in local time
    went_out: bool = False  # sent already: a host's preview of it is a copy
    returned: tuple[str, ...] = ()  # took a seat again this week (a season's alumni)
    off_season: bool = False  # the community has seasons and none runs now

    @property
    def quiet(self) -> bool:
        return (
            not self.threads
            and self.round is None
            and not self.joined
            and not self.returned
            and self.hot_seat is None
        )


def start_digest(uow: UnitOfWork, community: Community, week: str) -> DigestRun:
    """This week's digest record; its period starts where the last sent one ended."""
    session, now = uow.session, uow.now
    found = session.scalar(
        select(DigestRun).where(DigestRun.community_id == community.id, DigestRun.week == week)
    )
    if found is not None:
        return found
    previous_end = session.scalar(
        select(func.max(DigestRun.period_end)).where(
            DigestRun.community_id == community.id, DigestRun.status == DigestStatus.SENT
        )
    )
    run = DigestRun(
        community_id=community.id,
        week=week,
        status=DigestStatus.PENDING,
        host_note="",
        note="",
        created_at=now,
        period_start=previous_end or max(community.created_at, now - timedelta(days=7)),
        recipients=0,
    )
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:
        found = session.scalar(
            select(DigestRun).where(DigestRun.community_id == community.id, DigestRun.week == week)
        )
        assert found is not None
        return found
    return run


def recipients(session: Session, community: Community) -> list[Member]:
    """Everyone in the circle who wants mail gets the digest (whatever their mode),
    the host too, whether or not they take part in the round."""
    return readers(session, community)


def _excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _openings(session: Session, thread_ids: list[int]) -> dict[int, Post]:
    """The first post of each thread, whenever it was written."""
    if not thread_ids:
        return {}
    first = (
        select(Post.thread_id, func.min(Post.id).label("id"))
        .where(Post.thread_id.in_(thread_ids))
        .group_by(Post.thread_id)
        .subquery()
    )
    found = session.scalars(select(Post).join(first, Post.id == first.c.id))
    return {p.thread_id: p for p in found}


def _shown(opening: Post, posts: list[Post]) -> tuple[list[Post], int]:
    """The opening post, then the latest replies; and how many of the period's posts
    that leaves out (the ones in between)."""
    replies = [p for p in posts if p.id != opening.id]
    latest = replies[-(POSTS_PER_THREAD - 1) :]
    return [opening, *latest], len(replies) - len(latest)


def _threads(
    session: Session, community: Community, start: datetime, end: datetime, tz: ZoneInfo
) -> tuple[tuple[DigestThread, ...], int]:
    rows = session.execute(
        select(Post, Thread)
        .join(Thread, Post.thread_id == Thread.id)
        .where(Thread.community_id == community.id, Post.created_at >= start, Post.created_at < end)
        .order_by(Post.created_at, Post.id)
    ).all()
    grouped: dict[int, tuple[Thread, list[Post]]] = {}
    for post, thread in rows:
        grouped.setdefault(thread.id, (thread, []))[1].append(post)
    totals = (
        dict(
            session.execute(
                select(Post.thread_id, func.count(Post.id))
                .where(Post.thread_id.in_(list(grouped)))
                .group_by(Post.thread_id)
            ).all()
        )
        if grouped
        else {}
    )
    openings = _openings(session, list(grouped))

    def digest_post(p: Post, short: bool) -> DigestPost:
        limit = OPENING_CHARS if short else EXCERPT_CHARS
        return DigestPost(p.author_name, when(p), _excerpt(p.body, limit))

    def when(p: Post) -> str:
        local = p.created_at.astimezone(tz)
        # A post from an earlier week gets its date: a weekday alone would mislead.
        if p.created_at >= start:
            return f"{local:%a %H:%M}"
        return f"{local:%a} {local.day} {local:%b}"

    threads = []
    for thread_id, (thread, posts) in grouped.items():
        opening = openings.get(thread_id, posts[0])
        shown, more = _shown(opening, posts)
        brief = bool(more) or opening.created_at < start  # context, not the news
        threads.append(
            DigestThread(
                id=thread_id,
                subject=thread.subject,
                new=thread.created_at >= start,
                unanswered=totals.get(thread_id, 0) <= 1,
                posts=tuple(digest_post(p, brief and p is opening) for p in shown),
                more=more,
            )
        )
    # Threads nobody has answered yet come first: they are where a reply helps most.
    threads.sort(
        key=lambda t: (not t.unanswered, -max((p.id for p in grouped[t.id][1]), default=0))
    )
    return tuple(threads), len(rows)


def report_round(session: Session, community: Community, run: DigestRun) -> Round | None:
    """The latest round whose check-in went out and no earlier digest reported."""
    reported = select(DigestRun.round_id).where(
        DigestRun.community_id == community.id,
        DigestRun.id != run.id,
        DigestRun.round_id.is_not(None),
        DigestRun.status == DigestStatus.SENT,
    )
    return session.scalar(
        select(Round)
        .where(
            Round.community_id == community.id,
            Round.week <= run.week,
            Round.status == RoundStatus.OPEN,
            Round.checkin_sent_at.is_not(None),
            Round.id.not_in(reported),
        )
        .order_by(Round.week.desc())
        .limit(1)
    )


def _round_summary(session: Session, community: Community, rnd: Round) -> RoundSummary:
    commitments = {
        c.member_id: c
        for c in session.scalars(select(Commitment).where(Commitment.round_id == rnd.id))
    }
    people = {m.id: m for m in participants(session, community)}
    for member_id in commitments:
        if member_id not in people:
            member = session.get(Member, member_id)
            if member is not None:
                people[member_id] = member
    streak = streaks(session, community, rnd)
    rows = []
    for member in people.values():
        c = commitments.get(member.id)
        if c is None or not c.text:
            result = "no_commitment" if c is None else (c.result or "no_answer")
        else:
            result = c.result.value if c.result else "no_answer"
        rows.append(
            RoundRow(
                member.id,
                member.name_or_address,
                c.text if c else "",
                str(result),
                c.reflection if c else "",
                streak.get(member.id, 0),
            )
        )
    order = {
        "done": 0,
        "partly": 1,
        "not_done": 2,
        "unclear": 3,
        "no_answer": 4,
        "no_commitment": 5,
    }
    rows.sort(key=lambda r: (order.get(r.result, 9), -r.streak, r.name.lower()))

    def count(*kinds: str) -> int:
        return sum(1 for r in rows if r.result in kinds)

    return RoundSummary(
        rnd.week,
        rnd.commitment_question,
        tuple(rows),
        count("done"),
        count("partly"),
        count("not_done"),
        count("no_answer", "unclear"),
        community.partly_counts,
    )


def build_digest(
    uow: UnitOfWork, community: Community, run: DigestRun, *, for_host: bool = False
) -> DigestContent:
    """Everything the digest shows, computed once per community and week; the host's
    preview (`for_host`) also shows how the circle is doing."""
    session = uow.session
    tz = ZoneInfo(community.timezone)
    end = run.period_end or uow.now
    threads, post_count = _threads(session, community, run.period_start, end, tz)
    rnd = report_round(session, community, run)
    if rnd is not None:
        run.round_id = rnd.id
    seated = list(
        session.scalars(
            select(Member)
            .where(
                Member.community_id == community.id,
                Member.activated_at >= run.period_start,
                Member.activated_at < end,
                Member.status == MemberStatus.ACTIVE,
                Member.role != Role.HOST,  # they opened the circle: no new face
            )
            .order_by(Member.activated_at)
        )
    )
    before = _took_part_before(session, community, [m.id for m in seated], run.period_start)
    joined = tuple(m.name_or_address for m in seated if m.id not in before)
    returned = tuple(m.name_or_address for m in seated if m.id in before)
    # What comes after this digest, seen from when members read it: a preview hours
    # ahead must not call the digest it previews the next one.
    due = schedule.week_plan(community, run.week)[schedule.Unit.DIGEST]
    goes_out = run.sent_at or max(due, uow.now)
    upcoming = schedule.next_occurrences(community, goes_out)
    next_week: list[tuple[str, str]] = []
    found = seasons.all_seasons(session, community)
    if not community.loop_paused:
        for label, unit in (
            ("Commitment prompt", schedule.Unit.PROMPT),
            ("Check-in", schedule.Unit.CHECKIN),
        ):
            at = seasons.next_in_season(found, community, unit, goes_out)
            if at is not None:
                next_week.append((label, schedule.describe(community, at)))
    next_week.append(("Next digest", schedule.describe(community, upcoming[schedule.Unit.DIGEST])))
    live = live_sessions.coming_up(session, community, end)
    if live is not None:
        next_week.append(live)
    start_local, end_local = run.period_start.astimezone(tz), end.astimezone(tz)
    return DigestContent(
        community_name=community.name,
        slug=community.slug,
        week=run.week,
        period_label=date_range(start_local.date(), end_local.date()),
        threads=threads,
        round=_round_summary(session, community, rnd) if rnd is not None else None,
        joined=joined,
        returned=returned,
        off_season=seasons.off_season(found, community, uow.now),
        host_note=run.host_note,
        next_week=tuple(next_week),
        loop_paused=community.loop_paused,
        post_count=post_count,
        health=health.host_health(session, community, uow.now) if for_host else None,
        pairs=tuple(
            PairLine(tuple(m.name_or_address for m in g.members), g.talked)
            for g in (buddies.week_groups(session, community, rnd.week) if rnd else [])
        ),
        hot_seat=hot_seats.for_digest(session, community, run.week),
        goes_out=schedule.describe(community, goes_out),
        went_out=run.status == DigestStatus.SENT,
    )


def _took_part_before(
    session: Session, community: Community, member_ids: list[int], since: datetime
) -> set[int]:
    """Those of `member_ids` who wrote to the group or made a commitment before `since`:
    back for another season, not new faces."""
    if not member_ids:
        return set()
    wrote = (
        select(Post.author_id)
        .join(Thread, Post.thread_id == Thread.id)
        .where(
            Thread.community_id == community.id,
            Post.author_id.in_(member_ids),
            Post.created_at < since,
        )
    )
    committed = (
        select(Commitment.member_id)
        .join(Round, Commitment.round_id == Round.id)
        .where(
            Round.community_id == community.id,
            Commitment.member_id.in_(member_ids),
            Commitment.text != "",
            Round.created_at < since,
        )
    )
    return {i for i in session.scalars(wrote.union(committed)) if i is not None}


def skip_reason(community: Community, content: DigestContent) -> str | None:
    """Why this week's digest stays unsent, if it does: a quiet week when the host
    wants no quiet digests, or a quiet week with no season running and no word from
    the host (nothing to tell alumni and those waiting for the next season)."""
    if not content.quiet:
        return None
    if not community.digest_when_quiet:
        return "quiet week"
    if content.off_season and not content.host_note:
        return "quiet week between seasons"
    return None


def date_range(first: date, last: date) -> str:
    """Two dates as a person writes them: "1–6 December", "28 November – 4 December",
    "29 December 2026 – 4 January 2027"; one day is just "6 December"."""
    if first == last:
        return f"{last.day} {last:%B}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%B}"
    if first.year == last.year:
        return f"{first.day} {first:%B} – {last.day} {last:%B}"
    return f"{first.day} {first:%B} {first.year} – {last.day} {last:%B} {last.year}"


def mark_sent(run: DigestRun, now: datetime, count: int) -> None:
    run.status, run.sent_at, run.period_end, run.recipients = DigestStatus.SENT, now, now, count


def skip(run: DigestRun, reason: str, now: datetime) -> None:
    """Skipped weeks keep their period open: the next digest covers them too."""
    if run.status == DigestStatus.PENDING:
        run.status, run.note = DigestStatus.SKIPPED, reason
