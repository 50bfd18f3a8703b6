"""`kith round` and `kith digest`: this week's accountability round and digest."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from community import communities, rounds, schedule
from community.errors import CommunityError
from community.schedule import Unit, week_of

from .base import Context, fail, main, pass_ctx

if TYPE_CHECKING:
    from jobs.runtime import Runtime


@main.group("round")
def round_group() -> None:
    """This week's accountability round."""


@round_group.command("status")
@click.argument("slug")
@click.option("--week", help="ISO week like 2026-W10 (default: this week).")
@pass_ctx
def round_status(ctx: Context, slug: str, week: str | None) -> None:
    """Who committed to what, and who has checked in."""
    try:
        with ctx.units.open(read_only=True) as uow:
            c = communities.get_community(uow.session, slug)
            week = week or week_of(uow.now, c.timezone)
            rnd = rounds.get_round(uow.session, c, week)
            plan = schedule.week_plan(c, week)
            click.echo(f"{c.name} — {week} ({'paused' if c.loop_paused else 'running'})")
            for unit in (Unit.PROMPT, Unit.CHECKIN):
                sent = getattr(rnd, f"{unit.value}_sent_at", None) if rnd else None
                state = "sent" if sent else "not yet"
                click.echo(f"  {unit.value:<8} {schedule.describe(c, plan[unit])}  [{state}]")
            if rnd is None:
                click.echo("  No round yet this week; it starts with the prompt.")
            elif rnd.status.value == "skipped":
                click.echo("  Skipped by the host.")
            streak = rounds.streaks(uow.session, c, rnd) if rnd else {}
            entries = rounds.commitments_by_member(uow.session, rnd) if rnd else {}
            for m in rounds.participants(uow.session, c):
                entry = entries.get(m.id)
                text = (entry.text if entry else "") or "—"
                result = entry.result.value if entry and entry.result else "no answer"
                click.echo(
                    f"  {m.name_or_address:<24} {result:<10} streak {streak.get(m.id, 0):<3}"
                    f" {text[:60]}"
                )
    except CommunityError as exc:
        fail(str(exc))


@round_group.command("skip")
@click.argument("slug")
@click.option("--week", help="ISO week (default: this week).")
@pass_ctx
def round_skip(ctx: Context, slug: str, week: str | None) -> None:
    """Skip a week's prompt and check-in."""
    try:
        with ctx.units.open() as uow:
            c = communities.get_community(uow.session, slug)
            week = week or week_of(uow.now, c.timezone)
            rounds.skip_week(uow, c, week)
    except CommunityError as exc:
        fail(str(exc))
    click.echo(f"{slug}: {week} skipped")


@main.group()
def digest() -> None:
    """Preview or send a community's weekly digest."""


def _runtime(ctx: Context) -> Runtime:
    """The jobs' runtime, on this command's settings (and so its clock)."""
    from jobs import runtime as job_runtime

    return job_runtime.configure(ctx.settings)


@digest.command("preview")
@click.argument("slug")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the HTML to this file.")
@click.option("--text", "as_text", is_flag=True, help="Print the plain-text version.")
@pass_ctx
def digest_preview(ctx: Context, slug: str, out: str | None, as_text: bool) -> None:
    """Render this week's digest as the host would get it (nothing is sent or saved)."""
    from jobs.digests import preview_digest

    try:
        preview = preview_digest(_runtime(ctx), slug)
    except CommunityError as exc:
        fail(str(exc))
    if out:
        Path(out).write_text(preview.html, encoding="utf-8")
        click.echo(f"Wrote {out} ({len(preview.html):,} bytes). Subject: {preview.subject}")
    if as_text or not out:
        click.echo(preview.text)


@digest.command("send")
@click.argument("slug")
@click.option(
    "--now",
    "right_now",
    is_flag=True,
    required=True,
    help="Send this week's digest now instead of at its scheduled time.",
)
@pass_ctx
def digest_send(ctx: Context, slug: str, right_now: bool) -> None:
    """Assemble and send this week's digest now (once: a second run does nothing)."""
    from community.digests import recipients
    from jobs.digests import send_digests_with

    rt = _runtime(ctx)
    try:
        with rt.units.open(read_only=True) as uow:
            c = communities.get_community(uow.session, slug)
            week, count = week_of(uow.now, c.timezone), len(recipients(uow.session, c))
    except CommunityError as exc:
        fail(str(exc))
    with click.progressbar(length=count, label=f"Sending {slug} {week}", file=sys.stderr) as bar:
        counts = send_digests_with(rt, [(c.id, week)], progress=bar.update)
    outcome = next(k for k in counts if k != "copies sent")
    click.echo(f"{slug} {week}: {outcome}")
