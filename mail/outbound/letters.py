"""What each kind of mail says: its subject, context, sender name and thread headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from community import archive, buddies, carryover, links, schedule, seasons, threads
from community.addresses import (
    ReplyToken,
    TokenKind,
    host_contact_address,
    list_address,
    reply_address,
)
from community.drafts import PostDraft
from community.live_sessions import SessionFacts, next_start
from community.members import HOST_DECISION_DAYS, link_payload
from community.models import (
    BuddyGroup,
    Commitment,
    Community,
    HeldMessage,
    HotSeat,
    InboundMessage,
    Member,
    MemberStatus,
    OutboundMessage,
    Post,
    Round,
    Season,
)
from community.names import limit_name
from community.outbox import Purpose
from community.settings import Settings
from community.tokens import LinkPurpose, Signer

from .attachments import Forwarded, forward_attachments
from .invitations import Method, calendar_bytes


@dataclass(frozen=True)
class Letter:
    """What one purpose contributes: a subject, and whether the reader is a member."""

    subject: str
    to_member: bool  # members get List-Unsubscribe; people not (yet) in do not
    context: dict[str, Any] = field(default_factory=dict)
    from_name: str | None = None  # display name on the list address; default: community
    reply_to: tuple[str, str] | None = None  # (name, address); default: the host contact
    to: tuple[str, str] | None = None  # (name, address) in To; default: the recipient
    automated: bool = True  # RFC 3834 Auto-Submitted; relayed posts are not automated
    group_mail: bool = False  # a post to the group: Precedence: list, List-Post
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    forwarded: Forwarded | None = None  # attachments passed on, and those left out
    authentication: str | None = None  # what intake found (RFC 8601): sealed with ARC
    archived_at: str | None = None  # RFC 5064 Archived-At: the post's archive page
    calendar: tuple[str, bytes] | None = None  # (iTIP method, iCalendar object)


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
    # Every copy of a post carries its author's Message-ID (see threads.fan_out), so
    # these are the ids the readers and the authors hold in their mailboxes.
    chain = [threads.public_message_id(p) for p in threads.ancestors(c.session, post)]
    reply_to = reply_address(
        c.settings.secret_key,
        c.community.slug,
        c.settings.domain,
        ReplyToken(TokenKind.THREAD, c.member.id, thread.id, c.member.link_version),
    )
    forwarded = _attachments(c, post.inbound_id)
    inbound = c.session.get(InboundMessage, post.inbound_id) if post.inbound_id else None
    return Letter(
        ("Re: " if chain else "") + thread.subject,
        to_member=True,
        context={"post": post, "thread": thread, "is_reply": bool(chain), "omitted": forwarded},
        from_name=f"{post.author_name} via {c.community.name}",
        reply_to=(c.community.name, reply_to),
        to=(c.community.name, _list(c)),
        automated=False,
        group_mail=True,
        in_reply_to=chain[-1] if chain else None,
        references=tuple(chain),
        forwarded=forwarded,
        authentication=inbound.auth_results if inbound is not None else None,
        archived_at=links.post_url(c.base, c.community.slug, thread.id, post.id),
    )


def _attachments(c: MailContext, inbound_id: int | None) -> Forwarded | None:
    inbound = c.session.get(InboundMessage, inbound_id) if inbound_id else None
    if inbound is None:
        return None
    return forward_attachments(inbound.raw, c.settings.attachment_max_bytes)


def _held_notice(c: MailContext) -> Letter:
    held = c.session.get(HeldMessage, c.row.context["held_id"])
    assert held is not None
    token = partial(c.signer.sign, LinkPurpose.MODERATE)
    mail = PostDraft.from_json(held.mail)
    return Letter(
        f"Held for you: {mail.subject or '(no subject)'}",
        to_member=False,
        context={
            "held": held,
            "mail": mail,
            "approve_url": links.held_url(c.base, token({"h": held.id, "d": "approve"})),
            "discard_url": links.held_url(c.base, token({"h": held.id, "d": "discard"})),
        },
    )


def _host_forward(c: MailContext) -> Letter:
    ctx = c.row.context
    # Rows queued before drafts were typed carry the draft's keys at the top level.
    mail = PostDraft.from_json(ctx.get("draft") or ctx)
    sender = mail.from_address
    name = limit_name(mail.from_name)
    # The host answers the sender directly. An international (EAI) address would make
    # the whole message need SMTPUTF8, so it is shown in the text instead.
    reply_to = (name, sender) if "@" in sender and sender.isascii() else None
    forwarded = _attachments(c, ctx.get("inbound_id"))
    return Letter(
        f"[{c.community.name}] {mail.subject or '(no subject)'}",
        to_member=False,
        context={"mail": replace(mail, from_name=name), "omitted": forwarded},
        from_name=f"{name or sender.split('@', 1)[0] or 'Someone'} via {c.community.name}",
        reply_to=reply_to,
        forwarded=forwarded,
    )


def _member_bouncing(c: MailContext) -> Letter:
    assert c.member is not None
    return Letter(
        f"Mail to {c.member.address} keeps bouncing",
        to_member=False,
        context={"bouncer": c.member},
    )


def _member_undeliverable(c: MailContext) -> Letter:
    assert c.member is not None
    return Letter(
        f"We cannot deliver to {c.member.address}",
        to_member=False,
        context={"bouncer": c.member, "reason": c.row.context.get("reason", "")},
    )


def _attachments_left_out(c: MailContext) -> Letter:
    post = c.session.get(Post, c.row.context["post_id"])
    assert post is not None
    return Letter(
        f"Re: {post.thread.subject}: an attachment was too large",
        to_member=True,
        context={
            "thread": post.thread,
            "omitted": c.row.context.get("omitted", []),
            "limit": int(c.row.context.get("limit") or c.settings.attachment_max_bytes),
        },
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
    carry = carryover.offer(c.session, rnd, c.member) if kind == TokenKind.COMMITMENT else None
    if commitment is not None and commitment.text:
        carry = None  # they have answered this round already
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
            "carry": carry,
            "buddies": _buddy_context(c, rnd, kind),
            "carry_url": (
                links.carry_url(c.base, c.link(LinkPurpose.CARRY_OVER, r=str(rnd.id)))
                if carry
                else ""
            ),
        },
        reply_to=(c.community.name, reply_to),
    )


def _buddy_context(c: MailContext, rnd: Round, kind: TokenKind) -> dict[str, Any] | None:
    """Who the member is paired with this week: named in the prompt; the check-in asks
    "did you two talk?" with one click."""
    assert c.member is not None
    found = buddies.buddies_of(c.session, c.community, rnd.week, c.member)
    if found is None:
        return None
    others = [m.name_or_address for m in found.members if m.id != c.member.id]
    talked = ""
    if kind == TokenKind.CHECKIN and not found.talked:
        talked = links.talked_url(c.base, c.link(LinkPurpose.BUDDIES_TALKED, g=str(found.group_id)))
    return {"names": others, "shown": _and(others), "talked": found.talked, "talked_url": talked}


def _and(names: list[str]) -> str:
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def _buddy_address(c: MailContext, group_id: int) -> str:
    assert c.member is not None
    return reply_address(
        c.settings.secret_key,
        c.community.slug,
        c.settings.domain,
        ReplyToken(TokenKind.BUDDIES, c.member.id, group_id, c.member.link_version),
    )


def _buddy_intro(c: MailContext) -> Letter:
    assert c.member is not None
    group = c.session.get(BuddyGroup, c.row.context["group_id"])
    assert group is not None
    others = [m for m in buddies.members_of(c.session, group) if m.id != c.member.id]
    names = [m.name_or_address for m in others]
    shown = _and(names)
    return Letter(
        f"{c.community.name}: your accountability buddy{'s' if len(names) > 1 else ''}, {shown}",
        to_member=True,
        context={"buddy_names": names, "shown_names": shown, "trio": len(names) > 1},
        reply_to=(f"{c.community.name} buddies", _buddy_address(c, group.id)),
    )


def _buddy_note(c: MailContext) -> Letter:
    assert c.member is not None
    ctx = c.row.context
    sender = c.session.get(Member, ctx["from_member_id"])
    name = sender.name_or_address if sender is not None else "Your buddy"
    subject = str(ctx.get("subject") or "").strip() or "a note"
    return Letter(
        subject if subject.lower().startswith("re:") else f"Re: {subject}",
        to_member=True,
        context={"sender_name": name, "text": ctx["text"]},
        from_name=f"{limit_name(name)} via {c.community.name}",
        reply_to=(f"{c.community.name} buddies", _buddy_address(c, int(ctx["group_id"]))),
        automated=False,
    )


def _hot_seat_focus(c: MailContext) -> Letter:
    assert c.member is not None
    seat = c.session.get(HotSeat, c.row.context["seat_id"])
    assert seat is not None
    plan = schedule.week_plan(c.community, seat.week)
    reply_to = reply_address(
        c.settings.secret_key,
        c.community.slug,
        c.settings.domain,
        ReplyToken(TokenKind.HOT_SEAT, c.member.id, seat.id, c.member.link_version),
    )
    return Letter(
        f"{c.community.name}: you're in the hot seat this week",
        to_member=True,
        context={"digest_when": schedule.describe(c.community, plan[schedule.Unit.DIGEST])},
        reply_to=(c.community.name, reply_to),
    )


def _season_dates(season: Season) -> str:
    start, end = season.starts_on, season.ends_on
    return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"


def _season_upcoming(c: MailContext) -> Letter:
    assert c.member is not None
    season = c.session.get(Season, c.row.context["season_id"])
    assert season is not None
    alumna = c.member.status == MemberStatus.ALUMNI
    start = season.starts_on
    return Letter(
        f"{c.community.name}: {season.name} starts on {schedule.WEEKDAYS[start.weekday()]} "
        f"{start.day} {start:%B}",
        to_member=True,
        context={
            "season": season,
            "dates": _season_dates(season),
            "starts": f"{schedule.WEEKDAYS[start.weekday()]} {start.day} {start:%B}",
            "alumna": alumna,
            "applicant": c.member.status == MemberStatus.APPROVED,
            "reenrol_url": (
                links.reenrol_url(c.base, c.link(LinkPurpose.REENROL, s=str(season.id)))
                if alumna
                else ""
            ),
        },
    )


def _season_closing(c: MailContext) -> Letter:
    season = c.session.get(Season, c.row.context["season_id"])
    assert season is not None
    summary = seasons.summary(c.session, c.community, season)
    return Letter(
        f"{c.community.name}: {season.name} is complete",
        to_member=True,
        context={
            "season": season,
            "dates": _season_dates(season),
            "summary": summary,
            "alumni_can_post": season.alumni_can_post,
        },
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


def _archive_link(c: MailContext) -> Letter:
    """The answer to "send me a link": opens the archive in the browser it is clicked in."""
    assert c.member is not None
    token = archive.sign_in_token(c.signer, c.member)
    return Letter(
        f"Your link to the {c.community.name} archive",
        to_member=True,
        context={
            "sign_in_url": links.archive_sign_in_url(
                c.base, c.community.slug, token, str(c.row.context.get("next") or "")
            ),
            "valid_hours": c.settings.archive_link_hours,
        },
    )


def _list(c: MailContext) -> str:
    return list_address(c.community.slug, c.settings.domain)


def _session_letter(c: MailContext, method: Method) -> Letter:
    """An invitation or a cancellation: the event as it was when the mail was decided."""
    assert c.member is not None
    facts = SessionFacts.from_json(c.row.context["session"])
    tz, slug = c.community.timezone, c.community.slug
    upcoming = schedule.describe(c.community, next_start(facts, tz, c.row.created_at))
    description = f"{c.community.name}: {facts.describe()}, {tz} time.\nJoin: {facts.join_url}"
    ics = calendar_bytes(
        facts,
        method=method,
        tz=tz,
        organizer=(f"{c.community.name} host", host_contact_address(slug, c.settings.domain)),
        attendee=(c.member.display_name, c.member.address),
        stamp=c.row.created_at,
        description=description,
    )
    cancelled = method == Method.CANCEL
    if cancelled:
        subject = f"Cancelled: {c.community.name} {facts.title.lower()}"
    elif facts.sequence > 0:
        subject = f"Updated invitation: {c.community.name} {facts.title.lower()}"
    else:
        subject = f"Invitation: {c.community.name} {facts.title.lower()}"
    return Letter(
        subject,
        # A member who left gets the cancellation without list links (theirs are revoked).
        to_member=c.member.status == MemberStatus.ACTIVE,
        context={
            "facts": facts,
            "rhythm": facts.describe(),
            "next_when": upcoming,
            "timezone": tz,
            "updated": facts.sequence > 0 and not cancelled,
            "left": c.member.status != MemberStatus.ACTIVE,
        },
        calendar=(method.value, ics),
    )


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
    Purpose.MEMBER_UNDELIVERABLE: _member_undeliverable,
    Purpose.ATTACHMENTS_LEFT_OUT: _attachments_left_out,
    Purpose.COMMITMENT_PROMPT: _commitment_prompt,
    Purpose.COMMITMENT_REMINDER: _commitment_reminder,
    Purpose.CHECKIN_PROMPT: _checkin_prompt,
    Purpose.CHECKIN_REMINDER: _checkin_reminder,
    Purpose.ARCHIVE_LINK: _archive_link,
    Purpose.SESSION_INVITATION: partial(_session_letter, method=Method.REQUEST),
    Purpose.SESSION_CANCELLATION: partial(_session_letter, method=Method.CANCEL),
    Purpose.BUDDY_INTRO: _buddy_intro,
    Purpose.BUDDY_NOTE: _buddy_note,
    Purpose.HOT_SEAT_FOCUS: _hot_seat_focus,
    Purpose.SEASON_UPCOMING: _season_upcoming,
    Purpose.SEASON_CLOSING: _season_closing,
}
