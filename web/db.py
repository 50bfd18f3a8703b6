"""One database session per request, and committing with mail dispatch."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g
from sqlalchemy.orm import Session

from community import outbox
from community.settings import Settings
from community.tokens import Signer
from jobs.queues import enqueue_delivery


def session() -> Session:
    if "db" not in g:
        g.db = current_app.extensions["kith.sessions"]()
    return g.db


def close_session(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()  # an uncommitted transaction is rolled back


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
