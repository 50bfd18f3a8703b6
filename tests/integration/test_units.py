"""One unit of work per entry point: commit, then dispatch; one clock, the dev clock's too."""

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cli import main as kith
from community.db import make_engine
from community.models import Member, OutboundMessage, Post
from jobs import queues

from ..helpers import kith_env, member, run_kith, uow


def visible_elsewhere(settings, ids: list[int]) -> int:
    """How many of these ledger rows another connection (a worker) can see."""
    engine = make_engine(settings.effective_database_url)
    with engine.connect() as conn:
        found = conn.execute(
            select(func.count(OutboundMessage.id)).where(OutboundMessage.id.in_(ids))
        ).scalar_one()
    engine.dispose()
    return found


@pytest.fixture
def dispatches(settings, monkeypatch):
    """What the commands hand to delivery, and how much of it a worker could see then."""
    seen: list[tuple[int, int]] = []

    def enqueue(_settings, ids):
        ids = list(ids)
        seen.append((len(ids), visible_elsewhere(settings, ids)))
        return len(ids)

    monkeypatch.setattr(queues, "enqueue_delivery", enqueue)
    return seen


def invoke(settings, *args):
    result = CliRunner().invoke(kith, list(args), env=kith_env(settings), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_commands_hand_mail_to_the_workers_only_once_it_is_committed(
    settings, make_community, dispatches
):
    """`member add` and `member remove` (which gives the seat to the waitlist) used to
    enqueue inside their transaction: on PostgreSQL the worker found no row."""
    make_community(slug="circle", capacity=1)  # one seat (the host takes none)
    invoke(settings, "member", "add", "circle", "anne@example.com")
    invoke(settings, "member", "add", "circle", "bart@example.org")  # waitlisted
    invoke(settings, "member", "remove", "circle", "anne@example.com")  # Bart gets the seat
    assert [n for n, _ in dispatches] == [1, 1, 1]  # welcome, waitlisted, seat opened
    assert all(visible == n for n, visible in dispatches), dispatches


def test_a_unit_that_fails_dispatches_nothing(settings, runtime, make_community, dispatches):
    from community import members
    from community.communities import get_community

    make_community(slug="circle")
    with pytest.raises(RuntimeError), runtime.units.open() as work:
        members.add_member(work, get_community(work.session, "circle"), "anne@example.com")
        raise RuntimeError("the command failed after queueing mail")
    assert dispatches == []
    assert visible_elsewhere(settings, list(range(1, 100))) == 0


def test_commands_typed_next_to_kith_dev_follow_its_clock(settings, sessions, make_community, db):
    """`kith clock advance` moves every command on the data folder, not only the
    processes `kith dev` started: `member add` and `digest preview` used real time."""
    community = make_community(slug="circle")
    assert run_kith(settings, "clock", "advance", "8d").returncode == 0
    ahead = datetime.now(UTC) + timedelta(days=8)
    added = run_kith(settings, "member", "add", "circle", "anne@example.com", "--name", "Anne")
    assert added.returncode == 0, added.stderr
    assert abs(member(db, "anne@example.com").created_at - ahead) < timedelta(minutes=5)

    # A conversation started "now" on the dev clock: a week ahead of real time.
    from community import threads
    from community.communities import get_community

    with sessions.begin() as s:
        work = uow(s, ahead)
        c = get_community(s, "circle")
        anne = s.scalar(select(Member).where(Member.address == "anne@example.com"))
        thread = threads.start_thread(work, c, "Morning pages", anne)
        threads.add_post(
            work,
            thread,
            author=anne,
            author_name="Anne",
            author_address=anne.address,
            body="Three pages before breakfast, every day this week.",
            full_text="Three pages before breakfast, every day this week.",
            message_id=None,
            in_reply_to=None,
            inbound_id=None,
        )
    assert db.scalar(select(func.count(Post.id))) == 1
    db.commit()
    preview = run_kith(settings, "digest", "preview", "circle", "--text")
    assert preview.returncode == 0, preview.stderr
    assert "Morning pages" in preview.stdout and community.slug == "circle"
