"""Public URLs of the signup site; the web routes and the mail templates both use these."""

from __future__ import annotations

import re
from urllib.parse import quote


def _join(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def community_url(base_url: str, slug: str) -> str:
    return _join(base_url, f"/c/{slug}")


def confirm_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/confirm/{token}")


def preferences_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/preferences/{token}")


def unsubscribe_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/unsubscribe/{token}")


def host_decision_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/host/decide/{token}")


def held_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/host/held/{token}")


def checkin_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/checkin/{token}")


# -- the members' archive (web/archive.py) ---------------------------------------------


def archive_url(base_url: str, slug: str) -> str:
    return _join(base_url, f"/c/{slug}/archive")


def archive_sign_in_url(base_url: str, slug: str, token: str, next_path: str = "") -> str:
    """A sign-in link; `next_path` (an archive page of this community, see archive_page)
    is where it leads once signed in, e.g. a thread_url's path for a digest's thread."""
    url = _join(base_url, f"/c/{slug}/archive/in/{token}")
    page = archive_page(slug, next_path)
    return f"{url}?next={quote(page, safe='/')}" if page else url


def archive_page(slug: str, path: str) -> str | None:
    """`path` if it is a page of this community's archive, else None: where a sign-in
    may lead, so that a link can never send anyone to another site or community."""
    if re.fullmatch(rf"/c/{re.escape(slug)}/archive(?:/[A-Za-z0-9_\-]+)*/?", path or ""):
        return path
    return None


def thread_url(base_url: str, slug: str, thread_id: int) -> str:
    """A thread's page in the archive: where the digest's titles and "+ N more" lead."""
    return _join(base_url, f"/c/{slug}/archive/t/{thread_id}")


def post_url(base_url: str, slug: str, thread_id: int, post_id: int) -> str:
    """One post in the archive (RFC 5064 Archived-At of its copies)."""
    return thread_url(base_url, slug, thread_id) + f"#post-{post_id}"


def carry_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/carry/{token}")


def talked_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/buddies/talked/{token}")


def reenrol_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/season/enrol/{token}")
