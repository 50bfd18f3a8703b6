"""DNS for authentication checks and `kith doctor`: one resolver, set by KITH_NAMESERVER."""

from __future__ import annotations

from collections.abc import Callable

import dns.exception
import dns.resolver
import dns.reversename

from community.settings import Settings

LIFETIME = 5.0  # seconds for one lookup, retries included


def make_resolver(nameserver: str = "") -> dns.resolver.Resolver:
    """The system's resolver, or the server given as `host` or `host:port`."""
    if not nameserver:
        resolver = dns.resolver.Resolver()
    else:
        host, _, port = (
            nameserver.rpartition(":")
            if nameserver.count(":") == 1
            else (
                nameserver,
                "",
                "",
            )
        )
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host or nameserver]
        resolver.port = int(port) if port else 53
    resolver.lifetime = LIFETIME
    return resolver


def install(settings: Settings) -> dns.resolver.Resolver:
    """Make the configured resolver dnspython's default, which libraries built on it
    (pyspf) use, and return it."""
    resolver = make_resolver(settings.nameserver)
    dns.resolver.default_resolver = resolver
    return resolver


def txt(resolver: dns.resolver.Resolver, name: str) -> list[str]:
    """The TXT records at `name`, each one's strings joined (RFC 7208 3.3); [] if none."""
    try:
        answer = resolver.resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    return [b"".join(r.strings).decode("utf-8", "replace") for r in answer]


def names(resolver: dns.resolver.Resolver, name: str, rdtype: str) -> list[str]:
    try:
        answer = resolver.resolve(name, rdtype)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    return [r.to_text() for r in answer]


def ptr(resolver: dns.resolver.Resolver, ip: str) -> list[str]:
    return names(resolver, dns.reversename.from_address(ip).to_text(), "PTR")


def dkim_lookup(resolver: dns.resolver.Resolver) -> Callable[..., bytes | None]:
    """A `dnsfunc` for dkimpy (verify, arc_verify): the key record's text or None."""

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        try:
            found = txt(resolver, name.decode("ascii").rstrip("."))
        except dns.exception.DNSException:
            return None
        return found[0].encode("utf-8") if found else None

    return lookup
