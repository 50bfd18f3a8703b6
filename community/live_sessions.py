"""A community's recurring live session: when it is, and who must hear of each change.

The session lives in the community's timezone ("Tuesday 18:30 in Paris" stays 18:30
across daylight-saving changes). Members get an iCalendar invitation when they join,
an update (the same UID, a higher SEQUENCE) whenever the host changes it, and a
cancellation when they leave or the host clears it. This module decides what is sent
and records it in the ledger; `mail/outbound/invitations.py` writes the iCalendar.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import outbox
from .errors import CommunityError
from .models import Community, LiveSession, Member, MemberStatus, OutboundMessage, SessionCadence
from .outbox import Purpose
from .schedule import WEEKDAYS
from .uow import UnitOfWork

DEFAULT_TITLE = "Live session"
DEFAULT_DURATION = 60
MIN_DURATION, MAX_DURATION = 15, 8 * 60
MAX_URL = 2000
_WHEN = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+(\d{1,2}):(\d{2})$", re.I)


class InvalidSession(CommunityError):
    """A live session the host described in a way we cannot use."""


@dataclass(frozen=True)
class SessionSpec:
    """What the host asks for; None keeps what the session already has."""

    weekday: int | None = None  # Monday is 0
    hour: int | None = None
    minute: int | None = None
    cadence: SessionCadence | None = None
    duration_minutes: int | None = None
    join_url: str | None = None
    title: str | None = None
    first_date: date | None = None


@dataclass(frozen=True)
class SetOutcome:
    session: LiveSession
    created: bool
    changed: bool
    invited: int  # invitations or updates queued


def parse_when(text: str) -> tuple[int, int, int]:
    """ "tue 18:30" -> (1, 18, 30). Raises InvalidSession with a hint otherwise."""
    match = _WHEN.match(text.strip())
    if not match or int(match.group(2)) > 23 or int(match.group(3)) > 59:
        raise InvalidSession(f"{text!r}: use a weekday and a time, like 'tue 18:30'")
    day = [d[:3].lower() for d in WEEKDAYS].index(match.group(1)[:3].lower())
    return day, int(match.group(2)), int(match.group(3))


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidSession(f"{url!r}: give the join link as a full https:// address")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise InvalidSession("the join link may not contain spaces or control characters")
    return url


def get_session(session: Session, community: Community) -> LiveSession | None:
    """The community's live session, if it has one that is not cancelled."""
    found = session.scalar(select(LiveSession).where(LiveSession.community_id == community.id))
    return found if found is not None and found.cancelled_at is None else None


def _first_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def set_session(uow: UnitOfWork, community: Community, spec: SessionSpec) -> SetOutcome:
    """Create the session or change it; every member's calendar follows.

    A change bumps SEQUENCE and sends every active member an update; asking for what
    is already there changes nothing and sends nothing. Raises InvalidSession.
    """
    session, now = uow.session, uow.now
    row = session.scalar(select(LiveSession).where(LiveSession.community_id == community.id))
    current = row if row is not None and row.cancelled_at is None else None
    if current is None and (spec.weekday is None or spec.hour is None or not spec.join_url):
        raise InvalidSession("a new session needs a day and time and a join link")
    duration = spec.duration_minutes
    if duration is not None and not MIN_DURATION <= duration <= MAX_DURATION:
        raise InvalidSession(f"a session lasts {MIN_DURATION} to {MAX_DURATION} minutes")
    url = check_url(spec.join_url) if spec.join_url is not None else None
    title = " ".join((spec.title or "").split())[:200] if spec.title is not None else None
    if spec.title is not None and not title:
        raise InvalidSession("the session's title may not be empty")
    local_today = now.astimezone(ZoneInfo(community.timezone)).date()

    if current is None:
        assert spec.weekday is not None and spec.hour is not None and url is not None
        first = spec.first_date or _first_on_or_after(local_today, spec.weekday)
        if spec.first_date is not None and first.weekday() != spec.weekday:
            raise InvalidSession(f"{first.isoformat()} is not a {WEEKDAYS[spec.weekday]}")
        if row is None:
            row = LiveSession(community_id=community.id, created_at=now, sequence=0)
            session.add(row)
        else:  # cleared before: a new event for calendars, a higher SEQUENCE all the same
            row.sequence += 1
            row.created_at, row.cancelled_at = now, None
        row.uid = f"{uuid.uuid4().hex}@{uow.domain}"
        row.title = title or DEFAULT_TITLE
        row.cadence = spec.cadence or SessionCadence.WEEKLY
        row.first_date, row.hour, row.minute = first, spec.hour, spec.minute or 0
        row.duration_minutes = duration or DEFAULT_DURATION
        row.join_url, row.updated_at = url, now
        session.flush()
        return SetOutcome(row, True, True, invite_everyone(uow, community, row))

    before = _facts(current)
    if spec.weekday is not None and spec.first_date is None:
        # Same ISO week as before, the new day: a fortnightly session keeps its weeks.
        year, week, _ = current.first_date.isocalendar()
        current.first_date = date.fromisocalendar(year, week, spec.weekday + 1)
    if spec.first_date is not None:
        if spec.weekday is not None and spec.first_date.weekday() != spec.weekday:
            raise InvalidSession(f"{spec.first_date.isoformat()} is not a {WEEKDAYS[spec.weekday]}")
        current.first_date = spec.first_date
    if spec.hour is not None:
        current.hour, current.minute = spec.hour, spec.minute or 0
    current.cadence = spec.cadence or current.cadence
    current.duration_minutes = duration or current.duration_minutes
    current.join_url = url or current.join_url
    current.title = title or current.title
    if _facts(current) == before:
        return SetOutcome(current, False, False, 0)
    current.sequence += 1
    current.updated_at = now
    session.flush()
    return SetOutcome(current, False, True, invite_everyone(uow, community, current))


def _facts(s: LiveSession) -> tuple[Any, ...]:
    return (s.first_date, s.hour, s.minute, s.cadence, s.duration_minutes, s.join_url, s.title)


def clear_session(uow: UnitOfWork, community: Community) -> int:
    """Cancel the session in every member's calendar; returns how many were told.

    Raises InvalidSession when there is none."""
    current = get_session(uow.session, community)
    if current is None:
        raise InvalidSession(f"{community.slug} has no live session")
    current.sequence += 1
    current.cancelled_at = current.updated_at = uow.now
    uow.session.flush()
    key = f"all:{current.sequence}"
    invitees = _invitees(uow.session, community)
    return sum(_queue(uow, current, m, Purpose.SESSION_CANCELLATION, key) for m in invitees)


def invite_everyone(uow: UnitOfWork, community: Community, s: LiveSession) -> int:
    return sum(_invite(uow, s, m) for m in _invitees(uow.session, community))


def _invitees(session: Session, community: Community) -> list[Member]:
    """Everyone holding a seat gets the calendar entry, whatever their delivery mode:
    a calendar that misses an update would keep the old time."""
    return list(
        session.scalars(
            select(Member)
            .where(Member.community_id == community.id, Member.status == MemberStatus.ACTIVE)
            .order_by(Member.id)
        )
    )


def _invite(uow: UnitOfWork, s: LiveSession, member: Member) -> int:
    return _queue(uow, s, member, Purpose.SESSION_INVITATION, str(s.sequence))


def member_joined(uow: UnitOfWork, member: Member) -> None:
    """A new seat holder gets the current invitation (nothing if there is no session)."""
    s = get_session(uow.session, member.community)
    if s is not None:
        _invite(uow, s, member)


def member_left(uow: UnitOfWork, member: Member) -> None:
    """Someone who was invited and leaves gets a cancellation for their calendar.

    SEQUENCE goes up for it (RFC 5546 3.2.5), so an invitation after they re-join
    is newer than the cancellation their calendar holds."""
    s = get_session(uow.session, member.community)
    if s is None or not was_invited(uow.session, s, member):
        return
    s.sequence += 1
    uow.session.flush()
    _queue(uow, s, member, Purpose.SESSION_CANCELLATION, f"left:{s.sequence}")


def was_invited(session: Session, s: LiveSession, member: Member) -> bool:
    """Whether the member's calendar holds the session: invited, and not cancelled since
    (an alumna who then unsubscribes had her cancellation when the season ended)."""

    def latest(purpose: Purpose) -> int:
        found = session.scalar(
            select(OutboundMessage.id)
            .where(
                OutboundMessage.purpose == purpose,
                OutboundMessage.member_id == member.id,
                OutboundMessage.subject.like(f"session:{s.uid}:%"),
            )
            .order_by(OutboundMessage.id.desc())
            .limit(1)
        )
        return found or 0

    invited = latest(Purpose.SESSION_INVITATION)
    return invited > 0 and invited > latest(Purpose.SESSION_CANCELLATION)


def _queue(uow: UnitOfWork, s: LiveSession, member: Member, purpose: Purpose, key: str) -> int:
    """The ledger row carries the event as it is now, so a retry sends the same bytes."""
    outbox.queue_mail(
        uow,
        purpose=purpose,
        subject=f"session:{s.uid}:{key}",
        recipient=member.address,
        community_id=s.community_id,
        member_id=member.id,
        context={"session": snapshot(s)},
    )
    return 1


def snapshot(s: LiveSession) -> dict[str, Any]:
    return {
        "uid": s.uid,
        "sequence": s.sequence,
        "title": s.title,
        "cadence": s.cadence.value,
        "first_date": s.first_date.isoformat(),
        "hour": s.hour,
        "minute": s.minute,
        "duration_minutes": s.duration_minutes,
        "join_url": s.join_url,
    }


@dataclass(frozen=True)
class SessionFacts:
    """A snapshot read back: what an invitation or cancellation describes."""

    uid: str
    sequence: int
    title: str
    cadence: SessionCadence
    first_date: date
    hour: int
    minute: int
    duration_minutes: int
    join_url: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionFacts:
        return cls(
            uid=str(data["uid"]),
            sequence=int(data["sequence"]),
            title=str(data["title"]),
            cadence=SessionCadence(data["cadence"]),
            first_date=date.fromisoformat(str(data["first_date"])),
            hour=int(data["hour"]),
            minute=int(data["minute"]),
            duration_minutes=int(data["duration_minutes"]),
            join_url=str(data["join_url"]),
        )

    @property
    def interval_weeks(self) -> int:
        return 2 if self.cadence == SessionCadence.BIWEEKLY else 1

    @property
    def weekday(self) -> int:
        return self.first_date.weekday()

    def local_start(self, tz: str) -> datetime:
        return datetime.combine(self.first_date, time(self.hour, self.minute), ZoneInfo(tz))

    def describe(self) -> str:
        """ "Every other Tuesday at 18:30 (60 minutes)"."""
        every = "Every other" if self.interval_weeks == 2 else "Every"
        day, minutes = WEEKDAYS[self.weekday], self.duration_minutes
        return f"{every} {day} at {self.hour:02d}:{self.minute:02d} ({minutes} minutes)"


def facts(s: LiveSession) -> SessionFacts:
    return SessionFacts.from_json(snapshot(s))


def next_start(f: SessionFacts, tz: str, after: datetime) -> datetime:
    """The first session starting after `after` (UTC), at its local wall-clock time."""
    zone = ZoneInfo(tz)
    local_after = after.astimezone(zone).date()
    step = timedelta(weeks=f.interval_weeks)
    day = f.first_date
    if day < local_after:
        periods = (local_after - day).days // step.days
        day += step * periods
    while True:
        start = datetime.combine(day, time(f.hour, f.minute), zone).astimezone(UTC)
        if start > after:
            return start
        day += step


def coming_up(session: Session, community: Community, after: datetime) -> tuple[str, str] | None:
    """("Live session", "Tuesday 3 March, 18:30 · https://…") for the digest."""
    from .schedule import describe

    s = get_session(session, community)
    if s is None:
        return None
    start = next_start(facts(s), community.timezone, after)
    return s.title, f"{describe(community, start)} · {s.join_url}"
