"""The `kith` command against the test database and Redis (in this process, and once as a
real process to prove the entry point)."""

import pytest

from ..helpers import run_kith


@pytest.fixture
def kith(settings):
    return lambda *args: run_kith(settings, *args)


def test_host_administration_round_trip(kith, settings, work, runtime):
    made = kith(
        "community",
        "create",
        "masters",
        "--name",
        "Masterminds",
        "--host",
        "hana@example.com",
        "--capacity",
        "1",
        "--timezone",
        "Europe/Paris",
    )
    assert made.returncode == 0, made.stderr
    assert "/c/masters" in made.stdout

    assert (
        kith("member", "add", "masters", "anne@example.com", "--name", "Anne").stdout.strip()
        == "anne@example.com: active"
    )
    assert (
        kith("member", "add", "masters", "bart@example.org").stdout.strip()
        == "bart@example.org: waitlisted"
    )
    listing = kith("member", "list", "masters").stdout
    assert "anne@example.com" in listing and "waitlisted" in listing and "host" in listing

    assert kith("member", "remove", "masters", "anne@example.com").returncode == 0
    only_active = kith("member", "list", "masters", "--status", "active").stdout
    assert "bart@example.org" in only_active and "anne@example.com" not in only_active
    assert "masters" in kith("community", "list").stdout

    work()  # the welcome and waitlist mails queued by the CLI are delivered
    from ..conftest import outbox_files

    assert len(outbox_files(settings)) == 3  # welcome, waitlisted, seat opened


@pytest.mark.parametrize(
    "args, message",
    [
        (("community", "create", "Bad Slug", "--name", "X", "--host", "h@example.com"), "Slug"),
        (("community", "create", "ok", "--name", "X", "--host", "nobody"), "email"),
        (
            (
                "community",
                "create",
                "ok",
                "--name",
                "X",
                "--host",
                "h@example.com",
                "--timezone",
                "Nowhere/City",
            ),
            "timezone",
        ),
        (("member", "add", "missing", "anne@example.com"), "No community"),
        (("member", "remove", "missing", "anne@example.com"), "No community"),
    ],
)
def test_bad_input_gets_a_message_and_exit_code_2(kith, args, message):
    result = kith(*args)
    assert result.returncode == 2
    assert message.lower() in result.stderr.lower() and "Traceback" not in result.stderr


def test_duplicate_slug_and_unknown_member(kith):
    assert (
        kith("community", "create", "dup", "--name", "X", "--host", "h@example.com").returncode == 0
    )
    again = kith("community", "create", "dup", "--name", "X", "--host", "h@example.com")
    assert again.returncode == 2 and "already exists" in again.stderr
    gone = kith("member", "remove", "dup", "zed@example.com")
    assert gone.returncode == 2 and "not on the list" in gone.stderr


def test_db_upgrade_is_idempotent(kith):
    assert kith("db", "upgrade").returncode == 0
    assert kith("db", "upgrade").returncode == 0


def test_kith_help_lists_every_command_with_one_line(settings):
    """`kith --help` from the installed entry point, as a host would first type it."""
    import re

    from cli import main

    done = run_kith(settings, "--help", real_process=True)
    assert done.returncode == 0, done.stderr
    listed = dict(re.findall(r"^  (\S+)\s+(\S.*)$", done.stdout.split("Commands:")[1], re.M))
    assert set(listed) == set(main.commands)
    assert all(help_line.strip() for help_line in listed.values())
    for name, command in main.commands.items():  # and every subcommand says what it does
        for sub, child in getattr(command, "commands", {}).items():
            assert child.get_short_help_str(), f"kith {name} {sub} has no help"
