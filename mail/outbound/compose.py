"""Ledger rows to EmailMessage: headers, HTML from MJML and a plain-text alternative."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from community import links
from community.addresses import host_contact_address, list_address, list_id
from community.members import HOST_DECISION_DAYS, link_payload
from community.models import Community, Member, OutboundMessage
from community.outbox import Purpose
from community.settings import Settings
from community.tokens import LinkPurpose, Signer

from .render import render_html, render_text


@dataclass(frozen=True)
class Letter:
    """What one purpose contributes: a subject, and whether the reader is a member."""

    subject: str
    to_member: bool  # members get List-Unsubscribe; people not (yet) in do not
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MailContext:
    settings: Settings
    signer: Signer
    community: Community
    member: Member | None
    row: OutboundMessage

    def link(self, purpose: LinkPurpose, **extra: str) -> str:
        assert self.member is not None
        return self.signer.sign(purpose, link_payload(self.member, **extra))

    @property
    def base(self) -> str:
        return self.settings.base_url


def _confirm_signup(c: MailContext) -> Letter:
    return Letter(
        f"Confirm you want to join {c.community.name}",
        to_member=False,
        context={
            "confirm_url": links.confirm_url(c.base, c.link(LinkPurpose.CONFIRM)),
            "valid_hours": c.settings.confirm_hours,
        },
    )


def _already_member(c: MailContext) -> Letter:
    return Letter(f"Your place in {c.community.name}", to_member=True)


def _welcome(c: MailContext) -> Letter:
    return Letter(f"Welcome to {c.community.name}", to_member=True)


def _seat_opened(c: MailContext) -> Letter:
    return Letter(f"A seat opened up: welcome to {c.community.name}", to_member=True)


def _waitlisted(c: MailContext) -> Letter:
    return Letter(f"You are on the waitlist for {c.community.name}", to_member=True)


def _approval_request(c: MailContext) -> Letter:
    assert c.member is not None
    who = c.member.display_name or c.member.address
    return Letter(
        f"{who} asks to join {c.community.name}",
        to_member=False,
        context={
            "applicant": c.member,
            "approve_url": links.host_decision_url(
                c.base, c.link(LinkPurpose.HOST_DECISION, d="approve")
            ),
            "decline_url": links.host_decision_url(
                c.base, c.link(LinkPurpose.HOST_DECISION, d="decline")
            ),
            "valid_days": HOST_DECISION_DAYS,
        },
    )


def _join_declined(c: MailContext) -> Letter:
    return Letter(f"Your request to join {c.community.name}", to_member=False)


LETTERS: dict[str, Callable[[MailContext], Letter]] = {
    Purpose.CONFIRM_SIGNUP: _confirm_signup,
    Purpose.ALREADY_MEMBER: _already_member,
    Purpose.WELCOME: _welcome,
    Purpose.SEAT_OPENED: _seat_opened,
    Purpose.WAITLISTED: _waitlisted,
    Purpose.APPROVAL_REQUEST: _approval_request,
    Purpose.JOIN_DECLINED: _join_declined,
}


def compose(c: MailContext, now: datetime) -> EmailMessage:
    """Build the message for a ledger row. Raises KeyError for an unknown purpose."""
    letter = LETTERS[c.row.purpose](c)
    settings, community = c.settings, c.community
    context: dict[str, Any] = {
        "community": community,
        "member": c.member,
        "subject": letter.subject,
        "community_url": links.community_url(c.base, community.slug),
        "list_address": list_address(community.slug, settings.domain),
        "host_address": host_contact_address(community.slug, settings.domain),
        **letter.context,
    }
    unsubscribe = None
    if letter.to_member and c.member is not None:
        unsubscribe = links.unsubscribe_url(c.base, c.link(LinkPurpose.UNSUBSCRIBE))
        context["unsubscribe_url"] = unsubscribe
        context["preferences_url"] = links.preferences_url(c.base, c.link(LinkPurpose.PREFERENCES))

    msg = EmailMessage()
    msg["Subject"] = letter.subject
    msg["From"] = Address(community.name, addr_spec=list_address(community.slug, settings.domain))
    msg["To"] = c.row.recipient
    msg["Reply-To"] = Address(
        f"{community.name} host", addr_spec=host_contact_address(community.slug, settings.domain)
    )
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = c.row.message_id
    msg["List-Id"] = f"{community.name} {list_id(community.slug, settings.domain)}"
    if unsubscribe:
        # RFC 8058: a POST to this URL with "List-Unsubscribe=One-Click" unsubscribes.
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # RFC 3834: machine-made mail; the second header keeps Exchange from auto-replying.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(
        render_text(settings.templates_path, c.row.purpose, context), cte="quoted-printable"
    )
    msg.add_alternative(
        render_html(settings.templates_path, c.row.purpose, context),
        subtype="html",
        cte="quoted-printable",
    )
    return msg


def envelope_sender(row: OutboundMessage, domain: str) -> str:
    """VERP bounce address: a bounce names the ledger row it is about."""
    return f"bounces+{row.id}@{domain}"
