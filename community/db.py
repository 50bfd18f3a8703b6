"""Database engine, session factory and the unit-of-work helper entry points use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .settings import Settings

SQLITE_SYNC_LEVELS = ("full", "normal")
READ_ONLY = "kith_read_only"  # execution option of connections that never write


def make_engine(
    url: str,
    *,
    sqlite_synchronous: str = "full",
    wait_seconds: float | None = None,
    **kwargs: Any,
) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and serialised write transactions.

    `sqlite_synchronous`: "full" syncs every commit to disk (survives power loss);
    "normal" syncs at checkpoints only (survives a crash of any Kith process, not of
    the machine) and is several times faster per commit.
    `wait_seconds`: the longest a statement may wait for a lock (SQLite's busy
    timeout; PostgreSQL's lock_timeout, with statement_timeout at twice that). For
    callers that must answer someone quickly, such as the SMTP server; None waits
    30 s on SQLite and as long as it takes on PostgreSQL.
    """
    if sqlite_synchronous not in SQLITE_SYNC_LEVELS:
        raise ValueError(f"sqlite_synchronous must be one of {SQLITE_SYNC_LEVELS}")
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if wait_seconds is not None and parsed.get_backend_name() == "postgresql":
            lock_ms, statement_ms = int(wait_seconds * 1000), int(wait_seconds * 2000)
            kwargs.setdefault("connect_args", {})["options"] = (
                f"-c lock_timeout={lock_ms} -c statement_timeout={statement_ms}"
            )
        return create_engine(url, pool_pre_ping=True, **kwargs)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    busy_ms = int((30.0 if wait_seconds is None else wait_seconds) * 1000)
    engine = create_engine(url, connect_args={"timeout": busy_ms / 1000}, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
        # Take over transaction control from pysqlite (SQLAlchemy's documented recipe)
        # so every transaction starts with BEGIN IMMEDIATE below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute(f"PRAGMA synchronous={sqlite_synchronous.upper()}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn):  # pragma: no cover - trivial
        # Several processes (web, smtp, workers) share one file. A deferred transaction
        # that reads and later writes fails with SQLITE_BUSY when another process wrote
        # meanwhile; taking the write lock up front makes them wait their turn instead.
        # A unit that only reads says so and never waits for writers (WAL).
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session], *, read_only: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception, always close.

    `read_only` units start a deferred transaction on SQLite, so they never wait
    behind a writer (nor hold writers up).
    """
    session = factory()
    try:
        if read_only:
            session.connection(execution_options={READ_ONLY: True})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def engine_from(settings: Settings, *, wait_seconds: float | None = None) -> Engine:
    """The engine the settings describe."""
    return make_engine(
        settings.effective_database_url,
        sqlite_synchronous=settings.sqlite_synchronous,
        wait_seconds=wait_seconds,
    )


@contextmanager
def relaxed_durability(conn: Connection) -> Iterator[Connection]:
    """Let commits on this connection return before they reach the disk, for the block.

    For bookkeeping whose loss in a power cut only means work is redone (a "sent"
    mark lost makes a message go out twice, never lost). A killed process loses
    nothing: SQLite in WAL mode and PostgreSQL both keep such commits then. The
    connection's own setting is restored before it goes back to the pool.
    """
    if conn.dialect.name == "sqlite":
        # On the driver connection, outside any transaction: SQLite refuses to change
        # the level inside one, and SQLAlchemy would begin one for exec_driver_sql.
        raw = conn.connection.driver_connection
        level = raw.execute("PRAGMA synchronous").fetchone()[0]
        raw.execute("PRAGMA synchronous=NORMAL")
        try:
            yield conn
        finally:
            conn.rollback()
            raw.execute(f"PRAGMA synchronous={int(level)}")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET synchronous_commit TO OFF")
        conn.commit()
        try:
            yield conn
        finally:
            conn.rollback()
            conn.exec_driver_sql("RESET synchronous_commit")
            conn.commit()
    else:
        yield conn
