"""One unit of work per request, opened on first use and closed on teardown."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g, request
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from community.db import read_only_options
from community.settings import Settings
from community.tokens import Signer
from community.uow import UnitFactory, UnitOfWork

# Requests that only read: their transaction never takes (or waits for) a write lock.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def unit() -> UnitOfWork:
    """The request's unit of work (read-only for GET and HEAD)."""
    if "uow" not in g:
        units: UnitFactory = current_app.extensions["kith.units"]
        g.uow = units.begin(read_only=request.method in SAFE_METHODS)
    return g.uow


def session() -> Session:
    return unit().session


def commit() -> None:
    """Commit the request's work, then hand the mail it queued to the workers."""
    unit().commit()


def now() -> datetime:
    """The request's time: one clock reading for everything the request does."""
    return unit().now


def reader() -> Connection:
    """A bare read-only connection for the request, cheaper than a session: for pages
    that run one or two prepared queries and nothing else."""
    if "db_reader" not in g:
        engine: Engine = current_app.extensions["kith.engine"]
        g.db_reader = engine.connect().execution_options(**read_only_options(engine))
    return g.db_reader


def close_session(_exc: BaseException | None = None) -> None:
    uow = g.pop("uow", None)
    if uow is not None:
        uow.rollback()  # whatever the request did not commit
        uow.session.close()
    conn = g.pop("db_reader", None)
    if conn is not None:
        conn.close()


def settings() -> Settings:
    return current_app.config["KITH"]


def signer() -> Signer:
    return current_app.extensions["kith.signer"]
