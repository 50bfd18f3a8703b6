"""`kith dev`: every process on one machine, on embedded defaults, until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import click

from community import communities
from community.db import make_engine, make_session_factory
from community.links import community_url
from community.schema import upgrade
from community.settings import Settings
from community.uow import UnitFactory
from jobs.queues import redis_url, stop_embedded_redis

from .base import QUIET

DEMO_SLUG = "demo"
COLOURS = {"web": "cyan", "smtp": "magenta", "worker": "yellow", "scheduler": "green"}


def ensure_demo_community(settings: Settings) -> str | None:
    """Create a demo community on an empty database so there is something to join;
    the demo's slug, made now or on an earlier start, or None when there is none."""
    engine = make_engine(settings.effective_database_url)
    units = UnitFactory(make_session_factory(engine), settings.clock(), settings.domain)
    try:
        with units.open() as uow:
            found = communities.list_communities(uow.session)
            if found:
                return DEMO_SLUG if any(c.slug == DEMO_SLUG for c in found) else None
            communities.create_community(
                uow,
                slug=DEMO_SLUG,
                name="Demo Circle",
                host_address="host@example.com",
                host_name="Hana Host",
                description=(
                    "A small accountability circle to try Kith with.\n"
                    "Each week we share one commitment and check in on it together."
                ),
                capacity=12,
            )
            return DEMO_SLUG
    finally:
        engine.dispose()


def _pump(name: str, stream) -> None:
    prefix = click.style(f"{name:>9} |", fg=COLOURS.get(name))
    for line in iter(stream.readline, b""):
        click.echo(f"{prefix} {line.decode(errors='replace').rstrip()}")


def run_dev(settings: Settings, demo: bool = True, verbose: bool = False) -> int:
    settings.data_path.mkdir(parents=True, exist_ok=True)
    upgrade(make_engine(settings.effective_database_url))
    demo_slug = ensure_demo_community(settings) if demo else None
    # This process owns the embedded Redis; children connect to its socket.
    queue_url = redis_url(settings)

    web = urlsplit(settings.base_url)
    bind = f"{web.hostname or '127.0.0.1'}:{web.port or 5000}"
    env = {
        **os.environ,
        "REDIS_URL": queue_url,
        "DATABASE_URL": settings.effective_database_url,
        "KITH_DATA_DIR": str(settings.data_path),
        "SECRET_KEY": settings.secret_key,
        "KITH_DEV_CLOCK": "1",  # `kith clock advance` moves every process together
        "PYTHONUNBUFFERED": "1",
    }
    if not verbose:
        env[QUIET] = "1"
    kith = [sys.executable, "-m", "cli"]
    commands = {
        "web": [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            bind,
            "--workers",
            "2",
            # Gunicorn's control socket defaults to one path in the home folder, shared
            # by every gunicorn of that user: a second Kith would take over the first's.
            "--no-control-socket",
            *(["--access-logfile", "-"] if verbose else ["--log-level", "warning"]),
            "web:create_app()",
        ],
        "smtp": [*kith, "smtp"],
        "worker": [*kith, "worker"],
        "scheduler": [*kith, "scheduler"],
    }
    procs: dict[str, subprocess.Popen] = {}
    for name, cmd in commands.items():
        # Own session: Ctrl-C reaches only us, and we stop the children in order.
        procs[name] = subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        threading.Thread(target=_pump, args=(name, procs[name].stdout), daemon=True).start()

    click.secho("\nKith is running on embedded defaults:", bold=True)
    click.echo(f"  web site       {settings.base_url}/")
    if demo_slug:
        click.echo(f"  demo community {community_url(settings.base_url, demo_slug)}")
    if settings.captures_mail:
        click.echo(f"  outbox (mail)  {settings.base_url}/_outbox/")
    click.echo(f"  inbound SMTP   {settings.inbound_host}:{settings.inbound_port}")
    click.echo(f"  data folder    {settings.data_path}")
    click.echo("  fast-forward   kith clock advance 1d   (in another terminal)")
    click.echo("Press Ctrl-C to stop." + ("" if verbose else " (--verbose: every log line)") + "\n")

    stopping = False

    def _stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    exit_code = 0
    while not stopping:
        for name, proc in procs.items():
            if proc.poll() is not None:
                click.secho(f"{name} exited with code {proc.returncode}; stopping.", fg="red")
                exit_code, stopping = 1, True
                break
        time.sleep(0.2)

    click.echo("Stopping...")
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    stop_embedded_redis()
    click.echo("Stopped.")
    return exit_code
