"""Community pages and the join form."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from community import communities, members
from community.errors import CommunityError, UnknownCommunity

from . import db

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
    community = _community_or_404(slug)
    return _render_page(community)


def _render_page(community, error: str = "", form=None, status: int = 200):
    session = db.session()
    return (
        render_template(
            "web/communities/page.html",
            community=community,
            seats_left=communities.seats_left(session, community),
            waitlist=communities.waitlist_length(session, community),
            error=error,
            form=form or {},
            honeypot=HONEYPOT,
        ),
        status,
    )


@bp.post("/c/<slug>/join")
def join(slug: str):
    community = _community_or_404(slug)
    form = request.form
    if form.get(HONEYPOT):
        # Pretend it worked; telling bots what tripped them only helps them.
        return redirect(url_for("communities.check_email", slug=slug), code=303)
    settings = db.settings()
    try:
        members.request_join(
            db.session(),
            community,
            form.get("email", ""),
            display_name=form.get("name", ""),
            now=db.now(),
            domain=settings.domain,
            mails_per_hour=settings.join_mails_per_address,
        )
    except CommunityError as exc:
        return _render_page(community, error=str(exc), form=form, status=422)
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
