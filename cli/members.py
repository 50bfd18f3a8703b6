"""`kith member`: add, list, approve, decline and remove members."""

from __future__ import annotations

from collections.abc import Callable

import click

from community import communities, members
from community.errors import CommunityError
from community.models import Member, MemberStatus
from community.uow import UnitOfWork

from .base import Context, fail, main, pass_ctx


@main.group()
def member() -> None:
    """Add, list, approve and remove members."""


@member.command("add")
@click.argument("slug")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
@click.option("--invite", is_flag=True, help="Send a confirmation link instead of adding.")
@pass_ctx
def member_add(ctx: Context, slug: str, email: str, name: str, invite: bool) -> None:
    """Add someone (they get the welcome mail), or with --invite ask them to confirm."""
    try:
        with ctx.units.open() as uow:
            c = communities.get_community(uow.session, slug)
            if invite:
                members.request_join(
                    uow,
                    c,
                    email,
                    display_name=name,
                    mails_per_hour=ctx.settings.join_mails_per_address,
                )
                outcome = "invited"
            else:
                outcome = members.add_member(uow, c, email, display_name=name).status.value
    except CommunityError as exc:
        fail(str(exc))
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
def member_list(ctx: Context, slug: str, status: tuple[str, ...]) -> None:
    """List members: membership, delivery, mode and role."""
    try:
        with ctx.units.open(read_only=True) as uow:
            c = communities.get_community(uow.session, slug)
            wanted = tuple(MemberStatus(s) for s in status) or None
            for m in members.list_members(uow.session, c, wanted):
                click.echo(
                    f"{m.address:<40} {m.status.value:<18} {m.delivery_status.value:<9} "
                    f"{m.delivery_mode.value:<10} {m.role.value:<7} {m.display_name}"
                )
    except CommunityError as exc:
        fail(str(exc))


def _act(ctx: Context, slug: str, email: str, action: Callable[[UnitOfWork, Member], object]):
    try:
        with ctx.units.open() as uow:
            m = members.get_member(uow.session, communities.get_community(uow.session, slug), email)
            action(uow, m)
            status = m.status.value
    except CommunityError as exc:
        fail(str(exc))
    click.echo(f"{email}: {status}")


@member.command("remove")
@click.argument("slug")
@click.argument("email")
@pass_ctx
def member_remove(ctx: Context, slug: str, email: str) -> None:
    """Remove a member; the head of the waitlist gets the seat."""
    _act(ctx, slug, email, members.remove_member)


@member.command("approve")
@click.argument("slug")
@click.argument("email")
@pass_ctx
def member_approve(ctx: Context, slug: str, email: str) -> None:
    """Approve a join request (approval-policy communities)."""
    _act(ctx, slug, email, lambda uow, m: members.decide_approval(uow, m, approve=True))


@member.command("decline")
@click.argument("slug")
@click.argument("email")
@pass_ctx
def member_decline(ctx: Context, slug: str, email: str) -> None:
    """Decline a join request."""
    _act(ctx, slug, email, lambda uow, m: members.decide_approval(uow, m, approve=False))
