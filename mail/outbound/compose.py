"""Ledger rows to bytes for SMTP: the standard headers, both parts, attachments, DKIM."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from community import links
from community.addresses import (
    ReplyToken,
    TokenKind,
    host_contact_address,
    list_address,
    list_id,
    reply_address,
)
from community.models import Community, DigestRun, Member, OutboundMessage
from community.outbox import Purpose
from community.settings import Settings
from community.tokens import LinkPurpose
from community.uow import UnitOfWork

from .errors import ComposeError
from .headers import HeaderSpec, ListHeaders, header_block
from .letters import LETTERS, Letter, MailContext
from .rawmime import alternative, calendar_alternative, message, with_attachments
from .render import render_html, render_text
from .signing import load_key, sign

__all__ = ["MailContext", "compose", "envelope_sender", "list_headers", "message_bytes"]


def list_headers(
    settings: Settings, community: Community, member: Member | None, unsubscribe: str | None
) -> ListHeaders:
    """The RFC 2369 fields of a community's mail; posting and unsubscribing only for
    members (someone confirming their signup is not in yet)."""
    is_member = unsubscribe is not None and member is not None
    mailto = None
    if is_member:
        assert member is not None
        token = ReplyToken(TokenKind.UNSUBSCRIBE, member.id, community.id, member.link_version)
        mailto = reply_address(settings.secret_key, community.slug, settings.domain, token)
    return ListHeaders(
        name=community.name,
        list_id=list_id(community.slug, settings.domain),
        help_url=links.community_url(settings.base_url, community.slug),
        owner=host_contact_address(community.slug, settings.domain),
        post=list_address(community.slug, settings.domain) if is_member else None,
        unsubscribe_url=unsubscribe,
        unsubscribe_mailto=mailto,
        archive_url=links.archive_url(settings.base_url, community.slug) if is_member else None,
    )


def compose(c: MailContext, now: datetime) -> bytes:
    """The message for a ledger row, ARC-sealed when it relays a member's mail, not yet
    DKIM-signed. Raises KeyError for an unknown purpose."""
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
        context["archive_url"] = links.archive_url(c.base, community.slug)
    head = header_block(_spec(c, letter, now, unsubscribe))
    text = render_text(settings.templates_path, c.row.purpose, context)
    html = render_html(settings.templates_path, c.row.purpose, context)
    if letter.calendar is not None:
        body = calendar_alternative(text, html, letter.calendar[1], letter.calendar[0])
    else:
        body = alternative(text, html)
    parts = list(letter.forwarded.parts) if letter.forwarded else []
    data = message(head, with_attachments(body, parts))
    key = load_key(settings)
    if letter.authentication and key is not None:
        from mail.authentication import arc_seal

        data = arc_seal(key, data, settings.domain, letter.authentication)
    return data


def _spec(c: MailContext, letter: Letter, now: datetime, unsubscribe: str | None) -> HeaderSpec:
    settings, community = c.settings, c.community
    to_list = list_address(community.slug, settings.domain)
    to_name, to_address = letter.to or ("", c.row.recipient)
    return HeaderSpec(
        subject=letter.subject,
        # Always our own address in From: a member's domain may publish a DMARC policy
        # that rejects mail we send in their name ("Name via Community" instead).
        from_name=letter.from_name or community.name,
        from_address=to_list,
        to_name=to_name,
        to_address=to_address,
        reply_to=letter.reply_to
        or (f"{community.name} host", host_contact_address(community.slug, settings.domain)),
        date=now,
        message_id=c.row.message_id,
        loop_domain=settings.domain,
        lists=list_headers(settings, community, c.member, unsubscribe),
        in_reply_to=letter.in_reply_to,
        references=letter.references,
        automated=letter.automated,
        precedence_list=letter.group_mail,
        archived_at=letter.archived_at,
    )


def envelope_sender(row: OutboundMessage, domain: str) -> str:
    """VERP bounce address: a bounce names the ledger row it is about."""
    return f"bounces+{row.id}@{domain}"


def message_bytes(c: MailContext, now: datetime) -> bytes:
    """Any ledger row as signed bytes for SMTP. Digests take the bulk path even when
    sent one at a time (a retry, or a row the sweeper found), so every copy looks the
    same.

    Raises ComposeError when the row's data cannot make a valid message: that is final
    for the row. Database trouble propagates as it is (worth another try).
    """
    try:
        if c.row.purpose in (Purpose.DIGEST, Purpose.DIGEST_PREVIEW):
            return _digest_bytes(c, now)
        return sign(c.settings, compose(c, now))
    except (ComposeError, SQLAlchemyError, OSError):
        raise
    except Exception as exc:  # a template or value that cannot make a message
        raise ComposeError(f"cannot compose {c.row.purpose}: {exc!r}"[:500]) from exc


def _digest_bytes(c: MailContext, now: datetime) -> bytes:
    from community.digests import build_digest

    from .bulk import digest_copy, prepare_digest

    run = c.session.get(DigestRun, c.row.context["run_id"])
    assert run is not None and c.member is not None
    # Composing reads inside the caller's unit; it queues nothing of its own.
    preview = c.row.purpose == Purpose.DIGEST_PREVIEW
    unit = UnitOfWork(c.session, now, c.settings.domain)
    content = build_digest(unit, c.community, run, for_host=preview)
    batch = prepare_digest(c.settings, c.signer, c.community, content, now, preview=preview)
    return digest_copy(batch, c.row, c.member)
