"""`kith round` and `kith digest`: this week's accountability round and digest."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from community import communities, rounds, schedule
from community.errors import CommunityError
from community.models import Community, DeliveryStatus, Member, MemberStatus, Round
from community.schedule import Unit, parse_week, week_of

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
            week = parse_week(week) if week else week_of(uow.now, c.timezone)
            rnd = rounds.get_round(uow.session, c, week)
            plan = schedule.week_plan(c, week)
            click.echo(f"{c.name} — {week} ({'paused' if c.loop_paused else 'running'})")
            for unit in (Unit.PROMPT, Unit.CHECKIN):
                sent = getattr(rnd, f"{unit.value}_sent_at", None) if rnd else None
                state = _step_state(sent, plan[unit], uow.now, c.created_at)
                click.echo(f"  {unit.value:<8} {schedule.describe(c, plan[unit])}  [{state}]")
            if rnd is None:
                click.echo("  No round this week; it starts with the prompt.")
            elif rnd.status.value == "skipped":
                click.echo("  Skipped by the host.")
            for line in _round_rows(uow.session, c, rnd):
                click.echo(line)
    except CommunityError as exc:
        fail(str(exc))


def _step_state(sent: datetime | None, due: datetime, now: datetime, began: datetime) -> str:
    if sent is not None:
        return "sent"
    if due > now:
        return "not yet"
    return "not sent: before the circle began" if due < began else "not sent"


def _round_rows(session: Session, c: Community, rnd: Round | None) -> list[str]:
    """One line per person in the round: everyone it asks now, and whoever answered
    (even if they paused or left since)."""
    from mail.outbound.digest import result_label

    streak = rounds.streaks(session, c, rnd) if rnd else {}
    entries = rounds.commitments_by_member(session, rnd) if rnd else {}
    people = {m.id: m for m in rounds.participants(session, c)}
    people.update({m.id: m for m in session.scalars(select(Member).where(Member.id.in_(entries)))})
    lines = []
    for m in sorted(people.values(), key=lambda m: m.id):
        entry = entries.get(m.id)
        result = "no_commitment" if entry is None else (entry.result or "no_answer")
        where = ""
        if m.status != MemberStatus.ACTIVE:
            where = " (left)"
        elif m.delivery_status == DeliveryStatus.PAUSED:
            where = " (paused)"
        text = (entry.text if entry else "") or "—"
        lines.append(
            f"  {m.name_or_address + where:<24} {result_label(str(result)):<16}"
            f" streak {streak.get(m.id, 0):<3} {text[:60]}"
        )
    return lines


@round_group.command("skip")
@click.argument("slug")
@click.option("--week", help="ISO week (default: this week).")
@pass_ctx
def round_skip(ctx: Context, slug: str, week: str | None) -> None:
    """Skip a week's prompt and check-in."""
    try:
        with ctx.units.open() as uow:
            c = communities.get_community(uow.session, slug)
            week = parse_week(week) if week else week_of(uow.now, c.timezone)
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
