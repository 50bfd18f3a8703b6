"""Small helpers for repeated actions in tests."""

from __future__ import annotations

import contextlib
import re
from email.message import EmailMessage

from sqlalchemy import select

from community.models import Member, OutboundMessage

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
URL_RE = re.compile(r"https?://[^\s<>\"']+")


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def links_in(msg: EmailMessage) -> list[str]:
    text = msg.get_body(("plain",)).get_content()
    return URL_RE.findall(text)


def link_to(msg: EmailMessage, path_part: str) -> str:
    found = [u for u in links_in(msg) if path_part in u]
    assert found, f"no {path_part} link in mail {msg['Subject']!r}"
    return found[0]


class Signup:
    """Drive the join form with the Flask test client, as a person would."""

    def __init__(self, client, slug: str = "circle") -> None:
        self.client = client
        self.slug = slug

    def page(self):
        return self.client.get(f"/c/{self.slug}")

    def join(self, email: str, name: str = "", **extra):
        token = csrf_from(self.page().get_data(as_text=True))
        data = {"email": email, "name": name, "csrf_token": token, **extra}
        return self.client.post(f"/c/{self.slug}/join", data=data)

    def follow(self, url: str, button: bool = True):
        """Open a link from a mail; press the page's button when it has one."""
        path = url.split("://", 1)[1].split("/", 1)[1]
        page = self.client.get("/" + path)
        if not button or page.status_code != 200:
            return page
        return self.client.post(
            "/" + path, data={"csrf_token": csrf_from(page.get_data(as_text=True))}
        )


def mails_to(relay, to: str, words: str) -> list[EmailMessage]:
    """What the relay got for `to` alone with `words` in the subject, oldest first."""
    return [r.message for r in relay.received if r.rcpt_tos == [to] and words in r.subject]


def member(session, address: str) -> Member:
    session.expire_all()
    found = session.scalar(select(Member).where(Member.address == address))
    assert found is not None
    session.commit()  # end the read: on SQLite an open transaction holds the write lock
    return found


def ledger(session, **where) -> list[OutboundMessage]:
    session.expire_all()
    query = select(OutboundMessage).order_by(OutboundMessage.id)
    for key, value in where.items():
        query = query.where(getattr(OutboundMessage, key) == value)
    rows = list(session.scalars(query))
    session.commit()
    return rows


def fresh(session, model, ident):
    """Reload one row and end the read transaction."""
    session.expire_all()
    row = session.get(model, ident)
    session.commit()
    return row


def kill_process_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants, as a crashing machine would.

    RQ's work horse runs in its own session, so killing the worker's process group
    would leave the horse running.
    """
    import psutil

    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    victims = [*parent.children(recursive=True), parent]
    for proc in victims:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(victims, timeout=10)


def kith_env(settings, **extra: str) -> dict[str, str]:
    """Environment for a `kith` subprocess sharing this test's database, Redis and keys."""
    import os

    return {
        **os.environ,
        "DATABASE_URL": settings.effective_database_url,
        "REDIS_URL": settings.redis_url,
        "KITH_DATA_DIR": settings.data_dir,
        "SECRET_KEY": settings.secret_key,
        "KITH_DOMAIN": settings.domain,
        "KITH_BASE_URL": settings.base_url,
        **extra,
    }


def run_kith(settings, *args: str, real_process: bool = False, **extra: str):
    """Run a `kith` command against this test's database, Redis and keys.

    In this process by default (the same code, without an interpreter's start-up);
    `real_process=True` runs `python -m cli` for what only a process shows (exit at
    start, signals, what is left on disk).
    """
    import subprocess
    import sys

    if real_process:
        return subprocess.run(
            [sys.executable, "-m", "cli", *args],
            env=kith_env(settings, **extra),
            capture_output=True,
            text=True,
            timeout=120,
        )
    from click.testing import CliRunner

    from cli import main

    result = CliRunner().invoke(main, list(args), env=kith_env(settings, **extra))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(
        ["kith", *args], result.exit_code, result.stdout, result.stderr
    )


def start_worker(settings, **extra: str):
    """A real, forking `kith worker` in its own session (stop it with kill_process_tree)."""
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "cli", "worker"],
        env=kith_env(settings, **extra),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def uow(session, now=None, domain: str = "kith.example"):
    """A unit of work around a session a test holds (its mail is left for the sweeper,
    as an entry point's would be until it commits and dispatches)."""
    from datetime import UTC, datetime

    from community.uow import UnitOfWork

    return UnitOfWork(session, now if now is not None else datetime.now(UTC), domain)


def noon(day):
    """A moment on that day (UTC), for use cases that act on the unit's date."""
    from datetime import UTC, datetime, time

    return datetime.combine(day, time(12), UTC)
