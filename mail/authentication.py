"""Who really sent a message: the trace header at intake, DKIM and SPF results in the
processing job, and the ARC seal on the copies Kith relays (RFC 5321 4.4, 7208,
6376, 8601, 8617).

The SMTP hook only writes one Received line (it must answer fast and store before
250); the DNS work happens later, in the job, through KITH_NAMESERVER's resolver.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

import dkim
import dns.exception

from community.settings import Settings

from .outbound.signing import DkimKey
from .resolver import dkim_lookup, install

TRACE_MARK = "(Kith)"
_TRACE = re.compile(
    rb"\AReceived: from (?P<helo>\S+) \(\[(?P<ip>[0-9A-Fa-f:.]+)\]\)\r?\n?[ \t]*by (?P<by>\S+) "
    + re.escape(TRACE_MARK.encode())
)
_SIG = re.compile(rb"^dkim-signature:", re.I | re.M)


def trace_header(
    helo: str, ip: str, domain: str, *, esmtp: bool, tls: bool, utf8: bool, now: datetime
) -> bytes:
    """The Received line our SMTP server puts on top of what it stores (RFC 5321 4.4)."""
    helo = re.sub(r"[^\x21-\x7e]", "", helo)[:255] or "unknown"
    ip = re.sub(r"[^0-9A-Fa-f:.]", "", ip)[:45] or "0.0.0.0"
    protocol = ("UTF8SMTP" if utf8 else "ESMTP" if esmtp else "SMTP") + ("S" if tls else "")
    return (
        f"Received: from {helo} ([{ip}])\r\n\tby {domain} {TRACE_MARK} with {protocol};"
        f" {format_datetime(now)}\r\n"
    ).encode("ascii")


def trace_of(raw: bytes, domain: str) -> tuple[str, str] | None:
    """(HELO name, client address) from our own Received line, the message's first."""
    found = _TRACE.match(raw)
    if found is None or found["by"].decode("ascii", "replace").lower() != domain.lower():
        return None
    return found["helo"].decode("ascii"), found["ip"].decode("ascii")


def without_trace(raw: bytes, domain: str) -> bytes:
    """The message exactly as the client sent it: `raw` less our own trace line."""
    if trace_of(raw, domain) is None:
        return raw
    _, _, rest = raw.partition(b"\r\n")
    while rest[:1] in (b" ", b"\t"):
        _, _, rest = rest.partition(b"\r\n")
    return rest


@dataclass(frozen=True)
class Results:
    dkim: tuple[tuple[str, str], ...]  # (result, signing domain) per signature
    spf: str
    mail_from: str
    helo: str

    def header_value(self, authserv_id: str) -> str:
        """RFC 8601 Authentication-Results value, after `authserv-id;`."""
        parts = [f"dkim={r} header.d={d}" for r, d in self.dkim] or ["dkim=none"]
        source = f"smtp.mailfrom={self.mail_from}" if self.mail_from else f"smtp.helo={self.helo}"
        parts.append(f"spf={self.spf} {source}")
        return f"{authserv_id}; " + ";\r\n\t".join(parts)


def authenticate(settings: Settings, raw: bytes, mail_from: str) -> Results | None:
    """Verify the message's DKIM signatures and the envelope's SPF. None when the
    message did not come through our SMTP server (no trace line of ours)."""
    trace = trace_of(raw, settings.domain)
    if trace is None:
        return None
    helo, ip = trace
    resolver = install(settings)
    return Results(_dkim(raw, dkim_lookup(resolver)), _spf(ip, mail_from, helo), mail_from, helo)


def _dkim(raw: bytes, lookup) -> tuple[tuple[str, str], ...]:
    count = len(_SIG.findall(raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]))
    results = []
    for idx in range(min(count, 5)):
        checker = dkim.DKIM(raw)
        try:
            ok = checker.verify(idx=idx, dnsfunc=lookup)
        except Exception:  # dkimpy raises on malformed signatures; that is a fail
            ok = False
        domain = (checker.domain or b"").decode("ascii", "replace") or "unknown"
        results.append(("pass" if ok else "fail", re.sub(r"[^\w.\-]", "", domain)))
    return tuple(results)


def _spf(ip: str, mail_from: str, helo: str) -> str:
    import spf

    sender = mail_from if "@" in mail_from else f"postmaster@{helo}"
    try:
        result, _explanation = spf.check2(i=ip, s=sender, h=helo, timeout=10)
    except (dns.exception.DNSException, OSError):
        return "temperror"
    return str(result)


def arc_seal(key: DkimKey, data: bytes, authserv_id: str, results: str) -> bytes:
    """ARC set i=1 on a relayed copy (RFC 8617): what we found when the member's mail
    arrived, signed by us, so a receiver can trust it after our From rewrite."""
    ar = f"Authentication-Results: {results}\r\n".encode()
    if not results.startswith(f"{authserv_id};"):
        raise ValueError("results are not ours")
    seal = dkim.arc_sign(
        ar + data,
        key.selector.encode("ascii"),
        key.domain.encode("ascii"),
        key.private_pem,
        authserv_id.encode("ascii"),
    )
    return b"".join(seal) + data
