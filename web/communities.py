"""Community pages and the join form."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf

from community import communities, members
from community.errors import CommunityError, UnknownCommunity

from . import db
from .pages import TOKEN_SLOT, Cached, PageCache, VersionReader

bp = Blueprint("communities", __name__)

# A field no person sees or fills in; form-filling bots usually do.
HONEYPOT = "website"


def _community_or_404(slug: str):
    try:
        return communities.get_community(db.session(), slug)
    except UnknownCommunity:
        abort(404)


@bp.get("/")
def index():
    return render_template("web/index.html", communities=communities.list_communities(db.session()))


@bp.get("/c/<slug>")
def page(slug: str):
    """The public page: one small query when nothing changed since it was rendered."""
    cache: PageCache = current_app.extensions["kith.pages"]
    watch: VersionReader = current_app.extensions["kith.page_versions"]
    seen = watch.token(slug)
    cached = cache.get(slug)
    if cached is None or seen is None or cached.seen != seen:
        version = watch.version(slug)
        if version is None:
            abort(404)
        if cached is None or cached.version != version:
            shown = communities.community_page(db.reader(), slug)
            cached = Cached(shown.version, _page_html(shown, csrf=TOKEN_SLOT))
        cached.seen = seen
        cache.put(slug, cached)
    return cached.html.replace(TOKEN_SLOT, generate_csrf())


def _page_html(shown, *, csrf: str, error: str = "", form=None) -> str:
    from community.seasons import page_season

    return render_template(
        "web/communities/page.html",
        community=shown,
        season=page_season(db.reader(), shown.slug),
        seats_left=shown.seats_left,
        waitlist=shown.waitlist,
        error=error,
        form=form or {},
        honeypot=HONEYPOT,
        csrf=csrf,
    )


def _render_page(slug: str, error: str = "", form=None, status: int = 200):
    try:
        shown = communities.community_page(db.session(), slug)
    except UnknownCommunity:
        abort(404)
    return _page_html(shown, csrf=generate_csrf(), error=error, form=form), status


@bp.post("/c/<slug>/join")
def join(slug: str):
    community = _community_or_404(slug)
    form = request.form
    if form.get(HONEYPOT):
        # Pretend it worked; telling bots what tripped them only helps them.
        return redirect(url_for("communities.check_email", slug=slug), code=303)
    try:
        members.request_join(
            db.unit(),
            community,
            form.get("email", ""),
            display_name=form.get("name", ""),
            mails_per_hour=db.settings().join_mails_per_address,
        )
    except CommunityError as exc:
        db.unit().rollback()
        return _render_page(slug, error=str(exc), form=form, status=422)
    db.commit()
    return redirect(url_for("communities.check_email", slug=slug), code=303)


@bp.get("/c/<slug>/check-email")
def check_email(slug: str):
    community = _community_or_404(slug)
    return render_template(
        "web/communities/check_email.html",
        community=community,
        valid_hours=db.settings().confirm_hours,
    )
