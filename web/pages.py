"""Rendered public pages kept in memory while the data they show stands.

A community page is the same for every visitor but for the CSRF token in its form,
so it is rendered once per `page_version` (kept by database triggers, so a change
made by any process moves it) and the token is put in per request.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import Engine

from community import communities

log = logging.getLogger(__name__)

TOKEN_SLOT = "\x00csrf\x00"  # stands where each visitor's CSRF token goes


class PageCache:
    def __init__(self, max_pages: int = 512) -> None:
        self.max_pages = max_pages
        self._pages: OrderedDict[str, tuple[int, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, version: int) -> str | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None or found[0] != version:
                return None
            self._pages.move_to_end(key)
            return found[1]

    def put(self, key: str, version: int, html: str) -> None:
        with self._lock:
            self._pages[key] = (version, html)
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)


class VersionReader:
    """Reads page versions on one connection per thread, kept open in autocommit.

    The cached page's only database work is this one indexed read, so it is done at the
    price of one statement: no pool checkout (on PostgreSQL that is a ping and a
    reset on top), no transaction to begin and end. Each statement is its own snapshot,
    so it sees every commit made before it. A broken connection is replaced.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()

    def version(self, slug: str) -> int | None:
        for attempt in (1, 2):
            conn = self._connection()
            try:
                return communities.page_version_raw(
                    conn.driver_connection, self.engine.dialect.paramstyle, slug
                )
            except Exception as exc:
                log.warning("page version read failed (%s); reconnecting", exc)
                self._drop()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.engine.raw_connection()
            driver: Any = conn.driver_connection
            if self.engine.dialect.name == "postgresql":
                driver.autocommit = True  # this one never goes back to the pool
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with contextlib.suppress(Exception):  # already gone
                conn.invalidate()
