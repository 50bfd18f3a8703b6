"""Database engine, session factory and the unit-of-work helper entry points use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .settings import Settings

SQLITE_SYNC_LEVELS = ("full", "normal")


def make_engine(url: str, *, sqlite_synchronous: str = "full", **kwargs) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and serialised write transactions.

    `sqlite_synchronous`: "full" syncs every commit to disk (survives power loss);
    "normal" syncs at checkpoints only (survives a crash of any Kith process, not of
    the machine) and is several times faster per commit.
    """
    if sqlite_synchronous not in SQLITE_SYNC_LEVELS:
        raise ValueError(f"sqlite_synchronous must be one of {SQLITE_SYNC_LEVELS}")
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
        # Take over transaction control from pysqlite (SQLAlchemy's documented recipe)
        # so every transaction starts with BEGIN IMMEDIATE below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute(f"PRAGMA synchronous={sqlite_synchronous.upper()}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn):  # pragma: no cover - trivial
        # Several processes (web, smtp, workers) share one file. A deferred transaction
        # that reads and later writes fails with SQLITE_BUSY when another process wrote
        # meanwhile; taking the write lock up front makes them wait their turn instead.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def engine_from(settings: Settings) -> Engine:
    """The engine the settings describe."""
    return make_engine(
        settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous
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
