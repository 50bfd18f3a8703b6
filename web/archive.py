"""The members' archive: sign-in by link, threads, search, rounds, members, downloads.

Every view finds its reader from the session cookie and checks it against the
database (community.archive.reader_from_claim), so a member who left is out on their
next click. Pages are private: never indexed, never cached by shared caches, and sent
with a Content-Security-Policy that allows no script at all.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import generate_csrf

from community import archive, communities, links, mbox, search
from community.errors import CommunityError, UnknownCommunity
from community.models import Community
from community.uow import UnitFactory

from . import db
from .pages import TOKEN_SLOT, VersionReader
from .posttext import post_html

bp = Blueprint("archive", __name__, url_prefix="/c/<slug>/archive")
SESSION_KEY = "archive"  # {community id: claim}
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@bp.app_template_filter("post_html")
def _post_html(text: str):
    return post_html(text)


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _community(slug: str) -> Community:
    try:
        return communities.get_community(db.session(), slug)
    except UnknownCommunity:
        abort(404)


def _claims() -> dict[str, object]:
    held = session.get(SESSION_KEY)
    return held if isinstance(held, dict) else {}


def reader_only(view):
    """The view runs for a signed-in reader of this community; others get the sign-in
    form (403), which says nothing about who is a member."""

    @wraps(view)
    def wrapper(slug: str, **kwargs):
        community, member = archive.community_and_reader(db.session(), slug, _claims())
        if community is None:
            abort(404)
        if member is None:
            return _sign_in_page(community, status=403)
        g.community, g.reader = community, member
        return view(community, member, **kwargs)

    return wrapper


def _sign_in_page(community: Community, *, status: int = 200, error: str = "", sent=False):
    return (
        render_template(
            "web/archive/sign_in.html",
            community=community,
            error=error,
            sent=sent,
            valid_hours=db.settings().archive_link_hours,
            # The page that asked for a reader: the link will lead back to it.
            next_path=links.archive_page(
                community.slug,
                request.form.get("next", "") if request.method == "POST" else request.path,
            )
            or "",
        ),
        status,
    )


# -- signing in and out ------------------------------------------------------------------


@bp.post("/link")
def send_link(slug: str):
    community = _community(slug)
    try:
        archive.request_link(
            db.unit(),
            community,
            request.form.get("email", ""),
            mails_per_hour=db.settings().join_mails_per_address,
            next_path=request.form.get("next", ""),
        )
    except CommunityError as exc:  # not an address at all; says nothing about members
        db.unit().rollback()
        return _sign_in_page(community, status=422, error=str(exc))
    db.commit()
    return redirect(url_for("archive.link_sent", slug=slug), code=303)


@bp.get("/link-sent")
def link_sent(slug: str):
    return _sign_in_page(_community(slug), sent=True)


@bp.get("/in/<token>")
def sign_in(slug: str, token: str):
    """A link from a mail: sign this browser in and go to the archive. Links can be
    used again until they expire, so a mail scanner opening one spends nothing."""
    community = _community(slug)
    hours = db.settings().archive_link_hours
    member = archive.reader_from_link(db.session(), db.signer(), community, token, hours * 3600)
    held = dict(_claims())
    held[str(community.id)] = archive.claim(member)
    session[SESSION_KEY] = held
    session.permanent = True
    page = links.archive_page(slug, request.args.get("next", ""))
    return redirect(page or url_for("archive.threads", slug=slug), code=303)


@bp.post("/out")
def sign_out(slug: str):
    community = _community(slug)
    held = dict(_claims())
    held.pop(str(community.id), None)
    session[SESSION_KEY] = held
    return redirect(url_for("archive.threads", slug=slug), code=303)


@bp.post("/out-everywhere")
@reader_only
def sign_out_everywhere(community: Community, member):
    archive.sign_out_everywhere(member)
    db.commit()
    return sign_out(community.slug)


# -- pages ---------------------------------------------------------------------------


def _page(template: str, **context):
    return render_template(
        f"web/archive/{template}", community=g.community, reader=g.reader, **context
    )


@bp.get("")
@reader_only
def threads(community: Community, member):
    page = request.args.get("page", "1")
    listing = archive.list_threads(db.session(), community, int(page) if page.isdigit() else 1)
    return _page("threads.html", listing=listing)


class RenderedThreads:
    """Thread pages as rendered, by (community, thread, host or not), least recently used
    out first, each with the post ids it shows. Posts never change once written, so a
    page stands until its thread gets a new post; what differs per reader (the CSRF
    token) is put in per request. Access is still checked on every request."""

    def __init__(self, max_pages: int = 1024) -> None:
        self.max_pages = max_pages
        self._pages: OrderedDict[tuple[int, int, bool], tuple[tuple[int, ...], str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, int, bool], version: tuple[int, ...]) -> str | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None or found[0] != version:
                return None
            self._pages.move_to_end(key)
            return found[1]

    def put(self, key: tuple[int, int, bool], version: tuple[int, ...], html: str) -> None:
        with self._lock:
            self._pages[key] = (version, html)
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)


@bp.record_once
def _setup(state) -> None:
    state.app.extensions["kith.archive_threads"] = RenderedThreads()


@bp.get("/t/<int:thread_id>")
def thread(slug: str, thread_id: int):
    """Access and the thread's post ids in one statement on a bare connection; the page
    itself is rendered once per thread (and host or not) until a post arrives."""
    spares: VersionReader = current_app.extensions["kith.page_versions"]
    with spares.lend() as conn:
        access = archive.thread_access_raw(conn, spares.paramstyle, slug, _claims(), thread_id)
    if access.community_id is None:
        abort(404)
    if access.reader_id is None:
        return _sign_in_page(_community(slug), status=403)
    if access.subject is None:
        abort(404)
    cache: RenderedThreads = current_app.extensions["kith.archive_threads"]
    key = (access.community_id, thread_id, access.is_host)
    html = cache.get(key, access.post_ids)
    if html is None:
        community, member = archive.community_and_reader(db.session(), slug, _claims())
        if community is None:
            abort(404)
        if member is None:  # left between the two reads
            return _sign_in_page(community, status=403)
        g.community, g.reader = community, member
        outline = archive.ThreadOutline(thread_id, access.subject, access.post_ids)
        posts = archive.post_views(db.session(), access.post_ids)
        html = _page("thread.html", thread=outline, posts=posts, csrf=TOKEN_SLOT)
        cache.put(key, access.post_ids, html)
    return html.replace(TOKEN_SLOT, generate_csrf())


@bp.get("/search")
@reader_only
def search_page(community: Community, member):
    raw = request.args.get("q", "")
    offset = request.args.get("offset", "0")
    results = search.search_posts(
        db.session(), community, raw, offset=int(offset) if offset.isdigit() else 0
    )
    return _page("search.html", q=raw, results=results, page_size=search.PAGE_SIZE)


@bp.get("/a/<int:post_id>/<int:index>")
@reader_only
def attachment(community: Community, member, post_id: int, index: int):
    found = archive.attachment(db.session(), community, post_id, index)
    if found is None:
        abort(404)
    return _download(found.data, found.content_type, found.filename)


def _download(data, content_type: str, filename: str) -> Response:
    response = Response(data, content_type=content_type)
    # Always a download, never shown in the page's origin (RFC 6266 filename*).
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/rounds")
@reader_only
def rounds(community: Community, member):
    return _page("rounds.html", rounds=archive.list_rounds(db.session(), community))


@bp.get("/rounds/<week>")
@reader_only
def round_week(community: Community, member, week: str):
    summary = archive.round_page(db.session(), community, week)
    if summary is None:
        abort(404)
    return _page("round.html", summary=summary)


@bp.get("/me")
@reader_only
def me(community: Community, member):
    return redirect(url_for("archive.member_page", slug=community.slug, member_id=member.id))


@bp.get("/m/<int:member_id>")
@reader_only
def member_page(community: Community, member, member_id: int):
    shown = archive.member_page(db.session(), community, member_id)
    if shown is None:
        abort(404)
    return _page("member.html", shown=shown)


# -- exports ---------------------------------------------------------------------------


@bp.get("/export.mbox")
@reader_only
def export(community: Community, member):
    """The whole archive, for the host only."""
    if not archive.is_host(member):
        abort(403)
    return _mbox(community, f"{community.slug}-archive.mbox", None)


@bp.get("/my-posts.mbox")
@reader_only
def my_posts(community: Community, member):
    return _mbox(community, f"{community.slug}-my-posts.mbox", member.id)


def _mbox(community: Community, filename: str, author_id: int | None) -> Response:
    units: UnitFactory = current_app.extensions["kith.units"]
    community_id = community.id

    def chunks():
        # Its own read-only unit: the stream outlives the request's.
        with units.open(read_only=True) as uow:
            yield from mbox.export_mbox(uow.session, community_id, author_id=author_id)

    return _download(chunks(), "application/mbox", filename)
