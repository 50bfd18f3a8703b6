"""`kith mail parse`, `kith dkim`, `kith doctor`: mail as Kith reads and signs it."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .base import Context, fail, main, pass_ctx


@main.group("mail")
def mail_group() -> None:
    """Look at raw mail the way Kith does."""


@mail_group.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, per line.")
@click.option("--domain", default=None, help="Our mail domain, for loop detection.")
@pass_ctx
def mail_parse(ctx: Context, files: tuple[str, ...], as_json: bool, domain: str | None) -> None:
    """Parse raw RFC 5322 files: kind, extracted reply, sender, ids.

    Exit code 2 if a file could not be read (the others are still printed).
    """
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
        if as_json:
            click.echo(json.dumps(_record(name, m), ensure_ascii=False))
        else:
            click.echo(f"== {name}: {m.kind.value} from {m.from_address or '?'}: {m.subject}")
            click.echo(m.reply)
    if failed:
        sys.exit(2)


def _record(name: str, m: Any) -> dict[str, Any]:
    return {
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


@main.group()
def dkim() -> None:
    """The DKIM key that signs outbound mail."""


@dkim.command("generate")
@click.option("--force", is_flag=True, help="Replace an existing key (re-publish the record!).")
@pass_ctx
def dkim_generate(ctx: Context, force: bool) -> None:
    """Make a signing key (in the data folder, or at KITH_DKIM_KEY) and print its record."""
    from mail.outbound.signing import generate_key, key_path, load_key

    path = key_path(ctx.settings)
    try:
        generate_key(path, overwrite=force)
    except FileExistsError as exc:
        fail(str(exc))
    key = load_key(ctx.settings)
    assert key is not None
    click.echo(f"Wrote {path}")
    _print_record(key)


@dkim.command("show")
@pass_ctx
def dkim_show(ctx: Context) -> None:
    """Print the DNS record for the configured key."""
    from mail.outbound.signing import key_path, load_key

    key = load_key(ctx.settings)
    if key is None:
        fail(f"no key at {key_path(ctx.settings)}; run `kith dkim generate`")
    _print_record(key)


def _print_record(key: Any) -> None:
    from mail.doctor import txt_record

    click.echo("Publish this TXT record:")
    click.echo(txt_record(key.dns_name(), key.dns_value()))


@main.command()
@click.option("--sending-ip", default="", help="The address your relay sends from, if known.")
@pass_ctx
def doctor(ctx: Context, sending_ip: str) -> None:
    """Check the DNS and relay a host is about to trust; print what to publish."""
    from mail.doctor import report, run_checks

    checks = run_checks(ctx.settings, sending_ip=sending_ip or None)
    click.echo(report(checks, ctx.settings))
    sys.exit(1 if any(c.status == "fail" for c in checks) else 0)
