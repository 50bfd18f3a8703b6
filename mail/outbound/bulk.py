"""Digest copies: rendered once per community and week, personalised per member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.utils import format_datetime

from community import links
from community.addresses import (
    ReplyToken,
    TokenKind,
    list_address,
    list_id,
    reply_address,
)
from community.digests import DigestContent
from community.members import link_payload
from community.models import Community, Member, OutboundMessage
from community.settings import Settings
from community.tokens import LinkPurpose, Signer

from .digest import RenderedDigest, personalise, render_digest
from .rawmime import HeaderTemplate, alternative, slot


@dataclass(frozen=True)
class DigestBatch:
    settings: Settings
    signer: Signer
    community: Community
    content: DigestContent
    rendered: RenderedDigest
    headers: HeaderTemplate
    preview: bool


def prepare_digest(
    settings: Settings,
    signer: Signer,
    community: Community,
    content: DigestContent,
    now: datetime,
    *,
    preview: bool = False,
) -> DigestBatch:
    """Render the digest and its header block once; copies are then cheap."""
    rendered = render_digest(
        settings.templates_path,
        community,
        content,
        base_url=settings.base_url,
        domain=settings.domain,
        preview=preview,
    )
    to_list = list_address(community.slug, settings.domain)
    headers = [
        ("Subject", rendered.subject),
        ("From", str(Address(community.name, addr_spec=to_list))),
        ("To", slot("to")),
        # A reply to the digest as a whole starts a new conversation in the group.
        (
            "Reply-To",
            slot("replyto") if preview else str(Address(community.name, addr_spec=to_list)),
        ),
        ("Date", format_datetime(now)),
        ("Message-ID", slot("mid")),
        ("List-Id", f"{community.name} {list_id(community.slug, settings.domain)}"),
        ("List-Post", f"<mailto:{to_list}>"),
        ("List-Unsubscribe", f"<{slot('unsub')}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Precedence", "list"),
        ("Auto-Submitted", "auto-generated"),
        ("X-Auto-Response-Suppress", "All"),
        ("X-Kith-Loop", settings.domain),
    ]
    return DigestBatch(
        settings, signer, community, content, rendered, HeaderTemplate(headers), preview
    )


def digest_copy(batch: DigestBatch, row: OutboundMessage, member: Member) -> bytes:
    """One member's copy, as bytes ready for SMTP."""
    settings, community = batch.settings, batch.community
    token = link_payload(member)
    unsubscribe = links.unsubscribe_url(
        settings.base_url, batch.signer.sign(LinkPurpose.UNSUBSCRIBE, token)
    )
    preferences = links.preferences_url(
        settings.base_url, batch.signer.sign(LinkPurpose.PREFERENCES, token)
    )
    replies = {
        t.id: reply_address(
            settings.secret_key,
            community.slug,
            settings.domain,
            ReplyToken(TokenKind.THREAD, member.id, t.id, member.link_version),
        )
        for t in batch.content.threads
    }
    html, text = personalise(
        batch.rendered,
        name=member.name_or_address,
        preferences_url=preferences,
        unsubscribe_url=unsubscribe,
        reply_addresses=replies,
    )
    values = {"to": row.recipient, "mid": row.message_id, "unsub": unsubscribe}
    if batch.preview:
        run_id = int(row.context["run_id"])
        values["replyto"] = reply_address(
            settings.secret_key,
            community.slug,
            settings.domain,
            ReplyToken(TokenKind.PREVIEW, member.id, run_id, member.link_version),
        )
    return alternative(batch.headers, values, text, html)
