"""aiosmtpd hooks. Inbound posting arrives with the inbound-mail capability; until then
every recipient is refused at RCPT, so nothing is accepted that would not be stored."""

from __future__ import annotations

from community.settings import Settings
from mail import status


class InboundHandler:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return status.UNKNOWN_RECIPIENT
