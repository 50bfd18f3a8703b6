"""What a job needs from its process: settings, units of work, a signer, the clock."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from community.clock import Clock
from community.db import engine_from, make_session_factory
from community.settings import Settings, load_settings
from community.tokens import Signer
from community.uow import UnitFactory
from mail.outbound.send import Transport, make_transport

from . import queues


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    signer: Signer
    clock: Clock = field(default_factory=Clock)
    pid: int = field(default_factory=os.getpid)
    _transport: Transport | None = None

    @property
    def units(self) -> UnitFactory:
        """Units of work for jobs: their queued mail goes to the delivery queue."""
        return UnitFactory(
            self.sessions,
            self.clock,
            self.settings.domain,
            lambda ids: queues.enqueue_delivery(self.settings, ids),
        )

    def transport(self) -> Transport:
        """One transport per process, so a worker reuses its relay connection."""
        if self._transport is None:
            self._transport = make_transport(
                self.settings.smtp_url,
                self.settings.outbox_path,
                self.settings.smtp_timeout,
                self.settings.helo_name or self.settings.domain,
            )
        return self._transport

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        self.engine.dispose()


_current: Runtime | None = None


def configure(settings: Settings) -> Runtime:
    """Build the runtime from explicit settings (tests, `kith dev`)."""
    global _current
    if _current is not None:
        _current.close()
    engine = engine_from(settings)
    _current = Runtime(
        settings,
        engine,
        make_session_factory(engine),
        Signer(settings.secret_key),
        clock=settings.clock(),
    )
    return _current


def runtime() -> Runtime:
    """The process's runtime, built from the environment on first use."""
    global _current
    if _current is None:
        return configure(load_settings())
    if _current.pid != os.getpid():
        # RQ forks a work horse per job: connections inherited from the parent must
        # not be used by the child (SQLAlchemy's guidance for multiprocessing).
        _current.engine.dispose(close=False)
        _current.pid = os.getpid()
        _current._transport = None
    return _current
