"""The hot seat: each week one member asks the group for help, and their question
opens the digest.

The seat rotates among the people the loop writes to (paused members are skipped):
everyone once before anyone twice, those who waited longest first. The host can put
someone in a week's seat instead. The member in the seat is asked for their focus a
day or two before the digest (with the check-in reminder); their answer starts a
thread everyone can reply to, and opens that week's digest.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import outbox
from .errors import CommunityError
from .models import Community, HotSeat, Member, RitualSettings, Round, RoundStatus
from .outbox import Purpose
from .rounds import participants
from .threads import clean_text
from .uow import UnitOfWork

MAX_FOCUS_CHARS = 4000


class InvalidHotSeat(CommunityError):
    pass


def form_key(seat_id: int, member_id: int) -> str:
    """The ledger subject of a seat's focus form: one form per seat and member."""
    return f"hotseat:{seat_id}:{member_id}"


def enabled(session: Session, community: Community) -> bool:
    found = session.get(RitualSettings, community.id)
    return bool(found and found.hot_seat)


def configure(uow: UnitOfWork, community: Community, on: bool) -> None:
    found = uow.session.get(RitualSettings, community.id)
    if found is None:
        found = RitualSettings(
            community_id=community.id, pairs_every_weeks=0, hot_seat=on, updated_at=uow.now
        )
        uow.session.add(found)
    found.hot_seat, found.updated_at = on, uow.now
    uow.session.flush()


def seat_of(session: Session, community: Community, week: str) -> HotSeat | None:
    return session.scalar(
        select(HotSeat).where(HotSeat.community_id == community.id, HotSeat.week == week)
    )


def next_in_line(session: Session, community: Community, people: list[Member]) -> Member | None:
    """Who has sat least often, and of those, who sat longest ago (or never)."""
    if not people:
        return None
    history = {
        member_id: (count, last)
        for member_id, count, last in session.execute(
            select(HotSeat.member_id, func.count(HotSeat.id), func.max(HotSeat.week))
            .where(HotSeat.community_id == community.id)
            .group_by(HotSeat.member_id)
        )
    }
    return min(
        people,
        key=lambda m: (history.get(m.id, (0, ""))[0], history.get(m.id, (0, ""))[1], m.id),
    )


def _take(uow: UnitOfWork, community: Community, week: str, member: Member) -> HotSeat:
    seat = HotSeat(
        community_id=community.id, week=week, member_id=member.id, created_at=uow.now, focus=""
    )
    try:
        with uow.session.begin_nested():
            uow.session.add(seat)
    except IntegrityError:  # another job seated someone a moment ago
        found = seat_of(uow.session, community, week)
        assert found is not None
        return found
    return seat


def assign(uow: UnitOfWork, community: Community, week: str, member: Member) -> HotSeat:
    """The host puts `member` in a week's seat (before the focus form went out)."""
    if member.community_id != community.id or member not in participants(uow.session, community):
        raise InvalidHotSeat(f"{member.address} does not take part in the round now")
    seat = seat_of(uow.session, community, week)
    if seat is not None and seat.asked_at is not None:
        raise InvalidHotSeat(f"{week}'s hot seat was asked for their focus already")
    if seat is None:
        return _take(uow, community, week, member)
    seat.member_id = member.id
    uow.session.flush()
    return seat


def ask(uow: UnitOfWork, community: Community, rnd: Round) -> HotSeat | None:
    """Seat this week's member (unless the host did) and send them the focus form.
    Safe to run twice."""
    if not enabled(uow.session, community) or rnd.status == RoundStatus.SKIPPED:
        return None
    people = participants(uow.session, community)
    seat = seat_of(uow.session, community, rnd.week)
    if seat is None:
        member = next_in_line(uow.session, community, people)
        if member is None:
            return None
        seat = _take(uow, community, rnd.week, member)
    member = uow.session.get(Member, seat.member_id)
    assert member is not None
    outbox.queue_mail(
        uow,
        purpose=Purpose.HOT_SEAT_FOCUS,
        subject=form_key(seat.id, member.id),
        recipient=member.address,
        community_id=community.id,
        member_id=member.id,
        context={"seat_id": seat.id},
    )
    if seat.asked_at is None:
        seat.asked_at = uow.now
    uow.session.flush()
    return seat


def record_focus(uow: UnitOfWork, seat: HotSeat, text: str) -> HotSeat:
    """Their answer to the focus form (a later one replaces it)."""
    focus = clean_text(text, MAX_FOCUS_CHARS)
    if not focus.strip():
        raise InvalidHotSeat("the answer to the focus form was empty")
    seat.focus, seat.answered_at = focus, uow.now
    uow.session.flush()
    return seat


@dataclass(frozen=True)
class HotSeatLine:
    """What the digest opens with."""

    name: str
    focus: str
    thread_id: int | None

    # The digest's reply links take a thread's id and subject.
    @property
    def id(self) -> int:
        return self.thread_id or 0

    @property
    def subject(self) -> str:
        return f"Hot seat: {self.name} asks for the group's help"


def for_digest(session: Session, community: Community, week: str) -> HotSeatLine | None:
    seat = seat_of(session, community, week)
    if seat is None or not seat.focus:
        return None
    member = session.get(Member, seat.member_id)
    name = member.name_or_address if member is not None else "A member"
    return HotSeatLine(name, seat.focus, seat.thread_id)
