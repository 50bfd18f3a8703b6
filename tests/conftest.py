"""Shared fixtures: a real database, a real Redis, settings, the app, workers, an SMTP sink.

With DATABASE_URL / REDIS_URL set, the suite runs against those servers; otherwise it
uses SQLite files and an embedded Redis it starts itself. It never skips for want of
a server.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import inspect, text

from community.db import make_engine, make_session_factory, transaction
from community.models import Base
from community.schema import upgrade
from community.settings import Settings, load_settings
from jobs import queues
from jobs import runtime as job_runtime

from .dnsserver import ZoneServer
from .helpers import uow
from .sink import Sink

OUR_TABLES = set(Base.metadata.tables) | {"alembic_version"}
OUR_REDIS_KEYS = re.compile(rb"^(rq:|kith|LIMITS)")


# -- database ----------------------------------------------------------------


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> Iterator[tuple[str, str]]:
    url = os.environ.get("DATABASE_URL")
    if url:
        engine = make_engine(url)
        foreign = set(inspect(engine).get_table_names()) - OUR_TABLES
        if foreign:
            pytest.exit(f"refusing to run on a database with other tables: {sorted(foreign)}", 2)
        with engine.begin() as conn:  # a clean slate owned by the suite
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(engine)
        engine.dispose()
        yield ("server", url)
    else:
        path = tmp_path_factory.mktemp("db") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        yield ("sqlite", str(path))


@pytest.fixture
def database_url(database_template, tmp_path) -> Iterator[str]:
    kind, where = database_template
    if kind == "sqlite":
        path = tmp_path / "kith.db"
        shutil.copyfile(where, path)
        yield f"sqlite:///{path}"
        return
    _truncate(where)
    yield where
    _truncate(where)


def _truncate(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


# -- redis -------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory) -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        conn = Redis.from_url(url)
        foreign = [k for k in conn.scan_iter(count=1000) if not OUR_REDIS_KEYS.match(k)]
        if foreign:
            pytest.exit(f"refusing to run on a Redis holding other data: {foreign[:5]}", 2)
        conn.flushdb()
        yield url
        conn.flushdb()
        conn.close()
    else:
        yield queues.start_embedded_redis(tmp_path_factory.mktemp("redis"))
        queues.stop_embedded_redis()  # nothing of the suite outlives it


@pytest.fixture
def redis_url(redis_server_url) -> Iterator[str]:
    conn = Redis.from_url(redis_server_url)
    conn.flushdb()
    yield redis_server_url
    conn.flushdb()
    conn.close()


@pytest.fixture
def redis(redis_url) -> Redis:
    return Redis.from_url(redis_url)


# -- DNS -----------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def loopback_dns() -> Iterator[ZoneServer]:
    """The suite's DNS: a real server on loopback that knows no names, for every
    process the tests start, so no SPF or DKIM lookup leaves the machine. Tests that
    need records start a ZoneServer of their own."""
    server = ZoneServer("").start()
    before = os.environ.get("KITH_NAMESERVER")
    os.environ["KITH_NAMESERVER"] = server.address
    yield server
    if before is None:
        os.environ.pop("KITH_NAMESERVER", None)
    else:
        os.environ["KITH_NAMESERVER"] = before
    server.stop()


# -- settings, app, jobs -------------------------------------------------------


@pytest.fixture
def settings(tmp_path, database_url, redis_url, loopback_dns) -> Settings:
    return load_settings(
        {},
        nameserver=loopback_dns.address,
        data_dir=str(tmp_path / "data"),
        database_url=database_url,
        redis_url=redis_url,
        secret_key="test-secret-key-not-for-production",
        domain="kith.example",
        base_url="http://kith.test",
        join_rate_per_ip="1000 per hour",
    )


@pytest.fixture
def runtime(settings) -> Iterator[job_runtime.Runtime]:
    rt = job_runtime.configure(settings)
    yield rt
    rt.close()


@pytest.fixture
def sessions(runtime):
    return runtime.sessions


@pytest.fixture
def db(sessions):
    """A session for assertions; each `with db:` style use should commit or roll back."""
    session = sessions()
    yield session
    session.close()


@pytest.fixture
def app(settings, runtime):
    from web import create_app

    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    # Let the server connections go now, not whenever the collector finds the app:
    # on PostgreSQL hundreds of apps would otherwise crowd its connection limit.
    app.extensions["kith.page_versions"].close()
    app.extensions["kith.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sink() -> Iterator[Sink]:
    s = Sink().start()
    yield s
    s.stop()


@pytest.fixture
def relay(settings, sink, runtime) -> Iterator[Sink]:
    """Jobs send through a real SMTP relay (the sink) instead of the local outbox.

    Depends on `runtime` so that it is set up after it and replaces it."""
    rt = job_runtime.configure(replace(settings, smtp_url=sink.url))
    yield sink
    rt.close()


def run_jobs(settings: Settings) -> None:
    """Run every queued job in this process, as a burst worker would."""
    conn = queues.connection(settings)
    worker = SimpleWorker(
        [queues.queue(settings, name) for name in queues.ALL_QUEUES], connection=conn
    )
    worker.work(burst=True)


@pytest.fixture
def work(settings, runtime):
    return lambda: run_jobs(settings)


def outbox_files(settings: Settings) -> list[Path]:
    folder = settings.outbox_path
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []


@pytest.fixture
def make_community(sessions):
    from datetime import UTC, datetime

    from community.communities import create_community

    def make(slug="circle", **kwargs):
        kwargs.setdefault("name", "Morning Circle")
        kwargs.setdefault("host_address", "hana@example.com")
        with transaction(sessions) as session:
            return create_community(uow(session, datetime.now(UTC)), slug=slug, **kwargs)

    return make


@pytest.fixture
def engine_for(database_url):
    engines = []

    def make():
        engine = make_engine(database_url)
        engines.append(engine)
        return engine, make_session_factory(engine)

    yield make
    for e in engines:
        e.dispose()


# -- a real browser ---------------------------------------------------------------

# Chromium in a closed network: no background fetches, no sandbox as root in CI.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = (
        os.environ.get("KITH_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not path:
        pytest.fail("Chromium not found: run the README's test command, or set KITH_CHROMIUM")
    return path


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (the system's, driven by Playwright), shared by the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()
