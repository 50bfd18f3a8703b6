"""A post before it is posted: what filing hands to publishing and to composing.

It is stored as JSON where it must wait (a held message, a host forward in the
ledger), and read back into the same type, so no layer reads loose dict keys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .incoming import Attachment, IncomingMail


@dataclass(frozen=True)
class PostDraft:
    subject: str
    from_name: str
    from_address: str
    reply: str  # the new text
    full_text: str  # everything, untrimmed
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    @classmethod
    def from_mail(cls, mail: IncomingMail) -> PostDraft:
        return cls(
            subject=mail.subject,
            from_name=mail.from_name,
            from_address=mail.from_address,
            reply=mail.reply,
            full_text=mail.full_text,
            message_id=mail.message_id,
            in_reply_to=mail.in_reply_to,
            references=tuple(mail.references),
            attachments=tuple(mail.attachments),
        )

    @property
    def text(self) -> str:
        """What a post made of this shows: the new text, else everything."""
        return (self.reply or self.full_text or "").strip()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["references"] = list(self.references)
        data["attachments"] = [asdict(a) for a in self.attachments]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PostDraft:
        """Read back a stored draft; keys it does not know (older rows) are ignored."""

        def text(key: str) -> str:
            return str(data.get(key) or "")

        def optional(key: str) -> str | None:
            value = data.get(key)
            return str(value) if value else None

        return cls(
            subject=text("subject"),
            from_name=text("from_name"),
            from_address=text("from_address"),
            reply=text("reply"),
            full_text=text("full_text"),
            message_id=optional("message_id"),
            in_reply_to=optional("in_reply_to"),
            references=tuple(str(r) for r in data.get("references") or ()),
            attachments=tuple(
                Attachment(
                    str(a.get("filename") or ""),
                    str(a.get("content_type") or "application/octet-stream"),
                    int(a.get("size") or 0),
                )
                for a in data.get("attachments") or ()
            ),
        )
