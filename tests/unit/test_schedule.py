"""When work is due: local wall-clock times across DST, grace after downtime, order."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from community.models import Community
from community.schedule import (
    Unit,
    due_units,
    local_instant,
    next_occurrences,
    shift_week,
    week_of,
    week_plan,
)

GRACE = timedelta(hours=6)


def community(tz="Europe/Paris", **kw):
    values = dict(
        id=1,
        timezone=tz,
        prompt_weekday=0,
        prompt_hour=8,
        checkin_weekday=4,
        checkin_hour=16,
        reminder_delay_hours=24,
        digest_weekday=6,
        digest_hour=17,
        preview_hours=12,
        loop_paused=False,
    )
    values.update(kw)
    return Community(**values)


@pytest.mark.parametrize(
    "tz, weeks",
    [
        # Europe springs forward on 29 March 2026 and falls back on 25 October 2026.
        ("Europe/Paris", ["2026-W12", "2026-W13", "2026-W14", "2026-W43", "2026-W44"]),
        # The United States change on 8 March and 1 November 2026.
        ("America/New_York", ["2026-W10", "2026-W11", "2026-W44", "2026-W45"]),
    ],
)
def test_every_unit_keeps_its_local_wall_clock_time_across_dst(tz, weeks):
    c = community(tz)
    for week in weeks:
        plan = week_plan(c, week)
        local = {u: at.astimezone(ZoneInfo(tz)) for u, at in plan.items()}
        assert (local[Unit.PROMPT].weekday(), local[Unit.PROMPT].hour) == (0, 8)
        assert (local[Unit.CHECKIN].weekday(), local[Unit.CHECKIN].hour) == (4, 16)
        assert (local[Unit.DIGEST].weekday(), local[Unit.DIGEST].hour) == (6, 17)
        assert plan[Unit.PROMPT_REMINDER] - plan[Unit.PROMPT] == timedelta(hours=24)
        assert plan[Unit.DIGEST] - plan[Unit.DIGEST_PREVIEW] == timedelta(hours=12)


def test_the_utc_instant_moves_with_dst():
    before = local_instant("Europe/Paris", "2026-W13", 0, 8)  # Monday 23 March, CET
    after = local_instant("Europe/Paris", "2026-W14", 0, 8)  # Monday 30 March, CEST
    assert (before.hour, after.hour) == (7, 6)
    assert after - before == timedelta(days=7, hours=-1)


def test_weeks_are_local_iso_weeks():
    # Sunday 23:30 in New York is already Monday in UTC, but still last week locally.
    moment = datetime(2026, 3, 16, 3, 30, tzinfo=UTC)
    assert week_of(moment, "America/New_York") == "2026-W11"
    assert week_of(moment, "UTC") == "2026-W12"
    assert shift_week("2026-W01", -1) == "2025-W52" and shift_week("2026-W53", 1) == "2027-W01"


def test_nothing_is_due_before_its_time_and_each_unit_once():
    c = community("UTC")
    prompt = local_instant("UTC", "2026-W10", 0, 8)
    assert due_units(c, prompt - timedelta(minutes=1), set(), GRACE) == []
    [due] = due_units(c, prompt, set(), GRACE)
    assert (due.unit, due.week, due.at) == (Unit.PROMPT, "2026-W10", prompt)
    assert due_units(c, prompt + timedelta(minutes=5), {(Unit.PROMPT, "2026-W10")}, GRACE) == []


def test_work_missed_while_down_is_done_within_grace_not_after():
    c = community("UTC")
    prompt = local_instant("UTC", "2026-W10", 0, 8)
    assert [d.unit for d in due_units(c, prompt + timedelta(hours=5), set(), GRACE)] == [
        Unit.PROMPT
    ]
    assert due_units(c, prompt + timedelta(hours=7), set(), GRACE) == []


def test_reminders_and_checkins_wait_for_the_prompt():
    c = community("UTC")
    reminder = local_instant("UTC", "2026-W10", 0, 8) + timedelta(hours=24)
    units = [d.unit for d in due_units(c, reminder, set(), timedelta(days=2))]
    assert Unit.PROMPT in units and Unit.PROMPT_REMINDER not in units
    done = {(Unit.PROMPT, "2026-W10")}
    assert [d.unit for d in due_units(c, reminder, done, GRACE)] == [Unit.PROMPT_REMINDER]


def test_paused_loop_still_has_digests():
    c = community("UTC", loop_paused=True)
    sunday = local_instant("UTC", "2026-W10", 6, 17)
    monday = local_instant("UTC", "2026-W10", 0, 8)
    assert due_units(c, monday, set(), GRACE) == []
    assert [d.unit for d in due_units(c, sunday, set(), GRACE)] == [Unit.DIGEST]


def test_checkin_before_prompt_day_belongs_to_the_next_week():
    c = community("UTC", prompt_weekday=3, checkin_weekday=1)
    plan = week_plan(c, "2026-W10")
    assert plan[Unit.CHECKIN] - plan[Unit.PROMPT] == timedelta(days=5, hours=8)


def test_next_occurrences_are_all_in_the_future():
    c = community("Europe/Paris")
    now = datetime(2026, 3, 28, 12, tzinfo=UTC)
    upcoming = next_occurrences(c, now)
    assert set(upcoming) == set(Unit) and all(at > now for at in upcoming.values())
