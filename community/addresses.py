"""Email address rules: validation, normalisation and the addresses Kith answers to."""

from __future__ import annotations

from email.utils import formataddr

from email_validator import EmailNotValidError, validate_email

from .errors import InvalidAddress


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
