"""SQLAlchemy models: communities, members, threads, posts, inbound mail, outbound ledger."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _enum(cls: type[enum.Enum]) -> Enum:
    # Stored as short strings (no native enum types) so adding a value needs no migration
    # dance on PostgreSQL, and the stored value is the readable one, not the Python name.
    return Enum(
        cls,
        native_enum=False,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class JoinPolicy(enum.StrEnum):
    OPEN = "open"
    APPROVAL = "approval"


class MemberStatus(enum.StrEnum):
    """Where someone stands with the community: asked, waiting, in, or gone."""

    PENDING = "pending"  # asked to join, has not clicked the confirmation link
    AWAITING_APPROVAL = "awaiting_approval"  # confirmed; the host has to approve
    APPROVED = "approved"  # a season's applicant the host approved: seated at its start
    ACTIVE = "active"  # a member, holding a seat (whether or not mail reaches them)
    WAITLISTED = "waitlisted"  # confirmed, community full; first come, first served
    UNSUBSCRIBED = "unsubscribed"  # left by their own choice
    REMOVED = "removed"  # removed by the host
    DECLINED = "declined"  # the host turned the request down
    ALUMNI = "alumni"  # took part in a season that ended; may re-enrol in the next


class DeliveryStatus(enum.StrEnum):
    """Whether mail reaches an active member now, and if not, who stopped it.

    Apart from membership (after Mailman's DeliveryStatus): a paused member whose old
    mail bounces stays paused, and clearing bounces never ends a pause.
    """

    ENABLED = "enabled"
    PAUSED = "paused"  # by the member, until paused_until
    BOUNCING = "bouncing"  # by bounces, or an address our relay cannot send to
    DISABLED = "disabled"  # by the host


# Statuses that occupy one of the community's seats.
SEAT_HOLDING = (MemberStatus.ACTIVE,)


class DeliveryMode(enum.StrEnum):
    EACH_POST = "each_post"
    DIGEST = "digest"
    NONE = "none"


class Role(enum.StrEnum):
    HOST = "host"
    MEMBER = "member"


class InboundStatus(enum.StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    HELD = "held"
    DISCARDED = "discarded"
    FAILED = "failed"


class SendStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite has no zone support)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Kith stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _tz() -> UTCDateTime:
    return UTCDateTime()


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    host_address: Mapped[str] = mapped_column(String(320))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    capacity: Mapped[int] = mapped_column(Integer, default=30)
    join_policy: Mapped[JoinPolicy] = mapped_column(_enum(JoinPolicy), default=JoinPolicy.OPEN)
    created_at: Mapped[datetime] = mapped_column(_tz())

    # The weekly rhythm, in the community's own timezone. Weekdays: Monday is 0.
    prompt_weekday: Mapped[int] = mapped_column(Integer, default=0)
    prompt_hour: Mapped[int] = mapped_column(Integer, default=8)
    checkin_weekday: Mapped[int] = mapped_column(Integer, default=4)
    checkin_hour: Mapped[int] = mapped_column(Integer, default=16)
    reminder_delay_hours: Mapped[int] = mapped_column(Integer, default=24)
    digest_weekday: Mapped[int] = mapped_column(Integer, default=6)
    digest_hour: Mapped[int] = mapped_column(Integer, default=17)
    preview_hours: Mapped[int] = mapped_column(Integer, default=12)  # 0: no host preview
    digest_when_quiet: Mapped[bool] = mapped_column(Boolean, default=True)
    loop_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # The host runs the round; they are in it (prompts, rows, streak) only if they opt in.
    host_takes_part: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Whether a "partly" keeps a streak going (a "done" always does).
    partly_counts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    commitment_question: Mapped[str] = mapped_column(
        Text, default="What is your one commitment for this week?"
    )
    checkin_question: Mapped[str] = mapped_column(Text, default="Did you do it?")
    # Moved by database triggers (migration 0004) whenever the public page would
    # change: the community's facts or a member's status. Never set by hand.
    page_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    members: Mapped[list[Member]] = relationship(back_populates="community")


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("community_id", "address"),
        Index("ix_members_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(320))  # normalised, see addresses.py
    display_name: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[MemberStatus] = mapped_column(_enum(MemberStatus))
    delivery_status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus), default=DeliveryStatus.ENABLED, server_default="enabled"
    )
    delivery_mode: Mapped[DeliveryMode] = mapped_column(
        _enum(DeliveryMode), default=DeliveryMode.EACH_POST
    )
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.MEMBER)
    created_at: Mapped[datetime] = mapped_column(_tz())
    requested_at: Mapped[datetime] = mapped_column(_tz())  # latest join request
    join_requests: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    activated_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    waitlisted_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    left_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    paused_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    bounce_score: Mapped[int] = mapped_column(Integer, default=0)
    last_bounce_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    # Bumped to revoke every signed link issued to this member so far.
    link_version: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by "sign out everywhere": ends every archive session and sign-in link.
    archive_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    community: Mapped[Community] = relationship(back_populates="members")

    @property
    def holds_seat(self) -> bool:
        """In the circle (the host too, though seat counts leave them out)."""
        return self.status in SEAT_HOLDING

    @property
    def gets_mail(self) -> bool:
        """An active member whose delivery nobody stopped."""
        return self.status == MemberStatus.ACTIVE and self.delivery_status == DeliveryStatus.ENABLED

    @property
    def name_or_address(self) -> str:
        return self.display_name or self.address.split("@", 1)[0]


class Thread(Base):
    __tablename__ = "threads"
    __table_args__ = (Index("ix_threads_community_last", "community_id", "last_post_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(300))
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(_tz())
    last_post_at: Mapped[datetime] = mapped_column(_tz())

    posts: Mapped[list[Post]] = relationship(back_populates="thread", order_by="Post.id")


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    author_name: Mapped[str] = mapped_column(String(200))
    author_address: Mapped[str] = mapped_column(String(320))
    body: Mapped[str] = mapped_column(Text)  # the new text, quotes and signature removed
    full_text: Mapped[str] = mapped_column(Text)  # everything the member wrote, untrimmed
    # The sender's own Message-ID, and the one every copy we deliver carries (so mail
    # clients thread replies to our copies back to this post).
    message_id: Mapped[str] = mapped_column(String(998), index=True)
    list_message_id: Mapped[str] = mapped_column(String(998), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(998), nullable=True)
    inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(_tz())

    thread: Mapped[Thread] = relationship(back_populates="posts")


class InboundMessage(Base):
    """Raw mail exactly as received, stored before the SMTP server says 250."""

    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_status_received", "status", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mail_from: Mapped[str] = mapped_column(String(998))
    rcpt_tos: Mapped[list[str]] = mapped_column(JSON)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str | None] = mapped_column(String(998), nullable=True, index=True)
    # sha256 of Message-ID, envelope recipients and body: a re-delivered copy (new
    # trace headers, same message, same recipients) collides here and is stored once.
    # NULL when there is no Message-ID.
    dedup_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    received_at: Mapped[datetime] = mapped_column(_tz())
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # processing tries
    status: Mapped[InboundStatus] = mapped_column(
        _enum(InboundStatus), default=InboundStatus.RECEIVED
    )
    processed_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    outcome: Mapped[str] = mapped_column(Text, default="")
    # RFC 8601 results (DKIM verified, SPF of the envelope) as Kith found them when it
    # processed the message; sealed into ARC on the copies it relays. None: not checked.
    auth_results: Mapped[str | None] = mapped_column(Text, nullable=True)


class OutboundMessage(Base):
    """The outbound ledger: one row per (purpose, subject, recipient), ever.

    The unique key is what makes sending idempotent: asking twice for the same mail
    finds the existing row instead of sending again.
    """

    __tablename__ = "outbound_messages"
    __table_args__ = (
        UniqueConstraint("purpose", "subject", "recipient"),
        Index("ix_outbound_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))  # what it is about, e.g. "member:7:1"
    recipient: Mapped[str] = mapped_column(String(320))
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), nullable=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Unique per mail, except that every copy of one post shares the post's id.
    message_id: Mapped[str] = mapped_column(String(998), index=True)
    status: Mapped[SendStatus] = mapped_column(_enum(SendStatus), default=SendStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_reply: Mapped[str] = mapped_column(Text, default="")  # the relay's last answer
    created_at: Mapped[datetime] = mapped_column(_tz())
    next_attempt_at: Mapped[datetime] = mapped_column(_tz())
    # A worker holds a row while it talks to the relay and renews the lease as it
    # works; an expired lease means it died. The owner fences a late worker out.
    locked_until: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Set just before the final "." of DATA: a row handed over but not marked sent
    # was in flight when its worker died, the only kind that can go out twice.
    handed_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)


class HoldStatus(enum.StrEnum):
    WAITING = "waiting"
    APPROVED = "approved"
    DISCARDED = "discarded"


class HeldMessage(Base):
    """A message kept from the group until its host decides (unknown sender, bad token)."""

    __tablename__ = "held_messages"
    __table_args__ = (UniqueConstraint("inbound_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(320))  # the address it was sent to
    reason: Mapped[str] = mapped_column(Text)
    # What the parser made of it (subject, sender, text, ids), to publish on approval.
    mail: Mapped[dict[str, Any]] = mapped_column(JSON)
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[HoldStatus] = mapped_column(_enum(HoldStatus), default=HoldStatus.WAITING)
    created_at: Mapped[datetime] = mapped_column(_tz())
    decided_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), nullable=True
    )


class RoundStatus(enum.StrEnum):
    OPEN = "open"
    SKIPPED = "skipped"  # the host skipped this week


class Round(Base):
    """One week of the accountability loop in one community."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("community_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))  # ISO week in local time, "2026-W10"
    status: Mapped[RoundStatus] = mapped_column(_enum(RoundStatus), default=RoundStatus.OPEN)
    commitment_question: Mapped[str] = mapped_column(Text)
    checkin_question: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(_tz())
    prompt_sent_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    prompt_reminder_sent_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    checkin_sent_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    checkin_reminder_sent_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)

    commitments: Mapped[list[Commitment]] = relationship(back_populates="round")


class CheckinStatus(enum.StrEnum):
    DONE = "done"
    PARTLY = "partly"
    NOT_DONE = "not_done"
    UNCLEAR = "unclear"


class Commitment(Base):
    __tablename__ = "commitments"
    __table_args__ = (UniqueConstraint("round_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(_tz())
    updated_at: Mapped[datetime] = mapped_column(_tz())
    result: Mapped[CheckinStatus | None] = mapped_column(_enum(CheckinStatus), nullable=True)
    reflection: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    # Last time's unfinished commitment, when the member carried it over (carryover.py).
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("commitments.id", ondelete="SET NULL"), nullable=True
    )

    round: Mapped[Round] = relationship(back_populates="commitments")


class DigestStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"


class DigestRun(Base):
    """One community's digest for one week: sent once, or skipped once."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("community_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))
    status: Mapped[DigestStatus] = mapped_column(_enum(DigestStatus), default=DigestStatus.PENDING)
    host_note: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")  # why skipped, for the host
    created_at: Mapped[datetime] = mapped_column(_tz())
    period_start: Mapped[datetime] = mapped_column(_tz())
    period_end: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("rounds.id", ondelete="SET NULL"), nullable=True
    )
    preview_sent_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class MemberSignature(Base):
    """What Kith learned from a member's mail: their signature, and how their last message
    ended (the next one is compared with it)."""

    __tablename__ = "member_signatures"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    signature: Mapped[str] = mapped_column(Text, default="")
    tail: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(_tz())


class SessionCadence(enum.StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"


class LiveSession(Base):
    """A community's recurring live session (a call), sent to members as an iCalendar
    invitation. One per community; clearing it cancels it and a later one is new."""

    __tablename__ = "live_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), unique=True
    )
    # The iCalendar UID: stable while the session lives, new after a clear.
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    cadence: Mapped[SessionCadence] = mapped_column(_enum(SessionCadence))
    first_date: Mapped[date] = mapped_column(Date)  # local date of the first session
    hour: Mapped[int] = mapped_column(Integer)  # local wall-clock time
    minute: Mapped[int] = mapped_column(Integer)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    join_url: Mapped[str] = mapped_column(Text)
    # iCalendar SEQUENCE: bumped on every change members' calendars must apply.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(_tz())
    updated_at: Mapped[datetime] = mapped_column(_tz())
    cancelled_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)


class RitualSettings(Base):
    """Which rituals around the weekly loop a community runs (kith pairs ...)."""

    __tablename__ = "ritual_settings"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    # Accountability buddies: new pairs every this many weeks; 0 is off.
    pairs_every_weeks: Mapped[int] = mapped_column(Integer, default=0)
    hot_seat: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(_tz())


class BuddyGroup(Base):
    """Accountability buddies for some weeks: a pair, or a trio when the count is odd."""

    __tablename__ = "buddy_groups"
    __table_args__ = (Index("ix_buddy_groups_community_week", "community_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))  # the round's week they were made for
    created_at: Mapped[datetime] = mapped_column(_tz())
    # When they were first known to have talked: a note through the pair address, or
    # one of them answering "did you two talk?".
    talked_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)


class BuddyMember(Base):
    __tablename__ = "buddy_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("buddy_groups.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )


class HotSeat(Base):
    """One week's hot seat: the member whose question opens the digest."""

    __tablename__ = "hot_seats"
    __table_args__ = (UniqueConstraint("community_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(_tz())
    asked_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)  # the focus form
    focus: Mapped[str] = mapped_column(Text, default="")  # their answer
    answered_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="SET NULL"), nullable=True
    )


class Season(Base):
    """A cohort's run: prompts only between its dates, alumni afterwards."""

    __tablename__ = "seasons"
    __table_args__ = (Index("ix_seasons_community_starts", "community_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column(Date)  # local dates, both included
    ends_on: Mapped[date] = mapped_column(Date)
    # While applications are open, every join request waits for the host's approval.
    applications_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    applications_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    alumni_can_post: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(_tz())
    ended_at: Mapped[datetime | None] = mapped_column(_tz(), nullable=True)  # closed, alumni made
