"""Reads never wait for writers: pages render while another connection holds the write lock."""

import threading
import time

from sqlalchemy import text

from community import links
from community.communities import get_community
from community.db import make_engine, transaction
from community.members import link_payload
from community.tokens import LinkPurpose, Signer

from ..helpers import csrf_from, member, uow


def test_pages_render_while_another_connection_holds_the_write_lock(
    make_community, settings, client, db
):
    make_community(slug="circle")
    host = member(db, "hana@example.com")
    token = Signer(settings.secret_key).sign(LinkPurpose.PREFERENCES, link_payload(host))
    preferences = links.preferences_url("", token)
    client.get("/c/circle")  # warm up: connections, templates

    blocker = make_engine(settings.effective_database_url)
    conn = blocker.connect()
    conn.begin()  # SQLite: BEGIN IMMEDIATE holds the one write lock
    if blocker.dialect.name != "sqlite":
        # Writers wait behind this lock; readers do not (PostgreSQL's EXCLUSIVE mode).
        conn.execute(text("LOCK TABLE communities, members IN EXCLUSIVE MODE"))
    conn.execute(text("UPDATE communities SET name = name"))  # a writer mid-transaction
    released = threading.Timer(20, conn.rollback)  # should the page wait, it is for this
    released.start()
    try:
        started = time.monotonic()
        page = client.get("/c/circle")
        prefs = client.get(preferences)
        waited = time.monotonic() - started
    finally:
        released.cancel()
        conn.rollback()
        conn.close()
        blocker.dispose()
    assert page.status_code == 200 and "seats open" in page.get_data(as_text=True)
    assert prefs.status_code == 200
    assert waited < 5, f"the pages waited {waited:.1f} s for the writer"


def test_the_cached_community_page_follows_every_change_of_seats_or_facts(
    make_community, sessions, settings, client
):
    """The page is rendered once per version; a change by any writer moves the version."""
    from datetime import UTC, datetime

    from community.members import add_member, remove_member

    def shows(text: str) -> bool:
        """Whether the page shows this, soon: on PostgreSQL the change notice reaches the
        web process a few milliseconds after the commit."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if text in client.get("/c/circle").get_data(as_text=True):
                return True
            time.sleep(0.01)
        return False

    make_community(slug="circle", capacity=3)
    assert shows("3 of 3 seats open")
    with transaction(sessions) as s:  # another process adds a member
        anne = add_member(
            uow(s, datetime.now(UTC), "k"), get_community(s, "circle"), "anne@example.com"
        )
    assert shows("2 of 3 seats open")
    engine = make_engine(settings.effective_database_url)
    with engine.begin() as conn:  # plain SQL, as an operator might
        conn.execute(text("UPDATE communities SET name = 'Evening Circle' WHERE slug = 'circle'"))
    engine.dispose()
    assert shows("Evening Circle")
    assert "2 of 3 seats open" in client.get("/c/circle").get_data(as_text=True)
    with transaction(sessions) as s:
        remove_member(uow(s, datetime.now(UTC), "k"), s.merge(anne))
    assert shows("3 of 3 seats open")


def test_each_visitor_of_a_cached_page_gets_their_own_form_token(make_community, app):
    make_community(slug="circle")
    first, second = app.test_client(), app.test_client()
    tokens = [csrf_from(c.get("/c/circle").get_data(as_text=True)) for c in (first, second)]
    assert tokens[0] != tokens[1]
    joined = first.post(
        "/c/circle/join", data={"email": "anne@example.com", "csrf_token": tokens[0]}
    )
    assert joined.status_code == 303
    stolen = second.post(
        "/c/circle/join", data={"email": "bart@example.org", "csrf_token": tokens[0]}
    )
    assert stolen.status_code == 400


def test_page_views_send_nothing_to_redis(make_community, client, redis, settings, db):
    make_community(slug="circle")
    host = member(db, "hana@example.com")
    token = Signer(settings.secret_key).sign(LinkPurpose.PREFERENCES, link_payload(host))

    def commands() -> int:  # every command Redis ran, but the INFO calls asking
        stats = redis.info("commandstats")
        return sum(v["calls"] for k, v in stats.items() if k != "cmdstat_info")

    before = commands()
    for path in ("/", "/c/circle", "/c/circle", links.preferences_url("", token)):
        assert client.get(path).status_code == 200
    assert commands() == before


def test_the_fast_page_read_leaves_its_pooled_connection_transactional(
    make_community, app, client, db
):
    """The version check borrows a pooled connection in autocommit; the next unit of work
    on that connection must still be one transaction that a rollback undoes."""
    from community.models import Community

    make_community(slug="circle")
    assert client.get("/c/circle").status_code == 200
    units = app.extensions["kith.units"]
    work = units.begin()
    try:
        work.session.query(Community).filter_by(slug="circle").update({"name": "Changed"})
        work.session.flush()
        work.rollback()
    finally:
        work.session.close()
    db.expire_all()
    assert db.query(Community).filter_by(slug="circle").one().name == "Morning Circle"
    db.commit()


def test_page_views_from_threads_that_end_leave_no_autocommit_connection_in_the_pool(
    make_community, app, db
):
    """The development server runs each request on a thread of its own. Connections the
    page views used must never reach a unit of work (seen in CI as a SAVEPOINT refused
    "outside a transaction block" on PostgreSQL when a member confirmed)."""
    import gc

    from community.models import Community

    make_community(slug="circle")

    def view() -> None:
        assert app.test_client().get("/c/circle").status_code == 200

    for _ in range(6):
        worker = threading.Thread(target=view)
        worker.start()
        worker.join()
    gc.collect()
    engine = app.extensions["kith.engine"]
    held = [engine.connect() for _ in range(4)]  # more than the views could have left
    try:
        for conn in held:  # every pooled connection is tried, one transaction at a time
            conn.execute(text("UPDATE communities SET name = 'Changed' WHERE slug = 'circle'"))
            conn.rollback()
    finally:
        for conn in held:
            conn.close()
    db.expire_all()
    assert db.query(Community).filter_by(slug="circle").one().name == "Morning Circle"
    db.commit()


def test_a_broken_page_version_connection_is_replaced(make_community, app, client):
    """The version reader keeps a connection open; one the server dropped (a restart,
    an idle timeout) is replaced on the next read, and the page still renders."""
    make_community(slug="circle")
    assert client.get("/c/circle").status_code == 200
    reader = app.extensions["kith.page_versions"]
    reader._spare[-1].driver.close()  # as if the server went away
    assert client.get("/c/circle").status_code == 200
    assert reader.version("circle") is not None


def test_the_session_signer_built_once_still_refuses_a_cookie_signed_with_another_key(
    make_community, app, settings
):
    """The session serializer is kept for the app's life; a session cookie (and so the
    CSRF token inside it) from an app with another secret key still opens nothing."""
    import dataclasses

    from web import create_app

    make_community(slug="circle")
    other = create_app(dataclasses.replace(settings, secret_key="another key entirely"))
    forger = other.test_client()
    token = csrf_from(forger.get("/c/circle").get_data(as_text=True))
    victim = app.test_client()
    cookie = forger.get_cookie("session")
    assert cookie is not None
    victim.set_cookie("session", cookie.value)
    refused = victim.post("/c/circle/join", data={"email": "anne@example.com", "csrf_token": token})
    assert refused.status_code == 400
    own = app.test_client()
    mine = csrf_from(own.get("/c/circle").get_data(as_text=True))
    assert own.get("/c/circle").status_code == 200  # the session read back by the kept signer
    joined = own.post("/c/circle/join", data={"email": "anne@example.com", "csrf_token": mine})
    assert joined.status_code == 303
