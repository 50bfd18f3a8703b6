"""`kith clock`: the development clock that `kith dev` and its processes share."""

from __future__ import annotations

from datetime import timedelta

import click

from community.clock import Clock, parse_duration

from .base import Context, fail, main, pass_ctx


def _dev_clock(ctx: Context) -> Clock:
    settings = ctx.settings
    if not settings.captures_mail and not settings.dev_clock:
        # A relay means real people get the mail: moving time would send it early.
        fail("the development clock is for local use (no relay, or KITH_DEV_CLOCK=1)")
    return Clock(settings.clock_offset_file)


@main.group()
def clock() -> None:
    """Move the development clock (every process on this data folder follows it)."""


@clock.command("show")
@pass_ctx
def clock_show(ctx: Context) -> None:
    """Print the time Kith acts on, and the offset from real time."""
    c = _dev_clock(ctx)
    click.echo(f"{c.now():%Y-%m-%d %H:%M:%S} UTC (offset {c.offset()})")


@clock.command("advance")
@click.argument("duration")
@pass_ctx
def clock_advance(ctx: Context, duration: str) -> None:
    """Move time forward, e.g. `kith clock advance 1d` or `12h`."""
    try:
        step = parse_duration(duration)
    except ValueError as exc:
        fail(str(exc))
    c = _dev_clock(ctx)
    c.set_offset(c.offset() + step)
    click.echo(f"Now {c.now():%Y-%m-%d %H:%M} UTC (offset {c.offset()})")


@clock.command("reset")
@pass_ctx
def clock_reset(ctx: Context) -> None:
    """Go back to real time."""
    _dev_clock(ctx).set_offset(timedelta(0))
    click.echo("Clock reset to real time.")
