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


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int


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
