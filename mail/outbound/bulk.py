"""Digest copies: rendered once per community and week, personalised per member."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from community import links
from community.addresses import (
    ReplyToken,
    TokenKind,
    list_address,
    reply_address,
)
from community.digests import DigestContent
from community.members import link_payload
from community.models import Community, Member, OutboundMessage
from community.settings import Settings
from community.tokens import LinkPurpose, Signer

from .compose import list_headers
from .digest import RenderedDigest, personalise, render_digest
from .headers import HeaderSpec, header_block
from .rawmime import alternative, message
from .signing import DkimKey, load_key, sign_with


@dataclass(frozen=True)
class DigestBatch:
    settings: Settings
    signer: Signer
    community: Community
    content: DigestContent
    rendered: RenderedDigest
    headers: HeaderSpec  # the fields every copy shares; To, Message-ID and links vary
    preview: bool
    key: DkimKey | None


def prepare_digest(
    settings: Settings,
    signer: Signer,
    community: Community,
    content: DigestContent,
    now: datetime,
    *,
    preview: bool = False,
) -> DigestBatch:
    """Render the digest once; copies then only fill in each reader's links."""
    rendered = render_digest(
        settings.templates_path,
        community,
        content,
        base_url=settings.base_url,
        domain=settings.domain,
        preview=preview,
    )
    to_list = list_address(community.slug, settings.domain)
    headers = HeaderSpec(
        subject=rendered.subject,
        from_name=community.name,
        from_address=to_list,
        to_name="",
        to_address=to_list,
        # A reply to the digest as a whole starts a new conversation in the group.
        reply_to=(community.name, to_list),
        date=now,
        message_id="<placeholder@invalid>",
        loop_domain=settings.domain,
        automated=True,
        precedence_list=True,
    )
    return DigestBatch(
        settings, signer, community, content, rendered, headers, preview, load_key(settings)
    )


def digest_copy(batch: DigestBatch, row: OutboundMessage, member: Member) -> bytes:
    """One member's copy, signed, as bytes ready for SMTP."""
    settings, community = batch.settings, batch.community
    token = link_payload(member)
    unsubscribe = links.unsubscribe_url(
        settings.base_url, batch.signer.sign(LinkPurpose.UNSUBSCRIBE, token)
    )
    preferences = links.preferences_url(
        settings.base_url, batch.signer.sign(LinkPurpose.PREFERENCES, token)
    )
    threads = [t.id for t in batch.content.threads]
    if batch.content.health is not None:  # the host answers waiting threads from here
        threads += [t.id for t in batch.content.health.unanswered]
    seat = batch.content.hot_seat
    if seat is not None and seat.thread_id is not None:
        threads.append(seat.thread_id)
    replies = {
        thread_id: reply_address(
            settings.secret_key,
            community.slug,
            settings.domain,
            ReplyToken(TokenKind.THREAD, member.id, thread_id, member.link_version),
        )
        for thread_id in threads
    }
    html, text = personalise(
        batch.rendered,
        name=member.name_or_address,
        preferences_url=preferences,
        unsubscribe_url=unsubscribe,
        reply_addresses=replies,
    )
    spec = dataclasses.replace(
        batch.headers,
        to_address=row.recipient,
        message_id=row.message_id,
        lists=list_headers(settings, community, member, unsubscribe),
    )
    if batch.preview:
        run_id = int(row.context["run_id"])
        preview_reply = reply_address(
            settings.secret_key,
            community.slug,
            settings.domain,
            ReplyToken(TokenKind.PREVIEW, member.id, run_id, member.link_version),
        )
        spec = dataclasses.replace(spec, reply_to=(community.name, preview_reply))
    data = message(header_block(spec), alternative(text, html))
    return sign_with(batch.key, data) if batch.key is not None else data
