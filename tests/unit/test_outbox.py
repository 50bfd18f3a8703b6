"""The outbound ledger: one row per key, exclusive claims, backoff, lost-job discovery."""

from datetime import UTC, datetime, timedelta

import pytest

from community import outbox
from community.models import SendStatus

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def queue(db, subject="member:1:request:1", recipient="anne@example.com", now=NOW):
    return outbox.queue_mail(
        db, purpose="welcome", subject=subject, recipient=recipient, domain="kith.example", now=now
    )


def test_same_key_gives_the_same_row(db):
    a = queue(db)
    b = queue(db)
    c = queue(db, recipient="bart@example.org")
    db.flush()
    assert a.id == b.id != c.id
    assert outbox.new_rows(db) == [a, c]


def test_claim_is_exclusive_until_the_lease_runs_out(sessions):
    with sessions.begin() as s:
        row_id = queue(s).id
    with sessions.begin() as s:
        assert outbox.claim(s, row_id, NOW).attempts == 1
    with sessions.begin() as s:
        assert outbox.claim(s, row_id, NOW + timedelta(minutes=1)) is None
    with sessions.begin() as s:  # the first worker died; its lease expired
        assert outbox.claim(s, row_id, NOW + outbox.LEASE + timedelta(seconds=1)).attempts == 2


def test_sent_row_is_never_claimed_again(sessions):
    with sessions.begin() as s:
        row_id = queue(s).id
    with sessions.begin() as s:
        outbox.record_sent(outbox.claim(s, row_id, NOW), "250 ok", NOW)
    with sessions.begin() as s:
        assert outbox.claim(s, row_id, NOW + timedelta(days=1)) is None
        assert outbox.due_row_ids(s, NOW + timedelta(days=1)) == []


def test_transient_failures_back_off_then_fail(sessions):
    with sessions.begin() as s:
        row_id = queue(s).id
    now = NOW
    waits = []
    for _ in range(4):
        with sessions.begin() as s:
            row = outbox.claim(s, row_id, now)
            due = outbox.record_transient_failure(row, "451 busy", now, max_attempts=4)
            if due is None:
                assert row.status == SendStatus.FAILED and row.last_reply == "451 busy"
                break
            waits.append(due - now)
            assert outbox.claim(s, row_id, now) is None  # not before its time
            now = due
    assert waits == list(outbox.BACKOFF[:3])


def test_permanent_failure_is_recorded(sessions):
    with sessions.begin() as s:
        row_id = queue(s).id
    with sessions.begin() as s:
        row = outbox.claim(s, row_id, NOW)
        outbox.record_permanent_failure(row, "550 5.1.1 no such user")
    with sessions.begin() as s:
        assert outbox.due_row_ids(s, NOW + timedelta(days=1)) == []


@pytest.mark.parametrize("age, due", [(timedelta(0), True), (timedelta(seconds=-1), False)])
def test_due_rows(db, age, due):
    row = queue(db, now=NOW + timedelta(seconds=1) if not due else NOW)
    db.flush()
    assert (row.id in outbox.due_row_ids(db, NOW + age)) is due
