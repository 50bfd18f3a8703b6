"""`kith db`, `kith community`, `kith configure`, `kith loop`: a community's setup."""

from __future__ import annotations

import click

from community import communities, schedule
from community.communities import Rhythm
from community.errors import CommunityError
from community.links import community_url
from community.models import JoinPolicy

from .base import Context, fail, main, pass_ctx


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Apply all migrations (safe to run again)."""
    from community.db import make_engine
    from community.schema import upgrade

    upgrade(make_engine(ctx.settings.effective_database_url))
    click.echo("Database is up to date.")


@main.group()
def community() -> None:
    """Create and list communities."""


@community.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Name shown to members.")
@click.option("--host", "host", required=True, help="The host's email address.")
@click.option("--host-name", default="", help="The host's display name.")
@click.option("--description", default="", help="What the group is for.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA timezone name.")
@click.option("--capacity", default=30, show_default=True, type=int, help="Seats.")
@click.option("--approval", is_flag=True, help="The host approves each join request.")
@pass_ctx
def community_create(
    ctx: Context,
    slug: str,
    name: str,
    host: str,
    host_name: str,
    description: str,
    timezone: str,
    capacity: int,
    approval: bool,
) -> None:
    """Create a community whose host is its first member."""
    try:
        with ctx.units.open() as uow:
            created = communities.create_community(
                uow,
                slug=slug,
                name=name,
                host_address=host,
                host_name=host_name,
                description=description,
                timezone=timezone,
                capacity=capacity,
                join_policy=JoinPolicy.APPROVAL if approval else JoinPolicy.OPEN,
            )
    except CommunityError as exc:
        fail(str(exc))
    click.echo(f"Created {created.slug}: {community_url(ctx.settings.base_url, created.slug)}")


@community.command("list")
@pass_ctx
def community_list(ctx: Context) -> None:
    """List communities with their seats."""
    with ctx.units.open(read_only=True) as uow:
        rows = communities.list_communities(uow.session)
        if not rows:
            click.echo("No communities yet. Create one with: kith community create SLUG ...")
            return
        for c in rows:
            taken = communities.seats_taken(uow.session, c)
            waiting = communities.waitlist_length(uow.session, c)
            click.echo(
                f"{c.slug:<20} {taken:>3}/{c.capacity:<3} seats  {waiting:>2} waiting  "
                f"{c.join_policy.value:<8} {c.name}"
            )


@main.command("configure")
@click.argument("slug")
@click.option("--commitment-question", help="The weekly prompt's question.")
@click.option("--checkin-question", help="The check-in's question.")
@click.option("--prompt", "prompt_at", help="When the prompt goes out, e.g. 'mon 08:00'.")
@click.option("--checkin", "checkin_at", help="When the check-in goes out, e.g. 'fri 16:00'.")
@click.option("--digest", "digest_at", help="When the digest goes out, e.g. 'sun 17:00'.")
@click.option("--reminder-hours", type=int, help="Hours before a nudge (1-96).")
@click.option("--preview-hours", type=int, help="Hours the host preview comes ahead (0: none).")
@click.option(
    "--quiet-digest/--no-quiet-digest",
    default=None,
    help="Send a short digest in a quiet week, or none.",
)
@click.option(
    "--host-takes-part/--host-stays-out",
    default=None,
    help="Whether the host is in the round (prompts, check-ins, streak).",
)
@click.option(
    "--partly-counts/--partly-breaks",
    default=None,
    help="Whether a 'partly' keeps a streak going.",
)
@pass_ctx
def configure(
    ctx: Context,
    slug: str,
    commitment_question: str | None,
    checkin_question: str | None,
    prompt_at: str | None,
    checkin_at: str | None,
    digest_at: str | None,
    reminder_hours: int | None,
    preview_hours: int | None,
    quiet_digest: bool | None,
    host_takes_part: bool | None,
    partly_counts: bool | None,
) -> None:
    """Change a community's questions and weekly schedule (in its own timezone)."""
    changes = Rhythm(
        commitment_question,
        checkin_question,
        prompt_at,
        checkin_at,
        digest_at,
        reminder_hours,
        preview_hours,
        quiet_digest,
        host_takes_part=host_takes_part,
        partly_counts=partly_counts,
    )
    try:
        with ctx.units.open() as uow:
            c = communities.configure(communities.get_community(uow.session, slug), changes)
            plan = schedule.next_occurrences(c, uow.now)
            lines = [
                f"{u.value:<17} {schedule.describe(c, at)} ({c.timezone})"
                for u, at in sorted(plan.items(), key=lambda kv: kv[1])
            ]
    except CommunityError as exc:
        fail(str(exc))
    click.echo("\n".join(lines))


@main.group()
def loop() -> None:
    """Pause or resume a community's accountability loop."""


def _set_paused(ctx: Context, slug: str, paused: bool) -> None:
    try:
        with ctx.units.open() as uow:
            c = communities.get_community(uow.session, slug)
            communities.configure(c, Rhythm(loop_paused=paused))
    except CommunityError as exc:
        fail(str(exc))
    click.echo(f"{slug}: loop {'paused' if paused else 'running'}")


@loop.command("pause")
@click.argument("slug")
@pass_ctx
def loop_pause(ctx: Context, slug: str) -> None:
    """No prompts or check-ins until resumed (digests go on)."""
    _set_paused(ctx, slug, True)


@loop.command("resume")
@click.argument("slug")
@pass_ctx
def loop_resume(ctx: Context, slug: str) -> None:
    """Prompts and check-ins start again with the next one due."""
    _set_paused(ctx, slug, False)
