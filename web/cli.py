"""The `kith` command: host administration and the process entry points.

It is the outermost layer, so it may import every package; nothing imports it.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from sqlalchemy.orm import Session

from community import communities, members, outbox
from community.db import engine_from, make_engine, make_session_factory, transaction
from community.errors import CommunityError
from community.models import JoinPolicy, MemberStatus
from community.schema import upgrade
from community.settings import Settings, load_settings


class Context:
    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._sessions = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    def sessions(self):
        if self._sessions is None:
            self._sessions = make_session_factory(engine_from(self.settings))
        return self._sessions

    def dispatch(self, session: Session) -> None:
        """After commit: give queued mail to the workers (the sweeper backs this up)."""
        from jobs.queues import enqueue_delivery

        enqueue_delivery(self.settings, [row.id for row in outbox.new_rows(session)])


pass_ctx = click.make_pass_decorator(Context, ensure=True)


def now() -> datetime:
    return datetime.now(UTC)


def fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@click.group()
def main() -> None:
    """Kith: email-first micro-communities."""


# -- database -------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Apply all migrations (safe to run again)."""
    upgrade(make_engine(ctx.settings.effective_database_url))
    click.echo("Database is up to date.")


# -- communities ---------------------------------------------------------------


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
def community_create(ctx, slug, name, host, host_name, description, timezone, capacity, approval):
    """Create a community whose host is its first member."""
    try:
        with transaction(ctx.sessions()) as session:
            created = communities.create_community(
                session,
                slug=slug,
                name=name,
                host_address=host,
                host_name=host_name,
                description=description,
                timezone=timezone,
                capacity=capacity,
                join_policy=JoinPolicy.APPROVAL if approval else JoinPolicy.OPEN,
                now=now(),
            )
    except CommunityError as exc:
        fail(str(exc), 2)
    from community.links import community_url

    click.echo(f"Created {created.slug}: {community_url(ctx.settings.base_url, created.slug)}")


@community.command("list")
@pass_ctx
def community_list(ctx) -> None:
    """List communities with their seats."""
    with transaction(ctx.sessions()) as session:
        rows = communities.list_communities(session)
        if not rows:
            click.echo("No communities yet. Create one with: kith community create SLUG ...")
            return
        for c in rows:
            taken = communities.seats_taken(session, c)
            waiting = communities.waitlist_length(session, c)
            click.echo(
                f"{c.slug:<20} {taken:>3}/{c.capacity:<3} seats  {waiting:>2} waiting  "
                f"{c.join_policy.value:<8} {c.name}"
            )


# -- members -------------------------------------------------------------------


@main.group()
def member() -> None:
    """Add, list, approve and remove members."""


def _community(session, slug):
    return communities.get_community(session, slug)


@member.command("add")
@click.argument("slug")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
@click.option("--invite", is_flag=True, help="Send a confirmation link instead of adding.")
@pass_ctx
def member_add(ctx, slug, email, name, invite) -> None:
    """Add someone (they get the welcome mail), or with --invite ask them to confirm."""
    settings = ctx.settings
    try:
        with transaction(ctx.sessions()) as session:
            c = _community(session, slug)
            if invite:
                members.request_join(
                    session,
                    c,
                    email,
                    display_name=name,
                    now=now(),
                    domain=settings.domain,
                    mails_per_hour=settings.join_mails_per_address,
                )
                outcome = "invited"
            else:
                m = members.add_member(
                    session, c, email, display_name=name, now=now(), domain=settings.domain
                )
                outcome = m.status.value
            ctx.dispatch(session)
    except CommunityError as exc:
        fail(str(exc), 2)
    click.echo(f"{email}: {outcome}")


@member.command("list")
@click.argument("slug")
@click.option(
    "--status",
    type=click.Choice([s.value for s in MemberStatus]),
    multiple=True,
    help="Only these statuses (repeatable).",
)
@pass_ctx
def member_list(ctx, slug, status) -> None:
    """List members with status, delivery mode and role."""
    try:
        with transaction(ctx.sessions()) as session:
            c = _community(session, slug)
            wanted = tuple(MemberStatus(s) for s in status) or None
            for m in members.list_members(session, c, wanted):
                click.echo(
                    f"{m.address:<40} {m.status.value:<18} {m.delivery_mode.value:<10} "
                    f"{m.role.value:<7} {m.display_name}"
                )
    except CommunityError as exc:
        fail(str(exc), 2)


def _member_action(ctx, slug, email, action) -> None:
    try:
        with transaction(ctx.sessions()) as session:
            c = _community(session, slug)
            m = members.get_member(session, c, email)
            action(session, m)
            status = m.status.value
            ctx.dispatch(session)
    except CommunityError as exc:
        fail(str(exc), 2)
    click.echo(f"{email}: {status}")


@member.command("remove")
@click.argument("slug")
@click.argument("email")
@pass_ctx
def member_remove(ctx, slug, email) -> None:
    """Remove a member; the head of the waitlist gets the seat."""
    d = ctx.settings.domain
    _member_action(ctx, slug, email, lambda s, m: members.remove_member(s, m, now=now(), domain=d))


@member.command("approve")
@click.argument("slug")
@click.argument("email")
@pass_ctx
def member_approve(ctx, slug, email) -> None:
    """Approve a join request (approval-policy communities)."""
    d = ctx.settings.domain
    _member_action(
        ctx,
        slug,
        email,
        lambda s, m: members.decide_approval(s, m, approve=True, now=now(), domain=d),
    )


@member.command("decline")
@click.argument("slug")
@click.argument("email")
@pass_ctx
def member_decline(ctx, slug, email) -> None:
    """Decline a join request."""
    d = ctx.settings.domain
    _member_action(
        ctx,
        slug,
        email,
        lambda s, m: members.decide_approval(s, m, approve=False, now=now(), domain=d),
    )


# -- mail debugging ---------------------------------------------------------------


@main.group("mail")
def mail_group() -> None:
    """Look at raw mail the way Kith does."""


@mail_group.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, per line.")
@click.option("--domain", default=None, help="Our mail domain, for loop detection.")
@pass_ctx
def mail_parse(ctx, files, as_json, domain) -> None:
    """Parse raw RFC 5322 files: kind, extracted reply, sender, ids.

    Exit code 1 if a file could not be read (the others are still printed).
    """
    import json

    from mail.inbound.parse import parse_message

    domain = domain or ctx.settings.domain
    failed = False
    for name in files:
        try:
            with open(name, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            click.echo(f"Error: cannot read {name}: {exc.strerror}", err=True)
            failed = True
            continue
        m = parse_message(raw, our_domain=domain)
        record = {
            "file": name,
            "kind": m.kind.value,
            "reply": m.reply,
            "full_text": m.full_text,
            "from": m.from_address,
            "from_name": m.from_name,
            "subject": m.subject,
            "message_id": m.message_id,
            "in_reply_to": m.in_reply_to,
            "references": list(m.references),
            "date": m.date.isoformat() if m.date else None,
            "reason": m.reason,
            "attachments": [
                {"filename": a.filename, "content_type": a.content_type, "size": a.size}
                for a in m.attachments
            ],
            "bounced_recipients": list(m.bounced_recipients),
            "bounce_permanent": m.bounce_permanent,
            "defects": list(m.defects),
            # What was cut from full_text to give reply, and by which rule.
            "trimmed": [{"rule": t.rule, "text": t.text} for t in m.trimmed],
            "hold_reason": m.hold_reason,
        }
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            click.echo(f"== {name}: {m.kind.value} from {m.from_address or '?'}: {m.subject}")
            click.echo(m.reply)
    if failed:
        sys.exit(1)


# -- processes -----------------------------------------------------------------


@main.command()
@click.option("--burst", is_flag=True, help="Quit when the queues are empty.")
@pass_ctx
def worker(ctx, burst) -> None:
    """Run an RQ worker on Kith's queues (retries are driven by the ledger's sweeper)."""
    from rq import Worker

    from jobs import queues

    conn = queues.connection(ctx.settings)
    w = Worker([queues.queue(ctx.settings, name) for name in queues.ALL_QUEUES], connection=conn)
    w.work(burst=burst)


@main.command()
@pass_ctx
def scheduler(ctx) -> None:
    """Run RQ's cron scheduler with the registrations in jobs/cron.py."""
    from rq.cron import CronScheduler

    from jobs import queues
    from jobs.cron import register_all

    cron = CronScheduler(connection=queues.connection(ctx.settings))
    register_all(cron, ctx.settings)
    cron.start()


@main.command()
@pass_ctx
def smtp(ctx) -> None:
    """Run the inbound SMTP server."""
    from mail.inbound.server import main as serve

    serve(ctx.settings)


@main.command()
@click.option("--no-demo", is_flag=True, help="Do not create the demo community.")
@pass_ctx
def dev(ctx, no_demo) -> None:
    """Run web, SMTP, worker and scheduler together on the embedded defaults."""
    from .devserver import run_dev

    sys.exit(run_dev(ctx.settings, demo=not no_demo))


# The weekly-rhythm commands live in their own module and register on `main`.
from . import cli_mail, cli_weekly  # noqa: E402, F401

if __name__ == "__main__":
    # Run the package's module (not this __main__ copy), where those commands live.
    from web.cli import main as kith

    kith()
