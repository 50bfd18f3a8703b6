"""What every `kith` command shares: its context (settings, units of work) and errors."""

from __future__ import annotations

import sys
from functools import cached_property
from typing import NoReturn

import click

from community.clock import Clock
from community.db import engine_from, make_session_factory
from community.settings import Settings, load_settings
from community.uow import UnitFactory


class Context:
    """Built lazily, so `kith --help` reads no settings and touches no data folder."""

    @cached_property
    def settings(self) -> Settings:
        return load_settings()

    @cached_property
    def clock(self) -> Clock:
        return self.settings.clock()

    @cached_property
    def units(self) -> UnitFactory:
        """Units of work whose queued mail goes to the workers after the commit."""
        from jobs.queues import enqueue_delivery

        settings = self.settings
        return UnitFactory(
            make_session_factory(engine_from(settings)),
            self.clock,
            settings.domain,
            lambda ids: enqueue_delivery(settings, ids),
        )


pass_ctx = click.make_pass_decorator(Context, ensure=True)

# `kith dev` sets this for its children unless --verbose: each then logs what happened
# (a mail sent, a message filed) and leaves out the libraries' routine chatter.
QUIET = "KITH_QUIET_LOGS"
CHATTY = ("rq", "mail.log")  # RQ's job-by-job lines, aiosmtpd's connection lines


def quiet_logs() -> bool:
    import os

    return os.environ.get(QUIET) == "1"


def configure_logging() -> None:
    """One line per event: "%(name)s %(message)s" with the time in front."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if quiet_logs():
        for name in CHATTY:
            logging.getLogger(name).setLevel(logging.WARNING)


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr and the exit code; 2 is bad input, as the README says."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Kith: email-first micro-communities."""
