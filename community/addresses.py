"""Email address rules: validation, normalisation and the addresses Kith answers to."""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formataddr

from email_validator import EmailNotValidError, validate_email

from .errors import InvalidAddress, InvalidLink


def normalise_address(raw: str) -> str:
    """Validate a member's address and return its canonical, lower-cased form.

    Raises InvalidAddress with a message a person can act on. No DNS lookups: a
    confirmation mail is the real deliverability test.
    """
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidAddress(str(exc)) from exc
    # Mailbox local parts are case-sensitive in theory, never in practice; members
    # type their address differently from one day to the next.
    return result.normalized.lower()


def list_address(slug: str, domain: str) -> str:
    """Where members send new threads."""
    return f"{slug}@{domain}"


def host_contact_address(slug: str, domain: str) -> str:
    """Reaches the community's host."""
    return f"{slug}-host@{domain}"


def list_id(slug: str, domain: str) -> str:
    """RFC 2919 List-Id value (without the phrase)."""
    return f"<{slug}.{domain}>"


def display(name: str, address: str) -> str:
    return formataddr((name, address))


# -- the addresses Kith receives mail at ----------------------------------------


class TokenKind(enum.StrEnum):
    THREAD = "t"  # a reply joins this thread
    COMMITMENT = "c"  # a reply is this member's commitment for this round
    CHECKIN = "k"  # a reply answers "did you do it?" for this round
    PREVIEW = "p"  # the host's reply to this digest's preview
    UNSUBSCRIBE = "u"  # RFC 2369 mailto: unsubscribe; the target is the link version
    BUDDIES = "b"  # a note to this member's accountability buddies; the target is the group
    HOT_SEAT = "h"  # the answer to the hot seat's focus form; the target is the seat


@dataclass(frozen=True)
class ReplyToken:
    kind: TokenKind
    member_id: int
    target_id: int
    # The member's link version when the address was made: bumping it (leaving,
    # re-joining, "sign out everywhere") revokes every reply address made before.
    version: int = 0


class RecipientKind(enum.StrEnum):
    LIST = "list"  # SLUG@domain: starts a new thread
    REPLY = "reply"  # SLUG+TOKEN@domain
    HOST = "host"  # SLUG-host@domain
    BOUNCE = "bounce"  # bounces@domain or bounces+ROW@domain (VERP)
    OPERATOR = "operator"  # postmaster@ (RFC 5321 4.5.1) and abuse@ (RFC 2142)


@dataclass(frozen=True)
class Recipient:
    kind: RecipientKind
    slug: str = ""
    token: str = ""  # the raw token of a reply address, verified later
    ledger_id: int | None = None  # the outbound row a VERP bounce is about


BOUNCE_LOCAL = "bounces"
OPERATOR_LOCALS = frozenset({"postmaster", "abuse"})
_MAC_BYTES = 10  # 80 bits: forging one by chance would take ~2**79 tries
_TOKEN_RE = re.compile(r"^([a-z])-([0-9a-z]{1,13})-([0-9a-z]{1,13})-([a-z2-7]{16})$")


def _mac(secret: str, kind: str, member_id: int, target_id: int, version: int) -> str:
    # Version 0 signs what addresses signed before versions existed, so addresses in
    # members' mailboxes from then keep working until the member's version moves on.
    message = f"reply:{kind}:{member_id}:{target_id}" + (f":v{version}" if version else "")
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.b32encode(digest).decode().lower()


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def make_reply_token(secret: str, token: ReplyToken) -> str:
    """Short, lower-case (some MTAs fold local parts), signed: `t-1f-2k-<mac>`."""
    mac = _mac(secret, token.kind.value, token.member_id, token.target_id, token.version)
    return f"{token.kind.value}-{_b36(token.member_id)}-{_b36(token.target_id)}-{mac}"


def reply_address(secret: str, slug: str, domain: str, token: ReplyToken) -> str:
    return f"{slug}+{make_reply_token(secret, token)}@{domain}"


class RevokedReplyAddress(InvalidLink):
    """A genuine reply address made before the member's links were revoked."""


def verify_reply_token(
    secret: str, raw: str, current_version: Callable[[int], int | None]
) -> ReplyToken:
    """Check a token's signature against the member's current link version.

    `current_version(member_id)` gives that version, or None for no such member.
    Raises RevokedReplyAddress for a genuine but revoked address, InvalidLink when
    forged, damaged or unknown.
    """
    match = _TOKEN_RE.match(raw.lower())
    if not match:
        raise InvalidLink("malformed reply token")
    kind_raw, member_raw, target_raw, mac = match.groups()
    try:
        kind = TokenKind(kind_raw)
    except ValueError as exc:
        raise InvalidLink("unknown reply token kind") from exc
    member_id, target_id = int(member_raw, 36), int(target_raw, 36)
    version = current_version(member_id)
    if version is None:
        raise InvalidLink("reply token names no member")

    def signed_for(v: int) -> bool:
        return hmac.compare_digest(mac, _mac(secret, kind.value, member_id, target_id, v))

    if signed_for(version):
        return ReplyToken(kind, member_id, target_id, version)
    if any(signed_for(v) for v in range(version)):
        raise RevokedReplyAddress("reply address was revoked")
    raise InvalidLink("reply token signature does not match")


def parse_recipient(address: str, domain: str) -> Recipient | None:
    """What an envelope recipient means to us, or None when it is not ours at all.

    Only the shape is checked here; whether the community exists and the token is
    genuine is decided by the caller (a bad token is held, not refused).
    """
    address = address.strip().strip("<>")
    if address.lower() == "postmaster":  # RFC 5321 4.1.1.3: no domain needed
        return Recipient(RecipientKind.OPERATOR)
    local, _, host = address.rpartition("@")
    if not local or host.lower().rstrip(".") != domain.lower():
        return None
    local = local.lower()
    if local in OPERATOR_LOCALS:
        return Recipient(RecipientKind.OPERATOR)
    if local == BOUNCE_LOCAL:
        return Recipient(RecipientKind.BOUNCE)
    if local.startswith(BOUNCE_LOCAL + "+"):
        row = local.removeprefix(BOUNCE_LOCAL + "+")
        return Recipient(RecipientKind.BOUNCE, ledger_id=int(row) if row.isdigit() else None)
    if "+" in local:
        slug, _, token = local.partition("+")
        return Recipient(RecipientKind.REPLY, slug=slug, token=token) if slug else None
    if local.endswith("-host"):
        return Recipient(RecipientKind.HOST, slug=local.removesuffix("-host"))
    return Recipient(RecipientKind.LIST, slug=local)


def mailbox(address: str) -> str:
    """The person behind an address: lower-cased, without a "+tag" (anne+lists@ is anne@)."""
    local, _, host = address.lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{host}"


def sender_matches(member_address: str, sender: str) -> bool:
    """Same mailbox, ignoring case and a "+tag" (anne+lists@ is anne@)."""
    return bool(sender) and mailbox(member_address) == mailbox(sender)
