"""Every setting Kith reads, with its default and a line of help."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clock import Clock

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _setting(env: str, default: Any, help: str) -> Any:
    return field(default=default, metadata={"env": env, "help": help})


@dataclass(frozen=True)
class Settings:
    """Twelve-factor configuration; empty strings mean "use the embedded default"."""

    data_dir: str = _setting(
        "KITH_DATA_DIR", "data", "Folder for the embedded SQLite file, Redis and outbox."
    )
    database_url: str = _setting(
        "DATABASE_URL", "", "SQLAlchemy URL; empty means SQLite in the data folder."
    )
    sqlite_synchronous: str = _setting(
        "KITH_SQLITE_SYNCHRONOUS",
        "full",
        "SQLite only: full syncs each commit to disk (power-loss safe); normal survives "
        "process crashes only, and stores inbound mail several times faster.",
    )
    redis_url: str = _setting(
        "REDIS_URL", "", "Redis URL for queues and rate limits; empty starts an embedded Redis."
    )
    secret_key: str = _setting(
        "SECRET_KEY", "", "Signs links and CSRF tokens; empty makes one in the data folder."
    )
    domain: str = _setting("KITH_DOMAIN", "kith.localhost", "Mail domain: lists are SLUG@domain.")
    base_url: str = _setting(
        "KITH_BASE_URL", "http://127.0.0.1:5000", "Public URL of the web site, used in links."
    )
    smtp_url: str = _setting(
        "KITH_SMTP_URL",
        "",
        "Outbound relay: smtp://host:25, smtp+starttls://user:pass@host:587 or "
        "smtps://user:pass@host:465; empty captures mail to the local outbox.",
    )
    smtp_timeout: float = _setting("KITH_SMTP_TIMEOUT", 30.0, "Seconds before a relay call fails.")
    helo_name: str = _setting(
        "KITH_HELO_NAME",
        "",
        "Name Kith gives in EHLO to the relay (its host's name, matching reverse DNS); "
        "empty uses KITH_DOMAIN.",
    )
    dkim_key: str = _setting(
        "KITH_DKIM_KEY",
        "",
        "PEM RSA private key that signs outbound mail (DKIM, ARC); empty uses the key "
        "`kith dkim generate` made in the data folder, if any.",
    )
    dkim_selector: str = _setting(
        "KITH_DKIM_SELECTOR", "kith", "DKIM selector: the key is published at SELECTOR._domainkey."
    )
    attachment_max_bytes: int = _setting(
        "KITH_ATTACHMENT_MAX_BYTES",
        10 * 1024 * 1024,
        "Attachments passed on with a post or host forward, in all; larger ones are "
        "replaced by a line saying what was left out.",
    )
    nameserver: str = _setting(
        "KITH_NAMESERVER",
        "",
        "DNS server (host or host:port) for SPF and DKIM checks and `kith doctor`; "
        "empty uses the system's resolver.",
    )
    inbound_host: str = _setting("KITH_INBOUND_HOST", "127.0.0.1", "Address the SMTP server binds.")
    inbound_port: int = _setting("KITH_INBOUND_PORT", 2525, "Port the SMTP server listens on.")
    inbound_max_bytes: int = _setting(
        "KITH_INBOUND_MAX_BYTES", 25 * 1024 * 1024, "Largest inbound message accepted."
    )
    inbound_store_timeout: float = _setting(
        "KITH_INBOUND_STORE_TIMEOUT",
        5.0,
        "Seconds the SMTP server waits for the database before answering 451 (try later).",
    )
    operator_address: str = _setting(
        "KITH_OPERATOR_ADDRESS",
        "",
        "Where mail to postmaster@ and abuse@ is forwarded; empty keeps it in the database.",
    )
    tls_cert: str = _setting("KITH_TLS_CERT", "", "PEM certificate enabling STARTTLS inbound.")
    tls_key: str = _setting("KITH_TLS_KEY", "", "PEM private key for KITH_TLS_CERT.")
    trusted_proxies: int = _setting(
        "KITH_TRUSTED_PROXIES", 0, "Reverse proxies in front of the web process (for client IPs)."
    )
    confirm_hours: int = _setting(
        "KITH_CONFIRM_HOURS", 72, "How long a confirmation link stays valid."
    )
    archive_link_hours: int = _setting(
        "KITH_ARCHIVE_LINK_HOURS", 168, "How long a link that opens the archive stays valid."
    )
    archive_session_days: int = _setting(
        "KITH_ARCHIVE_SESSION_DAYS", 30, "How long a browser stays signed in to an archive."
    )
    join_rate_per_ip: str = _setting(
        "KITH_JOIN_RATE_PER_IP", "10 per hour", "Join form submissions allowed per client IP."
    )
    join_mails_per_address: int = _setting(
        "KITH_JOIN_MAILS_PER_ADDRESS", 3, "Confirmation mails sent to one address per hour."
    )
    send_max_attempts: int = _setting(
        "KITH_SEND_MAX_ATTEMPTS", 6, "Tries per outbound message before it is marked failed."
    )
    send_batch_size: int = _setting(
        "KITH_SEND_BATCH_SIZE", 50, "Ledger rows one delivery job sends over one connection."
    )
    dev_outbox_page: bool = _setting(
        "KITH_DEV_OUTBOX_PAGE",
        True,
        "Serve /_outbox listing captured mail (only when no relay is configured).",
    )
    dev_clock: bool = _setting(
        "KITH_DEV_CLOCK",
        False,
        "Honour `kith clock advance` (a time offset in the data folder); set by `kith dev`.",
    )
    schedule_grace_hours: int = _setting(
        "KITH_SCHEDULE_GRACE_HOURS",
        24,
        "Scheduled work missed while the scheduler was down is still done this long after.",
    )
    scheduler_tick_seconds: int = _setting(
        "KITH_SCHEDULER_TICK_SECONDS",
        60,
        "How often the scheduler looks for due work.",
    )
    sweep_seconds: int = _setting(
        "KITH_SWEEP_SECONDS",
        15,
        "How often the sweepers hand out due retries and the work of jobs or workers that died.",
    )
    digest_batch: int = _setting(
        "KITH_DIGEST_BATCH", 50, "Communities whose digests one job assembles and sends."
    )
    templates_dir: str = _setting(
        "KITH_TEMPLATES_DIR", "", "Folder of web and email templates; empty uses the bundled one."
    )

    # -- derived values -------------------------------------------------------
    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve()

    @property
    def outbox_path(self) -> Path:
        return self.data_path / "outbox"

    @property
    def captures_mail(self) -> bool:
        return not self.smtp_url

    @property
    def templates_path(self) -> Path:
        return Path(self.templates_dir) if self.templates_dir else PROJECT_ROOT / "templates"

    @property
    def effective_database_url(self) -> str:
        url = self.database_url or f"sqlite:///{self.data_path / 'kith.db'}"
        # Platforms hand out postgres:// URLs; we ship the psycopg 3 driver.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url

    @property
    def clock_offset_file(self) -> Path:
        return self.data_path / "clock-offset"

    def clock(self) -> Clock:
        """The one clock of a process. The development offset is honoured when
        KITH_DEV_CLOCK is set or `kith clock advance` left one in the data folder, so
        a command typed next to `kith dev` sees the same time as its processes."""
        from .clock import Clock

        offset = self.clock_offset_file
        return Clock(offset if self.dev_clock or offset.exists() else None)

    def bounce_address(self) -> str:
        """Envelope sender of everything we send; bounces come back here."""
        return f"bounces@{self.domain}"


def documented_settings() -> list[tuple[str, Any, str]]:
    """(environment variable, default, help) for every setting, in declaration order."""
    return [(f.metadata["env"], f.default, f.metadata["help"]) for f in fields(Settings)]


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings from the environment, then apply keyword overrides (tests use these).

    An empty SECRET_KEY is replaced by a random key kept in the data folder, so links
    survive restarts on a development machine without anyone configuring one.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = environ.get(f.metadata["env"])
        if raw is not None and raw != "":
            values[f.name] = _coerce(raw, f.default)
    values.update(overrides)
    settings = Settings(**values)
    if not settings.secret_key:
        settings = replace(settings, secret_key=_local_secret(settings.data_path))
    return settings


def _local_secret(data_path: Path) -> str:
    path = data_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_path.mkdir(parents=True, exist_ok=True)
    # Write aside, then link into place: link fails if another process won the race,
    # and nobody ever reads a half-written key.
    tmp = data_path / f".secret_key.{os.getpid()}"
    tmp.write_text(secrets.token_urlsafe(48))
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()
