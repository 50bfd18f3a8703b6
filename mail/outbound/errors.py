"""Why a ledger row could not be sent: retry later, or a final failure with a reason."""

from __future__ import annotations

import re

_ENHANCED = re.compile(r"^\d{3}[ -]5\.(\d{1,3})\.\d{1,3}")


class SendError(Exception):
    def __init__(self, reply: str, stage: str = "") -> None:
        super().__init__(reply)
        self.reply = reply
        self.stage = stage  # "connect", "mail", "rcpt" or "data"; "" before any of them


class TransientSendError(SendError):
    """4xx or a connection problem: try again later."""


class PermanentSendError(SendError):
    """5xx, or a message that can never be sent as it is: trying again will not help."""

    @property
    def about_recipient(self) -> bool:
        """Whether the refusal is about the recipient's address or mailbox (a bounce).

        An RFC 3463 addressing (5.1.X) or mailbox (5.2.X) code says so at any stage;
        policy, content and system codes (5.7, 5.6, 5.3) are about us or the message,
        not the member's mailbox. Without an enhanced code, a 5xx at RCPT counts.
        """
        match = _ENHANCED.match(self.reply)
        if match is None:
            return self.stage == "rcpt"
        return match.group(1) in ("1", "2")


class ComposeError(PermanentSendError):
    """The row's data cannot make a valid message (a header that cannot be encoded, a
    template that fails): final for this row, whatever the relay would say, and never
    the recipient's fault (no bounce is counted)."""


class SmtpUtf8Unavailable(PermanentSendError):
    """The message needs SMTPUTF8 (RFC 6531: an international address) and the relay
    does not offer it. Final for this row; the member's delivery is stopped and the
    host told (not counted as a bounce: their mailbox may be fine)."""
