"""`kith dkim` and `kith doctor`: the keys and DNS records a host publishes for Kith."""

from __future__ import annotations

import sys

import click

from .cli import main, pass_ctx


@main.group()
def dkim() -> None:
    """The DKIM key that signs outbound mail."""


@dkim.command("generate")
@click.option("--force", is_flag=True, help="Replace an existing key (re-publish the record!).")
@pass_ctx
def dkim_generate(ctx, force: bool) -> None:
    """Make a signing key (in the data folder, or at KITH_DKIM_KEY) and print its record."""
    from mail.outbound.signing import generate_key, key_path, load_key

    path = key_path(ctx.settings)
    try:
        generate_key(path, overwrite=force)
    except FileExistsError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    key = load_key(ctx.settings)
    assert key is not None
    click.echo(f"Wrote {path}")
    _print_record(key)


@dkim.command("show")
@pass_ctx
def dkim_show(ctx) -> None:
    """Print the DNS record for the configured key."""
    from mail.outbound.signing import key_path, load_key

    key = load_key(ctx.settings)
    if key is None:
        click.echo(f"Error: no key at {key_path(ctx.settings)}; run `kith dkim generate`", err=True)
        sys.exit(2)
    _print_record(key)


def _print_record(key) -> None:
    from mail.doctor import txt_record

    click.echo("Publish this TXT record:")
    click.echo(txt_record(key.dns_name(), key.dns_value()))


@main.command()
@click.option("--sending-ip", default="", help="The address your relay sends from, if known.")
@pass_ctx
def doctor(ctx, sending_ip: str) -> None:
    """Check the DNS and relay a host is about to trust; print what to publish."""
    from mail.doctor import report, run_checks

    checks = run_checks(ctx.settings, sending_ip=sending_ip or None)
    click.echo(report(checks, ctx.settings))
    sys.exit(1 if any(c.status == "fail" for c in checks) else 0)
