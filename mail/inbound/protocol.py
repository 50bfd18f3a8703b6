"""aiosmtpd's SMTP session with Kith's manners: enhanced codes, a quiet banner, long lines.

aiosmtpd answers some situations itself ("552 Error: Too much mail data", "500 Error:
bad syntax") without an RFC 3463 code and names its version in the banner. Rather
than re-implement the protocol, every reply passes through `with_enhanced_code`.
"""

from __future__ import annotations

import re

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from mail import status

BANNER = "ESMTP"  # no software name or version: nothing for a scanner to match
# RFC 5321 4.5.3.1 asks servers to impose no length limits where they can; real
# senders exceed 1,000-octet lines now and then (one-line HTML). Longer than this is
# refused with a clear code rather than stored.
MAX_LINE_OCTETS = 64 * 1024

_HAS_CODE = re.compile(r"^[245]\d\d[ -][245]\.\d{1,3}\.\d{1,3}(\s|$)")
_REPLY = re.compile(r"^([45])(\d\d) (.*)$", re.S)
# aiosmtpd's own rejections, rewritten to say what happened in the words of RFC 3463.
_REWRITES = {
    "552 Error: Too much mail data": status.TOO_BIG,
    "500 Line too long (see RFC5321 4.5.3.1.6)": status.LINE_TOO_LONG,
}
# The enhanced code that fits each basic reply code when aiosmtpd gave none.
_DEFAULT_CODES = {
    "421": "4.3.2",
    "450": "4.2.0",
    "451": "4.3.0",
    "452": "4.3.1",
    "454": "4.7.0",
    "500": "5.5.2",
    "501": "5.5.4",
    "502": "5.5.1",
    "503": "5.5.1",
    "504": "5.5.4",
    "530": "5.7.0",
    "550": "5.7.1",
    "552": "5.3.4",
    "553": "5.1.3",
    "554": "5.6.0",
}


def with_enhanced_code(reply: str) -> str:
    """The reply with an enhanced status code, when it is a rejection without one."""
    if reply in _REWRITES:
        return _REWRITES[reply]
    match = _REPLY.match(reply)
    if match is None or _HAS_CODE.match(reply):
        return reply
    code = match.group(1) + match.group(2)
    enhanced = _DEFAULT_CODES.get(code, f"{match.group(1)}.0.0")
    return f"{code} {enhanced} {match.group(3)}"


class KithSMTP(SMTP):
    line_length_limit = MAX_LINE_OCTETS

    async def push(self, status: str) -> None:  # type: ignore[override]
        await super().push(with_enhanced_code(status))


class KithController(Controller):
    """The aiosmtpd Controller, serving `KithSMTP` sessions."""

    def factory(self) -> SMTP:
        self.SMTP_kwargs.setdefault("ident", BANNER)
        return KithSMTP(self.handler, **self.SMTP_kwargs)
