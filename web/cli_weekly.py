"""`kith digest|round|loop|clock|community set`: the host's weekly rhythm commands."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
from sqlalchemy import select

from community import communities, digests, rounds, schedule
from community.clock import parse_duration
from community.db import transaction
from community.errors import CommunityError
from community.models import Commitment, Member, Role
from community.schedule import WEEKDAYS, Unit, week_of

from .cli import Context, fail, main, pass_ctx

_WHEN = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+(\d{1,2})(?::00)?$", re.I)


def _when(text: str) -> tuple[int, int]:
    """ "mon 08:00" -> (0, 8). Hours only: the schedule runs on the hour."""
    match = _WHEN.match(text.strip())
    if not match or int(match.group(2)) > 23:
        raise click.BadParameter(f"{text!r}: use a weekday and an hour, like 'mon 08:00'")
    return [d[:3].lower() for d in WEEKDAYS].index(match.group(1)[:3].lower()), int(match.group(2))


def _now(ctx: Context):
    return ctx.settings.clock().now()


# -- community settings -------------------------------------------------------------


@main.command("configure")
@click.argument("slug")
@click.option("--commitment-question", help="The weekly prompt's question.")
@click.option("--checkin-question", help="The check-in's question.")
@click.option("--prompt", "prompt_at", help="When the prompt goes out, e.g. 'mon 08:00'.")
@click.option("--checkin", "checkin_at", help="When the check-in goes out, e.g. 'fri 16:00'.")
@click.option("--digest", "digest_at", help="When the digest goes out, e.g. 'sun 17:00'.")
@click.option("--reminder-hours", type=click.IntRange(1, 96), help="Delay before a nudge.")
@click.option("--preview-hours", type=click.IntRange(0, 72), help="Host preview lead (0: none).")
@click.option(
    "--quiet-digest/--no-quiet-digest",
    default=None,
    help="Send a short digest in a quiet week, or none.",
)
@pass_ctx
def configure(
    ctx,
    slug,
    commitment_question,
    checkin_question,
    prompt_at,
    checkin_at,
    digest_at,
    reminder_hours,
    preview_hours,
    quiet_digest,
) -> None:
    """Change a community's questions and weekly schedule (its own timezone)."""
    try:
        with transaction(ctx.sessions()) as session:
            c = communities.get_community(session, slug)
            if commitment_question:
                c.commitment_question = commitment_question.strip()
            if checkin_question:
                c.checkin_question = checkin_question.strip()
            if prompt_at:
                c.prompt_weekday, c.prompt_hour = _when(prompt_at)
            if checkin_at:
                c.checkin_weekday, c.checkin_hour = _when(checkin_at)
            if digest_at:
                c.digest_weekday, c.digest_hour = _when(digest_at)
            if reminder_hours is not None:
                c.reminder_delay_hours = reminder_hours
            if preview_hours is not None:
                c.preview_hours = preview_hours
            if quiet_digest is not None:
                c.digest_when_quiet = quiet_digest
            plan = schedule.next_occurrences(c, _now(ctx))
            lines = [
                f"{u.value:<17} {schedule.describe(c, at)} ({c.timezone})"
                for u, at in sorted(plan.items(), key=lambda kv: kv[1])
            ]
    except CommunityError as exc:
        fail(str(exc), 2)
    click.echo("\n".join(lines))


# -- the loop -----------------------------------------------------------------------


@main.group()
def loop() -> None:
    """Pause or resume a community's accountability loop."""


def _set_paused(ctx, slug, paused: bool) -> None:
    try:
        with transaction(ctx.sessions()) as session:
            communities.get_community(session, slug).loop_paused = paused
    except CommunityError as exc:
        fail(str(exc), 2)
    click.echo(f"{slug}: loop {'paused' if paused else 'running'}")


@loop.command("pause")
@click.argument("slug")
@pass_ctx
def loop_pause(ctx, slug) -> None:
    """No prompts or check-ins until resumed (digests go on)."""
    _set_paused(ctx, slug, True)


@loop.command("resume")
@click.argument("slug")
@pass_ctx
def loop_resume(ctx, slug) -> None:
    _set_paused(ctx, slug, False)


@main.group("round")
def round_group() -> None:
    """This week's accountability round."""


@round_group.command("status")
@click.argument("slug")
@click.option("--week", help="ISO week like 2026-W10 (default: this week).")
@pass_ctx
def round_status(ctx, slug, week) -> None:
    """Who committed to what, and who has checked in."""
    try:
        with transaction(ctx.sessions()) as session:
            c = communities.get_community(session, slug)
            week = week or week_of(_now(ctx), c.timezone)
            rnd = rounds.get_round(session, c, week)
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
            streak = rounds.streaks(session, c, rnd) if rnd else {}
            entries = (
                {
                    x.member_id: x
                    for x in session.scalars(
                        select(Commitment).where(Commitment.round_id == rnd.id)
                    )
                }
                if rnd
                else {}
            )
            for m in rounds.participants(session, c):
                entry = entries.get(m.id)
                text = (entry.text if entry else "") or "—"
                result = entry.result.value if entry and entry.result else "no answer"
                click.echo(
                    f"  {m.name_or_address:<24} {result:<10} streak {streak.get(m.id, 0):<3}"
                    f" {text[:60]}"
                )
    except CommunityError as exc:
        fail(str(exc), 2)


@round_group.command("skip")
@click.argument("slug")
@click.option("--week", help="ISO week (default: this week).")
@pass_ctx
def round_skip(ctx, slug, week) -> None:
    """Skip a week's prompt and check-in."""
    try:
        with transaction(ctx.sessions()) as session:
            c = communities.get_community(session, slug)
            week = week or week_of(_now(ctx), c.timezone)
            rounds.skip_week(session, c, week, _now(ctx))
    except CommunityError as exc:
        fail(str(exc), 2)
    click.echo(f"{slug}: {week} skipped")


# -- digests --------------------------------------------------------------------------


@main.group()
def digest() -> None:
    """Preview or send a community's weekly digest."""


@digest.command("preview")
@click.argument("slug")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the HTML to this file.")
@click.option("--text", "as_text", is_flag=True, help="Print the plain-text version.")
@pass_ctx
def digest_preview(ctx, slug, out, as_text) -> None:
    """Render this week's digest as the host would get it (nothing is sent or saved)."""
    from mail.outbound.digest import personalise, render_digest

    settings = ctx.settings
    session = ctx.sessions()()
    try:
        c = communities.get_community(session, slug)
        run = digests.start_digest(session, c, week_of(_now(ctx), c.timezone), _now(ctx))
        content = digests.build_digest(session, c, run, _now(ctx))
        rendered = render_digest(
            settings.templates_path,
            c,
            content,
            base_url=settings.base_url,
            domain=settings.domain,
            preview=True,
        )
        host = session.scalar(
            select(Member).where(Member.community_id == c.id, Member.role == Role.HOST)
        )
        html, text = personalise(
            rendered,
            name=host.name_or_address if host else "host",
            preferences_url=f"{settings.base_url}/preferences/preview",
            unsubscribe_url=f"{settings.base_url}/unsubscribe/preview",
            reply_addresses={},
        )
    except CommunityError as exc:
        fail(str(exc), 2)
    finally:
        session.rollback()  # a preview changes nothing
        session.close()
    if out:
        Path(out).write_text(html, encoding="utf-8")
        click.echo(f"Wrote {out} ({len(html):,} bytes). Subject: {rendered.subject}")
    if as_text or not out:
        click.echo(text)


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
def digest_send(ctx, slug, right_now) -> None:
    """Assemble and send this week's digest now (once: a second run does nothing)."""
    from jobs import runtime as job_runtime
    from jobs.digests import send_digests_with

    rt = job_runtime.configure(ctx.settings)
    try:
        with transaction(rt.sessions) as session:
            c = communities.get_community(session, slug)
            week, count = week_of(_now(ctx), c.timezone), len(digests.recipients(session, c))
    except CommunityError as exc:
        fail(str(exc), 2)
    with click.progressbar(length=count, label=f"Sending {slug} {week}", file=sys.stderr) as bar:
        counts = send_digests_with(rt, [(c.id, week)], progress=bar.update)
    outcome = next(k for k in counts if k != "copies sent")
    click.echo(f"{slug} {week}: {outcome}")


# -- the development clock ------------------------------------------------------------


@main.group()
def clock() -> None:
    """Move the development clock (honoured by processes started with `kith dev`)."""


@clock.command("show")
@pass_ctx
def clock_show(ctx) -> None:
    from dataclasses import replace

    c = replace(ctx.settings, dev_clock=True).clock()
    click.echo(f"{c.now():%Y-%m-%d %H:%M:%S} UTC (offset {c.offset()})")


@clock.command("advance")
@click.argument("duration")
@pass_ctx
def clock_advance(ctx, duration) -> None:
    """Move time forward, e.g. `kith clock advance 1d` or `12h`."""
    from dataclasses import replace

    try:
        step = parse_duration(duration)
    except ValueError as exc:
        fail(str(exc), 2)
    c = replace(ctx.settings, dev_clock=True).clock()
    c.set_offset(c.offset() + step)
    click.echo(f"Now {c.now():%Y-%m-%d %H:%M} UTC (offset {c.offset()})")


@clock.command("reset")
@pass_ctx
def clock_reset(ctx) -> None:
    from dataclasses import replace
    from datetime import timedelta

    replace(ctx.settings, dev_clock=True).clock().set_offset(timedelta(0))
    click.echo("Clock reset to real time.")
