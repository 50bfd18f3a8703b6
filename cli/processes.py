"""`kith dev | smtp | worker | scheduler`: the processes a deployment runs."""

from __future__ import annotations

import sys

import click

from .base import Context, configure_logging, main, pass_ctx, quiet_logs


@main.command()
@click.option("--burst", is_flag=True, help="Quit when the queues are empty.")
@pass_ctx
def worker(ctx: Context, burst: bool) -> None:
    """Run an RQ worker on Kith's queues (retries are driven by the ledger's sweeper)."""
    from rq import Worker

    from jobs import queues

    configure_logging()
    conn = queues.connection(ctx.settings)
    w = Worker([queues.queue(ctx.settings, name) for name in queues.ALL_QUEUES], connection=conn)
    w.work(burst=burst, logging_level="WARNING" if quiet_logs() else "INFO")


@main.command()
@pass_ctx
def scheduler(ctx: Context) -> None:
    """Run RQ's cron scheduler with the registrations in jobs/cron.py."""
    from rq.cron import CronScheduler

    from jobs import queues
    from jobs.cron import register_all

    configure_logging()
    level = "WARNING" if quiet_logs() else "INFO"
    cron = CronScheduler(connection=queues.connection(ctx.settings), logging_level=level)
    register_all(cron, ctx.settings)
    cron.start()


@main.command()
@pass_ctx
def smtp(ctx: Context) -> None:
    """Run the inbound SMTP server."""
    from mail.inbound.server import main as serve

    configure_logging()
    serve(ctx.settings)


@main.command()
@click.option("--no-demo", is_flag=True, help="Do not create the demo community.")
@click.option("--verbose", is_flag=True, help="Every process's full log, requests included.")
@pass_ctx
def dev(ctx: Context, no_demo: bool, verbose: bool) -> None:
    """Run web, SMTP, worker and scheduler together on the embedded defaults."""
    from .devserver import run_dev

    sys.exit(run_dev(ctx.settings, demo=not no_demo, verbose=verbose))
