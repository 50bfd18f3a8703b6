"""`kith session` and `kith host`: the live session in calendars, the host's report."""

from __future__ import annotations

import csv
import sys
from datetime import date

import click

from community import communities, health, live_sessions
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


@main.group("host")
def host_group() -> None:
    """What the host sees of the circle."""


@host_group.command("report")
@click.argument("slug")
@click.option("--weeks", default=8, show_default=True, type=click.IntRange(1, 104))
@click.option("--csv", "as_csv", is_flag=True, help="One row per member and week, as CSV.")
@pass_ctx
def host_report(ctx: Context, slug: str, weeks: int, as_csv: bool) -> None:
    """Posts, replies, commitments and check-ins per member and week (the figures of
    the health section in the host's digest preview)."""
    try:
        with ctx.units.open(read_only=True) as uow:
            c = communities.get_community(uow.session, slug)
            report = health.host_report(uow.session, c, uow.now, weeks)
            now_health = health.host_health(uow.session, c, uow.now)
    except CommunityError as exc:
        fail(str(exc))
    if as_csv:
        _report_csv(report)
        return
    click.echo(f"{c.name}: the last {weeks} week(s), {c.timezone} time")
    click.echo(
        f"{'week':<9} {'members':>7} {'wrote':>5} {'rate':>5} {'posts':>5} "
        f"{'replies':>7} {'committed':>9} {'checked in':>10}"
    )
    for f in report.figures:
        click.echo(
            f"{f.week:<9} {f.members:>7} {f.writers:>5} {f.reply_rate:>4}% {f.posts:>5} "
            f"{f.replies:>7} {f.commitments:>9} {f.checkins:>10}"
        )
    click.echo("")
    click.echo(f"{'member':<24} " + " ".join(f"{w[-3:]:>4}" for w in report.weeks))
    by_member: dict[int, dict[str, health.MemberWeek]] = {}
    names: dict[int, str] = {}
    for row in report.rows:
        by_member.setdefault(row.member_id, {})[row.week] = row
        names[row.member_id] = row.name
    for member_id, cells in by_member.items():
        marks = " ".join(f"{_mark(cells.get(w)):>4}" for w in report.weeks)
        click.echo(f"{names[member_id][:24]:<24} {marks}")
    click.echo("  P post, R reply, C commitment, K check-in, . nothing, blank: not a member yet")
    quiet = ", ".join(f"{q.name} ({q.weeks} weeks)" for q in now_health.quiet) or "nobody"
    click.echo(f"Quiet for {now_health.quiet_weeks}+ weeks: {quiet}")
    click.echo(f"Unanswered for 2+ days: {len(now_health.unanswered)}")
    click.echo(f"Delivery stopped by bounces: {len(now_health.bouncing)}")
    click.echo(f"Waitlist: {now_health.waitlist}")


def _mark(row: health.MemberWeek | None) -> str:
    if row is None:
        return ""
    marks = ("P" if row.posts else "") + ("R" if row.replies else "")
    marks += ("C" if row.committed else "") + ("K" if row.checked_in else "")
    return marks or "."


def _report_csv(report: health.HostReport) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(
        ["week", "member", "address", "posts", "replies", "committed", "checked_in", "active"]
    )
    for r in sorted(report.rows, key=lambda r: (r.week, r.member_id)):
        out.writerow(
            [
                r.week,
                r.name,
                r.address,
                r.posts,
                r.replies,
                int(r.committed),
                int(r.checked_in),
                int(r.active),
            ]
        )


@main.command("pairs")
@click.argument("slug")
@click.option("--every", type=int, help="New pairs every N weeks (1: each round).")
@click.option("--off", is_flag=True, help="Stop pairing members.")
@pass_ctx
def pairs(ctx: Context, slug: str, every: int | None, off: bool) -> None:
    """Accountability buddies: turn them on or off, or show this week's pairs."""
    from community import buddies
    from community.schedule import week_of

    try:
        with ctx.units.open() as uow:
            c = communities.get_community(uow.session, slug)
            if off or every is not None:
                buddies.configure(uow, c, 0 if off else every or 0)
            current = buddies.every_weeks(uow.session, c)
            groups = buddies.week_groups(uow.session, c, week_of(uow.now, c.timezone))
    except CommunityError as exc:
        fail(str(exc))
    if current:
        click.echo(f"{slug}: new pairs every {current} week(s), made with the prompt")
    else:
        click.echo(f"{slug}: pairs off")
    for g in groups:
        names = " & ".join(m.name_or_address for m in g.members)
        click.echo(f"  {names}  ({'talked' if g.talked else 'not yet'}, since {g.week})")


@main.command("hotseat")
@click.argument("slug")
@click.option("--on/--off", "on", default=None, help="Run the hot seat rotation, or stop it.")
@click.option("--seat", "address", help="Put this member in a week's seat (a swap).")
@click.option("--week", help="ISO week for --seat (default: this week).")
@pass_ctx
def hotseat(
    ctx: Context, slug: str, on: bool | None, address: str | None, week: str | None
) -> None:
    """The hot seat: one member a week asks the group for help; their question opens
    the digest."""
    from community import hot_seats, members
    from community.models import Member
    from community.schedule import week_of

    try:
        with ctx.units.open() as uow:
            c = communities.get_community(uow.session, slug)
            if on is not None:
                hot_seats.configure(uow, c, on)
            week = week or week_of(uow.now, c.timezone)
            if address:
                hot_seats.assign(uow, c, week, members.get_member(uow.session, c, address))
            running = hot_seats.enabled(uow.session, c)
            seat = hot_seats.seat_of(uow.session, c, week)
            who = uow.session.get(Member, seat.member_id) if seat else None
    except CommunityError as exc:
        fail(str(exc))
    click.echo(f"{slug}: hot seat {'on' if running else 'off'}")
    if who is not None:
        state = (
            "answered" if seat and seat.focus else "asked" if seat and seat.asked_at else "seated"
        )
        click.echo(f"  {week}: {who.name_or_address} ({state})")


@main.group("season")
def season_group() -> None:
    """Seasons: a cohort between two dates, alumni afterwards."""


def _date(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{what} {text!r}: give the date as YYYY-MM-DD")


@season_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help='What members call it, e.g. "Spring 2026".')
@click.option("--start", "start", required=True, help="First day, YYYY-MM-DD (local).")
@click.option("--end", "end", required=True, help="Last day, YYYY-MM-DD (local).")
@click.option("--applications-from", help="First day join requests go to you, YYYY-MM-DD.")
@click.option("--applications-until", help="Last day of the application period.")
@click.option(
    "--alumni-post/--no-alumni-post", default=False, help="Alumni may still post (default: no)."
)
@pass_ctx
def season_create(
    ctx: Context,
    slug: str,
    name: str,
    start: str,
    end: str,
    applications_from: str | None,
    applications_until: str | None,
    alumni_post: bool,
) -> None:
    """Announce a season: members (and alumni, with a re-enrol link) hear when it starts."""
    from community import seasons

    starts_on, ends_on = _date(start, "--start"), _date(end, "--end")
    assert starts_on is not None and ends_on is not None
    try:
        with ctx.units.open() as uow:
            c = communities.get_community(uow.session, slug)
            s = seasons.create(
                uow,
                c,
                name=name,
                starts_on=starts_on,
                ends_on=ends_on,
                applications_from=_date(applications_from, "--applications-from"),
                applications_until=_date(applications_until, "--applications-until"),
                alumni_can_post=alumni_post,
            )
            season_id = s.id
    except CommunityError as exc:
        fail(str(exc))
    click.echo(f"{slug}: season {season_id} {name!r} {starts_on} – {ends_on}")


@season_group.command("list")
@click.argument("slug")
@pass_ctx
def season_list(ctx: Context, slug: str) -> None:
    """Every season, with where it stands today."""
    from community import seasons

    try:
        with ctx.units.open(read_only=True) as uow:
            c = communities.get_community(uow.session, slug)
            on = seasons.today(c, uow.now)
            rows = [
                (
                    s.name,
                    s.starts_on,
                    s.ends_on,
                    seasons.phase(s, on),
                    s.applications_from,
                    s.applications_until,
                )
                for s in seasons.all_seasons(uow.session, c)
            ]
    except CommunityError as exc:
        fail(str(exc))
    if not rows:
        click.echo(f"{slug}: no seasons (the weekly loop runs all year)")
    for name, start, end, where, app_from, app_until in rows:
        applying = f", applications {app_from} – {app_until}" if app_from else ""
        click.echo(f"{name}: {start} – {end} [{where}]{applying}")


@season_group.command("end")
@click.argument("slug")
@pass_ctx
def season_end(ctx: Context, slug: str) -> None:
    """End the running season today: the closing digest, then alumni mode."""
    from community import seasons

    try:
        with ctx.units.open() as uow:
            c = communities.get_community(uow.session, slug)
            s = seasons.end_now(uow, c)
            name = s.name
    except CommunityError as exc:
        fail(str(exc))
    click.echo(f"{slug}: {name} ended; closing digest queued, members are alumni")
