"""One database session per request, and committing with mail dispatch."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g, request
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from community import outbox
from community.db import read_only_options
from community.settings import Settings
from community.tokens import Signer
from jobs.queues import enqueue_delivery

# Requests that only read: their transaction never takes (or waits for) a write lock.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session() -> Session:
    if "db" not in g:
        g.db = current_app.extensions["kith.sessions"]()
        if request.method in SAFE_METHODS:
            g.db.connection(execution_options=read_only_options(g.db.get_bind()))
    return g.db


def reader() -> Connection:
    """A bare read-only connection for the request, cheaper than a session: for pages
    that run one or two prepared queries and nothing else."""
    if "db_reader" not in g:
        engine: Engine = current_app.extensions["kith.engine"]
        g.db_reader = engine.connect().execution_options(**read_only_options(engine))
    return g.db_reader


def close_session(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()  # an uncommitted transaction is rolled back
    conn = g.pop("db_reader", None)
    if conn is not None:
        conn.close()


def commit() -> None:
    """Commit the request's work, then hand any mail it queued to the workers."""
    db = session()
    rows = outbox.new_rows(db)
    db.commit()
    outbox.forget_new_rows(db)
    enqueue_delivery(settings(), [row.id for row in rows])


def settings() -> Settings:
    return current_app.config["KITH"]


def signer() -> Signer:
    return current_app.extensions["kith.signer"]


def now() -> datetime:
    return current_app.extensions["kith.clock"].now()
