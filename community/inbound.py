"""Filing a received message: post it, hold it for the host, count a bounce, or drop it.

Auto-replies and loops are never posted and never answered, and nothing here ever
writes back to a sender, so a forged sender cannot make us send mail (no backscatter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import (
    attachments,
    bounces,
    buddies,
    carryover,
    digests,
    hot_seats,
    members,
    outbox,
    rounds,
    seasons,
    threads,
)
from .addresses import (
    Recipient,
    RecipientKind,
    ReplyToken,
    RevokedReplyAddress,
    TokenKind,
    parse_recipient,
    sender_matches,
    verify_reply_token,
)
from .checkins import classify_checkin
from .drafts import PostDraft
from .errors import CommunityError, InvalidLink
from .incoming import IncomingMail, MailKind
from .models import (
    SEAT_HOLDING,
    BuddyGroup,
    Community,
    DigestRun,
    HeldMessage,
    HoldStatus,
    HotSeat,
    InboundMessage,
    InboundStatus,
    Member,
    MemberStatus,
    OutboundMessage,
    Post,
    Round,
    Thread,
)
from .pauses import parse_pause_request
from .uow import UnitOfWork

DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024  # KITH_ATTACHMENT_MAX_BYTES' default


@dataclass(frozen=True)
class Filed:
    """What became of a message for one recipient."""

    status: InboundStatus
    note: str


@dataclass(frozen=True)
class Context:
    uow: UnitOfWork
    inbound: InboundMessage
    mail: IncomingMail
    secret: str
    operator_address: str = ""
    attachment_max_bytes: int = DEFAULT_ATTACHMENT_MAX_BYTES

    @property
    def session(self) -> Session:
        return self.uow.session

    @property
    def now(self) -> datetime:
        return self.uow.now

    @property
    def domain(self) -> str:
        return self.uow.domain

    @property
    def draft(self) -> PostDraft:
        return PostDraft.from_mail(self.mail)


def file_message(
    uow: UnitOfWork,
    inbound: InboundMessage,
    mail: IncomingMail,
    *,
    secret: str,
    operator_address: str = "",
    attachment_max_bytes: int = DEFAULT_ATTACHMENT_MAX_BYTES,
) -> Filed:
    """Decide and record the outcome of a stored message; the caller commits.

    `operator_address` receives what was sent to postmaster@ and abuse@ (kept in the
    database only when empty).
    """
    ctx = Context(uow, inbound, mail, secret, operator_address, attachment_max_bytes)
    recipients = [r for r in (parse_recipient(a, uow.domain) for a in inbound.rcpt_tos) if r]
    operator = [r for r in recipients if r.kind == RecipientKind.OPERATOR]
    if operator:
        # The operator reads everything sent to them, automated mail included.
        results = [_forward_to_operator(ctx)]
        recipients = [r for r in recipients if r.kind != RecipientKind.OPERATOR]
        if not recipients or mail.kind != MailKind.POST:
            return _combine(results)
    else:
        results = []
    if mail.kind == MailKind.LOOP:
        return Filed(InboundStatus.DISCARDED, f"loop: {mail.reason}")
    if mail.kind == MailKind.BOUNCE:
        return _file_bounce(ctx, recipients)
    if mail.kind == MailKind.AUTO_REPLY:
        return Filed(InboundStatus.DISCARDED, f"auto-reply: {mail.reason}")
    if mail.kind == MailKind.REJECT:  # no usable sender or no body: nobody to answer
        return Filed(InboundStatus.DISCARDED, f"rejected: {mail.reason}")
    results += [_file_for(ctx, r) for r in one_per_destination(recipients)]
    if not results:
        return Filed(InboundStatus.DISCARDED, "no recipient of ours")
    return _combine(results)


def one_per_destination(recipients: list[Recipient]) -> list[Recipient]:
    """One recipient per community and kind of address, the most specific first.

    A reply-all reaches the list address and the member's personal reply address in
    one transaction; it is one post (in the thread the reply address names), and a
    reply-all to a prompt is the member's commitment, not also a new thread.
    """
    chosen: dict[tuple[str, str], Recipient] = {}
    for r in recipients:
        kind = "post" if r.kind in (RecipientKind.LIST, RecipientKind.REPLY) else r.kind.value
        key = (r.slug, kind)
        if key not in chosen or (
            r.kind == RecipientKind.REPLY and chosen[key].kind == RecipientKind.LIST
        ):
            chosen[key] = r
    return list(chosen.values())


def _combine(results: list[Filed]) -> Filed:
    statuses = {r.status for r in results}
    for status in (InboundStatus.PROCESSED, InboundStatus.HELD, InboundStatus.DISCARDED):
        if status in statuses:
            return Filed(status, "; ".join(r.note for r in results))
    return Filed(InboundStatus.DISCARDED, "; ".join(r.note for r in results))


def _file_for(ctx: Context, recipient: Recipient) -> Filed:
    if recipient.kind == RecipientKind.BOUNCE:
        return Filed(InboundStatus.DISCARDED, "mail to the bounce address that is no bounce")
    community = ctx.session.scalar(select(Community).where(Community.slug == recipient.slug))
    if community is None:
        return Filed(InboundStatus.DISCARDED, f"no community {recipient.slug!r}")
    if recipient.kind == RecipientKind.HOST:
        return _forward_to_host(ctx, community)
    return _file_post(ctx, community, recipient)


# -- posts -----------------------------------------------------------------------


def _sender(ctx: Context, community: Community) -> Member | None:
    """The seat-holding member who sent this, matched case- and +tag-insensitively."""
    statuses = list(SEAT_HOLDING)
    if seasons.alumni_may_post(ctx.session, community):
        statuses.append(MemberStatus.ALUMNI)
    return _member_sending(ctx, community, statuses)


def _member_sending(
    ctx: Context, community: Community, statuses: list[MemberStatus]
) -> Member | None:
    candidates = ctx.session.scalars(
        select(Member).where(Member.community_id == community.id, Member.status.in_(statuses))
    )
    return next((m for m in candidates if sender_matches(m.address, ctx.mail.from_address)), None)


def _not_a_member(ctx: Context, community: Community) -> str:
    """Why a sender without a seat is held: a stranger, or an alumna or alumnus of an
    ended season whose host closed posting (the host may still let it through)."""
    sender = ctx.mail.from_address or "(no address)"
    if _member_sending(ctx, community, [MemberStatus.ALUMNI]) is not None:
        return f"the sender, {sender}, is an alumna or alumnus: posting is closed between seasons"
    return f"the sender, {sender}, is not a member"


def _file_post(ctx: Context, community: Community, recipient: Recipient) -> Filed:
    earlier = _filed_before(ctx, community)
    if earlier is not None:
        return Filed(InboundStatus.DISCARDED, f"already filed in {community.slug} as #{earlier}")
    if ctx.mail.hold_reason:  # too large or deep to read whole: the host decides
        return hold(ctx, community, recipient, None, ctx.mail.hold_reason)
    thread: Thread | None = None
    hold_reason = ""
    if recipient.kind == RecipientKind.REPLY:
        try:
            token = verify_reply_token(ctx.secret, recipient.token, _versions(ctx, community))
        except RevokedReplyAddress:
            hold_reason = "its reply address was revoked when its member left or re-joined"
        except InvalidLink as exc:
            hold_reason = f"its reply address is forged or damaged ({exc})"
        else:
            if token.kind == TokenKind.PREVIEW:
                return _file_preview_reply(ctx, community, recipient, token)
            if token.kind == TokenKind.UNSUBSCRIBE:
                return _file_unsubscribe(ctx, community, token)
            if token.kind == TokenKind.BUDDIES:
                return _file_buddy_note(ctx, community, recipient, token)
            if token.kind == TokenKind.HOT_SEAT:
                return _file_hot_seat(ctx, community, recipient, token)
            if token.kind != TokenKind.THREAD:
                return _file_round_reply(ctx, community, recipient, token)
            thread = ctx.session.get(Thread, token.target_id)
            if thread is None or thread.community_id != community.id:
                thread, hold_reason = None, "its reply address names no conversation here"
            else:
                hold_reason = _not_owner(ctx, token)
    sender = _sender(ctx, community)
    if sender is None and not hold_reason:
        hold_reason = _not_a_member(ctx, community)
    if hold_reason:
        return hold(ctx, community, recipient, thread, hold_reason)

    post = publish(
        ctx.uow, community, ctx.draft, thread=thread, author=sender, inbound_id=ctx.inbound.id
    )
    if sender is not None:
        attachments.tell_sender(
            ctx.uow, post, sender, ctx.mail.attachments, limit=ctx.attachment_max_bytes
        )
    return Filed(InboundStatus.PROCESSED, f"posted #{post.id} in thread #{post.thread_id}")


def _versions(ctx: Context, community: Community) -> Callable[[int], int | None]:
    """The current link version of a member of this community, for token checks."""

    def version(member_id: int) -> int | None:
        member = ctx.session.get(Member, member_id)
        return member.link_version if member and member.community_id == community.id else None

    return version


def _not_owner(ctx: Context, token: ReplyToken) -> str:
    """Why a personal thread reply address may not be used by this sender ("" if it may).

    Each copy's reply address names the member it was sent to. Another member
    writing through it (a forwarded copy, a shared mailbox) is held for the host, as
    Discourse does: the address must never let one person speak where another was
    asked, and the host can still publish it with one click.
    """
    owner = ctx.session.get(Member, token.member_id)
    alumna = (
        owner is not None
        and owner.status == MemberStatus.ALUMNI
        and seasons.alumni_may_post(ctx.session, owner.community)
    )
    if owner is None or not (owner.holds_seat or alumna):
        return "its reply address belongs to someone who is no longer a member"
    if not sender_matches(owner.address, ctx.mail.from_address):
        sender = ctx.mail.from_address or "(none)"
        return f"its reply address belongs to {owner.address}, but {sender} sent it"
    return ""


def _filed_before(ctx: Context, community: Community) -> int | None:
    """An earlier stored message with this Message-ID already filed in this community.

    A reply-all may also arrive as two SMTP transactions (the list address in one,
    the reply address in the other); the second is the same post and is dropped.
    """
    mid = ctx.inbound.message_id
    if not mid:
        return None
    earlier = ctx.session.scalars(
        select(InboundMessage).where(
            InboundMessage.message_id == mid,
            InboundMessage.id != ctx.inbound.id,
            InboundMessage.status.in_((InboundStatus.PROCESSED, InboundStatus.HELD)),
        )
    )
    for row in earlier:
        for address in row.rcpt_tos:
            r = parse_recipient(address, ctx.domain)
            if r and r.slug == community.slug and r.kind in _POST_KINDS:
                return row.id
    return None


_POST_KINDS = (RecipientKind.LIST, RecipientKind.REPLY)


def publish(
    uow: UnitOfWork,
    community: Community,
    draft: PostDraft,
    *,
    thread: Thread | None,
    author: Member | None,
    inbound_id: int | None,
) -> Post:
    """Post into the thread the reply address, In-Reply-To or References name, else a
    new one; then queue a copy for every each-post reader."""
    if thread is None:
        refs = [draft.in_reply_to, *reversed(draft.references)]
        earlier = threads.find_thread(uow.session, community, [r for r in refs if r])
        thread = earlier.thread if earlier else None
    if thread is None:
        thread = threads.start_thread(uow, community, draft.subject, author)
    post = threads.add_post(
        uow,
        thread,
        author=author,
        author_name=(author.display_name if author else "") or draft.from_name,
        author_address=draft.from_address,
        body=draft.text or "(no text)",
        full_text=draft.full_text,
        message_id=draft.message_id,
        in_reply_to=draft.in_reply_to,
        inbound_id=inbound_id,
    )
    threads.fan_out(uow, post)
    return post


# -- holds -----------------------------------------------------------------------


def hold(
    ctx: Context, community: Community, recipient: Recipient, thread: Thread | None, reason: str
) -> Filed:
    """Keep the message from the group and send the host one notice about it."""
    held = ctx.session.scalar(
        select(HeldMessage).where(
            HeldMessage.inbound_id == ctx.inbound.id, HeldMessage.community_id == community.id
        )
    )
    if held is None:
        held = HeldMessage(
            inbound_id=ctx.inbound.id,
            community_id=community.id,
            recipient=recipient.slug,
            reason=reason,
            mail=ctx.draft.to_json(),
            thread_id=thread.id if thread else None,
            status=HoldStatus.WAITING,
            created_at=ctx.now,
        )
        ctx.session.add(held)
        ctx.session.flush()
    outbox.queue_mail(
        ctx.uow,
        purpose=outbox.Purpose.HELD_NOTICE,
        subject=f"held:{held.id}",
        recipient=community.host_address,
        community_id=community.id,
        context={"held_id": held.id},
    )
    return Filed(InboundStatus.HELD, f"held for the host: {reason}")


def decide_held(uow: UnitOfWork, held: HeldMessage, *, approve: bool) -> Post | None:
    """The host approves (publish; the sender does not become a member) or discards.

    Deciding twice changes nothing. Returns the post when one was published.
    """
    session = uow.session
    if held.status != HoldStatus.WAITING:
        return None
    held.decided_at = uow.now
    inbound = session.get(InboundMessage, held.inbound_id)
    post = None
    if approve:
        community = session.get(Community, held.community_id)
        assert community is not None
        thread = session.get(Thread, held.thread_id) if held.thread_id else None
        post = publish(
            uow,
            community,
            PostDraft.from_json(held.mail),
            thread=thread,
            author=None,
            inbound_id=held.inbound_id,
        )
        held.status, held.post_id = HoldStatus.APPROVED, post.id
    else:
        held.status = HoldStatus.DISCARDED
    if inbound is not None and inbound.status == InboundStatus.HELD:
        inbound.status = InboundStatus.PROCESSED if approve else InboundStatus.DISCARDED
    session.flush()
    return post


# -- host and operator contact, bounces ----------------------------------------------


def _forward_to_operator(ctx: Context) -> Filed:
    """postmaster@ and abuse@ reach the person running Kith, as RFC 5321 and 2142 ask."""
    if not ctx.operator_address:
        return Filed(InboundStatus.PROCESSED, "kept for the operator (no operator address set)")
    outbox.queue_mail(
        ctx.uow,
        purpose=outbox.Purpose.OPERATOR_FORWARD,
        subject=f"inbound:{ctx.inbound.id}",
        recipient=ctx.operator_address,
        context={"inbound_id": ctx.inbound.id},
    )
    return Filed(InboundStatus.PROCESSED, "forwarded to the operator")


def _forward_to_host(ctx: Context, community: Community) -> Filed:
    outbox.queue_mail(
        ctx.uow,
        purpose=outbox.Purpose.HOST_FORWARD,
        subject=f"inbound:{ctx.inbound.id}",
        recipient=community.host_address,
        community_id=community.id,
        context={"inbound_id": ctx.inbound.id, "draft": ctx.draft.to_json()},
    )
    return Filed(InboundStatus.PROCESSED, "forwarded to the host")


def _file_bounce(ctx: Context, recipients: list[Recipient]) -> Filed:
    ledger_ids = [r.ledger_id for r in recipients if r.ledger_id is not None]
    row = ctx.session.get(OutboundMessage, ledger_ids[0]) if ledger_ids else None
    members = bounces.members_for_bounce(ctx.session, row, ctx.mail.bounced_recipients)
    if not members:
        return Filed(InboundStatus.DISCARDED, "bounce about nobody we know")
    disabled = [
        m.address
        for m in members
        if bounces.record_bounce(ctx.uow, m, permanent=ctx.mail.bounce_permanent)
    ]
    kind = "hard" if ctx.mail.bounce_permanent else "soft"
    note = f"{kind} bounce for {', '.join(m.address for m in members)}"
    if disabled:
        note += f"; delivery stopped for {', '.join(disabled)}"
    return Filed(InboundStatus.PROCESSED, note)


# -- the accountability loop and the host's digest preview ---------------------------


def _file_round_reply(
    ctx: Context, community: Community, recipient: Recipient, token: ReplyToken
) -> Filed:
    """A reply to a prompt is a commitment; to a check-in, an answer; "pause" pauses."""
    rnd = ctx.session.get(Round, token.target_id)
    member = ctx.session.get(Member, token.member_id)
    if rnd is None or rnd.community_id != community.id or member is None:
        return hold(ctx, community, recipient, None, "the reply address names an unknown round")
    reason = _not_owner(ctx, token)
    if reason:
        return hold(ctx, community, recipient, None, reason)
    text = ctx.mail.reply.strip() or ctx.mail.full_text.strip()
    today = ctx.now.astimezone(ZoneInfo(community.timezone)).date()
    pause_request = parse_pause_request(text, today)
    if pause_request is not None:
        members.pause(ctx.session, member, pause_request.until)
        return Filed(
            InboundStatus.PROCESSED,
            f"{member.address} paused until {pause_request.until.isoformat()}",
        )
    if token.kind == TokenKind.COMMITMENT:
        if carryover.asks_to_carry(text) and carryover.offer(ctx.session, rnd, member):
            carryover.carry_over(ctx.uow, rnd, member)
            return Filed(InboundStatus.PROCESSED, f"commitment carried over by {member.address}")
        rounds.record_commitment(ctx.uow, rnd, member, text)
        return Filed(InboundStatus.PROCESSED, f"commitment from {member.address}")
    answer = classify_checkin(text)
    rounds.record_checkin(ctx.uow, rnd, member, answer)
    return Filed(InboundStatus.PROCESSED, f"check-in from {member.address}: {answer.result}")


def _file_preview_reply(
    ctx: Context, community: Community, recipient: Recipient, token: ReplyToken
) -> Filed:
    """The host answers the digest preview: a note for the top, or "skip"."""
    run = ctx.session.get(DigestRun, token.target_id)
    if run is None or run.community_id != community.id:
        return hold(ctx, community, recipient, None, "reply to an unknown digest preview")
    if not sender_matches(community.host_address, ctx.mail.from_address):
        return hold(ctx, community, recipient, None, "digest preview answered by someone else")
    text = ctx.mail.reply.strip()
    if text.split("\n", 1)[0].strip(" .!").lower() in SKIP_WORDS:
        digests.skip(run, "skipped by the host", ctx.now)
        return Filed(InboundStatus.PROCESSED, f"digest {run.week} skipped by the host")
    run.host_note = threads.clean_text(text, 4000)
    return Filed(InboundStatus.PROCESSED, f"host note set for digest {run.week}")


def _file_unsubscribe(ctx: Context, community: Community, token: ReplyToken) -> Filed:
    """Mail to the List-Unsubscribe mailto: address (RFC 2369) from the member it was
    made for, and not revoked since, unsubscribes them. Anything else is dropped
    without an answer: a forwarded digest must not let its reader unsubscribe anyone."""
    member = ctx.session.get(Member, token.member_id)
    if (
        member is None
        or member.community_id != community.id
        or token.target_id != community.id
        or not sender_matches(member.address, ctx.mail.from_address)
    ):
        return Filed(InboundStatus.DISCARDED, "unsubscribe request not from its member")
    left = members.unsubscribe(ctx.uow, member)
    return Filed(
        InboundStatus.PROCESSED,
        f"{member.address} unsubscribed by mail" if left else f"{member.address} had already left",
    )


def _file_buddy_note(
    ctx: Context, community: Community, recipient: Recipient, token: ReplyToken
) -> Filed:
    """Mail to a pair address reaches the sender's buddies (and no one else)."""
    group = ctx.session.get(BuddyGroup, token.target_id)
    if group is None or group.community_id != community.id:
        return hold(ctx, community, recipient, None, "the reply address names unknown buddies")
    reason = _not_owner(ctx, token)
    if reason:
        return hold(ctx, community, recipient, None, reason)
    sender = ctx.session.get(Member, token.member_id)
    assert sender is not None
    text = ctx.mail.reply.strip() or ctx.mail.full_text.strip()
    told = buddies.relay_note(
        ctx.uow, group, sender, threads.clean_text(text, 20000), ctx.mail.subject, ctx.inbound.id
    )
    return Filed(InboundStatus.PROCESSED, f"buddy note from {sender.address} to {told}")


def _file_hot_seat(
    ctx: Context, community: Community, recipient: Recipient, token: ReplyToken
) -> Filed:
    """The answer to the focus form: kept for the digest, and posted as a new thread
    everyone can reply to (a second answer updates the focus, in the same thread)."""
    seat = ctx.session.get(HotSeat, token.target_id)
    if seat is None or seat.community_id != community.id or seat.member_id != token.member_id:
        return hold(ctx, community, recipient, None, "the reply address names an unknown seat")
    reason = _not_owner(ctx, token)
    if reason:
        return hold(ctx, community, recipient, None, reason)
    member = ctx.session.get(Member, token.member_id)
    assert member is not None
    text = ctx.mail.reply.strip() or ctx.mail.full_text.strip()
    try:
        hot_seats.record_focus(ctx.uow, seat, text)
    except CommunityError as exc:
        return hold(ctx, community, recipient, None, str(exc))
    thread = ctx.session.get(Thread, seat.thread_id) if seat.thread_id else None
    draft = replace(
        ctx.draft,
        subject=f"Hot seat: {member.name_or_address} asks for the group's help",
        in_reply_to=None,
        references=(),
    )
    post = publish(
        ctx.uow, community, draft, thread=thread, author=member, inbound_id=ctx.inbound.id
    )
    seat.thread_id = post.thread_id
    return Filed(InboundStatus.PROCESSED, f"hot seat focus from {member.address}")


SKIP_WORDS = frozenset({"skip", "skip it", "skip this week", "no digest", "cancel"})
