"""`kith doctor`: what receivers will look up about this deployment, and what to publish.

MX (members' mail reaches `kith smtp`), SPF and DKIM (Gmail, Yahoo and Apple want one
aligned with From, bulk senders both), DMARC, reverse DNS of the sending address, and
TLS on the relay. Each check says what it found and, when something is missing or
wrong, the exact record to publish.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from dataclasses import dataclass
from typing import Literal

import dns.exception
import dns.resolver

from community.settings import Settings

from .outbound.send import RelayConfig
from .outbound.signing import DkimKey, key_path, load_key
from .resolver import install, names, ptr, txt

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    publish: str = ""  # a zone-file line to add or replace


def txt_record(name: str, value: str) -> str:
    """A TXT record in zone-file syntax, split into strings of at most 255 octets
    (RFC 1035 3.3.14; a 2048-bit DKIM key does not fit in one)."""
    chunks = [value[i : i + 255] for i in range(0, len(value), 255)] or [""]
    return f"{name}. IN TXT ( {' '.join(f'{chr(34)}{c}{chr(34)}' for c in chunks)} )"


def run_checks(settings: Settings, *, sending_ip: str | None = None) -> list[Check]:
    resolver = install(settings)
    checks = []
    for check in (_mx, _spf, _dkim, _dmarc):
        try:
            checks.append(check(settings, resolver, sending_ip))
        except dns.exception.DNSException as exc:
            checks.append(Check(check.__name__.strip("_"), "fail", f"DNS lookup failed: {exc}"))
    checks.append(_reverse_dns(settings, resolver, sending_ip))
    checks.append(_relay_tls(settings))
    return checks


def report(checks: list[Check], settings: Settings) -> str:
    lines = [f"Kith doctor for {settings.domain}", ""]
    for c in checks:
        lines.append(f"[{c.status:^4}] {c.name:<5} {c.detail}")
    publish = [c.publish for c in checks if c.publish and c.status != "ok"]
    if publish:
        lines += ["", "Publish these records (zone-file syntax):", *publish]
    elif any(c.status == "fail" for c in checks):
        lines += ["", "Fix the failures above, then run `kith doctor` again."]
    else:
        lines += ["", "Nothing to publish."]
    return "\n".join(lines)


def _mx(settings: Settings, resolver: dns.resolver.Resolver, _ip: str | None) -> Check:
    found = names(resolver, settings.domain, "MX")
    target = settings.helo_name or f"mail.{settings.domain}"
    record = f"{settings.domain}. IN MX 10 {target}."
    if not found:
        return Check("mx", "fail", "no MX: members' mail cannot reach `kith smtp`", record)
    return Check("mx", "ok", ", ".join(sorted(found)))


def _spf(settings: Settings, resolver: dns.resolver.Resolver, ip: str | None) -> Check:
    records = [t for t in txt(resolver, settings.domain) if t.lower().startswith("v=spf1")]
    mechanism = f"ip{6 if ip and ':' in ip else 4}:{ip}" if ip else "mx"
    record = txt_record(settings.domain, f"v=spf1 {mechanism} ~all")
    if not records:
        return Check("spf", "fail", "no SPF record", record)
    if len(records) > 1:
        return Check("spf", "fail", f"{len(records)} SPF records (RFC 7208 4.5: permerror)")
    if ip is None:
        return Check("spf", "ok", f"{records[0]} (pass --sending-ip to test an address)")
    import spf

    result, explanation = spf.check2(i=ip, s=f"bounces@{settings.domain}", h=settings.domain)
    if result == "pass":
        return Check("spf", "ok", f"{records[0]}: {ip} passes")
    return Check("spf", "fail", f"{records[0]}: {ip} gives {result} ({explanation})", record)


def _dkim(settings: Settings, resolver: dns.resolver.Resolver, _ip: str | None) -> Check:
    key = load_key(settings)
    if key is None:
        return Check("dkim", "fail", f"no key at {key_path(settings)}: run `kith dkim generate`")
    record = txt_record(key.dns_name(), key.dns_value())
    published = [t for t in txt(resolver, key.dns_name()) if "p=" in t]
    if not published:
        return Check("dkim", "fail", f"no record at {key.dns_name()}", record)
    if _public_key(published[0]) != key.public_der:
        return Check("dkim", "fail", f"{key.dns_name()} publishes another key", record)
    return Check("dkim", "ok", f"{key.dns_name()} matches the signing key")


def _public_key(record: str) -> bytes:
    tags = dict((k.strip(), v.strip()) for k, _, v in (t.partition("=") for t in record.split(";")))
    try:
        return base64.b64decode("".join(tags.get("p", "").split()))
    except ValueError:
        return b""


def _dmarc(settings: Settings, resolver: dns.resolver.Resolver, _ip: str | None) -> Check:
    name = f"_dmarc.{settings.domain}"
    found = [t for t in txt(resolver, name) if t.lower().startswith("v=dmarc1")]
    record = txt_record(name, f"v=DMARC1; p=none; rua=mailto:postmaster@{settings.domain}")
    if not found:
        return Check("dmarc", "fail", f"no DMARC record at {name}", record)
    return Check("dmarc", "ok", found[0])


def _reverse_dns(settings: Settings, resolver: dns.resolver.Resolver, ip: str | None) -> Check:
    if ip is None:
        return Check("rdns", "warn", "sending address unknown: pass --sending-ip to check")
    try:
        found = [n.rstrip(".") for n in ptr(resolver, ip)]
        confirmed = [n for n in found if ip in names(resolver, n, "AAAA" if ":" in ip else "A")]
    except dns.exception.DNSException as exc:
        return Check("rdns", "fail", f"DNS lookup failed: {exc}")
    helo = settings.helo_name or settings.domain
    wanted = f"PTR {ip} -> {helo} (ask whoever runs that address), and {helo}. IN A {ip}"
    if not confirmed:
        what = f"{ip} has no PTR" if not found else f"{', '.join(found)} does not resolve to {ip}"
        return Check("rdns", "fail", what, wanted)
    if helo not in confirmed:
        return Check("rdns", "warn", f"{ip} is {confirmed[0]}; set KITH_HELO_NAME to it")
    return Check("rdns", "ok", f"{ip} is {helo}, and back")


def _relay_tls(settings: Settings) -> Check:
    if not settings.smtp_url:
        return Check("tls", "warn", "no relay: mail is captured in the local outbox")
    cfg = RelayConfig.from_url(settings.smtp_url, min(settings.smtp_timeout, 10.0))
    where = f"{cfg.host}:{cfg.port}"
    try:
        if cfg.security == "tls":
            with smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout):
                return Check("tls", "ok", f"{where}: TLS, certificate verified")
        with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout) as conn:
            conn.ehlo(settings.helo_name or settings.domain)
            if not conn.has_extn("starttls"):
                return Check("tls", "warn", f"{where} offers no STARTTLS: mail crosses in clear")
            try:
                conn.starttls(context=ssl.create_default_context())
            except ssl.SSLError as exc:
                status: Status = "fail" if cfg.security == "starttls" else "warn"
                return Check("tls", status, f"{where}: STARTTLS certificate not trusted ({exc})")
            return Check("tls", "ok", f"{where}: STARTTLS, certificate verified")
    except (OSError, smtplib.SMTPException) as exc:
        return Check("tls", "fail", f"cannot reach relay {where}: {exc}")


__all__ = ["Check", "DkimKey", "report", "run_checks", "txt_record"]
