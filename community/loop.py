"""What has already run in each community, so the scheduler can tell what is due."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from .models import Community, DigestRun, DigestStatus, Round, RoundStatus
from .schedule import Due, Unit, due_units, shift_week, week_of
from .uow import UnitOfWork


def done_units(rnd: Round | None, run: DigestRun | None, week: str) -> set[tuple[Unit, str]]:
    done: set[tuple[Unit, str]] = set()
    if rnd is not None:
        skipped = rnd.status == RoundStatus.SKIPPED
        for unit, stamp in (
            (Unit.PROMPT, rnd.prompt_sent_at),
            (Unit.PROMPT_REMINDER, rnd.prompt_reminder_sent_at),
            (Unit.CHECKIN, rnd.checkin_sent_at),
            (Unit.CHECKIN_REMINDER, rnd.checkin_reminder_sent_at),
        ):
            if skipped or stamp is not None:
                done.add((unit, week))
    if run is not None:
        if run.status != DigestStatus.PENDING:
            done |= {(Unit.DIGEST, week), (Unit.DIGEST_PREVIEW, week)}
        elif run.preview_sent_at is not None:
            done.add((Unit.DIGEST_PREVIEW, week))
    return done


def find_due(uow: UnitOfWork, grace: timedelta) -> list[Due]:
    """Everything due now in the weekly rhythm, across all communities."""
    session, now = uow.session, uow.now
    communities = list(session.scalars(select(Community)))
    weeks = {c.id: week_of(now, c.timezone) for c in communities}
    wanted = {w for w in weeks.values()} | {shift_week(w, -1) for w in weeks.values()}
    rounds = {
        (r.community_id, r.week): r
        for r in session.scalars(select(Round).where(Round.week.in_(wanted)))
    }
    runs = {
        (r.community_id, r.week): r
        for r in session.scalars(select(DigestRun).where(DigestRun.week.in_(wanted)))
    }
    due: list[Due] = []
    for c in communities:
        done: set[tuple[Unit, str]] = set()
        for week in (shift_week(weeks[c.id], -1), weeks[c.id]):
            done |= done_units(rounds.get((c.id, week)), runs.get((c.id, week)), week)
        due += due_units(c, now, done, grace)
    return due
