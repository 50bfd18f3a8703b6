"""Rendered public pages kept in memory while the data they show stands.

A community page is the same for every visitor but for the CSRF token in its form,
so it is rendered once per `page_version` (kept by database triggers, so a change
made by any process moves it) and the token is put in per request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

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
