"""Signed-link pages for the rituals around the weekly loop: carrying a commitment over."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from community import carryover, members
from community.models import Round
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


@bp.get("/carry/<token>")
def carry(token: str):
    member, rnd, offer = _carry(token)
    return render_template(
        "web/members/carry.html",
        member=member,
        community=member.community,
        round=rnd,
        offer=offer,
        done=False,
    )


@bp.post("/carry/<token>")
def carry_post(token: str):
    member, rnd, offer = _carry(token)
    if offer is not None:
        carryover.carry_over(db.unit(), rnd, member)
        db.commit()
    return render_template(
        "web/members/carry.html",
        member=member,
        community=member.community,
        round=rnd,
        offer=offer,
        done=offer is not None,
    )
