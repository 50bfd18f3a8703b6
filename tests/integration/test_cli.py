"""The `kith` command, run as a real process against the test database and Redis."""

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
        "2",
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
