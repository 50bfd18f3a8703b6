"""DKIM (dkimpy) on the community domain: the key, the DNS record, the signature.

Receivers require SPF or DKIM aligned with From (Gmail, Yahoo, Apple) and RFC 8058
one-click needs List-Unsubscribe covered by a signature, so every message is signed
with d= the mail domain, relaxed/relaxed, over the headers a reader relies on.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from community.settings import Settings

# RFC 6376 5.4.1's list, less what relays rewrite, plus the list headers (RFC 8058 3).
SIGNED_HEADERS = (
    b"from",
    b"to",
    b"cc",
    b"reply-to",
    b"subject",
    b"date",
    b"message-id",
    b"in-reply-to",
    b"references",
    b"list-id",
    b"list-help",
    b"list-owner",
    b"list-post",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"auto-submitted",
    b"mime-version",
    b"content-type",
)
CANONICALIZE = (b"relaxed", b"relaxed")
KEY_BITS = 2048

# dkimpy does the RSA step in pure Python (two 1024-bit pow() calls, ~7 ms here: more
# than building a whole digest copy). For the keys loaded below, OpenSSL (through
# `cryptography`) computes the same PKCS#1 v1.5 signature in a fraction of that; any
# other key or hash goes through dkimpy's own code. Tests verify with dkimpy.
_DKIMPY_RSA_SIGN = dkim.RSASSA_PKCS1_v1_5_sign
_OPENSSL_KEYS: dict[int, rsa.RSAPrivateKey] = {}


def _rsa_sign(hash: object, private_key: dict) -> bytes:
    key = _OPENSSL_KEYS.get(private_key.get("modulus", 0))
    if key is None or getattr(hash, "name", "") != "sha256":
        return _DKIMPY_RSA_SIGN(hash, private_key)
    digest = hash.digest()  # type: ignore[attr-defined]
    return key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))


dkim.RSASSA_PKCS1_v1_5_sign = _rsa_sign


@dataclass(frozen=True)
class DkimKey:
    selector: str
    domain: str
    private_pem: bytes  # RFC 8017 RSAPrivateKey (PKCS#1), what dkimpy reads
    public_der: bytes  # SubjectPublicKeyInfo, what the DNS record publishes

    def dns_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    def dns_value(self) -> str:
        """The TXT record's text (RFC 6376 3.6.1)."""
        return f"v=DKIM1; k=rsa; p={base64.b64encode(self.public_der).decode('ascii')}"


def default_key_path(settings: Settings) -> Path:
    return settings.data_path / "dkim" / f"{settings.dkim_selector}.private.pem"


def key_path(settings: Settings) -> Path:
    return Path(settings.dkim_key) if settings.dkim_key else default_key_path(settings)


def generate_key(path: Path, *, overwrite: bool = False) -> None:
    """Write a new RSA key, readable by its owner only. Refuses to replace a key
    unless asked: receivers check against the published record."""
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass --force to replace it")
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.replace(tmp, path)
    _load.cache_clear()


def load_key(settings: Settings) -> DkimKey | None:
    """The configured key, or None when there is none (mail then goes unsigned)."""
    path = key_path(settings)
    try:
        stat = path.stat()
    except FileNotFoundError:
        if settings.dkim_key:
            raise
        return None
    return _load(str(path), stat.st_mtime_ns, settings.dkim_selector, settings.domain)


@lru_cache(maxsize=4)
def _load(path: str, _mtime: int, selector: str, domain: str) -> DkimKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path}: DKIM needs an RSA key")
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _OPENSSL_KEYS[key.private_numbers().public_numbers.n] = key
    return DkimKey(selector, domain.lower(), pem, der)


def signed_headers(head: bytes) -> list[bytes]:
    """The fields of SIGNED_HEADERS this message has, From twice so none can be added."""
    present = set()
    for line in head.split(b"\r\n"):
        if line and line[:1] not in b" \t":
            present.add(line.split(b":", 1)[0].strip().lower())
    return [h for h in SIGNED_HEADERS if h in present] + [b"from"]


def sign_with(key: DkimKey, data: bytes) -> bytes:
    head = data.split(b"\r\n\r\n", 1)[0]
    signature = dkim.sign(
        data,
        key.selector.encode("ascii"),
        key.domain.encode("ascii"),
        key.private_pem,
        canonicalize=CANONICALIZE,
        include_headers=signed_headers(head),
    )
    return signature + data


def sign(settings: Settings, data: bytes) -> bytes:
    """`data` with a DKIM-Signature on top, or as it is when no key is configured."""
    key = load_key(settings)
    return sign_with(key, data) if key is not None else data
