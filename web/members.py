"""Signed-link pages for members: confirm, preferences, unsubscribe (RFC 8058 one-click)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from community import members, rounds
from community.checkins import CheckinAnswer
from community.errors import CommunityError
from community.models import CheckinStatus, DeliveryMode, MemberStatus, Round
from community.tokens import LinkPurpose

from . import db

bp = Blueprint("members", __name__)


def _member(purpose: LinkPurpose, token: str, max_age: int | None = None):
    return members.member_from_link(db.session(), db.signer(), purpose, token, max_age)


# -- confirmation -------------------------------------------------------------
# GET only shows a button: mail gateways follow links to scan them, and a scanner
# must never join anyone. The POST does the work.


@bp.get("/confirm/<token>")
def confirm(token: str):
    member = _member(LinkPurpose.CONFIRM, token, db.settings().confirm_hours * 3600)
    if member.status != MemberStatus.PENDING:  # the link did its job before
        return _confirmed(member, again=True)
    return render_template("web/members/confirm.html", member=member, community=member.community)


@bp.post("/confirm/<token>")
def confirm_post(token: str):
    member = _member(LinkPurpose.CONFIRM, token, db.settings().confirm_hours * 3600)
    again = member.status != MemberStatus.PENDING
    members.confirm_signup(db.unit(), member)
    db.commit()
    return _confirmed(member, again=again)


def _confirmed(member, *, again: bool):
    """Where the member stands; `again` when this press changed nothing (and sent nothing)."""
    return render_template(
        "web/members/confirmed.html", member=member, community=member.community, again=again
    )


# -- preferences --------------------------------------------------------------


@bp.get("/preferences/<token>")
def preferences(token: str):
    member = _member(LinkPurpose.PREFERENCES, token)
    return _render_preferences(token, member)


@dataclass(frozen=True)
class PreferencesForm:
    """What the form shows: the member's settings, or what they typed when it failed."""

    display_name: str
    delivery_mode: str
    pause: bool
    paused_until: str


def _stored(member, today: date) -> PreferencesForm:
    paused = member.paused_until is not None and member.paused_until >= today
    return PreferencesForm(
        member.display_name or "",
        member.delivery_mode.value,
        paused,
        member.paused_until.isoformat() if paused else "",
    )


def _typed(form) -> PreferencesForm:
    return PreferencesForm(
        form.get("display_name", ""),
        form.get("delivery_mode", ""),
        bool(form.get("pause")),
        form.get("paused_until", "").strip(),
    )


def _render_preferences(token, member, error="", status=200, typed=None):
    today = db.now().date()
    return (
        render_template(
            "web/members/preferences.html",
            token=token,
            member=member,
            community=member.community,
            modes=DeliveryMode,
            statuses=MemberStatus,
            error=error,
            # "Saved" belongs to the page a save redirected to, never to a failed submit.
            saved=not error and request.method == "GET" and bool(request.args.get("saved")),
            form=typed or _stored(member, today),
            today=today,
        ),
        status,
    )


@bp.post("/preferences/<token>")
def preferences_post(token: str):
    member = _member(LinkPurpose.PREFERENCES, token)
    if member.status in members.LEFT:
        abort(410)
    typed = _typed(request.form)

    def refuse(error: str):
        return _render_preferences(token, member, error=error, status=422, typed=typed)

    try:
        mode = DeliveryMode(typed.delivery_mode)
    except ValueError:
        return refuse("Please choose how group email should reach you.")
    paused_until = None
    if typed.pause:
        if not typed.paused_until:
            return refuse("Choose the date your pause ends, or untick “Pause”.")
        try:
            paused_until = date.fromisoformat(typed.paused_until)
        except ValueError:
            return refuse("That pause date is not one we can read: choose it from the calendar.")
    try:
        members.update_preferences(
            db.unit(),
            member,
            delivery_mode=mode,
            display_name=typed.display_name,
            paused_until=paused_until,
        )
    except CommunityError as exc:
        db.unit().rollback()
        return refuse(str(exc))
    db.commit()
    return redirect(url_for("members.preferences", token=token, saved=1), code=303)


# -- unsubscribe --------------------------------------------------------------


def _leaver(token: str):
    payload = db.signer().load(LinkPurpose.UNSUBSCRIBE, token)
    return members.member_for_unsubscribe(db.session(), payload)


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    member, gone = _leaver(token)
    template = "web/members/unsubscribed.html" if gone else "web/members/unsubscribe.html"
    return render_template(template, token=token, member=member, community=member.community)


@bp.post("/unsubscribe/<token>")
def unsubscribe_post(token: str):
    """Both the page's button and RFC 8058 one-click POSTs from mail clients land here.

    One-click requests carry no CSRF token (the mail client has no page); the signed
    URL is their authority, as RFC 8058 intends. The page's form must carry one.
    """
    member, gone = _leaver(token)
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    if not one_click:
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as exc:
            raise CSRFError(str(exc)) from exc
    if not gone:
        members.unsubscribe(db.unit(), member)
        db.commit()
    if one_click:
        return "Unsubscribed.\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template(
        "web/members/unsubscribed.html", member=member, community=member.community
    )


# -- one-click check-in answers --------------------------------------------------
# Same rule as confirmation: the link shows a button, only the POST records, so a
# mail gateway scanning links never answers for anyone.


def _checkin(token: str):
    payload = db.signer().load(LinkPurpose.CHECKIN, token)
    member = members.member_for_payload(db.session(), payload)
    rnd = db.session().get(Round, int(str(payload.get("r", "0"))))
    try:
        result = CheckinStatus(str(payload.get("a")))
    except ValueError:
        abort(404)
    if rnd is None or rnd.community_id != member.community_id:
        abort(404)
    commitment = rounds.commitment_of(db.session(), rnd, member)
    return member, rnd, result, commitment


@bp.get("/checkin/<token>")
def checkin(token: str):
    member, rnd, result, commitment = _checkin(token)
    return render_template(
        "web/members/checkin.html",
        member=member,
        community=member.community,
        round=rnd,
        result=result,
        commitment=commitment,
        done=False,
    )


@bp.post("/checkin/<token>")
def checkin_post(token: str):
    member, rnd, result, commitment = _checkin(token)
    reflection = commitment.reflection if commitment else ""
    commitment = rounds.record_checkin(db.unit(), rnd, member, CheckinAnswer(result, reflection))
    db.commit()
    return render_template(
        "web/members/checkin.html",
        member=member,
        community=member.community,
        round=rnd,
        result=result,
        commitment=commitment,
        done=True,
    )
