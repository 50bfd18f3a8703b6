"""Ledger rows to EmailMessage: headers, HTML from MJML and a plain-text alternative."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from community import links, schedule, threads
from community.addresses import (
    ReplyToken,
    TokenKind,
    host_contact_address,
    list_address,
    list_id,
    reply_address,
)
from community.members import HOST_DECISION_DAYS, link_payload
from community.models import (
    Commitment,
    Community,
    DigestRun,
    HeldMessage,
    Member,
    OutboundMessage,
    Post,
    Round,
)
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
    from_name: str | None = None  # display name on the list address; default: community
    reply_to: Address | None = None  # default: the host contact address
    to: Address | None = None  # default: the recipient
    headers: dict[str, str] = field(default_factory=dict)
    automated: bool = True  # RFC 3834 Auto-Submitted; relayed posts are not automated


@dataclass(frozen=True)
class MailContext:
    settings: Settings
    signer: Signer
    community: Community
    member: Member | None
    row: OutboundMessage
    session: Session  # for letters that need more than the row (a post, a held message)

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


def _post(c: MailContext) -> Letter:
    post = c.session.get(Post, c.row.context["post_id"])
    assert post is not None and c.member is not None
    thread = post.thread
    parent = threads.parent_post(c.session, post)
    first = c.session.scalar(select(Post).where(Post.thread_id == thread.id).order_by(Post.id))
    chain = [p.list_message_id for p in (first, parent) if p is not None and p.id != post.id]
    headers = {"Precedence": "list", "List-Post": f"<mailto:{_list(c)}>"}
    if chain:
        headers["In-Reply-To"] = chain[-1]
        headers["References"] = " ".join(dict.fromkeys(chain))
    reply_to = reply_address(
        c.settings.secret_key,
        c.community.slug,
        c.settings.domain,
        ReplyToken(TokenKind.THREAD, c.member.id, thread.id, c.member.link_version),
    )
    return Letter(
        ("Re: " if chain else "") + thread.subject,
        to_member=True,
        context={"post": post, "thread": thread, "is_reply": bool(chain)},
        from_name=f"{post.author_name} via {c.community.name}",
        reply_to=Address(c.community.name, addr_spec=reply_to),
        to=Address(c.community.name, addr_spec=_list(c)),
        headers=headers,
        automated=False,
    )


def _held_notice(c: MailContext) -> Letter:
    held = c.session.get(HeldMessage, c.row.context["held_id"])
    assert held is not None
    token = partial(c.signer.sign, LinkPurpose.MODERATE)
    return Letter(
        f"Held for you: {held.mail.get('subject') or '(no subject)'}",
        to_member=False,
        context={
            "held": held,
            "mail": held.mail,
            "approve_url": links.held_url(c.base, token({"h": held.id, "d": "approve"})),
            "discard_url": links.held_url(c.base, token({"h": held.id, "d": "discard"})),
        },
    )


def _host_forward(c: MailContext) -> Letter:
    ctx = c.row.context
    sender = ctx.get("from_address") or ""
    return Letter(
        f"[{c.community.name}] {ctx.get('subject') or '(no subject)'}",
        to_member=False,
        context={"mail": ctx},
        from_name=f"{ctx.get('from_name') or sender} via {c.community.name}",
        reply_to=Address(ctx.get("from_name") or "", addr_spec=sender) if "@" in sender else None,
    )


def _member_bouncing(c: MailContext) -> Letter:
    assert c.member is not None
    return Letter(
        f"Mail to {c.member.address} keeps bouncing",
        to_member=False,
        context={"bouncer": c.member},
    )


def _round_letter(c: MailContext, kind: TokenKind, subject: str) -> Letter:
    """Prompts and check-ins: personal mail whose reply address is bound to the member
    and the round, so the answer files itself."""
    assert c.member is not None
    rnd = c.session.get(Round, c.row.context["round_id"])
    assert rnd is not None
    commitment = c.session.scalar(
        select(Commitment).where(Commitment.round_id == rnd.id, Commitment.member_id == c.member.id)
    )
    previous = c.session.scalar(
        select(Commitment.text)
        .join(Round, Commitment.round_id == Round.id)
        .where(Commitment.member_id == c.member.id, Round.week < rnd.week)
        .order_by(Round.week.desc())
        .limit(1)
    )
    plan = schedule.week_plan(c.community, rnd.week)
    answer = partial(_checkin_link, c, rnd)
    reply_to = reply_address(
        c.settings.secret_key,
        c.community.slug,
        c.settings.domain,
        ReplyToken(kind, c.member.id, rnd.id, c.member.link_version),
    )
    return Letter(
        subject,
        to_member=True,
        context={
            "round": rnd,
            "commitment": commitment,
            "previous": previous or "",
            "checkin_when": schedule.describe(c.community, plan[schedule.Unit.CHECKIN]),
            "done_url": answer("done"),
            "partly_url": answer("partly"),
            "not_done_url": answer("not_done"),
        },
        reply_to=Address(c.community.name, addr_spec=reply_to),
    )


def _checkin_link(c: MailContext, rnd: Round, answer: str) -> str:
    return links.checkin_url(c.base, c.link(LinkPurpose.CHECKIN, r=str(rnd.id), a=answer))


def _commitment_prompt(c: MailContext) -> Letter:
    rnd = c.session.get(Round, c.row.context["round_id"])
    assert rnd is not None
    return _round_letter(c, TokenKind.COMMITMENT, f"{c.community.name}: {rnd.commitment_question}")


def _commitment_reminder(c: MailContext) -> Letter:
    return _round_letter(c, TokenKind.COMMITMENT, f"{c.community.name}: your commitment?")


def _checkin_prompt(c: MailContext) -> Letter:
    rnd = c.session.get(Round, c.row.context["round_id"])
    assert rnd is not None
    return _round_letter(c, TokenKind.CHECKIN, f"{c.community.name}: {rnd.checkin_question}")


def _checkin_reminder(c: MailContext) -> Letter:
    return _round_letter(c, TokenKind.CHECKIN, f"{c.community.name}: how did it go?")


def _list(c: MailContext) -> str:
    return list_address(c.community.slug, c.settings.domain)


LETTERS: dict[str, Callable[[MailContext], Letter]] = {
    Purpose.CONFIRM_SIGNUP: _confirm_signup,
    Purpose.ALREADY_MEMBER: _already_member,
    Purpose.WELCOME: _welcome,
    Purpose.SEAT_OPENED: _seat_opened,
    Purpose.WAITLISTED: _waitlisted,
    Purpose.APPROVAL_REQUEST: _approval_request,
    Purpose.JOIN_DECLINED: _join_declined,
    Purpose.POST: _post,
    Purpose.HELD_NOTICE: _held_notice,
    Purpose.HOST_FORWARD: _host_forward,
    Purpose.MEMBER_BOUNCING: _member_bouncing,
    Purpose.COMMITMENT_PROMPT: _commitment_prompt,
    Purpose.COMMITMENT_REMINDER: _commitment_reminder,
    Purpose.CHECKIN_PROMPT: _checkin_prompt,
    Purpose.CHECKIN_REMINDER: _checkin_reminder,
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
    # Always our own address in From: a member's domain may publish a DMARC policy
    # that rejects mail we send in their name ("Name via Community" instead).
    msg["From"] = Address(
        letter.from_name or community.name, addr_spec=list_address(community.slug, settings.domain)
    )
    msg["To"] = letter.to or c.row.recipient
    msg["Reply-To"] = letter.reply_to or Address(
        f"{community.name} host", addr_spec=host_contact_address(community.slug, settings.domain)
    )
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = c.row.message_id
    msg["List-Id"] = f"{community.name} {list_id(community.slug, settings.domain)}"
    if unsubscribe:
        # RFC 8058: a POST to this URL with "List-Unsubscribe=One-Click" unsubscribes.
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if letter.automated:
        # RFC 3834: machine-made mail; the second header keeps Exchange from auto-replying.
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Kith-Loop"] = settings.domain  # lets us recognise our own mail coming back
    for name, value in letter.headers.items():
        msg[name] = value
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


def message_bytes(c: MailContext, now: datetime) -> bytes:
    """Any ledger row as bytes for SMTP. Digests take the bulk path even when sent one
    at a time (a retry, or a row the sweeper found), so every copy looks the same."""
    if c.row.purpose in (Purpose.DIGEST, Purpose.DIGEST_PREVIEW):
        from community.digests import build_digest

        from .bulk import digest_copy, prepare_digest

        run = c.session.get(DigestRun, c.row.context["run_id"])
        assert run is not None and c.member is not None
        content = build_digest(c.session, c.community, run, now)
        batch = prepare_digest(
            c.settings,
            c.signer,
            c.community,
            content,
            now,
            preview=c.row.purpose == Purpose.DIGEST_PREVIEW,
        )
        return digest_copy(batch, c.row, c.member)
    return compose(c, now).as_bytes(policy=SMTP)
