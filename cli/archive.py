"""`kith archive export SLUG`: a community's whole archive as an mbox file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from community import communities, mbox
from community.errors import UnknownCommunity

from .base import Context, fail, main, pass_ctx


@main.group()
def archive() -> None:
    """The members' archive."""


@archive.command("export")
@click.argument("slug")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default=None,
    help="File to write (default: SLUG-archive.mbox; '-' for standard output).",
)
@pass_ctx
def archive_export(ctx: Context, slug: str, output: str | None) -> None:
    """Write every post of the community, oldest first, as an mboxrd file that mail
    clients and Mailman import. The file appears only once it is complete."""
    target = output or f"{slug}-archive.mbox"
    with ctx.units.open(read_only=True) as uow:
        try:
            community = communities.get_community(uow.session, slug)
        except UnknownCommunity as exc:
            fail(str(exc))
        count = 0
        if target == "-":
            for chunk in mbox.export_mbox(uow.session, community.id):
                sys.stdout.buffer.write(chunk)
                count += 1
            sys.stdout.buffer.flush()
            click.echo(f"{count} posts written.", err=True)
            return
        path = Path(target)
        partial = path.with_name(f".{path.name}.partial")
        with open(partial, "wb") as fh:
            for chunk in mbox.export_mbox(uow.session, community.id):
                fh.write(chunk)
                count += 1
        os.replace(partial, path)
    click.echo(f"{count} posts written to {path}.")
