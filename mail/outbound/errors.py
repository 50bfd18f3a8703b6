"""Why a ledger row could not be sent: retry later, or a final failure with a reason."""

from __future__ import annotations


class SendError(Exception):
    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


class TransientSendError(SendError):
    """4xx or a connection problem: try again later."""


class PermanentSendError(SendError):
    """5xx, or a message that can never be sent as it is: trying again will not help."""


class ComposeError(PermanentSendError):
    """The row's data cannot make a valid message (a header that cannot be encoded, a
    template that fails): final for this row, whatever the relay would say."""


class SmtpUtf8Unavailable(PermanentSendError):
    """The message needs SMTPUTF8 (RFC 6531: an international address) and the relay
    does not offer it. Final for this row; the recipient's delivery is flagged."""
