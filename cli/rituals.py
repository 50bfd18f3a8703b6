"""`kith session`: a community's recurring live session, in everyone's calendar."""

from __future__ import annotations

from datetime import date

import click

from community import communities, live_sessions
from community.errors import CommunityError
from community.live_sessions import SessionSpec
from community.models import SessionCadence
from community.schedule import describe

from .base import Context, fail, main, pass_ctx


@main.group("session")
def session_group() -> None:
    """A community's recurring live session (members get calendar invitations)."""


@session_group.command("set")
@click.argument("slug")
@click.argument("when", required=False)
@click.option("--url", "join_url", help="The join link (https://...).")
@click.option("--weekly", "cadence", flag_value=SessionCadence.WEEKLY.value, help="Every week.")
@click.option(
    "--biweekly", "cadence", flag_value=SessionCadence.BIWEEKLY.value, help="Every other week."
)
@click.option("--duration", type=int, help="Minutes (default 60).")
@click.option("--title", help='What calendars call it (default "Live session").')
@click.option("--from", "first", help="Date of the first session, YYYY-MM-DD.")
@pass_ctx
def session_set(
    ctx: Context,
    slug: str,
    when: str | None,
    join_url: str | None,
    cadence: str | None,
    duration: int | None,
    title: str | None,
    first: str | None,
) -> None:
    """Create or change the session: WHEN is a weekday and local time, like 'tue 18:30'.

    Every member gets an invitation, or an update when it changes."""
    try:
        day = hour = minute = None
        if when is not None:
            day, hour, minute = live_sessions.parse_when(when)
        try:
            first_date = date.fromisoformat(first) if first else None
        except ValueError:
            raise live_sessions.InvalidSession(f"{first!r}: give the date as YYYY-MM-DD") from None
        spec = SessionSpec(
            weekday=day if day is not None else (first_date.weekday() if first_date else None),
            hour=hour,
            minute=minute,
            cadence=SessionCadence(cadence) if cadence else None,
            duration_minutes=duration,
            join_url=join_url,
            title=title,
            first_date=first_date,
        )
        with ctx.units.open() as uow:
            c = communities.get_community(uow.session, slug)
            outcome = live_sessions.set_session(uow, c, spec)
            facts = live_sessions.facts(outcome.session)
            nxt = describe(c, live_sessions.next_start(facts, c.timezone, uow.now))
    except CommunityError as exc:
        fail(str(exc))
    if not outcome.changed:
        click.echo(f"{slug}: session unchanged ({facts.describe()})")
        return
    what = "created" if outcome.created else f"updated (sequence {facts.sequence})"
    click.echo(f"{slug}: session {what}: {facts.describe()}, {c.timezone} time")
    click.echo(f"  next: {nxt}")
    click.echo(f"  invitations queued: {outcome.invited}")


@session_group.command("clear")
@click.argument("slug")
@pass_ctx
def session_clear(ctx: Context, slug: str) -> None:
    """Cancel the session in every member's calendar."""
    try:
        with ctx.units.open() as uow:
            c = communities.get_community(uow.session, slug)
            told = live_sessions.clear_session(uow, c)
    except CommunityError as exc:
        fail(str(exc))
    click.echo(f"{slug}: session cancelled; {told} cancellation(s) queued")


@session_group.command("show")
@click.argument("slug")
@pass_ctx
def session_show(ctx: Context, slug: str) -> None:
    """The session, its next date, and its calendar identity."""
    try:
        with ctx.units.open(read_only=True) as uow:
            c = communities.get_community(uow.session, slug)
            found = live_sessions.get_session(uow.session, c)
            if found is None:
                click.echo(f"{slug}: no live session")
                return
            facts = live_sessions.facts(found)
            nxt = describe(c, live_sessions.next_start(facts, c.timezone, uow.now))
    except CommunityError as exc:
        fail(str(exc))
    click.echo(f"{facts.title}: {facts.describe()}, {c.timezone} time")
    click.echo(f"  next: {nxt}")
    click.echo(f"  join: {facts.join_url}")
    click.echo(f"  uid {facts.uid}, sequence {facts.sequence}")
