"""What Kith knows about the sender of a reply: the mail it sent them, as they received it,
their names and their learned signature.

The mail a reply quotes is found from the reply address it was sent to (the token names
the member and the thread, round or digest) and from In-Reply-To and References, matched
against the ledger's Message-IDs. Those ledger rows are composed again, exactly as they
went out, so no copy of every sent mail needs to be stored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from community import hot_seats, signatures
from community.addresses import (
    RecipientKind,
    ReplyToken,
    TokenKind,
    parse_recipient,
    sender_matches,
    verify_reply_token,
)
from community.errors import InvalidLink
from community.incoming import ReplyContext, SentText
from community.models import SEAT_HOLDING, Community, Member, OutboundMessage, Post
from community.outbox import Purpose
from community.settings import Settings
from community.tokens import Signer
from community.uow import UnitOfWork
from mail.inbound.parse import ParsedMessage, read_message
from mail.inbound.signatures import Signature, learn
from mail.outbound.compose import MailContext, message_bytes

log = logging.getLogger(__name__)

MAX_SENT = 4  # ledger rows composed again per reply
RECENT_POSTS = 3  # copies of a thread's latest posts a reply may quote
_ROUND_PURPOSES = {
    TokenKind.COMMITMENT: (Purpose.COMMITMENT_PROMPT, Purpose.COMMITMENT_REMINDER),
    TokenKind.CHECKIN: (Purpose.CHECKIN_PROMPT, Purpose.CHECKIN_REMINDER),
}


@dataclass(frozen=True)
class Sender:
    """The member who sent a reply, in the community it was sent to."""

    member: Member
    community: Community


def reply_context(
    session: Session,
    settings: Settings,
    signer: Signer,
    parsed: ParsedMessage,
    rcpt_tos: Iterable[str],
    now: datetime,
) -> tuple[ReplyContext, Sender | None]:
    """The context to read the reply with, and the member who sent it (when one did)."""
    recipients = [r for r in (parse_recipient(a, settings.domain) for a in rcpt_tos) if r]
    communities = {
        r.slug: c
        for r in recipients
        if r.slug and (c := session.scalar(select(Community).where(Community.slug == r.slug)))
    }
    sender = _sender(session, communities.values(), parsed.headers.from_address)
    rows = _ledger_rows(session, settings, recipients, communities, parsed, sender)
    sent = tuple(_composed(session, settings, signer, rows, now))
    names = tuple(
        dict.fromkeys(
            name
            for name in (sender.member.display_name if sender else "", parsed.headers.from_name)
            if name
        )
    )
    signature = signatures.learned(session, sender.member.id)[0] if sender else ""
    return ReplyContext(sent=sent, names=names if sender else (), signature=signature), sender


def learn_signature(uow: UnitOfWork, sender: Sender, signed_reply: str) -> None:
    """Update what Kith knows of the member's signature with one more message."""
    signature, tail = signatures.learned(uow.session, sender.member.id)
    state = learn(Signature(signature, tail), signed_reply)
    signatures.remember(uow, sender.member.id, state.signature, state.tail)


def _sender(session: Session, communities: Iterable[Community], address: str) -> Sender | None:
    if not address:
        return None
    for community in communities:
        for member in session.scalars(
            select(Member).where(
                Member.community_id == community.id, Member.status.in_(SEAT_HOLDING)
            )
        ):
            if sender_matches(member.address, address):
                return Sender(member, community)
    return None


def _ledger_rows(
    session: Session,
    settings: Settings,
    recipients,
    communities: dict[str, Community],
    parsed: ParsedMessage,
    sender: Sender | None,
) -> list[OutboundMessage]:
    """The ledger rows whose mail the reply may quote, most likely first."""
    rows: list[OutboundMessage] = []
    member_ids = {sender.member.id} if sender else set()
    for recipient in recipients:
        if recipient.kind != RecipientKind.REPLY or recipient.slug not in communities:
            continue
        community = communities[recipient.slug]

        def version(member_id: int, community: Community = community) -> int | None:
            member = session.get(Member, member_id)
            return member.link_version if member and member.community_id == community.id else None

        try:
            token = verify_reply_token(settings.secret_key, recipient.token, version)
        except InvalidLink:
            continue
        member_ids.add(token.member_id)
        rows.extend(_rows_for_token(session, token))
    ids = [i for i in (parsed.headers.in_reply_to, *reversed(parsed.headers.references)) if i]
    if ids and member_ids:
        # Every copy of a post carries the post's Message-ID: keep the sender's own copy.
        rows[:0] = session.scalars(
            select(OutboundMessage)
            .where(
                OutboundMessage.message_id.in_(ids[:20]),
                or_(
                    OutboundMessage.member_id.in_(member_ids),
                    OutboundMessage.recipient == parsed.headers.from_address,
                ),
            )
            .order_by(OutboundMessage.id.desc())
            .limit(MAX_SENT)
        )
    return list({row.id: row for row in rows}.values())[:MAX_SENT]


def _rows_for_token(session: Session, token: ReplyToken) -> list[OutboundMessage]:
    if token.kind == TokenKind.THREAD:
        post_ids = session.scalars(
            select(Post.id)
            .where(Post.thread_id == token.target_id)
            .order_by(Post.id.desc())
            .limit(RECENT_POSTS)
        ).all()
        subjects = [f"post:{post_id}" for post_id in post_ids]
        purposes: tuple[str, ...] = (Purpose.POST,)
    elif token.kind == TokenKind.PREVIEW:
        subjects, purposes = [f"digest:{token.target_id}:preview"], (Purpose.DIGEST_PREVIEW,)
    elif token.kind == TokenKind.HOT_SEAT:  # the seat's focus form
        subjects = [hot_seats.form_key(token.target_id, token.member_id)]
        purposes = (Purpose.HOT_SEAT_FOCUS,)
    elif token.kind == TokenKind.BUDDIES:  # the introduction, and notes relayed since
        return list(
            session.scalars(
                select(OutboundMessage)
                .where(
                    OutboundMessage.member_id == token.member_id,
                    OutboundMessage.purpose.in_((Purpose.BUDDY_INTRO, Purpose.BUDDY_NOTE)),
                    or_(
                        OutboundMessage.subject == f"buddies:{token.target_id}",
                        OutboundMessage.subject.like(f"buddies:{token.target_id}:note:%"),
                    ),
                )
                .order_by(OutboundMessage.id.desc())
                .limit(MAX_SENT)
            )
        )
    elif token.kind in _ROUND_PURPOSES:
        subjects, purposes = [f"round:{token.target_id}"], _ROUND_PURPOSES[token.kind]
    else:  # an address that takes no reply text (unsubscribe): nothing was quoted
        return []
    return list(
        session.scalars(
            select(OutboundMessage)
            .where(
                OutboundMessage.member_id == token.member_id,
                OutboundMessage.purpose.in_(purposes),
                OutboundMessage.subject.in_(subjects),
            )
            .order_by(OutboundMessage.id.desc())
        )
    )


def _composed(
    session: Session,
    settings: Settings,
    signer: Signer,
    rows: Iterable[OutboundMessage],
    now: datetime,
) -> Iterable[SentText]:
    """The text and the HTML (as text) of each row's mail, composed as it was sent."""
    for row in rows:
        community = session.get(Community, row.community_id) if row.community_id else None
        member = session.get(Member, row.member_id) if row.member_id else None
        if community is None:
            continue
        try:
            raw = message_bytes(MailContext(settings, signer, community, member, row, session), now)
        except Exception as exc:  # a row we cannot compose again is just not known text
            log.info("cannot compose ledger row %s again (%s)", row.id, type(exc).__name__)
            continue
        sent = read_message(raw, our_domain=settings.domain)
        for text in (sent.plain, sent.html.full if sent.html else ""):
            if text.strip():
                yield SentText(row.purpose, text)
