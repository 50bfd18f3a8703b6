"""The host's approve / decline links for approval-policy communities."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from community import inbound, members
from community.models import Community, HeldMessage
from community.tokens import LinkPurpose

from . import db

bp = Blueprint("hosts", __name__)
DECISION_DAYS = members.HOST_DECISION_DAYS


def _decision(token: str):
    payload = db.signer().load(LinkPurpose.HOST_DECISION, token, DECISION_DAYS * 86400)
    member = members.member_for_payload(db.session(), payload)
    return member, payload.get("d") == "approve"


@bp.get("/host/decide/<token>")
def decide(token: str):
    member, approve = _decision(token)
    return render_template(
        "web/hosts/decide.html",
        member=member,
        community=member.community,
        approve=approve,
        done=False,
    )


@bp.post("/host/decide/<token>")
def decide_post(token: str):
    member, approve = _decision(token)
    members.decide_approval(db.unit(), member, approve=approve)
    db.commit()
    return render_template(
        "web/hosts/decide.html",
        member=member,
        community=member.community,
        approve=approve,
        done=True,
    )


# -- held messages ------------------------------------------------------------


def _held(token: str):
    payload = db.signer().load(LinkPurpose.MODERATE, token, DECISION_DAYS * 86400)
    held = db.session().get(HeldMessage, payload.get("h"))
    if held is None:
        abort(404)
    return held, payload.get("d") == "approve"


@bp.get("/host/held/<token>")
def held(token: str):
    message, approve = _held(token)
    return render_template(
        "web/hosts/held.html",
        held=message,
        approve=approve,
        done=False,
        community=db.session().get(Community, message.community_id),
    )


@bp.post("/host/held/<token>")
def held_post(token: str):
    message, approve = _held(token)
    inbound.decide_held(db.unit(), message, approve=approve)
    db.commit()
    return render_template(
        "web/hosts/held.html",
        held=message,
        approve=approve,
        done=True,
        community=db.session().get(Community, message.community_id),
    )
