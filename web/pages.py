"""Rendered public pages kept in memory while the data they show stands.

A community page is the same for every visitor but for the CSRF token in its form,
so it is rendered once per `page_version` (kept by database triggers, so a change
made by any process moves it) and the token is put in per request.

A view usually needs no database work at all: it asks a `ChangeWatch` whether anything
could have changed since the page was rendered. On SQLite that is `PRAGMA
data_version` on a connection this process keeps (it moves whenever another
connection commits); on PostgreSQL a listener thread counts the NOTIFY that the
page-version trigger sends on commit. Only when the answer is "maybe" does the view
read the page version, one indexed statement.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from community import communities

log = logging.getLogger(__name__)

TOKEN_SLOT = "\x00csrf\x00"  # stands where each visitor's CSRF token goes


@dataclass
class Cached:
    version: int
    html: str
    seen: object = None  # the change watch's token when the version was last read


class PageCache:
    def __init__(self, max_pages: int = 512) -> None:
        self.max_pages = max_pages
        self._pages: OrderedDict[str, Cached] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Cached | None:
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
            return found

    def put(self, key: str, page: Cached) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)


class VersionReader:
    """Reads page versions on spare connections of its own, kept open in autocommit.

    The cached page's only database work is this one indexed read, so it is done at the
    price of one statement: no pool checkout (on PostgreSQL that is a ping and a
    reset on top), no transaction to begin and end. Each statement is its own snapshot,
    so it sees every commit made before it.

    The connections are detached from the engine's pool, so an autocommit connection
    can never be handed to a unit of work (threads come and go under the development
    server; a thread-local fairy would go back to the pool when its thread dies). They
    are lent last-in first-out, one view at a time; a broken one is closed and replaced.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._spare: list[_Spare] = []
        self._lock = threading.Lock()
        self._listener = ChangeListener(engine) if engine.dialect.name == "postgresql" else None
        if self._listener is not None:
            # An app dropped without `close` (tests make hundreds) must not leave its
            # listener holding a server connection for the life of the process.
            weakref.finalize(self, self._listener.close)

    def token(self, slug: str) -> object:
        """What says whether this community changed since; None when nobody can say.

        Taken before the version is read, so a change committed in between shows as a
        new token next time.
        """
        if self._listener is not None:
            return self._listener.token(slug)
        try:
            with self.lend() as driver:
                cur = driver.cursor()
                cur.execute("PRAGMA data_version")
                (value,) = cur.fetchone()
                cur.close()
        except Exception:
            return None
        return (id(driver), value)  # values only compare on one connection

    def version(self, slug: str) -> int | None:
        for attempt in (1, 2):
            try:
                with self.lend() as driver:
                    return communities.page_version_raw(driver, self.paramstyle, slug)
            except Exception as exc:
                if attempt == 2:
                    raise
                log.warning("page version read failed (%s); reconnecting", exc)
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def lend(self) -> Iterator[Any]:
        """A spare DB-API connection (autocommit) for one short read by another page,
        given back afterwards, or closed if the read failed."""
        conn = self._borrow()
        try:
            yield conn.driver
        except Exception:
            self._discard(conn)
            raise
        self._give_back(conn)

    @property
    def paramstyle(self) -> str:
        return str(self.engine.dialect.paramstyle)

    def close(self) -> None:
        """Close the spare connections and stop the listener (the app is done)."""
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            spare, self._spare = self._spare, []
        for conn in spare:
            self._discard(conn)

    def _borrow(self) -> _Spare:
        with self._lock:
            if self._spare:
                return self._spare.pop()
        conn = self.engine.raw_connection()
        driver: Any = conn.driver_connection
        conn.detach()  # closed, never pooled, when dropped
        if self.engine.dialect.name == "postgresql":
            driver.autocommit = True
        return _Spare(conn, driver)

    def _give_back(self, conn: _Spare) -> None:
        with self._lock:
            self._spare.append(conn)

    @staticmethod
    def _discard(conn: _Spare) -> None:
        with contextlib.suppress(Exception):  # already gone
            conn.fairy.close()


@dataclass(frozen=True)
class _Spare:
    fairy: Any  # the detached pool entry; closing it closes the connection
    driver: Any  # the DB-API connection itself


class ChangeListener:
    """LISTENs for the page-version trigger's notices on a connection of its own.

    The token of a community changes with every notice about it, and the epoch with
    every (re)connection, since notices sent while nobody listened are lost. While
    the listener is not connected its token is None: views then read the version.
    """

    CHANNEL = "kith_pages"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._counts: dict[str, int] = {}
        self._epoch = 0
        self._ready = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()

    def close(self) -> None:
        """Stop listening; the thread lets its connection go within a second."""
        self._closed.set()

    def token(self, slug: str) -> object:
        if self._closed.is_set():
            return None
        self._start()
        with self._lock:
            if not self._ready:
                return None
            return (self._epoch, self._counts.get(slug, 0))

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="kith-page-notices", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._closed.is_set():
            conn: Any = None
            try:
                conn = self.engine.raw_connection()
                driver: Any = conn.driver_connection
                conn.detach()
                driver.autocommit = True
                driver.execute(f"LISTEN {self.CHANNEL}")
                with self._lock:
                    self._epoch += 1
                    self._counts.clear()
                    self._ready = True
                while not self._closed.is_set():
                    for notice in driver.notifies(timeout=1.0):
                        with self._lock:
                            self._counts[notice.payload] = self._counts.get(notice.payload, 0) + 1
            except Exception as exc:
                log.warning("page change notices interrupted (%s); reconnecting", exc)
            with self._lock:
                self._ready = False
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.invalidate()
            self._closed.wait(1.0)
