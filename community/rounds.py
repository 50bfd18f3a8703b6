"""The accountability loop: a round per week, its prompts, commitments and check-ins."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import outbox
from .checkins import CheckinAnswer
from .models import (
    CheckinStatus,
    Commitment,
    Community,
    DeliveryMode,
    DeliveryStatus,
    Member,
    MemberStatus,
    OutboundMessage,
    Role,
    Round,
    RoundStatus,
)
from .outbox import Purpose
from .schedule import Unit
from .threads import clean_text
from .uow import UnitOfWork

MAX_COMMITMENT_CHARS = 2000


def get_round(session: Session, community: Community, week: str) -> Round | None:
    return session.scalar(
        select(Round).where(Round.community_id == community.id, Round.week == week)
    )


def open_round(uow: UnitOfWork, community: Community, week: str) -> Round:
    """This week's round, created with the community's current questions if new."""
    session = uow.session
    found = get_round(session, community, week)
    if found is not None:
        return found
    new = Round(
        community_id=community.id,
        week=week,
        status=RoundStatus.OPEN,
        commitment_question=community.commitment_question,
        checkin_question=community.checkin_question,
        created_at=uow.now,
    )
    try:
        with session.begin_nested():
            session.add(new)
    except IntegrityError:
        # A second scheduler created it a moment ago; use theirs.
        found = get_round(session, community, week)
        assert found is not None
        return found
    return new


def skip_week(uow: UnitOfWork, community: Community, week: str) -> Round:
    """The host skips this week's loop: no prompt, no check-in (the digest still goes)."""
    found = open_round(uow, community, week)
    found.status = RoundStatus.SKIPPED
    uow.session.flush()
    return found


def readers(session: Session, community: Community) -> list[Member]:
    """Active members who still want mail, the host among them."""
    return list(
        session.scalars(
            select(Member)
            .where(
                Member.community_id == community.id,
                Member.status == MemberStatus.ACTIVE,
                Member.delivery_status == DeliveryStatus.ENABLED,
                Member.delivery_mode != DeliveryMode.NONE,
            )
            .order_by(Member.id)
        )
    )


def participants(session: Session, community: Community) -> list[Member]:
    """Who the loop writes to: the readers, without the host unless they take part."""
    people = readers(session, community)
    if community.host_takes_part:
        return people
    return [m for m in people if m.role != Role.HOST]


def commitment_of(session: Session, rnd: Round, member: Member) -> Commitment | None:
    """This member's commitment in this round, if they made one."""
    return session.scalar(
        select(Commitment).where(Commitment.round_id == rnd.id, Commitment.member_id == member.id)
    )


def commitments_by_member(session: Session, rnd: Round) -> dict[int, Commitment]:
    return {
        c.member_id: c
        for c in session.scalars(select(Commitment).where(Commitment.round_id == rnd.id))
    }


@dataclass(frozen=True)
class Step:
    """One mail of the weekly loop: what it is, whom it goes to, where it is recorded."""

    purpose: str
    stamp: str  # the Round attribute that records the step ran
    wants: Callable[[Member, dict[int, Commitment]], bool]  # (member, commitments)


STEPS: dict[Unit, Step] = {
    # Everyone who takes part is asked for a commitment ...
    Unit.PROMPT: Step(Purpose.COMMITMENT_PROMPT, "prompt_sent_at", lambda m, c: True),
    # ... those who have not answered get one nudge ...
    Unit.PROMPT_REMINDER: Step(
        Purpose.COMMITMENT_REMINDER, "prompt_reminder_sent_at", lambda m, c: m.id not in c
    ),
    # ... everyone who committed is asked whether they did it ...
    Unit.CHECKIN: Step(Purpose.CHECKIN_PROMPT, "checkin_sent_at", lambda m, c: m.id in c),
    # ... and those who have not said get one nudge.
    Unit.CHECKIN_REMINDER: Step(
        Purpose.CHECKIN_REMINDER,
        "checkin_reminder_sent_at",
        lambda m, c: m.id in c and c[m.id].result is None,
    ),
}


def run_step(uow: UnitOfWork, community: Community, rnd: Round, step: Unit) -> int:
    """Queue one step's mail for everyone it concerns and record that it ran.

    Safe to run twice: the ledger holds one row per purpose, member and round, so
    nobody is written to twice and nobody is skipped. Skipped weeks send nothing.
    """
    if rnd.status == RoundStatus.SKIPPED:
        return 0
    spec = STEPS[step]
    commitments = commitments_by_member(uow.session, rnd)
    chosen = [m for m in participants(uow.session, community) if spec.wants(m, commitments)]
    for member in chosen:
        outbox.queue_mail(
            uow,
            purpose=spec.purpose,
            subject=f"round:{rnd.id}",
            recipient=member.address,
            community_id=rnd.community_id,
            member_id=member.id,
            context={"round_id": rnd.id},
        )
    if getattr(rnd, spec.stamp) is None:
        setattr(rnd, spec.stamp, uow.now)
    uow.session.flush()
    return len(chosen)


def record_commitment(uow: UnitOfWork, rnd: Round, member: Member, text: str) -> Commitment:
    """A reply to the prompt is the commitment; a later reply amends it."""
    session, now = uow.session, uow.now
    text = clean_text(text, MAX_COMMITMENT_CHARS)
    found = commitment_of(session, rnd, member)
    if found is None:
        found = Commitment(
            round_id=rnd.id,
            member_id=member.id,
            text=text,
            created_at=now,
            updated_at=now,
            reflection="",
        )
        session.add(found)
    else:
        found.text, found.updated_at = text, now
    session.flush()
    return found


def record_checkin(
    uow: UnitOfWork, rnd: Round, member: Member, answer: CheckinAnswer
) -> Commitment:
    """Done / partly / not done, plus their reflection. A later answer replaces it."""
    session, now = uow.session, uow.now
    found = commitment_of(session, rnd, member)
    if found is None:  # answered without committing by mail first: keep what they said
        found = Commitment(
            round_id=rnd.id,
            member_id=member.id,
            text="",
            created_at=now,
            updated_at=now,
            reflection="",
        )
        session.add(found)
    found.result = answer.result
    found.reflection = clean_text(answer.reflection, MAX_COMMITMENT_CHARS)
    found.answered_at = now
    session.flush()
    return found


class Mark(enum.Enum):
    """What one round did to a member's streak."""

    KEPT = "kept"  # did what they committed to
    BROKE = "broke"
    NEUTRAL = "neutral"  # not asked that week: neither breaks nor extends it


def streak_marks(
    session: Session, community: Community, rounds: list[Round]
) -> dict[int, list[Mark]]:
    """Each member's mark for every round in `rounds` (open rounds with a prompt sent,
    oldest first), by the one streak rule the digest, the season and the CLI share:

    a round counts when the member did what they committed to ("done"; "partly" too
    when the host chose so). A round a member was not asked about (they were paused,
    or not yet in the circle: no prompt, or no check-in after their commitment) neither
    breaks nor extends their streak; nor do weeks the host skipped. Any other round
    without a "done" ends it.
    """
    by_round: dict[int, dict[int, Commitment]] = {}
    for c in session.scalars(
        select(Commitment).where(Commitment.round_id.in_([r.id for r in rounds]))
    ):
        by_round.setdefault(c.round_id, {})[c.member_id] = c
    asked = _asked(session, rounds)
    counted = {CheckinStatus.DONE, *([CheckinStatus.PARTLY] if community.partly_counts else [])}
    members = {m for entries in by_round.values() for m in entries}
    marks: dict[int, list[Mark]] = {}
    for member_id in members:
        row = []
        for r in rounds:
            entry = by_round.get(r.id, {}).get(member_id)
            if entry is not None and entry.result in counted:
                row.append(Mark.KEPT)
            elif entry is not None and entry.result is not None:
                row.append(Mark.BROKE)
            elif (member_id, r.id, Purpose.CHECKIN_PROMPT) in asked:
                row.append(Mark.BROKE)  # committed, was asked how it went, never said
            elif entry is None and (member_id, r.id, Purpose.COMMITMENT_PROMPT) in asked:
                row.append(Mark.BROKE)  # was asked for a commitment and made none
            else:
                row.append(Mark.NEUTRAL)
        marks[member_id] = row
    return marks


def current_streak(marks: list[Mark]) -> int:
    """Kept rounds in a row, back from the latest."""
    count = 0
    for mark in reversed(marks):
        if mark is Mark.BROKE:
            break
        count += mark is Mark.KEPT
    return count


def best_streak(marks: list[Mark]) -> int:
    best = run = 0
    for mark in marks:
        if mark is Mark.BROKE:
            run = 0
        run += mark is Mark.KEPT
        best = max(best, run)
    return best


def loop_rounds(
    session: Session, community: Community, *, first: str | None = None, last: str
) -> list[Round]:
    """The rounds the loop ran (open, prompt sent) between two weeks, oldest first."""
    query = select(Round).where(
        Round.community_id == community.id,
        Round.week <= last,
        Round.status == RoundStatus.OPEN,
        Round.prompt_sent_at.is_not(None),
    )
    if first is not None:
        query = query.where(Round.week >= first)
    return list(session.scalars(query.order_by(Round.week)))


def streaks(session: Session, community: Community, upto: Round) -> dict[int, int]:
    """Each member's current streak up to and including `upto` (see streak_marks)."""
    rounds = loop_rounds(session, community, last=upto.week)
    return {
        member_id: current_streak(marks)
        for member_id, marks in streak_marks(session, community, rounds).items()
    }


def _asked(session: Session, rounds: list[Round]) -> set[tuple[int, int, str]]:
    """(member, round, purpose) for every prompt and check-in the loop queued."""
    subjects = {f"round:{r.id}": r.id for r in rounds}
    if not subjects:
        return set()
    rows = session.execute(
        select(OutboundMessage.member_id, OutboundMessage.subject, OutboundMessage.purpose).where(
            OutboundMessage.subject.in_(list(subjects)),
            OutboundMessage.purpose.in_([Purpose.COMMITMENT_PROMPT, Purpose.CHECKIN_PROMPT]),
        )
    )
    return {(m, subjects[subject], purpose) for m, subject, purpose in rows if m is not None}
