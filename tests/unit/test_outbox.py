"""The outbound ledger: one row per key, exclusive claims, backoff, lost-job discovery."""

from datetime import UTC, datetime, timedelta

import pytest

from community import outbox
from community.models import SendStatus

from ..helpers import uow

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OWNER = "worker-a"


def queue(db, subject="member:1:request:1", recipient="anne@example.com", now=NOW, unit=None):
    return outbox.queue_mail(
        unit or uow(db, now), purpose="welcome", subject=subject, recipient=recipient
    )


def test_same_key_gives_the_same_row(db):
    work = uow(db, NOW)
    a = queue(db, unit=work)
    b = queue(db, unit=work)
    c = queue(db, recipient="bart@example.org", unit=work)
    db.flush()
    assert a.id == b.id != c.id
    assert work.queued == [a, c]  # what the unit dispatches once it commits


def test_claim_is_exclusive_until_the_lease_runs_out(sessions):
    with sessions.begin() as s:
        row_id = queue(s).id
    with sessions.begin() as s:
        assert outbox.claim(s, row_id, NOW, OWNER).attempts == 1
    with sessions.begin() as s:
        assert outbox.claim(s, row_id, NOW + timedelta(seconds=10), OWNER) is None
    with sessions.begin() as s:  # the first worker died; its lease expired
        later = NOW + outbox.LEASE + timedelta(seconds=1)
        assert outbox.claim(s, row_id, later, OWNER).attempts == 2


def test_sent_row_is_never_claimed_again(sessions):
    with sessions.begin() as s:
        row_id = queue(s).id
    with sessions.begin() as s:
        outbox.record_sent(outbox.claim(s, row_id, NOW, OWNER), "250 ok", NOW)
    with sessions.begin() as s:
        assert outbox.claim(s, row_id, NOW + timedelta(days=1), OWNER) is None
        assert outbox.due_row_ids(s, NOW + timedelta(days=1)) == []


def test_transient_failures_back_off_then_fail(sessions):
    with sessions.begin() as s:
        row_id = queue(s).id
    now = NOW
    waits = []
    for _ in range(4):
        with sessions.begin() as s:
            row = outbox.claim(s, row_id, now, OWNER)
            due = outbox.record_transient_failure(row, "451 busy", now, max_attempts=4)
            if due is None:
                assert row.status == SendStatus.FAILED and row.last_reply == "451 busy"
                break
            waits.append(due - now)
            assert outbox.claim(s, row_id, now, OWNER) is None  # not before its time
            now = due
    assert waits == list(outbox.BACKOFF[:3])


def test_permanent_failure_is_recorded(sessions):
    with sessions.begin() as s:
        row_id = queue(s).id
    with sessions.begin() as s:
        row = outbox.claim(s, row_id, NOW, OWNER)
        outbox.record_permanent_failure(row, "550 5.1.1 no such user")
    with sessions.begin() as s:
        assert outbox.due_row_ids(s, NOW + timedelta(days=1)) == []


@pytest.mark.parametrize(
    "age, due",
    [(outbox.FRESH_GRACE, True), (outbox.FRESH_GRACE - timedelta(seconds=1), False)],
)
def test_fresh_rows_are_left_to_their_own_job_for_a_grace_period(db, age, due):
    row = queue(db, now=NOW)
    db.flush()
    assert (row.id in outbox.due_row_ids(db, NOW + age)) is due


def test_a_retry_is_handed_out_as_soon_as_it_falls_due(sessions):
    """The ledger drives retries: no job scheduled in Redis has to survive."""
    with sessions.begin() as s:
        row_id = queue(s).id
    with sessions.begin() as s:
        due = outbox.record_transient_failure(outbox.claim(s, row_id, NOW, OWNER), "451", NOW, 5)
    with sessions.begin() as s:
        assert outbox.due_row_ids(s, due - timedelta(seconds=1)) == []
        assert outbox.due_row_ids(s, due) == [row_id]


def test_rows_of_a_dead_worker_are_free_once_its_lease_runs_out(sessions):
    with sessions.begin() as s:
        row_id = queue(s).id
    with sessions.begin() as s:
        outbox.claim(s, row_id, NOW, OWNER)
    with sessions.begin() as s:
        assert outbox.due_row_ids(s, NOW + outbox.LEASE - timedelta(seconds=1)) == []
        # No grace on top of the lease: a claimed row's job evidently ran and died.
        assert outbox.due_row_ids(s, NOW + outbox.LEASE + timedelta(seconds=1)) == [row_id]


def test_renewed_leases_keep_rows_from_the_sweeper_and_fence_out_others(sessions):
    with sessions.begin() as s:
        row_id = queue(s).id
    with sessions.begin() as s:
        outbox.claim(s, row_id, NOW, OWNER)
    later = NOW + outbox.LEASE - timedelta(seconds=5)
    engine = sessions.kw["bind"]
    with engine.connect() as conn:
        assert outbox.renew_leases(conn, OWNER, later) == 1
    with sessions.begin() as s:
        assert outbox.due_row_ids(s, NOW + outbox.LEASE + timedelta(seconds=1)) == []
    # Long after, the lease ran out and another worker took the row: the first one's
    # hand-over is refused, so it never sends what is no longer its to send.
    much_later = later + outbox.LEASE + timedelta(seconds=1)
    with sessions.begin() as s:
        assert outbox.claim(s, row_id, much_later, "worker-b") is not None
    with engine.connect() as conn:
        assert outbox.mark_handed(conn, row_id, OWNER, much_later) is False
        assert outbox.mark_handed(conn, row_id, "worker-b", much_later) is True
