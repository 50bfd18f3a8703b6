"""What the parser tells the domain about one received message (plain data)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class MailKind(enum.StrEnum):
    POST = "post"  # something a person wrote for the group
    AUTO_REPLY = "auto_reply"  # out-of-office, vacation, autoresponder: never posted
    BOUNCE = "bounce"  # a delivery status notification about mail we sent
    LOOP = "loop"  # our own mail coming back: never posted, never answered
    REJECT = "reject"  # unusable (no sender, no body): never posted, never answered


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Trim:
    """One piece cut from the reply, and the rule that cut it ("html:gmail_quote",
    "known:post", "text:attribution", "signature:learned", ...)."""

    rule: str
    text: str


@dataclass(frozen=True)
class SentText:
    """The plain text of one mail Kith sent, as its recipient received it."""

    purpose: str  # "post", "digest", "checkin_prompt", ...
    text: str


@dataclass(frozen=True)
class ReplyContext:
    """What Kith knows about a message before reading it: the text of the mail it sent
    this sender (as they received it) and who the sender is. Empty when unknown."""

    sent: tuple[SentText, ...] = ()  # mail we sent this sender that the reply may quote
    names: tuple[str, ...] = ()  # the member's names, for recognising a sign-off
    signature: str = ""  # the signature learned from the member's earlier mail


@dataclass(frozen=True)
class IncomingMail:
    kind: MailKind
    message_id: str | None  # with angle brackets, as in the header
    in_reply_to: str | None
    references: tuple[str, ...]
    from_address: str  # addr-spec, lower-cased; "" when missing or unparsable
    from_name: str
    subject: str
    reply: str  # only the new text: quoted history and signature removed
    full_text: str  # the whole text body, untrimmed, so nothing is ever lost
    attachments: tuple[Attachment, ...] = ()
    list_id: str | None = None
    date: datetime | None = None
    reason: str = ""  # why it was classified so (for logs and the host)
    bounced_recipients: tuple[str, ...] = ()
    bounce_permanent: bool = False
    defects: tuple[str, ...] = field(default=())  # parser complaints, for debugging
    trimmed: tuple[Trim, ...] = ()  # what was cut from full_text to give reply, and why
    # Set when the message is too large or too deep to read whole: hold it for the host.
    hold_reason: str = ""
    # The new text before any sign-off or signature was removed (for learning signatures).
    signed_reply: str = ""
