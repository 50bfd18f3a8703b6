"""The unit of work: what every entry point (a request, an SMTP transaction, a job, a
CLI command) opens once and hands to the domain.

A unit carries the session, one reading of the clock (`now`, the same for everything
the unit does), the mail domain, and the mail queued in it. Committing is one step in
one place: the transaction commits, then the queued mail goes to delivery, in that
order, so no worker can look for a row that is not there yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from .clock import Clock
from .db import read_only_options
from .models import OutboundMessage

# Hands committed ledger rows to delivery; returns nothing anyone relies on (if it
# fails, the rows are pending in the ledger and the sweeper delivers them).
Dispatch = Callable[[list[int]], object]


def leave_for_the_sweeper(_ids: list[int]) -> None:
    """The dispatch of units that have no queue to hand mail to."""


@dataclass
class UnitOfWork:
    session: Session
    now: datetime
    domain: str
    dispatch: Dispatch = leave_for_the_sweeper
    queued: list[OutboundMessage] = field(default_factory=list)

    def queue(self, rows: list[OutboundMessage]) -> None:
        """Mail recorded in the ledger by this unit, to dispatch once it commits."""
        self.queued.extend(rows)

    def commit(self) -> None:
        """Commit, then hand the mail queued so far to delivery."""
        self.session.commit()
        rows, self.queued = self.queued, []
        if rows:
            self.dispatch([row.id for row in rows])

    def rollback(self) -> None:
        self.session.rollback()
        self.queued.clear()


@dataclass(frozen=True)
class UnitFactory:
    """Where a process gets its units of work: its sessions, clock, domain and queue."""

    sessions: sessionmaker[Session]
    clock: Clock
    domain: str
    dispatch: Dispatch = leave_for_the_sweeper

    def begin(self, *, read_only: bool = False) -> UnitOfWork:
        """A unit the caller commits (or not) and closes; see `open` for the usual way.

        `read_only` units never take or wait for the write lock (SQLite) and refuse
        to write (PostgreSQL).
        """
        session = self.sessions()
        if read_only:
            session.connection(execution_options=read_only_options(session.get_bind()))
        return UnitOfWork(session, self.clock.now(), self.domain, self.dispatch)

    @contextmanager
    def open(self, *, read_only: bool = False) -> Iterator[UnitOfWork]:
        """One unit of work: commit and dispatch on success, roll back on any error."""
        uow = self.begin(read_only=read_only)
        try:
            yield uow
            uow.commit()
        except BaseException:
            uow.rollback()
            raise
        finally:
            uow.session.close()
