"""One real ledger row of every kind of mail Kith sends, composed as the worker would.

Used by the raw-header, DKIM, spam-score and relay checks, so each of them covers
every purpose in `Purpose` (a test fails when a new purpose is not made here).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from community import (
    buddies,
    digests,
    hot_seats,
    live_sessions,
    members,
    outbox,
    rounds,
    seasons,
)
from community.communities import create_community
from community.drafts import PostDraft
from community.inbound import publish
from community.incoming import Attachment, IncomingMail, MailKind
from community.models import (
    Community,
    HeldMessage,
    HoldStatus,
    InboundMessage,
    InboundStatus,
    Member,
    OutboundMessage,
)
from community.outbox import Purpose
from community.settings import Settings
from community.tokens import Signer
from mail.outbound.compose import MailContext, message_bytes

from .helpers import uow

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # a Wednesday in 2026-W10
# Every mail Kith writes. Operator forwards are not among them: they pass a received
# message on unchanged (mail/outbound/forward.py), headers and signatures its own.
ALL_PURPOSES = sorted(
    v for k, v in vars(Purpose).items() if k.isupper() and v != Purpose.OPERATOR_FORWARD
)
PDF = b"%PDF-1.4\n" + b"0123456789abcdef" * 512  # an 8 KB attachment


@dataclass
class Made:
    purpose: str
    row: OutboundMessage
    data: bytes  # exactly what goes to the relay


def member_post(author: str, to: str, subject: str, text: str, **headers: str) -> bytes:
    """A member's own message as their client sends it, with a PDF attached."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = author, to, subject
    msg["Date"] = "Wed, 04 Mar 2026 08:30:00 +0100"
    msg["Message-ID"] = make_msgid(domain="example.com")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="plan.pdf")
    return msg.as_bytes()


def _inbound(session: Session, raw: bytes, rcpt: str, domain: str) -> InboundMessage:
    """A stored arrival, with the results our intake would have recorded for it."""
    row = InboundMessage(
        auth_results=f"{domain}; dkim=pass header.d=example.com;\r\n\t"
        "spf=pass smtp.mailfrom=anne@example.com",
        mail_from="anne@example.com",
        rcpt_tos=[rcpt],
        raw=raw,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        received_at=NOW,
        status=InboundStatus.PROCESSED,
        attempts=1,
        outcome="",
    )
    session.add(row)
    session.flush()
    return row


def _incoming(raw: bytes, subject: str, name: str, address: str) -> IncomingMail:
    from email import message_from_bytes

    mid = message_from_bytes(raw)["Message-ID"]
    return IncomingMail(
        kind=MailKind.POST,
        message_id=mid,
        in_reply_to=None,
        references=(),
        from_address=address,
        from_name=name,
        subject=subject,
        reply="Hello from outside the circle.",
        full_text="Hello from outside the circle.",
        attachments=(Attachment("plan.pdf", "application/pdf", len(PDF)),),
    )


def make_every_kind(session: Session, settings: Settings, signer: Signer) -> list[Made]:
    """Set up one community with members, a conversation, a round and a digest, and
    compose one row of every purpose. The caller owns the session (and rolls back)."""
    domain = settings.domain
    c = create_community(
        uow(session, NOW - timedelta(days=10)),
        slug="circle",
        name="Morning Circle",
        host_address="hana@example.com",
        host_name="Hana Host",
    )
    people = {}
    for address, name in [
        ("anne@example.com", "Anne Archer"),
        ("bart@example.org", "Bart Bakker"),
        ("chen@example.net", "陈 Chen"),
    ]:
        people[address] = members.add_member(
            uow(session, NOW - timedelta(days=9), domain), c, address, display_name=name
        )
    anne, bart = people["anne@example.com"], people["bart@example.org"]
    host = members.find_member(session, c, "hana@example.com")
    assert host is not None
    rows: dict[str, OutboundMessage] = {}

    def queue(purpose: str, recipient: str, member: Member | None, **context) -> None:
        rows[purpose] = outbox.queue_mail(
            uow(session, NOW, domain),
            purpose=purpose,
            subject=f"kinds:{purpose}",
            recipient=recipient,
            community_id=c.id,
            member_id=member.id if member else None,
            context=context,
        )

    for purpose in (
        Purpose.CONFIRM_SIGNUP,
        Purpose.ALREADY_MEMBER,
        Purpose.WELCOME,
        Purpose.SEAT_OPENED,
        Purpose.WAITLISTED,
        Purpose.JOIN_DECLINED,
    ):
        queue(purpose, anne.address, anne)
    queue(Purpose.APPROVAL_REQUEST, c.host_address, anne)
    queue(Purpose.MEMBER_BOUNCING, c.host_address, bart)
    queue(Purpose.MEMBER_UNDELIVERABLE, c.host_address, bart, reason="no SMTPUTF8 at the relay")

    # A conversation: Anne starts it, Bart answers; Chen's copy of Bart's reply.
    first_raw = member_post(
        "Anne Archer <anne@example.com>", "circle@" + domain, "Goals for March", "Beta by Friday."
    )
    first_in = _inbound(session, first_raw, "circle@" + domain, domain)
    first = _publish(session, c, first_raw, first_in, anne, None, domain)
    reply_raw = member_post(
        "Bart Bakker <bart@example.org>",
        "circle@" + domain,
        "Re: Goals for March",
        "I will review it on Thursday.",
        In_Reply_To=first.message_id,
        References=first.message_id,
    )
    reply_in = _inbound(session, reply_raw, "circle@" + domain, domain)
    reply = _publish(session, c, reply_raw, reply_in, bart, first.thread, domain)
    rows[Purpose.POST] = session.scalars(
        select(OutboundMessage).where(
            OutboundMessage.purpose == Purpose.POST,
            OutboundMessage.subject == f"post:{reply.id}",
            OutboundMessage.recipient == "chen@example.net",
        )
    ).one()
    queue(
        Purpose.ATTACHMENTS_LEFT_OUT,
        bart.address,
        bart,
        post_id=reply.id,
        omitted=[{"filename": "video.mov", "content_type": "video/quicktime", "size": 30_000_000}],
        limit=settings.attachment_max_bytes,
    )

    # An outsider writes: held for the host, and (to the host address) forwarded.
    outside_raw = member_post(
        "Olga Outsider <olga@example.net>", "circle@" + domain, "Can I join?", "Hello."
    )
    outside_in = _inbound(session, outside_raw, "circle@" + domain, domain)
    outside = _incoming(outside_raw, "Can I join?", "Olga Outsider", "olga@example.net")
    held = HeldMessage(
        inbound_id=outside_in.id,
        community_id=c.id,
        recipient="circle",
        reason="the sender, olga@example.net, is not a member",
        mail=PostDraft.from_mail(outside).to_json(),
        status=HoldStatus.WAITING,
        created_at=NOW,
    )
    session.add(held)
    session.flush()
    queue(Purpose.HELD_NOTICE, c.host_address, None, held_id=held.id)
    queue(
        Purpose.HOST_FORWARD,
        c.host_address,
        None,
        inbound_id=outside_in.id,
        draft=PostDraft.from_mail(outside).to_json(),
    )

    # The weekly loop and the digest.
    rnd = rounds.open_round(uow(session, NOW - timedelta(days=2)), c, "2026-W10")
    session.flush()
    rounds.record_commitment(uow(session, NOW - timedelta(days=2)), rnd, anne, "Ship the beta.")
    for purpose in (
        Purpose.COMMITMENT_PROMPT,
        Purpose.COMMITMENT_REMINDER,
        Purpose.CHECKIN_PROMPT,
        Purpose.CHECKIN_REMINDER,
    ):
        queue(purpose, anne.address, anne, round_id=rnd.id)
    run = digests.start_digest(uow(session, NOW), c, "2026-W10")
    session.flush()
    queue(Purpose.DIGEST, anne.address, anne, run_id=run.id)
    queue(Purpose.DIGEST_PREVIEW, c.host_address, host, run_id=run.id)
    queue(Purpose.ARCHIVE_LINK, anne.address, anne)
    session.flush()

    # Accountability buddies: the introduction, and a note through the pair address.
    buddies.configure(uow(session, NOW, domain), c, 1)
    [*_, group] = buddies.pair_round(uow(session, NOW, domain), c, rnd)
    note_from = buddies.members_of(session, group)[0]
    buddies.relay_note(
        uow(session, NOW, domain), group, note_from, "Halfway there!", "Re: buddies", 0
    )
    for purpose in (Purpose.BUDDY_INTRO, Purpose.BUDDY_NOTE):
        rows[purpose] = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == purpose).limit(1)
        ).one()

    # The hot seat's focus form.
    hot_seats.configure(uow(session, NOW, domain), c, True)
    hot_seats.ask(uow(session, NOW, domain), c, rnd)
    rows[Purpose.HOT_SEAT_FOCUS] = session.scalars(
        select(OutboundMessage).where(OutboundMessage.purpose == Purpose.HOT_SEAT_FOCUS)
    ).one()

    # A season: its announcement (from creating it) and its closing digest.
    from datetime import date

    season = seasons.create(
        uow(session, NOW, domain),
        c,
        name="Spring",
        starts_on=date(2026, 3, 9),
        ends_on=date(2026, 3, 22),
    )
    rows[Purpose.SEASON_UPCOMING] = session.scalars(
        select(OutboundMessage).where(
            OutboundMessage.purpose == Purpose.SEASON_UPCOMING,
            OutboundMessage.member_id == anne.id,
        )
    ).one()
    queue(Purpose.SEASON_CLOSING, anne.address, anne, season_id=season.id)

    # The live session: an invitation to everyone, then the host cancels it.
    live_sessions.set_session(
        uow(session, NOW, domain),
        c,
        live_sessions.SessionSpec(weekday=1, hour=18, minute=30, join_url="https://meet.example/c"),
    )
    live_sessions.clear_session(uow(session, NOW, domain), c)
    for purpose in (Purpose.SESSION_INVITATION, Purpose.SESSION_CANCELLATION):
        rows[purpose] = session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.purpose == purpose, OutboundMessage.member_id == anne.id
            )
        ).one()

    made = []
    for purpose in ALL_PURPOSES:
        row = rows[purpose]
        community = session.get(Community, row.community_id)
        member = session.get(Member, row.member_id) if row.member_id else None
        assert community is not None
        ctx = MailContext(settings, signer, community, member, row, session)
        made.append(Made(purpose, row, message_bytes(ctx, NOW)))
    return made


def _publish(session, c, raw, inbound, author, thread, domain):
    from email import message_from_bytes

    msg = message_from_bytes(raw)
    text = msg.get_payload()[0].get_payload()
    draft = PostDraft(
        subject=str(msg["Subject"]),
        from_name=author.display_name,
        from_address=author.address,
        reply=text,
        full_text=text,
        message_id=str(msg["Message-ID"]),
        in_reply_to=msg["In-Reply-To"],
        references=(msg["References"],) if msg["References"] else (),
    )
    post = publish(
        uow(session, NOW, domain), c, draft, thread=thread, author=author, inbound_id=inbound.id
    )
    return post
