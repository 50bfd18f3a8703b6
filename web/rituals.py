"""Signed-link pages for the rituals around the weekly loop: carrying a commitment over,
saying that accountability buddies talked, re-enrolling in a season."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from community import buddies, carryover, members, seasons
from community.models import BuddyGroup, Round, Season
from community.tokens import LinkPurpose

from . import db

bp = Blueprint("rituals", __name__)


# The link shows a button; only the POST records (link scanners must not answer).


def _carry(token: str):
    payload = db.signer().load(LinkPurpose.CARRY_OVER, token)
    member = members.member_for_payload(db.session(), payload)
    rnd = db.session().get(Round, int(str(payload.get("r", "0"))))
    if rnd is None or rnd.community_id != member.community_id:
        abort(404)
    return member, rnd, carryover.offer(db.session(), rnd, member)


def _carry_page(member, rnd: Round, offer, *, done: bool) -> str:
    return render_template(
        "web/members/carry.html",
        member=member,
        community=member.community,
        round=rnd,
        offer=offer,
        done=done,
    )


@bp.get("/carry/<token>")
def carry(token: str):
    member, rnd, offer = _carry(token)
    return _carry_page(member, rnd, offer, done=False)


@bp.post("/carry/<token>")
def carry_post(token: str):
    member, rnd, offer = _carry(token)
    if offer is not None:
        carryover.carry_over(db.unit(), rnd, member)
        db.commit()
    return _carry_page(member, rnd, offer, done=offer is not None)


# -- "did you two talk?" ---------------------------------------------------------------


def _talked(token: str):
    payload = db.signer().load(LinkPurpose.BUDDIES_TALKED, token)
    member = members.member_for_payload(db.session(), payload)
    group = db.session().get(BuddyGroup, int(str(payload.get("g", "0"))))
    if group is None or group.community_id != member.community_id:
        abort(404)
    people = buddies.members_of(db.session(), group)
    if all(m.id != member.id for m in people):
        abort(404)
    others = [m.name_or_address for m in people if m.id != member.id]
    return member, group, others


def _talked_page(member, others: list[str], *, done: bool) -> str:
    return render_template(
        "web/members/talked.html",
        member=member,
        community=member.community,
        others=others,
        done=done,
    )


@bp.get("/buddies/talked/<token>")
def talked(token: str):
    member, group, others = _talked(token)
    return _talked_page(member, others, done=group.talked_at is not None)


@bp.post("/buddies/talked/<token>")
def talked_post(token: str):
    member, group, others = _talked(token)
    buddies.mark_talked(db.unit(), group)
    db.commit()
    return _talked_page(member, others, done=True)


# -- re-enrolling in the next season ----------------------------------------------------


def _enrol(token: str):
    payload = db.signer().load(LinkPurpose.REENROL, token)
    member = members.member_for_payload(db.session(), payload)
    season = db.session().get(Season, int(str(payload.get("s", "0"))))
    if season is None or season.community_id != member.community_id:
        abort(404)
    return member, season


@bp.get("/season/enrol/<token>")
def enrol(token: str):
    member, season = _enrol(token)
    return render_template(
        "web/members/enrol.html", member=member, community=member.community, season=season
    )


@bp.post("/season/enrol/<token>")
def enrol_post(token: str):
    member, season = _enrol(token)
    seasons.reenrol(db.unit(), member)
    db.commit()
    return render_template(
        "web/members/enrol.html", member=member, community=member.community, season=season
    )
